/**
 * Measures what a sandbox adds to starting a command: median spawn→first output and spawn→exit
 * of `/bin/echo` and of `node` (bounds of spawn→first instruction), and the RSS of the launcher and init
 * processes beside a `sleep` app. Needs root.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appIds, startSandbox } from "../src/sandbox/index.ts";

const RUNS = Number(process.env.RUNS ?? 20);
const appDir = mkdtempSync(join(tmpdir(), "slipway-bench-app-"));
const ids = appIds(9_999);
let serial = 0;
/** The same environment for both, so only the sandbox differs. */
const SANDBOX_ENV = { PATH: "/usr/bin:/bin" };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0);
}

function children(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

function sandboxed(argv: string[]) {
  return startSandbox({
    name: `bench-${process.pid}-${serial++}`, stack: { kind: "host" }, appDir, ...ids,
    env: SANDBOX_ENV, cwd: "/app", argv, limits: { memoryBytes: 512 << 20, pids: 256 },
  });
}

interface Timing {
  firstByteMs: number;
  exitMs: number;
}

/** Spawn→first byte on stdout (the command is running) and spawn→exit as seen by the caller. */
async function timed(start: number, stdout: ReadableStream<Uint8Array>, exited: Promise<number>): Promise<Timing> {
  const reader = stdout.getReader();
  await reader.read();
  const firstByteMs = performance.now() - start;
  while (!(await reader.read()).done);
  const status = await exited;
  if (status !== 0) throw new Error(`exited ${status}`);
  return { firstByteMs, exitMs: performance.now() - start };
}

async function timePlain(argv: string[]): Promise<Timing> {
  const start = performance.now();
  const proc = Bun.spawn(argv, { env: SANDBOX_ENV, stdout: "pipe", stderr: "ignore" });
  return timed(start, proc.stdout, proc.exited);
}

async function timeSandboxed(argv: string[]): Promise<Timing> {
  const start = performance.now();
  const sandbox = await sandboxed(argv);
  const timing = await timed(start, sandbox.stdout, sandbox.exited);
  await sandbox.destroy();
  return timing;
}

await timeSandboxed(["/bin/echo"]); // prepares the stack once, as a daemon does at its first start
console.log(`median of ${RUNS} runs (first byte = spawn until the command wrote to stdout)`);
for (const argv of [["/bin/echo"], ["node", "-e", "process.stdout.write('.')"]]) {
  const plain: Timing[] = [];
  const inSandbox: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await timePlain(argv));
    inSandbox.push(await timeSandboxed(argv));
  }
  const show = (key: keyof Timing) => {
    const p = median(plain.map((t) => t[key]));
    const s = median(inSandbox.map((t) => t[key]));
    return `plain ${p.toFixed(1)} ms, sandboxed ${s.toFixed(1)} ms (+${(s - p).toFixed(1)})`;
  };
  console.log(`${argv[0]}: first byte ${show("firstByteMs")}; exit ${show("exitMs")}`);
}

const plainSleep = Bun.spawn(["sleep", "30"], { env: SANDBOX_ENV });
await Bun.sleep(200);
const plainRss = rssKiB(plainSleep.pid);
plainSleep.kill();
const sandbox = await sandboxed(["sleep", "30"]);
await Bun.sleep(300);
const [init] = children(sandbox.pid);
const [app] = init === undefined ? [] : children(init);
if (init === undefined || app === undefined) throw new Error("sandbox process tree not found");
console.log(`sleep RSS: plain ${plainRss} KiB, in sandbox ${rssKiB(app)} KiB; overhead: launcher ${rssKiB(sandbox.pid)} KiB + init ${rssKiB(init)} KiB`);
await sandbox.destroy();
rmSync(appDir, { recursive: true, force: true });
