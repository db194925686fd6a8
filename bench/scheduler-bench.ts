// One measurement of the scheduler per process (so CPU figures are not mixed), picked by argv[2]:
//   idle     1,000 jobs across 100 apps, none due for a while: CPU used over IDLE_SECONDS
//   per-job  the same jobs with one croner timer each (the alternative design), same measurement
//   empty    a process that only waits, the baseline
//   late     1,000 jobs across 100 apps all due at the same second: how late each fired
// Prints one JSON line.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cron } from "croner";
import { openDb, createUser, insertApp, type Db } from "../src/state/index.ts";
import { insertCronJob } from "../src/state/cron-jobs.ts";
import { createScheduler, type RunJob } from "../src/scheduler/index.ts";

const APPS = 100;
const JOBS_PER_APP = 10;
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 10);
const CLK_TCK = Number(process.env.CLK_TCK ?? 100);

function cpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5); the slice starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** 100 apps of 10 jobs each; `scheduleFor(i)` gives job i its schedule. */
function seed(db: Db, scheduleFor: (i: number) => string): string[] {
  const user = createUser(db, "bench@example.com", "bench-token");
  const schedules: string[] = [];
  for (let a = 0; a < APPS; a++) {
    const app = insertApp(db, `bench-${a}`, user, "host");
    for (let j = 0; j < JOBS_PER_APP; j++) {
      const schedule = scheduleFor(a * JOBS_PER_APP + j);
      insertCronJob(db, app.id, "api", { command: "true", schedule, timezone: null, timeoutSeconds: null });
      schedules.push(schedule);
    }
  }
  return schedules;
}

/** Daily times that are at least an hour away, spread over the day. */
function notDueSoon(i: number): string {
  const hour = (new Date().getUTCHours() + 2 + (i % 20)) % 24;
  return `${i % 60} ${hour} * * *`;
}

async function idleCpu(): Promise<number> {
  const before = cpuSeconds();
  await Bun.sleep(IDLE_SECONDS * 1000);
  return (100 * (cpuSeconds() - before)) / IDLE_SECONDS;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(mode: string): Promise<unknown> {
  if (mode === "empty") return { mode, cpuPercent: await idleCpu() };
  const dir = mkdtempSync(join(tmpdir(), "slipway-bench-scheduler-"));
  const db = openDb(join(dir, "state.db"));
  try {
    if (mode === "idle" || mode === "per-job") {
      const schedules = seed(db, notDueSoon);
      const fired: number[] = [];
      const runJob: RunJob = async () => {
        fired.push(Date.now());
        return { skipped: "bench" };
      };
      if (mode === "idle") {
        const scheduler = createScheduler({ db, runJob, log: () => {} });
        scheduler.start();
        const cpuPercent = await idleCpu();
        await scheduler.stop();
        return { mode, jobs: schedules.length, cpuPercent, fired: fired.length };
      }
      const timers = schedules.map((s) => new Cron(s, { mode: "5-or-6-parts", utcOffset: 0 }, () => { fired.push(Date.now()); }));
      const cpuPercent = await idleCpu();
      for (const timer of timers) timer.stop();
      return { mode, jobs: schedules.length, cpuPercent, fired: fired.length };
    }
    if (mode === "late") {
      // Due at a whole second a little ahead, expressed in the six-field form (seconds first).
      const due = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000);
      const schedule = `${due.getUTCSeconds()} ${due.getUTCMinutes()} ${due.getUTCHours()} * * *`;
      const jobs = seed(db, () => schedule).length;
      const lateness: number[] = [];
      const runJob: RunJob = async () => {
        lateness.push(Date.now() - due.getTime());
        return { skipped: "bench" };
      };
      const scheduler = createScheduler({ db, runJob, log: () => {} });
      scheduler.start();
      const deadline = due.getTime() + 5000;
      while (lateness.length < jobs && Date.now() < deadline) await Bun.sleep(50);
      await scheduler.stop();
      lateness.sort((a, b) => a - b);
      return { mode, jobs, fired: lateness.length, lateMsMax: lateness.at(-1), lateMsP99: percentile(lateness, 99), lateMsP50: percentile(lateness, 50) };
    }
    throw new Error(`unknown mode ${mode}`);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(JSON.stringify(await main(process.argv[2] ?? "")));
