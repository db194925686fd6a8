// Turning a release and a dyno name into a running sandbox: a fresh /app from the slug, owned by the
// app's user, the dyno's environment, and `.profile.d` sourced before the command.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { extractTarball } from "../build/index.ts";
import type { SandboxSpec, Stack, TerminalSize } from "../sandbox/index.ts";
import { appIds, perAppUsers, sweepStaleSandboxes } from "../sandbox/index.ts";
import type { App, Release } from "../state/index.ts";
import { dynoEnv } from "./lifecycle.ts";
import type { DynoSize } from "./sizes.ts";

export function profileCommand(command: string): string[] {
  return ["bash", "-c", `for f in /app/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done\n${command}`];
}

export async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => undefined } });
  const { port } = listener;
  listener.stop(true);
  return port;
}

export interface PreparedDyno { spec: SandboxSpec; cleanup(): void }

/** A client attached to a one-off dyno: its stdin is open, and with a size it is a terminal. */
export interface Attach { terminal?: TerminalSize }

/** Unpacks the slug into a directory of this dyno's own and describes its sandbox. */
export async function prepareDyno(opts: {
  dynosDir: string; slugsDir: string; app: App; release: Release; dyno: string; command: string; size: DynoSize;
  port?: number; extraEnv?: Record<string, string>; stack: Stack; memoryKillMultiplier: number; attach: Attach | null;
}): Promise<PreparedDyno> {
  const slug = opts.release.slug;
  if (!slug) throw new Error(`v${opts.release.version} has no slug to run`);
  // The dyno's directory is named like its sandbox, so a restarted daemon knows which sandboxes were its own.
  const name = `${opts.app.name}-${opts.dyno}-${crypto.randomUUID().slice(0, 8)}`.replace(/[^a-z0-9.-]/g, "-");
  const appDir = join(opts.dynosDir, opts.app.id, name);
  mkdirSync(appDir, { recursive: true, mode: 0o700 });
  const cleanup = () => rmSync(appDir, { recursive: true, force: true });
  try {
    await extractTarball(join(opts.slugsDir, `${slug.id}.tgz`), appDir, { allowSymlinksOut: true });
    const { uid, gid } = appIds(opts.app.number);
    // Without root the app runs as the daemon's own user, who already owns the files.
    if (perAppUsers()) {
      const chown = Bun.spawnSync(["chown", "-R", `${uid}:${gid}`, appDir], { stderr: "pipe" });
      if (chown.exitCode !== 0) throw new Error(`chown failed: ${chown.stderr.toString().trim()}`);
    }
    const env = {
      ...dynoEnv({ config: opts.release.config, dyno: opts.dyno, port: opts.port, stack: slug.stack, sourceVersion: slug.commit }),
      ...opts.extraEnv,
    };
    const spec: SandboxSpec = {
      name,
      stack: opts.stack, appDir, uid, gid, env, cwd: "/app", argv: profileCommand(opts.command),
      limits: {
        memoryBytes: Math.round(opts.size.memoryMb * 1048576 * opts.memoryKillMultiplier),
        pids: opts.size.pids, cpuWeight: opts.size.cpuWeight, tmpBytes: 512 * 1048576,
      },
      stdin: opts.attach ? "pipe" : "ignore",
      terminal: opts.attach?.terminal,
    };
    return { spec, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/**
 * After a daemon crash: kills what still runs in the sandboxes of the dynos it left behind (their
 * directories are still here) and removes them. Sandboxes of other daemons on this host are not touched.
 */
export async function sweepStaleDynos(dynosDir: string): Promise<number> {
  let swept = 0;
  for (const appId of readdirSync(dynosDir)) {
    for (const name of readdirSync(join(dynosDir, appId))) {
      await sweepStaleSandboxes(name);
      rmSync(join(dynosDir, appId, name), { recursive: true, force: true });
      swept++;
    }
  }
  return swept;
}
