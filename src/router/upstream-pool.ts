// Keep-alive connections to dynos, pooled per host:port. A request takes an idle connection if one
// is there, else opens a new one; a finished exchange gives its connection back unless either side
// said it would close. Idle connections are closed before typical app keep-alive timeouts (Node: 5 s)
// so a request rarely meets one the app is closing at that moment. The pool also counts each dyno's
// requests in flight (connections taken and not yet given back), for least-connections routing.
import type { Socket, SocketHandler } from "bun";
import { SocketWriter } from "./socket-writer.ts";
import type { Backend } from "./types.ts";

/** The exchange currently using a connection. */
export interface UpstreamOwner {
  upstreamOpened(): void;
  upstreamData(bytes: Buffer): void;
  upstreamDrained(): void;
  upstreamClosed(): void;
  upstreamConnectFailed(error: Error): void;
}

export class UpstreamConnection {
  socket: Socket<UpstreamConnection> | null = null;
  readonly writer = new SocketWriter(null);
  /** Taken from the pool rather than freshly connected: the app may have closed it meanwhile. */
  reused = false;
  closed = false;
  idleSince = 0;

  constructor(readonly pool: UpstreamPool, readonly backend: Backend, public owner: UpstreamOwner | null) {}

  private paused = false;

  /** Stops reading while the client cannot take more (backpressure). */
  pause(): void {
    if (this.paused || this.socket === null) return;
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.paused || this.socket === null) return;
    this.paused = false;
    this.socket.resume();
  }
}

const MAX_IDLE_PER_BACKEND = 64;

const handlers: SocketHandler<UpstreamConnection> = {
  open(socket) {
    const conn = socket.data;
    if (conn.closed) return socket.terminate(); // discarded while connecting
    conn.socket = socket;
    conn.writer.attach(socket as Socket<unknown>);
    conn.owner?.upstreamOpened();
  },
  data(socket, bytes) {
    const conn = socket.data;
    if (conn.owner === null) conn.pool.discard(conn); // an idle connection must stay silent
    else conn.owner.upstreamData(bytes);
  },
  drain(socket) {
    const conn = socket.data;
    if (conn.writer.flush()) conn.owner?.upstreamDrained();
  },
  close(socket) {
    const conn = socket.data;
    if (conn.closed) return;
    conn.closed = true;
    if (conn.owner === null) conn.pool.forget(conn);
    else conn.owner.upstreamClosed();
  },
  connectError(socket, error) {
    const conn = socket.data;
    if (conn.closed) return;
    conn.closed = true;
    conn.owner?.upstreamConnectFailed(error);
  },
  error() {
    // `close` follows and decides what the failure means for the exchange.
  },
};

/** One dyno's connections: the idle ones, the most recent last, and how many are out with a request. */
interface DynoConnections { idle: UpstreamConnection[]; busy: number }

export class UpstreamPool {
  /** By dyno host, then port (no key string to build per request). */
  private dynos = new Map<string, Map<number, DynoConnections>>();

  /** Requests in flight to `backend`. */
  busyOf = (backend: Backend): number => this.dynos.get(backend.host)?.get(backend.port)?.busy ?? 0;

  /**
   * An open idle connection to `backend` (reused = true), or a new one that reports `upstreamOpened`.
   * It counts as busy until `release` or `discard`.
   */
  acquire(backend: Backend, owner: UpstreamOwner): UpstreamConnection {
    const dyno = this.dynoAt(backend);
    dyno.busy++;
    const idle = dyno.idle;
    while (idle.length > 0) {
      const conn = idle.pop()!;
      if (conn.closed) continue;
      conn.owner = owner;
      conn.reused = true;
      return conn;
    }
    const conn = new UpstreamConnection(this, backend, owner);
    Bun.connect({ hostname: backend.host, port: backend.port, socket: handlers, data: conn }).catch(() => {
      // reported through connectError
    });
    return conn;
  }

  release(conn: UpstreamConnection, now: number): void {
    conn.owner = null;
    conn.idleSince = now;
    conn.resume();
    const dyno = this.dynoAt(conn.backend);
    dyno.busy--;
    dyno.idle.push(conn);
    if (dyno.idle.length > MAX_IDLE_PER_BACKEND) this.discard(dyno.idle.shift()!);
  }

  /** Closes a connection that must not be reused (mid-message, timed out, or misbehaving). */
  discard(conn: UpstreamConnection): void {
    if (conn.owner !== null) this.dynoAt(conn.backend).busy--;
    conn.owner = null;
    if (!conn.closed) {
      conn.closed = true;
      conn.socket?.terminate();
    }
    this.forget(conn);
  }

  forget(conn: UpstreamConnection): void {
    const idle = this.dynoAt(conn.backend).idle;
    const at = idle.indexOf(conn);
    if (at !== -1) idle.splice(at, 1);
  }

  /** Closes connections idle since before `cutoff`, and forgets dynos with none left (they come and go with releases). */
  closeIdleSince(cutoff: number): void {
    for (const [host, byPort] of this.dynos) {
      for (const [port, { idle, busy }] of byPort) {
        while (idle.length > 0 && idle[0]!.idleSince < cutoff) this.discard(idle[0]!);
        if (idle.length === 0 && busy === 0) byPort.delete(port);
      }
      if (byPort.size === 0) this.dynos.delete(host);
    }
  }

  closeAll(): void {
    for (const byPort of this.dynos.values()) for (const { idle } of byPort.values()) for (const conn of [...idle]) this.discard(conn);
    this.dynos.clear();
  }

  /** The connections to `backend`, none to start with. */
  private dynoAt({ host, port }: Backend): DynoConnections {
    let byPort = this.dynos.get(host);
    if (byPort === undefined) this.dynos.set(host, (byPort = new Map()));
    let dyno = byPort.get(port);
    if (dyno === undefined) byPort.set(port, (dyno = { idle: [], busy: 0 }));
    return dyno;
  }
}
