// What the router asks for each request: which app a Host names and where its up web dynos are. App
// records are cached by host and dropped whenever an app changes, so the hot path does no SQL.
import type { AppRoute } from "../router/index.ts";
import type { DynoManager } from "../dyno/manager.ts";
import { appByNameOrId, currentRelease, domainByHostname, enabledFeatures, type App, type Db } from "../state/index.ts";

interface CachedApp {
  appId: string; appName: string; maintenance: boolean; httpsOnly: boolean; leastConnections: boolean;
  errorPageUrl?: string; maintenancePageUrl?: string;
}

export class RouteTable {
  private byHost = new Map<string, CachedApp | null>();

  constructor(private readonly db: Db, private readonly domain: string, private readonly dynos: DynoManager) {}

  /** Forget everything cached: called on any app, release or domain change. */
  invalidate(): void {
    this.byHost.clear();
  }

  routeFor = (host: string): AppRoute | null => {
    let cached = this.byHost.get(host);
    if (cached === undefined) {
      cached = this.lookup(host);
      if (this.byHost.size > 10_000) this.byHost.clear();
      this.byHost.set(host, cached);
    }
    if (!cached) return null;
    return { ...cached, ...this.dynos.webPool(cached.appId) };
  };

  /** `APP.DOMAIN`, else a custom domain, exact first, then the wildcard one label up. */
  private appForHost(host: string): App | null {
    const suffix = `.${this.domain}`;
    if (host.endsWith(suffix)) {
      const name = host.slice(0, -suffix.length);
      const app = name.includes(".") ? null : appByNameOrId(this.db, name);
      return app?.name === name ? app : null;
    }
    const dot = host.indexOf(".");
    const domain = domainByHostname(this.db, host) ?? (dot > 0 ? domainByHostname(this.db, `*${host.slice(dot)}`) : null);
    return domain ? appByNameOrId(this.db, domain.appId) : null;
  }

  private lookup(host: string): CachedApp | null {
    const app = this.appForHost(host);
    if (!app) return null;
    const config = currentRelease(this.db, app.id)?.config ?? {};
    const labs = enabledFeatures(this.db, app.id);
    return {
      appId: app.id, appName: app.name, maintenance: app.maintenance,
      httpsOnly: labs.has("https-only"), leastConnections: labs.has("http-least-connections"),
      ...(config.ERROR_PAGE_URL ? { errorPageUrl: config.ERROR_PAGE_URL } : {}),
      ...(config.MAINTENANCE_PAGE_URL ? { maintenancePageUrl: config.MAINTENANCE_PAGE_URL } : {}),
    };
  }
}
