// Accounts and their API tokens. Tokens are random and long, so a plain SHA-256 is a sound hash for them.
import { randomBytes, createHash, randomUUID } from "node:crypto";
import { type Db, now } from "./db.ts";

export interface User { id: string; email: string; isAdmin: boolean; createdAt: string; updatedAt: string }

interface UserRow { id: string; email: string; is_admin: number; created_at: string; updated_at: string }

const toUser = (r: UserRow): User => ({
  id: r.id, email: r.email, isAdmin: r.is_admin === 1, createdAt: r.created_at, updatedAt: r.updated_at,
});

export const ADMIN_EMAIL = "admin@slipway.local";

export function newToken(): string {
  return `slw_${randomBytes(24).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function createUser(db: Db, email: string, token: string, isAdmin = false): User {
  const at = now();
  const id = randomUUID();
  db.run(
    "INSERT INTO users (id, email, token_hash, is_admin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
    [id, email, hashToken(token), isAdmin ? 1 : 0, at, at],
  );
  return { id, email, isAdmin, createdAt: at, updatedAt: at };
}

export function userByToken(db: Db, token: string): User | null {
  const row = db.query<UserRow, [string]>("SELECT * FROM users WHERE token_hash = ?").get(hashToken(token));
  return row ? toUser(row) : null;
}

export function userByEmailOrId(db: Db, key: string): User | null {
  const row = db.query<UserRow, [string, string]>("SELECT * FROM users WHERE email = ? OR id = ?").get(key, key);
  return row ? toUser(row) : null;
}

export function adminUser(db: Db): User | null {
  const row = db.query<UserRow, []>("SELECT * FROM users WHERE is_admin = 1 ORDER BY created_at LIMIT 1").get();
  return row ? toUser(row) : null;
}

export function listUsers(db: Db): User[] {
  return db.query<UserRow, []>("SELECT * FROM users ORDER BY email").all().map(toUser);
}

export function setUserToken(db: Db, userId: string, token: string): void {
  db.run("UPDATE users SET token_hash = ?, updated_at = ? WHERE id = ?", [hashToken(token), now(), userId]);
}

/** Deletes a user who owns no apps; returns false when they still own some. */
export function deleteUser(db: Db, userId: string): boolean {
  const owned = db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM apps WHERE owner_id = ?").get(userId);
  if ((owned?.n ?? 0) > 0) return false;
  db.run("DELETE FROM users WHERE id = ?", [userId]);
  return true;
}
