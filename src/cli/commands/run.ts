// run (attached, exit status passed through) and run:detached (output to the log).
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { action, appLabel, CliError } from "../output.ts";
import type { DynoJson } from "./ps.ts";
import { parseAssignments } from "./config.ts";

const STDOUT = 1;

interface RunDyno extends DynoJson { attach_url: string | null; slipway_attach_url?: string }

/** Like `ssh -t`: a TTY in the dyno when this side is a terminal both ways. */
const onTerminal = () => Boolean(process.stdin.isTTY && process.stdout.isTTY);

function startBody(command: string[], opts: { env?: string; size?: string }, attach: boolean) {
  const env: Record<string, string> = opts.env ? parseAssignments(opts.env.split(";").filter(Boolean)) : {};
  const tty = attach && onTerminal();
  // Heroku's way of telling the terminal's size and kind.
  if (tty) Object.assign(env, { TERM: process.env.TERM || "xterm-256color", COLUMNS: String(process.stdout.columns), LINES: String(process.stdout.rows) });
  return { command: command.join(" "), attach, env, size: opts.size, force_no_tty: !tty };
}

/** Bridges this terminal to the dyno's attach WebSocket; resolves with the command's exit status. */
export function attach(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    let status: number | null = null;
    const tty = onTerminal();
    const sendSignal = () => ws.send(JSON.stringify({ signal: "SIGINT" }));
    const sendSize = () => ws.send(JSON.stringify({ resize: { cols: process.stdout.columns, rows: process.stdout.rows } }));
    ws.onopen = () => {
      process.on("SIGINT", sendSignal);
      if (tty) process.stdout.on("resize", sendSize);
      const stdin = process.stdin;
      if (stdin.isTTY) stdin.setRawMode(true);
      stdin.on("data", (chunk: Buffer) => {
        // The dyno's terminal turns ^C and ^D into SIGINT and end of input; without one, we do.
        if (!tty && stdin.isTTY && chunk.length === 1 && chunk[0] === 3) return sendSignal();
        if (!tty && stdin.isTTY && chunk.length === 1 && chunk[0] === 4) return ws.send(JSON.stringify({ eof: true }));
        ws.send(chunk);
      });
      stdin.on("end", () => ws.send(JSON.stringify({ eof: true })));
    };
    ws.onmessage = (event) => {
      if (typeof event.data === "string") {
        const message = JSON.parse(event.data) as { exit?: number; error?: string };
        if (message.error) reject(new CliError(message.error));
        if (message.exit !== undefined) status = message.exit;
        return;
      }
      const frame = new Uint8Array(event.data as ArrayBuffer);
      (frame[0] === STDOUT ? process.stdout : process.stderr).write(frame.subarray(1));
    };
    ws.onerror = () => reject(new CliError(`Could not attach to the dyno at ${url}.`));
    ws.onclose = () => {
      process.off("SIGINT", sendSignal);
      process.stdout.off("resize", sendSize);
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      process.stdin.pause();
      resolve(status ?? 1);
    };
  });
}

export function registerRunCommands(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  const o = ctx.output;
  program.command("run <command...>").description("run a one-off process inside a dyno")
    .option("-a, --app <app>", "app to run command against").option("-e, --env <vars>", "environment variables, e.g. 'A=1;B=2'")
    .option("-s, --size <size>", "dyno size").option("-x, --exit-code", "passed through by default; accepted for Heroku compatibility")
    .passThroughOptions()
    .action(async (command: string[], opts) => {
      const app = ctx.appName(opts.app);
      const dyno = await action(o, `Running ${command.join(" ")} on ${appLabel(o, app)}`,
        () => ctx.api<RunDyno>("POST", `/apps/${app}/dynos`, startBody(command, opts, true)), (d) => `up, ${d.name}`);
      if (!dyno.slipway_attach_url) throw new CliError("The API did not return an attach URL.");
      exit(await attach(dyno.slipway_attach_url));
    });

  program.command("run:detached <command...>").description("run a detached dyno, where output is sent to your logs")
    .option("-a, --app <app>", "app to run command against").option("-e, --env <vars>", "environment variables, e.g. 'A=1;B=2'")
    .option("-s, --size <size>", "dyno size").passThroughOptions()
    .action(async (command: string[], opts) => {
      const app = ctx.appName(opts.app);
      const dyno = await action(o, `Running ${command.join(" ")} on ${appLabel(o, app)}`,
        () => ctx.api<RunDyno>("POST", `/apps/${app}/dynos`, startBody(command, opts, false)), (d) => `done, ${d.name}`);
      o.err(`Use slipway logs -a ${app} --dyno ${dyno.name} to view the output.`);
    });
}
