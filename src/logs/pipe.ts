// The dyno's write path: bytes from a process's stdout or stderr, cut into lines, into the store.
import { MAX_LINE_BYTES } from "./line.ts";
import type { LogStore } from "./store.ts";

/**
 * Reads `stream` to its end, appending every complete line (and the unterminated tail at the end).
 * One append per chunk, not per line: the store splits, which keeps this path fast. A line that never
 * ends is cut once it passes Heroku's 10,000-byte limit, so a newline-free stream cannot grow memory.
 */
export async function pipeOutputToLog(
  stream: ReadableStream<Uint8Array>,
  store: Pick<LogStore, "append">,
  appId: string,
  source: string,
  dyno: string,
): Promise<void> {
  const decoder = new TextDecoder(); // not fatal: invalid UTF-8 becomes U+FFFD
  let partial = "";
  for await (const chunk of stream) {
    const text = partial + decoder.decode(chunk, { stream: true });
    const end = text.lastIndexOf("\n");
    if (end >= 0) {
      store.append(appId, source, dyno, text.slice(0, end + 1));
      partial = text.slice(end + 1);
    } else {
      partial = text;
    }
    if (partial.length > MAX_LINE_BYTES) {
      store.append(appId, source, dyno, partial);
      partial = "";
    }
  }
  partial += decoder.decode();
  if (partial.length > 0) store.append(appId, source, dyno, partial);
}
