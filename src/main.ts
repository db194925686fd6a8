// Entry point: `slipway server` runs the daemon; every other command is the CLI.
import { runCli } from "./cli/index.ts";

declare const SLIPWAY_VERSION: string;
const version = typeof SLIPWAY_VERSION === "string" ? SLIPWAY_VERSION : "dev";

// `slipway logs | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

runCli(process.argv.slice(2), { version, env: process.env }).then(
  (code) => (process.exitCode = code),
  (error) => {
    process.stderr.write(` ▸    ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
