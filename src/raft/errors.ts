// Typed errors of the Raft core. Expected failures (not the leader, a peer that is not a
// member, garbage from the wire) each have a class identified by `name` and a stable `code`;
// broken invariants are AssertionError (src/util/assert.ts) and mean a bug.
import type { PeerId } from "./types.ts";

export class RaftError extends Error {
  override name = "RaftError";
  readonly code: string = "RAFT_ERROR";
}

/** Invalid RaftConfig at construction. */
export class RaftConfigError extends RaftError {
  override name = "RaftConfigError";
  override readonly code = "RAFT_CONFIG";
}

/**
 * This peer's disk is full: its log or its state machine cannot take a write until space is
 * freed, so it answers at once instead of holding callers until their timeouts. A proposal
 * it had taken before may still commit (through the other voters, or here once space is
 * back): its outcome is unknown, and a retry of the same call is deduplicated by the master.
 */
export class RaftDiskFullError extends RaftError {
  override name = "RaftDiskFullError";
  override readonly code = "RAFT_DISK_FULL";
}

export type ProposalDropReason = "not-leader" | "transferring" | "uncommitted-limit";

/** A proposal (or conf change) was not appended; nothing happened. `leaderHint` may be "". */
export class ProposalDroppedError extends RaftError {
  override name = "ProposalDroppedError";
  override readonly code = "RAFT_PROPOSAL_DROPPED";
  constructor(
    readonly reason: ProposalDropReason,
    readonly leaderHint: PeerId,
  ) {
    super(`proposal dropped: ${reason}${leaderHint ? ` (leader hint: ${leaderHint})` : ""}`);
  }
}

/** A proposal whose payload is over `maxEntryBytes`. */
export class EntryTooLargeError extends RaftError {
  override name = "EntryTooLargeError";
  override readonly code = "RAFT_ENTRY_TOO_LARGE";
  constructor(
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(`entry of ${sizeBytes} bytes is over the bound of ${maxBytes} bytes`);
  }
}

/** A membership change the leader refuses (one already pending, no-op, would leave no voter…). */
export class ConfChangeRejectedError extends RaftError {
  override name = "ConfChangeRejectedError";
  override readonly code = "RAFT_CONF_CHANGE_REJECTED";
}

/** A readIndex() that cannot be served now (no leader known, too many pending). */
export class ReadIndexDroppedError extends RaftError {
  override name = "ReadIndexDroppedError";
  override readonly code = "RAFT_READ_INDEX_DROPPED";
  constructor(
    readonly reason: "no-leader" | "too-many-pending" | "not-leader",
    readonly leaderHint: PeerId,
  ) {
    super(`read index dropped: ${reason}`);
  }
}

/** transferLeadership() to a target that cannot take over (not a voter, unknown leader). */
export class LeaderTransferError extends RaftError {
  override name = "LeaderTransferError";
  override readonly code = "RAFT_LEADER_TRANSFER";
}

/** step() of a message whose `type` is not in the closed set. */
export class UnknownMessageTypeError extends RaftError {
  override name = "UnknownMessageTypeError";
  override readonly code = "RAFT_UNKNOWN_MESSAGE_TYPE";
}

/** step() of a message with a malformed field (negative term, oversize piece, bad conf entry…). */
export class InvalidMessageError extends RaftError {
  override name = "InvalidMessageError";
  override readonly code = "RAFT_INVALID_MESSAGE";
}

/** step() of a message addressed to another peer. */
export class MisroutedMessageError extends RaftError {
  override name = "MisroutedMessageError";
  override readonly code = "RAFT_MISROUTED_MESSAGE";
}

/** step() of a message that only members may send (a vote request, a reply) from a non-member. */
export class NotAMemberError extends RaftError {
  override name = "NotAMemberError";
  override readonly code = "RAFT_NOT_A_MEMBER";
}

/** Storage: the requested index is below the first index (compacted into a snapshot). */
export class LogCompactedError extends RaftError {
  override name = "LogCompactedError";
  override readonly code = "RAFT_LOG_COMPACTED";
}

/** Storage: the requested index is above the last index. */
export class LogUnavailableError extends RaftError {
  override name = "LogUnavailableError";
  override readonly code = "RAFT_LOG_UNAVAILABLE";
}

/** Storage: a snapshot is being produced; the leader retries later. */
export class SnapshotTemporarilyUnavailableError extends RaftError {
  override name = "SnapshotTemporarilyUnavailableError";
  override readonly code = "RAFT_SNAPSHOT_UNAVAILABLE";
}

/** Storage: a snapshot older than the one already held. */
export class SnapshotOutOfDateError extends RaftError {
  override name = "SnapshotOutOfDateError";
  override readonly code = "RAFT_SNAPSHOT_OUT_OF_DATE";
}
