// A log session (`heroku logs [-t]`): the recent lines, then (tail) new ones, as Server-Sent Events —
// the heroku CLI opens logplex_url with EventSource and prints every line of each message's data.
import { formatLogLine, type LogFilter, type LogLine } from "./line.ts";
import { DropCount, tailOverflowNotice } from "./overflow.ts";
import { Ring } from "./ring.ts";
import type { LogStore } from "./store.ts";

export interface LogSessionOptions {
  lines: number;
  tail: boolean;
  filter: LogFilter;
  signal: AbortSignal;
  /** A comment is sent after this long without lines, so proxies and clients keep the stream open. */
  keepAliveMs?: number;
  /** Lines waiting for a slow reader; past this they are dropped with an L11 notice. */
  maxQueuedLines?: number;
}

// Under Bun.serve's default 10 s idleTimeout, and so under common proxies' 30–60 s and Heroku's router's 55 s.
export const DEFAULT_KEEP_ALIVE_MS = 8_000;
const DEFAULT_MAX_QUEUED_LINES = 10_000;
const COALESCE_MS = 5; // lines arriving together go out in one event; well inside --tail's 100 ms goal

const encoder = new TextEncoder();

/** One SSE message whose data lines are the log lines (their text never holds \n or \r). */
export function sseMessage(lines: string[]): string {
  let event = "";
  for (const line of lines) event += `data: ${line}\n`;
  return `${event}\n`;
}

export const SSE_KEEP_ALIVE = ": keep-alive\n\n";

export function logSessionResponse(store: LogStore, appId: string, opts: LogSessionOptions): Response {
  const keepAliveMs = opts.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  const maxQueued = opts.maxQueuedLines ?? DEFAULT_MAX_QUEUED_LINES;
  const queued = new Ring<LogLine>(maxQueued); // a slow reader loses the oldest lines: a tail is about now
  const dropped = new DropCount();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let sentSinceKeepAlive = false;
  let unfollow: (() => void) | undefined;
  let finished = false;

  const finish = (controller?: ReadableStreamDefaultController<Uint8Array>) => {
    if (finished) return;
    finished = true;
    unfollow?.();
    clearTimeout(flushTimer);
    clearInterval(keepAlive);
    opts.signal.removeEventListener("abort", onAbort);
    try {
      controller?.close();
    } catch {
      // the reader already went away; there is nobody left to tell
    }
  };
  let onAbort = () => finish();
  let flush = () => {};

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const first = store.recent(appId, opts.lines, opts.filter).map(formatLogLine);
        if (first.length > 0) controller.enqueue(encoder.encode(sseMessage(first)));
        if (!opts.tail || opts.signal.aborted) return finish(controller);
        // Bun sends the response head with the first body bytes: a tail of a quiet app must not wait for a line.
        if (first.length === 0) controller.enqueue(encoder.encode(SSE_KEEP_ALIVE));

        flush = () => {
          flushTimer = undefined;
          if (finished || (controller.desiredSize ?? 1) <= 0) return; // pull() calls again when the reader catches up
          const notice = dropped.takeNotice(tailOverflowNotice);
          if (queued.size === 0 && !notice) return;
          const batch = queued.shift(queued.size); // before enqueue: it may call pull(), and so flush, right away
          if (notice) batch.unshift({ at: new Date(), source: "heroku", dyno: "logplex", text: notice });
          sentSinceKeepAlive = true;
          controller.enqueue(encoder.encode(sseMessage(batch.map(formatLogLine))));
        };
        const onLine = (line: LogLine) => {
          if (queued.push(line)) dropped.add(line.at); // formatted at flush, off the dyno's append path
          flushTimer ??= setTimeout(flush, COALESCE_MS);
        };
        unfollow = store.follow(appId, opts.filter, onLine);
        keepAlive = setInterval(() => {
          if (!sentSinceKeepAlive && (controller.desiredSize ?? 1) > 0) controller.enqueue(encoder.encode(SSE_KEEP_ALIVE));
          sentSinceKeepAlive = false;
        }, keepAliveMs);
        onAbort = () => finish(controller);
        opts.signal.addEventListener("abort", onAbort);
      },
      pull() {
        flush(); // the reader caught up: send what waited
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: 8 },
  );

  return new Response(body, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      "X-Accel-Buffering": "no", // nginx in front must not hold the stream back
    },
  });
}
