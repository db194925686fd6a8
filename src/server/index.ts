// `slipway server`: opens the home, wires the subsystems together and owns start-up and shutdown.
import { join } from "node:path";
import { openDb, EventBus, appByNameOrId, failPendingBuilds, allDrains, drainsOf, allSniEndpoints, type App, type FormationEntry } from "../state/index.ts";
import { createApi, type Platform } from "../api/index.ts";
import { registerDynoRoutes } from "../api/dynos.ts";
import { registerLogSessionRoutes } from "../api/log-sessions.ts";
import { registerRunRoutes } from "../api/run.ts";
import { registerBuildRoutes } from "../api/builds.ts";
import { registerDomainRoutes } from "../api/domains.ts";
import { registerDrainRoutes } from "../api/drains.ts";
import { registerFeatureRoutes } from "../api/features.ts";
import { registerCertRoutes, certificateHostnames } from "../api/certs.ts";
import { registerAcmRoutes } from "../api/acm.ts";
import { createAcm, servedCertificates } from "../acme/index.ts";
import { registerStackRoutes } from "../api/stacks.ts";
import { X509Certificate } from "node:crypto";
import { Attachments } from "../dyno/attachments.ts";
import { attachHandler, attachSecret, type AttachData } from "./attach.ts";
import { Deployer, buildSandboxPrefix } from "../build/index.ts";
import { DynoManager } from "../dyno/manager.ts";
import { dynoSize } from "../dyno/sizes.ts";
import { openLogStore } from "../logs/index.ts";
import { accessLine, startRouter } from "../router/index.ts";
import { installedStacks, sandboxSupport, stackRoot, sweepStaleSandboxes } from "../sandbox/index.ts";
import { homeLayout, prepareHome, lockHome, ensureAdmin } from "./home.ts";
import { gitRequestHandler } from "./git-routes.ts";
import { DEFAULT_MAX_PUSH_BYTES } from "../git/index.ts";
import { releaser } from "./releasing.ts";
import { RouteTable } from "./routing.ts";
import { ensureTlsIdentity } from "./tls-identity.ts";
import { startRendezvous } from "./rendezvous.ts";
import { PlatformMetrics, startRuntimeMetrics } from "./metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
import { createScheduler, syncAppJsonJobs } from "../scheduler/index.ts";
import { registerCronJobRoutes } from "../api/cron-jobs.ts";
import { readFile } from "node:fs/promises";
import { requireAdmin } from "../api/auth.ts";
import { webUrl, type Settings } from "./settings.ts";
import { rmSync } from "node:fs";
import { repoDirFor } from "./git-routes.ts";

export interface RunningServer { apiPort: number; routerPort: number; stop(): Promise<void> }

export async function startServer(initial: Settings, env: Record<string, string | undefined>): Promise<RunningServer> {
  const layout = homeLayout(initial.home);
  prepareHome(layout);
  const lock = lockHome(layout);
  const db = openDb(layout.stateDb);
  const admin = ensureAdmin(db, layout, env.SLIPWAY_TOKEN);
  const events = new EventBus();
  const logs = await openLogStore({ dir: layout.logs, appName: (id) => appByNameOrId(db, id)?.name });

  // Whatever a crashed predecessor left behind is cleaned up before anything new starts: its builds
  // here (the ones its state store still calls pending), its dynos in dynos.start(); other servers on
  // this host keep theirs.
  for (const buildId of failPendingBuilds(db)) await sweepStaleSandboxes(buildSandboxPrefix(buildId));

  const stacksDir = join(layout.root, "stacks");
  const dynos = new DynoManager({
    db, logs, dynosDir: join(layout.root, "dynos"), slugsDir: layout.slugs, stackFor: (name) => stackRoot(stacksDir, name),
    timings: initial.dynos,
  });
  const platform: Platform = {
    db, settings: initial, events, release: releaser(db, events, dynos, logs), installedStacks: () => installedStacks(stacksDir),
  };
  const deployer = new Deployer({
    db, dirs: { builds: join(layout.root, "builds"), cache: layout.cache, slugs: layout.slugs, buildpacks: join(layout.root, "buildpacks") },
    stackFor: (name) => stackRoot(stacksDir, name), concurrency: initial.buildConcurrency, buildMemoryBytes: 2 * 1024 ** 3,
    limits: initial.builds,
    release: (release, say) => platform.release(release, say), webUrl: (app) => webUrl(platform.settings, app.name),
    sourceDeclarations: async (app, sourceDir) => {
      const appJson = await readFile(join(sourceDir, "app.json"), "utf8").catch(() => null);
      const synced = syncAppJsonJobs(db, app.id, appJson);
      if ("error" in synced) return synced.error;
      scheduler.reload(app.id);
      return null;
    },
  });
  const scheduler = createScheduler({
    db, log: (appId, source, dyno, text) => logs.append(appId, source, dyno, text),
    runJob: async (appId, command, { timeoutMs }) => {
      const app = appByNameOrId(db, appId);
      if (!app) return { skipped: "the app is gone" };
      try {
        const dyno = await dynos.runOneOff(app, { command, type: "scheduler", timeToLiveMs: timeoutMs });
        return { dyno: dyno.name, exited: dyno.exited, stop: () => void dyno.stop() };
      } catch (error) {
        return { skipped: (error as Error).message };
      }
    },
  });
  const routes = new RouteTable(db, initial.domain, dynos);
  const acm = createAcm({
    db, settings: initial.acme, certificatesChanged: () => void router.setCertificates(routerCertificates()), say: (line) => console.log(`slipway: ${line}`),
  });
  // Domains, uploads and ACM switches change which certificates exist and which are due.
  const certificatesChanged = async () => {
    acm.kick();
    await router.setCertificates(routerCertificates());
  };
  const metrics = new PlatformMetrics(db, dynos);
  const syncDrains = (appId: string) => logs.setDrains(appId, drainsOf(db, appId));
  for (const appId of new Set(allDrains(db).map((d) => d.appId))) syncDrains(appId);

  events.on("released", async ({ app, release }) => {
    routes.invalidate();
    logs.append(app.id, "app", "api", `${release.description} by user ${release.userEmail}`);
    logs.append(app.id, "app", "api", `Release v${release.version} created by user ${release.userEmail}`);
    await dynos.released(app, release);
  });
  events.on("appChanged", () => {
    routes.invalidate();
    metrics.forgetNames();
  });
  events.on("appDestroyed", async ({ app }) => {
    routes.invalidate();
    metrics.forgetNames();
    scheduler.reload(app.id);
    await dynos.forget(app.id);
    await logs.forgetApp(app.id);
    rmSync(repoDirFor(layout.repos, app), { recursive: true, force: true });
    rmSync(join(layout.cache, app.id), { recursive: true, force: true });
  });

  const onScaled = (_p: Platform, app: App, user: string, entries: FormationEntry[]) => {
    const summary = entries.map((e) => `${e.type}@${e.quantity}:${dynoSize(e.size)?.label ?? e.size}`).join(" ");
    logs.append(app.id, "app", "api", `Scaled to ${summary} by user ${user}`);
  };
  const attachments = new Attachments();
  // Routes outside the API's token auth: capability URLs (log streams, build output, source uploads)
  // and git, which authenticates itself.
  const unauthenticated: ((request: Request, path: string) => Response | Promise<Response | null> | null)[] = [];
  const api = createApi(platform, [
    (a) => registerDynoRoutes(a, dynos, initial.dynos, onScaled),
    (a) => unauthenticated.push(registerLogSessionRoutes(a, logs)),
    (a) => registerRunRoutes(a, dynos, attachments, rendezvousPort),
    (a) => registerDomainRoutes(a, () => {
      routes.invalidate();
      certificatesChanged();
    }),
    (a) => registerDrainRoutes(a, syncDrains),
    registerFeatureRoutes,
    (a) => registerCertRoutes(a, certificatesChanged),
    (a) => registerAcmRoutes(a, certificatesChanged),
    (a) => registerCronJobRoutes(a, scheduler),
    (a) => registerStackRoutes(a, stacksDir),
    (a) => a.get("/metrics", async (c) => {
      requireAdmin(c.var.user);
      return c.body(metrics.render(), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
    }),
    (a) => unauthenticated.push(registerBuildRoutes(a, { deployer, sourcesDir: join(layout.root, "sources"), cacheDir: layout.cache })),
  ]);
  unauthenticated.push(gitRequestHandler({ db, reposDir: layout.repos, deployer }));

  // The same API and git on two listeners: plain HTTP, and HTTPS with Slipway's own CA (the heroku
  // CLI's git remotes are https URLs).
  const identity = await ensureTlsIdentity(layout.root, initial.domain);
  const serveApi = (port: number, tls?: { cert: string; key: string }) => Bun.serve<AttachData, never>({
    port, hostname: initial.bindAddress, tls, idleTimeout: 0,
    // Pushes are bounded by the git server's own limit, which is above Bun's default body cap.
    maxRequestBodySize: DEFAULT_MAX_PUSH_BYTES + 1024 * 1024,
    websocket: attachHandler(attachments),
    fetch: async (request, server) => {
      const path = new URL(request.url).pathname;
      const secret = attachSecret(path);
      if (secret && server.upgrade(request, { data: { secret } })) return undefined;
      for (const route of unauthenticated) {
        const response = await route(request, path);
        if (response) return response;
      }
      return api.fetch(request);
    },
  });
  const apiServer = serveApi(initial.apiPort);
  const apiTlsServer = serveApi(initial.apiTlsPort, identity);
  // The rendezvous listener (node:tls, ~10 MB) starts with the first `heroku run`.
  let rendezvous: ReturnType<typeof startRendezvous> | null = null;
  async function rendezvousPort(): Promise<number> {
    return (await (rendezvous ??= startRendezvous({ hostname: initial.bindAddress, port: initial.rendezvousPort, ...identity, attachments }))).port;
  }
  const apiPort = apiServer.port!;
  // Each uploaded certificate serves every hostname it names; ACM's fill in the hostnames they leave.
  const routerCertificates = () => servedCertificates(allSniEndpoints(db).flatMap((e) =>
    certificateHostnames(new X509Certificate(e.certificateChain)).map((serverName) => ({ serverName, cert: e.certificateChain, key: e.privateKey }))),
  acm.certificates());
  const router = await startRouter({
    port: initial.routerPort, hostname: initial.bindAddress, routeFor: routes.routeFor,
    tls: { port: initial.httpsPort, certificates: routerCertificates() }, acmeChallenges: acm.challenges,
    log: (appId, record) => {
      logs.appendDeferred(appId, "heroku", "router", record, accessLine);
      metrics.observeRequest(appId, record.status, record.dyno === null ? null : record.serviceMs);
    },
  });
  // With a port of 0 the kernel picks one; URLs must name the real ports.
  platform.settings = {
    ...initial, apiPort, apiTlsPort: apiTlsServer.port!, routerPort: router.port,
    httpsPort: router.tlsPort ?? initial.httpsPort,
  };
  await dynos.start();
  const stopRuntimeMetrics = startRuntimeMetrics({ db, dynos, logs, ...initial.runtimeMetrics });
  scheduler.start();
  // Start-up leaves garbage behind (migrations, certificates, module set-up): collect it before idling.
  Bun.gc(true);
  // The binary starts with the JIT's thresholds raised (scripts/build.ts) so run-once start-up code
  // stays in the interpreter; from here on, code that runs often is worth compiling again.
  Bun.unsafe.setJITPolicy(1);
  acm.kick();

  console.log(`slipway: home ${layout.root}`);
  const sandbox = sandboxSupport();
  if (!sandbox.root) for (const missing of sandbox.missing) console.error(`slipway: warning: running without root: ${missing}`);
  console.log(`slipway: API and git listening on http://${initial.bindAddress}:${apiPort} and https on port ${apiTlsServer.port} (CA: ${identity.caPath})`);
  console.log(`slipway: router listening on http://${initial.bindAddress}:${router.port} (apps at http://APP.${initial.domain}:${router.port}) and https on port ${router.tlsPort}`);
  if (admin.generated) {
    console.log(`slipway: admin token (also in ${layout.adminTokenFile}):\n\n    ${admin.token}\n`);
    console.log("First steps:");
    console.log(`    export SLIPWAY_URL=http://127.0.0.1:${apiPort} SLIPWAY_TOKEN=${admin.token}`);
    console.log("    slipway apps:create myapp && git push slipway main");
  }

  // Shutdown order: stop taking requests and pushes, stop the dynos (their last lines still reach the
  // log), flush the log, close the state store, then let the next server in.
  const stop = async () => {
    stopRuntimeMetrics();
    await apiServer.stop(true);
    await apiTlsServer.stop(true);
    if (rendezvous) (await rendezvous).stop();
    await acm.stop();
    await router.stop();
    await scheduler.stop();
    await dynos.close();
    await logs.close();
    db.close();
    lock.release();
  };
  return { apiPort, routerPort: router.port, stop };
}
