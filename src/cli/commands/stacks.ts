// stack (list, * marks the app's), stack:set, and the admin's stacks:install.
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { action, appLabel, header, json } from "../output.ts";

interface StackJson { name: string; state: string }

export function registerStackCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("stack").alias("stacks").description("show the available stacks").option("-a, --app <app>", "app to run command against")
    .option("--json", "output in json format")
    .action(async (opts) => {
      const stacks = await ctx.api<StackJson[]>("GET", "/stacks");
      if (opts.json) return json(o, stacks);
      let current: string | null = null;
      try {
        current = (await ctx.api<{ stack: { name: string } }>("GET", `/apps/${ctx.appName(opts.app)}`)).stack.name;
      } catch {
        // Outside an app the list is still useful.
      }
      header(o, current ? `${ctx.appName(opts.app)} Available Stacks` : "Available Stacks");
      for (const s of stacks) o.out(`${s.name === current ? "*" : " "} ${s.name}${s.state === "available" ? "  (not installed: slipway stacks:install " + s.name + ")" : ""}`);
    });

  program.command("stack:set <stack>").description("set the stack of an app (used from its next build)").option("-a, --app <app>", "app to run command against")
    .action(async (stack: string, opts) => {
      const app = ctx.appName(opts.app);
      await action(o, `Setting stack to ${stack}`, () => ctx.api("PATCH", `/apps/${app}`, { build_stack: stack }));
      o.out(`You will need to redeploy ${appLabel(o, app)} for the change to take effect.`);
      o.out("Run git push slipway main to trigger a new build.");
    });

  program.command("stacks:install <stack>").description("install a stack with debootstrap (admin; takes a minute or more)")
    .action(async (stack: string) => {
      await action(o, `Installing stack ${stack}`, () => ctx.api("POST", "/stacks", { name: stack }));
    });
}
