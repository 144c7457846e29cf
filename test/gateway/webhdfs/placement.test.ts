// Where a redirect sends a client: a reader to a live holder of the chunk at its offset, a
// writer to the peer it asked unless that one is short of room.
import { describe, it, expect } from "vitest";
import type { ChunkView, StatView } from "../../../src/client/fs.ts";
import { chunkAt, readerPeer, writerPeer, WRITER_FREE_BYTES_MIN, type LivePeer } from "../../../src/gateway/webhdfs/placement.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function chunk(index: number, size: number, peers: string[]): ChunkView {
  return { id: `c${index}`, index, version: 1, size, committed: true, replicas: peers.map((peer) => ({ peer, rack: "/r" })) };
}

const file: StatView = {
  path: "/f", kind: "file", size: 2 * MiB + 10, replication: 2, chunkSize: MiB, mtimeMs: 0, state: "closed", attributes: {}, owner: "", group: "", permission: 0o644, accessTimeMs: 0,
  chunks: [chunk(0, MiB, ["A", "B"]), chunk(1, MiB, ["C"]), chunk(2, 10, ["B", "C"])],
};

const peers: LivePeer[] = [
  { id: "A", httpAddress: "10.0.0.1:9870", freeBytes: GiB },
  { id: "B", httpAddress: "10.0.0.2:9870", freeBytes: GiB },
  { id: "C", httpAddress: "10.0.0.3:9870", freeBytes: GiB },
  { id: "D", httpAddress: "10.0.0.4:9870", freeBytes: 100 * GiB },
];

describe("the chunk at an offset", () => {
  it("is found by the chunks' sizes; past the end there is none", () => {
    expect(chunkAt(file.chunks, 0)?.chunk.id).toBe("c0");
    expect(chunkAt(file.chunks, MiB - 1)?.chunk.id).toBe("c0");
    expect(chunkAt(file.chunks, MiB)).toEqual({ chunk: file.chunks[1], startBytes: MiB });
    expect(chunkAt(file.chunks, 2 * MiB + 9)?.chunk.id).toBe("c2");
    expect(chunkAt(file.chunks, 2 * MiB + 10)).toBeUndefined();
  });
});

describe("a reader's peer", () => {
  it("holds the chunk at the offset, whichever peer was asked", () => {
    for (let i = 0; i < 20; i++) {
      const random = () => i / 20;
      expect(["A", "B"]).toContain(readerPeer(file, 5, peers, "D", "", random)?.id);
      expect(readerPeer(file, MiB + 5, peers, "A", "", random)?.id).toBe("C");
      expect(["B", "C"]).toContain(readerPeer(file, 2 * MiB, peers, "D", "", random)?.id);
    }
  });

  it("is a holder on the client's own host first, then the asked peer if it holds the chunk", () => {
    expect(readerPeer(file, 0, peers, "A", "10.0.0.2", () => 0)?.id).toBe("B");
    expect(readerPeer(file, 0, peers, "A", "", () => 0.99)?.id).toBe("A");
    expect(readerPeer(file, 0, peers, "B", "127.0.0.1", () => 0)?.id).toBe("B");
  });

  it("spreads readers over the holders", () => {
    const seen = new Set([0, 0.3, 0.6, 0.99].map((r) => readerPeer(file, 2 * MiB, peers, "D", "", () => r)?.id));
    expect(seen).toEqual(new Set(["B", "C"]));
  });

  it("is the asked peer when no holder is live or the read is past the end", () => {
    const onlyD = peers.filter((peer) => peer.id === "D");
    expect(readerPeer(file, MiB, onlyD, "D", "", () => 0)?.id).toBe("D");
    expect(readerPeer(file, 3 * MiB, peers, "A", "", () => 0)?.id).toBe("A");
  });
});

describe("a writer's peer", () => {
  it("is the asked peer, unless it is short of room: then the one with the most", () => {
    expect(writerPeer(peers, "A")?.id).toBe("A");
    const short = peers.map((peer) => (peer.id === "A" ? { ...peer, freeBytes: WRITER_FREE_BYTES_MIN - 1 } : peer));
    expect(writerPeer(short, "A")?.id).toBe("D");
    expect(writerPeer([], "A")).toBeUndefined();
  });
});
