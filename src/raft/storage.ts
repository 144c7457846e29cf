// RaftStorage: the stable part of the log as the core reads it, and MemoryStorage, its
// in-memory twin (etcd storage.go). The core only reads storage; the driver writes it while
// handling a Ready (see the contract in core.ts). Every method is synchronous: a durable
// implementation keeps its index in memory and serves entries from a cache or a read.
import { assert } from "../util/assert.ts";
import {
  LogCompactedError,
  LogUnavailableError,
  SnapshotOutOfDateError,
} from "./errors.ts";
import {
  EMPTY_CONF_STATE,
  EMPTY_HARD_STATE,
  entrySizeBytes,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from "./types.ts";

export interface RaftStorage {
  /**
   * The persisted HardState and the configuration in effect at the snapshot index
   * (firstIndex() - 1). The core replays conf entries above it from the log itself.
   */
  initialState(): { hardState: HardState; confState: ConfState };
  /**
   * Entries [lo, hi), at most maxBytes in total but always at least one when lo < hi.
   * Throws LogCompactedError when lo < firstIndex(), LogUnavailableError when hi > lastIndex()+1.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /**
   * Term of entry i, for i in [firstIndex()-1, lastIndex()] (firstIndex()-1 is the snapshot's
   * index and answers the snapshot's term). Throws LogCompactedError / LogUnavailableError.
   */
  term(i: number): number;
  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex(): number;
  /** Index of the last entry held (the snapshot index when the log is empty). */
  lastIndex(): number;
  /** The latest snapshot. May throw SnapshotTemporarilyUnavailableError. */
  snapshot(): Snapshot;
}

/**
 * An in-memory RaftStorage. `ents[0]` is a dummy entry holding the snapshot's index and term,
 * so term(firstIndex-1) answers without a special case (as in etcd).
 */
export class MemoryStorage implements RaftStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot;
  private ents: Entry[];

  constructor(initialConfState: ConfState = EMPTY_CONF_STATE) {
    this.snap = { meta: { index: 0, term: 0, confState: copyConf(initialConfState) }, data: new Uint8Array(0) };
    this.ents = [{ index: 0, term: 0, type: "normal", data: new Uint8Array(0) }];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.meta.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  term(i: number): number {
    const offset = this.ents[0].index;
    if (i < offset) throw new LogCompactedError(`term(${i}): compacted below ${offset + 1}`);
    if (i - offset >= this.ents.length) throw new LogUnavailableError(`term(${i}): last index is ${this.lastIndex()}`);
    return this.ents[i - offset].term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.ents[0].index;
    if (lo <= offset) throw new LogCompactedError(`entries(${lo}): compacted below ${offset + 1}`);
    if (hi > this.lastIndex() + 1) throw new LogUnavailableError(`entries(..${hi}): last index is ${this.lastIndex()}`);
    assert(lo <= hi, `entries: lo ${lo} > hi ${hi}`);
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Installs a snapshot received from the leader: the log becomes empty at its index. */
  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index <= this.snap.meta.index) {
      throw new SnapshotOutOfDateError(`snapshot ${snap.meta.index} is not newer than ${this.snap.meta.index}`);
    }
    this.snap = snap;
    this.ents = [{ index: snap.meta.index, term: snap.meta.term, type: "normal", data: new Uint8Array(0) }];
  }

  /**
   * Records a snapshot the application took of its own state machine at `index` (which it
   * has applied). Does not compact: call compact() to drop entries.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.meta.index) {
      throw new SnapshotOutOfDateError(`snapshot ${index} is not newer than ${this.snap.meta.index}`);
    }
    assert(index <= this.lastIndex(), `createSnapshot(${index}) is past the last index ${this.lastIndex()}`);
    this.snap = { meta: { index, term: this.term(index), confState: copyConf(confState) }, data };
    return this.snap;
  }

  /** Drops entries up to and including `compactIndex` (which must be covered by the snapshot). */
  compact(compactIndex: number): void {
    const offset = this.ents[0].index;
    if (compactIndex <= offset) return;
    assert(compactIndex <= this.lastIndex(), `compact(${compactIndex}) is past the last index ${this.lastIndex()}`);
    assert(compactIndex <= this.snap.meta.index, `compact(${compactIndex}) is past the snapshot ${this.snap.meta.index}`);
    const i = compactIndex - offset;
    const head = this.ents[i];
    this.ents = [{ index: head.index, term: head.term, type: "normal", data: new Uint8Array(0) }, ...this.ents.slice(i + 1)];
  }

  /**
   * Appends entries; an entry at an index already held replaces it and everything after it.
   * Entries at or below the snapshot index are ignored (already compacted).
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0].index + entries.length - 1;
    if (last < first) return;
    const kept = first > entries[0].index ? entries.slice(first - entries[0].index) : entries;
    const offset = kept[0].index - this.ents[0].index;
    assert(offset <= this.ents.length, `append: gap, have up to ${this.lastIndex()}, got ${kept[0].index}`);
    // In place: the usual case extends the log, and copying it whole on every save showed
    // up in profiles of a busy leader.
    if (offset < this.ents.length) this.ents.length = offset;
    for (const entry of kept) this.ents.push(entry);
  }
}

/** The longest prefix of `ents` within maxBytes, but never less than one entry. */
export function limitSize<T extends Entry>(ents: T[], maxBytes: number): T[] {
  if (ents.length === 0) return ents;
  let size = entrySizeBytes(ents[0]);
  let n = 1;
  for (; n < ents.length; n++) {
    size += entrySizeBytes(ents[n]);
    if (size > maxBytes) break;
  }
  return n === ents.length ? ents : ents.slice(0, n);
}

export function copyConf(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}
