// One dyno: its sandbox, its state, Heroku's lifecycle log lines, boot and exit timeouts, memory checks.
import type { SandboxProcess } from "../sandbox/index.ts";
import { memoryLine, memoryVerdict } from "./lifecycle.ts";

export type DynoState = "starting" | "up" | "crashed" | "down" | "complete";

export interface DynoTimings {
  bootTimeoutMs: number;      // web dynos must bind $PORT within this (R10)
  stopTimeoutMs: number;      // SIGTERM to SIGKILL (R12)
  memoryCheckMs: number;      // how often memory is sampled
  memoryNoticeMs: number;     // R14 lines at most this often
  memoryKillMultiplier: number;
}

export interface DynoHooks {
  /** Lines on `heroku[<dyno>]`. */
  platformLog(text: string): void;
  /** The dyno's own output, already a stream of bytes. */
  pipeOutput(stream: ReadableStream<Uint8Array>): Promise<void>;
  onStateChange(dyno: Dyno, from: DynoState, to: DynoState): void;
  /** After the process is gone (any reason) and its sandbox destroyed. */
  onExit(dyno: Dyno, status: number, expected: boolean): void;
}

export interface DynoInfo {
  name: string; type: string; size: string; command: string; releaseId: string; releaseVersion: number; attached: boolean;
  port?: number; oneOff: boolean; memoryQuotaBytes: number;
}

export class Dyno {
  state: DynoState = "starting";
  readonly createdAt = new Date();
  updatedAt = new Date();
  sandbox: SandboxProcess | null = null;
  private stopping: Promise<number> | null = null;
  private finished = false;
  private expectedExit = false;
  private memoryTimer: ReturnType<typeof setInterval> | null = null;
  private lastMemoryNotice = 0;
  private memoryKilled = false;
  private bootTimer: ReturnType<typeof setTimeout> | null = null;
  private bindRetry: ReturnType<typeof setTimeout> | null = null;
  /** Resolves with the exit status once the dyno is gone. */
  readonly exited: Promise<number>;
  private resolveExited!: (status: number) => void;
  /** Resolves once the dyno has left `starting` (up, or gone). */
  readonly booted: Promise<void>;
  private resolveBooted!: () => void;

  constructor(readonly info: DynoInfo, private readonly timings: DynoTimings, private readonly hooks: DynoHooks) {
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.booted = new Promise((resolve) => (this.resolveBooted = resolve));
  }

  get name() { return this.info.name; }

  /** Starts the process; for web dynos `up` follows once $PORT accepts connections. */
  async start(launch: () => Promise<SandboxProcess>): Promise<void> {
    this.hooks.platformLog(`Starting process with command \`${this.info.command}\``);
    try {
      this.sandbox = await launch();
    } catch (error) {
      this.hooks.platformLog(`Error: could not start the dyno: ${(error as Error).message}`);
      this.finish(127);
      return;
    }
    const sandbox = this.sandbox;
    void this.hooks.pipeOutput(sandbox.stdout);
    void this.hooks.pipeOutput(sandbox.stderr);
    sandbox.exited.then((status) => this.finish(status));
    this.memoryTimer = setInterval(() => this.checkMemory(), this.timings.memoryCheckMs);
    if (this.info.port === undefined) this.setState("up");
    else this.waitForBind(this.info.port);
  }

  private waitForBind(port: number): void {
    const deadline = Date.now() + this.timings.bootTimeoutMs;
    const attempt = () => {
      if (this.state !== "starting" || this.stopping) return;
      Bun.connect({ hostname: "127.0.0.1", port, socket: { data: () => undefined } }).then(
        (socket) => {
          socket.end();
          if (this.bootTimer) clearTimeout(this.bootTimer);
          if (this.state === "starting" && !this.stopping) this.setState("up");
        },
        () => {
          if (Date.now() < deadline) this.bindRetry = setTimeout(attempt, 25);
        },
      );
    };
    attempt();
    this.bootTimer = setTimeout(() => {
      if (this.state !== "starting" || this.stopping) return;
      const seconds = Math.round(this.timings.bootTimeoutMs / 1000);
      this.hooks.platformLog(`Error R10 (Boot timeout) -> Web process failed to bind to $PORT within ${seconds} seconds of launch`);
      this.hooks.platformLog("Stopping process with SIGKILL");
      this.sandbox?.signal("SIGKILL");
    }, this.timings.bootTimeoutMs);
  }

  private checkMemory(): void {
    const memory = this.sandbox?.memory();
    if (!memory || this.memoryKilled) return;
    const quota = this.info.memoryQuotaBytes;
    // The cgroup's limit is the kill threshold, so the kernel may kill a process before any sample sees it.
    if (memory.oomKills > 0) return this.killForMemory(memory.peakBytes);
    const verdict = memoryVerdict(memory.totalBytes, quota, this.timings.memoryKillMultiplier);
    if (verdict === "r15") {
      this.killForMemory(memory.totalBytes);
    } else if (verdict === "r14" && Date.now() - this.lastMemoryNotice >= this.timings.memoryNoticeMs) {
      this.lastMemoryNotice = Date.now();
      this.hooks.platformLog(memoryLine(memory.totalBytes, quota));
      this.hooks.platformLog("Error R14 (Memory quota exceeded)");
    }
  }

  /** R15: the whole dyno goes, not just the process the kernel picked; it restarts like after a crash. */
  private killForMemory(usedBytes: number): void {
    this.memoryKilled = true;
    this.hooks.platformLog(memoryLine(usedBytes, this.info.memoryQuotaBytes));
    this.hooks.platformLog("Error R15 (Memory quota vastly exceeded)");
    this.hooks.platformLog("Stopping process with SIGKILL");
    this.sandbox?.signal("SIGKILL");
  }

  /** SIGTERM to every process of the dyno, SIGKILL after the exit timeout (R12). Idempotent. */
  stop(): Promise<number> {
    if (this.stopping) return this.stopping;
    if (this.finished) return this.exited;
    this.expectedExit = true;
    const sandbox = this.sandbox;
    if (!sandbox) {
      this.finish(0);
      return (this.stopping = this.exited);
    }
    this.hooks.platformLog("Stopping all processes with SIGTERM");
    sandbox.signal("SIGTERM");
    const timer = setTimeout(() => {
      const seconds = Math.round(this.timings.stopTimeoutMs / 1000);
      this.hooks.platformLog(`Error R12 (Exit timeout) -> At least one process failed to exit within ${seconds} seconds of SIGTERM`);
      this.hooks.platformLog("Stopping remaining processes with SIGKILL");
      sandbox.signal("SIGKILL");
    }, this.timings.stopTimeoutMs);
    this.stopping = this.exited.finally(() => clearTimeout(timer));
    return this.stopping;
  }

  private finish(status: number): void {
    if (this.finished) return;
    this.finished = true;
    if (this.memoryTimer) clearInterval(this.memoryTimer);
    // An OOM kill after the last sample still gets its R15; the cgroup lives until destroy() below.
    const memory = this.sandbox?.memory();
    if (memory?.oomKills && !this.memoryKilled) this.killForMemory(memory.peakBytes);
    if (this.bootTimer) clearTimeout(this.bootTimer);
    if (this.bindRetry) clearTimeout(this.bindRetry);
    this.hooks.platformLog(`Process exited with status ${status}`);
    const next: DynoState = this.expectedExit ? "down" : this.info.oneOff ? "complete" : "crashed";
    this.setState(next);
    const done = () => {
      this.hooks.onExit(this, status, this.expectedExit);
      this.resolveExited(status);
    };
    if (this.sandbox) this.sandbox.destroy().then(done, done);
    else done();
  }

  private setState(next: DynoState): void {
    const from = this.state;
    if (from === next) return;
    this.state = next;
    this.updatedAt = new Date();
    if (from === "starting") this.resolveBooted();
    this.hooks.platformLog(`State changed from ${from} to ${next}`);
    this.hooks.onStateChange(this, from, next);
  }
}
