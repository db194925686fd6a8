// Strict HTTP/1.x message-head parsing for the router's hot path. Strict because a proxy that reads a
// head differently from the app behind it is how request smuggling happens: anything ambiguous
// (bare LF, obs-fold, CL with TE, duplicate lengths) is refused before it reaches a dyno.

export const MAX_REQUEST_HEAD_BYTES = 16 * 1024;
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

/** `findHeadEnd` results that are not an offset. */
export const HEAD_INCOMPLETE = -1;
export const HEAD_MALFORMED = -2;

const LF = 10;
const CR = 13;

/**
 * Finds the end of a message head (the offset just past the blank line) in `buf`.
 * `from` is where the previous call stopped (the old buffer length), so slow senders cost O(n).
 * Every LF must follow a CR: a bare LF is refused here, before the head is even complete.
 */
export function findHeadEnd(buf: Uint8Array, from: number): number {
  let i = buf.indexOf(LF, from);
  while (i !== -1) {
    if (i === 0 || buf[i - 1] !== CR) return HEAD_MALFORMED;
    if (i === 1) return HEAD_MALFORMED; // empty start line
    if (i >= 3 && buf[i - 2] === LF) return i + 1;
    i = buf.indexOf(LF, i + 1);
  }
  return HEAD_INCOMPLETE;
}

export interface HeadError { error: 400 | 431 | 501 | 505; reason: string }

export interface RequestHead {
  method: string;
  target: string;
  version: "1.0" | "1.1";
  /** Header lines to pass on unchanged ("Name: value"), hop-by-hop and router-owned ones removed. */
  forwardLines: string[];
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

// Headers the router sets itself (a client must not spoof them) or that belong to one hop only.
const ROUTER_OWNED = new Set(["x-forwarded-for", "x-forwarded-proto", "x-forwarded-port", "x-request-start", "x-request-id"]);
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "upgrade"]);

// Character classes looked up per character: the parsers run on every request, where a table beats regexes.
const TCHAR = 1; // may appear in a token (method, header name)
const VISIBLE = 2; // visible ASCII, as in a request target
const CONTROL = 4; // forbidden anywhere in a head: control bytes other than HTAB (CR and LF only as line ends)
const CHAR_CLASS = (() => {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    if (c >= 0x21 && c <= 0x7e) table[c] = VISIBLE;
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) table[c] = CONTROL;
  }
  for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") table[ch.charCodeAt(0)]! |= TCHAR;
  return table;
})();
const classOf = (s: string, at: number): number => CHAR_CLASS[s.charCodeAt(at)] ?? 0;

/** True when s[from, to) is non-empty and every character of it is in `cls`. */
function allOf(s: string, from: number, to: number, cls: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if ((classOf(s, i) & cls) === 0) return false;
  return true;
}

/** True when s[from, to) holds a forbidden control character (within a line, any CR is a bare CR). */
function hasControl(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if ((classOf(s, i) & CONTROL) !== 0) return true;
  return false;
}

/** First letters of the header names the parsers act on; other names skip the lowercase + lookup. */
function mayMatter(name: string): boolean {
  switch (name.charCodeAt(0) | 0x20) {
    case 0x63: case 0x68: case 0x6b: case 0x70: case 0x74: case 0x75: case 0x78: return true; // c h k p t u x
    default: return false;
  }
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09;

/** s[from, to) without surrounding spaces and tabs. */
function trimmed(s: string, from: number, to: number): string {
  while (from < to && isSpace(s.charCodeAt(from))) from++;
  while (to > from && isSpace(s.charCodeAt(to - 1))) to--;
  return s.slice(from, to);
}

/** Whether a comma-separated header value lists `token` (lowercase), case-insensitively, without splitting. */
function hasToken(list: string, token: string): boolean {
  let start = 0;
  while (start <= list.length) {
    let end = list.indexOf(",", start);
    if (end === -1) end = list.length;
    let from = start;
    let to = end;
    while (from < to && isSpace(list.charCodeAt(from))) from++;
    while (to > from && isSpace(list.charCodeAt(to - 1))) to--;
    if (to - from === token.length && sameLowercase(list, from, token)) return true;
    start = end + 1;
  }
  return false;
}

/** s at `from` equals `lower` (a lowercase name of letters, digits and dashes), ignoring case. */
function sameLowercase(s: string, from: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((s.charCodeAt(from + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Parses a Content-Length value; -2 when it is not a plain decimal (commas, signs, spaces, too large). */
function parseLength(value: string): number {
  if (value.length === 0 || value.length > 15) return -2;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -2;
    n = n * 10 + d;
  }
  return n;
}

const bad = (reason: string): HeadError => ({ error: 400, reason });

/** Parses a complete request head (latin1 text ending in CRLFCRLF, as delimited by `findHeadEnd`). */
export function parseRequestHead(head: string): RequestHead | HeadError {
  const lineEnd = head.indexOf("\r\n");
  const sp1 = head.indexOf(" ");
  const sp2 = sp1 === -1 ? -1 : head.indexOf(" ", sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || sp2 > lineEnd || head.lastIndexOf(" ", lineEnd) !== sp2) return bad("malformed request line");
  if (!allOf(head, 0, sp1, TCHAR) || !allOf(head, sp1 + 1, sp2, VISIBLE)) return bad("malformed request line");
  const method = head.slice(0, sp1);
  const target = head.slice(sp1 + 1, sp2);
  const versionText = head.slice(sp2 + 1, lineEnd);
  if (versionText !== "HTTP/1.1" && versionText !== "HTTP/1.0") {
    return /^HTTP\/\d\.\d$/.test(versionText) ? { error: 505, reason: "unsupported HTTP version" } : bad("malformed request line");
  }
  const version = versionText === "HTTP/1.1" ? "1.1" : "1.0";
  const req: RequestHead = {
    method, target, version, forwardLines: [], host: null, contentLength: -1, chunked: false,
    wantsClose: version === "1.0", upgrade: false, forwardedFor: null, requestId: null,
  };
  let hosts = 0;
  let transferEncoding: string | null = null;
  let connection = "";
  let upgrade = "";
  let invalid: string | null = null;
  const last = head.length - 4; // the final CRLFCRLF
  for (let start = lineEnd + 2; start <= last;) {
    const eol = head.indexOf("\r\n", start);
    const colon = head.indexOf(":", start);
    // No colon, whitespace before it, or a name that is not a token: also catches obs-fold and "Name :".
    if (colon === -1 || colon > eol || !allOf(head, start, colon, TCHAR) || hasControl(head, colon + 1, eol)) {
      return bad("malformed header line");
    }
    const line = head.slice(start, eol);
    const nameLength = colon - start;
    start = eol + 2;
    if (!mayMatter(line)) {
      req.forwardLines.push(line);
      continue;
    }
    const lower = line.slice(0, nameLength).toLowerCase();
    const value = trimmed(line, nameLength + 1, line.length);
    if (lower === "host") { hosts++; req.host = value; }
    else if (lower === "content-length") {
      const n = parseLength(value);
      if (n === -2 || (req.contentLength !== -1 && req.contentLength !== n)) invalid = "invalid Content-Length";
      req.contentLength = n;
    } else if (lower === "transfer-encoding") {
      if (transferEncoding !== null) invalid = "repeated Transfer-Encoding";
      transferEncoding = value;
    } else if (lower === "connection") connection += `,${value}`;
    else if (lower === "upgrade") upgrade = value;
    else if (lower === "x-forwarded-for") req.forwardedFor = req.forwardedFor === null ? value : `${req.forwardedFor}, ${value}`;
    else if (lower === "x-request-id") req.requestId = value;
    if (!ROUTER_OWNED.has(lower) && !HOP_BY_HOP.has(lower)) req.forwardLines.push(line);
  }
  if (invalid !== null) return bad(invalid);
  if (hosts > 1 || (hosts === 0 && version === "1.1")) return bad("missing or repeated Host");
  if (transferEncoding !== null) {
    if (req.contentLength !== -1) return bad("both Content-Length and Transfer-Encoding");
    if (version === "1.0") return bad("Transfer-Encoding in HTTP/1.0");
    if (transferEncoding.toLowerCase() !== "chunked") return { error: 501, reason: "unsupported Transfer-Encoding" };
    req.chunked = true;
  }
  if (connection !== "") {
    if (hasToken(connection, "close")) req.wantsClose = true;
    else if (version === "1.0" && hasToken(connection, "keep-alive")) req.wantsClose = false;
  }
  // A WebSocket handshake needs both hop-by-hop headers to reach the app.
  if (upgrade !== "" && hasToken(connection, "upgrade")) {
    req.upgrade = true;
    req.forwardLines.push("Connection: upgrade", `Upgrade: ${upgrade}`);
  }
  return req;
}

/**
 * Parses an upstream response head; null when it is not valid HTTP (→ H17). Only the status and the
 * framing headers are read: the head itself is passed to the client unchanged.
 */
export function parseResponseHead(head: string): ResponseHead | null {
  const lineEnd = head.indexOf("\r\n");
  // "HTTP/1.x NNN[ reason]"
  if (!head.startsWith("HTTP/1.") || head.charCodeAt(8) !== 32 || (lineEnd !== 12 && head.charCodeAt(12) !== 32)) return null;
  const minor = head.charCodeAt(7);
  const status = digit(head, 9) * 100 + digit(head, 10) * 10 + digit(head, 11);
  if ((minor !== 0x30 && minor !== 0x31) || !(status >= 100)) return null;
  const res: ResponseHead = { status, contentLength: -1, chunked: false, closes: minor === 0x30 };
  let connection = "";
  const end = head.length - 4;
  for (let start = lineEnd + 2; start <= end;) {
    const eol = head.indexOf("\r\n", start);
    const colon = head.indexOf(":", start);
    if (colon <= start || colon > eol) return null;
    // Only Content-Length, Transfer-Encoding and Connection matter: others are skipped without a copy.
    const nameLength = colon - start;
    if (nameLength === 14 && sameLowercase(head, start, "content-length")) {
      const n = parseLength(trimmed(head, colon + 1, eol));
      if (n === -2 || (res.contentLength !== -1 && res.contentLength !== n)) return null;
      res.contentLength = n;
    } else if (nameLength === 17 && sameLowercase(head, start, "transfer-encoding")) {
      if (trimmed(head, colon + 1, eol).toLowerCase() !== "chunked") return null;
      res.chunked = true;
    } else if (nameLength === 10 && sameLowercase(head, start, "connection")) connection += `,${trimmed(head, colon + 1, eol)}`;
    start = eol + 2;
  }
  if (res.chunked && res.contentLength !== -1) return null;
  if (connection !== "") {
    if (hasToken(connection, "close")) res.closes = true;
    else if (hasToken(connection, "keep-alive")) res.closes = false;
  }
  return res;
}

/** The decimal digit at `at`, or NaN (which fails every later comparison). */
function digit(s: string, at: number): number {
  const c = s.charCodeAt(at) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

/** The Host header without its port, lowercased, as routes are keyed. */
export function routeHost(host: string): string {
  const h = host.toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.indexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}
