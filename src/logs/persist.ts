// The on-disk copy of each app's retained lines: one file per app, in the same text `heroku logs` prints.
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatLogLine, parseLogLine, type LogLine } from "./line.ts";

const SUFFIX = ".log";

export function logFilePath(dir: string, appId: string): string {
  return join(dir, `${encodeURIComponent(appId)}${SUFFIX}`);
}

export interface RetainedLog {
  appId: string;
  lines: LogLine[]; // the newest `retainLines`, oldest first
  fileLines: number; // how many lines the file holds (it is compacted when this passes 2× retention)
}

export async function readRetainedLogs(dir: string, retainLines: number): Promise<RetainedLog[]> {
  await mkdir(dir, { recursive: true });
  const logs: RetainedLog[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith(SUFFIX)) continue;
    const rows = (await readFile(join(dir, name), "utf8")).split("\n");
    if (rows[rows.length - 1] === "") rows.pop();
    const lines: LogLine[] = [];
    for (const row of rows.slice(-retainLines)) {
      const line = parseLogLine(row);
      if (line) lines.push(line); // a row torn by a crash mid-write is skipped
    }
    logs.push({ appId: decodeURIComponent(name.slice(0, -SUFFIX.length)), lines, fileLines: rows.length });
  }
  return logs;
}

export async function appendLogLines(path: string, lines: LogLine[]): Promise<void> {
  await appendFile(path, toText(lines));
}

/** Replaces the file whole; via rename so a crash leaves the old or the new file, never half of one. */
export async function rewriteLogLines(path: string, lines: LogLine[]): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, toText(lines));
  await rename(temporary, path);
}

export async function removeLogFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

function toText(lines: LogLine[]): string {
  let text = "";
  for (const line of lines) text += `${formatLogLine(line)}\n`;
  return text;
}
