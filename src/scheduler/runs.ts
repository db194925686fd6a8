// The runs in progress: at most one per job, each stopped when its time is up, all stopped at shutdown.
import type { CronJob } from "../state/cron-jobs.ts";

/**
 * Provided by the dyno subsystem: starts a one-off dyno "scheduler.N" running `command` with the current
 * release's config; it logs heroku[scheduler.N] "Starting process with command `…`", output as
 * app[scheduler.N] and "Process exited with status N". `exited` resolves with the exit status.
 * stop() = SIGTERM then SIGKILL.
 */
export type RunJob = (appId: string, command: string, opts: { timeoutMs?: number }) =>
  Promise<{ dyno: string; exited: Promise<number>; stop(): void } | { skipped: string }>;

export type RunOutcome = { dyno: string } | { skipped: string };

interface ActiveRun { stop: (() => void) | null; stopRequested: boolean; finished: Promise<void> }

export const STILL_RUNNING = "previous run still in progress";

export class RunTracker {
  private readonly active = new Map<string, ActiveRun>();

  constructor(private readonly runJob: RunJob, private readonly say: (job: CronJob, text: string) => void) {}

  isRunning(jobId: string): boolean {
    return this.active.has(jobId);
  }

  /** Starts the job's command unless its previous run is still going; `timeoutMs` null means no limit. */
  start(job: CronJob, timeoutMs: number | null): Promise<RunOutcome> {
    const label = `job ${job.id} (\`${job.command}\`)`;
    if (this.active.has(job.id)) {
      this.say(job, `Skipping ${label}: ${STILL_RUNNING}`);
      return Promise.resolve({ skipped: STILL_RUNNING });
    }
    const { promise: finished, resolve: finish } = Promise.withResolvers<void>();
    // Registered before runJob resolves, so a second trigger during start-up is already an overlap.
    const run: ActiveRun = { stop: null, stopRequested: false, finished };
    this.active.set(job.id, run);
    const done = () => {
      this.active.delete(job.id);
      finish();
    };
    return this.launch(job, label, run, timeoutMs, done);
  }

  private async launch(job: CronJob, label: string, run: ActiveRun, timeoutMs: number | null, done: () => void): Promise<RunOutcome> {
    let started: Awaited<ReturnType<RunJob>>;
    try {
      started = await this.runJob(job.appId, job.command, timeoutMs === null ? {} : { timeoutMs });
    } catch (error) {
      done();
      const reason = (error as Error).message;
      this.say(job, `Failed to start ${label}: ${reason}`);
      return { skipped: reason };
    }
    if ("skipped" in started) {
      done();
      this.say(job, `Skipping ${label}: ${started.skipped}`);
      return started;
    }
    run.stop = started.stop;
    const timer = timeoutMs === null ? null : setTimeout(() => {
      this.say(job, `Stopping ${label} on ${started.dyno}: it ran past its ${Math.round(timeoutMs / 1000)} s timeout`);
      started.stop();
    }, timeoutMs);
    const ended = () => {
      if (timer) clearTimeout(timer);
      done();
    };
    started.exited.then(ended, ended);
    if (run.stopRequested) started.stop();
    return { dyno: started.dyno };
  }

  /** Stops every run (including ones still starting) and waits until all have exited. */
  async stopAll(): Promise<void> {
    const runs = [...this.active.values()];
    for (const run of runs) {
      run.stopRequested = true;
      run.stop?.();
    }
    await Promise.all(runs.map((run) => run.finished));
  }
}
