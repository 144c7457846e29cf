import { describe, it, expect } from "vitest";
import { ChunkLocations } from "../../src/master/cluster/locations.ts";

const c = (chunkId: string, version = 1, sizeBytes = 10) => ({ chunkId, version, sizeBytes });

describe("ChunkLocations (soft state, GFS §2.6.2)", () => {
  it("a full report replaces what was known of the peer", () => {
    const map = new ChunkLocations();
    map.fullReport("p1", [c("a"), c("b")]);
    map.fullReport("p1", [c("b"), c("c")]);
    expect(map.replicas("a")).toEqual([]);
    expect(map.replicas("c").map((r) => r.peer)).toEqual(["p1"]);
    expect(map.chunkCountOf("p1")).toBe(2);
  });

  it("incremental reports add and remove, and a dead peer is forgotten", () => {
    const map = new ChunkLocations();
    map.fullReport("p1", [c("a")]);
    map.fullReport("p2", [c("a")]);
    map.incrementalReport("p1", [c("b")], ["a"]);
    expect(map.replicas("a").map((r) => r.peer)).toEqual(["p2"]);
    map.forgetPeer("p2");
    expect(map.replicas("a")).toEqual([]);
    expect(map.chunkCount).toBe(1);
  });

  it("tells current replicas from stale ones by version", () => {
    const map = new ChunkLocations();
    map.fullReport("p1", [c("a", 2)]);
    map.fullReport("p2", [c("a", 1)]);
    expect(map.currentReplicas("a", 2).map((r) => r.peer)).toEqual(["p1"]);
  });

  it("keeps the cache tier each peer reports a replica in (issue 16), and a later report moves it", () => {
    const map = new ChunkLocations();
    map.fullReport("p1", [{ ...c("a"), tier: "MEM" }, c("b")]);
    map.fullReport("p2", [{ ...c("a"), tier: "HDD" }]);
    expect(map.replicas("a").map((r) => [r.peer, r.tier ?? ""])).toEqual([
      ["p1", "MEM"],
      ["p2", "HDD"],
    ]);
    expect(map.replicas("b")[0]!.tier).toBeUndefined();
    // Demoted from MEM to the next tier: reported again with its new tier.
    map.incrementalReport("p1", [{ ...c("a"), tier: "SSD" }], []);
    expect(map.currentReplicas("a", 1).find((r) => r.peer === "p1")!.tier).toBe("SSD");
  });
});
