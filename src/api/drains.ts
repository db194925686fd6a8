// Log drains: `POST/GET/DELETE /apps/{app}/log-drains`.
import type { Hono } from "hono";
import { deleteDrain, drainsOf, insertDrain, type App, type LogDrain } from "../state/index.ts";
import { appFor } from "./auth.ts";
import { invalidParams, notFound } from "./errors.ts";
import { readJson } from "./json.ts";
import type { ApiEnv } from "./platform.ts";

export function drainUrlProblem(url: unknown): string | null {
  if (typeof url !== "string") return "url is required.";
  try {
    const parsed = new URL(url);
    if (!["http:", "https:", "syslog:", "syslog+tls:"].includes(parsed.protocol)) return "Drains must be https://, http://, syslog:// or syslog+tls:// URLs.";
    if (parsed.protocol.startsWith("syslog") && !parsed.port) return "A syslog drain needs a port, e.g. syslog://logs.example.com:514.";
    return null;
  } catch {
    return `${url} is not a URL.`;
  }
}

function drainJson(app: App, d: LogDrain) {
  return { addon: null, app: { id: app.id, name: app.name }, created_at: d.createdAt, id: d.id, token: d.token, updated_at: d.updatedAt, url: d.url };
}

export function registerDrainRoutes(api: Hono<ApiEnv>, changed: (appId: string) => void): void {
  api.get("/apps/:app/log-drains", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    return c.json(drainsOf(c.var.platform.db, app.id).map((d) => drainJson(app, d)));
  });

  api.post("/apps/:app/log-drains", async (c) => {
    const db = c.var.platform.db;
    const app = appFor(db, c.var.user, c.req.param("app"));
    const { url } = await readJson(c);
    const problem = drainUrlProblem(url);
    if (problem) throw invalidParams(problem);
    if (drainsOf(db, app.id).some((d) => d.url === url)) throw invalidParams(`${url} is already a drain of ${app.name}.`);
    const drain = insertDrain(db, app.id, url as string);
    changed(app.id);
    return c.json(drainJson(app, drain), 201);
  });

  api.delete("/apps/:app/log-drains/:drain", (c) => {
    const db = c.var.platform.db;
    const app = appFor(db, c.var.user, c.req.param("app"));
    const key = decodeURIComponent(c.req.param("drain"));
    const drain = drainsOf(db, app.id).find((d) => d.id === key || d.url === key || d.token === key);
    if (!drain) throw notFound("log drain");
    deleteDrain(db, drain.id);
    changed(app.id);
    return c.json(drainJson(app, drain));
  });
}
