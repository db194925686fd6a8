// Jobs declared in the app's app.json `cron` list (Dokku's convention), re-read on every release:
//   {"cron": [{"command": "rake cleanup", "schedule": "*/10 * * * *"}]}
// Optional per job: "timezone" (IANA name, default UTC) and "timeout_seconds".
import type { Db } from "../state/index.ts";
import { replaceAppJsonCronJobs, type CronJob, type CronJobDefinition } from "../state/cron-jobs.ts";
import { parseSchedule, timeoutProblem } from "./schedule.ts";

export function parseAppJsonCron(text: string): { jobs: CronJobDefinition[] } | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { error: `app.json is not valid JSON: ${(error as Error).message}` };
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return { error: "app.json must hold a JSON object." };
  const cron = (doc as Record<string, unknown>).cron;
  if (cron === undefined || cron === null) return { jobs: [] };
  if (!Array.isArray(cron)) return { error: 'app.json: "cron" must be a list of {"command", "schedule"} objects.' };
  const jobs: CronJobDefinition[] = [];
  for (const [index, entry] of cron.entries()) {
    const job = cronEntry(entry);
    if ("error" in job) return { error: `app.json: cron[${index}]: ${job.error}` };
    jobs.push(job.job);
  }
  return { jobs };
}

function cronEntry(entry: unknown): { job: CronJobDefinition } | { error: string } {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return { error: 'must be an object with "command" and "schedule".' };
  const { command, schedule, timezone = null, timeout_seconds: timeoutSeconds = null } = entry as Record<string, unknown>;
  if (typeof command !== "string" || command.trim() === "") return { error: '"command" must be a non-empty string.' };
  if (typeof schedule !== "string") return { error: '"schedule" must be a cron expression such as "*/10 * * * *".' };
  if (timezone !== null && typeof timezone !== "string") return { error: '"timezone" must be a time zone name such as "Europe/Paris".' };
  const problem = timeoutProblem(timeoutSeconds);
  if (problem) return { error: problem };
  const parsed = parseSchedule(schedule, timezone);
  if ("error" in parsed) return parsed;
  return { job: { command, schedule: schedule.trim(), timezone, timeoutSeconds: timeoutSeconds as number | null } };
}

/**
 * Makes the app's app.json jobs match its app.json (null: the app has none). Called at release time; an
 * error leaves the jobs untouched and is meant to fail the release. The caller then reloads the scheduler.
 */
export function syncAppJsonJobs(db: Db, appId: string, appJsonText: string | null): { jobs: CronJob[] } | { error: string } {
  const parsed = appJsonText === null ? { jobs: [] } : parseAppJsonCron(appJsonText);
  if ("error" in parsed) return parsed;
  return { jobs: replaceAppJsonCronJobs(db, appId, parsed.jobs) };
}
