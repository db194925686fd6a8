// Each app's log stream: the retained lines in memory, live followers, drains, and the copy on disk.
// append() is the dyno's write path and only ever touches memory; a timer does the disk and the notices.
import { DEFAULT_DRAIN_TUNING, DrainSink, drainTransport, type Drain, type DrainTuning } from "./drains.ts";
import { DeferredLogLine, matchesFilter, splitLogText, type LogFilter, type LogLine } from "./line.ts";
import { DropCount, LineBudget, outputOverflowNotice, type RateLimit } from "./overflow.ts";
import { appendLogLines, logFilePath, readRetainedLogs, removeLogFile, rewriteLogLines } from "./persist.ts";
import { Ring } from "./ring.ts";

export interface LogStore {
  /** Never blocks: splits on \n, drops \r, splits long lines, makes binary and escape sequences safe. */
  append(appId: string, source: string, dyno: string, text: string, at?: Date): void;
  /** One line of the platform's own (never rate-limited), made from `record` by `format` only when read. */
  appendDeferred<T>(appId: string, source: string, dyno: string, record: T, format: (record: T) => string): void;
  /** The last `lines` matching lines, oldest first. */
  recent(appId: string, lines: number, filter?: LogFilter): LogLine[];
  /** Calls onLine for each new matching line, inside append(): keep it cheap. Returns unsubscribe. */
  follow(appId: string, filter: LogFilter, onLine: (line: LogLine) => void): () => void;
  /** The app is destroyed: drop its lines, followers, drains and file. */
  forgetApp(appId: string): Promise<void>;
  /** The app's drains now (the caller owns the drain records); unchanged ones keep their connection. */
  setDrains(appId: string, drains: Drain[]): void;
  /** Flush to disk, stop timers, close drain connections. */
  close(): Promise<void>;
}

export interface LogStoreOptions {
  dir: string;
  retainLines?: number; // Heroku keeps 1,500
  /** The app's name, written as HOST in HTTPS drain frames. */
  appName(appId: string): string | undefined;
  /** Per app, for the app's own output; past it lines are dropped with an L10 notice. */
  rateLimit?: RateLimit;
  /** How often lines reach disk and drop notices are written. */
  flushIntervalMs?: number;
  drainTuning?: Partial<DrainTuning>;
  onError?: (err: Error) => void;
}

export const DEFAULT_RETAIN_LINES = 1500;
// Far above what a healthy dyno writes, low enough that a runaway loop cannot swamp disk, tails and drains.
export const DEFAULT_RATE_LIMIT: RateLimit = { linesPerSecond: 10_000, burst: 20_000 };

interface Follower {
  filter: LogFilter;
  onLine(line: LogLine): void;
}

class AppLog {
  readonly lines: Ring<LogLine>;
  unflushed = 0;
  fileLines = 0;
  readonly followers = new Set<Follower>();
  readonly drains = new Map<string, DrainSink>();
  readonly budget: LineBudget;
  readonly dropped = new DropCount();

  constructor(retainLines: number, rateLimit: RateLimit) {
    this.lines = new Ring(retainLines);
    this.budget = new LineBudget(rateLimit, Date.now());
  }
}

/** Wall-clock time with microseconds: Date has ms only, so ride performance.now() from a recent Date. */
class MicrosecondClock {
  private offsetMs = 0;
  constructor() {
    this.sync();
  }
  sync(): void {
    this.offsetMs = Date.now() - performance.now();
  }
  nowMicros(): number {
    return Math.floor((this.offsetMs + performance.now()) * 1000);
  }
}

export async function openLogStore(opts: LogStoreOptions): Promise<LogStore> {
  const store = new MemoryBackedLogStore(opts);
  await store.load();
  return store;
}

class MemoryBackedLogStore implements LogStore {
  private readonly apps = new Map<string, AppLog>();
  private readonly retainLines: number;
  private readonly rateLimit: RateLimit;
  private readonly drainTuning: DrainTuning;
  private readonly onError: (err: Error) => void;
  private readonly clock = new MicrosecondClock();
  private readonly timer: ReturnType<typeof setInterval>;
  private flushing: Promise<void> | undefined;
  private readonly drainsStopping = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly opts: LogStoreOptions) {
    this.retainLines = opts.retainLines ?? DEFAULT_RETAIN_LINES;
    this.rateLimit = opts.rateLimit ?? DEFAULT_RATE_LIMIT;
    this.drainTuning = { ...DEFAULT_DRAIN_TUNING, ...opts.drainTuning };
    this.onError = opts.onError ?? ((err) => console.error(`logs: ${err.message}`));
    this.timer = setInterval(() => this.tick(), opts.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  async load(): Promise<void> {
    for (const retained of await readRetainedLogs(this.opts.dir, this.retainLines)) {
      const app = this.appLog(retained.appId);
      for (const line of retained.lines) app.lines.push(line);
      app.fileLines = retained.fileLines;
    }
  }

  append(appId: string, source: string, dyno: string, text: string, at?: Date): void {
    if (this.closed) return;
    const app = this.appLog(appId);
    let when = at;
    let micros: number | undefined;
    if (when === undefined) {
      const us = this.clock.nowMicros();
      when = new Date(Math.floor(us / 1000));
      micros = us % 1000;
    }
    const budgeted = source === "app";
    const nowMs = budgeted ? Date.now() : 0;
    for (const piece of splitLogText(text)) {
      if (budgeted && !app.budget.take(nowMs)) {
        app.dropped.add(when);
        continue;
      }
      this.deliver(app, { at: when, micros, source, dyno, text: piece }, true);
    }
  }

  appendDeferred<T>(appId: string, source: string, dyno: string, record: T, format: (record: T) => string): void {
    if (this.closed) return;
    this.deliver(this.appLog(appId), new DeferredLogLine(this.clock.nowMicros(), source, dyno, record, format), true);
  }

  recent(appId: string, lines: number, filter: LogFilter = {}): LogLine[] {
    const app = this.apps.get(appId);
    if (!app || lines <= 0) return [];
    if (filter.dyno === undefined && filter.source === undefined) return app.lines.newest(lines);
    const found: LogLine[] = [];
    for (let back = 0; back < app.lines.size && found.length < lines; back++) {
      const line = app.lines.fromNewest(back)!;
      if (matchesFilter(line, filter)) found.push(line);
    }
    return found.reverse();
  }

  follow(appId: string, filter: LogFilter, onLine: (line: LogLine) => void): () => void {
    const followers = this.appLog(appId).followers;
    const follower = { filter, onLine };
    followers.add(follower);
    return () => followers.delete(follower);
  }

  async forgetApp(appId: string): Promise<void> {
    const app = this.apps.get(appId);
    this.apps.delete(appId);
    if (app) {
      app.followers.clear();
      await Promise.all([...app.drains.values()].map((sink) => sink.stop()));
    }
    await this.flushing; // a write already under way for this app must land before the file goes
    await removeLogFile(logFilePath(this.opts.dir, appId));
  }

  setDrains(appId: string, drains: Drain[]): void {
    const app = this.appLog(appId);
    const wanted = new Map(drains.map((d) => [d.id, d]));
    for (const [id, sink] of app.drains) {
      const d = wanted.get(id);
      if (d && d.url === sink.drain.url && d.token === sink.drain.token) continue;
      app.drains.delete(id);
      this.stopDrain(sink);
    }
    for (const drain of drains) {
      if (app.drains.has(drain.id)) continue;
      try {
        const transport = drainTransport(drain, () => this.opts.appName(appId) ?? "host", this.drainTuning);
        app.drains.set(drain.id, new DrainSink(drain, transport, this.drainTuning, this.onError));
      } catch (err) {
        this.onError(err as Error); // one bad URL must not keep the app's other drains from working
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flushing;
    await this.flushToDisk();
    for (const app of this.apps.values()) for (const sink of app.drains.values()) this.stopDrain(sink);
    await Promise.all(this.drainsStopping);
  }

  private appLog(appId: string): AppLog {
    let app = this.apps.get(appId);
    if (!app) {
      app = new AppLog(this.retainLines, this.rateLimit);
      this.apps.set(appId, app);
    }
    return app;
  }

  private deliver(app: AppLog, line: LogLine, toDrains: boolean): void {
    app.lines.push(line);
    app.unflushed++;
    if (app.followers.size > 0) {
      for (const follower of app.followers) {
        if (!matchesFilter(line, follower.filter)) continue;
        try {
          follower.onLine(line);
        } catch (err) {
          this.onError(err as Error);
        }
      }
    }
    if (toDrains && app.drains.size > 0) for (const sink of app.drains.values()) sink.push(line);
  }

  private notice(app: AppLog, text: string, toDrains: boolean): void {
    this.deliver(app, { at: new Date(), source: "heroku", dyno: "logplex", text }, toDrains);
  }

  private tick(): void {
    this.clock.sync();
    for (const app of this.apps.values()) {
      const rateNotice = app.dropped.takeNotice(outputOverflowNotice);
      if (rateNotice) this.notice(app, rateNotice, true);
      for (const sink of app.drains.values()) {
        const drainNotice = sink.takeDropNotice();
        // Not fed back to the drains: a dead drain would otherwise report its own notices forever.
        if (drainNotice) this.notice(app, drainNotice, false);
      }
    }
    this.flushing ??= this.flushToDisk().finally(() => (this.flushing = undefined));
  }

  /** Writes what came since the last flush; only the retained window matters, so a burst costs at most that. */
  private async flushToDisk(): Promise<void> {
    const writes: { path: string; lines: LogLine[]; whole: boolean }[] = [];
    for (const [appId, app] of this.apps) {
      if (app.unflushed === 0) continue;
      const path = logFilePath(this.opts.dir, appId);
      const fresh = Math.min(app.unflushed, app.lines.size);
      app.unflushed = 0;
      if (app.fileLines + fresh > 2 * this.retainLines) {
        writes.push({ path, lines: app.lines.newest(this.retainLines), whole: true });
        app.fileLines = app.lines.size;
      } else {
        writes.push({ path, lines: app.lines.newest(fresh), whole: false });
        app.fileLines += fresh;
      }
    }
    for (const w of writes) {
      try {
        await (w.whole ? rewriteLogLines(w.path, w.lines) : appendLogLines(w.path, w.lines));
      } catch (err) {
        this.onError(new Error(`writing ${w.path}: ${(err as Error).message}`));
      }
    }
  }

  private stopDrain(sink: DrainSink): void {
    const stopping = sink.stop().finally(() => this.drainsStopping.delete(stopping));
    this.drainsStopping.add(stopping);
  }
}
