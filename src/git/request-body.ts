// Reads a git POST body with a size cap (counted after gunzip, so a small gzip bomb cannot slip past it).

import { concatBytes } from "./pkt-line.ts";

/** How much of an oversized body is kept: enough for the ref commands that precede the pack. */
const OVERSIZE_HEAD_BYTES = 1 << 20;

export type RequestBody =
  | { kind: "complete"; bytes: Uint8Array }
  | { kind: "too-large"; head: Uint8Array; totalBytes: number }
  | { kind: "unreadable"; message: string };

export async function readRequestBody(req: Request, maxBytes: number): Promise<RequestBody> {
  if (!req.body) return { kind: "complete", bytes: new Uint8Array(0) };
  const encoding = (req.headers.get("content-encoding") ?? "").trim().toLowerCase();
  if (encoding !== "" && encoding !== "identity" && encoding !== "gzip" && encoding !== "x-gzip") {
    return { kind: "unreadable", message: `unsupported Content-Encoding "${encoding}"` };
  }
  const gzipped = encoding === "gzip" || encoding === "x-gzip";
  const stream = gzipped ? req.body.pipeThrough(new DecompressionStream("gzip")) : req.body;
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let totalBytes = 0;
  const limitKept = Math.min(maxBytes, OVERSIZE_HEAD_BYTES);
  try {
    // An oversized body is still drained (not stored) so the client gets our answer instead of a broken pipe.
    for await (const chunk of stream) {
      totalBytes += chunk.length;
      if (totalBytes <= maxBytes) {
        kept.push(chunk);
        keptBytes += chunk.length;
      } else if (keptBytes < limitKept) {
        kept.push(chunk.subarray(0, limitKept - keptBytes));
        keptBytes = limitKept;
      }
    }
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { kind: "unreadable", message: gzipped ? `could not gunzip the request: ${detail}` : detail };
  }
  const bytes = concatBytes(kept);
  if (totalBytes > maxBytes) return { kind: "too-large", head: bytes.subarray(0, limitKept), totalBytes };
  return { kind: "complete", bytes };
}
