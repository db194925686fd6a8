/**
 * A daemon without root (a developer's laptop): sandboxes in the user's own namespaces keep mount and
 * PID isolation, run as that user, and sandboxSupport() names what is missing. The test runs the
 * sandbox from a throwaway unprivileged user, as the machine itself runs as root.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sandboxSupport } from "../../src/sandbox/index.ts";
import { userRunDir } from "../../src/sandbox/host.ts";
import { isRoot } from "./helpers.ts";
import { createTestUser, type TestUser } from "./unprivileged-user.ts";

const BUN = resolve(import.meta.dir, "../../node_modules/.bin/bun");
const FIXTURE = resolve(import.meta.dir, "fixtures/rootless-sandbox.ts");

let user: TestUser;

beforeAll(() => {
  if (isRoot) user = createTestUser("sbx");
});
afterAll(() => user?.remove());

function userAppDir(): string {
  const dir = mkdtempSync(join(user.home, "app-"));
  chownSync(dir, user.uid, user.gid);
  return dir;
}

async function asUser(mode: "run" | "kill" | "abandon" | "sweep", ...args: string[]): Promise<any> {
  const proc = Bun.spawn(user.asUser([BUN, FIXTURE, mode, ...args]), {
    env: { PATH: "/usr/bin:/bin", HOME: user.home, XDG_RUNTIME_DIR: user.home }, cwd: user.home, stdout: "pipe", stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`fixture exited ${code}: ${err}`);
  return JSON.parse(out);
}

test("a user's run dir is in their session's runtime dir, else their own in /tmp", () => {
  expect(userRunDir(1000, "/run/user/1000")).toBe("/run/user/1000/slipway-1000");
  expect(userRunDir(1000, undefined)).toBe(join(tmpdir(), "slipway-1000"));
});

test.skipIf(!isRoot)("as root every protection is there", () => {
  expect(sandboxSupport()).toMatchObject({ root: true, isolation: "root", missing: [] });
});

describe.skipIf(!isRoot)("sandbox without root", () => {
  test("keeps mount and PID isolation, as the daemon's user, and says what is missing", async () => {
    const appDir = userAppDir();
    const script = [
      "id -u; id -g; hostname",
      "echo pids $(ls /proc | grep '^[0-9]' | tr '\\n' ' ')",
      "for p in /root /home /var/lib /run /etc/shadow \"$1\"; do [ -e \"$p\" ] && echo \"visible: $p\"; done",
      "touch /usr/x 2>/dev/null || echo usr-ro; touch /x 2>/dev/null || echo root-ro",
      "umount /usr 2>/dev/null || echo no-umount",
      "echo made-inside > /app/note.txt && echo app-ok",
    ].join("\n");
    const report = await asUser("run", appDir, "sh", "-c", script, "sh", user.home);
    expect(report.err).toBe("");
    expect(report.status).toBe(0);
    const [uid, gid, hostname, pids, ...rest] = report.out.trim().split("\n");
    expect([Number(uid), Number(gid)]).toEqual([user.uid, user.gid]);
    expect(hostname).toMatch(/^rootless-\d+$/);
    const seenPids = pids.split(" ").slice(1).filter(Boolean).map(Number);
    // Only the sandbox's own few processes, numbered from 1: the host's hundreds are not there.
    expect(seenPids).toContain(1);
    expect(seenPids.length).toBeLessThan(8);
    expect(Math.max(...seenPids)).toBeLessThan(50);
    expect(rest).toEqual(["usr-ro", "root-ro", "no-umount", "app-ok"]);
    expect(readFileSync(join(appDir, "note.txt"), "utf8")).toBe("made-inside\n");
    expect(statSync(join(appDir, "note.txt")).uid).toBe(user.uid);

    expect(report.support).toEqual({
      root: false, isolation: "user-namespace", cgroups: "none",
      missing: [`per-app users (all apps run as ${user.name})`, "memory/pids limits and memory metrics (no writable cgroup)"],
    });
  });

  test("destroy kills every process of the sandbox, background ones too, and removes its run dir", async () => {
    const report = await asUser("kill", userAppDir(), "sh", "-c", "sleep 300 & sleep 300 & echo started; wait");
    expect(report.pids.length).toBeGreaterThanOrEqual(3);
    expect(report.alive).toEqual([]);
    expect(report.status).toBe(137);
    expect(report.runDirLeft).toBe(false);
  });

  test("after a daemon crash, the next one's sweep kills what its sandboxes left running", async () => {
    const abandoned = await asUser("abandon", userAppDir(), "sh", "-c", "sleep 300 & echo started; wait");
    expect(abandoned.pids.length).toBeGreaterThanOrEqual(2);
    const sweep = await asUser("sweep", ...abandoned.pids.map(String));
    expect(sweep.swept).toBe(1);
    expect(sweep.alive).toEqual([]);
  });
});
