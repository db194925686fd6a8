/**
 * The sandbox every build and dyno runs in: mount, PID, UTS and IPC namespaces, a chroot into
 * the stack's read-only root, the app's own unprivileged uid/gid, and cgroup limits. Without root
 * it keeps what a user's own namespaces can give and says what is missing (sandboxSupport).
 */
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { detectCgroups, SandboxCgroup } from "./cgroups.ts";
import { daemonUserName, hostTool, isolation, platformRunDir } from "./host.ts";
import { sandboxRunDir } from "./launch.ts";
import { ProcessTree } from "./process-tree.ts";
import type { SandboxSupport } from "./types.ts";

export type { SandboxMemory, SandboxMount, SandboxProcess, SandboxSpec, SandboxSupport, Stack, TerminalSize } from "./types.ts";
export { appIds, HOST_STACK_NAME, SandboxError, terminalSize } from "./plan.ts";
export { startSandbox } from "./launch.ts";
export { perAppUsers, platformRunDir } from "./host.ts";

/** What protection this host can give; `missing` says what is not there, in words for a log line. */
export function sandboxSupport(): SandboxSupport {
  const mode = isolation();
  const cgroups = mode === "root" ? detectCgroups().version : "none";
  const missing: string[] = [];
  if (!hostTool("unshare")) missing.push("util-linux unshare");
  if (!hostTool("mount")) missing.push("util-linux mount");
  if (mode === "none") {
    missing.push("isolation (the kernel forbids unprivileged user namespaces, or unshare, mount or hostname is missing): apps run directly on the host and see its files and processes");
  }
  if (mode !== "root") {
    missing.push(`per-app users (all apps run as ${daemonUserName()})`);
    missing.push("memory/pids limits and memory metrics (no writable cgroup)");
  } else if (cgroups === "none") {
    missing.push("cgroups with the memory and pids controllers");
  }
  return { root: mode === "root", isolation: mode, cgroups, missing };
}

function leftoverRunDirs(): string[] {
  try {
    return readdirSync(join(platformRunDir(), "sandboxes"));
  } catch {
    return [];
  }
}

/**
 * After a daemon crash: SIGKILLs what still runs in sandboxes whose name starts with prefix and
 * removes their cgroups and run dirs (their mounts lived in their own namespaces and died with
 * them). Returns how many sandboxes it swept. Call before starting any sandbox.
 */
export async function sweepStaleSandboxes(prefix = ""): Promise<number> {
  // Without root the cgroups are not ours: a root daemon's sandboxes must not be touched.
  const withCgroups = isolation() === "root";
  const names = new Set([...(withCgroups ? SandboxCgroup.leftoverNames() : []), ...leftoverRunDirs()].filter((name) => name.startsWith(prefix)));
  for (const name of names) {
    await ProcessTree.recorded(sandboxRunDir(name))?.killAll();
    if (withCgroups) {
      const cgroup = SandboxCgroup.existing(name);
      await cgroup.killAll();
      await cgroup.remove();
    }
    rmSync(sandboxRunDir(name), { recursive: true, force: true });
  }
  return names.size;
}
export { INSTALLABLE_STACKS, installStack, installedStacks, stackRoot } from "./stacks.ts";
