// The embedded smart-HTTP git server. The API layer authenticates and resolves the app, then hands us its bare repo.

import { advertiseRefs, isGitService } from "./advertise.ts";
import { receivePack, type PushHandler } from "./receive-pack.ts";
import { uploadPack } from "./upload-pack.ts";

export type { RefUpdate } from "./push-plan.ts";
export type { PushHandler, PushResult } from "./receive-pack.ts";
export { ensureRepo, resolveBranch } from "./refs.ts";
export { checkoutCommit, UnsafeTreeError } from "./checkout.ts";

export const DEFAULT_MAX_PUSH_BYTES = 512 * 1024 * 1024;

export interface GitHttpOptions {
  repoDir: string;
  /** The path part after "/APP.git/". */
  action: "info/refs" | "git-receive-pack" | "git-upload-pack";
  onPush: PushHandler;
  maxPushBytes?: number;
}

/** Never throws: protocol errors are answered in the protocol, anything unexpected as a 500. */
export async function handleGitHttp(req: Request, opts: GitHttpOptions): Promise<Response> {
  try {
    return await route(req, opts);
  } catch (err) {
    console.error(`git ${opts.action} failed:`, err);
    return new Response("internal error in the git server\n", { status: 500 });
  }
}

async function route(req: Request, opts: GitHttpOptions): Promise<Response> {
  if (opts.action === "info/refs") {
    if (req.method !== "GET" && req.method !== "HEAD") return methodNotAllowed("GET");
    const service = new URL(req.url).searchParams.get("service");
    // Dumb-HTTP clients (no ?service=) are not supported: say so instead of serving a half-working listing.
    if (!isGitService(service)) return new Response("only smart HTTP git clients are supported\n", { status: 403 });
    return new Response(await advertiseRefs(opts.repoDir, service), {
      headers: { "Content-Type": `application/x-${service}-advertisement`, "Cache-Control": "no-cache" },
    });
  }
  if (req.method !== "POST") return methodNotAllowed("POST");
  const expected = `application/x-${opts.action}-request`;
  const contentType = req.headers.get("content-type");
  if (contentType !== null && contentType !== expected) return new Response(`expected Content-Type ${expected}\n`, { status: 415 });
  if (opts.action === "git-upload-pack") return uploadPack(req, opts.repoDir);
  return receivePack(req, { repoDir: opts.repoDir, onPush: opts.onPush, maxPushBytes: opts.maxPushBytes ?? DEFAULT_MAX_PUSH_BYTES });
}

function methodNotAllowed(allowed: string): Response {
  return new Response("method not allowed\n", { status: 405, headers: { Allow: allowed } });
}
