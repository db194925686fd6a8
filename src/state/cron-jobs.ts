// Scheduled jobs (Heroku Scheduler): from the app's app.json `cron` list or added through the API.
import { randomUUID } from "node:crypto";
import { type Db, now } from "./db.ts";

export type CronJobOrigin = "app.json" | "api";

export interface CronJob {
  id: string; appId: string; command: string; schedule: string; timezone: string | null; origin: CronJobOrigin;
  timeoutSeconds: number | null;
  /** The last time the job was due and the scheduler dealt with it (ran it, skipped it, or reported it missed). */
  lastRunAt: string | null;
  createdAt: string; updatedAt: string;
}

/** What defines a job; two jobs with the same definition are the same job. */
export interface CronJobDefinition { command: string; schedule: string; timezone: string | null; timeoutSeconds: number | null }

interface CronJobRow {
  id: string; app_id: string; command: string; schedule: string; timezone: string | null; origin: string;
  timeout_seconds: number | null; last_run_at: string | null; created_at: string; updated_at: string;
}

const toCronJob = (r: CronJobRow): CronJob => ({
  id: r.id, appId: r.app_id, command: r.command, schedule: r.schedule, timezone: r.timezone, origin: r.origin as CronJobOrigin,
  timeoutSeconds: r.timeout_seconds, lastRunAt: r.last_run_at, createdAt: r.created_at, updatedAt: r.updated_at,
});

export function cronJobsOf(db: Db, appId: string): CronJob[] {
  return db.query<CronJobRow, [string]>("SELECT * FROM cron_jobs WHERE app_id = ? ORDER BY created_at, rowid").all(appId).map(toCronJob);
}

export function allCronJobs(db: Db): CronJob[] {
  return db.query<CronJobRow, []>("SELECT * FROM cron_jobs ORDER BY app_id, created_at, rowid").all().map(toCronJob);
}

export function cronJobById(db: Db, id: string): CronJob | null {
  const row = db.query<CronJobRow, [string]>("SELECT * FROM cron_jobs WHERE id = ?").get(id);
  return row ? toCronJob(row) : null;
}

export function insertCronJob(db: Db, appId: string, origin: CronJobOrigin, job: CronJobDefinition): CronJob {
  const at = now();
  const id = randomUUID();
  db.run(
    `INSERT INTO cron_jobs (id, app_id, command, schedule, timezone, origin, timeout_seconds, last_run_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
    [id, appId, job.command, job.schedule, job.timezone, origin, job.timeoutSeconds, at, at],
  );
  return cronJobById(db, id)!;
}

export function deleteCronJob(db: Db, id: string): boolean {
  return db.run("DELETE FROM cron_jobs WHERE id = ?", [id]).changes > 0;
}

const sameDefinition = (a: CronJobDefinition, b: CronJobDefinition) =>
  a.command === b.command && a.schedule === b.schedule && a.timezone === b.timezone && a.timeoutSeconds === b.timeoutSeconds;

/**
 * Makes the app's app.json jobs exactly `jobs`, in one transaction. Unchanged jobs keep their row, so
 * their id (used by `cron:run`) and their last run survive a redeploy.
 */
export function replaceAppJsonCronJobs(db: Db, appId: string, jobs: CronJobDefinition[]): CronJob[] {
  db.transaction(() => {
    const unmatched = [...jobs];
    for (const existing of cronJobsOf(db, appId).filter((j) => j.origin === "app.json")) {
      const index = unmatched.findIndex((wanted) => sameDefinition(wanted, existing));
      if (index >= 0) unmatched.splice(index, 1);
      else deleteCronJob(db, existing.id);
    }
    for (const job of unmatched) insertCronJob(db, appId, "app.json", job);
  })();
  return cronJobsOf(db, appId).filter((j) => j.origin === "app.json");
}

export function setCronJobLastRun(db: Db, id: string, at: Date): void {
  db.run("UPDATE cron_jobs SET last_run_at = ? WHERE id = ?", [isoSeconds(at), id]);
}

/** Stored times have whole seconds, like every other timestamp in the store. */
function isoSeconds(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}
