// Slipway without root, as on a developer's laptop: the compiled server runs as a throwaway
// unprivileged user, says which protections are missing, builds a pushed Procfile app and serves its
// web dyno through the router, from inside the user's own namespaces.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { TestServer } from "./harness.ts";
import { nodeServer, routerGet } from "./apps.ts";
import { deployApp, until } from "./dyno-helpers.ts";
import { createTestUser, type TestUser } from "../sandbox/unprivileged-user.ts";

setDefaultTimeout(45_000);
const isRoot = process.getuid?.() === 0;
let user: TestUser;
let server: TestServer;

beforeAll(async () => {
  if (!isRoot) return;
  user = createTestUser("srv");
  server = new TestServer({ SLIPWAY_BOOT_TIMEOUT: "10" }, { runAs: user });
  await server.start();
});
afterAll(async () => {
  await server?.destroy();
  user?.remove();
});

const WEB = `require("http").createServer((q, s) => s.end(JSON.stringify({ uid: process.getuid(), pid: process.pid, root: require("fs").existsSync("/root") }))).listen(process.env.PORT);\n`;

describe.skipIf(!isRoot)("slipway server without root", () => {
  test("prints each missing protection once at start", () => {
    const warnings = server.output.split("\n").filter((line) => line.startsWith("slipway: warning: running without root: "));
    expect(warnings).toEqual([
      `slipway: warning: running without root: per-app users (all apps run as ${user.name})`,
      "slipway: warning: running without root: memory/pids limits and memory metrics (no writable cgroup)",
    ]);
  });

  test("a pushed Procfile app is built and its web dyno served through the router, as the server's user, isolated", async () => {
    const work = join(server.scratch, "work");
    mkdirSync(work);
    await deployApp(server, work, "rootless", { "Procfile": "web: node server.js\n", "server.js": WEB, "package.json": '{"name":"rootless"}\n' });
    const host = "rootless.localhost";
    const seen = await until("the web dyno to answer", async () => {
      const response = await routerGet(server.routerPort, host).catch(() => null);
      return response?.status === 200 ? JSON.parse(response.body) : null;
    }, 30_000);
    expect(seen.uid).toBe(user.uid);
    expect(seen.pid).toBeLessThan(50);
    expect(seen.root).toBe(false);
    // Builds and dynos kept their files under the user's own dirs, never root's.
    expect(existsSync(join(server.scratch, `slipway-${user.uid}`))).toBe(true);
  });
});
