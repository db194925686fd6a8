// certs, certs:add CERT KEY, certs:remove, and Automatic Certificate Management: certs:auto[:enable|:disable|:refresh].
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import type { CliContext } from "../context.ts";
import { action, appLabel, header, json, table, CliError } from "../output.ts";

interface EndpointJson { name: string; domains: string[]; ssl_cert: { expires_at: string; "self_signed?": boolean } }
interface DomainJson { hostname: string; kind: string; acm_status: string | null; acm_status_reason: string | null; updated_at: string }

/** Heroku's words for an `acm_status`: null is Waiting, others capitalised ("cert issued" → "Cert issued"). */
export function acmStatusLabel(status: string | null): string {
  if (!status) return "Waiting";
  return status.split("-").map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(" ");
}

/** "less than a minute", "5 minutes", "about 3 hours", "2 days": how long ago, as Heroku's table says it. */
export function timeAgo(iso: string, nowMs = Date.now()): string {
  const minutes = Math.round((nowMs - Date.parse(iso)) / 60_000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return minutes === 1 ? "1 minute" : `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return hours === 1 ? "about 1 hour" : `about ${hours} hours`;
  const days = Math.round(hours / 24);
  return days === 1 ? "1 day" : `${days} days`;
}

export function registerCertCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("certs").description("list SSL certificates for an app").option("-a, --app <app>", "app to run command against")
    .option("--json", "output in json format")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const endpoints = await ctx.api<EndpointJson[]>("GET", `/apps/${app}/sni-endpoints`);
      if (opts.json) return json(o, endpoints);
      if (endpoints.length === 0) return o.out(`${app} has no SSL certificates.`);
      table(o, ["Name", "Common Name(s)", "Expires", "Trusted"], endpoints.map((e) =>
        [e.name, e.domains.join(", "), e.ssl_cert.expires_at.replace("T", " ").replace(/\.\d+Z$/, " UTC"), e.ssl_cert["self_signed?"] ? "False" : "True"]));
    });

  program.command("certs:add <cert> <key>").description("add an SSL certificate to an app").option("-a, --app <app>", "app to run command against")
    .action(async (certFile: string, keyFile: string, opts) => {
      const app = ctx.appName(opts.app);
      let certificate_chain: string, private_key: string;
      try {
        certificate_chain = readFileSync(certFile, "utf8");
        private_key = readFileSync(keyFile, "utf8");
      } catch (error) {
        throw new CliError(`Could not read ${(error as NodeJS.ErrnoException).path}.`);
      }
      const endpoint = await action(o, `Adding SSL certificate to ${appLabel(o, app)}`,
        () => ctx.api<EndpointJson>("POST", `/apps/${app}/sni-endpoints`, { certificate_chain, private_key }), (e) => `done, ${e.name}`);
      o.out(`Certificate details:\nCommon Name(s): ${endpoint.domains.join(", ")}\nExpires At:     ${endpoint.ssl_cert.expires_at}`);
    });

  program.command("certs:remove").description("remove an SSL certificate from an app").option("-a, --app <app>", "app to run command against")
    .option("--name <name>", "name of the certificate to remove (default: the only one)")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const endpoints = await ctx.api<EndpointJson[]>("GET", `/apps/${app}/sni-endpoints`);
      const name = opts.name ?? (endpoints.length === 1 ? endpoints[0]!.name : undefined);
      if (!name) throw new CliError(endpoints.length ? "This app has several certificates: name one with --name." : `${app} has no SSL certificates.`);
      await action(o, `Removing SSL certificate ${name} from ${appLabel(o, app)}`, () => ctx.api("DELETE", `/apps/${app}/sni-endpoints/${name}`));
    });

  program.command("certs:auto").description("show ACM status for an app").option("-a, --app <app>", "app to run command against")
    .option("--json", "output in json format")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const [info, domains] = await Promise.all([
        ctx.api<{ acm: boolean }>("GET", `/apps/${app}`), ctx.api<DomainJson[]>("GET", `/apps/${app}/domains`)]);
      const custom = domains.filter((d) => d.kind === "custom");
      if (opts.json) return json(o, { acm: info.acm, domains: custom });
      if (!info.acm) return header(o, `Automatic Certificate Management is disabled on ${app}`);
      header(o, `Automatic Certificate Management is enabled on ${app}`);
      if (custom.length === 0) {
        o.out();
        return header(o, "Add a custom domain to your app by running: slipway domains:add <yourdomain.com>");
      }
      const withReason = custom.some((d) => d.acm_status_reason);
      o.out();
      table(o, ["Domain", "Status", ...(withReason ? ["Reason"] : []), "Last Updated"], custom.map((d) =>
        [d.hostname, acmStatusLabel(d.acm_status), ...(withReason ? [d.acm_status_reason ?? ""] : []), timeAgo(d.updated_at)]));
      if (custom.some((d) => d.acm_status === "failed")) {
        o.out();
        header(o, "Some domains failed validation after multiple attempts, retry by running: slipway certs:auto:refresh");
      } else if (custom.some((d) => d.acm_status === "failing")) {
        o.out();
        header(o, "Some domains are failing validation, please verify that your DNS matches: slipway domains");
      }
    });

  program.command("certs:auto:enable").description("enable ACM status for an app").option("-a, --app <app>", "app to run command against")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      await action(o, "Enabling Automatic Certificate Management", () => ctx.api("POST", `/apps/${app}/acm`, {}),
        () => "starting. See status with slipway certs:auto");
      header(o, "Your certificate will now be managed by Slipway.  Check the status by running slipway certs:auto.");
    });

  for (const [name, verb, method, description] of [
    ["certs:auto:disable", "Disabling", "DELETE", "disable ACM for an app"],
    ["certs:auto:refresh", "Refreshing", "PATCH", "refresh ACM for an app"],
  ] as const) {
    program.command(name).description(description).option("-a, --app <app>", "app to run command against")
      .action(async (opts) => {
        const app = ctx.appName(opts.app);
        await action(o, `${verb} Automatic Certificate Management`, () => ctx.api(method, `/apps/${app}/acm`));
      });
  }
}
