// Slipway's own certificate authority, made once per home: it signs the certificate of the API's
// HTTPS listener (git over https, as the heroku CLI's remotes expect) and of the rendezvous listener
// (`heroku run`). Clients trust it through <home>/ca.pem (NODE_EXTRA_CA_CERTS, git's http.sslCAInfo).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pem, signedCertificate, tbsCertificate, type CertificateFields, type DistinguishedName } from "./x509.ts";

export interface TlsIdentity { caPath: string; cert: string; key: string }

const RSA_KEY = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: "SHA-256" };
const CA_NAME: DistinguishedName = { commonName: "Slipway local CA", organizationName: "Slipway" };
const YEAR_MS = 365 * 24 * 3600 * 1000;

const newKeyPair = () => crypto.subtle.generateKey(RSA_KEY, true, ["sign", "verify"]);

async function certificate(
  subjectKey: CryptoKey, signer: CryptoKey, fields: Pick<CertificateFields, "subject" | "issuer" | "role">, years: number,
): Promise<string> {
  const tbs = tbsCertificate({
    ...fields,
    serialNumber: Uint8Array.of(1, ...crypto.getRandomValues(new Uint8Array(15))),
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + years * YEAR_MS),
    subjectPublicKeyInfo: new Uint8Array(await crypto.subtle.exportKey("spki", subjectKey)),
  });
  return pem("CERTIFICATE", signedCertificate(tbs, new Uint8Array(await crypto.subtle.sign(RSA_KEY, signer, tbs))));
}

const privateKeyPem = async (key: CryptoKey) => pem("PRIVATE KEY", new Uint8Array(await crypto.subtle.exportKey("pkcs8", key)));

/** The names the server certificate covers: loopback, and the platform's domain with its apps. */
export function serverNames(domain: string): { dns: string[]; ips: string[] } {
  return { dns: [...new Set(["localhost", domain, `*.${domain}`])], ips: ["127.0.0.1", "::1"] };
}

async function makeIdentity(domain: string): Promise<{ ca: string; caKey: string; cert: string; key: string }> {
  const [caKeys, keys] = await Promise.all([newKeyPair(), newKeyPair()]);
  return {
    ca: await certificate(caKeys.publicKey, caKeys.privateKey, { subject: CA_NAME, issuer: CA_NAME, role: { ca: true } }, 10),
    caKey: await privateKeyPem(caKeys.privateKey),
    cert: await certificate(keys.publicKey, caKeys.privateKey, { subject: { commonName: domain }, issuer: CA_NAME, role: { ca: false, ...serverNames(domain) } }, 2),
    key: await privateKeyPem(keys.privateKey),
  };
}

/** Loads the home's TLS identity, making it on first start (or when the domain changed). */
export async function ensureTlsIdentity(home: string, domain: string): Promise<TlsIdentity> {
  const paths = { ca: join(home, "ca.pem"), caKey: join(home, "ca-key.pem"), cert: join(home, "server.pem"), key: join(home, "server-key.pem"), domain: join(home, "server.domain") };
  const current = existsSync(paths.domain) ? readFileSync(paths.domain, "utf8") : null;
  if (current !== domain || ![paths.ca, paths.cert, paths.key].every(existsSync)) {
    const made = await makeIdentity(domain);
    writeFileSync(paths.ca, made.ca, { mode: 0o644 });
    writeFileSync(paths.caKey, made.caKey, { mode: 0o600 });
    writeFileSync(paths.cert, made.cert, { mode: 0o644 });
    writeFileSync(paths.key, made.key, { mode: 0o600 });
    writeFileSync(paths.domain, domain);
  }
  return { caPath: paths.ca, cert: readFileSync(paths.cert, "utf8"), key: readFileSync(paths.key, "utf8") };
}
