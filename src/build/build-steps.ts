import type { BuildLayout } from "./layout.ts";
import type { BuildStep } from "./step-runner.ts";

// Every step runs through bash: it sources the `export` files of the buildpacks before it (the
// multi-buildpack contract), then execs the buildpack's script, so a missing +x bit or a bad interpreter
// becomes an ordinary exit status rather than a spawn failure.
const SOURCE_EXPORTS_THEN_EXEC =
  'while [ "$1" != -- ]; do if [ -f "$1" ]; then . "$1"; fi; shift; done; shift; exec "$@"';

export interface StepContext {
  layout: BuildLayout;
  stack: string;
  sourceVersion: string;
  buildId: string;
}

export type BuildpackScript = "detect" | "compile" | "release";

// The sandbox path of buildpack number n of this build.
export const buildpackSandboxDir = (layout: BuildLayout, n: number): string => `${layout.buildpacks.sandbox}/${n}`;
export const buildpackHostDir = (layout: BuildLayout, n: number): string => `${layout.buildpacks.host}/${n}`;

// One buildpack script as a step. Config vars stay out of the environment: buildpacks read ENV_DIR.
export function buildpackStep(
  ctx: StepContext,
  script: BuildpackScript,
  n: number,
  timeoutMs: number,
): BuildStep {
  const { layout } = ctx;
  const dir = buildpackSandboxDir(layout, n);
  const exportsBefore = script === "compile" ? [...Array(n).keys()].map((i) => `${buildpackSandboxDir(layout, i)}/export`) : [];
  const args = script === "compile" ? [layout.build.sandbox, layout.cache.sandbox, layout.env.sandbox] : [layout.build.sandbox];
  return {
    argv: ["/bin/bash", "-c", SOURCE_EXPORTS_THEN_EXEC, script, ...exportsBefore, "--", `${dir}/bin/${script}`, ...args],
    cwd: layout.build.sandbox,
    env: buildEnv(ctx),
    timeoutMs,
    captureStdout: script !== "compile",
  };
}

function buildEnv({ layout, stack, sourceVersion, buildId }: StepContext): Record<string, string> {
  return {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: layout.home.sandbox,
    LANG: "C.UTF-8",
    STACK: stack,
    SOURCE_VERSION: sourceVersion,
    REQUEST_ID: buildId,
    BUILDPACK_LOG_FILE: `${layout.home.sandbox}/buildpack.log`,
    CURL_CONNECT_TIMEOUT: "30",
    CURL_TIMEOUT: "180",
  };
}
