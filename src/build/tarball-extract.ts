import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { lstat, mkdir, realpath, rm, symlink, link, chmod } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, posix, relative, resolve } from "node:path";
import type { Header } from "tar-stream";
import { BuildError } from "./build-error.ts";

export type TarballSource = string | NodeJS.ReadableStream | ReadableStream<Uint8Array>;

export interface ExtractOptions {
  // Slugs may hold symlinks into the stack (a virtualenv's python -> /usr/bin/python3): keep them as
  // links. Nothing is ever written through them either way.
  allowSymlinksOut?: boolean;
}

// Extracts a gzipped tarball (a host path or a stream) into destDir. Entries that would land outside
// destDir — `..`, absolute names, links pointing out, or writes through such links — are refused with a
// BuildError, and extraction stops there. A single top-level directory is not stripped.
export async function extractTarball(
  source: TarballSource,
  destDir: string,
  options: ExtractOptions = {},
): Promise<void> {
  // tar-stream and zlib load when a tarball is first read, not in every idle server.
  const [{ extract }, { createGunzip }, { Readable }] = await Promise.all([import("tar-stream"), import("node:zlib"), import("node:stream")]);
  await mkdir(destDir, { recursive: true });
  const root = await realpath(destDir);
  const input =
    typeof source === "string"
      ? createReadStream(source)
      : source instanceof ReadableStream
        ? Readable.fromWeb(source as import("node:stream/web").ReadableStream)
        : source;
  const tar = extract();
  const feeding = pipeline(input, createGunzip(), tar);
  try {
    for await (const entry of tar) {
      await writeEntry(root, entry.header, entry as AsyncIterable<Uint8Array>, options);
    }
    await feeding;
  } catch (e) {
    tar.destroy();
    await feeding.catch(() => {});
    if (e instanceof BuildError) throw e;
    throw new BuildError(`Could not extract the tarball: ${(e as Error).message}`);
  }
}

async function writeEntry(
  root: string,
  header: Header,
  body: AsyncIterable<Uint8Array>,
  options: ExtractOptions,
): Promise<void> {
  const rel = safeEntryPath(header.name);
  if (rel === "") {
    for await (const _ of body);
    return;
  }
  // The real parent, so links are judged where they physically land.
  const target = join(await ensureDirInside(root, dirname(rel)), basename(rel));
  const mode = header.mode & 0o7777;
  switch (header.type) {
    case "directory":
      await ensureDirInside(root, rel);
      await chmod(target, mode || 0o755);
      break;
    case "file":
    case "contiguous-file":
      await removeNonDirectory(target);
      await pipeline(body, createWriteStream(target, { mode: mode || 0o644 }));
      await chmod(target, mode || 0o644);
      break;
    case "symlink": {
      const pointsTo = isAbsolute(header.linkname)
        ? header.linkname
        : resolve(dirname(target), header.linkname);
      if (!options.allowSymlinksOut && !isInside(root, pointsTo)) refuse(header.name, `links outside the destination (-> ${header.linkname})`);
      await removeNonDirectory(target);
      await symlink(header.linkname, target);
      break;
    }
    case "link": {
      const source = await realpath(join(root, safeEntryPath(header.linkname)));
      if (!isInside(root, source)) refuse(header.name, `links outside the destination (-> ${header.linkname})`);
      await removeNonDirectory(target);
      await link(source, target);
      break;
    }
    default:
      break; // devices and fifos have no place in an app or a buildpack
  }
  for await (const _ of body); // drain whatever this entry type left unread
}

// Normalises an entry name to a path relative to the destination, refusing anything that escapes it.
function safeEntryPath(name: string): string {
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) refuse(name, "is an absolute path");
  const normal = posix.normalize(name).replace(/\/+$/, "");
  if (normal === ".." || normal.startsWith("../")) refuse(name, "climbs out of the destination");
  return normal === "." ? "" : normal;
}

// Creates each missing directory of relDir, checking through existing symlinks that it stays inside
// root; returns the directory's real path.
async function ensureDirInside(root: string, relDir: string): Promise<string> {
  let current = root;
  for (const segment of relDir.split("/").filter((s) => s !== "" && s !== ".")) {
    current = join(current, segment);
    const stat = await lstat(current).catch(() => null);
    if (!stat) {
      await mkdir(current);
    } else if (stat.isSymbolicLink()) {
      const real = await realpath(current).catch(() => "");
      if (!isInside(root, real)) refuse(relative(root, current), "is a link that leads outside the destination");
      current = real;
    } else if (!stat.isDirectory()) {
      refuse(relative(root, current), "is both a file and a directory");
    }
  }
  return current;
}

// Writing to an existing symlink would follow it; replace the link itself instead.
async function removeNonDirectory(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => null);
  if (stat && !stat.isDirectory()) await rm(path);
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith("../") && !isAbsolute(rel));
}

function refuse(name: string, why: string): never {
  throw new BuildError(`Refusing tarball entry ${JSON.stringify(name)}: it ${why}`);
}

