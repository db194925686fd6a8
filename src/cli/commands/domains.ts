// domains, domains:add, domains:remove.
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { action, appLabel, header, json, table } from "../output.ts";

interface DomainJson { hostname: string; kind: string; cname: string | null }

export function registerDomainCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("domains").description("list domains for an app").option("-a, --app <app>", "app to run command against")
    .option("--json", "output in json format")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const domains = await ctx.api<DomainJson[]>("GET", `/apps/${app}/domains`);
      if (opts.json) return json(o, domains);
      header(o, `${app} Heroku Domain`);
      for (const d of domains.filter((x) => x.kind === "heroku")) o.out(d.hostname);
      const custom = domains.filter((d) => d.kind === "custom");
      if (custom.length === 0) return;
      o.out();
      header(o, `${app} Custom Domains`);
      table(o, ["Domain Name", "DNS Record Type", "DNS Target"], custom.map((d) => [d.hostname, "CNAME", d.cname ?? ""]));
    });

  program.command("domains:add <hostname>").description("add a domain to an app").option("-a, --app <app>", "app to run command against")
    .action(async (hostname: string, opts) => {
      const app = ctx.appName(opts.app);
      const domain = await action(o, `Adding ${hostname} to ${appLabel(o, app)}`, () => ctx.api<DomainJson>("POST", `/apps/${app}/domains`, { hostname }));
      o.out(`Configure your app's DNS provider to point to the DNS Target ${domain.cname}`);
    });

  program.command("domains:remove <hostname>").description("remove a domain from an app").option("-a, --app <app>", "app to run command against")
    .action(async (hostname: string, opts) => {
      const app = ctx.appName(opts.app);
      await action(o, `Removing ${hostname} from ${appLabel(o, app)}`, () => ctx.api("DELETE", `/apps/${app}/domains/${encodeURIComponent(hostname)}`));
    });
}
