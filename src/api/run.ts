// One-off dynos: `POST /apps/{app}/dynos`, attached (the client connects to attach_url) or detached
// (output goes to the log as app[run.N]).
import type { Hono } from "hono";
import type { Attachments } from "../dyno/attachments.ts";
import type { DynoManager } from "../dyno/manager.ts";
import { dynoSize } from "../dyno/sizes.ts";
import { terminalSize, type TerminalSize } from "../sandbox/index.ts";
import { appFor } from "./auth.ts";
import { invalidParams, HttpError } from "./errors.ts";
import { dynoJson } from "./dynos.ts";
import { configPatchProblem } from "./config-vars-change.ts";
import { readJson } from "./json.ts";
import type { ApiEnv } from "./platform.ts";

export interface OneOffRequest {
  command: string; attach: boolean; env: Record<string, string>; size?: string; timeToLiveMs?: number; terminal?: TerminalSize;
}

/** Heroku's CLI sends COLUMNS and LINES as JSON numbers; env values are strings in the dyno. */
function oneOffEnv(env: unknown): Record<string, string> {
  if (typeof env !== "object" || env === null || Array.isArray(env)) throw invalidParams("env must be a JSON object.");
  const strings = Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, typeof value === "number" || typeof value === "boolean" ? String(value) : value]),
  );
  const problem = configPatchProblem(strings);
  if (problem || Object.values(strings).some((v) => v === null)) throw invalidParams(problem ?? "env values must be strings.");
  return strings as Record<string, string>;
}

/**
 * A TTY only when the client sits at one: Heroku's CLI sends COLUMNS and LINES just when its stdout is
 * a terminal (and force_no_tty for --no-tty), so piped output is never given a terminal's \r\n.
 */
function terminalFor(attach: boolean, forceNoTty: unknown, env: Record<string, string>): TerminalSize | undefined {
  if (!attach || forceNoTty === true) return undefined;
  return terminalSize(Number(env.COLUMNS), Number(env.LINES)) ?? undefined;
}

export function oneOffRequest(body: Record<string, unknown>): OneOffRequest {
  if (typeof body.command !== "string" || body.command.trim() === "") throw invalidParams("command is required.");
  const env = oneOffEnv(body.env ?? {});
  if (body.size !== undefined && (typeof body.size !== "string" || !dynoSize(body.size))) throw invalidParams(`Invalid dyno size: ${String(body.size)}.`);
  const ttl = body.time_to_live;
  if (ttl !== undefined && (!Number.isInteger(ttl) || (ttl as number) <= 0)) throw invalidParams("time_to_live must be a whole number of seconds.");
  const attach = body.attach === true;
  return {
    command: body.command, attach, env, size: body.size as string | undefined,
    timeToLiveMs: ttl === undefined ? undefined : (ttl as number) * 1000,
    terminal: terminalFor(attach, body.force_no_tty, env),
  };
}

/** Where `heroku run` attaches (rendezvous, TLS) and where `slipway run` does (a WebSocket on the API port). */
export function registerRunRoutes(api: Hono<ApiEnv>, manager: DynoManager, attachments: Attachments, rendezvousPort: () => Promise<number>): void {
  api.post("/apps/:app/dynos", async (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const request = oneOffRequest(await readJson(c));
    let dyno;
    try {
      dyno = await manager.runOneOff(app, request);
    } catch (error) {
      throw new HttpError(422, "invalid_params", (error as Error).message);
    }
    if (!request.attach) return c.json(dynoJson(app, dyno), 201);
    const origin = new URL(c.req.url);
    const secret = attachments.offer(dyno);
    return c.json({
      ...dynoJson(app, dyno, `rendezvous://${origin.hostname}:${await rendezvousPort()}/${secret}`),
      slipway_attach_url: `${origin.protocol === "https:" ? "wss" : "ws"}://${origin.host}/dynos/attach/${secret}`,
    }, 201);
  });
}
