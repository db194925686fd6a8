// labs, labs:enable, labs:disable.
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { action, header, json } from "../output.ts";

interface FeatureJson { name: string; description: string; enabled: boolean }

export function registerLabsCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("labs").description("list experimental features").option("-a, --app <app>", "app to run command against")
    .option("--json", "output in json format")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const features = await ctx.api<FeatureJson[]>("GET", `/apps/${app}/features`);
      if (opts.json) return json(o, features);
      header(o, "App Features");
      const width = Math.max(...features.map((f) => f.name.length));
      for (const f of features) o.out(`[${f.enabled ? "+" : " "}] ${f.name.padEnd(width)}  ${f.description}`);
    });
  for (const [name, enabled] of [["labs:enable", true], ["labs:disable", false]] as const) {
    program.command(`${name} <feature>`).description(`${enabled ? "add" : "remove"} a lab feature`).option("-a, --app <app>", "app to run command against")
      .action(async (feature: string, opts) => {
        const app = ctx.appName(opts.app);
        await action(o, `${enabled ? "Enabling" : "Disabling"} ${feature} for ${app}`, () => ctx.api("PATCH", `/apps/${app}/features/${feature}`, { enabled }));
      });
  }
}
