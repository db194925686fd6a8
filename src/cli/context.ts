// What every CLI command needs: where the API is, the caller's token, the app in question, and output.
import { CliError, terminalOutput, type Output } from "./output.ts";
import { netrcPath, readNetrc } from "./netrc.ts";

export interface CliContext {
  env: Record<string, string | undefined>;
  output: Output;
  version: string;
  apiUrl: string;
  /** Calls the Platform API; throws a CliError with the API's message on failure. */
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  token(): string;
  /** The app from -a/--app, else from the git remote `slipway` (or `heroku`) of the current directory. */
  appName(flag: string | undefined): string;
}

export function apiHost(apiUrl: string): string {
  return new URL(apiUrl).hostname;
}

export function createContext(env: Record<string, string | undefined>, version: string): CliContext {
  const apiUrl = (env.SLIPWAY_URL ?? "http://127.0.0.1:7070").replace(/\/+$/, "");
  const output = terminalOutput(env);
  const token = () => {
    const fromEnv = env.SLIPWAY_TOKEN;
    if (fromEnv) return fromEnv;
    const entry = readNetrc(netrcPath(env)).find((e) => e.machine === apiHost(apiUrl));
    if (entry?.password) return entry.password;
    throw new CliError("Not logged in. Run slipway login, or set SLIPWAY_TOKEN.");
  };
  const api = async <T,>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          Accept: "application/vnd.heroku+json; version=3",
          Authorization: `Bearer ${token()}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`Could not reach the Slipway API at ${apiUrl}. Is \`slipway server\` running? (${(error as Error).message})`);
    }
    const text = await response.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!response.ok) {
      const message = (parsed as { message?: string } | undefined)?.message ?? `HTTP ${response.status}`;
      if (response.status === 401) throw new CliError(`${message}\nRun slipway login, or set SLIPWAY_TOKEN.`);
      throw new CliError(message);
    }
    return parsed as T;
  };
  const appName = (flag: string | undefined) => {
    if (flag) return flag;
    const fromRemote = appFromGitRemote();
    if (fromRemote) return fromRemote;
    throw new CliError("No app specified.\nUSAGE: slipway COMMAND --app APP_NAME");
  };
  return { env, output, version, apiUrl, api, token, appName };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}

export function appNameFromGitUrl(url: string): string | null {
  return /\/([a-z][a-z0-9-]*)\.git\/?$/.exec(url.trim())?.[1] ?? null;
}

function appFromGitRemote(): string | null {
  for (const remote of ["slipway", "heroku"]) {
    const url = git(["remote", "get-url", remote]);
    const name = url ? appNameFromGitUrl(url) : null;
    if (name) return name;
  }
  return null;
}

/** Runs git with an argv array; returns null when git is missing or fails. */
export function git(args: string[], cwd?: string): string | null {
  try {
    const run = Bun.spawnSync(["git", ...args], { cwd, stdout: "pipe", stderr: "ignore" });
    return run.exitCode === 0 ? run.stdout.toString().trim() : null;
  } catch {
    return null;
  }
}
