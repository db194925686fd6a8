import { mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compileSlug, type CompileSlugOptions } from "../../src/build/compile-slug.ts";
import { hostLayout } from "../../src/build/layout.ts";
import { spawnStepRunner } from "../../src/build/step-runner.ts";

// Test helper: writes files (path → content; a leading "+x " on the content makes it executable).
export function writeTree(root: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    const executable = content.startsWith("+x ");
    writeFileSync(file, executable ? content.slice(3) : content);
    if (executable) chmodSync(file, 0o755);
  }
  return root;
}

// One scratch area per test file: apps, work dirs, the app cache and the buildpack cache, all removed by cleanup().
export function scratchArea() {
  const root = mkdtempSync(join(tmpdir(), "slipway-build-"));
  let builds = 0;
  return {
    root,
    app(files: Record<string, string>): string {
      return writeTree(mkdtempSync(join(root, "app-")), files);
    },
    // Compiles with steps spawned straight on the host (sandbox paths == host paths).
    async build(sourceDir: string, overrides: Partial<CompileSlugOptions> = {}) {
      const n = ++builds;
      const workDir = join(root, `work-${n}`);
      const cacheDir = overrides.cacheDir ?? join(root, `cache-${n}`);
      const lines: string[] = [];
      const slugPath = join(root, `slug-${n}.tgz`);
      const result = await compileSlug({
        sourceDir,
        workDir,
        cacheDir,
        buildpacks: [],
        configVars: {},
        stack: "heroku-24",
        sourceVersion: "0123456789abcdef0123456789abcdef01234567",
        buildId: `b${n}`,
        say: (line) => lines.push(line),
        run: spawnStepRunner,
        layout: hostLayout(workDir, cacheDir),
        buildpackCacheDir: join(root, "buildpacks"),
        slugPath,
        ...overrides,
      }).catch((e) => {
        (e as { lines?: string[] }).lines = lines;
        throw e;
      });
      return { ...result, lines, slugPath, workDir };
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
