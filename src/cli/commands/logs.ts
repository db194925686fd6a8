// logs: an app's log stream, recent lines and (with --tail) new ones as they come.
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { CliError } from "../output.ts";

const COLORS: [RegExp, number][] = [[/ heroku\[router\]: /, 34], [/ app\[api\]: /, 32], [/ heroku\[/, 35], [/ app\[/, 36]];

export function colorLogLine(line: string): string {
  const m = /^(\S+ )(\S+\[[^\]]+\]:)(.*)$/.exec(line);
  const color = COLORS.find(([pattern]) => pattern.test(line))?.[1];
  if (!m || !color) return line;
  return `\u001b[2m${m[1]}\u001b[0m\u001b[${color}m${m[2]}\u001b[0m${m[3]}`;
}

/** Prints the data lines of a Server-Sent Events stream as they arrive. */
export async function printEventStream(body: ReadableStream<Uint8Array>, print: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.startsWith("data: ")) print(line.slice(6));
      else if (line.startsWith("data:")) print(line.slice(5));
    }
  }
}

export function registerLogCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("logs").description("display recent log output")
    .option("-a, --app <app>", "app to run command against")
    .option("-n, --num <lines>", "number of lines to display", "100")
    .option("-d, --dyno <dyno>", "only show output from this dyno type or dyno, such as web or web.1")
    .option("-p, --ps <dyno>", "alias of --dyno")
    .option("-s, --source <source>", "only show output from this source, such as app or heroku")
    .option("-t, --tail", "continually stream logs")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const session = await ctx.api<{ logplex_url: string }>("POST", `/apps/${app}/log-sessions`, {
        lines: Number(opts.num), tail: Boolean(opts.tail), dyno: opts.dyno ?? opts.ps, source: opts.source,
      });
      const response = await fetch(session.logplex_url, { headers: { Accept: "text/event-stream" } });
      if (!response.ok || !response.body) throw new CliError(`Could not open the log stream (HTTP ${response.status}).`);
      await printEventStream(response.body, (line) => o.out(o.color ? colorLogLine(line) : line));
    });
}
