// Builds (the Build API's records) and the app's chosen buildpacks.
import { randomUUID } from "node:crypto";
import { type Db, now } from "./db.ts";

export type BuildStatus = "pending" | "succeeded" | "failed";

export interface Build {
  id: string; appId: string; status: BuildStatus; sourceVersion: string | null; sourceUrl: string | null; slugId: string | null;
  releaseId: string | null; buildpacks: string[]; userId: string; userEmail: string; createdAt: string; updatedAt: string;
}

interface BuildRow {
  id: string; app_id: string; status: BuildStatus; source_version: string | null; source_url: string | null; slug_id: string | null;
  release_id: string | null; buildpacks: string; user_id: string; user_email: string; created_at: string; updated_at: string;
}

const toBuild = (r: BuildRow): Build => ({
  id: r.id, appId: r.app_id, status: r.status, sourceVersion: r.source_version, sourceUrl: r.source_url, slugId: r.slug_id,
  releaseId: r.release_id, buildpacks: JSON.parse(r.buildpacks), userId: r.user_id, userEmail: r.user_email,
  createdAt: r.created_at, updatedAt: r.updated_at,
});

export function insertBuild(db: Db, b: { appId: string; sourceVersion: string | null; sourceUrl: string | null; user: { id: string; email: string } }): Build {
  const id = randomUUID();
  const at = now();
  db.run(
    `INSERT INTO builds (id, app_id, status, source_version, source_url, user_id, user_email, created_at, updated_at)
     VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
    [id, b.appId, b.sourceVersion, b.sourceUrl, b.user.id, b.user.email, at, at],
  );
  return buildById(db, b.appId, id)!;
}

export function finishBuild(db: Db, id: string, result: { status: BuildStatus; slugId?: string; releaseId?: string; buildpacks?: string[] }): void {
  db.run(
    "UPDATE builds SET status = ?, slug_id = ?, release_id = ?, buildpacks = ?, updated_at = ? WHERE id = ?",
    [result.status, result.slugId ?? null, result.releaseId ?? null, JSON.stringify(result.buildpacks ?? []), now(), id],
  );
}

/** Builds a crashed daemon left pending can never finish: marks them failed and returns their ids. */
export function failPendingBuilds(db: Db): string[] {
  return db.transaction(() => {
    const ids = db.query<{ id: string }, []>("SELECT id FROM builds WHERE status = 'pending'").all().map((r) => r.id);
    db.run("UPDATE builds SET status = 'failed', updated_at = ? WHERE status = 'pending'", [now()]);
    return ids;
  })();
}

export function buildById(db: Db, appId: string, id: string): Build | null {
  const row = db.query<BuildRow, [string, string]>("SELECT * FROM builds WHERE app_id = ? AND id = ?").get(appId, id);
  return row ? toBuild(row) : null;
}

export function listBuilds(db: Db, appId: string): Build[] {
  return db.query<BuildRow, [string]>("SELECT * FROM builds WHERE app_id = ? ORDER BY created_at, rowid").all(appId).map(toBuild);
}

export function appBuildpacks(db: Db, appId: string): string[] {
  return db.query<{ url: string }, [string]>("SELECT url FROM buildpack_installations WHERE app_id = ? ORDER BY ordinal").all(appId).map((r) => r.url);
}

export function setAppBuildpacks(db: Db, appId: string, urls: string[]): void {
  db.transaction(() => {
    db.run("DELETE FROM buildpack_installations WHERE app_id = ?", [appId]);
    urls.forEach((url, i) => db.run("INSERT INTO buildpack_installations (app_id, ordinal, url) VALUES (?, ?, ?)", [appId, i + 1, url]));
  })();
}

export function buildCountsByStatus(db: Db): { status: BuildStatus; count: number }[] {
  return db.query<{ status: BuildStatus; count: number }, []>("SELECT status, count(*) AS count FROM builds GROUP BY status").all();
}
