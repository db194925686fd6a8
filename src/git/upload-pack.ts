// `POST git-upload-pack` (protocol v0, stateless HTTP): each request repeats the wants and the haves found common
// so far; we ACK the common ones and, once the client says "done", send one pack of what it lacks.

import fs from "node:fs";
import { git } from "./isomorphic.ts";
import { objectsToSend, type ObjectReader } from "./fetch-walk.ts";
import { PktReader, encodePkt, splitCapabilities } from "./pkt-line.ts";
import { ProtocolError } from "./push-plan.ts";
import { isOid } from "./refs.ts";
import { readRequestBody } from "./request-body.ts";
import { ResponseChannel } from "./response-channel.ts";

const RESULT_HEADERS = { "Content-Type": "application/x-git-upload-pack-result", "Cache-Control": "no-cache" };
// Negotiation requests are small; this bounds memory, not packs (those flow the other way).
const MAX_FETCH_REQUEST_BYTES = 16 * 1024 * 1024;

export interface FetchRequest { wants: string[]; haves: string[]; capabilities: Set<string>; done: boolean }

/** Pure: parses want/have/done pkt-lines; shallow, deepen and filter are refused since we don't advertise them. */
export function parseFetchRequest(body: Uint8Array): FetchRequest {
  const reader = new PktReader(body);
  const request: FetchRequest = { wants: [], haves: [], capabilities: new Set(), done: false };
  for (;;) {
    let line: string | null;
    try {
      line = reader.nextLine();
    } catch (err) {
      throw new ProtocolError(`malformed fetch request: ${(err as Error).message}`);
    }
    if (line === null || line === "done") {
      request.done = line === "done";
      return request;
    }
    if (line === "") continue;
    const [verb = "", oid = "", ...capabilities] = splitCapabilities(line).line.split(" ");
    if ((verb !== "want" && verb !== "have") || !isOid(oid)) throw new ProtocolError(`unsupported fetch request line "${line.slice(0, 80)}"`);
    if (verb === "want") {
      if (request.wants.length === 0) request.capabilities = new Set(capabilities);
      request.wants.push(oid);
    } else {
      request.haves.push(oid);
    }
  }
}

/** Pure: the ACK/NAK lines for one stateless round, as git's upload-pack writes them. */
export function negotiationReply(commons: readonly string[], multiAckDetailed: boolean, done: boolean): string[] {
  const last = commons.at(-1);
  if (multiAckDetailed) {
    const acks = commons.map((oid) => `ACK ${oid} common`);
    if (!done) return [...acks, "NAK"];
    return [...acks, last ? `ACK ${last}` : "NAK"];
  }
  const first = commons[0];
  return first ? [`ACK ${first}`] : ["NAK"];
}

export async function uploadPack(req: Request, repoDir: string): Promise<Response> {
  const body = await readRequestBody(req, MAX_FETCH_REQUEST_BYTES);
  if (body.kind !== "complete") return new Response(body.kind === "too-large" ? "fetch request too large\n" : `${body.message}\n`, { status: 400 });
  let request: FetchRequest;
  try {
    request = parseFetchRequest(body.bytes);
  } catch (err) {
    if (err instanceof ProtocolError) return new Response(`${err.message}\n`, { status: 400 });
    throw err;
  }
  const channel = new ResponseChannel(request.capabilities.has("side-band-64k") || request.capabilities.has("side-band"));
  const response = new Response(channel.stream, { headers: RESULT_HEADERS });
  const reader = objectReader(repoDir);
  for (const want of request.wants) {
    if (!(await isCommit(reader, want))) {
      channel.raw(encodePkt(`ERR upload-pack: not our ref ${want}\n`));
      channel.close();
      return response;
    }
  }
  const commons: string[] = [];
  for (const have of request.haves) if (await isCommit(reader, have)) commons.push(have);
  for (const line of negotiationReply(commons, request.capabilities.has("multi_ack_detailed"), request.done)) {
    channel.raw(encodePkt(`${line}\n`));
  }
  if (request.done && request.wants.length > 0) {
    const oids = await objectsToSend(reader, request.wants, commons);
    const { packfile } = await git.packObjects({ fs, gitdir: repoDir, oids, cache: reader.cache });
    if (packfile) channel.data(packfile);
    channel.finish();
  } else {
    channel.close();
  }
  return response;
}

async function isCommit(reader: ObjectReader, oid: string): Promise<boolean> {
  return reader.commit(oid).then(
    () => true,
    () => false,
  );
}

function objectReader(repoDir: string): ObjectReader & { cache: object } {
  const cache = {};
  return {
    cache,
    async commit(oid) {
      const { commit } = await git.readCommit({ fs, gitdir: repoDir, oid, cache });
      return { tree: commit.tree, parents: commit.parent, time: commit.committer.timestamp };
    },
    async tree(oid) {
      const { tree } = await git.readTree({ fs, gitdir: repoDir, oid, cache });
      return tree.map((entry) => ({ oid: entry.oid, type: entry.type }));
    },
  };
}
