import { readAppFile } from "./app-file.ts";
import { BuildError } from "./build-error.ts";
import { BuildpackScripts } from "./buildpack-scripts.ts";
import { BUNDLED_BUILDPACKS, buildpackDisplayName, requestedBuildpacks } from "./buildpack-spec.ts";
import type { StepContext } from "./build-steps.ts";
import { buildpackListLines, formatSize, header, processTypeLines, slugSizeWarning } from "./build-output.ts";
import { sandboxLayout, type BuildLayout } from "./layout.ts";
import { parseProcfile } from "./procfile.ts";
import { packSlug } from "./slug-pack.ts";
import type { StepRunner } from "./step-runner.ts";
import { prepareWorkspace } from "./workspace.ts";

export interface CompileSlugOptions {
  sourceDir: string; // a checkout of the commit or an unpacked tarball; .git never enters the slug
  workDir: string; // a fresh host dir for this build; the caller removes it afterwards
  cacheDir: string; // per-app cache, survives builds
  buildpacks: string[]; // bundled names, absolute paths, https git URLs (#ref), https .tgz URLs; [] = detect
  configVars: Record<string, string>; // written to ENV_DIR; BUILDPACK_URL picks the buildpack
  stack: string;
  sourceVersion: string;
  buildId: string;
  say: (line: string) => void;
  run: StepRunner;
  layout?: BuildLayout; // default sandboxLayout(workDir, cacheDir, buildId); hostLayout() for a direct runner
  owner?: { uid: number; gid: number }; // who the steps run as: build, env, home, buildpack and cache dirs are given to them
  limits?: { slugWarnBytes?: number; slugMaxBytes?: number; timeoutMs?: number };
  buildpackCacheDir: string; // where bundled and fetched buildpacks are materialised, shared by builds
  slugPath: string;
}

export interface CompiledSlug {
  slugBytes: number;
  processTypes: Record<string, string>;
  buildpacks: string[]; // the buildpacks that compiled the app, as a build reports them
  configVars: Record<string, string>; // bin/release config_vars: defaults, never overriding the app's own
}

const MB = 1024 * 1024;

// source → buildpacks → slug, Heroku's classic buildpack contract. Throws BuildError with what the user
// should read after "remote:  !".
export async function compileSlug(opts: CompileSlugOptions): Promise<CompiledSlug> {
  const { say } = opts;
  const layout = opts.layout ?? sandboxLayout(opts.workDir, opts.cacheDir, opts.buildId);
  const ctx: StepContext = { layout, stack: opts.stack, sourceVersion: opts.sourceVersion, buildId: opts.buildId };
  const scripts = new BuildpackScripts(ctx, opts.run, opts.limits?.timeoutMs ?? 15 * 60_000);

  say(header(`Building on the ${opts.stack} stack`));
  const dotBuildpacks = await readAppFile(opts.sourceDir, ".buildpacks");
  const requested = requestedBuildpacks(opts.buildpacks, opts.configVars, dotBuildpacks);
  for (const line of buildpackListLines(requested.map(buildpackDisplayName))) say(line);
  const buildpackSpecs = requested.length > 0 ? requested : [...BUNDLED_BUILDPACKS];
  await prepareWorkspace({ ...opts, layout, buildpackSpecs });

  const chosen =
    requested.length > 0 ? await checkRequested(scripts, buildpackSpecs) : await detectBundled(scripts, buildpackSpecs);
  const defaults: Record<string, string> = {};
  const releaseConfigVars: Record<string, string> = {};
  for (const { n, appName } of chosen) {
    say(header(`${appName} app detected`));
    await scripts.compile(n, appName, say);
    if (!(await scripts.has(n, "release"))) continue;
    const release = await scripts.release(n, appName);
    // Later buildpacks win: the app's primary language goes last (Heroku's advice for multi-buildpack).
    Object.assign(defaults, release.default_process_types);
    Object.assign(releaseConfigVars, release.config_vars);
  }

  const procfile = parseProcfile((await readAppFile(layout.build.host, "Procfile")) ?? "");
  for (const line of processTypeLines(procfile, defaults)) say(line);

  const slugBytes = await packSlug(layout.build.host, opts.slugPath, opts.limits?.slugMaxBytes ?? 500 * MB);
  say(header(`Compressing... done, ${formatSize(slugBytes)}`));
  const warning = slugSizeWarning(slugBytes, opts.limits?.slugWarnBytes ?? 300 * MB);
  if (warning) say(warning);

  return {
    slugBytes,
    processTypes: { ...defaults, ...procfile },
    buildpacks: chosen.map(({ n }) => buildpackDisplayName(buildpackSpecs[n]!)),
    configVars: releaseConfigVars,
  };
}

interface ChosenBuildpack {
  n: number; // its number in the build
  appName: string; // what its bin/detect printed
}

// Auto-detection: the first bundled buildpack that recognises the app builds it.
async function detectBundled(scripts: BuildpackScripts, specs: string[]): Promise<ChosenBuildpack[]> {
  for (const n of specs.keys()) {
    const appName = await scripts.detect(n);
    if (appName !== null) return [{ n, appName: appName || buildpackDisplayName(specs[n]!) }];
  }
  throw new BuildError("No default language could be detected for this app.");
}

// Buildpacks the app asked for all run; each must still recognise the app (a missing bin/detect means yes).
async function checkRequested(scripts: BuildpackScripts, specs: string[]): Promise<ChosenBuildpack[]> {
  const chosen: ChosenBuildpack[] = [];
  for (const [n, spec] of specs.entries()) {
    const appName = (await scripts.has(n, "detect")) ? await scripts.detect(n) : "";
    if (appName === null) throw new BuildError(`App not compatible with buildpack: ${buildpackDisplayName(spec)}`);
    chosen.push({ n, appName: appName || buildpackDisplayName(spec) });
  }
  return chosen;
}
