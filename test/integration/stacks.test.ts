// A second stack made by debootstrap: installed by the admin, chosen per app, used by its builds and dynos.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { TestServer } from "./harness.ts";
import { makeRepo, push } from "./apps.ts";

let server: TestServer;
beforeAll(async () => {
  server = new TestServer();
  await server.start();
});
afterAll(async () => server?.destroy());

test("stacks:install debian-12, stack:set, and the app builds and runs on it", async () => {
  const student = (await server.api("POST", "/users", { email: "stacker@example.com" })).json.token;
  expect((await server.cli(["stacks:install", "debian-12"], { token: student })).code).not.toBe(0);
  expect((await server.cli(["stack:set", "debian-12", "-a", "nope-app"])).code).not.toBe(0);

  const installed = await server.cli(["stacks:install", "debian-12"]);
  expect(installed.code, installed.stderr).toBe(0);
  expect((await server.cli(["stacks"])).stdout).toContain("debian-12");

  await server.api("POST", "/apps", { name: "on-debian" });
  expect((await server.cli(["stack:set", "debian-11", "-a", "on-debian"])).code).not.toBe(0);
  const set = await server.cli(["stack:set", "debian-12", "-a", "on-debian"]);
  expect(set.code, set.stderr).toBe(0);
  expect((await server.api("GET", "/apps/on-debian")).json.stack.name).toBe("debian-12");

  const repo = makeRepo(join(server.scratch, "on-debian"), { "Procfile": "worker: sleep 100000\n" });
  const pushed = await push(repo, `http://:${server.adminToken}@127.0.0.1:${server.apiPort}/on-debian.git`);
  expect(pushed.code, pushed.output).toBe(0);
  expect(pushed.output).toContain("Building on the debian-12 stack");

  const inside = await server.cli(["run", "-a", "on-debian", "--", "cat /etc/os-release; echo STACK=$STACK; command -v node || echo no-node"]);
  expect(inside.code, inside.stderr).toBe(0);
  expect(inside.stdout).toContain('VERSION_CODENAME=bookworm');
  expect(inside.stdout).toContain("STACK=debian-12");
  expect(inside.stdout).toContain("no-node");
}, 300_000);
