// Releases: list, show, and create one from an earlier release (rollback) or from a slug.
import type { Hono } from "hono";
import { currentRelease, listReleases, releaseByIdOrVersion, slugById, type App, type Release } from "../state/index.ts";
import { appFor } from "./auth.ts";
import { invalidParams, notFound } from "./errors.ts";
import { readJson, sendList } from "./json.ts";
import type { ApiEnv } from "./platform.ts";

export function releaseJson(app: App, release: Release, current: Release | null) {
  return {
    addon_plan_names: [], artifacts: release.slug ? [{ type: "slug", id: release.slug.id }] : [],
    app: { id: app.id, name: app.name }, created_at: release.createdAt, description: release.description, id: release.id,
    updated_at: release.updatedAt, slug: release.slug ? { id: release.slug.id } : null, status: release.status,
    user: { id: release.userId, email: release.userEmail }, version: release.version, current: current?.id === release.id,
    output_stream_url: null, eligible_for_rollback: release.status === "succeeded",
  };
}

export function registerReleaseRoutes(api: Hono<ApiEnv>): void {
  api.get("/apps/:app/releases", (c) => {
    const db = c.var.platform.db;
    const app = appFor(db, c.var.user, c.req.param("app"));
    const current = currentRelease(db, app.id);
    return sendList(c, listReleases(db, app.id), ["version", "id"], (r, f) => (f === "id" ? r.id : r.version),
      (r) => releaseJson(app, r, current));
  });

  api.get("/apps/:app/releases/:release", (c) => {
    const db = c.var.platform.db;
    const app = appFor(db, c.var.user, c.req.param("app"));
    const release = releaseByIdOrVersion(db, app.id, c.req.param("release"));
    if (!release) throw notFound("release");
    return c.json(releaseJson(app, release, currentRelease(db, app.id)));
  });

  api.get("/apps/:app/releases/:release/config-vars", (c) => {
    const db = c.var.platform.db;
    const app = appFor(db, c.var.user, c.req.param("app"));
    const release = releaseByIdOrVersion(db, app.id, c.req.param("release"));
    if (!release) throw notFound("release");
    return c.json(release.config);
  });

  api.post("/apps/:app/releases", async (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const body = await readJson(c);
    let created: Release;
    if (body.release !== undefined) {
      const target = typeof body.release === "string" || typeof body.release === "number"
        ? releaseByIdOrVersion(platform.db, app.id, String(body.release)) : null;
      if (!target) throw notFound("release");
      if (target.status !== "succeeded") throw invalidParams(`v${target.version} did not succeed and can't be rolled back to.`);
      created = await platform.release({
        appId: app.id, description: `Rollback to v${target.version}`, slugId: target.slug?.id ?? null, config: target.config,
        user: c.var.user, status: "succeeded",
      });
    } else {
      const slugId = typeof body.slug === "string" ? body.slug : "";
      const slug = slugById(platform.db, slugId);
      if (!slug || slug.appId !== app.id) throw invalidParams("slug must be the id of one of this app's slugs.");
      created = await platform.release({
        appId: app.id, description: typeof body.description === "string" ? body.description : `Deploy ${slug.commit?.slice(0, 7) ?? slug.id.slice(0, 8)}`,
        slugId: slug.id, config: currentRelease(platform.db, app.id)?.config ?? {}, user: c.var.user, status: "succeeded",
      });
    }
    return c.json(releaseJson(app, created, currentRelease(platform.db, app.id)), 201);
  });
}
