/**
 * What this daemon may do to isolate apps, decided once per process: as root, everything; otherwise
 * an unprivileged user namespace where the kernel allows one (probed for real), else no isolation.
 */
import { lstatSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SandboxError, type SandboxMode } from "./plan.ts";

export type Isolation = SandboxMode | "none";

const SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";
/** Root's platform dir for stack skeletons and per-sandbox files (never visible inside). */
export const ROOT_RUN_DIR = "/run/slipway";
const PROBE_TIMEOUT_MS = 5_000;

/** Absolute paths of the tools the launcher runs. */
export function hostTool(name: "unshare" | "mount" | "hostname" | "setsid"): string | null {
  return Bun.which(name, { PATH: SYSTEM_PATH });
}

export function daemonIsRoot(): boolean {
  return process.getuid?.() === 0;
}

let decided: Isolation | null = null;

export function isolation(): Isolation {
  decided ??= daemonIsRoot() ? "root" : userNamespacesAllowed() ? "user-namespace" : "none";
  return decided;
}

/** Tries exactly what a rootless sandbox needs: the namespaces, and a mount (proc) inside them. */
function userNamespacesAllowed(): boolean {
  const unshare = hostTool("unshare");
  if (!unshare || !hostTool("mount") || !hostTool("hostname")) return false;
  const argv = [unshare, "--user", "--map-root-user", "--mount", "--uts", "--ipc", "--pid", "--fork", "--kill-child", "--mount-proc", "--", "/bin/true"];
  return Bun.spawnSync(argv, { env: {}, stdout: "ignore", stderr: "ignore", timeout: PROBE_TIMEOUT_MS }).exitCode === 0;
}

/** Files are handed to each app's own uid only when the sandbox can switch to it (as root). */
export function perAppUsers(): boolean {
  return isolation() === "root";
}

/** The ids apps run as when the daemon cannot give them their own: the daemon's. */
export function daemonIds(): { uid: number; gid: number } {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

/** By `id -un`, which asks NSS as the rest of the system does (Bun's os.userInfo() says "unknown"). */
export function daemonUserName(): string {
  const id = Bun.spawnSync(["id", "-un"], { env: { PATH: SYSTEM_PATH }, stdout: "pipe", stderr: "ignore", timeout: PROBE_TIMEOUT_MS });
  const name = id.exitCode === 0 ? id.stdout.toString().trim() : "";
  return name || `uid ${daemonIds().uid}`;
}

/** A user's own run dir: the session's runtime dir when there is one, else a private one in /tmp. */
export function userRunDir(uid: number, runtimeDir: string | undefined): string {
  return join(runtimeDir || tmpdir(), `slipway-${uid}`);
}

let runDir: string | null = null;

/** The platform's run dir on the host, made on first use; a user's must be theirs alone. */
export function platformRunDir(): string {
  if (runDir) return runDir;
  if (daemonIsRoot()) {
    mkdirSync(ROOT_RUN_DIR, { recursive: true, mode: 0o755 });
    return (runDir = ROOT_RUN_DIR);
  }
  const { uid } = daemonIds();
  const dir = userRunDir(uid, process.env.XDG_RUNTIME_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // In a shared /tmp another user could have made it first, to plant a stack root or read env files.
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) {
    throw new SandboxError(`${dir} must be a directory of uid ${uid} that no one else may use (mode 700)`);
  }
  return (runDir = dir);
}
