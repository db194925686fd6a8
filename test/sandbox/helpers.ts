/** Real sandboxes for tests: unique names, temp app dirs, and cleanup of both. */
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appIds, startSandbox, type SandboxProcess, type SandboxSpec } from "../../src/sandbox/index.ts";

export const isRoot = process.getuid?.() === 0;
export const TEST_PREFIX = `sbt-${process.pid}-`;
export const ids = appIds(4_242);

let serial = 0;
const tempDirs: string[] = [];
const sandboxes: SandboxProcess[] = [];

export function tempDir(label: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, `slipway-${label}-`));
  tempDirs.push(dir);
  return dir;
}

/** A dir the app user owns, as the platform hands /app (and writable mounts) to it. */
export function appOwnedDir(label: string): string {
  const dir = tempDir(label);
  chownSync(dir, ids.uid, ids.gid);
  return dir;
}

/** A dir root owns that everyone may read, like a stack or a buildpack. */
export function readableDir(label: string): string {
  const dir = tempDir(label);
  chmodSync(dir, 0o755);
  return dir;
}

export function uniqueName(): string {
  return `${TEST_PREFIX}${serial++}`;
}

/** Starts a sandbox on the host stack with small limits; every field can be overridden. */
export async function start(overrides: Partial<SandboxSpec> & Pick<SandboxSpec, "argv">): Promise<SandboxProcess> {
  const sandbox = await startSandbox({
    name: uniqueName(),
    stack: { kind: "host" },
    appDir: overrides.appDir ?? appOwnedDir("app"),
    ...ids,
    env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/app" },
    cwd: "/app",
    limits: { memoryBytes: 256 * 1024 * 1024, pids: 128 },
    ...overrides,
  });
  sandboxes.push(sandbox);
  return sandbox;
}

export interface Finished {
  out: string;
  err: string;
  status: number;
}

export async function finish(sandbox: SandboxProcess): Promise<Finished> {
  const [out, err, status] = await Promise.all([new Response(sandbox.stdout).text(), new Response(sandbox.stderr).text(), sandbox.exited]);
  await sandbox.destroy();
  return { out, err, status };
}

export async function run(overrides: Partial<SandboxSpec> & Pick<SandboxSpec, "argv">): Promise<Finished> {
  return finish(await start(overrides));
}

/** Reads a stream until `text` appears (or the stream ends). */
export async function waitForOutput(stream: ReadableStream<Uint8Array>, text: string): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  while (!seen.includes(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return seen;
}

export async function cleanupAll(): Promise<void> {
  await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.destroy()));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
