// Writes a commit's tree into a directory for the build. The tree comes from a user's push, so it is treated as
// hostile: every name is checked, and nothing is ever written through an existing path (directories are created
// one level at a time without `recursive`, files with O_EXCL), so neither ".." nor a symlink can lead outside destDir.

import fs from "node:fs";
import { mkdir, open, symlink } from "node:fs/promises";
import { join } from "node:path";
import { git } from "./isomorphic.ts";

export class UnsafeTreeError extends Error {}

/** Pure: a tree entry name that is safe to create inside the checkout directory. */
export function isSafeEntryName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !name.includes("/") && !name.includes("\0") && name.toLowerCase() !== ".git";
}

const FILE_MODES: Record<string, number> = { "100644": 0o644, "100664": 0o644, "100755": 0o755 };

export async function checkoutCommit(repoDir: string, oid: string, destDir: string): Promise<void> {
  const cache = {};
  const { commit } = await git.readCommit({ fs, gitdir: repoDir, oid, cache });
  await mkdir(destDir, { recursive: true });
  await writeTree(repoDir, commit.tree, destDir, "", cache);
}

/** `prefix` is the tree's path inside the commit ("" or "dir/"), for error messages. */
async function writeTree(repoDir: string, treeOid: string, dir: string, prefix: string, cache: object): Promise<void> {
  const { tree } = await git.readTree({ fs, gitdir: repoDir, oid: treeOid, cache }).catch((err: unknown) => {
    // isomorphic-git refuses some unsafe names itself while parsing; report them like ours.
    if ((err as { code?: string }).code === "UnsafeFilepathError") throw new UnsafeTreeError(`refusing to check out ${prefix || "the tree"}: ${(err as Error).message}`);
    throw err;
  });
  for (const entry of tree) {
    if (!isSafeEntryName(entry.path)) throw new UnsafeTreeError(`refusing to check out unsafe path ${JSON.stringify(prefix + entry.path)}`);
    const target = join(dir, entry.path);
    if (entry.mode === "160000") continue; // submodule: nothing of it lives in this repository
    if (entry.mode === "040000") {
      await mkdir(target, { mode: 0o755 });
      await writeTree(repoDir, entry.oid, target, `${prefix}${entry.path}/`, cache);
      continue;
    }
    const { blob } = await git.readBlob({ fs, gitdir: repoDir, oid: entry.oid, cache });
    if (entry.mode === "120000") {
      await symlink(Buffer.from(blob), target);
      continue;
    }
    const mode = FILE_MODES[entry.mode];
    if (mode === undefined) throw new UnsafeTreeError(`unknown mode ${entry.mode} for ${prefix}${entry.path}`);
    const file = await open(target, "wx", mode);
    try {
      await file.writeFile(blob);
      await file.chmod(mode); // open's mode is filtered by the umask
    } finally {
      await file.close();
    }
  }
}
