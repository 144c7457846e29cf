// One compliance suite for every ChunkStore (STYLE.md §4): the disk store and its memory twin
// must answer the write pipeline, the read protocol, the scrubber and block reports alike.
import { describe, it, expect } from "vitest";
import { crc32 as zlibCrc32 } from "node:zlib";
import { READ_LENGTH_BYTES_MAX } from "../../src/chunk/store/constants.ts";
import {
  ChunkBusyError,
  ChunkCorruptError,
  ChunkExistsError,
  ChunkNotFoundError,
  ChunkRangeError,
  ChunkSizeMismatchError,
  ChunkTooLargeError,
  StaleChunkError,
} from "../../src/chunk/store/errors.ts";
import { checksumDigest } from "../../src/chunk/store/checksum.ts";
import type { ChunkEntry, ChunkStore } from "../../src/chunk/store/store.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES, CHUNK_SIZE_BYTES_MAX } from "../../src/protocol/limits.ts";
import { InvalidChunkIdError } from "../../src/protocol/errors.ts";

const BLOCK = CHUNK_CHECKSUM_BLOCK_BYTES;
/** Packets of an odd size, so packet edges never line up with block or buffer edges. */
const PACKET_BYTES = 65_000;

export interface StoreHarness {
  store: ChunkStore;
  /** Flips one byte of a committed chunk's data on its medium. */
  corruptByte(id: string, version: number, offsetBytes: number): Promise<void>;
  /** Damages a committed chunk's checksum list on its medium. */
  corruptChecksums(id: string, version: number): Promise<void>;
  /**
   * A restart after a crash: a new store over the same medium, the old one abandoned without
   * close() (its writers never committed nor aborted).
   */
  reopen(): Promise<ChunkStore>;
  cleanup(): Promise<void>;
}

/** Deterministic, incompressible-looking bytes (xorshift32), different per seed. */
export function bytesOf(sizeBytes: number, seed = 1): Uint8Array {
  const words = new Uint32Array(Math.ceil(sizeBytes / 4));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, sizeBytes);
}

export const idOf = (n: number) => n.toString(16).padStart(16, "0");

export async function writeChunk(store: ChunkStore, id: string, version: number, data: Uint8Array, packetBytes = PACKET_BYTES) {
  const writer = await store.createWriter(id, version);
  for (let offset = 0; offset < data.length; offset += packetBytes) await writer.write(data.subarray(offset, offset + packetBytes));
  return writer.commit();
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of stream) pieces.push(piece.slice());
  return new Uint8Array(Buffer.concat(pieces));
}

async function listAll(store: ChunkStore): Promise<ChunkEntry[]> {
  const entries: ChunkEntry[] = [];
  for await (const entry of store.list()) entries.push(entry);
  return entries.sort((a, b) => (a.id < b.id ? -1 : 1));
}

function expectedChecksums(data: Uint8Array): number[] {
  const sums: number[] = [];
  for (let start = 0; start < data.length; start += BLOCK) sums.push(zlibCrc32(data.subarray(start, start + BLOCK)) >>> 0);
  return sums;
}

/** Bytes equality without vitest diffing megabytes element by element. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(Buffer.from(actual.buffer, actual.byteOffset, actual.length), Buffer.from(expected.buffer, expected.byteOffset, expected.length))).toBe(0);
}

export function chunkStoreSuite(name: string, make: () => Promise<StoreHarness>): void {
  const withStore = (title: string, body: (h: StoreHarness) => Promise<void>) =>
    it(title, async () => {
      const harness = await make();
      try {
        await body(harness);
      } finally {
        await harness.cleanup();
      }
    });

  describe(`ChunkStore compliance: ${name}`, () => {
    withStore("round-trips chunks of 0, 1, 64 KiB-1, 64 KiB, 64 KiB+1 and ~1 MiB+17 bytes with per-block CRC32", async ({ store }) => {
      const sizes = [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 1024 * 1024 + 17];
      for (const [i, size] of sizes.entries()) {
        const data = bytesOf(size, i + 1);
        const id = idOf(0xa000 + i);
        const info = await writeChunk(store, id, 1, data);
        expect(info).toMatchObject({ id, version: 1, sizeBytes: size, blockCount: Math.ceil(size / BLOCK) });
        expectSameBytes(await store.read(id, 1, 0, size), data);
        expectSameBytes(await collect(store.createReadStream(id, 1)), data);
        const sums = await store.readBlockChecksums(id, 1);
        expect(sums.blockBytes).toBe(BLOCK);
        expect(sums.sizeBytes).toBe(size);
        expect([...sums.checksums]).toEqual(expectedChecksums(data));
        expect(info.checksumDigest).toBe(checksumDigest(sums.checksums));
        expect(store.stat(id)).toEqual({ id, version: 1, sizeBytes: size });
        expect(await store.verify(id, 1)).toEqual({ ok: true, sizeBytes: size });
      }
    });

    withStore("accepts packets of any size, including one write of the whole chunk and empty writes", async ({ store }) => {
      const data = bytesOf(3 * BLOCK + 5, 9);
      const writer = await store.createWriter(idOf(1), 1);
      await writer.write(new Uint8Array(0));
      await writer.write(data);
      expect(writer.writtenBytes).toBe(data.length);
      await writer.commit();
      expectSameBytes(await store.read(idOf(1), 1, 0, data.length), data);
      // Tiny packets (the last block ends mid-packet) for a smaller chunk, to keep this fast.
      const small = data.subarray(0, BLOCK + 5);
      await writeChunk(store, idOf(2), 1, small, 7);
      expectSameBytes(await store.read(idOf(2), 1, 0, small.length), small);
    });

    withStore("ranged reads across block boundaries return exactly the range, cut at the chunk's end", async ({ store }) => {
      const size = 1024 * 1024 + 17;
      const data = bytesOf(size, 7);
      const id = idOf(0xb1);
      await writeChunk(store, id, 3, data);
      const ranges: [number, number][] = [
        [0, 1],
        [BLOCK - 1, 2],
        [BLOCK - 10, BLOCK + 30],
        [BLOCK, BLOCK],
        [3 * BLOCK + 100, 5 * BLOCK],
        [size - 17, 17],
        [size - 5, 100],
        [size, 10],
        [12345, 0],
      ];
      for (const [offset, length] of ranges) {
        const expected = data.subarray(offset, Math.min(size, offset + length));
        expectSameBytes(await store.read(id, 3, offset, length), expected);
        expectSameBytes(await collect(store.createReadStream(id, 3, offset, length)), expected);
      }
      expectSameBytes(await collect(store.createReadStream(id, 3, BLOCK + 3)), data.subarray(BLOCK + 3));
    });

    withStore("rejects reads that start past the end or ask for more than one read may return", async ({ store }) => {
      const id = idOf(0xb2);
      await writeChunk(store, id, 1, bytesOf(100));
      await expect(store.read(id, 1, 101, 1)).rejects.toMatchObject({ code: "CHUNK_RANGE" });
      await expect(store.read(id, 1, 0, READ_LENGTH_BYTES_MAX + 1)).rejects.toBeInstanceOf(ChunkRangeError);
      await expect(store.read(id, 1, -1, 1)).rejects.toBeInstanceOf(ChunkRangeError);
      await expect(store.read(id, 1, 0.5, 1)).rejects.toBeInstanceOf(ChunkRangeError);
      await expect(collect(store.createReadStream(id, 1, 101))).rejects.toBeInstanceOf(ChunkRangeError);
    });

    withStore("a flipped byte fails the read of its block with ChunkCorruptError naming it, and verify() reports it", async (h) => {
      const data = bytesOf(8 * BLOCK + 300, 3);
      const id = idOf(0xc1);
      await writeChunk(h.store, id, 2, data);
      await h.corruptByte(id, 2, 5 * BLOCK + 77);
      const failure = await h.store.read(id, 2, 5 * BLOCK - 10, 20).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ChunkCorruptError);
      expect(failure).toMatchObject({ name: "ChunkCorruptError", code: "CHUNK_CORRUPT", blockIndex: 5, chunkId: id, version: 2 });
      // Other blocks still read: one bad block does not condemn the whole replica's bytes.
      expectSameBytes(await h.store.read(id, 2, 0, 5 * BLOCK), data.subarray(0, 5 * BLOCK));
      expectSameBytes(await h.store.read(id, 2, 6 * BLOCK, 3 * BLOCK), data.subarray(6 * BLOCK));
      await expect(collect(h.store.createReadStream(id, 2))).rejects.toMatchObject({ code: "CHUNK_CORRUPT", blockIndex: 5 });
      expect(await h.store.verify(id, 2)).toMatchObject({ ok: false, blockIndex: 5 });
    });

    withStore("a damaged checksum list fails reads with ChunkCorruptError and no block, and verify() reports it", async (h) => {
      const id = idOf(0xc2);
      await writeChunk(h.store, id, 1, bytesOf(2 * BLOCK));
      await h.corruptChecksums(id, 1);
      expect(await h.store.verify(id, 1)).toMatchObject({ ok: false, blockIndex: undefined });
      const reopened = await h.reopen();
      await expect(reopened.read(id, 1, 0, 10)).rejects.toMatchObject({ code: "CHUNK_CORRUPT", blockIndex: undefined });
      await expect(reopened.readBlockChecksums(id, 1)).rejects.toBeInstanceOf(ChunkCorruptError);
    });

    withStore("answers ChunkNotFoundError for an absent chunk and StaleChunkError for another version", async ({ store }) => {
      const id = idOf(0xd1);
      await expect(store.read(id, 1, 0, 1)).rejects.toMatchObject({ name: "ChunkNotFoundError", code: "CHUNK_NOT_FOUND" });
      await expect(store.verify(id, 1)).rejects.toBeInstanceOf(ChunkNotFoundError);
      await expect(store.readBlockChecksums(id, 1)).rejects.toBeInstanceOf(ChunkNotFoundError);
      expect(() => store.localPath(id, 1)).toThrow(ChunkNotFoundError);
      expect(store.stat(id)).toBeUndefined();
      await writeChunk(store, id, 4, bytesOf(10));
      for (const version of [3, 5]) {
        await expect(store.read(id, version, 0, 1)).rejects.toMatchObject({ name: "StaleChunkError", code: "CHUNK_STALE", heldVersion: 4 });
        await expect(collect(store.createReadStream(id, version))).rejects.toBeInstanceOf(StaleChunkError);
        await expect(store.verify(id, version)).rejects.toBeInstanceOf(StaleChunkError);
        expect(() => store.localPath(id, version)).toThrow(StaleChunkError);
      }
    });

    withStore("refuses a second writer of a held version, an older version, or a busy id", async ({ store }) => {
      const id = idOf(0xe1);
      await writeChunk(store, id, 2, bytesOf(10));
      await expect(store.createWriter(id, 2)).rejects.toMatchObject({ name: "ChunkExistsError", code: "CHUNK_EXISTS" });
      await expect(store.createWriter(id, 1)).rejects.toBeInstanceOf(StaleChunkError);
      const first = await store.createWriter(id, 3);
      await expect(store.createWriter(id, 3)).rejects.toMatchObject({ name: "ChunkBusyError", code: "CHUNK_BUSY" });
      await expect(store.createWriter(id, 4)).rejects.toBeInstanceOf(ChunkBusyError);
      // Other ids are not held up by it.
      await writeChunk(store, idOf(0xe2), 1, bytesOf(5));
      await first.write(bytesOf(3));
      await first.abort();
      await first.abort();
      const second = await store.createWriter(id, 3);
      await second.write(bytesOf(20, 5));
      await second.commit();
      expectSameBytes(await store.read(id, 3, 0, 100), bytesOf(20, 5));
    });

    withStore("committing a higher version replaces the older one", async ({ store }) => {
      const id = idOf(0xf1);
      await writeChunk(store, id, 1, bytesOf(3 * BLOCK, 1));
      const v2 = bytesOf(BLOCK + 9, 2);
      const writer = await store.createWriter(id, 2);
      await writer.write(v2);
      // Until the commit, readers see the old version.
      expect(store.stat(id)?.version).toBe(1);
      expectSameBytes(await store.read(id, 1, 0, 10), bytesOf(3 * BLOCK, 1).subarray(0, 10));
      await writer.commit();
      expect(store.stat(id)).toEqual({ id, version: 2, sizeBytes: v2.length });
      expectSameBytes(await store.read(id, 2, 0, v2.length), v2);
      await expect(store.read(id, 1, 0, 1)).rejects.toBeInstanceOf(StaleChunkError);
      expect(store.usage()).toEqual({ chunkCount: 1, usedBytes: v2.length });
      expect(await listAll(store)).toEqual([{ id, version: 2, sizeBytes: v2.length }]);
    });

    withStore("bounds the chunk size: CHUNK_SIZE_BYTES_MAX and expectedSizeBytes", async ({ store }) => {
      const id = idOf(0x51);
      await expect(store.createWriter(id, 1, { expectedSizeBytes: CHUNK_SIZE_BYTES_MAX + 1 })).rejects.toMatchObject({ name: "ChunkTooLargeError", code: "CHUNK_TOO_LARGE" });
      const atLimit = await store.createWriter(id, 1, { expectedSizeBytes: CHUNK_SIZE_BYTES_MAX });
      await atLimit.abort();

      const writer = await store.createWriter(id, 1, { expectedSizeBytes: BLOCK + 1 });
      await writer.write(bytesOf(BLOCK));
      await expect(writer.write(bytesOf(2))).rejects.toBeInstanceOf(ChunkTooLargeError);
      // The rejected write wrote nothing: the writer can still finish at the promised size.
      expect(writer.writtenBytes).toBe(BLOCK);
      await writer.write(bytesOf(1));
      await writer.commit();
      expect(store.stat(id)?.sizeBytes).toBe(BLOCK + 1);

      const short = await store.createWriter(idOf(0x52), 1, { expectedSizeBytes: 10 });
      await short.write(bytesOf(9));
      await expect(short.commit()).rejects.toMatchObject({ name: "ChunkSizeMismatchError", code: "CHUNK_SIZE_MISMATCH" });
      expect(store.stat(idOf(0x52))).toBeUndefined();
      // A failed commit ended the writer and freed the id.
      await writeChunk(store, idOf(0x52), 1, bytesOf(10));
      const over = await store.createWriter(idOf(0x53), 1, { expectedSizeBytes: 10 });
      await over.write(bytesOf(10));
      await expect(over.write(bytesOf(1))).rejects.toBeInstanceOf(ChunkTooLargeError);
      await expect(over.commit()).resolves.toMatchObject({ sizeBytes: 10 });
      await expect(short.commit()).rejects.toThrow();
      expect(new ChunkSizeMismatchError(idOf(1), 2, 1).code).toBe("CHUNK_SIZE_MISMATCH");
    });

    withStore("rejects bad chunk ids and versions with INVALID_CHUNK_ID before touching anything", async ({ store }) => {
      const badIds: unknown[] = ["../x", "a/b", "../../../../etc/pa", "00000000\u000000000000", "0123456789abcdef0", "0123456789ABCDEF", "0123456789abcde", "", "0123456789abcdeg", " 0123456789abcdef", "0123456789abcdef\n", 42, undefined];
      for (const id of badIds) {
        const asId = id as string;
        await expect(store.createWriter(asId, 1)).rejects.toMatchObject({ name: "InvalidChunkIdError", code: "INVALID_CHUNK_ID" });
        await expect(store.read(asId, 1, 0, 1)).rejects.toBeInstanceOf(InvalidChunkIdError);
        await expect(collect(store.createReadStream(asId, 1))).rejects.toBeInstanceOf(InvalidChunkIdError);
        await expect(store.readBlockChecksums(asId, 1)).rejects.toBeInstanceOf(InvalidChunkIdError);
        await expect(store.delete(asId)).rejects.toBeInstanceOf(InvalidChunkIdError);
        await expect(store.verify(asId, 1)).rejects.toBeInstanceOf(InvalidChunkIdError);
        expect(() => store.stat(asId)).toThrow(InvalidChunkIdError);
        expect(() => store.localPath(asId, 1)).toThrow(InvalidChunkIdError);
      }
      for (const version of [-1, 1.5, Number.NaN, 2 ** 53, "1" as unknown as number]) {
        await expect(store.createWriter(idOf(1), version)).rejects.toBeInstanceOf(InvalidChunkIdError);
        await expect(store.read(idOf(1), version, 0, 1)).rejects.toBeInstanceOf(InvalidChunkIdError);
        await expect(store.delete(idOf(1), version)).rejects.toBeInstanceOf(InvalidChunkIdError);
      }
      expect(store.usage()).toEqual({ chunkCount: 0, usedBytes: 0 });
    });

    withStore("keeps usage() right across writes, replacements and deletes", async ({ store }) => {
      expect(store.usage()).toEqual({ chunkCount: 0, usedBytes: 0 });
      await writeChunk(store, idOf(1), 1, bytesOf(1000));
      await writeChunk(store, idOf(2), 1, bytesOf(BLOCK + 1));
      await writeChunk(store, idOf(3), 1, bytesOf(0));
      expect(store.usage()).toEqual({ chunkCount: 3, usedBytes: 1000 + BLOCK + 1 });
      await writeChunk(store, idOf(1), 2, bytesOf(10));
      expect(store.usage()).toEqual({ chunkCount: 3, usedBytes: 10 + BLOCK + 1 });
      expect(await store.delete(idOf(2), 7)).toBe(false);
      expect(await store.delete(idOf(2), 1)).toBe(true);
      expect(await store.delete(idOf(2))).toBe(false);
      expect(await store.delete(idOf(9))).toBe(false);
      expect(store.usage()).toEqual({ chunkCount: 2, usedBytes: 10 });
      expect(await store.delete(idOf(1))).toBe(true);
      expect(store.usage()).toEqual({ chunkCount: 1, usedBytes: 0 });
      await expect(store.read(idOf(1), 2, 0, 1)).rejects.toBeInstanceOf(ChunkNotFoundError);
      // A deleted id can be written again, at any version.
      await writeChunk(store, idOf(1), 1, bytesOf(5));
      expect(store.usage()).toEqual({ chunkCount: 2, usedBytes: 5 });
      const capacity = await store.capacity();
      expect(capacity.capacityBytes).toBeGreaterThan(0);
      expect(capacity.freeBytes).toBeGreaterThan(0);
      expect(capacity.freeBytes).toBeLessThanOrEqual(capacity.capacityBytes);
    });

    withStore("after a restart: committed chunks, list() and usage() are back; uncommitted writers left nothing", async (h) => {
      const kept = bytesOf(2 * BLOCK + 3, 11);
      await writeChunk(h.store, idOf(0x100), 5, kept);
      await writeChunk(h.store, idOf(0x200), 1, bytesOf(7));
      await writeChunk(h.store, idOf(0x200), 2, bytesOf(9));
      await writeChunk(h.store, idOf(0x300), 1, bytesOf(1));
      await h.store.delete(idOf(0x300));
      // A writer that will never commit (the crash comes first), one that aborted, and a
      // replacement that never committed.
      const abandoned = await h.store.createWriter(idOf(0x400), 1);
      await abandoned.write(bytesOf(3 * 1024 * 1024));
      const aborted = await h.store.createWriter(idOf(0x500), 1);
      await aborted.write(bytesOf(100));
      await aborted.abort();
      const replacement = await h.store.createWriter(idOf(0x100), 6);
      await replacement.write(bytesOf(BLOCK));

      const store = await h.reopen();
      expect(await listAll(store)).toEqual([
        { id: idOf(0x100), version: 5, sizeBytes: kept.length },
        { id: idOf(0x200), version: 2, sizeBytes: 9 },
      ]);
      expect(store.usage()).toEqual({ chunkCount: 2, usedBytes: kept.length + 9 });
      expect(store.stat(idOf(0x400))).toBeUndefined();
      expect(store.stat(idOf(0x500))).toBeUndefined();
      expectSameBytes(await store.read(idOf(0x100), 5, 0, kept.length), kept);
      expect(await store.verify(idOf(0x200), 2)).toEqual({ ok: true, sizeBytes: 9 });
      // The abandoned ids are free again in the new store.
      await writeChunk(store, idOf(0x400), 1, bytesOf(4));
      await writeChunk(store, idOf(0x100), 6, bytesOf(4));
      expect(store.usage()).toEqual({ chunkCount: 3, usedBytes: 4 + 9 + 4 });
      await abandoned.abort();
      await replacement.abort();
    });

    withStore("readBlockChecksums() hands out a copy the caller cannot use to damage the store", async ({ store }) => {
      const id = idOf(0x61);
      await writeChunk(store, id, 1, bytesOf(2 * BLOCK));
      const sums = await store.readBlockChecksums(id, 1);
      sums.checksums.fill(0);
      expect(await store.verify(id, 1)).toMatchObject({ ok: true });
      const bytes = await store.read(id, 1, 0, 10);
      bytes.fill(0);
      expectSameBytes(await store.read(id, 1, 0, 10), bytesOf(2 * BLOCK).subarray(0, 10));
    });

    withStore("close() aborts writers in progress", async (h) => {
      const writer = await h.store.createWriter(idOf(0x71), 1);
      await writer.write(bytesOf(10));
      await h.store.close();
      await expect(writer.commit()).rejects.toThrow();
      const store = await h.reopen();
      expect(store.stat(idOf(0x71))).toBeUndefined();
      expect(store.usage().chunkCount).toBe(0);
      await writeChunk(store, idOf(0x71), 1, bytesOf(3));
      await expect(store.createWriter(idOf(0x71), 1)).rejects.toBeInstanceOf(ChunkExistsError);
    });
  });
}
