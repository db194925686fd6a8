// Automated Certificate Management (`certs:auto:*`): `POST /apps/{app}/acm` turns it on, `DELETE` off,
// `PATCH` retries failed domains now. Each answers with the app, whose `acm` field says whether it is on.
import type { Hono } from "hono";
import { appByNameOrId, resetAcmFailures, setAcmEnabled } from "../state/index.ts";
import { appJson } from "./apps.ts";
import { appFor } from "./auth.ts";
import type { ApiContext, ApiEnv } from "./platform.ts";

/** `changed` runs after every switch: the ACM side orders what is due and the router reloads certificates. */
export function registerAcmRoutes(api: Hono<ApiEnv>, changed: () => void): void {
  const update = (c: ApiContext, appKey: string, apply: (appId: string) => void) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, appKey);
    apply(app.id);
    changed();
    return c.json(appJson(platform, appByNameOrId(platform.db, app.id)!));
  };
  api.post("/apps/:app/acm", (c) => update(c, c.req.param("app"), (appId) => setAcmEnabled(c.var.platform.db, appId, true)));
  api.delete("/apps/:app/acm", (c) => update(c, c.req.param("app"), (appId) => setAcmEnabled(c.var.platform.db, appId, false)));
  api.patch("/apps/:app/acm", (c) => update(c, c.req.param("app"), (appId) => resetAcmFailures(c.var.platform.db, appId)));
}
