// Config vars: reading them, and changing them (every change is a new release, like Heroku).
import type { Hono } from "hono";
import { currentRelease } from "../state/index.ts";
import { appFor } from "./auth.ts";
import { invalidParams } from "./errors.ts";
import { readJson } from "./json.ts";
import { applyConfigPatch, configChangeDescription, configPatchProblem, type ConfigPatch } from "./config-vars-change.ts";
import type { ApiEnv } from "./platform.ts";

export function registerConfigVarRoutes(api: Hono<ApiEnv>): void {
  api.get("/apps/:app/config-vars", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    return c.json(currentRelease(c.var.platform.db, app.id)?.config ?? {});
  });

  api.patch("/apps/:app/config-vars", async (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const patch = await readJson(c);
    const problem = configPatchProblem(patch);
    if (problem) throw invalidParams(problem);
    const live = currentRelease(platform.db, app.id);
    const before = live?.config ?? {};
    const after = applyConfigPatch(before, patch as ConfigPatch);
    const description = configChangeDescription(before, after);
    if (description) {
      await platform.release({
        appId: app.id, description, slugId: live?.slug?.id ?? null, config: after, user: c.var.user, status: "succeeded",
      });
    }
    return c.json(after);
  });
}
