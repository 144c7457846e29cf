// Lines of a split (DESIGN.md "MapReduce": records that cross a chunk boundary belong to the
// chunk where they start; Hadoop LineRecordReader semantics). The property checked: for any
// text and any chunk size, the lines of all splits, in split order, are exactly the file's
// lines with their byte offsets — none lost, none read twice.
import { describe, it, expect } from "vitest";
import { bytesRangeReader, linesOfSplit, type LineRecord, type RangeReader } from "../../src/compute/line-split.ts";
import { LineTooLongError } from "../../src/compute/errors.ts";
import { SPLIT_FIRST_READ_BYTES } from "../../src/compute/constants.ts";
import { Rng } from "../sim/prng.ts";

const encoder = new TextEncoder();

/** The file's lines, computed the obvious way over the whole file. */
function referenceLines(bytes: Uint8Array): LineRecord[] {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const out: LineRecord[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    const next = end < 0 ? bytes.length : end + 1;
    if (end < 0) end = bytes.length;
    const lineEnd = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    out.push({ offsetBytes: start, line: decoder.decode(bytes.subarray(start, lineEnd)) });
    start = next;
  }
  return out;
}

async function collect(reader: RangeReader, start: number, end: number, readAheadBytes?: number, maxLineBytes?: number): Promise<LineRecord[]> {
  const out: LineRecord[] = [];
  for await (const record of linesOfSplit(reader, start, end, { readAheadBytes, maxLineBytes })) out.push(record);
  return out;
}

async function linesOfAllSplits(bytes: Uint8Array, chunkBytes: number, readAheadBytes?: number, reader: RangeReader = bytesRangeReader(bytes)): Promise<LineRecord[]> {
  const out: LineRecord[] = [];
  for (let start = 0; start < bytes.length || start === 0; start += chunkBytes) {
    const end = Math.min(start + chunkBytes, bytes.length);
    const lines = await collect(reader, start, end, readAheadBytes);
    for (const line of lines) {
      // Each split emits only lines that start inside it or exactly at its end (Hadoop's rule).
      expect(line.offsetBytes).toBeGreaterThanOrEqual(start);
      if (end > start) expect(line.offsetBytes).toBeLessThanOrEqual(end);
    }
    out.push(...lines);
    if (bytes.length === 0) break;
  }
  return out;
}

const PIECES = ["", "a", "word", "héllo", "日本語", "😀", "\r", "x\ry", " ", "\t", "ü😀ü", "\uFEFF", "long-".repeat(9)];

function randomText(rng: Rng): Uint8Array {
  const parts: Uint8Array[] = [];
  const lines = rng.range(0, 25);
  for (let i = 0; i < lines; i++) {
    let line = "";
    const words = rng.range(0, 4);
    for (let w = 0; w < words; w++) line += rng.pick(PIECES);
    parts.push(encoder.encode(line));
    // Invalid UTF-8 now and then: decoded to U+FFFD the same way wherever the line is cut.
    if (rng.chance(0.05)) parts.push(new Uint8Array([0xff, 0xc3]));
    const last = i === lines - 1;
    if (!last || rng.chance(0.5)) parts.push(encoder.encode(rng.chance(0.3) ? "\r\n" : "\n"));
  }
  return Buffer.concat(parts);
}

describe("linesOfSplit", () => {
  it("reads every line exactly once, with its byte offset, across splits of any size (random texts)", async () => {
    const rng = new Rng(20240611);
    for (let round = 0; round < 150; round++) {
      const bytes = randomText(rng);
      const expected = referenceLines(bytes);
      const chunkSizes = new Set([1, 2, 3, 5, 7, 16, 61, Math.max(1, bytes.length - 1), Math.max(1, bytes.length), bytes.length + 1]);
      for (const chunkBytes of chunkSizes) {
        const readAheadBytes = rng.pick([1, 2, 7, 64, 4096]);
        const got = await linesOfAllSplits(bytes, chunkBytes, readAheadBytes);
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          throw new Error(`round=${round} chunkBytes=${chunkBytes} readAheadBytes=${readAheadBytes}: ${JSON.stringify(got)} != ${JSON.stringify(expected)}`);
        }
      }
    }
  });

  it("gives a line that starts exactly at a split's boundary to the earlier split, as Hadoop's LineRecordReader does", async () => {
    const bytes = encoder.encode("ab\ncd\nef");
    const reader = bytesRangeReader(bytes);
    expect(await collect(reader, 0, 3)).toEqual([
      { offsetBytes: 0, line: "ab" },
      { offsetBytes: 3, line: "cd" },
    ]);
    expect(await collect(reader, 3, 6)).toEqual([{ offsetBytes: 6, line: "ef" }]);
    expect(await collect(reader, 6, 8)).toEqual([]);
    // A split that starts mid-line skips the rest of it.
    expect(await collect(reader, 1, 4)).toEqual([{ offsetBytes: 3, line: "cd" }]);
    // A line is finished past the split's end.
    expect(await collect(reader, 0, 4)).toEqual([
      { offsetBytes: 0, line: "ab" },
      { offsetBytes: 3, line: "cd" },
    ]);
  });

  it("never reads before its start, and asks for the bytes past its end before the first line is mapped", async () => {
    // Why: the byte before a split is the previous chunk's last, nearly always on another peer;
    // the bytes past the end finish the last line, and asking for them late adds a round trip.
    const bytes = encoder.encode("one line\nanother line\na third line that crosses\nlast\n");
    const inner = bytesRangeReader(bytes);
    const start = 12;
    const end = 30;
    const reads: number[] = [];
    const reader: RangeReader = {
      sizeBytes: bytes.length,
      read: (offset, length) => {
        if (offset < start) throw new Error(`read at ${offset}, before the split's start ${start}`);
        reads.push(offset);
        return inner.read(offset, length);
      },
    };
    const lines = linesOfSplit(reader, start, end, { readAheadBytes: 8 });
    const first = await lines.next();
    expect(first.value).toEqual({ offsetBytes: 22, line: "a third line that crosses" });
    expect(reads.slice(0, 2)).toEqual([start, end]);
    const rest: LineRecord[] = [];
    for await (const line of lines) rest.push(line);
    expect(rest).toEqual([]);
  });

  it("reads a line longer than a chunk once, in the split where it starts, and splits inside it read nothing", async () => {
    const long = "x".repeat(1000);
    const bytes = encoder.encode(`a\n${long}\nb\n`);
    const reader = bytesRangeReader(bytes);
    expect(await collect(reader, 0, 100, 64)).toEqual([
      { offsetBytes: 0, line: "a" },
      { offsetBytes: 2, line: long },
    ]);
    for (let start = 100; start < 1000; start += 100) expect(await collect(reader, start, start + 100, 64)).toEqual([]);
    expect(await collect(reader, 1000, bytes.length, 64)).toEqual([{ offsetBytes: 1003, line: "b" }]);
  });

  it("counts a final line without a newline, and no line after a final newline", async () => {
    expect(await collect(bytesRangeReader(encoder.encode("a\nb")), 0, 3)).toEqual([
      { offsetBytes: 0, line: "a" },
      { offsetBytes: 2, line: "b" },
    ]);
    expect(await collect(bytesRangeReader(encoder.encode("a\n")), 0, 2)).toEqual([{ offsetBytes: 0, line: "a" }]);
    expect(await collect(bytesRangeReader(encoder.encode("\n")), 0, 1)).toEqual([{ offsetBytes: 0, line: "" }]);
    expect(await collect(bytesRangeReader(new Uint8Array(0)), 0, 0)).toEqual([]);
  });

  it("strips one \\r before the \\n and keeps a \\r elsewhere", async () => {
    const lines = await collect(bytesRangeReader(encoder.encode("a\r\nb\r\r\nc\rd\n\r")), 0, 13);
    expect(lines.map((l) => l.line)).toEqual(["a", "b\r", "c\rd", ""]);
  });

  it("decodes a multibyte character cut by a read piece or a chunk boundary whole", async () => {
    const bytes = encoder.encode("😀😀\n日本\n");
    for (let readAheadBytes = 1; readAheadBytes <= 5; readAheadBytes++) {
      expect(await linesOfAllSplits(bytes, 3, readAheadBytes)).toEqual([
        { offsetBytes: 0, line: "😀😀" },
        { offsetBytes: 9, line: "日本" },
      ]);
    }
  });

  it("works with a reader that returns short reads", async () => {
    const bytes = randomText(new Rng(7));
    const inner = bytesRangeReader(bytes);
    const stingy: RangeReader = { sizeBytes: bytes.length, read: (offset, length) => inner.read(offset, Math.min(length, 3)) };
    expect(await linesOfAllSplits(bytes, 17, 64, stingy)).toEqual(referenceLines(bytes));
  });

  it("fails with a clear error on a line longer than maxLineBytes, and accepts one of exactly that length", async () => {
    const bytes = encoder.encode(`ok\n${"y".repeat(50)}\n`);
    const reader = bytesRangeReader(bytes);
    expect((await collect(reader, 0, bytes.length, 8, 50)).map((l) => l.line.length)).toEqual([2, 50]);
    const err = await collect(reader, 0, bytes.length, 8, 49).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LineTooLongError);
    expect((err as LineTooLongError).offsetBytes).toBe(3);
    expect((err as Error).message).toBe("the line starting at byte 3 is longer than the limit of 49 bytes");
    // A file with no newline at all fails the same way, without reading it all into memory.
    const noNewline = bytesRangeReader(new Uint8Array(10_000).fill(0x61));
    await expect(collect(noNewline, 0, 100, 16, 1000)).rejects.toThrow("the line starting at byte 0 is longer than the limit of 1000 bytes");
  });

  it("reads a short first piece, then the next piece while lines are handed out, and past the split's end only the piece that finishes its last line", async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} of a text long enough to need many pieces`);
    const bytes = encoder.encode(lines.join("\n") + "\n");
    const inner = bytesRangeReader(bytes);
    const reads: Array<{ offset: number; length: number }> = [];
    const reader: RangeReader = { sizeBytes: bytes.length, read: (offset, length) => (reads.push({ offset, length }), inner.read(offset, length)) };
    const readAheadBytes = 128 * 1024;
    const endBytes = 400_000;
    const iterator = linesOfSplit(reader, 0, endBytes, { readAheadBytes })[Symbol.asyncIterator]();
    await iterator.next();
    // The first line came from a short first read; the next piece and the bytes just past the
    // split's end (where its last line ends) are already asked for.
    expect([...reads].sort((a, b) => a.offset - b.offset)).toEqual([
      { offset: 0, length: SPLIT_FIRST_READ_BYTES },
      { offset: SPLIT_FIRST_READ_BYTES, length: readAheadBytes },
      { offset: endBytes, length: SPLIT_FIRST_READ_BYTES },
    ]);
    const got: LineRecord[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) got.push(next.value);
    // Reads ahead stop exactly at the split's end, where that piece takes over; past it, no
    // other read (the last line is short).
    expect(reads.filter((read) => read.offset >= endBytes)).toEqual([{ offset: endBytes, length: SPLIT_FIRST_READ_BYTES }]);
    expect(reads.filter((read) => read.offset < endBytes).every((read) => read.offset + read.length <= endBytes)).toBe(true);
    expect(1 + got.length).toBe(referenceLines(bytes).filter((line) => line.offsetBytes <= endBytes).length);
  });

  it("reports a reader that returns nothing before the end of its file", async () => {
    const broken: RangeReader = { sizeBytes: 10, read: async () => new Uint8Array(0) };
    await expect(collect(broken, 0, 10)).rejects.toThrow("the input returned no bytes at offset 0, before its end at 10");
  });
});
