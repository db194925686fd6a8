// Test fixtures for the router: a router on port 0 with a mutable route table and a captured log,
// raw TCP clients and backends for the cases fetch cannot express.
import type { Socket, TCPSocketListener } from "bun";
import { accessLine, type AppRoute, type Backend, type RouterTimeouts, startRouter } from "../../src/router/index.ts";

export interface LogLine { appId: string; source: string; text: string }

export interface RouterFixture {
  port: number;
  routes: Map<string, AppRoute>;
  logs: LogLine[];
  /** Resolves with the next log line for which `match` holds (already logged ones count). */
  logLine(match: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  url(path?: string): string;
  stop(): Promise<void>;
}

export function app(name: string, backends: Backend[], extra: Partial<AppRoute> = {}): AppRoute {
  return { appId: `id-${name}`, appName: name, maintenance: false, backends, state: "ok", ...extra };
}

export async function startTestRouter(timeouts?: RouterTimeouts): Promise<RouterFixture> {
  const routes = new Map<string, AppRoute>();
  const logs: LogLine[] = [];
  const router = await startRouter({
    port: 0,
    hostname: "127.0.0.1",
    routeFor: (host) => routes.get(host) ?? null,
    log: (appId, record) => logs.push({ appId, source: "heroku[router]", text: accessLine(record) }),
    timeouts,
  });
  return {
    port: router.port,
    routes,
    logs,
    logLine: (match, timeoutMs = 5000) => until(() => logs.find((l) => match(l.text))?.text, timeoutMs, "log line"),
    url: (path = "/") => `http://127.0.0.1:${router.port}${path}`,
    stop: () => router.stop(),
  };
}

/** Polls `get` until it returns a value; generous timeouts, tests fail on the value, not the clock. */
export async function until<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

export const backendOf = (port: number, dyno = "web.1"): Backend => ({ dyno, host: "127.0.0.1", port });

/** A raw TCP client: write exact bytes, read everything as latin1 text. */
export class RawClient {
  text = "";
  closed = false;
  private constructor(private socket: Socket<RawClient>) {}

  static async connect(port: number): Promise<RawClient> {
    const socket = await Bun.connect<RawClient>({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(s, bytes) { s.data.text += bytes.toString("latin1"); },
        close(s) { s.data.closed = true; },
        error() {},
      },
      data: undefined as unknown as RawClient,
    });
    const client = new RawClient(socket);
    socket.data = client;
    return client;
  }

  write(bytes: string | Uint8Array): void {
    this.socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
  }

  waitFor(match: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
    return until(() => (match(this.text) ? this.text : undefined), timeoutMs, `client text (got ${JSON.stringify(this.text.slice(0, 300))})`);
  }

  waitClosed(timeoutMs = 5000): Promise<true> {
    return until(() => (this.closed ? true : undefined), timeoutMs, "client close");
  }

  close(): void {
    this.socket.terminate();
  }
}

export interface RawBackend { port: number; opened: number; closed: number; received: string; stop(): void }

/** A raw TCP backend; `onData` decides what a connection does with everything it has received so far. */
export function rawBackend(onData: (socket: Socket<{ text: string }>, text: string) => void): RawBackend {
  const backend: RawBackend = { port: 0, opened: 0, closed: 0, received: "", stop: () => listener.stop(true) };
  const listener: TCPSocketListener<{ text: string }> = Bun.listen<{ text: string }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { text: "" };
        backend.opened++;
      },
      data(s, bytes) {
        const chunk = bytes.toString("latin1");
        s.data.text += chunk;
        backend.received += chunk;
        onData(s, s.data.text);
      },
      close() {
        backend.closed++;
      },
      error() {},
    },
  });
  backend.port = listener.port;
  return backend;
}

/** Count of complete response messages in a raw text stream of Content-Length responses. */
export function responsesIn(text: string): number {
  return text.split("HTTP/1.1 ").length - 1;
}
