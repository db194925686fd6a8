import { constants } from "node:os";

export interface BuildStep {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  // Only detect and release need their stdout back; compile output can be megabytes and is only streamed.
  captureStdout: boolean;
}

// Runs one buildpack step inside the build sandbox; paths in argv/cwd are sandbox paths (see BuildLayout).
// Every output line (stdout and stderr) goes to onLine as it arrives. The runner kills the step (and
// everything it started) at timeoutMs. `stdout` is the captured standard output when captureStdout is set.
export type StepRunner = (
  step: BuildStep,
  onLine: (line: string) => void,
) => Promise<{ exitCode: number; stdout: string }>;

const MAX_CAPTURED_BYTES = 1024 * 1024;
const MAX_LINE_CHARS = 64 * 1024;

// A runner that spawns steps directly on the host, in their own process group so a timeout kills the
// whole tree. Pair it with hostLayout(); it gives no isolation at all.
export const spawnStepRunner: StepRunner = async (step, onLine) => {
  const proc = Bun.spawn(step.argv, {
    cwd: step.cwd,
    env: step.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  const killGroup = () => {
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {
      // the group is already gone
    }
  };
  const timer = setTimeout(killGroup, Math.max(0, step.timeoutMs));
  const reading = Promise.all([
    forEachLine(proc.stdout, onLine, step.captureStdout),
    forEachLine(proc.stderr, onLine, false),
  ]);
  const exitCode = await proc.exited;
  clearTimeout(timer);
  killGroup(); // background children left behind would hold the pipes open
  const [stdout] = await reading;
  return { exitCode: proc.signalCode ? 128 + signalNumber(proc.signalCode) : exitCode, stdout };
};

// Splits a byte stream into lines as they arrive; returns the text itself (capped) only when asked.
export async function forEachLine(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
  capture: boolean,
): Promise<string> {
  const decoder = new TextDecoder();
  let pending = "";
  let captured = "";
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    if (capture && captured.length < MAX_CAPTURED_BYTES) captured += text;
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf("\n")) !== -1) {
      onLine(pending.slice(0, newline).replace(/\r$/, ""));
      pending = pending.slice(newline + 1);
    }
    if (pending.length > MAX_LINE_CHARS) {
      onLine(pending);
      pending = "";
    }
  }
  pending += decoder.decode();
  if (pending !== "") onLine(pending.replace(/\r$/, ""));
  return captured.slice(0, MAX_CAPTURED_BYTES);
}

function signalNumber(signal: string | number): number {
  return typeof signal === "number" ? signal : ((constants.signals as Record<string, number>)[signal] ?? 1);
}
