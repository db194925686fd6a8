// Self-signed certificates with chosen validity dates, for tests that need a clock other than now.
import forge from "node-forge";

const keys = forge.pki.rsa.generateKeyPair({ bits: 1024, e: 0x10001 }); // tests only: one small key, made once

export function selfSigned(hostname: string, notBefore: Date, notAfter: Date): { chain: string; key: string } {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(8))}`;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: "commonName", value: hostname }]);
  cert.setIssuer([{ name: "commonName", value: "Test CA" }]);
  cert.setExtensions([{ name: "subjectAltName", altNames: [{ type: 2, value: hostname }] }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { chain: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}
