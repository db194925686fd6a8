// Heroku's router errors (H10 H12 H13 H14 H15 H18 H80), malformed requests, slowloris, pool changes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { app, backendOf, RawClient, type RawBackend, rawBackend, type RouterFixture, startTestRouter, until } from "./helpers.ts";

const TIMEOUTS = { connectMs: 1000, firstByteMs: 300, idleMs: 300, headerReadMs: 300 };

let router: RouterFixture;
let silent: RawBackend; // accepts requests, never answers
let stalls: Server<undefined>;
let hangups: RawBackend;
let halfBody: RawBackend;
let counting: Server<undefined>;
let countingHits = 0;

beforeAll(async () => {
  silent = rawBackend(() => {});
  stalls = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch: () => new Response(new ReadableStream({
      start(controller) { controller.enqueue(new TextEncoder().encode("first part")); }, // and then nothing
    })),
  });
  hangups = rawBackend((socket) => socket.end()); // reads the request, closes without a response
  halfBody = rawBackend((socket) => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b"));
  counting = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => { countingHits++; return new Response("counted"); } });
  router = await startTestRouter(TIMEOUTS);
  router.routes.set("slow.localhost", app("slow", [backendOf(silent.port)]));
  router.routes.set("stalls.localhost", app("stalls", [backendOf(stalls.port!)]));
  router.routes.set("hangup.localhost", app("hangup", [backendOf(hangups.port)]));
  router.routes.set("half.localhost", app("half", [backendOf(halfBody.port)]));
  router.routes.set("count.localhost", app("count", [backendOf(counting.port!)]));
  router.routes.set("crashed.localhost", app("crashed", [], { state: "crashed", errorPageUrl: "https://errors.example/oops.html" }));
  router.routes.set("zero.localhost", app("zero", [], { state: "none" }));
  router.routes.set("maint.localhost", app("maint", [backendOf(counting.port!)], { maintenance: true }));
});

afterAll(async () => {
  await router.stop();
  for (const s of [stalls, counting]) s.stop(true);
  silent.stop();
  hangups.stop();
  halfBody.stop();
});

const get = (host: string, path = "/") => fetch(router.url(path), { headers: { host } });
const logFor = (host: string, code: string) => router.logLine((t) => t.includes(`host=${host} `) && t.includes(`code=${code} `));

describe("no dyno to send to", () => {
  test("H10 App crashed: 503, the error page URL in an iframe, and an error line with empty dyno fields", async () => {
    const res = await get("crashed.localhost");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('<iframe src="https://errors.example/oops.html"');
    expect(await logFor("crashed.localhost", "H10")).toMatch(
      /^at=error code=H10 desc="App crashed" method=GET path="\/" host=crashed\.localhost request_id=\S+ fwd="127\.0\.0\.1" dyno= connect= service= status=503 bytes= protocol=http$/);
  });
  test("H14 No web dynos running", async () => {
    const res = await get("zero.localhost");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("Application Error");
    expect(await logFor("zero.localhost", "H14")).toStartWith('at=error code=H14 desc="No web dynos running" method=GET');
  });
  test("H80 Maintenance mode: 503 maintenance page, logged at=info, the dyno is not asked", async () => {
    const hits = countingHits;
    const res = await get("maint.localhost");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("Offline for Maintenance");
    expect(await logFor("maint.localhost", "H80")).toStartWith('at=info code=H80 desc="Maintenance mode" method=GET');
    expect(countingHits).toBe(hits);
  });
});

describe("dyno misbehaviour", () => {
  test("H12 Request timeout: no first byte in time → 503 and the upstream connection is closed", async () => {
    const started = Date.now();
    const res = await get("slow.localhost", "/report");
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUTS.firstByteMs - 20);
    expect(await logFor("slow.localhost", "H12")).toMatch(
      /^at=error code=H12 desc="Request timeout" method=GET path="\/report" host=slow\.localhost request_id=\S+ fwd="127\.0\.0\.1" dyno=web\.1 connect=\d+ms service=\d+ms status=503 bytes=0 protocol=http$/);
    await until(() => (silent.closed === 1 ? true : undefined), 2000, "the upstream connection to close");
  });
  test("H13 Connection closed without response", async () => {
    const res = await get("hangup.localhost");
    expect(res.status).toBe(503);
    expect(await logFor("hangup.localhost", "H13")).toContain('desc="Connection closed without response"');
  });
  test("H18 when the dyno closes mid-response: the client connection is cut", async () => {
    const client = await RawClient.connect(router.port);
    client.write("GET / HTTP/1.1\r\nHost: half.localhost\r\n\r\n");
    await client.waitClosed();
    expect(client.text).toStartWith("HTTP/1.1 200 OK");
    expect(await logFor("half.localhost", "H18")).toContain('desc="Server Request Interrupted"');
  });
  test("H15 Idle connection: a response that stalls after its first byte is cut", async () => {
    const client = await RawClient.connect(router.port);
    client.write("GET / HTTP/1.1\r\nHost: stalls.localhost\r\n\r\n");
    await client.waitFor((t) => t.includes("first part"));
    await client.waitClosed();
    expect(await logFor("stalls.localhost", "H15")).toMatch(/desc="Idle connection" .* status=200 bytes=\d+ protocol=http$/);
  });
  test("a refused connection is retried on another dyno", async () => {
    const dead = rawBackend(() => {});
    const deadPort = dead.port;
    dead.stop(); // nothing listens there any more
    router.routes.set("retry.localhost", app("retry", [backendOf(deadPort, "web.1"), backendOf(counting.port!, "web.2")]));
    for (let i = 0; i < 6; i++) expect(await (await get("retry.localhost")).text()).toBe("counted");
    router.routes.set("dead.localhost", app("dead", [backendOf(deadPort, "web.1")]));
    expect((await get("dead.localhost")).status).toBe(503);
    expect(await logFor("dead.localhost", "H10")).toContain("dyno=web.1");
  });
});

describe("malformed requests never reach a dyno", () => {
  const cases: [string, string, number][] = [
    ["Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: count.localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400],
    ["obs-fold", "GET / HTTP/1.1\r\nHost: count.localhost\r\nX-Folded: a\r\n b\r\n\r\n", 400],
    ["bare LF", "GET / HTTP/1.1\nHost: count.localhost\n\n", 400],
    ["huge head", `GET / HTTP/1.1\r\nHost: count.localhost\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431],
  ];
  for (const [name, request, status] of cases) {
    test(`${name} → ${status}`, async () => {
      const hits = countingHits;
      const client = await RawClient.connect(router.port);
      client.write(request);
      await client.waitClosed();
      expect(client.text).toStartWith(`HTTP/1.1 ${status} `);
      expect(countingHits).toBe(hits);
    });
  }
});

test("slowloris is closed while another client is served", async () => {
  const loris = await RawClient.connect(router.port);
  loris.write("GET / HTTP/1.1\r\nHost: count.localhost\r\n");
  const drip = setInterval(() => loris.write("X-A: b\r\n"), 50);
  try {
    expect(await (await get("count.localhost")).text()).toBe("counted");
    await loris.waitClosed();
    expect(loris.text).toStartWith("HTTP/1.1 408 ");
    expect(await (await get("count.localhost")).text()).toBe("counted");
  } finally {
    clearInterval(drip);
    loris.close();
  }
});

test("the pool follows route changes", async () => {
  const first = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("first") });
  const second = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("second") });
  try {
    router.routes.set("moving.localhost", app("moving", [backendOf(first.port!)]));
    expect(await (await get("moving.localhost")).text()).toBe("first");
    router.routes.set("moving.localhost", app("moving", [backendOf(second.port!, "web.2")]));
    expect(await (await get("moving.localhost")).text()).toBe("second");
    expect(await router.logLine((t) => t.includes("host=moving.localhost") && t.includes("dyno=web.2"))).toContain("status=200");
  } finally {
    first.stop(true);
    second.stop(true);
  }
});

test("a client that goes away mid-request is logged as H27", async () => {
  const client = await RawClient.connect(router.port);
  client.write("GET /gone HTTP/1.1\r\nHost: slow.localhost\r\n\r\n");
  await until(() => (silent.received.includes("GET /gone") ? true : undefined), 2000, "request at the dyno");
  const closedBefore = silent.closed;
  client.close();
  expect(await logFor("slow.localhost", "H27")).toMatch(/path="\/gone" .* status=499 /);
  await until(() => (silent.closed > closedBefore ? true : undefined), 2000, "the upstream connection to close");
});
