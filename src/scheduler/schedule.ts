// Pure decisions about schedules: is it valid, when is it next due, how many runs were missed, how long
// may a run last. Cron parsing and time-zone arithmetic are croner's; nothing here starts a timer.
import { Cron } from "croner";

/** A parsed schedule. croner only starts timers when given a function, which we never do. */
export type Schedule = Cron;

/** Five fields, or six with seconds first; `@hourly`-style shorthands; UTC unless a time zone is named. */
export function parseSchedule(schedule: string, timezone: string | null): { schedule: Schedule } | { error: string } {
  if (timezone !== null && !isTimeZone(timezone))
    return { error: `Unknown time zone ${JSON.stringify(timezone)}; use an IANA name such as Europe/Paris or UTC.` };
  let cron: Cron;
  try {
    // A fixed zero offset for UTC: croner's time-zone path goes through Intl and is ten times slower.
    cron = new Cron(schedule.trim(), { mode: "5-or-6-parts", ...(timezone === null ? { utcOffset: 0 } : { timezone }) });
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern: /, "");
    return { error: `Invalid schedule ${JSON.stringify(schedule)}: ${reason}` };
  }
  if (cron.nextRun() === null) return { error: `The schedule ${JSON.stringify(schedule)} never runs.` };
  return { schedule: cron };
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The first due time strictly after `after`. */
export function nextDueAfter(schedule: Schedule, after: Date): Date | null {
  return schedule.nextRun(after);
}

/** Counting stops here (a few ms per job): a per-second job down for a week would otherwise take seconds. */
export const MISSED_COUNT_LIMIT = 1000;

/**
 * The due times after `since` and at or before `until`: how many (counting stops at MISSED_COUNT_LIMIT)
 * and the latest of them.
 */
export function missedRuns(schedule: Schedule, since: Date, until: Date): { count: number; latest: Date | null } {
  let count = 0;
  let due = schedule.nextRun(since);
  while (due !== null && due.getTime() <= until.getTime() && count < MISSED_COUNT_LIMIT) {
    count++;
    due = schedule.nextRun(due);
  }
  const latest = count > 0 ? (schedule.previousRuns(1, new Date(until.getTime() + 1))[0] ?? null) : null;
  return { count, latest };
}

/** The longest a timer can wait (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A run may last its job's timeout, else until the job is next due (as on Heroku, where the next run replaces it). */
export function runTimeoutMs(timeoutSeconds: number | null, startedAt: Date, nextDue: Date | null): number | null {
  if (timeoutSeconds !== null) return timeoutSeconds * 1000;
  return nextDue ? Math.min(MAX_TIMER_MS, Math.max(1000, nextDue.getTime() - startedAt.getTime())) : null;
}

/** The 1-to-86400-second range a job's own timeout may take; a run longer than a day is not a scheduled job. */
export function timeoutProblem(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 86_400)
    return "timeout_seconds must be a whole number of seconds from 1 to 86400.";
  return null;
}
