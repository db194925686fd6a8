// Heroku's list paging: `Range: <field> [start]..[end][; max=N][, order=asc|desc]` in, `Content-Range`
// and `Next-Range` out (206 while more remain).
export interface RangeRequest { field: string; start?: string; startExclusive: boolean; end?: string; max: number; order: "asc" | "desc" }

const DEFAULT_MAX = 200;
const MAX_MAX = 1000;

export function parseRange(header: string | null | undefined, fields: string[]): RangeRequest | { error: string } {
  const fallback: RangeRequest = { field: fields[0]!, startExclusive: false, max: DEFAULT_MAX, order: "asc" };
  if (!header) return fallback;
  const m = /^\s*([a-z_]+)\s*(\]?)([^.;,\s]*)\.\.([^;,\s]*)\s*(?:;\s*(.*))?$/.exec(header);
  if (!m) return { error: `Invalid Range header: ${header}` };
  const [, field, exclusive, start, end, options] = m;
  if (!fields.includes(field!)) return { error: `Range field must be one of: ${fields.join(", ")}` };
  const range: RangeRequest = { ...fallback, field: field!, startExclusive: exclusive === "]" };
  if (start) range.start = start;
  if (end) range.end = end;
  for (const option of (options ?? "").split(/[;,]/).map((o) => o.trim()).filter(Boolean)) {
    const [key, value] = option.split("=").map((s) => s.trim());
    if (key === "max" && /^\d+$/.test(value ?? "")) range.max = Math.min(Math.max(Number(value), 1), MAX_MAX);
    else if (key === "order" && (value === "asc" || value === "desc")) range.order = value;
    else return { error: `Invalid Range option: ${option}` };
  }
  return range;
}

export interface Page<T> { items: T[]; contentRange?: string; nextRange?: string }

/** Applies a range to a list; `key` gives each item's value for the range field, compared as numbers when both are. */
export function applyRange<T>(all: T[], range: RangeRequest, key: (item: T, field: string) => string | number): Page<T> {
  const compare = (a: string | number, b: string | number) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
  const typed = (v: string, sample: string | number) => (typeof sample === "number" && /^\d+$/.test(v) ? Number(v) : v);
  let items = [...all].sort((a, b) => compare(key(a, range.field), key(b, range.field)));
  if (range.order === "desc") items.reverse();
  const before = (a: string | number, b: string | number) => (range.order === "asc" ? compare(a, b) : compare(b, a));
  items = items.filter((item) => {
    const v = key(item, range.field);
    if (range.start !== undefined) {
      const c = before(v, typed(range.start, v));
      if (c < 0 || (c === 0 && range.startExclusive)) return false;
    }
    return range.end === undefined || before(v, typed(range.end, v)) <= 0;
  });
  const page = items.slice(0, range.max);
  if (page.length === 0) return { items: page };
  const first = key(page[0]!, range.field);
  const last = key(page[page.length - 1]!, range.field);
  const result: Page<T> = { items: page, contentRange: `${range.field} ${first}..${last}` };
  if (items.length > page.length) result.nextRange = `${range.field} ]${last}..; max=${range.max}, order=${range.order}`;
  return result;
}
