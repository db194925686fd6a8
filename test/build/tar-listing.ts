import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { gzipSync } from "node:zlib";
import { extract, pack, type Header } from "tar-stream";

// Test helper: the headers of a .tgz (and each file's text, for small files).
export async function listTarball(path: string): Promise<(Header & { text: string })[]> {
  const tar = extract();
  createReadStream(path).pipe(createGunzip()).pipe(tar);
  const entries: (Header & { text: string })[] = [];
  for await (const entry of tar) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.push({ ...entry.header, text: Buffer.concat(chunks).toString("utf8") });
  }
  return entries;
}

export interface TgzEntry {
  name: string;
  type?: "file" | "directory" | "symlink" | "link";
  linkname?: string;
  content?: string;
  mode?: number;
}

// Test helper: a .tgz in memory, including entries no honest tool would write.
export async function makeTgz(entries: TgzEntry[]): Promise<Buffer> {
  const tar = pack();
  for (const e of entries) {
    tar.entry({ name: e.name, type: e.type ?? "file", linkname: e.linkname, mode: e.mode ?? 0o644 }, e.content ?? "");
  }
  tar.finalize();
  const chunks: Uint8Array[] = [];
  for await (const chunk of tar) chunks.push(chunk as Uint8Array);
  return gzipSync(Buffer.concat(chunks));
}
