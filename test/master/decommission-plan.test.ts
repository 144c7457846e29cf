// Decommissioning's decisions, pure (HDFS DatanodeAdminManager and the HDFS admin guide's
// "Decommission": a node being decommissioned is never a target; each of its blocks is
// replicated elsewhere, rack policy respected, until the rest of the cluster holds the
// replication; then the node is decommissioned and may be switched off). The end-to-end
// version, with a client reading throughout, is test/fs/maintenance.test.ts.
import { describe, it, expect } from "vitest";
import { assessDrain, planDrain, type ChunkOwner, type DecommissionView } from "../../src/master/repair/decommission-plan.ts";
import type { PlacementPeer } from "../../src/master/cluster/placement.ts";

const GiB = 1024 * 1024 * 1024;
const PEER = "x";

function seeded(seed: number) {
  let s = seed;
  return (n: number) => (s = (s * 1103515245 + 12345) % 2 ** 31) % n;
}

interface Spec {
  /** Eligible peers: id → rack (100 GiB free unless in `freeGiB`). */
  eligible: Record<string, string>;
  freeGiB?: Record<string, number>;
  /** chunk → holders ("peer" at the owner's version, "peer@v" otherwise); the decommissioning peer x holds every chunk listed. */
  chunks: Record<string, { holders: string[]; owner?: Partial<ChunkOwner> | null; heldVersion?: number }>;
}

function viewOf(spec: Spec): DecommissionView {
  const owners = new Map(Object.entries(spec.chunks).map(([id, chunk]) => [id, chunk.owner === null ? undefined : { version: 1, committed: true, replication: 3, ...chunk.owner }]));
  const eligible: PlacementPeer[] = Object.entries(spec.eligible).map(([id, rack]) => ({ id, rack, freeBytes: (spec.freeGiB?.[id] ?? 100) * GiB }));
  return {
    held: Object.entries(spec.chunks).map(([chunkId, chunk]) => ({ chunkId, version: chunk.heldVersion ?? owners.get(chunkId)?.version ?? 1, sizeBytes: 1024 })),
    ownerOf: (chunkId) => owners.get(chunkId),
    holdersOf: (chunkId) => {
      const version = owners.get(chunkId)?.version ?? 1;
      const others = (spec.chunks[chunkId]?.holders ?? []).map((holder) => {
        const [peer, v] = holder.split("@") as [string, string?];
        return { peer, version: v ? Number(v) : version };
      });
      return [{ peer: PEER, version: spec.chunks[chunkId]?.heldVersion ?? version }, ...others];
    },
    eligible,
  };
}

const racks = { a: "/r1", b: "/r1", c: "/r2", d: "/r2" };

describe("what the peer still holds", () => {
  it("counts only current replicas of files: a replica of no file or of an older version is garbage, and a peer holding only garbage is decommissioned", () => {
    const assessment = assessDrain(viewOf({ eligible: racks, chunks: { orphan: { holders: [], owner: null }, stale: { holders: [], owner: { version: 2 }, heldVersion: 1 } } }));
    expect(assessment).toMatchObject({ held: 0, toMove: 0, work: [], decommissioned: true });
  });

  it("a cache copy (its file's bytes are in an under-storage) is not needed: nothing moves for it", () => {
    const assessment = assessDrain(viewOf({ eligible: racks, chunks: { cached: { holders: [], owner: { cacheOnly: true } } } }));
    expect(assessment).toMatchObject({ held: 0, toMove: 0, work: [], decommissioned: true });
  });

  it("a chunk still being written is held and waits for its commit (its pipeline owns it): the peer is not done", () => {
    const view = viewOf({ eligible: racks, chunks: { open: { holders: [], owner: { committed: false } } } });
    const assessment = assessDrain(view);
    expect(assessment).toMatchObject({ held: 1, uncommitted: 1, toMove: 1, decommissioned: false });
    expect(planDrain(assessment, view.eligible, 64, seeded(1)).items).toEqual([]);
  });

  it("counts as good only current replicas on eligible peers (not a dead or another draining peer, not a stale copy)", () => {
    const assessment = assessDrain(viewOf({ eligible: racks, chunks: { c1: { holders: ["a", "b@0", "gone", "draining"] } } }));
    expect(assessment.work[0]!.good.map((peer) => peer.id)).toEqual(["a"]);
    expect([...assessment.work[0]!.holders].sort()).toEqual(["a", "b", "draining", "gone", "x"]);
    expect(assessment.toMove).toBe(1);
  });
});

describe("planning a round", () => {
  it("only deletes the peer's replica when enough good copies exist elsewhere already", () => {
    const view = viewOf({ eligible: racks, chunks: { c1: { holders: ["a", "b", "c"] } } });
    const plan = planDrain(assessDrain(view), view.eligible, 64, seeded(1));
    expect(plan).toEqual({ items: [{ chunkId: "c1", version: 1, sizeBytes: 1024, targets: [], deleteAfter: true }], copies: 0, blocked: 0 });
  });

  it("places the missing copies by the rack policy around the good ones, never on a holder of any version, then deletes", () => {
    for (let seed = 0; seed < 20; seed++) {
      // Good copies on a and b (/r1): the third goes to /r2, and not to c, which holds an old version.
      const view = viewOf({ eligible: racks, chunks: { c1: { holders: ["a", "b", "c@0"] } } });
      const plan = planDrain(assessDrain(view), view.eligible, 64, seeded(seed));
      expect(plan.items).toEqual([{ chunkId: "c1", version: 1, sizeBytes: 1024, targets: ["d"], deleteAfter: true }]);
      // One good copy on /r2: two copies, the pair spanning both racks with it.
      const one = viewOf({ eligible: racks, chunks: { c2: { holders: ["c"] } } });
      const [item] = planDrain(assessDrain(one), one.eligible, 64, seeded(seed)).items;
      expect(item!.targets).toHaveLength(2);
      expect(item!.targets).not.toContain("c");
      expect(new Set(["c", ...item!.targets].map((peer) => racks[peer as keyof typeof racks]))).toEqual(new Set(["/r1", "/r2"]));
      expect(item!.deleteAfter).toBe(true);
    }
  });

  it("needs no more copies than there are eligible peers (a small cluster can still decommission)", () => {
    const view = viewOf({ eligible: { a: "/r1", b: "/r2" }, chunks: { c1: { holders: ["a"] } } });
    const assessment = assessDrain(view);
    expect(assessment.work[0]!.needed).toBe(2);
    expect(planDrain(assessment, view.eligible, 64, seeded(3)).items).toEqual([{ chunkId: "c1", version: 1, sizeBytes: 1024, targets: ["b"], deleteAfter: true }]);
  });

  it("makes at most copiesMax copies a round; a chunk cut short keeps its replica, later ones wait", () => {
    const view = viewOf({ eligible: racks, chunks: { c1: { holders: ["a"] }, c2: { holders: ["a"] }, c3: { holders: ["a"] }, done: { holders: ["a", "b", "c"] } } });
    const plan = planDrain(assessDrain(view), view.eligible, 3, seeded(5));
    expect(plan.copies).toBe(3);
    expect(plan.items.map((item) => [item.chunkId, item.targets.length, item.deleteAfter])).toEqual([
      ["c1", 2, true],
      ["c2", 1, false],
      ["done", 0, true],
    ]);
    expect(plan.blocked).toBe(0);
  });

  it("counts a chunk with no peer to take a copy as blocked, and keeps the peer's replica", () => {
    const view = viewOf({ eligible: racks, freeGiB: { b: 0, c: 0, d: 0 }, chunks: { c1: { holders: ["a"] } } });
    const plan = planDrain(assessDrain(view), view.eligible, 64, seeded(1));
    expect(plan).toEqual({ items: [], copies: 0, blocked: 1 });
  });
});
