// The two X.509 certificates Slipway makes for itself (its CA, and the server certificate that CA
// signs), encoded as DER by hand (RFC 5280); the keys and signatures come from WebCrypto. node-forge did
// this before, but loading it and generating RSA keys in JavaScript left ~8 MB in the daemon's memory.

export interface DistinguishedName { commonName: string; organizationName?: string }

export interface CertificateFields {
  serialNumber: Uint8Array;
  subject: DistinguishedName;
  issuer: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo, as WebCrypto exports it ("spki"). */
  subjectPublicKeyInfo: Uint8Array;
  /** A CA only signs certificates; a server certificate names the hosts it serves. */
  role: { ca: true } | { ca: false; dns: string[]; ips: string[] };
}

const utf8 = new TextEncoder();

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** One DER element: its tag, its length, then its contents. */
export function der(tag: number, ...contents: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const body = Buffer.concat(contents);
  return Buffer.concat([Uint8Array.of(tag, ...lengthBytes(body.length)), body]);
}

const sequence = (...items: Uint8Array[]) => der(0x30, ...items);
const TRUE = der(0x01, Uint8Array.of(0xff));

/** A non-negative INTEGER from big-endian bytes (a leading zero keeps the sign bit clear). */
const integer = (bytes: Uint8Array) => der(0x02, bytes[0]! & 0x80 ? Uint8Array.of(0, ...bytes) : bytes);

export function objectIdentifier(dotted: string): Uint8Array {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * first! + second!];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let high = arc >>> 7; high > 0; high >>>= 7) groups.unshift(0x80 | (high & 0x7f));
    bytes.push(...groups);
  }
  return der(0x06, Uint8Array.from(bytes));
}

/** UTCTime through 2049, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5). */
export function time(date: Date): Uint8Array {
  const digits = `${date.toISOString().slice(0, 19).replace(/[-T:]/g, "")}Z`;
  return date.getUTCFullYear() < 2050 ? der(0x17, utf8.encode(digits.slice(2))) : der(0x18, utf8.encode(digits));
}

/** A BIT STRING of named bits (bit 0 is the most significant), without trailing zero bits. */
export function namedBits(bits: number[]): Uint8Array {
  const last = Math.max(...bits);
  const bytes = new Uint8Array((last >> 3) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return der(0x03, Uint8Array.of(7 - (last & 7)), bytes);
}

export function ipAddressBytes(ip: string): Uint8Array {
  if (!ip.includes(":")) return Uint8Array.from(ip.split(".").map(Number));
  const [head, tail] = ip.split("::").map((part) => (part ? part.split(":") : []));
  const groups = tail === undefined ? head! : [...head!, ...Array(8 - head!.length - tail.length).fill("0"), ...tail];
  return Uint8Array.from(groups.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]));
}

function name(dn: DistinguishedName): Uint8Array {
  const attributes: [string, string | undefined][] = [["2.5.4.3", dn.commonName], ["2.5.4.10", dn.organizationName]];
  return sequence(...attributes.filter(([, value]) => value !== undefined)
    .map(([type, value]) => der(0x31, sequence(objectIdentifier(type), der(0x0c, utf8.encode(value))))));
}

const extension = (id: string, critical: boolean, value: Uint8Array) =>
  sequence(objectIdentifier(id), ...(critical ? [TRUE] : []), der(0x04, value));

// keyUsage bits: digitalSignature 0, keyEncipherment 2, keyCertSign 5, cRLSign 6.
function extensions(role: CertificateFields["role"]): Uint8Array[] {
  if (role.ca) return [extension("2.5.29.19", true, sequence(TRUE)), extension("2.5.29.15", true, namedBits([5, 6]))];
  const altNames = [...role.dns.map((host) => der(0x82, utf8.encode(host))), ...role.ips.map((ip) => der(0x87, ipAddressBytes(ip)))];
  return [
    extension("2.5.29.19", false, sequence()),
    extension("2.5.29.15", true, namedBits([0, 2])),
    extension("2.5.29.37", false, sequence(objectIdentifier("1.3.6.1.5.5.7.3.1"))),
    extension("2.5.29.17", false, sequence(...altNames)),
  ];
}

const SHA256_WITH_RSA = sequence(objectIdentifier("1.2.840.113549.1.1.11"), der(0x05));

/** The part of a certificate its issuer signs. */
export function tbsCertificate(fields: CertificateFields): Uint8Array<ArrayBuffer> {
  return sequence(
    der(0xa0, integer(Uint8Array.of(2))), // v3
    integer(fields.serialNumber),
    SHA256_WITH_RSA,
    name(fields.issuer),
    sequence(time(fields.notBefore), time(fields.notAfter)),
    name(fields.subject),
    fields.subjectPublicKeyInfo,
    der(0xa3, sequence(...extensions(fields.role))),
  );
}

/** The signed certificate: what was signed, how, and the RSASSA-PKCS1-v1_5 SHA-256 signature. */
export function signedCertificate(tbs: Uint8Array, signature: Uint8Array): Uint8Array {
  return sequence(tbs, SHA256_WITH_RSA, der(0x03, Uint8Array.of(0), signature));
}

export function pem(label: "CERTIFICATE" | "PRIVATE KEY", body: Uint8Array): string {
  const lines = Buffer.from(body).toString("base64").match(/.{1,64}/g)!;
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
