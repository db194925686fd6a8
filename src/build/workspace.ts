import { lchown, lstat, mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { copyBuildpackForBuild, materialiseBuildpack } from "./buildpack-fetch.ts";
import { classifyBuildpack } from "./buildpack-spec.ts";
import { buildpackHostDir } from "./build-steps.ts";
import type { BuildLayout } from "./layout.ts";
import { copySource } from "./source-copy.ts";

export interface WorkspaceInput {
  layout: BuildLayout;
  buildpackSpecs: string[]; // buildpack n of the build is buildpackSpecs[n]
  sourceDir: string;
  configVars: Record<string, string>;
  buildpackCacheDir: string;
  owner?: { uid: number; gid: number };
  say: (line: string) => void;
}

// Lays out everything the steps will see: the buildpacks, the app (minus .git and .slugignore), ENV_DIR,
// HOME and the cache, owned by the build user when there is one.
export async function prepareWorkspace(input: WorkspaceInput): Promise<void> {
  const { layout } = input;
  const dirs = [layout.build.host, layout.env.host, layout.buildpacks.host, layout.home.host, layout.cache.host];
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  for (const [n, spec] of input.buildpackSpecs.entries()) {
    const dir = await materialiseBuildpack(classifyBuildpack(spec), input.buildpackCacheDir, input.say);
    await copyBuildpackForBuild(dir, buildpackHostDir(layout, n));
  }
  await copySource(input.sourceDir, layout.build.host);
  await writeEnvDir(layout.env.host, input.configVars, input.say);
  if (input.owner) {
    for (const dir of dirs) await chownTree(dir, input.owner.uid, input.owner.gid);
  }
}

const CONFIG_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ENV_DIR: one file per config var, named by the key, holding the value.
async function writeEnvDir(dir: string, configVars: Record<string, string>, say: (line: string) => void) {
  for (const [key, value] of Object.entries(configVars)) {
    if (!CONFIG_VAR_NAME.test(key)) {
      say(` !     Config var ${JSON.stringify(key)} is not a valid environment variable name; buildpacks will not see it.`);
      continue;
    }
    await writeFile(join(dir, key), value);
  }
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await lchown(path, uid, gid);
  if (!(await lstat(path)).isDirectory()) return;
  for (const child of await readdir(path)) await chownTree(join(path, child), uid, gid);
}
