/**
 * Starting a sandbox: prepare the stack (once), write the mount table and the environment,
 * make the cgroup (as root), then one spawn of util-linux `unshare` whose launcher script does
 * the rest inside the new namespaces (see plan.ts). Without root the namespaces are a user's own;
 * where the kernel forbids those, the command runs directly on the host.
 */
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { SandboxCgroup } from "./cgroups.ts";
import { daemonIds, hostTool, isolation, platformRunDir } from "./host.ts";
import { checkSandboxName, checkSandboxPath, envScript, hostPathOf, launcherArgv, mountTable, SandboxError, type SandboxMode } from "./plan.ts";
import { ProcessTree } from "./process-tree.ts";
import { prepareStack } from "./stack.ts";
import type { SandboxMemory, SandboxProcess, SandboxSpec } from "./types.ts";

/** Who is in the sandbox: its cgroup as root, the launcher's process tree otherwise. */
interface SandboxMembers {
  pids(): number[];
  memory(): SandboxMemory | null;
  killAll(): Promise<void>;
  remove(): Promise<void>;
}

type Launcher = Bun.Subprocess<"pipe" | "ignore", "pipe", "pipe">;

export function sandboxRunDir(name: string): string {
  return join(platformRunDir(), "sandboxes", name);
}

function checkSpec(spec: SandboxSpec): void {
  checkSandboxName(spec.name);
  checkSandboxPath(spec.appDir, "appDir");
  checkSandboxPath(spec.cwd, "cwd");
  if (spec.stack.kind === "rootfs") checkSandboxPath(spec.stack.path, "rootfs path");
  for (const mount of spec.mounts ?? []) {
    checkSandboxPath(mount.hostPath, "mount hostPath");
    checkSandboxPath(mount.sandboxPath, "mount sandboxPath");
  }
  for (const [what, id] of [["uid", spec.uid], ["gid", spec.gid]] as const) {
    if (!Number.isInteger(id) || id <= 0) throw new SandboxError(`${what} must be a positive integer (never root), got ${id}`);
  }
  if (spec.argv.length === 0) throw new SandboxError("argv is empty");
  const { memoryBytes, pids } = spec.limits;
  if (!(memoryBytes > 0) || !(pids > 0)) throw new SandboxError("limits.memoryBytes and limits.pids must be positive");
}

function exitStatus(proc: Bun.Subprocess): number {
  const signal = proc.signalCode;
  if (typeof signal === "number") return 128 + signal;
  if (signal) return 128 + constants.signals[signal];
  return proc.exitCode ?? 0;
}

export async function startSandbox(spec: SandboxSpec): Promise<SandboxProcess> {
  checkSpec(spec);
  if (!existsSync(spec.appDir)) throw new SandboxError(`appDir ${spec.appDir} does not exist`);
  const mode = isolation();
  const runDir = sandboxRunDir(spec.name);
  if (existsSync(runDir)) throw new SandboxError(`sandbox ${spec.name} already exists`);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  let cgroup: SandboxCgroup | null = null;
  try {
    if (mode === "none") {
      const proc = spawnUnisolated(spec);
      return sandboxProcess(proc, ProcessTree.record(runDir, proc.pid, true), runDir, false);
    }
    if (mode === "root") cgroup = await SandboxCgroup.create(spec.name, spec.limits);
    const proc = spawnIsolated(spec, mode, runDir, cgroup?.procsFiles ?? []);
    return sandboxProcess(proc, cgroup ?? ProcessTree.record(runDir, proc.pid, false), runDir, true);
  } catch (error) {
    await cgroup?.remove();
    rmSync(runDir, { recursive: true, force: true });
    throw error;
  }
}

function spawnIsolated(spec: SandboxSpec, mode: SandboxMode, runDir: string, cgroupProcsFiles: string[]): Launcher {
  const unsharePath = hostTool("unshare");
  const mountPath = hostTool("mount");
  if (!unsharePath || !mountPath) throw new SandboxError("util-linux unshare and mount are required");
  // Only root can switch to the app's own ids; a user's namespace maps the app to the daemon's.
  const { uid, gid } = mode === "root" ? spec : daemonIds();
  const mounts = spec.mounts ?? [];
  const stack = prepareStack(spec.stack, uid, gid, mounts.map((m) => m.sandboxPath));
  const fstabPath = join(runDir, "fstab");
  writeFileSync(fstabPath, mountTable({ ...stack, appDir: spec.appDir, mounts, tmpBytes: spec.limits.tmpBytes }), { mode: 0o600 });
  // Read by the sandbox's init after it dropped root, through an fd the launcher opened.
  const envPath = join(runDir, "env");
  writeFileSync(envPath, envScript(spec.env), { mode: 0o400 });
  if (mode === "root") chownSync(envPath, uid, gid);
  const argv = launcherArgv({
    mode, unsharePath, mountPath, hostnamePath: hostTool("hostname"), name: spec.name, fstabPath, envPath, root: stack.root,
    cwd: spec.cwd, uid, gid, keepPwd: "PWD" in spec.env, cgroupProcsFiles, argv: spec.argv,
  });
  return Bun.spawn(argv, { env: {}, cwd: "/", stdin: spec.stdin ?? "ignore", stdout: "pipe", stderr: "pipe" });
}

/** No namespaces at all: the command runs on the host, its sandbox paths pointed at the host dirs behind them. */
function spawnUnisolated(spec: SandboxSpec): Launcher {
  const binds = [{ hostPath: spec.appDir, sandboxPath: "/app" }, ...(spec.mounts ?? [])];
  const env = Object.fromEntries(
    Object.entries(spec.env).map(([key, value]) => [key, value.split(":").map((part) => hostPathOf(part, binds)).join(":")]),
  );
  const argv = spec.argv.map((arg) => hostPathOf(arg, binds));
  // Its own session, so a terminal's signals meant for the daemon do not reach it.
  return Bun.spawn(argv, { env, cwd: hostPathOf(spec.cwd, binds), detached: true, stdin: spec.stdin ?? "ignore", stdout: "pipe", stderr: "pipe" });
}

/** viaUnshare: the launcher is unshare, which reports its child's death by a signal as plain 1. */
function sandboxProcess(proc: Launcher, members: SandboxMembers, runDir: string, viaUnshare: boolean): SandboxProcess {
  let destroyed: Promise<void> | null = null;
  let killed = false;
  const killedStatus = 128 + constants.signals.SIGKILL;
  return {
    pid: proc.pid,
    stdout: proc.stdout,
    stderr: proc.stderr,
    stdin: proc.stdin === undefined || typeof proc.stdin === "number" ? undefined : proc.stdin,
    exited: proc.exited.then(() => (viaUnshare && (destroyed || killed) ? killedStatus : exitStatus(proc))),
    signal(sig) {
      if (sig === "SIGKILL") killed = true;
      for (const pid of members.pids()) {
        try {
          process.kill(pid, sig);
        } catch {
          // Exited meanwhile.
        }
      }
    },
    memory: () => members.memory(),
    pids: () => members.pids(),
    destroy() {
      destroyed ??= (async () => {
        await members.killAll();
        proc.kill("SIGKILL");
        await proc.exited;
        await members.remove();
        rmSync(runDir, { recursive: true, force: true });
      })();
      return destroyed;
    },
  };
}
