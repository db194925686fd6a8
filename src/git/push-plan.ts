// Pure decisions for a push: parsing the ref commands, which update deploys and which are refused, and the
// report-status the client prints.

import { DEPLOY_BRANCHES, ZERO_OID, isOid } from "./refs.ts";
import { FLUSH_PKT, PktReader, concatBytes, encodePkt, splitCapabilities } from "./pkt-line.ts";

export interface RefUpdate { ref: string; oldOid: string; newOid: string }

export class ProtocolError extends Error {}

export interface ReceiveCommands {
  updates: RefUpdate[];
  capabilities: Set<string>;
  /** Where the pack starts in the body (the body's length when no pack follows). */
  packOffset: number;
}

/** Parses "old new ref" pkt-lines up to the flush (none at all is git's auth probe); throws ProtocolError on anything else. */
export function parseReceiveCommands(body: Uint8Array): ReceiveCommands {
  const reader = new PktReader(body);
  const updates: RefUpdate[] = [];
  let capabilities = new Set<string>();
  for (;;) {
    let line: string | null;
    try {
      line = reader.nextLine();
    } catch (err) {
      throw new ProtocolError(`malformed push request: ${(err as Error).message}`);
    }
    if (line === null) throw new ProtocolError("malformed push request: the ref commands are not terminated");
    if (line === "") break;
    if (updates.length === 0) ({ line, capabilities } = splitCapabilities(line));
    const [oldOid = "", newOid = "", ref = "", ...rest] = line.split(" ");
    if (!isOid(oldOid) || !isOid(newOid) || !ref.startsWith("refs/") || rest.length > 0) {
      throw new ProtocolError(`malformed push command "${line.slice(0, 120)}"`);
    }
    updates.push({ ref, oldOid, newOid });
  }
  return { updates, capabilities, packOffset: reader.offset };
}

export const isDelete = (update: RefUpdate): boolean => update.newOid === ZERO_OID;

export type RefDecision =
  | { update: RefUpdate; verdict: "deploy" }
  /** `reason` is the short report-status text; `message` is the line the user reads as "remote: !     ...". */
  | { update: RefUpdate; verdict: "refuse"; reason: string; message: string };

/** Only main/master deploy, one per push; deletes are refused; under `atomic` one refusal refuses everything. */
export function planPush(updates: readonly RefUpdate[], atomic: boolean): RefDecision[] {
  let deploying = false;
  const decisions = updates.map((update): RefDecision => {
    const deployBranch = (DEPLOY_BRANCHES as readonly string[]).includes(update.ref);
    if (!deployBranch) {
      const name = update.ref.replace(/^refs\/heads\//, "");
      return { update, verdict: "refuse", reason: "non-deploy branch", message: `Pushed to non-deploy branch ${name}; push to main or master` };
    }
    if (isDelete(update)) {
      return { update, verdict: "refuse", reason: "deletion prohibited", message: "deleting the deploy branch is not allowed" };
    }
    if (deploying) {
      return { update, verdict: "refuse", reason: "one deploy branch per push", message: "Pushed to both main and master; push one deploy branch at a time" };
    }
    deploying = true;
    return { update, verdict: "deploy" };
  });
  if (!atomic || decisions.every((decision) => decision.verdict === "deploy")) return decisions;
  return decisions.map((decision) =>
    decision.verdict === "deploy"
      ? { update: decision.update, verdict: "refuse", reason: "atomic push failed", message: "atomic push failed: another ref in this push was refused" }
      : decision,
  );
}

export interface RefOutcome { ref: string; error: string | null }

/** The report-status pkt-lines: "unpack ok|<error>", then "ok <ref>" or "ng <ref> <reason>" per command, then flush. */
export function formatReportStatus(unpackError: string | null, outcomes: readonly RefOutcome[]): Uint8Array {
  const oneLine = (text: string) => text.replace(/[\r\n]+/g, " ");
  return concatBytes([
    encodePkt(`unpack ${unpackError === null ? "ok" : oneLine(unpackError)}\n`),
    ...outcomes.map(({ ref, error }) => encodePkt(error === null ? `ok ${ref}\n` : `ng ${ref} ${oneLine(error)}\n`)),
    FLUSH_PKT,
  ]);
}
