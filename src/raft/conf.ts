// Membership changes, one server at a time (Raft dissertation §4.1). A conf entry carries the
// change and the WHOLE resulting configuration, so that the configuration in effect on any
// server is simply the one in the latest conf entry of its log (or its snapshot's when the
// log holds none), and a truncated conf entry reverts by itself.
import { assert } from "../util/assert.ts";
import { InvalidMessageError } from "./errors.ts";
import type { ConfState, PeerId } from "./types.ts";

/** Members (voters + learners) one configuration may list: bounds every per-peer table. */
export const MEMBERS_MAX = 64;
/** Bytes of one encoded conf entry at most (64 members of ids up to 256 bytes fit). */
export const CONF_ENTRY_BYTES_MAX = 64 * 1024;
/** Longest peer id accepted, in bytes of UTF-16 text. */
export const PEER_ID_LENGTH_MAX = 256;

export type ConfChangeType = "addVoter" | "addLearner" | "removeNode";

/**
 * addVoter adds a voter or promotes a learner; addLearner adds a learner or demotes a voter;
 * removeNode removes a voter or a learner.
 */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: PeerId;
}

export interface ConfEntryPayload {
  readonly change: ConfChange;
  readonly confState: ConfState;
}

const CHANGE_TYPES: ReadonlySet<string> = new Set<ConfChangeType>(["addVoter", "addLearner", "removeNode"]);

/** The configuration after `cc`, or a reason it is not a valid single-server change. */
export function applyConfChange(cs: ConfState, cc: ConfChange): ConfState | string {
  const voters = cs.voters.filter((v) => v !== cc.nodeId);
  const learners = cs.learners.filter((v) => v !== cc.nodeId);
  const isVoter = cs.voters.includes(cc.nodeId);
  const isLearner = cs.learners.includes(cc.nodeId);
  switch (cc.type) {
    case "addVoter":
      if (isVoter) return `${cc.nodeId} is already a voter`;
      voters.push(cc.nodeId);
      break;
    case "addLearner":
      if (isLearner) return `${cc.nodeId} is already a learner`;
      learners.push(cc.nodeId);
      break;
    case "removeNode":
      if (!isVoter && !isLearner) return `${cc.nodeId} is not a member`;
      break;
  }
  if (voters.length === 0) return "the change would leave no voter";
  if (voters.length + learners.length > MEMBERS_MAX) return `the change would exceed ${MEMBERS_MAX} members`;
  return { voters: voters.sort(), learners: learners.sort() };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeConfEntry(p: ConfEntryPayload): Uint8Array {
  const bytes = encoder.encode(JSON.stringify({ v: 1, change: p.change, confState: p.confState }));
  assert(bytes.byteLength <= CONF_ENTRY_BYTES_MAX, `conf entry of ${bytes.byteLength} bytes over the bound`);
  return bytes;
}

function validPeerId(x: unknown): x is PeerId {
  return typeof x === "string" && x.length > 0 && x.length <= PEER_ID_LENGTH_MAX;
}

function validIdList(x: unknown): x is PeerId[] {
  return Array.isArray(x) && x.length <= MEMBERS_MAX && x.every(validPeerId) && new Set(x).size === x.length;
}

/** Decodes and validates a conf entry; throws InvalidMessageError on anything malformed. */
export function decodeConfEntry(data: Uint8Array): ConfEntryPayload {
  if (data.byteLength > CONF_ENTRY_BYTES_MAX) throw new InvalidMessageError(`conf entry of ${data.byteLength} bytes over ${CONF_ENTRY_BYTES_MAX}`);
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch {
    throw new InvalidMessageError("conf entry is not valid JSON text");
  }
  const o = raw as { v?: unknown; change?: { type?: unknown; nodeId?: unknown }; confState?: { voters?: unknown; learners?: unknown } };
  if (typeof o !== "object" || o === null || o.v !== 1) throw new InvalidMessageError("conf entry: unknown version");
  const c = o.change;
  if (typeof c !== "object" || c === null || typeof c.type !== "string" || !CHANGE_TYPES.has(c.type) || !validPeerId(c.nodeId)) {
    throw new InvalidMessageError("conf entry: malformed change");
  }
  const cs = o.confState;
  if (typeof cs !== "object" || cs === null || !validIdList(cs.voters) || !validIdList(cs.learners)) {
    throw new InvalidMessageError("conf entry: malformed configuration");
  }
  if (cs.voters.length === 0 || cs.voters.length + cs.learners.length > MEMBERS_MAX || cs.voters.some((v) => (cs.learners as PeerId[]).includes(v))) {
    throw new InvalidMessageError("conf entry: invalid configuration");
  }
  return { change: { type: c.type as ConfChangeType, nodeId: c.nodeId }, confState: { voters: cs.voters, learners: cs.learners } };
}
