// The official `heroku` CLI (npm package `heroku`) pointed at Slipway: every command users rely on,
// checked by its output and its effect. The CLI is installed from a pinned lockfile (heroku-cli/) into
// .cache/ (git-ignored): it is not a dependency of Slipway.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { TestServer } from "./harness.ts";
import { commitFiles, git, makeRepo, nodeServer, routerGet } from "./apps.ts";
import { onTerminal } from "./terminal.ts";

const CLI_DIR = resolve(import.meta.dir, "../../.cache/heroku-cli");
const HEROKU = join(CLI_DIR, "node_modules/.bin/heroku");

let server: TestServer;
let home: string;
let repo: string;

function herokuEnv(): Record<string, string> {
  return {
    PATH: `${join(CLI_DIR, "node_modules/.bin")}:${process.env.PATH}`, HOME: home,
    HEROKU_HOST: server.url, HEROKU_API_KEY: server.adminToken, HEROKU_GIT_HOST: `127.0.0.1:${server.apiTlsPort}`,
    NODE_EXTRA_CA_CERTS: join(server.home, "ca.pem"), GIT_SSL_CAINFO: join(server.home, "ca.pem"),
    HEROKU_SKIP_NEW_VERSION_CHECK: "true", HEROKU_DISABLE_AUTOUPDATE: "1", NO_COLOR: "1", CI: "true",
    // No telemetry worker: it outlives each command (writing into HOME after the test removed it) and calls out.
    DISABLE_TELEMETRY: "true", HEROKU_SKIP_ANALYTICS: "1",
    GIT_AUTHOR_NAME: "Test", GIT_AUTHOR_EMAIL: "test@example.com", GIT_COMMITTER_NAME: "Test", GIT_COMMITTER_EMAIL: "test@example.com",
  };
}

async function heroku(args: string[], opts: { stdin?: string; cwd?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([HEROKU, ...args], {
    cwd: opts.cwd ?? repo, env: herokuEnv(), stdout: "pipe", stderr: "pipe",
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

beforeAll(async () => {
  const pinned = join(import.meta.dir, "heroku-cli");
  const lock = (dir: string) => (existsSync(join(dir, "package-lock.json")) ? readFileSync(join(dir, "package-lock.json"), "utf8") : "");
  if (!existsSync(HEROKU) || lock(pinned) !== lock(CLI_DIR)) {
    mkdirSync(CLI_DIR, { recursive: true });
    for (const file of ["package.json", "package-lock.json"]) copyFileSync(join(pinned, file), join(CLI_DIR, file));
    const install = Bun.spawnSync(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: CLI_DIR, stdout: "pipe", stderr: "pipe" });
    if (install.exitCode !== 0) throw new Error(`installing the heroku CLI failed: ${install.stderr.toString().slice(-2000)}`);
  }
  server = new TestServer();
  await server.start();
  home = join(server.scratch, "heroku-home");
  mkdirSync(home);
  repo = makeRepo(join(server.scratch, "hkrepo"), { "Procfile": "web: node server.js\n", "server.js": nodeServer("via heroku") });
}, 300_000);
afterAll(async () => server?.destroy());

describe("the official heroku CLI", () => {
  test("apps:create with its remote, git push over https, apps, apps:info, auth:whoami", async () => {
    const created = await heroku(["apps:create", "hk-app", "--remote", "heroku"]);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toContain(`https://127.0.0.1:${server.apiTlsPort}/hk-app.git`);
    const pushed = Bun.spawnSync(["git", "push", "heroku", "main"], { cwd: repo, env: herokuEnv(), stdout: "pipe", stderr: "pipe" });
    expect(pushed.exitCode, pushed.stderr.toString()).toBe(0);
    expect(pushed.stderr.toString()).toContain("deployed to Slipway");
    expect((await routerGet(server.routerPort, "hk-app.localhost")).body).toBe("via heroku web.1");
    expect((await heroku(["apps"])).out).toContain("hk-app");
    const info = await heroku(["apps:info", "-a", "hk-app"]);
    expect(info.code, info.err).toBe(0);
    expect(info.out).toContain("=== hk-app");
    expect(info.out).toMatch(/Owner:\s+admin@slipway\.local/);
    expect((await heroku(["auth:whoami"])).out.trim()).toBe("admin@slipway.local");
  }, 120_000);

  test("config, config:get, config:set, config:unset, releases, releases:info, rollback", async () => {
    const set = await heroku(["config:set", "GREETING=hello", "-a", "hk-app"]);
    expect(set.code, set.err).toBe(0);
    expect(set.err + set.out).toMatch(/Setting GREETING and restarting .*hk-app\.\.\. done, v3/);
    expect((await heroku(["config:get", "GREETING", "-a", "hk-app"])).out.trim()).toBe("hello");
    expect((await heroku(["config", "-a", "hk-app"])).out).toMatch(/GREETING:\s+hello/);
    expect((await heroku(["config:unset", "GREETING", "-a", "hk-app"])).code).toBe(0);
    const releases = await heroku(["releases", "-a", "hk-app"]);
    expect(releases.out).toContain("Remove GREETING config vars");
    expect(releases.out).toContain("Current: v4");
    expect((await heroku(["releases:info", "v3", "-a", "hk-app"])).out).toMatch(/Change:\s+Set GREETING config vars/);
    const rollback = await heroku(["rollback", "v3", "-a", "hk-app"]);
    expect(rollback.code, rollback.err).toBe(0);
    expect(rollback.err + rollback.out).toContain("done, v5");
    expect((await server.api("GET", "/apps/hk-app/config-vars")).json).toEqual({ GREETING: "hello" });
  }, 120_000);

  test("ps, ps:scale, ps:restart, ps:stop, ps:type", async () => {
    expect((await heroku(["ps:scale", "web=2", "-a", "hk-app"])).err).toContain("now running web at 2:Standard-1X");
    const ps = await heroku(["ps", "-a", "hk-app"]);
    expect(ps.out).toContain("=== web (Standard-1X): node server.js (2)");
    expect(ps.out).toMatch(/web\.2: up /);
    expect((await heroku(["ps:restart", "web", "-a", "hk-app"])).code).toBe(0);
    expect((await heroku(["ps:stop", "web.2", "-a", "hk-app"])).code).toBe(0);
    const type = await heroku(["ps:type", "web=standard-2x", "-a", "hk-app"]);
    expect(type.out).toMatch(/web\s+Standard-2X\s+2/);
    expect((await heroku(["ps:scale", "web=1", "-a", "hk-app"])).code).toBe(0);
  }, 120_000);

  test("run (attached, exit code and stdin) and run:detached", async () => {
    const failing = await heroku(["run", "--exit-code", "-a", "hk-app", "--", "echo from the dyno; sh -c 'exit 3'"]);
    expect(failing.out).toContain("from the dyno");
    expect(failing.code).toBe(3);
    const ok = await heroku(["run", "--exit-code", "-a", "hk-app", "--", "true"]);
    expect(ok.code).toBe(0);
    const piped = await heroku(["run", "-a", "hk-app", "--", "cat"], { stdin: "typed into heroku run\n" });
    expect(piped.out).toContain("typed into heroku run");
    const detached = await heroku(["run:detached", "-a", "hk-app", "--", "echo detached via heroku"]);
    expect(detached.code, detached.err).toBe(0);
  }, 120_000);

  test("run from a terminal: a TTY of the terminal's size, and Ctrl-C reaches the command", async () => {
    const run = onTerminal('exec heroku run -a hk-app -- "$DYNO_COMMAND"', {
      ...herokuEnv(), TERM: "xterm",
      DYNO_COMMAND: "trap 'echo interrupted; exit 7' INT; test -t 0 && echo \"tty $(stty size)\"; while :; do sleep 0.1; done",
    });
    await run.shows("tty 33 101");
    run.type("\x03");
    await run.shows("interrupted");
    await run.exited;
  }, 60_000);

  test("logs with -n, --dyno, --source and --tail", async () => {
    await routerGet(server.routerPort, "hk-app.localhost", "/seen-by-heroku-logs");
    const recent = await heroku(["logs", "-n", "200", "-a", "hk-app"]);
    expect(recent.out).toContain('path="/seen-by-heroku-logs"');
    const router = await heroku(["logs", "--dyno", "router", "-n", "5", "-a", "hk-app"]);
    for (const line of router.out.trim().split("\n")) expect(line).toContain("heroku[router]");
    const app = await heroku(["logs", "--source", "app", "-n", "20", "-a", "hk-app"]);
    for (const line of app.out.trim().split("\n")) expect(line).toMatch(/ app\[/);

    const tail = Bun.spawn([HEROKU, "logs", "--tail", "-a", "hk-app"], { cwd: repo, env: herokuEnv(), stdout: "pipe", stderr: "pipe" });
    try {
      const reader = tail.stdout.getReader();
      let seen = "";
      let asked = false;
      const deadline = Date.now() + 30_000;
      // One read stays pending across polls: a read abandoned to the timer would swallow its chunk.
      let pending: ReturnType<typeof reader.read> | null = null;
      while (!seen.includes('path="/tailed-by-heroku"') && Date.now() < deadline) {
        pending ??= reader.read();
        const chunk = await Promise.race([pending, Bun.sleep(500).then(() => null)]);
        if (chunk) {
          pending = null;
          if (chunk.done) break;
          seen += new TextDecoder().decode(chunk.value);
        }
        if (!asked && seen.length > 0) {
          asked = true;
          await routerGet(server.routerPort, "hk-app.localhost", "/tailed-by-heroku");
        }
      }
      expect(seen).toContain('path="/tailed-by-heroku"');
    } finally {
      tail.kill();
      await tail.exited;
    }
  }, 120_000);

  test("domains, maintenance, buildpacks, access, drains, certs, labs, git:remote", async () => {
    expect((await heroku(["domains:add", "www.hk.example.com", "-a", "hk-app"])).code).toBe(0);
    expect((await heroku(["domains", "-a", "hk-app"])).out).toContain("www.hk.example.com");
    expect((await heroku(["domains:remove", "www.hk.example.com", "-a", "hk-app"])).code).toBe(0);
    expect((await heroku(["maintenance:on", "-a", "hk-app"])).code).toBe(0);
    expect((await heroku(["maintenance", "-a", "hk-app"])).out.trim()).toBe("on");
    expect((await routerGet(server.routerPort, "hk-app.localhost")).status).toBe(503);
    expect((await heroku(["maintenance:off", "-a", "hk-app"])).code).toBe(0);

    const bp = "https://example.com/buildpack.tgz";
    expect((await heroku(["buildpacks:set", bp, "-a", "hk-app"])).code).toBe(0);
    expect((await heroku(["buildpacks:add", "https://example.com/second.tgz", "-a", "hk-app"])).code).toBe(0);
    expect((await heroku(["buildpacks", "-a", "hk-app"])).out).toContain("second.tgz");
    expect((await heroku(["buildpacks:remove", "https://example.com/second.tgz", "-a", "hk-app"])).code).toBe(0);
    expect((await heroku(["buildpacks:clear", "-a", "hk-app"])).code).toBe(0);
    expect((await server.api("GET", "/apps/hk-app/buildpack-installations")).json).toEqual([]);

    await server.api("POST", "/users", { email: "friend@example.com" });
    expect((await heroku(["access:add", "friend@example.com", "-a", "hk-app"])).code).toBe(0);
    expect((await heroku(["access", "-a", "hk-app"])).out).toContain("friend@example.com");
    expect((await heroku(["access:remove", "friend@example.com", "-a", "hk-app"])).code).toBe(0);

    expect((await heroku(["drains:add", "syslog://127.0.0.1:9", "-a", "hk-app"])).code).toBe(0);
    expect((await heroku(["drains", "-a", "hk-app"])).out).toContain("syslog://127.0.0.1:9");
    expect((await heroku(["drains:remove", "syslog://127.0.0.1:9", "-a", "hk-app"])).code).toBe(0);

    expect((await heroku(["certs", "-a", "hk-app"])).code).toBe(0);
    const labs = await heroku(["labs", "-a", "hk-app"]);
    expect(labs.out).toContain("log-runtime-metrics");

    const other = join(server.scratch, "other-checkout");
    mkdirSync(other);
    git(other, ["init", "-q"]);
    const remote = await heroku(["git:remote", "-a", "hk-app"], { cwd: other });
    expect(remote.out).toContain(`https://127.0.0.1:${server.apiTlsPort}/hk-app.git`);
  }, 180_000);

  test("apps:rename and apps:destroy", async () => {
    expect((await heroku(["apps:rename", "hk-renamed", "-a", "hk-app"])).code).toBe(0);
    const destroyed = await heroku(["apps:destroy", "-a", "hk-renamed", "--confirm", "hk-renamed"]);
    expect(destroyed.code, destroyed.err).toBe(0);
    expect((await server.api("GET", "/apps/hk-renamed")).status).toBe(404);
  }, 60_000);
});
