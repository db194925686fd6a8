// The router's own answers for ACM and https-only: HTTP-01 tokens served on plain HTTP while an order is
// open (never passed to the app), and 301s to the HTTPS listener for apps with the https-only lab.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Server } from "bun";
import { accessLine, ACME_CHALLENGE_PATH, challengeKey, type AppRoute, type RunningRouter, startRouter } from "../../src/router/index.ts";
import { selfSigned } from "../acme/certificates.ts";
import { app, backendOf, RawClient } from "./helpers.ts";

let backend: Server<undefined>;
let router: RunningRouter;
const routes = new Map<string, AppRoute>();
const challenges = new Map<string, string>();
const logs: string[] = [];

beforeAll(async () => {
  backend = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => new Response(`app saw ${new URL(req.url).pathname}`) });
  const secure = selfSigned("secure.example.test", new Date(Date.now() - 60_000), new Date(Date.now() + 3600_000));
  router = await startRouter({
    port: 0, hostname: "127.0.0.1", routeFor: (host) => routes.get(host) ?? null, log: (_id, record) => logs.push(accessLine(record)),
    tls: { port: 0, certificates: [{ serverName: "secure.example.test", cert: secure.chain, key: secure.key }] }, acmeChallenges: challenges,
  });
  routes.set("plain.example.test", app("plain", [backendOf(backend.port!)]));
  routes.set("secure.example.test", app("secure", [backendOf(backend.port!)], { httpsOnly: true }));
});
afterAll(async () => {
  await router.stop();
  backend.stop(true);
});

const get = (host: string, path: string) => fetch(`http://127.0.0.1:${router.port}${path}`, { headers: { Host: host }, redirect: "manual" });

test("a pending HTTP-01 token is answered by the router; other paths and hosts still reach the app", async () => {
  const path = `${ACME_CHALLENGE_PATH}tok123`;
  expect(await (await get("plain.example.test", path)).text()).toBe(`app saw ${path}`);
  challenges.set(challengeKey("plain.example.test", path), "tok123.thumbprint");
  try {
    const answered = await get("plain.example.test", path);
    expect(answered.status).toBe(200);
    expect(answered.headers.get("content-type")).toBe("text/plain");
    expect(await answered.text()).toBe("tok123.thumbprint");
    expect(await (await get("plain.example.test", `${ACME_CHALLENGE_PATH}other`)).text()).toBe(`app saw ${ACME_CHALLENGE_PATH}other`);
    expect(await (await get("www.elsewhere.test", path)).text()).toContain("No such app");
    // An https-only app still gets its challenge answered on plain HTTP, not redirected.
    challenges.set(challengeKey("secure.example.test", path), "tok123.secure");
    expect(await (await get("secure.example.test", path)).text()).toBe("tok123.secure");
  } finally {
    challenges.clear();
  }
  expect(await (await get("plain.example.test", path)).text()).toBe(`app saw ${path}`);
});

test("https-only answers plain HTTP with a 301 to the HTTPS listener, keeping path and query, and logs it", async () => {
  const redirected = await get("secure.example.test", "/cart?item=1");
  expect(redirected.status).toBe(301);
  expect(redirected.headers.get("location")).toBe(`https://secure.example.test:${router.tlsPort}/cart?item=1`);
  expect(logs.some((l) => l.includes('path="/cart?item=1" host=secure.example.test') && l.includes("status=301") && l.includes("protocol=http"))).toBe(true);
  expect((await get("plain.example.test", "/cart")).status).toBe(200);
});

test("https-only serves HTTPS requests normally, and keeps the connection alive across a redirect", async () => {
  const tls = await import("node:tls");
  const body = await new Promise<string>((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port: router.tlsPort!, servername: "secure.example.test", rejectUnauthorized: false }, () => {
      socket.write("GET /cart HTTP/1.1\r\nHost: secure.example.test\r\nConnection: close\r\n\r\n");
    });
    let text = "";
    socket.on("data", (chunk) => (text += chunk));
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
  expect(body).toStartWith("HTTP/1.1 200");
  expect(body).toContain("app saw /cart");

  const client = await RawClient.connect(router.port);
  client.write("GET /a HTTP/1.1\r\nHost: secure.example.test\r\n\r\nGET /b HTTP/1.1\r\nHost: secure.example.test\r\n\r\n");
  const both = await client.waitFor((t) => (t.match(/HTTP\/1\.1 301/g) ?? []).length === 2);
  expect(both).toContain(`Location: https://secure.example.test:${router.tlsPort}/b`);
  client.close();
});
