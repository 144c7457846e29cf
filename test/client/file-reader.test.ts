// The read path (src/client/file-reader.ts): how a read is cut into pieces and which replica
// each piece goes to (pure), and over real connections that a read spread over several
// replicas yields the file's bytes in order and survives a replica dying mid-read (GFS §2.4:
// clients read from any replica; HDFS: a failed datanode is skipped for the rest of the read).
import { describe, it, expect, afterEach } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { orderReplicas, planReadPieces, READ_AHEAD_BYTES_MAX, READ_PIECE_BYTES } from "../../src/client/file-reader.ts";
import { connect } from "../../src/client/cluster.ts";
import type { FileChunk } from "../../src/protocol/pb/meta.ts";
import type { Peer } from "../../src/peer/peer.ts";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { patternBytes } from "../chunk/pipeline-harness.ts";

const MiB = 1024 * 1024;

function chunk(index: number, sizeBytes: number, peers: string[] = ["a", "b", "c"]): FileChunk {
  return { chunkId: index.toString(16).padStart(16, "0"), index, version: 1, sizeBytes, committed: true, replicas: peers.map((peer) => ({ peer, rack: peer === "c" ? "/r2" : "/r1", addresses: [], tier: "" })) };
}

const names = (replicas: Array<{ peer: string }>) => replicas.map((replica) => replica.peer);
const none = new Map<string, number>();

describe("planning a read", () => {
  it("cuts every chunk into pieces of at most the piece size, in file order, none across a chunk", () => {
    const chunks = [chunk(0, 2 * READ_PIECE_BYTES + 5), chunk(1, 100), chunk(2, READ_PIECE_BYTES)];
    const pieces = planReadPieces(chunks, READ_PIECE_BYTES);
    expect(pieces.map((piece) => [piece.chunk.index, piece.offsetBytes, piece.lengthBytes])).toEqual([
      [0, 0, READ_PIECE_BYTES],
      [0, READ_PIECE_BYTES, READ_PIECE_BYTES],
      [0, 2 * READ_PIECE_BYTES, 5],
      [1, 0, 100],
      [2, 0, READ_PIECE_BYTES],
    ]);
    expect(planReadPieces([chunk(0, 0)], READ_PIECE_BYTES)).toEqual([]);
    // The read-ahead budget holds several pieces: several replicas are read at once.
    expect(READ_AHEAD_BYTES_MAX / READ_PIECE_BYTES).toBeGreaterThanOrEqual(3);
  });

  it("orders replicas: own peer, then own rack, then the least loaded, and equal ones take turns", () => {
    const replicas = chunk(0, 1).replicas;
    // A client that is not a peer, in no rack: round-robin by piece.
    expect([0, 1, 2, 3].map((rotation) => names(orderReplicas(replicas, { self: "x", loadByPeer: none, avoid: new Set(), rotation }))[0])).toEqual(["a", "b", "c", "a"]);
    // Inside peer b: its own replica first whatever the rotation.
    expect(names(orderReplicas(replicas, { self: "b", rack: "/r1", loadByPeer: none, avoid: new Set(), rotation: 2 }))).toEqual(["b", "a", "c"]);
    // Same rack before the other rack.
    expect(names(orderReplicas(replicas, { self: "x", rack: "/r2", loadByPeer: none, avoid: new Set(), rotation: 0 }))[0]).toBe("c");
    // Least loaded among equals: a has two pieces in flight, b one, c none.
    expect(names(orderReplicas(replicas, { self: "x", loadByPeer: new Map([["a", 2], ["b", 1]]), avoid: new Set(), rotation: 0 }))).toEqual(["c", "b", "a"]);
    // A replica that failed during this read goes last, even when it is this peer's own.
    expect(names(orderReplicas(replicas, { self: "a", rack: "/r1", loadByPeer: none, avoid: new Set(["a"]), rotation: 0 }))).toEqual(["b", "c", "a"]);
  });
});

let cluster: TestPeers;
afterEach(async () => {
  await cluster?.stopAll();
});

async function threePeers(): Promise<Peer[]> {
  cluster = new TestPeers();
  const a = await cluster.start({ rack: "/r1" });
  await waitFor("a leader", () => a.raft.isLeader, { timeoutMs: 5_000 });
  const b = await cluster.start({ rack: "/r1", join: [a.multiaddrs[0]!] });
  const c = await cluster.start({ rack: "/r2", join: [a.multiaddrs[0]!] });
  await waitFor("3 voters and 3 peers alive everywhere", () => a.clusterStatus().voters.length === 3 && [a, b, c].every((p) => p.peers().filter((v) => v.state === "alive").length === 3), { timeoutMs: 15_000 });
  return [a, b, c];
}

describe("reading over the network", () => {
  it("spreads one client's read over every replica and yields the bytes in order; a replica dying mid-read is skipped", async () => {
    const peers = await threePeers();
    const [a, b, c] = peers;
    // Larger than the read-ahead budget, so pieces are still to be asked of c when it stops.
    const data = patternBytes(READ_AHEAD_BYTES_MAX + 36 * MiB + 777, 31);
    const client = await connect({ join: [a!.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    try {
      await client.fs.put(data, "/spread", { chunkSizeBytes: 4 * MiB });
      // Whole file: pieces go to all three replicas, and the bytes come back exact.
      const served = () => peers.map((peer) => peer.data.stats.read.bytesServed);
      const before = served();
      expect(client.fs.readCounters.replicaFailovers).toBe(0);
      expect(Bun.hash(await client.fs.readFile("/spread"))).toBe(Bun.hash(data));
      const after = served();
      for (let i = 0; i < 3; i++) expect(after[i]! - before[i]!).toBeGreaterThan(0);
      expect(after.reduce((sum, bytes) => sum + bytes, 0) - before.reduce((sum, bytes) => sum + bytes, 0)).toBe(data.length);

      // Stop c after the first piece came back: pieces in flight from c and every later one
      // it was due to serve are read from a or b, in order, byte for byte.
      const pieces: Uint8Array[] = [];
      let stopped: Promise<void> | undefined;
      for await (const piece of client.fs.createReadStream("/spread")) {
        pieces.push(piece);
        stopped ??= c!.stop();
      }
      await stopped;
      const back = new Uint8Array(data.length);
      let at = 0;
      for (const piece of pieces) {
        back.set(piece, at);
        at += piece.length;
      }
      expect(at).toBe(data.length);
      expect(Bun.hash(back)).toBe(Bun.hash(data));
      expect(client.fs.readCounters.replicaFailovers).toBeGreaterThan(0);
      expect(client.fs.readCounters.checksumFailovers).toBe(0);
    } finally {
      await client.close();
    }
    void b;
  });

  it("a remote replica with a flipped byte on disk: the server sends it unchecked, the client's check catches it, reports the replica and reads the piece elsewhere", async () => {
    const peers = await threePeers();
    const [a] = peers;
    const data = patternBytes(6 * MiB, 32);
    const client = await connect({ join: [a!.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    try {
      await client.fs.put(data, "/flipped", { chunkSizeBytes: 8 * MiB });
      const chunk = (await client.fs.stat("/flipped")).chunks[0]!;
      // The first piece (block 40 is in it) goes to the chunk's first replica, then the
      // second, then the third (orderReplicas, tested above: a client in no rack, nothing in
      // flight, rotation 0). Damage the first two: both are caught, the third serves it.
      const damaged = chunk.replicas.slice(0, 2).map((replica) => peers.find((peer) => peer.id === replica.peer)!);
      for (const peer of damaged) {
        const path = peer.chunkStore.localPath(chunk.id, chunk.version)!;
        const bytes = new Uint8Array(readFileSync(path));
        bytes[40 * 64 * 1024 + 3]! ^= 0x10;
        writeFileSync(path, bytes);
      }
      const serverChecksumErrors = () => damaged.reduce((sum, peer) => sum + peer.data.stats.read.checksumErrors, 0);
      expect(Bun.hash(await client.fs.readFile("/flipped"))).toBe(Bun.hash(data));
      expect(client.fs.readCounters.checksumFailovers).toBe(2);
      // The servers did not check what they sent: the client's check is the one per byte.
      expect(serverChecksumErrors()).toBe(0);
      await waitFor("the damaged replicas to leave the chunk's locations", async () => {
        const replicas = (await client.fs.stat("/flipped")).chunks[0]!.replicas;
        return damaged.every((peer) => replicas.every((replica) => replica.peer !== peer.id));
      }, { timeoutMs: 10_000 });
    } finally {
      await client.close();
    }
  });
});
