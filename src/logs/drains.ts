// A drain: every line of an app forwarded to a user's endpoint, buffered so a slow or dead endpoint
// never slows the app. push() only touches memory; one pump per drain batches, sends and retries.
import type { LogLine } from "./line.ts";
import { DropCount, outputOverflowNotice } from "./overflow.ts";
import { Ring } from "./ring.ts";
import { httpDrainTransport } from "./drain-http.ts";
import { syslogDrainTransport } from "./drain-syslog.ts";

export interface Drain {
  id: string;
  url: string;
  token: string; // "d.<uuid>", sent as Logplex-Drain-Token / in each syslog frame
}

/** How a drain's lines reach its endpoint. */
export interface DrainTransport {
  /** The wire form of a batch (octet-counted RFC 5424 frames). */
  encode(lines: LogLine[]): string;
  /** "rejected" is a permanent refusal (the batch is dropped); a throw means "try again later". */
  deliver(body: string, count: number, signal: AbortSignal): Promise<"sent" | "rejected">;
  close(): void;
}

export interface DrainTuning {
  bufferLines: number; // backlog bound; past it the oldest lines are dropped (Logplex drops, it never blocks)
  batchLines: number;
  lingerMs: number; // wait this long for a batch to fill before sending
  requestTimeoutMs: number;
  retryFirstMs: number;
  retryMaxMs: number;
}

export const DEFAULT_DRAIN_TUNING: DrainTuning = {
  bufferLines: 10_000,
  batchLines: 500,
  lingerMs: 50,
  requestTimeoutMs: 5_000,
  retryFirstMs: 500,
  retryMaxMs: 30_000,
};

/** Doubling back-off with a ceiling: attempt 1 waits `first`, then 2×, 4× … up to `max`. */
export function retryDelayMs(failures: number, first: number, max: number): number {
  return Math.min(max, first * 2 ** Math.max(0, failures - 1));
}

export function drainTransport(drain: Drain, hostName: () => string, tuning: DrainTuning): DrainTransport {
  const url = new URL(drain.url);
  switch (url.protocol) {
    case "http:":
    case "https:":
      return httpDrainTransport(url, drain.token, hostName, tuning.requestTimeoutMs);
    case "syslog:":
      return syslogDrainTransport(url, drain.token, false, tuning.requestTimeoutMs);
    case "syslog+tls:":
      return syslogDrainTransport(url, drain.token, true, tuning.requestTimeoutMs);
    default:
      throw new Error(`unsupported drain URL ${drain.url}: use https://, http://, syslog:// or syslog+tls://`);
  }
}

export class DrainSink {
  private readonly backlog: Ring<LogLine>;
  /** Dropped since the endpoint last accepted a batch: told to the endpoint itself, in its stream. */
  private readonly lostInStream = new DropCount();
  /** Dropped since the store last asked: told to the app's own log. */
  private readonly lostUnreported = new DropCount();
  private readonly stopping = new AbortController();
  private wake: (() => void) | undefined;
  private readonly pumping: Promise<void>;

  constructor(
    readonly drain: Drain,
    private readonly transport: DrainTransport,
    private readonly tuning: DrainTuning,
    private readonly onError: (err: Error) => void,
  ) {
    this.backlog = new Ring(tuning.bufferLines);
    this.pumping = this.pump();
  }

  push(line: LogLine): void {
    if (this.backlog.push(line)) this.noteLost(line.at, 1);
    if (this.wake) {
      this.wake();
      this.wake = undefined;
    }
  }

  /** The L10 notice for lines dropped since the last call, for the app's own log; undefined if none were. */
  takeDropNotice(): string | undefined {
    return this.lostUnreported.takeNotice(outputOverflowNotice);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.pumping;
    this.transport.close();
  }

  private noteLost(at: Date, n: number): void {
    this.lostInStream.add(at, n);
    this.lostUnreported.add(at, n);
  }

  private async pump(): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted) {
      if (this.backlog.size === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      if (this.backlog.size < this.tuning.batchLines) await sleep(this.tuning.lingerMs, stop);
      if (stop.aborted) break;
      const lines = this.backlog.shift(this.tuning.batchLines);
      const lossNotice = this.lostInStream.takeNotice(outputOverflowNotice);
      // Logplex's loss indication: the endpoint learns, in its own stream, that lines went missing.
      if (lossNotice) lines.unshift({ at: new Date(), source: "heroku", dyno: "logplex", text: lossNotice });
      await this.deliverWithRetries(this.transport.encode(lines), lines);
    }
  }

  private async deliverWithRetries(body: string, lines: LogLine[]): Promise<void> {
    const stop = this.stopping.signal;
    for (let failures = 1; !stop.aborted; failures++) {
      try {
        const outcome = await this.transport.deliver(body, lines.length, stop);
        if (outcome === "rejected") this.lostUnreported.add(lines[0]!.at, lines.length);
        return;
      } catch (err) {
        if (stop.aborted) return;
        if (failures === 1) this.onError(new Error(`drain ${this.drain.id}: ${(err as Error).message}; retrying`));
        await sleep(retryDelayMs(failures, this.tuning.retryFirstMs, this.tuning.retryMaxMs), stop);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
