// One client connection: reads request heads (strictly, against a deadline), answers what the router
// can answer itself (unknown host, maintenance, no dynos, bad requests), hands the rest to an Exchange,
// and keeps the connection alive between requests. Bytes a client pipelines behind a request wait in
// `stashed`, with reading paused, until that request's response is complete.
import type { Socket } from "bun";
import { challengeKey, type AcmeChallenges } from "./acme-challenge.ts";
import type { RouterErrorCode } from "./access-log.ts";
import { Exchange } from "./exchange.ts";
import { chooseRequestId, type Forwarding, forwardedFor } from "./forwarding.ts";
import {
  findHeadEnd, HEAD_INCOMPLETE, HEAD_MALFORMED, MAX_REQUEST_HEAD_BYTES, parseRequestHead, type RequestHead, routeHost,
} from "./http-head.ts";
import { applicationErrorPage, httpsLocation, maintenancePage, noSuchAppPage, routerResponse } from "./responses.ts";
import { SocketWriter } from "./socket-writer.ts";
import type { AppRoute, LogSink, RouterTimeouts } from "./types.ts";
import type { UpstreamPool } from "./upstream-pool.ts";

export interface RouterContext {
  routeFor(host: string): AppRoute | null;
  log: LogSink;
  timeouts: Required<RouterTimeouts>;
  pool: UpstreamPool;
  /** Coarse monotonic ms, refreshed by the deadline sweeper so the hot path need not read the clock. */
  clock: { now: number };
  connections: Set<ClientConnection>;
  acmeChallenges: AcmeChallenges;
  /** Where `https-only` apps redirect to; null without an HTTPS listener. */
  httpsPort: number | null;
}

export interface ListenerInfo { proto: "http" | "https"; port: number }

/** Requests the router answers without a dyno: maintenance (H80), or no dyno up (H10 crashed / H14 none). */
export function routeRefusal(route: AppRoute): { code: RouterErrorCode; page: string } | null {
  if (route.maintenance) return { code: "H80", page: maintenancePage(route.maintenancePageUrl) };
  if (route.backends.length > 0) return null;
  return { code: route.state === "crashed" ? "H10" : "H14", page: applicationErrorPage(route.errorPageUrl) };
}

const HTML = "text/html; charset=utf-8";

export class ClientConnection {
  readonly writer: SocketWriter;
  readonly remoteIp: string;
  /** When the sweeper calls `onDeadline` (monotonic ms). */
  deadline: number;
  private head: Buffer | null = null;
  private headScan = 0;
  private stashed: Buffer | null = null;
  private exchange: Exchange | null = null;
  private requestsSeen = 0;
  private paused = false;
  private closed = false;
  private closing = false;

  constructor(readonly socket: Socket<ClientConnection>, readonly ctx: RouterContext, readonly listener: ListenerInfo) {
    this.writer = new SocketWriter(socket as Socket<unknown>);
    this.remoteIp = socket.remoteAddress.startsWith("::ffff:") ? socket.remoteAddress.slice(7) : socket.remoteAddress;
    this.deadline = ctx.clock.now + ctx.timeouts.headerReadMs;
    ctx.connections.add(this);
  }

  onData(bytes: Buffer): void {
    if (this.closing) return;
    if (this.exchange !== null) this.exchange.onClientData(bytes);
    else this.readHead(bytes);
  }

  onDrain(): void {
    if (!this.writer.flush()) return;
    if (this.closing) this.socket.end();
    else this.exchange?.clientDrained();
  }

  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.connections.delete(this);
    const exchange = this.exchange;
    this.exchange = null;
    exchange?.clientClosed();
  }

  onDeadline(): void {
    if (this.closing) return this.socket.terminate(); // the client stopped reading
    if (this.exchange !== null) return this.exchange.onDeadline();
    this.deadline = Infinity;
    // A head that is late (slowloris, or a connection that never sent one) gets 408; an idle keep-alive just closes.
    if (this.head !== null || this.requestsSeen === 0) this.refuse(408, "Request Timeout\n");
    else this.closeAfterFlush();
  }

  setDeadline(at: number): void {
    this.deadline = at;
  }

  touchIdle(): void {
    this.deadline = this.ctx.clock.now + this.ctx.timeouts.idleMs;
  }

  stash(bytes: Buffer): void {
    this.stashed = this.stashed === null ? bytes : Buffer.concat([this.stashed, bytes]);
    this.updateReading();
  }

  takeStash(): Buffer | null {
    const taken = this.stashed;
    this.stashed = null;
    return taken;
  }

  /** Reading pauses while pipelined bytes wait, while the upstream cannot take more, or while closing. */
  updateReading(): void {
    const pause = this.stashed !== null || this.closing || (this.exchange?.upstreamBacklogged ?? false);
    if (pause === this.paused || this.closed) return;
    this.paused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  exchangeFinished(keepAlive: boolean): void {
    this.exchange = null;
    if (this.closed) return;
    if (!keepAlive) return this.closeAfterFlush();
    this.touchIdle();
    const pipelined = this.takeStash();
    if (pipelined !== null) this.readHead(pipelined);
    this.updateReading();
  }

  private readHead(bytes: Buffer): void {
    if (this.head === null && this.requestsSeen > 0) this.deadline = this.ctx.clock.now + this.ctx.timeouts.headerReadMs;
    const data = this.head === null ? bytes : Buffer.concat([this.head, bytes]);
    const end = findHeadEnd(data, this.headScan);
    if (end === HEAD_INCOMPLETE) {
      if (data.length > MAX_REQUEST_HEAD_BYTES) return this.refuse(431, "Request Header Fields Too Large\n");
      this.head = data;
      this.headScan = data.length;
      return;
    }
    this.head = null;
    this.headScan = 0;
    if (end === HEAD_MALFORMED) return this.refuse(400, "Bad Request\n");
    if (end > MAX_REQUEST_HEAD_BYTES) return this.refuse(431, "Request Header Fields Too Large\n");
    const req = parseRequestHead(data, end);
    if ("error" in req) return this.refuse(req.error, `${req.reason}\n`);
    this.requestsSeen++;
    this.route(req, end < data.length ? data.subarray(end) : null);
  }

  private route(req: RequestHead, rest: Buffer | null): void {
    const host = req.host === null ? "" : routeHost(req.host);
    const plain = this.listener.proto === "http";
    // One size check per request when no ACME order is open.
    if (plain && this.ctx.acmeChallenges.size > 0) {
      const keyAuthorization = this.ctx.acmeChallenges.get(challengeKey(host, req.target));
      if (keyAuthorization !== undefined) return this.answer(req, 200, keyAuthorization, rest, "text/plain");
    }
    const route = host === "" ? null : this.ctx.routeFor(host);
    if (route === null) return this.answer(req, 404, noSuchAppPage(), rest);
    const forwarding: Forwarding = {
      forwardedFor: forwardedFor(req.forwardedFor, this.remoteIp),
      proto: this.listener.proto,
      port: this.listener.port,
      requestId: chooseRequestId(req.requestId),
      startedAtMs: Date.now(),
    };
    if (route.httpsOnly && plain && this.ctx.httpsPort !== null) {
      this.logAnswered(route, req, host, forwarding, null, 301);
      return this.answer(req, 301, "", rest, "text/plain", [`Location: ${httpsLocation(host, this.ctx.httpsPort, req.target)}`]);
    }
    const refusal = routeRefusal(route);
    if (refusal !== null) {
      this.logAnswered(route, req, host, forwarding, refusal.code, 503);
      return this.answer(req, 503, refusal.page, rest);
    }
    const exchange = new Exchange(this, req, route, host, forwarding);
    this.exchange = exchange;
    exchange.start();
    if (rest !== null && this.exchange === exchange) exchange.onClientData(rest);
    this.updateReading();
  }

  /** The access line of a request the router answered without a dyno. */
  private logAnswered(route: AppRoute, req: RequestHead, host: string, forwarding: Forwarding, code: RouterErrorCode | null, status: number): void {
    this.ctx.log(route.appId, {
      code, method: req.method, path: req.target, host, requestId: forwarding.requestId, fwd: forwarding.forwardedFor,
      dyno: null, connectMs: 0, serviceMs: 0, status, bytes: null, protocol: forwarding.proto,
    });
  }

  /** Answers from the router itself; a request body it did not read means the connection must close. */
  private answer(req: RequestHead, status: number, page: string, rest: Buffer | null, contentType = HTML, headers: string[] = []): void {
    const close = req.chunked || req.contentLength > 0 || req.wantsClose;
    this.writer.write(routerResponse(status, contentType, page, close, req.method === "HEAD", headers));
    if (close) return this.closeAfterFlush();
    this.touchIdle();
    if (rest !== null) this.readHead(rest);
  }

  private refuse(status: number, text: string): void {
    this.head = null;
    this.writer.write(routerResponse(status, "text/plain", text, true));
    this.closeAfterFlush();
  }

  private closeAfterFlush(): void {
    if (this.closed || this.closing) return;
    this.closing = true;
    if (!this.writer.backlogged) {
      this.socket.end();
      return;
    }
    this.touchIdle(); // a client that never reads its answer is cut when this passes
    this.updateReading();
  }
}
