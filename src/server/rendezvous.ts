// The rendezvous listener for the official CLI's `heroku run`: a TLS connection whose first line is
// the attach secret; we answer one line (the client discards it), then the dyno's output flows out
// and the client's keystrokes flow in. Without a TTY a lone \u0004 is end of input, \u0003 an interrupt.
import type { TLSSocket } from "node:tls";
import type { Attachments } from "../dyno/attachments.ts";
import type { Dyno } from "../dyno/dyno.ts";

const MAX_SECRET_LINE = 256;

function bridge(socket: TLSSocket, dyno: Dyno): void {
  const sandbox = dyno.sandbox;
  if (!sandbox) return void socket.end("The dyno is gone.\r\n");
  socket.write("rendezvous\r\n");
  // A client that reads slowly makes the dyno wait, rather than the daemon buffer its output.
  const forward = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      if (socket.write(chunk)) continue;
      await new Promise<void>((resolve) => {
        const resume = () => {
          socket.off("drain", resume).off("close", resume);
          resolve();
        };
        socket.on("drain", resume).on("close", resume);
      });
    }
  };
  const output = Promise.all([forward(sandbox.stdout), forward(sandbox.stderr)]);
  socket.on("data", (bytes: Buffer) => {
    // A terminal's line discipline makes ^C and ^D what they are.
    if (sandbox.terminal) return sandbox.stdin?.write(bytes);
    if (bytes.length === 1 && bytes[0] === 3) return sandbox.signal("SIGINT");
    const eof = bytes.indexOf(4);
    const input = eof >= 0 ? bytes.subarray(0, eof) : bytes;
    if (input.length) {
      sandbox.stdin?.write(input);
    }
    if (eof >= 0) sandbox.stdin?.end();
  });
  socket.on("close", () => void dyno.stop());
  socket.on("error", () => socket.destroy());
  void Promise.all([dyno.exited, output]).then(() => socket.end());
}

export async function startRendezvous(opts: { hostname: string; port: number; cert: string; key: string; attachments: Attachments }): Promise<{ port: number; stop(): void }> {
  const { createServer } = await import("node:tls");
  const server = createServer({ cert: opts.cert, key: opts.key }, (socket) => {
    let line = "";
    const onData = (bytes: Buffer) => {
      line += bytes.toString("latin1");
      const end = line.indexOf("\r\n");
      if (end < 0) {
        if (line.length > MAX_SECRET_LINE) socket.destroy();
        return;
      }
      socket.off("data", onData);
      const dyno = opts.attachments.claim(line.slice(0, end));
      if (!dyno) return void socket.end("This dyno is gone or already attached.\r\n");
      bridge(socket, dyno);
    };
    socket.on("data", onData);
    socket.on("error", () => socket.destroy());
  });
  server.on("tlsClientError", (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.hostname, () => resolve());
  });
  return { port: (server.address() as { port: number }).port, stop: () => server.close() };
}
