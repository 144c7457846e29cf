// The Raft log as the core sees it: the stable part in RaftStorage plus an unstable tail
// (entries, and perhaps a received snapshot) that the driver has not persisted yet
// (etcd log.go / log_unstable.go).
import { assert } from "../util/assert.ts";
import { LogCompactedError, LogUnavailableError } from "./errors.ts";
import { limitSize, type RaftStorage } from "./storage.ts";
import { entrySizeBytes, type Entry, type Snapshot } from "./types.ts";

/** Entries and a snapshot not yet handed to (or not yet confirmed by) stable storage. */
export class Unstable {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];
  /** Index of entries[0] (the next index when entries is empty). */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.meta.index + 1 : undefined;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.meta.index : undefined;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      if (this.snapshot && this.snapshot.meta.index === i) return this.snapshot.meta.term;
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset].term;
  }

  /** The driver persisted entries up to (i, t): drop them from the tail if still the same. */
  stableTo(i: number, t: number): void {
    const gt = this.maybeTerm(i);
    // A term mismatch means the tail was truncated and replaced after the Ready was taken;
    // the replacement is still unstable and will come in a later Ready.
    if (gt === t && i >= this.offset) {
      this.entries = this.entries.slice(i + 1 - this.offset);
      this.offset = i + 1;
    }
  }

  stableSnapTo(i: number): void {
    if (this.snapshot && this.snapshot.meta.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.meta.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: readonly Entry[]): void {
    const after = ents[0].index;
    if (after === this.offset + this.entries.length) {
      for (const e of ents) this.entries.push(e);
    } else if (after <= this.offset) {
      // Replaces the whole unstable tail (and, once persisted, the stable suffix from `after`).
      this.offset = after;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(ents);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    assert(lo >= this.offset && hi <= this.offset + this.entries.length, `unstable.slice(${lo},${hi}) out of [${this.offset},${this.offset + this.entries.length}]`);
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}

export class RaftLog {
  readonly unstable: Unstable;
  /** Highest index known committed. Never decreases (asserted). */
  committed: number;
  /** Highest index the application has applied (reported through advance()). */
  applied: number;

  constructor(
    readonly storage: RaftStorage,
    /** Bytes of committed entries one Ready hands to the application at most. */
    private readonly maxCommittedBytesPerReady: number,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /**
   * The last index on stable storage that is still part of the log: below the unstable
   * tail (which may be about to replace a stored suffix). What a leader may count as its own
   * durable copy (dissertation §10.2.1).
   */
  stableLastIndex(): number {
    assert(this.unstable.snapshot === undefined, "stableLastIndex with a snapshot not yet persisted");
    return Math.min(this.storage.lastIndex(), this.unstable.offset - 1);
  }

  /** Term of entry i, or undefined when i is compacted away or past the end. */
  termOrUndefined(i: number): number | undefined {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return undefined;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof LogCompactedError || e instanceof LogUnavailableError) return undefined;
      throw e;
    }
  }

  /** Term of entry i; throws LogCompactedError below the first index - 1. */
  term(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy) throw new LogCompactedError(`term(${i}): compacted below ${dummy + 1}`);
    if (i > this.lastIndex()) throw new LogUnavailableError(`term(${i}): last index is ${this.lastIndex()}`);
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    return this.storage.term(i);
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  matchTerm(i: number, t: number): boolean {
    return this.termOrUndefined(i) === t;
  }

  /** Raft §5.4.1: is a log ending at (lastIndex, term) at least as up-to-date as ours? */
  isUpToDate(lastIndex: number, term: number): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm || (term === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Index of the first entry of `ents` that is new or conflicts with ours, or 0. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with its term (0 when unknown).
   * A leader uses it to skip a whole term of mismatching entries per round trip (fast
   * backtracking, etcd findConflictByTerm; Raft §5.3 "optimization").
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (; index > 0; index--) {
      const ourTerm = this.termOrUndefined(index);
      if (ourTerm === undefined) return { index, term: 0 };
      if (ourTerm <= term) return { index, term: ourTerm };
    }
    return { index: 0, term: 0 };
  }

  /**
   * The follower's half of AppendEntries (Raft §5.3): if our entry at `index` has `logTerm`,
   * append `ents` (dropping a conflicting suffix) and advance commit to min(committed, last new).
   * Returns undefined on a mismatch; otherwise the last new index and the first index written
   * (0 when every entry was already present).
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): { lastNewIndex: number; conflictIndex: number } | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNewIndex = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      assert(ci > this.committed, `entry ${ci} conflicts with committed entry ${this.committed}`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNewIndex));
    return { lastNewIndex, conflictIndex: ci };
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0].index - 1;
    // Raft safety: a committed entry is never overwritten.
    assert(after >= this.committed, `append after ${after} would truncate committed entries up to ${this.committed}`);
    assert(after <= this.lastIndex(), `append after ${after} leaves a gap past ${this.lastIndex()}`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.slice();
  }

  hasNextCommittedEnts(): boolean {
    const off = Math.max(this.applied + 1, this.firstIndex());
    return this.committed + 1 > off;
  }

  nextCommittedEnts(): Entry[] {
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 > off) return this.slice(off, this.committed + 1, this.maxCommittedBytesPerReady);
    return [];
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  commitTo(toCommit: number): void {
    if (this.committed < toCommit) {
      assert(toCommit <= this.lastIndex(), `commit ${toCommit} is past the last index ${this.lastIndex()}: log corrupted, truncated or lost?`);
      this.committed = toCommit;
    }
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    assert(i <= this.committed, `applied ${i} is past commit ${this.committed}`);
    assert(i >= this.applied, `applied ${i} goes back from ${this.applied}`);
    this.applied = i;
  }

  /** Raft §5.4.2: commit `maxIndex` only if its entry is of the leader's current term. */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrUndefined(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    assert(s.meta.index >= this.committed, `restore snapshot ${s.meta.index} below commit ${this.committed}`);
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }

  /** Entries [lo, hi) within maxBytes (at least one). Throws LogCompactedError below firstIndex. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo === hi) return [];
    const first = this.firstIndex();
    if (lo < first) throw new LogCompactedError(`slice(${lo}): compacted below ${first}`);
    assert(hi <= this.lastIndex() + 1, `slice(${lo},${hi}) past last index ${this.lastIndex()}`);
    assert(lo < hi, `slice: lo ${lo} > hi ${hi}`);
    let ents: Entry[] = [];
    const uoff = this.unstable.offset;
    if (lo < uoff) {
      const stored = this.storage.entries(lo, Math.min(hi, uoff), maxBytes);
      // Storage stopped early at the size bound: do not add unstable entries past the gap.
      if (stored.length < Math.min(hi, uoff) - lo) return stored;
      ents = stored;
    }
    if (hi > uoff) {
      const tail = this.unstable.slice(Math.max(lo, uoff), hi);
      ents = ents.length > 0 ? ents.concat(tail) : tail;
    }
    return limitSize(ents, maxBytes);
  }

  /** Bytes of entries in (after, lastIndex]; used for the uncommitted-tail bound. */
  static sizeOf(ents: readonly Entry[]): number {
    let n = 0;
    for (const e of ents) n += entrySizeBytes(e);
    return n;
  }
}
