// The bundled buildpacks end to end, with steps spawned straight on the host. Node needs the npm
// registry (reachable from CI); Python uses an empty requirements.txt because PyPI is not.
import { afterAll, expect, test } from "bun:test";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { BuildError } from "../../src/build/build-error.ts";
import { extractTarball } from "../../src/build/tarball-extract.ts";
import { scratchArea } from "./pipeline-helpers.ts";
import { listTarball } from "./tar-listing.ts";

const scratch = scratchArea();
afterAll(() => scratch.cleanup());

const names = async (slugPath: string) => (await listTarball(slugPath)).map((e) => e.name);

async function unpack(slugPath: string): Promise<string> {
  const dir = join(scratch.root, `run-${crypto.randomUUID()}`);
  await extractTarball(slugPath, dir, { allowSymlinksOut: true });
  return dir;
}

// Runs a command in an unpacked slug the way a dyno would: HOME is the app, .profile.d is sourced.
async function runInSlug(appDir: string, command: string): Promise<string> {
  const proc = Bun.spawn(["bash", "-c", `cd "$HOME" && for f in .profile.d/*.sh; do . "$f"; done; ${command}`], {
    env: { HOME: appDir, PATH: "/usr/bin:/bin" },
    stdout: "pipe",
    timeout: 20_000,
  });
  const out = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(0);
  return out;
}

test("a Node.js app: npm dependency installed, devDependencies pruned, cache used on the next build, slug runs", async () => {
  const app = scratch.app({
    "package.json": JSON.stringify({
      name: "hello",
      version: "1.0.0",
      scripts: { start: "node index.js", build: "node -e \"require('fs').writeFileSync('built.txt', process.env.NODE_ENV)\"" },
      engines: { node: "12.x" },
      dependencies: { ms: "2.1.3" },
      devDependencies: { "dev-tool": "file:./dev-tool" }, // a local package: no second download
    }),
    "dev-tool/package.json": JSON.stringify({ name: "dev-tool", version: "1.0.0" }),
    "index.js": "console.log(require('ms')(60000), process.env.NODE_ENV)",
    ".git/HEAD": "ref: refs/heads/main\n",
    ".slugignore": "*.psd\n",
    "design.psd": "big",
  });
  const cacheDir = join(scratch.root, "node-cache");
  const first = await scratch.build(app, { cacheDir });

  expect(first.lines).toContain("-----> Node.js app detected");
  expect(first.lines).toContain("       - node_modules (not cached - skipping)");
  expect(first.lines.some((l) => l.includes('asks for Node.js "12.x"'))).toBe(true);
  expect(first.lines).toContain("       Running build");
  expect(first.lines.join("\n")).toMatch(/Procfile declares types +-> \(none\)\n {7}Default types for buildpack -> web/);
  expect(first.lines.at(-1)).toMatch(/^-----> Compressing\.\.\. done, \d+K$/);
  expect(first.processTypes).toEqual({ web: "npm start" });
  expect(first.buildpacks).toEqual(["heroku/nodejs"]);

  const listing = await names(first.slugPath);
  expect(listing).toContain("./node_modules/ms/package.json");
  expect(listing).toContain("./.profile.d/nodejs.sh");
  expect(listing).toContain("./built.txt");
  expect(listing).not.toContain("./node_modules/dev-tool");
  expect(listing.some((n) => n.startsWith("./.git"))).toBe(false);
  expect(listing).not.toContain("./design.psd");

  const second = await scratch.build(app, { cacheDir });
  expect(second.lines).toContain("       - node_modules");
  expect(second.lines).not.toContain("       - node_modules (not cached - skipping)");

  const unpacked = await unpack(second.slugPath);
  expect(readFileSync(join(unpacked, "built.txt"), "utf8")).toBe("production");
  expect((await runInSlug(unpacked, "node index.js")).trim()).toBe("1m production");
}, 60_000);

test("a Python app: a virtualenv made for /app, and no default process types", async () => {
  const app = scratch.app({
    "requirements.txt": "",
    "app.py": "import sys; print('python', sys.prefix)\n",
    Procfile: "web: python app.py\n",
  });
  const built = await scratch.build(app);
  expect(built.lines).toContain("-----> Python app detected");
  expect(built.lines.join("\n")).toMatch(/Procfile declares types +-> web$/m);
  expect(built.lines.join("\n")).not.toContain("Default types for buildpack");
  expect(built.processTypes).toEqual({ web: "python app.py" });

  const listing = await names(built.slugPath);
  expect(listing).toContain("./.venv/bin/python");
  expect(listing).toContain("./.profile.d/python.sh");
  const unpacked = await unpack(built.slugPath);
  expect(readFileSync(join(unpacked, ".venv/bin/pip"), "utf8").split("\n")[0]).toBe("#!/app/.venv/bin/python3");
  expect(readFileSync(join(unpacked, ".venv/pyvenv.cfg"), "utf8")).not.toContain(built.workDir);
  // The venv's python runs from wherever the slug is unpacked (its libraries are found from pyvenv.cfg).
  expect(await runInSlug(unpacked, "python app.py")).toBe(`python ${join(unpacked, ".venv")}\n`);
}, 60_000);

test("a static site: a file server in the slug serves index, clean URLs and no dotfiles", async () => {
  const app = scratch.app({
    "static.json": JSON.stringify({ root: "public", clean_urls: true }),
    "public/index.html": "<h1>home</h1>",
    "public/about.html": "<h1>about</h1>",
  });
  const built = await scratch.build(app);
  expect(built.lines).toContain("-----> Static HTML app detected");
  expect(built.processTypes).toEqual({ web: "node /app/.static/server.js" });
  expect(await names(built.slugPath)).toContain("./.static/server.js");

  const unpacked = await unpack(built.slugPath);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = Bun.spawn(["node", join(unpacked, ".static/server.js")], {
    env: { PORT: String(port), PATH: "/usr/bin:/bin" },
    stdout: "pipe",
  });
  try {
    const reader = server.stdout.getReader();
    await reader.read(); // "Serving … on port …" once it listens
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    expect(await (await get("/")).text()).toBe("<h1>home</h1>");
    expect(await (await get("/about")).text()).toBe("<h1>about</h1>");
    expect((await get("/../static.json")).status).toBe(404);
    expect((await get("/missing")).status).toBe(404);
  } finally {
    server.kill("SIGKILL");
    await server.exited;
  }
}, 30_000);

test("a Procfile-only app compiles to itself", async () => {
  const app = scratch.app({ Procfile: "worker: ./work.sh\n", "work.sh": "+x #!/bin/sh\necho working\n" });
  const built = await scratch.build(app, { limits: { slugWarnBytes: 10 } });
  expect(built.lines).toContain("-----> Procfile app detected");
  expect(built.lines.join("\n")).toMatch(/Procfile declares types +-> worker$/m);
  expect(built.lines.at(-1)).toMatch(/Warning: Your slug size \(\d+K\) exceeds our soft limit/);
  expect(built.processTypes).toEqual({ worker: "./work.sh" });
  const listing = await listTarball(built.slugPath);
  expect(listing.find((e) => e.name === "./work.sh")!.mode & 0o111).not.toBe(0);
});

test("nothing detected: Heroku's message", async () => {
  const app = scratch.app({ "README.md": "just words" });
  const attempt = scratch.build(app);
  await expect(attempt).rejects.toThrow(BuildError);
  await expect(attempt).rejects.toThrow(/^No default language could be detected for this app\.$/);
});

test.skipIf(Bun.which("go") !== null)("a Go app on a stack without Go fails clearly", async () => {
  const app = scratch.app({ "go.mod": "module example.com/hello\n" });
  const error = await scratch.build(app).catch((e) => e);
  expect(error).toBeInstanceOf(BuildError);
  expect(error.message).toBe("Push rejected, failed to compile Go app.");
  expect(error.outputTail).toContain(" !     This stack has no Go toolchain");
});

test("a Procfile linking out of the app is refused, not read", async () => {
  const app = scratch.app({ "work.sh": "x" });
  symlinkSync("/etc/passwd", join(app, "Procfile"));
  const error = await scratch.build(app).catch((e) => e);
  expect(error).toBeInstanceOf(BuildError);
  expect(error.message).toBe("Procfile is a link that leads outside the app.");
});

test("a Procfile with a bad line fails the build", async () => {
  const app = scratch.app({ Procfile: "web node server.js\n" });
  await expect(scratch.build(app)).rejects.toThrow(/Procfile line 1/);
});
