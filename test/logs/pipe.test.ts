import { expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLogStore, pipeOutputToLog } from "../../src/logs/index.ts";

function collector() {
  const lines: string[] = [];
  const calls: { source: string; dyno: string }[] = [];
  return {
    lines,
    calls,
    store: {
      append(_appId: string, source: string, dyno: string, text: string) {
        calls.push({ source, dyno });
        // the real store splits the same way; here only the line boundaries pipeOutputToLog chose matter
        lines.push(...text.replace(/\n$/, "").split("\n"));
      },
    },
  };
}

function streamOf(...chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
      c.close();
    },
  });
}

test("lines split across chunks, multi-byte characters split across chunks, and an unterminated tail", async () => {
  const { lines, calls, store } = collector();
  const e = new TextEncoder().encode("é"); // 2 bytes, cut between chunks below
  await pipeOutputToLog(streamOf("first li", "ne\nsecond\nthi", new Uint8Array([0x72, 0x64, e[0]!]), new Uint8Array([e[1]!, 0x0a]), "no newline"), store, "a1", "app", "web.1");
  expect(lines).toEqual(["first line", "second", "thirdé", "no newline"]);
  expect(calls.every((c) => c.source === "app" && c.dyno === "web.1")).toBe(true);
});

test("a line that never ends is cut so memory stays bounded", async () => {
  const { lines, store } = collector();
  await pipeOutputToLog(streamOf(..."y".repeat(50_000).match(/.{1,4096}/g)!), store, "a1", "app", "web.1");
  expect(lines.join("")).toBe("y".repeat(50_000));
  for (const l of lines) expect(l.length).toBeLessThan(10_000 + 4096);
});

test("a real child process's stdout, through the store", async () => {
  const dir = await mkdtemp(join(tmpdir(), "slipway-logs-"));
  const store = await openLogStore({ dir, appName: () => "myapp", retainLines: 5000 });
  try {
    const child = Bun.spawn([process.execPath, "-e", `
      process.stdout.write("booting\\r\\n\\x1b[32mready\\x1b[0m\\n");
      process.stdout.write(Buffer.from([0x62, 0x69, 0x6e, 0x00, 0xff, 0xfe, 0x0a]));
      for (let i = 0; i < 2000; i++) process.stdout.write("request " + i + "\\n");
    `], { stdout: "pipe", stderr: "ignore" });
    const timer = setTimeout(() => child.kill(), 10_000);
    await pipeOutputToLog(child.stdout, store, "a1", "app", "web.1");
    await child.exited;
    clearTimeout(timer);
    const texts = store.recent("a1", 3000).map((l) => l.text);
    expect(texts.slice(0, 3)).toEqual(["booting", "ready", "bin\ufffd\ufffd\ufffd"]);
    expect(texts.length).toBe(2003);
    expect(texts.at(-1)).toBe("request 1999");
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
