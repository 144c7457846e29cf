// The HDFS default placement policy, checked over many random draws.
import { describe, it, expect } from "vitest";
import { chooseTargets, spreadFirst, PLACEMENT_RESERVE_BYTES, type PlacementPeer } from "../../src/master/cluster/placement.ts";
import { mulberry32 } from "../sim/prng.ts";

const GiB = 1024 ** 3;
const peer = (id: string, rack: string, freeBytes = 10 * GiB): PlacementPeer => ({ id, rack, freeBytes });
const peers = [peer("a1", "/a"), peer("a2", "/a"), peer("a3", "/a"), peer("b1", "/b"), peer("b2", "/b")];

describe("chooseTargets (HDFS default policy)", () => {
  it("writer first, second on another rack, third on the second's rack, never one peer twice", () => {
    const random = mulberry32(7);
    const rand = (n: number) => Math.floor(random() * n);
    for (let draw = 0; draw < 500; draw++) {
      const [first, second, third] = chooseTargets(peers, { replication: 3, sizeBytes: 64 * 1024 * 1024, writer: "a2" }, rand);
      expect(first!.id).toBe("a2");
      expect(second!.rack).not.toBe("/a");
      expect(third!.rack).toBe(second!.rack);
      expect(new Set([first!.id, second!.id, third!.id]).size).toBe(3);
    }
  });

  it("without a writer peer, still spans two racks", () => {
    const random = mulberry32(11);
    const rand = (n: number) => Math.floor(random() * n);
    for (let draw = 0; draw < 200; draw++) {
      const targets = chooseTargets(peers, { replication: 3, sizeBytes: 1 }, rand);
      expect(targets).toHaveLength(3);
      expect(new Set(targets.map((t) => t.rack)).size).toBe(2);
    }
  });

  it("when the second's rack has no other peer, the third goes anywhere else", () => {
    const targets = chooseTargets([peer("a1", "/a"), peer("a2", "/a"), peer("c1", "/c")], { replication: 3, sizeBytes: 1, writer: "a1" }, () => 0);
    expect(targets.map((t) => t.id)).toEqual(["a1", "c1", "a2"]);
  });

  it("places what it can when peers are fewer than the replication", () => {
    const targets = chooseTargets([peer("a1", "/a"), peer("b1", "/b")], { replication: 3, sizeBytes: 1 }, () => 0);
    expect(targets.map((t) => t.id).sort()).toEqual(["a1", "b1"]);
  });

  it("skips full peers and excluded peers", () => {
    const targets = chooseTargets([peer("a1", "/a", PLACEMENT_RESERVE_BYTES), peer("b1", "/b"), peer("b2", "/b")], { replication: 3, sizeBytes: 1, exclude: new Set(["b2"]) }, () => 0);
    expect(targets.map((t) => t.id)).toEqual(["b1"]);
  });

  it("spreads around existing replicas when repairing", () => {
    const targets = chooseTargets(peers, { replication: 3, sizeBytes: 1, existing: [peer("a1", "/a"), peer("a2", "/a")] }, () => 0);
    expect(targets).toHaveLength(1);
    expect(targets[0]!.rack).not.toBe("/a");
  });
});

/**
 * Writes `chunks` chunks of one file from a client that is not a peer, as the leader places
 * them one after another (the file's bytes per peer grow with each placement), and answers
 * how many first replicas each peer got.
 */
function placeFile(candidates: readonly PlacementPeer[], chunks: number, chunkBytes: number, replication: number, seed: number): Map<string, number> {
  const random = mulberry32(seed);
  const rand = (n: number) => Math.floor(random() * n);
  const fileBytes = new Map<string, number>();
  const firsts = new Map<string, number>();
  for (let i = 0; i < chunks; i++) {
    const targets = chooseTargets(candidates, { replication, sizeBytes: chunkBytes, fileBytes }, rand);
    expect(targets).toHaveLength(Math.min(replication, candidates.length));
    expect(new Set(targets.map((t) => t.id)).size).toBe(targets.length);
    for (const target of targets) fileBytes.set(target.id, (fileBytes.get(target.id) ?? 0) + chunkBytes);
    firsts.set(targets[0]!.id, (firsts.get(targets[0]!.id) ?? 0) + 1);
  }
  return firsts;
}

const MiB = 1024 ** 2;

describe("chooseTargets for a writer that is not a peer (issue 13: spread by the file's bytes)", () => {
  it("24 chunks of one file at replication 1 over 3 equal peers land 8/8/8, whatever the seed", () => {
    const three = [peer("p1", "/r"), peer("p2", "/r"), peer("p3", "/r")];
    for (const seed of [1, 2, 3, 42, 1234]) {
      const firsts = placeFile(three, 24, MiB, 1, seed);
      expect([...firsts.values()]).toEqual([8, 8, 8]);
    }
  });

  it("over unequal free space, the emptier peer takes the larger share, in proportion", () => {
    const firsts = placeFile([peer("big", "/r", 20 * GiB), peer("s1", "/r", 10 * GiB), peer("s2", "/r", 10 * GiB)], 24, MiB, 1, 5);
    expect(firsts.get("big")).toBe(12);
    expect(firsts.get("s1")).toBe(6);
    expect(firsts.get("s2")).toBe(6);
  });

  it("never chooses a full peer or an excluded one", () => {
    const candidates = [peer("full", "/r", PLACEMENT_RESERVE_BYTES + MiB - 1), peer("out", "/r"), peer("ok1", "/r"), peer("ok2", "/r")];
    const random = mulberry32(9);
    const rand = (n: number) => Math.floor(random() * n);
    const fileBytes = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const [target] = chooseTargets(candidates, { replication: 1, sizeBytes: MiB, exclude: new Set(["out"]), fileBytes }, rand);
      expect(["ok1", "ok2"]).toContain(target!.id);
      fileBytes.set(target!.id, (fileBytes.get(target!.id) ?? 0) + MiB);
    }
    expect(fileBytes.get("ok1")).toBe(15 * MiB);
    expect(fileBytes.get("ok2")).toBe(15 * MiB);
  });

  it("keeps rack awareness for the second and third replicas", () => {
    const random = mulberry32(3);
    const rand = (n: number) => Math.floor(random() * n);
    const fileBytes = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const [first, second, third] = chooseTargets(peers, { replication: 3, sizeBytes: MiB, fileBytes }, rand);
      expect(second!.rack).not.toBe(first!.rack);
      expect(third!.rack).toBe(second!.rack);
      fileBytes.set(first!.id, (fileBytes.get(first!.id) ?? 0) + MiB);
    }
    // The first replicas alone are spread evenly over the five peers.
    expect([...fileBytes.values()].sort()).toEqual([12, 12, 12, 12, 12].map((n) => n * MiB));
  });

  it("the writer's own peer still comes first when it is eligible", () => {
    const fileBytes = new Map([["a1", 100 * MiB]]);
    const [first] = chooseTargets(peers, { replication: 1, sizeBytes: MiB, writer: "a1", fileBytes }, () => 0);
    expect(first!.id).toBe("a1");
  });

  it("spreadFirst: free space in coarse steps, ties by fewer bytes of the file, true ties left to the random source", () => {
    // Within a step of the freest, peers count as equally free: the one with less of the file wins.
    expect([...spreadFirst([peer("x", "/r", 10 * GiB), peer("y", "/r", 10 * GiB - 100 * MiB)], new Map([["x", MiB]]), MiB)]).toEqual(["y"]);
    // A new file: every one of the freest peers is a candidate, not always the same one.
    expect([...spreadFirst([peer("x", "/r"), peer("y", "/r"), peer("z", "/r", 10 * GiB - 10 * MiB)], new Map(), MiB)].sort()).toEqual(["x", "y", "z"]);
    // Twice the free space: twice the share before the other one is as full.
    expect([...spreadFirst([peer("x", "/r", 20 * GiB), peer("y", "/r", 10 * GiB)], new Map([["x", 2 * MiB], ["y", 0]]), MiB)]).toEqual(["y"]);
    expect([...spreadFirst([peer("x", "/r", 20 * GiB), peer("y", "/r", 10 * GiB)], new Map(), MiB)]).toEqual(["x"]);
    // Equal shares (2 MiB of 16 steps, 1 MiB of 8): the one with less of the file.
    expect([...spreadFirst([peer("x", "/r", 20 * GiB), peer("y", "/r", 10 * GiB)], new Map([["x", MiB]]), MiB)]).toEqual(["y"]);
  });

  it("a new file's first chunks over equal peers are not all sent to one peer", () => {
    const random = mulberry32(17);
    const rand = (n: number) => Math.floor(random() * n);
    const three = [peer("p1", "/r", 10 * GiB), peer("p2", "/r", 10 * GiB - MiB), peer("p3", "/r", 10 * GiB - 2 * MiB)];
    const firsts = new Map<string, number>();
    for (let file = 0; file < 300; file++) {
      const [target] = chooseTargets(three, { replication: 1, sizeBytes: MiB, fileBytes: new Map() }, rand);
      firsts.set(target!.id, (firsts.get(target!.id) ?? 0) + 1);
    }
    for (const id of ["p1", "p2", "p3"]) expect(firsts.get(id)).toBeGreaterThan(60);
  });
});
