// Syslog drains: RFC 5424 over TCP (or TLS), octet-counted framing (RFC 6587), one connection kept open.
import type { Socket } from "bun";
import type { DrainTransport } from "./drains.ts";
import { syslogDrainFrame } from "./syslog.ts";

export function syslogDrainTransport(url: URL, token: string, tls: boolean, timeoutMs: number): DrainTransport {
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port ? Number(url.port) : tls ? 6514 : 514;
  let socket: Socket | undefined;
  // Settles the write in progress when the socket can take more, or fails it when the socket dies.
  let writable: { resolve(): void; reject(err: Error): void } | undefined;

  const handlers = {
    data() {}, // receivers do not talk back
    drain() {
      writable?.resolve();
    },
    close(s: Socket) {
      if (socket === s) socket = undefined;
      writable?.reject(new Error(`${url.host} closed the connection`));
    },
    error(s: Socket, err: Error) {
      if (socket === s) socket = undefined;
      writable?.reject(err);
    },
  };

  async function connect(signal: AbortSignal): Promise<Socket> {
    const connecting = Bun.connect({ hostname, port, tls, socket: handlers });
    const s = await deadline(connecting, timeoutMs, signal, `connecting to ${url.host}`).catch((err: Error) => {
      connecting.then((late) => late.end(), () => undefined); // a connection that arrives after we gave up is closed
      throw err;
    });
    socket = s;
    return s;
  }

  return {
    encode(lines) {
      let body = "";
      for (const line of lines) body += syslogDrainFrame(line, token);
      return body;
    },
    async deliver(body, _count, signal) {
      const s = socket ?? (await connect(signal));
      let rest: Uint8Array = Buffer.from(body);
      while (rest.length > 0) {
        const written = s.write(rest);
        if (written < 0) throw new Error(`${url.host} closed the connection`);
        rest = rest.subarray(written);
        if (rest.length > 0) {
          const wait = new Promise<void>((resolve, reject) => (writable = { resolve, reject }));
          await deadline(wait, timeoutMs, signal, `writing to ${url.host}`).finally(() => (writable = undefined));
        }
      }
      return "sent";
    },
    close() {
      socket?.end();
      socket = undefined;
    },
  };
}

/** `work`, or a rejection after `ms` or when `signal` aborts. */
function deadline<T>(work: Promise<T>, ms: number, signal: AbortSignal, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (reason: string) => {
      cleanup();
      reject(new Error(`${what}: ${reason}`));
    };
    const timer = setTimeout(() => fail(`no answer in ${ms} ms`), ms);
    const onAbort = () => fail("stopped");
    const cleanup = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort);
    work.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (err: Error) => {
        cleanup();
        reject(err);
      },
    );
  });
}
