// The formation: how many dynos of each process type an app should run, and at what size.
import { type Db, now } from "./db.ts";

export interface FormationEntry { appId: string; type: string; quantity: number; size: string; createdAt: string; updatedAt: string }

interface FormationRow { app_id: string; type: string; quantity: number; size: string; created_at: string; updated_at: string }

const toEntry = (r: FormationRow): FormationEntry => ({
  appId: r.app_id, type: r.type, quantity: r.quantity, size: r.size, createdAt: r.created_at, updatedAt: r.updated_at,
});

export function formationOf(db: Db, appId: string): FormationEntry[] {
  return db.query<FormationRow, [string]>("SELECT * FROM formation WHERE app_id = ? ORDER BY type").all(appId).map(toEntry);
}

export function allFormations(db: Db): FormationEntry[] {
  return db.query<FormationRow, []>("SELECT * FROM formation ORDER BY app_id, type").all().map(toEntry);
}

/** Sets quantity and/or size of process types in one write; a type seen for the first time gets defaults. */
export function upsertFormation(db: Db, appId: string, updates: { type: string; quantity?: number; size?: string }[], defaults: { quantity: number; size: string }[]): FormationEntry[] {
  const at = now();
  db.transaction(() => {
    updates.forEach((u, i) => {
      const fallback = defaults[i]!;
      db.run(
        `INSERT INTO formation (app_id, type, quantity, size, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (app_id, type) DO UPDATE SET quantity = coalesce(?, quantity), size = coalesce(?, size), updated_at = ?`,
        [appId, u.type, u.quantity ?? fallback.quantity, u.size ?? fallback.size, at, at, u.quantity ?? null, u.size ?? null, at],
      );
    });
  })();
  return formationOf(db, appId);
}
