// apps, apps:create, apps:info, apps:destroy, apps:rename, git:remote, open.
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { git } from "../context.ts";
import { action, appLabel, header, json, keyValues, CliError } from "../output.ts";

interface AppJson { name: string; id: string; web_url: string; git_url: string; owner: { email: string }; stack: { name: string };
  slug_size: number | null; released_at: string | null; maintenance: boolean; region: { name: string } }

/** The git URL with the token in it, so `git push` authenticates without a credential helper. */
export function authenticatedGitUrl(gitUrl: string, token: string): string {
  const url = new URL(gitUrl);
  url.password = token;
  return url.toString();
}

function setRemote(ctx: CliContext, remote: string, gitUrl: string): boolean {
  if (git(["rev-parse", "--git-dir"]) === null) return false;
  const url = authenticatedGitUrl(gitUrl, ctx.token());
  if (git(["remote", "get-url", remote]) !== null) git(["remote", "set-url", remote, url]);
  else git(["remote", "add", remote, url]);
  return true;
}

export function registerAppCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("apps").alias("apps:list").description("list your apps").option("--json", "output in json format")
    .action(async (opts) => {
      const [apps, account] = await Promise.all([ctx.api<AppJson[]>("GET", "/apps"), ctx.api<{ email: string }>("GET", "/account")]);
      if (opts.json) return json(o, apps);
      if (apps.length === 0) return o.out("You have no apps.");
      header(o, `${account.email} Apps`);
      for (const app of apps) o.out(app.owner.email === account.email ? app.name : `${app.name}  ${app.owner.email}`);
    });

  program.command("apps:create [name]").alias("create").description("create a new app")
    .option("-r, --remote <remote>", "the git remote to create", "slipway")
    .option("--no-remote", "do not create a git remote").option("--json", "output in json format")
    .action(async (name: string | undefined, opts) => {
      const label = name ? `Creating ${appLabel(o, name)}` : "Creating app";
      const app = await action(o, label, () => ctx.api<AppJson>("POST", "/apps", name ? { name } : {}),
        (a) => (name ? "done" : `done, ${appLabel(o, a.name)}`));
      if (opts.json) return json(o, app);
      o.out(`${app.web_url} | ${app.git_url}`);
      if (opts.remote !== false && setRemote(ctx, opts.remote, app.git_url)) o.err(`Git remote ${opts.remote} added`);
    });

  program.command("apps:info").alias("info").description("show detailed app information")
    .option("-a, --app <app>", "app to run command against").option("--json", "output in json format")
    .action(async (opts) => {
      const name = ctx.appName(opts.app);
      const [app, collaborators] = await Promise.all([
        ctx.api<AppJson>("GET", `/apps/${name}`),
        ctx.api<{ user: { email: string } }[]>("GET", `/apps/${name}/collaborators`),
      ]);
      if (opts.json) return json(o, { app, collaborators });
      header(o, app.name);
      const pairs: [string, string][] = [["Collaborators", collaborators.map((c) => c.user.email).join(", ")],
        ["Git URL", app.git_url], ["Maintenance", app.maintenance ? "on" : "off"], ["Owner", app.owner.email],
        ["Region", app.region.name], ["Slug Size", app.slug_size === null ? "" : `${(app.slug_size / 1e6).toFixed(1)} MB`],
        ["Stack", app.stack.name], ["Web URL", app.web_url]];
      keyValues(o, pairs.filter(([, v]) => v !== ""));
    });

  program.command("apps:destroy [app]").alias("destroy").description("permanently destroy an app")
    .option("-a, --app <app>", "app to run command against").option("-c, --confirm <app>", "confirm the app name to destroy")
    .action(async (positional: string | undefined, opts) => {
      const name = positional ?? ctx.appName(opts.app);
      if (opts.confirm !== name) {
        throw new CliError(`WARNING: This will delete ${appLabel(o, name)} including all add-ons.\nTo proceed, run again with --confirm ${name}`);
      }
      await action(o, `Destroying ${appLabel(o, name)} (including all add-ons)`, () => ctx.api("DELETE", `/apps/${name}`));
      for (const remote of ["slipway", "heroku"]) {
        const url = git(["remote", "get-url", remote]);
        if (url?.endsWith(`/${name}.git`)) git(["remote", "remove", remote]);
      }
    });

  program.command("apps:rename <newname>").alias("rename").description("rename an app")
    .option("-a, --app <app>", "app to run command against")
    .action(async (newName: string, opts) => {
      const name = ctx.appName(opts.app);
      const app = await action(o, `Renaming ${appLabel(o, name)} to ${appLabel(o, newName)}`,
        () => ctx.api<AppJson>("PATCH", `/apps/${name}`, { name: newName }));
      o.out(`${app.web_url} | ${app.git_url}`);
      for (const remote of ["slipway", "heroku"]) {
        const url = git(["remote", "get-url", remote]);
        if (url?.endsWith(`/${name}.git`) && setRemote(ctx, remote, app.git_url)) o.err(`Git remote ${remote} updated`);
      }
    });

  program.command("git:remote").description("adds a git remote to an app repo")
    .option("-a, --app <app>", "app to run command against").option("-r, --remote <remote>", "the git remote to create", "slipway")
    .action(async (opts) => {
      const app = await ctx.api<AppJson>("GET", `/apps/${ctx.appName(opts.app)}`);
      if (!setRemote(ctx, opts.remote, app.git_url)) throw new CliError("Not inside a git repository.");
      o.out(`set git remote ${opts.remote} to ${app.git_url}`);
    });

  program.command("open").description("open the app in a web browser").option("-a, --app <app>", "app to run command against")
    .action(async (opts) => {
      const app = await ctx.api<AppJson>("GET", `/apps/${ctx.appName(opts.app)}`);
      const opener = process.platform === "darwin" ? "open" : "xdg-open";
      try {
        Bun.spawn([opener, app.web_url], { stdout: "ignore", stderr: "ignore" });
        o.err(`Opening ${appLabel(o, app.name)}... done`);
      } catch {
        o.out(app.web_url);
      }
    });
}
