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
 */
export function chooseVictims(policy: EvictionPolicy, records: Iterable<AccessRecord>, needBytes: number, nowTick: number, lambda = LRFU_LAMBDA_DEFAULT): ChunkId[] | undefined {
  if (needBytes <= 0) return [];
  const candidates = [...records].filter((record) => !record.pinned && !record.busy);
  if (policy === "LRU") {
    candidates.sort((a, b) => a.lastAccessTick - b.lastAccessTick || compareIds(a.id, b.id));
  } else {
    const worth = new Map(candidates.map((record) => [record.id, record.crf * decay(nowTick - record.lastAccessTick, lambda)]));
    candidates.sort((a, b) => worth.get(a.id)! - worth.get(b.id)! || a.lastAccessTick - b.lastAccessTick || compareIds(a.id, b.id));
  }
  const victims: ChunkId[] = [];
  let freedBytes = 0;
  for (const record of candidates) {
    if (freedBytes >= needBytes) break;
    victims.push(record.id);
    freedBytes += record.sizeBytes;
  }
  return freedBytes >= needBytes ? victims : undefined;
}

function decay(ticks: number, lambda: number): number {
  return Math.pow(0.5, lambda * Math.max(0, ticks));
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function parseEvictionPolicy(text: string): EvictionPolicy | undefined {
  const upper = text.toUpperCase();
  return upper === "LRU" || upper === "LRFU" ? upper : undefined;
}
