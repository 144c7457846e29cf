// The re-replication planner, pure (GFS §4.3 "Re-replication", §4.4 stale replicas; HDFS
// BlockPlacementPolicyDefault and chooseReplicaToDelete): what counts as a live replica, the
// order of repairs, the throttles, rack-respecting targets and which surplus replica goes.
import { describe, it, expect } from "vitest";
import {
  chooseSurplus,
  chunkHealth,
  compareRepairs,
  planChunk,
  scheduleCopies,
  type ChunkHealthInput,
  type PlannerPeer,
  type RepairItem,
} from "../../src/master/repair/replication.ts";

const GiB = 1024 * 1024 * 1024;

function peers(spec: Record<string, [rack: string, state?: PlannerPeer["state"], freeGiB?: number]>): Map<string, PlannerPeer> {
  return new Map(Object.entries(spec).map(([id, [rack, state = "alive", free = 100]]) => [id, { id, rack, state, freeBytes: free * GiB }]));
}

function chunk(id: string, holders: string[], overrides: Partial<ChunkHealthInput> = {}): ChunkHealthInput {
  return { chunkId: id, version: 1, sizeBytes: 1024, committed: true, replication: 3, replicas: holders.map((peer) => ({ peer, version: 1 })), corrupt: [], ...overrides };
}

const firstOf = (n: number) => (n > 0 ? 0 : 0);
const noFlight = { sending: new Map<string, number>(), receiving: new Map<string, number>(), total: 0 };

describe("chunk health", () => {
  const cluster = peers({ a: ["/r1"], b: ["/r1"], c: ["/r2"], d: ["/r2", "suspect"], e: ["/r2", "dead"] });

  it("counts current-version replicas on alive peers; stale, suspect, dead and corrupt ones do not count", () => {
    const health = chunkHealth(
      chunk("c1", [], {
        version: 2,
        replicas: [
          { peer: "a", version: 2 },
          { peer: "b", version: 1 },
          { peer: "c", version: 2 },
          { peer: "d", version: 2 },
          { peer: "e", version: 2 },
        ],
        corrupt: [{ peer: "c", version: 2 }],
      }),
      cluster,
    );
    expect(health.live).toEqual(["a"]);
    expect(health.suspect).toEqual(["d"]);
    expect(health.stale).toEqual([{ peer: "b", version: 1 }]);
    expect(health.status).toBe("CORRUPT");
  });

  it("HEALTHY, UNDER_REPLICATED, MISSING; an uncommitted chunk belongs to its pipeline and is HEALTHY", () => {
    expect(chunkHealth(chunk("c", ["a", "b", "c"]), cluster).status).toBe("HEALTHY");
    expect(chunkHealth(chunk("c", ["a", "b"]), cluster).status).toBe("UNDER_REPLICATED");
    expect(chunkHealth(chunk("c", ["e"]), cluster).status).toBe("MISSING");
    expect(chunkHealth(chunk("c", [], { committed: false }), cluster).status).toBe("HEALTHY");
    expect(chunkHealth(chunk("c", ["a", "b", "c"], { replication: 2 }), cluster).surplus).toBe(1);
  });
});

describe("planning one chunk", () => {
  const cluster = peers({ a: ["/r1"], b: ["/r1"], c: ["/r2"], d: ["/r2"], s: ["/r2", "suspect"] });

  it("queues an under-replicated chunk with its live copies, and never one with no live copy (nothing to copy from)", () => {
    expect(planChunk(chunk("c", ["a"]), cluster).repair?.live).toEqual(["a"]);
    expect(planChunk(chunk("c", []), cluster).repair).toBeUndefined();
  });

  it("waits for a suspect peer rather than copying for it, and does not trim while one is suspect", () => {
    expect(planChunk(chunk("c", ["a", "c", "s"]), cluster).repair).toBeUndefined();
    expect(planChunk(chunk("c", ["a", "b", "c", "s"], { replication: 2 }), cluster).deletes).toEqual([]);
  });

  it("deletes stale replicas (GFS §4.4), and corrupt ones only once the good ones are back to the replication", () => {
    const stale = planChunk(chunk("c", ["a", "b", "c"], { version: 2, replicas: [{ peer: "a", version: 2 }, { peer: "b", version: 2 }, { peer: "c", version: 2 }, { peer: "d", version: 1 }] }), cluster);
    expect(stale.deletes).toEqual([{ chunkId: "c", peer: "d", version: 1, reason: "stale" }]);
    const notYet = planChunk(chunk("c", ["a", "c"], { corrupt: [{ peer: "b", version: 1 }] }), cluster);
    expect(notYet.deletes).toEqual([]);
    expect(notYet.repair?.holders).toContain("b");
    const replaced = planChunk(chunk("c", ["a", "c", "d"], { corrupt: [{ peer: "b", version: 1 }] }), cluster);
    expect(replaced.deletes).toEqual([{ chunkId: "c", peer: "b", version: 1, reason: "corrupt" }]);
  });
});

describe("cache copies (chunks of files whose bytes are in an under-storage, docs/cache.md)", () => {
  const cluster = peers({ a: ["/r1"], b: ["/r1"], c: ["/r2"], d: ["/r2", "suspect"] });

  it("no live copy is not MISSING but not cached; fewer copies than the replication is not UNDER_REPLICATED", () => {
    expect(chunkHealth(chunk("c", [], { cacheOnly: true }), cluster)).toMatchObject({ status: "HEALTHY", notCached: true, surplus: 0 });
    expect(chunkHealth(chunk("c", ["a"], { cacheOnly: true }), cluster)).toMatchObject({ status: "HEALTHY", notCached: false, live: ["a"] });
    // The same chunk of a file Tessera alone holds is what it always was.
    expect(chunkHealth(chunk("c", []), cluster)).toMatchObject({ status: "MISSING", notCached: false });
  });

  it("the replicator never copies one, nor trims its extra copies; a corrupt copy goes at once", () => {
    expect(planChunk(chunk("c", ["a"], { cacheOnly: true }), cluster)).toEqual({ deletes: [] });
    expect(planChunk(chunk("c", ["a", "b", "c"], { cacheOnly: true, replication: 1 }), cluster)).toEqual({ deletes: [] });
    expect(planChunk(chunk("c", ["a", "b"], { cacheOnly: true, corrupt: [{ peer: "b", version: 1 }] }), cluster).deletes).toEqual([{ chunkId: "c", peer: "b", version: 1, reason: "corrupt" }]);
    // Without cacheOnly the same chunks are repaired and trimmed.
    expect(planChunk(chunk("c", ["a"]), cluster).repair).toBeDefined();
    expect(planChunk(chunk("c", ["a", "b", "c"], { replication: 1 }), cluster).deletes.map((d) => d.reason)).toEqual(["surplus", "surplus"]);
  });
});

describe("the repair queue", () => {
  it("GFS §4.3: one copy left goes before two left; ties in chunk id order", () => {
    const item = (id: string, live: number, replication = 3): RepairItem => ({ chunkId: id, version: 1, sizeBytes: 1, replication, live: ["a", "b", "c"].slice(0, live), holders: [] });
    const queue = [item("c3", 2), item("c1", 2), item("c2", 1), item("c4", 1, 2), item("c0", 2, 5)].sort(compareRepairs);
    expect(queue.map((i) => i.chunkId)).toEqual(["c2", "c4", "c0", "c1", "c3"]);
  });
});

describe("scheduling copies", () => {
  const cluster = peers({ a: ["/r1"], b: ["/r1"], c: ["/r1"], d: ["/r2"], e: ["/r2"], f: ["/r2"] });
  const item = (id: string, live: string[]): RepairItem => ({ chunkId: id, version: 1, sizeBytes: 1024, replication: 3, live, holders: live });

  it("never lets one source send, or one target receive, more than its limit; the global cap holds", () => {
    const queue = Array.from({ length: 20 }, (_, i) => item(`c${String(i).padStart(2, "0")}`, ["a", "d"]));
    const orders = scheduleCopies(queue, cluster, noFlight, { perSource: 2, perTarget: 2, total: 100 }, firstOf);
    const sends = new Map<string, number>();
    const receives = new Map<string, number>();
    for (const order of orders) {
      sends.set(order.source, (sends.get(order.source) ?? 0) + 1);
      for (const target of order.targets) receives.set(target, (receives.get(target) ?? 0) + 1);
    }
    // Sources a and d, two each.
    expect(orders).toHaveLength(4);
    expect([...sends.values()].every((n) => n <= 2)).toBe(true);
    expect([...receives.values()].every((n) => n <= 2)).toBe(true);
    expect(scheduleCopies(queue, cluster, noFlight, { perSource: 2, perTarget: 2, total: 3 }, firstOf)).toHaveLength(3);
    // Copies already running count against the limits.
    const busy = { sending: new Map([["a", 2]]), receiving: new Map<string, number>(), total: 2 };
    const more = scheduleCopies(queue, cluster, busy, { perSource: 2, perTarget: 2, total: 100 }, firstOf);
    expect(more.every((order) => order.source === "d")).toBe(true);
  });

  it("takes the most urgent chunks first when the throttles cannot take them all", () => {
    const queue = [item("one-left", ["a"]), item("two-left", ["a", "d"])].sort(compareRepairs);
    const orders = scheduleCopies(queue, cluster, noFlight, { perSource: 1, perTarget: 2, total: 100 }, firstOf);
    expect(orders.map((order) => order.item.chunkId)).toEqual(["one-left", "two-left"]);
    expect(orders[1]!.source).toBe("d");
    const capped = scheduleCopies(queue, cluster, noFlight, { perSource: 2, perTarget: 2, total: 1 }, firstOf);
    expect(capped.map((order) => order.item.chunkId)).toEqual(["one-left"]);
  });

  it("places new copies by the rack policy around the existing ones, on peers that hold no version of the chunk", () => {
    for (let seed = 0; seed < 20; seed++) {
      let x = seed;
      const rand = (n: number) => (x = (x * 1103515245 + 12345) % 2 ** 31) % n;
      // Two left on /r1: the third goes to /r2.
      const [sameRack] = scheduleCopies([item("c", ["a", "b"])], cluster, noFlight, { perSource: 2, perTarget: 2, total: 10 }, rand);
      expect(cluster.get(sameRack!.targets[0]!)!.rack).toBe("/r2");
      // One left on /r2: both copies go in one pipeline, spreading over both racks.
      const [one] = scheduleCopies([{ ...item("c", ["d"]), holders: ["d", "e"] }], cluster, noFlight, { perSource: 2, perTarget: 2, total: 10 }, rand);
      expect(one!.targets).toHaveLength(2);
      expect(one!.targets).not.toContain("e");
      const racks = new Set(["d", ...one!.targets].map((peer) => cluster.get(peer)!.rack));
      expect(racks).toEqual(new Set(["/r1", "/r2"]));
    }
  });

  it("skips a chunk with no usable target and goes on with the rest", () => {
    const small = peers({ a: ["/r1"], b: ["/r2"], c: ["/r2"], d: ["/r1", "dead"] });
    const queue = [item("full", ["a", "b", "c"].slice(0, 2)), item("other", ["c"])];
    queue[0]!.holders = ["a", "b", "c"];
    const orders = scheduleCopies(queue, small, noFlight, { perSource: 2, perTarget: 2, total: 10 }, firstOf);
    expect(orders.map((order) => order.item.chunkId)).toEqual(["other"]);
    expect(orders[0]!.targets).not.toContain("d");
  });
});

describe("choosing surplus replicas", () => {
  it("drops from a rack that holds more than one, the fullest peer first, and keeps both racks", () => {
    const cluster = peers({ a: ["/r1", "alive", 50], b: ["/r1", "alive", 10], c: ["/r2", "alive", 1], d: ["/r2", "alive", 90] });
    expect(chooseSurplus(["a", "b", "c", "d"], 1, cluster)).toEqual(["c"]);
    const two = chooseSurplus(["a", "b", "c", "d"], 2, cluster);
    expect(two).toEqual(["c", "b"]);
    const left = ["a", "b", "c", "d"].filter((peer) => !two.includes(peer));
    expect(new Set(left.map((peer) => cluster.get(peer)!.rack))).toEqual(new Set(["/r1", "/r2"]));
  });

  it("a returning peer: 4 replicas on 2 racks at replication 3 keep 2 racks", () => {
    const cluster = peers({ a: ["/r1"], b: ["/r2"], c: ["/r2"], d: ["/r2"] });
    const plan = planChunk(chunk("c", ["a", "b", "c", "d"]), cluster);
    expect(plan.deletes).toHaveLength(1);
    expect(plan.deletes[0]!.reason).toBe("surplus");
    expect(plan.deletes[0]!.peer).not.toBe("a");
  });
});
