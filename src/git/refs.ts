// Refs of a bare repository. Writes go through a temp file + rename so a concurrent reader never sees a half-written ref.

import fs from "node:fs";
import { readFile, rename, writeFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { git } from "./isomorphic.ts";

export const ZERO_OID = "0".repeat(40);
export const DEPLOY_BRANCHES = ["refs/heads/main", "refs/heads/master"] as const;

const OID_PATTERN = /^[0-9a-f]{40}$/;
// Branch names we store: no "..", no leading dot or dash, nothing git forbids in ref names.
const BRANCH_PATTERN = /^(?!.*\.\.)(?!.*\/\.)(?![.-])[A-Za-z0-9._\/-]+(?<![./]|\.lock)$/;

export const isOid = (text: string): boolean => OID_PATTERN.test(text);
export const isBranchName = (name: string): boolean => BRANCH_PATTERN.test(name) && !name.includes("//");

export async function ensureRepo(repoDir: string): Promise<void> {
  await git.init({ fs, dir: repoDir, bare: true, defaultBranch: "main" });
}

export async function resolveBranch(repoDir: string, branch: string): Promise<string | null> {
  if (!isBranchName(branch)) return null;
  return resolveRefOid(repoDir, `refs/heads/${branch}`);
}

export async function resolveRefOid(repoDir: string, ref: string): Promise<string | null> {
  try {
    return await git.resolveRef({ fs, gitdir: repoDir, ref });
  } catch (err) {
    if ((err as { code?: string }).code === "NotFoundError") return null;
    throw err;
  }
}

/** Every branch with its oid, sorted by name as git advertises them. */
export async function listBranchRefs(repoDir: string): Promise<{ ref: string; oid: string }[]> {
  const names = (await git.listBranches({ fs, gitdir: repoDir })).sort();
  const refs: { ref: string; oid: string }[] = [];
  for (const name of names) {
    const ref = `refs/heads/${name}`;
    const oid = await resolveRefOid(repoDir, ref);
    if (oid) refs.push({ ref, oid });
  }
  return refs;
}

/** The branch HEAD points at (e.g. "refs/heads/main"), or null when HEAD is detached or unreadable. */
export async function headTarget(repoDir: string): Promise<string | null> {
  const head = await readFile(join(repoDir, "HEAD"), "utf8").catch(() => "");
  return /^ref: (refs\/heads\/\S+)\s*$/.exec(head)?.[1] ?? null;
}

export async function writeRef(repoDir: string, ref: string, oid: string): Promise<void> {
  await writeFileAtomically(join(repoDir, ref), `${oid}\n`);
}

export async function pointHeadAt(repoDir: string, ref: string): Promise<void> {
  await writeFileAtomically(join(repoDir, "HEAD"), `ref: ${ref}\n`);
}

async function writeFileAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.${crypto.randomUUID()}.tmp`;
  try {
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}
