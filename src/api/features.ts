// Labs: `GET /apps/{app}/features`, `PATCH /apps/{app}/features/{name}`.
import type { Hono } from "hono";
import { enabledFeatures, setFeature, type App } from "../state/index.ts";
import { appFor } from "./auth.ts";
import { invalidParams, notFound } from "./errors.ts";
import { idForName } from "./apps.ts";
import { readJson } from "./json.ts";
import type { ApiEnv } from "./platform.ts";

interface Feature { name: string; description: string; docUrl: string }

export const FEATURES: Feature[] = [
  { name: "log-runtime-metrics", description: "Emit dyno memory and load metrics into the app's log every 20 seconds.",
    docUrl: "https://devcenter.heroku.com/articles/log-runtime-metrics" },
  { name: "https-only", description: "Redirect plain HTTP requests to the app's HTTPS address with a 301.",
    docUrl: "https://devcenter.heroku.com/articles/http-routing" },
  { name: "http-least-connections",
    description: "Route each request to a web dyno with the fewest requests in flight (ties at random) instead of a random one.",
    docUrl: "https://devcenter.heroku.com/articles/http-routing" },
];

function featureJson(app: App, feature: Feature, enabled: boolean) {
  return {
    created_at: app.createdAt, description: feature.description, doc_url: feature.docUrl,
    enabled, id: idForName(`feature:${app.id}`, feature.name), name: feature.name, state: "beta", updated_at: app.updatedAt,
    display_name: feature.name, feedback_email: "",
  };
}

export function registerFeatureRoutes(api: Hono<ApiEnv>): void {
  // Account-level labs: Slipway has none, but `heroku labs` lists them.
  api.get("/account/features", (c) => c.json([]));

  api.get("/apps/:app/features", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const enabled = enabledFeatures(c.var.platform.db, app.id);
    return c.json(FEATURES.map((f) => featureJson(app, f, enabled.has(f.name))));
  });

  api.get("/apps/:app/features/:feature", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const feature = FEATURES.find((f) => f.name === c.req.param("feature"));
    if (!feature) throw notFound("feature");
    return c.json(featureJson(app, feature, enabledFeatures(c.var.platform.db, app.id).has(feature.name)));
  });

  api.patch("/apps/:app/features/:feature", async (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const feature = FEATURES.find((f) => f.name === c.req.param("feature"));
    if (!feature) throw notFound("feature");
    const { enabled } = await readJson(c);
    if (typeof enabled !== "boolean") throw invalidParams("enabled must be true or false.");
    setFeature(c.var.platform.db, app.id, feature.name, enabled);
    await c.var.platform.events.emit("appChanged", { app }); // routing reads https-only and http-least-connections
    return c.json(featureJson(app, feature, enabled));
  });
}
