// maintenance, maintenance:on, maintenance:off.
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { action, appLabel } from "../output.ts";

export function registerMaintenanceCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("maintenance").description("display the current maintenance status of app").option("-a, --app <app>", "app to run command against")
    .action(async (opts) => {
      const app = await ctx.api<{ maintenance: boolean }>("GET", `/apps/${ctx.appName(opts.app)}`);
      o.out(app.maintenance ? "on" : "off");
    });
  for (const [name, on] of [["maintenance:on", true], ["maintenance:off", false]] as const) {
    program.command(name).description(`put the app ${on ? "into" : "out of"} maintenance mode`).option("-a, --app <app>", "app to run command against")
      .action(async (opts) => {
        const app = ctx.appName(opts.app);
        await action(o, `${on ? "Enabling" : "Disabling"} maintenance mode for ${appLabel(o, app)}`,
          () => ctx.api("PATCH", `/apps/${app}`, { maintenance: on }));
      });
  }
}
