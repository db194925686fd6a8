// `git push` deploys: the real git client against the compiled binary, buildpacks in the sandbox,
// releases, and the router serving the result.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { TestServer } from "./harness.ts";
import { commitFiles, git, makeRepo, nodeServer, push, routerGet, writeFiles } from "./apps.ts";

let server: TestServer;
let work: string;
const remote = (app: string) => `http://:${server.adminToken}@127.0.0.1:${server.apiPort}/${app}.git`;
const host = (app: string) => `${app}.localhost`;

async function createApp(name: string): Promise<void> {
  const r = await server.api("POST", "/apps", { name });
  if (r.status !== 201) throw new Error(`create ${name}: ${JSON.stringify(r.json)}`);
}

beforeAll(async () => {
  server = new TestServer();
  await server.start();
  work = join(server.scratch, "work");
  mkdirSync(work);
});
afterAll(async () => server?.destroy());

describe("git push", () => {
  test("a Procfile app: streamed build output, a release, served through the router", async () => {
    await createApp("procapp");
    const repo = makeRepo(join(work, "procapp"), { "Procfile": "web: node server.js\n", "server.js": nodeServer("hello") });
    const sha = git(repo, ["rev-parse", "HEAD"]).output.trim();
    const result = await push(repo, remote("procapp"));
    expect(result.code).toBe(0);
    const lines = result.output.split("\n").map((l) => l.trimEnd());
    const expected = [
      "remote: -----> Building on the slipway-host stack",
      "remote: -----> Procfile app detected",
      "remote: -----> Discovering process types",
      "remote:        Procfile declares types     -> web",
      "remote: -----> Compressing... done",
      "remote: -----> Launching... done, v2",
      `remote:        http://procapp.localhost:${server.routerPort}/ deployed to Slipway`,
    ];
    let at = -1;
    for (const want of expected) {
      const found = lines.findIndex((l, i) => i > at && l.startsWith(want));
      expect(found, `missing or out of order: ${want}\n${result.output}`).toBeGreaterThan(at);
      at = found;
    }
    const served = await routerGet(server.routerPort, host("procapp"));
    expect(served.status).toBe(200);
    expect(served.body).toBe("hello web.1");
    const releases = (await server.api("GET", "/apps/procapp/releases")).json;
    expect(releases.map((r: any) => r.description)).toEqual(["Initial release", `Deploy ${sha.slice(0, 7)}`]);
    expect(releases[1].slug.id).toBeTruthy();
    const formation = (await server.api("GET", "/apps/procapp/formation")).json;
    expect(formation.map((f: any) => [f.type, f.quantity, f.command])).toEqual([["web", 1, "node server.js"]]);
  });

  test("a Node.js app with an npm dependency; the second build uses the cache", async () => {
    await createApp("nodeapp");
    const pkg = { name: "nodeapp", version: "1.0.0", scripts: { start: "node index.js" }, dependencies: { ms: "2.1.3" } };
    const repo = makeRepo(join(work, "nodeapp"), {
      "package.json": JSON.stringify(pkg),
      "index.js": `const ms = require("ms"); require("http").createServer((q, s) => s.end("node " + ms(60000))).listen(process.env.PORT);\n`,
    });
    const first = await push(repo, remote("nodeapp"));
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain("Node.js app detected");
    expect(first.output).toContain("Default types for buildpack -> web");
    expect((await routerGet(server.routerPort, host("nodeapp"))).body).toBe("node 1m");
    expect(first.output).toContain("- node_modules (not cached - skipping)");
    commitFiles(repo, { "README": "second" }, "second");
    const second = await push(repo, remote("nodeapp"));
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(/Restoring cache\s+remote:\s+- node_modules\s/);
    expect((await server.api("GET", "/apps/nodeapp/releases")).json.at(-1).version).toBe(3);
  }, 120_000);

  test("a Python app", async () => {
    await createApp("pyapp");
    const repo = makeRepo(join(work, "pyapp"), {
      "requirements.txt": "",
      "Procfile": "web: python app.py\n",
      "app.py": [
        "import http.server, os, sys",
        "class H(http.server.BaseHTTPRequestHandler):",
        "    def do_GET(self):",
        "        body = ('python ' + sys.prefix).encode()",
        "        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)",
        "http.server.HTTPServer(('', int(os.environ['PORT'])), H).serve_forever()",
      ].join("\n"),
    });
    const result = await push(repo, remote("pyapp"));
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("Python app detected");
    expect((await routerGet(server.routerPort, host("pyapp"))).body).toBe("python /app/.venv");
  }, 120_000);

  test("a static site", async () => {
    await createApp("staticapp");
    const repo = makeRepo(join(work, "staticapp"), { "index.html": "<h1>static hello</h1>\n" });
    const result = await push(repo, remote("staticapp"));
    expect(result.code, result.output).toBe(0);
    const served = await routerGet(server.routerPort, host("staticapp"));
    expect(served.status).toBe(200);
    expect(served.body).toContain("static hello");
  });

  test("clone after push gives the pushed tree", async () => {
    const clone = join(work, "clone");
    expect(git(work, ["clone", "-q", remote("procapp"), clone]).code).toBe(0);
    expect(readFileSync(join(clone, "Procfile"), "utf8")).toBe("web: node server.js\n");
    expect(git(clone, ["log", "--oneline"]).output).toContain("initial");
  });

  test("a failed build leaves the app, its releases and its branch as they were", async () => {
    const repo = join(work, "procapp");
    const before = git(repo, ["rev-parse", "HEAD"]).output.trim();
    commitFiles(repo, { "Procfile": "web: node server.js\nthis is not a procfile line\n" }, "broken");
    const result = await push(repo, remote("procapp"));
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("remote: !");
    expect(result.output).toContain("pre-receive hook declined");
    expect((await server.api("GET", "/apps/procapp/releases")).json).toHaveLength(2);
    expect(git(repo, ["ls-remote", remote("procapp"), "refs/heads/main"]).output).toContain(before);
    expect((await routerGet(server.routerPort, host("procapp"))).body).toBe("hello web.1");
    git(repo, ["reset", "-q", "--hard", before]);
  });

  test("other branches are rejected, deleting the branch is refused, force pushes work", async () => {
    const repo = join(work, "procapp");
    const feature = await push(repo, remote("procapp"), ["main:feature"]);
    expect(feature.code).not.toBe(0);
    expect(feature.output).toContain("Pushed to non-deploy branch feature; push to main or master");
    const remove = await push(repo, remote("procapp"), [":main"]);
    expect(remove.code).not.toBe(0);
    expect(remove.output).toContain("deleting the deploy branch is not allowed");
    commitFiles(repo, { "server.js": nodeServer("forced") }, "rewritten");
    git(repo, ["commit", "-q", "--amend", "-m", "rewritten again"]);
    const forced = await push(repo, remote("procapp"), ["--force", "main"]);
    expect(forced.code, forced.output).toBe(0);
    expect((await routerGet(server.routerPort, host("procapp"))).body).toBe("forced web.1");
  });

  test("a custom buildpack from a local git repository (admin) and via BUILDPACK_URL as a .tgz", async () => {
    const buildpack = makeRepo(join(work, "custom-bp"), {
      "bin/detect": { content: "#!/bin/sh\necho Custom\n", mode: 0o755 },
      "bin/compile": { content: "#!/bin/sh\necho \"-----> Custom compile, STACK=$STACK\"\necho custom > \"$1/built-by\"\n", mode: 0o755 },
      "bin/release": { content: "#!/bin/sh\nprintf 'default_process_types:\\n  web: node server.js\\n'\n", mode: 0o755 },
    });
    await createApp("customapp");
    const app = makeRepo(join(work, "customapp"), { "server.js": `require("http").createServer((q, s) => s.end(require("fs").readFileSync("/app/built-by", "utf8").trim())).listen(process.env.PORT);\n` });
    expect((await server.api("PUT", "/apps/customapp/buildpack-installations", { updates: [{ buildpack: buildpack }] })).status).toBe(200);
    const result = await push(app, remote("customapp"));
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("Custom compile, STACK=slipway-host");
    expect((await routerGet(server.routerPort, host("customapp"))).body).toBe("custom");

    const tgz = join(work, "bp.tgz");
    expect(Bun.spawnSync(["tar", "-C", buildpack, "--exclude=.git", "-czf", tgz, "."]).exitCode).toBe(0);
    const files = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(Bun.file(tgz)) });
    try {
      await server.api("PUT", "/apps/customapp/buildpack-installations", { updates: [] });
      await server.api("PATCH", "/apps/customapp/config-vars", { BUILDPACK_URL: `http://127.0.0.1:${files.port}/bp.tgz` });
      commitFiles(app, { "README": "again" }, "again");
      const viaUrl = await push(app, remote("customapp"));
      expect(viaUrl.code, viaUrl.output).toBe(0);
      expect(viaUrl.output).toContain("Custom compile");
    } finally {
      files.stop(true);
    }
  });

  test("a second push while a build runs waits, then is refused clearly", async () => {
    await createApp("slowapp");
    const buildpack = makeRepo(join(work, "slow-bp"), {
      "bin/detect": { content: "#!/bin/sh\necho Slow\n", mode: 0o755 },
      "bin/compile": { content: "#!/bin/sh\nsleep 2\n", mode: 0o755 },
      "bin/release": { content: "#!/bin/sh\necho '--- {}'\n", mode: 0o755 },
    });
    await server.api("PUT", "/apps/slowapp/buildpack-installations", { updates: [{ buildpack }] });
    const repoA = makeRepo(join(work, "slow-a"), { "Procfile": "worker: sleep 1000\n" });
    const repoB = makeRepo(join(work, "slow-b"), { "Procfile": "worker: sleep 1000\n", "b": "b" });
    const first = push(repoA, remote("slowapp"));
    await Bun.sleep(700);
    const second = await push(repoB, remote("slowapp"), ["--force", "main"]);
    // The second push waits for the first, then is told the branch moved under it.
    expect(second.code).not.toBe(0);
    expect(second.output).toContain("remote: Waiting for another push to this app to finish");
    expect(second.output).toContain("main changed while this push was waiting; fetch and push again");
    expect((await first).code).toBe(0);
  });
});

describe("builds of different apps", () => {
  test("run in parallel (the limit defaults to the number of cores)", async () => {
    const buildpack = makeRepo(join(work, "sleepy-bp"), {
      "bin/detect": { content: "#!/bin/sh\necho Sleepy\n", mode: 0o755 },
      "bin/compile": { content: "#!/bin/sh\nsleep 2\n", mode: 0o755 },
      "bin/release": { content: "#!/bin/sh\necho '--- {}'\n", mode: 0o755 },
    });
    const apps = ["para-one", "para-two"];
    const repos = await Promise.all(apps.map(async (app) => {
      await createApp(app);
      await server.api("PUT", `/apps/${app}/buildpack-installations`, { updates: [{ buildpack }] });
      return makeRepo(join(work, app), { "Procfile": "worker: sleep 1000\n" });
    }));
    const started = Date.now();
    const results = await Promise.all(repos.map((repo, i) => push(repo, remote(apps[i]!))));
    for (const r of results) expect(r.code, r.output).toBe(0);
    expect(Date.now() - started).toBeLessThan(3800);
  });
});

describe("slipway buildpacks:*", () => {
  test("set, add, list, remove and clear the app's buildpacks", async () => {
    const cli = (args: string[]) => server.cli([...args, "-a", "procapp"]);
    expect((await cli(["buildpacks:set", "nodejs"])).stdout).toContain("Buildpack set. Next release on procapp will use nodejs.");
    expect((await cli(["buildpacks:add", "https://example.com/extra.tgz"])).code).toBe(0);
    expect((await cli(["buildpacks:add", "--index", "1", "procfile"])).code).toBe(0);
    expect((await cli(["buildpacks"])).stdout).toBe("=== procapp Buildpacks\n1. procfile\n2. nodejs\n3. https://example.com/extra.tgz\n");
    expect((await cli(["buildpacks:remove", "nodejs"])).code).toBe(0);
    expect((await cli(["buildpacks:remove", "nodejs"])).code).not.toBe(0);
    const listed = JSON.parse((await cli(["buildpacks", "--json"])).stdout);
    expect(listed.map((b: any) => b.buildpack.url)).toEqual(["procfile", "https://example.com/extra.tgz"]);
    expect((await cli(["buildpacks:set", "ftp://nope"])).code).not.toBe(0);
    expect((await cli(["buildpacks:clear"])).stdout).toContain("Buildpacks cleared.");
    expect((await cli(["buildpacks"])).stdout).toContain("procapp has no Buildpacks.");
  });
});

describe("bad input on push", () => {
  test("a garbage pack gets an error and the daemon keeps serving", async () => {
    const response = await fetch(`http://127.0.0.1:${server.apiPort}/procapp.git/git-receive-pack`, {
      method: "POST", body: "0000garbage-that-is-not-a-pack",
      headers: { Authorization: `Basic ${btoa(`:${server.adminToken}`)}`, "Content-Type": "application/x-git-receive-pack-request" },
    });
    expect(response.status).toBeLessThan(500);
    expect((await routerGet(server.routerPort, host("procapp"))).status).toBe(200);
  });

  test("git needs a token, and another user's app looks like no app", async () => {
    const noAuth = await fetch(`http://127.0.0.1:${server.apiPort}/procapp.git/info/refs?service=git-receive-pack`);
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get("www-authenticate")).toContain("Basic");
    const student = (await server.api("POST", "/users", { email: "pusher@example.com" })).json.token;
    const url = (app: string) => `http://127.0.0.1:${server.apiPort}/${app}.git/info/refs?service=git-upload-pack`;
    const auth = { Authorization: `Basic ${btoa(`:${student}`)}` };
    const theirs = await fetch(url("procapp"), { headers: auth });
    const missing = await fetch(url("no-such-app"), { headers: auth });
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await theirs.text()).toBe((await missing.text()).replace("no-such-app", "procapp"));
  });

  test("symlinks out of the app, a chatty buildpack, and an invalid Procfile", async () => {
    await createApp("oddapp");
    const repo = makeRepo(join(work, "oddapp"), { "Procfile": "web: node server.js\n", "server.js": nodeServer("odd") });
    symlinkSync("/etc/shadow", join(repo, "shadow"));
    symlinkSync(server.home, join(repo, "platform-home"));
    commitFiles(repo, {}, "links");
    const linked = await push(repo, remote("oddapp"));
    expect(linked.code, linked.output).toBe(0);
    const probe = await server.cli(["run", "-a", "oddapp", "--", "ls /app/platform-home/; cat /app/shadow"]);
    expect(probe.code).not.toBe(0);
    expect(probe.stdout).not.toContain("root:");
    expect(probe.stdout).not.toContain("state.db");

    const chatty = makeRepo(join(work, "chatty-bp"), {
      "bin/detect": { content: "#!/bin/sh\necho Chatty\n", mode: 0o755 },
      "bin/compile": { content: "#!/bin/sh\nyes 'a chatty buildpack line of output' | head -n 200000\n", mode: 0o755 },
      "bin/release": { content: "#!/bin/sh\nprintf 'default_process_types:\\n  web: node server.js\\n'\n", mode: 0o755 },
    });
    await server.api("PUT", "/apps/oddapp/buildpack-installations", { updates: [{ buildpack: chatty }] });
    commitFiles(repo, { "x": "1" }, "chatty");
    const loud = await push(repo, remote("oddapp"));
    expect(loud.code, loud.output.slice(-2000)).toBe(0);

    await server.api("PUT", "/apps/oddapp/buildpack-installations", { updates: [] });
    commitFiles(repo, { "Procfile": "web node server.js\n" }, "bad procfile");
    const bad = await push(repo, remote("oddapp"));
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/remote: !.*Procfile/);
    expect((await routerGet(server.routerPort, host("oddapp"))).body).toBe("odd web.1");
  }, 60_000);
});

describe("the Build API and deploy without git", () => {
  test("slipway deploy DIR builds a tarball; builds and builds:info show it; cache purge", async () => {
    await createApp("tarapp");
    const dir = join(work, "tarapp");
    mkdirSync(dir);
    writeFiles(dir, { "Procfile": "web: node server.js\n", "server.js": nodeServer("from tarball") });
    const deploy = await server.cli(["deploy", dir, "-a", "tarapp", "--version", "v-one"]);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(deploy.stdout).toContain("-----> Launching... done, v2");
    expect((await routerGet(server.routerPort, host("tarapp"))).body).toBe("from tarball web.1");
    const builds = (await server.api("GET", "/apps/tarapp/builds")).json;
    expect(builds).toHaveLength(1);
    expect(builds[0].status).toBe("succeeded");
    expect(builds[0].source_blob.version).toBe("v-one");
    expect(builds[0].release.id).toBeTruthy();
    const listed = await server.cli(["builds", "-a", "tarapp"]);
    expect(listed.stdout).toContain("succeeded");
    const info = JSON.parse((await server.cli(["builds:info", builds[0].id, "-a", "tarapp"])).stdout);
    expect(info.id).toBe(builds[0].id);
    expect((await server.cli(["builds:cache:purge", "-a", "tarapp"])).code).toBe(0);
    expect(existsSync(join(server.home, "cache", (await server.api("GET", "/apps/tarapp")).json.id))).toBe(false);
  });

  test("a bad source URL and a non-tarball are refused clearly", async () => {
    const missing = await server.api("POST", "/apps/tarapp/builds", { source_blob: { url: "http://127.0.0.1:1/nothing.tgz" } });
    expect(missing.status).toBe(422);
    const notTar = join(work, "not-a-tarball.tgz");
    Bun.write(notTar, "this is not gzip");
    const bad = await server.api("POST", "/apps/tarapp/builds", { source_blob: { url: `file://${notTar}` } });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toContain("tarball");
  });
});

describe("a buildpack that hangs", () => {
  test("is stopped at the build timeout with a clear error; the app keeps its release", async () => {
    const quick = new TestServer({ SLIPWAY_BUILD_TIMEOUT: "2" });
    try {
      await quick.start();
      await quick.api("POST", "/apps", { name: "hangapp" });
      const dir = join(quick.scratch, "work");
      const buildpack = makeRepo(join(dir, "hang-bp"), {
        "bin/detect": { content: "#!/bin/sh\necho Hang\n", mode: 0o755 },
        "bin/compile": { content: "#!/bin/sh\necho about to hang\nsleep 600\n", mode: 0o755 },
        "bin/release": { content: "#!/bin/sh\necho '--- {}'\n", mode: 0o755 },
      });
      await quick.api("PUT", "/apps/hangapp/buildpack-installations", { updates: [{ buildpack }] });
      const repo = makeRepo(join(dir, "hangapp"), { "Procfile": "web: node server.js\n" });
      const started = Date.now();
      const result = await push(repo, `http://:${quick.adminToken}@127.0.0.1:${quick.apiPort}/hangapp.git`);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain("about to hang");
      expect(result.output).toMatch(/remote: !\s+Timed out compiling/);
      expect((await quick.api("GET", "/apps/hangapp/releases")).json).toHaveLength(1);
      expect((await quick.api("GET", "/apps/hangapp/builds")).json[0].status).toBe("failed");
      const leftovers = Bun.spawnSync(["pgrep", "-f", "sleep 600"]).stdout.toString().trim();
      expect(leftovers).toBe("");
    } finally {
      await quick.destroy();
    }
  }, 30_000);
});
