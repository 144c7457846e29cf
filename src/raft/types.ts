// Data types of the pure Raft core: log entries, persistent state, snapshots, the closed set
// of wire messages and the Ready batch. No behaviour lives here beyond tiny helpers.

/** A peer's stable identity (in Tessera: the libp2p peer id string). */
export type PeerId = string;

/** "No peer": no vote cast, no leader known. */
export const NO_PEER: PeerId = "";

/**
 * `normal` carries an application command (or is empty: the no-op a new leader appends,
 * Raft §5.4.2 / §8); `conf` carries a membership change (see conf.ts for its encoding).
 */
export type EntryType = "normal" | "conf";

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** Bytes an entry is charged for in size bounds: its payload plus a fixed header estimate. */
export const ENTRY_OVERHEAD_BYTES = 24;
export function entrySizeBytes(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

/** Raft's persistent state on all servers (Figure 2) plus the commit index (etcd keeps it too). */
export interface HardState {
  readonly term: number;
  readonly vote: PeerId;
  readonly commit: number;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NO_PEER, commit: 0 };

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** A membership configuration: voters count for elections and commitment, learners only receive the log. */
export interface ConfState {
  readonly voters: readonly PeerId[];
  readonly learners: readonly PeerId[];
}

export const EMPTY_CONF_STATE: ConfState = { voters: [], learners: [] };

export interface SnapshotMeta {
  /** Last log index the snapshot covers, and that entry's term. */
  readonly index: number;
  readonly term: number;
  /** The configuration in effect at `index`. */
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The state machine's serialized state at `meta.index`; opaque to Raft. */
  readonly data: Uint8Array;
}

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

/** Volatile state the application may want to observe (who leads, what we are). */
export interface SoftState {
  readonly lead: PeerId;
  readonly role: Role;
}

/**
 * Answer to a `readIndex(ctx)`: once the local state machine has applied `index`, a read
 * issued with `ctx` may be served from it and is linearizable (Raft dissertation §6.4).
 */
export interface ReadState {
  readonly index: number;
  readonly ctx: string;
}

// ---------------------------------------------------------------------------------------
// Messages. A closed set: step() rejects anything else with UnknownMessageTypeError.

interface MessageBase {
  readonly from: PeerId;
  readonly to: PeerId;
  /** The sender's term (a pre-vote request carries the term the sender would campaign in). */
  readonly term: number;
}

/** AppendEntries (Raft §5.3): entries after (index, logTerm), and the leader's commit. */
export interface AppendMessage extends MessageBase {
  readonly type: "app";
  readonly index: number;
  readonly logTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * AppendEntries reply. Success: `index` is the follower's last index known to match.
 * Rejection: `index` is the rejected prev index and (rejectHint, logTerm) the follower's
 * best guess of where the logs may agree (fast backtracking, etcd findConflictByTerm).
 */
export interface AppendRespMessage extends MessageBase {
  readonly type: "appResp";
  readonly index: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  readonly logTerm: number;
}

/** Leader liveness beacon; carries the commit (capped at the follower's match) and a read ctx. */
export interface HeartbeatMessage extends MessageBase {
  readonly type: "heartbeat";
  readonly commit: number;
  /** ReadIndex round this heartbeat confirms leadership for ("" for none). */
  readonly ctx: string;
  /**
   * The leader's tick count in its term when it sent this heartbeat; the follower echoes it.
   * A leader lease runs from the send tick of the latest heartbeat a quorum answered
   * (dissertation §6.4.1). Absent (0) reads as "sent at the start of the term": a lease that
   * has lapsed, the safe side. On the wire it travels in WireMessage.index.
   */
  readonly round?: number;
}

export interface HeartbeatRespMessage extends MessageBase {
  readonly type: "heartbeatResp";
  readonly ctx: string;
  /** The answered heartbeat's `round`, echoed (0 when absent). */
  readonly round?: number;
}

/** RequestVote (Raft §5.2) or its pre-vote probe (dissertation §9.6). */
export interface VoteMessage extends MessageBase {
  readonly type: "vote" | "preVote";
  /** Candidate's last log index and term (Raft §5.4.1 election restriction). */
  readonly index: number;
  readonly logTerm: number;
  /** Set by a leadership transfer: the voter must ignore its leader lease (dissertation §3.10). */
  readonly force: boolean;
}

export interface VoteRespMessage extends MessageBase {
  readonly type: "voteResp" | "preVoteResp";
  readonly reject: boolean;
}

/**
 * One piece of an InstallSnapshot (Raft §7, Figure 13): bytes [offset, offset+data.length)
 * of the snapshot described by `meta`; `done` marks the last piece.
 */
export interface SnapshotMessage extends MessageBase {
  readonly type: "snapshot";
  readonly meta: SnapshotMeta;
  readonly offset: number;
  readonly data: Uint8Array;
  readonly done: boolean;
}

/**
 * Acknowledges snapshot pieces: the follower holds bytes [0, nextOffset) of the snapshot at
 * `snapshotIndex`. `reject` says the last piece was not accepted (out of order, wrong
 * snapshot, over the size bound) and the leader should resume from `nextOffset`.
 */
export interface SnapshotRespMessage extends MessageBase {
  readonly type: "snapshotResp";
  readonly snapshotIndex: number;
  readonly nextOffset: number;
  readonly reject: boolean;
}

/** Leadership transfer: the leader tells a caught-up transferee to campaign now (dissertation §3.10). */
export interface TimeoutNowMessage extends MessageBase {
  readonly type: "timeoutNow";
}

/** A follower forwards a transferLeadership() request to its leader. */
export interface TransferLeaderMessage extends MessageBase {
  readonly type: "transferLeader";
  readonly transferee: PeerId;
}

/** A follower forwards a readIndex() request to its leader (dissertation §6.4). */
export interface ReadIndexMessage extends MessageBase {
  readonly type: "readIndex";
  readonly ctx: string;
}

export interface ReadIndexRespMessage extends MessageBase {
  readonly type: "readIndexResp";
  readonly ctx: string;
  readonly index: number;
}

export type Message =
  | AppendMessage
  | AppendRespMessage
  | HeartbeatMessage
  | HeartbeatRespMessage
  | VoteMessage
  | VoteRespMessage
  | SnapshotMessage
  | SnapshotRespMessage
  | TimeoutNowMessage
  | TransferLeaderMessage
  | ReadIndexMessage
  | ReadIndexRespMessage;

export type MessageType = Message["type"];

export const MESSAGE_TYPES: ReadonlySet<string> = new Set<MessageType>([
  "app",
  "appResp",
  "heartbeat",
  "heartbeatResp",
  "vote",
  "voteResp",
  "preVote",
  "preVoteResp",
  "snapshot",
  "snapshotResp",
  "timeoutNow",
  "transferLeader",
  "readIndex",
  "readIndexResp",
]);

// ---------------------------------------------------------------------------------------
// Ready: what the driver must do now, in the order of the fields below. See core.ts.

/**
 * Messages that promise the sender's durable state: an append ack says "I hold these
 * entries", a vote says "I voted, and will remember". They go out only after step 1 is
 * durable (dissertation §3.8). Everything else may leave before (§10.2.1).
 */
export const MESSAGES_AFTER_PERSIST: ReadonlySet<MessageType> = new Set<MessageType>(["appResp", "voteResp", "preVoteResp", "snapshotResp"]);

export interface Ready {
  /** Volatile state changes (leader, role); informational, nothing to persist. */
  readonly softState: SoftState | undefined;

  // --- Step 0: send at once, while step 1 is still being written. ---------------------------
  /**
   * Messages that depend on nothing this Ready persists: the leader's appends (it writes its
   * own log in parallel with its followers, dissertation §10.2.1), heartbeats, pre-vote
   * requests, read and transfer traffic. None of them is in MESSAGES_AFTER_PERSIST, and a
   * Ready that changes term or vote has none (all its messages wait for step 1). The core
   * never counts its own log toward a quorum before advance(rd) says the write is durable,
   * so sending these early cannot lose an acknowledged write.
   */
  readonly messages: readonly Message[];

  // --- Step 1: persist, and fsync when `mustSync`, BEFORE step 2 and step 3. ---------------
  /** New term/vote/commit, or undefined when unchanged. */
  readonly hardState: HardState | undefined;
  /** A snapshot received from the leader: install it in storage (it replaces the log up to
   *  its index) and restore the state machine from its data, before appending `entries`. */
  readonly snapshot: Snapshot | undefined;
  /** Entries to append to stable storage; an entry at an index already stored replaces it
   *  and everything after it (a follower's conflicting suffix, Raft §5.3). */
  readonly entries: readonly Entry[];
  /** True when term, vote or entries changed: these must be fsynced before step 2. */
  readonly mustSync: boolean;

  // --- Step 2: send, only after step 1 is durable. -----------------------------------------
  /** Append acks, votes, pre-votes and snapshot acks (MESSAGES_AFTER_PERSIST); and every
   *  message of a Ready that changes term or vote. */
  readonly messagesAfterPersist: readonly Message[];

  // --- Step 3: apply to the state machine, in order. -----------------------------------------
  /** Committed entries not applied yet. Conf entries take effect inside the core already
   *  (on append, dissertation §4.1); the application may observe them but need not act.
   *  Those below `entries[0].index` (all of them when `entries` is empty and there is no
   *  `snapshot`) were stable before this Ready and may be applied before step 1; the rest
   *  only after it. */
  readonly committedEntries: readonly Entry[];

  // --- Step 4: answer reads. ----------------------------------------------------------------
  /** ReadIndex answers: serve the read for `ctx` once applied index >= `index`. */
  readonly readStates: readonly ReadState[];
}

/** What the application's proposal became: the log position it was appended at. */
export interface ProposalPosition {
  readonly index: number;
  readonly term: number;
}
