// One log line, its Heroku text form, filters, and making dyno output safe to show. Pure.

export interface LogLine {
  at: Date;
  /** Microseconds past `at`'s millisecond (0–999) when the clock gave them; Date alone holds ms. */
  micros?: number;
  source: string; // "app" | "heroku"
  dyno: string; // "web.1" | "router" | "api" | "scheduler.3" | "run.1" | "release.2" | "logplex"
  text: string;
}

export interface LogFilter {
  dyno?: string; // "web.1" exactly, or "web" for every web.N
  source?: "app" | "heroku";
}

/** Heroku splits longer lines (Logplex's limit is 10,000 bytes per message). */
export const MAX_LINE_BYTES = 10_000;

/** "2026-11-23T10:00:00.123456+00:00": Heroku's stream is always UTC with microseconds. */
export function formatTimestamp(at: Date, micros = 0): string {
  return `${at.toISOString().slice(0, 23)}${String(micros).padStart(3, "0")}+00:00`;
}

/** Second precision, as Logplex writes the "since" of its overflow notices. */
export function formatSecondTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19)}+00:00`;
}

export function formatLogLine(l: LogLine): string {
  return `${formatTimestamp(l.at, l.micros)} ${l.source}[${l.dyno}]: ${l.text}`;
}

const FORMATTED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})(\d{3})\+00:00 ([^\s[\]]+)\[([^\s[\]]+)\]: (.*)$/;

/** Reads back what formatLogLine wrote (the on-disk form); undefined for anything else. */
export function parseLogLine(s: string): LogLine | undefined {
  const m = FORMATTED.exec(s);
  if (!m) return undefined;
  const at = new Date(`${m[1]}Z`);
  if (Number.isNaN(at.getTime())) return undefined;
  return { at, micros: Number(m[2]), source: m[3]!, dyno: m[4]!, text: m[5]! };
}

export function matchesFilter(l: LogLine, f: LogFilter): boolean {
  if (f.source !== undefined && l.source !== f.source) return false;
  if (f.dyno === undefined || f.dyno === l.dyno) return true;
  // "web" means every web.N; "web.1" never matches "web.10".
  return !f.dyno.includes(".") && l.dyno.startsWith(f.dyno) && l.dyno.charCodeAt(f.dyno.length) === 46;
}

// \n, \r, ESC, the other C0 controls, DEL and the C1 controls (U+009B acts as CSI in some terminals); TAB is fine.
const NEEDS_WORK = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
const ESCAPE_SEQUENCES =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?/g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * Turns whatever a dyno wrote into the lines the stream shows: split on \n (a trailing \n ends the
 * last line rather than starting an empty one), \r dropped, terminal escape sequences removed (colours
 * would otherwise repaint the reader's terminal), other control bytes shown as U+FFFD, lone surrogates
 * repaired so every line is valid UTF-8, and lines over 10,000 bytes split.
 */
export function splitLogText(text: string): string[] {
  const pieces = text.includes("\n") ? text.split("\n") : [text];
  if (pieces.length > 1 && pieces[pieces.length - 1] === "") pieces.pop();
  const out: string[] = [];
  for (const piece of pieces) {
    const clean = isPlain(piece) ? piece : sanitizeLine(piece);
    if (clean.length * 3 <= MAX_LINE_BYTES || Buffer.byteLength(clean) <= MAX_LINE_BYTES) out.push(clean);
    else for (const part of splitByBytes(clean, MAX_LINE_BYTES)) out.push(part);
  }
  return out;
}

function isPlain(s: string): boolean {
  return !NEEDS_WORK.test(s) && s.isWellFormed();
}

function sanitizeLine(s: string): string {
  return s.replaceAll("\r", "").replace(ESCAPE_SEQUENCES, "").replace(CONTROLS, "\ufffd").toWellFormed();
}

function splitByBytes(s: string, max: number): string[] {
  const parts: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > max) {
      parts.push(s.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    i += cp > 0xffff ? 2 : 1;
  }
  parts.push(s.slice(start));
  return parts;
}

/**
 * A line whose text and timestamp are made the first time they are read. The router logs every
 * request, and most of those lines are only ever counted out of the ring or written to disk in bulk,
 * so formatting them one by one on the hot path is wasted. One line only: past a newline or
 * MAX_LINE_BYTES the text is cut, and it is cleaned like any other line.
 */
export class DeferredLogLine<T> implements LogLine {
  private made: string | null = null;

  /** `atMicros`: microseconds since the epoch. The record is let go once formatted. */
  constructor(
    private readonly atMicros: number, readonly source: string, readonly dyno: string,
    private record: T | null, private readonly format: (record: T) => string,
  ) {}

  get at(): Date {
    return new Date(Math.floor(this.atMicros / 1000));
  }

  get micros(): number {
    return this.atMicros % 1000;
  }

  get text(): string {
    if (this.made === null) {
      this.made = splitLogText(this.format(this.record!))[0] ?? "";
      this.record = null;
    }
    return this.made;
  }
}
