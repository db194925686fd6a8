// `slipway server` without the rest of the CLI: the CLI's own `server` command parses the flags, but the
// client commands (and the process.stdout stream they set up) are never loaded, since whatever the
// daemon loads stays in its memory for good (~3.5 MB). Anything but a clean parse (--help, a bad flag)
// goes to the full CLI, so it reads exactly as it does for every other command.
import { Command, CommanderError } from "commander";
import { registerServerCommand } from "../cli/commands/server.ts";
import { CliError } from "../cli/output.ts";

export async function runServerCommand(argv: string[], opts: { version: string; env: Record<string, string | undefined> }): Promise<number> {
  let exitCode = 0;
  const program = new Command("slipway").exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerServerCommand(program, opts.env, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CliError) {
      for (const line of error.message.split("\n")) console.error(` ▸    ${line}`);
      return error.exitCode;
    }
    if (error instanceof CommanderError) return (await import("../cli/index.ts")).runCli(argv, opts);
    throw error;
  }
}
