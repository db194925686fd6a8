// ACM's decisions, pure: when a domain's certificate is ordered (first issue, renewal, retry after a
// failure), what a failure turns into, when to look again, and which certificate the router serves.
import type { AcmDomain, AcmStatus } from "../state/index.ts";
import type { TlsCertificate } from "../router/index.ts";

export interface AcmPolicy {
  /** Renew once a certificate has less than this left (Let's Encrypt advises 30 days). */
  renewBeforeMs: number;
  /** The first retry after a failure; each further one waits twice as long, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Failed first orders in a row before a domain is `failed` and waits for `certs:auto:refresh`. */
  maxFailures: number;
}

export const DEFAULT_ACM_POLICY: AcmPolicy = {
  renewBeforeMs: 30 * 24 * 3600_000, retryBaseMs: 60_000, retryMaxMs: 24 * 3600_000, maxFailures: 6,
};

export type AcmState = Pick<AcmDomain, "hostname" | "status" | "failures" | "nextAttemptAt" | "expiresAt">;

/** HTTP-01, the only challenge the router can answer, cannot prove control of a wildcard. */
export const WILDCARD_REASON = "Wildcard domains need a DNS-01 challenge, which Slipway does not answer; upload a certificate with certs:add.";

export const isWildcard = (hostname: string): boolean => hostname.startsWith("*.");

/** When this domain's certificate should next be ordered (epoch ms), or null for not until a refresh. */
export function nextOrderAt(d: AcmState, policy: AcmPolicy): number | null {
  if (isWildcard(d.hostname) || d.status === "failed") return null;
  if (d.failures > 0 && d.nextAttemptAt !== null) return d.nextAttemptAt;
  if (d.expiresAt !== null) return d.expiresAt - policy.renewBeforeMs;
  return 0;
}

export function isDue(d: AcmState, nowMs: number, policy: AcmPolicy): boolean {
  const at = nextOrderAt(d, policy);
  return at !== null && at <= nowMs;
}

/**
 * A failed order: `failing` with a retry after an exponential back-off. A first issue that keeps failing
 * becomes `failed` (Heroku's "failed validation after multiple attempts"); a renewal never gives up while
 * the current certificate is still serving.
 */
export function afterFailure(d: AcmState, nowMs: number, policy: AcmPolicy): { status: AcmStatus; failures: number; nextAttemptAt: number | null } {
  const failures = d.failures + 1;
  const hasCertificate = d.expiresAt !== null && d.expiresAt > nowMs;
  if (!hasCertificate && failures >= policy.maxFailures) return { status: "failed", failures, nextAttemptAt: null };
  const delay = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** (failures - 1));
  return { status: "failing", failures, nextAttemptAt: nowMs + delay };
}

/** When the manager should next look: the earliest due order, but at least every `checkEveryMs`. */
export function nextCheckAt(domains: AcmState[], nowMs: number, policy: AcmPolicy, checkEveryMs: number): number {
  let at = nowMs + checkEveryMs;
  for (const d of domains) {
    const due = nextOrderAt(d, policy);
    if (due !== null && due < at) at = Math.max(due, nowMs);
  }
  return at;
}

/** Uploaded certificates win over issued ones for the same hostname. */
export function servedCertificates(uploaded: TlsCertificate[], issued: TlsCertificate[]): TlsCertificate[] {
  const named = new Set(uploaded.map((c) => c.serverName));
  return [...uploaded, ...issued.filter((c) => !named.has(c.serverName))];
}
