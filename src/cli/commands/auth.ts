// login, logout, auth:token, auth:whoami, and the admin's users:* commands.
import type { Command } from "commander";
import { createInterface } from "node:readline/promises";
import type { CliContext } from "../context.ts";
import { apiHost } from "../context.ts";
import { netrcPath, writeNetrc } from "../netrc.ts";
import { action, header, json, CliError } from "../output.ts";

interface AccountJson { email: string; id: string; slipway_admin?: boolean; token?: string }

async function askToken(): Promise<string> {
  if (!process.stdin.isTTY) return (await new Response(Bun.stdin.stream()).text()).trim();
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question("Token: ")).trim();
  } finally {
    rl.close();
  }
}

export function registerAuthCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("login").description("log in with your Slipway API token")
    .option("-t, --token <token>", "the token (else read from the prompt or standard input)")
    .action(async (opts) => {
      const token: string = opts.token ?? (await askToken());
      if (!token) throw new CliError("No token given.");
      const response = await fetch(`${ctx.apiUrl}/account`, { headers: { Authorization: `Bearer ${token}` } }).catch(() => null);
      if (!response) throw new CliError(`Could not reach the Slipway API at ${ctx.apiUrl}.`);
      if (!response.ok) throw new CliError("Invalid token.");
      const account = (await response.json()) as AccountJson;
      writeNetrc(netrcPath(ctx.env), [apiHost(ctx.apiUrl)], { login: account.email, password: token });
      o.out(`Logged in as ${account.email}`);
    });

  program.command("logout").description("clear your local Slipway credentials")
    .action(async () => {
      await action(o, "Logging out", async () => writeNetrc(netrcPath(ctx.env), [apiHost(ctx.apiUrl)], null));
    });

  program.command("auth:token").description("outputs the current API token").action(() => o.out(ctx.token()));

  program.command("auth:whoami").alias("whoami").description("display the current logged in user")
    .action(async () => o.out((await ctx.api<AccountJson>("GET", "/account")).email));

  program.command("users").description("list the users of this Slipway (admin)").option("--json", "output in json format")
    .action(async (opts) => {
      const users = await ctx.api<AccountJson[]>("GET", "/users");
      if (opts.json) return json(o, users);
      header(o, "Users");
      for (const u of users) o.out(u.slipway_admin ? `${u.email}  (admin)` : u.email);
    });

  program.command("users:create <email>").description("create a user and print their token (admin)")
    .action(async (email: string) => {
      const user = await action(o, `Creating user ${email}`, () => ctx.api<AccountJson>("POST", "/users", { email }));
      o.out(user.token);
    });

  program.command("users:destroy <email>").description("delete a user (admin)")
    .option("-c, --confirm <email>", "confirm the email of the user to delete")
    .action(async (email: string, opts) => {
      if (opts.confirm !== email) throw new CliError(`This will delete the user ${email}.\nTo proceed, run again with --confirm ${email}`);
      await action(o, `Destroying user ${email}`, () => ctx.api("DELETE", `/users/${encodeURIComponent(email)}`));
    });
}
