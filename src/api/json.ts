// Reading request bodies and writing lists, the Heroku way.
import { HttpError } from "./errors.ts";
import { parseRange, applyRange } from "./range.ts";
import type { ApiContext } from "./platform.ts";

export async function readJson(c: ApiContext): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    const body = JSON.parse(text);
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    return body;
  } catch {
    throw new HttpError(400, "bad_request", "Request body must be a JSON object.");
  }
}

/** Sends a list honouring the Range header; `key` reads an item's value for a range field. */
export function sendList<T>(
  c: ApiContext, items: T[], fields: string[], key: (item: T, field: string) => string | number, render: (item: T) => unknown,
): Response {
  const range = parseRange(c.req.header("range"), fields);
  if ("error" in range) throw new HttpError(400, "bad_request", range.error);
  const page = applyRange(items, range, key);
  if (page.contentRange) c.header("Content-Range", page.contentRange);
  if (page.nextRange) c.header("Next-Range", page.nextRange);
  c.header("Accept-Ranges", fields.join(", "));
  return c.json(page.items.map(render), page.nextRange ? 206 : 200);
}
