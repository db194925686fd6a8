// The slug compiler's public face: what git pushes and the Build API call.
export { BuildError } from "./build-error.ts";
export { compileSlug, type CompileSlugOptions, type CompiledSlug } from "./compile-slug.ts";
export { hostLayout, sandboxLayout, type BuildLayout, type MountedDir } from "./layout.ts";
export { spawnStepRunner, type BuildStep, type StepRunner } from "./step-runner.ts";
export { parseProcfile } from "./procfile.ts";
export { parseReleaseYaml, type ReleaseInfo } from "./release-yaml.ts";
export { slugignoreMatcher } from "./slugignore.ts";
export { extractTarball, type ExtractOptions, type TarballSource } from "./tarball-extract.ts";
export { buildpackDisplayName, classifyBuildpack, BUNDLED_BUILDPACKS } from "./buildpack-spec.ts";
export { Deployer, buildSandboxPrefix, type DeployerOptions, type DeployRequest } from "./deploy.ts";
