import { expect, test } from "bun:test";
import { accessLine } from "../../src/router/access-log.ts";
import { chooseRequestId, forwardedFor, pickBackend } from "../../src/router/forwarding.ts";

test("a client's request id is kept when it is 20-200 chars of [A-Za-z0-9+=/-], else replaced by a UUID", () => {
  const good = "abcdefghij0123456789+=/-";
  expect(chooseRequestId(good)).toBe(good);
  for (const bad of ["short", "a".repeat(201), "has space in it 1234567", "emoji😀aaaaaaaaaaaaaaaaaaa", null]) {
    expect(chooseRequestId(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  }
});

test("X-Forwarded-For appends the peer", () => {
  expect(forwardedFor(null, "10.0.0.1")).toBe("10.0.0.1");
  expect(forwardedFor("1.1.1.1, 2.2.2.2", "10.0.0.1")).toBe("1.1.1.1, 2.2.2.2, 10.0.0.1");
});

test("backends are picked uniformly at random, avoiding one that just failed", () => {
  const backends = ["web.1", "web.2", "web.3"].map((dyno, i) => ({ dyno, host: "127.0.0.1", port: 5000 + i }));
  const counts = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const b = pickBackend(backends, null)!;
    counts.set(b.dyno, (counts.get(b.dyno) ?? 0) + 1);
  }
  for (const n of counts.values()) expect(n).toBeGreaterThan(800);
  for (let i = 0; i < 50; i++) expect(pickBackend(backends, backends[1]!)!.dyno).not.toBe("web.2");
  expect(pickBackend([backends[0]!], backends[0]!)!.dyno).toBe("web.1"); // the only one is retried
  expect(pickBackend([], null)).toBeNull();
});

test("least-connections picks among the dynos with the fewest requests in flight, at random between ties", () => {
  const backends = ["web.1", "web.2", "web.3"].map((dyno, i) => ({ dyno, host: "127.0.0.1", port: 5000 + i }));
  const inFlight = new Map([["web.1", 2], ["web.2", 0], ["web.3", 0]]);
  const busy = (b: { dyno: string }) => inFlight.get(b.dyno)!;
  const picked = new Set<string>();
  for (let i = 0; i < 200; i++) picked.add(pickBackend(backends, null, busy)!.dyno);
  expect([...picked].sort()).toEqual(["web.2", "web.3"]);
  expect(pickBackend(backends, null, busy, () => 0.99)!.dyno).toBe("web.3");
  // A dyno that just failed is avoided even when it is the least busy.
  inFlight.set("web.3", 5);
  expect(pickBackend(backends, backends[1]!, busy)!.dyno).toBe("web.1");
  expect(pickBackend([backends[2]!], null, busy)!.dyno).toBe("web.3"); // busy or not, the only dyno
});

test("access lines follow Heroku's field order and quoting", () => {
  const base = { method: "GET", path: '/a"b', host: "app.localhost", requestId: "r1", fwd: "127.0.0.1", protocol: "http" as const };
  expect(accessLine({ ...base, code: null, dyno: "web.1", connectMs: 0.4, serviceMs: 3.2, status: 200, bytes: 145 }))
    .toBe('at=info method=GET path="/a\\"b" host=app.localhost request_id=r1 fwd="127.0.0.1" dyno=web.1 connect=0ms service=3ms status=200 bytes=145 protocol=http');
  expect(accessLine({ ...base, code: "H10", dyno: null, connectMs: 0, serviceMs: 0, status: 503, bytes: null }))
    .toBe('at=error code=H10 desc="App crashed" method=GET path="/a\\"b" host=app.localhost request_id=r1 fwd="127.0.0.1" dyno= connect= service= status=503 bytes= protocol=http');
  expect(accessLine({ ...base, code: "H80", dyno: null, connectMs: 0, serviceMs: 0, status: 503, bytes: null }))
    .toStartWith('at=info code=H80 desc="Maintenance mode" method=GET');
});
