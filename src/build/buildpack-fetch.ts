import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { cp, mkdir, readdir, rename, rm, stat, writeFile, chmod } from "node:fs/promises";
import { dirname, join } from "node:path";
import { git } from "../git/isomorphic.ts";
import { BuildError } from "./build-error.ts";
import type { BuildpackSource } from "./buildpack-spec.ts";
import { detail, header } from "./build-output.ts";
import { embeddedBuildpackFiles } from "./embedded-buildpacks.gen.ts";
import { extractTarball } from "./tarball-extract.ts";

const FETCH_TIMEOUT_MS = 120_000;
const COMPLETE_MARK = ".slipway-complete";

// Makes a buildpack available as a host directory under cacheRoot and returns it. Bundled buildpacks come
// out of the binary (keyed by content, so a new binary brings new ones); URL buildpacks are fetched on
// every build, like Heroku, and the last good copy is used with a warning when the fetch fails.
export async function materialiseBuildpack(
  source: BuildpackSource,
  cacheRoot: string,
  say: (line: string) => void,
): Promise<string> {
  switch (source.kind) {
    case "bundled":
      return bundledBuildpack(source.name, cacheRoot);
    case "local":
      return localBuildpack(source.path);
    case "git":
      return fetchIntoCache(cacheRoot, `git ${source.url}#${source.ref ?? ""}`, "git", say, (dir) =>
        cloneBuildpack(source.url, source.ref, dir),
      );
    case "tarball":
      return fetchIntoCache(cacheRoot, `tgz ${source.url}`, "tarball", say, (dir) => downloadBuildpack(source.url, dir));
  }
}

let embeddedDigest: string | null = null;
function digestOfEmbedded(): string {
  embeddedDigest ??= createHash("sha256").update(JSON.stringify(embeddedBuildpackFiles)).digest("hex").slice(0, 16);
  return embeddedDigest;
}

async function bundledBuildpack(name: string, cacheRoot: string): Promise<string> {
  const root = join(cacheRoot, `bundled-${digestOfEmbedded()}`);
  if (!(await exists(join(root, COMPLETE_MARK)))) {
    const staging = `${root}.tmp-${randomBytes(4).toString("hex")}`;
    for (const file of embeddedBuildpackFiles) {
      const path = join(staging, file.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, Buffer.from(file.content, "base64"));
      await chmod(path, file.mode);
    }
    await writeFile(join(staging, COMPLETE_MARK), "");
    // Another build may have extracted the same content meanwhile; either copy is good.
    await rename(staging, root).catch(() => rm(staging, { recursive: true, force: true }));
  }
  const dir = join(root, name);
  if (!(await exists(join(dir, "bin/compile")))) throw new BuildError(`The bundled buildpack ${name} is missing.`);
  return dir;
}

async function localBuildpack(path: string): Promise<string> {
  if (!(await exists(join(path, "bin/compile")))) {
    throw new BuildError(`The buildpack at ${path} has no bin/compile.`);
  }
  return path;
}

async function fetchIntoCache(
  cacheRoot: string,
  key: string,
  what: string,
  say: (line: string) => void,
  fetchInto: (dir: string) => Promise<void>,
): Promise<string> {
  const dir = join(cacheRoot, `${what}-${createHash("sha256").update(key).digest("hex").slice(0, 16)}`);
  const staging = `${dir}.tmp-${randomBytes(4).toString("hex")}`;
  try {
    await fetchInto(staging);
    const root = await buildpackRoot(staging);
    await rm(dir, { recursive: true, force: true });
    await rename(root === staging ? staging : root, dir);
    say(header(`Fetching custom ${what} buildpack... done`));
    return dir;
  } catch (e) {
    if (await exists(join(dir, "bin/compile"))) {
      say(header(`Fetching custom ${what} buildpack... failed, using the cached copy`));
      say(detail((e as Error).message));
      return dir;
    }
    throw new BuildError(`Could not fetch the buildpack ${key.slice(key.indexOf(" ") + 1)}: ${(e as Error).message}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

// Archives made by GitHub wrap everything in one top-level directory; the buildpack is inside it.
async function buildpackRoot(dir: string): Promise<string> {
  if (await exists(join(dir, "bin/compile"))) return dir;
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.name !== ".git");
  const only = entries[0];
  if (entries.length === 1 && only?.isDirectory() && (await exists(join(dir, only.name, "bin/compile")))) {
    return join(dir, only.name);
  }
  throw new Error("it has no bin/compile");
}

async function cloneBuildpack(url: string, ref: string | null, dir: string): Promise<void> {
  const isCommit = ref !== null && /^[0-9a-f]{40}$/i.test(ref);
  const http = (await import("isomorphic-git/http/node")).default;
  const work = git.clone({
    fs,
    http,
    dir,
    url,
    singleBranch: true,
    depth: isCommit ? undefined : 1,
    ref: isCommit || ref === null ? undefined : ref,
  });
  await withTimeout(work, `cloning ${url}`);
  if (isCommit) await git.checkout({ fs, dir, ref: ref!, force: true });
}

async function downloadBuildpack(url: string, dir: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}`);
  await extractTarball(response.body, dir);
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out ${what}`)), FETCH_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

// Each build gets its own copy: buildpacks may write an `export` file beside bin/ for the next one.
export async function copyBuildpackForBuild(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true, verbatimSymlinks: true, filter: (p) => !p.endsWith("/.git") });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
