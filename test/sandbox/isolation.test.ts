/** What a process inside a sandbox can see and do (real namespaces; needs root). */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { platformRunDir } from "../../src/sandbox/index.ts";
import { appOwnedDir, cleanupAll, finish, ids, isRoot, readableDir, run, start, tempDir, waitForOutput } from "./helpers.ts";

afterAll(cleanupAll);

describe.skipIf(!isRoot)("sandbox isolation", () => {
  test("runs as the app's uid, as a small pid in its own PID namespace, named by its hostname", async () => {
    const script = "console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), pid: process.pid, host: require('os').hostname() }))";
    const sandbox = await start({ argv: ["node", "-e", script] });
    const { out, status } = await finish(sandbox);
    expect(status).toBe(0);
    const seen = JSON.parse(out);
    expect(seen.uid).toBe(ids.uid);
    expect(seen.gid).toBe(ids.gid);
    expect(seen.pid).toBeLessThan(10);
    expect(seen.host).toMatch(/^sbt-/);
  });

  test("/app is the app dir, writable; /usr is read-only", async () => {
    const appDir = appOwnedDir("app");
    const { out } = await run({
      appDir,
      argv: ["sh", "-c", "echo made-inside > /app/note.txt && echo app-ok; touch /usr/x 2>/dev/null || echo usr-ro; touch /x 2>/dev/null || echo root-ro"],
    });
    expect(out).toBe("app-ok\nusr-ro\nroot-ro\n");
    expect(readFileSync(join(appDir, "note.txt"), "utf8")).toBe("made-inside\n");
  });

  test("the host's /root, the platform home, another app's dir and host secrets are not there", async () => {
    const platformHome = tempDir("home", "/var/tmp");
    const otherApp = tempDir("other-app", "/var/tmp");
    writeFileSync(join(otherApp, "secret"), "x");
    const paths = ["/root", "/home", "/var/lib", platformHome, otherApp, join(otherApp, "secret"), "/etc/shadow", "/etc/ssl/private", "/run"];
    const { out, status } = await run({ argv: ["sh", "-c", 'for p in "$@"; do [ -e "$p" ] && echo "visible: $p"; done; exit 0', "sh", ...paths] });
    expect(status).toBe(0);
    expect(out).toBe("");
  });

  test("/etc/passwd lists the app user with home /app, and not the host's users", async () => {
    const { out } = await run({ argv: ["sh", "-c", "cat /etc/passwd; id -un"] });
    expect(out).toContain(`:${ids.uid}:${ids.gid}::/app:`);
    expect(out.trim().split("\n").at(-1)).toBe(`u${ids.uid}`);
    const hostUsers = readFileSync("/etc/passwd", "utf8").split("\n").map((line) => line.split(":")[0]).filter((u) => u && !["root", "nobody"].includes(u));
    for (const user of hostUsers) expect(out).not.toContain(`\n${user}:`);
  });

  test("cannot kill its own init nor see or signal a host process", async () => {
    const { out, status } = await run({
      argv: ["sh", "-c", 'kill -9 1; sleep 0.2; echo init-survived; kill -0 "$1" 2>/dev/null && echo host-reachable; echo done', "sh", String(process.pid)],
    });
    expect(out).toBe("init-survived\ndone\n");
    expect(status).toBe(0);
  });

  test("the environment is exactly the one given", async () => {
    process.env.SLIPWAY_TEST_LEAK = "should-not-appear";
    const { out } = await run({ env: { PATH: "/usr/bin:/bin", GREETING: "it's a \"test\"\nline two" }, argv: ["env", "-0"] });
    delete process.env.SLIPWAY_TEST_LEAK;
    expect(out.split("\0").filter(Boolean).sort()).toEqual(["GREETING=it's a \"test\"\nline two", "PATH=/usr/bin:/bin"]);
  });

  test("/tmp is private and capped at tmpBytes", async () => {
    const hostFile = join(tempDir("host-tmp"), "host-only");
    writeFileSync(hostFile, "x");
    const { out } = await run({
      limits: { memoryBytes: 256 * 1024 * 1024, pids: 64, tmpBytes: 1024 * 1024 },
      argv: ["sh", "-c", 'ls -A /tmp; [ -e "$1" ] && echo host-tmp-visible; head -c 3000000 /dev/zero > /tmp/big 2>/dev/null || echo tmp-full', "sh", hostFile],
    });
    expect(out).toBe("tmp-full\n");
  });

  test("exit codes propagate, and a signal death reads as 128+signal", async () => {
    expect((await run({ argv: ["sh", "-c", "exit 42"] })).status).toBe(42);
    expect((await run({ argv: ["sh", "-c", "kill -TERM $$"] })).status).toBe(143);
    expect((await run({ argv: ["no-such-command"] })).status).toBe(127);
  });

  test("the command keeps default signal dispositions and a pipe on stdin", async () => {
    const sandbox = await start({ stdin: "pipe", argv: ["sh", "-c", "grep SigIgn /proc/self/status; cat"] });
    sandbox.stdin?.write("from stdin\n");
    await sandbox.stdin?.end();
    const { out } = await finish(sandbox);
    expect(out).toBe("SigIgn:\t0000000000000000\nfrom stdin\n");
  });

  test("extra mounts are read-only or read-write as asked", async () => {
    const readOnly = readableDir("ro");
    const readWrite = appOwnedDir("rw");
    writeFileSync(join(readOnly, "given"), "from host\n");
    const { out } = await run({
      mounts: [
        { hostPath: readOnly, sandboxPath: "/buildpack", readOnly: true },
        { hostPath: readWrite, sandboxPath: "/tmp/cache", readOnly: false },
      ],
      argv: ["sh", "-c", "cat /buildpack/given; touch /buildpack/x 2>/dev/null || echo ro-refused; echo kept > /tmp/cache/out && echo rw-ok"],
    });
    expect(out).toBe("from host\nro-refused\nrw-ok\n");
    expect(readFileSync(join(readWrite, "out"), "utf8")).toBe("kept\n");
  });

  test("tools of the host stack work: node, python3, bash, git, curl, openssl", async () => {
    const { out, err, status } = await run({
      argv: ["bash", "-c", "node -e 'console.log(1+1)' && python3 -c 'print(3)' && git --version >/dev/null && curl --version >/dev/null && openssl version >/dev/null && echo tools-ok"],
    });
    expect(err).toBe("");
    expect({ out, status }).toEqual({ out: "2\n3\ntools-ok\n", status: 0 });
  });

  test("a rootfs stack brings its own /usr and /etc, with the app user added", async () => {
    const rootfs = readableDir("rootfs");
    mkdirSync(join(rootfs, "bin"), { recursive: true });
    mkdirSync(join(rootfs, "etc"), { recursive: true });
    writeFileSync(join(rootfs, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    writeFileSync(join(rootfs, "etc", "marker"), "rootfs etc\n");
    copyFileSync("/bin/dash", join(rootfs, "bin", "sh"));
    const ldd = await new Response(Bun.spawn(["ldd", "/bin/dash"], { stdout: "pipe" }).stdout).text();
    for (const lib of ldd.match(/\/\S+/g) ?? []) {
      mkdirSync(join(rootfs, dirname(lib)), { recursive: true });
      copyFileSync(lib, join(rootfs, lib));
    }
    const stacksDir = join(platformRunDir(), "stacks");
    const stacksBefore = new Set(readdirSync(stacksDir));
    const { out, err, status } = await run({
      stack: { kind: "rootfs", path: rootfs },
      argv: ["/bin/sh", "-c", 'while read -r line; do echo "$line"; done < /etc/marker; while read -r line; do echo "$line"; done < /etc/passwd; [ -e /usr/bin/node ] || echo no-host-node'],
    });
    for (const made of readdirSync(stacksDir).filter((dir) => !stacksBefore.has(dir))) rmSync(join(stacksDir, made), { recursive: true });
    expect({ err, status }).toEqual({ err: "", status: 0 });
    expect(out).toBe(`rootfs etc\nroot:x:0:0:root:/root:/bin/sh\nu${ids.uid}:x:${ids.uid}:${ids.gid}::/app:/bin/sh\nno-host-node\n`);
  });

  test("output streams while the command runs", async () => {
    const sandbox = await start({ argv: ["sh", "-c", "echo first; sleep 30"] });
    expect(await waitForOutput(sandbox.stdout, "first\n")).toBe("first\n");
    await sandbox.destroy();
    expect(existsSync(`/proc/${sandbox.pid}`)).toBe(false);
  });
});
