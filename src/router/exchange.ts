// One proxied request: dispatch to a dyno, stream both bodies untouched, enforce Heroku's timers, and
// end with exactly one access line. Failures the router detects map to Heroku's H-codes here:
//   connection refused on every try → H10: nothing listens on the dyno's port, so to the user the app
//     has crashed (the supervisor reports it moments later); other connect errors → H13.
//   connect timeout → H19; no first byte in time → H12 (the dyno is not signalled, only disconnected);
//   closed with no response → H13, or H18 if it closed mid-request-body or mid-response;
//   silence once the response started → H15; unparseable response → H17; client gone → H27.
// A failed connect, or a stale pooled connection closed before answering a bodiless request, is tried
// once more on another dyno: neither can have reached the app.
import type { RouterErrorCode } from "./access-log.ts";
import { type BodyFraming, requestFraming, responseFraming } from "./body-framing.ts";
import type { ClientConnection } from "./client-connection.ts";
import { type Forwarding, pickBackend, upstreamHead } from "./forwarding.ts";
import { findHeadEnd, HEAD_INCOMPLETE, HEAD_MALFORMED, MAX_RESPONSE_HEAD_BYTES, parseResponseHead, type RequestHead } from "./http-head.ts";
import { applicationErrorPage, routerResponse } from "./responses.ts";
import type { Outgoing } from "./socket-writer.ts";
import type { AppRoute, Backend } from "./types.ts";
import type { UpstreamConnection, UpstreamOwner } from "./upstream-pool.ts";

const enum Phase { Connecting, AwaitingResponse, Streaming, Tunnel, Done }

const MAX_ATTEMPTS = 2;

export class Exchange implements UpstreamOwner {
  private phase = Phase.Connecting;
  private upstream: UpstreamConnection | null = null;
  private backend: Backend | null = null;
  private attempts = 0;
  private readonly head: Outgoing;
  private readonly reqFraming: BodyFraming;
  private resFraming: BodyFraming | null = null;
  private resHead: Buffer | null = null;
  private resScan = 0;
  private resCloses = false;
  private gotFirstByte = false;
  /** The upstream sent bytes past the end of its response: it cannot be trusted with another request. */
  private upstreamDirty = false;
  private status = 0;
  private bytes = 0;
  private dispatchedAt = 0;
  private connectedAt = 0;

  constructor(
    private readonly client: ClientConnection,
    private readonly req: RequestHead,
    private readonly route: AppRoute,
    private readonly host: string,
    private readonly forwarding: Forwarding,
  ) {
    this.head = upstreamHead(req, forwarding);
    this.reqFraming = requestFraming(req.contentLength, req.chunked);
  }

  get upstreamBacklogged(): boolean {
    return this.upstream?.writer.backlogged ?? false;
  }

  start(): void {
    this.dispatch(null, null);
  }

  /**
   * Sends the request to a dyno other than `avoid` when there is one: the head, or on a retry `unsent`,
   * what the failed attempt had not sent (null: the head again).
   */
  private dispatch(avoid: Backend | null, unsent: Outgoing[] | null): void {
    const { pool } = this.client.ctx;
    const backend = pickBackend(this.route.backends, avoid, this.route.leastConnections ? pool.busyOf : null);
    if (backend === null) return this.fail("H14");
    this.backend = backend;
    this.attempts++;
    this.phase = Phase.Connecting;
    this.dispatchedAt = performance.now();
    const conn = pool.acquire(backend, this);
    this.upstream = conn;
    if (unsent === null) conn.writer.write(this.head);
    else for (const bytes of unsent) conn.writer.write(bytes);
    if (conn.reused) this.connected(this.dispatchedAt); // a pooled connection is open already
    else this.client.setDeadline(this.dispatchedAt + this.client.ctx.timeouts.connectMs);
  }

  private retry(unsent: Outgoing[] | null): void {
    const failed = this.upstream;
    this.upstream = null;
    if (failed !== null) this.client.ctx.pool.discard(failed);
    this.dispatch(this.backend, unsent);
  }

  upstreamOpened(): void {
    this.connected(performance.now());
  }

  private connected(at: number): void {
    this.connectedAt = at;
    this.phase = Phase.AwaitingResponse;
    this.client.setDeadline(this.connectedAt + this.client.ctx.timeouts.firstByteMs);
    this.client.updateReading();
  }

  upstreamConnectFailed(error: Error): void {
    const unsent = this.upstream?.writer.takePending() ?? null;
    if (this.attempts < MAX_ATTEMPTS) return this.retry(unsent);
    this.fail((error as { code?: string }).code === "ECONNREFUSED" ? "H10" : "H13");
  }

  onClientData(bytes: Buffer): void {
    if (this.phase === Phase.Tunnel) {
      this.client.touchIdle();
      this.upstream?.writer.write(bytes);
      return this.client.updateReading();
    }
    if (this.reqFraming.done) return this.client.stash(bytes);
    if (this.phase === Phase.Streaming) this.client.touchIdle();
    let end: number;
    try {
      end = this.reqFraming.consume(bytes, 0);
    } catch {
      return this.refuseBody();
    }
    this.upstream?.writer.write(end === bytes.length ? bytes : bytes.subarray(0, end));
    if (end < bytes.length) this.client.stash(bytes.subarray(end));
    else this.client.updateReading();
  }

  upstreamData(bytes: Buffer): void {
    if (!this.gotFirstByte) {
      this.gotFirstByte = true;
      this.client.touchIdle(); // the 30 s first-byte timer gives way to the 55 s rolling window
    }
    switch (this.phase) {
      case Phase.Tunnel:
        this.client.touchIdle();
        return this.toClient(bytes);
      case Phase.Streaming:
        this.client.touchIdle();
        return this.streamBody(bytes, 0);
      default:
        return this.readResponseHead(bytes);
    }
  }

  private readResponseHead(bytes: Buffer): void {
    let data = this.resHead === null ? bytes : Buffer.concat([this.resHead, bytes]);
    for (;;) {
      const end = findHeadEnd(data, this.resScan);
      if (end === HEAD_INCOMPLETE) {
        if (data.length > MAX_RESPONSE_HEAD_BYTES) return this.fail("H17");
        this.resHead = data;
        this.resScan = data.length;
        return;
      }
      this.resHead = null;
      this.resScan = 0;
      const res = end === HEAD_MALFORMED ? null : parseResponseHead(data, end);
      if (res === null) return this.fail("H17");
      if (res.status === 101) return this.req.upgrade ? this.startTunnel(data) : this.fail("H17");
      if (res.status < 200) {
        // 100 Continue / 103 Early Hints: pass on; the final head follows.
        this.toClient(data.subarray(0, end));
        if (end === data.length) return;
        data = data.subarray(end);
        continue;
      }
      this.status = res.status;
      this.resCloses = res.closes;
      this.resFraming = responseFraming(this.req.method, res.status, res.contentLength, res.chunked);
      this.phase = Phase.Streaming;
      return this.streamBody(data, end);
    }
  }

  private streamBody(data: Buffer, start: number): void {
    let end: number;
    try {
      end = this.resFraming!.consume(data, start);
    } catch {
      return this.fail("H17");
    }
    if (end > 0) this.toClient(end === data.length ? data : data.subarray(0, end));
    if (end < data.length) this.upstreamDirty = true;
    if (this.resFraming!.done) this.complete();
  }

  private startTunnel(data: Buffer): void {
    this.phase = Phase.Tunnel;
    this.status = 101;
    this.toClient(data);
    this.log(null, 101); // logged at the switch, as the upgrade's response; the tunnel may live for hours
    this.client.touchIdle();
    const early = this.client.takeStash(); // bytes the client sent right behind its handshake
    if (early !== null) this.upstream?.writer.write(early);
    this.client.updateReading();
  }

  private toClient(bytes: Uint8Array): void {
    this.bytes += bytes.length;
    if (!this.client.writer.write(bytes)) this.upstream?.pause();
  }

  upstreamDrained(): void {
    this.client.updateReading();
  }

  clientDrained(): void {
    this.upstream?.resume();
  }

  upstreamClosed(): void {
    switch (this.phase) {
      case Phase.Connecting:
        return this.upstreamConnectFailed(new Error("closed while connecting"));
      case Phase.AwaitingResponse: {
        const bodiless = this.req.contentLength <= 0 && !this.req.chunked;
        if (this.upstream?.reused && !this.gotFirstByte && bodiless && this.attempts < MAX_ATTEMPTS) return this.retry(null);
        return this.fail(this.gotFirstByte || !this.reqFraming.done ? "H18" : "H13");
      }
      case Phase.Streaming:
        return this.resFraming!.kind === "until-close" ? this.complete() : this.fail("H18");
      case Phase.Tunnel:
        return this.finish(null, 101, false, false, false);
      case Phase.Done:
    }
  }

  clientClosed(): void {
    if (this.phase === Phase.Tunnel) this.finish(null, 101, false, false, false);
    else if (this.phase !== Phase.Done) this.finish("H27", 499, false, false);
  }

  onDeadline(): void {
    switch (this.phase) {
      case Phase.Connecting:
        if (this.attempts < MAX_ATTEMPTS) return this.retry(this.upstream?.writer.takePending() ?? null);
        return this.fail("H19");
      case Phase.AwaitingResponse:
        return this.fail(this.gotFirstByte ? "H15" : "H12");
      case Phase.Streaming:
      case Phase.Tunnel:
        return this.fail("H15");
      case Phase.Done:
    }
  }

  private complete(): void {
    const framed = this.resFraming!.kind !== "until-close" && !this.resCloses;
    const keepClient = framed && this.reqFraming.done && !this.req.wantsClose;
    this.finish(null, this.status, keepClient, framed && this.reqFraming.done && !this.upstreamDirty);
  }

  /** A failure the router detected: Heroku's error page if the client has not seen a byte yet, else a cut connection. */
  private fail(code: RouterErrorCode): void {
    if (this.phase === Phase.Done) return;
    if (this.bytes > 0) return this.finish(code, this.status, false, false);
    const keepClient = this.reqFraming.done && !this.req.wantsClose;
    const page = applicationErrorPage(this.route.errorPageUrl);
    this.client.writer.write(routerResponse(503, "text/html; charset=utf-8", page, !keepClient, this.req.method === "HEAD"));
    this.finish(code, 503, keepClient, false);
  }

  /** The client's chunked body is malformed: refuse it if nothing was answered yet, else cut. */
  private refuseBody(): void {
    if (this.bytes === 0) this.client.writer.write(routerResponse(400, "text/plain", "Bad Request\n", true));
    this.finish(null, this.bytes === 0 ? 400 : this.status, false, false);
  }

  private finish(code: RouterErrorCode | null, status: number, keepClient: boolean, reuseUpstream: boolean, log = true): void {
    if (this.phase === Phase.Done) return;
    this.phase = Phase.Done;
    const conn = this.upstream;
    this.upstream = null;
    const { pool, clock } = this.client.ctx;
    if (conn !== null) {
      if (reuseUpstream) pool.release(conn, clock.now);
      else pool.discard(conn);
    }
    if (log) this.log(code, status);
    this.client.exchangeFinished(keepClient);
  }

  private log(code: RouterErrorCode | null, status: number): void {
    const now = performance.now();
    const reached = this.connectedAt > 0;
    const { forwarding, host } = this;
    this.client.ctx.log(this.route.appId, {
      code, method: this.req.method, path: this.req.target, host, requestId: forwarding.requestId,
      fwd: forwarding.forwardedFor, dyno: this.backend?.dyno ?? null,
      connectMs: (reached ? this.connectedAt : now) - this.dispatchedAt,
      serviceMs: reached ? now - this.connectedAt : 0,
      status, bytes: this.bytes, protocol: forwarding.proto,
    });
  }
}
