// Heroku's house style for terminal output: `Verbing thing... done`, `=== headers`, aligned key/value
// lists, tables, ` ▸` errors, and colours only on a TTY without NO_COLOR.
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export interface Output {
  color: boolean;
  out(text?: string): void;
  err(text: string): void;
}

export function terminalOutput(env: Record<string, string | undefined>): Output {
  return {
    color: Boolean(process.stdout.isTTY) && env.NO_COLOR === undefined,
    out: (text = "") => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
}

const paint = (o: Output, code: number, text: string) => (o.color ? `\u001b[${code}m${text}\u001b[0m` : text);
export const appLabel = (o: Output, name: string) => paint(o, 35, `⬢ ${name}`);
export const header = (o: Output, text: string) => o.out(paint(o, 1, `=== ${text}`));

/** Prints `label... ` then runs the work and finishes the line with `done` (or what the work returns). */
export async function action<T>(o: Output, label: string, work: () => Promise<T>, done?: (result: T) => string): Promise<T> {
  process.stderr.write(`${label}... `);
  try {
    const result = await work();
    process.stderr.write(`${done ? done(result) : "done"}\n`);
    return result;
  } catch (error) {
    process.stderr.write("!\n");
    throw error;
  }
}

export function keyValues(o: Output, pairs: [string, string][]): void {
  const width = Math.max(0, ...pairs.map(([k]) => k.length + 1));
  for (const [key, value] of pairs) o.out(`${paint(o, 32, `${key}:`.padEnd(width))} ${value}`);
}

export function table(o: Output, columns: string[], rows: string[][]): void {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  o.out(paint(o, 1, line(columns)));
  o.out(widths.map((w) => "─".repeat(w)).join("  "));
  for (const row of rows) o.out(line(row));
}

export function json(o: Output, value: unknown): void {
  o.out(JSON.stringify(value, null, 2));
}

/** `2026/11/23 10:00:00 +0000 (~ 3m ago)` as Heroku prints times. */
export function herokuTime(iso: string, nowMs = Date.now()): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  const stamp = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  const seconds = Math.max(0, Math.round((nowMs - d.getTime()) / 1000));
  const ago = seconds < 60 ? `${seconds}s` : seconds < 3600 ? `${Math.floor(seconds / 60)}m` : seconds < 86400 ? `${Math.floor(seconds / 3600)}h` : `${Math.floor(seconds / 86400)}d`;
  return `${stamp} (~ ${ago} ago)`;
}
