// The /tessera/meta/3 contract: every request kind has exactly one answer kind, survives the
// wire, is recognised on arrival, and a decoder refuses what exceeds its bounds.
import { describe, expect, it } from "vitest";
import { ANSWER_OF, CHANGES_STATE, META_CHANNEL, META_REQUEST_LIMITS, answerOf, clientIdBelongsTo, metaAnswer, metaRequest, newClientId, requestKindOf, type RequestKind } from "../../src/protocol/meta.ts";
import { MetaRequest, MetaResponse } from "../../src/protocol/pb/meta.ts";
import { REPLICATION_MAX } from "../../src/protocol/limits.ts";

const KINDS = Object.keys(ANSWER_OF) as RequestKind[];

describe("the meta protocol's pairing of requests and answers", () => {
  // That ANSWER_OF names every member of MetaRequest's oneof, and only members of MetaResponse's,
  // is checked by the compiler (`satisfies Record<RequestKind, AnswerKind>`); this checks the wire.
  it("carries every request kind and its answer kind across the wire, each recognised on arrival", () => {
    expect(KINDS.length).toBe(48);
    for (const kind of KINDS) {
      const decoded = MetaRequest.decode(MetaRequest.encode(metaRequest(kind, {} as never)));
      expect({ kind, found: requestKindOf(decoded) }).toEqual({ kind, found: kind });
      const answer = MetaResponse.decode(MetaResponse.encode(metaAnswer(kind, {} as never)));
      expect({ kind, answer: Object.keys(answer).filter((key) => (answer as Record<string, unknown>)[key] !== undefined) }).toEqual({ kind, answer: [ANSWER_OF[kind]] });
    }
  });

  it("reads an answer of the wrong kind, or an empty one, as a protocol error naming both", () => {
    expect(() => answerOf("stat", metaAnswer("mkdir", {}))).toThrow(/answered stat without its stat/);
    expect(() => answerOf("list", {})).toThrow(expect.objectContaining({ code: "INVALID" }));
  });

  it("finds no kind in an empty request, nor in one of a kind it does not know (a newer peer's field)", () => {
    expect(requestKindOf(MetaRequest.decode(new Uint8Array(0)))).toBeUndefined();
    // Field 127, length-delimited, 0 bytes: unknown fields are skipped, not misread.
    expect(requestKindOf(MetaRequest.decode(new Uint8Array([0xfa, 0x07, 0x00])))).toBeUndefined();
  });

  it("keeps a typed request whole across the wire", () => {
    const request = metaRequest("bumpChunk", { path: "/a/b", fileId: 42, chunkId: "00000000000000ff", clientId: "c", writerPeer: "p", excludePeers: ["x", "y"] });
    const decoded = META_CHANNEL.requestCodec.decode(META_CHANNEL.requestCodec.encode(request));
    expect(requestKindOf(decoded)).toBe("bumpChunk");
    expect(decoded.bumpChunk).toEqual(request.bumpChunk);
  });

  it("refuses a request past its bounds when it decodes it (a hostile client cannot make the leader allocate without limit)", () => {
    const max = META_REQUEST_LIMITS.addChunk.excludePeers;
    expect(max).toBe(8 * REPLICATION_MAX);
    const ok = metaRequest("addChunk", { path: "/f", fileId: 1, clientId: "c", writerPeer: "", excludePeers: Array.from({ length: max }, (_, i) => `p${i}`) });
    expect(META_CHANNEL.requestCodec.decode(META_CHANNEL.requestCodec.encode(ok)).addChunk?.excludePeers).toHaveLength(max);
    const tooMany = metaRequest("addChunk", { path: "/f", fileId: 1, clientId: "c", writerPeer: "", excludePeers: Array.from({ length: max + 1 }, (_, i) => `p${i}`) });
    expect(() => META_CHANNEL.requestCodec.decode(META_CHANNEL.requestCodec.encode(tooMany))).toThrow();
  });

  it("carries a call's client id and call id beside the request, and ties a client id to its caller's peer id", () => {
    const peer = "12D3KooWLMKnL3CkocAcRCaXWK4T23PHBbD6jFF6defvX1GrH2gG";
    const clientId = newClientId(peer);
    expect(clientId).toMatch(new RegExp(`^${peer}/[A-Za-z0-9_-]{22}$`));
    expect(newClientId(peer)).not.toBe(clientId);
    const decoded = META_CHANNEL.requestCodec.decode(META_CHANNEL.requestCodec.encode(metaRequest("rename", { path: "/a", destination: "/b" }, { clientId, callId: 7 })));
    expect(decoded).toMatchObject({ clientId, callId: 7, caller: "", forwarded: false });
    expect(requestKindOf(decoded)).toBe("rename");
    expect(clientIdBelongsTo(clientId, peer)).toBe(true);
    // Another peer's, a prefix that is not a whole peer id, or nothing after the slash: not the caller's.
    expect(clientIdBelongsTo(clientId, "12D3KooWOther")).toBe(false);
    expect(clientIdBelongsTo(`${peer}x/abc`, peer)).toBe(false);
    expect(clientIdBelongsTo(`${peer}/`, peer)).toBe(false);
    expect(clientIdBelongsTo(clientId, "")).toBe(false);
    // Reads carry no call; what changes state does (the kinds a retry cache must tell apart).
    expect(KINDS.filter((kind) => !CHANGES_STATE[kind])).toEqual(["status", "getSetting", "listSettings", "stat", "list", "fsck", "report", "decommissionStatus", "jobStatus", "listJobs", "listMounts"]);
  });
});
