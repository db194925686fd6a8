// Apps and who may touch them (owner, collaborators).
import { randomUUID } from "node:crypto";
import { type Db, now } from "./db.ts";
import type { User } from "./users.ts";

export interface App {
  id: string; number: number; name: string; ownerId: string; ownerEmail: string; stack: string;
  maintenance: boolean; createdAt: string; updatedAt: string; releasedAt: string | null;
}

interface AppRow {
  id: string; number: number; name: string; owner_id: string; owner_email: string; stack: string;
  maintenance: number; created_at: string; updated_at: string; released_at: string | null;
}

const SELECT_APP = `
  SELECT apps.*, users.email AS owner_email,
    (SELECT max(created_at) FROM releases WHERE releases.app_id = apps.id AND releases.status = 'succeeded') AS released_at
  FROM apps JOIN users ON users.id = apps.owner_id`;

const toApp = (r: AppRow): App => ({
  id: r.id, number: r.number, name: r.name, ownerId: r.owner_id, ownerEmail: r.owner_email, stack: r.stack,
  maintenance: r.maintenance === 1, createdAt: r.created_at, updatedAt: r.updated_at, releasedAt: r.released_at,
});

export function insertApp(db: Db, name: string, owner: User, stack: string): App {
  const at = now();
  const id = randomUUID();
  const next = db.query<{ n: number }, []>("SELECT coalesce(max(number), 0) + 1 AS n FROM apps").get()!.n;
  db.run(
    "INSERT INTO apps (id, number, name, owner_id, stack, maintenance, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
    [id, next, name, owner.id, stack, at, at],
  );
  return appByNameOrId(db, id)!;
}

export function appByNameOrId(db: Db, key: string): App | null {
  const row = db.query<AppRow, [string, string]>(`${SELECT_APP} WHERE apps.name = ? OR apps.id = ?`).get(key, key);
  return row ? toApp(row) : null;
}

export function appNameTaken(db: Db, name: string): boolean {
  return db.query<{ one: number }, [string]>("SELECT 1 AS one FROM apps WHERE name = ?").get(name) !== null;
}

/** Every app for an admin; for anyone else, the apps they own or collaborate on. */
export function appsVisibleTo(db: Db, user: User): App[] {
  if (user.isAdmin) return db.query<AppRow, []>(`${SELECT_APP} ORDER BY apps.name`).all().map(toApp);
  return db
    .query<AppRow, [string, string]>(
      `${SELECT_APP} WHERE apps.owner_id = ? OR apps.id IN (SELECT app_id FROM collaborators WHERE user_id = ?) ORDER BY apps.name`,
    )
    .all(user.id, user.id)
    .map(toApp);
}

export function canAccessApp(db: Db, user: User, app: App): boolean {
  if (user.isAdmin || app.ownerId === user.id) return true;
  return db
    .query<{ one: number }, [string, string]>("SELECT 1 AS one FROM collaborators WHERE app_id = ? AND user_id = ?")
    .get(app.id, user.id) !== null;
}

export function updateApp(db: Db, appId: string, changes: { name?: string; maintenance?: boolean; stack?: string }): void {
  const at = now();
  if (changes.name !== undefined) db.run("UPDATE apps SET name = ?, updated_at = ? WHERE id = ?", [changes.name, at, appId]);
  if (changes.maintenance !== undefined)
    db.run("UPDATE apps SET maintenance = ?, updated_at = ? WHERE id = ?", [changes.maintenance ? 1 : 0, at, appId]);
  if (changes.stack !== undefined) db.run("UPDATE apps SET stack = ?, updated_at = ? WHERE id = ?", [changes.stack, at, appId]);
}

export function deleteApp(db: Db, appId: string): void {
  db.transaction(() => {
    db.run("DELETE FROM releases WHERE app_id = ?", [appId]);
    db.run("DELETE FROM apps WHERE id = ?", [appId]);
  })();
}

export interface Collaborator { id: string; appId: string; userId: string; email: string; createdAt: string }

export function listCollaborators(db: Db, appId: string): Collaborator[] {
  return db
    .query<{ id: string; app_id: string; user_id: string; email: string; created_at: string }, [string]>(
      `SELECT collaborators.*, users.email FROM collaborators JOIN users ON users.id = collaborators.user_id
       WHERE app_id = ? ORDER BY users.email`,
    )
    .all(appId)
    .map((r) => ({ id: r.id, appId: r.app_id, userId: r.user_id, email: r.email, createdAt: r.created_at }));
}

export function addCollaborator(db: Db, appId: string, userId: string): Collaborator {
  db.run("INSERT OR IGNORE INTO collaborators (id, app_id, user_id, created_at) VALUES (?, ?, ?, ?)", [
    randomUUID(), appId, userId, now(),
  ]);
  return listCollaborators(db, appId).find((c) => c.userId === userId)!;
}

export function removeCollaborator(db: Db, appId: string, userId: string): boolean {
  return db.run("DELETE FROM collaborators WHERE app_id = ? AND user_id = ?", [appId, userId]).changes > 0;
}
