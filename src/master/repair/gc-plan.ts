// Garbage collection, the decisions (GFS §4.4 "Garbage Collection"), pure: which replicas to
// delete from which peer, which pending deletes may be dropped from the namespace once those
// deletions are done, and which unreferenced chunks ("orphans") to forget. No clock, no I/O,
// no Raft: gc.ts reads the namespace, the location map and the peer table into a GcView,
// asks these functions, and carries the answer out.
//
// The rules, each unit-tested in test/master/gc-plan.test.ts:
// - A deleted file's chunks wait `graceMs` after the delete before any replica goes (GFS keeps
//   them three days; a grace period covers a leader that has not applied every entry yet).
// - An orphan (a chunk a block report lists that no file references, not pending either) waits
//   `graceMs` from when this leader first saw it.
// - A chunk the namespace still knows (a file references it, or it is pending and so the
//   pending path owns it) is never collected as an orphan, and is forgotten as one.
// - Every replica the location map knows is deleted, whatever its version (a stale one is
//   garbage too); only alive peers are asked. A chunk with a replica on a peer that is not
//   alive is not finished this round: its entry stays, and a later round finds the replica.
import type { PeerLiveness } from "./replication.ts";
import { assert } from "../../util/assert.ts";

/** A chunk of a deleted file, waiting in the namespace's pending deletes. */
export interface PendingDelete {
  chunkId: string;
  /** When the file was deleted (the leader's wall clock, written into the Raft command). */
  deletedAtMs: number;
}

/** What the collector sees of the world at the start of a round. */
export interface GcView {
  nowMs: number;
  graceMs: number;
  /** Peers the location map says hold some version of the chunk. */
  holdersOf(chunkId: string): readonly string[];
  /** A peer's liveness in the peer table; undefined for a peer it does not know. */
  stateOf(peer: string): PeerLiveness | undefined;
}

/** The replica deletions that collect a list of chunks. */
export interface ReplicaDeletes {
  /** The chunks this plan collects, in the order they were given. */
  chunks: string[];
  /** Alive peer → the chunks to delete there, in the same order. */
  byPeer: Map<string, string[]>;
  /** Chunks with a replica on a peer that is not alive: not collected this round. */
  unreachable: Set<string>;
}

export interface OrphanPlan extends ReplicaDeletes {
  /** Orphans the namespace knows after all: no longer tracked. */
  forget: string[];
}

/** The deletions of every known replica of each chunk, grouped by peer. */
export function planReplicaDeletes(chunkIds: readonly string[], view: Pick<GcView, "holdersOf" | "stateOf">): ReplicaDeletes {
  const byPeer = new Map<string, string[]>();
  const unreachable = new Set<string>();
  for (const chunkId of chunkIds) {
    for (const peer of view.holdersOf(chunkId)) {
      if (view.stateOf(peer) !== "alive") {
        unreachable.add(chunkId);
        continue;
      }
      let list = byPeer.get(peer);
      if (!list) byPeer.set(peer, (list = []));
      list.push(chunkId);
    }
  }
  return { chunks: [...chunkIds], byPeer, unreachable };
}

/** Pending deletes past the grace period: every replica goes, then the entry (dropPendingDeletes). */
export function planPendingCollection(pending: readonly PendingDelete[], view: GcView): ReplicaDeletes {
  const due = pending.filter((chunk) => chunk.deletedAtMs + view.graceMs <= view.nowMs).map((chunk) => chunk.chunkId);
  return planReplicaDeletes(due, view);
}

/**
 * Orphans (chunk id → when first seen unreferenced): those the namespace knows are
 * forgotten; the rest past the grace period are collected. `known` is asked right before
 * the deletions it guards, so a chunk a racing write just allocated is never deleted.
 */
export function planOrphanCollection(orphans: ReadonlyMap<string, number>, known: (chunkId: string) => boolean, view: GcView): OrphanPlan {
  const forget: string[] = [];
  const due: string[] = [];
  for (const [chunkId, firstSeenMs] of orphans) {
    if (known(chunkId)) forget.push(chunkId);
    else if (firstSeenMs + view.graceMs <= view.nowMs) due.push(chunkId);
  }
  return { ...planReplicaDeletes(due, view), forget };
}

/**
 * The plan's chunks that no alive peer holds any more once its deletions are done: all but
 * the unreachable ones and those with a deletion that failed (`failed`). Those are collected
 * (a pending entry dropped, an orphan counted and forgotten); the rest wait for a later round.
 */
export function collectedChunks(plan: ReplicaDeletes, failed: ReadonlySet<string>): string[] {
  return plan.chunks.filter((chunkId) => !plan.unreachable.has(chunkId) && !failed.has(chunkId));
}

/** Chunk ids in batches of at most `batchMax`, one dropPendingDeletes command each (a bounded Raft entry). */
export function batches(chunkIds: readonly string[], batchMax: number): string[][] {
  assert(Number.isSafeInteger(batchMax) && batchMax >= 1, `a batch holds at least one chunk, not ${batchMax}`);
  const out: string[][] = [];
  for (let at = 0; at < chunkIds.length; at += batchMax) out.push(chunkIds.slice(at, at + batchMax));
  return out;
}
