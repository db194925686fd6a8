// Dynos through the compiled binary, as root with real namespaces and cgroups: the environment, Heroku's
// lifecycle log lines, isolation, R10/R12/R14/R15, crash back-off, one-off runs, the release phase,
// the formation and dyno API and CLI, bad input, preboot, and reconciliation after `kill -9` of the daemon.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { TestServer } from "./harness.ts";
import { commitFiles, git, nodeServer, push, routerGet } from "./apps.ts";
import { alive, deployApp, followLog, leftoverCgroups, logLines, remote, run, sandboxPids, sourceTexts, uidOf, until } from "./dyno-helpers.ts";

setDefaultTimeout(30_000);
const BACKOFF_S = 3;
let server: TestServer;
let work: string;

beforeAll(async () => {
  server = new TestServer({
    SLIPWAY_BOOT_TIMEOUT: "2", SLIPWAY_STOP_TIMEOUT: "1", SLIPWAY_RESTART_BACKOFF: String(BACKOFF_S), SLIPWAY_MEMORY_CHECK_INTERVAL: "0.5",
    SLIPWAY_MAX_DYNOS_PER_TYPE: "20", SLIPWAY_MAX_DYNOS_PER_APP: "30",
  });
  await server.start();
  work = join(server.scratch, "work");
  mkdirSync(work);
});
afterAll(async () => server?.destroy());

const scale = (app: string, ...changes: string[]) => server.cli(["ps:scale", ...changes, "-a", app]);
const dyno = async (app: string, name: string) => (await server.api("GET", `/apps/${app}/dynos/${name}`)).json;

/** Waits until `source` (e.g. `heroku[web.1]`) has logged `text` at least `times` times. */
function logged(app: string, source: string, text: string | RegExp, times = 1, ms = 15_000): Promise<string[]> {
  const matches = (t: string) => (typeof text === "string" ? t.includes(text) : text.test(t));
  return until(`${source} to log ${text} ×${times}`, async () => {
    const texts = await sourceTexts(server, app, source);
    return texts.filter(matches).length >= times ? texts : null;
  }, ms);
}

/** Asserts that `expected` appear in this order (not necessarily adjacent) in `texts`. */
function expectInOrder(texts: string[], expected: (string | RegExp)[]): void {
  let from = 0;
  for (const want of expected) {
    const at = texts.findIndex((t, i) => i >= from && (typeof want === "string" ? t === want : want.test(t)));
    expect(at, `${want} after line ${from} of:\n${texts.join("\n")}`).toBeGreaterThanOrEqual(0);
    from = at + 1;
  }
}

const envServer = `require("http").createServer((q, s) => s.end(JSON.stringify({ env: process.env, uid: process.getuid(), cwd: process.cwd() }))).listen(process.env.PORT);\n`;

describe("a web dyno's environment and isolation", () => {
  let sha: string;

  beforeAll(async () => {
    await server.api("POST", "/apps", { name: "dt-env" });
    await server.api("PATCH", "/apps/dt-env/config-vars", { GREETING: "hi there" });
    const repo = join(work, "dt-env");
    mkdirSync(repo);
    git(repo, ["init", "-q", "-b", "main"]);
    sha = commitFiles(repo, {
      "Procfile": "web: node server.js\n",
      "server.js": envServer,
      ".profile.d/greeting.sh": 'export FROM_PROFILE="profile saw $GREETING"\n',
      "bin/hello": { content: "#!/bin/sh\necho hello from /app/bin\n", mode: 0o755 },
      "secret.txt": "env-app-secret\n",
    }, "env app");
    const pushed = await push(repo, remote(server, "dt-env"));
    if (pushed.code !== 0) throw new Error(pushed.output);
  });

  test("PORT, DYNO, PS, HOME, PATH, STACK, SOURCE_VERSION, config vars and .profile.d", async () => {
    const served = await routerGet(server.routerPort, "dt-env.localhost");
    expect(served.status).toBe(200);
    const { env, uid, cwd } = JSON.parse(served.body);
    expect(env.PORT).toMatch(/^\d{4,5}$/);
    expect(env.DYNO).toBe("web.1");
    expect(env.PS).toBe("web.1");
    expect(env.HOME).toBe("/app");
    expect(env.PATH.split(":")[0]).toBe("/app/bin");
    expect(env.STACK).toBe("slipway-host");
    expect(env.SOURCE_VERSION).toBe(sha);
    expect(env.GREETING).toBe("hi there");
    expect(env.FROM_PROFILE).toBe("profile saw hi there");
    expect(Object.keys(env).filter((k) => k.startsWith("SLIPWAY_"))).toEqual([]);
    expect(cwd).toBe("/app");
    expect(uid).toBeGreaterThanOrEqual(200_000);
    expect((await run(server, "dt-env", "hello")).stdout).toContain("hello from /app/bin");

    const texts = await sourceTexts(server, "dt-env", "heroku[web.1]");
    expectInOrder(texts, ["Starting process with command `node server.js`", "State changed from starting to up"]);
  });

  test("runs as the app's own non-root uid; sees neither another app's /app, the platform's home, nor host processes", async () => {
    await deployApp(server, work, "dt-other", { "Procfile": "web: node server.js\n", "server.js": nodeServer("other"), "secret.txt": "other-app-secret\n" });
    const other = (await server.api("GET", "/apps/dt-other")).json;
    const otherDynoDir = readdirSync(join(server.home, "dynos", other.id)).map((d) => join(server.home, "dynos", other.id, d))[0]!;
    const otherSecret = join(otherDynoDir, "secret.txt");
    expect(existsSync(otherSecret)).toBe(true);
    const envApp = (await server.api("GET", "/apps/dt-env")).json;
    const ownDynoDir = readdirSync(join(server.home, "dynos", envApp.id)).map((d) => join(server.home, "dynos", envApp.id, d))[0]!;
    expect(statSync(otherDynoDir).uid).not.toBe(statSync(ownDynoDir).uid);

    // Every process of both web dynos, seen from the host, runs as its app's own unprivileged uid.
    const uids = (app: string) => new Set(sandboxPids(app).map(uidOf));
    expect([...uids("dt-env")]).toEqual([statSync(ownDynoDir).uid]);
    expect([...uids("dt-other")]).toEqual([statSync(otherDynoDir).uid]);
    expect(statSync(ownDynoDir).uid).toBeGreaterThanOrEqual(200_000);

    const probe = await run(server, "dt-env", [
      "id -u", "cat /app/secret.txt", `cat ${otherSecret}`, `ls ${server.home}`, `kill -0 ${process.pid}`, `kill -0 ${server.process!.pid}`,
      "touch /usr/bin/planted", "ps -e -o comm= > /tmp/processes", "echo processes: $(sort /tmp/processes)",
    ].join("; "));
    const out = probe.stdout + probe.stderr;
    expect(Number(probe.stdout.split("\n")[0])).toBe(statSync(ownDynoDir).uid);
    expect(out).toContain("env-app-secret");
    expect(out).not.toContain("other-app-secret");
    expect(out).toContain(`${otherSecret}: No such file or directory`);
    expect(out).toContain(`${server.home}': No such file or directory`);
    expect(out).toContain(`kill: (${process.pid}) - No such process`);
    expect(out).toContain(`kill: (${server.process!.pid}) - No such process`);
    expect(out).toMatch(/touch: cannot touch '\/usr\/bin\/planted': (Read-only file system|Permission denied)/);
    // Only the one-off's own tree: its init (sh), bash and ps; not the web dynos' node, nor the host's.
    const seen = /processes: (.*)/.exec(probe.stdout)?.[1]?.trim().split(" ") ?? [];
    expect(seen.sort()).toEqual(["bash", "ps", "sh"]);
  });

  test("stopping logs SIGTERM, the exit status and the state change; nothing is left", async () => {
    expect(sandboxPids("dt-other").length).toBeGreaterThan(0);
    expect((await scale("dt-other", "web=0")).code).toBe(0);
    const texts = await logged("dt-other", "heroku[web.1]", "State changed from up to down");
    expectInOrder(texts, [
      "Starting process with command `node server.js`", "State changed from starting to up",
      "Stopping all processes with SIGTERM", "Process exited with status 143", "State changed from up to down",
    ]);
    expect(sandboxPids("dt-other")).toEqual([]);
  });
});

describe("failures: R10, R12, crash back-off, R14/R15", () => {
  test("R10: a web process that never binds $PORT is killed and crashed", async () => {
    await deployApp(server, work, "dt-nobind", { "Procfile": "web: sleep 600\n" });
    const texts = await logged("dt-nobind", "heroku[web.1]", "State changed from starting to crashed");
    expectInOrder(texts, [
      "Starting process with command `sleep 600`",
      "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 2 seconds of launch",
      "Stopping process with SIGKILL", "Process exited with status 137", "State changed from starting to crashed",
    ]);
    expect((await scale("dt-nobind", "web=0")).code).toBe(0);
  });

  test("R12: a process that ignores SIGTERM is killed after the exit timeout, and comes back", async () => {
    await deployApp(server, work, "dt-stubborn", { "Procfile": "worker: trap '' TERM; echo ignoring SIGTERM; while :; do sleep 0.1; done\n" });
    expect((await scale("dt-stubborn", "worker=1")).code).toBe(0);
    await logged("dt-stubborn", "app[worker.1]", "ignoring SIGTERM");
    const stopped = await server.cli(["ps:stop", "worker.1", "-a", "dt-stubborn"]);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr + stopped.stdout).toContain("Stopping worker.1 dyno on ⬢ dt-stubborn... done");
    const texts = await logged("dt-stubborn", "heroku[worker.1]", "Starting process with command", 2);
    expectInOrder(texts, [
      "State changed from starting to up", "Stopping all processes with SIGTERM",
      "Error R12 (Exit timeout) -> At least one process failed to exit within 1 seconds of SIGTERM",
      "Stopping remaining processes with SIGKILL", "Process exited with status 137", "State changed from up to down",
      /^Starting process with command/, "State changed from starting to up",
    ]);
    expect((await scale("dt-stubborn", "worker=0")).code).toBe(0);
    expect(sandboxPids("dt-stubborn")).toEqual([]);
  });

  test("a crashing dyno restarts at once, then after the back-off; ps:restart starts over", async () => {
    await deployApp(server, work, "dt-crashy", { "Procfile": "worker: echo crashing now; exit 1\n" });
    expect((await scale("dt-crashy", "worker=1")).code).toBe(0);
    const startTimes = async () => (await logLines(server, "dt-crashy"))
      .filter((l) => l.source === "heroku[worker.1]" && l.text.startsWith("Starting process")).map((l) => l.at);
    await logged("dt-crashy", "heroku[worker.1]", "State changed from up to crashed", 2);
    // Between the second crash and the third start the dyno waits, crashed, in plain sight.
    expect((await dyno("dt-crashy", "worker.1")).state).toBe("crashed");
    expect((await server.cli(["ps", "-a", "dt-crashy"])).stdout).toMatch(/^worker\.1: crashed /m);
    const texts = await logged("dt-crashy", "heroku[worker.1]", "Starting process", 3, 10_000);
    expectInOrder(texts, ["State changed from starting to up", "Process exited with status 1", "State changed from up to crashed"]);
    const [first, second, third] = await startTimes();
    expect(second! - first!).toBeLessThan(BACKOFF_S * 1000 * 0.66);
    expect(third! - second!).toBeGreaterThanOrEqual(BACKOFF_S * 1000 * 0.9);

    // Without a reset the fourth crash would wait 4 × BACKOFF_S; ps:restart starts the count over: a start, then one at once.
    const restarted = await server.cli(["ps:restart", "worker", "-a", "dt-crashy"]);
    expect(restarted.code).toBe(0);
    await logged("dt-crashy", "heroku[worker.1]", "Starting process", 5, BACKOFF_S * 1000 * 1.5);
    expect((await scale("dt-crashy", "worker=0")).code).toBe(0);
  });

  test("R14 above the quota, R15 and a restart at the kill threshold", async () => {
    const hog = `const held = [];
const grow = (mb) => { while (held.length * 50 < mb) held.push(Buffer.alloc(50 << 20, 1)); };
grow(600);
console.log("holding 600 MB");
setTimeout(() => { grow(1100); console.log("holding 1100 MB"); }, 2000);
setInterval(() => {}, 1000);
`;
    await deployApp(server, work, "dt-hog", { "Procfile": "worker: node hog.js\n", "hog.js": hog });
    expect((await scale("dt-hog", "worker=1")).code).toBe(0);
    const texts = await logged("dt-hog", "heroku[worker.1]", "Starting process with command `node hog.js`", 2);
    expectInOrder(texts, [
      /^Process running mem=(5[2-9]\d|[6-9]\d\d)M\(1[0-9]\d\.\d%\)$/, "Error R14 (Memory quota exceeded)",
      /^Process running mem=\d+M\(\d+\.\d%\)$/, "Error R15 (Memory quota vastly exceeded)", "Stopping process with SIGKILL",
      "Process exited with status 137", "State changed from up to crashed", "Starting process with command `node hog.js`",
    ]);
    const r15 = texts[texts.indexOf("Error R15 (Memory quota vastly exceeded)") - 1]!;
    expect(Number(/\((\d+\.\d)%\)/.exec(r15)![1])).toBeGreaterThanOrEqual(195);
    expect((await scale("dt-hog", "worker=0")).code).toBe(0);
  });
});

describe("one-off dynos", () => {
  test("`run` passes stdin in and the exit status out; a missing command exits 127", async () => {
    expect((await run(server, "dt-env", "exit 7")).code).toBe(7);
    const echoed = await run(server, "dt-env", 'read line; echo "got: $line"', "hello dyno\n");
    expect(echoed.code).toBe(0);
    expect(echoed.stdout).toContain("got: hello dyno");
    const missing = await run(server, "dt-env", "no-such-command-xyz");
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain("no-such-command-xyz: command not found");
  });

  test("`run:detached` output goes to the log as app[run.N]", async () => {
    const started = await server.cli(["run:detached", "-a", "dt-env", "--", "echo detached says hi"]);
    expect(started.code).toBe(0);
    const name = /done, (run\.\d+)/.exec(started.stderr + started.stdout)?.[1];
    expect(name).toBeDefined();
    expect(await logged("dt-env", `app[${name}]`, "detached says hi")).toEqual(["detached says hi"]);
    const texts = await logged("dt-env", `heroku[${name}]`, "State changed from up to complete");
    expectInOrder(texts, ["Starting process with command `echo detached says hi`", "Process exited with status 0", "State changed from up to complete"]);
  });
});

describe("the release phase", () => {
  test("a release command that succeeds lets the release go live; one that fails keeps the previous release serving", async () => {
    const repo = await deployApp(server, work, "dt-release", {
      "Procfile": "web: node server.js\nrelease: echo migrating the database\n", "server.js": nodeServer("first"),
    });
    expect((await routerGet(server.routerPort, "dt-release.localhost")).body).toBe("first web.1");
    const releases = async () => (await server.api("GET", "/apps/dt-release/releases")).json as { version: number; status: string }[];
    const good = (await releases()).at(-1)!;
    expect(good.status).toBe("succeeded");
    const releaseLines = (await logLines(server, "dt-release")).filter((l) => /^app\[release\.\d+\]$/.test(l.source));
    expect(releaseLines.map((l) => l.text)).toContain("migrating the database");

    commitFiles(repo, { "Procfile": "web: node server.js\nrelease: echo the migration broke; exit 3\n", "server.js": nodeServer("second") }, "bad release");
    const pushed = await push(repo, remote(server, "dt-release"));
    expect(pushed.code).not.toBe(0);
    expect(pushed.output).toContain("Running release command...");
    expect(pushed.output).toContain("the migration broke");
    expect(pushed.output).toContain(`Release v${good.version + 1} failed: its release command did not succeed. The previous release keeps running.`);
    const bad = (await releases()).at(-1)!;
    expect(bad).toMatchObject({ version: good.version + 1, status: "failed" });
    expect((await routerGet(server.routerPort, "dt-release.localhost")).body).toBe("first web.1");
    expect((await dyno("dt-release", "web.1")).release.version).toBe(good.version);
  });
});

describe("the formation and dynos, through the API and the CLI", () => {
  const dynoIds = async () => Object.fromEntries(((await server.api("GET", "/apps/dt-shapes/dynos")).json as any[]).map((d) => [d.name, d.id]));

  test("formation and dyno resources in Heroku's shapes; restart and stop replace dynos", async () => {
    await deployApp(server, work, "dt-shapes", { "Procfile": "web: node server.js\nworker: sleep 600\n", "server.js": nodeServer("shapes") });
    const formation = (await server.api("GET", "/apps/dt-shapes/formation")).json;
    expect(formation.map((f: any) => [f.type, f.quantity, f.size, f.command])).toEqual([["web", 1, "Standard-1X", "node server.js"], ["worker", 0, "Standard-1X", "sleep 600"]]);
    for (const key of ["id", "app", "created_at", "updated_at"]) expect(formation[0]).toHaveProperty(key);

    const patched = await server.api("PATCH", "/apps/dt-shapes/formation", { updates: [{ type: "worker", quantity: 1 }] });
    expect(patched.status).toBe(200);
    expect(patched.json.find((f: any) => f.type === "worker").quantity).toBe(1);
    const resized = await server.api("PATCH", "/apps/dt-shapes/formation/worker", { size: "standard-2x" });
    expect(resized.status).toBe(200);
    expect(resized.json).toMatchObject({ type: "worker", quantity: 1, size: "Standard-2X" });

    const dynos = (await server.api("GET", "/apps/dt-shapes/dynos")).json;
    expect(dynos.map((d: any) => [d.name, d.type, d.state, d.command, d.size])).toEqual([
      ["web.1", "web", "up", "node server.js", "Standard-1X"], ["worker.1", "worker", "up", "sleep 600", "Standard-2X"],
    ]);
    const version = (await server.api("GET", "/apps/dt-shapes/releases")).json.at(-1).version;
    for (const d of dynos) {
      expect(d.release.version).toBe(version);
      expect(d.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(d.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    expect((await server.api("GET", "/apps/dt-shapes/dynos/web.1")).json).toMatchObject({ name: "web.1", type: "web", state: "up" });
    expect((await server.api("GET", "/apps/dt-shapes/dynos/web.9")).status).toBe(404);

    let before = await dynoIds();
    expect((await server.api("DELETE", "/apps/dt-shapes/dynos/web.1")).status).toBe(202);
    let after = await dynoIds();
    expect(after["web.1"]).not.toBe(before["web.1"]);
    expect(after["worker.1"]).toBe(before["worker.1"]);
    before = after;
    expect((await server.api("DELETE", "/apps/dt-shapes/dynos/worker")).status).toBe(202);
    after = await dynoIds();
    expect(after["web.1"]).toBe(before["web.1"]);
    expect(after["worker.1"]).not.toBe(before["worker.1"]);
    before = after;
    expect((await server.api("DELETE", "/apps/dt-shapes/dynos")).status).toBe(202);
    after = await dynoIds();
    expect(after["web.1"]).not.toBe(before["web.1"]);
    expect(after["worker.1"]).not.toBe(before["worker.1"]);
    before = after;
    expect((await server.api("POST", "/apps/dt-shapes/dynos/worker.1/actions/stop")).status).toBe(202);
    after = await dynoIds();
    expect(Object.keys(after)).toEqual(["web.1", "worker.1"]);
    expect(after["worker.1"]).not.toBe(before["worker.1"]);
    expect((await server.api("POST", "/apps/dt-shapes/dynos/nope.1/actions/stop")).status).toBe(404);
    expect((await routerGet(server.routerPort, "dt-shapes.localhost")).body).toBe("shapes web.1");
  });

  test("ps, ps:scale, ps:restart, ps:stop and ps:type", async () => {
    const ps = await server.cli(["ps", "-a", "dt-shapes"]);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(/^=== web \(Standard-1X\): node server\.js \(1\)\nweb\.1: up \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \+0000 \(~ \d+s ago\)$/m);
    expect(ps.stdout).toMatch(/^=== worker \(Standard-2X\): sleep 600 \(1\)\nworker\.1: up \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \+0000 \(~ \d+s ago\)$/m);

    const scaled = await scale("dt-shapes", "web=2", "worker=1");
    expect(scaled.code).toBe(0);
    expect(scaled.stderr).toContain("Scaling dynos... done, now running web at 2:Standard-1X, worker at 1:Standard-2X");
    expect(Object.keys(await dynoIds())).toEqual(["web.1", "web.2", "worker.1"]);
    expect((await scale("dt-shapes")).stdout.trim()).toBe("web=2:Standard-1X worker=1:Standard-2X");

    const before = await dynoIds();
    const restarted = await server.cli(["ps:restart", "web", "-a", "dt-shapes"]);
    expect(restarted.stderr).toContain("Restarting web dynos on ⬢ dt-shapes... done");
    const after = await dynoIds();
    expect([after["web.1"] === before["web.1"], after["web.2"] === before["web.2"], after["worker.1"] === before["worker.1"]]).toEqual([false, false, true]);
    const stopped = await server.cli(["ps:stop", "worker.1", "-a", "dt-shapes"]);
    expect(stopped.stderr).toContain("Stopping worker.1 dyno on ⬢ dt-shapes... done");
    expect((await dynoIds())["worker.1"]).not.toBe(after["worker.1"]);

    const typed = await server.cli(["ps:type", "worker=standard-1x", "-a", "dt-shapes"]);
    expect(typed.code).toBe(0);
    expect(typed.stdout).toMatch(/^worker\s+Standard-1X\s+1\s*$/m);
    expect((await dyno("dt-shapes", "worker.1")).size).toBe("Standard-1X");

    expect((await scale("dt-shapes", "web=1", "worker=0")).code).toBe(0);
    expect(Object.keys(await dynoIds())).toEqual(["web.1"]);
  });

  test("absurd quantities are 422 and unknown process types 404, with clear messages; nothing changes", async () => {
    const formation = async () => ((await server.api("GET", "/apps/dt-shapes/formation")).json as any[]).map((f) => [f.type, f.quantity, f.size]);
    const before = await formation();
    const ids = await dynoIds();
    const patch = (updates: unknown) => server.api("PATCH", "/apps/dt-shapes/formation", { updates });

    expect(await patch([{ type: "web", quantity: 1_000_000 }])).toMatchObject({ status: 422, json: { id: "invalid_params", message: "Cannot scale web beyond 20 dynos." } });
    expect(await patch([{ type: "web", quantity: 20 }, { type: "worker", quantity: 20 }])).toMatchObject({ status: 422, json: { message: "Cannot run more than 30 dynos for one app." } });
    expect((await patch([{ type: "web", quantity: -1 }])).status).toBe(422);
    expect((await patch([{ type: "web", quantity: 1.5 }])).status).toBe(422);
    expect(await patch([{ type: "web", size: "huge" }])).toMatchObject({ status: 422, json: { message: "Invalid dyno size: huge." } });
    const unknown = { status: 404, json: { id: "not_found", message: "Couldn't find that process type (x)." } };
    expect(await patch([{ type: "x", quantity: 1 }])).toMatchObject(unknown);
    expect(await server.api("PATCH", "/apps/dt-shapes/formation/x", { quantity: 1 })).toMatchObject(unknown);

    const cliHuge = await scale("dt-shapes", "web=100000");
    expect(cliHuge.code).not.toBe(0);
    expect(cliHuge.stderr).toContain("Cannot scale web beyond 20 dynos.");
    const cliUnknown = await scale("dt-shapes", "x=1");
    expect(cliUnknown.code).not.toBe(0);
    expect(cliUnknown.stderr).toContain("Couldn't find that process type (x).");

    expect(await formation()).toEqual(before);
    expect(await dynoIds()).toEqual(ids);
  });

  test("a command that is not found exits 127 and crashes; other apps are unaffected", async () => {
    const envPids = sandboxPids("dt-env").sort();
    expect(envPids.length).toBeGreaterThan(0);
    await deployApp(server, work, "dt-missing", { "Procfile": "worker: no-such-command-xyz\n" });
    expect((await scale("dt-missing", "worker=1")).code).toBe(0);
    const texts = await logged("dt-missing", "heroku[worker.1]", "State changed from up to crashed");
    expectInOrder(texts, ["Starting process with command `no-such-command-xyz`", "Process exited with status 127", "State changed from up to crashed"]);
    expect((await sourceTexts(server, "dt-missing", "app[worker.1]")).join("\n")).toContain("no-such-command-xyz: command not found");
    expect((await scale("dt-missing", "worker=0")).code).toBe(0);
    expect(sandboxPids("dt-missing")).toEqual([]);
    expect(sandboxPids("dt-env").sort()).toEqual(envPids);
    expect((await routerGet(server.routerPort, "dt-env.localhost")).status).toBe(200);
  });
});

describe("preboot", () => {
  test("on config:set the new web dyno is up before the old one gets SIGTERM, and no request fails", async () => {
    await deployApp(server, work, "dt-preboot", { "Procfile": "web: node server.js\n", "server.js": nodeServer("preboot") });
    const oldPids = sandboxPids("dt-preboot");
    expect(oldPids.length).toBeGreaterThan(0);
    let stop = false;
    const statuses = new Map<number, number>();
    const loops = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await routerGet(server.routerPort, "dt-preboot.localhost").catch(() => ({ status: 0 }));
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    });
    await Bun.sleep(100);
    // The router's lines would crowd the web dyno's out of the log's last 1,500 lines: follow them instead.
    const followed = await followLog(server, "dt-preboot", "web.1");
    expect((await server.cli(["config:set", "PREBOOT_MARK=1", "-a", "dt-preboot"])).code).toBe(0);
    await until("the old web dyno to exit", async () => !oldPids.some(alive));
    await Bun.sleep(100);
    stop = true;
    await Promise.all(loops);
    expect(Object.fromEntries(statuses)).toEqual({ 200: statuses.get(200)! });
    expect(statuses.get(200)!).toBeGreaterThan(20);

    await followed.stop();
    expect(followed.lines.filter((l) => l.source === "heroku[web.1]").map((l) => l.text)).toEqual([
      "Starting process with command `node server.js`", "State changed from starting to up",
      "Stopping all processes with SIGTERM", "Process exited with status 143", "State changed from up to down",
    ]);
  });
});

describe("the daemon restarted after kill -9", () => {
  test("brings the formation back up, and leaves no sandbox of the killed daemon behind", async () => {
    await deployApp(server, work, "dt-recon", { "Procfile": "web: node server.js\nworker: sleep 600\n", "server.js": nodeServer("recon") });
    expect((await scale("dt-recon", "web=2", "worker=1")).code).toBe(0);
    const apps = ["dt-env", "dt-preboot", "dt-recon", "dt-release", "dt-shapes"];
    const running = sandboxPids("dt-recon");
    const before = apps.flatMap(sandboxPids);
    expect(running.length).toBeGreaterThanOrEqual(3);

    await server.stop("SIGKILL");
    // The dynos outlive their daemon...
    expect(before.filter((pid) => !alive(pid))).toEqual([]);
    await server.start();
    const dynos = await until("dt-recon's formation to be up again", async () => {
      const list = (await server.api("GET", "/apps/dt-recon/dynos")).json as any[];
      return list.length === 3 && list.every((d) => d.state === "up") ? list : null;
    });
    expect(dynos.map((d) => d.name)).toEqual(["web.1", "web.2", "worker.1"]);
    // ...until the next one starts: they are swept, not orphaned, and fresh ones run instead.
    expect(before.filter(alive)).toEqual([]);
    // A dyno that is up may still be in its .profile.d loop for a moment: wait for the same processes as before.
    const fresh = await until("dt-recon's fresh dynos to settle", async () => {
      const pids = sandboxPids("dt-recon");
      return pids.length === running.length ? pids : null;
    }, 5_000);
    expect(fresh.filter((pid) => before.includes(pid))).toEqual([]);
    const reconId = (await server.api("GET", "/apps/dt-recon")).json.id;
    expect(readdirSync(join(server.home, "dynos", reconId)).length).toBe(3);
    expect((await routerGet(server.routerPort, "dt-recon.localhost")).body).toMatch(/^recon web\.[12]$/);
    await until("dt-env to serve again", async () => (await routerGet(server.routerPort, "dt-env.localhost")).status === 200);

    // A graceful stop takes every dyno with it.
    const all = apps.flatMap(sandboxPids);
    await server.stop("SIGTERM");
    expect(all.filter(alive)).toEqual([]);
    expect(apps.flatMap(sandboxPids)).toEqual([]);
    expect(apps.flatMap(leftoverCgroups)).toEqual([]);
  });
});
