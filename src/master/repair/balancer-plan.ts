// The balancer's decisions (HDFS's Balancer, HADOOP-1652), pure: how far each chunk server's
// used share of its capacity is from the cluster's mean, and the next replica to move from a
// fuller peer to an emptier one. No clock, no I/O: balancer.ts measures the location map and
// the peer table into a view, asks for a move, carries it out, and measures again.
//
// The rules, each unit-tested in test/master/balancer-plan.test.ts:
// - A peer's use is the bytes of the replicas the location map gives it over the capacity its
//   heartbeat advertises; peers advertising no capacity take no part.
// - A move goes from the peer furthest above the mean to the one furthest below, and only when
//   one of the two is outside the threshold.
// - It never pushes the target past mean + threshold nor the source below mean − threshold: a
//   move never makes a new outlier.
// - It moves only a committed replica of the chunk's current version, to a peer that holds no
//   version of the chunk (never two replicas on one peer), and only when the chunk keeps as many
//   racks as before (HDFS: the balancer never reduces a block's rack spread).
import type { PeerUsage, UsageSpread } from "../../protocol/views.ts";

/** A chunk server that takes part in balancing (an eligible one: alive, not being decommissioned). */
export interface BalancerServer {
  id: string;
  rack: string;
  capacityBytes: number;
}

export interface BalancerReplica {
  chunkId: string;
  version: number;
  sizeBytes: number;
}

/** What the balancer sees of the world when it chooses a move. */
export interface BalancerView {
  spread: UsageSpread;
  thresholdPct: number;
  /** The rack of any peer the table knows (a chunk's holders outside the spread count for its racks too). */
  rackOf(peer: string): string | undefined;
  /** The replicas the location map gives a peer, in the map's order. */
  replicasOf(peer: string): readonly BalancerReplica[];
  /** The namespace's word on a chunk: undefined when no file references it. */
  ownerOf(chunkId: string): { committed: boolean; version: number } | undefined;
  /** Every replica of the chunk the location map knows, any version. */
  holdersOf(chunkId: string): ReadonlyArray<{ peer: string; version: number }>;
  /** Chunks whose move failed in this request: not tried again in it. */
  failed: ReadonlySet<string>;
}

export interface BalancerMove {
  chunk: BalancerReplica;
  from: string;
  to: string;
}

/** Used % of every server with a capacity, the mean over all of them, and the spread around it. */
export function usageSpread(servers: readonly BalancerServer[], usedBytesOf: (peer: string) => number): UsageSpread {
  const peers: PeerUsage[] = [];
  for (const server of servers) {
    if (!(server.capacityBytes > 0)) continue;
    const usedBytes = usedBytesOf(server.id);
    peers.push({ peer: server.id, rack: server.rack, usedBytes, capacityBytes: server.capacityBytes, usedPct: (100 * usedBytes) / server.capacityBytes });
  }
  const used = peers.reduce((sum, p) => sum + p.usedBytes, 0);
  const capacity = peers.reduce((sum, p) => sum + p.capacityBytes, 0);
  const meanPct = capacity > 0 ? (100 * used) / capacity : 0;
  const pcts = peers.map((p) => p.usedPct);
  return {
    meanPct,
    minPct: pcts.length ? Math.min(...pcts) : 0,
    maxPct: pcts.length ? Math.max(...pcts) : 0,
    deviationPct: pcts.length ? Math.max(...pcts.map((pct) => Math.abs(pct - meanPct))) : 0,
    peers,
  };
}

/**
 * The next move: from the peer furthest above the mean to the one furthest below, of a
 * committed current replica the target does not hold, that keeps the rack spread and does
 * not push the target past mean + threshold. Undefined when no move is allowed.
 */
export function chooseMove(view: BalancerView): BalancerMove | undefined {
  const { spread, thresholdPct } = view;
  const { meanPct, peers } = spread;
  const spreadRacks = new Map(peers.map((p) => [p.peer, p.rack]));
  const rackOf = (peer: string) => spreadRacks.get(peer) ?? view.rackOf(peer);
  const sources = peers.filter((p) => p.usedPct > meanPct).sort((a, b) => b.usedPct - a.usedPct);
  const targets = peers.filter((p) => p.usedPct < meanPct).sort((a, b) => a.usedPct - b.usedPct);
  for (const source of sources) {
    for (const target of targets) {
      // Moving is worth it only when one of the pair is outside the threshold.
      if (source.usedPct - meanPct <= thresholdPct && meanPct - target.usedPct <= thresholdPct) continue;
      const roomBytes = ((meanPct + thresholdPct) * target.capacityBytes) / 100 - target.usedBytes;
      for (const replica of view.replicasOf(source.peer)) {
        if (view.failed.has(replica.chunkId) || replica.sizeBytes > roomBytes) continue;
        // Nor the source below mean − threshold: a move never makes a new outlier.
        if (source.usedBytes - replica.sizeBytes < ((meanPct - thresholdPct) * source.capacityBytes) / 100) continue;
        const owner = view.ownerOf(replica.chunkId);
        if (!owner || !owner.committed || owner.version !== replica.version) continue;
        const holders = view.holdersOf(replica.chunkId);
        if (holders.some((h) => h.peer === target.peer)) continue;
        const current = holders.filter((h) => h.version === owner.version);
        const racksBefore = new Set(current.map((h) => rackOf(h.peer)));
        const racksAfter = new Set(current.filter((h) => h.peer !== source.peer).map((h) => rackOf(h.peer)));
        racksAfter.add(target.rack);
        if (racksAfter.size < racksBefore.size) continue;
        return { chunk: { chunkId: replica.chunkId, version: replica.version, sizeBytes: replica.sizeBytes }, from: source.peer, to: target.peer };
      }
    }
  }
  return undefined;
}
