// Per-app labs (feature flags) that have been switched on or off.
import type { Db } from "./db.ts";

export function enabledFeatures(db: Db, appId: string): Set<string> {
  return new Set(db.query<{ name: string }, [string]>("SELECT name FROM app_features WHERE app_id = ? AND enabled = 1").all(appId).map((r) => r.name));
}

export function appsWithFeature(db: Db, name: string): string[] {
  return db.query<{ app_id: string }, [string]>("SELECT app_id FROM app_features WHERE name = ? AND enabled = 1").all(name).map((r) => r.app_id);
}

export function setFeature(db: Db, appId: string, name: string, enabled: boolean): void {
  db.run("INSERT INTO app_features (app_id, name, enabled) VALUES (?, ?, ?) ON CONFLICT (app_id, name) DO UPDATE SET enabled = excluded.enabled",
    [appId, name, enabled ? 1 : 0]);
}
