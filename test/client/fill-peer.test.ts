// Which peer fills an uncached chunk (rendezvous hashing, client/cache-client.ts) and what
// `cache load` asks of whom (client/load-plan.ts): pure planners.
import { describe, it, expect } from "vitest";
import { fillPeerOrder } from "../../src/client/cache-client.ts";
import { planLoad } from "../../src/client/load-plan.ts";
import { CACHE_LOAD_CHUNKS_MAX } from "../../src/protocol/cache.ts";
import type { FileChunk } from "../../src/protocol/pb/meta.ts";

const peers = Array.from({ length: 8 }, (_, i) => `peer-${i}`);
const ids = Array.from({ length: 4000 }, (_, i) => (0x10000 + i * 7919).toString(16).padStart(16, "0"));

describe("fillPeerOrder", () => {
  it("is the same for every reader whatever order it knows the peers in", () => {
    for (const id of ids.slice(0, 50)) expect(fillPeerOrder(id, [...peers].reverse())).toEqual(fillPeerOrder(id, peers));
    expect(fillPeerOrder(ids[0]!, [...peers, peers[0]!])).toEqual(fillPeerOrder(ids[0]!, peers));
  });

  it("spreads chunks evenly over the peers", () => {
    const wins = new Map<string, number>();
    for (const id of ids) wins.set(fillPeerOrder(id, peers)[0]!, (wins.get(fillPeerOrder(id, peers)[0]!) ?? 0) + 1);
    expect(wins.size).toBe(peers.length);
    for (const count of wins.values()) {
      expect(count).toBeGreaterThan((ids.length / peers.length) * 0.75);
      expect(count).toBeLessThan((ids.length / peers.length) * 1.25);
    }
  });

  it("moves only the chunks of a peer that leaves, to the next in their order", () => {
    const without = peers.filter((peer) => peer !== "peer-3");
    for (const id of ids.slice(0, 500)) {
      const before = fillPeerOrder(id, peers);
      const after = fillPeerOrder(id, without);
      expect(after).toEqual(before.filter((peer) => peer !== "peer-3"));
    }
  });

  it("an empty view has no fill peer", () => {
    expect(fillPeerOrder(ids[0]!, [])).toEqual([]);
  });
});

function chunksOf(count: number, replicas: (index: number) => string[] = () => []): FileChunk[] {
  return Array.from({ length: count }, (_, index) => ({ chunkId: ids[index]!, index, version: 1, sizeBytes: 100, committed: true, replicas: replicas(index).map((peer) => ({ peer, rack: "", addresses: [], tier: "" })) }));
}

describe("planLoad", () => {
  it("sends each uncached chunk to its first fill peer, one request per peer and file", () => {
    const plan = planLoad([{ path: "/mnt/a", chunks: chunksOf(20) }], peers, 1);
    expect(plan.totalBytes).toBe(2000);
    expect(plan.presentBytes).toBe(0);
    const asked = plan.requests.flatMap((request) => request.chunkIndexes.map((index) => ({ index, peer: request.peer })));
    expect(asked.map((entry) => entry.index).sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    for (const { index, peer } of asked) expect(peer).toBe(fillPeerOrder(ids[index]!, peers)[0]);
    expect(new Set(plan.requests.map((request) => request.peer)).size).toBe(plan.requests.length);
  });

  it("skips copies that are there and tops chunks up to the replication, never onto a holder", () => {
    const chunks = chunksOf(10, (index) => (index < 5 ? [fillPeerOrder(ids[index]!, peers)[1]!] : []));
    const plan = planLoad([{ path: "/mnt/a", chunks }], peers, 2);
    expect(plan.totalBytes).toBe(2000);
    expect(plan.presentBytes).toBe(500);
    const copies = new Map<number, string[]>();
    for (const request of plan.requests) for (const index of request.chunkIndexes) copies.set(index, [...(copies.get(index) ?? []), request.peer]);
    for (let index = 0; index < 10; index++) {
      const wanted = index < 5 ? 1 : 2;
      expect(copies.get(index)?.length).toBe(wanted);
      expect(copies.get(index)).not.toContain(chunks[index]!.replicas[0]?.peer ?? "none");
    }
  });

  it("cuts a peer's chunks of one file into requests the decoder accepts", () => {
    const plan = planLoad([{ path: "/mnt/big", chunks: chunksOf(ids.length) }], ["only"], 1);
    expect(plan.requests.length).toBe(Math.ceil(ids.length / CACHE_LOAD_CHUNKS_MAX));
    for (const request of plan.requests) expect(request.chunkIndexes.length).toBeLessThanOrEqual(CACHE_LOAD_CHUNKS_MAX);
    expect(plan.requests.reduce((sum, request) => sum + request.chunkIndexes.length, 0)).toBe(ids.length);
  });

  it("a fully cached file needs no request", () => {
    const plan = planLoad([{ path: "/mnt/a", chunks: chunksOf(3, () => ["x"]) }], peers, 1);
    expect(plan.requests).toEqual([]);
    expect(plan.presentBytes).toBe(plan.totalBytes);
  });
});
