// Log drains: where an app's log stream is copied to (HTTPS or syslog endpoints).
import { randomUUID } from "node:crypto";
import { type Db, now } from "./db.ts";

export interface LogDrain { id: string; appId: string; url: string; token: string; createdAt: string; updatedAt: string }

interface DrainRow { id: string; app_id: string; url: string; token: string; created_at: string; updated_at: string }

const toDrain = (r: DrainRow): LogDrain => ({ id: r.id, appId: r.app_id, url: r.url, token: r.token, createdAt: r.created_at, updatedAt: r.updated_at });

export function drainsOf(db: Db, appId: string): LogDrain[] {
  return db.query<DrainRow, [string]>("SELECT * FROM log_drains WHERE app_id = ? ORDER BY created_at").all(appId).map(toDrain);
}

export function allDrains(db: Db): LogDrain[] {
  return db.query<DrainRow, []>("SELECT * FROM log_drains ORDER BY app_id, created_at").all().map(toDrain);
}

export function insertDrain(db: Db, appId: string, url: string): LogDrain {
  const at = now();
  const drain = { id: randomUUID(), appId, url, token: `d.${randomUUID()}`, createdAt: at, updatedAt: at };
  db.run("INSERT INTO log_drains (id, app_id, url, token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
    [drain.id, appId, url, drain.token, at, at]);
  return drain;
}

export function deleteDrain(db: Db, id: string): void {
  db.run("DELETE FROM log_drains WHERE id = ?", [id]);
}
