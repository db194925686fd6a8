// The VPS install path: the script lays out binary, home and unit; the unit passes systemd's checks.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "../..");

test("install.sh installs the binary, the home and the unit", () => {
  const prefix = mkdtempSync(join(tmpdir(), "slipway-install-"));
  try {
    const run = Bun.spawnSync(["bash", join(root, "scripts/install.sh")], { env: { ...process.env, SLIPWAY_INSTALL_ROOT: prefix } });
    expect(run.exitCode).toBe(0);
    expect(statSync(join(prefix, "usr/local/bin/slipway")).mode & 0o777).toBe(0o755);
    expect(statSync(join(prefix, "var/lib/slipway")).mode & 0o777).toBe(0o700);
    expect(existsSync(join(prefix, "etc/systemd/system/slipway.service"))).toBe(true);
    const version = Bun.spawnSync([join(prefix, "usr/local/bin/slipway"), "--version"]);
    expect(version.exitCode).toBe(0);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});

test("the systemd unit verifies", () => {
  const analyze = Bun.which("systemd-analyze");
  const dir = mkdtempSync(join(tmpdir(), "slipway-unit-"));
  try {
    // systemd-analyze checks that ExecStart's binary exists, so point it at the built one.
    const text = readFileSync(join(root, "systemd/slipway.service"), "utf8").replace("/usr/local/bin/slipway", join(root, "dist/slipway"));
    writeFileSync(join(dir, "slipway.service"), text);
    expect(text).toMatch(/^ExecStart=\S+ server --home \/var\/lib\/slipway$/m);
    if (analyze) {
      const verify = Bun.spawnSync([analyze, "verify", join(dir, "slipway.service")], { stderr: "pipe" });
      const problems = verify.stderr.toString().split("\n").filter((l) => l.includes("slipway.service"));
      expect(problems).toEqual([]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
