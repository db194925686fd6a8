import { describe, expect, test } from "bun:test";
import { appIds, checkSandboxName, descendantsOf, envScript, hostAccounts, hostPathOf, launcherArgv, mountTable, withAppAccount } from "../../src/sandbox/plan.ts";

describe("appIds", () => {
  test("is deterministic, distinct per app and never root or a low host id", () => {
    expect(appIds(1)).toEqual(appIds(1));
    expect(appIds(1).uid).not.toBe(appIds(2).uid);
    expect(appIds(1).uid).toBeGreaterThanOrEqual(200_000);
  });
  test("rejects numbers that are not app numbers", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => appIds(bad)).toThrow();
  });
});

describe("checkSandboxName", () => {
  test("accepts hostname-like names and rejects the rest", () => {
    expect(() => checkSandboxName("myapp-web-1-3f9a")).not.toThrow();
    for (const bad of ["", "-x", "UPPER", "a/b", "a b", "..", "x".repeat(64)]) expect(() => checkSandboxName(bad)).toThrow();
  });
});

describe("envScript", () => {
  test("round-trips awkward values through a real shell", async () => {
    const env = { QUOTE: "it's \"quoted\" $HOME `x` \\n", NEWLINE: "a\nb", EMPTY: "" };
    const script = `${envScript(env)}printf '%s|' "$QUOTE" "$NEWLINE" "$EMPTY"`;
    const proc = Bun.spawn(["/bin/sh", "-c", script], { env: {}, stdout: "pipe" });
    expect(await new Response(proc.stdout).text()).toBe(`${env.QUOTE}|${env.NEWLINE}||`);
  });
  test("rejects names a shell cannot export", () => {
    expect(() => envScript({ "A-B": "x" })).toThrow();
    expect(() => envScript({ "A=B": "x" })).toThrow();
  });
});

describe("mountTable", () => {
  const base = { root: "/r", stackDirs: ["/usr"], etcDir: "/e", devSkeleton: "/d", appDir: "/srv/my app", mounts: [] };
  test("binds the root read-only first, then the stack, /etc, /app, /tmp, /proc and /dev", () => {
    const targets = mountTable(base).trim().split("\n").map((line) => line.split(" ")[1]);
    expect(targets.slice(0, 7)).toEqual(["/r", "/r/usr", "/r/etc", "/r/app", "/r/tmp", "/r/proc", "/r/dev"]);
    expect(mountTable(base).split("\n")[0]).toContain("bind,ro,nosuid,nodev");
  });
  test("escapes blanks in paths so each line keeps six fields", () => {
    const app = mountTable(base).split("\n").find((line) => line.includes("/r/app"));
    expect(app).toStartWith("/srv/my\\040app /r/app ");
  });
  test("caps /tmp at tmpBytes and makes extra mounts read-only on request", () => {
    const table = mountTable({ ...base, tmpBytes: 1234, mounts: [{ hostPath: "/cache", sandboxPath: "/cache", readOnly: true }] });
    expect(table).toContain("tmpfs /r/tmp tmpfs size=1234,");
    expect(table).toContain("/cache /r/cache none bind,ro,");
  });
});

describe("launcherArgv", () => {
  const input = {
    mode: "root" as const, unsharePath: "/usr/bin/unshare", mountPath: "/usr/bin/mount", hostnamePath: "/usr/bin/hostname",
    setsidPath: "/usr/bin/setsid", name: "n", fstabPath: "/f", envPath: "/e", root: "/r", cwd: "/app", uid: 200001, gid: 200001, keepPwd: false,
    cgroupProcsFiles: ["/cg/a", "/cg/b"], argv: ["sh", "-c", "echo '$x'"],
  };
  test("passes argv through untouched, after the cgroup files", () => {
    const argv = launcherArgv(input);
    expect(argv.slice(-6)).toEqual(["/cg/a", "/cg/b", "--", "sh", "-c", "echo '$x'"]);
    expect(argv[0]).toBe("/usr/bin/unshare");
  });
  test("as root: no user namespace, drops to the app's ids, names the host through /proc", () => {
    const argv = launcherArgv(input);
    expect(argv).not.toContain("--user");
    expect(argv).toContain("--setuid=200001");
    expect(argv).not.toContain("/usr/bin/hostname");
    expect(argv).toContain("/usr/bin/setsid");
  });
  test("rootless: a user namespace mapped to root for the mounts, then the daemon's own ids, named by hostname", () => {
    const argv = launcherArgv({ ...input, mode: "user-namespace", uid: 1000, gid: 1001, cgroupProcsFiles: [] });
    expect(argv.slice(0, 4)).toEqual(["/usr/bin/unshare", "--user", "--map-root-user", "--mount"]);
    expect(argv).toContain("--map-user=1000");
    expect(argv).toContain("--map-group=1001");
    expect(argv.some((arg) => arg.startsWith("--setuid"))).toBe(false);
    expect(argv).toContain("/usr/bin/hostname");
    expect(argv).not.toContain("/usr/bin/setsid");
    expect(() => launcherArgv({ ...input, mode: "user-namespace", hostnamePath: null })).toThrow(/hostname/);
  });
});

describe("descendantsOf", () => {
  test("finds children, grandchildren and orphans re-parented below, but not the root or others", () => {
    const parents: [number, number][] = [[10, 1], [11, 10], [12, 11], [13, 11], [20, 1], [21, 20], [14, 12]];
    expect(descendantsOf(10, parents).sort()).toEqual([11, 12, 13, 14]);
    expect(descendantsOf(99, parents)).toEqual([]);
  });
  test("a cycle (pid reuse seen mid-scan) ends", () => {
    expect(descendantsOf(1, [[2, 1], [1, 2]])).toEqual([2]);
  });
});

describe("hostPathOf", () => {
  const binds = [{ hostPath: "/d/app", sandboxPath: "/app" }, { hostPath: "/d/cache", sandboxPath: "/app/cache" }, { hostPath: "/d/b", sandboxPath: "/tmp/build" }];
  test("maps a sandbox path or one below it to the host dir behind it, the deepest bind winning", () => {
    expect(hostPathOf("/app", binds)).toBe("/d/app");
    expect(hostPathOf("/app/bin/web", binds)).toBe("/d/app/bin/web");
    expect(hostPathOf("/app/cache/x", binds)).toBe("/d/cache/x");
    expect(hostPathOf("/tmp/build", binds)).toBe("/d/b");
  });
  test("leaves everything else alone", () => {
    expect(hostPathOf("/application", binds)).toBe("/application");
    expect(hostPathOf("/usr/bin", binds)).toBe("/usr/bin");
    expect(hostPathOf("web", binds)).toBe("web");
  });
});

describe("accounts", () => {
  test("host stack lists the app user with home /app and no host users", () => {
    const { passwd, group } = hostAccounts(200007, 200007);
    expect(passwd).toContain("u200007:x:200007:200007::/app:");
    expect(group).toContain("u200007:x:200007:");
    expect(passwd.split("\n").filter(Boolean)).toHaveLength(3);
  });
  test("a rootfs keeps its users, and an old line with the app's id is replaced", () => {
    const { passwd } = withAppAccount("root:x:0:0::/root:/bin/sh\nold:x:200007:1::/:/bin/sh\n", "root:x:0:\n", 200007, 200007);
    expect(passwd).toBe("root:x:0:0::/root:/bin/sh\nu200007:x:200007:200007::/app:/bin/sh\n");
  });
});
