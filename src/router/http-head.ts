// Strict HTTP/1.x message-head parsing for the router's hot path. Strict because a proxy that reads a
// head differently from the app behind it is how request smuggling happens: anything ambiguous
// (bare LF, obs-fold, CL with TE, duplicate lengths) is refused before it reaches a dyno.
// Heads are read as bytes, in one pass; only the few values the router uses become strings.

export const MAX_REQUEST_HEAD_BYTES = 16 * 1024;
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

/** `findHeadEnd` results that are not an offset. */
export const HEAD_INCOMPLETE = -1;
export const HEAD_MALFORMED = -2;

const HTAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const COMMA = 0x2c;
const DOT = 0x2e;
const ZERO = 0x30;
const ONE = 0x31;
const COLON = 0x3a;

const BLANK_LINE = Buffer.from("\r\n\r\n");

/**
 * Finds the end of a message head (the offset just past the blank line) in `buf`.
 * `from` is where the previous call stopped (the old buffer length), so slow senders cost O(n).
 * A complete head is found in one search, and its parser refuses any bare LF in it; an incomplete
 * one is checked line by line, so a bare LF is refused before the head is even complete.
 */
export function findHeadEnd(buf: Buffer, from: number): number {
  const blank = buf.indexOf(BLANK_LINE, Math.max(from - 3, 0));
  if (blank !== -1) return blank + 4;
  for (let i = buf.indexOf(LF, from); i !== -1; i = buf.indexOf(LF, i + 1)) {
    if (i <= 1 || buf[i - 1] !== CR) return HEAD_MALFORMED; // a bare LF, or an empty start line
  }
  return HEAD_INCOMPLETE;
}

export interface HeadError { error: 400 | 431 | 501 | 505; reason: string }

export interface RequestHead {
  method: string;
  target: string;
  version: "1.0" | "1.1";
  /** The request line and the header lines to pass on unchanged, each ending in CRLF; hop-by-hop and router-owned ones removed. */
  forwardHead: string;
  /** No header value holds a byte above 0x7f (obs-text), so `forwardHead` is ASCII. */
  asciiOnly: boolean;
  host: string | null;
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** The client asked to close after this exchange (Connection: close, or HTTP/1.0 without keep-alive). */
  wantsClose: boolean;
  upgrade: boolean;
  forwardedFor: string | null;
  requestId: string | null;
}

export interface ResponseHead {
  status: number;
  contentLength: number;
  chunked: boolean;
  /** The upstream will close after this response, so the connection cannot go back to the pool. */
  closes: boolean;
}

// Character classes looked up per byte: the parsers run on every request, where a table beats regexes.
const TCHAR = 1; // may appear in a token (method, header name)
const VISIBLE = 2; // visible ASCII, as in a request target
const CONTROL = 4; // forbidden anywhere in a head: control bytes other than HTAB (CR and LF only as line ends)
const OBS_TEXT = 8; // above 0x7f: allowed in header values, but not ASCII
const CHAR_CLASS = (() => {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    if (c >= 0x21 && c <= 0x7e) table[c] = VISIBLE;
    if ((c < 0x20 && c !== HTAB) || c === 0x7f) table[c] = CONTROL;
    if (c > 0x7f) table[c] = OBS_TEXT;
  }
  for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") table[ch.charCodeAt(0)]! |= TCHAR;
  return table;
})();

/** What the request parser does with a header: the kinds from `Connection` on are not passed on. */
const enum Header { Forward, Host, ContentLength, TransferEncoding, Connection, Upgrade, ForwardedFor, RequestId, Drop }

// By lowercase name. Hop-by-hop headers belong to one connection only, and the router sets the
// X-Forwarded-* family itself, so a client cannot spoof them: none of these is passed on.
const REQUEST_HEADERS: readonly (readonly [string, Header])[] = [
  ["host", Header.Host], ["content-length", Header.ContentLength], ["transfer-encoding", Header.TransferEncoding],
  ["connection", Header.Connection], ["upgrade", Header.Upgrade], ["keep-alive", Header.Drop], ["proxy-connection", Header.Drop],
  ["te", Header.Drop], ["x-forwarded-for", Header.ForwardedFor], ["x-request-id", Header.RequestId],
  ["x-forwarded-proto", Header.Drop], ["x-forwarded-port", Header.Drop], ["x-request-start", Header.Drop],
];
/** The same, by name length: a header name is compared with at most three of them. */
const REQUEST_HEADERS_BY_LENGTH = (() => {
  const byLength: (readonly [string, Header])[][] = [];
  for (const entry of REQUEST_HEADERS) (byLength[entry[0].length] ??= []).push(entry);
  return byLength;
})();

function requestHeader(buf: Uint8Array, start: number, length: number): Header {
  const candidates = REQUEST_HEADERS_BY_LENGTH[length];
  if (candidates === undefined) return Header.Forward;
  for (let i = 0; i < candidates.length; i++) {
    const [name, kind] = candidates[i]!;
    if (sameLowercase(buf, start, name)) return kind;
  }
  return Header.Forward;
}

const isSpace = (c: number): boolean => c === SP || c === HTAB;

/** buf at `from` equals `lower` (a lowercase name of letters, digits and dashes), ignoring case. */
function sameLowercase(buf: Uint8Array, from: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((buf[from + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

// Connection header options the router acts on, as bits.
const CLOSE = 1;
const KEEP_ALIVE = 2;
const UPGRADE = 4;

/** The options a Connection value lists (comma-separated, any case), as CLOSE | KEEP_ALIVE | UPGRADE bits. */
function connectionOptions(buf: Uint8Array, from: number, to: number): number {
  let options = 0;
  while (from <= to) {
    let end = from;
    while (end < to && buf[end] !== COMMA) end++;
    let a = from;
    let b = end;
    while (a < b && isSpace(buf[a]!)) a++;
    while (b > a && isSpace(buf[b - 1]!)) b--;
    if (b - a === 5 && sameLowercase(buf, a, "close")) options |= CLOSE;
    else if (b - a === 10 && sameLowercase(buf, a, "keep-alive")) options |= KEEP_ALIVE;
    else if (b - a === 7 && sameLowercase(buf, a, "upgrade")) options |= UPGRADE;
    from = end + 1;
  }
  return options;
}

/** Parses a Content-Length value; -2 when it is not a plain decimal (commas, signs, spaces, too large). */
function parseLength(buf: Uint8Array, from: number, to: number): number {
  if (from === to || to - from > 15) return -2;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -2;
    n = n * 10 + d;
  }
  return n;
}

/** The decimal digit at `at`, or NaN (which fails every later comparison). */
function digit(buf: Uint8Array, at: number): number {
  const d = buf[at]! - 48;
  return d >= 0 && d <= 9 ? d : NaN;
}

const bad = (reason: string): HeadError => ({ error: 400, reason });

/** "HTTP/" at `at`. */
function httpSlash(buf: Uint8Array, at: number): boolean {
  return buf[at] === 0x48 && buf[at + 1] === 0x54 && buf[at + 2] === 0x54 && buf[at + 3] === 0x50 && buf[at + 4] === 0x2f;
}

/**
 * Heads up to this size may be held whole by the values the router keeps from them (method, path,
 * host, ids: access records live on in the app's log); a slice of a larger head would keep all of it
 * alive, so those values are copied out instead.
 */
const PINNABLE_HEAD_BYTES = 1024;

/** A value kept past the exchange, from the head `text` decoded out of `buf`. */
function kept(buf: Buffer, text: string, from: number, to: number): string {
  return text.length <= PINNABLE_HEAD_BYTES ? text.slice(from, to) : buf.toString("latin1", from, to);
}

/** Parses a complete request head: buf[0, end), ending in CRLFCRLF, as delimited by `findHeadEnd`. */
export function parseRequestHead(buf: Buffer, end: number): RequestHead | HeadError {
  // "METHOD SP target SP HTTP/1.x CRLF": single spaces, a token, visible ASCII.
  let pos = 0;
  while (CHAR_CLASS[buf[pos]!]! & TCHAR) pos++;
  const sp1 = pos;
  if (sp1 === 0 || buf[pos] !== SP) return bad("malformed request line");
  pos++;
  while (CHAR_CLASS[buf[pos]!]! & VISIBLE) pos++;
  const sp2 = pos;
  if (sp2 === sp1 + 1 || buf[pos] !== SP) return bad("malformed request line");
  const versionAt = pos + 1;
  while (buf[pos] !== CR) pos++; // the head ends in CRLFCRLF, so there is a CR
  // "HTTP/d.d" and nothing else; of those, only 1.0 and 1.1 are served.
  const httpVersion = pos - versionAt === 8 && httpSlash(buf, versionAt) && digit(buf, versionAt + 5) >= 0 &&
    buf[versionAt + 6] === DOT && digit(buf, versionAt + 7) >= 0;
  if (!httpVersion || buf[pos + 1] !== LF) return bad("malformed request line");
  const minor = buf[versionAt + 7];
  if (buf[versionAt + 5] !== ONE || (minor !== ZERO && minor !== ONE)) return { error: 505, reason: "unsupported HTTP version" };
  const version = minor === ONE ? "1.1" : "1.0";
  // One string for the whole head: the values the router uses are slices of it (see `kept`).
  const text = buf.toString("latin1", 0, end);
  const req: RequestHead = {
    method: kept(buf, text, 0, sp1), target: kept(buf, text, sp1 + 1, sp2), version, forwardHead: "", asciiOnly: true, host: null,
    contentLength: -1, chunked: false, wantsClose: version === "1.0", upgrade: false, forwardedFor: null, requestId: null,
  };
  let hosts = 0;
  let transferEncodings = 0;
  let connection = 0;
  let upgrade = "";
  let invalid: string | null = null;
  let forwarded = ""; // the head before `keptFrom`, minus the lines not passed on
  let keptFrom = 0;
  const last = end - 2; // the blank line
  pos += 2;
  while (pos < last) {
    const start = pos;
    // A name that is not a token, whitespace before the colon, or a line starting with whitespace (obs-fold).
    while (CHAR_CLASS[buf[pos]!]! & TCHAR) pos++;
    if (pos === start || buf[pos] !== COLON) return bad("malformed header line");
    const colon = pos;
    let seen = 0;
    for (pos++; buf[pos] !== CR; pos++) seen |= CHAR_CLASS[buf[pos]!]!;
    if (seen & CONTROL || buf[pos + 1] !== LF) return bad("malformed header line"); // a bare CR ends the loop early
    if (seen & OBS_TEXT) req.asciiOnly = false;
    const eol = pos;
    pos += 2;
    const kind = requestHeader(buf, start, colon - start);
    if (kind === Header.Forward) continue;
    let from = colon + 1;
    let to = eol;
    while (from < to && isSpace(buf[from]!)) from++;
    while (to > from && isSpace(buf[to - 1]!)) to--;
    switch (kind) {
      case Header.Host:
        hosts++;
        req.host = kept(buf, text, from, to);
        break;
      case Header.ContentLength: {
        const n = parseLength(buf, from, to);
        if (n === -2 || (req.contentLength !== -1 && req.contentLength !== n)) invalid = "invalid Content-Length";
        req.contentLength = n;
        break;
      }
      case Header.TransferEncoding:
        if (++transferEncodings > 1) invalid = "repeated Transfer-Encoding";
        req.chunked = to - from === 7 && sameLowercase(buf, from, "chunked");
        break;
      case Header.Connection:
        connection |= connectionOptions(buf, from, to);
        break;
      case Header.Upgrade:
        upgrade = text.slice(from, to);
        break;
      case Header.ForwardedFor: {
        const value = kept(buf, text, from, to);
        req.forwardedFor = req.forwardedFor === null ? value : `${req.forwardedFor}, ${value}`;
        break;
      }
      case Header.RequestId:
        req.requestId = kept(buf, text, from, to);
    }
    if (kind >= Header.Connection) {
      forwarded += text.slice(keptFrom, start);
      keptFrom = pos;
    }
  }
  req.forwardHead = keptFrom === 0 ? text.slice(0, last) : forwarded + text.slice(keptFrom, last);
  if (invalid !== null) return bad(invalid);
  if (hosts > 1 || (hosts === 0 && version === "1.1")) return bad("missing or repeated Host");
  if (transferEncodings > 0) {
    if (req.contentLength !== -1) return bad("both Content-Length and Transfer-Encoding");
    if (version === "1.0") return bad("Transfer-Encoding in HTTP/1.0");
    if (!req.chunked) return { error: 501, reason: "unsupported Transfer-Encoding" };
  }
  if (connection & CLOSE) req.wantsClose = true;
  else if (version === "1.0" && connection & KEEP_ALIVE) req.wantsClose = false;
  // A WebSocket handshake needs both hop-by-hop headers to reach the app.
  if (upgrade !== "" && connection & UPGRADE) {
    req.upgrade = true;
    req.forwardHead += `Connection: upgrade\r\nUpgrade: ${upgrade}\r\n`;
  }
  return req;
}

/**
 * Parses an upstream response head, buf[0, end) as delimited by `findHeadEnd`; null when it is not
 * valid HTTP (→ H17). Only the status and the framing headers are read: the head itself is passed
 * to the client unchanged.
 */
export function parseResponseHead(buf: Uint8Array, end: number): ResponseHead | null {
  // "HTTP/1.x NNN[ reason]"
  if (!httpSlash(buf, 0) || buf[5] !== ONE || buf[6] !== DOT || buf[8] !== SP) return null;
  if (buf[12] !== SP && !(buf[12] === CR && buf[13] === LF)) return null;
  const minor = buf[7];
  const status = digit(buf, 9) * 100 + digit(buf, 10) * 10 + digit(buf, 11);
  if ((minor !== ZERO && minor !== ONE) || !(status >= 100)) return null;
  const res: ResponseHead = { status, contentLength: -1, chunked: false, closes: minor === ZERO };
  let connection = 0;
  let pos = 12;
  while (buf[pos] !== LF) pos++;
  if (buf[pos - 1] !== CR) return null;
  const last = end - 2;
  for (pos++; pos < last; pos++) {
    // A line is [start, LF - 1): every LF must follow a CR.
    const start = pos;
    while (buf[pos] !== COLON && buf[pos] !== LF) pos++;
    if (pos === start || buf[pos] !== COLON) return null;
    const colon = pos;
    while (buf[pos] !== LF) pos++;
    if (buf[pos - 1] !== CR) return null;
    // Only Content-Length, Transfer-Encoding and Connection matter: others are skipped.
    const nameLength = colon - start;
    if (nameLength !== 14 && nameLength !== 17 && nameLength !== 10) continue;
    let from = colon + 1;
    let to = pos - 1;
    while (from < to && isSpace(buf[from]!)) from++;
    while (to > from && isSpace(buf[to - 1]!)) to--;
    if (nameLength === 14 && sameLowercase(buf, start, "content-length")) {
      const n = parseLength(buf, from, to);
      if (n === -2 || (res.contentLength !== -1 && res.contentLength !== n)) return null;
      res.contentLength = n;
    } else if (nameLength === 17 && sameLowercase(buf, start, "transfer-encoding")) {
      if (to - from !== 7 || !sameLowercase(buf, from, "chunked")) return null;
      res.chunked = true;
    } else if (nameLength === 10 && sameLowercase(buf, start, "connection")) connection |= connectionOptions(buf, from, to);
  }
  if (res.chunked && res.contentLength !== -1) return null;
  if (connection & CLOSE) res.closes = true;
  else if (connection & KEEP_ALIVE) res.closes = false;
  return res;
}

/** The Host header without its port, lowercased, as routes are keyed. */
export function routeHost(host: string): string {
  const end = host.startsWith("[") ? host.indexOf("]") + 1 : host.indexOf(":"); // "[IPv6]:port" or "name:port"
  const name = end === -1 ? host : host.slice(0, end);
  // Hosts are almost always lowercase already; toLowerCase would copy them anyway.
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return name.toLowerCase();
  }
  return name;
}
