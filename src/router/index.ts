// Slipway's router: a host-based reverse proxy with Heroku's semantics, on Bun's raw TCP sockets
// (its own HTTP/1.1 head parser, pooled keep-alive upstreams, bodies streamed, never buffered).
import type { Socket, SocketHandler } from "bun";
import { ClientConnection, type ListenerInfo, type RouterContext } from "./client-connection.ts";
import type { RouterOptions, TlsCertificate } from "./types.ts";
import { startTlsListener, type TlsListener } from "./tls.ts";
import { UpstreamPool } from "./upstream-pool.ts";

export type { AppRoute, Backend, LogSink, RouterOptions, RouterTimeouts, TlsCertificate } from "./types.ts";
export { ACME_CHALLENGE_PATH, challengeKey, type AcmeChallenges } from "./acme-challenge.ts";
export { accessLine, type AccessRecord } from "./access-log.ts";

const DEFAULT_TIMEOUTS = { connectMs: 5_000, firstByteMs: 30_000, idleMs: 55_000, headerReadMs: 10_000 };
/** Idle upstream connections close before the usual app keep-alive timeout (Node's is 5 s). */
const POOL_IDLE_MS = 2_000;

export interface RunningRouter {
  port: number;
  tlsPort?: number;
  /** Replaces the HTTPS certificates: new connections get the new set, open ones carry on. */
  setCertificates(certificates: TlsCertificate[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startRouter(opts: RouterOptions): Promise<RunningRouter> {
  // Bun.listen takes SNI certificates only as a fixed list (no per-handshake callback), so `certFor`
  // cannot be honoured yet; refuse rather than serve plain HTTP where HTTPS was asked for.
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const ctx: RouterContext = {
    routeFor: opts.routeFor,
    log: opts.log,
    timeouts,
    pool: new UpstreamPool(),
    clock: { now: performance.now() },
    connections: new Set(),
    acmeChallenges: opts.acmeChallenges ?? new Map(),
    httpsPort: null,
  };
  const hostname = opts.hostname ?? "0.0.0.0";
  const httpInfo: ListenerInfo = { proto: "http", port: 0 };
  const listener = Bun.listen<ClientConnection>({ hostname, port: opts.port, socket: clientHandlers(ctx, httpInfo) });
  httpInfo.port = listener.port;

  // HTTPS listens from the first certificate on: an idle server with none doesn't carry node:tls.
  const httpsInfo: ListenerInfo = { proto: "https", port: opts.tls?.port ?? 0 };
  if (opts.tls?.port) ctx.httpsPort = opts.tls.port;
  let tlsListener: TlsListener | null = null;
  let tlsStarting: Promise<TlsListener> | null = null;
  const setCertificates = async (certificates: TlsCertificate[]) => {
    if (!opts.tls) return;
    if (!tlsListener && certificates.length > 0) {
      tlsStarting ??= startTlsListener({ hostname, port: opts.tls.port, handlers: clientHandlers(ctx, httpsInfo), certificates });
      tlsListener = await tlsStarting;
      httpsInfo.port = ctx.httpsPort = tlsListener.port;
    }
    tlsListener?.setCertificates(certificates);
  };
  await setCertificates(opts.tls?.certificates ?? []);

  // Deadlines are swept rather than armed per request: a timer per request costs more than a scan of
  // the open connections a few times per shortest timeout.
  const tickMs = Math.min(500, Math.max(5, Math.min(...Object.values(timeouts)) / 10));
  const sweeper = setInterval(() => {
    const now = (ctx.clock.now = performance.now());
    for (const conn of ctx.connections) if (conn.deadline <= now) conn.onDeadline();
    ctx.pool.closeIdleSince(now - POOL_IDLE_MS);
  }, tickMs);

  return {
    port: listener.port,
    get tlsPort() {
      return tlsListener?.port;
    },
    setCertificates,
    async stop() {
      clearInterval(sweeper);
      listener.stop(true);
      tlsListener?.stop();
      for (const conn of [...ctx.connections]) conn.socket.terminate();
      ctx.pool.closeAll();
    },
  };
}

function clientHandlers(ctx: RouterContext, info: ListenerInfo): SocketHandler<ClientConnection> {
  return {
    open(socket) {
      socket.data = new ClientConnection(socket, ctx, info);
    },
    data(socket, bytes) {
      socket.data.onData(bytes);
    },
    drain(socket) {
      socket.data.onDrain();
    },
    close(socket) {
      socket.data?.onClose();
    },
    error(socket: Socket<ClientConnection>, error: Error) {
      // A handler threw: this connection's state can no longer be trusted, the others are unaffected.
      console.error(`router: internal error on a client connection: ${error.message}`);
      socket.terminate();
    },
  };
}
