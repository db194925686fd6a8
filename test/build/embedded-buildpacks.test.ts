import { expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { BUNDLED_BUILDPACKS } from "../../src/build/buildpack-spec.ts";
import { embeddedBuildpackFiles } from "../../src/build/embedded-buildpacks.gen.ts";

const buildpacksDir = join(import.meta.dir, "../../buildpacks");

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

test("the binary carries the buildpacks/ tree as it is (run scripts/build.ts after editing them)", () => {
  const onDisk = listFiles(buildpacksDir)
    .map((path) => ({
      path: relative(buildpacksDir, path),
      mode: statSync(path).mode & 0o777,
      content: readFileSync(path).toString("base64"),
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const embedded = [...embeddedBuildpackFiles].sort((a, b) => a.path.localeCompare(b.path));
  expect(embedded).toEqual(onDisk);
});

test("every bundled buildpack has executable detect, compile and release", () => {
  for (const name of BUNDLED_BUILDPACKS) {
    for (const script of ["detect", "compile", "release"]) {
      const file = embeddedBuildpackFiles.find((f) => f.path === `${name}/bin/${script}`);
      expect(file?.mode).toBe(0o755);
    }
  }
});
