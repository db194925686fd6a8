// Which objects a fetch must send: everything reachable from the client's wants minus what its common commits
// ("haves" we also have) already give it. Commits are walked newest first, like git's revision walk, so the walk
// stops once only the client's history is left instead of running down to the root.

export interface CommitInfo { tree: string; parents: readonly string[]; time: number }
export interface TreeEntryInfo { oid: string; type: "blob" | "tree" | "commit" }

export interface ObjectReader {
  commit(oid: string): Promise<CommitInfo>;
  tree(oid: string): Promise<readonly TreeEntryInfo[]>;
}

interface Queued { oid: string; time: number }

/**
 * Splits history into the commits to send (reachable from `wants`, not from `commons`) and the boundary: client
 * commits that are parents of sent ones, whose trees tell which trees and blobs the client already has.
 */
export async function commitsToSend(reader: ObjectReader, wants: readonly string[], commons: readonly string[]) {
  const info = new Map<string, CommitInfo>();
  const theirs = new Set<string>();
  const queued = new Set<string>();
  const queue: Queued[] = [];
  const enqueue = async (oid: string) => {
    if (queued.has(oid)) return;
    queued.add(oid);
    const commit = info.get(oid) ?? (await reader.commit(oid));
    info.set(oid, commit);
    // Kept sorted oldest first so pop() takes the newest.
    const at = queue.findIndex((entry) => entry.time > commit.time);
    queue.splice(at < 0 ? queue.length : at, 0, { oid, time: commit.time });
  };
  const ours: string[] = [];
  for (const oid of commons) {
    theirs.add(oid);
    await enqueue(oid);
  }
  for (const oid of wants) await enqueue(oid);
  // Stop once every queued commit is the client's: nothing older can be ours-only (bar clock skew, which only
  // costs extra objects, never missing ones).
  while (queue.some((entry) => !theirs.has(entry.oid))) {
    const { oid } = queue.pop()!;
    const commit = info.get(oid)!;
    if (theirs.has(oid)) {
      for (const parent of commit.parents) {
        theirs.add(parent);
        await enqueue(parent);
      }
      continue;
    }
    ours.push(oid);
    for (const parent of commit.parents) await enqueue(parent);
  }
  const send = ours.filter((oid) => !theirs.has(oid));
  const boundary = new Set<string>();
  for (const oid of send) for (const parent of info.get(oid)!.parents) if (theirs.has(parent)) boundary.add(parent);
  return { send, boundary: [...boundary], info };
}

/** All oids a fetch must send: the commits, then their trees and blobs minus those in the boundary commits' trees. */
export async function objectsToSend(reader: ObjectReader, wants: readonly string[], commons: readonly string[]): Promise<string[]> {
  const { send, boundary, info } = await commitsToSend(reader, wants, commons);
  const clientHas = new Set<string>();
  const addTree = async (treeOid: string, into: string[] | null) => {
    if (clientHas.has(treeOid)) return;
    clientHas.add(treeOid);
    into?.push(treeOid);
    for (const entry of await reader.tree(treeOid)) {
      if (entry.type === "tree") await addTree(entry.oid, into);
      else if (entry.type === "blob" && !clientHas.has(entry.oid)) {
        clientHas.add(entry.oid);
        into?.push(entry.oid);
      }
    }
  };
  // First mark what the client has, then collect what it lacks; `clientHas` doubles as the "already added" set.
  for (const oid of boundary) await addTree(info.get(oid)!.tree, null);
  const objects = [...send];
  for (const oid of send) await addTree(info.get(oid)!.tree, objects);
  return objects;
}
