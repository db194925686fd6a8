// The log stream and the scheduler through the compiled binary: every source in Heroku's format, the
// CLI's filters and tail, retention across a restart, drains, runtime metrics, /metrics, and cron jobs
// running as scheduler.N dynos.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
// @ts-expect-error: the parser ships no types
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { BINARY, TestServer } from "./harness.ts";
import { commitFiles, makeRepo, nodeServer, push, routerGet } from "./apps.ts";

let server: TestServer;
let work: string;
const remote = (app: string) => `http://:${server.adminToken}@127.0.0.1:${server.apiPort}/${app}.git`;
const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 (app|heroku)\[[a-z0-9.]+\]: /;

async function logs(app: string, args: string[] = []): Promise<string[]> {
  const r = await server.cli(["logs", "-a", app, "-n", "1500", ...args]);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.split("\n").filter(Boolean);
}

async function until<T>(probe: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(100);
  }
}

beforeAll(async () => {
  server = new TestServer({ SLIPWAY_RUNTIME_METRICS_INTERVAL: "1" });
  await server.start();
  work = join(server.scratch, "work");
  mkdirSync(work);
  await server.api("POST", "/apps", { name: "logged" });
  const repo = makeRepo(join(work, "logged"), {
    "Procfile": "web: node server.js\nrelease: echo running the release phase\n",
    "server.js": `console.log("web dyno says hello"); ${nodeServer("logged")}`,
  });
  const pushed = await push(repo, remote("logged"));
  if (pushed.code !== 0) throw new Error(pushed.output);
});
afterAll(async () => server?.destroy());

describe("the log stream", () => {
  test("every source, in Heroku's line format", async () => {
    await routerGet(server.routerPort, "logged.localhost", "/hello");
    await server.cli(["config:set", "FOO=bar", "-a", "logged"]);
    await server.cli(["ps:scale", "web=1", "-a", "logged"]);
    await server.cli(["run", "-a", "logged", "--", "true"]);
    await server.cli(["run:detached", "-a", "logged", "--", "echo from a detached run"]);
    const lines = await until(async () => {
      const all = await logs("logged");
      return all.some((l) => /app\[run\.\d+\]: from a detached run$/.test(l)) && all.some((l) => l.includes('path="/hello"')) ? all : null;
    });
    for (const line of lines) expect(line).toMatch(LINE);
    const text = lines.join("\n");
    expect(text).toMatch(/ app\[web\.1\]: web dyno says hello$/m);
    expect(text).toMatch(/ heroku\[web\.1\]: Starting process with command `node server\.js`$/m);
    expect(text).toMatch(/ heroku\[web\.1\]: State changed from starting to up$/m);
    expect(text).toMatch(/ heroku\[router\]: at=info method=GET path="\/hello" host=logged\.localhost /m);
    expect(text).toMatch(/ app\[api\]: Deploy [0-9a-f]{7} by user admin@slipway\.local$/m);
    expect(text).toMatch(/ app\[api\]: Release v2 created by user admin@slipway\.local$/m);
    expect(text).toMatch(/ app\[api\]: Set FOO config vars by user admin@slipway\.local$/m);
    expect(text).toMatch(/ app\[api\]: Scaled to web@1:Standard-1X by user admin@slipway\.local$/m);
    expect(text).toMatch(/ app\[release\.\d+\]: running the release phase$/m);
    expect(text).toMatch(/ heroku\[run\.\d+\]: Starting process with command `true`$/m);
    expect(text).toMatch(/ app\[run\.\d+\]: from a detached run$/m);
  });

  test("-n, --ps and --source filter", async () => {
    const three = (await server.cli(["logs", "-a", "logged", "-n", "3"])).stdout.trim().split("\n");
    expect(three).toHaveLength(3);
    const router = await logs("logged", ["--ps", "router"]);
    expect(router.length).toBeGreaterThan(0);
    for (const l of router) expect(l).toContain(" heroku[router]: ");
    const web = await logs("logged", ["--dyno", "web"]);
    for (const l of web) expect(l).toMatch(/ (app|heroku)\[web\.\d+\]: /);
    const appOnly = await logs("logged", ["--source", "app"]);
    expect(appOnly.length).toBeGreaterThan(0);
    for (const l of appOnly) expect(l).toMatch(/ app\[/);
    const platform = await logs("logged", ["--source", "heroku", "--ps", "web.1"]);
    for (const l of platform) expect(l).toContain(" heroku[web.1]: ");
  });

  test("--tail shows a new line as it happens", async () => {
    const tail = Bun.spawn([BINARY, "logs", "--tail", "-n", "0", "-a", "logged"], {
      env: { PATH: process.env.PATH!, HOME: server.scratch, SLIPWAY_URL: server.url, SLIPWAY_TOKEN: server.adminToken }, stdout: "pipe",
    });
    try {
      let seen = "";
      void (async () => {
        for await (const chunk of tail.stdout) seen += new TextDecoder().decode(chunk);
      })();
      // With -n 0 nothing shows when the tail is connected: requests made before then are not tailed,
      // so ask again until one is, and time that one.
      let latencyMs = Infinity;
      for (let attempt = 0; attempt < 20 && latencyMs === Infinity; attempt++) {
        const marker = `path="/tailed-${attempt}"`;
        const sent = Date.now();
        await routerGet(server.routerPort, "logged.localhost", `/tailed-${attempt}`);
        while (Date.now() - sent < 1000 && !seen.includes(marker)) await Bun.sleep(5);
        if (seen.includes(marker)) latencyMs = Date.now() - sent;
      }
      expect(latencyMs).toBeLessThan(1000);
    } finally {
      tail.kill();
      await tail.exited;
    }
  });

  test("runtime metrics with real cgroup numbers, once the lab is on", async () => {
    expect((await server.cli(["labs:enable", "log-runtime-metrics", "-a", "logged"])).code).toBe(0);
    const line = await until(async () => (await logs("logged", ["--ps", "web.1"])).find((l) => l.includes("sample#memory_total")));
    const m = /heroku\[web\.1\]: source=web\.1 dyno=heroku\.\S+ sample#memory_total=([\d.]+)MB sample#memory_rss=([\d.]+)MB sample#memory_cache=[\d.]+MB sample#memory_swap=[\d.]+MB sample#memory_quota=512\.00MB$/.exec(line);
    expect(m, line).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    // A busy one-off dyno shows a load above zero.
    await server.cli(["run:detached", "-a", "logged", "--", "timeout 6 sh -c 'while :; do :; done'"]);
    const busy = await until(async () => (await logs("logged")).find((l) => /heroku\[run\.\d+\]: source=run\.\d+ .*sample#load_avg_1m=(0\.[1-9]\d|0\.0[1-9]|[1-9])/.test(l)));
    expect(busy).toMatch(/sample#load_avg_1m=\d+\.\d\d sample#load_avg_5m=\d+\.\d\d sample#load_avg_15m=\d+\.\d\d$/);
    await server.cli(["labs:disable", "log-runtime-metrics", "-a", "logged"]);
  });

  test("an HTTPS drain and a syslog drain receive the stream; a dead one slows nothing", async () => {
    const bodies: { headers: Headers; body: string }[] = [];
    const https = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (req) => (bodies.push({ headers: req.headers, body: await req.text() }), new Response("ok")) });
    let syslog = "";
    const tcp = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: (_s, d) => void (syslog += d.toString()) } });
    try {
      expect((await server.cli(["drains:add", `http://127.0.0.1:${https.port}/drain`, "-a", "logged"])).code).toBe(0);
      expect((await server.cli(["drains:add", `syslog://127.0.0.1:${tcp.port}`, "-a", "logged"])).code).toBe(0);
      expect((await server.api("POST", "/apps/logged/log-drains", { url: "ftp://nope" })).status).toBe(422);
      await routerGet(server.routerPort, "logged.localhost", "/drained");
      await until(async () => bodies.some((b) => b.body.includes('path="/drained"')) && syslog.includes('path="/drained"'));
      const batch = bodies.find((b) => b.body.includes('path="/drained"'))!;
      expect(batch.headers.get("content-type")).toBe("application/logplex-1");
      expect(Number(batch.headers.get("logplex-msg-count"))).toBeGreaterThan(0);
      expect(batch.headers.get("logplex-drain-token")).toMatch(/^d\./);
      expect(batch.body).toMatch(/^\d+ <\d+>1 \d{4}-\d\d-\d\dT\S+ \S+ heroku router - at=info method=GET path="\/drained"/m);
      expect(syslog).toMatch(/\d+ <\d+>1 \S+ d\.[0-9a-f-]+ heroku router - /);
      const drains = JSON.parse((await server.cli(["drains", "--json", "-a", "logged"])).stdout);
      expect(drains).toHaveLength(2);
      for (const d of drains) expect((await server.cli(["drains:remove", d.url, "-a", "logged"])).code).toBe(0);
    } finally {
      https.stop(true);
      tcp.stop(true);
    }

    const printFast = async () => {
      const before = Date.now();
      const r = await server.cli(["run", "-a", "logged", "--", "seq 100000 >&2; echo done"]);
      expect(r.code).toBe(0);
      return Date.now() - before;
    };
    const without = await printFast();
    await server.cli(["drains:add", "http://127.0.0.1:9/dead", "-a", "logged"]);
    const withDead = await printFast();
    expect(withDead).toBeLessThan(without * 3 + 1000);
  }, 60_000);

  test("an app keeps its log lines across a daemon restart", async () => {
    await routerGet(server.routerPort, "logged.localhost", "/before-restart");
    await until(async () => (await logs("logged")).some((l) => l.includes('path="/before-restart"')));
    await server.stop();
    await server.start();
    const after = await logs("logged");
    expect(after.some((l) => l.includes('path="/before-restart"'))).toBe(true);
    expect(after.some((l) => / app\[api\]: Deploy [0-9a-f]{7} by user/.test(l))).toBe(true);
  });

  test("/metrics in the Prometheus text format, for the admin only", async () => {
    type Family = { name: string; metrics: { labels?: Record<string, string>; value?: string }[] };
    const scrape = async () => {
      const response = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${server.adminToken}` } });
      return new Map((parsePrometheusTextFormat(await response.text()) as Family[]).map((f) => [f.name, f]));
    };
    const byName = await until(async () => {
      await routerGet(server.routerPort, "logged.localhost", "/counted");
      const families = await scrape();
      const counted = families.get("slipway_router_requests_total")?.metrics.some((m) => m.labels?.app === "logged" && m.labels?.status_class === "2xx");
      const up = families.get("slipway_dynos")?.metrics.some((m) => m.labels?.app === "logged" && m.labels?.state === "up");
      return counted && up ? families : null;
    });
    expect(byName.has("slipway_router_service_seconds")).toBe(true);
    expect(byName.get("slipway_builds")!.metrics.some((m) => m.labels?.status === "succeeded")).toBe(true);
    const student = (await server.api("POST", "/users", { email: "metrics@example.com" })).json.token;
    expect((await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${student}` } })).status).toBe(403);
  });
});

describe("the scheduler", () => {
  test("app.json jobs run as scheduler.N dynos, on time, with their log lines", async () => {
    await server.api("POST", "/apps", { name: "cronapp" });
    const repo = makeRepo(join(work, "cronapp"), {
      "Procfile": "worker: sleep 100000\n",
      "app.json": JSON.stringify({ cron: [{ command: "echo tick from cron", schedule: "*/1 * * * * *" }] }),
    });
    const pushed = await push(repo, remote("cronapp"));
    expect(pushed.code, pushed.output).toBe(0);
    const lines = await until(async () => {
      const all = await logs("cronapp");
      return all.filter((l) => l.endsWith("tick from cron")).length >= 3 ? all : null;
    });
    const text = lines.join("\n");
    expect(text).toMatch(/ heroku\[scheduler\.\d+\]: Starting process with command `echo tick from cron`$/m);
    expect(text).toMatch(/ app\[scheduler\.\d+\]: tick from cron$/m);
    expect(text).toMatch(/ heroku\[scheduler\.\d+\]: Process exited with status 0$/m);
    const jobs = JSON.parse((await server.cli(["cron", "--json", "-a", "cronapp"])).stdout);
    expect(jobs.map((j: any) => [j.command, j.origin])).toEqual([["echo tick from cron", "app.json"]]);

    commitFiles(repo, { "app.json": JSON.stringify({ cron: [{ command: "x", schedule: "not a schedule" }] }) }, "bad cron");
    const bad = await push(repo, remote("cronapp"));
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/remote: !.*not a schedule/);
    commitFiles(repo, { "app.json": "{}" }, "no cron");
    expect((await push(repo, remote("cronapp"))).code).toBe(0);
  }, 60_000);

  test("CLI jobs: no overlap, invalid input refused, and they survive a restart", async () => {
    const added = await server.cli(["cron:add", "*/1 * * * * *", "echo slow start; sleep 3", "-a", "cronapp"]);
    expect(added.code, added.stderr).toBe(0);
    await until(async () => (await logs("cronapp")).some((l) => l.includes("previous run still in progress")));
    const bad = await server.cli(["cron:add", "every tuesday", "echo", "-a", "cronapp"]);
    expect(bad.code).not.toBe(0);
    const jobs = JSON.parse((await server.cli(["cron", "--json", "-a", "cronapp"])).stdout);
    expect(jobs).toHaveLength(1);
    expect((await server.cli(["cron:remove", jobs[0].id, "-a", "cronapp"])).code).toBe(0);

    expect((await server.cli(["cron:add", "*/1 * * * * *", "echo after restart", "-a", "cronapp"])).code).toBe(0);
    await server.stop();
    await server.start();
    await until(async () => (await logs("cronapp")).some((l) => / app\[scheduler\.\d+\]: after restart$/.test(l)));
  }, 60_000);
});
