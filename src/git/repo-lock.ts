// Serialises pushes per repository inside this process; different repositories proceed in parallel.

import { resolve } from "node:path";

const queueTails = new Map<string, Promise<void>>();

/** Runs `work` once every earlier holder of `repoDir`'s lock is done; `onQueued` fires if it has to wait. */
export async function withRepoLock<T>(repoDir: string, work: () => Promise<T>, onQueued?: () => void): Promise<T> {
  const key = resolve(repoDir);
  const previous = queueTails.get(key);
  let release = () => {};
  const held = new Promise<void>((resolveHeld) => (release = resolveHeld));
  const tail = (previous ?? Promise.resolve()).then(() => held);
  queueTails.set(key, tail);
  if (previous) {
    onQueued?.();
    await previous;
  }
  try {
    return await work();
  } finally {
    release();
    if (queueTails.get(key) === tail) queueTails.delete(key);
  }
}
