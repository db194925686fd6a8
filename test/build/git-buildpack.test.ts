// A buildpack from a git URL with #ref, served by `git http-backend` (the real smart-HTTP server) on localhost.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { scratchArea, writeTree } from "./pipeline-helpers.ts";

const scratch = scratchArea();
let server: ReturnType<typeof Bun.serve>;
const reposDir = join(scratch.root, "repos");

function git(cwd: string, ...args: string[]): void {
  const result = Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@e", ...args], { cwd, timeout: 10_000 });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`);
}

// CGI: the request becomes env + stdin; the answer is headers, a blank line, then the body.
async function httpBackend(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const proc = Bun.spawn(["git", "http-backend"], {
    env: {
      GIT_PROJECT_ROOT: reposDir,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: request.method,
      CONTENT_TYPE: request.headers.get("content-type") ?? "",
      PATH: "/usr/bin:/bin",
    },
    stdin: new Uint8Array(await request.arrayBuffer()),
    stdout: "pipe",
    timeout: 10_000,
  });
  const output = Buffer.from(await new Response(proc.stdout).arrayBuffer());
  await proc.exited;
  const split = output.indexOf("\r\n\r\n");
  const headers = new Headers();
  let status = 200;
  for (const line of output.subarray(0, split).toString().split("\r\n")) {
    const [name, ...rest] = line.split(":");
    if (name?.toLowerCase() === "status") status = Number.parseInt(rest.join(":").trim(), 10);
    else if (name) headers.set(name, rest.join(":").trim());
  }
  return new Response(output.subarray(split + 4), { status, headers });
}

beforeAll(() => {
  const repo = writeTree(join(reposDir, "bp.git"), {
    "bin/detect": "+x #!/bin/sh\necho Git-Fetched\n",
    "bin/compile": "+x #!/bin/sh\necho '       compiled from the main branch'\n",
  });
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", "one");
  git(repo, "checkout", "-q", "-b", "v2");
  writeTree(repo, { "bin/compile": "+x #!/bin/sh\necho '       compiled from v2'\n" });
  git(repo, "commit", "-q", "-am", "two");
  git(repo, "checkout", "-q", "main");
  server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: httpBackend });
});
afterAll(() => {
  server?.stop(true);
  scratch.cleanup();
});

test("a git buildpack is cloned at its default branch, or at the #ref asked for", async () => {
  const url = `http://127.0.0.1:${server.port}/bp.git`;
  const app = scratch.app({ "a.txt": "x" });
  const onMain = await scratch.build(app, { buildpacks: [url] });
  expect(onMain.lines).toContain("-----> Fetching custom git buildpack... done");
  expect(onMain.lines).toContain("-----> Git-Fetched app detected");
  expect(onMain.lines).toContain("       compiled from the main branch");
  expect(onMain.buildpacks).toEqual([url]);

  const onV2 = await scratch.build(app, { buildpacks: [`${url}#v2`] });
  expect(onV2.lines).toContain("       compiled from v2");
});
