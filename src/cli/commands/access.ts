// access, access:add, access:remove: an app's collaborators.
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { action, appLabel, header, json, table } from "../output.ts";

interface AppJson { owner: { email: string } }
interface CollaboratorJson { user: { email: string }; role: string }

export function registerAccessCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("access").description("list who has access to an app")
    .option("-a, --app <app>", "app to run command against").option("--json", "output in json format")
    .action(async (opts) => {
      const name = ctx.appName(opts.app);
      const [app, collaborators] = await Promise.all([
        ctx.api<AppJson>("GET", `/apps/${name}`), ctx.api<CollaboratorJson[]>("GET", `/apps/${name}/collaborators`),
      ]);
      const rows = [[app.owner.email, "owner"], ...collaborators.map((c) => [c.user.email, c.role])];
      if (opts.json) return json(o, rows.map(([email, role]) => ({ email, role })));
      header(o, `${name} Access List`);
      table(o, ["Email", "Role"], rows);
    });

  program.command("access:add <email>").description("add a collaborator to an app")
    .option("-a, --app <app>", "app to run command against")
    .action(async (email: string, opts) => {
      const app = ctx.appName(opts.app);
      await action(o, `Adding ${email} access to the app ${appLabel(o, app)}`,
        () => ctx.api("POST", `/apps/${app}/collaborators`, { user: email }));
    });

  program.command("access:remove <email>").description("remove a collaborator from an app")
    .option("-a, --app <app>", "app to run command against")
    .action(async (email: string, opts) => {
      const app = ctx.appName(opts.app);
      await action(o, `Removing ${email} access from the app ${appLabel(o, app)}`,
        () => ctx.api("DELETE", `/apps/${app}/collaborators/${encodeURIComponent(email)}`));
    });
}
