// The scheduler (Heroku Scheduler, built in): runs each cron job's command as a one-off dyno of the app's
// current release when it is due. One timer serves every job of every app: it sleeps until the soonest
// due time, so an idle daemon with a thousand jobs wakes only when one of them is due.
import type { Db } from "../state/index.ts";
import { allCronJobs, cronJobById, cronJobsOf, setCronJobLastRun, type CronJob } from "../state/cron-jobs.ts";
import { missedRuns, MISSED_COUNT_LIMIT, nextDueAfter, parseSchedule, runTimeoutMs, type Schedule } from "./schedule.ts";
import { RunTracker, type RunJob, type RunOutcome } from "./runs.ts";

export { parseAppJsonCron, syncAppJsonJobs } from "./app-json.ts";
export { parseSchedule, nextDueAfter, timeoutProblem } from "./schedule.ts";
export type { RunJob, RunOutcome } from "./runs.ts";

export type SchedulerLog = (appId: string, source: string, dyno: string, text: string) => void;

export interface SchedulerDeps { db: Db; runJob: RunJob; log: SchedulerLog; now?: () => Date }

export interface Scheduler {
  /** Loads every job, reports the runs missed while the daemon was down, and starts the timer. */
  start(): void;
  /** Stops the timer, stops the runs in progress and waits for them to exit. */
  stop(): Promise<void>;
  /** Re-reads an app's jobs after they changed (API, release, app destroyed). */
  reload(appId: string): void;
  /** Runs a job now, unless its previous run is still going. */
  runNow(jobId: string): Promise<RunOutcome>;
}

interface PlannedJob { job: CronJob; schedule: Schedule; due: Date | null }

/** The longest the timer sleeps: wall-clock steps (NTP, suspend) are noticed within this. */
const MAX_SLEEP_MS = 60_000;

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const now = deps.now ?? (() => new Date());
  const say = (job: CronJob, text: string) => deps.log(job.appId, "heroku", "scheduler", text);
  const runs = new RunTracker(deps.runJob, say);
  const planned = new Map<string, PlannedJob>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let started = false;

  const plan = (job: CronJob, at: Date): PlannedJob | null => {
    const parsed = parseSchedule(job.schedule, job.timezone);
    if ("error" in parsed) {
      say(job, `Not scheduling job ${job.id} (\`${job.command}\`): ${parsed.error}`);
      return null;
    }
    return { job, schedule: parsed.schedule, due: nextDueAfter(parsed.schedule, at) };
  };

  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!started) return;
    let soonest = Infinity;
    for (const entry of planned.values()) if (entry.due && entry.due.getTime() < soonest) soonest = entry.due.getTime();
    if (soonest === Infinity) return;
    timer = setTimeout(wake, Math.min(MAX_SLEEP_MS, Math.max(0, soonest - now().getTime())));
  };

  const wake = () => {
    timer = null;
    const at = now();
    const dueNow = [...planned.values()].filter((entry) => entry.due && entry.due.getTime() <= at.getTime());
    // One transaction for the whole batch: a thousand jobs due at the same second cost one commit.
    deps.db.transaction(() => {
      for (const entry of dueNow) setCronJobLastRun(deps.db, entry.job.id, entry.due!);
    })();
    for (const entry of dueNow) {
      const due = entry.due!;
      // From `at`, not `due`: a late wake-up (suspend, blocked loop) skips the runs it slept through.
      entry.due = nextDueAfter(entry.schedule, at);
      void runs.start(entry.job, runTimeoutMs(entry.job.timeoutSeconds, due, entry.due));
    }
    arm();
  };

  const reportMissed = (entry: PlannedJob, at: Date) => {
    const since = new Date(entry.job.lastRunAt ?? entry.job.createdAt);
    const missed = missedRuns(entry.schedule, since, at);
    if (missed.count === 0 || !missed.latest) return;
    const count = missed.count >= MISSED_COUNT_LIMIT ? `${MISSED_COUNT_LIMIT}+` : String(missed.count);
    say(entry.job, `Missed ${count} run(s) of \`${entry.job.command}\` while Slipway was down`);
    // Recorded so the next start does not report the same runs again.
    setCronJobLastRun(deps.db, entry.job.id, missed.latest);
  };

  return {
    start() {
      if (started) return;
      started = true;
      planned.clear();
      const at = now();
      for (const job of allCronJobs(deps.db)) {
        const entry = plan(job, at);
        if (!entry) continue;
        reportMissed(entry, at);
        planned.set(job.id, entry);
      }
      arm();
    },

    async stop() {
      started = false;
      arm();
      await runs.stopAll();
    },

    reload(appId) {
      const at = now();
      const jobs = new Map(cronJobsOf(deps.db, appId).map((job) => [job.id, job]));
      for (const [id, entry] of planned) if (entry.job.appId === appId && !jobs.has(id)) planned.delete(id);
      for (const job of jobs.values()) {
        const known = planned.get(job.id);
        if (known && known.job.schedule === job.schedule && known.job.timezone === job.timezone) known.job = job;
        else {
          const entry = plan(job, at);
          if (entry) planned.set(job.id, entry);
          else planned.delete(job.id);
        }
      }
      arm();
    },

    async runNow(jobId) {
      const job = cronJobById(deps.db, jobId);
      if (!job) throw new Error(`No cron job ${jobId}.`);
      const at = now();
      const parsed = parseSchedule(job.schedule, job.timezone);
      const nextDue = "error" in parsed ? null : nextDueAfter(parsed.schedule, at);
      if (!runs.isRunning(job.id)) setCronJobLastRun(deps.db, job.id, at);
      return runs.start(job, runTimeoutMs(job.timeoutSeconds, at, nextDue));
    },
  };
}
