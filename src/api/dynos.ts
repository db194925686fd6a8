// Formation and dynos: scaling, listing, restarting, stopping and one-off runs.
import type { Hono } from "hono";
import { currentRelease, formationOf, upsertFormation, type App, type FormationEntry } from "../state/index.ts";
import type { Dyno } from "../dyno/dyno.ts";
import type { DynoManager } from "../dyno/manager.ts";
import { DEFAULT_SIZE, dynoSize } from "../dyno/sizes.ts";
import { defaultQuantity } from "../dyno/lifecycle.ts";
import { appFor } from "./auth.ts";
import { HttpError, invalidParams, notFound } from "./errors.ts";
import { idForName } from "./apps.ts";
import { readJson } from "./json.ts";
import type { ApiEnv, Platform } from "./platform.ts";

export interface DynoLimits { maxPerType: number; maxPerApp: number }

function formationJson(app: App, f: FormationEntry, command: string) {
  const size = dynoSize(f.size);
  return {
    app: { id: app.id, name: app.name }, command, created_at: f.createdAt, id: idForName(`formation:${app.id}`, f.type),
    quantity: f.quantity, size: size?.label ?? f.size, type: f.type, updated_at: f.updatedAt,
    dyno_size: { id: idForName("dyno-size", f.size), name: size?.label ?? f.size },
  };
}

export function dynoJson(app: App, dyno: Dyno, attachUrl: string | null = null) {
  return {
    attach_url: attachUrl, command: dyno.info.command, created_at: dyno.createdAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    id: idForName(`dyno:${app.id}`, `${dyno.name}:${dyno.createdAt.getTime()}`), name: dyno.name,
    release: { id: dyno.info.releaseId, version: dyno.info.releaseVersion }, app: { id: app.id, name: app.name },
    size: dynoSize(dyno.info.size)?.label ?? dyno.info.size, state: dyno.state, type: dyno.info.type,
    updated_at: dyno.updatedAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
}

/** Checks a formation update against the release's process types and the caps; returns the rows to write. */
export function formationUpdates(
  body: unknown, processTypes: Record<string, string>, current: FormationEntry[], limits: DynoLimits,
): { type: string; quantity?: number; size?: string }[] {
  const updates = (body as { updates?: unknown })?.updates;
  if (!Array.isArray(updates) || updates.length === 0) throw invalidParams("updates must be a non-empty list of {type, quantity, size}.");
  const result = updates.map((u) => {
    const { type, size, quantity: given } = (u ?? {}) as { type?: unknown; quantity?: unknown; size?: unknown };
    // The official CLI sends quantities as strings ("2").
    const quantity = typeof given === "string" && /^\d+$/.test(given) ? Number(given) : given;
    if (typeof type !== "string" || !(type in processTypes) || type === "release") {
      throw new HttpError(404, "not_found", `Couldn't find that process type (${String(type)}).`);
    }
    if (quantity !== undefined && (!Number.isInteger(quantity) || (quantity as number) < 0)) throw invalidParams("quantity must be a whole number, 0 or more.");
    if ((quantity as number) > limits.maxPerType) throw invalidParams(`Cannot scale ${type} beyond ${limits.maxPerType} dynos.`);
    if (size !== undefined && (typeof size !== "string" || !dynoSize(size))) throw invalidParams(`Invalid dyno size: ${String(size)}.`);
    return { type, quantity: quantity as number | undefined, size: size === undefined ? undefined : dynoSize(size as string)!.name };
  });
  const total = new Map(current.map((f) => [f.type, f.quantity]));
  for (const u of result) if (u.quantity !== undefined) total.set(u.type, u.quantity);
  const sum = [...total.values()].reduce((a, b) => a + b, 0);
  if (sum > limits.maxPerApp) throw invalidParams(`Cannot run more than ${limits.maxPerApp} dynos for one app.`);
  return result;
}

export function registerDynoRoutes(api: Hono<ApiEnv>, manager: DynoManager, limits: DynoLimits, onScaled: (platform: Platform, app: App, user: string, entries: FormationEntry[]) => void): void {
  const processTypesOf = (platform: Platform, app: App) => currentRelease(platform.db, app.id)?.slug?.processTypes ?? {};

  api.get("/apps/:app/formation", (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const types = processTypesOf(platform, app);
    return c.json(formationOf(platform.db, app.id).filter((f) => f.type in types).map((f) => formationJson(app, f, types[f.type]!)));
  });

  api.get("/apps/:app/formation/:type", (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const types = processTypesOf(platform, app);
    const entry = formationOf(platform.db, app.id).find((f) => f.type === c.req.param("type"));
    if (!entry || !(entry.type in types)) throw notFound("formation");
    return c.json(formationJson(app, entry, types[entry.type]!));
  });

  const scale = async (platform: Platform, app: App, user: string, body: unknown) => {
    const types = processTypesOf(platform, app);
    const current = formationOf(platform.db, app.id);
    const updates = formationUpdates(body, types, current, limits);
    const entries = upsertFormation(platform.db, app.id, updates,
      updates.map((u) => ({ quantity: defaultQuantity(u.type), size: DEFAULT_SIZE })));
    onScaled(platform, app, user, entries.filter((e) => updates.some((u) => u.type === e.type)));
    await manager.reconcile(app.id);
    return { entries: entries.filter((e) => e.type in types), types };
  };

  api.patch("/apps/:app/formation", async (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const { entries, types } = await scale(platform, app, c.var.user.email, await readJson(c));
    return c.json(entries.map((f) => formationJson(app, f, types[f.type]!)));
  });

  api.patch("/apps/:app/formation/:type", async (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const body = await readJson(c);
    const { entries, types } = await scale(platform, app, c.var.user.email, { updates: [{ ...body, type: c.req.param("type") }] });
    const entry = entries.find((f) => f.type === c.req.param("type"))!;
    return c.json(formationJson(app, entry, types[entry.type]!));
  });

  api.get("/apps/:app/dynos", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    return c.json(manager.dynos(app.id).map((d) => dynoJson(app, d)));
  });

  api.get("/apps/:app/dynos/:dyno", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const dyno = manager.dynos(app.id).find((d) => d.name === c.req.param("dyno"));
    if (!dyno) throw notFound("dyno");
    return c.json(dynoJson(app, dyno));
  });

  api.delete("/apps/:app/dynos", async (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    await manager.restart(app.id);
    return c.json({}, 202);
  });

  api.delete("/apps/:app/dynos/:target", async (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    await manager.restart(app.id, c.req.param("target"));
    return c.json({}, 202);
  });

  api.post("/apps/:app/dynos/:target/actions/stop", async (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const stopped = await manager.stop(app.id, c.req.param("target"));
    if (stopped === 0) throw notFound("dyno");
    return c.json({}, 202);
  });
}
