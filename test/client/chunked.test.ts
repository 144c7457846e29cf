// How a stream is cut into chunks (client/file-writer.ts chunked): the same pieces whatever
// the stream's piece sizes, with or without the expected length, and right or wrong about it.
import { describe, it, expect } from "vitest";
import { chunkDataBytes, chunked } from "../../src/client/file-writer.ts";
import { pattern } from "../support/bytes.ts";

async function cut(data: Uint8Array, pieceBytes: number, chunkBytes: number, expectedSizeBytes?: number, segmentBytes?: number): Promise<Array<{ bytes: number[]; last: boolean }>> {
  async function* stream() {
    for (let at = 0; at < data.length; at += pieceBytes) yield data.slice(at, at + pieceBytes);
  }
  const out: Array<{ bytes: number[]; last: boolean }> = [];
  for await (const piece of chunked(stream(), chunkBytes, expectedSizeBytes, segmentBytes)) {
    const segments = piece.data instanceof Uint8Array ? [piece.data] : piece.data;
    // Segments are never empty, and never larger than asked.
    for (const segment of segments) {
      expect(segment.length).toBeGreaterThan(0);
      if (segmentBytes !== undefined) expect(segment.length).toBeLessThanOrEqual(segmentBytes);
    }
    expect(chunkDataBytes(piece.data)).toBe(segments.reduce((sum, segment) => sum + segment.length, 0));
    out.push({ bytes: segments.flatMap((segment) => [...segment]), last: piece.last });
  }
  return out;
}

describe("chunked", () => {
  it("cuts a stream into chunk-sized pieces, the last marked, the expected length changing nothing but the buffers", async () => {
    for (const sizeBytes of [1, 999, 1000, 1001, 3000, 3500]) {
      const data = pattern(sizeBytes, sizeBytes);
      const plain = await cut(data, 7, 1000);
      expect(plain.map((piece) => piece.bytes.length)).toEqual(Array.from({ length: Math.ceil(sizeBytes / 1000) }, (_, i) => Math.min(1000, sizeBytes - i * 1000)));
      expect(plain.map((piece) => piece.last)).toEqual(plain.map((_, i) => i === plain.length - 1));
      expect(plain.flatMap((piece) => piece.bytes)).toEqual([...data]);
      for (const expected of [sizeBytes, 1, sizeBytes + 5000, Math.max(0, sizeBytes - 10)]) {
        expect(await cut(data, 7, 1000, expected)).toEqual(plain);
        expect(await cut(data, 4096, 1000, expected)).toEqual(plain);
      }
      // Gathered in segments smaller than a chunk, aligned or not with the chunks and the pieces.
      for (const segmentBytes of [1, 64, 333, 500, 999, 1000]) {
        for (const expected of [undefined, sizeBytes, 1, sizeBytes + 5000]) {
          expect(await cut(data, 7, 1000, expected, segmentBytes)).toEqual(plain);
          expect(await cut(data, 4096, 1000, expected, segmentBytes)).toEqual(plain);
        }
      }
    }
  });
});
