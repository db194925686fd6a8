// TLS certificates uploaded for an app's custom domains.
import { randomUUID } from "node:crypto";
import { type Db, now } from "./db.ts";

export interface SniEndpoint { id: string; appId: string; name: string; certificateChain: string; privateKey: string; createdAt: string; updatedAt: string }

interface SniRow { id: string; app_id: string; name: string; certificate_chain: string; private_key: string; created_at: string; updated_at: string }

const toEndpoint = (r: SniRow): SniEndpoint => ({
  id: r.id, appId: r.app_id, name: r.name, certificateChain: r.certificate_chain, privateKey: r.private_key, createdAt: r.created_at, updatedAt: r.updated_at,
});

export function sniEndpointsOf(db: Db, appId: string): SniEndpoint[] {
  return db.query<SniRow, [string]>("SELECT * FROM sni_endpoints WHERE app_id = ? ORDER BY created_at").all(appId).map(toEndpoint);
}

export function allSniEndpoints(db: Db): SniEndpoint[] {
  return db.query<SniRow, []>("SELECT * FROM sni_endpoints ORDER BY created_at").all().map(toEndpoint);
}

export function insertSniEndpoint(db: Db, appId: string, name: string, certificateChain: string, privateKey: string): SniEndpoint {
  const at = now();
  const endpoint = { id: randomUUID(), appId, name, certificateChain, privateKey, createdAt: at, updatedAt: at };
  db.run("INSERT INTO sni_endpoints (id, app_id, name, certificate_chain, private_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [endpoint.id, appId, name, certificateChain, privateKey, at, at]);
  return endpoint;
}

export function deleteSniEndpoint(db: Db, id: string): void {
  db.run("DELETE FROM sni_endpoints WHERE id = ?", [id]);
}
