import { BuildError } from "./build-error.ts";

export interface ReleaseInfo {
  default_process_types: Record<string, string>;
  config_vars: Record<string, string>;
  addons: string[];
}

// Parses `bin/release` output. Every key is optional (buildpacks often print `addons:` with no value).
export function parseReleaseYaml(text: string): ReleaseInfo {
  let doc: unknown;
  try {
    doc = text.trim() === "" ? {} : Bun.YAML.parse(text);
  } catch (e) {
    throw new BuildError(`bin/release printed invalid YAML: ${(e as Error).message}`);
  }
  if (Array.isArray(doc)) doc = doc[0];
  const root = asMapping(doc ?? {}, "the release document");
  return {
    default_process_types: stringMap(root.default_process_types, "default_process_types"),
    config_vars: stringMap(root.config_vars, "config_vars"),
    addons: addonList(root.addons),
  };
}

function asMapping(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BuildError(`bin/release: ${what} must be a mapping`);
  }
  return value as Record<string, unknown>;
}

function stringMap(value: unknown, key: string): Record<string, string> {
  if (value === null || value === undefined) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asMapping(value, key))) {
    if (v === null || typeof v === "object") throw new BuildError(`bin/release: ${key}.${k} must be a string`);
    out[k] = String(v);
  }
  return out;
}

function addonList(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new BuildError("bin/release: addons must be a list");
  return value.map(String);
}
