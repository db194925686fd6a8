import { afterEach, describe, expect, test } from "bun:test";
import { createScheduler, type Scheduler } from "../../src/scheduler/index.ts";
import { cronJobById, deleteCronJob, insertCronJob, setCronJobLastRun, type CronJobDefinition } from "../../src/state/cron-jobs.ts";
import { ProcessRunner, tempStore, waitFor, type TempStore } from "./helpers.ts";

const job = (command: string, schedule: string, timeoutSeconds: number | null = null): CronJobDefinition =>
  ({ command, schedule, timezone: null, timeoutSeconds });

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function setUp(now?: () => Date): { store: TempStore; runner: ProcessRunner; scheduler: Scheduler } {
  const store = tempStore();
  const runner = new ProcessRunner();
  const scheduler = createScheduler({ db: store.db, runJob: runner.runJob, log: runner.logTo, now });
  cleanups.push(() => store.close(), () => runner.killAll(), () => scheduler.stop());
  return { store, runner, scheduler };
}

const schedulerLines = (runner: ProcessRunner) => runner.log.filter((l) => l.source === "heroku" && l.dyno === "scheduler").map((l) => l.text);

describe("scheduler", () => {
  test("a seconds-field schedule fires every second, on the second, and stops when the job is removed", async () => {
    const { store, runner, scheduler } = setUp();
    const every = insertCronJob(store.db, store.app.id, "api", job("true", "*/1 * * * * *"));
    scheduler.start();
    await waitFor(() => runner.starts.length >= 3, 5000);
    const times = runner.starts.map((s) => s.at);
    for (const at of times) expect(at % 1000).toBeLessThan(900); // generous: each is due on a whole second
    expect(new Set(times.map((at) => Math.floor(at / 1000))).size).toBe(times.length); // once per second
    expect(runner.starts[0]?.timeoutMs).toBeLessThanOrEqual(1000); // until the next run is due
    expect(cronJobById(store.db, every.id)?.lastRunAt).not.toBeNull();

    deleteCronJob(store.db, every.id);
    scheduler.reload(store.app.id);
    const count = runner.starts.length;
    await Bun.sleep(1500);
    expect(runner.starts.length).toBe(count);
  });

  test("a job added after start is picked up by reload", async () => {
    const { store, runner, scheduler } = setUp();
    scheduler.start();
    insertCronJob(store.db, store.app.id, "api", job("echo later", "* * * * * *"));
    await Bun.sleep(1100);
    expect(runner.starts).toHaveLength(0);
    scheduler.reload(store.app.id);
    await waitFor(() => runner.starts.length >= 1, 2500);
    expect(runner.starts[0]?.command).toBe("echo later");
  });

  test("a job whose previous run is still going is not started twice", async () => {
    const { store, runner, scheduler } = setUp();
    const slow = insertCronJob(store.db, store.app.id, "api", job("sleep 2.2", "* * * * * *", 30));
    scheduler.start();
    await waitFor(() => runner.starts.length >= 2, 6000);
    expect(runner.maxConcurrent).toBe(1);
    const skips = schedulerLines(runner).filter((t) => t === `Skipping job ${slow.id} (\`sleep 2.2\`): previous run still in progress`);
    expect(skips.length).toBeGreaterThanOrEqual(1);
    expect(runner.exits[0]?.status).toBe(0); // it ran to the end: its own timeout is 30 s
    expect(await scheduler.runNow(slow.id)).toEqual({ skipped: "previous run still in progress" });
  });

  test("a run past its timeout is stopped, and stop() reaps what is still running", async () => {
    const { store, runner, scheduler } = setUp();
    const stuck = insertCronJob(store.db, store.app.id, "api", job("sleep 30", "@yearly", 1));
    const forever = insertCronJob(store.db, store.app.id, "api", job("sleep 30", "@yearly"));
    scheduler.start();
    const outcome = await scheduler.runNow(stuck.id);
    expect(outcome).toEqual({ dyno: "scheduler.1" });
    expect(await scheduler.runNow(forever.id)).toEqual({ dyno: "scheduler.2" });
    await waitFor(() => runner.exits.length >= 1, 5000);
    expect(runner.exits[0]).toEqual({ dyno: "scheduler.1", status: 143 });
    expect(schedulerLines(runner)).toContain(`Stopping job ${stuck.id} (\`sleep 30\`) on scheduler.1: it ran past its 1 s timeout`);
    expect(runner.running).toBe(1);
    await scheduler.stop();
    expect(runner.running).toBe(0);
  });

  test("runs missed while the daemon was down are reported once at start, not replayed", async () => {
    const clock = new Date("2024-01-01T01:00:30Z");
    const first = setUp(() => clock);
    const { db, app } = first.store;
    const every10 = insertCronJob(db, app.id, "api", job("rake cleanup", "*/10 * * * *"));
    setCronJobLastRun(db, every10.id, new Date("2024-01-01T00:20:00Z"));
    first.scheduler.start();
    expect(schedulerLines(first.runner)).toEqual(["Missed 4 run(s) of `rake cleanup` while Slipway was down"]);
    expect(first.runner.starts).toHaveLength(0);
    expect(cronJobById(db, every10.id)?.lastRunAt).toBe("2024-01-01T01:00:00Z");
    await first.scheduler.stop();

    const runner = new ProcessRunner();
    const again = createScheduler({ db, runJob: runner.runJob, log: runner.logTo, now: () => clock });
    again.start();
    await again.stop();
    expect(runner.log).toHaveLength(0);
  });

  test("a job that cannot start is logged, not retried in a loop", async () => {
    const { store, runner } = setUp();
    const noRelease = createScheduler({
      db: store.db, log: runner.logTo, runJob: async () => ({ skipped: "the app has no release yet" }),
    });
    const once = insertCronJob(store.db, store.app.id, "api", job("true", "@daily"));
    expect(await noRelease.runNow(once.id)).toEqual({ skipped: "the app has no release yet" });
    expect(schedulerLines(runner)).toEqual([`Skipping job ${once.id} (\`true\`): the app has no release yet`]);
    await noRelease.stop();
  });
});
