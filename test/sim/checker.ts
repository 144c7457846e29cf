// The Raft safety properties (Raft paper Figure 3), checked after every simulator step on the
// node the step touched (the others did not change, so this equals checking every node):
//   Election Safety       at most one leader per term, over the whole run;
//   Leader Append-Only    a leader never overwrites or deletes entries in its log;
//   Log Matching          two logs with an entry of the same index and term agree up to it;
//   Leader Completeness   an entry committed in some term is in the log of every later leader;
//   State Machine Safety  no two servers apply different entries at one index.
// And two that say what the properties above rest on once a node may send before it writes
// (dissertation §10.2.1, §3.8), checked against what each node's disk holds (given to the
// checker as `durable`), so a breach shows the moment it happens, not only after the crash
// that would turn it into lost data:
//   Durable Commit        every entry a leader counts as committed is on the disk of a
//                         quorum of its voters;
//   Durable Vote          the votes that elected a leader are on the disks of a quorum of
//                         voters (a candidate's requests leave only once its own is written).
// And for reads under a leader lease (§6.4.1), which skip the heartbeat round:
//   Lease Guard           while a leader's lease holds, a quorum of its voters can help no
//                         one else to leadership: each is down, or a follower that withholds
//                         its vote (ticksUntilVotable() > 0) and has cast none in a later term;
//   Lease Freshness       while a leader's lease holds, no entry committed anywhere so far
//                         lies past its commit index (no newer leader has committed
//                         anything while the lease ran): checked at every step, whether or
//                         not a read came, and at every read answered under the lease.
import type { RaftCore } from "../../src/raft/core.ts";
import { quorum } from "../../src/raft/core.ts";
import type { RaftStorage } from "../../src/raft/storage.ts";
import type { Entry, HardState, PeerId } from "../../src/raft/types.ts";

/** What the checker may look at besides the node it checks. */
export interface ClusterView {
  /** What a node's disk holds: the log and hard state as of its last completed write. */
  durable(id: PeerId): (RaftStorage & { initialState(): { hardState: HardState } }) | undefined;
  /** A node's running core; undefined while it is down. */
  live(id: PeerId): RaftCore | undefined;
}

export class SafetyViolation extends Error {
  override name = "SafetyViolation";
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sameEntry(a: Entry, b: Entry): boolean {
  return a === b || (a.index === b.index && a.term === b.term && a.type === b.type && bytesEqual(a.data, b.data));
}

interface SeenEntry {
  readonly entry: Entry;
  readonly prevTerm: number;
}

export class SafetyChecker {
  /** term -> the leader elected in it (Election Safety, all time). */
  private readonly leaders = new Map<number, PeerId>();
  /** (index, term) -> the entry and its predecessor's term, as first seen in any log. */
  private readonly seen = new Map<number, Map<number, SeenEntry>>();
  /** index -> entry known committed somewhere. */
  private readonly committed = new Map<number, Entry>();
  /** index -> entry applied somewhere. */
  private readonly applied = new Map<number, Entry>();
  /** index -> canonical snapshot bytes taken at that index somewhere. */
  private readonly snapshots = new Map<number, Uint8Array>();
  /** Per node incarnation: last (index, term) seen while leader of a term; entries checked. */
  private readonly leaderTail = new Map<string, { term: number; index: number; entryTerm: number }>();
  private readonly verified = new Map<string, { first: number; ents: Entry[] }>();
  private readonly commitSeen = new Map<string, number>();
  /** Per node incarnation: lease reads counted so far (core.stats.leaseReads). */
  private readonly leaseReadsSeen = new Map<string, number>();
  /** Highest index known committed anywhere. */
  private maxCommitted = 0;
  checks = 0;

  constructor(
    private readonly seed: number,
    private readonly view?: ClusterView,
  ) {}

  private durable(id: PeerId) {
    return this.view?.durable(id);
  }

  private fail(what: string): never {
    throw new SafetyViolation(`seed=${this.seed}: ${what}`);
  }

  /** Checks one node after a step. `inc` distinguishes incarnations across crashes. */
  check(core: RaftCore, inc: string): void {
    this.checks++;
    const log = core.log;
    const first = log.firstIndex();
    const last = log.lastIndex();
    const ents = last >= first ? log.slice(first, last + 1, Number.MAX_SAFE_INTEGER) : [];

    // Log Matching, inductively: every (index, term) pins one entry and its predecessor's term.
    const cache = this.verified.get(inc) ?? { first, ents: [] };
    const nextCache: Entry[] = new Array(ents.length);
    let prevTerm = log.term(first - 1);
    let prevEntry: Entry | undefined;
    for (let k = 0; k < ents.length; k++) {
      const e = ents[k];
      nextCache[k] = e;
      const cached = cache.ents[e.index - cache.first];
      const cachedPrev = k > 0 ? cache.ents[e.index - cache.first - 1] : undefined;
      if (!(cached === e && (k === 0 || cachedPrev === prevEntry))) {
        let byTerm = this.seen.get(e.index);
        if (!byTerm) this.seen.set(e.index, (byTerm = new Map()));
        const s = byTerm.get(e.term);
        if (!s) byTerm.set(e.term, { entry: e, prevTerm });
        else {
          if (!sameEntry(s.entry, e)) this.fail(`Log Matching: ${core.id} holds a different entry at index ${e.index} term ${e.term}`);
          if (s.prevTerm !== prevTerm) {
            this.fail(`Log Matching: ${core.id} has term ${prevTerm} before (${e.index}, ${e.term}); another log has ${s.prevTerm}`);
          }
        }
      }
      prevTerm = e.term;
      prevEntry = e;
    }
    this.verified.set(inc, { first, ents: nextCache });

    // Committed entries: one per index, ever.
    const commit = log.committed;
    const seenCommit = this.commitSeen.get(inc) ?? first - 1;
    if (commit < seenCommit) this.fail(`commit of ${core.id} went back from ${seenCommit} to ${commit}`);
    if (core.role === "leader" && commit > seenCommit) this.checkDurableCommit(core, Math.max(seenCommit + 1, first), commit);
    for (let i = Math.max(seenCommit + 1, first); i <= commit; i++) {
      const e = ents[i - first];
      const known = this.committed.get(i);
      if (!known) this.committed.set(i, e);
      else if (!sameEntry(known, e)) this.fail(`committed entry ${i} of ${core.id} (term ${e.term}) differs from one committed before (term ${known.term})`);
    }
    this.commitSeen.set(inc, commit);
    this.maxCommitted = Math.max(this.maxCommitted, commit);

    // Lease Freshness: the lease holds now, or this step answered a read under it.
    const leaseReads = core.stats.leaseReads;
    const answered = leaseReads > (this.leaseReadsSeen.get(inc) ?? 0);
    this.leaseReadsSeen.set(inc, leaseReads);
    const leased = core.leaseHolds();
    if ((answered || leased) && this.maxCommitted > commit) {
      this.fail(`Lease Freshness: leader ${core.id} of term ${core.term} ${answered ? "answered a read" : "holds its lease"} at commit index ${commit}, but entry ${this.maxCommitted} is committed already`);
    }
    if (leased) this.checkLeaseGuard(core);

    if (core.role === "leader") {
      const term = core.term;
      const prior = this.leaders.get(term);
      if (prior === undefined) {
        this.leaders.set(term, core.id);
        this.checkDurableVote(core, term);
        // Leader Completeness: every entry known committed so far is in the new leader's log.
        for (const [i, e] of this.committed) {
          if (i < first) continue;
          if (i > last) this.fail(`Leader Completeness: leader ${core.id} of term ${term} lacks committed entry ${i}`);
          if (!sameEntry(ents[i - first], e)) this.fail(`Leader Completeness: leader ${core.id} of term ${term} has a different entry at committed index ${i}`);
        }
      } else if (prior !== core.id) {
        this.fail(`Election Safety: ${prior} and ${core.id} are both leaders of term ${term}`);
      }
      const key = `${inc}@${term}`;
      const tail = this.leaderTail.get(key);
      if (tail && tail.index >= first - 1) {
        if (last < tail.index) this.fail(`Leader Append-Only: leader ${core.id} log shrank from ${tail.index} to ${last}`);
        if (log.term(tail.index) !== tail.entryTerm) this.fail(`Leader Append-Only: leader ${core.id} rewrote entry ${tail.index}`);
      }
      this.leaderTail.set(key, { term, index: last, entryTerm: log.term(last) });
    }
  }

  /**
   * Durable Vote (§3.8), checked when a leader is first seen: a quorum of voters' disks hold a
   * vote for it in its term (or a later term, which overwrote what they voted in this one).
   * A leader elected by others' votes alone need not have written its own yet.
   */
  private checkDurableVote(core: RaftCore, term: number): void {
    if (!this.view) return;
    const voters = core.confState().voters;
    let held = 0;
    const seen: string[] = [];
    for (const v of voters) {
      const hs = this.durable(v)?.initialState().hardState;
      if (!hs) continue;
      seen.push(`${v}: term ${hs.term} vote ${hs.vote || "-"}`);
      if (hs.term > term || (hs.term === term && hs.vote === core.id)) held++;
    }
    if (held < quorum(voters.length)) this.fail(`Durable Vote: ${core.id} leads term ${term}, but only ${held} of ${voters.length} disks hold a vote for it (${seen.join("; ")})`);
  }

  /** Lease Guard: a quorum of the leased leader's voters can make no other leader now. */
  private checkLeaseGuard(leader: RaftCore): void {
    if (!this.view) return;
    const voters = leader.confState().voters;
    let guarding = 0;
    const seen: string[] = [];
    for (const v of voters) {
      const c = this.view.live(v);
      if (v === leader.id || c === undefined) {
        guarding++;
        continue;
      }
      const spentLater = c.term > leader.term && c.vote !== "";
      const ok = c.role === "follower" && c.ticksUntilVotable() > 0 && !spentLater;
      if (ok) guarding++;
      seen.push(`${v}: ${c.role} term ${c.term} vote ${c.vote || "-"} votable in ${c.ticksUntilVotable()}`);
    }
    if (guarding < quorum(voters.length)) {
      this.fail(`Lease Guard: leader ${leader.id} of term ${leader.term} holds its lease, but only ${guarding} of ${voters.length} voters guard it (${seen.join("; ")})`);
    }
  }

  /** Durable Commit: entries (lo..hi] the leader just counted committed are on a quorum's disks. */
  private checkDurableCommit(core: RaftCore, lo: number, hi: number): void {
    if (!this.view) return;
    const voters = core.confState().voters;
    for (let i = lo; i <= hi; i++) {
      const term = core.log.term(i);
      let held = 0;
      for (const v of voters) {
        const disk = this.durable(v);
        if (!disk) continue;
        // A snapshot covers only committed entries: at or past i, the disk holds i's effect.
        if (i < disk.firstIndex() || (i <= disk.lastIndex() && disk.term(i) === term)) held++;
      }
      if (held < quorum(voters.length)) {
        this.fail(`Durable Commit: leader ${core.id} of term ${core.term} counts entry ${i} (term ${term}) committed, but only ${held} of ${voters.length} voters hold it on disk`);
      }
    }
  }

  /** State Machine Safety: called for each entry a node applies. */
  applied_(id: PeerId, e: Entry): void {
    const known = this.applied.get(e.index);
    if (!known) this.applied.set(e.index, e);
    else if (!sameEntry(known, e)) this.fail(`State Machine Safety: ${id} applied term ${e.term} at index ${e.index}, another node applied term ${known.term}`);
  }

  /** Two snapshots of the state machine at one index must be equal. */
  snapshotTaken(id: PeerId, index: number, data: Uint8Array): void {
    const known = this.snapshots.get(index);
    if (!known) this.snapshots.set(index, data);
    else if (!bytesEqual(known, data)) this.fail(`State Machine Safety: ${id}'s snapshot at ${index} differs from another node's`);
  }

  get leaderTerms(): number {
    return this.leaders.size;
  }

  /** Reads answered under a lease, over the run (every incarnation of every node). */
  get leaseReads(): number {
    let n = 0;
    for (const count of this.leaseReadsSeen.values()) n += count;
    return n;
  }
}
