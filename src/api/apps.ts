// Apps: create, list, show, rename, maintenance, destroy.
import type { Hono } from "hono";
import { createHash } from "node:crypto";
import {
  acmEnabled, appNameTaken, appsVisibleTo, deleteApp, insertApp, updateApp, appByNameOrId, currentRelease, insertRelease, type App,
} from "../state/index.ts";
import { webUrl, gitUrl } from "../server/settings.ts";
import { HOST_STACK_NAME } from "../sandbox/index.ts";
import { appFor } from "./auth.ts";
import { HttpError, invalidParams } from "./errors.ts";
import { appNameProblem, generateAppName } from "./app-names.ts";
import { readJson, sendList } from "./json.ts";
import type { ApiContext, ApiEnv, Platform } from "./platform.ts";

export const DEFAULT_STACK = HOST_STACK_NAME;

/** Stable ids for names that have no row of their own (stacks, regions). */
export function idForName(kind: string, name: string): string {
  const h = createHash("sha1").update(`${kind}:${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function appJson(platform: Platform, app: App) {
  const stack = { id: idForName("stack", app.stack), name: app.stack };
  const slug = currentRelease(platform.db, app.id)?.slug;
  return {
    acm: acmEnabled(platform.db, app.id), archived_at: null, buildpack_provided_description: null, build_stack: stack, created_at: app.createdAt,
    generation: "cedar", git_url: gitUrl(platform.settings, app.name), id: app.id, internal_routing: null,
    maintenance: app.maintenance, name: app.name, owner: { email: app.ownerEmail, id: app.ownerId }, organization: null,
    team: null, region: { id: idForName("region", "local"), name: "local" }, released_at: app.releasedAt, repo_size: null,
    slug_size: slug?.size ?? null, space: null, stack, updated_at: app.updatedAt, web_url: webUrl(platform.settings, app.name),
  };
}

function newAppName(platform: Platform, requested: unknown): string {
  if (requested === undefined || requested === null) {
    for (let i = 0; i < 20; i++) {
      const name = generateAppName();
      if (!appNameTaken(platform.db, name)) return name;
    }
    throw new HttpError(503, "unavailable", "Could not generate a free app name; please name the app.");
  }
  const problem = appNameProblem(requested);
  if (problem) throw invalidParams(problem);
  if (appNameTaken(platform.db, requested as string)) throw invalidParams("Name is already taken");
  return requested as string;
}

export function registerAppRoutes(api: Hono<ApiEnv>): void {
  const listApps = (c: ApiContext) => {
    const platform = c.var.platform;
    return sendList(c, appsVisibleTo(platform.db, c.var.user), ["name", "id", "updated_at"],
      (a, f) => (f === "id" ? a.id : f === "updated_at" ? a.updatedAt : a.name), (a) => appJson(platform, a));
  };
  api.get("/apps", listApps);
  api.get("/users/:user/apps", listApps);

  api.post("/apps", async (c) => {
    const platform = c.var.platform;
    const body = await readJson(c);
    if (body.stack !== undefined && body.stack !== DEFAULT_STACK && typeof body.stack !== "string") throw invalidParams("Invalid stack.");
    const name = newAppName(platform, body.name);
    const user = c.var.user;
    // The app and its v1 are one write: no app without a release survives a crash.
    const { app, release } = platform.db.transaction(() => {
      const app = insertApp(platform.db, name, user, DEFAULT_STACK);
      const release = insertRelease(platform.db, { appId: app.id, description: "Initial release", slugId: null, config: {}, user, status: "succeeded" });
      return { app, release };
    })();
    const created = appByNameOrId(platform.db, app.id)!;
    await platform.events.emit("released", { app: created, release });
    return c.json(appJson(platform, created), 201);
  });

  api.get("/apps/:app", (c) => c.json(appJson(c.var.platform, appFor(c.var.platform.db, c.var.user, c.req.param("app")))));

  api.patch("/apps/:app", async (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const body = await readJson(c);
    const changes: { name?: string; maintenance?: boolean; stack?: string } = {};
    if (body.name !== undefined && body.name !== app.name) {
      const problem = appNameProblem(body.name);
      if (problem) throw invalidParams(problem);
      if (appNameTaken(platform.db, body.name as string)) throw invalidParams("Name is already taken");
      changes.name = body.name as string;
    }
    if (body.maintenance !== undefined) {
      if (typeof body.maintenance !== "boolean") throw invalidParams("maintenance must be true or false.");
      changes.maintenance = body.maintenance;
    }
    if (body.build_stack !== undefined) {
      const stack = typeof body.build_stack === "string" ? body.build_stack : (body.build_stack as { name?: unknown } | null)?.name;
      const installed = platform.installedStacks();
      if (typeof stack !== "string" || !installed.includes(stack)) {
        throw invalidParams(`The stack ${String(stack)} is not installed here (installed: ${installed.join(", ")}).`);
      }
      changes.stack = stack;
    }
    updateApp(platform.db, app.id, changes);
    const updated = appByNameOrId(platform.db, app.id)!;
    await platform.events.emit("appChanged", { app: updated });
    return c.json(appJson(platform, updated));
  });

  api.delete("/apps/:app", async (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    if (!c.var.user.isAdmin && app.ownerId !== c.var.user.id)
      throw new HttpError(403, "forbidden", `Only the owner of ${app.name} can destroy it.`);
    const json = appJson(platform, app);
    deleteApp(platform.db, app.id);
    await platform.events.emit("appDestroyed", { app });
    return c.json(json);
  });
}
