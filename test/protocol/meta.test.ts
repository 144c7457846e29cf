// The /tessera/meta/2 contract: every request kind has exactly one answer kind, survives the
// wire, is recognised on arrival, and a decoder refuses what exceeds its bounds.
import { describe, expect, it } from "vitest";
import { ANSWER_OF, META_CHANNEL, META_REQUEST_LIMITS, answerOf, metaAnswer, metaRequest, requestKindOf, type RequestKind } from "../../src/protocol/meta.ts";
import { MetaRequest, MetaResponse } from "../../src/protocol/pb/meta.ts";
import { REPLICATION_MAX } from "../../src/protocol/limits.ts";

const KINDS = Object.keys(ANSWER_OF) as RequestKind[];

describe("the meta protocol's pairing of requests and answers", () => {
  // That ANSWER_OF names every member of MetaRequest's oneof, and only members of MetaResponse's,
  // is checked by the compiler (`satisfies Record<RequestKind, AnswerKind>`); this checks the wire.
  it("carries every request kind and its answer kind across the wire, each recognised on arrival", () => {
    expect(KINDS.length).toBe(30);
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
});
