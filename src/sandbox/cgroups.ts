/**
 * One cgroup leaf per sandbox under a `slipway` parent: memory kill threshold, pids cap, cpu share.
 * v2 where the unified hierarchy has the controllers, v1 (memory, pids, cpu hierarchies) otherwise.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SandboxLimits, SandboxMemory } from "./types.ts";
import { killUntilEmpty } from "./kill.ts";

const CGROUP_FS = "/sys/fs/cgroup";
const PARENT = "slipway";

type Layout =
  | { version: "v2"; root: string }
  | { version: "v1"; memory: string; pids: string; cpu: string | null }
  | { version: "none" };

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

export function detectCgroups(): Layout {
  for (const root of [CGROUP_FS, join(CGROUP_FS, "unified")]) {
    const controllers = readText(join(root, "cgroup.controllers"))?.split(/\s+/) ?? [];
    if (controllers.includes("memory") && controllers.includes("pids")) return { version: "v2", root };
  }
  const v1 = (name: string) => (existsSync(join(CGROUP_FS, name, "cgroup.procs")) ? join(CGROUP_FS, name) : null);
  const memory = v1("memory");
  const pids = v1("pids");
  if (memory && pids) return { version: "v1", memory, pids, cpu: v1("cpu") };
  return { version: "none" };
}

/** The `slipway` parent directories, one per hierarchy in use. */
export function parentDirs(layout: Layout = detectCgroups()): string[] {
  if (layout.version === "v2") return [join(layout.root, PARENT)];
  if (layout.version === "v1") return [layout.memory, layout.pids, layout.cpu].filter((d) => d !== null).map((d) => join(d, PARENT));
  return [];
}

/** Writes a control file; optional ones (absent on this kernel/config) are skipped. */
function writeControl(dir: string, file: string, value: string, optional = false): void {
  const path = join(dir, file);
  if (optional && !existsSync(path)) return;
  writeFileSync(path, value);
}

function enableV2Controllers(root: string): void {
  const parent = join(root, PARENT);
  mkdirSync(parent, { recursive: true });
  const available = readText(join(root, "cgroup.controllers"))?.split(/\s+/) ?? [];
  for (const dir of [root, parent]) {
    for (const controller of ["memory", "pids", "cpu"].filter((c) => available.includes(c))) {
      try {
        writeControl(dir, "cgroup.subtree_control", `+${controller}`);
      } catch (error) {
        if (controller !== "cpu") throw error;
      }
    }
  }
}

/** A cgroup's sum of a few memory.stat keys. */
function statValue(stat: string, keys: string[]): number {
  let total = 0;
  for (const line of stat.split("\n")) {
    const [key, value] = line.split(" ");
    if (key !== undefined && keys.includes(key)) total += Number(value);
  }
  return total;
}

export class SandboxCgroup {
  private constructor(
    private readonly layout: Layout,
    /** Leaf dirs, the first one is the one memory is read from. */
    readonly dirs: string[],
    private readonly quotaBytes: number,
  ) {}

  static async create(name: string, limits: SandboxLimits, layout = detectCgroups()): Promise<SandboxCgroup> {
    if (layout.version === "none") throw new Error("no usable cgroups (memory and pids controllers) on this host");
    if (layout.version === "v2") enableV2Controllers(layout.root);
    const dirs = parentDirs(layout).map((parent) => join(parent, name));
    for (const dir of dirs) mkdirSync(dir, { recursive: true });
    const cgroup = new SandboxCgroup(layout, dirs, limits.memoryBytes);
    try {
      cgroup.applyLimits(limits);
    } catch (error) {
      await cgroup.remove();
      throw error;
    }
    return cgroup;
  }

  /** Leaves of sandboxes left behind by an earlier daemon, by name. */
  static leftoverNames(layout = detectCgroups()): string[] {
    return [...new Set(parentDirs(layout).flatMap((parent) => (existsSync(parent) ? readdirSync(parent, { withFileTypes: true }) : []).filter((e) => e.isDirectory()).map((e) => e.name)))];
  }

  static existing(name: string, layout = detectCgroups()): SandboxCgroup {
    return new SandboxCgroup(layout, parentDirs(layout).map((parent) => join(parent, name)).filter(existsSync), 0);
  }

  private applyLimits(limits: SandboxLimits): void {
    const weight = limits.cpuWeight ?? 100;
    if (this.layout.version === "v2") {
      const [dir] = this.dirs as [string];
      writeControl(dir, "memory.max", String(limits.memoryBytes));
      // The kill threshold is the caller's: swapping past it would only delay the kill.
      writeControl(dir, "memory.swap.max", "0", true);
      writeControl(dir, "pids.max", String(limits.pids));
      writeControl(dir, "cpu.weight", String(weight), true);
    } else if (this.layout.version === "v1") {
      const [memory, pids, cpu] = this.dirs as [string, string, string | undefined];
      writeControl(memory, "memory.limit_in_bytes", String(limits.memoryBytes));
      writeControl(memory, "memory.memsw.limit_in_bytes", String(limits.memoryBytes), true);
      writeControl(memory, "memory.swappiness", "0", true);
      writeControl(pids, "pids.max", String(limits.pids));
      if (cpu) writeControl(cpu, "cpu.shares", String(Math.max(2, Math.round((weight * 1024) / 100))), true);
    }
  }

  /** The files the launcher writes its own pid into before anything else runs. */
  get procsFiles(): string[] {
    return this.dirs.map((dir) => join(dir, "cgroup.procs"));
  }

  /** Host pids of every process in the sandbox. */
  pids(): number[] {
    const all = this.dirs.flatMap((dir) => (readText(join(dir, "cgroup.procs")) ?? "").split("\n"));
    return [...new Set(all.filter((line) => line !== "").map(Number))];
  }

  memory(): SandboxMemory | null {
    const [dir] = this.dirs;
    if (dir === undefined) return null;
    const v2 = this.layout.version === "v2";
    const usage = readText(join(dir, v2 ? "memory.current" : "memory.usage_in_bytes"));
    const stat = readText(join(dir, "memory.stat"));
    if (usage === null || stat === null) return null;
    const totalBytes = Number(usage.trim());
    const peak = readText(join(dir, v2 ? "memory.peak" : "memory.max_usage_in_bytes"));
    // v2 counts OOM kills in memory.events, v1 in memory.oom_control (both as `oom_kill N`).
    const events = readText(join(dir, v2 ? "memory.events" : "memory.oom_control")) ?? "";
    return {
      rssBytes: statValue(stat, v2 ? ["anon"] : ["total_rss"]),
      cacheBytes: statValue(stat, v2 ? ["file"] : ["total_cache"]),
      totalBytes,
      quotaBytes: this.quotaBytes,
      peakBytes: peak === null ? totalBytes : Math.max(totalBytes, Number(peak.trim())),
      oomKills: statValue(events, ["oom_kill"]),
    };
  }

  /** SIGKILLs every process until the cgroup is empty (a fork bomb refills it, so loop). */
  async killAll(): Promise<void> {
    const [first] = this.dirs;
    if (first !== undefined && existsSync(join(first, "cgroup.kill"))) writeControl(first, "cgroup.kill", "1");
    await killUntilEmpty(() => this.pids(), this.dirs.join(", "));
  }

  /** Removes the leaves; a just-emptied cgroup can be busy for a moment. */
  async remove(): Promise<void> {
    for (const dir of this.dirs) {
      for (let attempt = 0; existsSync(dir); attempt++) {
        try {
          rmdirSync(dir);
        } catch (error) {
          if (attempt >= 100) throw error;
          await Bun.sleep(10);
        }
      }
    }
  }
}
