// cron, cron:add, cron:remove, cron:run (the built-in Heroku Scheduler).
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { action, appLabel, CliError, header, json, table } from "../output.ts";

interface CronJobJson {
  id: string; command: string; schedule: string; timezone: string; origin: string; timeout_seconds: number | null;
  last_run_at: string | null; next_run_at: string | null;
}

/** `--timeout 300` as a number of seconds; the API checks the range. */
export function parseTimeoutFlag(value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^\d+$/.test(value)) throw new CliError(`--timeout must be a whole number of seconds, not ${value}.`);
  return Number(value);
}

export function registerCronCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("cron").description("list the scheduled jobs of an app")
    .option("-a, --app <app>", "app to run command against").option("--json", "output in json format")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const jobs = await ctx.api<CronJobJson[]>("GET", `/apps/${app}/cron-jobs`);
      if (opts.json) return json(o, jobs);
      if (jobs.length === 0) return o.out(`${app} has no scheduled jobs.`);
      header(o, `${app} Scheduled Jobs`);
      table(o, ["ID", "Schedule", "Time zone", "Command", "Next run", "Last run", "Origin"], jobs.map((j) => [
        j.id, j.schedule, j.timezone, j.command, j.next_run_at ?? "never", j.last_run_at ?? "never", j.origin,
      ]));
    });

  program.command("cron:add <schedule> <command...>").description('schedule a command, e.g. cron:add "*/10 * * * *" "rake cleanup"')
    .option("-a, --app <app>", "app to run command against")
    .option("--timezone <zone>", "IANA time zone of the schedule (default UTC)")
    .option("--timeout <seconds>", "stop a run after this long (default: when the next run is due)")
    .action(async (schedule: string, command: string[], opts) => {
      const app = ctx.appName(opts.app);
      const body = { schedule, command: command.join(" "), timezone: opts.timezone ?? null, timeout_seconds: parseTimeoutFlag(opts.timeout) };
      const job = await action(o, `Scheduling \`${body.command}\` on ${appLabel(o, app)}`,
        () => ctx.api<CronJobJson>("POST", `/apps/${app}/cron-jobs`, body), (j) => `done, ${j.id}`);
      o.out(`Next run at ${job.next_run_at ?? "never"}`);
    });

  program.command("cron:remove <id>").description("remove a scheduled job").option("-a, --app <app>", "app to run command against")
    .action(async (id: string, opts) => {
      const app = ctx.appName(opts.app);
      await action(o, `Removing job ${id} from ${appLabel(o, app)}`,
        () => ctx.api("DELETE", `/apps/${app}/cron-jobs/${encodeURIComponent(id)}`));
    });

  program.command("cron:run <id>").description("run a scheduled job now; its output goes to the app's log")
    .option("-a, --app <app>", "app to run command against")
    .action(async (id: string, opts) => {
      const app = ctx.appName(opts.app);
      const run = await action(o, `Running job ${id} on ${appLabel(o, app)}`,
        () => ctx.api<{ dyno: string }>("POST", `/apps/${app}/cron-jobs/${encodeURIComponent(id)}/actions/run`),
        (r) => `up, ${r.dyno}`);
      o.err(`Use slipway logs -a ${app} --dyno ${run.dyno} to view the output.`);
    });
}
