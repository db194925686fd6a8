import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import isogit from "isomorphic-git";
import { UnsafeTreeError, checkoutCommit, ensureRepo, resolveBranch } from "../../src/git/index.ts";
import { isSafeEntryName } from "../../src/git/checkout.ts";
import { gitEnv, makeWorkRepo, mustGit, startGitServer, writeFiles, type TestServer } from "./helpers.ts";

describe("checkoutCommit of a pushed commit", () => {
  let server: TestServer;
  let commit: string;

  beforeAll(async () => {
    server = await startGitServer();
    const env = await gitEnv(server.root);
    const work = await makeWorkRepo(server.root, "work", server.url, env);
    await writeFiles(work, { "bin/run": "#!/bin/sh\necho hi\n", "a/b/c/deep.txt": "deep\n", "README": "read me\n" });
    fs.chmodSync(join(work, "bin/run"), 0o755);
    fs.symlinkSync("a/b/c/deep.txt", join(work, "shortcut"));
    fs.symlinkSync("/etc/passwd", join(work, "absolute-link"));
    await mustGit(["add", "-A"], work, env);
    // A submodule entry (gitlink) whose commit is not in this repository.
    await mustGit(["update-index", "--add", "--cacheinfo", `160000,${"1".repeat(40)},vendor/sub`], work, env);
    await mustGit(["commit", "-q", "-m", "tree with modes"], work, env); // not `add -A`: it would drop the gitlink
    commit = (await mustGit(["rev-parse", "HEAD"], work, env)).stdout.trim();
    await mustGit(["push", "-q", "origin", "main"], work, env);
  });
  afterAll(async () => server.stop());

  test("writes files with their exec bits, symlinks as symlinks, nested dirs, and skips submodules", async () => {
    expect(await resolveBranch(server.repoDir, "main")).toBe(commit);
    const dest = join(server.root, "checkout");
    await checkoutCommit(server.repoDir, commit, dest);
    expect((await lstat(join(dest, "bin/run"))).mode & 0o777).toBe(0o755);
    expect((await lstat(join(dest, "README"))).mode & 0o777).toBe(0o644);
    expect(await readFile(join(dest, "a/b/c/deep.txt"), "utf8")).toBe("deep\n");
    expect((await lstat(join(dest, "shortcut"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dest, "shortcut"))).toBe("a/b/c/deep.txt");
    expect(await readlink(join(dest, "absolute-link"))).toBe("/etc/passwd");
    expect(await readdir(join(dest, "vendor"))).toEqual([]);
    expect((await readdir(dest)).sort()).toEqual(["README", "a", "absolute-link", "bin", "shortcut", "vendor"]);
  });
});

describe("checkoutCommit of a hostile tree", () => {
  let root: string;
  let repoDir: string;
  let outside: string;

  const write = (type: "blob" | "tree" | "commit", object: Uint8Array | string) =>
    isogit.writeObject({ fs, gitdir: repoDir, type, format: "content", object: typeof object === "string" ? Buffer.from(object) : object });
  /** A raw tree, entries in the given order, so names git itself would never write can be tested. */
  const rawTree = (entries: { mode: string; name: string; oid: string }[]) =>
    write("tree", Buffer.concat(entries.flatMap(({ mode, name, oid }) => [Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, "hex")])));
  const commitOf = (tree: string) =>
    write("commit", `tree ${tree}\nauthor A <a@b> 1700000000 +0000\ncommitter A <a@b> 1700000000 +0000\n\nhostile\n`);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "slipway-checkout-test-"));
    repoDir = join(root, "repo.git");
    outside = join(root, "outside");
    await mkdir(outside);
    await ensureRepo(repoDir);
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  const cases: [string, (blob: string) => Promise<string>][] = [
    ["a '..' directory", async (blob) => rawTree([{ mode: "40000", name: "..", oid: await rawTree([{ mode: "100644", name: "evil", oid: blob }]) }])],
    ["a '.git' directory", async (blob) => rawTree([{ mode: "40000", name: ".GIT", oid: await rawTree([{ mode: "100644", name: "config", oid: blob }]) }])],
    ["a name with a slash", async (blob) => rawTree([{ mode: "100644", name: "../outside/evil", oid: blob }])],
    [
      "a symlink to outside followed by a directory of the same name",
      async (blob) =>
        rawTree([
          { mode: "120000", name: "a", oid: await write("blob", outside) },
          { mode: "40000", name: "a", oid: await rawTree([{ mode: "100644", name: "evil", oid: blob }]) },
        ]),
    ],
    [
      "a symlink to outside followed by a file of the same name",
      async (blob) =>
        rawTree([
          { mode: "120000", name: "evil", oid: await write("blob", join(outside, "evil")) },
          { mode: "100644", name: "evil", oid: blob },
        ]),
    ],
  ];
  for (const [name, makeTree] of cases) {
    test(`refuses ${name} and writes nothing outside destDir`, async () => {
      const blob = await write("blob", "pwned\n");
      const commit = await commitOf(await makeTree(blob));
      const dest = join(root, "dest", crypto.randomUUID());
      const attempt = checkoutCommit(repoDir, commit, dest);
      await expect(attempt).rejects.toThrow();
      expect(await readdir(outside)).toEqual([]);
      expect(fs.existsSync(join(root, "dest", "evil"))).toBe(false);
    });
  }

  test("unsafe names are reported as UnsafeTreeError", async () => {
    const commit = await commitOf(await rawTree([{ mode: "100644", name: ".git", oid: await write("blob", "x") }]));
    await expect(checkoutCommit(repoDir, commit, join(root, "dest", "named"))).rejects.toBeInstanceOf(UnsafeTreeError);
  });

  test("isSafeEntryName accepts ordinary names and refuses the dangerous ones", () => {
    for (const name of ["app.js", ".env", "..foo", ".gitignore", "a b"]) expect(isSafeEntryName(name)).toBe(true);
    for (const name of ["", ".", "..", ".git", ".Git", "a/b", "a\0b"]) expect(isSafeEntryName(name)).toBe(false);
  });
});
