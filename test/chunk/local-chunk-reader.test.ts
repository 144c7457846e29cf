// The short-circuit reader (HDFS short-circuit local reads): a chunk version's files read
// directly, every block checked against its CRC; damage, a missing file and a deletion while
// open behave as local-chunk-reader.ts says.
import { describe, it, expect } from "vitest";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DiskChunkStore } from "../../src/chunk/store/disk-store.ts";
import { LocalChunkReader, type LocalChunkLocation } from "../../src/chunk/store/local-chunk-reader.ts";
import { ChunkCorruptError, ChunkNotFoundError, ChunkRangeError } from "../../src/chunk/store/errors.ts";
import { createLogger } from "../../src/util/log.ts";
import { tempDir } from "../support/temp.ts";
import { collect, equalBytes, patternBytes } from "./pipeline-harness.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES } from "../../src/protocol/limits.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const BLOCK = CHUNK_CHECKSUM_BLOCK_BYTES;
const ID = "00000000000000c1";

/** A disk store holding ID version 3 with `data`, and the location of its files. */
async function withChunk(data: Uint8Array, body: (location: LocalChunkLocation, store: DiskChunkStore) => Promise<void>): Promise<void> {
  const dir = tempDir("local-reader");
  const store = await DiskChunkStore.open(join(dir.path, "chunks"), { logger: createLogger("local-reader-test") });
  try {
    const writer = await store.createWriter(ID, 3);
    for (let offset = 0; offset < data.length; offset += MiB) await writer.write(data.subarray(offset, offset + MiB));
    await writer.commit();
    const dataPath = store.localPath(ID, 3);
    await body({ chunkId: ID, version: 3, dataPath, sidecarPath: dataPath.replace(/\.chunk$/, ".meta") }, store);
  } finally {
    await store.close();
    dir.remove();
  }
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (err: unknown) => err);
}

describe("the local chunk reader", () => {
  it("reads exactly the range asked for, within a block, across blocks, to and past the end", async () => {
    const data = patternBytes(3 * MiB + 1234, 21);
    await withChunk(data, async (location, store) => {
      // From the sidecar on disk, and from CRCs handed over (the store's cache), alike.
      const fromSidecar = await LocalChunkReader.open(location);
      const fromCache = await LocalChunkReader.open({ chunkId: ID, version: 3, dataPath: location.dataPath, checksums: await store.readBlockChecksums(ID, 3) });
      try {
        expect(fromSidecar.sizeBytes).toBe(data.length);
        const ranges: Array<[number, number]> = [[0, data.length], [1, 70_000], [BLOCK - 1, 2], [BLOCK, BLOCK], [3 * BLOCK + 5, 2 * MiB + 3], [data.length - 10, 100], [data.length, 10], [123, 0]];
        for (const [offset, length] of ranges) {
          const expected = data.subarray(offset, Math.min(data.length, offset + length));
          expect(equalBytes(await fromSidecar.read(offset, length), expected)).toBe(true);
          expect(equalBytes(await fromCache.read(offset, length), expected)).toBe(true);
          expect(equalBytes(await collect(fromSidecar.pieces(offset, length, 512 * KiB, 3)), expected)).toBe(true);
        }
        expect(await errorOf(fromSidecar.read(data.length + 1, 1))).toBeInstanceOf(ChunkRangeError);
      } finally {
        await fromSidecar.close();
        await fromCache.close();
      }
    });
  });

  it("a flipped byte in the data file fails the read of its block with a checksum error; other blocks still read", async () => {
    const data = patternBytes(2 * MiB, 22);
    await withChunk(data, async (location) => {
      const bytes = new Uint8Array(readFileSync(location.dataPath));
      bytes[5 * BLOCK + 17]! ^= 0x01;
      writeFileSync(location.dataPath, bytes);
      const reader = await LocalChunkReader.open(location);
      try {
        const error = await errorOf(reader.read(4 * BLOCK, 2 * BLOCK));
        expect(error).toBeInstanceOf(ChunkCorruptError);
        expect((error as ChunkCorruptError).blockIndex).toBe(5);
        expect((error as Error).message).toContain("checksum mismatch");
        expect(await errorOf(collect(reader.pieces(0, data.length, 512 * KiB, 4)))).toBeInstanceOf(ChunkCorruptError);
        expect(equalBytes(await reader.read(0, 5 * BLOCK), data.subarray(0, 5 * BLOCK))).toBe(true);
      } finally {
        await reader.close();
      }
    });
  });

  it("a truncated data file is corrupt at open, not a short read", async () => {
    const data = patternBytes(MiB, 23);
    await withChunk(data, async (location) => {
      writeFileSync(location.dataPath, data.subarray(0, MiB - 100));
      const error = await errorOf(LocalChunkReader.open(location));
      expect(error).toBeInstanceOf(ChunkCorruptError);
      expect((error as Error).message).toContain(`data file holds ${MiB - 100} bytes`);
    });
  });

  it("a missing data file or sidecar is ChunkNotFoundError naming the chunk", async () => {
    const data = patternBytes(MiB, 24);
    await withChunk(data, async (location) => {
      rmSync(location.sidecarPath!);
      const noSidecar = await errorOf(LocalChunkReader.open(location));
      expect(noSidecar).toBeInstanceOf(ChunkNotFoundError);
      expect((noSidecar as Error).message).toBe(`chunk ${ID} version 3 is not held`);
      rmSync(location.dataPath);
      const noData = await errorOf(LocalChunkReader.open({ ...location, checksums: { blockBytes: BLOCK, sizeBytes: MiB, checksums: new Uint32Array(MiB / BLOCK) } }));
      expect(noData).toBeInstanceOf(ChunkNotFoundError);
      expect(await errorOf(LocalChunkReader.open({ chunkId: ID, version: 3, dataPath: location.dataPath }))).toBeInstanceOf(TypeError);
    });
  });

  it("a chunk deleted by the store while open reads on: the open descriptor keeps that version's bytes", async () => {
    const data = patternBytes(2 * MiB, 25);
    await withChunk(data, async (location, store) => {
      const reader = await LocalChunkReader.open(location);
      try {
        expect(await store.delete(ID, 3)).toBe(true);
        expect(() => readFileSync(location.dataPath)).toThrow();
        expect(equalBytes(await reader.read(0, data.length), data)).toBe(true);
      } finally {
        await reader.close();
      }
      expect(await errorOf(LocalChunkReader.open(location))).toBeInstanceOf(ChunkNotFoundError);
    });
  });
});
