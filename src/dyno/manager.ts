// The dyno manager: keeps every app's dynos in step with its formation and current release, restarts
// crashed dynos with back-off, replaces dynos on a release (web dynos preboot), and runs one-off dynos.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { LogStore } from "../logs/index.ts";
import { pipeOutputToLog } from "../logs/index.ts";
import { startSandbox, type Stack, type TerminalSize } from "../sandbox/index.ts";
import {
  allFormations, appByNameOrId, currentRelease, formationOf, upsertFormation, type App, type Db, type Release,
} from "../state/index.ts";
import { Dyno, type DynoState, type DynoTimings } from "./dyno.ts";
import { cycleDelayMs, defaultQuantity, desiredDynos, restartDelayMs, type DesiredDyno } from "./lifecycle.ts";
import { freePort, prepareDyno, sweepStaleDynos, type Attach } from "./launch.ts";
import { DEFAULT_SIZE, dynoSize, type DynoSize } from "./sizes.ts";

export interface DynoManagerOptions {
  db: Db;
  logs: LogStore;
  dynosDir: string;
  slugsDir: string;
  /** The root file system of a stack, by the name a slug was built on; null when it isn't installed. */
  stackFor(stackName: string): Stack | null;
  /** `cycleMs` null: daily cycling is off. */
  timings: DynoTimings & { restartBaseMs: number; cycleMs: number | null; cycleJitterMs: number };
}

export interface OneOffOptions {
  command: string; type?: "run" | "scheduler" | "release"; size?: string; env?: Record<string, string>;
  attach?: boolean; timeToLiveMs?: number; release?: Release;
  /** Attached only: the client's terminal size, when it wants a TTY. */
  terminal?: TerminalSize;
}

/** How long a replaced web dyno, out of the router's pool, gets to answer what it already took. */
const PREBOOT_DRAIN_MS = 500;

interface AppDynos {
  formation: Map<string, Dyno>;
  /** Replaced web dynos that keep taking requests until their replacements are up (preboot). */
  retiringWeb: Set<Dyno>;
  oneOffs: Map<string, Dyno>;
  crashes: Map<string, number>;
  restartTimers: Map<string, ReturnType<typeof setTimeout>>;
  /** Operations on one app run one at a time, so a scale can't interleave with a release. */
  queue: Promise<unknown>;
}

/** Every dyno still running for the app, those being replaced included: what a shutdown must stop. */
function everyDyno(entry: AppDynos): Dyno[] {
  return [...entry.formation.values(), ...entry.retiringWeb, ...entry.oneOffs.values()];
}

export class DynoManager {
  private apps = new Map<string, AppDynos>();
  private closed = false;
  /** Resolves once start() has swept the predecessor's sandboxes: no dyno starts before (a sweep would kill it). */
  private readonly swept: Promise<void>;
  private markSwept!: () => void;

  constructor(private readonly opts: DynoManagerOptions) {
    mkdirSync(opts.dynosDir, { recursive: true, mode: 0o700 });
    this.swept = new Promise((resolve) => (this.markSwept = resolve));
  }

  private appDynos(appId: string): AppDynos {
    let entry = this.apps.get(appId);
    if (!entry) {
      entry = { formation: new Map(), retiringWeb: new Set(), oneOffs: new Map(), crashes: new Map(), restartTimers: new Map(), queue: Promise.resolve() };
      this.apps.set(appId, entry);
    }
    return entry;
  }

  private serial<T>(appId: string, work: () => Promise<T>): Promise<T> {
    const entry = this.appDynos(appId);
    const run = entry.queue.then(work, work);
    entry.queue = run.catch(() => undefined);
    return run;
  }

  /** At start: sweep what a crashed predecessor left running, then bring up every app's formation. */
  async start(): Promise<void> {
    await sweepStaleDynos(this.opts.dynosDir).finally(this.markSwept);
    const appIds = new Set(allFormations(this.opts.db).filter((f) => f.quantity > 0).map((f) => f.appId));
    await Promise.all([...appIds].map((id) => this.reconcile(id)));
  }

  /** A new release is live: its process types join the formation, and every dyno moves to it. */
  async released(app: App, release: Release): Promise<void> {
    const types = Object.keys(release.slug?.processTypes ?? {}).filter((t) => t !== "release");
    const known = new Set(formationOf(this.opts.db, app.id).map((f) => f.type));
    const fresh = types.filter((t) => !known.has(t));
    if (fresh.length) {
      upsertFormation(this.opts.db, app.id, fresh.map((type) => ({ type })),
        fresh.map((type) => ({ quantity: defaultQuantity(type), size: DEFAULT_SIZE })));
    }
    this.appDynos(app.id).crashes.clear();
    await this.reconcile(app.id);
  }

  /** Makes the running dynos match formation × current release; dynos of an older release are replaced. */
  reconcile(appId: string, restart?: (dyno: Dyno) => boolean): Promise<void> {
    return this.serial(appId, () => this.reconcileNow(appId, restart));
  }

  private async reconcileNow(appId: string, restart?: (dyno: Dyno) => boolean): Promise<void> {
    if (this.closed) return;
    const app = appByNameOrId(this.opts.db, appId);
    const entry = this.appDynos(appId);
    const release = app ? currentRelease(this.opts.db, appId) : null;
    const desired = app && release?.slug ? desiredDynos(formationOf(this.opts.db, appId), release.slug.processTypes) : [];
    const wanted = new Map(desired.map((d) => [d.name, d]));
    const retiring: Dyno[] = [];
    for (const [name, dyno] of entry.formation) {
      const want = wanted.get(name);
      const stale = !want || dyno.info.releaseId !== release?.id || dyno.info.size !== want.size || dyno.info.command !== want.command;
      if (stale || restart?.(dyno) || dyno.state === "crashed") {
        entry.formation.delete(name);
        if (dyno.info.type === "web") entry.retiringWeb.add(dyno);
        this.cancelRestart(entry, name);
        retiring.push(dyno);
      }
    }
    // Non-web dynos stop before their replacements start, like Heroku; web dynos preboot instead.
    await Promise.all(retiring.filter((d) => d.info.type !== "web").map((d) => d.stop()));
    const started: Dyno[] = [];
    if (app && release) {
      for (const want of desired) {
        if (entry.formation.has(want.name) || entry.restartTimers.has(want.name)) continue;
        started.push(await this.launchFormationDyno(app, release, want));
      }
    }
    const oldWeb = retiring.filter((d) => d.info.type === "web");
    await Promise.all(started.filter((d) => d.info.type === "web").map((d) => d.booted));
    // Out of the pool first, and a moment for the requests already routed there to finish, so no
    // request reaches a dyno that is shutting down.
    for (const d of oldWeb) entry.retiringWeb.delete(d);
    if (oldWeb.some((d) => d.state === "up")) await Bun.sleep(PREBOOT_DRAIN_MS);
    await Promise.all(oldWeb.map((d) => d.stop()));
  }

  private async launchFormationDyno(app: App, release: Release, want: DesiredDyno): Promise<Dyno> {
    const size = dynoSize(want.size) ?? dynoSize(DEFAULT_SIZE)!;
    const port = want.type === "web" ? await freePort() : undefined;
    const dyno = this.createDyno(app, release, { name: want.name, type: want.type, command: want.command, size, port, oneOff: false, attached: false });
    this.appDynos(app.id).formation.set(want.name, dyno);
    await this.startDyno(app, release, dyno, size, {}, null);
    this.scheduleCycle(app.id, dyno);
    return dyno;
  }

  /** Daily cycling: the dyno is replaced (web ones preboot) as on a restart, once its time comes. */
  private scheduleCycle(appId: string, dyno: Dyno): void {
    const { cycleMs, cycleJitterMs } = this.opts.timings;
    if (cycleMs === null) return;
    const timer = setTimeout(() => {
      if (this.closed || this.apps.get(appId)?.formation.get(dyno.name) !== dyno) return;
      this.opts.logs.append(appId, "heroku", dyno.name, "Cycling");
      void this.reconcile(appId, (d) => d === dyno);
    }, cycleDelayMs(cycleMs, cycleJitterMs));
    void dyno.exited.then(() => clearTimeout(timer));
  }

  private createDyno(app: App, release: Release, d: { name: string; type: string; command: string; size: DynoSize; port?: number; oneOff: boolean; attached: boolean }): Dyno {
    const logs = this.opts.logs;
    return new Dyno(
      { name: d.name, type: d.type, size: d.size.name, command: d.command, releaseId: release.id, releaseVersion: release.version,
        attached: d.attached, port: d.port, oneOff: d.oneOff, memoryQuotaBytes: d.size.memoryMb * 1048576 },
      this.opts.timings,
      {
        platformLog: (text) => logs.append(app.id, "heroku", d.name, text),
        // An attached dyno's output goes to whoever attached, not to the log.
        pipeOutput: (stream) => (d.attached ? Promise.resolve() : pipeOutputToLog(stream, logs, app.id, "app", d.name)),
        onStateChange: () => undefined,
        onExit: (dyno, _status, expected) => this.dynoExited(app.id, dyno, expected),
      },
    );
  }

  private async startDyno(app: App, release: Release, dyno: Dyno, size: DynoSize, env: Record<string, string>, attach: Attach | null): Promise<void> {
    await this.swept;
    await dyno.start(async () => {
      const stackName = release.slug?.stack ?? "";
      const stack = this.opts.stackFor(stackName);
      if (!stack) throw new Error(`the stack ${stackName} is not installed on this host`);
      const prepared = await prepareDyno({
        dynosDir: this.opts.dynosDir, slugsDir: this.opts.slugsDir, app, release, dyno: dyno.name, command: dyno.info.command, size,
        port: dyno.info.port, extraEnv: env, stack, memoryKillMultiplier: this.opts.timings.memoryKillMultiplier, attach,
      });
      void dyno.exited.then(prepared.cleanup);
      return startSandbox(prepared.spec);
    });
  }

  private dynoExited(appId: string, dyno: Dyno, expected: boolean): void {
    const entry = this.appDynos(appId);
    if (dyno.info.oneOff) {
      if (entry.oneOffs.get(dyno.name) === dyno) entry.oneOffs.delete(dyno.name);
      return;
    }
    if (expected || this.closed || entry.formation.get(dyno.name) !== dyno) return;
    const crashes = (entry.crashes.get(dyno.name) ?? 0) + 1;
    entry.crashes.set(dyno.name, crashes);
    const delay = restartDelayMs(crashes, this.opts.timings.restartBaseMs);
    const timer = setTimeout(() => {
      entry.restartTimers.delete(dyno.name);
      if (entry.formation.get(dyno.name) === dyno) entry.formation.delete(dyno.name);
      void this.reconcile(appId);
    }, delay);
    entry.restartTimers.set(dyno.name, timer);
  }

  private cancelRestart(entry: AppDynos, name: string): void {
    const timer = entry.restartTimers.get(name);
    if (timer) clearTimeout(timer);
    entry.restartTimers.delete(name);
  }

  /** `ps:restart`: every dyno, one type, or one dyno; crash back-off starts over. */
  restart(appId: string, target?: string): Promise<void> {
    const entry = this.appDynos(appId);
    const matches = (name: string) => !target || name === target || name.split(".")[0] === target;
    for (const name of [...entry.crashes.keys()]) if (matches(name)) entry.crashes.delete(name);
    for (const name of [...entry.restartTimers.keys()]) if (matches(name)) this.cancelRestart(entry, name);
    return this.reconcile(appId, (dyno) => matches(dyno.name));
  }

  /**
   * `ps:stop`: stops the named dyno(s). One-offs are gone; formation dynos start again, as on Heroku,
   * where scaling down is how one stops them for good.
   */
  async stop(appId: string, target: string): Promise<number> {
    const entry = this.appDynos(appId);
    const matches = (name: string) => name === target || name.split(".")[0] === target;
    const victims = [...entry.formation.values(), ...entry.oneOffs.values()].filter((d) => matches(d.name));
    await Promise.all(victims.map((d) => d.stop()));
    if (victims.some((d) => !d.info.oneOff)) await this.reconcile(appId, (d) => victims.includes(d));
    return victims.length;
  }

  /** Starts a one-off dyno (`run.N`, `scheduler.N`, `release.N`) of the current (or given) release. */
  async runOneOff(app: App, options: OneOffOptions): Promise<Dyno> {
    const release = options.release ?? currentRelease(this.opts.db, app.id);
    if (!release?.slug) throw new Error(`${app.name} has no release with code to run yet; push some code first`);
    const entry = this.appDynos(app.id);
    const type = options.type ?? "run";
    let name: string;
    do name = `${type}.${1000 + Math.floor(Math.random() * 9000)}`; while (entry.oneOffs.has(name));
    const size = dynoSize(options.size ?? DEFAULT_SIZE) ?? dynoSize(DEFAULT_SIZE)!;
    const dyno = this.createDyno(app, release, { name, type, command: options.command, size, oneOff: true, attached: Boolean(options.attach) });
    entry.oneOffs.set(name, dyno);
    await this.startDyno(app, release, dyno, size, options.env ?? {}, options.attach ? { terminal: options.terminal } : null);
    if (options.timeToLiveMs) {
      const ttl = setTimeout(() => void dyno.stop(), options.timeToLiveMs);
      void dyno.exited.then(() => clearTimeout(ttl));
    }
    return dyno;
  }

  dynos(appId: string): Dyno[] {
    const entry = this.apps.get(appId);
    if (!entry) return [];
    return [...entry.formation.values(), ...entry.oneOffs.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }

  /** Web dynos that may take requests, and why there are none when there are none. The router asks on every request. */
  webPool(appId: string): { backends: { dyno: string; host: string; port: number }[]; state: "ok" | "crashed" | "none" } {
    const entry = this.apps.get(appId);
    const backends: { dyno: string; host: string; port: number }[] = [];
    if (entry === undefined) return { backends, state: "none" };
    let crashed = entry.crashes.size > 0;
    for (const d of entry.formation.values()) {
      if (d.info.type !== "web") continue;
      if (d.state === "up") backends.push({ dyno: d.name, host: "127.0.0.1", port: d.info.port! });
      else if (d.state === "crashed") crashed = true;
    }
    for (const d of entry.retiringWeb) if (d.state === "up") backends.push({ dyno: d.name, host: "127.0.0.1", port: d.info.port! });
    if (backends.length) return { backends, state: "ok" };
    const wantsWeb = formationOf(this.opts.db, appId).some((f) => f.type === "web" && f.quantity > 0);
    return { backends, state: wantsWeb && crashed ? "crashed" : "none" };
  }

  /** The app is gone: stop everything it had and forget it. */
  async forget(appId: string): Promise<void> {
    const entry = this.apps.get(appId);
    if (!entry) return;
    this.apps.delete(appId);
    for (const name of [...entry.restartTimers.keys()]) this.cancelRestart(entry, name);
    await Promise.all(everyDyno(entry).map((d) => d.stop()));
    rmSync(join(this.opts.dynosDir, appId), { recursive: true, force: true });
  }

  /** Shutdown: stop every dyno gracefully; the formation stays in the state store for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.apps.keys()].map(async (appId) => {
      const entry = this.apps.get(appId)!;
      for (const name of [...entry.restartTimers.keys()]) this.cancelRestart(entry, name);
      await Promise.all(everyDyno(entry).map((d) => d.stop()));
    }));
  }
}

export type { DynoState };
