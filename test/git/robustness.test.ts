import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import isogit from "isomorphic-git";
import { resolveBranch } from "../../src/git/index.ts";
import { FLUSH_PKT, concatBytes, encodePkt } from "../../src/git/pkt-line.ts";
import { ZERO_OID } from "../../src/git/refs.ts";
import { withRepoLock } from "../../src/git/repo-lock.ts";
import { acceptAll, commitAll, git, gitEnv, makeWorkRepo, mustGit, startGitServer, writeFiles, type TestServer } from "./helpers.ts";

let server: TestServer;
let env: Record<string, string>;
let work: string;
let commit: string;

/** A hand-made receive-pack request: one command, then `pack`. No side-band, so the report is plain pkt-lines. */
function pushRequest(ref: string, newOid: string, pack: Uint8Array | null, capabilities = "report-status"): Uint8Array {
  return concatBytes([encodePkt(`${ZERO_OID} ${newOid} ${ref}\0${capabilities}\n`), FLUSH_PKT, ...(pack ? [pack] : [])]);
}

async function post(body: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/git-receive-pack`, { method: "POST", body, headers: { "Content-Type": "application/x-git-receive-pack-request", ...headers } });
}

async function packOf(oids: string[]): Promise<Uint8Array> {
  const { packfile } = await isogit.packObjects({ fs, gitdir: join(work, ".git"), oids });
  return packfile!;
}

/** The repo holds no pack files, quarantine directories or refs beyond what the test expects. */
async function expectUntouched(): Promise<void> {
  expect(await readdir(join(server.repoDir, "objects", "pack"))).toEqual([]);
  expect((await readdir(join(server.repoDir, "objects"))).filter((name) => name.startsWith("incoming-"))).toEqual([]);
  expect(await resolveBranch(server.repoDir, "main")).toBeNull();
}

beforeAll(async () => {
  server = await startGitServer(64 * 1024);
  env = await gitEnv(server.root);
  work = await makeWorkRepo(server.root, "work", server.url, env);
  await writeFiles(work, { "a.txt": "a\n", "dir/b.txt": "b\n" });
  commit = await commitAll(work, env, "one");
});
afterAll(async () => server.stop());

describe("receive-pack against bad input", () => {
  test("a garbage body gets a 400 with a reason, and the repo is untouched", async () => {
    const response = await post(new TextEncoder().encode("this is not git"));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("malformed push request");
    await expectUntouched();
  });

  test("a truncated pack is reported as an unpack error", async () => {
    const { commit: parsed } = await isogit.readCommit({ fs, gitdir: join(work, ".git"), oid: commit });
    const pack = await packOf([commit, parsed.tree]);
    const response = await post(pushRequest("refs/heads/main", commit, pack.subarray(0, pack.length - 30)));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("unpack the pack is truncated or corrupt");
    expect(text).toContain("ng refs/heads/main unpacker error");
    await expectUntouched();
  });

  test("bytes that are not a pack are reported as an unpack error", async () => {
    const text = await (await post(pushRequest("refs/heads/main", commit, new TextEncoder().encode("x".repeat(100))))).text();
    expect(text).toContain("unpack the pushed data is not a git pack");
    await expectUntouched();
  });

  test("a pack that claims a commit but lacks its tree is refused as incomplete", async () => {
    const text = await (await post(pushRequest("refs/heads/main", commit, await packOf([commit])))).text();
    expect(text).toContain("unpack ok");
    expect(text).toContain("ng refs/heads/main missing necessary objects");
    await expectUntouched();
  });

  test("a gzip-encoded request is understood", async () => {
    const body = Bun.gzipSync(new Uint8Array(pushRequest("refs/heads/topic", commit, null, "report-status side-band-64k")));
    const response = await post(body, { "Content-Encoding": "gzip" });
    const text = await response.text();
    expect(text).toContain("Pushed to non-deploy branch topic; push to main or master");
    expect(text).toContain("ng refs/heads/topic non-deploy branch");
  });

  test("a push over the size limit gets a clear error and stores nothing", async () => {
    const big = join(server.root, "big");
    await mustGit(["clone", "-q", work, big], server.root, env);
    await mustGit(["remote", "set-url", "origin", server.url], big, env);
    await Bun.write(join(big, "noise.bin"), crypto.getRandomValues(new Uint8Array(60 * 1024)));
    await Bun.write(join(big, "noise2.bin"), crypto.getRandomValues(new Uint8Array(60 * 1024)));
    await commitAll(big, env, "big");
    const run = await git(["push", "origin", "main"], big, env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/exceeds the 0\.1 MiB limit/);
    await expectUntouched();
  });

  test("a deploy is told through its signal when the client goes away, and the ref stays put", async () => {
    const { commit: parsed } = await isogit.readCommit({ fs, gitdir: join(work, ".git"), oid: commit });
    const blobs = (await isogit.readTree({ fs, gitdir: join(work, ".git"), oid: parsed.tree })).tree;
    const dir = blobs.find((entry) => entry.path === "dir")!;
    const inner = (await isogit.readTree({ fs, gitdir: join(work, ".git"), oid: dir.oid })).tree;
    const pack = await packOf([commit, parsed.tree, ...blobs.map((entry) => entry.oid), ...inner.map((entry) => entry.oid)]);
    let aborted: (value: boolean) => void = () => {};
    const sawAbort = new Promise<boolean>((resolve) => (aborted = resolve));
    server.setOnPush(async ({ say, signal }) => {
      say("-----> Building");
      signal.addEventListener("abort", () => aborted(true));
      await Promise.race([sawAbort, Bun.sleep(10_000)]);
      return { ok: false, reason: "client went away" };
    });
    const response = await post(pushRequest("refs/heads/main", commit, pack, "report-status side-band-64k"), {});
    const reader = response.body!.getReader();
    await reader.read(); // the "Building" line: the deploy is running
    await reader.cancel();
    expect(await Promise.race([sawAbort, Bun.sleep(10_000).then(() => false)])).toBe(true);
    server.setOnPush(acceptAll);
    await withRepoLock(server.repoDir, async () => {}); // the abandoned push has finished unwinding
    await expectUntouched();
  });

  test("after all that, a normal push still works", async () => {
    const run = await git(["push", "origin", "main"], work, env);
    expect(run.code).toBe(0);
    expect(await resolveBranch(server.repoDir, "main")).toBe(commit);
  });
});

describe("concurrent pushes", () => {
  test("two pushes to one repo are serialised: one deploys, the other is told to fetch first", async () => {
    const other = await startGitServer();
    try {
      const otherEnv = await gitEnv(other.root);
      let running = 0;
      let overlapped = false;
      other.setOnPush(async () => {
        running += 1;
        overlapped ||= running > 1;
        await Bun.sleep(150);
        running -= 1;
        return { ok: true };
      });
      const repos = await Promise.all(
        ["one", "two"].map(async (name) => {
          const dir = await makeWorkRepo(other.root, name, other.url, otherEnv);
          await writeFiles(dir, { "who.txt": `${name}\n` });
          return { dir, oid: await commitAll(dir, otherEnv, name) };
        }),
      );
      const runs = await Promise.all(repos.map(({ dir }) => git(["push", "origin", "main"], dir, otherEnv)));
      expect(overlapped).toBe(false);
      expect(runs.map((run) => run.code).sort()).toEqual([0, 1]);
      const winner = repos[runs.findIndex((run) => run.code === 0)]!;
      const loser = runs.find((run) => run.code !== 0)!;
      expect(loser.stderr).toContain("main changed while this push was waiting; fetch and push again");
      expect(await resolveBranch(other.repoDir, "main")).toBe(winner.oid);
    } finally {
      await other.stop();
    }
  });
});
