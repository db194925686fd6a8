// The binary, its state store, the Platform API and the CLI, driven for real.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { statSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TestServer, BINARY } from "./harness.ts";

let server: TestServer;
beforeAll(async () => {
  server = new TestServer();
  await server.start();
});
afterAll(async () => server?.destroy());

describe("the executable", () => {
  test("--version and help", async () => {
    const version = Bun.spawnSync([BINARY, "--version"]);
    expect(version.stdout.toString().trim()).toBe(JSON.parse(readFileSync(join(import.meta.dir, "../../package.json"), "utf8")).version);
    const help = Bun.spawnSync([BINARY, "help"]).stdout.toString();
    for (const command of ["server", "apps:create", "config:set", "releases", "rollback", "users:create", "access:add", "git:remote"]) {
      expect(help).toContain(command);
    }
    const one = Bun.spawnSync([BINARY, "help", "config:set"]).stdout.toString();
    expect(one).toContain("--app");
  });

  test("unknown commands fail with a suggestion", async () => {
    const result = await server.cli(["apps:craete"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("▸");
    expect(result.stderr).toContain("apps:create");
  });

  test("start-up prints what it listens on and the admin token, kept 0600", () => {
    expect(server.output).toContain(`http://127.0.0.1:${server.apiPort}`);
    expect(server.output).toContain(server.adminToken);
    expect(statSync(join(server.home, "admin-token")).mode & 0o777).toBe(0o600);
    expect(server.adminToken).toMatch(/^slw_/);
  });

  test("a second server on the same home is refused clearly", async () => {
    const second = Bun.spawn([BINARY, "server", "--home", server.home, "--api-port", "0", "--router-port", "0", "--bind", "127.0.0.1"],
      { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH!, HOME: server.scratch } });
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(await new Response(second.stderr).text()).toContain("another Slipway server is already running");
  });
});

describe("auth", () => {
  test("every call needs a token", async () => {
    const none = await fetch(`${server.url}/apps`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ id: "unauthorized", message: "Invalid credentials provided." });
    expect((await server.api("GET", "/apps", undefined, "slw_wrong")).status).toBe(401);
    const basic = await fetch(`${server.url}/account`, { headers: { Authorization: `Basic ${btoa(`:${server.adminToken}`)}` } });
    expect(basic.status).toBe(200);
  });

  test("users see only their own apps; 403 for another user's app; access:add shares it", async () => {
    const created = await server.cli(["users:create", "student@example.com"]);
    expect(created.code).toBe(0);
    const studentToken = created.stdout.trim();
    expect(studentToken).toMatch(/^slw_/);
    expect((await server.cli(["users"])).stdout).toContain("student@example.com");
    expect((await server.cli(["users:create", "student@example.com"])).code).not.toBe(0);

    await server.api("POST", "/apps", { name: "teachers-app" });
    const mine = await server.api("POST", "/apps", { name: "students-app" }, studentToken);
    expect(mine.status).toBe(201);
    expect(mine.json.owner.email).toBe("student@example.com");

    const listed = await server.api("GET", "/apps", undefined, studentToken);
    expect(listed.json.map((a: any) => a.name)).toEqual(["students-app"]);
    const forbidden = await server.api("GET", "/apps/teachers-app", undefined, studentToken);
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.id).toBe("forbidden");
    expect((await server.api("PATCH", "/apps/teachers-app/config-vars", { A: "1" }, studentToken)).status).toBe(403);
    expect((await server.cli(["config", "-a", "teachers-app"], { token: studentToken })).code).not.toBe(0);
    expect((await server.api("GET", "/users", undefined, studentToken)).status).toBe(403);

    expect((await server.cli(["access:add", "student@example.com", "-a", "teachers-app"])).code).toBe(0);
    const access = await server.cli(["access", "-a", "teachers-app"]);
    expect(access.stdout).toContain("student@example.com");
    expect(access.stdout).toContain("collaborator");
    expect(access.stdout).toContain("owner");
    expect((await server.api("GET", "/apps/teachers-app", undefined, studentToken)).status).toBe(200);
    // A collaborator may change config but not destroy the app or manage access.
    expect((await server.api("DELETE", "/apps/teachers-app", undefined, studentToken)).status).toBe(403);
    expect((await server.cli(["access:remove", "student@example.com", "-a", "teachers-app"])).code).toBe(0);
    expect((await server.api("GET", "/apps/teachers-app", undefined, studentToken)).status).toBe(403);

    // The admin sees everything.
    const all = (await server.api("GET", "/apps")).json.map((a: any) => a.name);
    expect(all).toContain("students-app");
    expect(all).toContain("teachers-app");

    expect((await server.cli(["users:destroy", "student@example.com", "--confirm", "student@example.com"])).code).not.toBe(0);
    await server.api("DELETE", "/apps/students-app", undefined, studentToken);
    expect((await server.cli(["users:destroy", "student@example.com", "--confirm", "student@example.com"])).code).toBe(0);
    expect((await server.api("GET", "/account", undefined, studentToken)).status).toBe(401);
  });
});

describe("apps API", () => {
  test("create with a generated name, in Heroku's shape", async () => {
    const { status, json } = await server.api("POST", "/apps", {});
    expect(status).toBe(201);
    expect(json.name).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
    expect(json.web_url).toBe(`http://${json.name}.localhost:${server.routerPort}/`);
    expect(json.git_url).toBe(`http://localhost:${server.apiPort}/${json.name}.git`);
    for (const key of ["id", "created_at", "updated_at", "released_at", "owner", "stack", "maintenance", "region", "build_stack"]) {
      expect(json).toHaveProperty(key);
    }
    expect(json.owner.email).toBe("admin@slipway.local");
    const releases = await server.api("GET", `/apps/${json.name}/releases`);
    expect(releases.json.map((r: any) => [r.version, r.description])).toEqual([[1, "Initial release"]]);
    expect((await server.api("GET", `/apps/${json.id}`)).json.name).toBe(json.name);
    expect((await server.api("GET", "/users/~/apps")).json.some((a: any) => a.id === json.id)).toBe(true);
  });

  test("names are validated and unique", async () => {
    for (const name of ["Bad_Name", "a", "x".repeat(31), "1abc", "../../etc"]) {
      const r = await server.api("POST", "/apps", { name });
      expect(r.status).toBe(422);
      expect(r.json.id).toBe("invalid_params");
    }
    expect((await server.api("POST", "/apps", { name: "dupe" })).status).toBe(201);
    const again = await server.api("POST", "/apps", { name: "dupe" });
    expect(again.status).toBe(422);
    expect(again.json.message).toContain("taken");
  });

  test("rename and maintenance", async () => {
    await server.api("POST", "/apps", { name: "before" });
    const renamed = await server.api("PATCH", "/apps/before", { name: "after" });
    expect(renamed.json.name).toBe("after");
    expect((await server.api("GET", "/apps/before")).status).toBe(404);
    expect((await server.api("PATCH", "/apps/after", { maintenance: true })).json.maintenance).toBe(true);
    expect((await server.api("PATCH", "/apps/after", { maintenance: "yes" })).status).toBe(422);
    expect((await server.api("PATCH", "/apps/after", { name: "Bad Name" })).status).toBe(422);
    expect((await server.api("DELETE", "/apps/after")).status).toBe(200);
    expect((await server.api("GET", "/apps/after")).status).toBe(404);
  });

  test("bad input gets {id, message} and changes nothing", async () => {
    await server.api("POST", "/apps", { name: "strict" });
    const malformed = await server.api("PATCH", "/apps/strict/config-vars", "{not json");
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual({ id: "bad_request", message: "Request body must be a JSON object." });
    const huge = await server.api("PATCH", "/apps/strict/config-vars", { A: "x".repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.json.id).toBe("request_entity_too_large");
    for (const patch of [{ "BAD-KEY": "1" }, { "1A": "x" }, { A: "line\nbreak" }, { A: "nul\u0000" }, { A: 1 }]) {
      const r = await server.api("PATCH", "/apps/strict/config-vars", patch);
      expect(r.status).toBe(422);
      expect(r.json.id).toBe("invalid_params");
    }
    expect((await server.api("GET", "/apps/strict/config-vars")).json).toEqual({});
    expect((await server.api("GET", "/apps/strict/releases")).json).toHaveLength(1);
    expect((await server.api("GET", "/apps/ghost")).json).toEqual({ id: "not_found", message: "Couldn't find that app." });
    expect((await server.api("GET", "/no/such/endpoint")).json.id).toBe("not_found");
  });

  test("what apps:info calls: collaborators, addons, pipeline-couplings", async () => {
    await server.api("POST", "/apps", { name: "infoapp" });
    expect((await server.api("GET", "/apps/infoapp/collaborators")).json).toEqual([]);
    expect((await server.api("GET", "/apps/infoapp/addons")).json).toEqual([]);
    const coupling = await server.api("GET", "/apps/infoapp/pipeline-couplings");
    expect(coupling.status).toBe(404);
    expect(coupling.json.id).toBe("not_found");
  });

  test("Heroku headers: Request-Id, RateLimit-Remaining, Range paging", async () => {
    await server.api("POST", "/apps", { name: "paged" });
    for (let i = 0; i < 5; i++) await server.api("PATCH", "/apps/paged/config-vars", { [`K${i}`]: String(i) });
    const first = await server.api("GET", "/apps/paged/releases", undefined, undefined, { Range: "version ..; max=2, order=desc" });
    expect(first.status).toBe(206);
    expect(first.json.map((r: any) => r.version)).toEqual([6, 5]);
    expect(first.headers.get("content-range")).toBe("version 6..5");
    expect(first.headers.get("next-range")).toBe("version ]5..; max=2, order=desc");
    expect(first.headers.get("request-id")).toBeTruthy();
    expect(first.headers.get("ratelimit-remaining")).toBeTruthy();
    const next = await server.api("GET", "/apps/paged/releases", undefined, undefined, { Range: first.headers.get("next-range")! });
    expect(next.json.map((r: any) => r.version)).toEqual([4, 3]);
    expect((await server.api("GET", "/apps/paged/releases", undefined, undefined, { Range: "bogus" })).status).toBe(400);
  });
});

describe("config vars and releases", () => {
  test("each change is a release with Heroku's description; rollback copies config", async () => {
    await server.api("POST", "/apps", { name: "cfg" });
    expect((await server.api("PATCH", "/apps/cfg/config-vars", { GREETING: "hello", B: "b" })).json).toEqual({ GREETING: "hello", B: "b" });
    expect((await server.api("PATCH", "/apps/cfg/config-vars", { B: null })).json).toEqual({ GREETING: "hello" });
    await server.api("PATCH", "/apps/cfg/config-vars", { GREETING: "hello" }); // no change: no release
    const releases = (await server.api("GET", "/apps/cfg/releases")).json;
    expect(releases.map((r: any) => [r.version, r.description, r.current])).toEqual([
      [1, "Initial release", false], [2, "Set GREETING, B config vars", false], [3, "Remove B config vars", true],
    ]);
    const rollback = await server.api("POST", "/apps/cfg/releases", { release: "2" });
    expect(rollback.status).toBe(201);
    expect(rollback.json.description).toBe("Rollback to v2");
    expect(rollback.json.version).toBe(4);
    expect((await server.api("GET", "/apps/cfg/config-vars")).json).toEqual({ GREETING: "hello", B: "b" });
    const byId = await server.api("GET", `/apps/cfg/releases/${releases[1].id}`);
    expect(byId.json.version).toBe(2);
    expect((await server.api("GET", "/apps/cfg/releases/3")).json.description).toBe("Remove B config vars");
    expect((await server.api("GET", "/apps/cfg/releases/3/config-vars")).json).toEqual({ GREETING: "hello" });
    expect((await server.api("POST", "/apps/cfg/releases", { release: "99" })).status).toBe(404);
    expect((await server.api("POST", "/apps/cfg/releases", { slug: "nope" })).status).toBe(422);
  });
});

describe("the CLI", () => {
  test("apps:create inside a git repo adds the slipway remote; app commands", async () => {
    const repo = join(server.scratch, "repo");
    mkdirSync(repo);
    Bun.spawnSync(["git", "init", "-q", repo]);
    const create = await server.cli(["apps:create", "cliapp"], { cwd: repo });
    expect(create.code).toBe(0);
    expect(create.stderr).toContain("Creating ⬢ cliapp... done");
    expect(create.stdout).toContain(`http://cliapp.localhost:${server.routerPort}/ | http://localhost:${server.apiPort}/cliapp.git`);
    expect(create.stderr).toContain("Git remote slipway added");
    const remote = Bun.spawnSync(["git", "remote", "get-url", "slipway"], { cwd: repo }).stdout.toString().trim();
    expect(remote).toBe(`http://:${server.adminToken}@localhost:${server.apiPort}/cliapp.git`);

    const generated = await server.cli(["apps:create", "--no-remote"]);
    expect(generated.stderr).toMatch(/Creating app\.\.\. done, ⬢ [a-z]+-[a-z]+-\d{4}/);

    // The app comes from the git remote when -a is not given.
    const info = await server.cli(["apps:info"], { cwd: repo });
    expect(info.code).toBe(0);
    expect(info.stdout).toContain("=== cliapp");
    expect(info.stdout).toMatch(/Web URL:\s+http:\/\/cliapp\.localhost/);
    expect(info.stdout).toMatch(/Owner:\s+admin@slipway.local/);

    const apps = await server.cli(["apps"]);
    expect(apps.stdout).toContain("=== admin@slipway.local Apps");
    expect(apps.stdout).toContain("cliapp");
    const asJson = JSON.parse((await server.cli(["apps", "--json"])).stdout);
    expect(asJson.some((a: any) => a.name === "cliapp")).toBe(true);

    const rename = await server.cli(["apps:rename", "cliapp2"], { cwd: repo });
    expect(rename.stderr).toContain("Renaming ⬢ cliapp to ⬢ cliapp2... done");
    expect(rename.stderr).toContain("Git remote slipway updated");
    expect(Bun.spawnSync(["git", "remote", "get-url", "slipway"], { cwd: repo }).stdout.toString()).toContain("/cliapp2.git");

    const gitRemote = await server.cli(["git:remote", "-a", "cliapp2", "-r", "other"], { cwd: repo });
    expect(gitRemote.stdout).toContain(`set git remote other to http://localhost:${server.apiPort}/cliapp2.git`);

    const noConfirm = await server.cli(["apps:destroy", "-a", "cliapp2"], { cwd: repo });
    expect(noConfirm.code).not.toBe(0);
    expect(noConfirm.stderr).toContain("--confirm cliapp2");
    const destroy = await server.cli(["apps:destroy", "cliapp2", "--confirm", "cliapp2"], { cwd: repo });
    expect(destroy.code).toBe(0);
    expect(destroy.stderr).toContain("Destroying ⬢ cliapp2 (including all add-ons)... done");
    expect(Bun.spawnSync(["git", "remote"], { cwd: repo }).stdout.toString()).not.toContain("slipway");

    const missing = await server.cli(["apps:info", "-a", "cliapp2"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(" ▸    Couldn't find that app.");
    const noApp = await server.cli(["config"]);
    expect(noApp.stderr).toContain("No app specified");
  });

  test("config, config:get, config:set, config:unset, releases, releases:info, rollback", async () => {
    await server.cli(["apps:create", "cfgcli", "--no-remote"]);
    const set = await server.cli(["config:set", "GREETING=hello world", "URL=a=b", "-a", "cfgcli"]);
    expect(set.stderr).toContain("Setting GREETING, URL and restarting ⬢ cfgcli... done, v2");
    expect(set.stdout).toMatch(/GREETING: hello world\nURL:\s+a=b/);
    const config = await server.cli(["config", "-a", "cfgcli"]);
    expect(config.stdout).toBe("=== cfgcli Config Vars\nGREETING: hello world\nURL:      a=b\n");
    expect((await server.cli(["config:get", "URL", "-a", "cfgcli"])).stdout).toBe("a=b\n");
    expect(JSON.parse((await server.cli(["config", "--json", "-a", "cfgcli"])).stdout)).toEqual({ GREETING: "hello world", URL: "a=b" });
    const unset = await server.cli(["config:unset", "URL", "-a", "cfgcli"]);
    expect(unset.stderr).toContain("Unsetting URL and restarting ⬢ cfgcli... done, v3");
    const bad = await server.cli(["config:set", "NOEQUALS", "-a", "cfgcli"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("NOEQUALS is invalid. Must be in the format FOO=bar.");
    const badKey = await server.cli(["config:set", "BAD-KEY=1", "-a", "cfgcli"]);
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain("Invalid config var name");

    const releases = await server.cli(["releases", "-a", "cfgcli"]);
    expect(releases.stdout).toContain("=== cfgcli Releases - Current: v3");
    expect(releases.stdout).toMatch(/v3\s+Remove URL config vars\s+admin@slipway.local\s+\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \+0000 \(~ \d+s ago\)/);
    expect(releases.stdout.indexOf("v3")).toBeLessThan(releases.stdout.indexOf("v1"));
    const info = await server.cli(["releases:info", "v2", "-a", "cfgcli"]);
    expect(info.stdout).toContain("=== Release v2");
    expect(info.stdout).toMatch(/Change:\s+Set GREETING, URL config vars/);
    expect(info.stdout).toMatch(/URL:\s+a=b/);

    const rollback = await server.cli(["rollback", "-a", "cfgcli"]);
    expect(rollback.stderr).toContain("Rolling back ⬢ cfgcli to v2... done, v4");
    expect((await server.cli(["config:get", "URL", "-a", "cfgcli"])).stdout).toBe("a=b\n");
    const explicit = await server.cli(["rollback", "v1", "-a", "cfgcli"]);
    expect(explicit.stderr).toContain("to v1... done, v5");
    expect(JSON.parse((await server.cli(["releases", "--json", "-a", "cfgcli"])).stdout)[0].description).toBe("Rollback to v1");
  });

  test("login stores the token in ~/.netrc; logout removes it; auth:token and whoami", async () => {
    const home = join(server.scratch, "user-home");
    mkdirSync(home);
    const env = { HOME: home };
    expect((await server.cli(["apps"], { token: "", env })).stderr).toContain("Not logged in");
    const bad = await server.cli(["login", "--token", "slw_bad"], { token: "", env });
    expect(bad.code).toBe(1);
    const login = await server.cli(["login"], { token: "", env, stdin: `${server.adminToken}\n` });
    expect(login.stdout).toContain("Logged in as admin@slipway.local");
    expect(readFileSync(join(home, ".netrc"), "utf8")).toContain(`machine 127.0.0.1\n  login admin@slipway.local\n  password ${server.adminToken}`);
    expect(statSync(join(home, ".netrc")).mode & 0o777).toBe(0o600);
    expect((await server.cli(["auth:token"], { token: "", env })).stdout.trim()).toBe(server.adminToken);
    expect((await server.cli(["auth:whoami"], { token: "", env })).stdout.trim()).toBe("admin@slipway.local");
    expect((await server.cli(["logout"], { token: "", env })).stderr).toContain("Logging out... done");
    expect((await server.cli(["auth:whoami"], { token: "", env })).code).toBe(1);
  });
});

describe("durability", () => {
  test("state survives a restart", async () => {
    const s = new TestServer();
    try {
      await s.start();
      await s.api("POST", "/apps", { name: "keeper" });
      await s.api("PATCH", "/apps/keeper/config-vars", { KEEP: "me" });
      const token = s.adminToken;
      await s.stop();
      await s.start();
      expect(s.adminToken).toBe(token);
      expect(s.output).not.toContain(token);
      expect((await s.api("GET", "/apps/keeper/config-vars")).json).toEqual({ KEEP: "me" });
    } finally {
      await s.destroy();
    }
  });

  test("SLIPWAY_TOKEN sets the admin token", async () => {
    const s = new TestServer({ SLIPWAY_TOKEN: "slw_fixed_token_for_tests" });
    try {
      await s.start();
      expect((await s.api("GET", "/account", undefined, "slw_fixed_token_for_tests")).json.email).toBe("admin@slipway.local");
    } finally {
      await s.destroy();
    }
  });

  test("SIGKILL in the middle of writes leaves a consistent database", async () => {
    const s = new TestServer();
    try {
      await s.start();
      await s.api("POST", "/apps", { name: "hammered" });
      const token = s.adminToken;
      let stop = false;
      const writers = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          await fetch(`${s.url}/apps/hammered/config-vars`, {
            method: "PATCH", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
            body: JSON.stringify({ [`W${w}`]: String(i) }),
          }).catch(() => (stop = true));
        }
      });
      await Bun.sleep(400);
      await s.stop("SIGKILL");
      stop = true;
      await Promise.all(writers);

      const db = new Database(join(s.home, "state.db"));
      expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      const versions = db.query<{ version: number }, []>("SELECT version FROM releases ORDER BY version").all().map((r) => r.version);
      expect(versions.length).toBeGreaterThan(5);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
      db.close();

      await s.start();
      const newest = (await s.api("GET", "/apps/hammered/releases", undefined, undefined, { Range: "version ..; max=1, order=desc" })).json;
      expect(newest[0].version).toBe(versions.length);
      const config = (await s.api("GET", "/apps/hammered/config-vars")).json;
      expect(Object.keys(config).length).toBeGreaterThan(0);
      expect((await s.api("PATCH", "/apps/hammered/config-vars", { AFTER: "crash" })).status).toBe(200);
    } finally {
      await s.destroy();
    }
  });
});

describe("CLI conveniences", () => {
  test("autocomplete prints a bash completion that completes command names", async () => {
    const script = (await server.cli(["autocomplete", "bash"])).stdout;
    expect(script).toContain("complete -o default -F _slipway slipway");
    const completed = Bun.spawnSync(["bash", "-c", `${script}\nCOMP_WORDS=(slipway config:s); COMP_CWORD=1; _slipway; echo "\${COMPREPLY[@]}"`]);
    expect(completed.stdout.toString().trim()).toBe("config:set");
    expect((await server.cli(["autocomplete", "fish"])).code).not.toBe(0);
  });

  test("a 401 tells the user how to log in; NO_COLOR output has no escape codes", async () => {
    const denied = await server.cli(["apps"], { token: "slw_not_a_real_token" });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("Run slipway login, or set SLIPWAY_TOKEN.");
    const plain = await server.cli(["apps"], { env: { NO_COLOR: "1" } });
    expect(plain.stdout).not.toContain("\u001b[");
  });
});
