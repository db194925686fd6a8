// HTTPS drains: Logplex's batched POST of octet-counted syslog frames (application/logplex-1).
import type { DrainTransport } from "./drains.ts";
import { httpsDrainFrame } from "./syslog.ts";

export const DRAIN_USER_AGENT = "Logplex/slipway";

export function httpDrainTransport(url: URL, token: string, hostName: () => string, timeoutMs: number): DrainTransport {
  // fetch refuses URLs with credentials; Logplex sends them as Basic auth.
  const authorization = url.username
    ? `Basic ${btoa(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`)}`
    : undefined;
  const target = new URL(url);
  target.username = "";
  target.password = "";
  return {
    encode(lines) {
      const host = hostName();
      let body = "";
      for (const line of lines) body += httpsDrainFrame(line, host);
      return body;
    },
    async deliver(body, count, signal) {
      const headers: Record<string, string> = {
        "Content-Type": "application/logplex-1",
        "Logplex-Msg-Count": String(count),
        "Logplex-Frame-Id": crypto.randomUUID().replaceAll("-", "").toUpperCase(),
        "Logplex-Drain-Token": token,
        "User-Agent": DRAIN_USER_AGENT,
      };
      if (authorization) headers.Authorization = authorization;
      const res = await fetch(target, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      await res.body?.cancel(); // the answer's body means nothing to a drain; free the connection
      if (res.ok) return "sent";
      // As Logplex: 4xx is the endpoint refusing these lines for good, anything else is worth a retry.
      if (res.status >= 400 && res.status < 500) return "rejected";
      throw new Error(`${target.origin} answered ${res.status}`);
    },
    close() {},
  };
}
