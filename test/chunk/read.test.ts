// /tessera/chunk/read/1 and the local read path: ranged reads verified end to end against the
// block checksums (GFS §5.2: "a chunkserver verifies the integrity of data it reads before
// returning it"; HDFS: the client verifies the checksums it receives), typed refusals, and no
// byte of a corrupt block ever reaching the caller.
import { describe, it, expect, afterEach } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { peerIdFromString } from "@libp2p/peer-id";
import { openChunkRead, readChunk, readChunkBytes, readChunkLocal, readChunkLocalBytes, SpanVerifier } from "../../src/chunk/transfer/read-protocol.ts";
import { ChunkChecksumError, ChunkReadError } from "../../src/chunk/transfer/data-errors.ts";
import { DATA_CONTROL_FRAME_BYTES_MAX, READ_RESPONSE_FRAME_BYTES_MAX } from "../../src/chunk/transfer/data-constants.ts";
import { encodeFrameLength, FrameReader } from "../../src/net/frames.ts";
import { ReadResponse } from "../../src/protocol/pb/data.ts";
import type { ChunkStore } from "../../src/chunk/store/store.ts";
import { DataCluster, collect, equalBytes, patternBytes, type DataNode } from "./pipeline-harness.ts";
import { CHUNK_READ_PROTOCOL } from "../../src/protocol/ids.ts";

const MiB = 1024 * 1024;
const KiB = 1024;
let cluster: DataCluster;

afterEach(async () => {
  await cluster?.stop();
});

async function put(store: ChunkStore, chunkId: string, version: number, data: Uint8Array): Promise<void> {
  const writer = await store.createWriter(chunkId, version);
  for (let offset = 0; offset < data.length; offset += MiB) await writer.write(data.subarray(offset, offset + MiB));
  await writer.commit();
}

/** [offset, length] pairs: within a block, across blocks, block-aligned, to and past the end, empty. */
function rangesFor(size: number): Array<[number, number]> {
  return [
    [0, size],
    [1, 70_000],
    [64 * KiB - 1, 2],
    [64 * KiB, 64 * KiB],
    [3 * 64 * KiB + 5, 2 * MiB + 3],
    [size - 10, 100],
    [size - 1, 1],
    [size, 10],
    [123, 0],
  ];
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (err: unknown) => err);
}

describe("remote ranged reads", () => {
  for (const kind of ["memory", "disk"] as const) {
    it(`serve exactly the bytes asked for, across blocks and up to the end (${kind} store)`, async () => {
      cluster = new DataCluster();
      const [client, server] = await cluster.addAll(["none", kind]);
      const data = patternBytes(3 * MiB + 1234, 11);
      await put(server!.store!, "00000000000000a1", 2, data);
      for (const [offset, length] of rangesFor(data.length)) {
        const expected = data.subarray(offset, Math.min(data.length, offset + length));
        const bytes = await readChunkBytes(client!.host, server!.id, { chunkId: "00000000000000a1", version: 2, offsetBytes: offset, lengthBytes: length });
        expect(equalBytes(bytes, expected)).toBe(true);
        const streamed = await collect(readChunk(client!.host, server!.id, { chunkId: "00000000000000a1", version: 2, offsetBytes: offset, lengthBytes: length }));
        expect(equalBytes(streamed, expected)).toBe(true);
      }
      const read = await openChunkRead(client!.host, server!.id, { chunkId: "00000000000000a1", version: 2, offsetBytes: 100, lengthBytes: 10 * MiB });
      expect([read.sizeBytes, read.offsetBytes, read.lengthBytes]).toEqual([data.length, 100, data.length - 100]);
      read.cancel();
      expect(server!.service!.stats.read.bytesServed).toBeGreaterThan(2 * data.length);
    });
  }

  it("refuse with typed codes: not found, stale version, offset past the end", async () => {
    cluster = new DataCluster();
    const [client, server] = await cluster.addAll(["none", "memory"]);
    await put(server!.store!, "00000000000000b1", 5, patternBytes(100 * KiB, 12));
    const cases: Array<[string, number, number, string]> = [
      ["00000000000000b2", 1, 0, "CHUNK_NOT_FOUND"],
      ["00000000000000b1", 4, 0, "CHUNK_STALE"],
      ["00000000000000b1", 5, 100 * KiB + 1, "CHUNK_RANGE"],
    ];
    for (const [chunkId, version, offset, code] of cases) {
      const error = await errorOf(readChunkBytes(client!.host, server!.id, { chunkId, version, offsetBytes: offset, lengthBytes: 10 }));
      expect(error).toBeInstanceOf(ChunkReadError);
      expect((error as ChunkReadError).code).toBe(code);
      expect((error as ChunkReadError).peer).toBe(server!.id);
    }
    const gone = await cluster.add("memory");
    await cluster.crash(gone);
    const error = await errorOf(readChunkBytes(client!.host, gone.id, { chunkId: "00000000000000b1", version: 5, offsetBytes: 0, lengthBytes: 10 }));
    expect((error as ChunkReadError).code).toBe("PEER_UNREACHABLE");
  });

  it("a replica corrupt on its medium is caught by the reader, the one check per byte: ChunkChecksumError naming the block and the replica, no wrong byte out", async () => {
    cluster = new DataCluster();
    const [client, memory, disk] = await cluster.addAll(["none", "memory", "disk"]);
    const data = patternBytes(2 * MiB, 13);
    await put(memory!.store!, "00000000000000c1", 1, data);
    await put(disk!.store!, "00000000000000c1", 1, data);
    const badOffset = MiB + 5 * 64 * KiB + 17; // block 21
    memory!.volume!.corruptByte("00000000000000c1", 1, badOffset);
    const path = disk!.store!.localPath("00000000000000c1", 1)!;
    const bytes = readFileSync(path);
    bytes[badOffset] ^= 0xff;
    writeFileSync(path, bytes);
    for (const server of [memory!, disk!]) {
      const received: Uint8Array[] = [];
      const error = await errorOf(
        (async () => {
          for await (const piece of readChunk(client!.host, server.id, { chunkId: "00000000000000c1", version: 1, offsetBytes: 0, lengthBytes: data.length })) received.push(piece);
        })(),
      );
      expect(error).toBeInstanceOf(ChunkChecksumError);
      // The server sends blocks unchecked (read-protocol.ts); the reader checks each one.
      expect((error as ChunkChecksumError).detectedBy).toBe("reader");
      expect((error as ChunkChecksumError).peer).toBe(server.id);
      expect((error as ChunkChecksumError).blockIndex).toBe(21);
      const prefix = Buffer.concat(received);
      expect(prefix.length).toBeLessThanOrEqual(badOffset);
      expect(equalBytes(prefix, data.subarray(0, prefix.length))).toBe(true);
      expect(server.service!.stats.read.checksumErrors).toBe(0);
      // The store's own reads still check (local reads, re-replication's source).
      await expect(collect(server.store!.createReadStream("00000000000000c1", 1))).rejects.toMatchObject({ code: "CHUNK_CORRUPT", blockIndex: 21 });
      // A range clear of the bad block still reads.
      expect(equalBytes(await readChunkBytes(client!.host, server.id, { chunkId: "00000000000000c1", version: 1, offsetBytes: 0, lengthBytes: MiB }), data.subarray(0, MiB))).toBe(true);
    }
  });

  it("bytes damaged after the server read them are caught by the reader (end to end)", async () => {
    cluster = new DataCluster();
    const [client] = await cluster.addAll(["none"]);
    // A store that damages what it hands out after verifying it: memory or wire corruption
    // past the server's own check.
    const server = await cluster.add("memory", (store) => ({
      ...bindAll(store),
      async *createReadStream(id, version, offset, length) {
        for await (const piece of store.createReadStream(id, version, offset, length)) {
          const copy = piece.slice();
          if (copy.length > 200_000) copy[200_000] ^= 0x40;
          yield copy;
        }
      },
    }));
    const data = patternBytes(3 * MiB, 14);
    await put(server.store!, "00000000000000d1", 1, data);
    const received: Uint8Array[] = [];
    const error = await errorOf(
      (async () => {
        for await (const piece of readChunk(client!.host, server.id, { chunkId: "00000000000000d1", version: 1, offsetBytes: 1000, lengthBytes: data.length })) received.push(piece);
      })(),
    );
    expect(error).toBeInstanceOf(ChunkChecksumError);
    expect((error as ChunkChecksumError).detectedBy).toBe("reader");
    expect((error as ChunkChecksumError).blockIndex).toBe(3); // byte 200,000 of the first piece
    expect(Buffer.concat(received).length).toBe(0); // the whole first piece was held back
  });

  it("an oversized request is refused with a typed code and the server keeps serving", async () => {
    cluster = new DataCluster();
    const [client, server] = await cluster.addAll(["none", "memory"]);
    const stream = await client!.host.dialProtocol(peerIdFromString(server!.id), CHUNK_READ_PROTOCOL);
    const reader = new FrameReader(stream);
    stream.send(encodeFrameLength(DATA_CONTROL_FRAME_BYTES_MAX + 1));
    const response = await reader.readFrame(ReadResponse, READ_RESPONSE_FRAME_BYTES_MAX, 10_000);
    expect(response.errorCode).toBe("PROTOCOL");
    const data = patternBytes(100 * KiB, 15);
    await put(server!.store!, "00000000000000e1", 1, data);
    expect(equalBytes(await readChunkBytes(client!.host, server!.id, { chunkId: "00000000000000e1", version: 1, offsetBytes: 0, lengthBytes: data.length }), data)).toBe(true);
  });

  it("a slow reader pauses the stream instead of buffering the chunk, and still gets every byte", async () => {
    cluster = new DataCluster();
    const [client, server] = await cluster.addAll(["none", "memory"]);
    const data = patternBytes(40 * MiB, 16);
    await put(server!.store!, "00000000000000f1", 1, data);
    const parts: Uint8Array[] = [];
    let first = true;
    for await (const piece of readChunk(client!.host, server!.id, { chunkId: "00000000000000f1", version: 1, offsetBytes: 0, lengthBytes: data.length })) {
      parts.push(piece);
      if (first) {
        first = false;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        // The server is held back by the paused stream: far from everything has been sent.
        expect(server!.service!.stats.read.bytesServed).toBeLessThan(32 * MiB);
      }
    }
    expect(equalBytes(Buffer.concat(parts), data)).toBe(true);
  });
});

describe("local reads", () => {
  for (const kind of ["memory", "disk"] as const) {
    it(`read ranges from the local ${kind} store, verified`, async () => {
      cluster = new DataCluster();
      const [node] = await cluster.addAll([kind]);
      const data = patternBytes(9 * MiB + 77, 17);
      await put(node!.store!, "0000000000000101", 1, data);
      for (const [offset, length] of rangesFor(data.length)) {
        const expected = data.subarray(offset, Math.min(data.length, offset + length));
        expect(equalBytes(await collect(readChunkLocal(node!.store!, { chunkId: "0000000000000101", version: 1, offsetBytes: offset, lengthBytes: length })), expected)).toBe(true);
      }
      expect(equalBytes(await readChunkLocalBytes(node!.store!, { chunkId: "0000000000000101", version: 1, offsetBytes: 5, lengthBytes: MiB }), data.subarray(5, 5 + MiB))).toBe(true);
      const viaService = await node!.service!.openRead(node!.id, { chunkId: "0000000000000101", version: 1, offsetBytes: 0, lengthBytes: data.length });
      expect(equalBytes(await collect(viaService), data)).toBe(true);
      const error = await errorOf(readChunkLocalBytes(node!.store!, { chunkId: "0000000000000101", version: 2, offsetBytes: 0, lengthBytes: 1 }));
      expect((error as ChunkReadError).code).toBe("CHUNK_STALE");
    });
  }

  it("a corrupt local file is caught by the reader, with no wrong byte out", async () => {
    cluster = new DataCluster();
    const [node] = await cluster.addAll(["disk"]);
    const data = patternBytes(10 * MiB, 18);
    await put(node!.store!, "0000000000000201", 1, data);
    const badOffset = 6 * MiB + 3;
    const path = node!.store!.localPath("0000000000000201", 1)!;
    const bytes = readFileSync(path);
    bytes[badOffset] ^= 0x01;
    writeFileSync(path, bytes);
    const received: Uint8Array[] = [];
    const error = await errorOf(
      (async () => {
        for await (const piece of readChunkLocal(node!.store!, { chunkId: "0000000000000201", version: 1, offsetBytes: 0, lengthBytes: data.length })) received.push(piece);
      })(),
    );
    expect(error).toBeInstanceOf(ChunkChecksumError);
    expect((error as ChunkChecksumError).blockIndex).toBe(96);
    const prefix = Buffer.concat(received);
    expect(prefix.length).toBeLessThanOrEqual(badOffset);
    expect(equalBytes(prefix, data.subarray(0, prefix.length))).toBe(true);
  });
});

/** The store's methods bound to it, so a test can override one and keep the rest. */
function bindAll(store: ChunkStore): ChunkStore {
  const bound: Partial<Record<keyof ChunkStore, unknown>> = {};
  for (const key of ["createWriter", "read", "createReadStream", "readBlockChecksums", "stat", "list", "delete", "verify", "usage", "capacity", "localPath", "close"] as const) {
    bound[key] = (store[key] as (...args: unknown[]) => unknown).bind(store);
  }
  return bound as ChunkStore;
}

export type { DataNode };

describe("the reader's block check (SpanVerifier)", () => {
  const BLOCK = 64 * KiB;
  const crcsOf = (span: Uint8Array) => Uint32Array.from({ length: Math.ceil(span.length / BLOCK) }, (_, i) => Bun.hash.crc32(span.subarray(i * BLOCK, (i + 1) * BLOCK)) >>> 0);
  /** Feeds `span` (blocks from firstBlock 2 on) in pieces of the given sizes; returns the bytes passed on. */
  const feed = (span: Uint8Array, crcs: Uint32Array, sizes: number[], rangeStart: number, rangeEnd: number): Uint8Array => {
    const spanStart = 2 * BLOCK;
    const verifier = new SpanVerifier("00000000000000e1", 1, "peer", crcs, 2, spanStart, spanStart + span.length, rangeStart, rangeEnd);
    const out: Uint8Array[] = [];
    let at = 0;
    for (let i = 0; at < span.length; i++) {
      const size = Math.min(sizes[i % sizes.length]!, span.length - at);
      verifier.push(span.subarray(at, at + size), out);
      at += size;
    }
    verifier.finish();
    return Buffer.concat(out);
  };

  it("passes on exactly the range, whatever the pieces' sizes, with blocks split across pieces", () => {
    const span = patternBytes(5 * BLOCK + 1234, 41); // the chunk's last block is short
    const crcs = crcsOf(span);
    const spanStart = 2 * BLOCK;
    for (const sizes of [[span.length], [1], [BLOCK], [BLOCK - 1], [70_000, 3, 200_000], [17, BLOCK + 5, 9]]) {
      for (const [from, to] of [[spanStart, spanStart + span.length], [spanStart + 100, spanStart + 3 * BLOCK + 7], [spanStart + 5 * BLOCK + 1, spanStart + span.length]] as const) {
        const got = feed(span, crcs, sizes, from, to);
        expect(equalBytes(got, span.subarray(from - spanStart, to - spanStart))).toBe(true);
      }
    }
  });

  it("a flipped byte in a block split across pieces fails that block, and nothing of it is passed on", () => {
    const span = patternBytes(4 * BLOCK, 42);
    const crcs = crcsOf(span);
    const bad = span.slice();
    bad[2 * BLOCK + 10]! ^= 0x04; // block 2 of the span, block 4 of the chunk
    const verifier = new SpanVerifier("00000000000000e1", 1, "peer", crcs, 2, 2 * BLOCK, 6 * BLOCK, 2 * BLOCK, 6 * BLOCK);
    const out: Uint8Array[] = [];
    verifier.push(bad.subarray(0, 2 * BLOCK + 5), out); // blocks 0, 1 whole, 5 bytes of block 2
    expect(out.reduce((sum, piece) => sum + piece.length, 0)).toBe(2 * BLOCK);
    out.length = 0;
    let error: unknown;
    try {
      verifier.push(bad.subarray(2 * BLOCK + 5), out);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ChunkChecksumError);
    expect((error as ChunkChecksumError).blockIndex).toBe(4);
    expect(out).toHaveLength(0);
  });
});
