import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { resolveBranch, type PushHandler } from "../../src/git/index.ts";
import { acceptAll, commitAll, git, gitEnv, makeWorkRepo, mustGit, startGitServer, writeFiles, type TestServer } from "./helpers.ts";

// One server and one working repo walk through a deploy history; each test builds on the previous one.
let server: TestServer;
let env: Record<string, string>;
let work: string;
const pushes: string[] = [];

const recordingAccept: PushHandler = async (push) => {
  pushes.push(push.update.newOid);
  return acceptAll(push);
};

async function packFiles(repoDir: string): Promise<string[]> {
  return (await readdir(join(repoDir, "objects", "pack"))).sort();
}

beforeAll(async () => {
  server = await startGitServer();
  env = await gitEnv(server.root);
  work = await makeWorkRepo(server.root, "work", server.url, env);
  server.setOnPush(recordingAccept);
});
afterAll(async () => server.stop());

describe("git push over smart HTTP", () => {
  test("the first push deploys, and the deploy's lines stream to the user while it runs", async () => {
    await writeFiles(work, { "Procfile": "web: ./run\n", "lib/app.txt": "hello\n" });
    const first = await commitAll(work, env, "first");
    let resolveSeen = () => {};
    const userSawStepOne = new Promise<void>((resolve) => (resolveSeen = resolve));
    server.setOnPush(async ({ update, say }) => {
      say("-----> Step one");
      // Only a streamed line can reach git's stderr before the deploy returns.
      const streamed = await Promise.race([userSawStepOne.then(() => true), Bun.sleep(15_000).then(() => false)]);
      if (!streamed) return { ok: false, reason: "output was not streamed" };
      say("-----> Step two");
      pushes.push(update.newOid);
      return { ok: true };
    });
    const run = await git(["push", "origin", "main"], work, env, (soFar) => {
      if (soFar.includes("remote: -----> Step one")) resolveSeen();
    });
    server.setOnPush(recordingAccept);
    expect(run.stderr).toContain("remote: -----> Step two");
    expect(run.code).toBe(0);
    expect(await resolveBranch(server.repoDir, "main")).toBe(first);
    expect(pushes.at(-1)).toBe(first);
  });

  test("a second push sends only new objects and moves the branch", async () => {
    await writeFiles(work, { "lib/app.txt": "hello again\n" });
    const second = await commitAll(work, env, "second");
    const run = await git(["push", "origin", "main"], work, env);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("remote: -----> Slipway receiving push");
    expect(await resolveBranch(server.repoDir, "main")).toBe(second);
  });

  test("a force push (rewritten history) is accepted", async () => {
    await writeFiles(work, { "lib/app.txt": "rewritten\n" });
    await mustGit(["commit", "-q", "-a", "--amend", "-m", "second, amended"], work, env);
    const amended = (await mustGit(["rev-parse", "HEAD"], work, env)).stdout.trim();
    const plain = await git(["push", "origin", "main"], work, env);
    expect(plain.code).not.toBe(0); // the client itself refuses a non-fast-forward without --force
    const forced = await git(["push", "--force", "origin", "main"], work, env);
    expect(forced.code).toBe(0);
    expect(await resolveBranch(server.repoDir, "main")).toBe(amended);
  });

  test("a push to another branch is refused with a message naming the deploy branches", async () => {
    const before = await packFiles(server.repoDir);
    const run = await git(["push", "origin", "main:feature"], work, env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("remote: !     Pushed to non-deploy branch feature; push to main or master");
    expect(run.stderr).toContain("! [remote rejected] main -> feature (non-deploy branch)");
    expect(await resolveBranch(server.repoDir, "feature")).toBeNull();
    expect(await packFiles(server.repoDir)).toEqual(before);
  });

  test("deleting the deploy branch is refused", async () => {
    const head = await resolveBranch(server.repoDir, "main");
    const run = await git(["push", "origin", ":main"], work, env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("remote: !     deleting the deploy branch is not allowed");
    expect(await resolveBranch(server.repoDir, "main")).toBe(head);
  });

  test("a declined deploy leaves the branch and the packs as they were and tells the user why", async () => {
    const head = await resolveBranch(server.repoDir, "main");
    const packsBefore = await packFiles(server.repoDir);
    await writeFiles(work, { "broken.txt": "nope\n" });
    await commitAll(work, env, "broken");
    server.setOnPush(async ({ say }) => {
      say("-----> Building");
      return { ok: false, reason: "Build failed\nsee the lines above" };
    });
    const run = await git(["push", "origin", "main"], work, env);
    server.setOnPush(recordingAccept);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("remote: -----> Building");
    expect(run.stderr).toContain("remote: !     Build failed");
    expect(run.stderr).toContain("remote: !     see the lines above");
    expect(run.stderr).toContain("! [remote rejected] main -> main (pre-receive hook declined)");
    expect(await resolveBranch(server.repoDir, "main")).toBe(head);
    expect(await packFiles(server.repoDir)).toEqual(packsBefore);
    await mustGit(["reset", "-q", "--hard", "HEAD~1"], work, env);
  });

  for (const protocol of ["0", "2"]) {
    test(`git clone (protocol.version=${protocol}) gives the pushed tree, and git fetch brings new commits`, async () => {
      const clone = join(server.root, `clone-v${protocol}`);
      await mustGit(["-c", `protocol.version=${protocol}`, "clone", "-q", server.url, clone], server.root, env);
      const tree = async (dir: string) => (await mustGit(["rev-parse", "HEAD^{tree}"], dir, env)).stdout.trim();
      expect(await tree(clone)).toBe(await tree(work));
      expect(await Bun.file(join(clone, "lib/app.txt")).text()).toBe("rewritten\n");

      await writeFiles(work, { [`added-${protocol}.txt`]: "more\n" });
      const next = await commitAll(work, env, `more ${protocol}`);
      await mustGit(["push", "-q", "origin", "main"], work, env);
      const fetched = await git(["-c", `protocol.version=${protocol}`, "fetch", "origin"], clone, env);
      expect(fetched.code).toBe(0);
      expect((await mustGit(["rev-parse", "origin/main"], clone, env)).stdout.trim()).toBe(next);
      await mustGit(["merge", "-q", "--ff-only", "origin/main"], clone, env);
      expect(await tree(clone)).toBe(await tree(work));
      await mustGit(["fsck", "--no-progress"], clone, env);
    });
  }

  test("a push of an already stored commit to the other deploy branch deploys without a pack of objects", async () => {
    const head = (await mustGit(["rev-parse", "HEAD"], work, env)).stdout.trim();
    const run = await git(["push", "origin", "main:master"], work, env);
    expect(run.code).toBe(0);
    expect(await resolveBranch(server.repoDir, "master")).toBe(head);
    expect(pushes.at(-1)).toBe(head);
    // HEAD follows the deployed branch, so a clone checks out what runs.
    const remoteHead = await mustGit(["ls-remote", "--symref", server.url, "HEAD"], work, env);
    expect(remoteHead.stdout).toContain("ref: refs/heads/master\tHEAD");
  });

  test("a push bigger than git's 1 MiB post buffer (a probe, then a chunked body) works", async () => {
    await Bun.write(join(work, "random.bin"), crypto.getRandomValues(new Uint8Array(1536 * 1024)));
    const big = await commitAll(work, env, "big file");
    const run = await git(["push", "origin", "main"], work, env);
    expect(run.code).toBe(0);
    expect(await resolveBranch(server.repoDir, "main")).toBe(big);
  });
});
