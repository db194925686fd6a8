// Entry point: `slipway server` runs the daemon; every other command is the CLI. Each loads only its own
// modules: code a process never runs costs it no memory, though the binary holds both.
declare const SLIPWAY_VERSION: string;
const version = typeof SLIPWAY_VERSION === "string" ? SLIPWAY_VERSION : "dev";
const argv = process.argv.slice(2);

function client(): Promise<number> {
  // `slipway logs | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  return import("./cli/index.ts").then(({ runCli }) => runCli(argv, { version, env: process.env }));
}

function daemon(): Promise<number> {
  return import("./server/command.ts").then(({ runServerCommand }) => runServerCommand(argv, { version, env: process.env }));
}

(argv[0] === "server" ? daemon() : client()).then(
  (code) => (process.exitCode = code),
  (error) => {
    console.error(` ▸    ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
