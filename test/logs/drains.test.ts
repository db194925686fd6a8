import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLogStore, type LogStore } from "../../src/logs/index.ts";
import { retryDelayMs } from "../../src/logs/drains.ts";
import type { LogStoreOptions } from "../../src/logs/store.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const quickRetries = { retryFirstMs: 20, retryMaxMs: 100, requestTimeoutMs: 1000 };

async function tempStore(opts: Partial<LogStoreOptions> = {}): Promise<{ store: LogStore; errors: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), "slipway-logs-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const errors: string[] = [];
  const store = await openLogStore({
    dir,
    appName: (id) => (id === "a1" ? "myapp" : undefined),
    flushIntervalMs: 25,
    drainTuning: quickRetries,
    onError: (e) => errors.push(e.message),
    ...opts,
  });
  cleanups.push(() => store.close());
  return { store, errors };
}

interface Post {
  headers: Headers;
  body: string;
}

function httpReceiver(answer: (n: number) => number = () => 200) {
  const posts: Post[] = [];
  let n = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const body = await req.text();
      const status = answer(++n);
      if (status < 300) posts.push({ headers: req.headers, body });
      return new Response(null, { status });
    },
  });
  cleanups.push(() => server.stop(true));
  return { posts, url: `http://user:s%40cret@127.0.0.1:${server.port}/logs?x=1` };
}

/** Splits an octet-counted body into its frames, checking each count is the frame's UTF-8 length. */
function frames(body: string): string[] {
  const bytes = Buffer.from(body);
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(0x20, at);
    const len = Number(bytes.subarray(at, space).toString());
    expect(Number.isInteger(len) && len > 0).toBe(true);
    out.push(bytes.subarray(space + 1, space + 1 + len).toString());
    at = space + 1 + len;
  }
  expect(at).toBe(bytes.length);
  return out;
}

async function until<T>(probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}

async function closedPort(): Promise<number> {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

describe("HTTPS drains", () => {
  test("POST application/logplex-1 with Logplex's headers and octet-counted RFC 5424 frames", async () => {
    const { posts, url } = httpReceiver();
    const { store } = await tempStore();
    store.setDrains("a1", [{ id: "dr1", url, token: "d.0b1c2d3e-aaaa-bbbb-cccc-111122223333" }]);
    store.append("a1", "app", "web.1", "hello\nhéllo", new Date("2026-11-23T10:00:00.123Z"));
    store.append("a1", "heroku", "router", "at=info method=GET");
    store.append("a1", "heroku", "web.1", "State changed from starting to up");
    const got = await until(() => posts.flatMap((p) => frames(p.body)).length >= 4 && posts);
    const h = got[0]!.headers;
    expect(h.get("content-type")).toBe("application/logplex-1");
    expect(h.get("logplex-drain-token")).toBe("d.0b1c2d3e-aaaa-bbbb-cccc-111122223333");
    expect(h.get("logplex-frame-id")).toMatch(/^[0-9A-F]{32}$/);
    expect(h.get("user-agent")).toStartWith("Logplex/");
    expect(h.get("authorization")).toBe(`Basic ${btoa("user:s@cret")}`);
    expect(Number(h.get("logplex-msg-count"))).toBe(frames(got[0]!.body).length);
    const all = got.flatMap((p) => frames(p.body));
    expect(all[0]).toBe("<190>1 2026-11-23T10:00:00.123000+00:00 myapp app web.1 - hello\n");
    expect(all[1]).toBe("<190>1 2026-11-23T10:00:00.123000+00:00 myapp app web.1 - héllo\n");
    expect(all[2]).toMatch(/^<158>1 \S+\.\d{6}\+00:00 myapp heroku router - at=info method=GET\n$/);
    expect(all[3]).toMatch(/^<45>1 \S+ myapp heroku web\.1 - State changed from starting to up\n$/);
  });

  test("a failing endpoint is retried with back-off and gets every line once it recovers", async () => {
    const { posts, url } = httpReceiver((n) => (n <= 3 ? 503 : 200));
    const { store, errors } = await tempStore();
    store.setDrains("a1", [{ id: "dr1", url, token: "d.1" }]);
    for (let i = 0; i < 10; i++) store.append("a1", "app", "web.1", `line ${i}`);
    const texts = await until(() => {
      const t = posts.flatMap((p) => frames(p.body)).map((f) => f.replace(/^.* - /, "").trimEnd());
      return t.length >= 10 && t;
    });
    expect(texts).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i}`));
    expect(errors.some((e) => e.includes("answered 503"))).toBe(true);
    expect(retryDelayMs(1, 500, 30_000)).toBe(500);
    expect(retryDelayMs(3, 500, 30_000)).toBe(2000);
    expect(retryDelayMs(20, 500, 30_000)).toBe(30_000);
  });

  test("a dead drain never slows append(); the app's log gets an L10 notice; its stream gets one on recovery", async () => {
    const port = await closedPort();
    const { store } = await tempStore({ rateLimit: { linesPerSecond: 1e9, burst: 1e9 }, retainLines: 1500 });
    store.setDrains("a1", [{ id: "dead", url: `http://127.0.0.1:${port}/`, token: "d.dead" }]);
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) store.append("a1", "app", "web.1", `busy line ${i}`);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(3000); // typically ~150 ms here; a blocking drain would take forever
    const notice = await until(() => store.recent("a1", 10, { source: "heroku", dyno: "logplex" })[0]);
    expect(notice.text).toMatch(/^Error L10 \(output buffer overflow\): \d+ messages dropped since \S+\+00:00\.$/);
    expect(Number(/: (\d+) messages/.exec(notice.text)![1])).toBeGreaterThanOrEqual(190_000 - 500);

    // The endpoint comes back on that port: the drain's buffered (newest) lines arrive, after Logplex's loss notice.
    const posts: string[] = [];
    const revived = Bun.serve({ port, hostname: "127.0.0.1", fetch: async (req) => (posts.push(await req.text()), new Response()) });
    cleanups.push(() => revived.stop(true));
    const delivered = await until(() => {
      const all = posts.flatMap(frames);
      return all.length >= 10_001 && all;
    });
    expect(delivered[0]).toMatch(/^<172>1 \S+ myapp heroku logplex - Error L10 \(output buffer overflow\): \d+ messages dropped since /);
    expect(delivered.length).toBe(10_001);
    expect(delivered.at(-1)).toEndWith(" app web.1 - busy line 199999\n");
  });
});

describe("syslog drains", () => {
  test("RFC 5424 over TCP with octet counting, the token in HOST; reconnects after the receiver drops it", async () => {
    let received = "";
    let connections = 0;
    let latest: { end(): void } | undefined;
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(socket) {
          connections++;
          latest = socket;
        },
        data(_s, data) {
          received += data.toString();
        },
      },
    });
    cleanups.push(() => listener.stop(true));
    const { store } = await tempStore();
    store.setDrains("a1", [{ id: "sys", url: `syslog://127.0.0.1:${listener.port}`, token: "d.9173ea1f" }]);
    store.append("a1", "app", "web.1", "hello\nworld", new Date("2026-11-23T10:00:00.123Z"));
    store.append("a1", "heroku", "api", "Release v2 created by user@example.com");
    await until(() => frames(received).length >= 3);
    expect(frames(received)).toEqual([
      "<190>1 2026-11-23T10:00:00.123000+00:00 d.9173ea1f app web.1 - - hello\n",
      "<190>1 2026-11-23T10:00:00.123000+00:00 d.9173ea1f app web.1 - - world\n",
      expect.stringMatching(/^<45>1 \S+ d\.9173ea1f heroku api - - Release v2 created by user@example\.com\n$/),
    ]);
    expect(connections).toBe(1);

    latest!.end();
    await Bun.sleep(50); // the drain sees the close
    store.append("a1", "app", "web.2", "after reconnect");
    await until(() => received.includes("after reconnect"));
    expect(frames(received).at(-1)).toEndWith(" d.9173ea1f app web.2 - - after reconnect\n");
    expect(connections).toBe(2);
  });

  test("setDrains replaces and removes drains; unsupported URLs are reported, not thrown", async () => {
    const first = httpReceiver();
    const second = httpReceiver();
    const { store, errors } = await tempStore();
    store.setDrains("a1", [
      { id: "d1", url: first.url, token: "d.1" },
      { id: "bad", url: "ftp://example.invalid/", token: "d.2" },
    ]);
    expect(errors.some((e) => e.includes("unsupported drain URL ftp://"))).toBe(true);
    store.append("a1", "app", "web.1", "to first");
    await until(() => first.posts.length === 1);
    store.setDrains("a1", [{ id: "d1", url: second.url, token: "d.1" }]);
    store.append("a1", "app", "web.1", "to second");
    await until(() => second.posts.length === 1);
    store.setDrains("a1", []);
    store.append("a1", "app", "web.1", "to nobody");
    await Bun.sleep(150);
    expect(first.posts.length + second.posts.length).toBe(2);
    expect(frames(second.posts[0]!.body)[0]).toEndWith(" - to second\n");
  });
});
