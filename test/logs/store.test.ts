import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatLogLine, openLogStore, type LogLine, type LogStore } from "../../src/logs/index.ts";
import type { LogStoreOptions } from "../../src/logs/store.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempStore(opts: Partial<LogStoreOptions> = {}): Promise<{ store: LogStore; dir: string }> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "slipway-logs-")));
  if (!opts.dir) cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const store = await openLogStore({ appName: () => "myapp", flushIntervalMs: 20, ...opts, dir });
  cleanups.push(() => store.close());
  return { store, dir };
}

const texts = (lines: LogLine[]) => lines.map((l) => l.text);

describe("LogStore", () => {
  test("recent: the last N, oldest first; splitting happens on append", async () => {
    const { store } = await tempStore();
    store.append("a1", "app", "web.1", "one\ntwo\n");
    store.append("a1", "heroku", "web.1", "State changed from starting to up");
    store.append("a2", "app", "web.1", "other app");
    expect(texts(store.recent("a1", 10))).toEqual(["one", "two", "State changed from starting to up"]);
    expect(texts(store.recent("a1", 2))).toEqual(["two", "State changed from starting to up"]);
    expect(store.recent("nope", 10)).toEqual([]);
    expect(store.recent("a1", 0)).toEqual([]);
  });

  test("timestamps: now with microseconds, or the caller's", async () => {
    const { store } = await tempStore();
    const before = Date.now();
    store.append("a1", "app", "web.1", "x");
    store.append("a1", "heroku", "router", "y", new Date("2026-01-02T03:04:05.678Z"));
    const [x, y] = store.recent("a1", 2);
    expect(x!.at.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(x!.at.getTime()).toBeLessThanOrEqual(Date.now() + 5);
    expect(x!.micros).toBeGreaterThanOrEqual(0);
    expect(formatLogLine(y!)).toBe("2026-01-02T03:04:05.678000+00:00 heroku[router]: y");
  });

  test("a deferred line is formatted once, when first read, and is cleaned and kept to one line", async () => {
    const { store, dir } = await tempStore();
    let formatted = 0;
    const format = (r: { n: number; extra: string }) => {
      formatted++;
      return `request ${r.n}${r.extra}`;
    };
    const before = Date.now();
    for (let n = 0; n < 100; n++) store.appendDeferred("a1", "heroku", "router", { n, extra: "" }, format);
    store.appendDeferred("a1", "heroku", "router", { n: 100, extra: "\x1b[31m red\u009b\nsecond line" }, format);
    expect(formatted).toBe(0);
    const [last] = store.recent("a1", 1);
    expect(last!.text).toBe("request 100 red\ufffd");
    expect(last!.text).toBe("request 100 red\ufffd");
    expect(formatted).toBe(1);
    expect(last!.at.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(last!.micros).toBeGreaterThanOrEqual(0);
    expect(formatLogLine(last!)).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]{15}\+00:00 heroku\[router\]: request 100 red\ufffd$/);
    await store.close(); // writes every retained line: each is formatted then, once
    expect(formatted).toBe(101);
    expect((await readFile(join(dir, "a1.log"), "utf8")).split("\n")).toContain(formatLogLine(store.recent("a1", 101)[50]!));
  });

  test("filters on recent: process type, dyno, source", async () => {
    const { store } = await tempStore();
    store.append("a1", "app", "web.1", "w1");
    store.append("a1", "app", "web.2", "w2");
    store.append("a1", "app", "worker.1", "k1");
    store.append("a1", "heroku", "router", "r");
    store.append("a1", "heroku", "web.1", "h1");
    expect(texts(store.recent("a1", 10, { dyno: "web" }))).toEqual(["w1", "w2", "h1"]);
    expect(texts(store.recent("a1", 10, { dyno: "web.1" }))).toEqual(["w1", "h1"]);
    expect(texts(store.recent("a1", 10, { source: "heroku" }))).toEqual(["r", "h1"]);
    expect(texts(store.recent("a1", 10, { source: "app", dyno: "web" }))).toEqual(["w1", "w2"]);
    expect(texts(store.recent("a1", 1, { dyno: "web" }))).toEqual(["h1"]);
  });

  test("retention keeps only the last retainLines", async () => {
    const { store } = await tempStore({ retainLines: 5 });
    for (let i = 0; i < 12; i++) store.append("a1", "app", "web.1", `line ${i}`);
    expect(texts(store.recent("a1", 100))).toEqual(["line 7", "line 8", "line 9", "line 10", "line 11"]);
  });

  test("persists across close and open, compacting the file near 2x retention", async () => {
    const { store, dir } = await tempStore({ retainLines: 100 });
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 50; i++) store.append("app-1", "app", "web.1", `r${round} l${i}`);
      await Bun.sleep(30); // let the timer write a batch
    }
    store.append("app-1", "heroku", "router", "last", new Date("2026-01-02T03:04:05.678Z"));
    await store.close();
    const file = (await readFile(join(dir, "app-1.log"), "utf8")).trimEnd().split("\n");
    expect(file.length).toBeGreaterThanOrEqual(100);
    expect(file.length).toBeLessThanOrEqual(200 + 50 + 1);
    expect(file.at(-1)).toBe("2026-01-02T03:04:05.678000+00:00 heroku[router]: last");

    const { store: reopened } = await tempStore({ dir, retainLines: 100 });
    const back = reopened.recent("app-1", 1000);
    expect(back.length).toBe(100);
    expect(back[0]!.text).toBe("r8 l1");
    expect(formatLogLine(back.at(-1)!)).toBe("2026-01-02T03:04:05.678000+00:00 heroku[router]: last");
  });

  test("forgetApp drops the lines and the file", async () => {
    const { store, dir } = await tempStore();
    store.append("gone", "app", "web.1", "bye");
    store.append("kept", "app", "web.1", "hi");
    await Bun.sleep(60);
    expect((await stat(join(dir, "gone.log"))).size).toBeGreaterThan(0);
    await store.forgetApp("gone");
    expect(store.recent("gone", 10)).toEqual([]);
    expect(await Bun.file(join(dir, "gone.log")).exists()).toBe(false);
    await store.close();
    const { store: reopened } = await tempStore({ dir });
    expect(reopened.recent("gone", 10)).toEqual([]);
    expect(texts(reopened.recent("kept", 10))).toEqual(["hi"]);
  });

  test("follow delivers new matching lines well within 100 ms; unsubscribe stops it", async () => {
    const { store } = await tempStore();
    const got: { line: LogLine; delayMs: number }[] = [];
    let sentAt = 0;
    const stop = store.follow("a1", { dyno: "web" }, (line) => got.push({ line, delayMs: performance.now() - sentAt }));
    for (const [dyno, text] of [["web.1", "a"], ["worker.1", "skip"], ["web.2", "b"]] as const) {
      sentAt = performance.now();
      store.append("a1", "app", dyno, text);
      await Bun.sleep(5);
    }
    stop();
    store.append("a1", "app", "web.1", "after unsubscribe");
    expect(got.map((g) => g.line.text)).toEqual(["a", "b"]);
    for (const g of got) expect(g.delayMs).toBeLessThan(100);
  });

  test("a chatty dyno past the rate gets Logplex's L10 notice and never blocks", async () => {
    const { store } = await tempStore({ rateLimit: { linesPerSecond: 100, burst: 1000 }, retainLines: 5000 });
    const started = performance.now();
    for (let i = 0; i < 50_000; i++) store.append("a1", "app", "web.1", `spam ${i}`);
    store.append("a1", "heroku", "web.1", "platform lines are not budgeted");
    expect(performance.now() - started).toBeLessThan(2000);
    await Bun.sleep(80);
    const notices = store.recent("a1", 10, { source: "heroku", dyno: "logplex" });
    expect(notices.length).toBe(1);
    expect(notices[0]!.text).toMatch(
      /^Error L10 \(output buffer overflow\): (\d+) messages dropped since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\.$/,
    );
    const dropped = Number(/: (\d+) messages/.exec(notices[0]!.text)![1]);
    const kept = store.recent("a1", 100_000, { source: "app" }).length;
    expect(kept + dropped).toBe(50_000);
    expect(kept).toBeGreaterThanOrEqual(1000);
    expect(texts(store.recent("a1", 100, { dyno: "web.1", source: "heroku" }))).toEqual(["platform lines are not budgeted"]);
  });
});
