// Log sessions: `POST /apps/{app}/log-sessions` hands out a logplex_url; opening it streams the app's
// log (the official CLI reads it as Server-Sent Events). The URL itself is the credential, short-lived.
import type { Hono } from "hono";
import { randomBytes } from "node:crypto";
import { logSessionResponse, type LogFilter, type LogStore } from "../logs/index.ts";
import { appFor } from "./auth.ts";
import { invalidParams, notFound } from "./errors.ts";
import { readJson } from "./json.ts";
import type { ApiEnv } from "./platform.ts";

const SESSION_TTL_MS = 5 * 60 * 1000;
const MAX_LINES = 1500;

interface LogSession { appId: string; lines: number; tail: boolean; filter: LogFilter; expires: number }

export function logSessionRequest(body: Record<string, unknown>): Omit<LogSession, "appId" | "expires"> {
  const lines = body.lines === undefined ? 100 : Number(body.lines);
  if (!Number.isInteger(lines) || lines < 0) throw invalidParams("lines must be a whole number, 0 or more.");
  const filter: LogFilter = {};
  if (body.dyno !== undefined && body.dyno !== null && body.dyno !== "") {
    if (typeof body.dyno !== "string" || !/^[a-z0-9_-]+(\.\d+)?$/i.test(body.dyno)) throw invalidParams("dyno must be a process type or dyno name, e.g. web or web.1.");
    filter.dyno = body.dyno;
  }
  if (body.source !== undefined && body.source !== null && body.source !== "") {
    if (body.source !== "app" && body.source !== "heroku") throw invalidParams("source must be app or heroku.");
    filter.source = body.source;
  }
  return { lines: Math.min(lines, MAX_LINES), tail: body.tail === true, filter };
}

/** Registers the authenticated create route; returns the handler for the unauthenticated stream path. */
export function registerLogSessionRoutes(api: Hono<ApiEnv>, logs: LogStore): (request: Request, path: string) => Response | null {
  const sessions = new Map<string, LogSession>();
  api.post("/apps/:app/log-sessions", async (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const session = { appId: app.id, ...logSessionRequest(await readJson(c)), expires: Date.now() + SESSION_TTL_MS };
    const id = randomBytes(18).toString("base64url");
    for (const [key, s] of sessions) if (s.expires < Date.now()) sessions.delete(key);
    sessions.set(id, session);
    const at = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    return c.json({ id, logplex_url: `${new URL(c.req.url).origin}/log-sessions/${id}`, created_at: at, updated_at: at }, 201);
  });
  return (request, path) => {
    const match = /^\/log-sessions\/([A-Za-z0-9_-]+)$/.exec(path);
    if (!match) return null;
    const session = sessions.get(match[1]!);
    if (!session || session.expires < Date.now()) {
      const error = notFound("log session");
      return Response.json({ id: error.id, message: error.message }, { status: 404 });
    }
    if (!session.tail) sessions.delete(match[1]!);
    return logSessionResponse(logs, session.appId, { lines: session.lines, tail: session.tail, filter: session.filter, signal: request.signal });
  };
}
