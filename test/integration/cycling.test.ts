// Daily cycling, sped up: each dyno is replaced on its schedule (web ones preboot, so no request fails),
// and SLIPWAY_DYNO_CYCLE=off turns it off.
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { TestServer } from "./harness.ts";
import { makeRepo, nodeServer, push, routerGet } from "./apps.ts";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.destroy()));
  servers = [];
});

async function deployed(env: Record<string, string>): Promise<TestServer> {
  const server = new TestServer(env);
  servers.push(server);
  await server.start();
  await server.api("POST", "/apps", { name: "cycler" });
  const repo = makeRepo(join(server.scratch, "cycler"), { "Procfile": "web: node server.js\n", "server.js": nodeServer("cycled") });
  const result = await push(repo, `http://:${server.adminToken}@127.0.0.1:${server.apiPort}/cycler.git`);
  if (result.code !== 0) throw new Error(result.output);
  return server;
}

async function logText(server: TestServer): Promise<string> {
  return (await server.cli(["logs", "-n", "1500", "--ps", "web", "-a", "cycler"])).stdout;
}

test("dynos cycle on schedule with no failed request", async () => {
  const server = await deployed({ SLIPWAY_DYNO_CYCLE: "1.5", SLIPWAY_DYNO_CYCLE_JITTER: "0" });
  const statuses = new Map<number, number>();
  const deadline = Date.now() + 4500;
  while (Date.now() < deadline) {
    const r = await routerGet(server.routerPort, "cycler.localhost").catch(() => ({ status: 0 }));
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    await Bun.sleep(10);
  }
  const log = await logText(server);
  expect(log.match(/ heroku\[web\.1\]: Cycling$/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
  expect(log).toMatch(/heroku\[web\.1\]: Cycling\n(.*\n)*?.* heroku\[web\.1\]: Starting process with command `node server\.js`/);
  expect([...statuses.keys()]).toEqual([200]);
}, 30_000);

test("SLIPWAY_DYNO_CYCLE=off turns cycling off", async () => {
  const server = await deployed({ SLIPWAY_DYNO_CYCLE: "off" });
  await Bun.sleep(2000);
  expect(await logText(server)).not.toContain("Cycling");
}, 30_000);
