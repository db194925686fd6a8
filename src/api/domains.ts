// Domains: the app's own `APP.DOMAIN` plus custom hostnames (wildcards allowed); each routes to one app.
import type { Hono } from "hono";
import { acmDomainsOf, deleteDomain, domainByHostname, domainsOf, insertDomain, type AcmDomain, type App, type Db, type Domain } from "../state/index.ts";
import { appFor } from "./auth.ts";
import { invalidParams, notFound } from "./errors.ts";
import { idForName } from "./apps.ts";
import { readJson } from "./json.ts";
import type { ApiEnv, Platform } from "./platform.ts";

const HOSTNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*localhost$/;

export function hostnameProblem(hostname: unknown): string | null {
  if (typeof hostname !== "string" || hostname.length > 253 || !HOSTNAME.test(hostname)) {
    return "hostname must be a domain name such as www.example.com or *.example.com.";
  }
  return null;
}

/** Each custom domain's ACM record, empty while ACM is off. */
const acmByDomain = (db: Db, appId: string): Map<string, AcmDomain> => new Map(acmDomainsOf(db, appId).map((d) => [d.domainId, d]));

function domainJson(app: App, d: { id: string; hostname: string; createdAt: string; updatedAt: string }, kind: "heroku" | "custom", settings: Platform["settings"], acm?: AcmDomain) {
  return {
    acm_status: acm?.status ?? null, acm_status_reason: acm?.reason ?? null, app: { id: app.id, name: app.name },
    cname: kind === "custom" ? `${app.name}.${settings.domain}` : null, created_at: d.createdAt, hostname: d.hostname, id: d.id,
    kind, updated_at: acm?.updatedAt ?? d.updatedAt, status: "succeeded", sni_endpoint: null,
  };
}

export function registerDomainRoutes(api: Hono<ApiEnv>, changed: () => void): void {
  const ownDomain = (platform: Platform, app: App) => ({
    id: idForName(`domain:${app.id}`, app.name), hostname: `${app.name}.${platform.settings.domain}`, createdAt: app.createdAt, updatedAt: app.updatedAt,
  });

  api.get("/apps/:app/domains", (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const acm = acmByDomain(platform.db, app.id);
    return c.json([domainJson(app, ownDomain(platform, app), "heroku", platform.settings),
      ...domainsOf(platform.db, app.id).map((d) => domainJson(app, d, "custom", platform.settings, acm.get(d.id)))]);
  });

  api.get("/apps/:app/domains/:domain", (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const key = c.req.param("domain").toLowerCase();
    const own = ownDomain(platform, app);
    if (key === own.hostname || key === own.id) return c.json(domainJson(app, own, "heroku", platform.settings));
    const domain = domainsOf(platform.db, app.id).find((d) => d.hostname === key || d.id === key);
    if (!domain) throw notFound("domain");
    return c.json(domainJson(app, domain, "custom", platform.settings, acmByDomain(platform.db, app.id).get(domain.id)));
  });

  api.post("/apps/:app/domains", async (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const { hostname } = await readJson(c);
    const problem = hostnameProblem(typeof hostname === "string" ? hostname.toLowerCase() : hostname);
    if (problem) throw invalidParams(problem);
    const name = (hostname as string).toLowerCase();
    if (name.endsWith(`.${platform.settings.domain}`) || name === platform.settings.domain) {
      throw invalidParams(`${name} is under Slipway's own domain ${platform.settings.domain}; apps get APP.${platform.settings.domain} already.`);
    }
    if (domainByHostname(platform.db, name)) throw invalidParams(`${name} is already in use by another app.`);
    const domain: Domain = insertDomain(platform.db, app.id, name);
    changed();
    return c.json(domainJson(app, domain, "custom", platform.settings), 201);
  });

  api.delete("/apps/:app/domains/:domain", (c) => {
    const platform = c.var.platform;
    const app = appFor(platform.db, c.var.user, c.req.param("app"));
    const key = c.req.param("domain").toLowerCase();
    const domain = domainsOf(platform.db, app.id).find((d) => d.hostname === key || d.id === key);
    if (!domain) throw notFound("domain");
    deleteDomain(platform.db, domain.id);
    changed();
    return c.json(domainJson(app, domain, "custom", platform.settings));
  });
}
