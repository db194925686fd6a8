// ACM's settings, read once at start by server/settings.ts (SLIPWAY_ACME_*).

export interface AcmeSettings {
  directoryUrl: string;
  /** An extra CA to trust for the directory's HTTPS, e.g. pebble's. */
  caFile: string | null;
  email: string | null;
  renewBeforeMs: number;
  checkEveryMs: number;
  retryBaseMs: number;
}

export const LETS_ENCRYPT_DIRECTORY = "https://acme-v02.api.letsencrypt.org/directory";
