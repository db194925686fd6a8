import { describe, expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import {
  findHeadEnd, HEAD_INCOMPLETE, HEAD_MALFORMED, parseRequestHead, parseResponseHead, type RequestHead, routeHost,
} from "../../src/router/http-head.ts";

const bytes = (s: string) => Buffer.from(s, "latin1");
const request = (head: string) => parseRequestHead(bytes(head), head.length);
const response = (head: string) => parseResponseHead(bytes(head), head.length);
const ok = (head: string): RequestHead => {
  const r = request(head);
  if ("error" in r) throw new Error(`refused: ${r.reason}`);
  return r;
};
const refusal = (head: string) => {
  const r = request(head);
  return "error" in r ? r.error : null;
};

describe("findHeadEnd", () => {
  test("finds the blank line, even when bytes arrive one at a time", () => {
    const head = "GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY";
    expect(findHeadEnd(bytes(head), 0)).toBe(head.indexOf("BODY"));
    let scanned = 0;
    let result = HEAD_INCOMPLETE;
    for (let n = 1; n <= head.length && result === HEAD_INCOMPLETE; n++) {
      result = findHeadEnd(bytes(head.slice(0, n)), scanned);
      scanned = n;
    }
    expect(result).toBe(head.indexOf("BODY"));
  });
  test("refuses a bare LF before the head is complete", () => {
    expect(findHeadEnd(bytes("GET / HTTP/1.1\nHost: a"), 0)).toBe(HEAD_MALFORMED);
    expect(findHeadEnd(bytes("GET / HTTP/1.1\r\nHost: a\n\n"), 0)).toBe(HEAD_MALFORMED);
  });
  test("is incomplete without the blank line", () => {
    expect(findHeadEnd(bytes("GET / HTTP/1.1\r\nHost: a\r\n"), 0)).toBe(HEAD_INCOMPLETE);
  });
});

describe("parseRequestHead", () => {
  test("reads method, target, version, host, framing and drops router-owned and hop-by-hop headers", () => {
    const r = ok("POST /a?b=1 HTTP/1.1\r\nHost: App.LocalHost:8080\r\nContent-Length: 5\r\nX-Forwarded-Proto: https\r\n" +
      "X-Forwarded-For: 1.2.3.4\r\nConnection: keep-alive\r\nX-Request-Id: abc\r\nAccept: */*\r\n\r\n");
    expect([r.method, r.target, r.version, r.host, r.contentLength, r.chunked]).toEqual(["POST", "/a?b=1", "1.1", "App.LocalHost:8080", 5, false]);
    expect(r.forwardHead).toBe("POST /a?b=1 HTTP/1.1\r\nHost: App.LocalHost:8080\r\nContent-Length: 5\r\nAccept: */*\r\n");
    expect([r.forwardedFor, r.requestId, r.wantsClose]).toEqual(["1.2.3.4", "abc", false]);
  });
  test("drops router-owned and hop-by-hop lines wherever they are, keeping the rest in order", () => {
    const r = ok("GET / HTTP/1.1\r\nKeep-Alive: 5\r\nHost: a\r\nTE: trailers\r\nX-A: 1\r\nX-Request-Start: 1\r\n\r\n");
    expect(r.forwardHead).toBe("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n");
    expect(ok("GET / HTTP/1.0\r\n\r\n").forwardHead).toBe("GET / HTTP/1.0\r\n");
  });
  test("HTTP/1.0 closes unless it asks for keep-alive; Connection: close closes", () => {
    expect(ok("GET / HTTP/1.0\r\n\r\n").wantsClose).toBe(true);
    expect(ok("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").wantsClose).toBe(false);
    expect(ok("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").wantsClose).toBe(true);
  });
  test("keeps the Upgrade handshake for WebSockets", () => {
    const r = ok("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n");
    expect(r.upgrade).toBe(true);
    expect(r.forwardHead).toBe("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n");
  });
  test("refuses smuggling-shaped heads", () => {
    expect(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")).toBe(400);
    expect(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")).toBe(400);
    expect(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n")).toBe(400);
    expect(refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")).toBe(501);
    expect(refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")).toBe(400);
    expect(refusal("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n")).toBe(400); // obs-fold
    expect(refusal("GET / HTTP/1.1\r\nHost : a\r\n\r\n")).toBe(400);
    expect(refusal("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n")).toBe(400); // bare CR
    expect(refusal("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n")).toBe(400); // bare LF in a complete head
    expect(refusal("GET / HTTP/1.1\nHost: a\r\n\r\n")).toBe(400);
    expect(refusal("GET / HTTP/1.1\r\nHost: a\r\nX\n: b\r\n\r\n")).toBe(400);
    expect(refusal("GET / HTTP/1.1\r\n\r\n")).toBe(400); // no Host
    expect(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")).toBe(400);
    expect(refusal("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(400);
    expect(refusal("GET / HTTP/2.0\r\nHost: a\r\n\r\n")).toBe(505);
    expect(refusal("GET / HTTP/1.2\r\nHost: a\r\n\r\n")).toBe(505);
    expect(refusal("GET / HTTP/1.1 x\r\nHost: a\r\n\r\n")).toBe(400);
    expect(refusal("GET / HTTP/1.1\rx\r\nHost: a\r\n\r\n")).toBe(400);
    expect(refusal("G(T / HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(400);
  });
  test("a value with bytes above 0x7f passes unchanged, and marks the head as not ASCII", () => {
    const r = ok("GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xe9\r\nConnection: close\r\n\r\n");
    expect(r.forwardHead).toBe("GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xe9\r\n");
    expect(r.asciiOnly).toBe(false);
    expect(ok("GET / HTTP/1.1\r\nHost: a\r\n\r\n").asciiOnly).toBe(true);
  });
  test("accepts an identical repeated Content-Length", () => {
    expect(ok("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n").contentLength).toBe(3);
  });
});

describe("parseResponseHead", () => {
  test("reads status and framing", () => {
    expect(response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")).toEqual({ status: 200, contentLength: 5, chunked: false, closes: false });
    expect(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")).toEqual({ status: 200, contentLength: -1, chunked: true, closes: true });
    expect(response("HTTP/1.0 200\r\n\r\n")?.closes).toBe(true);
    expect(response("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")).toEqual({ status: 200, contentLength: 0, chunked: false, closes: false });
  });
  test("rejects what is not HTTP", () => {
    expect(response("HTTP/1.1 2000 OK\r\n\r\n")).toBeNull();
    expect(response("HELLO\r\n\r\n")).toBeNull();
    expect(response("HTTP/1.1 200 OK\r\nno colon\r\n\r\n")).toBeNull();
    expect(response("HTTP/1.1 200 OK\r\nX: a\nContent-Length: 0\r\n\r\n")).toBeNull(); // bare LF
    expect(response("HTTP/1.1 200 OK\nX: a\r\n\r\n")).toBeNull();
    expect(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")).toBeNull();
    expect(response("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")).toBeNull();
  });
});

test("routeHost strips the port and lowercases", () => {
  expect(routeHost("App.Example.COM:8080")).toBe("app.example.com");
  expect(routeHost("[::1]:80")).toBe("[::1]");
});

test("values kept from a large head (they live on in access records) do not keep the whole head alive", () => {
  const cookie = "x".repeat(15_000);
  const kept: string[] = [];
  Bun.gc(true);
  const before = heapStats().heapSize;
  for (let i = 0; i < 1500; i++) {
    const head = Buffer.from(`GET /path/${i} HTTP/1.1\r\nHost: app.localhost\r\nX-Request-Id: ${"r".repeat(30)}${i}\r\nCookie: ${cookie}${i}\r\n\r\n`, "latin1");
    const req = parseRequestHead(head, head.length) as RequestHead;
    kept.push(req.method, req.target, req.host!, req.requestId!);
  }
  Bun.gc(true);
  expect(kept[1]).toBe("/path/0");
  // Slices would hold 1,500 heads of 15 KB: over 20 MB.
  expect(heapStats().heapSize - before).toBeLessThan(5 * 1048576);
});
