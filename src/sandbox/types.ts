/** The shapes the sandbox subsystem exchanges with builds and dynos. */

/** `host`: the host's own /usr etc. read-only; `rootfs`: a directory holding a whole root file system. */
export type Stack = { kind: "host" } | { kind: "rootfs"; path: string };

export interface SandboxMount {
  hostPath: string;
  sandboxPath: string;
  readOnly: boolean;
}

export interface SandboxLimits {
  /** The kill threshold: the cgroup's hard memory limit (the caller picks quota × R15 multiplier). */
  memoryBytes: number;
  pids: number;
  /** cgroup v2 cpu.weight scale (1..10000, 100 = default share). */
  cpuWeight?: number;
  /** Size cap of the private /tmp tmpfs. */
  tmpBytes?: number;
}

export interface SandboxSpec {
  /** Unique; names the cgroup and is the hostname. [a-z0-9.-] */
  name: string;
  stack: Stack;
  /** Host directory bind-mounted read-write at /app. */
  appDir: string;
  mounts?: SandboxMount[];
  uid: number;
  gid: number;
  /** The complete environment of argv: nothing from the daemon leaks in. */
  env: Record<string, string>;
  /** Working directory inside the sandbox. */
  cwd: string;
  argv: string[];
  limits: SandboxLimits;
  stdin?: "pipe" | "ignore";
  /** A pseudo-terminal of this size is stdin, stdout and stderr at once (stdin is then always open). */
  terminal?: TerminalSize;
}

export interface TerminalSize { cols: number; rows: number }

/** Bytes for the sandbox's stdin; end() is end of input (Ctrl-D on a terminal). */
export interface SandboxInput {
  write(bytes: Uint8Array | string): void;
  end(): void;
}

export interface SandboxMemory {
  rssBytes: number;
  cacheBytes: number;
  totalBytes: number;
  quotaBytes: number;
  /** The most the sandbox has used (its usage when the kernel can't tell). */
  peakBytes: number;
  /** Processes the kernel killed for reaching the memory limit. */
  oomKills: number;
}

export interface SandboxProcess {
  /** Host pid of the launcher (outside the sandbox's PID namespace). */
  pid: number;
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  stdin?: SandboxInput;
  /** Only with a terminal: the output of stdout and stderr together; stderr is then empty. */
  terminal: boolean;
  resize(size: TerminalSize): void;
  /** Exit status of argv; 128+signal when killed by a signal. */
  exited: Promise<number>;
  /** Sends sig to every process of the sandbox. */
  signal(sig: NodeJS.Signals): void;
  memory(): SandboxMemory | null;
  /** Host pids of every process in the sandbox now. */
  pids(): number[];
  /** SIGKILLs everything left, removes the cgroups and the run dir; idempotent. */
  destroy(): Promise<void>;
}

export interface SandboxSupport {
  root: boolean;
  /** root: all protections; user-namespace: the daemon's own namespaces (no per-app users, no cgroups); none: no isolation. */
  isolation: "root" | "user-namespace" | "none";
  cgroups: "v1" | "v2" | "none";
  missing: string[];
}
