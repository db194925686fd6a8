// The router in front of real backends: routing, headers, streaming both ways, keep-alive, WebSockets.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { app, backendOf, RawClient, type RawBackend, rawBackend, type RouterFixture, responsesIn, startTestRouter } from "./helpers.ts";

let router: RouterFixture;
let echo: Server<undefined>; // answers with what it saw: headers and body size
let other: Server<undefined>;
let streamer: Server<undefined>;
let sockets: Server<undefined>;
let raw: RawBackend;

beforeAll(async () => {
  echo = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    async fetch(req) {
      let size = 0;
      if (req.body !== null) for await (const piece of req.body) size += piece.length;
      return Response.json({ app: "one", method: req.method, url: new URL(req.url).pathname, size, headers: Object.fromEntries(req.headers) });
    },
  });
  other = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("two") });
  streamer = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch(req) {
      const sse = new URL(req.url).pathname === "/sse";
      const body = new ReadableStream({
        async pull(controller) {
          for (let i = 0; i < 3; i++) {
            controller.enqueue(new TextEncoder().encode(sse ? `data: tick ${i}\n\n` : `piece ${i};`));
            await Bun.sleep(150);
          }
          controller.close();
        },
      });
      return new Response(body, { headers: sse ? { "content-type": "text/event-stream" } : {} });
    },
  });
  sockets = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch: (req, server) => (server.upgrade(req) ? undefined : new Response("no upgrade", { status: 400 })),
    websocket: { message: (ws, message) => { ws.send(`echo: ${message}`); } },
  });
  raw = rawBackend((socket, text) => {
    // Answers every complete request head on the connection, so keep-alive reuse is visible as `opened`.
    const answered = socket.data.text.split("\r\n\r\n").length - 1;
    const already = (socket.data as { answered?: number }).answered ?? 0;
    for (let i = already; i < answered; i++) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    (socket.data as { answered?: number }).answered = answered;
    void text;
  });
  router = await startTestRouter();
  router.routes.set("one.localhost", app("one", [backendOf(echo.port!)]));
  router.routes.set("two.localhost", app("two", [backendOf(other.port!, "web.2")]));
  router.routes.set("stream.localhost", app("stream", [backendOf(streamer.port!)]));
  router.routes.set("127.0.0.1", app("ws", [backendOf(sockets.port!)]));
  router.routes.set("raw.localhost", app("raw", [backendOf(raw.port)]));
});

afterAll(async () => {
  await router.stop();
  for (const s of [echo, other, streamer, sockets]) s.stop(true);
  raw.stop();
});

const get = (host: string, path = "/", init: RequestInit = {}) =>
  fetch(router.url(path), { ...init, headers: { host, ...(init.headers as Record<string, string>) } });

describe("routing", () => {
  test("routes by Host (case and port ignored) and 404s an unknown host", async () => {
    expect(((await (await get("ONE.localhost:8080", "/x")).json()) as { app: string }).app).toBe("one");
    expect(await (await get("two.localhost")).text()).toBe("two");
    const missing = await get("nope.localhost");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("No such app");
  });
});

describe("least connections", () => {
  // Two dynos of one app that answer with their name; "/hold" waits until the test lets it go.
  let release: () => void = () => {};
  const dynos = ["web.1", "web.2"].map((name) => Bun.serve({
    hostname: "127.0.0.1", port: 0,
    async fetch(req) {
      if (new URL(req.url).pathname === "/hold") await new Promise<void>((done) => { release = done; });
      return new Response(name);
    },
  }));
  afterAll(() => { for (const d of dynos) d.stop(true); });

  /** Holds one request on a dyno, then sends 20 quick ones one after another: which dynos answered them. */
  async function quickRequestsWhileOneIsHeld(host: string, leastConnections: boolean): Promise<{ held: string; answeredBy: Set<string> }> {
    const backends = dynos.map((d, i) => backendOf(d.port!, `web.${i + 1}`));
    router.routes.set(host, app(host, backends, { leastConnections }));
    const held = get(host, "/hold").then((r) => r.text());
    const original = release;
    while (release === original) await Bun.sleep(5); // the held request has reached a dyno
    const answeredBy = new Set<string>();
    for (let i = 0; i < 20; i++) answeredBy.add(await (await get(host)).text());
    release();
    return { held: await held, answeredBy };
  }

  test("the http-least-connections lab sends new requests past a dyno that is still busy", async () => {
    const { held, answeredBy } = await quickRequestsWhileOneIsHeld("least.localhost", true);
    expect([...answeredBy]).toEqual([held === "web.1" ? "web.2" : "web.1"]);
  });

  test("without it, routing stays Heroku's uniform random choice, busy dyno or not", async () => {
    const { answeredBy } = await quickRequestsWhileOneIsHeld("random.localhost", false);
    expect([...answeredBy].sort()).toEqual(["web.1", "web.2"]); // all 20 on one dyno: 1 chance in 2^19
  });
});

describe("headers", () => {
  test("adds X-Forwarded-*, X-Request-Start, X-Request-Id and Via, and logs the request", async () => {
    const before = Date.now();
    const res = await get("one.localhost", "/hdr?q=1");
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-port"]).toBe(String(router.port));
    expect(headers.via).toBe("1.1 slipway");
    expect(headers.host).toBe("one.localhost");
    const start = Number(headers["x-request-start"]);
    expect(start).toBeGreaterThanOrEqual(before);
    expect(start).toBeLessThanOrEqual(Date.now());
    const id = headers["x-request-id"]!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = await router.logLine((t) => t.includes(id));
    expect(line).toMatch(new RegExp(
      `^at=info method=GET path="/hdr\\?q=1" host=one\\.localhost request_id=${id} fwd="127\\.0\\.0\\.1" dyno=web\\.1 ` +
      `connect=\\d+ms service=\\d+ms status=200 bytes=\\d+ protocol=http$`));
    expect(router.logs.find((l) => l.text === line)?.appId).toBe("id-one");
    expect(router.logs.find((l) => l.text === line)?.source).toBe("heroku[router]");
  });
  test("appends to a client's X-Forwarded-For, replaces spoofed proto/port, keeps a valid request id", async () => {
    const id = "client-supplied-id-0123456789";
    const res = await get("one.localhost", "/", {
      headers: { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https", "x-forwarded-port": "443", "x-request-id": id },
    });
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    expect(headers["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-port"]).toBe(String(router.port));
    expect(headers["x-request-id"]).toBe(id);
    expect(await router.logLine((t) => t.includes(id))).toContain('fwd="203.0.113.9, 127.0.0.1"');
  });
  test("a header value with bytes above 0x7f reaches the dyno byte for byte", async () => {
    const dyno = rawBackend((socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    router.routes.set("latin1.localhost", app("latin1", [backendOf(dyno.port)]));
    const client = await RawClient.connect(router.port);
    try {
      // Twice: the first request opens the upstream connection, the second finds it open and is written at once.
      for (let i = 1; i <= 2; i++) {
        client.write(`GET /latin1 HTTP/1.1\r\nHost: latin1.localhost\r\nX-Name: caf\xe9 \xff\r\n\r\n`);
        await client.waitFor((t) => responsesIn(t) === i);
      }
      expect(dyno.opened).toBe(1);
      expect(dyno.received.split("X-Name: caf\xe9 \xff\r\nX-Forwarded-For: 127.0.0.1\r\n").length).toBe(3);
    } finally {
      client.close();
      dyno.stop();
    }
  });
  test("replaces an invalid request id", async () => {
    const res = await get("one.localhost", "/", { headers: { "x-request-id": "too-short" } });
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    expect(headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("bodies", () => {
  test("streams a large POST body with Content-Length", async () => {
    const body = new Uint8Array(8 * 1024 * 1024).fill(97);
    const res = await get("one.localhost", "/upload", { method: "POST", body });
    expect(((await res.json()) as { size: number }).size).toBe(body.length);
  });
  test("streams a chunked POST body", async () => {
    const client = await RawClient.connect(router.port);
    const chunk = "x".repeat(100_000);
    client.write("POST /chunked HTTP/1.1\r\nHost: one.localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (let i = 0; i < 20; i++) client.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    client.write("0\r\n\r\n");
    const text = await client.waitFor((t) => t.includes('"size"'));
    expect(text).toContain(`"size":${20 * chunk.length}`);
    client.close();
  });
  test("streams a chunked response piece by piece as the app sends it", async () => {
    const res = await get("stream.localhost", "/chunks");
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(Date.now());
      text += new TextDecoder().decode(value);
    }
    expect(text).toBe("piece 0;piece 1;piece 2;");
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(200); // pieces were not held back until the end
  });
  test("delivers server-sent events as they happen", async () => {
    const client = await RawClient.connect(router.port);
    client.write("GET /sse HTTP/1.1\r\nHost: stream.localhost\r\nAccept: text/event-stream\r\n\r\n");
    const first = await client.waitFor((t) => t.includes("tick 0"));
    expect(first).not.toContain("tick 2"); // the first event arrived before the last was produced
    await client.waitFor((t) => t.includes("tick 2"));
    client.close();
  });
});

describe("keep-alive", () => {
  test("many sequential requests on one client connection reuse one upstream connection", async () => {
    const client = await RawClient.connect(router.port);
    const openedBefore = raw.opened;
    for (let i = 1; i <= 50; i++) {
      client.write(`GET /${i} HTTP/1.1\r\nHost: raw.localhost\r\n\r\n`);
      await client.waitFor((t) => responsesIn(t) === i);
    }
    expect(client.closed).toBe(false);
    expect(raw.opened - openedBefore).toBe(1);
    client.close();
  });
  test("pipelined requests are answered in order", async () => {
    const client = await RawClient.connect(router.port);
    client.write("GET /a HTTP/1.1\r\nHost: two.localhost\r\n\r\nGET /b HTTP/1.1\r\nHost: one.localhost\r\n\r\nGET /c HTTP/1.1\r\nHost: two.localhost\r\n\r\n");
    const text = await client.waitFor((t) => responsesIn(t) === 3 && t.endsWith("two"));
    const bodies = text.split("HTTP/1.1 ").slice(1).map((r) => r.slice(r.indexOf("\r\n\r\n") + 4));
    expect(bodies[0]).toBe("two");
    expect(bodies[1]).toContain('"url":"/b"');
    expect(bodies[2]).toBe("two");
    client.close();
  });
  test("Connection: close is honoured", async () => {
    const client = await RawClient.connect(router.port);
    client.write("GET / HTTP/1.1\r\nHost: two.localhost\r\nConnection: close\r\n\r\n");
    await client.waitClosed();
    expect(client.text).toEndWith("two");
  });
});

test("WebSocket echo through the router", async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${router.port}/socket`);
  const replies: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => ws.send("hello");
    ws.onmessage = (event) => {
      replies.push(String(event.data));
      if (replies.length === 1) ws.send("again");
      else resolve();
    };
    ws.onerror = () => reject(new Error("websocket error"));
  });
  expect(replies).toEqual(["echo: hello", "echo: again"]);
  ws.close();
  expect(await router.logLine((t) => t.includes("status=101"))).toMatch(/^at=info method=GET path="\/socket" host=127\.0\.0\.1 .* dyno=web\.1 .*status=101/);
});
