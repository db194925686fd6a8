// `POST git-receive-pack`: store the pushed pack, check it, let the deploy run (its output streamed as "remote:"
// lines), move the branch only if the deploy accepted, and answer with report-status.

import { PackError, StagedPack } from "./pack-store.ts";
import { ProtocolError, formatReportStatus, parseReceiveCommands, planPush, type RefDecision, type RefOutcome, type RefUpdate } from "./push-plan.ts";
import { ZERO_OID, headTarget, pointHeadAt, resolveRefOid, writeRef } from "./refs.ts";
import { withRepoLock } from "./repo-lock.ts";
import { readRequestBody } from "./request-body.ts";
import { ResponseChannel } from "./response-channel.ts";

export type PushResult = { ok: true } | { ok: false; reason: string };
export type PushHandler = (push: { repoDir: string; update: RefUpdate; say: (line: string) => void; signal: AbortSignal }) => Promise<PushResult>;

export interface ReceiveOptions { repoDir: string; onPush: PushHandler; maxPushBytes: number }

const RESULT_HEADERS = { "Content-Type": "application/x-git-receive-pack-result", "Cache-Control": "no-cache" };
const MiB = 1024 * 1024;

interface PushReport { unpackError: string | null; outcomes: RefOutcome[] }

export async function receivePack(req: Request, opts: ReceiveOptions): Promise<Response> {
  const body = await readRequestBody(req, opts.maxPushBytes);
  if (body.kind === "unreadable") return new Response(`${body.message}\n`, { status: 400 });
  const bytes = body.kind === "complete" ? body.bytes : body.head;
  let commands: ReturnType<typeof parseReceiveCommands>;
  try {
    commands = parseReceiveCommands(bytes);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    if (body.kind === "too-large") return new Response(`${tooLargeMessage(body.totalBytes, opts.maxPushBytes)}\n`, { status: 413 });
    return new Response(`${err.message}\n`, { status: 400 });
  }

  // git probes with a bare flush before sending a large push in chunks; like git, answer with nothing.
  if (commands.updates.length === 0) return new Response(null, { headers: RESULT_HEADERS });
  const channel = new ResponseChannel(commands.capabilities.has("side-band-64k") || commands.capabilities.has("side-band"));
  const say = (line: string) => channel.progress(line);
  const sayFailure = (text: string) => text.split("\n").forEach((line) => say(`!     ${line}`));
  const pack = commands.packOffset < bytes.length ? bytes.subarray(commands.packOffset) : null;

  const handlePush = async (): Promise<PushReport> => {
    if (body.kind === "too-large") return failUnpack(commands.updates, tooLargeMessage(body.totalBytes, opts.maxPushBytes), sayFailure);
    return withRepoLock(
      opts.repoDir,
      () => applyPush(planPush(commands.updates, commands.capabilities.has("atomic")), pack, opts, say, sayFailure, channel.clientGone),
      () => say("Waiting for another push to this app to finish..."),
    );
  };
  // Runs after the Response is returned, so progress lines stream out while the deploy works.
  void handlePush()
    .catch((err: unknown) => {
      console.error("git receive-pack failed:", err);
      return failUnpack(commands.updates, "internal error while receiving the push", sayFailure);
    })
    .then((report) => {
      if (commands.capabilities.has("report-status")) channel.data(formatReportStatus(report.unpackError, report.outcomes));
      channel.finish();
    });
  return new Response(channel.stream, { headers: RESULT_HEADERS });
}

function tooLargeMessage(totalBytes: number, maxBytes: number): string {
  return `push of ${(totalBytes / MiB).toFixed(1)} MiB exceeds the ${(maxBytes / MiB).toFixed(1)} MiB limit`;
}

function failUnpack(updates: readonly RefUpdate[], message: string, sayFailure: (text: string) => void): PushReport {
  sayFailure(`Push rejected: ${message}`);
  return { unpackError: message, outcomes: updates.map(({ ref }) => ({ ref, error: "unpacker error" })) };
}

async function applyPush(
  decisions: readonly RefDecision[],
  pack: Uint8Array | null,
  opts: ReceiveOptions,
  say: (line: string) => void,
  sayFailure: (text: string) => void,
  signal: AbortSignal,
): Promise<PushReport> {
  const errors = new Map<RefUpdate, string>();
  for (const decision of decisions) {
    if (decision.verdict === "refuse") {
      sayFailure(decision.message);
      errors.set(decision.update, decision.reason);
    }
  }
  const deploy = decisions.find((decision) => decision.verdict === "deploy")?.update;
  const report = (unpackError: string | null = null): PushReport => ({
    unpackError,
    outcomes: decisions.map(({ update }) => ({ ref: update.ref, error: errors.get(update) ?? null })),
  });
  if (!deploy) return report();

  const current = (await resolveRefOid(opts.repoDir, deploy.ref)) ?? ZERO_OID;
  if (current !== deploy.oldOid) {
    sayFailure(`${deploy.ref.replace("refs/heads/", "")} changed while this push was waiting; fetch and push again`);
    errors.set(deploy, "failed to update ref");
    return report();
  }
  let staged: StagedPack;
  try {
    staged = pack ? await StagedPack.stage(opts.repoDir, pack) : StagedPack.empty(opts.repoDir);
  } catch (err) {
    if (!(err instanceof PackError)) throw err;
    return failUnpack(decisions.map(({ update }) => update), err.message, sayFailure);
  }
  try {
    try {
      await staged.checkComplete(deploy.newOid);
    } catch (err) {
      if (!(err instanceof PackError)) throw err;
      sayFailure(`Push rejected: ${err.message}`);
      errors.set(deploy, "missing necessary objects");
      return report();
    }
    await staged.install();
    const result = await runHandler(opts, deploy, say, signal);
    if (!result.ok) {
      await staged.uninstall();
      sayFailure(result.reason);
      errors.set(deploy, "pre-receive hook declined");
      return report();
    }
    await writeRef(opts.repoDir, deploy.ref, deploy.newOid);
    // HEAD follows the deployed branch, so a clone checks out what is running.
    if ((await headTarget(opts.repoDir)) !== deploy.ref) await pointHeadAt(opts.repoDir, deploy.ref);
    return report();
  } finally {
    await staged.dispose();
  }
}

async function runHandler(opts: ReceiveOptions, update: RefUpdate, say: (line: string) => void, signal: AbortSignal): Promise<PushResult> {
  try {
    return await opts.onPush({ repoDir: opts.repoDir, update, say, signal });
  } catch (err) {
    console.error("git push handler failed:", err);
    return { ok: false, reason: `the deploy failed unexpectedly: ${err instanceof Error ? err.message : String(err)}` };
  }
}
