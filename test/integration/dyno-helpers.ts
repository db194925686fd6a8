// Helpers for the dyno integration tests: deploying Procfile apps, reading an app's log, waiting for a
// condition, and finding a dyno's processes on the host through their cgroup.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestServer } from "./harness.ts";
import { makeRepo, push, type Files } from "./apps.ts";

export function remote(server: TestServer, app: string): string {
  return `http://:${server.adminToken}@127.0.0.1:${server.apiPort}/${app}.git`;
}

/** Creates the app, pushes `files` as its main branch; returns the work tree. */
export async function deployApp(server: TestServer, workDir: string, app: string, files: Files): Promise<string> {
  const created = await server.api("POST", "/apps", { name: app });
  if (created.status !== 201) throw new Error(`apps create ${app}: ${JSON.stringify(created.json)}`);
  const repo = makeRepo(join(workDir, app), files);
  const pushed = await push(repo, remote(server, app));
  if (pushed.code !== 0) throw new Error(pushed.output);
  return repo;
}

export interface LogLine { at: number; source: string; text: string; line: string }

/** The app's recent log (as many lines as the API keeps for a session), parsed. */
export async function logLines(server: TestServer, app: string, dyno?: string): Promise<LogLine[]> {
  const session = await server.api("POST", `/apps/${app}/log-sessions`, { lines: 1500, ...(dyno ? { dyno } : {}) });
  if (session.status !== 201) throw new Error(`log session: ${JSON.stringify(session.json)}`);
  const body = await (await fetch(session.json.logplex_url)).text();
  return body.split("\n").filter((l) => l.startsWith("data: ")).flatMap((l) => parseLogLine(l.slice(6)) ?? []);
}

function parseLogLine(line: string): LogLine | null {
  const m = /^(\S+) (\S+?): (.*)$/.exec(line);
  return m ? { at: Date.parse(m[1]!), source: m[2]!, text: m[3]!, line } : null;
}

/** Tails the app's log (only new lines of `dyno`) into `lines` until `stop()`, whatever the log keeps meanwhile. */
export async function followLog(server: TestServer, app: string, dyno: string): Promise<{ lines: LogLine[]; stop(): Promise<void> }> {
  const session = await server.api("POST", `/apps/${app}/log-sessions`, { lines: 0, tail: true, dyno });
  const abort = new AbortController();
  const response = await fetch(session.json.logplex_url, { signal: abort.signal });
  const lines: LogLine[] = [];
  const reading = (async () => {
    let pending = "";
    try {
      for await (const chunk of response.body!) {
        pending += new TextDecoder().decode(chunk);
        const complete = pending.split("\n");
        pending = complete.pop()!;
        for (const l of complete) {
          const parsed = l.startsWith("data: ") ? parseLogLine(l.slice(6)) : null;
          if (parsed) lines.push(parsed);
        }
      }
    } catch {
      // Aborted by stop().
    }
  })();
  return { lines, stop: async () => { abort.abort(); await reading; } };
}

/** Texts of the lines from one source, e.g. `heroku[web.1]`. */
export async function sourceTexts(server: TestServer, app: string, source: string): Promise<string[]> {
  return (await logLines(server, app)).filter((l) => l.source === source).map((l) => l.text);
}

export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** Host pids of every process in a sandbox of `app` (sandboxes are named `<app>-<dyno>-<id>`). */
export function sandboxPids(app: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cgroup`, "utf8").includes(`/slipway/${app}-`)) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

export function uidOf(pid: number): number | null {
  try {
    return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  } catch {
    return null;
  }
}

/** Running (a zombie waiting for its reaper counts as gone). */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Cgroup leaves left in any hierarchy for sandboxes of `app`. */
export function leftoverCgroups(app: string): string[] {
  const hierarchies = ["/sys/fs/cgroup/slipway", "/sys/fs/cgroup/unified/slipway", ...["memory", "pids", "cpu"].map((h) => `/sys/fs/cgroup/${h}/slipway`)];
  return hierarchies.flatMap((dir) => {
    try {
      return readdirSync(dir).filter((name) => name.startsWith(`${app}-`)).map((name) => join(dir, name));
    } catch {
      return [];
    }
  });
}

/** `slipway run -a APP -- COMMAND`, attached: its stdout, stderr and exit status. */
export function run(server: TestServer, app: string, command: string, stdin?: string) {
  return server.cli(["run", "-a", app, "--", command], stdin === undefined ? {} : { stdin });
}
