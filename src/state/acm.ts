// Automated Certificate Management: which apps have it on, each custom domain's certificate and status,
// and the ACME account key per directory.
import { type Db, now } from "./db.ts";

/** Heroku's `acm_status` values: null until a first order starts. */
export type AcmStatus = "pending" | "cert issued" | "failing" | "failed";

export interface AcmDomain {
  domainId: string;
  appId: string;
  hostname: string;
  status: AcmStatus | null;
  reason: string | null;
  failures: number;
  /** Epoch ms of the next retry after a failure; null when none is scheduled. */
  nextAttemptAt: number | null;
  certificateChain: string | null;
  privateKey: string | null;
  /** Epoch ms the certificate stops being valid. */
  expiresAt: number | null;
  updatedAt: string | null;
}

interface AcmRow {
  domain_id: string; app_id: string; hostname: string; status: AcmStatus | null; reason: string | null; failures: number | null;
  next_attempt_at: number | null; certificate_chain: string | null; private_key: string | null; expires_at: number | null; updated_at: string | null;
}

const toAcmDomain = (r: AcmRow): AcmDomain => ({
  domainId: r.domain_id, appId: r.app_id, hostname: r.hostname, status: r.status, reason: r.reason, failures: r.failures ?? 0,
  nextAttemptAt: r.next_attempt_at, certificateChain: r.certificate_chain, privateKey: r.private_key, expiresAt: r.expires_at,
  updatedAt: r.updated_at,
});

const MANAGED = `SELECT d.id AS domain_id, d.app_id, d.hostname, a.status, a.reason, a.failures, a.next_attempt_at, a.certificate_chain,
  a.private_key, a.expires_at, a.updated_at FROM domains d JOIN acm_apps USING (app_id) LEFT JOIN acm_domains a ON a.domain_id = d.id`;

export function acmEnabled(db: Db, appId: string): boolean {
  return db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM acm_apps WHERE app_id = ?").get(appId)!.n > 0;
}

/** Turning ACM off drops the app's issued certificates, as Heroku does. */
export function setAcmEnabled(db: Db, appId: string, enabled: boolean): void {
  db.transaction(() => {
    if (enabled) db.run("INSERT INTO acm_apps (app_id, enabled_at) VALUES (?, ?) ON CONFLICT DO NOTHING", [appId, now()]);
    else {
      db.run("DELETE FROM acm_apps WHERE app_id = ?", [appId]);
      db.run("DELETE FROM acm_domains WHERE domain_id IN (SELECT id FROM domains WHERE app_id = ?)", [appId]);
    }
  })();
}

/** Every custom domain of every app with ACM on. */
export function acmDomains(db: Db): AcmDomain[] {
  return db.query<AcmRow, []>(`${MANAGED} ORDER BY d.hostname`).all().map(toAcmDomain);
}

export function acmDomainsOf(db: Db, appId: string): AcmDomain[] {
  return db.query<AcmRow, [string]>(`${MANAGED} WHERE d.app_id = ? ORDER BY d.hostname`).all(appId).map(toAcmDomain);
}

/** A new status for a domain; the certificate it holds, if any, is kept unless a new one is given. */
export function recordAcmStatus(db: Db, domainId: string, update: {
  status: AcmStatus; reason: string | null; failures: number; nextAttemptAt: number | null;
  certificate?: { chain: string; key: string; expiresAt: number };
}): void {
  const c = update.certificate;
  db.run(`INSERT INTO acm_domains (domain_id, status, reason, failures, next_attempt_at, certificate_chain, private_key, expires_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (domain_id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
    failures = excluded.failures, next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at,
    certificate_chain = coalesce(excluded.certificate_chain, certificate_chain), private_key = coalesce(excluded.private_key, private_key),
    expires_at = coalesce(excluded.expires_at, expires_at)`,
  [domainId, update.status, update.reason, update.failures, update.nextAttemptAt, c?.chain ?? null, c?.key ?? null, c?.expiresAt ?? null, now()]);
}

/** `certs:auto:refresh`: forget past failures so every domain without a good certificate is ordered again now. */
export function resetAcmFailures(db: Db, appId: string): void {
  db.run(`UPDATE acm_domains SET failures = 0, next_attempt_at = NULL, status = 'pending', reason = NULL, updated_at = ?
    WHERE status IN ('failing', 'failed') AND domain_id IN (SELECT id FROM domains WHERE app_id = ?)`, [now(), appId]);
}

export function acmeAccountKey(db: Db, directoryUrl: string): string | null {
  return db.query<{ account_key: string }, [string]>("SELECT account_key FROM acme_accounts WHERE directory_url = ?").get(directoryUrl)?.account_key ?? null;
}

export function saveAcmeAccountKey(db: Db, directoryUrl: string, accountKey: string): void {
  db.run("INSERT INTO acme_accounts (directory_url, account_key, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [directoryUrl, accountKey, now()]);
}
