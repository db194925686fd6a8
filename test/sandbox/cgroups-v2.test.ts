// cgroup v2's file names and values, on a directory laid out like the unified hierarchy: this machine
// mounts the controllers as v1 only, so the real-kernel tests (lifecycle, dynos) exercise v1.
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SandboxCgroup } from "../../src/sandbox/cgroups.ts";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function unifiedRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "slipway-cgroup2-"));
  roots.push(root);
  writeFileSync(join(root, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
  return root;
}

test("v2: controllers enabled down to the leaf, limits in memory.max, memory.swap.max, pids.max and cpu.weight", async () => {
  const root = unifiedRoot();
  const leaf = join(root, "slipway", "app-web.1-abc");
  // The kernel makes these files with the leaf; optional ones are written only where they exist.
  mkdirSync(leaf, { recursive: true });
  for (const file of ["memory.swap.max", "cpu.weight"]) writeFileSync(join(leaf, file), "max\n");
  const cgroup = await SandboxCgroup.create("app-web.1-abc", { memoryBytes: 1073741824, pids: 256, cpuWeight: 200 }, { version: "v2", root });
  const read = (path: string) => readFileSync(path, "utf8");
  // Each `+controller` write is its own (the kernel takes them one at a time); the last one is what a plain file keeps.
  expect(read(join(root, "cgroup.subtree_control"))).toBe("+cpu");
  expect(read(join(root, "slipway", "cgroup.subtree_control"))).toBe("+cpu");
  expect(read(join(leaf, "memory.max"))).toBe("1073741824");
  expect(read(join(leaf, "memory.swap.max"))).toBe("0");
  expect(read(join(leaf, "pids.max"))).toBe("256");
  expect(read(join(leaf, "cpu.weight"))).toBe("200");
  expect(cgroup.procsFiles).toEqual([join(leaf, "cgroup.procs")]);
});

test("v2: memory read from memory.current, memory.stat, memory.peak and memory.events", async () => {
  const root = unifiedRoot();
  const cgroup = await SandboxCgroup.create("app-web.2-def", { memoryBytes: 536870912, pids: 256 }, { version: "v2", root });
  const leaf = join(root, "slipway", "app-web.2-def");
  writeFileSync(join(leaf, "memory.current"), "300000000\n");
  writeFileSync(join(leaf, "memory.peak"), "400000000\n");
  writeFileSync(join(leaf, "memory.stat"), "anon 250000000\nfile 50000000\nkernel 1000\n");
  writeFileSync(join(leaf, "memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  expect(cgroup.memory()).toEqual({
    rssBytes: 250000000, cacheBytes: 50000000, totalBytes: 300000000, quotaBytes: 536870912, peakBytes: 400000000, oomKills: 1,
  });
});
