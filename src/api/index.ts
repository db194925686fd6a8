// The Heroku Platform API v3, served by Hono. Routes live one file per resource; this file adds the
// cross-cutting parts: auth, Heroku's headers, body limits and `{id, message}` errors.
// hono/quick matches routes in a plain loop; the default router compiles every route into one large
// regular expression on the first request, which stays in the daemon's memory (~4 MB).
import { Hono } from "hono/quick";
import { bodyLimit } from "hono/body-limit";
import { randomUUID } from "node:crypto";
import { HttpError } from "./errors.ts";
import { requireUser } from "./auth.ts";
import { registerAccountRoutes } from "./account.ts";
import { registerAppRoutes } from "./apps.ts";
import { registerConfigVarRoutes } from "./config-vars.ts";
import { registerReleaseRoutes } from "./releases.ts";
import { registerCollaboratorRoutes } from "./collaborators.ts";
import { registerAbsentFeatureRoutes } from "./absent-features.ts";
import type { ApiEnv, Platform } from "./platform.ts";

export { createRelease, type Platform, type ApiEnv } from "./platform.ts";
export { authenticate, appFor } from "./auth.ts";
export { HttpError } from "./errors.ts";

const MAX_JSON_BODY = 1024 * 1024;

/** The API as a Hono app; `extend` lets other subsystems add their resources' routes behind the same auth. */
export function createApi(platform: Platform, extend: ((api: Hono<ApiEnv>) => void)[] = []): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  api.use("*", async (c, next) => {
    c.set("platform", platform);
    const requestId = c.req.header("request-id") ?? randomUUID();
    await next();
    c.header("Request-Id", requestId);
    c.header("RateLimit-Remaining", "4500");
  });
  api.onError((error, c) => {
    if (error instanceof HttpError) {
      if (error.status === 401) c.header("WWW-Authenticate", 'Bearer realm="slipway"');
      return c.json({ id: error.id, message: error.message }, error.status as 400);
    }
    console.error(`slipway: ${c.req.method} ${c.req.path} failed:`, error);
    return c.json({ id: "internal_server_error", message: "Internal server error." }, 500);
  });
  api.notFound((c) => c.json({ id: "not_found", message: "The requested API endpoint was not found." }, 404));
  api.get("/health", (c) => c.json({ status: "ok" }));
  api.use("*", bodyLimit({
    maxSize: MAX_JSON_BODY,
    onError: () => { throw new HttpError(413, "request_entity_too_large", "Request body is larger than 1 MB."); },
  }));
  api.use("*", requireUser);
  registerAccountRoutes(api);
  registerAppRoutes(api);
  registerConfigVarRoutes(api);
  registerReleaseRoutes(api);
  registerCollaboratorRoutes(api);
  registerAbsentFeatureRoutes(api);
  for (const add of extend) add(api);
  return api;
}
