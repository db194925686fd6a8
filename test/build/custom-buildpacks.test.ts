// Buildpacks the app brings: local dirs, tarball URLs, several in a row; and how failures look.
import { afterAll, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BuildError } from "../../src/build/build-error.ts";
import { scratchArea, writeTree } from "./pipeline-helpers.ts";
import { listTarball, makeTgz } from "./tar-listing.ts";

const scratch = scratchArea();
afterAll(() => scratch.cleanup());

let packs = 0;
function buildpack(scripts: { detect?: string; compile: string; release?: string }): string {
  const files: Record<string, string> = { "bin/compile": `+x #!/usr/bin/env bash\nset -e\n${scripts.compile}` };
  if (scripts.detect !== undefined) files["bin/detect"] = `+x #!/usr/bin/env bash\n${scripts.detect}`;
  if (scripts.release !== undefined) files["bin/release"] = `+x #!/usr/bin/env bash\n${scripts.release}`;
  return writeTree(join(scratch.root, `bp-${++packs}`), files);
}

test("a local buildpack gets Heroku's arguments and environment; config vars only through ENV_DIR", async () => {
  const bp = buildpack({
    detect: 'echo "Custom Thing"',
    compile: [
      'echo "-----> Recording the environment"',
      'cd "$1"',
      'echo "$STACK $SOURCE_VERSION ${SECRET:-not-in-env} $(cat "$3/SECRET") $PWD" > env.txt',
      '[ -d "$2" ] && [ "$HOME" != "" ] && echo "       ok"',
    ].join("\n"),
    release: "printf -- '---\\nconfig_vars:\\n  LANG: en_US.UTF-8\\ndefault_process_types:\\n  web: ./serve\\n'",
  });
  const app = scratch.app({ "thing.txt": "x", Procfile: "worker: ./work\n" });
  const built = await scratch.build(app, { buildpacks: [bp], configVars: { SECRET: "s3cret" } });

  expect(built.lines.slice(0, 4)).toEqual([
    "-----> Building on the heroku-24 stack",
    `-----> Using buildpack: ${bp}`,
    "-----> Custom Thing app detected",
    "-----> Recording the environment",
  ]);
  expect(built.lines).toContain("       ok");
  expect(built.buildpacks).toEqual([bp]);
  expect(built.processTypes).toEqual({ web: "./serve", worker: "./work" });
  expect(built.configVars).toEqual({ LANG: "en_US.UTF-8" });
  const env = (await listTarball(built.slugPath)).find((e) => e.name === "./env.txt")!.text;
  expect(env).toBe(`heroku-24 0123456789abcdef0123456789abcdef01234567 not-in-env s3cret ${join(built.workDir, "build")}\n`);
});

test("BUILDPACK_URL picks the buildpack and an incompatible one is refused", async () => {
  const bp = buildpack({ detect: "exit 1", compile: "true" });
  const app = scratch.app({ "a.txt": "x" });
  await expect(scratch.build(app, { configVars: { BUILDPACK_URL: bp } })).rejects.toThrow(
    `App not compatible with buildpack: ${bp}`,
  );
});

test("several buildpacks run in order; each sees the exports of those before it; later defaults win", async () => {
  const first = buildpack({
    detect: "echo First",
    compile: 'echo "export FROM_FIRST=hello-from-first" > "$(dirname "$0")/../export"',
    release: "printf 'default_process_types:\\n  web: first-web\\n  worker: first-worker\\n'",
  });
  const second = buildpack({
    detect: "echo Second",
    compile: 'echo "$FROM_FIRST" > "$1/from-first.txt"',
    release: "printf 'default_process_types:\\n  web: second-web\\n'",
  });
  const app = scratch.app({ "a.txt": "x", ".buildpacks": `${first}\n${second}\n` });
  const built = await scratch.build(app);
  expect(built.lines).toContain("-----> Using buildpacks:");
  expect(built.lines).toContain(`       2. ${second}`);
  expect(built.lines.indexOf("-----> First app detected")).toBeLessThan(built.lines.indexOf("-----> Second app detected"));
  expect(built.processTypes).toEqual({ web: "second-web", worker: "first-worker" });
  const listing = await listTarball(built.slugPath);
  expect(listing.find((e) => e.name === "./from-first.txt")!.text).toBe("hello-from-first\n");
});

test("a failing compile is a BuildError carrying only the tail of a huge output, which was streamed", async () => {
  const bp = buildpack({
    detect: "echo Noisy",
    compile: 'for i in $(seq 1 100000); do echo "line $i of noise noise noise noise noise"; done; echo "the real error"; exit 3',
  });
  const error = await scratch.build(scratch.app({ "a.txt": "x" }), { buildpacks: [bp] }).catch((e) => e);
  expect(error).toBeInstanceOf(BuildError);
  expect(error.message).toBe("Push rejected, failed to compile Noisy app.");
  expect(error.outputTail).toHaveLength(100);
  expect(error.outputTail.at(-1)).toBe("the real error");
  expect(error.lines).toContain("line 1 of noise noise noise noise noise");
  expect(error.lines.length).toBeGreaterThan(100_000);
});

test("a hanging buildpack is killed at the build timeout", async () => {
  const bp = buildpack({ detect: "echo Slow", compile: 'sleep 60.4242 & echo "waiting"; wait' });
  const started = Date.now();
  const error = await scratch.build(scratch.app({ "a.txt": "x" }), { buildpacks: [bp], limits: { timeoutMs: 1500 } }).catch((e) => e);
  expect(error).toBeInstanceOf(BuildError);
  expect(error.message).toMatch(/^Timed out compiling Slow app/);
  expect(Date.now() - started).toBeLessThan(15_000);
  const leftover = Bun.spawnSync(["pgrep", "-f", "^sleep 60.4242$"]).stdout.toString().trim();
  expect(leftover).toBe("");
});

test("a buildpack from a .tgz URL, wrapped in a top-level directory, is fetched and cached", async () => {
  const body = await makeTgz([
    { name: "bp-main/bin/detect", mode: 0o755, content: "#!/bin/sh\necho Fetched\n" },
    { name: "bp-main/bin/compile", mode: 0o755, content: "#!/bin/sh\necho '       compiled by a fetched buildpack'\n" },
  ]);
  let up = true;
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => (up ? new Response(body) : new Response("gone", { status: 503 })) });
  try {
    const url = `http://127.0.0.1:${server.port}/bp.tgz`;
    const app = scratch.app({ "a.txt": "x" });
    const built = await scratch.build(app, { buildpacks: [url] });
    expect(built.lines).toContain("-----> Fetching custom tarball buildpack... done");
    expect(built.lines).toContain("       compiled by a fetched buildpack");
    up = false;
    const again = await scratch.build(app, { buildpacks: [url] });
    expect(again.lines).toContain("-----> Fetching custom tarball buildpack... failed, using the cached copy");
    expect(again.lines).toContain("       compiled by a fetched buildpack");
  } finally {
    server.stop(true);
  }
});

test("owner: the build's directories are handed to the build user", async () => {
  const bp = buildpack({ compile: "true" });
  const built = await scratch.build(scratch.app({ "a.txt": "x" }), { buildpacks: [bp], owner: { uid: 65534, gid: 65534 } });
  expect(statSync(join(built.workDir, "build/a.txt")).uid).toBe(65534);
  expect(statSync(join(built.workDir, "env")).gid).toBe(65534);
  expect(readFileSync(join(built.workDir, "build/a.txt"), "utf8")).toBe("x");
});
