// The data endpoint's bodies: a CREATE's body written a whole chunk at a time from two reused
// buffers (the peer's memory bound rests on it), and OPEN's range in buffersize slices.
import { describe, it, expect } from "vitest";
import { randomBytes } from "node:crypto";
import type { FileRangeReader } from "../../../src/client/fs.ts";
import { rangeStream, writeByChunks } from "../../../src/gateway/webhdfs/streams.ts";

async function* pieces(body: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < body.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield body.subarray(at, at + size);
    at += size;
  }
}

interface Written {
  bytes: Buffer;
  first: boolean;
  buffer: ArrayBufferLike;
}

async function written(body: Uint8Array, chunkBytes: number, sizes: number[], hint?: number): Promise<{ writes: Written[]; total: number; overlapMax: number }> {
  const writes: Written[] = [];
  let running = 0;
  let overlapMax = 0;
  const total = await writeByChunks(pieces(body, sizes), chunkBytes, hint, async (data, first) => {
    running += 1;
    overlapMax = Math.max(overlapMax, running);
    // Copied when the write is done with it, as a file writer is with its data when it resolves.
    await new Promise((resolve) => setTimeout(resolve, 1));
    writes.push({ bytes: Buffer.from(data), first, buffer: data.buffer });
    running -= 1;
  });
  return { writes, total, overlapMax };
}

describe("writeByChunks", () => {
  it("writes whole chunks in order, the first creating, however the body arrives", async () => {
    const body = randomBytes(10_000);
    for (const sizes of [[1], [7, 300], [1000], [4096], [10_000]]) {
      const { writes, total } = await written(body, 1024, sizes);
      expect(total).toBe(body.length);
      expect(writes.map((write) => write.bytes.length)).toEqual([...Array(9).fill(1024), 784]);
      expect(writes.map((write) => write.first)).toEqual([true, ...Array(9).fill(false)]);
      expect(Buffer.concat(writes.map((write) => write.bytes)).equals(body)).toBe(true);
    }
  });

  it("reuses two buffers, one chunk being written while the next fills", async () => {
    const body = randomBytes(64 * 1024);
    const { writes, overlapMax } = await written(body, 4096, [1000], 64 * 1024);
    expect(writes).toHaveLength(16);
    expect(new Set(writes.map((write) => write.buffer)).size).toBe(2);
    expect(overlapMax).toBe(1);
  });

  it("an empty body is one write of nothing (the empty file); a body of whole chunks ends on a whole one", async () => {
    const empty = await written(new Uint8Array(0), 1024, [1]);
    expect(empty.writes.map((write) => [write.bytes.length, write.first])).toEqual([[0, true]]);
    const whole = await written(randomBytes(2048), 1024, [512]);
    expect(whole.writes.map((write) => write.bytes.length)).toEqual([1024, 1024]);
  });

  it("a failed write fails the whole", async () => {
    const failing = writeByChunks(pieces(randomBytes(5000), [100]), 1024, undefined, async (_data, first) => {
      if (!first) throw new Error("the pipeline broke");
    });
    await expect(failing).rejects.toThrow("the pipeline broke");
  });
});

describe("rangeStream", () => {
  it("serves [start, start + length) in slices of the buffer size", async () => {
    const file = randomBytes(10 * 1024 * 1024 + 123);
    const reader: FileRangeReader = {
      path: "/f",
      sizeBytes: file.length,
      read: async (offset, length) => file.subarray(offset, offset + length),
      counters: { localBytes: 0, remoteBytes: 0 },
      localChunks: async () => [],
    };
    const slices: Uint8Array[] = [];
    for await (const slice of rangeStream(reader, 1000, 9 * 1024 * 1024, 64 * 1024, () => undefined)) slices.push(slice);
    expect(Buffer.concat(slices).equals(file.subarray(1000, 1000 + 9 * 1024 * 1024))).toBe(true);
    expect(Math.max(...slices.map((slice) => slice.length))).toBe(64 * 1024);
  });
});
