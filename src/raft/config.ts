// RaftCore's configuration: the knobs, their defaults and the hard bounds messages from the
// wire are checked against. Validated once at construction with a clear message.
import { RaftConfigError } from "./errors.ts";
import { PEER_ID_LENGTH_MAX } from "./conf.ts";
import type { RaftStorage } from "./storage.ts";
import type { PeerId } from "./types.ts";

/** Hard bound on one entry's payload accepted from the wire; maxEntryBytes must not exceed it. */
export const WIRE_ENTRY_BYTES_MAX = 64 * 1024 * 1024;
/** Hard bound on entries in one append message from the wire. */
export const WIRE_APPEND_ENTRIES_MAX = 65_536;
/** Hard bound on one snapshot piece from the wire; snapshotChunkBytes must not exceed it. */
export const WIRE_SNAPSHOT_CHUNK_BYTES_MAX = 16 * 1024 * 1024;
/** Longest ReadIndex ctx: a request id, not a payload. */
export const READ_CTX_LENGTH_MAX = 256;

export type RaftLogLevel = "debug" | "info" | "warn";
export type RaftLogger = (level: RaftLogLevel, message: string) => void;

export interface RaftConfig {
  readonly id: PeerId;
  readonly storage: RaftStorage;
  /** Seeded randomness: an integer in [0, n). The only source of nondeterminism. */
  readonly rand: (n: number) => number;
  /** T: a follower campaigns after a randomized timeout in [T, 2T) ticks without a leader. */
  readonly electionTicks: number;
  /** Ticks between a leader's heartbeats; must be < electionTicks. */
  readonly heartbeatTicks: number;
  /** Index the state machine has applied (restart); defaults to the storage snapshot's index. */
  readonly applied?: number;
  /** Dissertation §9.6: probe for a quorum before bumping the term. Default true. */
  readonly preVote?: boolean;
  /** Dissertation §6.2 / §4.2.3: a leader without quorum contact steps down; followers hold a lease. Default true. */
  readonly checkQuorum?: boolean;
  /**
   * Leader lease for reads (dissertation §6.4.1), in ticks; 0 turns it off (the default).
   * While a quorum has answered a heartbeat the leader sent less than leaseTicks ticks ago,
   * it answers readIndex() at its commit index at once, without a heartbeat round. In
   * exchange every voter withholds its vote for leaseTicks + 1 + leaseDriftTicks ticks after
   * it last heard from a leader, also after forgetLeader() and after a restart, so no other
   * leader can be elected while the lease runs. Needs checkQuorum.
   */
  readonly leaseTicks?: number;
  /**
   * Ticks the lease leaves for clocks that run at different rates (and timers that fire
   * late): the voters' guard is this much longer than the leader's lease. Default 1.
   */
  readonly leaseDriftTicks?: number;
  /** Bytes of entries per append message (at least one entry is always sent). */
  readonly maxSizePerMsg?: number;
  /** Append messages in flight per follower in replicate state (the pipelining window). */
  readonly maxInflightMsgs?: number;
  /** Bytes of proposed-but-uncommitted payload a leader holds before dropping proposals. */
  readonly maxUncommittedEntriesBytes?: number;
  /** Largest payload propose() accepts. */
  readonly maxEntryBytes?: number;
  /** Bytes of committed entries one Ready hands out (at least one entry). */
  readonly maxCommittedBytesPerReady?: number;
  /** Snapshot data is sent in pieces of at most this many bytes. */
  readonly snapshotChunkBytes?: number;
  /** Snapshot pieces in flight per follower before waiting for acknowledgements. */
  readonly maxInflightSnapshotChunks?: number;
  /** Largest snapshot a follower reassembles in memory; bigger transfers are refused. */
  readonly maxSnapshotBytes?: number;
  /** ReadIndex requests waiting (leader: for the heartbeat round; all: for the driver) at most. */
  readonly maxPendingReads?: number;
  /** Outgoing messages buffered between two Readys at most; more are dropped (Raft tolerates loss). */
  readonly maxPendingMessages?: number;
  readonly logger?: RaftLogger;
}

/**
 * The lease's own margin besides the drift: a tick count is coarse by one tick on each side
 * (a voter's first tick after hearing from the leader may come at once; the leader's lease
 * counts from the tick before its send), so a voter's guard of G ticks covers G - 1 ticks of
 * real time, which must cover the leaseTicks the leader may use.
 */
export const LEASE_GRANULARITY_TICKS = 1;

export type ResolvedRaftConfig = Required<Omit<RaftConfig, "applied" | "logger">> & Pick<RaftConfig, "applied" | "logger">;

export const RAFT_CONFIG_DEFAULTS = {
  preVote: true,
  checkQuorum: true,
  leaseTicks: 0,
  leaseDriftTicks: 1,
  maxSizePerMsg: 1024 * 1024,
  maxInflightMsgs: 256,
  maxUncommittedEntriesBytes: 64 * 1024 * 1024,
  maxEntryBytes: 8 * 1024 * 1024,
  maxCommittedBytesPerReady: 16 * 1024 * 1024,
  snapshotChunkBytes: 1024 * 1024,
  maxInflightSnapshotChunks: 8,
  maxSnapshotBytes: 1024 * 1024 * 1024,
  maxPendingReads: 4096,
  maxPendingMessages: 65_536,
} as const;

function positiveInt(name: string, v: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(v) || v < 1 || v > max) {
    throw new RaftConfigError(`raft config: ${name} must be an integer in [1, ${max}], got ${v}`);
  }
}

export function resolveConfig(c: RaftConfig): ResolvedRaftConfig {
  if (typeof c.id !== "string" || c.id.length === 0 || c.id.length > PEER_ID_LENGTH_MAX) {
    throw new RaftConfigError(`raft config: id must be a non-empty string of at most ${PEER_ID_LENGTH_MAX} characters`);
  }
  if (typeof c.rand !== "function") throw new RaftConfigError("raft config: rand must be a function (n) => integer in [0, n)");
  if (!c.storage) throw new RaftConfigError("raft config: storage is required");
  const r: ResolvedRaftConfig = { ...RAFT_CONFIG_DEFAULTS, ...stripUndefined(c) } as ResolvedRaftConfig;
  positiveInt("heartbeatTicks", r.heartbeatTicks);
  positiveInt("electionTicks", r.electionTicks);
  if (r.electionTicks <= r.heartbeatTicks) {
    throw new RaftConfigError(`raft config: electionTicks (${r.electionTicks}) must be greater than heartbeatTicks (${r.heartbeatTicks})`);
  }
  nonNegativeInt("leaseTicks", r.leaseTicks);
  nonNegativeInt("leaseDriftTicks", r.leaseDriftTicks);
  if (r.leaseTicks > 0) {
    if (!r.checkQuorum) throw new RaftConfigError("raft config: leaseTicks needs checkQuorum (followers must honour the leader's lease)");
    const guard = leaseGuardTicks(r);
    if (guard > r.electionTicks) {
      throw new RaftConfigError(
        `raft config: leaseTicks (${r.leaseTicks}) + ${LEASE_GRANULARITY_TICKS} + leaseDriftTicks (${r.leaseDriftTicks}) = ${guard} must not exceed electionTicks (${r.electionTicks}): a follower's ordinary lease is one election timeout`,
      );
    }
  }
  positiveInt("maxSizePerMsg", r.maxSizePerMsg);
  positiveInt("maxInflightMsgs", r.maxInflightMsgs, 1 << 20);
  positiveInt("maxUncommittedEntriesBytes", r.maxUncommittedEntriesBytes);
  positiveInt("maxEntryBytes", r.maxEntryBytes, WIRE_ENTRY_BYTES_MAX);
  positiveInt("maxCommittedBytesPerReady", r.maxCommittedBytesPerReady);
  positiveInt("snapshotChunkBytes", r.snapshotChunkBytes, WIRE_SNAPSHOT_CHUNK_BYTES_MAX);
  positiveInt("maxInflightSnapshotChunks", r.maxInflightSnapshotChunks, 1 << 16);
  positiveInt("maxSnapshotBytes", r.maxSnapshotBytes);
  positiveInt("maxPendingReads", r.maxPendingReads, 1 << 20);
  positiveInt("maxPendingMessages", r.maxPendingMessages, 1 << 24);
  if (c.applied !== undefined && (!Number.isSafeInteger(c.applied) || c.applied < 0)) {
    throw new RaftConfigError(`raft config: applied must be a non-negative integer, got ${c.applied}`);
  }
  return r;
}

function nonNegativeInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RaftConfigError(`raft config: ${name} must be a non-negative integer, got ${v}`);
}

/** Ticks a voter withholds its vote after it last heard from a leader, when leases are on. */
export function leaseGuardTicks(c: Pick<ResolvedRaftConfig, "leaseTicks" | "leaseDriftTicks">): number {
  return c.leaseTicks + LEASE_GRANULARITY_TICKS + c.leaseDriftTicks;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
