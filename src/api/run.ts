// One-off dynos: `POST /apps/{app}/dynos`, attached (the client connects to attach_url) or detached
// (output goes to the log as app[run.N]).
import type { Hono } from "hono";
import type { Attachments } from "../dyno/attachments.ts";
import type { DynoManager } from "../dyno/manager.ts";
import { dynoSize } from "../dyno/sizes.ts";
import { appFor } from "./auth.ts";
import { invalidParams, HttpError } from "./errors.ts";
import { dynoJson } from "./dynos.ts";
import { configPatchProblem } from "./config-vars-change.ts";
import { readJson } from "./json.ts";
import type { ApiEnv } from "./platform.ts";

export interface OneOffRequest { command: string; attach: boolean; env: Record<string, string>; size?: string; timeToLiveMs?: number; tty: boolean }

export function oneOffRequest(body: Record<string, unknown>): OneOffRequest {
  if (typeof body.command !== "string" || body.command.trim() === "") throw invalidParams("command is required.");
  const env = body.env ?? {};
  const problem = configPatchProblem(env);
  if (problem || Object.values(env as object).some((v) => v === null)) throw invalidParams(problem ?? "env values must be strings.");
  if (body.size !== undefined && (typeof body.size !== "string" || !dynoSize(body.size))) throw invalidParams(`Invalid dyno size: ${String(body.size)}.`);
  const ttl = body.time_to_live;
  if (ttl !== undefined && (!Number.isInteger(ttl) || (ttl as number) <= 0)) throw invalidParams("time_to_live must be a whole number of seconds.");
  return {
    command: body.command, attach: body.attach === true, env: env as Record<string, string>,
    size: body.size as string | undefined, timeToLiveMs: ttl === undefined ? undefined : (ttl as number) * 1000,
    tty: body.attach === true && body.force_no_tty !== true,
  };
}

/** Where `heroku run` attaches (rendezvous, TLS) and where `slipway run` does (a WebSocket on the API port). */
export function registerRunRoutes(api: Hono<ApiEnv>, manager: DynoManager, attachments: Attachments, rendezvousPort: () => Promise<number>): void {
  api.post("/apps/:app/dynos", async (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    const request = oneOffRequest(await readJson(c));
    let dyno;
    try {
      dyno = await manager.runOneOff(app, { command: request.command, attach: request.attach, env: request.env, size: request.size, timeToLiveMs: request.timeToLiveMs });
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
