// The generated codecs call src/protocol/wire-runtime.ts instead of three of protons-runtime's
// helpers (scripts/proto.ts): the bytes on the wire must be exactly protons' own, and what
// decodes must be what was encoded, for short and long strings, any Unicode, and bytes.
import { describe, expect, it } from "vitest";
import { encodeMessage as protonsEncode } from "protons-runtime";
import { encodeMessage, UNKNOWN_GROUP_DEPTH_MAX, utf8Of, WireFormatError } from "../../src/protocol/wire-runtime.ts";
import { RpcFrame } from "../../src/protocol/pb/rpc.ts";
import { Heartbeat } from "../../src/protocol/pb/membership.ts";
import { MetaRequest } from "../../src/protocol/pb/meta.ts";
import { WireMessage, MessageType } from "../../src/protocol/pb/raft.ts";

const PEER_ID = "12D3KooWLzDeJqixn5Kd95PFUMfxAVk7tufSScFNEQ9ngq7sAPBE";

function raftAppend(from: string, data: Uint8Array<ArrayBuffer>): WireMessage {
  return {
    type: MessageType.APP,
    from,
    to: `${PEER_ID.slice(0, -1)}X`,
    term: 7n,
    index: 1_000n,
    logTerm: 7n,
    entries: [{ term: 7n, index: 1_001n, conf: false, data }],
    commit: 999n,
    reject: false,
    rejectHint: 0n,
    ctx: "",
    force: false,
    offset: 0n,
    data: new Uint8Array(0),
    done: false,
    snapshotIndex: 0n,
    nextOffset: 0n,
    transferee: "",
  };
}

describe("the generated codecs' runtime helpers", () => {
  it("encode to protons' own bytes and decode back, for strings of every length and script", () => {
    const texts = ["", "a", "x".repeat(39), "x".repeat(40), PEER_ID, "/données/日本語/😀/file", "é".repeat(5_000)];
    for (const text of texts) {
      const request: MetaRequest = { forwarded: false, clientId: `${PEER_ID}/${text}`, callId: 12, caller: "", user: "", mkdir: { path: `/${text}`, parents: true } };
      const ours = MetaRequest.encode(request);
      expect(ours).toEqual(protonsEncode(request, MetaRequest.codec()));
      expect(ours.constructor).toBe(Uint8Array);
      expect(MetaRequest.decode(ours)).toEqual(request);

      const message = raftAppend(text || PEER_ID, Uint8Array.from({ length: text.length % 300 }, (_, i) => i & 255));
      const bytes = WireMessage.encode(message);
      expect(bytes).toEqual(encodeMessage(message, WireMessage.codec()));
      expect(bytes).toEqual(protonsEncode(message, WireMessage.codec()));
      expect(WireMessage.decode(bytes)).toEqual(message);
    }
  });

  it("gives a Uint8Array of its own memory (slicing copies, as callers expect) and reads bad UTF-8 as U+FFFD", () => {
    const bytes = encodeMessage({ forwarded: true, clientId: "c", callId: 1, caller: PEER_ID }, MetaRequest.codec());
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    const copy = bytes.slice(0, 2);
    copy[0] = 0xff;
    expect(bytes[0]).not.toBe(0xff);
    expect(utf8Of(Uint8Array.of(0x61, 0xff, 0x62))).toBe("a\uFFFDb");
    expect(utf8Of(new TextEncoder().encode("日本語"))).toBe("日本語");
  });

  // Found by test/fuzz (targets-protobuf.ts): 100,000 bytes of 0x1b (field 3, wire type 3,
  // "start group", unknown to RpcFrame) made protons' recursive skipType overflow the stack.
  it("skips unknown groups to a bounded depth, without recursion, and refuses deeper ones with its own error", () => {
    const deep = new Uint8Array(100_000).fill(0x1b);
    expect(() => RpcFrame.decode(deep)).toThrow(WireFormatError);
    const nested = (depth: number) => Uint8Array.from([...new Array<number>(depth).fill(0x1b), 0x08, 0x05, ...new Array<number>(depth).fill(0x1c), 0x08, 0x07]);
    expect(RpcFrame.decode(nested(UNKNOWN_GROUP_DEPTH_MAX))).toEqual({ id: 7, body: new Uint8Array(0) });
    expect(() => RpcFrame.decode(nested(UNKNOWN_GROUP_DEPTH_MAX + 1))).toThrow(WireFormatError);
    // An end of group with no start, and the wire types 6 and 7 that do not exist.
    for (const bad of [[0x1c], [0x1e], [0x1f]]) expect(() => RpcFrame.decode(Uint8Array.from(bad))).toThrow(WireFormatError);
  });

  // Found by test/fuzz (targets-protobuf.ts): a Heartbeat whose capacityBytes was 4,294,967,295
  // decoded, but its encoding `20 ff 00 00 00 00` did not; 2^31 was written as five zero bytes.
  it("writes bigint uint64 fields right across 2^31 and 2^32 (protons' own writer does not)", () => {
    for (const value of [2n ** 31n - 1n, 2n ** 31n, 3n * 2n ** 30n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n]) {
      expect(Heartbeat.decode(Heartbeat.encode({ capacityBytes: value, freeBytes: value })).capacityBytes).toBe(value);
      const raft = WireMessage.decode(WireMessage.encode({ type: MessageType.SNAPSHOT_RESP, term: value, index: value, nextOffset: value }));
      expect([raft.term, raft.index, raft.nextOffset]).toEqual([value, value, value]);
    }
    expect(Buffer.from(Heartbeat.encode({ capacityBytes: 2n ** 32n - 1n })).toString("hex")).toBe("20ffffffff0f");
    expect(Buffer.from(Heartbeat.encode({ capacityBytes: 2n ** 31n })).toString("hex")).toBe("208080808008");
  });

  // Found by test/fuzz: protons advanced past a number uint64 by its shortest encoding, so a
  // valid non-minimal varint (85 00 for 5) left the reader inside the field.
  it("reads number uint64 fields written with non-minimal varints, and refuses ones past 2^53 or longer than 10 bytes", () => {
    expect(RpcFrame.decode(Uint8Array.from([0x08, 0x85, 0x00, 0x12, 0x01, 0x07]))).toEqual({ id: 5, body: Uint8Array.of(7) });
    expect(RpcFrame.decode(Uint8Array.from([0x08, 0x85, 0x80, 0x80, 0x00, 0x12, 0x00]))).toEqual({ id: 5, body: new Uint8Array(0) });
    expect(RpcFrame.decode(RpcFrame.encode({ id: Number.MAX_SAFE_INTEGER, body: Uint8Array.of(1) })).id).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => RpcFrame.decode(Uint8Array.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]))).toThrow(WireFormatError);
    expect(() => RpcFrame.decode(Uint8Array.from([0x08, ...new Array<number>(10).fill(0x80), 0x00]))).toThrow(WireFormatError);
    expect(() => RpcFrame.decode(Uint8Array.from([0x08, 0x85]))).toThrow(RangeError);
  });
});
