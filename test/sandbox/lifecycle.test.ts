/** Limits, signals, destroy and the sweep after a crash (real cgroups; needs root). */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { detectCgroups } from "../../src/sandbox/cgroups.ts";
import { platformRunDir, sweepStaleSandboxes } from "../../src/sandbox/index.ts";
import { appOwnedDir, cleanupAll, isRoot, start, TEST_PREFIX, uniqueName, waitForOutput } from "./helpers.ts";

afterAll(cleanupAll);

/** Every cgroup dir of a sandbox name, in whichever hierarchies exist. */
function cgroupDirs(name: string): string[] {
  return readdirSync("/sys/fs/cgroup")
    .flatMap((hierarchy) => [join("/sys/fs/cgroup", hierarchy, "slipway", name), join("/sys/fs/cgroup", "slipway", name)])
    .filter((dir, i, all) => all.indexOf(dir) === i && existsSync(dir));
}

function cgroupPids(name: string): number[] {
  const all = cgroupDirs(name).flatMap((dir) => readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number));
  return [...new Set(all)];
}

function mountCount(): number {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").length;
}

describe.skipIf(!isRoot || detectCgroups().version === "none")("sandbox limits and lifecycle", () => {
  test("a fork bomb is held at the pids limit and destroy() leaves no process, cgroup, mount or run dir", async () => {
    const mountsBefore = mountCount();
    const name = uniqueName();
    const sandbox = await start({ name, limits: { memoryBytes: 256 * 1024 * 1024, pids: 40 }, argv: ["bash", "-c", "echo go; b(){ b | b & }; b; sleep 30"] });
    await waitForOutput(sandbox.stdout, "go");
    let most = 0;
    for (let i = 0; i < 40; i++) {
      most = Math.max(most, cgroupPids(name).length);
      await Bun.sleep(10);
    }
    expect(most).toBeGreaterThan(10);
    expect(most).toBeLessThanOrEqual(40);
    const pids = cgroupPids(name);
    await Promise.all([sandbox.destroy(), sandbox.destroy()]);
    await sandbox.destroy();
    expect(await sandbox.exited).toBe(137);
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
    expect(cgroupDirs(name)).toEqual([]);
    expect(existsSync(join(platformRunDir(), "sandboxes", name))).toBe(false);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(name);
    expect(mountCount()).toBe(mountsBefore);
    expect(sandbox.memory()).toBeNull();
  }, 20_000);

  test("a memory hog is SIGKILLed at the memory limit, after memory() saw it grow", async () => {
    const hog = "const keep = []; setInterval(() => { keep.push(Buffer.alloc(4 << 20, 1)); console.log(keep.length) }, 5)";
    const sandbox = await start({ limits: { memoryBytes: 96 * 1024 * 1024, pids: 64 }, argv: ["node", "-e", hog] });
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(sandbox.memory()?.totalBytes ?? 0), 10);
    const status = await sandbox.exited;
    clearInterval(sampler);
    expect(status).toBe(137);
    expect(Math.max(...samples)).toBeGreaterThan(48 * 1024 * 1024);
    expect(samples.every((bytes) => bytes <= 96 * 1024 * 1024)).toBe(true);
    await sandbox.destroy();
  }, 20_000);

  test("memory() reports usage against the quota while running", async () => {
    const sandbox = await start({ limits: { memoryBytes: 128 * 1024 * 1024, pids: 64 }, argv: ["sh", "-c", "echo up; sleep 30"] });
    await waitForOutput(sandbox.stdout, "up");
    const memory = sandbox.memory();
    expect(memory?.quotaBytes).toBe(128 * 1024 * 1024);
    expect(memory?.totalBytes).toBeGreaterThan(0);
    await sandbox.destroy();
  });

  test("signal(SIGTERM) reaches every process, the child of a shell included", async () => {
    const appDir = appOwnedDir("app");
    const child = "process.on('SIGTERM', () => { require('fs').writeFileSync('/app/child-got-term', ''); process.exit(0) }); console.log('ready'); setInterval(() => {}, 1000)";
    // The shell waits for its child on SIGTERM: when the main process exits, the sandbox ends.
    const sandbox = await start({ appDir, argv: ["sh", "-c", 'trap "wait; exit 0" TERM; node -e "$1" & wait; exit 9', "sh", child] });
    await waitForOutput(sandbox.stdout, "ready");
    sandbox.signal("SIGTERM");
    expect(await sandbox.exited).toBe(0);
    expect(existsSync(join(appDir, "child-got-term"))).toBe(true);
    await sandbox.destroy();
  });

  test("sweepStaleSandboxes kills and removes what a crashed daemon left", async () => {
    const prefix = `${TEST_PREFIX}sweep-`;
    const [name, orphanedName] = [`${prefix}running`, `${prefix}orphaned`];
    const running = await start({ name, argv: ["sh", "-c", "echo up; sleep 60"] });
    const orphaned = await start({ name: orphanedName, argv: ["sh", "-c", "echo up; sleep 60"] });
    await Promise.all([waitForOutput(running.stdout, "up"), waitForOutput(orphaned.stdout, "up")]);
    process.kill(orphaned.pid, "SIGKILL"); // the launcher dies; its cgroups and run dir stay

    expect(await sweepStaleSandboxes(prefix)).toBe(2);
    await running.exited;
    expect(existsSync(`/proc/${running.pid}`)).toBe(false);
    for (const swept of [name, orphanedName]) {
      expect(cgroupDirs(swept)).toEqual([]);
      expect(existsSync(join(platformRunDir(), "sandboxes", swept))).toBe(false);
    }
    expect(await sweepStaleSandboxes(prefix)).toBe(0);
  }, 20_000);
});
