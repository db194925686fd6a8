import { createReadStream, createWriteStream } from "node:fs";
import { lstat, readdir, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Pack } from "tar-stream";
import { BuildError } from "./build-error.ts";
import { formatSize } from "./build-output.ts";

// Writes appDir as a gzipped tarball with entries under `./` (what a dyno unpacks into /app). Symlinks are
// stored as links and never followed; modes are kept; owners are zeroed (the dyno decides who owns /app).
// Stops and deletes the file as soon as the compressed size passes maxBytes. Returns the compressed size.
export async function packSlug(appDir: string, slugPath: string, maxBytes: number): Promise<number> {
  // tar-stream and zlib load with the first build, not in every idle server.
  const [{ pack }, { createGzip }] = await Promise.all([import("tar-stream"), import("node:zlib")]);
  const tar = pack();
  let written = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      if (written > maxBytes) {
        done(new BuildError(`Compiled slug size: ${formatSize(written)} is too large (max is ${formatSize(maxBytes)}).`));
      } else {
        done(null, chunk);
      }
    },
  });
  const writing = pipeline(tar, createGzip({ level: 6 }), counter, createWriteStream(slugPath));
  try {
    await Promise.race([addTree(tar, appDir, "."), writing]);
    tar.finalize();
    await writing;
  } catch (e) {
    tar.destroy();
    await writing.catch(() => {});
    await rm(slugPath, { force: true });
    throw e;
  }
  return written;
}

async function addTree(tar: Pack, dir: string, name: string): Promise<void> {
  const stat = await lstat(dir);
  await addEntry(tar, { name: `${name}/`, type: "directory", mode: stat.mode & 0o7777, mtime: stat.mtime });
  const children = (await readdir(dir)).sort();
  for (const child of children) {
    const path = join(dir, child);
    const childName = `${name}/${child}`;
    const st = await lstat(path);
    const common = { name: childName, mode: st.mode & 0o7777, mtime: st.mtime };
    if (st.isDirectory()) {
      await addTree(tar, path, childName);
    } else if (st.isSymbolicLink()) {
      await addEntry(tar, { ...common, type: "symlink", linkname: await readlink(path) });
    } else if (st.isFile()) {
      await new Promise<void>((resolve, reject) => {
        const sink = tar.entry({ ...common, type: "file", size: st.size, uid: 0, gid: 0 }, (err) =>
          err ? reject(err) : resolve(),
        );
        pipeline(createReadStream(path), sink).catch(reject);
      });
    }
    // sockets and fifos left behind by a build are not part of an app
  }
}

function addEntry(tar: Pack, header: Parameters<Pack["entry"]>[0]): Promise<void> {
  return new Promise((resolve, reject) =>
    tar.entry({ uid: 0, gid: 0, ...header }, (err) => (err ? reject(err) : resolve())),
  );
}
