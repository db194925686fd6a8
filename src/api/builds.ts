// The Build API: builds from a source tarball URL, their output stream, the build cache, source
// uploads (for `slipway deploy` without git) and the app's buildpack list.
import type { Hono } from "hono";
import { createReadStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import { BuildError, classifyBuildpack, extractTarball, buildpackDisplayName, type Deployer } from "../build/index.ts";
import { HOST_STACK_NAME } from "../sandbox/index.ts";
import { appBuildpacks, buildById, listBuilds, setAppBuildpacks, type App, type Build } from "../state/index.ts";
import { appFor } from "./auth.ts";
import { HttpError, invalidParams, notFound } from "./errors.ts";
import { readJson, sendList } from "./json.ts";
import type { ApiEnv } from "./platform.ts";

const MAX_SOURCE_BYTES = 512 * 1024 * 1024;

export interface BuildRoutesOptions { deployer: Deployer; sourcesDir: string; cacheDir: string }

function buildJson(app: App, b: Build, origin: string) {
  return {
    app: { id: app.id }, buildpacks: b.buildpacks.map((url) => ({ url, name: url })), created_at: b.createdAt, id: b.id,
    output_stream_url: `${origin}/build-output/${b.id}`,
    source_blob: { checksum: null, url: b.sourceUrl, version: b.sourceVersion, version_description: null },
    release: b.releaseId ? { id: b.releaseId } : null, slug: b.slugId ? { id: b.slugId } : null, stack: HOST_STACK_NAME,
    status: b.status, updated_at: b.updatedAt, user: { id: b.userId, email: b.userEmail },
  };
}

/** Fetches a source tarball: http(s) for anyone, file:// only for the admin (it reads the host's disk). */
async function fetchSource(url: string, admin: boolean): Promise<ReadableStream<Uint8Array> | string> {
  if (url.startsWith("file://")) {
    if (!admin) throw new HttpError(403, "forbidden", "Only the Slipway admin may build from file:// URLs.");
    const path = decodeURIComponent(url.slice("file://".length));
    if (!existsSync(path) || !statSync(path).isFile()) throw invalidParams(`No file at ${path}.`);
    return path;
  }
  if (!/^https?:\/\//.test(url)) throw invalidParams("source_blob.url must be an http(s) or file:// URL.");
  const response = await fetch(url).catch((error: Error) => { throw invalidParams(`Could not fetch the source: ${error.message}`); });
  if (!response.ok || !response.body) throw invalidParams(`Could not fetch the source: HTTP ${response.status}.`);
  if (Number(response.headers.get("content-length") ?? 0) > MAX_SOURCE_BYTES) throw invalidParams("The source is larger than 512 MB.");
  return response.body;
}

export function registerBuildRoutes(api: Hono<ApiEnv>, opts: BuildRoutesOptions): (request: Request, path: string) => Promise<Response> | null {
  const uploads = new Map<string, string>();
  mkdirSync(opts.sourcesDir, { recursive: true, mode: 0o700 });

  api.get("/apps/:app/builds", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const origin = new URL(c.req.url).origin;
    return sendList(c, listBuilds(c.var.platform.db, app.id), ["created_at", "id"], (b, f) => (f === "id" ? b.id : b.createdAt), (b) => buildJson(app, b, origin));
  });

  api.get("/apps/:app/builds/:build", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const build = buildById(c.var.platform.db, app.id, c.req.param("build"));
    if (!build) throw notFound("build");
    return c.json(buildJson(app, build, new URL(c.req.url).origin));
  });

  api.post("/apps/:app/builds", async (c) => {
    const platform = c.var.platform;
    const user = c.var.user;
    const app = appFor(platform.db, user, c.req.param("app"));
    const body = await readJson(c);
    const blob = body.source_blob as { url?: unknown; version?: unknown } | undefined;
    if (typeof blob?.url !== "string") throw invalidParams("source_blob.url is required.");
    if (opts.deployer.busy(app.id)) throw new HttpError(409, "conflict", `A build is already running for ${app.name}.`);
    const source = await fetchSource(blob.url, user.isAdmin);
    const sourceDir = await mkdtemp(join(tmpdir(), "slipway-src-"));
    try {
      await extractTarball(source, sourceDir);
    } catch (error) {
      rmSync(sourceDir, { recursive: true, force: true });
      throw invalidParams(`The source is not a usable tarball: ${(error as Error).message}`);
    }
    let started;
    try {
      started = opts.deployer.start({
        app, user, sourceDir, sourceVersion: typeof blob.version === "string" ? blob.version : null, sourceUrl: blob.url, say: () => undefined,
      });
    } catch (error) {
      rmSync(sourceDir, { recursive: true, force: true });
      throw new HttpError(409, "conflict", (error as Error).message);
    }
    started.done.catch(() => undefined).finally(() => rmSync(sourceDir, { recursive: true, force: true }));
    return c.json(buildJson(app, started.build, new URL(c.req.url).origin), 201);
  });

  api.delete("/apps/:app/build-cache", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    rmSync(join(opts.cacheDir, app.id), { recursive: true, force: true });
    return c.json({}, 202);
  });

  api.post("/apps/:app/sources", (c) => {
    appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const secret = randomBytes(18).toString("base64url");
    uploads.set(secret, join(opts.sourcesDir, `${secret}.tgz`));
    const url = `${new URL(c.req.url).origin}/sources/${secret}`;
    return c.json({ source_blob: { get_url: url, put_url: url } }, 201);
  });

  api.get("/apps/:app/buildpack-installations", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    return c.json(appBuildpacks(c.var.platform.db, app.id).map((url, i) => ({ buildpack: { url, name: buildpackDisplayName(url) }, ordinal: i + 1 })));
  });

  api.put("/apps/:app/buildpack-installations", async (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const { updates } = await readJson(c);
    if (!Array.isArray(updates)) throw invalidParams("updates must be a list of {buildpack}.");
    const urls = updates.map((u) => (u as { buildpack?: unknown })?.buildpack);
    for (const url of urls) {
      if (typeof url !== "string") throw invalidParams("Each update needs a buildpack URL or name.");
      try {
        const source = classifyBuildpack(url);
        if (source.kind === "local" && !c.var.user.isAdmin) throw new HttpError(403, "forbidden", "Only the Slipway admin may use buildpacks from local paths.");
      } catch (error) {
        if (error instanceof BuildError) throw invalidParams(error.message);
        throw error;
      }
    }
    setAppBuildpacks(platform.db, app.id, urls as string[]);
    return c.json((urls as string[]).map((url, i) => ({ buildpack: { url, name: buildpackDisplayName(url) }, ordinal: i + 1 })));
  });

  // Unauthenticated capability URLs: the build's output stream, and source upload/download by secret.
  return (request, path) => {
    const output = /^\/build-output\/([0-9a-f-]{36})$/.exec(path);
    if (output) return Promise.resolve(outputStream(opts.deployer, output[1]!, request.signal));
    const upload = /^\/sources\/([A-Za-z0-9_-]+)$/.exec(path);
    if (!upload) return null;
    const file = uploads.get(upload[1]!);
    if (!file) return Promise.resolve(new Response("Unknown source.\n", { status: 404 }));
    return (async () => {
      if (request.method === "PUT") {
        const bytes = await request.arrayBuffer();
        if (bytes.byteLength > MAX_SOURCE_BYTES) return new Response("The source is larger than 512 MB.\n", { status: 413 });
        writeFileSync(file, new Uint8Array(bytes), { mode: 0o600 });
        return new Response(null, { status: 200 });
      }
      if (!existsSync(file)) return new Response("Nothing uploaded yet.\n", { status: 404 });
      return new Response(Bun.file(file));
    })();
  };
}

/** Streams a build's output file, following it while the build runs. */
function outputStream(deployer: Deployer, buildId: string, signal: AbortSignal): Response {
  const path = deployer.outputPath(buildId);
  // A build that just started may not have created its output file yet.
  if (!existsSync(path) && !deployer.running(buildId)) return new Response("No such build.\n", { status: 404 });
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (!signal.aborted) {
        const file = Bun.file(path);
        const size = file.size;
        if (size > offset) {
          controller.enqueue(new Uint8Array(await file.slice(offset, size).arrayBuffer()));
          offset = size;
          return;
        }
        if (!deployer.running(buildId)) {
          controller.close();
          return;
        }
        await Bun.sleep(50);
      }
      controller.close();
    },
  });
  return new Response(stream, { headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
