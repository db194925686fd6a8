/**
 * The stack side of a sandbox root, prepared once per stack (and per app uid for /etc) under
 * the platform's run dir, so starting a sandbox only has to mount things, never copy them.
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { platformRunDir } from "./host.ts";
import { DEVICE_NAMES, hostAccounts, withAppAccount } from "./plan.ts";
import type { Stack } from "./types.ts";

export interface PreparedStack {
  /** The skeleton root the sandbox chroots into. */
  root: string;
  /** Host directories bound read-only at the same path inside (host stack only). */
  stackDirs: string[];
  etcDir: string;
  devSkeleton: string;
}

/** Top-level host entries of the host stack: real dirs are bound, symlinks (merged /usr) copied. */
const HOST_SYSTEM_ENTRIES = ["usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32"];
/** Mount points every root needs. */
const ROOT_DIRS = ["app", "tmp", "proc", "dev", "etc"];
/**
 * The curated host /etc: name resolution, TLS roots, the dynamic linker, time zone, MIME types and
 * alternatives — enough for node, python3, bash, npm, git, curl and openssl; no secrets.
 */
const HOST_ETC_ENTRIES = [
  "resolv.conf", "hosts", "host.conf", "nsswitch.conf", "gai.conf", "protocols", "services", "networks",
  "ssl", "ca-certificates.conf", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone",
  "mime.types", "alternatives", "os-release", "debian_version", "lsb-release", "bash.bashrc", "profile",
  "inputrc", "shells", "magic", "magic.mime", "terminfo",
];
/** Never copied, wherever they appear. */
const SECRET_NAMES = new Set(["private", "shadow", "shadow-", "gshadow", "gshadow-", "subuid", "subgid", "sudoers", "sudoers.d", "ssh", "machine-id"]);

function ensureDir(path: string, mode = 0o755): void {
  mkdirSync(path, { recursive: true, mode });
}

function ensureSymlink(target: string, path: string): void {
  if (existsSync(path) || isSymlink(path)) {
    if (isSymlink(path) && readlinkSync(path) === target) return;
    unlinkSync(path);
  }
  symlinkSync(target, path);
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Copies a tree keeping symlinks as they are (they resolve inside the sandbox's root). */
function copyTree(from: string, to: string): void {
  const stat = lstatSync(from);
  if (stat.isSymbolicLink()) {
    ensureSymlink(readlinkSync(from), to);
  } else if (stat.isDirectory()) {
    ensureDir(to);
    for (const entry of readdirSync(from)) {
      if (!SECRET_NAMES.has(entry)) copyTree(join(from, entry), join(to, entry));
    }
  } else if (stat.isFile()) {
    copyFileSync(from, to);
  }
}

/** A host /etc entry: a link into /usr stays a link; one elsewhere (e.g. /run) is copied as what it points at. */
function copyHostEtcEntry(name: string, etcDir: string): void {
  const from = join("/etc", name);
  if (!existsSync(from)) return;
  const to = join(etcDir, name);
  if (isSymlink(from) && !realpathSync(from).startsWith("/usr/")) {
    if (isSymlink(to)) unlinkSync(to);
    copyTree(realpathSync(from), to);
  } else {
    copyTree(from, to);
  }
}

function hostPythonEtcDirs(): string[] {
  return readdirSync("/etc").filter((name) => /^python3(\.\d+)?$/.test(name));
}

function prepareDevSkeleton(): string {
  const dev = join(platformRunDir(), "dev");
  ensureDir(join(dev, "pts"));
  ensureDir(join(dev, "shm"));
  for (const name of DEVICE_NAMES) {
    if (!existsSync(join(dev, name))) writeFileSync(join(dev, name), "");
  }
  ensureSymlink("pts/ptmx", join(dev, "ptmx"));
  ensureSymlink("/proc/self/fd", join(dev, "fd"));
  ["stdin", "stdout", "stderr"].forEach((name, fd) => ensureSymlink(`/proc/self/fd/${fd}`, join(dev, name)));
  return dev;
}

function prepareHostRoot(): { root: string; stackDirs: string[] } {
  const root = join(platformRunDir(), "stacks", "host", "root");
  for (const dir of ROOT_DIRS) ensureDir(join(root, dir));
  const stackDirs: string[] = [];
  for (const name of HOST_SYSTEM_ENTRIES) {
    const hostPath = `/${name}`;
    if (isSymlink(hostPath)) ensureSymlink(readlinkSync(hostPath), join(root, name));
    else if (existsSync(hostPath)) {
      ensureDir(join(root, name));
      stackDirs.push(hostPath);
    }
  }
  return { root, stackDirs };
}

function prepareHostEtc(uid: number, gid: number): string {
  const etcDir = join(platformRunDir(), "stacks", "host", `etc-${uid}`);
  ensureDir(etcDir);
  for (const name of [...HOST_ETC_ENTRIES, ...hostPythonEtcDirs()]) copyHostEtcEntry(name, etcDir);
  const accounts = hostAccounts(uid, gid);
  writeFileSync(join(etcDir, "passwd"), accounts.passwd);
  writeFileSync(join(etcDir, "group"), accounts.group);
  return etcDir;
}

function prepareRootfsEtc(rootfs: string, uid: number, gid: number): string {
  const etcDir = join(platformRunDir(), "stacks", `rootfs-${Bun.hash(rootfs).toString(16)}`, `etc-${uid}`);
  copyTree(join(rootfs, "etc"), etcDir);
  const read = (name: string) => (existsSync(join(rootfs, "etc", name)) ? readFileSync(join(rootfs, "etc", name), "utf8") : "");
  const accounts = withAppAccount(read("passwd"), read("group"), uid, gid);
  writeFileSync(join(etcDir, "passwd"), accounts.passwd);
  writeFileSync(join(etcDir, "group"), accounts.group);
  return etcDir;
}

/** Directories that exist or are made inside the sandbox (tmpfs, /app) take mount points without touching the stack. */
function insideWritableMount(sandboxPath: string): boolean {
  return ["/tmp", "/app"].some((dir) => sandboxPath === dir || sandboxPath.startsWith(`${dir}/`));
}

/** Stacks already prepared by this process: their /etc is refreshed from the host once per daemon start. */
const prepared = new Map<string, PreparedStack>();

/** Root, /etc and /dev for one sandbox, plus the mount points of its extra mounts. */
export function prepareStack(stack: Stack, uid: number, gid: number, mountPoints: string[]): PreparedStack {
  const key = `${stack.kind === "host" ? "host" : stack.path}:${uid}:${gid}`;
  let ready = prepared.get(key);
  if (!ready) {
    const devSkeleton = prepareDevSkeleton();
    const base = stack.kind === "host" ? { ...prepareHostRoot(), etcDir: prepareHostEtc(uid, gid) } : prepareRootfs(stack.path, uid, gid);
    ready = { ...base, devSkeleton };
    prepared.set(key, ready);
  }
  for (const point of mountPoints) {
    if (!insideWritableMount(point)) ensureDir(join(ready.root, point));
  }
  return ready;
}

function prepareRootfs(rootfs: string, uid: number, gid: number): { root: string; stackDirs: string[]; etcDir: string } {
  if (!existsSync(join(rootfs, "bin", "sh"))) throw new Error(`rootfs stack ${rootfs} has no /bin/sh`);
  for (const dir of ROOT_DIRS) ensureDir(join(rootfs, dir));
  return { root: rootfs, stackDirs: [], etcDir: prepareRootfsEtc(rootfs, uid, gid) };
}
