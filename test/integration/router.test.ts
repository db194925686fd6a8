// The router in front of real dynos: routing by app name and custom domain, the pool following scale,
// crashes and restarts, Heroku's error codes and log lines, and no failed requests across deploys.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TestServer } from "./harness.ts";
import { commitFiles, makeRepo, nodeServer, push, routerGet } from "./apps.ts";

let server: TestServer;
let work: string;
const remote = (app: string) => `http://:${server.adminToken}@127.0.0.1:${server.apiPort}/${app}.git`;

async function deploy(app: string, files: Record<string, string>): Promise<string> {
  await server.api("POST", "/apps", { name: app });
  const repo = makeRepo(join(work, app), files);
  const result = await push(repo, remote(app));
  if (result.code !== 0) throw new Error(result.output);
  return repo;
}

async function logText(app: string): Promise<string> {
  const session = (await server.api("POST", `/apps/${app}/log-sessions`, { lines: 1500 })).json;
  return (await (await fetch(session.logplex_url)).text()).split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(50);
  }
}

beforeAll(async () => {
  server = new TestServer({ SLIPWAY_RESTART_BACKOFF: "60", SLIPWAY_STOP_TIMEOUT: "2" });
  await server.start();
  work = join(server.scratch, "work");
  mkdirSync(work);
});
afterAll(async () => server?.destroy());

describe("routing", () => {
  test("by app name and by custom domain, exact and wildcard; unknown hosts get 404", async () => {
    await deploy("routed", { "Procfile": "web: node server.js\n", "server.js": nodeServer("routed") });
    expect((await routerGet(server.routerPort, "routed.localhost")).body).toBe("routed web.1");
    expect((await server.cli(["domains:add", "www.example.com", "-a", "routed"])).code).toBe(0);
    expect((await server.cli(["domains:add", "*.wild.example.org", "-a", "routed"])).code).toBe(0);
    expect((await routerGet(server.routerPort, "www.example.com")).body).toBe("routed web.1");
    expect((await routerGet(server.routerPort, "anything.wild.example.org")).body).toBe("routed web.1");
    expect((await routerGet(server.routerPort, "deeper.anything.wild.example.org")).status).toBe(404);
    expect((await routerGet(server.routerPort, "nobody.localhost")).status).toBe(404);
    const listed = await server.cli(["domains", "-a", "routed"]);
    expect(listed.stdout).toContain("=== routed Heroku Domain\nrouted.localhost");
    expect(listed.stdout).toContain("www.example.com");
    await server.api("POST", "/apps", { name: "other" });
    const taken = await server.api("POST", "/apps/other/domains", { hostname: "www.example.com" });
    expect(taken.status).toBe(422);
    expect((await server.api("POST", "/apps/other/domains", { hostname: "not a host" })).status).toBe(422);
    expect((await server.cli(["domains:remove", "www.example.com", "-a", "routed"])).code).toBe(0);
    expect((await routerGet(server.routerPort, "www.example.com")).status).toBe(404);
  });

  test("every request is a heroku[router] line in the app's log", async () => {
    await routerGet(server.routerPort, "routed.localhost", "/some/path?q=1");
    await until(async () => (await logText("routed")).includes('path="/some/path?q=1"'));
    const line = (await logText("routed")).split("\n").find((l) => l.includes('path="/some/path?q=1"'))!;
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 heroku\[router\]: at=info method=GET path="\/some\/path\?q=1" host=routed\.localhost request_id=[0-9a-f-]{36} fwd="127\.0\.0\.1" dyno=web\.1 connect=\d+ms service=\d+ms status=200 bytes=\d+ protocol=http$/);
  });

  test("the pool follows scaling", async () => {
    expect((await server.cli(["ps:scale", "web=3", "-a", "routed"])).code).toBe(0);
    const seen = new Set<string>();
    for (let i = 0; i < 60 && seen.size < 3; i++) seen.add((await routerGet(server.routerPort, "routed.localhost")).body);
    expect([...seen].sort()).toEqual(["routed web.1", "routed web.2", "routed web.3"]);
    await server.cli(["ps:scale", "web=1", "-a", "routed"]);
    for (let i = 0; i < 20; i++) expect((await routerGet(server.routerPort, "routed.localhost")).body).toBe("routed web.1");
  });

  test("the http-least-connections lab routes around a dyno busy with a slow request", async () => {
    const source = `require("http").createServer((q, s) => setTimeout(() => s.end(process.env.DYNO), q.url === "/slow" ? 2500 : 0))` +
      `.listen(process.env.PORT);\n`;
    await deploy("balanced", { "Procfile": "web: node server.js\n", "server.js": source });
    expect((await server.cli(["ps:scale", "web=2", "-a", "balanced"])).code).toBe(0);
    await until(async () => (await routerGet(server.routerPort, "balanced.localhost")).body === "web.2", 15_000);
    expect((await server.cli(["labs:enable", "http-least-connections", "-a", "balanced"])).code).toBe(0);
    expect((await server.cli(["labs", "-a", "balanced"])).stdout).toMatch(/\[\+\] http-least-connections/);
    const slow = routerGet(server.routerPort, "balanced.localhost", "/slow");
    await Bun.sleep(300); // dispatched by now
    const quick = new Set<string>();
    for (let i = 0; i < 10; i++) quick.add((await routerGet(server.routerPort, "balanced.localhost")).body);
    const slowDyno = (await slow).body;
    expect([...quick]).toEqual([slowDyno === "web.1" ? "web.2" : "web.1"]);
  }, 30_000);

  test("H14 with no web dynos, H80 in maintenance, H10 when the web dynos crashed", async () => {
    await server.cli(["ps:scale", "web=0", "-a", "routed"]);
    const none = await routerGet(server.routerPort, "routed.localhost");
    expect(none.status).toBe(503);
    await server.cli(["ps:scale", "web=1", "-a", "routed"]);
    expect((await server.cli(["maintenance:on", "-a", "routed"])).code).toBe(0);
    const maintenance = await routerGet(server.routerPort, "routed.localhost");
    expect(maintenance.status).toBe(503);
    await server.cli(["maintenance:off", "-a", "routed"]);
    expect((await routerGet(server.routerPort, "routed.localhost")).status).toBe(200);

    await deploy("crasher", { "Procfile": "web: node server.js\n", "server.js": `${nodeServer("crasher")}setTimeout(() => process.exit(3), 300);\n` });
    await until(async () => (await routerGet(server.routerPort, "crasher.localhost")).status === 503, 15_000);
    const logs = await logText("routed") + (await logText("crasher"));
    expect(logs).toMatch(/heroku\[router\]: at=error code=H14 desc="No web dynos running" method=GET path="\/" host=routed\.localhost/);
    expect(logs).toMatch(/heroku\[router\]: at=info code=H80 desc="Maintenance mode" method=GET path="\/" host=routed\.localhost/);
    expect(logs).toMatch(/heroku\[router\]: at=error code=H10 desc="App crashed" method=GET path="\/" host=crasher\.localhost/);
  }, 30_000);
});

describe("no request fails across a redeploy, a config change and a restart", () => {
  test("steady traffic sees only 200s", async () => {
    const repo = await deploy("steady", { "Procfile": "web: node server.js\n", "server.js": nodeServer("v1") });
    let stop = false;
    const statuses = new Map<number, number>();
    const loops = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await routerGet(server.routerPort, "steady.localhost").catch(() => ({ status: 0, body: "" }));
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    });
    commitFiles(repo, { "server.js": nodeServer("v2") }, "v2");
    expect((await push(repo, remote("steady"))).code).toBe(0);
    expect((await server.cli(["config:set", "X=1", "-a", "steady"])).code).toBe(0);
    expect((await server.cli(["ps:restart", "-a", "steady"])).code).toBe(0);
    await Bun.sleep(300);
    stop = true;
    await Promise.all(loops);
    expect([...statuses.keys()], (await logText("steady")).split("\n").filter((l) => l.includes("at=error")).join("\n")).toEqual([200]);
    expect(statuses.get(200)!).toBeGreaterThan(50);
    expect((await routerGet(server.routerPort, "steady.localhost")).body).toBe("v2 web.1");
  }, 60_000);
});

describe("TLS", () => {
  function selfSigned(dir: string, hostname: string): { cert: string; key: string } {
    const cert = join(dir, `${hostname}.crt`);
    const key = join(dir, `${hostname}.key`);
    const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "30",
      "-subj", `/CN=${hostname}`, "-addext", `subjectAltName=DNS:${hostname}`], { stderr: "pipe" });
    if (made.exitCode !== 0) throw new Error(made.stderr.toString());
    return { cert, key };
  }

  async function httpsGet(servername: string): Promise<{ subject: string; body: string }> {
    const tls = await import("node:tls");
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port: server.httpsPort, servername, rejectUnauthorized: false }, () => {
        const subject = socket.getPeerCertificate().subject.CN as string;
        socket.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
        let response = "";
        socket.on("data", (d) => (response += d));
        socket.on("end", () => resolve({ subject, body: response.split("\r\n\r\n").slice(1).join("") }));
      });
      socket.on("error", reject);
    });
  }

  test("certs:add serves each hostname its own certificate by SNI, with X-Forwarded-Proto https", async () => {
    const echo = `require("http").createServer((q, s) => s.end(q.headers["x-forwarded-proto"] + " " + q.headers.host)).listen(process.env.PORT);\n`;
    await deploy("secure", { "Procfile": "web: node server.js\n", "server.js": echo });
    const dir = join(work, "certs");
    mkdirSync(dir);
    for (const hostname of ["one.example.test", "two.example.test"]) {
      expect((await server.cli(["domains:add", hostname, "-a", "secure"])).code).toBe(0);
      const { cert, key } = selfSigned(dir, hostname);
      const added = await server.cli(["certs:add", cert, key, "-a", "secure"]);
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toContain(`Common Name(s): ${hostname}`);
    }
    const one = await httpsGet("one.example.test");
    const two = await httpsGet("two.example.test");
    expect(one).toEqual({ subject: "one.example.test", body: "https one.example.test" });
    expect(two).toEqual({ subject: "two.example.test", body: "https two.example.test" });
    expect((await server.cli(["certs", "-a", "secure"])).stdout).toContain("two.example.test");
    const mismatch = await server.api("POST", "/apps/secure/sni-endpoints", {
      certificate_chain: readFileSync(join(dir, "one.example.test.crt"), "utf8"), private_key: readFileSync(join(dir, "two.example.test.key"), "utf8"),
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.json.message).toContain("does not match");
  });
});
