// The smart-HTTP ref advertisement (`GET info/refs?service=...`), protocol v0: we answer v0 even to a client that
// offers v2, which git accepts.

import { ZERO_OID, headTarget, listBranchRefs } from "./refs.ts";
import { FLUSH_PKT, concatBytes, encodePkt } from "./pkt-line.ts";
import { version } from "../../package.json";

export type GitService = "git-upload-pack" | "git-receive-pack";

export const AGENT = `agent=slipway/${version}`;
// Only what receive-pack.ts implements. Pushes are thin by default unless the server says "no-thin": we do, so
// every pushed pack is self-contained and can be checked in quarantine. No push options.
export const RECEIVE_PACK_CAPABILITIES = ["report-status", "delete-refs", "side-band-64k", "quiet", "atomic", "ofs-delta", "no-thin", AGENT];
// Only what upload-pack.ts implements: no shallow, no thin packs, no filters.
export const UPLOAD_PACK_CAPABILITIES = ["multi_ack_detailed", "side-band-64k", "ofs-delta", "no-progress", AGENT];

export function isGitService(name: string | null): name is GitService {
  return name === "git-upload-pack" || name === "git-receive-pack";
}

export interface AdvertisedRef { name: string; oid: string }

/** Pure: the pkt-lines of an advertisement, refs in the given order, capabilities on the first line. */
export function formatAdvertisement(service: GitService, refs: readonly AdvertisedRef[], capabilities: readonly string[]): Uint8Array {
  const lines = refs.length > 0 ? refs : [{ name: "capabilities^{}", oid: ZERO_OID }];
  return concatBytes([
    encodePkt(`# service=${service}\n`),
    FLUSH_PKT,
    ...lines.map((ref, i) => encodePkt(i === 0 ? `${ref.oid} ${ref.name}\0${capabilities.join(" ")}\n` : `${ref.oid} ${ref.name}\n`)),
    FLUSH_PKT,
  ]);
}

export async function advertiseRefs(repoDir: string, service: GitService): Promise<Uint8Array> {
  const branches = (await listBranchRefs(repoDir)).map(({ ref, oid }) => ({ name: ref, oid }));
  if (service === "git-receive-pack") return formatAdvertisement(service, branches, RECEIVE_PACK_CAPABILITIES);
  // upload-pack also shows HEAD (first) and names its branch, so `git clone` checks out the deployed branch.
  const head = await headTarget(repoDir);
  const headRef = branches.find((branch) => branch.name === head);
  if (!headRef) return formatAdvertisement(service, branches, UPLOAD_PACK_CAPABILITIES);
  const capabilities = [...UPLOAD_PACK_CAPABILITIES, `symref=HEAD:${headRef.name}`];
  return formatAdvertisement(service, [{ name: "HEAD", oid: headRef.oid }, ...branches], capabilities);
}
