// Decommissioning a peer, the decisions (HDFS's DatanodeAdminManager), pure: what the peer
// still holds that the cluster needs, which copies to make and where, which of its replicas
// may go, and whether it holds nothing needed any more (then it is decommissioned). No clock,
// no I/O, no Raft: decommission.ts reads the location map, the namespace and the peer table
// into a view, asks, and carries the plan out; the random source is passed in.
//
// The rules, each unit-tested in test/master/decommission-plan.test.ts:
// - Only current replicas count as held: a replica of no file, or of an older version, is
//   the garbage collector's, not a reason to keep the peer.
// - A chunk still being written (not committed) is held and cannot move yet: its pipeline
//   owns it until the commit.
// - A committed chunk needs as many good copies elsewhere as its replication, or as there are
//   eligible peers when fewer (HDFS: a decommission completes on a small cluster too); good
//   copies are current replicas on eligible peers (alive, not being decommissioned).
// - New copies go where the placement policy puts them, around the good copies' racks, never
//   on a peer that holds any version of the chunk.
// - The peer's replica is deleted once enough good copies exist elsewhere, so the
//   re-replication planner never sees the chunk as over-replicated.
// - A copy of a chunk whose bytes are in an under-storage (issue 16) is a cache: not needed,
//   nothing is moved for it (a later read fills it elsewhere).
// - At most `copiesMax` copies per round; a chunk with no target now is counted as blocked.
import { chooseTargets, type PlacementPeer } from "../cluster/placement.ts";
import { assert } from "../../util/assert.ts";

export interface HeldReplica {
  chunkId: string;
  version: number;
  sizeBytes: number;
}

/** The namespace's word on a chunk. */
export interface ChunkOwner {
  version: number;
  committed: boolean;
  /** The file's replication. */
  replication: number;
  /** The file's bytes are in an under-storage: the peer's copy is a cache, not needed. Absent: false. */
  cacheOnly?: boolean;
}

export interface DecommissionView {
  /** The replicas the location map gives the decommissioning peer. */
  held: readonly HeldReplica[];
  /** Undefined when no file references the chunk. */
  ownerOf(chunkId: string): ChunkOwner | undefined;
  /** Every replica of the chunk the location map knows, any version. */
  holdersOf(chunkId: string): ReadonlyArray<{ peer: string; version: number }>;
  /** Peers that may receive copies (cluster/chunk-servers.ts: alive, not being decommissioned). */
  eligible: readonly PlacementPeer[];
}

/** A committed chunk the peer holds, and what it takes to let its replica go. */
export interface DrainWork {
  chunkId: string;
  version: number;
  sizeBytes: number;
  /** Current replicas on eligible peers. */
  good: PlacementPeer[];
  /** Peers holding any version of the chunk (never a copy's target). */
  holders: ReadonlySet<string>;
  /** Good copies needed before the peer's replica may go. */
  needed: number;
}

/** Where a decommission stands: what the operator's status shows. */
export interface DrainAssessment {
  /** Current replicas the peer holds. */
  held: number;
  /** Of those, chunks still being written. */
  uncommitted: number;
  /** Of those, how many still need a copy elsewhere (uncommitted ones included). */
  toMove: number;
  work: DrainWork[];
  /** Nothing the cluster needs is left on the peer: it may be marked decommissioned. */
  decommissioned: boolean;
}

/** One chunk's share of a round: copies to make, then maybe the delete. */
export interface DrainItem {
  chunkId: string;
  version: number;
  sizeBytes: number;
  /** New holders, one copy each, from the decommissioning peer. */
  targets: string[];
  /** Delete the peer's replica once every copy is made: enough good copies will exist elsewhere. */
  deleteAfter: boolean;
}

export interface DrainPlan {
  items: DrainItem[];
  /** Copies the plan makes (at most copiesMax). */
  copies: number;
  /** Chunks that found no target for a copy they need. */
  blocked: number;
}

export function assessDrain(view: DecommissionView): DrainAssessment {
  const byId = new Map(view.eligible.map((peer) => [peer.id, peer]));
  const work: DrainWork[] = [];
  let held = 0;
  let uncommitted = 0;
  for (const replica of view.held) {
    const owner = view.ownerOf(replica.chunkId);
    // Garbage (no file, or an older version) is the collector's, and a cache copy is the cache's: not needed.
    if (!owner || replica.version !== owner.version || owner.cacheOnly) continue;
    held += 1;
    if (!owner.committed) {
      uncommitted += 1;
      continue;
    }
    const all = view.holdersOf(replica.chunkId);
    const good = all.filter((r) => r.version === owner.version && byId.has(r.peer)).map((r) => byId.get(r.peer)!);
    // Fewer eligible peers than the replication: as many copies as there are peers.
    const needed = Math.max(1, Math.min(owner.replication, view.eligible.length));
    work.push({ chunkId: replica.chunkId, version: owner.version, sizeBytes: replica.sizeBytes, good, holders: new Set(all.map((r) => r.peer)), needed });
  }
  return { held, uncommitted, toMove: work.filter((w) => w.good.length < w.needed).length + uncommitted, work, decommissioned: held === 0 };
}

/**
 * This round's copies and deletes, in the order of the work: targets by the placement policy
 * (HDFS BlockPlacementPolicyDefault, around the good copies' racks), at most `copiesMax`
 * copies in all. A chunk the budget cuts short gets no delete this round.
 */
export function planDrain(assessment: DrainAssessment, eligible: readonly PlacementPeer[], copiesMax: number, rand: (n: number) => number): DrainPlan {
  assert(Number.isSafeInteger(copiesMax) && copiesMax >= 0, `copies per round is a count, not ${copiesMax}`);
  const items: DrainItem[] = [];
  let copies = 0;
  let blocked = 0;
  for (const work of assessment.work) {
    const missing = work.needed - work.good.length;
    if (missing <= 0) {
      items.push({ chunkId: work.chunkId, version: work.version, sizeBytes: work.sizeBytes, targets: [], deleteAfter: true });
      continue;
    }
    const want = Math.min(missing, copiesMax - copies);
    if (want === 0) continue; // the round's copies are spent: next round
    const targets = chooseTargets(eligible, { replication: work.good.length + want, sizeBytes: work.sizeBytes, exclude: work.holders, existing: work.good }, rand).map((peer) => peer.id);
    assert(targets.length <= want, "placement chooses no more targets than asked");
    assert(
      targets.every((target) => !work.holders.has(target)),
      "a copy never targets a holder of the chunk",
    );
    if (targets.length < want) blocked += 1;
    copies += targets.length;
    if (targets.length > 0) {
      items.push({ chunkId: work.chunkId, version: work.version, sizeBytes: work.sizeBytes, targets, deleteAfter: work.good.length + targets.length >= work.needed });
    }
  }
  return { items, copies, blocked };
}
