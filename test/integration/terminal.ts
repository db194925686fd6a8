// A terminal for a CLI under test: util-linux `script` runs a shell command on a pseudo-terminal of
// its own, and the test types into it through script's stdin and reads the screen from its stdout.
import { readlinkSync } from "node:fs";
import { until } from "./dyno-helpers.ts";

export interface TerminalSession {
  type(keys: string): void;
  /** Waits for `text` in what the terminal has shown so far (which includes the command as typed). */
  shows(text: string): Promise<string>;
  /** The terminal the command runs on, e.g. /dev/pts/3. */
  tty(): Promise<string>;
  exited: Promise<number>;
  output(): string;
}

/** Runs `shell` (which should `exec` the CLI) on a terminal of `size`; `env` is its whole environment. */
export function onTerminal(shell: string, env: Record<string, string>, size = { cols: 101, rows: 33 }): TerminalSession {
  const proc = Bun.spawn(["script", "-qfec", `stty cols ${size.cols} rows ${size.rows}; ${shell}`, "/dev/null"], {
    env, stdin: "pipe", stdout: "pipe", stderr: "pipe",
  });
  let seen = "";
  void (async () => {
    for await (const chunk of proc.stdout) seen += new TextDecoder().decode(chunk);
  })();
  return {
    type(keys) {
      proc.stdin.write(keys);
      proc.stdin.flush();
    },
    shows: (text) => until(`the terminal to show ${JSON.stringify(text)}`, async () => (seen.includes(text) ? seen : null), 30_000),
    async tty() {
      // The command script's shell exec'd: its stdin is the terminal script made.
      const command = await until("the command to start", async () => {
        const children = Bun.spawnSync(["pgrep", "-P", String(proc.pid)]).stdout.toString().trim().split("\n").filter(Boolean);
        return children.length === 1 ? children[0] : null;
      });
      return readlinkSync(`/proc/${command}/fd/0`);
    },
    exited: proc.exited,
    output: () => seen,
  };
}
