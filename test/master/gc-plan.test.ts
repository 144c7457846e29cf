// The garbage collector's decisions, pure (GFS §4.4 "Garbage Collection": a deleted file's
// chunks are reclaimed lazily after a grace period, and orphaned chunks — ones no file
// references — are found from the chunk servers' reports and erased the same way; §4.4's
// "stale replicas" are garbage too). test/fs/maintenance.test.ts checks the same rules end to
// end over real peers; here each rule is one small case with no clock and no I/O.
import { describe, it, expect } from "vitest";
import { batches, collectedChunks, planOrphanCollection, planPendingCollection, planReplicaDeletes, type GcView } from "../../src/master/repair/gc-plan.ts";
import type { PeerLiveness } from "../../src/master/repair/replication.ts";

const GRACE_MS = 60_000;

function view(holders: Record<string, string[]>, states: Record<string, PeerLiveness>, nowMs = 100_000): GcView {
  return { nowMs, graceMs: GRACE_MS, holdersOf: (chunkId) => holders[chunkId] ?? [], stateOf: (peer) => states[peer] };
}

const alive = { a: "alive", b: "alive", c: "alive" } as const;

describe("pending deletes (GFS §4.4: a deleted file's chunks go lazily, after a grace period)", () => {
  it("leaves a chunk alone until the grace period has passed since the delete, and takes it from the moment it has", () => {
    const now = 100_000;
    const plan = planPendingCollection(
      [
        { chunkId: "young", deletedAtMs: now - GRACE_MS + 1 },
        { chunkId: "exact", deletedAtMs: now - GRACE_MS },
        { chunkId: "old", deletedAtMs: 0 },
      ],
      view({ young: ["a"], exact: ["a"], old: ["b"] }, alive, now),
    );
    expect(plan.chunks).toEqual(["exact", "old"]);
    expect([...plan.byPeer]).toEqual([
      ["a", ["exact"]],
      ["b", ["old"]],
    ]);
  });

  it("deletes every replica the location map knows, grouped per peer; a chunk nobody holds is collected at once", () => {
    const plan = planPendingCollection(
      [
        { chunkId: "c1", deletedAtMs: 0 },
        { chunkId: "c2", deletedAtMs: 0 },
        { chunkId: "gone", deletedAtMs: 0 },
      ],
      view({ c1: ["a", "b", "c"], c2: ["a", "c"] }, alive),
    );
    expect(Object.fromEntries(plan.byPeer)).toEqual({ a: ["c1", "c2"], b: ["c1"], c: ["c1", "c2"] });
    expect(collectedChunks(plan, new Set())).toEqual(["c1", "c2", "gone"]);
  });

  it("asks only alive peers; a chunk with a replica on a suspect, dead or unknown peer stays pending for a later round", () => {
    const plan = planReplicaDeletes(["c1", "c2", "c3", "c4"], view({ c1: ["a", "s"], c2: ["a", "d"], c3: ["x"], c4: ["b"] }, { ...alive, s: "suspect", d: "dead" }));
    // The alive holders of c1 and c2 are asked all the same: their replicas are garbage.
    expect(Object.fromEntries(plan.byPeer)).toEqual({ a: ["c1", "c2"], b: ["c4"] });
    expect([...plan.unreachable].sort()).toEqual(["c1", "c2", "c3"]);
    expect(collectedChunks(plan, new Set())).toEqual(["c4"]);
  });

  it("keeps a chunk whose deletion failed on any peer (deletion is idempotent: the next round tries again)", () => {
    const plan = planReplicaDeletes(["c1", "c2"], view({ c1: ["a", "b"], c2: ["b"] }, alive));
    expect(collectedChunks(plan, new Set(["c1"]))).toEqual(["c2"]);
  });

  it("drops collected entries through Raft in bounded batches", () => {
    expect(batches(["1", "2", "3", "4", "5"], 2)).toEqual([["1", "2"], ["3", "4"], ["5"]]);
    expect(batches([], 2)).toEqual([]);
    expect(() => batches(["1"], 0)).toThrow(/at least one chunk/);
  });
});

describe("orphans (GFS §4.4: chunks no file references, found from the servers' reports)", () => {
  it("collects an orphan once the grace period has passed since this leader first saw it, not before", () => {
    const now = 100_000;
    const orphans = new Map([
      ["new", now - 10],
      ["old", now - GRACE_MS],
    ]);
    const plan = planOrphanCollection(orphans, () => false, view({ new: ["a"], old: ["b", "c"] }, alive, now));
    expect(plan.chunks).toEqual(["old"]);
    expect(Object.fromEntries(plan.byPeer)).toEqual({ b: ["old"], c: ["old"] });
    expect(plan.forget).toEqual([]);
  });

  it("never deletes a chunk the namespace knows (a racing write's allocated chunk, a pending delete), and forgets it as an orphan", () => {
    const orphans = new Map([
      ["racing", 0],
      ["pending", 0],
      ["orphan", 0],
    ]);
    const known = new Set(["racing", "pending"]);
    const plan = planOrphanCollection(orphans, (chunkId) => known.has(chunkId), view({ racing: ["a"], pending: ["a"], orphan: ["a"] }, alive));
    expect(plan.forget).toEqual(["racing", "pending"]);
    expect(plan.chunks).toEqual(["orphan"]);
    expect(plan.byPeer.get("a")).toEqual(["orphan"]);
  });
});
