// Starts the compiled binary on free ports with a temp home, and runs CLI commands against it.
import { chownSync, mkdtempSync, rmSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../src/dyno/launch.ts";
import type { Subprocess } from "bun";

export const BINARY = resolve(import.meta.dir, "../../dist/slipway");
if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run npm run build (npm test does it)`);

export { freePort };

export interface CliResult { code: number; stdout: string; stderr: string }

/** runAs: start the server as this unprivileged user (setpriv), with the scratch dir as its own HOME and runtime dir. */
export interface ServerOptions { runAs?: { uid: number; gid: number } }

export class TestServer {
  readonly home: string;
  readonly scratch: string;
  process: Subprocess | null = null;
  apiPort = 0;
  routerPort = 0;
  httpsPort = 0;
  apiTlsPort = 0;
  rendezvousPort = 0;
  output = "";

  constructor(readonly env: Record<string, string> = {}, readonly options: ServerOptions = {}) {
    this.scratch = mkdtempSync(join(tmpdir(), "slipway-test-"));
    this.home = join(this.scratch, "home");
    if (options.runAs) chownSync(this.scratch, options.runAs.uid, options.runAs.gid);
  }

  get url() { return `http://127.0.0.1:${this.apiPort}`; }
  get adminToken() { return readFileSync(join(this.home, "admin-token"), "utf8").trim(); }

  async start(): Promise<void> {
    if (!this.apiPort) {
      this.apiPort = await freePort();
      this.routerPort = await freePort();
      this.httpsPort = await freePort();
      this.apiTlsPort = await freePort();
      this.rendezvousPort = await freePort();
    }
    this.output = "";
    const argv = [BINARY, "server", "--home", this.home, "--api-port", String(this.apiPort),
      "--router-port", String(this.routerPort), "--https-port", String(this.httpsPort), "--api-tls-port", String(this.apiTlsPort),
      "--rendezvous-port", String(this.rendezvousPort), "--bind", "127.0.0.1"];
    const runAs = this.options.runAs;
    const proc = Bun.spawn(runAs ? ["setpriv", `--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, "--init-groups", "--", ...argv] : argv, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.scratch, ...(runAs ? { XDG_RUNTIME_DIR: this.scratch } : {}), ...this.env },
      stdout: "pipe", stderr: "pipe",
    });
    this.process = proc;
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) this.output += new TextDecoder().decode(chunk);
    };
    void collect(proc.stdout as ReadableStream<Uint8Array>);
    void collect(proc.stderr as ReadableStream<Uint8Array>);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${this.output}`);
      const ok = await fetch(`${this.url}/health`).then((r) => r.ok, () => false);
      if (ok) return;
      await Bun.sleep(25);
    }
    throw new Error(`server did not start: ${this.output}`);
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    const proc = this.process;
    if (!proc) return null;
    this.process = null;
    proc.kill(signal);
    return proc.exited;
  }

  async api(method: string, path: string, body?: unknown, token = this.adminToken, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, Accept: "application/vnd.heroku+json; version=3", ...headers,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: any = null;
    try { json = JSON.parse(text); } catch { json = text; }
    return { status: response.status, json, headers: response.headers };
  }

  /** Runs `slipway ARGS` as a CLI client of this server. */
  async cli(args: string[], opts: { token?: string; cwd?: string; env?: Record<string, string>; stdin?: string } = {}): Promise<CliResult> {
    const proc = Bun.spawn([BINARY, ...args], {
      cwd: opts.cwd ?? this.scratch,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.scratch, SLIPWAY_URL: this.url,
        ...(opts.token === "" ? {} : { SLIPWAY_TOKEN: opts.token ?? this.adminToken }), ...opts.env },
      stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
      stdout: "pipe", stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, stdout, stderr };
  }

  /** SIGTERM, so the server stops its dynos (a SIGKILLed one leaves them running); SIGKILL if it hangs. */
  async destroy(): Promise<void> {
    const proc = this.process;
    const killer = setTimeout(() => proc?.kill("SIGKILL"), 15_000);
    await this.stop("SIGTERM");
    clearTimeout(killer);
    rmSync(this.scratch, { recursive: true, force: true });
  }
}
