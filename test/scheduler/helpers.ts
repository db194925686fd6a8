// A temp state store with one app, and a RunJob that runs the command as a real short-lived process
// (the real dyno runner is wired in by the server; this one has the same contract).
import { mkdtempSync, rmSync } from "node:fs";
import { createApi, createRelease, type Platform } from "../../src/api/index.ts";
import { registerCronJobRoutes } from "../../src/api/cron-jobs.ts";
import { createScheduler, type Scheduler } from "../../src/scheduler/index.ts";
import { EventBus } from "../../src/state/index.ts";
import { resolveSettings } from "../../src/server/settings.ts";
import { HOST_STACK_NAME } from "../../src/sandbox/index.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb, createUser, insertApp, type App, type Db, type User } from "../../src/state/index.ts";
import type { RunJob } from "../../src/scheduler/index.ts";

export interface TempStore { db: Db; user: User; app: App; token: string; close(): void }

export function tempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), "slipway-scheduler-"));
  const db = openDb(join(dir, "state.db"));
  const token = "test-token";
  const user = createUser(db, "owner@example.com", token);
  const app = insertApp(db, "cron-app", user, "host");
  return { db, user, app, token, close: () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

export interface LogLine { appId: string; source: string; dyno: string; text: string }

/** What the fake dyno runner saw: start times, exits, the most runs alive at once, and the log. */
export class ProcessRunner {
  readonly starts: { command: string; at: number; timeoutMs?: number }[] = [];
  readonly exits: { dyno: string; status: number }[] = [];
  readonly log: LogLine[] = [];
  private alive = new Set<Bun.Subprocess>();
  maxConcurrent = 0;
  private count = 0;

  readonly runJob: RunJob = async (_appId, command, opts) => {
    const dyno = `scheduler.${++this.count}`;
    this.starts.push({ command, at: Date.now(), timeoutMs: opts.timeoutMs });
    // Its own session, so stop() reaches whatever the shell started, as a dyno's stop does.
    const proc = Bun.spawn(["setsid", "sh", "-c", command], { stdout: "ignore", stderr: "ignore" });
    this.alive.add(proc);
    this.maxConcurrent = Math.max(this.maxConcurrent, this.alive.size);
    const exited = proc.exited.then((status) => {
      this.alive.delete(proc);
      this.exits.push({ dyno, status });
      return status;
    });
    const stop = () => {
      signalGroup(proc, "SIGTERM");
      setTimeout(() => signalGroup(proc, "SIGKILL"), 2000).unref();
    };
    return { dyno, exited, stop };
  };

  readonly logTo = (appId: string, source: string, dyno: string, text: string) => { this.log.push({ appId, source, dyno, text }); };

  get running(): number { return this.alive.size; }

  /** Safety net for a failing test: no process outlives it. */
  async killAll(): Promise<void> {
    for (const proc of this.alive) signalGroup(proc, "SIGKILL");
    await Promise.all([...this.alive].map((proc) => proc.exited));
  }
}

function signalGroup(proc: Bun.Subprocess, signal: NodeJS.Signals): void {
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // The group is already gone.
  }
}

export async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

/** A temp store, a process runner and a scheduler over them, with the API the server would build; `cleanups` undo it all. */
export function schedulerFixture(cleanups: (() => Promise<void> | void)[]) {
  const store = tempStore();
  const runner = new ProcessRunner();
  const scheduler = createScheduler({ db: store.db, runJob: runner.runJob, log: runner.logTo });
  cleanups.push(() => store.close(), () => runner.killAll(), () => scheduler.stop());
  return { store, runner, scheduler, api: cronApi(store, scheduler) };
}

/** The API over a temp store, as the server builds it, with the scheduler's routes. */
export function cronApi(store: TempStore, scheduler: Scheduler) {
  const events = new EventBus();
  const platform: Platform = {
    db: store.db, events, settings: resolveSettings({ home: "/nonexistent" }, {}),
    release: (release) => createRelease(store.db, events, release), installedStacks: () => [HOST_STACK_NAME],
  };
  return createApi(platform, [(a) => registerCronJobRoutes(a, scheduler)]);
}
