// Slipway's own certificate authority, made once per home: it signs the certificate of the API's
// HTTPS listener (git over https, as the heroku CLI's remotes expect) and of the rendezvous listener
// (`heroku run`). Clients trust it through <home>/ca.pem (NODE_EXTRA_CA_CERTS, git's http.sslCAInfo).
import type Forge from "node-forge";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TlsIdentity { caPath: string; cert: string; key: string }

function newKeyPair(forge: typeof Forge): Forge.pki.rsa.KeyPair {
  return forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
}

function baseCertificate(forge: typeof Forge, publicKey: Forge.pki.PublicKey, years: number): Forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + years * 365 * 24 * 3600 * 1000);
  return cert;
}

/** The names the server certificate covers: loopback, and the platform's domain with its apps. */
export function serverNames(domain: string): { dns: string[]; ips: string[] } {
  return { dns: [...new Set(["localhost", domain, `*.${domain}`])], ips: ["127.0.0.1", "::1"] };
}

// node-forge is loaded only when an identity is made (first start), not kept in every server's memory.
async function makeIdentity(domain: string): Promise<{ ca: string; caKey: string; cert: string; key: string }> {
  const forge = (await import("node-forge")).default;
  const caKeys = newKeyPair(forge);
  const ca = baseCertificate(forge, caKeys.publicKey, 10);
  const caName = [{ name: "commonName", value: "Slipway local CA" }, { name: "organizationName", value: "Slipway" }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([{ name: "basicConstraints", cA: true, critical: true }, { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true }]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const keys = newKeyPair(forge);
  const cert = baseCertificate(forge, keys.publicKey, 2);
  cert.setSubject([{ name: "commonName", value: domain }]);
  cert.setIssuer(caName);
  const names = serverNames(domain);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: [...names.dns.map((value) => ({ type: 2, value })), ...names.ips.map((ip) => ({ type: 7, ip }))] },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());
  return {
    ca: forge.pki.certificateToPem(ca), caKey: forge.pki.privateKeyToPem(caKeys.privateKey),
    cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey),
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
