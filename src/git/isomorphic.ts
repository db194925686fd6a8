// isomorphic-git, loaded on first use: it is large, and an idle server should not carry it. Every
// isomorphic-git command returns a promise, so a stand-in that loads the module, then calls through,
// keeps the call sites as they are. Only commands go through it: tell errors apart by their `code`.
type IsomorphicGit = typeof import("isomorphic-git").default;

let loaded: Promise<IsomorphicGit> | null = null;
const load = () => (loaded ??= import("isomorphic-git").then((m) => m.default));

export const git = new Proxy({} as IsomorphicGit, {
  get: (_, command: string) => (...args: unknown[]) =>
    load().then((module) => (module[command as keyof IsomorphicGit] as (...a: unknown[]) => unknown)(...args)),
});
