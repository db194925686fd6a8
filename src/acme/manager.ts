// Automated Certificate Management: orders certificates for the custom domains of apps with ACM on,
// renews them before they expire, retries failures with a back-off, and records each domain's status.
// Orders run one at a time from a single timer; `kick()` runs a pass now (enable, refresh, new domain).
import { X509Certificate } from "node:crypto";
import { ACME_CHALLENGE_PATH, challengeKey, type TlsCertificate } from "../router/index.ts";
import { acmDomains, recordAcmStatus, type AcmDomain, type Db } from "../state/index.ts";
import type { ChallengeBoard, Issuer } from "./issue.ts";
import { afterFailure, type AcmPolicy, isDue, isWildcard, nextCheckAt, WILDCARD_REASON } from "./policy.ts";

/** How long shutdown waits for an open order; acme-client retries a CA that is down for over a minute. */
const STOP_WAIT_MS = 3_000;
/** setTimeout's largest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface AcmeManagerOptions {
  db: Db;
  /** Made lazily: the account key is only needed once a domain is due. */
  issuer: () => Promise<Issuer>;
  policy: AcmPolicy;
  /** The longest the manager sleeps between looks at the state store. */
  checkEveryMs: number;
  /** Issued certificates changed: the router should load them. */
  certificatesChanged(): void;
  say(line: string): void;
  now?: () => number;
}

export class AcmeManager {
  /** HTTP-01 answers for the router, keyed by `challengeKey`. */
  readonly challenges = new Map<string, string>();
  private readonly board: ChallengeBoard = {
    add: (hostname, token, keyAuthorization) => this.challenges.set(challengeKey(hostname, ACME_CHALLENGE_PATH + token), keyAuthorization),
    remove: (hostname, token) => this.challenges.delete(challengeKey(hostname, ACME_CHALLENGE_PATH + token)),
  };
  private readonly now: () => number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pass: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: AcmeManagerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Issued certificates still valid, one per hostname, for the router. */
  certificates(): TlsCertificate[] {
    const now = this.now();
    return acmDomains(this.opts.db).flatMap((d) => d.certificateChain && d.privateKey && (d.expiresAt ?? 0) > now
      ? [{ serverName: d.hostname, cert: d.certificateChain, key: d.privateKey }] : []);
  }

  /** Runs a pass now, or right after the one under way. */
  kick(): void {
    if (this.stopped) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pass = this.runDue().catch((error) => this.opts.say(`acme: ${(error as Error).message}`)).finally(() => {
      this.pass = null;
      if (this.again) {
        this.again = false;
        this.kick();
      } else this.schedule();
    });
  }

  /** Stops the timer and gives an order under way a moment to finish; one that outlives it records nothing. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pass) await Promise.race([this.pass, Bun.sleep(STOP_WAIT_MS)]);
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = this.now();
    const at = nextCheckAt(acmDomains(this.opts.db), now, this.opts.policy, this.opts.checkEveryMs);
    this.timer = setTimeout(() => this.kick(), Math.min(MAX_TIMER_MS, Math.max(0, at - now)));
  }

  /** One pass over the managed domains, ordering whatever is due, one at a time. */
  async runDue(): Promise<void> {
    for (const domain of acmDomains(this.opts.db)) {
      if (this.stopped) return;
      if (isWildcard(domain.hostname)) {
        if (domain.status === null) recordAcmStatus(this.opts.db, domain.domainId, { status: "failed", reason: WILDCARD_REASON, failures: 0, nextAttemptAt: null });
        continue;
      }
      if (isDue(domain, this.now(), this.opts.policy)) await this.order(domain);
    }
  }

  private async order(domain: AcmDomain): Promise<void> {
    const { db, say } = this.opts;
    if (domain.status === null) recordAcmStatus(db, domain.domainId, { status: "pending", reason: null, failures: 0, nextAttemptAt: null });
    try {
      const issued = await (await this.opts.issuer())(domain.hostname, this.board);
      if (this.stopped) return;
      const expiresAt = new Date(new X509Certificate(issued.chain).validTo).getTime();
      recordAcmStatus(db, domain.domainId, {
        status: "cert issued", reason: null, failures: 0, nextAttemptAt: null, certificate: { chain: issued.chain, key: issued.key, expiresAt },
      });
      say(`acme: issued a certificate for ${domain.hostname}, valid until ${new Date(expiresAt).toISOString()}`);
      this.opts.certificatesChanged();
    } catch (error) {
      if (this.stopped) return;
      const reason = oneLine((error as Error).message);
      const next = afterFailure(domain, this.now(), this.opts.policy);
      recordAcmStatus(db, domain.domainId, { ...next, reason });
      say(`acme: ordering a certificate for ${domain.hostname} failed (${next.status}): ${reason}`);
    }
  }
}

const oneLine = (message: string): string => message.replace(/\s+/g, " ").trim().slice(0, 500) || "unknown error";
