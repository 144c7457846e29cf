// Re-replication planning, pure (GFS §4.3, HDFS's ReplicationMonitor): given the namespace's
// chunks, where their replicas are and which peers live, decide which chunks need a copy
// (fewest live copies first), from which holder to which new peers (the placement policy,
// racks respected), which surplus replicas go (keeping rack spread), which stale or corrupt
// replicas are deleted, and how many copies may run at once per peer and in all so repair
// never starves client traffic. No clock, no I/O, no Raft: replication-manager.ts feeds it
// and carries the decisions out, so every rule here is unit-tested.
import { chooseTargets, type PlacementPeer } from "../cluster/placement.ts";
import type { ChunkStatus } from "../../protocol/views.ts";

/** Copies one peer may be sending at once (HDFS: dfs.namenode.replication.max-streams = 2). */
export const REPAIR_COPIES_PER_SOURCE_MAX = 2;
/** Copies one peer may be receiving at once: a new or recovering peer is not flooded. */
export const REPAIR_COPIES_PER_TARGET_MAX = 2;
/** Copies in flight in the whole cluster: bounds the share of the network repair can take. */
export const REPAIR_COPIES_MAX = 32;
/** Replica deletions started per planning round (each is one small request). */
export const REPAIR_DELETES_PER_ROUND_MAX = 64;
/** Chunks kept in the repair queue; the rest are found again on a later round, most urgent first. */
export const REPAIR_QUEUE_MAX = 100_000;

export type PeerLiveness = "alive" | "suspect" | "dead";

export interface PlannerPeer extends PlacementPeer {
  state: PeerLiveness;
}

export interface ReplicaRef {
  peer: string;
  version: number;
}

/** What the planner needs to know of one chunk. */
export interface ChunkHealthInput {
  chunkId: string;
  /** The namespace's version: the only one ever served. */
  version: number;
  sizeBytes: number;
  committed: boolean;
  /** The file's replication. */
  replication: number;
  /** Every replica the location map knows, any version. */
  replicas: readonly ReplicaRef[];
  /** Replicas reported corrupt and not deleted yet. */
  corrupt: readonly ReplicaRef[];
  /**
   * The file's bytes are in an under-storage (PERSISTED, with a fingerprint): its copies are a
   * cache that reads fill and tiers evict, so no copy is not MISSING, and the replicator
   * neither copies nor trims them (docs/cache.md). Absent: false.
   */
  cacheOnly?: boolean;
}

export interface ChunkHealth {
  status: ChunkStatus;
  /** Current-version, uncorrupted replicas on alive peers, in peer id order. */
  live: string[];
  /** Current-version replicas on suspect peers: not lost yet, not used either. */
  suspect: string[];
  /** Replicas of an older version (on any peer the map knows). */
  stale: ReplicaRef[];
  corrupt: ReplicaRef[];
  /** Live copies beyond the replication (0 for a cache-only chunk: its copies are the cache's to keep or evict). */
  surplus: number;
  /** A cache-only chunk with no live copy: healthy, read through the under-storage. */
  notCached: boolean;
}

/**
 * A chunk's health as fsck shows it and the planner uses it. A replica counts when it holds
 * the namespace's version, is not marked corrupt and its peer is alive. A chunk not yet
 * committed (its file being written) is HEALTHY: its pipeline owns it until the commit.
 */
export function chunkHealth(chunk: ChunkHealthInput, peers: ReadonlyMap<string, PlannerPeer>): ChunkHealth {
  const corruptPeers = new Set(chunk.corrupt.map((replica) => replica.peer));
  const live: string[] = [];
  const suspect: string[] = [];
  const stale: ReplicaRef[] = [];
  for (const replica of chunk.replicas) {
    if (corruptPeers.has(replica.peer)) continue;
    if (replica.version < chunk.version) {
      stale.push(replica);
      continue;
    }
    if (replica.version !== chunk.version) continue;
    const state = peers.get(replica.peer)?.state;
    if (state === "alive") live.push(replica.peer);
    else if (state === "suspect") suspect.push(replica.peer);
  }
  live.sort();
  suspect.sort();
  if (chunk.cacheOnly) return { status: "HEALTHY", live, suspect, stale, corrupt: [...chunk.corrupt], surplus: 0, notCached: live.length === 0 };
  const surplus = Math.max(0, live.length - chunk.replication);
  let status: ChunkStatus = "HEALTHY";
  if (chunk.committed) {
    if (live.length === 0) status = "MISSING";
    else if (live.length < chunk.replication) status = chunk.corrupt.length > 0 ? "CORRUPT" : "UNDER_REPLICATED";
  }
  return { status, live, suspect, stale, corrupt: [...chunk.corrupt], surplus, notCached: false };
}

/** One chunk waiting for copies, in the repair queue. */
export interface RepairItem {
  chunkId: string;
  version: number;
  sizeBytes: number;
  replication: number;
  /** Live copies now: the priority, fewest first. */
  live: string[];
  /** Peers that must not receive a copy (they hold some version of it, or a bad one). */
  holders: string[];
}

/** A deletion of one replica: surplus, stale or corrupt. */
export interface DeleteOrder {
  chunkId: string;
  peer: string;
  /** The version to delete; 0 when unknown (delete whatever version is held). */
  version: number;
  reason: "surplus" | "stale" | "corrupt";
}

/**
 * What one chunk needs: a place in the repair queue, and deletions. Chunks with a copy or
 * delete in flight are left alone by the caller until it settles. Surplus is trimmed only
 * when no replica is suspect (a suspect peer may be lost a moment later) and corrupt
 * replicas are deleted only once the good ones are back to the replication (a bad copy is
 * still the last word on what the bytes were until then).
 */
export function planChunk(chunk: ChunkHealthInput, peers: ReadonlyMap<string, PlannerPeer>): { repair?: RepairItem; deletes: DeleteOrder[] } {
  const health = chunkHealth(chunk, peers);
  const deletes: DeleteOrder[] = [];
  const alive = (peer: string) => peers.get(peer)?.state === "alive";
  for (const replica of health.stale) if (alive(replica.peer)) deletes.push({ chunkId: chunk.chunkId, peer: replica.peer, version: replica.version, reason: "stale" });
  if (!chunk.committed) return { deletes };
  // A cache copy: a bad one goes at once (the under-storage, not the copy, is the last word on
  // the bytes); nothing is copied or trimmed, fills and eviction do that.
  if (chunk.cacheOnly) {
    for (const replica of health.corrupt) if (alive(replica.peer)) deletes.push({ chunkId: chunk.chunkId, peer: replica.peer, version: replica.version, reason: "corrupt" });
    return { deletes };
  }
  if (health.live.length >= chunk.replication) {
    for (const replica of health.corrupt) if (alive(replica.peer)) deletes.push({ chunkId: chunk.chunkId, peer: replica.peer, version: replica.version, reason: "corrupt" });
  }
  if (health.surplus > 0 && health.suspect.length === 0) {
    for (const peer of chooseSurplus(health.live, health.surplus, peers)) deletes.push({ chunkId: chunk.chunkId, peer, version: chunk.version, reason: "surplus" });
  }
  // Copies only count against suspect ones too: a peer silent for a few seconds has not lost
  // its disk, and copying for it would be undone by trimming once it speaks again.
  const repair =
    health.live.length > 0 && health.live.length + health.suspect.length < chunk.replication
      ? {
          chunkId: chunk.chunkId,
          version: chunk.version,
          sizeBytes: chunk.sizeBytes,
          replication: chunk.replication,
          live: health.live,
          holders: [...new Set([...chunk.replicas.map((r) => r.peer), ...chunk.corrupt.map((r) => r.peer)])],
        }
      : undefined;
  return repair ? { repair, deletes } : { deletes };
}

/** GFS §4.3: a chunk that lost two replicas goes before one that lost one. Ties: chunk id order. */
export function compareRepairs(a: RepairItem, b: RepairItem): number {
  const missingA = a.replication - a.live.length;
  const missingB = b.replication - b.live.length;
  if (a.live.length !== b.live.length) return a.live.length - b.live.length;
  if (missingA !== missingB) return missingB - missingA;
  return a.chunkId < b.chunkId ? -1 : a.chunkId > b.chunkId ? 1 : 0;
}

/**
 * Which `count` of the live replicas to delete so the rest keep the widest rack spread
 * (HDFS chooseReplicaToDelete): from a rack holding more than one replica first, and there
 * the peer with the least free space; never so that fewer racks remain than could.
 */
export function chooseSurplus(live: readonly string[], count: number, peers: ReadonlyMap<string, PlannerPeer>): string[] {
  const remaining = [...live];
  const chosen: string[] = [];
  const rackOf = (peer: string) => peers.get(peer)?.rack ?? "";
  const freeOf = (peer: string) => peers.get(peer)?.freeBytes ?? 0;
  while (chosen.length < count && remaining.length > 1) {
    const perRack = new Map<string, number>();
    for (const peer of remaining) perRack.set(rackOf(peer), (perRack.get(rackOf(peer)) ?? 0) + 1);
    const crowded = remaining.filter((peer) => (perRack.get(rackOf(peer)) ?? 0) > 1);
    const candidates = crowded.length > 0 ? crowded : remaining;
    candidates.sort((a, b) => freeOf(a) - freeOf(b) || (a < b ? -1 : a > b ? 1 : 0));
    const victim = candidates[0]!;
    chosen.push(victim);
    remaining.splice(remaining.indexOf(victim), 1);
  }
  return chosen;
}

export interface RepairLimits {
  perSource: number;
  perTarget: number;
  total: number;
}

export const REPAIR_LIMITS_DEFAULT: RepairLimits = { perSource: REPAIR_COPIES_PER_SOURCE_MAX, perTarget: REPAIR_COPIES_PER_TARGET_MAX, total: REPAIR_COPIES_MAX };

/** Copies running now, per peer (sources and targets) and in all. */
export interface InFlight {
  sending: ReadonlyMap<string, number>;
  receiving: ReadonlyMap<string, number>;
  total: number;
}

export interface CopyOrder {
  item: RepairItem;
  source: string;
  /** New holders, in pipeline order (the source pushes down this pipeline). */
  targets: string[];
}

/**
 * Starts what the throttles allow, walking the queue in priority order: for each chunk, a
 * live holder with a free sending slot (the one sending least, then by id) and the targets
 * the placement policy picks among alive peers with a free receiving slot, around the
 * existing holders' racks. A chunk that finds no source or no target now waits for a later
 * round; the walk goes on so one stuck chunk does not hold up the rest.
 */
export function scheduleCopies(queue: readonly RepairItem[], peers: ReadonlyMap<string, PlannerPeer>, inFlight: InFlight, limits: RepairLimits, rand: (n: number) => number): CopyOrder[] {
  const sending = new Map(inFlight.sending);
  const receiving = new Map(inFlight.receiving);
  let total = inFlight.total;
  const orders: CopyOrder[] = [];
  const alivePeers = [...peers.values()].filter((peer) => peer.state === "alive");
  for (const item of queue) {
    if (total >= limits.total) break;
    const sources = item.live.filter((peer) => peers.get(peer)?.state === "alive" && (sending.get(peer) ?? 0) < limits.perSource);
    if (sources.length === 0) continue;
    sources.sort((a, b) => (sending.get(a) ?? 0) - (sending.get(b) ?? 0) || (a < b ? -1 : 1));
    const source = sources[0]!;
    const eligible = alivePeers.filter((peer) => (receiving.get(peer.id) ?? 0) < limits.perTarget);
    const existing = item.live.map((peer) => peers.get(peer)!).filter(Boolean);
    const exclude = new Set(item.holders);
    const targets = chooseTargets(eligible, { replication: item.replication, sizeBytes: item.sizeBytes, exclude, existing }, rand).map((peer) => peer.id);
    if (targets.length === 0) continue;
    sending.set(source, (sending.get(source) ?? 0) + 1);
    for (const target of targets) receiving.set(target, (receiving.get(target) ?? 0) + 1);
    total += 1;
    orders.push({ item, source, targets });
  }
  return orders;
}
