// drains, drains:add, drains:remove.
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { header, json } from "../output.ts";

interface DrainJson { url: string; token: string }

export function registerDrainCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("drains").description("display the log drains of an app").option("-a, --app <app>", "app to run command against")
    .option("--json", "output in json format")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const drains = await ctx.api<DrainJson[]>("GET", `/apps/${app}/log-drains`);
      if (opts.json) return json(o, drains);
      if (drains.length === 0) return o.out(`${app} has no drains.`);
      header(o, "Drains");
      for (const d of drains) o.out(`${d.url} (${d.token})`);
    });

  program.command("drains:add <url>").description("adds a log drain to an app").option("-a, --app <app>", "app to run command against")
    .action(async (url: string, opts) => {
      const drain = await ctx.api<DrainJson>("POST", `/apps/${ctx.appName(opts.app)}/log-drains`, { url });
      o.out(`Successfully added drain ${drain.url}`);
    });

  program.command("drains:remove <url>").description("removes a log drain from an app").option("-a, --app <app>", "app to run command against")
    .action(async (url: string, opts) => {
      const drain = await ctx.api<DrainJson>("DELETE", `/apps/${ctx.appName(opts.app)}/log-drains/${encodeURIComponent(url)}`);
      o.out(`Successfully removed drain ${drain.url}`);
    });
}
