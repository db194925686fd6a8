// Push-to-first-served-request: a dependency-free Node app, and the cached second push of an npm app.
// Run through bench/deploy.sh (which builds the binary first).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { TestServer } from "../test/integration/harness.ts";
import { commitFiles, makeRepo, push, routerGet } from "../test/integration/apps.ts";

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const server = new TestServer();
await server.start();
const remote = (app: string) => `http://:${server.adminToken}@127.0.0.1:${server.apiPort}/${app}.git`;

async function pushUntilServed(repo: string, app: string, marker: string): Promise<number> {
  const started = performance.now();
  const result = await push(repo, remote(app));
  if (result.code !== 0) throw new Error(result.output);
  for (;;) {
    const r = await routerGet(server.routerPort, `${app}.localhost`).catch(() => null);
    if (r?.status === 200 && r.body.includes(marker)) return performance.now() - started;
    await Bun.sleep(5);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const work = join(server.scratch, "bench");
  mkdirSync(work);
  const plain: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const app = `plain-${i}`;
    await server.api("POST", "/apps", { name: app });
    const repo = makeRepo(join(work, app), {
      "package.json": JSON.stringify({ name: app, version: "1.0.0", scripts: { start: "node server.js" } }),
      "server.js": `require("http").createServer((q, s) => s.end("round ${i}")).listen(process.env.PORT);\n`,
    });
    plain.push(await pushUntilServed(repo, app, `round ${i}`));
  }

  await server.api("POST", "/apps", { name: "npm-app" });
  const pkg = { name: "npm-app", version: "1.0.0", scripts: { start: "node server.js" }, dependencies: { ms: "2.1.3" } };
  const repo = makeRepo(join(work, "npm-app"), {
    "package.json": JSON.stringify(pkg),
    "server.js": `const ms = require("ms"); require("http").createServer((q, s) => s.end(require("fs").readFileSync("v", "utf8") + ms(1000))).listen(process.env.PORT);\n`,
    "v": "first ",
  });
  const cold = await pushUntilServed(repo, "npm-app", "first");
  const cached: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    commitFiles(repo, { "v": `cached-${i} ` }, `round ${i}`);
    cached.push(await pushUntilServed(repo, "npm-app", `cached-${i}`));
  }
  // The build cache with real dependencies: express (72 packages) cold, then rebuilt after a one-file change.
  await server.api("POST", "/apps", { name: "express-app" });
  const expressRepo = makeRepo(join(work, "express-app"), {
    "package.json": JSON.stringify({ name: "express-app", version: "1.0.0", scripts: { start: "node server.js" }, dependencies: { express: "4.21.2" } }),
    "server.js": `const app = require("express")(); app.get("/", (q, s) => s.send(require("fs").readFileSync("v", "utf8"))); app.listen(process.env.PORT);\n`,
    "v": "express-cold",
  });
  const expressCold = await pushUntilServed(expressRepo, "express-app", "express-cold");
  const expressCached: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    commitFiles(expressRepo, { "v": `express-cached-${i}` }, `express round ${i}`);
    expressCached.push(await pushUntilServed(expressRepo, "express-app", `express-cached-${i}`));
  }
  const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`dependency-free Node app, push → first served request (median of ${ROUNDS}): ${fmt(median(plain))}   goal <= 2 s: ${median(plain) <= 2000 ? "met" : "MISSED"}   [${plain.map(fmt).join(", ")}]`);
  console.log(`npm app, cold first push: ${fmt(cold)}`);
  console.log(`npm app, cached second push → first served request (median of ${ROUNDS}): ${fmt(median(cached))}   goal <= 3 s: ${median(cached) <= 3000 ? "met" : "MISSED"}   [${cached.map(fmt).join(", ")}]`);
  console.log(`express app: cold push ${fmt(expressCold)}, cached rebuild (median of ${ROUNDS}) ${fmt(median(expressCached))}   cached/cold ${(median(expressCached) / expressCold).toFixed(2)}x`);
} finally {
  await server.destroy();
}
