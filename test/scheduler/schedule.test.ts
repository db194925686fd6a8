import { describe, expect, test } from "bun:test";
import { missedRuns, MISSED_COUNT_LIMIT, nextDueAfter, parseSchedule, runTimeoutMs, type Schedule } from "../../src/scheduler/schedule.ts";
import { parseAppJsonCron, syncAppJsonJobs } from "../../src/scheduler/index.ts";
import { cronJobsOf, insertCronJob, setCronJobLastRun } from "../../src/state/cron-jobs.ts";
import { tempStore } from "./helpers.ts";

function schedule(text: string, timezone: string | null = null): Schedule {
  const parsed = parseSchedule(text, timezone);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed.schedule;
}

const at = (iso: string) => new Date(iso);

describe("schedules", () => {
  test("five fields, seconds first when six, shorthands, UTC by default", () => {
    expect(nextDueAfter(schedule("*/10 * * * *"), at("2024-01-01T00:03:00Z"))).toEqual(at("2024-01-01T00:10:00Z"));
    expect(nextDueAfter(schedule("*/15 * * * * *"), at("2024-01-01T00:00:01Z"))).toEqual(at("2024-01-01T00:00:15Z"));
    expect(nextDueAfter(schedule("@hourly"), at("2024-01-01T00:03:00Z"))).toEqual(at("2024-01-01T01:00:00Z"));
    expect(nextDueAfter(schedule("@daily"), at("2024-01-01T00:03:00Z"))).toEqual(at("2024-01-02T00:00:00Z"));
    expect(nextDueAfter(schedule("30 9 * * *"), at("2024-01-01T00:00:00Z"))).toEqual(at("2024-01-01T09:30:00Z"));
  });

  test("a named time zone moves the run, across daylight saving too", () => {
    // 09:30 in Paris is 08:30 UTC in winter and 07:30 UTC in summer.
    expect(nextDueAfter(schedule("30 9 * * *", "Europe/Paris"), at("2024-01-01T00:00:00Z"))).toEqual(at("2024-01-01T08:30:00Z"));
    expect(nextDueAfter(schedule("30 9 * * *", "Europe/Paris"), at("2024-07-01T00:00:00Z"))).toEqual(at("2024-07-01T07:30:00Z"));
  });

  test("bad expressions and time zones are errors a user can act on", () => {
    const errorOf = (text: string, tz: string | null = null) => {
      const parsed = parseSchedule(text, tz);
      return "error" in parsed ? parsed.error : null;
    };
    expect(errorOf("* * *")).toContain("five, six");
    expect(errorOf("61 * * * *")).toContain("minute");
    expect(errorOf("* * * * * * 2030")).toContain("5 or 6 parts");
    expect(errorOf("@reboot")).not.toBeNull();
    expect(errorOf("0 0 30 2 *")).toContain("never runs");
    expect(errorOf("* * * * *", "Mars/Olympus_Mons")).toContain("Unknown time zone");
    expect(errorOf("* * * * *", "Europe/Paris")).toBeNull();
  });

  test("missed runs are counted after the last run, up to a limit", () => {
    const every10 = schedule("*/10 * * * *");
    expect(missedRuns(every10, at("2024-01-01T00:20:00Z"), at("2024-01-01T01:00:30Z")))
      .toEqual({ count: 4, latest: at("2024-01-01T01:00:00Z") });
    expect(missedRuns(every10, at("2024-01-01T00:20:00Z"), at("2024-01-01T00:29:59Z"))).toEqual({ count: 0, latest: null });
    const everySecond = schedule("* * * * * *");
    const week = missedRuns(everySecond, at("2024-01-01T00:00:00Z"), at("2024-01-08T00:00:00Z"));
    expect(week).toEqual({ count: MISSED_COUNT_LIMIT, latest: at("2024-01-08T00:00:00Z") });
  });

  test("a run lasts its own timeout, else until the next run is due", () => {
    const start = at("2024-01-01T00:00:00Z");
    expect(runTimeoutMs(300, start, at("2024-01-01T00:10:00Z"))).toBe(300_000);
    expect(runTimeoutMs(null, start, at("2024-01-01T00:10:00Z"))).toBe(600_000);
    expect(runTimeoutMs(null, start, null)).toBeNull();
    expect(runTimeoutMs(null, start, at("2025-01-01T00:00:00Z"))).toBe(2 ** 31 - 1);
  });
});

describe("app.json cron", () => {
  test("Dokku's format, with optional time zone and timeout", () => {
    const text = JSON.stringify({
      name: "x", cron: [
        { command: "rake cleanup", schedule: "*/10 * * * *" },
        { command: "bin/report", schedule: "0 9 * * 1", timezone: "Europe/Paris", timeout_seconds: 600, concurrency_policy: "forbid" },
      ],
    });
    expect(parseAppJsonCron(text)).toEqual({ jobs: [
      { command: "rake cleanup", schedule: "*/10 * * * *", timezone: null, timeoutSeconds: null },
      { command: "bin/report", schedule: "0 9 * * 1", timezone: "Europe/Paris", timeoutSeconds: 600 },
    ] });
    expect(parseAppJsonCron(JSON.stringify({ name: "no cron" }))).toEqual({ jobs: [] });
  });

  test("mistakes name the entry and the problem", () => {
    const errorOf = (doc: unknown) => {
      const parsed = parseAppJsonCron(typeof doc === "string" ? doc : JSON.stringify(doc));
      return "error" in parsed ? parsed.error : null;
    };
    expect(errorOf("{not json")).toContain("not valid JSON");
    expect(errorOf({ cron: { command: "x" } })).toContain("must be a list");
    expect(errorOf({ cron: [{ schedule: "* * * * *" }] })).toBe('app.json: cron[0]: "command" must be a non-empty string.');
    expect(errorOf({ cron: [{ command: "a", schedule: "@daily" }, { command: "b", schedule: "every day" }] })).toStartWith("app.json: cron[1]: Invalid schedule");
    expect(errorOf({ cron: [{ command: "a", schedule: "@daily", timezone: "Nowhere/Land" }] })).toContain("Unknown time zone");
    expect(errorOf({ cron: [{ command: "a", schedule: "@daily", timeout_seconds: 0 }] })).toContain("timeout_seconds");
  });

  test("sync replaces only app.json jobs and keeps unchanged ones (their id and last run)", () => {
    const store = tempStore();
    try {
      const { db, app } = store;
      const manual = insertCronJob(db, app.id, "api", { command: "manual", schedule: "@hourly", timezone: null, timeoutSeconds: null });
      const first = syncAppJsonJobs(db, app.id, JSON.stringify({ cron: [
        { command: "keep", schedule: "@daily" }, { command: "drop", schedule: "@daily" },
      ] }));
      if ("error" in first) throw new Error(first.error);
      const kept = first.jobs.find((j) => j.command === "keep")!;
      setCronJobLastRun(db, kept.id, at("2024-01-01T00:00:00Z"));

      const second = syncAppJsonJobs(db, app.id, JSON.stringify({ cron: [
        { command: "keep", schedule: "@daily" }, { command: "new", schedule: "@hourly" },
      ] }));
      if ("error" in second) throw new Error(second.error);
      const byCommand = new Map(cronJobsOf(db, app.id).map((j) => [j.command, j]));
      expect([...byCommand.keys()].sort()).toEqual(["keep", "manual", "new"]);
      expect(byCommand.get("keep")?.id).toBe(kept.id);
      expect(byCommand.get("keep")?.lastRunAt).toBe("2024-01-01T00:00:00Z");
      expect(byCommand.get("manual")?.id).toBe(manual.id);

      expect(syncAppJsonJobs(db, app.id, '{"cron": [{"command": "x", "schedule": "bad"}]}')).toHaveProperty("error");
      expect(cronJobsOf(db, app.id)).toHaveLength(3);
      expect(syncAppJsonJobs(db, app.id, null)).toEqual({ jobs: [] });
      expect(cronJobsOf(db, app.id).map((j) => j.command)).toEqual(["manual"]);
    } finally {
      store.close();
    }
  });
});
