// /tessera/chunk/write/1 over real libp2p hosts: the pipelined write of GFS §3.2 ("data is
// pushed linearly along a chain of chunkservers ... pipelined") and its failure handling
// (GFS §3.1 / HDFS: a failed pipeline is rebuilt without the failed replica, so the client
// must learn which one failed, and nothing half-written may become visible).
import { describe, it, expect, afterEach } from "vitest";
import { writeChunk, type WriteChunkResult } from "../../src/chunk/transfer/write-pipeline.ts";
import { PipelineError } from "../../src/chunk/transfer/data-errors.ts";
import { checksumDigest } from "../../src/chunk/store/checksum.ts";
import { DataCluster, equalBytes, patternBytes, type DataNode } from "./pipeline-harness.ts";
import { waitFor } from "../support/wait.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES } from "../../src/protocol/limits.ts";

const MiB = 1024 * 1024;
let cluster: DataCluster;

afterEach(async () => {
  await cluster?.stop();
});

async function expectReplicas(nodes: DataNode[], chunkId: string, version: number, data: Uint8Array, result: WriteChunkResult): Promise<void> {
  expect(result.sizeBytes).toBe(data.length);
  expect(result.replicas.map((replica) => replica.peerId)).toEqual(nodes.map((node) => node.id));
  for (const node of nodes) {
    const stored = await node.store!.read(chunkId, version, 0, data.length);
    expect(equalBytes(stored, data)).toBe(true);
    const sums = await node.store!.readBlockChecksums(chunkId, version);
    expect(checksumDigest(sums.checksums)).toBe(result.checksumDigest);
  }
  for (const replica of result.replicas) {
    expect(replica.checksumDigest).toBe(result.checksumDigest);
    expect(replica.sizeBytes).toBe(data.length);
    expect(replica.blockCount).toBe(Math.ceil(data.length / CHUNK_CHECKSUM_BLOCK_BYTES));
  }
}

/** Pieces of awkward sizes, so packets must be gathered across them. */
async function* inPieces(data: Uint8Array, pieceBytes: number, beforeEach?: (offset: number) => Promise<void>): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += pieceBytes) {
    await beforeEach?.(offset);
    yield data.slice(offset, offset + pieceBytes);
  }
}

/** Until no writer holds the id on the node (a createWriter succeeds) and nothing is visible. */
async function expectNothingLeft(node: DataNode, chunkId: string, version: number): Promise<void> {
  await waitFor(
    `chunk ${chunkId} gone and its writer released on ${node.id}`,
    async () => {
      if (node.store!.stat(chunkId) !== undefined) return false;
      const writer = await node.store!.createWriter(chunkId, version);
      await writer.abort();
      return true;
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
}

describe("pipelined write", () => {
  it("lands a multi-MiB chunk identically on 3 replicas (memory stores, client without a replica)", async () => {
    cluster = new DataCluster();
    const [client, ...replicas] = await cluster.addAll(["none", "memory", "memory", "memory"]);
    const data = patternBytes(9 * MiB + 12_345, 1);
    const result = await writeChunk(client!.host, { chunkId: "00000000000000a1", version: 3, targets: replicas.map((node) => node.id), data });
    await expectReplicas(replicas, "00000000000000a1", 3, data, result);
    for (const node of replicas) expect(node.service!.stats.write.pipelinesCommitted).toBe(1);
  });

  it("works with the writer's own peer first, streamed from pieces of odd sizes (disk stores)", async () => {
    cluster = new DataCluster();
    const nodes = await cluster.addAll(["disk", "disk", "disk"]);
    const data = patternBytes(5 * MiB + 7, 2);
    const result = await nodes[0]!.service!.writeChunk({ chunkId: "00000000000000b2", version: 1, targets: nodes.map((node) => node.id), data: inPieces(data, 100_001), expectedSizeBytes: data.length });
    await expectReplicas(nodes, "00000000000000b2", 1, data, result);
  });

  it("writes a single replica, the writer's own, without any network", async () => {
    cluster = new DataCluster();
    const [node] = await cluster.addAll(["memory"]);
    const data = patternBytes(MiB, 3);
    const result = await node!.service!.writeChunk({ chunkId: "00000000000000c3", version: 1, targets: [node!.id], data });
    await expectReplicas([node!], "00000000000000c3", 1, data, result);
  });

  it("writes an empty chunk", async () => {
    cluster = new DataCluster();
    const [client, a, b] = await cluster.addAll(["none", "memory", "memory"]);
    const result = await writeChunk(client!.host, { chunkId: "00000000000000d4", version: 1, targets: [a!.id, b!.id], data: new Uint8Array(0) });
    await expectReplicas([a!, b!], "00000000000000d4", 1, new Uint8Array(0), result);
  });
});

describe("pipeline failures name the failed replica and leave nothing visible", () => {
  for (const position of [0, 1, 2]) {
    it(`replica ${position + 1} of 3 crashes mid-transfer`, async () => {
      cluster = new DataCluster();
      const [client, ...replicas] = await cluster.addAll(["none", "memory", "memory", "memory"]);
      const victim = replicas[position]!;
      const data = patternBytes(24 * MiB, 4);
      const chunkId = "00000000000000e5";
      let crashed = false;
      const source = inPieces(data, MiB, async (offset) => {
        if (offset === 12 * MiB && !crashed) {
          crashed = true;
          await cluster.crash(victim);
        }
      });
      const error = await writeChunk(client!.host, { chunkId, version: 1, targets: replicas.map((node) => node.id), data: source }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(crashed).toBe(true);
      expect(error).toBeInstanceOf(PipelineError);
      expect((error as PipelineError).failedPeer).toBe(victim.id);
      expect(["PEER_FAILED", "PEER_UNREACHABLE"]).toContain((error as PipelineError).code);
      for (const node of replicas) await expectNothingLeft(node, chunkId, 1);
      for (const node of replicas.filter((node) => node !== victim)) {
        await waitFor("the failure counted", () => node.service!.stats.write.pipelinesFailed === 1, { timeoutMs: 5_000 });
      }
    });
  }

  it("the writer's own replica is undone when a replica below it crashes", async () => {
    cluster = new DataCluster();
    const nodes = await cluster.addAll(["disk", "disk", "disk"]);
    const data = patternBytes(16 * MiB, 5);
    const chunkId = "00000000000000f6";
    const source = inPieces(data, MiB, async (offset) => {
      if (offset === 8 * MiB) await cluster.crash(nodes[2]!);
    });
    const error = await nodes[0]!.service!.writeChunk({ chunkId, version: 1, targets: nodes.map((node) => node.id), data: source }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).failedPeer).toBe(nodes[2]!.id);
    // The writer's own replica is undone before writeChunk throws.
    expect(nodes[0]!.store!.stat(chunkId)).toBeUndefined();
    for (const node of nodes) await expectNothingLeft(node, chunkId, 1);
  });

  it("a replica stopped gracefully mid-transfer is named too", async () => {
    cluster = new DataCluster();
    const [client, ...replicas] = await cluster.addAll(["none", "memory", "memory", "memory"]);
    const chunkId = "0000000000000107";
    const data = patternBytes(16 * MiB, 6);
    const source = inPieces(data, MiB, async (offset) => {
      if (offset === 8 * MiB) await replicas[1]!.host.stop();
    });
    const error = await writeChunk(client!.host, { chunkId, version: 1, targets: replicas.map((node) => node.id), data: source }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).failedPeer).toBe(replicas[1]!.id);
    for (const node of replicas) await expectNothingLeft(node, chunkId, 1);
  });

  it("a replica whose store refuses (version already held) is named with the store's code", async () => {
    cluster = new DataCluster();
    const [client, ...replicas] = await cluster.addAll(["none", "memory", "memory", "memory"]);
    const chunkId = "0000000000000208";
    const writer = await replicas[1]!.store!.createWriter(chunkId, 2);
    await writer.write(new Uint8Array(10));
    await writer.commit();
    const error = await writeChunk(client!.host, { chunkId, version: 2, targets: replicas.map((node) => node.id), data: patternBytes(MiB, 7) }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).failedPeer).toBe(replicas[1]!.id);
    expect((error as PipelineError).code).toBe("STORE");
    expect((error as PipelineError).storeCode).toBe("CHUNK_EXISTS");
    await expectNothingLeft(replicas[0]!, chunkId, 2);
    await expectNothingLeft(replicas[2]!, chunkId, 2);
  });

  it("an unreachable replica is named", async () => {
    cluster = new DataCluster();
    const [client, a, b] = await cluster.addAll(["none", "memory", "memory"]);
    const gone = await cluster.add("memory");
    await cluster.crash(gone);
    const error = await writeChunk(client!.host, { chunkId: "0000000000000309", version: 1, targets: [a!.id, gone.id, b!.id], data: patternBytes(MiB, 8) }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).failedPeer).toBe(gone.id);
    expect((error as PipelineError).code).toBe("PEER_UNREACHABLE");
    await expectNothingLeft(a!, "0000000000000309", 1);
  });

  it("a data source that throws aborts the pipeline and surfaces its own error", async () => {
    cluster = new DataCluster();
    const [client, a, b] = await cluster.addAll(["none", "memory", "memory"]);
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield patternBytes(3 * MiB, 9);
      throw new Error("source broke");
    }
    await expect(writeChunk(client!.host, { chunkId: "000000000000040a", version: 1, targets: [a!.id, b!.id], data: broken() })).rejects.toThrow("source broke");
    await expectNothingLeft(a!, "000000000000040a", 1);
    await expectNothingLeft(b!, "000000000000040a", 1);
  });

  it("the client checks the promised size", async () => {
    cluster = new DataCluster();
    const [client, a] = await cluster.addAll(["none", "memory"]);
    await expect(writeChunk(client!.host, { chunkId: "000000000000050b", version: 1, targets: [a!.id], data: patternBytes(MiB, 10), expectedSizeBytes: MiB + 1 })).rejects.toMatchObject({ name: "ChunkSizeMismatchError" });
    await expect(writeChunk(client!.host, { chunkId: "000000000000050b", version: 1, targets: [a!.id], data: patternBytes(MiB, 10), expectedSizeBytes: MiB - 1 })).rejects.toMatchObject({ name: "ChunkTooLargeError" });
    await expectNothingLeft(a!, "000000000000050b", 1);
  });
});
