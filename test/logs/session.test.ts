import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logSessionResponse, openLogStore, type LogSessionOptions, type LogStore } from "../../src/logs/index.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function storeWithServer(session: Omit<LogSessionOptions, "signal">, wrap = (s: LogStore) => s) {
  const dir = await mkdtemp(join(tmpdir(), "slipway-logs-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const store = await openLogStore({ dir, appName: () => "myapp", flushIntervalMs: 50 });
  cleanups.push(() => store.close());
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    fetch: (req) => logSessionResponse(wrap(store), "a1", { ...session, signal: req.signal }),
  });
  cleanups.push(() => server.stop(true));
  return { store, url: `http://127.0.0.1:${server.port}/` };
}

/** Reads SSE text from a response until `until` holds for what arrived so far, or the stream ends. */
async function readUntil(res: Response, until: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (!until(text) && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => undefined)]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

const dataLines = (sse: string) => sse.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));

describe("logSessionResponse", () => {
  test("without tail: the recent lines as SSE, filtered, then the stream ends", async () => {
    const { store, url } = await storeWithServer({ lines: 2, tail: false, filter: { dyno: "web" } });
    store.append("a1", "app", "web.1", "one", new Date("2026-11-23T10:00:00.123Z"));
    store.append("a1", "heroku", "router", "not web");
    store.append("a1", "app", "web.2", "two");
    store.append("a1", "app", "web.1", "three");
    const res = await fetch(url);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const body = await res.text(); // resolves only because the stream ends
    const lines = dataLines(body);
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 app\[web\.2\]: two$/);
    expect(lines[1]).toEndWith(" app[web.1]: three");
  });

  test("tail: recent lines first, then new ones as they come, quickly", async () => {
    const { store, url } = await storeWithServer({ lines: 10, tail: true, filter: {} });
    store.append("a1", "app", "web.1", "before");
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const res = await fetch(url, { signal: controller.signal });
    expect(dataLines(await readUntil(res, (t) => t.includes("before")))).toEqual([expect.stringContaining("app[web.1]: before")]);
    const sent = performance.now();
    store.append("a1", "heroku", "router", "at=info method=GET path=\"/\"");
    const next = await readUntil(res, (t) => t.includes("method=GET"));
    expect(performance.now() - sent).toBeLessThan(100);
    expect(dataLines(next)).toEqual([expect.stringContaining('heroku[router]: at=info method=GET path="/"')]);
  });

  test("tail: keep-alive comments during quiet periods", async () => {
    const { url } = await storeWithServer({ lines: 10, tail: true, filter: {}, keepAliveMs: 40 });
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const res = await fetch(url, { signal: controller.signal });
    const quiet = await readUntil(res, (t) => t.split(": keep-alive\n\n").length > 3);
    expect(quiet.split(": keep-alive\n\n").length).toBeGreaterThan(3);
    expect(dataLines(quiet)).toEqual([]);
  });

  test("the session stops following when the client goes away", async () => {
    const { store, url } = await storeWithServer({ lines: 0, tail: true, filter: {} }, countingFollows);
    const controller = new AbortController();
    const res = await fetch(url, { signal: controller.signal });
    store.append("a1", "app", "web.1", "hello");
    expect(dataLines(await readUntil(res, (t) => t.includes("hello")))).toEqual([expect.stringContaining("hello")]);
    expect(following).toBe(1);
    controller.abort();
    for (let i = 0; i < 200 && following > 0; i++) await Bun.sleep(10);
    expect(following).toBe(0);
  });

  test("a reader that falls behind loses lines with an L11 notice instead of growing memory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "slipway-logs-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = await openLogStore({ dir, appName: () => "myapp", rateLimit: { linesPerSecond: 1e9, burst: 1e9 } });
    cleanups.push(() => store.close());
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const res = logSessionResponse(store, "a1", { lines: 0, tail: true, filter: {}, signal: controller.signal, maxQueuedLines: 100 });
    // Nothing reads while 20,000 lines arrive: the session's bound applies, keeping the newest.
    for (let i = 0; i < 20_000; i++) store.append("a1", "app", "web.1", `line ${i}`);
    await Bun.sleep(30);
    const lines = dataLines(await readUntil(res, (t) => t.includes("line 19999")));
    expect(lines.length).toBeLessThan(1000);
    const notice = lines.find((l) => l.includes("heroku[logplex]: Error L11 (Tail buffer overflow)"));
    expect(notice).toMatch(/This tail session dropped \d+ messages since .*\+00:00\.$/);
    expect(lines.at(-1)).toEndWith("app[web.1]: line 19999");
  });
});

let following = 0;
/** The store as the session sees it, counting live follow subscriptions. */
function countingFollows(store: LogStore): LogStore {
  following = 0;
  return {
    ...store,
    recent: store.recent.bind(store),
    follow(appId, filter, onLine) {
      following++;
      const stop = store.follow(appId, filter, onLine);
      return () => {
        following--;
        stop();
      };
    },
  };
}
