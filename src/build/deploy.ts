// A deploy: source → slug → release, with the build's output streamed to whoever started it (a git
// push's side-band, or a Build API output stream). One build per app at a time; a bounded number overall.
import { mkdirSync, rmSync, createWriteStream } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import type { Stack } from "../sandbox/index.ts";
import { appIds, perAppUsers } from "../sandbox/index.ts";
import {
  appBuildpacks, currentRelease, finishBuild, insertBuild, insertSlug, type App, type Build, type Db, type NewRelease, type Release,
} from "../state/index.ts";
import { BuildError } from "./build-error.ts";
import { compileSlug } from "./compile-slug.ts";
import { classifyBuildpack, requestedBuildpacks } from "./buildpack-spec.ts";
import { readFile } from "node:fs/promises";
import { sandboxLayout } from "./layout.ts";
import { sandboxStepRunner } from "./sandbox-step-runner.ts";

export interface DeployerOptions {
  db: Db;
  dirs: { builds: string; cache: string; slugs: string; buildpacks: string };
  /** The root file system of a stack by name, or null when it isn't installed. */
  stackFor(stackName: string): Stack | null;
  concurrency: number;
  buildMemoryBytes: number;
  limits?: { slugWarnBytes?: number; slugMaxBytes?: number; timeoutMs?: number };
  /** Makes the release (running the release phase when there is one); returns it with its final status. */
  release(release: NewRelease, say: (line: string) => void): Promise<Release>;
  webUrl(app: App): string;
  /** Reads what the source declares beyond the slug (app.json); an error message fails the deploy. */
  sourceDeclarations(app: App, sourceDir: string): Promise<string | null>;
}

export interface DeployRequest {
  app: App; user: { id: string; email: string; isAdmin: boolean }; sourceDir: string; sourceVersion: string | null; sourceUrl: string | null;
  say: (line: string) => void;
}

/** A build's sandboxes are named after it, so a restarted daemon can find its own leftovers. */
export function buildSandboxPrefix(buildId: string): string {
  return `build-${buildId.slice(0, 8)}`;
}

export class Deployer {
  private appsBuilding = new Set<string>();
  private buildsRunning = new Set<string>();
  private slotsInUse = 0;
  private waiting: (() => void)[] = [];

  constructor(private readonly opts: DeployerOptions) {}

  /** True when this app already has a build running; a second push is refused rather than queued behind it. */
  busy(appId: string): boolean {
    return this.appsBuilding.has(appId);
  }

  running(buildId: string): boolean {
    return this.buildsRunning.has(buildId);
  }

  outputPath(buildId: string): string {
    return join(this.opts.dirs.builds, `${buildId}.log`);
  }

  /** Records a pending build at once (so the Build API can show it), then runs it. */
  start(req: DeployRequest): { build: Build; done: Promise<Release> } {
    if (this.busy(req.app.id)) throw new BuildError(`A build is already running for ${req.app.name}; wait for it to finish and push again.`);
    this.appsBuilding.add(req.app.id);
    const build = insertBuild(this.opts.db, { appId: req.app.id, sourceVersion: req.sourceVersion, sourceUrl: req.sourceUrl, user: req.user });
    this.buildsRunning.add(build.id);
    const done = this.run(build, req).finally(() => {
      this.appsBuilding.delete(req.app.id);
      this.buildsRunning.delete(build.id);
    });
    return { build, done };
  }

  private async slot(): Promise<() => void> {
    if (this.slotsInUse >= this.opts.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.slotsInUse++;
    return () => {
      this.slotsInUse--;
      this.waiting.shift()?.();
    };
  }

  private async run(build: Build, req: DeployRequest): Promise<Release> {
    const { db, dirs } = this.opts;
    mkdirSync(dirs.builds, { recursive: true });
    const output = createWriteStream(this.outputPath(build.id));
    const say = (line: string) => {
      output.write(`${line}\n`);
      req.say(line);
    };
    const release = await this.slot();
    const workDir = join(dirs.builds, build.id);
    const cacheDir = join(dirs.cache, req.app.id);
    const slugId = randomUUID();
    const slugPath = join(dirs.slugs, `${slugId}.tgz`);
    try {
      mkdirSync(workDir, { recursive: true, mode: 0o700 });
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      const live = currentRelease(db, req.app.id);
      const config = live?.config ?? {};
      const buildpacks = appBuildpacks(db, req.app.id);
      const dotBuildpacks = await readFile(join(req.sourceDir, ".buildpacks"), "utf8").catch(() => null);
      // A local path reads the host's disk: only the admin may name one (by list, BUILDPACK_URL or .buildpacks).
      if (!req.user.isAdmin && requestedBuildpacks(buildpacks, config, dotBuildpacks).some((b) => classifyBuildpack(b).kind === "local")) {
        throw new BuildError("Only the Slipway admin may use buildpacks from local paths; use a git or .tgz URL.");
      }
      const stack = this.opts.stackFor(req.app.stack);
      if (!stack) throw new BuildError(`The stack ${req.app.stack} is not installed here; ask the admin to run slipway stacks:install ${req.app.stack}.`);
      const ids = appIds(req.app.number);
      const layout = sandboxLayout(workDir, cacheDir, build.id.slice(0, 8));
      const compiled = await compileSlug({
        sourceDir: req.sourceDir, workDir, cacheDir, buildpacks, configVars: config,
        stack: req.app.stack, sourceVersion: req.sourceVersion ?? build.id, buildId: build.id.slice(0, 8), say,
        run: sandboxStepRunner(layout, { stack, ...ids, memoryBytes: this.opts.buildMemoryBytes, namePrefix: buildSandboxPrefix(build.id) }),
        layout, owner: perAppUsers() ? ids : undefined, limits: this.opts.limits, buildpackCacheDir: dirs.buildpacks, slugPath,
      });
      const slug = insertSlug(db, {
        id: slugId, appId: req.app.id, size: compiled.slugBytes, processTypes: compiled.processTypes, buildpacks: compiled.buildpacks,
        commit: req.sourceVersion, stack: req.app.stack,
      });
      const declarationProblem = await this.opts.sourceDeclarations(req.app, req.sourceDir);
      if (declarationProblem) throw new BuildError(declarationProblem);
      const description = req.sourceVersion ? `Deploy ${req.sourceVersion.slice(0, 7)}` : `Deploy ${build.id.slice(0, 8)}`;
      const made = await this.opts.release(
        { appId: req.app.id, description, slugId: slug.id, config: { ...compiled.configVars, ...config }, user: req.user, status: "succeeded" },
        say,
      );
      if (made.status !== "succeeded") throw new BuildError(`Release v${made.version} failed: its release command did not succeed. The previous release keeps running.`);
      say(`-----> Launching... done, v${made.version}`);
      say(`       ${this.opts.webUrl(req.app)} deployed to Slipway`);
      finishBuild(db, build.id, { status: "succeeded", slugId: slug.id, releaseId: made.id, buildpacks: compiled.buildpacks });
      return made;
    } catch (error) {
      rmSync(slugPath, { force: true });
      finishBuild(db, build.id, { status: "failed" });
      const message = error instanceof BuildError ? error.message : `Internal error: ${(error as Error).message}`;
      // The caller shows the reason its own way (a git push's `remote: !` lines); the stored output gets it too.
      for (const line of message.split("\n")) output.write(` !     ${line}\n`);
      throw error instanceof BuildError ? error : new BuildError(message);
    } finally {
      release();
      output.end();
      rmSync(workDir, { recursive: true, force: true });
    }
  }
}
