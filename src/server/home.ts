// The platform's home directory: its layout, the one-server-per-home lock, and the admin token.
import { Database } from "bun:sqlite";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_EMAIL, adminUser, createUser, newToken, setUserToken, userByToken, type Db } from "../state/index.ts";

export interface HomeLayout { root: string; stateDb: string; adminTokenFile: string; repos: string; slugs: string; cache: string; logs: string; run: string }

export function homeLayout(root: string): HomeLayout {
  return {
    root, stateDb: join(root, "state.db"), adminTokenFile: join(root, "admin-token"), repos: join(root, "repos"),
    slugs: join(root, "slugs"), cache: join(root, "cache"), logs: join(root, "logs"), run: join(root, "run"),
  };
}

export function prepareHome(layout: HomeLayout): void {
  mkdirSync(layout.root, { recursive: true, mode: 0o700 });
  chmodSync(layout.root, 0o700);
  for (const dir of [layout.repos, layout.slugs, layout.cache, layout.logs, layout.run]) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Holds an exclusive SQLite lock for the server's lifetime. The kernel drops it when the process dies,
 * even by SIGKILL, so a crashed server never blocks the next one.
 */
export function lockHome(layout: HomeLayout): { release(): void } {
  const lock = new Database(join(layout.root, "server.lock"), { create: true });
  try {
    lock.exec("PRAGMA locking_mode = EXCLUSIVE");
    lock.exec("PRAGMA busy_timeout = 0");
    lock.exec("CREATE TABLE IF NOT EXISTS held (pid INTEGER)");
    lock.exec("BEGIN EXCLUSIVE");
    lock.run("DELETE FROM held");
    lock.run("INSERT INTO held VALUES (?)", [process.pid]);
    lock.exec("COMMIT");
  } catch {
    lock.close();
    throw new Error(`another Slipway server is already running with home ${layout.root}`);
  }
  return { release: () => lock.close() };
}

/**
 * Makes sure the admin account exists. Its token is SLIPWAY_TOKEN when set, else generated once and kept
 * in <home>/admin-token (0600). Returns the token when it was just generated, so start-up can print it.
 */
export function ensureAdmin(db: Db, layout: HomeLayout, envToken: string | undefined): { token: string; generated: boolean } {
  const admin = adminUser(db);
  if (envToken) {
    if (!admin) createUser(db, ADMIN_EMAIL, envToken, true);
    else if (userByToken(db, envToken)?.id !== admin.id) setUserToken(db, admin.id, envToken);
    return { token: envToken, generated: false };
  }
  if (admin && existsSync(layout.adminTokenFile)) {
    const kept = readFileSync(layout.adminTokenFile, "utf8").trim();
    if (userByToken(db, kept)?.id === admin.id) return { token: kept, generated: false };
  }
  const token = newToken();
  if (admin) setUserToken(db, admin.id, token);
  else createUser(db, ADMIN_EMAIL, token, true);
  writeFileSync(layout.adminTokenFile, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}
