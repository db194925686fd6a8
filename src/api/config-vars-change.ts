// Config var edits: validation, applying a PATCH body, and the release description Heroku writes.
import type { ConfigVars } from "../state/index.ts";

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_VALUE_BYTES = 32 * 1024;

export type ConfigPatch = Record<string, string | null>;

export function configPatchProblem(body: unknown): string | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "Config vars must be a JSON object.";
  for (const [key, value] of Object.entries(body)) {
    if (!KEY_PATTERN.test(key)) return `Invalid config var name: ${JSON.stringify(key)}. Names are letters, digits and underscores, not starting with a digit.`;
    if (value === null) continue;
    if (typeof value !== "string") return `The value of ${key} must be a string or null.`;
    if (/[\n\r\0]/.test(value)) return `The value of ${key} contains a newline or NUL, which config vars can't hold.`;
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) return `The value of ${key} is larger than 32 KB.`;
  }
  return null;
}

export function applyConfigPatch(current: ConfigVars, patch: ConfigPatch): ConfigVars {
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** `Set A, B config vars` / `Remove C config vars`, or both joined; null when nothing changes. */
export function configChangeDescription(before: ConfigVars, after: ConfigVars): string | null {
  const set = Object.keys(after).filter((k) => before[k] !== after[k]);
  const removed = Object.keys(before).filter((k) => !(k in after));
  const parts: string[] = [];
  if (set.length) parts.push(`Set ${set.join(", ")} config vars`);
  if (removed.length) parts.push(`Remove ${removed.join(", ")} config vars`);
  return parts.length ? parts.join(" and ") : null;
}
