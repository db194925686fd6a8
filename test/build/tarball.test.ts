import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuildError } from "../../src/build/build-error.ts";
import { packSlug } from "../../src/build/slug-pack.ts";
import { extractTarball } from "../../src/build/tarball-extract.ts";
import { listTarball, makeTgz, type TgzEntry } from "./tar-listing.ts";

let scratch: string;
let dest: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "slipway-tar-"));
  dest = join(scratch, "dest");
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

async function extractFromBuffer(data: Buffer): Promise<void> {
  const file = join(scratch, "in.tgz");
  writeFileSync(file, data);
  await extractTarball(file, dest);
}

describe("extractTarball", () => {
  test("extracts files, directories, modes and inside links", async () => {
    await extractFromBuffer(
      await makeTgz([
        { name: "./bin/", type: "directory", mode: 0o755 },
        { name: "./bin/compile", content: "#!/bin/sh\n", mode: 0o755 },
        { name: "./lib/a.txt", content: "hello" },
        { name: "./a-link", type: "symlink", linkname: "lib/a.txt" },
        { name: "./hard", type: "link", linkname: "lib/a.txt" },
      ]),
    );
    expect(readFileSync(join(dest, "lib/a.txt"), "utf8")).toBe("hello");
    expect(lstatSync(join(dest, "bin/compile")).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(dest, "a-link"))).toBe("lib/a.txt");
    expect(readFileSync(join(dest, "hard"), "utf8")).toBe("hello");
  });

  test("extracts from a web stream too", async () => {
    const data = await makeTgz([{ name: "x.txt", content: "streamed" }]);
    await extractTarball(new Response(data).body!, dest);
    expect(readFileSync(join(dest, "x.txt"), "utf8")).toBe("streamed");
  });

  test.each<[string, TgzEntry[]]>([
    ["a .. entry", [{ name: "../escaped.txt", content: "x" }]],
    ["a nested .. entry", [{ name: "a/../../escaped.txt", content: "x" }]],
    ["an absolute path", [{ name: "/tmp/escaped.txt", content: "x" }]],
    ["a symlink pointing out", [{ name: "out", type: "symlink", linkname: "../../etc" }]],
    ["an absolute symlink", [{ name: "out", type: "symlink", linkname: "/etc/passwd" }]],
    ["a hard link to outside", [{ name: "h", type: "link", linkname: "../escaped.txt" }]],
    [
      "a write through a chain of links that leads out",
      [
        { name: "y", type: "symlink", linkname: "." },
        { name: "x", type: "symlink", linkname: "y/.." },
        { name: "x/escaped.txt", content: "x" },
      ],
    ],
  ])("refuses %s", async (_what, entries) => {
    await expect(extractFromBuffer(await makeTgz(entries))).rejects.toThrow(/^Refusing tarball entry/);
    expect(existsSync(join(scratch, "escaped.txt"))).toBe(false);
  });

  test("a file entry replaces a symlink instead of writing through it", async () => {
    const outside = join(scratch, "victim.txt");
    writeFileSync(outside, "original");
    mkdirSync(dest);
    symlinkSync(outside, join(dest, "f"));
    await extractFromBuffer(await makeTgz([{ name: "f", content: "new" }]));
    expect(readFileSync(outside, "utf8")).toBe("original");
    expect(readFileSync(join(dest, "f"), "utf8")).toBe("new");
  });

  test("with allowSymlinksOut, links may point anywhere but are still never written through", async () => {
    const file = join(scratch, "in.tgz");
    writeFileSync(
      file,
      await makeTgz([
        { name: "python3", type: "symlink", linkname: "/usr/bin/python3" },
        { name: "up", type: "symlink", linkname: ".." },
      ]),
    );
    await extractTarball(file, dest, { allowSymlinksOut: true });
    expect(readlinkSync(join(dest, "python3"))).toBe("/usr/bin/python3");
    writeFileSync(file, await makeTgz([{ name: "up/escaped.txt", content: "x" }]));
    await expect(extractTarball(file, dest, { allowSymlinksOut: true })).rejects.toThrow(/leads outside/);
    expect(existsSync(join(scratch, "escaped.txt"))).toBe(false);
  });

  test("a corrupt tarball is a BuildError", async () => {
    await expect(extractFromBuffer(Buffer.from("not a tarball"))).rejects.toThrow(BuildError);
  });
});

describe("packSlug", () => {
  test("stores ./ entries with modes and links, never following a link out of the app", async () => {
    const app = join(scratch, "app");
    mkdirSync(join(app, "bin"), { recursive: true });
    writeFileSync(join(app, "bin/run"), "#!/bin/sh\n");
    chmodSync(join(app, "bin/run"), 0o750);
    writeFileSync(join(scratch, "secret"), "do not pack me");
    symlinkSync(join(scratch, "secret"), join(app, "escape"));
    symlinkSync(scratch, join(app, "escape-dir"));
    const slug = join(scratch, "slug.tgz");
    const bytes = await packSlug(app, slug, 1024 * 1024);
    expect(bytes).toBe(lstatSync(slug).size);
    const listing = await listTarball(slug);
    expect(listing.map((e) => e.name).sort()).toEqual(["./", "./bin/", "./bin/run", "./escape", "./escape-dir"]);
    const byName = Object.fromEntries(listing.map((e) => [e.name, e]));
    expect(byName["./bin/run"]!.mode & 0o777).toBe(0o750);
    expect(byName["./escape"]).toMatchObject({ type: "symlink", linkname: join(scratch, "secret") });
    expect(byName["./escape-dir"]!.type).toBe("symlink");
    expect(readFileSync(slug).includes("do not pack me")).toBe(false);
  });

  test("stops at the maximum size and removes the partial slug", async () => {
    const app = join(scratch, "app");
    mkdirSync(app);
    writeFileSync(join(app, "random.bin"), crypto.getRandomValues(new Uint8Array(64 * 1024)));
    const slug = join(scratch, "slug.tgz");
    await expect(packSlug(app, slug, 16 * 1024)).rejects.toThrow(/is too large \(max is/);
    expect(existsSync(slug)).toBe(false);
  });
});
