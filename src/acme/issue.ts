// Ordering one certificate over ACME (RFC 8555) with acme-client, proving control of the hostname by
// HTTP-01: the key authorization is handed to `challenges`, which the router serves on port 80.

/** Where pending HTTP-01 answers go while an order is open. */
export interface ChallengeBoard {
  add(hostname: string, token: string, keyAuthorization: string): void;
  remove(hostname: string, token: string): void;
}

export interface IssuedCertificate { chain: string; key: string }

export type Issuer = (hostname: string, challenges: ChallengeBoard) => Promise<IssuedCertificate>;

export interface AcmeClientOptions {
  directoryUrl: string;
  /** PEM of an extra CA to trust for the directory's HTTPS (pebble's in tests). */
  caPem: string | null;
  accountKey: string;
  email: string | null;
  /** Per HTTP request to the directory; acme-client's own polling of an order is bounded by attempts. */
  requestTimeoutMs: number;
}

// acme-client is loaded on first use: it is large, and a server without ACM never needs it.
const loadAcme = () => import("acme-client");

export async function newAccountKey(): Promise<string> {
  const acme = await loadAcme();
  return (await acme.crypto.createPrivateEcdsaKey()).toString();
}

export function acmeIssuer(opts: AcmeClientOptions): Issuer {
  let ready: Promise<{ acme: Awaited<ReturnType<typeof loadAcme>>; client: InstanceType<Awaited<ReturnType<typeof loadAcme>>["Client"]> }> | null = null;
  const connect = async () => {
    const acme = await loadAcme();
    // acme-client talks through one module-wide axios instance; a server has one directory, so set it once.
    acme.axios.defaults.timeout = opts.requestTimeoutMs;
    if (opts.caPem !== null) {
      const [{ Agent }, { rootCertificates }] = await Promise.all([import("node:https"), import("node:tls")]);
      acme.axios.defaults.httpsAgent = new Agent({ ca: [...rootCertificates, opts.caPem] });
    }
    return { acme, client: new acme.Client({ directoryUrl: opts.directoryUrl, accountKey: opts.accountKey }) };
  };
  return async (hostname, challenges) => {
    const { acme, client } = await (ready ??= connect());
    const [key, csr] = await acme.crypto.createCsr({ altNames: [hostname] }, await acme.crypto.createPrivateEcdsaKey());
    const chain = await client.auto({
      csr, termsOfServiceAgreed: true, challengePriority: ["http-01"], ...(opts.email ? { email: opts.email } : {}),
      // acme-client's own pre-check fetches the token through public DNS, which a loopback test (and a
      // host behind NAT) cannot do; the CA's validation is the one that counts.
      skipChallengeVerification: true,
      challengeCreateFn: async (authz, challenge, keyAuthorization) => {
        if (challenge.type !== "http-01") throw new Error(`unexpected ${challenge.type} challenge`);
        challenges.add(authz.identifier.value, challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (authz, challenge) => challenges.remove(authz.identifier.value, challenge.token),
    });
    return { chain, key: key.toString() };
  };
}
