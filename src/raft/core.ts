// RaftCore: Raft as a pure state machine (etcd raft's raft.go + rawnode.go), for the
// replicated metadata of Tessera. No awaits, no clock, no randomness of its own, no I/O.
//
// ─── The driver contract (src/raft/node.ts implements it) ─────────────────────────────────
//
// Inputs:  tick(late?)                 one unit of logical time (e.g. every 100 ms); `late` for
//                                      ticks owed after a stall, then checkOwedQuorum() once
//                                      the messages that arrived meanwhile are read
//          step(msg)                   a message from the network (throws typed errors on garbage)
//          propose(data)               leader only; throws ProposalDroppedError{leaderHint} else
//          proposeConfChange(cc)       one server at a time, leader only
//          readIndex(ctx)              linearizable read request; answered through Ready.readStates
//          transferLeadership(to)
//
// Output loop:
//     if (core.hasReady()) {
//       const rd = core.ready();
//       // 0. SEND rd.messages at once: they promise nothing about this node's disk. The
//       //    leader's appends leave while it writes the same entries itself (dissertation
//       //    §10.2.1); the core counts its own copy toward a quorum only in advance(rd), once
//       //    the driver says the write is durable. (A Ready that changes term or vote has no
//       //    such messages: everything in it waits for step 1.)
//       //    Committed entries below rd.entries[0].index were stable before this Ready: the
//       //    driver may apply them now (step 3) rather than after this Ready's fsync.
//       // 1. PERSIST (before any promise about it leaves this process):
//       //    a. rd.snapshot   -> install in storage (replaces the log up to its index) and
//       //                        restore the state machine from rd.snapshot.data;
//       //    b. rd.entries    -> append to the log; an entry at an index already stored
//       //                        replaces it and all later ones;
//       //    c. rd.hardState  -> store term/vote/commit, with or after b (a stored commit
//       //                        index must never point past the stored log);
//       //    fsync when rd.mustSync (group commit: one fsync for a batch of Readys is fine, as
//       //    long as step 2 of each waits for it).
//       // 2. SEND rd.messagesAfterPersist (only now: a vote or an append ack promises
//       //    durable state, dissertation §3.8).
//       // 3. APPLY rd.committedEntries in order (they may include entries of rd.entries; those
//       //    wait for step 1). Conf entries already took effect inside the core.
//       // 4. READS: for each rd.readStates {index, ctx}, serve the read once applied >= index.
//       core.advance(rd);   // step 1 is durable: a leader counts its own copy now
//     }
//   Between ready() and advance() the driver may keep calling tick/step/propose; it may not
//   call ready() again (hasReady() is false) until it has called advance(rd). Meanwhile it may
//   send takeEarlyMessages(): what those calls produced that a later Ready would have put in
//   rd.messages (heartbeats, their answers, the leader's appends), so a slow disk write does
//   not hold the leader's heartbeats up until the followers start an election.
//   The core reads stable entries from `storage`, so the driver must have written step 1 to
//   the RaftStorage it gave the core before calling advance(rd).
//
// Snapshots: the application takes one of its own state machine at an applied index i
//   (storage.createSnapshot(i, core.confStateAt(i), data)) and may then compact the log up to
//   i. A leader that needs compacted entries streams storage.snapshot() to the follower in
//   pieces of <= snapshotChunkBytes; the follower reassembles them and emits Ready.snapshot.
//
// Restart: new RaftCore({ id, storage, rand, electionTicks, heartbeatTicks, applied, ... })
//   restores term/vote/commit from storage.initialState().hardState, the configuration from
//   initialState().confState (the one at the snapshot index) plus every conf entry in the
//   stored log, and applied from `applied` (default: the snapshot index, which is where a
//   state machine restored from storage.snapshot() stands). Entries in (applied, commit]
//   come back in committedEntries.
//
// Leases (leaseTicks > 0, dissertation §6.4.1): time is ticks. A leader that a quorum
//   answered within leaseTicks of a heartbeat's send answers reads at its commit index at
//   once; voters withhold votes for leaseTicks + 1 + leaseDriftTicks ticks after they last
//   heard from a leader (after forgetLeader() and a restart too), and campaign() waits the
//   guard out. A leader's ticks must not fall behind a monotonic clock (a late timer catches
//   up); a follower's may (a slow clock only lengthens its guard, the safe side).
//
// Errors: propose() throws ProposalDroppedError{reason, leaderHint} (not leader, transfer in
// progress, uncommitted bound) or EntryTooLargeError; proposeConfChange() also
// ConfChangeRejectedError; readIndex() ReadIndexDroppedError; step() throws
// UnknownMessageTypeError / InvalidMessageError / MisroutedMessageError / NotAMemberError for
// input it refuses, before touching any state. An AssertionError is a bug: stop the node.
//
// Membership (dissertation §4.1): a conf entry carries the whole new configuration and takes
// effect on each server as soon as it is in its log, committed or not; only one may be
// uncommitted at a time. Servers accept AppendEntries/InstallSnapshot from anyone with a
// current term (a new server does not know its configuration yet), but refuse replies and
// vote requests from non-members (NotAMemberError).
import { assert } from "../util/assert.ts";
import { applyConfChange, decodeConfEntry, encodeConfEntry, type ConfChange } from "./conf.ts";
import {
  leaseGuardTicks,
  READ_CTX_LENGTH_MAX,
  resolveConfig,
  WIRE_APPEND_ENTRIES_MAX,
  WIRE_ENTRY_BYTES_MAX,
  WIRE_SNAPSHOT_CHUNK_BYTES_MAX,
  type RaftConfig,
  type RaftLogLevel,
  type ResolvedRaftConfig,
} from "./config.ts";
import {
  ConfChangeRejectedError,
  EntryTooLargeError,
  InvalidMessageError,
  LeaderTransferError,
  LogCompactedError,
  MisroutedMessageError,
  NotAMemberError,
  ProposalDroppedError,
  RaftConfigError,
  ReadIndexDroppedError,
  SnapshotTemporarilyUnavailableError,
  UnknownMessageTypeError,
} from "./errors.ts";
import { RaftLog } from "./log.ts";
import { Progress } from "./progress.ts";
import { ReadOnly } from "./read-only.ts";
import {
  MESSAGE_TYPES,
  MESSAGES_AFTER_PERSIST,
  NO_PEER,
  hardStateEqual,
  type AppendMessage,
  type AppendRespMessage,
  type ConfState,
  type Entry,
  type HardState,
  type HeartbeatMessage,
  type Message,
  type PeerId,
  type ProposalPosition,
  type ReadState,
  type Ready,
  type Role,
  type Snapshot,
  type SnapshotMessage,
  type SnapshotMeta,
  type SnapshotRespMessage,
  type SoftState,
  type VoteMessage,
} from "./types.ts";

export type { RaftConfig } from "./config.ts";

/** Distributes Omit over the message union so each variant keeps its own fields. */
type Outgoing<M> = M extends Message ? Omit<M, "from" | "term"> & { term?: number } : never;

/** A snapshot being reassembled from pieces on a follower. */
interface Reassembly {
  readonly meta: SnapshotMeta;
  readonly chunks: Uint8Array[];
  received: number;
}

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: string;
  readonly isLearner: boolean;
  readonly recentActive: boolean;
}

export interface RaftStatus {
  readonly id: PeerId;
  readonly term: number;
  readonly vote: PeerId;
  readonly lead: PeerId;
  readonly role: Role;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly confState: ConfState;
  readonly leadTransferee: PeerId;
  /** Leader only: each member's replication progress. */
  readonly progress: ReadonlyMap<PeerId, ProgressStatus>;
}

/** Counters of expected-but-notable events, for metrics and tests. */
export interface RaftStats {
  droppedOutgoingMessages: number;
  rejectedSnapshotPieces: number;
  ignoredVotesInLease: number;
  /** Reads the leader answered under its lease, without a heartbeat round. */
  leaseReads: number;
  /** ReadIndex heartbeat rounds the leader started. */
  readIndexRounds: number;
}

export class RaftCore {
  readonly id: PeerId;
  private readonly cfg: ResolvedRaftConfig;
  readonly log: RaftLog;

  private _term = 0;
  private _vote: PeerId = NO_PEER;
  private _lead: PeerId = NO_PEER;
  private _role: Role = "follower";

  /** Membership: the configuration at `confBase.index`, then one entry per conf entry in the log above it. */
  private confBase: { index: number; confState: ConfState };
  private confHistory: { index: number; confState: ConfState }[] = [];
  private voters = new Set<PeerId>();
  private learners = new Set<PeerId>();

  // Bounds of the core's memory (STYLE §5), besides the named limits in config.ts:
  //   progress, votes        one slot per member, <= MEMBERS_MAX (conf.ts);
  //   confHistory            one per conf entry above the applied index; only one may be
  //                          uncommitted, so it is short;
  //   log.unstable           a leader's tail is bounded by maxUncommittedEntriesBytes; a
  //                          follower's by the leader's window (maxInflightMsgs × maxSizePerMsg),
  //                          because acks, which open the window, follow persistence;
  //   msgs                   maxPendingMessages; readStates, readOnly + pendingReads:
  //                          maxPendingReads; reassembly: maxSnapshotBytes (one snapshot).

  /** Leader only: replication state per member (self included when a member). */
  private readonly progress = new Map<PeerId, Progress>();
  /** Candidate only: votes received in this campaign. */
  private readonly votes = new Map<PeerId, boolean>();

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private leadTransferee: PeerId = NO_PEER;
  /** Leader: payload bytes appended but not yet committed (bounded by maxUncommittedEntriesBytes). */
  private uncommittedBytes = 0;

  private readonly readOnly: ReadOnly;
  /** Leader: reads that arrived before it committed an entry of its term (bounded with readOnly). */
  private pendingReads: { ctx: string; from: PeerId }[] = [];
  /** ReadIndex answers for the driver (bounded by maxPendingReads). */
  private readStates: ReadState[] = [];
  /** Outgoing messages for the next Ready (with msgsAfterPersist, bounded by maxPendingMessages). */
  private msgs: Message[] = [];
  /** Outgoing messages that promise durable state: sent after the next Ready is persisted. */
  private msgsAfterPersist: Message[] = [];
  /** Leader: ticks since it became leader; heartbeats carry it as their lease round. */
  private leaseClock = 0;
  /** Leader: a leadership transfer was started this term; its forced election ignores voters' guards. */
  private leaseRevoked = false;
  /** Ticks since this node last heard from a leader (0 at start: a restart honours leases too). */
  private ticksSinceLeader = 0;
  /** campaign() was called inside the lease guard: campaign when it ends. */
  private campaignDeferred = false;
  /** Leader: an election timeout ended on a late tick; its quorum is judged later (checkOwedQuorum, or the next tick on time: judgeOwedQuorum). */
  private quorumCheckOwed = false;
  private reassembly: Reassembly | undefined = undefined;

  private prevSoft: SoftState;
  private prevHard: HardState;
  private readyOutstanding = false;

  readonly stats: RaftStats = { droppedOutgoingMessages: 0, rejectedSnapshotPieces: 0, ignoredVotesInLease: 0, leaseReads: 0, readIndexRounds: 0 };

  constructor(config: RaftConfig) {
    this.cfg = resolveConfig(config);
    this.id = config.id;
    const storage = config.storage;
    this.log = new RaftLog(storage, this.cfg.maxCommittedBytesPerReady);
    this.readOnly = new ReadOnly(this.cfg.maxPendingReads);

    const { hardState, confState } = storage.initialState();
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.confBase = { index: first - 1, confState };
    // Replay conf entries of the stored log: they are in effect (dissertation §4.1).
    for (let lo = first; lo <= last; ) {
      const page = storage.entries(lo, last + 1, this.cfg.maxCommittedBytesPerReady);
      assert(page.length > 0, "storage.entries returned nothing for a non-empty range");
      for (const e of page) if (e.type === "conf") this.confHistory.push({ index: e.index, confState: decodeConfEntry(e.data).confState });
      lo += page.length;
    }
    this.applyMembership();

    if (hardState.commit > last) {
      throw new RaftConfigError(`storage: hard state commit ${hardState.commit} is past the last index ${last}`);
    }
    this.log.committed = Math.max(hardState.commit, first - 1);
    this._term = hardState.term;
    this._vote = hardState.vote;
    if (config.applied !== undefined) {
      if (config.applied < first - 1 || config.applied > this.log.committed) {
        throw new RaftConfigError(`raft config: applied ${config.applied} outside [${first - 1}, ${this.log.committed}]`);
      }
      this.log.applied = config.applied;
    }
    this.becomeFollower(this._term, NO_PEER);
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  // ─── Observers ─────────────────────────────────────────────────────────────────────────

  get term(): number {
    return this._term;
  }
  get vote(): PeerId {
    return this._vote;
  }
  get lead(): PeerId {
    return this._lead;
  }
  get role(): Role {
    return this._role;
  }

  softState(): SoftState {
    return { lead: this._lead, role: this._role };
  }

  hardState(): HardState {
    return { term: this._term, vote: this._vote, commit: this.log.committed };
  }

  /** The configuration in effect now (the latest in the log, committed or not). */
  confState(): ConfState {
    return { voters: [...this.voters].sort(), learners: [...this.learners].sort() };
  }

  /**
   * The configuration in effect at log index `index` (for the application's snapshot
   * metadata). Valid for indexes >= the applied index and <= the last index.
   */
  confStateAt(index: number): ConfState {
    assert(index >= this.confBase.index, `confStateAt(${index}): history starts at ${this.confBase.index}`);
    assert(index <= this.log.lastIndex(), `confStateAt(${index}) is past the last index ${this.log.lastIndex()}`);
    let cs = this.confBase.confState;
    for (const h of this.confHistory) {
      if (h.index > index) break;
      cs = h.confState;
    }
    return cs;
  }

  isVoter(id: PeerId): boolean {
    return this.voters.has(id);
  }

  status(): RaftStatus {
    const progress = new Map<PeerId, ProgressStatus>();
    for (const [id, pr] of this.progress) {
      progress.set(id, { match: pr.match, next: pr.next, state: pr.state, isLearner: pr.isLearner, recentActive: pr.recentActive });
    }
    return {
      id: this.id,
      term: this._term,
      vote: this._vote,
      lead: this._lead,
      role: this._role,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      confState: this.confState(),
      leadTransferee: this.leadTransferee,
      progress,
    };
  }

  // ─── Inputs ────────────────────────────────────────────────────────────────────────────

  /**
   * One unit of logical time. `late`: a tick owed for time that passed while the driver could
   * not run (a stalled process catching up with its clock). It counts as any tick for leases
   * and timeouts, but a leader does not judge its quorum on it: its followers' answers from
   * that time may be waiting unread, and stepping down on them would turn a pause of the
   * leader's process into an election. The judgment waits for the next tick on time, or for
   * checkOwedQuorum(), which the driver calls once it has read what arrived meanwhile; if no
   * quorum was heard, the check's window starts again (judgeOwedQuorum).
   */
  tick(late = false): void {
    this.ticksSinceLeader++;
    if (this._role === "leader") this.tickHeartbeat(late);
    else this.tickElection();
  }

  /** Leader: judges a quorum check that late ticks put off (tick()); nothing otherwise. */
  checkOwedQuorum(): void {
    if (this._role === "leader" && this.quorumCheckOwed) this.judgeOwedQuorum();
  }

  /**
   * Starts an election now (pre-vote first when enabled), as an elapsed election timeout would.
   * With leases on, not before this node's lease guard has run out (and one tick more, so
   * peers that heard the leader a moment later have let go too): a node that campaigns votes
   * for itself, and its vote may be one a leader's lease counts on (§6.4.1). It campaigns on
   * the tick the guard ends, unless a leader speaks first.
   */
  campaign(): void {
    if (this._role === "leader") return;
    if (this.cfg.leaseTicks > 0 && this.ticksSinceLeader <= leaseGuardTicks(this.cfg)) {
      this.campaignDeferred = true;
      return;
    }
    this.startCampaign(this.cfg.preVote ? "preElection" : "election");
  }

  /**
   * Forgets the current leader without touching the election timer (etcd's ForgetLeader):
   * the check-quorum lease stops holding, so this follower grants a candidate's vote at once
   * instead of ignoring it for an election timeout. For a driver that knows the leader is
   * gone (its connection dropped). Liveness only: a leader that is in fact alive is
   * followed again on its next message, and votes still obey §5.2 and §5.4.1.
   * With leases on, the vote stays withheld until the lease guard has run out
   * (ticksUntilVotable()): the forgotten leader may still be answering reads under its lease.
   */
  forgetLeader(): void {
    if (this._role !== "follower" || this._lead === NO_PEER) return;
    this.logf("info", () => `${this.id} forgets leader ${this._lead} at term ${this._term}`);
    this._lead = NO_PEER;
  }

  /** Appends `data` as a new entry. Leader only. */
  propose(data: Uint8Array): ProposalPosition {
    assert(data instanceof Uint8Array, "propose: data must be a Uint8Array");
    if (data.byteLength > this.cfg.maxEntryBytes) throw new EntryTooLargeError(data.byteLength, this.cfg.maxEntryBytes);
    this.checkCanPropose();
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + data.byteLength > this.cfg.maxUncommittedEntriesBytes) {
      throw new ProposalDroppedError("uncommitted-limit", this.id);
    }
    return this.appendAndReplicate("normal", data);
  }

  /**
   * Proposes one membership change (dissertation §4.1). Rejected while another change is
   * uncommitted, and until the leader has committed an entry of its own term (the fix to the
   * single-server change bug, Ongaro, raft-dev 2015).
   */
  proposeConfChange(cc: ConfChange): ProposalPosition {
    this.checkCanPropose();
    const pending = this.confHistory.length > 0 ? this.confHistory[this.confHistory.length - 1].index : 0;
    if (pending > this.log.committed) {
      throw new ConfChangeRejectedError(`a membership change at index ${pending} is not committed yet`);
    }
    if (!this.committedInTerm()) {
      throw new ConfChangeRejectedError("the leader has not committed an entry of its term yet");
    }
    const next = applyConfChange(this.confState(), cc);
    if (typeof next === "string") throw new ConfChangeRejectedError(next);
    return this.appendAndReplicate("conf", encodeConfEntry({ change: cc, confState: next }));
  }

  /**
   * Requests a linearizable read point for `ctx` (a unique request id). The answer comes as
   * Ready.readStates; none comes if leadership is lost meanwhile (the caller times out).
   */
  readIndex(ctx: string): void {
    if (typeof ctx !== "string" || ctx.length === 0 || ctx.length > READ_CTX_LENGTH_MAX) {
      throw new InvalidMessageError(`read ctx must be a string of 1..${READ_CTX_LENGTH_MAX} characters`);
    }
    if (this._role === "leader") {
      const refused = this.handleReadRequest(this.id, ctx);
      if (refused) throw new ReadIndexDroppedError(refused, this.id);
      return;
    }
    if (this._lead === NO_PEER || this._role !== "follower") throw new ReadIndexDroppedError("no-leader", NO_PEER);
    this.send({ type: "readIndex", to: this._lead, ctx });
  }

  /**
   * Leader only: the index a read may be served at without a heartbeat round, while the
   * lease holds (dissertation §6.4.1); undefined when it does not (use readIndex()). The
   * read is linearizable once the state machine has applied that index.
   */
  readIndexUnderLease(): number | undefined {
    const index = this.leaseReadIndex();
    if (index !== undefined) this.stats.leaseReads++;
    return index;
  }

  /** Whether the lease holds now (an observer for status and tests; counts nothing). */
  leaseHolds(): boolean {
    return this.leaseReadIndex() !== undefined;
  }

  /**
   * Ticks until this node would grant a vote or pre-vote to another candidate (0: now): the
   * check-quorum lease of a known leader (dissertation §4.2.3), and with leases on the guard
   * after the last contact with any leader. A leader never grants one.
   */
  ticksUntilVotable(): number {
    if (!this.cfg.checkQuorum) return 0;
    if (this._role === "leader") return Number.POSITIVE_INFINITY;
    let ticks = 0;
    // Dissertation §4.2.3: a follower that heard from its leader within an election timeout.
    if (this._lead !== NO_PEER) ticks = this.cfg.electionTicks - this.electionElapsed;
    // §6.4.1: within the lease guard after the last word from any leader, even one forgotten
    // or from before a restart: that leader may still serve reads under its lease.
    if (this.cfg.leaseTicks > 0) ticks = Math.max(ticks, leaseGuardTicks(this.cfg) - this.ticksSinceLeader);
    return Math.max(0, ticks);
  }

  /** Hands leadership to `to` (dissertation §3.10). A follower forwards the request to its leader. */
  transferLeadership(to: PeerId): void {
    if (this._role !== "leader") {
      if (this._lead === NO_PEER) throw new LeaderTransferError("no leader known to transfer from");
      this.send({ type: "transferLeader", to: this._lead, transferee: to });
      return;
    }
    const refused = this.handleTransfer(to);
    if (refused) throw new LeaderTransferError(refused);
  }

  step(m: Message): void {
    this.validate(m);
    if (m.to !== this.id) throw new MisroutedMessageError(`message for ${m.to} delivered to ${this.id}`);
    this.checkSender(m);
    if (m.type === "heartbeat" && m.term >= this._term && m.commit > this.log.lastIndex()) {
      // A leader of our term (or a newer one) caps the commit at our match, which we hold.
      throw new InvalidMessageError(`heartbeat commit ${m.commit} is past our last index ${this.log.lastIndex()}`);
    }

    if (m.term > this._term) {
      if (m.type === "vote" || m.type === "preVote") {
        // Dissertation §4.2.3: a server that heard from a leader within the minimum election
        // timeout neither grants a vote nor updates its term (unless a transfer forces it).
        // With leases on, also within the guard after the last word from any leader (§6.4.1).
        // One function decides and reports it, so what tests observe is what the node does.
        const inLease = this.ticksUntilVotable() > 0;
        if (!m.force && inLease) {
          this.stats.ignoredVotesInLease++;
          this.logf("debug", () => `ignored ${m.type} from ${m.from} at term ${m.term}: in lease of ${this._lead}`);
          return;
        }
      }
      if (m.type === "preVote") {
        // A pre-vote never changes our term.
      } else if (m.type === "preVoteResp" && !m.reject) {
        // We bump the term when the real election starts.
      } else if (m.type === "app" || m.type === "heartbeat" || m.type === "snapshot") {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NO_PEER);
      }
    } else if (m.term < this._term) {
      if (m.type === "app" || m.type === "heartbeat") {
        // A stale leader (e.g. back from a partition) must learn the new term and step down.
        // etcd does this only with pre-vote or check-quorum, relying otherwise on our vote
        // requests; but a non-member's vote requests are refused here (a removed server that
        // is added back with a higher term would never be heard), so always answer.
        this.send({ type: "appResp", to: m.from, index: 0, reject: false, rejectHint: 0, logTerm: 0 });
      } else if (m.type === "preVote") {
        this.send({ type: "preVoteResp", to: m.from, reject: true });
      }
      return;
    }

    if (m.type === "vote" || m.type === "preVote") {
      this.handleVoteRequest(m);
      return;
    }
    switch (this._role) {
      case "leader":
        this.stepLeader(m);
        break;
      case "candidate":
      case "preCandidate":
        this.stepCandidate(m);
        break;
      case "follower":
        this.stepFollower(m);
        break;
    }
  }

  // ─── Ready / advance ───────────────────────────────────────────────────────────────────

  hasReady(): boolean {
    if (this.readyOutstanding) return false;
    const ss = this.softState();
    if (ss.lead !== this.prevSoft.lead || ss.role !== this.prevSoft.role) return true;
    if (!hardStateEqual(this.hardState(), this.prevHard)) return true;
    if (this.log.unstable.snapshot !== undefined || this.log.unstable.entries.length > 0) return true;
    if (this.msgs.length > 0 || this.msgsAfterPersist.length > 0 || this.readStates.length > 0) return true;
    return this.log.hasNextCommittedEnts();
  }

  ready(): Ready {
    assert(!this.readyOutstanding, "ready() called again before advance()");
    const ss = this.softState();
    const hs = this.hardState();
    const softChanged = ss.lead !== this.prevSoft.lead || ss.role !== this.prevSoft.role;
    const hardChanged = !hardStateEqual(hs, this.prevHard);
    const entries = this.log.unstableEntries();
    const snapshot = this.log.unstable.snapshot;
    const committedEntries = this.log.nextCommittedEnts();
    if (this._role === "leader") {
      for (const e of committedEntries) this.uncommittedBytes = Math.max(0, this.uncommittedBytes - e.data.byteLength);
    }
    const termOrVoteChanged = this.termOrVoteNotDurable(hs);
    // Nothing leaves in a term, or after a vote, that a crash could make us forget (§3.8): a
    // candidate's vote requests wait for its term and vote to be durable, so it leads only in
    // a term it will remember. A leader that forgot its term could win it again after a
    // restart and write a different entry at an index it had already sent.
    const early = termOrVoteChanged ? [] : this.msgs;
    const afterPersist = termOrVoteChanged ? [...this.msgs, ...this.msgsAfterPersist] : this.msgsAfterPersist;
    const rd: Ready = {
      softState: softChanged ? ss : undefined,
      hardState: hardChanged ? hs : undefined,
      snapshot,
      entries,
      mustSync: entries.length > 0 || snapshot !== undefined || termOrVoteChanged,
      messages: early,
      messagesAfterPersist: afterPersist,
      committedEntries,
      readStates: this.readStates,
    };
    this.msgs = [];
    this.msgsAfterPersist = [];
    this.readStates = [];
    if (softChanged) this.prevSoft = ss;
    this.readyOutstanding = true;
    return rd;
  }

  /**
   * The messages produced since the last ready() that promise nothing about this node's disk
   * (those the next Ready would carry in rd.messages), taken now so the driver can send them
   * while a Ready is still being persisted. None while the term or vote differs from the one
   * last made durable (advance): then everything waits for the write, as ready() would have it.
   * Messages that vouch for the disk (MESSAGES_AFTER_PERSIST) are never taken early.
   */
  takeEarlyMessages(): Message[] {
    if (this.msgs.length === 0) return [];
    if (this.termOrVoteNotDurable(this.hardState())) return [];
    const early = this.msgs;
    this.msgs = [];
    return early;
  }

  /** Whether `hs` holds a term or vote other than the one last made durable (advance). */
  private termOrVoteNotDurable(hs: HardState): boolean {
    return hs.term !== this.prevHard.term || hs.vote !== this.prevHard.vote;
  }

  /** The driver finished persisting, sending and applying `rd`. */
  advance(rd: Ready): void {
    assert(this.readyOutstanding, "advance() without an outstanding ready()");
    this.readyOutstanding = false;
    if (rd.hardState) this.prevHard = rd.hardState;
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1];
      this.log.unstable.stableTo(last.index, last.term);
    }
    let applied = this.log.applied;
    if (rd.snapshot) {
      this.log.unstable.stableSnapTo(rd.snapshot.meta.index);
      applied = Math.max(applied, rd.snapshot.meta.index);
    }
    if (rd.committedEntries.length > 0) applied = Math.max(applied, rd.committedEntries[rd.committedEntries.length - 1].index);
    if (applied > this.log.applied) this.log.appliedTo(applied);
    // Conf entries at or below the applied index are folded into the base: memory stays bounded.
    while (this.confHistory.length > 0 && this.confHistory[0].index <= this.log.applied) {
      const h = this.confHistory.shift()!;
      this.confBase = h;
    }
    if (this.confBase.index < this.log.applied && this.confHistory.length === 0) {
      this.confBase = { index: this.log.applied, confState: this.confBase.confState };
    }
    // What rd asked to persist is durable now: a leader counts its own copy of the entries.
    // It sent them before writing them (§10.2.1), so until now only its followers' acks
    // counted toward their quorum.
    if (rd.entries.length > 0 && this._role === "leader") {
      const last = rd.entries[rd.entries.length - 1];
      this.selfPersisted(last.index, last.term);
    }
  }

  /** Leader: our own log holds (index, term) durably; count it toward the commit quorum. */
  private selfPersisted(index: number, term: number): void {
    const self = this.progress.get(this.id);
    if (!self || !this.log.matchTerm(index, term)) return;
    if (!self.maybeUpdate(index)) return;
    if (this.maybeCommit() && this._role === "leader") this.bcastAppend();
  }

  // ─── Roles ─────────────────────────────────────────────────────────────────────────────

  private promotable(): boolean {
    return this.voters.has(this.id);
  }

  private reset(term: number): void {
    if (this._term !== term) {
      this._term = term;
      this._vote = NO_PEER;
      this.reassembly = undefined;
    }
    this._lead = NO_PEER;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + this.randInt(this.cfg.electionTicks);
    this.leadTransferee = NO_PEER;
    this.votes.clear();
    this.progress.clear();
    this.readOnly.reset();
    this.pendingReads = [];
    this.uncommittedBytes = 0;
    this.leaseClock = 0;
    this.leaseRevoked = false;
    this.quorumCheckOwed = false;
  }

  private becomeFollower(term: number, lead: PeerId): void {
    this.reset(term);
    this._lead = lead;
    this._role = "follower";
  }

  private becomePreCandidate(): void {
    assert(this._role !== "leader", "leader cannot become pre-candidate");
    // Unlike reset(): the term and vote stay (dissertation §9.6).
    this.votes.clear();
    this._lead = NO_PEER;
    this.electionElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + this.randInt(this.cfg.electionTicks);
    this._role = "preCandidate";
  }

  private becomeCandidate(): void {
    assert(this._role !== "leader", "leader cannot become candidate");
    this.reset(this._term + 1);
    this._vote = this.id;
    this._role = "candidate";
  }

  private becomeLeader(): void {
    assert(this._role === "candidate", `becomeLeader from ${this._role}`);
    this.reset(this._term);
    this._lead = this.id;
    this._role = "leader";
    this.syncProgress();
    for (const pr of this.progress.values()) pr.recentActive = true;
    const self = this.progress.get(this.id);
    if (self) self.becomeReplicate();
    // Raft §5.4.2 / §8: an empty entry of the new term lets the leader commit (and learn the
    // commit point of) everything before it.
    this.appendAndReplicate("normal", new Uint8Array(0));
    this.logf("info", () => `${this.id} became leader at term ${this._term}`);
  }

  private startCampaign(kind: "preElection" | "election" | "transfer"): void {
    if (!this.promotable()) return;
    let type: "vote" | "preVote";
    let term: number;
    if (kind === "preElection") {
      this.becomePreCandidate();
      type = "preVote";
      term = this._term + 1;
    } else {
      this.becomeCandidate();
      type = "vote";
      term = this._term;
    }
    // Our own vote counts at once: the requests for the others' votes wait until it is durable
    // (ready() holds every message of a Ready that changes term or vote), so no one answers,
    // and we lead no one, before a crash could make us forget it.
    if (this.poll(this.id, false)) return;
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const v of this.voters) {
      if (v === this.id) continue;
      this.send({ type, to: v, term, index, logTerm, force: kind === "transfer" });
    }
  }

  /** Records a vote; returns true when the campaign ended (won or lost). */
  private poll(from: PeerId, reject: boolean): boolean {
    if (!this.votes.has(from)) this.votes.set(from, !reject);
    let granted = 0;
    let rejected = 0;
    for (const v of this.voters) {
      const g = this.votes.get(v);
      if (g === true) granted++;
      else if (g === false) rejected++;
    }
    const q = quorum(this.voters.size);
    if (granted >= q) {
      if (this._role === "preCandidate") this.startCampaign("election");
      else this.becomeLeader();
      return true;
    }
    if (rejected > this.voters.size - q) {
      this.becomeFollower(this._term, NO_PEER);
      return true;
    }
    return false;
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.campaignDeferred && this.ticksSinceLeader > leaseGuardTicks(this.cfg)) {
      this.campaignDeferred = false;
      if (this._role !== "follower" || this._lead !== NO_PEER) return;
      this.electionElapsed = 0;
      this.startCampaign(this.cfg.preVote ? "preElection" : "election");
      return;
    }
    // An election timeout is at least electionTicks >= the lease guard after the last word
    // from a leader (electionElapsed restarts whenever ticksSinceLeader does, and more often).
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.startCampaign(this.cfg.preVote ? "preElection" : "election");
    }
  }

  private tickHeartbeat(late: boolean): void {
    this.leaseClock++;
    this.heartbeatElapsed++;
    this.electionElapsed++;
    const timedOut = this.electionElapsed >= this.cfg.electionTicks;
    if (timedOut) this.electionElapsed = 0;
    if (this.cfg.checkQuorum && (timedOut || this.quorumCheckOwed)) {
      // Safety does not rest on the check (a deposed leader commits nothing, and its lease runs
      // out on late ticks too), so on a late tick it is put off (tick()).
      if (late) this.quorumCheckOwed = true;
      else if (this.quorumCheckOwed) this.judgeOwedQuorum();
      else if (!this.judgeQuorum()) return;
    }
    if (timedOut) {
      if (this.leadTransferee !== NO_PEER) {
        this.logf("info", () => `${this.id} aborted transfer to ${this.leadTransferee}: timed out`);
        this.leadTransferee = NO_PEER;
      }
    }
    for (const [id, pr] of this.progress) {
      const t = pr.transfer;
      if (t === undefined) continue;
      if (++t.stallTicks >= this.cfg.electionTicks) {
        // Pieces or their acks were lost: go back to what the follower confirmed.
        t.stallTicks = 0;
        t.sentOffset = t.ackedOffset;
        t.doneSent = false;
        this.sendSnapshotPieces(id, pr);
      }
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnly.lastPendingCtx());
    }
  }

  /**
   * Dissertation §6.2: a leader that has not heard from a quorum within an election timeout
   * steps down, so a partitioned leader stops serving (and stops taking proposals). False if
   * it stepped down.
   */
  private judgeQuorum(): boolean {
    this.quorumCheckOwed = false;
    if (this.quorumActive()) return true;
    this.logf("info", () => `${this.id} stepped down at term ${this._term}: no quorum contact`);
    this.becomeFollower(this._term, NO_PEER);
    return false;
  }

  /**
   * A check that late ticks put off. Whatever it finds, the check's window starts again here:
   * the next judgment is a whole election timeout on, on answers marked after this one (the
   * late ticks left the timeout's count anywhere, and a judgment a tick later would find no
   * answer yet). A quorum heard since the last check: nothing else to do. None: the leader
   * does not step down yet. When the whole machine stalled, the followers were paused too and
   * sent nothing meanwhile; if the last check came just before the stall, no answer is marked,
   * and the answers to the heartbeats sent since need a round trip this judgment cannot wait
   * for (a three-peer cluster lost its leader this way, one run in eight under load:
   * test/raft/node-stall.test.ts). A leader cut off for real steps down one election timeout
   * later than it would have; its lease runs out on the late ticks regardless.
   */
  private judgeOwedQuorum(): void {
    this.quorumCheckOwed = false;
    this.electionElapsed = 0;
    if (this.quorumActive()) return;
    this.logf("info", () => `${this.id} heard no quorum across a stall at term ${this._term}: judging again in an election timeout`);
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const v of this.voters) {
      if (v === this.id) {
        active++;
        continue;
      }
      const pr = this.progress.get(v);
      if (pr?.recentActive) active++;
    }
    for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = false;
    return active >= quorum(this.voters.size);
  }

  // ─── Step per role ─────────────────────────────────────────────────────────────────────

  private handleVoteRequest(m: VoteMessage): void {
    const respType = m.type === "vote" ? "voteResp" : "preVoteResp";
    const canVote =
      this._vote === m.from || (this._vote === NO_PEER && this._lead === NO_PEER) || (m.type === "preVote" && m.term > this._term);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // A granted pre-vote answers in the term it was asked for, so the candidate counts it.
      this.send({ type: respType, to: m.from, term: m.term, reject: false });
      if (m.type === "vote") {
        this.electionElapsed = 0;
        this._vote = m.from;
      }
    } else {
      this.send({ type: respType, to: m.from, reject: true });
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case "appResp": {
        const pr = this.progress.get(m.from);
        if (pr) this.handleAppendResp(m, pr);
        return;
      }
      case "heartbeatResp": {
        const pr = this.progress.get(m.from);
        if (!pr) return;
        pr.recentActive = true;
        pr.probeSent = false;
        // The lease counts from the send tick of the newest heartbeat answered (§6.4.1); a
        // round from the future is not one we sent.
        const round = m.round ?? 0;
        if (round <= this.leaseClock && round > pr.leaseRound) pr.leaseRound = round;
        // Appends may have been lost with the window full: free one slot so replication
        // resumes; a gap makes the follower reject and the leader fall back to probing.
        if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, pr);
        if (m.ctx !== "") this.handleReadAck(m.from, m.ctx);
        return;
      }
      case "snapshotResp": {
        const pr = this.progress.get(m.from);
        if (pr) this.handleSnapshotResp(m, pr);
        return;
      }
      case "readIndex": {
        const refused = this.handleReadRequest(m.from, m.ctx);
        if (refused) this.logf("warn", () => `read ${m.ctx} from ${m.from} dropped: ${refused}`);
        return;
      }
      case "transferLeader": {
        const refused = this.handleTransfer(m.transferee);
        if (refused) this.logf("warn", () => `transfer to ${m.transferee} requested by ${m.from} refused: ${refused}`);
        return;
      }
      case "app":
      case "heartbeat":
      case "snapshot":
        // Another leader in our term would break Election Safety (Raft §5.2): never expected.
        this.logf("warn", () => `leader ${this.id} got ${m.type} from ${m.from} in its own term ${this._term}`);
        return;
      default:
        return; // stale vote replies, timeoutNow, readIndexResp: nothing to do as leader
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case "app":
        this.becomeFollower(m.term, m.from);
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        return;
      case "heartbeat":
        this.becomeFollower(m.term, m.from);
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case "snapshot":
        this.becomeFollower(m.term, m.from);
        this.heardFromLeader(m.from);
        this.handleSnapshotPiece(m);
        return;
      case "preVoteResp":
        if (this._role === "preCandidate") this.poll(m.from, m.reject);
        return;
      case "voteResp":
        if (this._role === "candidate") this.poll(m.from, m.reject);
        return;
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case "app":
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        return;
      case "heartbeat":
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case "snapshot":
        this.heardFromLeader(m.from);
        this.handleSnapshotPiece(m);
        return;
      case "transferLeader":
        if (this._lead !== NO_PEER) this.send({ type: "transferLeader", to: this._lead, transferee: m.transferee });
        return;
      case "timeoutNow":
        // Dissertation §3.10: start an election at once, skipping pre-vote and the lease.
        this.logf("info", () => `${this.id} got timeoutNow from ${m.from} at term ${this._term}`);
        this.startCampaign("transfer");
        return;
      case "readIndexResp":
        if (this.readStates.length >= this.cfg.maxPendingReads) {
          this.logf("warn", () => `read state ${m.ctx} dropped: ${this.readStates.length} pending`);
          return;
        }
        this.readStates.push({ index: m.index, ctx: m.ctx });
        return;
      default:
        return;
    }
  }

  /** A leader of our term spoke: restart the election timer and the lease guard. */
  private heardFromLeader(from: PeerId): void {
    this.electionElapsed = 0;
    this._lead = from;
    this.ticksSinceLeader = 0;
    // The leader a driver thought gone is alive: no deferred campaign.
    this.campaignDeferred = false;
  }

  // ─── Replication: follower side ────────────────────────────────────────────────────────

  private handleAppend(m: AppendMessage): void {
    if (m.index < this.log.committed) {
      this.send({ type: "appResp", to: m.from, index: this.log.committed, reject: false, rejectHint: 0, logTerm: 0 });
      return;
    }
    const res = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (res) {
      if (res.conflictIndex !== 0) this.trackConfEntries(res.conflictIndex, m.entries);
      this.send({ type: "appResp", to: m.from, index: res.lastNewIndex, reject: false, rejectHint: 0, logTerm: 0 });
      return;
    }
    // Fast backtracking: point the leader at the last index whose term is <= the term it
    // probed with, so it skips a whole term of mismatching entries per round trip.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({ type: "appResp", to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    // The leader caps the commit at our match, so it never exceeds what we hold (checked in step()).
    this.log.commitTo(m.commit);
    this.send({ type: "heartbeatResp", to: m.from, ctx: m.ctx, round: m.round ?? 0 });
  }

  private handleSnapshotPiece(m: SnapshotMessage): void {
    const meta = m.meta;
    if (meta.index <= this.log.committed) {
      // Already have it (or newer): tell the leader where we stand.
      this.reassembly = undefined;
      this.send({ type: "appResp", to: m.from, index: this.log.committed, reject: false, rejectHint: 0, logTerm: 0 });
      return;
    }
    const refuse = (reason: string, nextOffset: number) => {
      this.stats.rejectedSnapshotPieces++;
      this.logf("warn", () => `${this.id} rejected snapshot piece from ${m.from} (snapshot ${meta.index}/${meta.term}, offset ${m.offset}): ${reason}`);
      this.send({ type: "snapshotResp", to: m.from, snapshotIndex: meta.index, nextOffset, reject: true });
    };
    let r = this.reassembly;
    const same = r !== undefined && r.meta.index === meta.index && r.meta.term === meta.term;
    if (m.offset === 0 && !(same && r!.received > 0)) {
      r = this.reassembly = { meta, chunks: [], received: 0 };
    } else if (!same) {
      refuse("no transfer of this snapshot in progress", 0);
      return;
    }
    r = r!;
    if (m.offset < r.received) {
      // A duplicate: acknowledge what we hold.
      this.send({ type: "snapshotResp", to: m.from, snapshotIndex: meta.index, nextOffset: r.received, reject: false });
      return;
    }
    if (m.offset > r.received) {
      refuse(`out of order: expected offset ${r.received}`, r.received);
      return;
    }
    if (r.received + m.data.byteLength > this.cfg.maxSnapshotBytes) {
      this.reassembly = undefined;
      refuse(`snapshot larger than maxSnapshotBytes ${this.cfg.maxSnapshotBytes}`, 0);
      return;
    }
    if (m.data.byteLength > 0) r.chunks.push(m.data);
    r.received += m.data.byteLength;
    if (!m.done) {
      this.send({ type: "snapshotResp", to: m.from, snapshotIndex: meta.index, nextOffset: r.received, reject: false });
      return;
    }
    this.reassembly = undefined;
    const data = concatBytes(r.chunks, r.received);
    if (this.restore({ meta, data })) {
      this.logf("info", () => `${this.id} restored snapshot ${meta.index}/${meta.term}`);
      this.send({ type: "appResp", to: m.from, index: this.log.lastIndex(), reject: false, rejectHint: 0, logTerm: 0 });
    } else {
      this.send({ type: "appResp", to: m.from, index: this.log.committed, reject: false, rejectHint: 0, logTerm: 0 });
    }
  }

  /** Installs a snapshot from the leader (Raft §7). Returns false when it was not needed. */
  private restore(s: Snapshot): boolean {
    if (s.meta.index <= this.log.committed) return false;
    assert(this._role === "follower", `restore as ${this._role}`);
    if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // Our log already has the snapshot's last entry: keep the log, just commit up to it.
      this.log.commitTo(s.meta.index);
      return false;
    }
    this.log.restore(s);
    // The snapshot's configuration is in effect from its index on. History at or below the
    // applied index stays: the application may still ask confStateAt(applied) until it has
    // installed this snapshot.
    this.confHistory = this.confHistory.filter((h) => h.index <= this.log.applied);
    this.confHistory.push({ index: s.meta.index, confState: s.meta.confState });
    this.applyMembership();
    return true;
  }

  // ─── Replication: leader side ──────────────────────────────────────────────────────────

  private checkCanPropose(): void {
    if (this._role !== "leader") throw new ProposalDroppedError("not-leader", this._lead);
    // Dissertation §3.10: stop accepting proposals while handing leadership over.
    if (this.leadTransferee !== NO_PEER) throw new ProposalDroppedError("transferring", this.id);
  }

  private appendAndReplicate(type: Entry["type"], data: Uint8Array): ProposalPosition {
    const index = this.log.lastIndex() + 1;
    const e: Entry = { index, term: this._term, type, data };
    this.log.append([e]);
    this.uncommittedBytes += data.byteLength;
    if (type === "conf") this.trackConfEntries(index, [e]);
    // Our own copy counts toward the quorum only once it is durable: advance() does that
    // (selfPersisted). A conf change that shrinks the quorum may commit at once on the
    // followers' acks alone.
    this.maybeCommit();
    if (this._role === "leader") this.bcastAppend();
    return { index, term: this._term };
  }

  private handleAppendResp(m: AppendRespMessage, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === "replicate") pr.becomeProbe();
        this.sendAppend(m.from, pr);
      }
      return;
    }
    if (m.index > this.log.lastIndex()) {
      this.logf("warn", () => `${m.from} acknowledged index ${m.index} past our last index ${this.log.lastIndex()}`);
      return;
    }
    const wasPaused = pr.isPaused();
    // An ack of exactly our match in probe state also proves where the logs agree (etcd):
    // without it a follower with nothing new to take would stay in probe until a heartbeat.
    if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === "probe")) return;
    if (pr.state === "probe") {
      pr.becomeReplicate();
    } else if (pr.state === "snapshot") {
      const snapIndex = pr.transfer?.snapshot.meta.index ?? 0;
      if (pr.match >= snapIndex || pr.match + 1 >= this.log.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
    } else {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      if (this._role !== "leader") return;
      this.bcastAppend();
    } else if (wasPaused) {
      this.sendAppend(m.from, pr);
    }
    // Keep the pipeline full while entries remain and the window allows.
    while (this.progress.get(m.from) === pr && this.maybeSendAppend(m.from, pr, false)) {
      /* loop */
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send({ type: "timeoutNow", to: m.from });
    }
  }

  private handleSnapshotResp(m: SnapshotRespMessage, pr: Progress): void {
    pr.recentActive = true;
    const t = pr.transfer;
    if (pr.state !== "snapshot" || t === undefined || t.snapshot.meta.index !== m.snapshotIndex) return;
    t.stallTicks = 0;
    const total = t.snapshot.data.byteLength;
    const next = Math.min(m.nextOffset, total);
    if (m.reject) {
      // Already resending from there: the pieces in flight will fill the gap.
      if (next === t.ackedOffset && t.resentFrom === next) return;
      t.ackedOffset = next;
      t.sentOffset = next;
      t.doneSent = false;
      t.resentFrom = next;
    } else {
      if (next > t.ackedOffset) t.ackedOffset = next;
      if (t.sentOffset < t.ackedOffset) {
        t.sentOffset = t.ackedOffset;
        t.doneSent = false;
      }
    }
    this.sendSnapshotPieces(m.from, pr);
  }

  private sendAppend(to: PeerId, pr: Progress): void {
    this.maybeSendAppend(to, pr, true);
  }

  /** Sends an append (or starts a snapshot) if the follower's flow control allows. */
  private maybeSendAppend(to: PeerId, pr: Progress, sendIfEmpty: boolean): boolean {
    if (to === this.id || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    assert(prevIndex <= this.log.lastIndex(), `progress of ${to}: next ${pr.next} past last index ${this.log.lastIndex()}`);
    const prevTerm = this.log.termOrUndefined(prevIndex);
    let entries: Entry[] = [];
    if (prevTerm === undefined) return this.sendSnapshot(to, pr);
    if (pr.next <= this.log.lastIndex()) {
      try {
        entries = this.log.slice(pr.next, this.log.lastIndex() + 1, this.cfg.maxSizePerMsg);
      } catch (e) {
        if (e instanceof LogCompactedError) return this.sendSnapshot(to, pr);
        throw e;
      }
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: "app", to, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    pr.sentEntries(prevIndex + entries.length, entries.length);
    return true;
  }

  private sendSnapshot(to: PeerId, pr: Progress): boolean {
    if (!pr.recentActive) {
      this.logf("debug", () => `not sending a snapshot to ${to}: not recently active`);
      return false;
    }
    let snap: Snapshot;
    try {
      snap = this.log.snapshot();
    } catch (e) {
      if (e instanceof SnapshotTemporarilyUnavailableError) return false;
      throw e;
    }
    assert(snap.meta.index > 0, "need a non-empty snapshot to send");
    this.logf("info", () => `${this.id} sending snapshot ${snap.meta.index}/${snap.meta.term} (${snap.data.byteLength} bytes) to ${to}`);
    pr.becomeSnapshot(snap);
    this.sendSnapshotPieces(to, pr);
    return true;
  }

  /** Sends pieces until the window (maxInflightSnapshotChunks pieces past the ack) is full. */
  private sendSnapshotPieces(to: PeerId, pr: Progress): void {
    const t = pr.transfer;
    assert(t !== undefined, "snapshot pieces without a transfer");
    const total = t.snapshot.data.byteLength;
    const chunk = this.cfg.snapshotChunkBytes;
    const window = chunk * this.cfg.maxInflightSnapshotChunks;
    while (!t.doneSent && t.sentOffset - t.ackedOffset < window) {
      const end = Math.min(total, t.sentOffset + chunk);
      const done = end === total;
      this.send({ type: "snapshot", to, meta: t.snapshot.meta, offset: t.sentOffset, data: t.snapshot.data.subarray(t.sentOffset, end), done });
      t.sentOffset = end;
      t.doneSent = done;
    }
  }

  private bcastAppend(): void {
    for (const [id, pr] of this.progress) if (id !== this.id) this.sendAppend(id, pr);
  }

  private bcastHeartbeat(ctx: string): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      // Never tell a follower to commit past what it is known to hold (etcd sendHeartbeat).
      this.send({ type: "heartbeat", to: id, commit: Math.min(pr.match, this.log.committed), ctx, round: this.leaseClock });
    }
  }

  /** Raft §5.3/§5.4.2: advance commit to the highest index a quorum of voters holds, if of our term. */
  private maybeCommit(): boolean {
    if (this._role !== "leader" || this.voters.size === 0) return false;
    const matches: number[] = [];
    for (const v of this.voters) matches.push(this.progress.get(v)?.match ?? 0);
    matches.sort((a, b) => b - a);
    const mci = matches[quorum(this.voters.size) - 1];
    const before = this.log.committed;
    if (!this.log.maybeCommit(mci, this._term)) return false;
    assert(this.log.committed > before, "commit must advance");
    this.onLeaderCommitted();
    return true;
  }

  private onLeaderCommitted(): void {
    // Reads that waited for the first commit of this term can go now (dissertation §6.4).
    if (this.pendingReads.length > 0 && this.committedInTerm()) {
      const waiting = this.pendingReads;
      this.pendingReads = [];
      for (const r of waiting) this.handleReadRequest(r.from, r.ctx);
    }
    // Dissertation §4.2.2: a leader removed from the configuration steps down once the
    // change is committed (it kept replicating without counting itself until then).
    const lastConf = this.confHistory.length > 0 ? this.confHistory[this.confHistory.length - 1].index : 0;
    if (!this.voters.has(this.id) && lastConf <= this.log.committed) {
      this.logf("info", () => `${this.id} steps down: no longer a voter and the change is committed`);
      // Let followers learn the commit before we go quiet.
      this.bcastAppend();
      this.becomeFollower(this._term, NO_PEER);
    }
  }

  private committedInTerm(): boolean {
    return this.log.termOrUndefined(this.log.committed) === this._term;
  }

  // ─── ReadIndex ─────────────────────────────────────────────────────────────────────────

  /** Returns a refusal reason, or undefined when the read was queued/answered. */
  private handleReadRequest(from: PeerId, ctx: string): "too-many-pending" | undefined {
    if (this.readOnly.has(ctx) || this.pendingReads.some((r) => r.ctx === ctx)) {
      this.logf("debug", () => `duplicate read ctx ${ctx} from ${from}`);
      return undefined;
    }
    if (this.readOnly.size + this.pendingReads.length >= this.cfg.maxPendingReads) return "too-many-pending";
    if (!this.committedInTerm()) {
      // The commit index of a new leader may lag behind the true one until it commits an
      // entry of its term (dissertation §6.4 step 1): wait for that.
      this.pendingReads.push({ ctx, from });
      return undefined;
    }
    if (this.voters.size === 1 && this.voters.has(this.id)) {
      this.answerRead(from, ctx, this.log.committed);
      return undefined;
    }
    const leased = this.leaseReadIndex();
    if (leased !== undefined) {
      this.stats.leaseReads++;
      this.answerRead(from, ctx, leased);
      return undefined;
    }
    this.stats.readIndexRounds++;
    this.readOnly.add(this.log.committed, ctx, from);
    if (this.voters.has(this.id)) this.readOnly.recvAck(this.id, ctx);
    this.bcastHeartbeat(ctx);
    return undefined;
  }

  /**
   * The commit index when the lease holds (dissertation §6.4.1): a quorum of voters (we
   * count ourselves now) answered a heartbeat we sent less than leaseTicks ticks ago, so each
   * of them withholds its vote until after the lease ends, and no other leader can commit
   * anything meanwhile. Also needs an entry of our term committed (§6.4 step 1), and no
   * leadership transfer this term (its forced election ignores the voters' guards).
   */
  private leaseReadIndex(): number | undefined {
    if (this.cfg.leaseTicks === 0 || this._role !== "leader" || this.leaseRevoked || this.leadTransferee !== NO_PEER) return undefined;
    if (!this.committedInTerm()) return undefined;
    const rounds: number[] = [];
    for (const v of this.voters) rounds.push(v === this.id ? this.leaseClock : (this.progress.get(v)?.leaseRound ?? -1));
    const q = quorum(this.voters.size);
    if (rounds.length < q) return undefined;
    rounds.sort((a, b) => b - a);
    const answered = rounds[q - 1];
    if (answered < 0 || this.leaseClock - answered >= this.cfg.leaseTicks) return undefined;
    return this.log.committed;
  }

  private handleReadAck(from: PeerId, ctx: string): void {
    const acks = this.readOnly.recvAck(from, ctx);
    if (!acks) return;
    let n = 0;
    for (const v of this.voters) if (acks.has(v)) n++;
    if (n < quorum(this.voters.size)) return;
    for (const rs of this.readOnly.advance(ctx)) this.answerRead(rs.from, rs.ctx, rs.index);
  }

  private answerRead(from: PeerId, ctx: string, index: number): void {
    if (from === this.id) {
      if (this.readStates.length >= this.cfg.maxPendingReads) {
        this.logf("warn", () => `read state ${ctx} dropped: ${this.readStates.length} pending`);
        return;
      }
      this.readStates.push({ index, ctx });
    } else {
      this.send({ type: "readIndexResp", to: from, ctx, index });
    }
  }

  // ─── Leadership transfer ───────────────────────────────────────────────────────────────

  private handleTransfer(to: PeerId): string | undefined {
    if (!this.voters.has(to)) return `${to} is not a voter`;
    if (to === this.id) return undefined;
    if (this.leadTransferee === to) return undefined;
    const pr = this.progress.get(to);
    // The transferee's election is forced past the voters' lease guards: no lease reads
    // for the rest of this term.
    this.leaseRevoked = true;
    assert(pr !== undefined, `voter ${to} has no progress`);
    // The transfer is aborted if it does not finish within an election timeout.
    this.electionElapsed = 0;
    this.leadTransferee = to;
    this.logf("info", () => `${this.id} transferring leadership to ${to} at term ${this._term}`);
    if (pr.match === this.log.lastIndex()) this.send({ type: "timeoutNow", to });
    else this.sendAppend(to, pr);
    return undefined;
  }

  // ─── Membership ────────────────────────────────────────────────────────────────────────

  /** Conf entries at or after `fromIndex` were (re)written: recompute the configuration. */
  private trackConfEntries(fromIndex: number, ents: readonly Entry[]): void {
    let changed = false;
    while (this.confHistory.length > 0 && this.confHistory[this.confHistory.length - 1].index >= fromIndex) {
      this.confHistory.pop();
      changed = true;
    }
    for (const e of ents) {
      if (e.type !== "conf" || e.index < fromIndex) continue;
      this.confHistory.push({ index: e.index, confState: decodeConfEntry(e.data).confState });
      changed = true;
    }
    if (changed) this.applyMembership();
  }

  private applyMembership(): void {
    const cs = this.confHistory.length > 0 ? this.confHistory[this.confHistory.length - 1].confState : this.confBase.confState;
    this.voters = new Set(cs.voters);
    this.learners = new Set(cs.learners);
    if (this._role === "leader") {
      this.syncProgress();
      if (this.leadTransferee !== NO_PEER && !this.voters.has(this.leadTransferee)) this.leadTransferee = NO_PEER;
    }
  }

  /** Leader: one Progress per member, created for new members and dropped for removed ones. */
  private syncProgress(): void {
    const last = this.log.lastIndex();
    for (const id of [...this.progress.keys()]) if (!this.voters.has(id) && !this.learners.has(id)) this.progress.delete(id);
    for (const id of [...this.voters, ...this.learners]) {
      const isLearner = this.learners.has(id);
      let pr = this.progress.get(id);
      if (!pr) {
        pr = new Progress(last + 1, this.cfg.maxInflightMsgs, isLearner);
        pr.recentActive = true;
        // Only what is on our disk counts (§10.2.1); later entries count in advance().
        if (id === this.id) pr.match = this.log.stableLastIndex();
        this.progress.set(id, pr);
      }
      pr.isLearner = isLearner;
    }
  }

  // ─── Plumbing ──────────────────────────────────────────────────────────────────────────

  private send(m: Outgoing<Message>): void {
    const pending = this.msgs.length + this.msgsAfterPersist.length;
    if (pending >= this.cfg.maxPendingMessages) {
      this.stats.droppedOutgoingMessages++;
      this.logf("warn", () => `outgoing message to ${m.to} dropped: ${pending} pending`);
      return;
    }
    // Every message carries our term, except the few that answer in another (pre-vote grant).
    const full = { ...m, from: this.id, term: m.term ?? this._term } as Message;
    if (MESSAGES_AFTER_PERSIST.has(full.type)) this.msgsAfterPersist.push(full);
    else this.msgs.push(full);
  }

  private randInt(n: number): number {
    const r = this.cfg.rand(n);
    assert(Number.isInteger(r) && r >= 0 && r < n, `rand(${n}) returned ${r}`);
    return r;
  }

  private logf(level: RaftLogLevel, text: () => string): void {
    if (this.cfg.logger) this.cfg.logger(level, text());
  }

  /** Responses and vote requests only count from members. */
  private checkSender(m: Message): void {
    switch (m.type) {
      case "appResp":
      case "heartbeatResp":
      case "snapshotResp":
      case "voteResp":
      case "preVoteResp":
      case "readIndex":
      case "transferLeader":
      case "timeoutNow":
        if (!this.voters.has(m.from) && !this.learners.has(m.from)) {
          throw new NotAMemberError(`${m.type} from ${m.from}, which is not a member`);
        }
        return;
      case "vote":
      case "preVote": {
        if (this.voters.has(m.from)) return;
        // A candidate whose log is strictly ahead of ours may hold a configuration we have
        // not appended yet (one that made it a voter); anyone else is not a voter.
        const lastTerm = this.log.lastTerm();
        const ahead = m.logTerm > lastTerm || (m.logTerm === lastTerm && m.index > this.log.lastIndex());
        if (!ahead) throw new NotAMemberError(`${m.type} from ${m.from}, which is not a voter`);
        return;
      }
      default:
        return;
    }
  }

  /** Rejects malformed input before it touches any state. */
  private validate(m: Message): void {
    if (typeof m !== "object" || m === null) throw new InvalidMessageError("message is not an object");
    if (typeof m.type !== "string" || !MESSAGE_TYPES.has(m.type)) {
      throw new UnknownMessageTypeError(`unknown message type ${JSON.stringify(String((m as { type?: unknown }).type)).slice(0, 64)}`);
    }
    if (!validId(m.from) || !validId(m.to) || m.from === m.to) throw new InvalidMessageError(`${m.type}: bad from/to`);
    if (!isIndex(m.term)) throw new InvalidMessageError(`${m.type}: bad term`);
    switch (m.type) {
      case "app": {
        if (!isIndex(m.index) || !isIndex(m.logTerm) || !isIndex(m.commit) || m.logTerm > m.term) throw new InvalidMessageError("app: bad index/logTerm/commit");
        if (!Array.isArray(m.entries) || m.entries.length > WIRE_APPEND_ENTRIES_MAX) throw new InvalidMessageError("app: bad entries");
        let prevTerm = m.logTerm;
        for (let i = 0; i < m.entries.length; i++) {
          const e = m.entries[i];
          if (typeof e !== "object" || e === null || e.index !== m.index + 1 + i || !isIndex(e.term) || e.term < prevTerm || e.term > m.term) {
            throw new InvalidMessageError(`app: entry ${i} out of sequence`);
          }
          if (!(e.data instanceof Uint8Array) || e.data.byteLength > WIRE_ENTRY_BYTES_MAX) throw new InvalidMessageError(`app: entry ${e.index} data`);
          if (e.type === "conf") decodeConfEntry(e.data);
          else if (e.type !== "normal") throw new InvalidMessageError(`app: entry ${e.index} has unknown type`);
          prevTerm = e.term;
        }
        return;
      }
      case "appResp":
        if (!isIndex(m.index) || !isIndex(m.rejectHint) || !isIndex(m.logTerm) || typeof m.reject !== "boolean") throw new InvalidMessageError("appResp: bad fields");
        return;
      case "heartbeat":
        if (!isIndex(m.commit) || !validCtx(m.ctx) || !optionalIndex(m.round)) throw new InvalidMessageError("heartbeat: bad fields");
        return;
      case "heartbeatResp":
        if (!validCtx(m.ctx) || !optionalIndex(m.round)) throw new InvalidMessageError("heartbeatResp: bad fields");
        return;
      case "vote":
      case "preVote":
        if (!isIndex(m.index) || !isIndex(m.logTerm) || m.logTerm > m.term || typeof m.force !== "boolean") throw new InvalidMessageError(`${m.type}: bad fields`);
        return;
      case "voteResp":
      case "preVoteResp":
        if (typeof m.reject !== "boolean") throw new InvalidMessageError(`${m.type}: bad reject`);
        return;
      case "snapshot": {
        const meta = m.meta;
        if (typeof meta !== "object" || meta === null || !isIndex(meta.index) || meta.index === 0 || !isIndex(meta.term) || meta.term > m.term) {
          throw new InvalidMessageError("snapshot: bad meta");
        }
        const cs = meta.confState;
        if (typeof cs !== "object" || cs === null || !Array.isArray(cs.voters) || !Array.isArray(cs.learners) || !cs.voters.every(validId) || !cs.learners.every(validId)) {
          throw new InvalidMessageError("snapshot: bad conf state");
        }
        if (!isIndex(m.offset) || !(m.data instanceof Uint8Array) || m.data.byteLength > WIRE_SNAPSHOT_CHUNK_BYTES_MAX || typeof m.done !== "boolean") {
          throw new InvalidMessageError("snapshot: bad piece");
        }
        return;
      }
      case "snapshotResp":
        if (!isIndex(m.snapshotIndex) || !isIndex(m.nextOffset) || typeof m.reject !== "boolean") throw new InvalidMessageError("snapshotResp: bad fields");
        return;
      case "timeoutNow":
        return;
      case "transferLeader":
        if (!validId(m.transferee)) throw new InvalidMessageError("transferLeader: bad transferee");
        return;
      case "readIndex":
        if (!validCtx(m.ctx) || m.ctx === "") throw new InvalidMessageError("readIndex: bad ctx");
        return;
      case "readIndexResp":
        if (!validCtx(m.ctx) || !isIndex(m.index)) throw new InvalidMessageError("readIndexResp: bad fields");
        return;
    }
  }
}

/** Votes (or acks) a configuration of n voters needs: a majority. */
export function quorum(n: number): number {
  return Math.floor(n / 2) + 1;
}

function isIndex(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

function optionalIndex(x: unknown): boolean {
  return x === undefined || isIndex(x);
}

function validId(x: unknown): boolean {
  return typeof x === "string" && x.length > 0 && x.length <= 256;
}

function validCtx(x: unknown): boolean {
  return typeof x === "string" && x.length <= READ_CTX_LENGTH_MAX;
}

function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
