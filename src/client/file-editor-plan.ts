// The pure half of a file editor (client/file-editor.ts): which chunks an editor's writes and
// truncates changed, what each changed chunk's new version holds, what must be read to make
// it, and what a flush commits. No I/O: the editor reads and writes chunks as this says.
//
// The file is a row of slots, one per chunk, fixed for one base (the file as the editor last
// saw it committed): slot i < n-1 holds exactly the base's chunk i (chunks may be shorter
// than the chunk size, after a concat); the base's last slot, and every slot past the base,
// holds up to the chunk size. A slot's bytes at x (below its size, which the file's length
// cuts) are: what was written there (the slot's buffer, over its covered ranges), else the
// bytes of its source (the base chunk, or the slot's own staged version) below `sourceBytes`,
// else zeros. A truncate lowers `floorBytes`: base bytes at or past the lowest length the file
// had since the base are gone (a cut then a growth reads zeros, as POSIX says).
import { assert } from "../util/assert.ts";

/** A committed chunk of the base: its id and size. */
export interface BaseChunk {
  chunkId: string;
  sizeBytes: number;
}

/** A range [from, to) of a slot, in bytes from the slot's start. */
export interface SlotRange {
  from: number;
  to: number;
}

/** A changed slot. */
export interface SlotState {
  index: number;
  /**
   * Where the slot's bytes not written since come from: its base chunk, or the version of it
   * this editor staged (a chunk of the staging file); undefined: nothing (zeros).
   */
  source: { kind: "base" } | { kind: "staged"; stagingIndex: number } | undefined;
  /** The prefix of the source that still counts (a truncate cuts it). */
  sourceBytes: number;
  /** Bytes written since the source was made, valid over `covered`; grown as writes reach further. */
  buffer: Uint8Array;
  /** Disjoint ranges of `buffer` that were written, in order. */
  covered: SlotRange[];
  /** The slot differs from its source: it needs a new version before a flush can commit it. */
  dirty: boolean;
  /** The version staged last (its index in the staging file, and its size), if any. */
  staged?: { stagingIndex: number; sizeBytes: number };
}

/** A piece of a write: which slot, where in it, and where in the data. */
export interface WriteSegment {
  index: number;
  from: number;
  to: number;
  dataOffset: number;
}

/** How to make a slot's new version: its size, and the ranges to read from its source (the rest is the buffer or zeros). */
export interface WriteOutPlan {
  index: number;
  sizeBytes: number;
  /** Ranges of the source to read (within sourceBytes, outside covered). */
  reads: SlotRange[];
}

/** One chunk of a flush's rewrite: staged version `stagingIndex` into slot `targetIndex`, replacing the base's chunk there ("" when past it). */
export interface RewriteMovePlan {
  stagingIndex: number;
  targetIndex: number;
  replacedChunkId: string;
}

/** What a flush commits. */
export interface CommitPlan {
  moves: RewriteMovePlan[];
  chunkCount: number;
  lengthBytes: number;
}

/** Growth of a slot's buffer: doubling from this; past BUFFER_BYTES_WHOLE it takes the slot's whole capacity at once. */
const BUFFER_BYTES_FIRST = 64 * 1024;
/**
 * A buffer that would grow past this takes the whole chunk at once: a sequential write then
 * touches each chunk's memory once (first touches of fresh pages cost ~1 s per 64 MiB on a
 * loaded 2-core machine when the buffer doubled its way up), and the buffer can be a reused one.
 */
const BUFFER_BYTES_WHOLE = 1024 * 1024;

export class EditPlan {
  private base: BaseChunk[];
  /** Each base slot's first byte (prefix sums of the base's sizes). */
  private baseStarts: number[];
  private baseLengthBytes: number;
  private length: number;
  private floorBytes: number;
  private readonly slots = new Map<number, SlotState>();
  /** Bytes of all slot buffers: what the editor's memory bound counts. */
  bufferedBytes = 0;

  constructor(
    base: readonly BaseChunk[],
    readonly chunkSizeBytes: number,
    /** Where buffers come from (an editor reuses those its staged chunks released); their bytes need not be zero. */
    private readonly allocate: (bytes: number) => Uint8Array = (bytes) => new Uint8Array(bytes),
  ) {
    assert(Number.isSafeInteger(chunkSizeBytes) && chunkSizeBytes > 0, `a chunk size is a positive whole number of bytes, not ${chunkSizeBytes}`);
    this.base = [];
    this.baseStarts = [];
    this.baseLengthBytes = 0;
    this.length = 0;
    this.floorBytes = 0;
    this.rebase(base);
  }

  /** The file's length as the editor sees it. */
  get lengthBytes(): number {
    return this.length;
  }

  /** The base's chunks (the file as last committed). */
  get baseChunks(): readonly BaseChunk[] {
    return this.base;
  }

  get baseLength(): number {
    return this.baseLengthBytes;
  }

  /** Whether a flush has anything to commit. */
  get dirty(): boolean {
    if (this.length !== this.baseLengthBytes || this.slots.size > 0) return true;
    return false;
  }

  /** How many slots are changed (staged or dirty). */
  get changedCount(): number {
    return this.slots.size;
  }

  /** The changed slots, in index order. */
  changedSlots(): SlotState[] {
    return [...this.slots.values()].sort((a, b) => a.index - b.index);
  }

  slot(index: number): SlotState | undefined {
    return this.slots.get(index);
  }

  /** Slot `index`'s first byte in the file. */
  slotStart(index: number): number {
    const n = this.base.length;
    if (index < n) return this.baseStarts[index]!;
    const afterBase = n === 0 ? 0 : this.baseStarts[n - 1]! + this.slotCapacity(n - 1);
    return afterBase + (index - n) * this.chunkSizeBytes;
  }

  /** The most bytes slot `index` holds. */
  slotCapacity(index: number): number {
    const n = this.base.length;
    if (index < n - 1) return this.base[index]!.sizeBytes;
    if (index === n - 1) return Math.max(this.base[index]!.sizeBytes, this.chunkSizeBytes);
    return this.chunkSizeBytes;
  }

  /** The slot holding byte `offset` (past the base: counted in chunk sizes). */
  slotOf(offset: number): number {
    const n = this.base.length;
    const afterBase = n === 0 ? 0 : this.baseStarts[n - 1]! + this.slotCapacity(n - 1);
    if (offset >= afterBase) return n + Math.floor((offset - afterBase) / this.chunkSizeBytes);
    // Binary search of the base's starts: the last start at or before offset.
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.baseStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Slot `index`'s size at the current length. */
  slotSize(index: number): number {
    return Math.max(0, Math.min(this.slotCapacity(index), this.length - this.slotStart(index)));
  }

  /** Slots the file has at its current length. */
  get chunkCount(): number {
    return this.length === 0 ? 0 : this.slotOf(this.length - 1) + 1;
  }

  /** How many of slot `index`'s first bytes come from its source, for a slot not changed yet. */
  private baseBytesOf(index: number): number {
    if (index >= this.base.length) return 0;
    return Math.max(0, Math.min(this.base[index]!.sizeBytes, this.floorBytes - this.baseStarts[index]!));
  }

  private stateOf(index: number): SlotState {
    let state = this.slots.get(index);
    if (!state) {
      const sourceBytes = this.baseBytesOf(index);
      state = { index, source: sourceBytes > 0 ? { kind: "base" } : undefined, sourceBytes, buffer: new Uint8Array(0), covered: [], dirty: true };
      this.slots.set(index, state);
    }
    return state;
  }

  /**
   * Lays `data` at `offset`: the pieces each slot gets (copied into the slots' buffers here),
   * in order. The file grows to the write's end when it ends past it.
   */
  write(offset: number, data: Uint8Array): WriteSegment[] {
    assert(Number.isSafeInteger(offset) && offset >= 0, `a write's offset is a whole number of bytes, not ${offset}`);
    const segments: WriteSegment[] = [];
    if (data.length === 0) return segments;
    const end = offset + data.length;
    // Growing first: slots between the old end and the write are zeros, and are changed slots.
    if (end > this.length) this.setLength(end);
    for (let at = offset; at < end; ) {
      const index = this.slotOf(at);
      const start = this.slotStart(index);
      const from = at - start;
      const to = Math.min(this.slotCapacity(index), end - start);
      const state = this.stateOf(index);
      this.ensureBuffer(state, to);
      state.buffer.set(data.subarray(at - offset, at - offset + (to - from)), from);
      addRange(state.covered, { from, to });
      state.dirty = true;
      segments.push({ index, from, to, dataOffset: at - offset });
      at = start + to;
    }
    return segments;
  }

  /** Cuts or extends (zeros) the file to `lengthBytes`. */
  truncate(lengthBytes: number): void {
    assert(Number.isSafeInteger(lengthBytes) && lengthBytes >= 0, `a length is a whole number of bytes, not ${lengthBytes}`);
    this.setLength(lengthBytes);
  }

  private setLength(lengthBytes: number): void {
    const old = this.length;
    if (lengthBytes < old) {
      this.floorBytes = Math.min(this.floorBytes, lengthBytes);
      for (const state of [...this.slots.values()]) {
        const start = this.slotStart(state.index);
        if (start >= lengthBytes) {
          this.dropSlot(state);
          continue;
        }
        const keep = lengthBytes - start;
        if (keep < this.slotCapacity(state.index)) {
          state.covered = clipRanges(state.covered, keep);
          if (state.sourceBytes > keep) state.sourceBytes = keep;
          if (state.buffer.length > keep) this.resizeBuffer(state, keep);
          // A staged version of exactly the kept size, with nothing written since, is still right.
          state.dirty = state.dirty || state.staged === undefined || state.staged.sizeBytes !== keep;
        }
      }
      // A base slot cut inside and not changed yet: its new version is the kept head.
      this.length = lengthBytes;
      if (lengthBytes > 0) {
        const last = this.slotOf(lengthBytes - 1);
        if (!this.slots.has(last) && last < this.base.length && this.slotSize(last) !== this.base[last]!.sizeBytes) this.stateOf(last);
      }
      return;
    }
    if (lengthBytes === old) return;
    // The slots the growth touches: the old last one (it may grow) and every later one (new).
    const first = old === 0 ? 0 : this.slotOf(old - 1);
    const oldLastSize = old === 0 ? 0 : this.slotSize(first);
    this.length = lengthBytes;
    const last = this.slotOf(lengthBytes - 1);
    for (let index = first; index <= last; index++) {
      const state = this.slots.get(index);
      if (state) {
        // Only a slot that grew changed (a full one, staged clean, stays as it is).
        if (index !== first || old === 0 || this.slotSize(index) !== oldLastSize) state.dirty = true;
        continue;
      }
      const unchanged = index < this.base.length && this.slotSize(index) === this.base[index]!.sizeBytes && this.baseBytesOf(index) === this.base[index]!.sizeBytes;
      if (!unchanged) this.stateOf(index);
    }
  }

  /** The plan of slot `index`'s new version at the current length. */
  planWriteOut(index: number): WriteOutPlan {
    const state = this.slots.get(index);
    assert(state, `slot ${index} is changed`);
    const sizeBytes = this.slotSize(index);
    assert(sizeBytes > 0, `slot ${index} is inside the file`);
    const reads = gaps(state.covered, Math.min(state.sourceBytes, sizeBytes));
    return { index, sizeBytes, reads };
  }

  /**
   * Slot `index`'s new version, from its buffer, the source bytes read for the plan's reads
   * (in the plan's order), and zeros.
   */
  assemble(plan: WriteOutPlan, sourceReads: readonly Uint8Array[]): Uint8Array {
    const state = this.slots.get(plan.index);
    assert(state, `slot ${plan.index} is changed`);
    assert(sourceReads.length === plan.reads.length, "one source read per planned range");
    // Written whole (a sequential write's chunk): the buffer is the new version, no copy.
    const whole = state.covered.length === 1 && state.covered[0]!.from === 0 && state.covered[0]!.to >= plan.sizeBytes;
    if (whole && plan.reads.length === 0 && state.buffer.length === plan.sizeBytes) return state.buffer;
    const out = new Uint8Array(plan.sizeBytes);
    plan.reads.forEach((range, i) => {
      const bytes = sourceReads[i]!;
      assert(bytes.length === range.to - range.from, `the source read of [${range.from}, ${range.to}) of slot ${plan.index} has ${bytes.length} bytes`);
      out.set(bytes, range.from);
    });
    for (const range of state.covered) {
      if (range.from >= plan.sizeBytes) break;
      out.set(state.buffer.subarray(range.from, Math.min(range.to, plan.sizeBytes)), range.from);
    }
    return out;
  }

  /**
   * Slot `index`'s new version of `sizeBytes` is staged as `stagingIndex`: its buffer goes (it
   * may be the staged bytes themselves, which the plan never touches again), the staged chunk
   * is its source now.
   */
  staged(index: number, stagingIndex: number, sizeBytes: number): void {
    const state = this.slots.get(index);
    assert(state, `slot ${index} is changed`);
    this.bufferedBytes -= state.buffer.length;
    state.buffer = new Uint8Array(0);
    state.covered = [];
    state.source = { kind: "staged", stagingIndex };
    state.sourceBytes = sizeBytes;
    state.staged = { stagingIndex, sizeBytes };
    state.dirty = sizeBytes !== this.slotSize(index);
  }

  /** Whether slot `index` is wholly written in its buffer up to its capacity: a full chunk needing no read (a sequential write's). */
  isFullyWritten(index: number): boolean {
    const state = this.slots.get(index);
    if (!state || !state.dirty) return false;
    const capacity = this.slotCapacity(index);
    return this.slotSize(index) === capacity && state.covered.length === 1 && state.covered[0]!.from === 0 && state.covered[0]!.to === capacity;
  }

  /**
   * What a flush commits, once every changed slot inside the file is staged and clean: each
   * one's staged version into its place, the chunk count and the length.
   */
  commitPlan(): CommitPlan {
    const chunkCount = this.chunkCount;
    const moves: RewriteMovePlan[] = [];
    for (const state of this.changedSlots()) {
      if (state.index >= chunkCount) continue;
      assert(!state.dirty && state.staged, `slot ${state.index} is staged before the commit`);
      moves.push({ stagingIndex: state.staged.stagingIndex, targetIndex: state.index, replacedChunkId: state.index < this.base.length ? this.base[state.index]!.chunkId : "" });
    }
    return { moves, chunkCount, lengthBytes: this.length };
  }

  /** After a commit: the file as committed is the new base, nothing is changed. */
  rebase(base: readonly BaseChunk[]): void {
    this.base = base.map((chunk) => ({ chunkId: chunk.chunkId, sizeBytes: chunk.sizeBytes }));
    this.baseStarts = [];
    let offset = 0;
    for (const chunk of this.base) {
      assert(Number.isSafeInteger(chunk.sizeBytes) && chunk.sizeBytes > 0, `a base chunk holds bytes, not ${chunk.sizeBytes}`);
      this.baseStarts.push(offset);
      offset += chunk.sizeBytes;
    }
    this.baseLengthBytes = offset;
    this.length = offset;
    this.floorBytes = offset;
    this.slots.clear();
    this.bufferedBytes = 0;
  }

  /** The base after the commit plan is carried out: staged chunks named by `stagedChunk`. */
  baseAfter(plan: CommitPlan, stagedChunk: (stagingIndex: number) => BaseChunk): BaseChunk[] {
    const moved = new Map(plan.moves.map((move) => [move.targetIndex, stagedChunk(move.stagingIndex)]));
    const next: BaseChunk[] = [];
    for (let index = 0; index < plan.chunkCount; index++) {
      const chunk = moved.get(index) ?? this.base[index];
      assert(chunk, `chunk ${index} of the new base is the base's or a staged one`);
      next.push(chunk);
    }
    return next;
  }

  /**
   * How to read [offset, offset + length) as the editor sees it: per slot, ranges from the
   * buffer, from the source (base or staged) and zeros, in order.
   */
  planRead(offset: number, length: number): Array<{ index: number; from: number; to: number; kind: "buffer" | "source" | "zero"; outOffset: number }> {
    const end = Math.min(this.length, offset + length);
    const parts: Array<{ index: number; from: number; to: number; kind: "buffer" | "source" | "zero"; outOffset: number }> = [];
    for (let at = offset; at < end; ) {
      const index = this.slotOf(at);
      const start = this.slotStart(index);
      const to = Math.min(this.slotCapacity(index), end - start);
      const state = this.slots.get(index);
      const sourceBytes = state ? state.sourceBytes : this.baseBytesOf(index);
      const covered = state ? state.covered : [];
      for (let x = at - start; x < to; ) {
        const inside = covered.find((range) => range.from <= x && x < range.to);
        if (inside) {
          const stop = Math.min(inside.to, to);
          parts.push({ index, from: x, to: stop, kind: "buffer", outOffset: start + x - offset });
          x = stop;
          continue;
        }
        const nextCovered = covered.find((range) => range.from > x)?.from ?? to;
        const stop = Math.min(nextCovered, to);
        if (x < sourceBytes) {
          const sourceStop = Math.min(stop, sourceBytes);
          parts.push({ index, from: x, to: sourceStop, kind: "source", outOffset: start + x - offset });
          x = sourceStop;
        } else {
          parts.push({ index, from: x, to: stop, kind: "zero", outOffset: start + x - offset });
          x = stop;
        }
      }
      at = start + to;
    }
    return parts;
  }

  /** The dirty slots to write out first when the buffers are over their bound: the largest buffers first. */
  evictionOrder(): number[] {
    return [...this.slots.values()].filter((state) => state.dirty && state.buffer.length > 0 && this.slotSize(state.index) > 0).sort((a, b) => b.buffer.length - a.buffer.length || a.index - b.index).map((state) => state.index);
  }

  private dropSlot(state: SlotState): void {
    this.bufferedBytes -= state.buffer.length;
    this.slots.delete(state.index);
  }

  private ensureBuffer(state: SlotState, bytes: number): void {
    if (state.buffer.length >= bytes) return;
    const capacity = this.slotCapacity(state.index);
    let size = Math.max(state.buffer.length * 2, BUFFER_BYTES_FIRST);
    while (size < bytes) size *= 2;
    this.resizeBuffer(state, size > BUFFER_BYTES_WHOLE ? capacity : Math.min(capacity, size));
  }

  private resizeBuffer(state: SlotState, bytes: number): void {
    const next = this.allocate(bytes);
    assert(next.length === bytes, `a buffer of ${bytes} bytes, not ${next.length}`);
    next.set(state.buffer.subarray(0, Math.min(bytes, state.buffer.length)));
    this.bufferedBytes += next.length - state.buffer.length;
    state.buffer = next;
  }
}

/** Adds [from, to) to sorted disjoint ranges, merging what touches it. */
export function addRange(ranges: SlotRange[], range: SlotRange): void {
  let from = range.from;
  let to = range.to;
  const kept: SlotRange[] = [];
  let placed = false;
  for (const existing of ranges) {
    if (existing.to < from) {
      kept.push(existing);
      continue;
    }
    if (existing.from > to) {
      if (!placed) {
        kept.push({ from, to });
        placed = true;
      }
      kept.push(existing);
      continue;
    }
    from = Math.min(from, existing.from);
    to = Math.max(to, existing.to);
  }
  if (!placed) kept.push({ from, to });
  ranges.length = 0;
  ranges.push(...kept);
}

/** Ranges cut at `limit`. */
export function clipRanges(ranges: readonly SlotRange[], limit: number): SlotRange[] {
  return ranges.filter((range) => range.from < limit).map((range) => ({ from: range.from, to: Math.min(range.to, limit) }));
}

/** The parts of [0, limit) that no range covers. */
export function gaps(ranges: readonly SlotRange[], limit: number): SlotRange[] {
  const out: SlotRange[] = [];
  let at = 0;
  for (const range of ranges) {
    if (range.from >= limit) break;
    if (range.from > at) out.push({ from: at, to: range.from });
    at = Math.max(at, range.to);
  }
  if (at < limit) out.push({ from: at, to: limit });
  return out;
}
