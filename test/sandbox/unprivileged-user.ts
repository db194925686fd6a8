/**
 * A throwaway unprivileged user for rootless tests (the machine runs them as root): made with
 * useradd, named per test process so parallel runs do not share one, removed with userdel.
 */
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  /** A temp dir the user owns: its HOME and XDG_RUNTIME_DIR. */
  home: string;
  /** argv prefix that runs a command as the user, with no capabilities left. */
  asUser(argv: string[]): string[];
  remove(): void;
}

function run(argv: string[]): string {
  const proc = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  if (proc.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${proc.stderr.toString().trim()}`);
  return proc.stdout.toString().trim();
}

export function createTestUser(label: string): TestUser {
  const name = `slipway-${label}-${process.pid}`.slice(0, 32);
  run(["useradd", "--system", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name]);
  const uid = Number(run(["id", "-u", name]));
  const gid = Number(run(["id", "-g", name]));
  const home = mkdtempSync(join(tmpdir(), `slipway-${label}-home-`));
  chownSync(home, uid, gid);
  return {
    name, uid, gid, home,
    asUser: (argv) => ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--init-groups", "--", ...argv],
    remove() {
      rmSync(home, { recursive: true, force: true });
      run(["userdel", name]);
    },
  };
}
