// Releases: a numbered, immutable pairing of a slug and a config. The newest live release's config is
// the app's config, so a config change and its release are one write.
import { randomUUID } from "node:crypto";
import { type Db, now } from "./db.ts";

export type ReleaseStatus = "pending" | "succeeded" | "failed";
export type ConfigVars = Record<string, string>;

export interface Slug {
  id: string; appId: string; size: number; processTypes: Record<string, string>; buildpacks: string[];
  commit: string | null; stack: string; createdAt: string;
}

export interface Release {
  id: string; appId: string; version: number; description: string; slug: Slug | null; config: ConfigVars;
  userId: string; userEmail: string; status: ReleaseStatus; createdAt: string; updatedAt: string;
}

interface ReleaseRow {
  id: string; app_id: string; version: number; description: string; slug_id: string | null; config: string;
  user_id: string; user_email: string; status: ReleaseStatus; created_at: string; updated_at: string;
}
interface SlugRow {
  id: string; app_id: string; size: number; process_types: string; buildpacks: string; commit_sha: string | null;
  stack: string; created_at: string;
}

const toSlug = (r: SlugRow): Slug => ({
  id: r.id, appId: r.app_id, size: r.size, processTypes: JSON.parse(r.process_types), buildpacks: JSON.parse(r.buildpacks),
  commit: r.commit_sha, stack: r.stack, createdAt: r.created_at,
});

function toRelease(db: Db, r: ReleaseRow): Release {
  return {
    id: r.id, appId: r.app_id, version: r.version, description: r.description,
    slug: r.slug_id ? slugById(db, r.slug_id) : null, config: JSON.parse(r.config),
    userId: r.user_id, userEmail: r.user_email, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function slugById(db: Db, id: string): Slug | null {
  const row = db.query<SlugRow, [string]>("SELECT * FROM slugs WHERE id = ?").get(id);
  return row ? toSlug(row) : null;
}

export function insertSlug(db: Db, slug: Omit<Slug, "id" | "createdAt"> & { id?: string }): Slug {
  const id = slug.id ?? randomUUID();
  db.run(
    "INSERT INTO slugs (id, app_id, size, process_types, buildpacks, commit_sha, stack, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [id, slug.appId, slug.size, JSON.stringify(slug.processTypes), JSON.stringify(slug.buildpacks), slug.commit, slug.stack, now()],
  );
  return slugById(db, id)!;
}

export interface NewRelease {
  appId: string; description: string; slugId: string | null; config: ConfigVars;
  user: { id: string; email: string }; status: ReleaseStatus;
}

/** Appends the app's next release; the version is decided inside the write so two writers can't share one. */
export function insertRelease(db: Db, release: NewRelease): Release {
  const id = randomUUID();
  const at = now();
  db.transaction(() => {
    const last = db.query<{ v: number }, [string]>("SELECT coalesce(max(version), 0) AS v FROM releases WHERE app_id = ?").get(release.appId)!.v;
    db.run(
      `INSERT INTO releases (id, app_id, version, description, slug_id, config, user_id, user_email, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, release.appId, last + 1, release.description, release.slugId, JSON.stringify(release.config),
        release.user.id, release.user.email, release.status, at, at],
    );
  })();
  return releaseByIdOrVersion(db, release.appId, id)!;
}

export function setReleaseStatus(db: Db, releaseId: string, status: ReleaseStatus): void {
  db.run("UPDATE releases SET status = ?, updated_at = ? WHERE id = ?", [status, now(), releaseId]);
}

export function releaseByIdOrVersion(db: Db, appId: string, key: string): Release | null {
  const version = /^v?(\d+)$/.exec(key)?.[1];
  const row = version
    ? db.query<ReleaseRow, [string, number]>("SELECT * FROM releases WHERE app_id = ? AND version = ?").get(appId, Number(version))
    : db.query<ReleaseRow, [string, string]>("SELECT * FROM releases WHERE app_id = ? AND id = ?").get(appId, key);
  return row ? toRelease(db, row) : null;
}

/** The release the app runs: the newest one that succeeded. */
export function currentRelease(db: Db, appId: string): Release | null {
  const row = db
    .query<ReleaseRow, [string]>("SELECT * FROM releases WHERE app_id = ? AND status = 'succeeded' ORDER BY version DESC LIMIT 1")
    .get(appId);
  return row ? toRelease(db, row) : null;
}

export function listReleases(db: Db, appId: string): Release[] {
  return db
    .query<ReleaseRow, [string]>("SELECT * FROM releases WHERE app_id = ? ORDER BY version")
    .all(appId)
    .map((r) => toRelease(db, r));
}
