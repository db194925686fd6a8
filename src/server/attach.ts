// The attach WebSocket for `slipway run`: stdin in, stdout and stderr out (one byte of channel in front
// of each binary frame), signals, end of input and terminal resizes as JSON control messages, and the
// exit status as the last message. On a terminal ^C and ^D are plain input bytes.
import type { ServerWebSocket, WebSocketHandler } from "bun";
import type { Attachments } from "../dyno/attachments.ts";
import type { Dyno } from "../dyno/dyno.ts";
import { terminalSize } from "../sandbox/index.ts";

export const STDOUT = 1;
export const STDERR = 2;

export interface AttachData { secret: string; dyno?: Dyno; awaitingDrain?: (() => void)[] }

export function attachSecret(path: string): string | null {
  return /^\/dynos\/attach\/([A-Za-z0-9_-]+)$/.exec(path)?.[1] ?? null;
}

/**
 * Sends, then waits while the client is behind: past its backpressure limit Bun would drop messages,
 * and a dyno whose output is not read should wait (its pipe fills), not lose it.
 */
async function send(ws: ServerWebSocket<AttachData>, message: Uint8Array | string): Promise<void> {
  if (ws.send(message) !== -1) return;
  await new Promise<void>((resolve) => (ws.data.awaitingDrain ??= []).push(resolve));
}

function releaseSenders(ws: ServerWebSocket<AttachData>): void {
  const waiting = ws.data.awaitingDrain ?? [];
  ws.data.awaitingDrain = [];
  for (const resume of waiting) resume();
}

async function forward(ws: ServerWebSocket<AttachData>, stream: ReadableStream<Uint8Array>, channel: number): Promise<void> {
  for await (const chunk of stream) {
    const frame = new Uint8Array(chunk.length + 1);
    frame[0] = channel;
    frame.set(chunk, 1);
    await send(ws, frame);
  }
}

export function attachHandler(attachments: Attachments): WebSocketHandler<AttachData> {
  return {
    open(ws) {
      const dyno = attachments.claim(ws.data.secret);
      const sandbox = dyno?.sandbox;
      if (!dyno || !sandbox) {
        ws.send(JSON.stringify({ error: "This dyno is gone or already attached." }));
        ws.close(1008, "unknown dyno");
        return;
      }
      ws.data.dyno = dyno;
      const output = Promise.all([forward(ws, sandbox.stdout, STDOUT), forward(ws, sandbox.stderr, STDERR)]);
      void Promise.all([dyno.exited, output]).then(async ([status]) => {
        await send(ws, JSON.stringify({ exit: status }));
        ws.close(1000, "exited");
      });
    },
    drain: releaseSenders,
    message(ws, message) {
      const dyno = ws.data.dyno;
      const stdin = dyno?.sandbox?.stdin;
      if (!dyno) return;
      if (typeof message !== "string") {
        stdin?.write(message);
        return;
      }
      try {
        const control = JSON.parse(message) as { eof?: boolean; signal?: string; resize?: { cols?: unknown; rows?: unknown } };
        if (control.eof) stdin?.end();
        const size = control.resize && terminalSize(control.resize.cols, control.resize.rows);
        if (size) dyno.sandbox?.resize(size);
        if (control.signal === "SIGINT" || control.signal === "SIGTERM" || control.signal === "SIGHUP") dyno.sandbox?.signal(control.signal);
      } catch {
        // A malformed control message is ignored: the stream keeps going.
      }
    },
    close(ws) {
      // The client went away: a one-off without its terminal has no one to talk to.
      releaseSenders(ws);
      void ws.data.dyno?.stop();
    },
  };
}
