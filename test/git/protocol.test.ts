import { describe, expect, test } from "bun:test";
import { formatAdvertisement } from "../../src/git/advertise.ts";
import { commitsToSend, objectsToSend, type CommitInfo, type ObjectReader, type TreeEntryInfo } from "../../src/git/fetch-walk.ts";
import { PackError, readPackHeader } from "../../src/git/pack-store.ts";
import { FLUSH_PKT, PktLineError, PktReader, concatBytes, encodePkt, encodeSideBand, pktText } from "../../src/git/pkt-line.ts";
import { ProtocolError, formatReportStatus, parseReceiveCommands, planPush } from "../../src/git/push-plan.ts";
import { negotiationReply, parseFetchRequest } from "../../src/git/upload-pack.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (s: string) => new TextEncoder().encode(s);
const oid = (c: string) => c.repeat(40);
const ZERO = oid("0");

describe("pkt-line", () => {
  test("encodes the length in four hex digits, including itself", () => {
    expect(text(encodePkt("hello\n"))).toBe("000ahello\n");
    expect(text(encodePkt(""))).toBe("0004");
    expect(text(FLUSH_PKT)).toBe("0000");
  });

  test("refuses a payload over 65516 bytes", () => {
    expect(() => encodePkt(new Uint8Array(65517))).toThrow(PktLineError);
    expect(encodePkt(new Uint8Array(65516)).length).toBe(65520);
  });

  test("reads back lines, flushes, and where raw data starts", () => {
    const buffer = concatBytes([encodePkt("one\n"), encodePkt("two"), FLUSH_PKT, bytes("PACKrest")]);
    const reader = new PktReader(buffer);
    expect(reader.nextLine()).toBe("one");
    expect(reader.nextLine()).toBe("two");
    expect(reader.next()).toEqual({ kind: "flush" });
    expect(text(buffer.subarray(reader.offset))).toBe("PACKrest");
  });

  test("rejects truncated and malformed input", () => {
    expect(() => new PktReader(bytes("000ahel")).next()).toThrow("truncated pkt-line");
    expect(() => new PktReader(bytes("00")).next()).toThrow("truncated pkt-line length");
    expect(() => new PktReader(bytes("zzzzhello")).next()).toThrow("bad pkt-line length");
    expect(() => new PktReader(bytes("0002")).next()).toThrow("unsupported pkt-line length");
    expect(new PktReader(new Uint8Array()).next()).toBeNull();
  });

  test("side-band splits data into 65515-byte chunks behind the band byte", () => {
    const packets = encodeSideBand(1, new Uint8Array(65515 * 2 + 3).fill(7));
    expect(packets.map((packet) => packet.length)).toEqual([65520, 65520, 8]);
    expect(packets.every((packet) => packet[4] === 1)).toBe(true);
    expect(encodeSideBand(2, new Uint8Array())).toEqual([]);
    expect(pktText(encodeSideBand(2, bytes("hi\n"))[0]!.subarray(5))).toBe("hi");
  });
});

describe("advertisement", () => {
  test("an empty repo advertises capabilities^{} with the capability list", () => {
    const ad = text(formatAdvertisement("git-receive-pack", [], ["report-status", "agent=x"]));
    expect(ad).toBe(`001f# service=git-receive-pack\n0000${text(encodePkt(`${ZERO} capabilities^{}\0report-status agent=x\n`))}0000`);
  });

  test("capabilities ride on the first ref only", () => {
    const reader = new PktReader(formatAdvertisement("git-upload-pack", [{ name: "HEAD", oid: oid("a") }, { name: "refs/heads/main", oid: oid("a") }], ["c"]));
    expect([reader.nextLine(), reader.nextLine(), reader.nextLine(), reader.nextLine(), reader.nextLine()]).toEqual([
      "# service=git-upload-pack", "", `${oid("a")} HEAD\0c`, `${oid("a")} refs/heads/main`, "",
    ]);
  });
});

describe("push planning", () => {
  const request = (lines: string[], tail = "") => concatBytes([...lines.map((line) => encodePkt(`${line}\n`)), FLUSH_PKT, bytes(tail)]);

  test("parses commands, the first line's capabilities, and where the pack starts", () => {
    const body = request([`${ZERO} ${oid("a")} refs/heads/main\0report-status side-band-64k`, `${oid("b")} ${ZERO} refs/heads/x`], "PACK");
    const parsed = parseReceiveCommands(body);
    expect(parsed.updates).toEqual([
      { ref: "refs/heads/main", oldOid: ZERO, newOid: oid("a") },
      { ref: "refs/heads/x", oldOid: oid("b"), newOid: ZERO },
    ]);
    expect([...parsed.capabilities]).toEqual(["report-status", "side-band-64k"]);
    expect(text(body.subarray(parsed.packOffset))).toBe("PACK");
  });

  test("rejects bad commands", () => {
    expect(() => parseReceiveCommands(request([`${ZERO} nothex refs/heads/main`]))).toThrow(ProtocolError);
    expect(() => parseReceiveCommands(request([`${ZERO} ${oid("a")} main`]))).toThrow(ProtocolError);
    expect(parseReceiveCommands(request([])).updates).toEqual([]); // git's probe before a large push
    expect(() => parseReceiveCommands(encodePkt(`${ZERO} ${oid("a")} refs/heads/main\n`))).toThrow("not terminated");
  });

  const update = (ref: string, newOid = oid("a")) => ({ ref, oldOid: ZERO, newOid });

  test("main and master deploy; other refs, deletes and a second deploy branch are refused", () => {
    const verdicts = planPush([update("refs/heads/main"), update("refs/heads/feature"), update("refs/heads/master"), update("refs/tags/v1")], false);
    expect(verdicts.map((d) => (d.verdict === "deploy" ? "deploy" : d.reason))).toEqual([
      "deploy", "non-deploy branch", "one deploy branch per push", "non-deploy branch",
    ]);
    const refused = planPush([update("refs/heads/feature")], false)[0]!;
    expect(refused.verdict === "refuse" && refused.message).toBe("Pushed to non-deploy branch feature; push to main or master");
    const deletion = planPush([update("refs/heads/master", ZERO)], false)[0]!;
    expect(deletion.verdict === "refuse" && deletion.message).toBe("deleting the deploy branch is not allowed");
  });

  test("an atomic push with any refusal deploys nothing", () => {
    const decisions = planPush([update("refs/heads/main"), update("refs/heads/x")], true);
    expect(decisions.map((d) => d.verdict)).toEqual(["refuse", "refuse"]);
    expect(planPush([update("refs/heads/main")], true)[0]!.verdict).toBe("deploy");
  });

  test("report-status lists unpack then each ref", () => {
    const report = new PktReader(formatReportStatus(null, [{ ref: "refs/heads/main", error: null }, { ref: "refs/heads/x", error: "non-deploy\nbranch" }]));
    expect([report.nextLine(), report.nextLine(), report.nextLine(), report.nextLine()]).toEqual([
      "unpack ok", "ok refs/heads/main", "ng refs/heads/x non-deploy branch", "",
    ]);
  });
});

describe("pack header", () => {
  const pack = (count: number) => {
    const head = concatBytes([bytes("PACK"), new Uint8Array([0, 0, 0, 2, 0, 0, 0, count])]);
    return concatBytes([head, new Uint8Array(new Bun.CryptoHasher("sha1").update(head).digest())]);
  };
  test("accepts a well-formed pack and reads its object count", () => {
    expect(readPackHeader(pack(0)).objectCount).toBe(0);
  });
  test("rejects wrong magic, a bad checksum and truncation", () => {
    const corrupt = pack(1);
    corrupt[corrupt.length - 1]! ^= 1;
    expect(() => readPackHeader(corrupt)).toThrow("checksum mismatch");
    expect(() => readPackHeader(bytes("KCAP".padEnd(40, "x")))).toThrow("not a git pack");
    expect(() => readPackHeader(pack(0).subarray(0, 20))).toThrow(PackError);
  });
});

describe("fetch negotiation", () => {
  test("parses wants with capabilities, haves and done", () => {
    const body = concatBytes([
      encodePkt(`want ${oid("a")} multi_ack_detailed side-band-64k agent=git/2.39\n`), encodePkt(`want ${oid("b")}\n`), FLUSH_PKT,
      encodePkt(`have ${oid("c")}\n`), encodePkt("done\n"),
    ]);
    const request = parseFetchRequest(body);
    expect(request).toEqual({ wants: [oid("a"), oid("b")], haves: [oid("c")], done: true, capabilities: new Set(["multi_ack_detailed", "side-band-64k", "agent=git/2.39"]) });
    expect(() => parseFetchRequest(concatBytes([encodePkt(`want ${oid("a")}\n`), encodePkt("deepen 1\n")]))).toThrow(ProtocolError);
  });

  test("ACKs like git's upload-pack", () => {
    expect(negotiationReply([oid("a"), oid("b")], true, false)).toEqual([`ACK ${oid("a")} common`, `ACK ${oid("b")} common`, "NAK"]);
    expect(negotiationReply([oid("a")], true, true)).toEqual([`ACK ${oid("a")} common`, `ACK ${oid("a")}`]);
    expect(negotiationReply([], true, true)).toEqual(["NAK"]);
    expect(negotiationReply([oid("a"), oid("b")], false, false)).toEqual([`ACK ${oid("a")}`]);
    expect(negotiationReply([], false, true)).toEqual(["NAK"]);
  });
});

describe("objects a fetch sends", () => {
  // History: c1 <- c2 <- c3 (main); c2 <- s1 (side). Each commit's tree holds one blob named after it plus a shared subtree.
  const commits: Record<string, CommitInfo> = {
    c1: { tree: "t1", parents: [], time: 1 },
    c2: { tree: "t2", parents: ["c1"], time: 2 },
    c3: { tree: "t3", parents: ["c2"], time: 3 },
    s1: { tree: "ts", parents: ["c2"], time: 4 },
  };
  const trees: Record<string, TreeEntryInfo[]> = {
    shared: [{ oid: "b-shared", type: "blob" }],
    t1: [{ oid: "shared", type: "tree" }, { oid: "b1", type: "blob" }],
    t2: [{ oid: "shared", type: "tree" }, { oid: "b1", type: "blob" }, { oid: "b2", type: "blob" }],
    t3: [{ oid: "shared", type: "tree" }, { oid: "b2", type: "blob" }, { oid: "b3", type: "blob" }, { oid: "sub", type: "commit" }],
    ts: [{ oid: "shared", type: "tree" }, { oid: "b1", type: "blob" }, { oid: "bs", type: "blob" }],
  };
  const reader: ObjectReader = {
    commit: async (id) => commits[id] ?? Promise.reject(new Error(`no commit ${id}`)),
    tree: async (id) => trees[id] ?? Promise.reject(new Error(`no tree ${id}`)),
  };

  test("a clone gets every object, submodule commits excluded", async () => {
    expect((await objectsToSend(reader, ["c3"], [])).sort()).toEqual(["b-shared", "b1", "b2", "b3", "c1", "c2", "c3", "shared", "t1", "t2", "t3"]);
  });

  test("an incremental fetch gets only what the common commit lacks", async () => {
    expect((await objectsToSend(reader, ["c3"], ["c2"])).sort()).toEqual(["b3", "c3", "t3"]);
    expect((await objectsToSend(reader, ["c3", "s1"], ["c2"])).sort()).toEqual(["b3", "bs", "c3", "s1", "t3", "ts"]);
  });

  test("the walk stops at the client's history and names the boundary", async () => {
    const { send, boundary } = await commitsToSend(reader, ["s1"], ["c3"]);
    expect(send).toEqual(["s1"]);
    expect(boundary).toEqual(["c2"]);
  });

  test("a client already up to date gets nothing", async () => {
    expect(await objectsToSend(reader, ["c3"], ["c3"])).toEqual([]);
  });
});
