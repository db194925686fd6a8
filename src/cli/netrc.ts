// ~/.netrc, where Heroku's CLI (and git, through libcurl) keep credentials per host.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface NetrcEntry { machine: string; login: string; password: string }

export const netrcPath = (env: Record<string, string | undefined>) => join(env.HOME ?? homedir(), ".netrc");

export function parseNetrc(text: string): NetrcEntry[] {
  const tokens = text.split(/\s+/).filter(Boolean);
  const entries: NetrcEntry[] = [];
  let current: NetrcEntry | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === "machine") {
      current = { machine: tokens[++i] ?? "", login: "", password: "" };
      entries.push(current);
    } else if (token === "default") current = null;
    else if (current && token === "login") current.login = tokens[++i] ?? "";
    else if (current && token === "password") current.password = tokens[++i] ?? "";
  }
  return entries;
}

export function readNetrc(path: string): NetrcEntry[] {
  return existsSync(path) ? parseNetrc(readFileSync(path, "utf8")) : [];
}

/** Replaces the entries for `machines` (or removes them when entry is null), keeping everyone else's. */
export function writeNetrc(path: string, machines: string[], entry: { login: string; password: string } | null): void {
  const kept = readNetrc(path).filter((e) => !machines.includes(e.machine));
  const added = entry ? machines.map((machine) => ({ machine, ...entry })) : [];
  const text = [...kept, ...added].map((e) => `machine ${e.machine}\n  login ${e.login}\n  password ${e.password}\n`).join("");
  writeFileSync(path, text, { mode: 0o600 });
}
