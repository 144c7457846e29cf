// RaftNode: the driver around the pure core (STYLE.md §1). It owns the clock (ticks that keep
// step with a monotonic clock), the durable log (DiskStorage), the transport, and the state
// machine, and runs the Ready loop in the order the core's contract writes down: send what
// promises nothing about the disk (the leader's appends go out while it writes the same
// entries, dissertation §10.2.1), apply what was already stable, persist (fsync), send the
// replies that vouch for the disk, apply the rest, answer reads, advance. Proposals that
// arrive while a batch is being written wait in the core and go to disk together in the next
// batch: that is the group commit. Reads take the leader's lease when it holds (§6.4.1) and a
// ReadIndex round otherwise.
import { randomInt } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { TesseraHost } from "../net/host.ts";
import type { Logger } from "../util/log.ts";
import { isNoSpaceError, retryWhileDiskFull } from "../util/disk-full.ts";
import { RaftCore, type RaftStatus } from "./core.ts";
import { DiskStorage, type DiskStorageOptions } from "./wal.ts";
import { hashFile, type SnapshotDataId } from "./snapshot-file.ts";
import { RaftTransport } from "./transport.ts";
import { ProposalDroppedError, RaftDiskFullError, RaftError } from "./errors.ts";
import type { ConfChange } from "./conf.ts";
import type { ConfState, Entry, Message, PeerId, SoftState } from "./types.ts";

/**
 * The replicated state machine. apply() must be deterministic (hashicorp/raft's FSM rule).
 * Snapshots are files, never whole in memory: Raft keeps them in its dir (snapshot-file.ts)
 * and streams them to followers (snapshot-transfer.ts).
 */
export interface StateMachine {
  /** Applies a committed normal entry and returns what the proposer gets back. */
  apply(entry: Entry): unknown;
  /**
   * Writes the whole state to a new file at `path`, durably, without holding it in memory and
   * without holding up apply: the file holds the state at some applied index at or after the
   * one applied when called (writes may go on beside it); resolves with that index.
   */
  snapshotToFile(path: string): Promise<number>;
  /** Replaces the whole state with the snapshot file at `path`, which stays (Raft keeps it to send). */
  restoreFromFile(path: string): void;
  /**
   * A state machine that keeps its own state on disk (in the same transaction as each apply)
   * tells the index it has durably applied: at start it is not restored from an older
   * snapshot, and entries at or below this index are not applied twice.
   */
  appliedIndex?(): number;
  /**
   * Applies a run of consecutive normal entries at once (one disk transaction for all of
   * them), with one outcome per entry, in order. An outcome `{ ok: false }` is the entry's
   * deterministic result; a throw means the state machine itself failed, and stops the node.
   */
  applyBatch?(entries: readonly Entry[]): Array<{ ok: true; value: unknown } | { ok: false; error: Error }>;
}

export interface RaftNodeInit {
  id: PeerId;
  /** Folder of the log and snapshots. */
  dir: string;
  host: TesseraHost;
  stateMachine: StateMachine;
  log: Logger;
  /** Only for the first peer of a new cluster: the configuration it starts with. */
  bootstrap?: ConfState;
  tickMs?: number;
  electionTicks?: number;
  heartbeatTicks?: number;
  /** Leader lease for reads, in ticks (0: every read takes a ReadIndex round). */
  leaseTicks?: number;
  /** Applied entries between two snapshots of the state machine. */
  snapshotEveryEntries?: number;
  /** Seeded randomness for tests; the default is the OS's. */
  rand?: (n: number) => number;
  /** How the log opens its files (tests inject failing ones). */
  storage?: DiskStorageOptions;
}

/**
 * How long a Ready loop stuck on a slow write still lets its heartbeats out (schedule()). A
 * sync of a few seconds on a busy disk is waited out by the same leader; a disk that hangs
 * longer silences it, and the others elect a leader that can write (one election timeout on).
 */
const STUCK_HEARTBEATS_MAX_MS = 5_000;

export const RAFT_TIMING_DEFAULTS = {
  // 50 ms ticks, elections after 500–1,000 ms of silence, heartbeats every 100 ms: failover
  // well under a second on a LAN, with pre-vote and check-quorum keeping a slow peer from
  // disrupting a healthy leader.
  tickMs: 50,
  electionTicks: 10,
  heartbeatTicks: 2,
  // A lease of 200 ms, renewed by every heartbeat a quorum answers within two ticks of its
  // send. Voters withhold their votes for 300 ms after the last word from a leader (lease +
  // 1 tick of granularity + 1 of drift, config.ts), so a kill -9 of the leader costs about
  // 250-350 ms before the first surviving voter may campaign, where without leases it could
  // campaign at once (~90 ms failover, docs/raft-bench.md).
  leaseTicks: 4,
  snapshotEveryEntries: 10_000,
};
// A state machine that keeps its own state on disk needs snapshots only to compact the log
// and to seed far-behind followers, and each one serializes the whole database: rarely.
const DURABLE_SNAPSHOT_EVERY_ENTRIES = 200_000;
// Entries kept behind a snapshot so a briefly absent follower catches up from the log.
const SNAPSHOT_CATCH_UP_ENTRIES = 1_000;
// A snapshot being written, in the raft dir; a leftover of a crash is removed at open (".part").
const SNAPSHOT_WRITING_PREFIX = "snap-writing-";
// Proposals and reads waiting for their outcome at most; past it new ones are refused.
const PENDING_PROPOSALS_MAX = 65_536;
const PENDING_READS_MAX = 4_096;
// ReadIndex rounds in flight at most when the lease does not hold: a new one starts at once
// when none is out, else on the next tick (one per tick), so a lost heartbeat delays reads by
// a tick, not by READ_ROUND_TIMEOUT_MS.
const READ_ROUNDS_INFLIGHT_MAX = 4;

export class ProposalTimeoutError extends RaftError {
  override name = "ProposalTimeoutError";
  override readonly code = "RAFT_PROPOSAL_TIMEOUT";
}

export class RaftStoppedError extends RaftError {
  override name = "RaftStoppedError";
  override readonly code = "RAFT_STOPPED";
}

interface PendingProposal {
  term: number;
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface ReadWaiter {
  resolve(): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
  done: boolean;
}

/** One ReadIndex round: every read that arrived before it started is served by its answer. */
interface ReadRound {
  index?: number;
  waiters: ReadWaiter[];
  timer: ReturnType<typeof setTimeout>;
}

/** A read the lease answered: it is served once the state machine has applied `index`. */
interface IndexedRead {
  index: number;
  waiter: ReadWaiter;
}

// A ReadIndex round that gets no answer in this time (leadership lost meanwhile) is given up
// and its reads join the next round.
const READ_ROUND_TIMEOUT_MS = 1_000;

export class RaftNode extends EventTarget {
  readonly id: PeerId;
  private readonly core: RaftCore;
  private readonly transport: RaftTransport;
  private applied: number;
  private readonly proposals = new Map<number, PendingProposal>();
  private readonly reads = new Map<string, ReadRound>();
  private queuedReads: ReadWaiter[] = [];
  /** Reads answered by the lease, waiting for the state machine to reach their index (ascending). */
  private indexedReads: IndexedRead[] = [];
  private readCounter = 0;
  private tickTimer?: ReturnType<typeof setInterval>;
  private readonly tickMs: number;
  /** A check of the leader's quorum, put off by late ticks, waits for the next turn (catchUpTicks). */
  private owedQuorumCheckScheduled = false;
  /** performance.now() at which the next tick is due: ticks follow the monotonic clock. */
  private nextTickMs = 0;
  private ticks = 0;
  /** Tick at which the last ReadIndex round started. */
  private lastReadRoundTick = -1;
  private processing = false;
  /** performance.now() when the Ready loop last took a Ready or went on to its snapshot step. */
  private loopProgressMs = 0;
  private processAgain = false;
  private scheduled = false;
  private stopped = false;
  private lastSoft: SoftState = { lead: "", role: "follower" };
  private leaderChanges = 0;
  /** Times the log or the state machine found the disk full and waited for space. */
  private diskFullEpisodes = 0;
  /** What is full while the Ready loop waits for space (undefined when it is not waiting). */
  private diskFull: string | undefined;
  private stepRejected = 0;
  private leaderLostInTerm = -1;
  private lastStepRejectLogMs = -Infinity;
  /** The snapshot being written beside the Ready loop, and what it became once written. */
  private snapshotJob: Promise<void> | undefined;
  private snapshotWritten: { index: number; path: string; id: SnapshotDataId; ms: number } | undefined;
  /** The configuration at the index the snapshot started from, then at each conf entry applied since. */
  private snapshotConfs: Array<{ index: number; confState: ConfState }> = [];

  private constructor(
    private readonly init: RaftNodeInit,
    private readonly storage: DiskStorage,
  ) {
    super();
    this.id = init.id;
    const snapshot = storage.snapshot();
    const durablyApplied = init.stateMachine.appliedIndex?.() ?? 0;
    // A state machine that keeps its state on disk is at or past the snapshot (it applied it,
    // or installed it before this restart): the snapshot's data is not even read. Only a
    // crash between installing a received snapshot and restoring from it leaves it behind.
    if (snapshot.meta.index > 0 && durablyApplied < snapshot.meta.index) init.stateMachine.restoreFromFile(storage.snapshotFile()!.path);
    // The core replays (applied, commit]; entries the state machine already holds are
    // skipped in apply(), so its own applied index may run ahead of the durable commit index.
    this.applied = snapshot.meta.index;
    this.tickMs = init.tickMs ?? RAFT_TIMING_DEFAULTS.tickMs;
    this.core = new RaftCore({
      id: init.id,
      storage,
      rand: init.rand ?? ((n) => randomInt(n)),
      electionTicks: init.electionTicks ?? RAFT_TIMING_DEFAULTS.electionTicks,
      heartbeatTicks: init.heartbeatTicks ?? RAFT_TIMING_DEFAULTS.heartbeatTicks,
      leaseTicks: init.leaseTicks ?? RAFT_TIMING_DEFAULTS.leaseTicks,
      applied: this.applied,
      logger: (level, message) => init.log[level](message),
    });
    this.transport = new RaftTransport({ host: init.host, log: init.log.child("transport"), onMessage: (m) => this.onMessage(m), snapshots: storage });
  }

  static async start(init: RaftNodeInit): Promise<RaftNode> {
    const storage = await DiskStorage.open(join(init.dir), init.bootstrap, init.storage);
    const node = new RaftNode(init, storage);
    await node.transport.start();
    init.host.addEventListener("peer:disconnect", node.onPeerDisconnect);
    node.nextTickMs = performance.now() + node.tickMs;
    node.tickTimer = setInterval(() => node.onTickTimer(), node.tickMs);
    node.schedule();
    return node;
  }

  /**
   * A follower ticks once per timer firing: a timer that fires late (a busy event loop, a
   * stalled process) makes its clock slow, which only lengthens its election timeout and its
   * lease guard (the safe side, §6.4.1). A leader's clock must not be slow, or its lease would
   * outlive the voters' guard: it catches up with the monotonic clock instead.
   */
  private onTickTimer(): void {
    if (this.stopped) return;
    if (this.core.role === "leader") {
      this.catchUpTicks();
      return;
    }
    this.tick();
    this.nextTickMs = performance.now() + this.tickMs;
    this.schedule();
  }

  private tick(late = false): void {
    this.core.tick(late);
    this.ticks += 1;
    if (this.queuedReads.length > 0) this.startReadRound();
  }

  /**
   * Leader: ticks the core once for every tickMs of monotonic time since the last tick. Also
   * called before every lease check and every message (a forwarded read may be answered under
   * the lease inside step()), so the lease is judged on current time.
   */
  private catchUpTicks(): void {
    if (this.stopped || this.core.role !== "leader") return;
    const now = performance.now();
    if (now < this.nextTickMs) return;
    // More than one tick owed: the process stalled (a busy machine, a pause). The ticks are
    // late: they run the lease down, but the leader judges its quorum only once the event loop
    // has read what its followers sent meanwhile (RaftCore.tick): setImmediate runs after the
    // poll phase, which reads the sockets.
    const late = now - this.nextTickMs >= this.tickMs;
    while (now >= this.nextTickMs && this.core.role === "leader") {
      this.tick(late);
      this.nextTickMs += this.tickMs;
    }
    if (late && !this.owedQuorumCheckScheduled && this.core.role === "leader") {
      this.owedQuorumCheckScheduled = true;
      setImmediate(() => {
        this.owedQuorumCheckScheduled = false;
        if (this.stopped) return;
        this.core.checkOwedQuorum();
        if (this.core.role !== "leader") this.nextTickMs = performance.now() + this.tickMs;
        this.schedule();
      });
    }
    // Stepped down on the way (check-quorum): back to a follower's clock.
    if (this.core.role !== "leader") this.nextTickMs = now + this.tickMs;
    this.schedule();
  }

  get leader(): PeerId {
    return this.core.lead;
  }

  get isLeader(): boolean {
    return this.core.role === "leader";
  }

  get appliedIndex(): number {
    return this.applied;
  }

  /** How many times this node saw the leader change (a figure for metrics). */
  get leaderChangeCount(): number {
    return this.leaderChanges;
  }

  /** The current term, without building a whole status (the metadata service reads it per call). */
  get term(): number {
    return this.core.term;
  }

  status(): RaftStatus {
    return this.core.status();
  }

  /** Counters of the transport and the core: messages sent, dropped and rejected. */
  stats(): { transport: RaftTransport["stats"]; core: RaftCore["stats"]; stepRejected: number; diskFullEpisodes: number } {
    return { transport: this.transport.stats, core: this.core.stats, stepRejected: this.stepRejected, diskFullEpisodes: this.diskFullEpisodes };
  }

  confState(): ConfState {
    return this.core.confState();
  }

  /**
   * Proposes a command; resolves with the state machine's result once it is committed and
   * applied here (leader only). Rejects with ProposalDroppedError (with the leader's id as
   * hint) when this node is not the leader, or when the entry was superseded by another
   * leader's; with ProposalTimeoutError when the outcome is not known in time.
   */
  propose(data: Uint8Array, timeoutMs: number): Promise<unknown> {
    if (this.stopped) return Promise.reject(new RaftStoppedError("raft is stopped"));
    if (this.diskFull) return Promise.reject(this.diskFullError("the proposal was not taken"));
    if (this.proposals.size >= PENDING_PROPOSALS_MAX) return Promise.reject(new ProposalDroppedError("uncommitted-limit", this.core.lead));
    const position = this.core.propose(data);
    this.schedule();
    return this.waitForEntry(position.index, position.term, timeoutMs);
  }

  proposeConfChange(change: ConfChange, timeoutMs: number): Promise<unknown> {
    const position = this.core.proposeConfChange(change);
    this.schedule();
    return this.waitForEntry(position.index, position.term, timeoutMs);
  }

  /**
   * Resolves when this node's state machine may serve a linearizable read. On a leader whose
   * lease holds (dissertation §6.4.1) that is as soon as it has applied its commit index: no
   * message is sent. Otherwise by ReadIndex (§6.4), batched: a heartbeat round serves every
   * read that arrived before it started (those arriving during a round wait for the next
   * one, which is what keeps them linearizable); a new round starts at once when none is out,
   * else at the next tick. A follower's round goes to the leader, which may answer it under
   * its lease too.
   */
  readBarrier(timeoutMs: number): Promise<void> {
    if (this.stopped) return Promise.reject(new RaftStoppedError("raft is stopped"));
    if (this.diskFull) return Promise.reject(this.diskFullError("no read is served here meanwhile"));
    if (this.queuedReads.length + this.indexedReads.length >= PENDING_READS_MAX) return Promise.reject(new ProposalDroppedError("uncommitted-limit", this.core.lead));
    this.catchUpTicks();
    const leased = this.core.role === "leader" ? this.core.readIndexUnderLease() : undefined;
    if (leased !== undefined && leased <= this.applied) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: ReadWaiter = {
        resolve,
        reject,
        done: false,
        timer: setTimeout(() => finishRead(waiter, new ProposalTimeoutError("no read index arrived in time (no leader?)")), timeoutMs),
      };
      if (leased !== undefined) {
        // Entries up to the commit index are being applied: wait for them (in index order).
        this.indexedReads.push({ index: leased, waiter });
        return;
      }
      this.queuedReads.push(waiter);
      this.startReadRound();
    });
  }

  /** Starts a ReadIndex round for the queued reads: at once when none is out, else once per tick. */
  private startReadRound(): void {
    if (this.stopped) return;
    if (this.reads.size > 0 && (this.lastReadRoundTick === this.ticks || this.reads.size >= READ_ROUNDS_INFLIGHT_MAX)) return;
    const waiters = this.queuedReads.filter((waiter) => !waiter.done);
    this.queuedReads = [];
    if (waiters.length === 0) return;
    this.lastReadRoundTick = this.ticks;
    const ctx = `${this.id.slice(-8)}-${++this.readCounter}`;
    try {
      this.core.readIndex(ctx);
    } catch (err) {
      for (const waiter of waiters) finishRead(waiter, err as Error);
      return;
    }
    const round: ReadRound = {
      waiters,
      timer: setTimeout(() => {
        if (this.reads.get(ctx) !== round) return;
        this.reads.delete(ctx);
        this.queuedReads.unshift(...round.waiters.filter((waiter) => !waiter.done));
        this.startReadRound();
      }, READ_ROUND_TIMEOUT_MS),
    };
    this.reads.set(ctx, round);
    this.schedule();
  }

  transferLeadership(to: PeerId): void {
    this.core.transferLeadership(to);
    this.schedule();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.tickTimer);
    this.init.host.removeEventListener("peer:disconnect", this.onPeerDisconnect);
    await this.transport.stop();
    // Let a Ready being persisted finish, so the log is closed between two writes.
    while (this.processing) await new Promise((resolve) => setTimeout(resolve, 1));
    for (const pending of this.proposals.values()) {
      clearTimeout(pending.timer);
      pending.reject(new RaftStoppedError("raft stopped before the outcome was known"));
    }
    this.proposals.clear();
    for (const round of this.reads.values()) {
      clearTimeout(round.timer);
      for (const waiter of round.waiters) finishRead(waiter, new RaftStoppedError("raft stopped"));
    }
    for (const waiter of this.queuedReads) finishRead(waiter, new RaftStoppedError("raft stopped"));
    for (const read of this.indexedReads) finishRead(read.waiter, new RaftStoppedError("raft stopped"));
    this.reads.clear();
    this.queuedReads = [];
    this.indexedReads = [];
    // A snapshot being written finishes first (it reads the state machine, which closes next).
    await this.snapshotJob;
    if (this.snapshotWritten) rmSync(this.snapshotWritten.path, { force: true });
    await this.storage.close();
  }

  private waitForEntry(index: number, term: number, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.proposals.delete(index);
        reject(new ProposalTimeoutError(`entry ${index} was not applied within ${timeoutMs} ms; its outcome is unknown`));
      }, timeoutMs);
      const previous = this.proposals.get(index);
      if (previous) {
        // An earlier proposal at this index lost its place when leadership changed.
        clearTimeout(previous.timer);
        previous.reject(new ProposalDroppedError("not-leader", this.core.lead));
      }
      this.proposals.set(index, { term, resolve, reject, timer });
    });
  }

  /**
   * The leader's process died: its connections closed. Rather than wait out a full election
   * timeout of silence, every follower drops the leader lease at once, and the first of the
   * surviving voters (by id: all compute the same one) campaigns right away; the others keep
   * their timers, so they grant its votes instead of splitting them. Only timing changes,
   * never safety (Raft does not depend on time for safety, §5.6); a leader that is in fact
   * alive is followed again with its next heartbeat, and if the chosen one is gone too, the
   * ordinary election timeout still elects someone.
   */
  private readonly onPeerDisconnect = (event: CustomEvent<{ toString(): string }>) => {
    if (this.stopped || this.core.role !== "follower") return;
    const leader = this.core.lead;
    if (!leader || event.detail.toString() !== leader || this.leaderLostInTerm === this.core.term) return;
    this.leaderLostInTerm = this.core.term;
    this.core.forgetLeader();
    // With leases on, the core holds the campaign until its lease guard ends (the lost
    // leader may be alive and serving reads under its lease), then campaigns on that tick.
    const successor = this.core.confState().voters.filter((id) => id !== leader).sort()[0];
    if (successor === this.id) this.core.campaign();
    this.init.log.debug("leader disconnected", { leader, term: this.core.term, campaigning: successor === this.id });
    this.schedule();
  };

  private onMessage(message: Message): void {
    if (this.stopped) return;
    // A forwarded read may be answered under the lease inside step(): time must be current.
    this.catchUpTicks();
    try {
      this.core.step(message);
    } catch (err) {
      // Typed rejections (not a member, malformed, misrouted, a snapshot piece out of order)
      // come from the network, not from a bug here: log the reason, at a bounded rate, and go on.
      this.stepRejected += 1;
      const now = performance.now();
      if (now - this.lastStepRejectLogMs > 5_000) {
        this.lastStepRejectLogMs = now;
        this.init.log.warn("raft message rejected", { from: message.from, type: message.type, reason: err });
      }
      return;
    }
    this.schedule();
  }

  /**
   * Runs the Ready loop soon, once for everything that happened until then: after the I/O
   * callbacks of this turn of the event loop (setImmediate, not a microtask), so a burst of
   * proposals and acks that arrived together leaves as one append per follower and one fsync.
   * With the leader's appends sent before its fsync, a microtask would send the first
   * proposal of a burst on its own: 1,481-2,353 commits/s against 2,166-3,331/s (64
   * proposers, bench/raft, issue 12, docs/raft-bench.md).
   */
  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // The Ready loop has been stuck for a tick or more (an fsync on a busy disk or I/O
      // pool): what needs no disk leaves now instead of after it, above all the leader's
      // heartbeats and the followers' answers to them. Behind a write of seconds they would
      // arrive after the election timeout (500-1,000 ms), and the followers would elect a new
      // leader for nothing. Under a tick, they wait for the next Ready as before, so a burst
      // still leaves as one append per follower. Not while the disk refuses the write for
      // space, nor past STUCK_HEARTBEATS_MAX_MS: a leader that cannot write its log cannot
      // apply or answer either, and its silence is what lets the others elect one that can.
      const stuckMs = performance.now() - this.loopProgressMs;
      if (this.processing && !this.stopped && this.diskFull === undefined && stuckMs >= this.tickMs && stuckMs < STUCK_HEARTBEATS_MAX_MS) {
        const early = this.core.takeEarlyMessages();
        if (early.length > 0) this.transport.send(early);
      }
      void this.processReady();
    });
  }

  private async processReady(): Promise<void> {
    if (this.processing) {
      this.processAgain = true;
      return;
    }
    this.processing = true;
    try {
      do {
        this.processAgain = false;
        while (!this.stopped && this.core.hasReady()) {
          const ready = this.core.ready();
          this.loopProgressMs = performance.now();
          // 0. What promises nothing about our disk leaves now: the leader's appends race
          // its own write of the same entries (§10.2.1); the core counts that write only in
          // advance(). Entries committed below this Ready's new ones are on our disk already:
          // applying them now answers their proposers without waiting for this fsync.
          this.transport.send(ready.messages);
          const firstNew = ready.snapshot ? 0 : (ready.entries[0]?.index ?? Number.POSITIVE_INFINITY);
          let stable = 0;
          while (stable < ready.committedEntries.length && ready.committedEntries[stable]!.index < firstNew) stable++;
          if (!(await this.applyCommitted(ready.committedEntries.slice(0, stable)))) break;
          this.answerIndexedReads();
          // 1. Persist.
          if (ready.snapshot) {
            // Refused for space before it is installed, or before the log's rewrite after it
            // took effect, it is tried again (wal.ts); a failure once the new segment took
            // over fails the log, and the node stops.
            const snapshot = ready.snapshot;
            if (!(await retryWhileDiskFull("raft log", () => this.storage.applySnapshot(snapshot), this.diskFullRetry("raft log")))) break;
            // The state machine copies the file (a full disk refuses it whole): tried again too.
            const snapshotPath = this.storage.snapshotFile()!.path;
            if (!(await retryWhileDiskFull("state machine", () => this.init.stateMachine.restoreFromFile(snapshotPath), this.diskFullRetry("state machine's database")))) break;
            this.applied = ready.snapshot.meta.index;
            this.failProposalsUpTo(this.applied);
          }
          // A full disk refuses the batch whole (wal.ts writeBatch): the same Ready is saved
          // again until space comes back, and what vouches for it waits (§3.8). Meanwhile
          // this peer acks nothing and, as a leader, sends nothing: the others carry on.
          const saved = await retryWhileDiskFull("raft log", () => this.storage.save(ready.hardState, ready.entries, ready.mustSync), this.diskFullRetry("raft log"));
          if (!saved) break;
          // 2. Replies that vouch for the disk (append acks, votes) leave only now (§3.8).
          this.transport.send(ready.messagesAfterPersist);
          // 3. Apply the rest.
          if (!(await this.applyCommitted(ready.committedEntries.slice(stable)))) break;
          // 4. Reads.
          for (const readState of ready.readStates) {
            const pending = this.reads.get(readState.ctx);
            if (pending) pending.index = readState.index;
          }
          this.answerReads();
          if (ready.softState) this.onSoftState(ready.softState);
          this.core.advance(ready);
          this.maybeSnapshot();
        }
        this.loopProgressMs = performance.now();
        await this.recordSnapshot();
      } while (this.processAgain && !this.stopped);
    } catch (err) {
      // A failed fsync or a broken invariant: this peer can no longer promise durability.
      this.init.log.error("raft stopped on a storage failure", { err });
      this.dispatchEvent(new CustomEvent("fatal", { detail: err }));
      void this.stop();
    } finally {
      this.processing = false;
    }
  }

  private diskFullRetry(what: string) {
    return {
      log: this.init.log,
      stopped: () => this.stopped,
      onEpisode: () => this.onDiskFull(what),
      onEpisodeEnd: () => {
        this.diskFull = undefined;
      },
    };
  }

  private diskFullError(detail: string): RaftDiskFullError {
    return new RaftDiskFullError(`the ${this.diskFull ?? "disk"} of peer ${this.id} is full: ${detail}; retry (another peer leads if this one cannot)`);
  }

  /**
   * The Ready loop waits for space: nothing this node holds can finish until then, so its
   * callers are answered now rather than at their timeouts. Proposals it took may still
   * commit (their outcome is unknown; the master deduplicates a retried call); reads are
   * refused. As a leader it sends no heartbeats meanwhile, so the others elect a new one.
   */
  private onDiskFull(what: string): void {
    this.diskFullEpisodes += 1;
    this.diskFull = what;
    for (const pending of this.proposals.values()) {
      clearTimeout(pending.timer);
      pending.reject(this.diskFullError("the outcome of a proposal it took is unknown"));
    }
    this.proposals.clear();
    const error = this.diskFullError("no read is served here meanwhile");
    for (const round of this.reads.values()) {
      clearTimeout(round.timer);
      for (const waiter of round.waiters) finishRead(waiter, error);
    }
    for (const waiter of this.queuedReads) finishRead(waiter, error);
    for (const read of this.indexedReads) finishRead(read.waiter, error);
    this.reads.clear();
    this.queuedReads = [];
    this.indexedReads = [];
  }

  /**
   * applyAll, again for the entries not yet applied while the state machine's disk is full
   * (its transaction rolls back whole: no half state). False when the node stopped meanwhile.
   */
  private applyCommitted(entries: readonly Entry[]): Promise<boolean> {
    if (entries.length === 0) return Promise.resolve(true);
    return retryWhileDiskFull("state machine", () => this.applyAll(entries.filter((entry) => entry.index > this.applied)), this.diskFullRetry("state machine's database"));
  }

  /** Applies committed entries in order; runs of normal entries go to applyBatch when there is one. */
  private applyAll(entries: readonly Entry[]): void {
    const batch = this.init.stateMachine.applyBatch?.bind(this.init.stateMachine);
    if (!batch) {
      for (const entry of entries) this.apply(entry);
      return;
    }
    const durablyApplied = this.init.stateMachine.appliedIndex?.() ?? 0;
    let run: Entry[] = [];
    const flush = () => {
      if (run.length === 0) return;
      const outcomes = batch(run);
      run.forEach((entry, i) => {
        const outcome = outcomes[i]!;
        this.settle(entry, outcome.ok ? undefined : outcome.error, outcome.ok ? outcome.value : undefined);
      });
      run = [];
    };
    for (const entry of entries) {
      if (entry.type === "normal" && entry.data.length > 0 && entry.index > durablyApplied) {
        run.push(entry);
        continue;
      }
      flush();
      this.apply(entry);
    }
    flush();
  }

  private apply(entry: Entry): void {
    let result: unknown;
    let failure: Error | undefined;
    const alreadyApplied = (this.init.stateMachine.appliedIndex?.() ?? 0) >= entry.index;
    if (alreadyApplied) {
      // Applied before a restart, durably, by a state machine that keeps its own state.
    } else if (entry.type === "normal" && entry.data.length > 0) {
      try {
        result = this.init.stateMachine.apply(entry);
      } catch (err) {
        // apply is deterministic, so every replica fails the same way: the error is the result.
        failure = err instanceof Error ? err : new Error(String(err));
      }
    } else if (entry.type === "conf") {
      if (this.snapshotJob) this.snapshotConfs.push({ index: entry.index, confState: this.core.confStateAt(entry.index) });
      this.dispatchEvent(new CustomEvent("conf", { detail: this.core.confState() }));
    }
    this.settle(entry, failure, result);
  }

  /** Marks `entry` applied and gives its proposer the outcome. */
  private settle(entry: Entry, failure: Error | undefined, result: unknown): void {
    this.applied = entry.index;
    const pending = this.proposals.get(entry.index);
    if (pending) {
      this.proposals.delete(entry.index);
      clearTimeout(pending.timer);
      if (pending.term !== entry.term) pending.reject(new ProposalDroppedError("not-leader", this.core.lead));
      else if (failure) pending.reject(failure);
      else pending.resolve(result);
    }
  }

  private failProposalsUpTo(index: number): void {
    for (const [at, pending] of this.proposals) {
      if (at > index) continue;
      this.proposals.delete(at);
      clearTimeout(pending.timer);
      pending.reject(new ProposalDroppedError("not-leader", this.core.lead));
    }
  }

  /** Serves the reads the lease answered whose index is applied now. */
  private answerIndexedReads(): void {
    if (this.indexedReads.length === 0) return;
    const waiting: IndexedRead[] = [];
    for (const read of this.indexedReads) {
      if (read.index <= this.applied) finishRead(read.waiter);
      else if (!read.waiter.done) waiting.push(read);
    }
    this.indexedReads = waiting;
  }

  private answerReads(): void {
    this.answerIndexedReads();
    for (const [ctx, round] of this.reads) {
      if (round.index === undefined || round.index > this.applied) continue;
      this.reads.delete(ctx);
      clearTimeout(round.timer);
      for (const waiter of round.waiters) finishRead(waiter);
    }
    this.startReadRound();
  }

  private onSoftState(soft: SoftState): void {
    if (soft.lead !== this.lastSoft.lead) {
      this.leaderChanges += 1;
      this.init.log.info(soft.lead ? "leader elected" : "no leader", { leader: soft.lead, term: this.core.term, role: soft.role });
    }
    this.lastSoft = soft;
    this.dispatchEvent(new CustomEvent<SoftState>("soft-state", { detail: soft }));
  }

  /**
   * Starts a snapshot of the state machine every so many applied entries. It is written beside
   * the Ready loop (a namespace of a million files takes seconds to write), and recorded in the
   * log storage by recordSnapshot() between two Readys once it is on disk and hashed.
   */
  private maybeSnapshot(): void {
    if (this.snapshotJob || this.stopped) return;
    const every = this.init.snapshotEveryEntries ?? (this.init.stateMachine.appliedIndex ? DURABLE_SNAPSHOT_EVERY_ENTRIES : RAFT_TIMING_DEFAULTS.snapshotEveryEntries);
    if (this.applied - this.storage.snapshot().meta.index < every) return;
    // The file will hold the state at some index from here on: the configurations it may need
    // are this one and those of the conf entries applied meanwhile (apply() adds them).
    this.snapshotConfs = [{ index: this.applied, confState: this.core.confStateAt(this.applied) }];
    const path = join(this.storage.dir, `${SNAPSHOT_WRITING_PREFIX}${this.applied}.part`);
    const startedMs = performance.now();
    this.snapshotJob = (async () => {
      try {
        const index = await this.init.stateMachine.snapshotToFile(path);
        const id = await hashFile(path);
        this.snapshotWritten = { index, path, id, ms: performance.now() - startedMs };
        this.schedule();
      } catch (err) {
        rmSync(path, { force: true });
        if (!this.stopped) this.init.log.warn("a snapshot of the state machine failed", { err });
        this.snapshotJob = undefined;
      }
    })();
  }

  /** Records a snapshot written in the background: the log storage takes its file and compacts. */
  private async recordSnapshot(): Promise<void> {
    const written = this.snapshotWritten;
    if (!written || this.stopped) return;
    this.snapshotWritten = undefined;
    this.snapshotJob = undefined;
    const current = this.storage.snapshot().meta.index;
    // A snapshot installed from the leader meanwhile is newer: this one is not needed.
    if (written.index <= current || written.index > this.storage.lastIndex() || written.index < this.snapshotConfs[0]!.index) {
      rmSync(written.path, { force: true });
      this.init.log.debug("snapshot discarded", { index: written.index, current });
      return;
    }
    const confState = this.snapshotConfs.filter((conf) => conf.index <= written.index).at(-1)!.confState;
    this.snapshotConfs = [];
    try {
      await this.storage.createSnapshotFromFile(written.index, confState, written.path, written.id, Math.max(current, this.applied - SNAPSHOT_CATCH_UP_ENTRIES));
    } catch (err) {
      // Refused for space before anything changed, or with the log compacted in memory but
      // the old segment still live (wal.ts rewriteSegment): either way the log on disk is
      // whole. The next snapshot tries again.
      if (!isNoSpaceError(err)) throw err;
      rmSync(written.path, { force: true });
      this.init.log.warn("a snapshot could not be recorded: the disk is full; the log is compacted later", { index: written.index, err: (err as Error).message });
      return;
    }
    this.init.log.info("snapshot taken", { index: written.index, bytes: written.id.sizeBytes, ms: Math.round(written.ms) });
  }
}

function finishRead(waiter: ReadWaiter, err?: Error): void {
  if (waiter.done) return;
  waiter.done = true;
  clearTimeout(waiter.timer);
  if (err) waiter.reject(err);
  else waiter.resolve();
}
