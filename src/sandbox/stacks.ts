// Stacks: the root file system builds and dynos run on. `slipway-host` is the host's own system,
// mounted read-only; others are complete Debian roots made by debootstrap under <home>/stacks.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, chmodSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "./types.ts";
import { HOST_STACK_NAME } from "./plan.ts";

/** Stacks Slipway knows how to install, and the Debian suite each is made from. */
export const INSTALLABLE_STACKS: Record<string, { suite: string; description: string }> = {
  "debian-12": { suite: "bookworm", description: "Debian 12 (bookworm), minimal" },
  "debian-11": { suite: "bullseye", description: "Debian 11 (bullseye), minimal" },
};

export function stackRoot(stacksDir: string, name: string): Stack | null {
  if (name === HOST_STACK_NAME) return { kind: "host" };
  const path = join(stacksDir, name);
  return INSTALLABLE_STACKS[name] && existsSync(join(path, "etc/os-release")) ? { kind: "rootfs", path } : null;
}

export function installedStacks(stacksDir: string): string[] {
  const installed = existsSync(stacksDir) ? readdirSync(stacksDir).filter((name) => stackRoot(stacksDir, name) !== null) : [];
  return [HOST_STACK_NAME, ...installed.sort()];
}

/**
 * Makes a stack with debootstrap into a temporary directory, then moves it into place, so a stack is
 * either complete or absent. `onLine` hears debootstrap's progress.
 */
export async function installStack(stacksDir: string, name: string, onLine: (line: string) => void, mirror?: string): Promise<void> {
  const known = INSTALLABLE_STACKS[name];
  if (!known) throw new Error(`Unknown stack ${name}. Installable: ${Object.keys(INSTALLABLE_STACKS).join(", ")}.`);
  if (!Bun.which("debootstrap")) throw new Error("debootstrap is not installed (apt-get install debootstrap).");
  mkdirSync(stacksDir, { recursive: true, mode: 0o755 });
  const target = join(stacksDir, name);
  const staging = `${target}.installing`;
  rmSync(staging, { recursive: true, force: true });
  const argv = ["debootstrap", "--variant=minbase", known.suite, staging, ...(mirror ? [mirror] : [])];
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 30 * 60 * 1000);
  let tail: string[] = [];
  const read = async (stream: ReadableStream<Uint8Array>) => {
    let pending = "";
    for await (const chunk of stream) {
      pending += new TextDecoder().decode(chunk);
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        onLine(line);
        tail = [...tail.slice(-19), line];
      }
    }
  };
  await Promise.all([read(proc.stdout), read(proc.stderr)]);
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`debootstrap failed (exit ${code}):\n${tail.join("\n")}`);
  }
  chmodSync(staging, 0o755);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
}
