// `slipway run` from a terminal: the dyno gets a TTY of the client's size, ^C reaches the command,
// resizes follow, and `run bash` is an interactive shell in /app.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BINARY, TestServer } from "./harness.ts";
import { nodeServer } from "./apps.ts";
import { deployApp } from "./dyno-helpers.ts";
import { onTerminal, type TerminalSession } from "./terminal.ts";

setDefaultTimeout(60_000);
let server: TestServer;

beforeAll(async () => {
  server = new TestServer();
  await server.start();
  const work = join(server.scratch, "work");
  mkdirSync(work);
  await deployApp(server, work, "tty-app", { "Procfile": "web: node server.js\n", "server.js": nodeServer("tty") });
});
afterAll(async () => server?.destroy());

function runOnTerminal(command: string): TerminalSession {
  return onTerminal('exec "$SLIPWAY" run -a tty-app -- "$DYNO_COMMAND"', {
    PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: server.scratch, TERM: "xterm", SLIPWAY: BINARY,
    SLIPWAY_URL: server.url, SLIPWAY_TOKEN: server.adminToken, DYNO_COMMAND: command,
  });
}

describe("slipway run on a terminal", () => {
  test("the dyno's stdin and stdout are a TTY of the client's size, with its TERM", async () => {
    const run = runOnTerminal('test -t 0 && test -t 1 && echo "tty: $(stty size) $TERM"');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain("tty: 33 101 xterm");
    // Piped, the same command gets no terminal (and no \r\n in its output).
    const piped = await server.cli(["run", "-a", "tty-app", "--", "test -t 1 && echo tty || echo no tty"]);
    expect(piped.stdout).toBe("no tty\n");
  });

  test("Ctrl-C interrupts the command in the dyno, and its exit status is run's", async () => {
    const run = runOnTerminal("trap 'echo interrupted; exit 7' INT; echo $((6 * 7)) ready; while :; do sleep 0.1; done");
    await run.shows("42 ready");
    run.type("\x03");
    expect(await run.exited).toBe(7);
    expect(run.output()).toContain("interrupted");
  });

  test("resizing the client's terminal resizes the dyno's", async () => {
    const run = runOnTerminal('echo $((6 * 7)) ready; until [ "$(stty size)" = "20 90" ]; do sleep 0.1; done; echo resized to $(stty size)');
    await run.shows("42 ready");
    const tty = await run.tty();
    expect(Bun.spawnSync(["stty", "-F", tty, "cols", "90", "rows", "20"]).exitCode).toBe(0);
    await run.shows("resized to 20 90");
    expect(await run.exited).toBe(0);
  });

  test("run bash is an interactive shell in /app; exit ends run with its status", async () => {
    const run = runOnTerminal("bash");
    run.type("case $- in *i*) echo \"interactive in $PWD: $((6 * 7))\";; esac\r");
    await run.shows("interactive in /app: 42");
    // ^C at the prompt interrupts the line being typed, not the shell.
    run.type("sleep 300\r");
    await Bun.sleep(300);
    run.type("\x03");
    run.type("echo still $((6 * 7))\r");
    await run.shows("still 42");
    run.type("exit 3\r");
    expect(await run.exited).toBe(3);
  });
});

describe("an attached client that reads slowly", () => {
  test("gets every byte of a large output: the dyno waits for it, nothing is dropped", async () => {
    const bytes = 40 * 1024 * 1024;
    const started = await server.api("POST", "/apps/tty-app/dynos", { command: `head -c ${bytes} /dev/zero | tr '\\0' x`, attach: true });
    expect(started.status).toBe(201);
    const ws = new WebSocket(started.json.slipway_attach_url);
    ws.binaryType = "arraybuffer";
    let received = 0;
    let exit = null as number | null;
    const closed = new Promise<void>((resolve) => (ws.onclose = () => resolve()));
    ws.onmessage = (event) => {
      if (typeof event.data === "string") exit = JSON.parse(event.data).exit ?? exit;
      else if (new Uint8Array(event.data)[0] === 1) received += (event.data as ArrayBuffer).byteLength - 1;
    };
    await new Promise<void>((resolve) => (ws.onopen = () => resolve()));
    // A client that stops reading for a while: its socket fills, then the daemon's buffer would.
    Bun.sleepSync(4000);
    await closed;
    expect(exit).toBe(0);
    expect(received).toBe(bytes);
  }, 60_000);
});
