// Dynos: time from start to the command's first instruction (a bare sandbox, and a one-off dyno of the
// compiled daemon), memory per idle web dyno beyond the app's own process (its processes' own pages,
// and the kernel's share measured side by side with bare node servers), and the time to scale web
// from 1 to 10 dynos up for a Node app. Run through bench/dynos.sh (needs root).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appIds, startSandbox } from "../src/sandbox/index.ts";
import { freePort, TestServer } from "../test/integration/harness.ts";
import { deployApp, logLines, until } from "../test/integration/dyno-helpers.ts";

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const GOALS = { startMs: 30, overheadKiB: 2048, scaleMs: 2000 };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
/** `date +%s%N` as epoch milliseconds: the command's first instruction reads the clock. */
const firstInstructionMs = (output: string) => Number(BigInt(output.trim()) / 1000n) / 1000;

async function bareSandboxStartMs(): Promise<number[]> {
  const appDir = mkdtempSync(join(tmpdir(), "slipway-bench-dyno-"));
  const times: number[] = [];
  try {
    for (let i = -1; i < ROUNDS; i++) {
      const startedAt = Date.now();
      const sandbox = await startSandbox({
        name: `bench-dynos-${process.pid}-${i + 1}`, stack: { kind: "host" }, appDir, ...appIds(9_998), env: { PATH: "/usr/bin:/bin" },
        cwd: "/app", argv: ["date", "+%s%N"], limits: { memoryBytes: 512 << 20, pids: 256 },
      });
      const output = await new Response(sandbox.stdout).text();
      await sandbox.exited;
      await sandbox.destroy();
      if (i >= 0) times.push(firstInstructionMs(output) - startedAt); // round -1 prepares the stack, as a daemon's first start does
    }
  } finally {
    rmSync(appDir, { recursive: true, force: true });
  }
  return times;
}

/** From the `Starting process` line to the first instruction of a detached one-off's command. */
async function oneOffStartMs(server: TestServer, app: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = await server.api("POST", `/apps/${app}/dynos`, { command: "date +%s%N", attach: false });
    const name = started.json.name as string;
    const lines = await until(`${name}'s output`, async () => {
      const all = await logLines(server, app, name);
      return all.some((l) => l.source === `app[${name}]`) ? all : null;
    });
    const startedAt = lines.find((l) => l.source === `heroku[${name}]` && l.text.startsWith("Starting process"))!;
    const printed = lines.find((l) => l.source === `app[${name}]`)!;
    // Log stamps have microseconds; Date.parse keeps milliseconds, so read them whole.
    const stampMs = Number(/\.(\d{6})/.exec(startedAt.line)![1]) / 1000 + Math.floor(startedAt.at / 1000) * 1000;
    times.push(firstInstructionMs(printed.text) - stampMs);
  }
  return times;
}

/**
 * RSS counts every page a process maps, libc's included, though all processes share them; PSS
 * splits shared pages among their users; private pages plus page tables are what the process
 * alone costs: the memory the machine gets back when it exits.
 */
function procStatus(pid: number): { ppid: number; comm: string; rssKiB: number; pssKiB: number; ownKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, "m").exec(status)?.[1] ?? "";
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? 0);
  return {
    ppid: Number(field("PPid")), comm: field("Name"), rssKiB: parseInt(field("VmRSS")) || 0, pssKiB: kib("Pss"),
    ownKiB: kib("Private_Clean") + kib("Private_Dirty") + (parseInt(field("VmPTE")) || 0),
  };
}

/** Per sandbox of `app`: the memory of everything but the app's own `node` (init, bash, and the launcher outside). */
function dynoOverheads(app: string): { rssKiB: number; pssKiB: number; ownKiB: number; appRssKiB: number }[] {
  const bySandbox = new Map<string, number[]>();
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const name = new RegExp(`/slipway/(${app}-[^/\\n]+)`).exec(readFileSync(`/proc/${entry}/cgroup`, "utf8"))?.[1];
      if (name) bySandbox.set(name, [...(bySandbox.get(name) ?? []), Number(entry)]);
    } catch {
      // Exited while we looked.
    }
  }
  return [...bySandbox.values()].map((pids) => {
    const processes = pids.map((pid) => ({ pid, ...procStatus(pid) }));
    const init = processes.find((p) => !pids.includes(p.ppid))!;
    const platform = [...processes.filter((p) => p.comm !== "node"), { pid: init.ppid, ...procStatus(init.ppid) }];
    const sum = (key: "rssKiB" | "pssKiB" | "ownKiB") => platform.reduce((total, p) => total + p[key], 0);
    return {
      rssKiB: sum("rssKiB"), pssKiB: sum("pssKiB"), ownKiB: sum("ownKiB"),
      appRssKiB: processes.filter((p) => p.comm === "node").reduce((total, p) => total + p.rssKiB, 0),
    };
  });
}

/** Unreclaimable kernel memory (slab, kernel stacks, page tables), KiB: namespaces, mounts, cgroups, sockets… */
function kernelKiB(): number {
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(meminfo)?.[1] ?? 0);
  return kib("SUnreclaim") + kib("KernelStack") + kib("PageTables");
}

const SERVER_JS = `require("http").createServer((q, s) => s.end("ok")).listen(process.env.PORT);\n`;

/**
 * The kernel's share, side by side: what 10 more idle web dynos add to it, less what 10 more of the
 * same node servers started bare on the host add, per dyno.
 */
async function kernelOverheadKiB(server: TestServer, app: string, workDir: string): Promise<number> {
  const webUp = async (quantity: number) => {
    await server.api("PATCH", `/apps/${app}/formation`, { updates: [{ type: "web", quantity }] });
    await until(`${quantity} web dynos`, async () => {
      const dynos = (await server.api("GET", `/apps/${app}/dynos`)).json as { state: string }[];
      return dynos.length === quantity && dynos.every((d) => d.state === "up");
    });
    await Bun.sleep(1000);
  };
  await webUp(1);
  const beforeDynos = kernelKiB();
  await webUp(11);
  const dynos = (kernelKiB() - beforeDynos) / 10;
  await webUp(1);

  const script = join(workDir, "server.js");
  await Bun.write(script, SERVER_JS);
  const beforeBare = kernelKiB();
  const bare = await Promise.all(Array.from({ length: 10 }, async () => {
    const port = await freePort();
    const proc = Bun.spawn(["node", script], { env: { PORT: String(port), PATH: process.env.PATH ?? "/usr/bin:/bin" } });
    await until("a bare node server", async () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false));
    return proc;
  }));
  await Bun.sleep(1000);
  const bareEach = (kernelKiB() - beforeBare) / 10;
  for (const proc of bare) proc.kill();
  await Promise.all(bare.map((proc) => proc.exited));
  return dynos - bareEach;
}

async function scaleUpMs(server: TestServer, app: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const scaled = await server.api("PATCH", `/apps/${app}/formation`, { updates: [{ type: "web", quantity: 10 }] });
    if (scaled.status !== 200) throw new Error(JSON.stringify(scaled.json));
    await until("10 web dynos up", async () => {
      const dynos = (await server.api("GET", `/apps/${app}/dynos`)).json as { state: string }[];
      return dynos.length === 10 && dynos.every((d) => d.state === "up");
    });
    times.push(performance.now() - started);
    if (i < 2) await server.api("PATCH", `/apps/${app}/formation`, { updates: [{ type: "web", quantity: 1 }] });
  }
  return times;
}

const verdict = (value: number, goal: number) => (value <= goal ? "meets" : "misses");
const server = new TestServer();
try {
  const bare = median(await bareSandboxStartMs());
  await server.start();
  const work = join(server.scratch, "bench");
  mkdirSync(work);
  await deployApp(server, work, "bench-web", {
    "Procfile": "web: node server.js\n",
    "server.js": SERVER_JS,
  });
  const oneOff = median(await oneOffStartMs(server, "bench-web"));
  const scale = median(await scaleUpMs(server, "bench-web"));
  await Bun.sleep(500);
  const overheads = dynoOverheads("bench-web");
  const rss = median(overheads.map((o) => o.rssKiB));
  const pss = median(overheads.map((o) => o.pssKiB));
  const own = median(overheads.map((o) => o.ownKiB));
  const appRss = median(overheads.map((o) => o.appRssKiB));
  const kernelRounds: number[] = [];
  for (let i = 0; i < 3; i++) kernelRounds.push(await kernelOverheadKiB(server, "bench-web", work));
  const kernel = median(kernelRounds);

  console.log(`median of ${ROUNDS} runs; ${overheads.length} idle web dynos; scale and kernel memory: median of 3`);
  console.log(`sandbox start to first instruction: ${bare.toFixed(1)} ms bare sandbox (goal <= ${GOALS.startMs} ms: ${verdict(bare, GOALS.startMs)}); ` +
    `${oneOff.toFixed(1)} ms for a one-off dyno, slug unpack included`);
  const mb = (kib: number) => `${(kib / 1024).toFixed(2)} MB`;
  console.log(`memory per idle dyno beyond the app (node ${(appRss / 1024).toFixed(1)} MB RSS), goal <= ${GOALS.overheadKiB / 1024} MB: ` +
    `its own ${mb(own)} (private pages + page tables: ${verdict(own, GOALS.overheadKiB)}), ${mb(pss)} PSS (${verdict(pss, GOALS.overheadKiB)}), ` +
    `${mb(rss)} RSS counting the shared libc pages (${verdict(rss, GOALS.overheadKiB)})`);
  console.log(`  and in the kernel, beyond a bare node server's: ${mb(kernel)} (rounds: ${kernelRounds.map(mb).join(", ")}; sandbox's own + kernel: ${mb(own + kernel)}, ` +
    `${verdict(own + kernel, GOALS.overheadKiB)})`);
  console.log(`web 1 -> 10 up: ${(scale / 1000).toFixed(2)} s (goal <= ${GOALS.scaleMs / 1000} s: ${verdict(scale, GOALS.scaleMs)})`);
} finally {
  await server.destroy();
}
