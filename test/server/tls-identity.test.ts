import { afterAll, expect, test } from "bun:test";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTlsIdentity } from "../../src/server/tls-identity.ts";
import { der, ipAddressBytes, namedBits, objectIdentifier, time } from "../../src/server/x509.ts";

const home = mkdtempSync(join(tmpdir(), "slipway-tls-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

test("DER pieces encode as RFC 5280 and X.690 say", () => {
  expect(hex(objectIdentifier("1.2.840.113549.1.1.11"))).toBe("06092a864886f70d01010b");
  expect(hex(namedBits([5, 6]))).toBe("03020106"); // keyCertSign, cRLSign: one unused bit
  expect(hex(namedBits([0, 2]))).toBe("030205a0"); // digitalSignature, keyEncipherment
  expect(Buffer.from(time(new Date("2036-01-02T03:04:05Z")).subarray(2)).toString()).toBe("360102030405Z");
  expect(Buffer.from(time(new Date("2050-01-02T03:04:05Z")).subarray(2)).toString()).toBe("20500102030405Z");
  expect(hex(der(0x04, new Uint8Array(300)).subarray(0, 4))).toBe("0482012c");
  expect(hex(ipAddressBytes("127.0.0.1"))).toBe("7f000001");
  expect(hex(ipAddressBytes("::1"))).toBe("00000000000000000000000000000001");
  expect(hex(ipAddressBytes("fd00:1::2"))).toBe("fd000001000000000000000000000002");
});

test("the home gets a CA and a server certificate it signed, for loopback and the platform's domain", async () => {
  const identity = await ensureTlsIdentity(home, "example.test");
  const ca = new X509Certificate(readFileSync(identity.caPath));
  const cert = new X509Certificate(identity.cert);
  expect(ca.ca).toBe(true);
  expect(ca.subject).toBe("CN=Slipway local CA\nO=Slipway");
  expect(ca.verify(ca.publicKey)).toBe(true);
  expect(cert.ca).toBe(false);
  expect(cert.checkIssued(ca)).toBe(true);
  expect(cert.verify(ca.publicKey)).toBe(true);
  expect(cert.subjectAltName).toBe("DNS:localhost, DNS:example.test, DNS:*.example.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
  expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
  expect(cert.checkPrivateKey(createPrivateKey(identity.key))).toBe(true);
  expect(Date.parse(ca.validTo) - Date.now()).toBeGreaterThan(9 * 365 * 24 * 3600 * 1000);
  expect(statSync(join(home, "ca-key.pem")).mode & 0o777).toBe(0o600);

  // OpenSSL (what git and curl use) accepts the chain for the server's purpose.
  const verify = Bun.spawnSync(["openssl", "verify", "-purpose", "sslserver", "-CAfile", identity.caPath, join(home, "server.pem")]);
  expect(verify.stdout.toString()).toContain(": OK");

  // Made once: a restart loads the same identity.
  expect((await ensureTlsIdentity(home, "example.test")).cert).toBe(identity.cert);
});

test("an HTTPS client that trusts the CA reaches a listener serving the certificate", async () => {
  const identity = await ensureTlsIdentity(home, "example.test");
  using server = Bun.serve({ port: 0, hostname: "127.0.0.1", tls: identity, fetch: () => new Response("hello") });
  const response = await fetch(`https://localhost:${server.port}/`, { tls: { ca: readFileSync(identity.caPath, "utf8") } });
  expect(await response.text()).toBe("hello");
});
