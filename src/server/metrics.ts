// Platform figures for Prometheus (`GET /metrics` on the API port) and Heroku's log-runtime-metrics
// lines. Request figures come from the router's access records, the same ones its log lines are made of.
import { readFileSync } from "node:fs";
import { CounterVec, HistogramVec, family, type CounterSeries, type HistogramSeries } from "./prometheus.ts";
import type { DynoManager } from "../dyno/manager.ts";
import type { LogStore } from "../logs/index.ts";
import { appByNameOrId, appsVisibleTo, appsWithFeature, adminUser, buildCountsByStatus, type Db } from "../state/index.ts";

export class PlatformMetrics {
  private readonly requests = new CounterVec();
  private readonly latency = new HistogramVec([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);

  constructor(private readonly db: Db, private readonly dynos: DynoManager) {}

  /** The exposition: request figures as they were counted, dynos and builds as they are now. */
  render(): string {
    const admin = adminUser(this.db);
    const dynoStates = new CounterVec();
    for (const app of admin ? appsVisibleTo(this.db, admin) : []) {
      for (const dyno of this.dynos.dynos(app.id)) dynoStates.inc({ app: app.name, type: dyno.info.type, state: dyno.state });
    }
    return [
      family("slipway_router_requests_total", "counter", "Requests through the router", this.requests.samples()),
      family("slipway_router_service_seconds", "histogram", "Time from dispatch to the dyno's response", this.latency.samples()),
      family("slipway_dynos", "gauge", "Dynos by app, process type and state", dynoStates.samples()),
      family("slipway_builds", "gauge", "Builds by status", buildCountsByStatus(this.db).map(({ status, count }) => ({ labels: { status }, value: count }))),
    ].join("");
  }

  /** Each routed app's series, labelled with its name: found once, then counted without label lookups. */
  private readonly routed = new Map<string, { name: string; byStatusClass: CounterSeries[]; latency: HistogramSeries }>();

  /** App names are cached for the labels; a rename or destroy clears them (later requests count under the new name). */
  forgetNames(): void {
    this.routed.clear();
  }

  /** Counts a routed request: runs for every request. `serviceMs` is null when no dyno answered. */
  observeRequest(appId: string, status: number, serviceMs: number | null): void {
    let app = this.routed.get(appId);
    if (app === undefined) {
      const name = appByNameOrId(this.db, appId)?.name ?? appId;
      this.routed.set(appId, (app = { name, byStatusClass: [], latency: this.latency.series({ app: name }) }));
    }
    const statusClass = Math.floor(status / 100);
    (app.byStatusClass[statusClass] ??= this.requests.series({ app: app.name, status_class: `${statusClass}xx` })).value++;
    if (serviceMs !== null) app.latency.observe(serviceMs / 1000);
  }
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(2)}MB`;

/** Processes of a dyno that are running or waiting on disk: what the kernel's load average counts. */
function runnableCount(pids: number[]): number {
  let count = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "R" || state === "D") count++;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return count;
}

/** The kernel's exponentially damped moving averages over 1, 5 and 15 minutes, sampled every `intervalMs`. */
export function dampedLoad(previous: [number, number, number], runnable: number, intervalMs: number): [number, number, number] {
  const decay = (minutes: number) => Math.exp(-intervalMs / (minutes * 60_000));
  return [1, 5, 15].map((m, i) => previous[i]! * decay(m) + runnable * (1 - decay(m))) as [number, number, number];
}

/**
 * Every interval, each running dyno of an app with log-runtime-metrics (or of every app) logs Heroku's
 * two sample lines: memory from its cgroup, and load averages from its runnable processes.
 */
export function startRuntimeMetrics(opts: { db: Db; dynos: DynoManager; logs: LogStore; intervalMs: number; allApps: boolean }): () => void {
  const loads = new WeakMap<object, [number, number, number]>();
  const timer = setInterval(() => {
    const appIds = opts.allApps ? appsVisibleTo(opts.db, adminUser(opts.db)!).map((a) => a.id) : appsWithFeature(opts.db, "log-runtime-metrics");
    for (const appId of appIds) {
      for (const dyno of opts.dynos.dynos(appId)) {
        const memory = dyno.sandbox?.memory();
        if (!memory || dyno.state !== "up") continue;
        const source = `source=${dyno.name} dyno=heroku.${appId}.${dyno.name}`;
        const load = dampedLoad(loads.get(dyno) ?? [0, 0, 0], runnableCount(dyno.sandbox!.pids()), opts.intervalMs);
        loads.set(dyno, load);
        opts.logs.append(appId, "heroku", dyno.name,
          `${source} sample#memory_total=${mb(memory.totalBytes)} sample#memory_rss=${mb(memory.rssBytes)} ` +
          `sample#memory_cache=${mb(memory.cacheBytes)} sample#memory_swap=0.00MB sample#memory_quota=${mb(dyno.info.memoryQuotaBytes)}`);
        opts.logs.append(appId, "heroku", dyno.name,
          `${source} sample#load_avg_1m=${load[0].toFixed(2)} sample#load_avg_5m=${load[1].toFixed(2)} sample#load_avg_15m=${load[2].toFixed(2)}`);
      }
    }
  }, opts.intervalMs);
  return () => clearInterval(timer);
}
