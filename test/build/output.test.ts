import { expect, test } from "bun:test";
import { buildpackListLines, formatSize, processTypeLines, slugSizeWarning } from "../../src/build/build-output.ts";
import { buildpackDisplayName, classifyBuildpack, requestedBuildpacks } from "../../src/build/buildpack-spec.ts";
import { BuildError } from "../../src/build/build-error.ts";

test("process types: the Procfile's, then defaults it does not override", () => {
  expect(processTypeLines({ web: "a", worker: "b" }, { web: "npm start", console: "c" })).toEqual([
    "-----> Discovering process types",
    "       Procfile declares types     -> web, worker",
    "       Default types for buildpack -> console",
  ]);
  expect(processTypeLines({}, {})).toEqual([
    "-----> Discovering process types",
    "       Procfile declares types     -> (none)",
  ]);
});

test("sizes read like Heroku's", () => {
  expect(formatSize(12.34 * 1024 * 1024)).toBe("12.3MB");
  expect(formatSize(3000)).toBe("3K");
  expect(slugSizeWarning(100, 200)).toBeNull();
  expect(slugSizeWarning(350 * 1024 * 1024, 300 * 1024 * 1024)).toContain("exceeds our soft limit (300.0MB)");
});

test("buildpack list lines", () => {
  expect(buildpackListLines([])).toEqual(["-----> Determining which buildpack to use for this app"]);
  expect(buildpackListLines(["heroku/nodejs"])).toEqual(["-----> Using buildpack: heroku/nodejs"]);
  expect(buildpackListLines(["a", "b"])).toEqual(["-----> Using buildpacks:", "       1. a", "       2. b"]);
});

test("buildpack specs are classified by form", () => {
  expect(classifyBuildpack("nodejs")).toEqual({ kind: "bundled", name: "nodejs" });
  expect(classifyBuildpack("heroku/python")).toEqual({ kind: "bundled", name: "python" });
  expect(classifyBuildpack("/srv/bp")).toEqual({ kind: "local", path: "/srv/bp" });
  expect(classifyBuildpack("file:///srv/my%20bp")).toEqual({ kind: "local", path: "/srv/my bp" });
  expect(classifyBuildpack("https://github.com/x/bp.git#v2")).toEqual({ kind: "git", url: "https://github.com/x/bp.git", ref: "v2" });
  expect(classifyBuildpack("https://github.com/x/bp")).toEqual({ kind: "git", url: "https://github.com/x/bp", ref: null });
  expect(classifyBuildpack("https://example.com/bp.tgz")).toEqual({ kind: "tarball", url: "https://example.com/bp.tgz" });
  expect(() => classifyBuildpack("git@github.com:x/bp.git")).toThrow(BuildError);
  expect(() => classifyBuildpack("relative/dir")).toThrow(BuildError);
  expect(buildpackDisplayName("nodejs")).toBe("heroku/nodejs");
});

test("which buildpacks run: the list, else BUILDPACK_URL, else .buildpacks, else detection", () => {
  expect(requestedBuildpacks(["a"], { BUILDPACK_URL: "b" }, "c")).toEqual(["a"]);
  expect(requestedBuildpacks([], { BUILDPACK_URL: "b" }, "c")).toEqual(["b"]);
  expect(requestedBuildpacks([], {}, "# comment\nhttps://x/one.git\n\n/local/two\n")).toEqual(["https://x/one.git", "/local/two"]);
  expect(requestedBuildpacks([], {}, null)).toEqual([]);
});
