// The wire form of Raft messages: protobuf (src/protocol/pb/raft.proto) to and from the core's
// Message type. Decoding checks structure and bounds and rejects with a typed error; the
// core's step() then checks what only it can (membership, terms, piece order).
import { InvalidMessageError, UnknownMessageTypeError } from "./errors.ts";
import { WIRE_APPEND_ENTRIES_MAX, WIRE_ENTRY_BYTES_MAX, WIRE_SNAPSHOT_CHUNK_BYTES_MAX, READ_CTX_LENGTH_MAX } from "./config.ts";
import { MEMBERS_MAX, PEER_ID_LENGTH_MAX } from "./conf.ts";
import { MessageType, WireMessage, type WireEntry } from "../protocol/pb/raft.ts";
import type { ConfState, Entry, Message, MessageType as CoreMessageType, SnapshotMeta } from "./types.ts";

// The largest message: an append of up to maxSizePerMsg bytes may still carry one entry of
// up to WIRE_ENTRY_BYTES_MAX, or a snapshot piece; plus framing. Anything bigger is refused
// before it is buffered.
export const RAFT_WIRE_MESSAGE_BYTES_MAX = WIRE_ENTRY_BYTES_MAX + 16 * 1024 * 1024;

const TO_WIRE: Record<CoreMessageType, MessageType> = {
  app: MessageType.APP,
  appResp: MessageType.APP_RESP,
  heartbeat: MessageType.HEARTBEAT,
  heartbeatResp: MessageType.HEARTBEAT_RESP,
  vote: MessageType.VOTE,
  voteResp: MessageType.VOTE_RESP,
  preVote: MessageType.PRE_VOTE,
  preVoteResp: MessageType.PRE_VOTE_RESP,
  snapshot: MessageType.SNAPSHOT,
  snapshotResp: MessageType.SNAPSHOT_RESP,
  timeoutNow: MessageType.TIMEOUT_NOW,
  transferLeader: MessageType.TRANSFER_LEADER,
  readIndex: MessageType.READ_INDEX,
  readIndexResp: MessageType.READ_INDEX_RESP,
};
const FROM_WIRE = new Map<MessageType, CoreMessageType>(Object.entries(TO_WIRE).map(([core, wire]) => [wire, core as CoreMessageType]));

const toWireEntry = (e: Entry): WireEntry => ({ index: BigInt(e.index), term: BigInt(e.term), conf: e.type === "conf", data: e.data as Uint8Array<ArrayBuffer> });

export function encodeRaftMessage(m: Message): Uint8Array {
  const wire: Partial<WireMessage> = { type: TO_WIRE[m.type], from: m.from, to: m.to, term: BigInt(m.term) };
  switch (m.type) {
    case "app":
      Object.assign(wire, { index: BigInt(m.index), logTerm: BigInt(m.logTerm), entries: m.entries.map(toWireEntry), commit: BigInt(m.commit) });
      break;
    case "appResp":
      Object.assign(wire, { index: BigInt(m.index), reject: m.reject, rejectHint: BigInt(m.rejectHint), logTerm: BigInt(m.logTerm) });
      break;
    // A heartbeat's lease round travels in `index`, which heartbeats do not otherwise use.
    case "heartbeat":
      Object.assign(wire, { commit: BigInt(m.commit), ctx: m.ctx, index: BigInt(m.round ?? 0) });
      break;
    case "heartbeatResp":
      Object.assign(wire, { ctx: m.ctx, index: BigInt(m.round ?? 0) });
      break;
    case "vote":
    case "preVote":
      Object.assign(wire, { index: BigInt(m.index), logTerm: BigInt(m.logTerm), force: m.force });
      break;
    case "voteResp":
    case "preVoteResp":
      Object.assign(wire, { reject: m.reject });
      break;
    case "snapshot":
      Object.assign(wire, {
        meta: { index: BigInt(m.meta.index), term: BigInt(m.meta.term), confState: { voters: [...m.meta.confState.voters], learners: [...m.meta.confState.learners] } },
        offset: BigInt(m.offset),
        data: m.data,
        done: m.done,
      });
      break;
    case "snapshotResp":
      Object.assign(wire, { snapshotIndex: BigInt(m.snapshotIndex), nextOffset: BigInt(m.nextOffset), reject: m.reject });
      break;
    case "timeoutNow":
      break;
    case "transferLeader":
      Object.assign(wire, { transferee: m.transferee });
      break;
    case "readIndex":
      Object.assign(wire, { ctx: m.ctx });
      break;
    case "readIndexResp":
      Object.assign(wire, { ctx: m.ctx, index: BigInt(m.index) });
      break;
  }
  return WireMessage.encode(wire);
}

/** A wire number as a safe integer, or a typed error: terms and indexes never exceed 2^53. */
function safe(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidMessageError(`${field} ${value} is beyond 2^53`);
  return Number(value);
}

function peerId(value: string, field: string): string {
  if (value.length === 0 || value.length > PEER_ID_LENGTH_MAX) throw new InvalidMessageError(`${field} is not a peer id`);
  return value;
}

export function decodeRaftMessage(bytes: Uint8Array): Message {
  if (bytes.byteLength > RAFT_WIRE_MESSAGE_BYTES_MAX) throw new InvalidMessageError(`raft message of ${bytes.byteLength} bytes is over ${RAFT_WIRE_MESSAGE_BYTES_MAX}`);
  let wire: WireMessage;
  try {
    wire = WireMessage.decode(bytes, {
      limits: { entries: WIRE_APPEND_ENTRIES_MAX, meta: { confState: { voters: MEMBERS_MAX, learners: MEMBERS_MAX } } },
    });
  } catch (err) {
    throw new InvalidMessageError(`raft message does not decode: ${(err as Error).message}`);
  }
  const type = FROM_WIRE.get(wire.type);
  if (!type) throw new UnknownMessageTypeError(`raft message of unknown type ${String(wire.type)}`);
  const base = { from: peerId(wire.from, "from"), to: peerId(wire.to, "to"), term: safe(wire.term, "term") };
  switch (type) {
    case "app":
      return {
        ...base,
        type,
        index: safe(wire.index, "index"),
        logTerm: safe(wire.logTerm, "logTerm"),
        commit: safe(wire.commit, "commit"),
        entries: wire.entries.map((e, i): Entry => {
          if (e.data.byteLength > WIRE_ENTRY_BYTES_MAX) throw new InvalidMessageError(`entry ${i} of ${e.data.byteLength} bytes is over ${WIRE_ENTRY_BYTES_MAX}`);
          return { index: safe(e.index, "entry index"), term: safe(e.term, "entry term"), type: e.conf ? "conf" : "normal", data: e.data };
        }),
      };
    case "appResp":
      return { ...base, type, index: safe(wire.index, "index"), reject: wire.reject, rejectHint: safe(wire.rejectHint, "rejectHint"), logTerm: safe(wire.logTerm, "logTerm") };
    case "heartbeat":
      return { ...base, type, commit: safe(wire.commit, "commit"), ctx: readCtx(wire.ctx), round: safe(wire.index, "round") };
    case "heartbeatResp":
      return { ...base, type, ctx: readCtx(wire.ctx), round: safe(wire.index, "round") };
    case "vote":
    case "preVote":
      return { ...base, type, index: safe(wire.index, "index"), logTerm: safe(wire.logTerm, "logTerm"), force: wire.force };
    case "voteResp":
    case "preVoteResp":
      return { ...base, type, reject: wire.reject };
    case "snapshot": {
      if (!wire.meta) throw new InvalidMessageError("snapshot piece without its snapshot's metadata");
      if (wire.data.byteLength > WIRE_SNAPSHOT_CHUNK_BYTES_MAX) throw new InvalidMessageError(`snapshot piece of ${wire.data.byteLength} bytes is over ${WIRE_SNAPSHOT_CHUNK_BYTES_MAX}`);
      const confState: ConfState = {
        voters: (wire.meta.confState?.voters ?? []).map((id) => peerId(id, "voter")),
        learners: (wire.meta.confState?.learners ?? []).map((id) => peerId(id, "learner")),
      };
      const meta: SnapshotMeta = { index: safe(wire.meta.index, "snapshot index"), term: safe(wire.meta.term, "snapshot term"), confState };
      return { ...base, type, meta, offset: safe(wire.offset, "offset"), data: wire.data, done: wire.done };
    }
    case "snapshotResp":
      return { ...base, type, snapshotIndex: safe(wire.snapshotIndex, "snapshotIndex"), nextOffset: safe(wire.nextOffset, "nextOffset"), reject: wire.reject };
    case "timeoutNow":
      return { ...base, type };
    case "transferLeader":
      return { ...base, type, transferee: peerId(wire.transferee, "transferee") };
    case "readIndex":
      return { ...base, type, ctx: readCtx(wire.ctx) };
    case "readIndexResp":
      return { ...base, type, ctx: readCtx(wire.ctx), index: safe(wire.index, "index") };
  }
}

function readCtx(ctx: string): string {
  if (ctx.length > READ_CTX_LENGTH_MAX) throw new InvalidMessageError(`read ctx of ${ctx.length} characters is over ${READ_CTX_LENGTH_MAX}`);
  return ctx;
}
