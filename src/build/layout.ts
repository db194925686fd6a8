import { join } from "node:path";

// A directory as the host sees it and where the build sandbox mounts it.
export interface MountedDir {
  host: string;
  sandbox: string;
}

// The four read-write mounts a build needs. Buildpack number n (0-based, in run order) lives at
// `${buildpacks.host}/${n}`, seen as `${buildpacks.sandbox}/${n}`. Everything else a step sees
// (bash, node, python, /etc/ssl) is the stack, mounted read-only by the sandbox.
export interface BuildLayout {
  build: MountedDir; // the app being compiled; becomes the slug
  cache: MountedDir; // per-app cache, survives builds
  env: MountedDir; // one file per config var
  buildpacks: MountedDir;
  home: MountedDir; // HOME during the build, thrown away afterwards
}

// Heroku's paths inside the sandbox: /tmp/build_<id>, /tmp/cache, /tmp/env, /tmp/buildpacks, HOME=/app.
export function sandboxLayout(workDir: string, cacheDir: string, buildId: string): BuildLayout {
  const host = hostDirs(workDir);
  return {
    build: { host: host.build, sandbox: `/tmp/build_${buildId}` },
    cache: { host: cacheDir, sandbox: "/tmp/cache" },
    env: { host: host.env, sandbox: "/tmp/env" },
    buildpacks: { host: host.buildpacks, sandbox: "/tmp/buildpacks" },
    home: { host: host.home, sandbox: "/app" },
  };
}

// For a runner that spawns straight on the host (tests, or a machine without the sandbox): paths are the same.
export function hostLayout(workDir: string, cacheDir: string): BuildLayout {
  const host = hostDirs(workDir);
  const same = (path: string): MountedDir => ({ host: path, sandbox: path });
  return {
    build: same(host.build),
    cache: same(cacheDir),
    env: same(host.env),
    buildpacks: same(host.buildpacks),
    home: same(host.home),
  };
}

function hostDirs(workDir: string) {
  return {
    build: join(workDir, "build"),
    env: join(workDir, "env"),
    buildpacks: join(workDir, "buildpacks"),
    home: join(workDir, "home"),
  };
}
