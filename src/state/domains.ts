// Custom domains: a hostname belongs to one app; `*.example.com` covers one label below it.
import { randomUUID } from "node:crypto";
import { type Db, now } from "./db.ts";

export interface Domain { id: string; appId: string; hostname: string; createdAt: string; updatedAt: string }

interface DomainRow { id: string; app_id: string; hostname: string; created_at: string; updated_at: string }

const toDomain = (r: DomainRow): Domain => ({ id: r.id, appId: r.app_id, hostname: r.hostname, createdAt: r.created_at, updatedAt: r.updated_at });

export function domainsOf(db: Db, appId: string): Domain[] {
  return db.query<DomainRow, [string]>("SELECT * FROM domains WHERE app_id = ? ORDER BY hostname").all(appId).map(toDomain);
}

export function domainByHostname(db: Db, hostname: string): Domain | null {
  const row = db.query<DomainRow, [string]>("SELECT * FROM domains WHERE hostname = ?").get(hostname);
  return row ? toDomain(row) : null;
}

export function insertDomain(db: Db, appId: string, hostname: string): Domain {
  const at = now();
  const id = randomUUID();
  db.run("INSERT INTO domains (id, app_id, hostname, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", [id, appId, hostname, at, at]);
  return { id, appId, hostname, createdAt: at, updatedAt: at };
}

export function deleteDomain(db: Db, id: string): void {
  db.run("DELETE FROM domains WHERE id = ?", [id]);
}
