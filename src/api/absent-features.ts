// Endpoints the official CLI calls for Heroku features Slipway has no use for: they answer as Heroku
// does for an app that has none, so the command still completes.
import type { Hono } from "hono";
import { appFor } from "./auth.ts";
import { HttpError } from "./errors.ts";
import type { ApiEnv } from "./platform.ts";

export function registerAbsentFeatureRoutes(api: Hono<ApiEnv>): void {
  api.get("/apps/:app/addons", (c) => {
    appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    return c.json([]);
  });
  api.get("/apps/:app/addon-attachments", (c) => {
    appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    return c.json([]);
  });
  api.get("/apps/:app/pipeline-couplings", (c) => {
    appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    throw new HttpError(404, "not_found", "Couldn't find that pipeline coupling.");
  });
}
