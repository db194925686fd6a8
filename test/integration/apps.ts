// Test apps as real git repositories, pushed with the real git client, and requests through the router.
import { mkdirSync, writeFileSync, chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { request } from "node:http";

export type Files = Record<string, string | { content: string; mode: number }>;

const GIT_ENV = {
  GIT_TERMINAL_PROMPT: "0", GIT_AUTHOR_NAME: "Test", GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test", GIT_COMMITTER_EMAIL: "test@example.com", PATH: process.env.PATH ?? "/usr/bin:/bin",
};

export function git(cwd: string, args: string[]): { code: number; output: string } {
  const run = Bun.spawnSync(["git", ...args], { cwd, env: { ...GIT_ENV, HOME: cwd }, stdout: "pipe", stderr: "pipe" });
  return { code: run.exitCode, output: run.stdout.toString() + run.stderr.toString() };
}

export function writeFiles(dir: string, files: Files): void {
  for (const [path, file] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, typeof file === "string" ? file : file.content);
    if (typeof file !== "string") chmodSync(full, file.mode);
  }
}

/** A git work tree with `files` committed on main. */
export function makeRepo(dir: string, files: Files): string {
  mkdirSync(dir, { recursive: true });
  git(dir, ["init", "-q", "-b", "main"]);
  commitFiles(dir, files, "initial");
  return dir;
}

export function commitFiles(dir: string, files: Files, message: string): string {
  writeFiles(dir, files);
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "--allow-empty", "-m", message]);
  return git(dir, ["rev-parse", "HEAD"]).output.trim();
}

/** `git push` with the token in the URL, as `apps:create` sets the remote; returns what git printed. */
export async function push(dir: string, url: string, args: string[] = ["main"]): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn(["git", "push", url, ...args], { cwd: dir, env: { ...GIT_ENV, HOME: dir }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, output: out + err };
}

/** GET through the router with the app's Host header. */
export function routerGet(port: number, host: string, path = "/"): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { Host: host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

export const nodeServer = (text: string) =>
  `require("http").createServer((q, s) => s.end(${JSON.stringify(text)} + " " + process.env.DYNO)).listen(process.env.PORT);\n`;
