// The HDFS default placement policy, checked over many random draws.
import { describe, it, expect } from "vitest";
import { chooseTargets, PLACEMENT_RESERVE_BYTES, type PlacementPeer } from "../../src/master/cluster/placement.ts";
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
