// Test fixtures: a Bun.serve routing /x.git/<action> to handleGitHttp over a temp bare repo, and the real git client.

import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ensureRepo, handleGitHttp, type PushHandler } from "../../src/git/index.ts";

export interface GitRun { code: number; stdout: string; stderr: string }

export interface TestServer {
  url: string;
  repoDir: string;
  root: string;
  /** Swap the deploy behaviour per test. */
  setOnPush(handler: PushHandler): void;
  stop(): Promise<void>;
}

export const acceptAll: PushHandler = async ({ say }) => {
  say("-----> Slipway receiving push");
  return { ok: true };
};

export async function startGitServer(maxPushBytes?: number): Promise<TestServer> {
  const root = await mkdtemp(join(tmpdir(), "slipway-git-test-"));
  const repoDir = join(root, "x.git");
  await ensureRepo(repoDir);
  let onPush = acceptAll;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const action = new URL(req.url).pathname.replace(/^\/x\.git\//, "");
      if (action !== "info/refs" && action !== "git-receive-pack" && action !== "git-upload-pack") return new Response("not found", { status: 404 });
      return handleGitHttp(req, { repoDir, action, onPush: (push) => onPush(push), maxPushBytes });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/x.git`,
    repoDir,
    root,
    setOnPush: (handler) => (onPush = handler),
    async stop() {
      await server.stop(true);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The environment for the real git client: no prompts, a private HOME with an identity. */
export async function gitEnv(root: string): Promise<Record<string, string>> {
  const home = join(root, "home");
  await mkdir(home, { recursive: true });
  await writeFile(join(home, ".gitconfig"), "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n");
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", LANG: "C" };
}

/** Runs git with a generous timeout; `onStderr` sees stderr as it arrives (to check streaming). */
export async function git(args: string[], cwd: string, env: Record<string, string>, onStderr?: (soFar: string) => void): Promise<GitRun> {
  const proc = Bun.spawn(["git", ...args], { cwd, env, stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  const stdout = new Response(proc.stdout).text();
  let stderr = "";
  const decoder = new TextDecoder();
  for await (const chunk of proc.stderr) {
    stderr += decoder.decode(chunk, { stream: true });
    onStderr?.(stderr);
  }
  const code = await proc.exited;
  return { code, stdout: await stdout, stderr };
}

/** Writes files (path -> content) into a working tree, creating directories. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** A fresh working repo at root/name with `origin` pointing at the test server. */
export async function makeWorkRepo(root: string, name: string, url: string, env: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await mustGit(["init", "-q", "-b", "main"], dir, env);
  await mustGit(["remote", "add", "origin", url], dir, env);
  return dir;
}

export async function commitAll(dir: string, env: Record<string, string>, message: string): Promise<string> {
  await mustGit(["add", "-A"], dir, env);
  await mustGit(["commit", "-q", "-m", message], dir, env);
  return (await mustGit(["rev-parse", "HEAD"], dir, env)).stdout.trim();
}

export async function mustGit(args: string[], cwd: string, env: Record<string, string>): Promise<GitRun> {
  const run = await git(args, cwd, env);
  if (run.code !== 0) throw new Error(`git ${args.join(" ")} failed (${run.code}): ${run.stderr}`);
  return run;
}
