// releases, releases:info, rollback.
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { action, appLabel, header, herokuTime, json, keyValues, CliError } from "../output.ts";

interface ReleaseJson { id: string; version: number; description: string; user: { email: string }; created_at: string; current: boolean;
  status: string }

export function registerReleaseCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("releases").description("display the releases for an app")
    .option("-a, --app <app>", "app to run command against").option("-n, --num <n>", "number of releases to show", "15")
    .option("--json", "output releases in json format")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const releases = await ctx.api<ReleaseJson[]>("GET", `/apps/${app}/releases`, undefined, {
        Range: `version ..; max=${Number(opts.num) || 15}, order=desc`,
      });
      if (opts.json) return json(o, releases);
      const current = releases.find((r) => r.current);
      header(o, `${app} Releases${current ? ` - Current: v${current.version}` : ""}`);
      const rows = releases.map((r) => [`v${r.version}`, r.status === "succeeded" ? r.description : `${r.description} (${r.status})`,
        r.user.email, herokuTime(r.created_at)]);
      const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
      for (const row of rows) o.out(row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join("  "));
    });

  program.command("releases:info [release]").description("view detailed information for a release")
    .option("-a, --app <app>", "app to run command against").option("--json", "output in json format")
    .action(async (key: string | undefined, opts) => {
      const app = ctx.appName(opts.app);
      const release = key
        ? await ctx.api<ReleaseJson>("GET", `/apps/${app}/releases/${encodeURIComponent(key.replace(/^v/, ""))}`)
        : (await ctx.api<ReleaseJson[]>("GET", `/apps/${app}/releases`, undefined, { Range: "version ..; max=1, order=desc" }))[0];
      if (!release) throw new CliError(`No releases found for ${app}.`);
      const config = await ctx.api<Record<string, string>>("GET", `/apps/${app}/releases/${release.id}/config-vars`);
      if (opts.json) return json(o, { ...release, config_vars: config });
      header(o, `Release v${release.version}`);
      keyValues(o, [["Add-ons", ""], ["Change", release.description], ["By", release.user.email],
        ["When", herokuTime(release.created_at)], ["Status", release.status]]);
      o.out();
      header(o, `v${release.version} Config vars`);
      keyValues(o, Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));
    });

  program.command("rollback [release]").alias("releases:rollback").description("rollback to a previous release")
    .option("-a, --app <app>", "app to run command against")
    .action(async (key: string | undefined, opts) => {
      const app = ctx.appName(opts.app);
      let target = key?.replace(/^v/, "");
      if (!target) {
        const recent = await ctx.api<ReleaseJson[]>("GET", `/apps/${app}/releases`, undefined, { Range: "version ..; max=2, order=desc" });
        const previous = recent.find((r) => !r.current && r.status === "succeeded");
        if (!previous) throw new CliError(`No release found to roll back to for ${app}.`);
        target = String(previous.version);
      }
      const created = await action(o, `Rolling back ${appLabel(o, app)} to v${target}`,
        () => ctx.api<ReleaseJson>("POST", `/apps/${app}/releases`, { release: target }), (r) => `done, v${r.version}`);
      o.err(` ▸    Rollback affects code and config vars; it doesn't add or remove addons.`);
      o.err(` ▸    To undo, run: slipway rollback v${created.version - 1}`);
    });
}
