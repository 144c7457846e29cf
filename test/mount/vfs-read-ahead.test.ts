// The mount's read-ahead (src/mount/vfs/read-ahead.ts): a handle reading on sequentially is
// served from whole blocks fetched ahead, within its bound and the mount's budget; random
// reads go straight through; a block that fails is asked again, not failed forever.
import { describe, expect, it } from "vitest";
import type { FileRangeReader } from "../../src/client/fs.ts";
import { READ_AHEAD_BLOCK_BYTES, READ_AHEAD_BLOCKS, ReadAheadBudget, ReadAheadReader } from "../../src/mount/vfs/read-ahead.ts";

class CountingReader implements FileRangeReader {
  readonly path = "/f";
  readonly counters = { localBytes: 0, remoteBytes: 0 };
  readonly reads: Array<{ offsetBytes: number; lengthBytes: number }> = [];
  failNext = 0;
  constructor(private readonly data: Uint8Array) {}
  get sizeBytes(): number {
    return this.data.length;
  }
  async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    this.reads.push({ offsetBytes, lengthBytes });
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error("a replica went away");
    }
    return this.data.slice(offsetBytes, offsetBytes + lengthBytes);
  }
  async localChunks() {
    return [];
  }
}

function fileOf(sizeBytes: number): Uint8Array {
  const data = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) data[i] = (i * 7 + (i >> 12)) & 0xff;
  return data;
}

const PIECE = 128 * 1024;

describe("ReadAheadReader", () => {
  it("serves a sequential reader from blocks fetched ahead, holding at most the window", async () => {
    const data = fileOf(10 * READ_AHEAD_BLOCK_BYTES + 777);
    const source = new CountingReader(data);
    const reader = new ReadAheadReader(source, new ReadAheadBudget());
    let maxHeld = 0;
    for (let offset = 0; offset < data.length; offset += PIECE) {
      const piece = await reader.read(offset, PIECE);
      expect(Buffer.compare(piece, data.subarray(offset, offset + PIECE))).toBe(0);
      maxHeld = Math.max(maxHeld, reader.heldBytes);
    }
    // The first read goes straight (one read is not a stream yet); then whole blocks, each asked once.
    const blockReads = source.reads.filter((read) => read.lengthBytes > PIECE);
    expect(new Set(blockReads.map((read) => read.offsetBytes)).size).toBe(blockReads.length);
    expect(source.reads.length).toBe(1 + 11);
    expect(maxHeld).toBeLessThanOrEqual((READ_AHEAD_BLOCKS + 2) * READ_AHEAD_BLOCK_BYTES);
    reader.close();
    expect(reader.heldBytes).toBe(0);
  });

  it("reads at random straight from the reader, one read each, holding nothing", async () => {
    const data = fileOf(4 * READ_AHEAD_BLOCK_BYTES);
    const source = new CountingReader(data);
    const reader = new ReadAheadReader(source, new ReadAheadBudget());
    const offsets = [3 * READ_AHEAD_BLOCK_BYTES, 4096, 2 * READ_AHEAD_BLOCK_BYTES + 5, 10 * 4096];
    for (const offset of offsets) {
      const piece = await reader.read(offset, 4096);
      expect(Buffer.compare(piece, data.subarray(offset, offset + 4096))).toBe(0);
    }
    expect(source.reads.length).toBe(offsets.length);
    expect(reader.heldBytes).toBe(0);
    expect((await reader.read(data.length, 10)).length).toBe(0);
  });

  it("stays within the mount's budget: past it, reads go straight to the reader", async () => {
    const data = fileOf(8 * READ_AHEAD_BLOCK_BYTES);
    const budget = new ReadAheadBudget(READ_AHEAD_BLOCK_BYTES * 2);
    const readers = [new ReadAheadReader(new CountingReader(data), budget), new ReadAheadReader(new CountingReader(data), budget)];
    for (let offset = 0; offset < 3 * READ_AHEAD_BLOCK_BYTES; offset += PIECE) {
      for (const reader of readers) {
        const piece = await reader.read(offset, PIECE);
        expect(Buffer.compare(piece, data.subarray(offset, offset + PIECE))).toBe(0);
        expect(budget.usedBytes).toBeLessThanOrEqual(budget.maxBytes);
      }
    }
    for (const reader of readers) reader.close();
    expect(budget.usedBytes).toBe(0);
  });

  it("asks again for a block that failed, and hands the failure only to the read that waited on it", async () => {
    const data = fileOf(3 * READ_AHEAD_BLOCK_BYTES);
    const source = new CountingReader(data);
    const reader = new ReadAheadReader(source, new ReadAheadBudget());
    await reader.read(0, PIECE);
    // The second sequential read starts the blocks; the first of them fails once.
    source.failNext = 1;
    await expect(reader.read(PIECE, PIECE)).rejects.toThrow("a replica went away");
    const piece = await reader.read(2 * PIECE, PIECE);
    expect(Buffer.compare(piece, data.subarray(2 * PIECE, 3 * PIECE))).toBe(0);
    expect(source.reads.filter((read) => read.offsetBytes === 0 && read.lengthBytes === READ_AHEAD_BLOCK_BYTES).length).toBe(2);
  });
});
