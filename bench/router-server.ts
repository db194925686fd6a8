// Benchmark helper: the Slipway router on ROUTER_PORT, routing host app.localhost to one backend on APP_PORT.
// Usage: bun bench/router-server.ts ROUTER_PORT APP_PORT   (prints "ready" once listening; stops on SIGTERM)
import { startRouter } from "../src/router/index.ts";

const [routerPort, appPort] = process.argv.slice(2).map(Number);
if (!routerPort || !appPort) {
  console.error("usage: bun bench/router-server.ts ROUTER_PORT APP_PORT");
  process.exit(2);
}
const route = {
  appId: "bench", appName: "app", maintenance: false, state: "ok" as const,
  backends: [{ dyno: "web.1", host: "127.0.0.1", port: appPort }],
};
let lines = 0;
const router = await startRouter({
  port: routerPort,
  hostname: "127.0.0.1",
  routeFor: (host) => (host === "app.localhost" ? route : null),
  log: () => { lines++; }, // a real sink is a ring-buffer push; counting keeps the format cost in the measurement
});
process.on("SIGTERM", async () => {
  await router.stop();
  console.error(`router: ${lines} access lines`);
  process.exit(0);
});
console.log("ready");
