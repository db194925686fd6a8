// A pushed pack is indexed in a quarantine directory inside the repo, checked there, and only then moved into
// objects/pack (two renames on one filesystem); garbage or incomplete pushes never touch the repo's objects.

import fs from "node:fs";
import { mkdir, rename, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { git } from "./isomorphic.ts";

/** A push that cannot be stored; the message is for the user. */
export class PackError extends Error {}

export interface PackHeader { objectCount: number; checksum: string }

/** Pure: validates the "PACK" header and the trailing SHA-1 over everything before it. */
export function readPackHeader(pack: Uint8Array): PackHeader {
  if (pack.length < 32) throw new PackError("the pack is truncated");
  if (new TextDecoder().decode(pack.subarray(0, 4)) !== "PACK") throw new PackError("the pushed data is not a git pack");
  const view = new DataView(pack.buffer, pack.byteOffset, pack.byteLength);
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) throw new PackError(`unsupported pack version ${version}`);
  const body = pack.subarray(0, pack.length - 20);
  const checksum = Buffer.from(pack.subarray(pack.length - 20)).toString("hex");
  if (new Bun.CryptoHasher("sha1").update(body).digest("hex") !== checksum) {
    throw new PackError("the pack is truncated or corrupt (checksum mismatch)");
  }
  return { objectCount: view.getUint32(8), checksum };
}

type ObjectKind = "commit" | "tree" | "blob";
interface PendingObject { oid: string; type: ObjectKind }

export class StagedPack {
  private installed = false;

  private constructor(
    private readonly repoDir: string,
    private readonly quarantine: string | null,
    private readonly packName: string,
    /** Oids carried by the pack; the completeness check reads these from quarantine, others from the repo. */
    readonly oids: ReadonlySet<string>,
  ) {}

  /** No pack was sent (or it carried no objects): everything must already be in the repo. */
  static empty(repoDir: string): StagedPack {
    return new StagedPack(repoDir, null, "", new Set());
  }

  /** Indexes `pack` into a fresh quarantine under the repo. Throws PackError for anything malformed. */
  static async stage(repoDir: string, pack: Uint8Array): Promise<StagedPack> {
    const header = readPackHeader(pack);
    const packName = `pack-${header.checksum}`;
    if (header.objectCount === 0) return StagedPack.empty(repoDir);
    const quarantine = join(repoDir, "objects", `incoming-${crypto.randomUUID()}`);
    try {
      await mkdir(join(quarantine, "objects", "pack"), { recursive: true });
      await writeFile(join(quarantine, "objects", "pack", `${packName}.pack`), pack);
      const { oids } = await git
        .indexPack({ fs, dir: quarantine, gitdir: quarantine, filepath: `objects/pack/${packName}.pack` })
        .catch((err: Error) => {
          throw new PackError(`the pack could not be indexed: ${err.message}`);
        });
      return new StagedPack(repoDir, quarantine, packName, new Set(oids));
    } catch (err) {
      await rm(quarantine, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Throws PackError unless `commitOid` is a commit whose history, trees and blobs are all readable. Objects the
   * pack does not carry must already be in the repo, where earlier checked pushes left only complete histories.
   */
  async checkComplete(commitOid: string): Promise<void> {
    const inPack = { fs, gitdir: this.quarantine ?? this.repoDir, cache: {} };
    const inRepo = { fs, gitdir: this.repoDir, cache: {} };
    const pending: PendingObject[] = [{ oid: commitOid, type: "commit" }];
    const seen = new Set<string>();
    for (let next = pending.pop(); next; next = pending.pop()) {
      const { oid, type } = next;
      if (seen.has(oid)) continue;
      seen.add(oid);
      if (!this.oids.has(oid)) {
        const read = type === "commit" ? git.readCommit({ ...inRepo, oid }) : git.readObject({ ...inRepo, oid, format: "deflated" });
        const present = await read.then(() => true, () => false);
        if (!present) throw new PackError(`the push is missing object ${oid} (a ${type}); push the full history`);
        continue;
      }
      // readCommit/readTree also check the object's type, so a "tree" entry pointing at a blob is caught here.
      const children = await this.childrenInPack(inPack, oid, type).catch((err: Error) => {
        throw new PackError(`object ${oid} is not a readable ${type}: ${err.message}`);
      });
      pending.push(...children);
    }
  }

  private async childrenInPack(source: { fs: typeof fs; gitdir: string; cache: object }, oid: string, type: ObjectKind): Promise<PendingObject[]> {
    if (type === "commit") {
      const { commit } = await git.readCommit({ ...source, oid });
      return [{ oid: commit.tree, type: "tree" }, ...commit.parent.map((parent): PendingObject => ({ oid: parent, type: "commit" }))];
    }
    if (type === "tree") {
      const { tree } = await git.readTree({ ...source, oid });
      return tree.flatMap((entry): PendingObject[] => (entry.type === "commit" ? [] : [{ oid: entry.oid, type: entry.type }]));
    }
    return []; // indexing the pack already inflated and hashed every blob in it
  }

  /** Moves the pack into the repo: the .idx last, since readers find packs by their index. */
  async install(): Promise<void> {
    if (!this.quarantine) return;
    // The same pack bytes were installed by an earlier push: keep that copy, and never uninstall it.
    if (fs.existsSync(join(this.repoDir, "objects", "pack", `${this.packName}.idx`))) {
      this.installed = false;
      return;
    }
    this.installed = true;
    for (const ext of [".pack", ".idx"]) {
      await rename(join(this.quarantine, "objects", "pack", this.packName + ext), join(this.repoDir, "objects", "pack", this.packName + ext));
    }
  }

  /** Takes an installed pack back out (its push was rejected): the .idx first, so no reader finds a pack without it. */
  async uninstall(): Promise<void> {
    if (!this.installed) return;
    this.installed = false;
    for (const ext of [".idx", ".pack"]) await unlink(join(this.repoDir, "objects", "pack", this.packName + ext)).catch(() => {});
  }

  async dispose(): Promise<void> {
    if (this.quarantine) await rm(this.quarantine, { recursive: true, force: true });
  }
}
