// The balancer's decisions, pure (HDFS Balancer, HADOOP-1652 and the HDFS user guide's
// "Balancer": a cluster is balanced when every DataNode's utilization is within a threshold of
// the cluster's; blocks move from over- to under-utilized nodes, and a move never reduces
// the number of racks a block spans). test/fs/maintenance.test.ts runs the balancer over real
// peers; here each rule is one case.
import { describe, it, expect } from "vitest";
import { chooseMove, usageSpread, type BalancerReplica, type BalancerView } from "../../src/master/repair/balancer-plan.ts";
import type { UsageSpread } from "../../src/protocol/views.ts";

const MiB = 1024 * 1024;

interface Cluster {
  /** peer → rack */
  racks: Record<string, string>;
  /** peer → capacity in MiB */
  capacityMiB?: Record<string, number>;
  /** chunk → its holders (all at version 1 unless given as "peer@version") and size in MiB */
  chunks: Record<string, { holders: string[]; sizeMiB: number; committed?: boolean; version?: number; owned?: boolean }>;
}

/** A view over a small cluster: every server 100 MiB unless said otherwise. */
function viewOf(cluster: Cluster, thresholdPct = 10, failed: string[] = []): BalancerView {
  const replicasOf = (peer: string): BalancerReplica[] =>
    Object.entries(cluster.chunks).flatMap(([chunkId, chunk]) =>
      chunk.holders
        .map((holder) => holder.split("@") as [string, string?])
        .filter(([holder]) => holder === peer)
        .map(([, version]) => ({ chunkId, version: version ? Number(version) : 1, sizeBytes: chunk.sizeMiB * MiB })),
    );
  const servers = Object.entries(cluster.racks).map(([id, rack]) => ({ id, rack, capacityBytes: (cluster.capacityMiB?.[id] ?? 100) * MiB }));
  const spread: UsageSpread = usageSpread(servers, (peer) => replicasOf(peer).reduce((sum, r) => sum + r.sizeBytes, 0));
  return {
    spread,
    thresholdPct,
    rackOf: (peer) => cluster.racks[peer],
    replicasOf,
    ownerOf: (chunkId) => {
      const chunk = cluster.chunks[chunkId];
      return chunk && chunk.owned !== false ? { committed: chunk.committed ?? true, version: chunk.version ?? 1 } : undefined;
    },
    holdersOf: (chunkId) =>
      (cluster.chunks[chunkId]?.holders ?? []).map((holder) => {
        const [peer, version] = holder.split("@") as [string, string?];
        return { peer, version: version ? Number(version) : 1 };
      }),
    failed: new Set(failed),
  };
}

describe("measuring (utilization = used / capacity, against the cluster's mean)", () => {
  it("gives each server its used %, the capacity-weighted mean, and the largest distance from it", () => {
    const spread = usageSpread(
      [
        { id: "a", rack: "/r1", capacityBytes: 100 },
        { id: "b", rack: "/r2", capacityBytes: 300 },
        { id: "none", rack: "/r2", capacityBytes: 0 },
      ],
      (peer) => ({ a: 60, b: 60, none: 0 })[peer]!,
    );
    expect(spread.peers.map((p) => [p.peer, p.usedPct])).toEqual([
      ["a", 60],
      ["b", 20],
    ]);
    expect(spread.meanPct).toBe(30);
    expect([spread.minPct, spread.maxPct, spread.deviationPct]).toEqual([20, 60, 30]);
  });

  it("an empty cluster is balanced at 0 %", () => {
    expect(usageSpread([], () => 0)).toEqual({ meanPct: 0, minPct: 0, maxPct: 0, deviationPct: 0, peers: [] });
  });
});

describe("choosing the next move", () => {
  it("moves from the fullest peer to the emptiest, keeping the chunk on two racks", () => {
    const move = chooseMove(
      viewOf({
        racks: { a: "/r1", b: "/r1", c: "/r2", d: "/r2" },
        chunks: { c1: { holders: ["a", "c"], sizeMiB: 20 }, c2: { holders: ["a", "d"], sizeMiB: 20 }, c3: { holders: ["a", "c"], sizeMiB: 20 } },
      }),
    );
    expect(move).toEqual({ chunk: { chunkId: "c1", version: 1, sizeBytes: 20 * MiB }, from: "a", to: "b" });
  });

  it("moves nothing when every peer is within the threshold of the mean", () => {
    const view = viewOf({ racks: { a: "/r1", b: "/r2" }, chunks: { c1: { holders: ["a"], sizeMiB: 8 } } }, 5);
    expect(view.spread.deviationPct).toBe(4);
    expect(chooseMove(view)).toBeUndefined();
  });

  it("never reduces the racks a chunk spans (HDFS: the balancer preserves rack spread)", () => {
    // Every chunk of the full peer a (/r1) has its other replica on c (/r2, a big disk, so not
    // a source). With the empty peer b on /r1 the move keeps /r1 and /r2; with b on /r2 it would
    // leave the chunk on /r2 only, so no move is allowed at all.
    const cluster = (bRack: string): Cluster => ({
      racks: { a: "/r1", b: bRack, c: "/r2" },
      capacityMiB: { c: 300 },
      chunks: { x: { holders: ["a", "c"], sizeMiB: 30 }, y: { holders: ["a", "c"], sizeMiB: 30 } },
    });
    expect(chooseMove(viewOf(cluster("/r1")))).toMatchObject({ chunk: { chunkId: "x" }, from: "a", to: "b" });
    expect(chooseMove(viewOf(cluster("/r2")))).toBeUndefined();
  });

  it("never puts a second replica on a peer: a target holding any version of the chunk is skipped", () => {
    const move = chooseMove(viewOf({ racks: { a: "/r1", b: "/r1" }, capacityMiB: { b: 1_000 }, chunks: { c1: { holders: ["a", "b@0"], sizeMiB: 30 }, c2: { holders: ["a"], sizeMiB: 30 } } }));
    expect(move).toMatchObject({ chunk: { chunkId: "c2" }, from: "a", to: "b" });
  });

  it("moves only committed replicas of the current version that a file owns", () => {
    const racks = { a: "/r1", b: "/r1" };
    const capacityMiB = { b: 1_000 };
    expect(chooseMove(viewOf({ racks, capacityMiB, chunks: { open: { holders: ["a"], sizeMiB: 30, committed: false } } }))).toBeUndefined();
    expect(chooseMove(viewOf({ racks, capacityMiB, chunks: { stale: { holders: ["a@1"], sizeMiB: 30, version: 2 } } }))).toBeUndefined();
    expect(chooseMove(viewOf({ racks, capacityMiB, chunks: { orphan: { holders: ["a"], sizeMiB: 30, owned: false } } }))).toBeUndefined();
    expect(chooseMove(viewOf({ racks, capacityMiB, chunks: { good: { holders: ["a"], sizeMiB: 30 } } }))).toMatchObject({ from: "a", to: "b" });
  });

  it("makes no new outlier: not past mean + threshold on the target, nor below mean − threshold on the source", () => {
    // a: 60 MiB in one chunk, b: 0, mean 30 %: moving the chunk would put b at 60 %.
    expect(chooseMove(viewOf({ racks: { a: "/r1", b: "/r1" }, chunks: { big: { holders: ["a"], sizeMiB: 60 } } }))).toBeUndefined();
    // Two 30 MiB chunks: one moves, and the pair meets at the mean.
    expect(chooseMove(viewOf({ racks: { a: "/r1", b: "/r1" }, chunks: { x: { holders: ["a"], sizeMiB: 30 }, y: { holders: ["a"], sizeMiB: 30 } } }))).toMatchObject({ chunk: { chunkId: "x" } });
  });

  it("skips a chunk whose move failed in this request, and tries the next", () => {
    const cluster = { racks: { a: "/r1", b: "/r1" }, chunks: { x: { holders: ["a"], sizeMiB: 30 }, y: { holders: ["a"], sizeMiB: 30 } } };
    expect(chooseMove(viewOf(cluster, 10, ["x"]))).toMatchObject({ chunk: { chunkId: "y" } });
    expect(chooseMove(viewOf(cluster, 10, ["x", "y"]))).toBeUndefined();
  });
});
