// What the router adds to a request on its way to a dyno, and which dyno gets it: pure decisions.
import type { RequestHead } from "./http-head.ts";
import type { Outgoing } from "./socket-writer.ts";
import type { Backend } from "./types.ts";

// Heroku keeps a client's X-Request-Id when it is 20–200 characters of this alphabet.
const CLIENT_REQUEST_ID = /^[A-Za-z0-9+=/-]{20,200}$/;

export function chooseRequestId(fromClient: string | null): string {
  return fromClient !== null && CLIENT_REQUEST_ID.test(fromClient) ? fromClient : crypto.randomUUID();
}

/** Heroku appends the peer to any incoming X-Forwarded-For; the last entry is the one to trust. */
export function forwardedFor(incoming: string | null, clientIp: string): string {
  return incoming === null || incoming === "" ? clientIp : `${incoming}, ${clientIp}`;
}

export interface Forwarding {
  forwardedFor: string;
  proto: "http" | "https";
  port: number;
  requestId: string;
  startedAtMs: number;
}

/**
 * The head sent upstream: the client's head minus hop-by-hop and spoofable headers, plus Heroku's.
 * ASCII text unless a client's header value holds other bytes, which must then pass unchanged.
 */
export function upstreamHead(req: RequestHead, fwd: Forwarding): Outgoing {
  const head = `${req.forwardHead}X-Forwarded-For: ${fwd.forwardedFor}\r\nX-Forwarded-Proto: ${fwd.proto}\r\n` +
    `X-Forwarded-Port: ${fwd.port}\r\nX-Request-Start: ${fwd.startedAtMs}\r\nX-Request-Id: ${fwd.requestId}\r\nVia: 1.1 slipway\r\n\r\n`;
  return req.asciiOnly ? head : Buffer.from(head, "latin1");
}

/**
 * Heroku's choice: a uniformly random up dyno, no affinity. With `busy` (the least-connections lab),
 * a random one of those with the fewest requests in flight, so a slow request does not hold up the
 * fast ones queued behind it on the same dyno. `avoid` is a dyno that just failed.
 */
export function pickBackend(
  backends: readonly Backend[], avoid: Backend | null, busy: ((backend: Backend) => number) | null = null,
  random: () => number = Math.random,
): Backend | null {
  let candidates = avoid === null || backends.length < 2 ? backends : backends.filter((b) => !sameBackend(b, avoid));
  if (busy !== null && candidates.length > 1) {
    const load = candidates.map(busy);
    const least = Math.min(...load);
    candidates = candidates.filter((_, i) => load[i] === least);
  }
  if (candidates.length === 0) return null;
  return candidates[Math.floor(random() * candidates.length)] ?? null;
}

export function sameBackend(a: Backend, b: Backend): boolean {
  return a.host === b.host && a.port === b.port;
}
