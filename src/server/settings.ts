// The server's settings: flags, then environment, then defaults, read once at start and passed down.
import { homedir, availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { LETS_ENCRYPT_DIRECTORY, type AcmeSettings } from "../acme/settings.ts";

export interface Settings {
  home: string;
  apiPort: number;
  routerPort: number;
  httpsPort: number;
  apiTlsPort: number;
  rendezvousPort: number;
  domain: string;
  bindAddress: string;
  buildConcurrency: number;
  builds: { timeoutMs: number; slugWarnBytes: number; slugMaxBytes: number };
  runtimeMetrics: { intervalMs: number; allApps: boolean };
  dynos: DynoSettings;
  acme: AcmeSettings;
}

export interface DynoSettings {
  bootTimeoutMs: number;
  stopTimeoutMs: number;
  restartBaseMs: number;
  cycleMs: number | null;
  cycleJitterMs: number;
  memoryCheckMs: number;
  memoryNoticeMs: number;
  memoryKillMultiplier: number;
  maxPerType: number;
  maxPerApp: number;
}

export interface ServerFlags {
  home?: string; apiPort?: string; routerPort?: string; httpsPort?: string; apiTlsPort?: string; rendezvousPort?: string; domain?: string; bind?: string;
}

function positive(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return n;
}

function port(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0-65535), not "${value}"`);
  return n;
}

export function resolveSettings(flags: ServerFlags, env: Record<string, string | undefined>): Settings {
  const domain = flags.domain ?? env.SLIPWAY_DOMAIN ?? "localhost";
  if (!/^[a-z0-9.-]+$/i.test(domain)) throw new Error(`--domain must be a host name, not "${domain}"`);
  return {
    home: resolve(flags.home ?? env.SLIPWAY_HOME ?? join(homedir(), ".slipway")),
    apiPort: port(flags.apiPort ?? env.SLIPWAY_API_PORT ?? "7070", "--api-port"),
    routerPort: port(flags.routerPort ?? env.SLIPWAY_ROUTER_PORT ?? "8080", "--router-port"),
    httpsPort: port(flags.httpsPort ?? env.SLIPWAY_HTTPS_PORT ?? "8443", "--https-port"),
    apiTlsPort: port(flags.apiTlsPort ?? env.SLIPWAY_API_TLS_PORT ?? "7443", "--api-tls-port"),
    rendezvousPort: port(flags.rendezvousPort ?? env.SLIPWAY_RENDEZVOUS_PORT ?? "7444", "--rendezvous-port"),
    domain: domain.toLowerCase(),
    bindAddress: flags.bind ?? env.SLIPWAY_BIND ?? "0.0.0.0",
    buildConcurrency: positive(env, "SLIPWAY_BUILD_CONCURRENCY", availableParallelism()),
    builds: {
      timeoutMs: positive(env, "SLIPWAY_BUILD_TIMEOUT", 15 * 60) * 1000,
      slugWarnBytes: positive(env, "SLIPWAY_SLUG_WARN_MB", 300) * 1024 * 1024,
      slugMaxBytes: positive(env, "SLIPWAY_SLUG_MAX_MB", 500) * 1024 * 1024,
    },
    runtimeMetrics: {
      intervalMs: positive(env, "SLIPWAY_RUNTIME_METRICS_INTERVAL", 20) * 1000,
      allApps: env.SLIPWAY_RUNTIME_METRICS === "always",
    },
    dynos: {
      bootTimeoutMs: positive(env, "SLIPWAY_BOOT_TIMEOUT", 60) * 1000,
      stopTimeoutMs: positive(env, "SLIPWAY_STOP_TIMEOUT", 30) * 1000,
      restartBaseMs: positive(env, "SLIPWAY_RESTART_BACKOFF", 10) * 1000,
      // Daily cycling, in seconds; "off" turns it off.
      cycleMs: env.SLIPWAY_DYNO_CYCLE === "off" ? null : positive(env, "SLIPWAY_DYNO_CYCLE", 24 * 3600) * 1000,
      cycleJitterMs: (env.SLIPWAY_DYNO_CYCLE_JITTER === "0" ? 0 : positive(env, "SLIPWAY_DYNO_CYCLE_JITTER", 216 * 60)) * 1000,
      memoryCheckMs: positive(env, "SLIPWAY_MEMORY_CHECK_INTERVAL", 2) * 1000,
      memoryNoticeMs: 20_000,
      memoryKillMultiplier: positive(env, "SLIPWAY_MEMORY_KILL_MULTIPLIER", 2),
      maxPerType: positive(env, "SLIPWAY_MAX_DYNOS_PER_TYPE", 100),
      maxPerApp: positive(env, "SLIPWAY_MAX_DYNOS_PER_APP", 200),
    },
    acme: {
      directoryUrl: env.SLIPWAY_ACME_DIRECTORY || LETS_ENCRYPT_DIRECTORY,
      caFile: env.SLIPWAY_ACME_CA_FILE || null,
      email: env.SLIPWAY_ACME_EMAIL || null,
      renewBeforeMs: positive(env, "SLIPWAY_ACME_RENEW_DAYS", 30) * 24 * 3600_000,
      checkEveryMs: positive(env, "SLIPWAY_ACME_CHECK_INTERVAL", 3600) * 1000,
      retryBaseMs: positive(env, "SLIPWAY_ACME_RETRY", 60) * 1000,
    },
  };
}

export function webUrl(settings: Settings, appName: string): string {
  const port = settings.routerPort === 80 ? "" : `:${settings.routerPort}`;
  return `http://${appName}.${settings.domain}${port}/`;
}

export function gitUrl(settings: Settings, appName: string): string {
  return `http://${settings.domain}:${settings.apiPort}/${appName}.git`;
}
