// Which cache copies leave a tier when it needs room: a pure planner (no I/O, no clock), so
// its choices are unit-tested apart from the store that carries them out (tiered-store.ts).
//
// Time is a logical clock: one tick per access of any copy of the tier set, so the choice
// depends on the order of accesses only, never on how fast the machine is.
//
// LRU: the copy read longest ago goes first.
// LRFU (Lee et al., "LRFU: a spectrum of policies that subsumes LRU and LFU", 2001): each
// copy has a combined recency and frequency value CRF = Σ F(now − t_i) over its accesses,
// F(x) = (1/2)^(λx); the lowest CRF goes first. λ = 0 is LFU, λ = 1 behaves as LRU; the
// default leans to frequency, so a copy read often survives a scan of copies read once.
import type { ChunkId } from "../protocol/chunk-id.ts";
import { assert } from "../util/assert.ts";
import type { EvictionPolicy } from "./tiers.ts";

export const LRFU_LAMBDA_DEFAULT = 0.01;

/** What the policy knows of one copy. */
export interface AccessRecord {
  readonly id: ChunkId;
  readonly sizeBytes: number;
  /** Pinned copies are never chosen. */
  pinned: boolean;
  /** Being moved between tiers right now: not chosen either. */
  busy?: boolean;
  /** The logical time of the last access (or of the copy's arrival). */
  lastAccessTick: number;
  /** LRFU's CRF as of lastAccessTick. */
  crf: number;
}

export function newAccessRecord(id: ChunkId, sizeBytes: number, pinned: boolean, tick: number): AccessRecord {
  return { id, sizeBytes, pinned, lastAccessTick: tick, crf: 1 };
}

/** An access at `tick`: LRFU's CRF becomes 1 + CRF decayed to now. */
export function noteAccess(record: AccessRecord, tick: number, lambda = LRFU_LAMBDA_DEFAULT): void {
  record.crf = 1 + record.crf * decay(tick - record.lastAccessTick, lambda);
  record.lastAccessTick = tick;
}

/**
 * The copies to remove, in the order to remove them, so that at least `needBytes` are freed;
 * undefined when the unpinned copies together are not enough (nothing is chosen then: a
 * partial eviction would free room nobody can use). `records` may be in any order.
 *
 * Each copy's worth is computed once and the least worth are taken off a binary heap:
 * O(n + k log n) for k victims among n copies, so a data dir of 100,000 copies costs a few
 * milliseconds per fill (a full sort with a comparator took 60 ms for LRU and over 300 ms
 * for LRFU there).
 */
export function chooseVictims(policy: EvictionPolicy, records: Iterable<AccessRecord>, needBytes: number, nowTick: number, lambda = LRFU_LAMBDA_DEFAULT): ChunkId[] | undefined {
  if (needBytes <= 0) return [];
  const candidates: AccessRecord[] = [];
  let availableBytes = 0;
  for (const record of records) {
    if (record.pinned || record.busy) continue;
    candidates.push(record);
    availableBytes += record.sizeBytes;
  }
  if (availableBytes < needBytes) return undefined;
  const worth = new Float64Array(candidates.length);
  for (let i = 0; i < candidates.length; i++) {
    const record = candidates[i]!;
    worth[i] = policy === "LRU" ? record.lastAccessTick : record.crf * decay(nowTick - record.lastAccessTick, lambda);
  }
  // a goes before b: less worth, then older, then the smaller id (a total order: the choice is deterministic).
  const before = (a: number, b: number): boolean => {
    if (worth[a] !== worth[b]) return worth[a]! < worth[b]!;
    const x = candidates[a]!;
    const y = candidates[b]!;
    if (x.lastAccessTick !== y.lastAccessTick) return x.lastAccessTick < y.lastAccessTick;
    return x.id < y.id;
  };
  const heap = new MinHeap(candidates.length, before);
  const victims: ChunkId[] = [];
  let freedBytes = 0;
  while (freedBytes < needBytes) {
    const index = heap.pop();
    victims.push(candidates[index]!.id);
    freedBytes += candidates[index]!.sizeBytes;
  }
  return victims;
}

/** A binary min-heap of the indexes 0..size-1, ordered by `before`, built in O(n). */
class MinHeap {
  private readonly items: Int32Array;
  private size: number;

  constructor(
    size: number,
    private readonly before: (a: number, b: number) => boolean,
  ) {
    this.items = new Int32Array(size);
    for (let i = 0; i < size; i++) this.items[i] = i;
    this.size = size;
    for (let i = (size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  pop(): number {
    assert(this.size > 0, "a victim is taken from a heap that holds one");
    const top = this.items[0]!;
    this.size--;
    this.items[0] = this.items[this.size]!;
    this.siftDown(0);
    return top;
  }

  private siftDown(start: number): void {
    const items = this.items;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) return;
      const right = left + 1;
      const child = right < this.size && this.before(items[right]!, items[left]!) ? right : left;
      if (!this.before(items[child]!, items[i]!)) return;
      const swap = items[i]!;
      items[i] = items[child]!;
      items[child] = swap;
      i = child;
    }
  }
}

function decay(ticks: number, lambda: number): number {
  return Math.pow(0.5, lambda * Math.max(0, ticks));
}

export function parseEvictionPolicy(text: string): EvictionPolicy | undefined {
  const upper = text.toUpperCase();
  return upper === "LRU" || upper === "LRFU" ? upper : undefined;
}
