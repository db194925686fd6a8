// Benchmark helper for bench/router.sh: the real daemon (dist/slipway server, in a temp home) with the
// bench's small Node app deployed by `git push` as its web dyno, so the router is measured as it ships —
// route lookup, access line, log store and metrics included. Prints "ready ROUTER_PORT DYNO_PORT
// SERVER_PID" once the router serves the app; on SIGTERM stops the server and removes the temp home.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { makeRepo, push, routerGet } from "../test/integration/apps.ts";
import { TestServer } from "../test/integration/harness.ts";

const APP = "app";
// Says its port in the app's log, so direct and nginx runs can reach this same dyno without the router.
const SERVER_JS = `require("http").createServer((q, s) => s.end("hello"))
  .listen(process.env.PORT, () => console.log("listening on " + process.env.PORT));\n`;

const server = new TestServer();
const stopped = new Promise((done) => process.on("SIGTERM", done));
try {
  await server.start();
  await server.api("POST", "/apps", { name: APP });
  const repo = makeRepo(join(server.scratch, APP), { "Procfile": "web: node server.js\n", "server.js": SERVER_JS });
  const pushed = await push(repo, `http://:${server.adminToken}@127.0.0.1:${server.apiPort}/${APP}.git`);
  if (pushed.code !== 0) throw new Error(`git push failed:\n${pushed.output}`);
  const dynoPort = await announcedPort();
  while ((await routerGet(server.routerPort, `${APP}.localhost`).catch(() => null))?.status !== 200) await Bun.sleep(20);
  console.log(`ready ${server.routerPort} ${dynoPort} ${server.process!.pid}`);
  await stopped;
} finally {
  await server.destroy();
}

async function announcedPort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const session = (await server.api("POST", `/apps/${APP}/log-sessions`, { lines: 100, source: "app" })).json;
    const port = /listening on (\d+)/.exec(await (await fetch(session.logplex_url)).text())?.[1];
    if (port !== undefined) return Number(port);
    await Bun.sleep(50);
  }
  throw new Error("the dyno never said which port it listens on");
}
