// Tracks where a message body ends while its bytes stream through untouched. The router never
// buffers a body; it only needs to know the last byte so a keep-alive connection can carry the next
// message. Chunked framing is followed byte by byte in the size lines and skipped in bulk in the data.

export class FramingError extends Error {}

const enum Chunk { Size, Ext, SizeLf, Data, DataCr, DataLf, TrailerStart, Trailer, TrailerLf, EndLf }

const MAX_CHUNK_SIZE_DIGITS = 12; // 2^48 bytes per chunk; more is an attack, not a body

export class BodyFraming {
  done: boolean;
  private remaining: number;
  private state = Chunk.Size;
  private sizeDigits = 0;

  private constructor(readonly kind: "length" | "chunked" | "until-close", length: number) {
    this.remaining = length;
    this.done = kind === "length" && length === 0;
  }

  /** A finished framing never changes, so every message without a body shares this one. */
  private static readonly EMPTY = new BodyFraming("length", 0);

  static length(n: number): BodyFraming { return n === 0 ? BodyFraming.EMPTY : new BodyFraming("length", n); }
  static chunked(): BodyFraming { return new BodyFraming("chunked", 0); }
  /** A response without length or chunking ends when the upstream closes (RFC 9112 §6.3). */
  static untilClose(): BodyFraming { return new BodyFraming("until-close", 0); }

  /**
   * Consumes body bytes of `buf` from `start`; returns the offset just past the last body byte in it
   * (buf.length when the whole rest belongs to the body). Sets `done` at the end of the body.
   */
  consume(buf: Uint8Array, start: number): number {
    if (this.done) return start;
    if (this.kind === "until-close") return buf.length;
    if (this.kind === "length") {
      const take = Math.min(this.remaining, buf.length - start);
      this.remaining -= take;
      if (this.remaining === 0) this.done = true;
      return start + take;
    }
    return this.consumeChunked(buf, start);
  }

  private consumeChunked(buf: Uint8Array, start: number): number {
    let i = start;
    while (i < buf.length) {
      const c = buf[i]!;
      switch (this.state) {
        case Chunk.Size: {
          const digit = hexValue(c);
          if (digit >= 0) {
            if (++this.sizeDigits > MAX_CHUNK_SIZE_DIGITS) throw new FramingError("chunk size too large");
            this.remaining = this.remaining * 16 + digit;
          } else if (this.sizeDigits === 0) throw new FramingError("missing chunk size");
          else if (c === 0x3b) this.state = Chunk.Ext; // ';'
          else if (c === 0x0d) this.state = Chunk.SizeLf;
          else throw new FramingError("malformed chunk size");
          break;
        }
        case Chunk.Ext:
          if (c === 0x0d) this.state = Chunk.SizeLf;
          else if (c === 0x0a) throw new FramingError("bare LF in chunk extension");
          break;
        case Chunk.SizeLf:
          if (c !== 0x0a) throw new FramingError("expected LF after chunk size");
          this.sizeDigits = 0;
          this.state = this.remaining === 0 ? Chunk.TrailerStart : Chunk.Data;
          break;
        case Chunk.Data: {
          const take = Math.min(this.remaining, buf.length - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = Chunk.DataCr;
          continue;
        }
        case Chunk.DataCr:
          if (c !== 0x0d) throw new FramingError("expected CR after chunk data");
          this.state = Chunk.DataLf;
          break;
        case Chunk.DataLf:
          if (c !== 0x0a) throw new FramingError("expected LF after chunk data");
          this.state = Chunk.Size;
          break;
        case Chunk.TrailerStart:
          this.state = c === 0x0d ? Chunk.EndLf : Chunk.Trailer;
          break;
        case Chunk.Trailer:
          if (c === 0x0d) this.state = Chunk.TrailerLf;
          else if (c === 0x0a) throw new FramingError("bare LF in trailer");
          break;
        case Chunk.TrailerLf:
          if (c !== 0x0a) throw new FramingError("expected LF in trailer");
          this.state = Chunk.TrailerStart;
          break;
        case Chunk.EndLf:
          if (c !== 0x0a) throw new FramingError("expected LF after last chunk");
          this.done = true;
          return i + 1;
      }
      i++;
    }
    return i;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** How a request body is framed; a request without length or chunking has no body (RFC 9112 §6.3). */
export function requestFraming(contentLength: number, chunked: boolean): BodyFraming {
  if (chunked) return BodyFraming.chunked();
  return BodyFraming.length(Math.max(contentLength, 0));
}

/** How a response body is framed, given the request method and the response's status and headers. */
export function responseFraming(method: string, status: number, contentLength: number, chunked: boolean): BodyFraming {
  if (method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200)) return BodyFraming.length(0);
  if (chunked) return BodyFraming.chunked();
  if (contentLength >= 0) return BodyFraming.length(contentLength);
  return BodyFraming.untilClose();
}
