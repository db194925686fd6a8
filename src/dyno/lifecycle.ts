// Pure decisions of the dyno manager: which dynos a formation asks for, how long to wait before a
// crashed dyno restarts, and when a memory sample means R14 or R15.
import type { FormationEntry } from "../state/index.ts";

export interface DesiredDyno { name: string; type: string; index: number; size: string; command: string }

/** One dyno per unit of quantity, for the process types the release actually has. */
export function desiredDynos(formation: FormationEntry[], processTypes: Record<string, string>): DesiredDyno[] {
  return formation.flatMap((f) => {
    const command = processTypes[f.type];
    if (command === undefined || f.type === "release") return [];
    return Array.from({ length: f.quantity }, (_, i) => ({ name: `${f.type}.${i + 1}`, type: f.type, index: i + 1, size: f.size, command }));
  });
}

/** Heroku's default formation for types seen in a release: one web dyno, everything else at zero. */
export function defaultQuantity(type: string): number {
  return type === "web" ? 1 : 0;
}

export const MAX_RESTART_DELAY_MS = 20 * 60 * 1000;

/**
 * Heroku restarts a crashed dyno at once the first time, then after a cool-off that grows with each
 * further crash, up to 20 minutes. `baseMs` is the second crash's wait.
 */
export function restartDelayMs(consecutiveCrashes: number, baseMs: number): number {
  if (consecutiveCrashes <= 1) return 0;
  return Math.min(MAX_RESTART_DELAY_MS, baseMs * 2 ** (consecutiveCrashes - 2));
}

export type MemoryVerdict = "ok" | "r14" | "r15";

export function memoryVerdict(usedBytes: number, quotaBytes: number, killMultiplier: number): MemoryVerdict {
  if (usedBytes >= quotaBytes * killMultiplier) return "r15";
  return usedBytes > quotaBytes ? "r14" : "ok";
}

/** `Process running mem=533M(104.3%)`, as Heroku writes it. */
export function memoryLine(usedBytes: number, quotaBytes: number): string {
  return `Process running mem=${Math.round(usedBytes / 1048576)}M(${((usedBytes / quotaBytes) * 100).toFixed(1)}%)`;
}

/** A dyno's environment: the release's config, then the variables Heroku sets itself. */
export function dynoEnv(opts: {
  config: Record<string, string>; dyno: string; port?: number; stack: string; sourceVersion: string | null;
}): Record<string, string> {
  return {
    ...opts.config,
    HOME: "/app",
    PATH: "/app/bin:/app/node_modules/.bin:/usr/local/bin:/usr/bin:/bin",
    DYNO: opts.dyno,
    PS: opts.dyno,
    STACK: opts.stack,
    LANG: opts.config.LANG ?? "C.UTF-8",
    ...(opts.sourceVersion ? { SOURCE_VERSION: opts.sourceVersion } : {}),
    ...(opts.port !== undefined ? { PORT: String(opts.port) } : {}),
  };
}

/** Heroku cycles each dyno once a day plus up to 216 random minutes, so cycles don't line up. */
export function cycleDelayMs(baseMs: number, jitterMs: number, random: () => number = Math.random): number {
  return baseMs + Math.floor(random() * jitterMs);
}
