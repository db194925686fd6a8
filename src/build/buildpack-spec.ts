import { BuildError } from "./build-error.ts";

// Detection order over the bundled buildpacks: the first whose bin/detect succeeds builds the app.
export const BUNDLED_BUILDPACKS = ["nodejs", "python", "ruby", "go", "static", "procfile"] as const;

export type BuildpackSource =
  | { kind: "bundled"; name: string }
  | { kind: "local"; path: string }
  | { kind: "git"; url: string; ref: string | null }
  | { kind: "tarball"; url: string };

// What the user asked for → where it comes from. Bundled buildpacks answer to "nodejs" and Heroku's
// registry spelling "heroku/nodejs"; git URLs may carry a `#ref` (branch, tag or commit).
export function classifyBuildpack(spec: string): BuildpackSource {
  const trimmed = spec.trim();
  const bundled = trimmed.replace(/^heroku\//, "");
  if ((BUNDLED_BUILDPACKS as readonly string[]).includes(bundled)) return { kind: "bundled", name: bundled };
  if (trimmed.startsWith("file://")) return { kind: "local", path: decodeURIComponent(trimmed.slice(7)) };
  if (trimmed.startsWith("/")) return { kind: "local", path: trimmed };
  const [url = "", ref = ""] = trimmed.split("#", 2);
  if (/^https?:\/\//.test(url)) {
    if (/\.(tgz|tar\.gz)$/.test(new URL(url).pathname)) return { kind: "tarball", url };
    return { kind: "git", url, ref: ref === "" ? null : ref };
  }
  throw new BuildError(
    `Unsupported buildpack ${JSON.stringify(spec)}: use a bundled name (${BUNDLED_BUILDPACKS.join(", ")}), ` +
      `an absolute path, an https git URL (with an optional #ref) or an https .tgz URL.`,
  );
}

// The name a build reports for a buildpack it used: Heroku's spelling for bundled ones, the spec otherwise.
export function buildpackDisplayName(spec: string): string {
  const source = classifyBuildpack(spec);
  return source.kind === "bundled" ? `heroku/${source.name}` : spec.trim();
}

// Which buildpacks a build runs, in order: the app's list, else BUILDPACK_URL, else a legacy
// `.buildpacks` file (one per line, as heroku-buildpack-multi read it); [] means detect over the bundled.
export function requestedBuildpacks(
  requested: string[],
  configVars: Record<string, string>,
  dotBuildpacks: string | null,
): string[] {
  if (requested.length > 0) return requested;
  const fromConfig = configVars.BUILDPACK_URL?.trim();
  if (fromConfig) return [fromConfig];
  return (dotBuildpacks ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}
