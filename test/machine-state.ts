// Preloaded for every test run (bunfig.toml). Sandboxes made by the tests create the platform's run
// dir and the `slipway` cgroup parents on first use; each test removes its own sandboxes, and this
// removes those shared parents once the whole run is over, if the machine did not have them before.
import { afterAll } from "bun:test";
import { existsSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { parentDirs } from "../src/sandbox/cgroups.ts";
import { ROOT_RUN_DIR } from "../src/sandbox/host.ts";

const cgroupParents = parentDirs();
const missingBefore = new Set([ROOT_RUN_DIR, ...cgroupParents].filter((path) => !existsSync(path)));

afterAll(() => {
  for (const dir of cgroupParents.filter((d) => missingBefore.has(d))) {
    try {
      rmdirSync(dir);
    } catch {
      // A sandbox is still in it: a test leaked it, and its own cleanup check reports that.
    }
  }
  // Never delete through a mount point: something still mounted there would lose its files.
  const mountPoints = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((line) => line.split(" ")[4] ?? "");
  const mounted = mountPoints.some((point) => point.startsWith(ROOT_RUN_DIR));
  if (missingBefore.has(ROOT_RUN_DIR) && !mounted) rmSync(ROOT_RUN_DIR, { recursive: true, force: true });
});
