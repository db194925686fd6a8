// config, config:get, config:set, config:unset.
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { action, appLabel, header, json, keyValues, CliError } from "../output.ts";

interface ReleaseJson { version: number }

/** Parses `KEY=value` arguments; the value may itself contain `=`. */
export function parseAssignments(args: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new CliError(`${arg} is invalid. Must be in the format FOO=bar.`);
    vars[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return vars;
}

async function latestVersion(ctx: CliContext, app: string): Promise<number> {
  const [release] = await ctx.api<ReleaseJson[]>("GET", `/apps/${app}/releases`, undefined, { Range: "version ..; max=1, order=desc" });
  return release?.version ?? 0;
}

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("config").description("display the config vars for an app")
    .option("-a, --app <app>", "app to run command against").option("-s, --shell", "output config vars in shell format")
    .option("--json", "output config vars in json format")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const vars = await ctx.api<Record<string, string>>("GET", `/apps/${app}/config-vars`);
      if (opts.json) return json(o, vars);
      if (opts.shell) return Object.entries(vars).forEach(([k, v]) => o.out(`${k}='${v.replaceAll("'", "'\\''")}'`));
      header(o, `${app} Config Vars`);
      keyValues(o, Object.entries(vars).sort(([a], [b]) => a.localeCompare(b)));
    });

  program.command("config:get <key>").description("display a single config value for an app")
    .option("-a, --app <app>", "app to run command against")
    .action(async (key: string, opts) => {
      const vars = await ctx.api<Record<string, string>>("GET", `/apps/${ctx.appName(opts.app)}/config-vars`);
      o.out(vars[key] ?? "");
    });

  program.command("config:set <assignments...>").alias("config:add").description("set one or more config vars")
    .option("-a, --app <app>", "app to run command against")
    .action(async (assignments: string[], opts) => {
      const app = ctx.appName(opts.app);
      const vars = parseAssignments(assignments);
      const result = await action(o, `Setting ${Object.keys(vars).join(", ")} and restarting ${appLabel(o, app)}`, async () => {
        const after = await ctx.api<Record<string, string>>("PATCH", `/apps/${app}/config-vars`, vars);
        return { after, version: await latestVersion(ctx, app) };
      }, (r) => `done, v${r.version}`);
      keyValues(o, Object.keys(vars).map((k) => [k, result.after[k] ?? ""]));
    });

  program.command("config:unset <keys...>").alias("config:remove").description("unset one or more config vars")
    .option("-a, --app <app>", "app to run command against")
    .action(async (keys: string[], opts) => {
      const app = ctx.appName(opts.app);
      await action(o, `Unsetting ${keys.join(", ")} and restarting ${appLabel(o, app)}`, async () => {
        await ctx.api("PATCH", `/apps/${app}/config-vars`, Object.fromEntries(keys.map((k) => [k, null])));
        return latestVersion(ctx, app);
      }, (v) => `done, v${v}`);
    });
}
