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
import type { SandboxInput, SandboxMemory, SandboxProcess, SandboxSpec, TerminalSize } from "./types.ts";

/** Who is in the sandbox: its cgroup as root, the launcher's process tree otherwise. */
interface SandboxMembers {
  pids(): number[];
  memory(): SandboxMemory | null;
  killAll(): Promise<void>;
  remove(): Promise<void>;
}

/** The launcher's standard streams: pipes, or one pseudo-terminal standing for all three. */
interface LauncherIo {
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  stdin?: SandboxInput;
  terminal: boolean;
  resize(size: TerminalSize): void;
  close(): Promise<void> | void;
}

const TERMINAL_DRAIN_MS = 1000;

interface Launcher { proc: Bun.Subprocess; io: LauncherIo }

function spawnLauncher(argv: string[], options: { env: Record<string, string>; cwd: string; detached?: boolean }, spec: SandboxSpec): Launcher {
  if (spec.terminal) return spawnOnTerminal(argv, options, spec.terminal);
  const proc = Bun.spawn(argv, { ...options, stdin: spec.stdin ?? "ignore", stdout: "pipe", stderr: "pipe" });
  const sink = proc.stdin;
  const stdin = sink && {
    write(bytes: Uint8Array | string) {
      sink.write(bytes);
      sink.flush();
    },
    end: () => void sink.end(),
  };
  return { proc, io: { stdout: proc.stdout, stderr: proc.stderr, stdin, terminal: false, resize: () => undefined, close: () => undefined } };
}

/** Bun makes the launcher a session leader with the terminal as its controlling one, so ^C there is SIGINT. */
function spawnOnTerminal(argv: string[], options: { env: Record<string, string>; cwd: string }, size: TerminalSize): Launcher {
  let output!: ReadableStreamDefaultController<Uint8Array>;
  // A reader that cancels closes the stream: what comes after is nobody's.
  let reading = true;
  const stdout = new ReadableStream<Uint8Array>({ start: (controller) => void (output = controller), cancel: () => void (reading = false) });
  const { promise: ended, resolve: end } = Promise.withResolvers<void>();
  const proc = Bun.spawn(argv, {
    ...options,
    terminal: {
      cols: size.cols, rows: size.rows,
      data: (_terminal, bytes) => {
        if (reading) output.enqueue(bytes);
      },
      // End of file once every process holding the terminal is gone.
      exit: () => {
        if (reading) output.close();
        reading = false;
        end();
      },
    },
  });
  const terminal = proc.terminal!;
  const stderr = new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
  return {
    proc,
    io: {
      stdout, stderr, terminal: true,
      stdin: { write: (bytes) => void terminal.write(bytes), end: () => void terminal.write("\x04") },
      resize: ({ cols, rows }) => terminal.resize(cols, rows),
      // Closing the master before its last bytes are read would lose the end of the output.
      close: async () => {
        await Promise.race([ended, Bun.sleep(TERMINAL_DRAIN_MS)]);
        terminal.close();
      },
    },
  };
}

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
      const launcher = spawnUnisolated(spec);
      return sandboxProcess(launcher, ProcessTree.record(runDir, launcher.proc.pid, true), runDir, false);
    }
    if (mode === "root") cgroup = await SandboxCgroup.create(spec.name, spec.limits);
    const launcher = spawnIsolated(spec, mode, runDir, cgroup?.procsFiles ?? []);
    return sandboxProcess(launcher, cgroup ?? ProcessTree.record(runDir, launcher.proc.pid, false), runDir, true);
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
    mode, unsharePath, mountPath, hostnamePath: hostTool("hostname"), setsidPath: hostTool("setsid"), name: spec.name, fstabPath, envPath, root: stack.root,
    cwd: spec.cwd, uid, gid, keepPwd: "PWD" in spec.env, cgroupProcsFiles, argv: spec.argv,
  });
  return spawnLauncher(argv, { env: {}, cwd: "/" }, spec);
}

/** No namespaces at all: the command runs on the host, its sandbox paths pointed at the host dirs behind them. */
function spawnUnisolated(spec: SandboxSpec): Launcher {
  const binds = [{ hostPath: spec.appDir, sandboxPath: "/app" }, ...(spec.mounts ?? [])];
  const env = Object.fromEntries(
    Object.entries(spec.env).map(([key, value]) => [key, value.split(":").map((part) => hostPathOf(part, binds)).join(":")]),
  );
  const argv = spec.argv.map((arg) => hostPathOf(arg, binds));
  // Its own session, so a terminal's signals meant for the daemon do not reach it.
  return spawnLauncher(argv, { env, cwd: hostPathOf(spec.cwd, binds), detached: true }, spec);
}

/** viaUnshare: the launcher is unshare, which reports its child's death by a signal as plain 1. */
function sandboxProcess({ proc, io }: Launcher, members: SandboxMembers, runDir: string, viaUnshare: boolean): SandboxProcess {
  let destroyed: Promise<void> | null = null;
  let killed = false;
  const killedStatus = 128 + constants.signals.SIGKILL;
  return {
    pid: proc.pid,
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin,
    terminal: io.terminal,
    resize: (size) => io.resize(size),
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
        await io.close();
        rmSync(runDir, { recursive: true, force: true });
      })();
      return destroyed;
    },
  };
}
