// Scheduled jobs: `GET/POST /apps/{app}/cron-jobs`, `DELETE /apps/{app}/cron-jobs/{id}`,
// `POST /apps/{app}/cron-jobs/{id}/actions/run`.
import type { Hono } from "hono";
import { cronJobsOf, deleteCronJob, insertCronJob, type CronJob } from "../state/cron-jobs.ts";
import { nextDueAfter, parseSchedule, timeoutProblem, type Scheduler } from "../scheduler/index.ts";
import { appFor } from "./auth.ts";
import { HttpError, invalidParams, notFound } from "./errors.ts";
import { readJson } from "./json.ts";
import type { ApiContext, ApiEnv } from "./platform.ts";

function cronJobJson(job: CronJob, now = new Date()) {
  const parsed = parseSchedule(job.schedule, job.timezone);
  const next = "error" in parsed ? null : nextDueAfter(parsed.schedule, now);
  return {
    id: job.id, command: job.command, schedule: job.schedule, timezone: job.timezone ?? "UTC", origin: job.origin,
    timeout_seconds: job.timeoutSeconds, last_run_at: job.lastRunAt,
    next_run_at: next ? next.toISOString().replace(/\.\d{3}Z$/, "Z") : null, created_at: job.createdAt, updated_at: job.updatedAt,
  };
}

/** The app's job named in the path; another app's job is not found, whoever asks. */
function jobFor(c: ApiContext): CronJob {
  const app = appFor(c.var.platform.db, c.var.user, c.req.param("app")!);
  const job = cronJobsOf(c.var.platform.db, app.id).find((j) => j.id === c.req.param("job"));
  if (!job) throw notFound("cron job");
  return job;
}

export function registerCronJobRoutes(api: Hono<ApiEnv>, scheduler: Scheduler): void {
  api.get("/apps/:app/cron-jobs", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const now = new Date();
    return c.json(cronJobsOf(c.var.platform.db, app.id).map((job) => cronJobJson(job, now)));
  });

  api.post("/apps/:app/cron-jobs", async (c) => {
    const db = c.var.platform.db;
    const app = appFor(db, c.var.user, c.req.param("app"));
    const { command, schedule, timezone = null, timeout_seconds: timeoutSeconds = null } = await readJson(c);
    if (typeof command !== "string" || command.trim() === "") throw invalidParams("command is required.");
    if (typeof schedule !== "string" || schedule.trim() === "") throw invalidParams('schedule is required, e.g. "*/10 * * * *".');
    if (timezone !== null && typeof timezone !== "string") throw invalidParams("timezone must be a time zone name such as Europe/Paris.");
    const problem = timeoutProblem(timeoutSeconds);
    if (problem) throw invalidParams(problem);
    const parsed = parseSchedule(schedule, timezone);
    if ("error" in parsed) throw invalidParams(parsed.error);
    const job = insertCronJob(db, app.id, "api", { command, schedule: schedule.trim(), timezone, timeoutSeconds: timeoutSeconds as number | null });
    scheduler.reload(app.id);
    return c.json(cronJobJson(job), 201);
  });

  api.delete("/apps/:app/cron-jobs/:job", (c) => {
    const job = jobFor(c);
    if (job.origin === "app.json")
      throw invalidParams("This job comes from the app's app.json; remove it there and deploy again.");
    deleteCronJob(c.var.platform.db, job.id);
    scheduler.reload(job.appId);
    return c.json(cronJobJson(job));
  });

  api.post("/apps/:app/cron-jobs/:job/actions/run", async (c) => {
    const job = jobFor(c);
    const outcome = await scheduler.runNow(job.id);
    if ("skipped" in outcome) throw new HttpError(409, "conflict", `Job ${job.id} was not started: ${outcome.skipped}.`);
    return c.json({ id: job.id, command: job.command, dyno: outcome.dyno }, 202);
  });
}
