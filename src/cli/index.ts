// The CLI: a static registry of commands (so the compiled binary holds them all), parsed by commander.
import { Command, CommanderError } from "commander";
import { createContext } from "./context.ts";
import { CliError } from "./output.ts";
import { registerServerCommand } from "./commands/server.ts";
import { registerAppCommands } from "./commands/apps.ts";
import { registerConfigCommands } from "./commands/config.ts";
import { registerReleaseCommands } from "./commands/releases.ts";
import { registerAuthCommands } from "./commands/auth.ts";
import { registerAccessCommands } from "./commands/access.ts";
import { registerPsCommands } from "./commands/ps.ts";
import { registerLogCommands } from "./commands/logs.ts";
import { registerRunCommands } from "./commands/run.ts";
import { registerBuildCommands } from "./commands/builds.ts";
import { registerMaintenanceCommands } from "./commands/maintenance.ts";
import { registerDomainCommands } from "./commands/domains.ts";
import { registerDrainCommands } from "./commands/drains.ts";
import { registerLabsCommands } from "./commands/labs.ts";
import { registerCertCommands } from "./commands/certs.ts";
import { registerCronCommands } from "./commands/cron.ts";
import { registerAutocompleteCommand } from "./commands/autocomplete.ts";
import { registerStackCommands } from "./commands/stacks.ts";

export async function runCli(argv: string[], opts: { version: string; env: Record<string, string | undefined> }): Promise<number> {
  const ctx = createContext(opts.env, opts.version);
  let exitCode = 0;
  const program = new Command("slipway")
    .description("Heroku on your own machine")
    .version(opts.version, "-v, --version", "show the Slipway version")
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(` ▸    ${text.replace(/^error: /, "").trimEnd()}\n`) });
  program.addHelpCommand("help [command]", "display help for a command");
  registerServerCommand(program, ctx.env, (code) => (exitCode = code));
  registerAppCommands(program, ctx);
  registerConfigCommands(program, ctx);
  registerReleaseCommands(program, ctx);
  registerAuthCommands(program, ctx);
  registerAccessCommands(program, ctx);
  registerPsCommands(program, ctx);
  registerLogCommands(program, ctx);
  registerRunCommands(program, ctx, (code) => (exitCode = code));
  registerBuildCommands(program, ctx, (code) => (exitCode = code));
  registerMaintenanceCommands(program, ctx);
  registerDomainCommands(program, ctx);
  registerDrainCommands(program, ctx);
  registerLabsCommands(program, ctx);
  registerCertCommands(program, ctx);
  registerCronCommands(program, ctx);
  registerStackCommands(program, ctx);
  registerAutocompleteCommand(program, ctx);
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      for (const line of error.message.split("\n")) process.stderr.write(` ▸    ${line}\n`);
      return error.exitCode;
    }
    process.stderr.write(` ▸    ${(error as Error).message}\n`);
    return 1;
  }
}
