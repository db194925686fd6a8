/**
 * The processes of a sandbox that has no cgroup: everything below its launcher. Inside a PID
 * namespace orphans are re-parented to its init, itself below the launcher, so none is missed.
 * There are no limits and no memory accounting here: that is what a cgroup would add.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { descendantsOf } from "./plan.ts";
import { killUntilEmpty } from "./kill.ts";

const LAUNCHER_FILE = "launcher";

interface ProcStat {
  pid: number;
  ppid: number;
  zombie: boolean;
  /** Clock ticks after boot: with the pid, names one process for good. */
  startTime: string;
}

function procStat(pid: number): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may hold anything, so fields count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid, ppid: Number(fields[1]), zombie: fields[0] === "Z", startTime: fields[19] ?? "" };
  } catch {
    return null;
  }
}

function allProcesses(): ProcStat[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => procStat(Number(entry)))
    .filter((stat) => stat !== null);
}

export class ProcessTree {
  /** includeLauncher: the launcher is the app itself (no namespaces), not an unshare above it. */
  constructor(
    private readonly launcherPid: number,
    private readonly includeLauncher: boolean,
  ) {}

  /** Remembers the launcher in the sandbox's run dir, for a sweep after a daemon crash. */
  static record(runDir: string, launcherPid: number, includeLauncher: boolean): ProcessTree {
    const stat = procStat(launcherPid);
    writeFileSync(join(runDir, LAUNCHER_FILE), `${launcherPid} ${stat?.startTime ?? ""} ${includeLauncher ? "self" : "below"}\n`);
    return new ProcessTree(launcherPid, includeLauncher);
  }

  /** The tree a crashed daemon left in runDir, if its launcher still runs (and is still that process). */
  static recorded(runDir: string): ProcessTree | null {
    let text: string;
    try {
      text = readFileSync(join(runDir, LAUNCHER_FILE), "utf8");
    } catch {
      return null;
    }
    const [pid, startTime, which] = text.trim().split(" ");
    const stat = procStat(Number(pid));
    return stat && stat.startTime === startTime ? new ProcessTree(stat.pid, which === "self") : null;
  }

  /** Host pids of every live process in the sandbox now. */
  pids(): number[] {
    const processes = allProcesses();
    const live = new Set(processes.filter((p) => !p.zombie).map((p) => p.pid));
    const below = descendantsOf(this.launcherPid, processes.map((p): [number, number] => [p.pid, p.ppid]));
    return [...(this.includeLauncher ? [this.launcherPid] : []), ...below].filter((pid) => live.has(pid));
  }

  memory(): null {
    return null;
  }

  /** SIGKILLs until nothing is left; killing a PID namespace's init takes the rest with it. */
  async killAll(): Promise<void> {
    await killUntilEmpty(() => this.pids(), `the tree below pid ${this.launcherPid}`);
  }

  async remove(): Promise<void> {}
}
