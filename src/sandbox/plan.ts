/**
 * Pure decisions of the sandbox: names, ids, the mount table and the launcher's argv.
 * No I/O here, so all of it is unit-tested without root.
 */
import type { SandboxMount, TerminalSize } from "./types.ts";

/** The value builds and dynos put in STACK for the host stack. */
export const HOST_STACK_NAME = "slipway-host";

const APP_UID_BASE = 200_000;
const MAX_APP_NUMBER = 1_000_000;
const DEFAULT_TMP_BYTES = 256 * 1024 * 1024;
/** /dev/shm gets its own tmpfs; Docker's default size is a sane cap. */
const MAX_SHM_BYTES = 64 * 1024 * 1024;

export class SandboxError extends Error {
  override name = "SandboxError";
}

/** Per-app ids: deterministic, never 0, above the ranges Debian hands to people and services. */
export function appIds(appNumber: number): { uid: number; gid: number } {
  if (!Number.isInteger(appNumber) || appNumber < 1 || appNumber > MAX_APP_NUMBER) {
    throw new SandboxError(`app number must be an integer in 1..${MAX_APP_NUMBER}, got ${appNumber}`);
  }
  return { uid: APP_UID_BASE + appNumber, gid: APP_UID_BASE + appNumber };
}

/** The sandbox name is a directory name, a cgroup name and a hostname label at once. */
export function checkSandboxName(name: string): void {
  if (!/^[a-z0-9][a-z0-9.-]{0,62}$/.test(name)) {
    throw new SandboxError(`invalid sandbox name ${JSON.stringify(name)}: use 1-63 of [a-z0-9.-], starting with a letter or digit`);
  }
}

export function checkSandboxPath(path: string, what: string): void {
  if (!path.startsWith("/") || path.split("/").includes("..") || path.includes("\0")) {
    throw new SandboxError(`${what} must be an absolute path without "..": ${JSON.stringify(path)}`);
  }
}

const MAX_TERMINAL_SIDE = 10_000;

/** A terminal size from a client's numbers, or null when they are not one. */
export function terminalSize(cols: unknown, rows: unknown): TerminalSize | null {
  const side = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) <= MAX_TERMINAL_SIDE;
  return side(cols) && side(rows) ? { cols, rows } : null;
}

/** A shell file of `export` lines, sourced by the sandbox's init after it dropped root. */
export function envScript(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new SandboxError(`invalid environment variable name ${JSON.stringify(key)}`);
      if (value.includes("\0")) throw new SandboxError(`environment variable ${key} contains a NUL byte`);
      return `export ${key}='${value.replaceAll("'", `'\\''`)}'\n`;
    })
    .join("");
}

/** fstab fields are separated by blanks; libmount reads octal escapes back. */
function fstabField(value: string): string {
  return value.replace(/[\s\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

export interface MountTableInput {
  /** The stack's skeleton root: mount points, symlinks; bound read-only onto itself. */
  root: string;
  /** Host directories bound read-only at the same place in the root (host stack: /usr …). */
  stackDirs: string[];
  etcDir: string;
  devSkeleton: string;
  appDir: string;
  mounts: SandboxMount[];
  tmpBytes?: number;
}

const DEVICES = ["null", "zero", "full", "random", "urandom", "tty"];

/**
 * The mounts made inside the sandbox's own mount namespace, in order. Made there by one
 * `mount -a`, so they vanish with the namespace and nothing is left in the host's table.
 */
export function mountTable(input: MountTableInput): string {
  const { root } = input;
  const tmpBytes = input.tmpBytes ?? DEFAULT_TMP_BYTES;
  const shmBytes = Math.min(tmpBytes, MAX_SHM_BYTES);
  const at = (path: string) => `${root}${path}`;
  const lines: [string, string, string, string][] = [
    [root, root, "none", "bind,ro,nosuid,nodev"],
    ...input.stackDirs.map((dir): [string, string, string, string] => [dir, at(dir), "none", "bind,ro,nosuid,nodev"]),
    [input.etcDir, at("/etc"), "none", "bind,ro,nosuid,nodev"],
    [input.appDir, at("/app"), "none", "bind,nosuid,nodev"],
    ["tmpfs", at("/tmp"), "tmpfs", `size=${tmpBytes},mode=1777,nosuid,nodev`],
    ["proc", at("/proc"), "proc", "nosuid,nodev,noexec"],
    [input.devSkeleton, at("/dev"), "none", "bind,ro,nosuid"],
    ...DEVICES.map((dev): [string, string, string, string] => [`/dev/${dev}`, at(`/dev/${dev}`), "none", "bind,nosuid"]),
    ["devpts", at("/dev/pts"), "devpts", "newinstance,ptmxmode=0666,mode=0620,nosuid,noexec"],
    ["tmpfs", at("/dev/shm"), "tmpfs", `size=${shmBytes},mode=1777,nosuid,nodev`],
    ...input.mounts.map((m): [string, string, string, string] => [
      m.hostPath,
      at(m.sandboxPath),
      "none",
      `bind,${m.readOnly ? "ro," : ""}nosuid,nodev,X-mount.mkdir`,
    ]),
  ];
  return lines.map((fields) => `${fields.map(fstabField).join(" ")} 0 0\n`).join("");
}

/** The device nodes the dev skeleton needs as (empty file) mount points. */
export const DEVICE_NAMES: readonly string[] = DEVICES;

/**
 * Runs as the app's uid, as PID 1 of the sandbox: sources the environment from fd 3, then runs
 * argv as its child. A command substitution (not `&`) so argv keeps SIGINT and stdin; dash
 * reaps orphans while it waits, and exits with argv's status (128+n when killed by signal n).
 * `sh -c` would exit 130 on SIGINT itself; a no-op trap leaves ^C to argv, which gets it unaltered.
 */
const INIT_SCRIPT = `. /dev/fd/3 && exec 3<&- || exit 125
[ "$1" = keep-pwd ] || unset PWD
shift
trap : INT
exec 3>&1
status=$("$@" >&3 3>&-)
exit $?`;

/**
 * Runs as (namespace) root, as PID 1 of the new namespaces, before anything else: joins the cgroups
 * (so no child escapes them), names the host, mounts the root, then chroots and becomes the app's
 * user through unshare. Its own environment is empty: the app's never reaches root.
 * On a terminal it takes the terminal's session over from the launcher outside (`setsid --ctty`),
 * so ^C signals what runs in here (where init ignores it), never the launcher.
 */
const LAUNCH_SCRIPT = `name=$1 fstab=$2 envfile=$3 root=$4 cwd=$5 become_group=$6 become_user=$7 pwd_mode=$8 unshare=$9
shift 9
mount=$1 sethost=$2 setsid=$3 init=$4
shift 4
while [ "$1" != -- ]; do echo 0 > "$1" || exit 125; shift; done
shift
if [ -n "$sethost" ]; then "$sethost" "$name"; else echo "$name" > /proc/sys/kernel/hostname; fi || exit 125
"$mount" -a -T "$fstab" || exit 125
exec 3< "$envfile"
[ -t 0 ] && [ -n "$setsid" ] || setsid=
exec $setsid \${setsid:+--ctty} "$unshare" --root="$root" --wd="$cwd" "$become_group" "$become_user" -- /bin/sh -c "$init" slipway-init "$pwd_mode" "$@"`;

/**
 * `root`: the daemon is root; the sandbox drops to the app's own ids.
 * `user-namespace`: the daemon is not root; an unprivileged user namespace maps it to root for the
 * mounts, and a nested one maps the app back to the daemon's own ids (uid/gid are the daemon's),
 * so the app holds no capability over its mounts.
 */
export type SandboxMode = "root" | "user-namespace";

export interface LaunchInput {
  mode: SandboxMode;
  unsharePath: string;
  mountPath: string;
  /** `hostname`: a user namespace may set its hostname but not write /proc/sys. Unused as root. */
  hostnamePath: string | null;
  /** `setsid`, to hand a terminal to the sandbox; only root may take it from the launcher's session. */
  setsidPath: string | null;
  name: string;
  fstabPath: string;
  envPath: string;
  root: string;
  cwd: string;
  uid: number;
  gid: number;
  /** Keep PWD only when the caller put it in env: dash sets it otherwise. */
  keepPwd: boolean;
  cgroupProcsFiles: string[];
  argv: string[];
}

export function launcherArgv(input: LaunchInput): string[] {
  const rootless = input.mode === "user-namespace";
  if (rootless && !input.hostnamePath) throw new SandboxError("a rootless sandbox needs the hostname command");
  const become = rootless
    ? [`--map-group=${input.gid}`, `--map-user=${input.uid}`]
    : [`--setgid=${input.gid}`, `--setuid=${input.uid}`];
  return [
    input.unsharePath, ...(rootless ? ["--user", "--map-root-user"] : []), "--mount", "--uts", "--ipc", "--pid", "--fork", "--kill-child", "--",
    "/bin/sh", "-c", LAUNCH_SCRIPT, "slipway-launch",
    input.name, input.fstabPath, input.envPath, input.root, input.cwd,
    ...become, input.keepPwd ? "keep-pwd" : "unset-pwd", input.unsharePath,
    input.mountPath, rootless ? (input.hostnamePath ?? "") : "", rootless ? "" : (input.setsidPath ?? ""), INIT_SCRIPT,
    ...input.cgroupProcsFiles, "--",
    ...input.argv,
  ];
}

/** Every process below root (not root itself), from (pid, parent pid) pairs. */
export function descendantsOf(root: number, parents: Iterable<[number, number]>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  const found = new Set<number>([root]);
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      if (found.has(child)) continue;
      found.add(child);
      queue.push(child);
    }
  }
  found.delete(root);
  return [...found];
}

/**
 * Without any isolation the sandbox's paths do not exist: a value naming /app or a mount (or a
 * path below one) is rewritten to the host directory behind it, the deepest mount winning.
 */
export function hostPathOf(value: string, binds: Pick<SandboxMount, "hostPath" | "sandboxPath">[]): string {
  const bind = binds
    .filter((b) => value === b.sandboxPath || value.startsWith(`${b.sandboxPath}/`))
    .sort((a, b) => b.sandboxPath.length - a.sandboxPath.length)[0];
  return bind ? `${bind.hostPath}${value.slice(bind.sandboxPath.length)}` : value;
}

/** The app user's lines; named like Heroku's dyno users. */
export function appUserName(uid: number): string {
  return `u${uid}`;
}

/** passwd/group of the host stack: root, nobody and the app user with home /app. */
export function hostAccounts(uid: number, gid: number): { passwd: string; group: string } {
  const user = appUserName(uid);
  return {
    passwd:
      "root:x:0:0:root:/root:/usr/sbin/nologin\n" +
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" +
      `${user}:x:${uid}:${gid}::/app:/bin/bash\n`,
    group: "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n" + `${user}:x:${gid}:\n`,
  };
}

/** A rootfs's own passwd/group with the app user put in (replacing any line with its name or id). */
export function withAppAccount(passwd: string, group: string, uid: number, gid: number): { passwd: string; group: string } {
  const user = appUserName(uid);
  const keep = (text: string, id: number) =>
    text
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith(`${user}:`) && line.split(":")[2] !== String(id))
      .map((line) => `${line}\n`)
      .join("");
  return {
    passwd: `${keep(passwd, uid)}${user}:x:${uid}:${gid}::/app:/bin/sh\n`,
    group: `${keep(group, gid)}${user}:x:${gid}:\n`,
  };
}
