// Measures the log stream's write path and tail latency; prints lines/s and latency percentiles.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logSessionResponse, openLogStore, pipeOutputToLog, type LogStore } from "../src/logs/index.ts";

const LINES = Number(process.env.LINES ?? 500_000);
const SHORT = "some log line";
const RAILS = 'I, [2026-11-23T10:00:00.123456 #12]  INFO -- : [6d1410f3] Completed 200 OK in 12ms (Views: 3.1ms | ActiveRecord: 2.4ms)';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A child's stdout through pipeOutputToLog, as a dyno's output goes; returns lines/s and whether all arrived. */
async function pipeThroughput(store: LogStore, app: string, text: string): Promise<{ perSecond: number; lines: number }> {
  let lines = 0;
  const stop = store.follow(app, {}, () => lines++);
  // A fixed pipeline (no input in it): `yes` is the chattiest dyno there is.
  const child = Bun.spawn(["sh", "-c", `yes '${text}' | head -n ${LINES}`], { stdout: "pipe", stderr: "inherit" });
  const started = performance.now();
  await pipeOutputToLog(child.stdout, store, app, "app", "web.1");
  const seconds = (performance.now() - started) / 1000;
  await child.exited;
  stop();
  return { perSecond: lines / seconds, lines };
}

function appendThroughput(store: LogStore, app: string): number {
  const started = performance.now();
  for (let i = 0; i < LINES; i++) store.append(app, "app", "web.1", SHORT);
  return LINES / ((performance.now() - started) / 1000);
}

function followLatency(store: LogStore, app: string, samples: number): number[] {
  const delays: number[] = [];
  let sent = 0;
  const stop = store.follow(app, {}, () => delays.push((performance.now() - sent) * 1000));
  for (let i = 0; i < samples; i++) {
    sent = performance.now();
    store.append(app, "app", "web.1", `probe ${i}`);
  }
  stop();
  return delays.sort((a, b) => a - b);
}

/** append() until an SSE client (fetch over loopback) has read the line: what `heroku logs -t` sees. */
async function tailLatency(store: LogStore, app: string, samples: number): Promise<number[]> {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req) => logSessionResponse(store, app, { lines: 0, tail: true, filter: {}, signal: req.signal }),
  });
  const controller = new AbortController();
  const res = await fetch(`http://127.0.0.1:${server.port}/`, { signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const delays: number[] = [];
  let pending = "";
  for (let i = 0; i < samples; i++) {
    const marker = `tail-probe-${i}`;
    const sent = performance.now();
    store.append(app, "app", "web.1", marker);
    while (!pending.includes(marker)) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error("tail stream ended");
      pending += decoder.decode(chunk.value, { stream: true });
    }
    delays.push(performance.now() - sent);
    pending = "";
    await Bun.sleep(2);
  }
  controller.abort();
  server.stop(true);
  return delays.sort((a, b) => a - b);
}

const dir = await mkdtemp(join(tmpdir(), "slipway-logs-bench-"));
// The rate limit would drop most of a `yes` flood (that is its job); lift it to measure the path itself.
const store = await openLogStore({ dir, appName: () => "bench", rateLimit: { linesPerSecond: 1e12, burst: 1e12 } });
try {
  const short = await pipeThroughput(store, "pipe-short", SHORT);
  const rails = await pipeThroughput(store, "pipe-rails", RAILS);
  const direct = appendThroughput(store, "direct");
  const follow = followLatency(store, "follow", 10_000);
  const tail = await tailLatency(store, "tail", 300);
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log(`pipe (child stdout -> pipeOutputToLog), ${LINES} x "${SHORT}": ${fmt(short.perSecond)} lines/s (${short.lines} lines arrived)`);
  console.log(`pipe, ${LINES} x ${RAILS.length}-byte Rails lines: ${fmt(rails.perSecond)} lines/s (${rails.lines} lines arrived)`);
  console.log(`append() one line per call: ${fmt(direct)} lines/s`);
  console.log(`goal >= 100,000 lines/s: ${short.perSecond >= 100_000 && rails.perSecond >= 100_000 ? "met" : "NOT met"}`);
  console.log(`follow latency (append -> callback): median ${percentile(follow, 50).toFixed(1)} us, p99 ${percentile(follow, 99).toFixed(1)} us`);
  console.log(`tail latency (append -> SSE client over loopback): median ${percentile(tail, 50).toFixed(2)} ms, p99 ${percentile(tail, 99).toFixed(2)} ms (goal < 100 ms)`);
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
