// When lines must be dropped: the per-app rate limit and Logplex's wording for the notices. Pure.
import { formatSecondTimestamp } from "./line.ts";

/**
 * Logplex's own text (logplex_syslog_utils:overflow_msg), written as heroku[logplex] when a channel or a
 * drain drops lines: "Error L10 (output buffer overflow): 500 messages dropped since 2013-04-17T19:04:46+00:00."
 */
export function outputOverflowNotice(count: number, since: Date): string {
  return `Error L10 (output buffer overflow): ${count} messages dropped since ${formatSecondTimestamp(since)}.`;
}

/** Logplex's text (logplex_tail) when a `logs --tail` reader cannot keep up with the stream. */
export function tailOverflowNotice(count: number, since: Date): string {
  return `Error L11 (Tail buffer overflow) -> This tail session dropped ${count} messages since ${formatSecondTimestamp(since)}.`;
}

/** Counts the lines dropped since the last notice and turns them into one notice. */
export class DropCount {
  count = 0;
  private since: Date | undefined;

  add(at: Date, n = 1): void {
    if (this.count === 0) this.since = at;
    this.count += n;
  }

  /** The notice for what was dropped so far (then starts counting afresh), or undefined if nothing was. */
  takeNotice(notice: (count: number, since: Date) => string): string | undefined {
    if (this.count === 0 || this.since === undefined) return undefined;
    const text = notice(this.count, this.since);
    this.count = 0;
    this.since = undefined;
    return text;
  }
}

export interface RateLimit {
  linesPerSecond: number;
  /** Lines a quiet app may write at once before the rate applies (a stack trace, a boot banner). */
  burst: number;
}

/** A token bucket: a chatty dyno is cut to `linesPerSecond` so it cannot flood the stream, disk or drains. */
export class LineBudget {
  private tokens: number;
  private refilledAt: number;

  constructor(private readonly limit: RateLimit, nowMs: number) {
    this.tokens = limit.burst;
    this.refilledAt = nowMs;
  }

  take(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  hasRoom(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= 1;
  }

  private refill(nowMs: number): void {
    const elapsed = nowMs - this.refilledAt;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsed * this.limit.linesPerSecond) / 1000);
    this.refilledAt = nowMs;
  }
}
