// ACM's public surface: the manager the server starts, made from the settings, with its ACME account
// kept in the state store (one key per directory URL, made on the first order).
import { readFileSync } from "node:fs";
import { acmeAccountKey, saveAcmeAccountKey, type Db } from "../state/index.ts";
import { acmeIssuer, newAccountKey, type Issuer } from "./issue.ts";
import { AcmeManager } from "./manager.ts";
import { DEFAULT_ACM_POLICY } from "./policy.ts";
import type { AcmeSettings } from "./settings.ts";

export { AcmeManager } from "./manager.ts";
export { servedCertificates } from "./policy.ts";
export { LETS_ENCRYPT_DIRECTORY, type AcmeSettings } from "./settings.ts";

const REQUEST_TIMEOUT_MS = 30_000;

export function createAcm(opts: { db: Db; settings: AcmeSettings; certificatesChanged(): void; say(line: string): void }): AcmeManager {
  const { db, settings } = opts;
  const caPem = settings.caFile === null ? null : readFileSync(settings.caFile, "utf8");
  let issuer: Promise<Issuer> | null = null;
  const makeIssuer = async (): Promise<Issuer> => {
    let accountKey = acmeAccountKey(db, settings.directoryUrl);
    if (accountKey === null) {
      accountKey = await newAccountKey();
      saveAcmeAccountKey(db, settings.directoryUrl, accountKey);
    }
    return acmeIssuer({ directoryUrl: settings.directoryUrl, caPem, accountKey, email: settings.email, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  };
  return new AcmeManager({
    db, issuer: () => (issuer ??= makeIssuer()), checkEveryMs: settings.checkEveryMs,
    policy: { ...DEFAULT_ACM_POLICY, renewBeforeMs: settings.renewBeforeMs, retryBaseMs: settings.retryBaseMs },
    certificatesChanged: opts.certificatesChanged, say: opts.say,
  });
}
