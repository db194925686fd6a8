// Git's pkt-line framing: a 4-hex-digit length (including itself) then the payload; "0000" is a flush.
// Side-band wraps a byte stream in pkt-lines whose first payload byte names the band (1 data, 2 progress, 3 error).

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const FLUSH_PKT = encoder.encode("0000");
export const MAX_PKT_PAYLOAD = 65516;
// side-band-64k: 65520-byte packets minus the 4-byte length and the band byte.
const MAX_SIDEBAND_PAYLOAD = MAX_PKT_PAYLOAD - 1;

export type Pkt = { kind: "data"; payload: Uint8Array } | { kind: "flush" };

export class PktLineError extends Error {}

export function encodePkt(payload: string | Uint8Array): Uint8Array {
  const bytes = typeof payload === "string" ? encoder.encode(payload) : payload;
  if (bytes.length > MAX_PKT_PAYLOAD) throw new PktLineError(`pkt-line payload of ${bytes.length} bytes is too long`);
  const out = new Uint8Array(4 + bytes.length);
  out.set(encoder.encode((4 + bytes.length).toString(16).padStart(4, "0")), 0);
  out.set(bytes, 4);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Splits `data` into side-band packets on `band`; an empty input gives no packets. */
export function encodeSideBand(band: 1 | 2 | 3, data: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += MAX_SIDEBAND_PAYLOAD) {
    const chunk = data.subarray(at, at + MAX_SIDEBAND_PAYLOAD);
    const payload = new Uint8Array(chunk.length + 1);
    payload[0] = band;
    payload.set(chunk, 1);
    packets.push(encodePkt(payload));
  }
  return packets;
}

/** Reads pkt-lines from the front of a buffer; `offset` is where raw (non-pkt) data such as a pack begins. */
export class PktReader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get atEnd(): boolean {
    return this.offset >= this.bytes.length;
  }

  /** The next pkt, or null at the end of the buffer. Throws on a malformed or truncated pkt. */
  next(): Pkt | null {
    if (this.atEnd) return null;
    if (this.offset + 4 > this.bytes.length) throw new PktLineError("truncated pkt-line length");
    const header = decoder.decode(this.bytes.subarray(this.offset, this.offset + 4));
    if (!/^[0-9a-f]{4}$/i.test(header)) throw new PktLineError(`bad pkt-line length "${header}"`);
    const length = parseInt(header, 16);
    if (length === 0) {
      this.offset += 4;
      return { kind: "flush" };
    }
    if (length < 4) throw new PktLineError(`unsupported pkt-line length ${length}`);
    if (this.offset + length > this.bytes.length) throw new PktLineError("truncated pkt-line");
    const payload = this.bytes.subarray(this.offset + 4, this.offset + length);
    this.offset += length;
    return { kind: "data", payload };
  }

  /** The next pkt as text without its trailing newline, "" for a flush, null at the end. */
  nextLine(): string | null {
    const pkt = this.next();
    if (pkt === null) return null;
    return pkt.kind === "flush" ? "" : pktText(pkt.payload);
  }
}

export function pktText(payload: Uint8Array): string {
  const text = decoder.decode(payload);
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

/** Splits "line\0cap1 cap2" (the first line of a request or advertisement) into the line and its capabilities. */
export function splitCapabilities(line: string): { line: string; capabilities: Set<string> } {
  const at = line.indexOf("\0");
  if (at < 0) return { line, capabilities: new Set() };
  const capabilities = new Set(line.slice(at + 1).split(" ").filter(Boolean));
  return { line: line.slice(0, at), capabilities };
}
