import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { extractTarball } from "../../src/build/index.ts";

test("every file of a many-file tarball comes out byte for byte", async () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-tar-"));
  try {
    mkdirSync(join(dir, "src"));
    const big = randomBytes(3 * 1024 * 1024 + 123);
    const text = Array.from({ length: 20000 }, (_, i) => `line ${i} of a long source file`).join("\n");
    writeFileSync(join(dir, "src/big.bin"), big);
    writeFileSync(join(dir, "src/long.js"), text);
    const many = Array.from({ length: 300 }, (_, i) => randomBytes(1 + ((i * 7919) % 90_000)));
    many.forEach((bytes, i) => writeFileSync(join(dir, "src", `f${i}.dat`), bytes));
    const tgz = join(dir, "a.tgz");
    expect(Bun.spawnSync(["tar", "-C", join(dir, "src"), "-czf", tgz, "."]).exitCode).toBe(0);
    await extractTarball(tgz, join(dir, "out"));
    expect(Buffer.compare(readFileSync(join(dir, "out/big.bin")), big)).toBe(0);
    expect(readFileSync(join(dir, "out/long.js"), "utf8")).toBe(text);
    many.forEach((bytes, i) => expect(Buffer.compare(readFileSync(join(dir, "out", `f${i}.dat`)), bytes)).toBe(0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
