// The lines of one split (one chunk) of a text file, with Hadoop LineRecordReader semantics
// (DESIGN.md "MapReduce": records that cross a chunk boundary belong to the chunk where they
// start). Every line of the file is read by exactly one split:
//   - a split [start, end) with start > 0 skips up to and including the first "\n" at or
//     after `start`: the line it cuts into began in an earlier split, and a line starting
//     exactly at `start` is the earlier split's last;
//   - it then emits each line whose first byte is at or before `end` (before it, for the
//     file's last split), reading past `end` (into the next chunks, as far as needed) to
//     finish the last one.
// This is Hadoop's LineRecordReader to the letter. A split never reads the byte before its
// start, which is the previous chunk's last and nearly always on another peer: a map's first
// read is its own chunk's (a node-local map starts on a local read). The bytes just past the
// end, which finish the last line, are read from the start, beside the split's first piece.
// A final line without "\n" counts; a "\n" at the very end does not start another line.
//
// Bytes are decoded one whole line at a time, so a multibyte character is never cut at a
// read-piece boundary. Invalid UTF-8 becomes U+FFFD rather than failing the job (text inputs
// are often a little dirty); a byte-order mark is kept, so every offset stays a byte offset.
import { assert } from "../util/assert.ts";
import { LINE_BYTES_MAX_DEFAULT, SPLIT_FIRST_READ_BYTES, SPLIT_READ_AHEAD_BYTES_DEFAULT } from "./constants.ts";
import { LineTooLongError } from "./errors.ts";

/**
 * Random access to one file's bytes: the file system client in a peer, a message proxy in a
 * worker thread, an in-memory buffer in tests. `read` returns the bytes at
 * [offsetBytes, offsetBytes + lengthBytes) clipped to the file; it may return fewer (a short
 * read), but never none before the end of the file.
 */
export interface RangeReader {
  readonly sizeBytes: number;
  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
}

export interface LineRecord {
  /** Byte offset of the line's first byte in the file (Hadoop's LongWritable key). */
  offsetBytes: number;
  /** The line without its "\n", and without a "\r" before it. */
  line: string;
}

export interface LineSplitOptions {
  /** Bytes asked of the reader per read. Default SPLIT_READ_AHEAD_BYTES_DEFAULT (1 MiB). */
  readAheadBytes?: number;
  /** The longest line accepted, "\r" included, "\n" not. Default LINE_BYTES_MAX_DEFAULT (64 MiB). */
  maxLineBytes?: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** An in-memory RangeReader, for tests and for inputs already in memory. */
export function bytesRangeReader(bytes: Uint8Array): RangeReader {
  return {
    sizeBytes: bytes.length,
    read: async (offsetBytes, lengthBytes) => bytes.slice(offsetBytes, Math.min(bytes.length, offsetBytes + lengthBytes)),
  };
}

export async function* linesOfSplit(reader: RangeReader, startBytes: number, endBytes: number, options: LineSplitOptions = {}): AsyncGenerator<LineRecord> {
  for await (const batch of lineBatchesOfSplit(reader, startBytes, endBytes, options)) yield* batch;
}

/**
 * The same records as linesOfSplit, in batches: every complete line the read window holds is
 * decoded in one go and handed out at once. One await and one decode per line cost more than
 * a word count's map function; per batch they are noise.
 */
export async function* lineBatchesOfSplit(reader: RangeReader, startBytes: number, endBytes: number, options: LineSplitOptions = {}): AsyncGenerator<LineRecord[]> {
  const sizeBytes = reader.sizeBytes;
  const readAheadBytes = options.readAheadBytes ?? SPLIT_READ_AHEAD_BYTES_DEFAULT;
  const maxLineBytes = options.maxLineBytes ?? LINE_BYTES_MAX_DEFAULT;
  assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0, "a reader's size is a non-negative integer");
  assert(Number.isSafeInteger(startBytes) && startBytes >= 0 && startBytes <= sizeBytes, "a split starts inside its file");
  assert(Number.isSafeInteger(endBytes) && endBytes >= startBytes, "a split ends at or after its start");
  assert(Number.isSafeInteger(readAheadBytes) && readAheadBytes > 0, "readAheadBytes is a positive integer");
  assert(Number.isSafeInteger(maxLineBytes) && maxLineBytes > 0, "maxLineBytes is a positive integer");

  const end = Math.min(endBytes, sizeBytes);
  const window = new ReadWindow(reader, startBytes, readAheadBytes, end);
  let position = startBytes > 0 ? await window.skipPastNewline(startBytes) : 0;
  // The last line emitted starts at or before `lastLineStart`; none starts at the file's end.
  const lastLineStart = end < sizeBytes ? end : sizeBytes - 1;
  while (position <= lastLineStart) {
    const batch = window.completeLines(position, lastLineStart, maxLineBytes);
    if (batch.length > 0) {
      yield batch;
      position = window.nextLineStart;
      continue;
    }
    // The line at `position` runs past what the window holds: read on until it ends.
    const lineEnd = await window.findLineEnd(position, maxLineBytes);
    yield [{ offsetBytes: position, line: window.decode(position, lineEnd) }];
    position = lineEnd + 1; // past the "\n"; at EOF lineEnd = size, so this ends the loop
  }
}

/**
 * A sliding window over the file: bytes before the current line are dropped, so it holds at
 * most one line plus one read piece (maxLineBytes + readAheadBytes), and one more piece being
 * read ahead. The first read is short (SPLIT_FIRST_READ_BYTES), so the map starts early; each
 * read starts the next one while the lines already read are mapped, but only below the split's
 * end: past it, only what finishes the split's last line is read, on demand.
 */
class ReadWindow {
  private buffer: Uint8Array;
  /** File offset of buffer[0]. */
  private windowStart: number;
  private filled = 0;
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  /** The piece read ahead: the bytes at `offsetBytes`, `lengthBytes` of them. */
  private ahead?: PendingPiece;
  /**
   * The first bytes past the split's end, read from the start: the split's last line ends
   * there, and they are usually in another peer's chunk, so asking late would add a round
   * trip to the map's end. Reads below it stop at it, so the window reaches it exactly.
   */
  private tail?: PendingPiece;
  private reads = 0;

  constructor(
    private readonly reader: RangeReader,
    startBytes: number,
    private readonly readAheadBytes: number,
    /** Pieces are read ahead only below this offset (the split's end). */
    private readonly readAheadBeforeBytes: number,
  ) {
    this.windowStart = startBytes;
    this.buffer = new Uint8Array(Math.min(readAheadBytes, Math.max(1, reader.sizeBytes - startBytes)));
    if (readAheadBeforeBytes > startBytes && readAheadBeforeBytes < reader.sizeBytes) {
      this.tail = startRead(reader, readAheadBeforeBytes, Math.min(SPLIT_FIRST_READ_BYTES, readAheadBytes, reader.sizeBytes - readAheadBeforeBytes));
    }
  }

  private get windowEnd(): number {
    return this.windowStart + this.filled;
  }

  /** The offset just past the first "\n" at or after `from`, or the file size if none. */
  async skipPastNewline(from: number): Promise<number> {
    let searchFrom = from;
    for (;;) {
      const found = this.indexOfNewline(searchFrom);
      if (found >= 0) return found + 1;
      if (this.windowEnd >= this.reader.sizeBytes) return this.reader.sizeBytes;
      searchFrom = this.windowEnd;
      // Nothing before the "\n" is needed: the skipped line belongs to an earlier split.
      await this.readMore(this.windowEnd);
    }
  }

  /** The offset of the "\n" ending the line that starts at `lineStart` (the file size at EOF). */
  async findLineEnd(lineStart: number, maxLineBytes: number): Promise<number> {
    let searchFrom = lineStart;
    for (;;) {
      const found = this.indexOfNewline(searchFrom);
      const lineEnd = found >= 0 ? found : this.windowEnd >= this.reader.sizeBytes ? this.reader.sizeBytes : -1;
      if (lineEnd >= 0) {
        if (lineEnd - lineStart > maxLineBytes) throw new LineTooLongError(lineStart, maxLineBytes);
        return lineEnd;
      }
      // Checked before reading on, so the window never grows past one line plus one piece.
      if (this.windowEnd - lineStart > maxLineBytes) throw new LineTooLongError(lineStart, maxLineBytes);
      searchFrom = this.windowEnd;
      await this.readMore(lineStart);
    }
  }

  /** Set by completeLines: where the line after its batch starts. */
  nextLineStart = 0;

  /**
   * Every line that starts at or after `from`, at or before `lastStart`, and ends inside the
   * window, decoded with one decode call; empty when the first line does not end inside the window.
   */
  completeLines(from: number, lastStart: number, maxLineBytes: number): LineRecord[] {
    if (from < this.windowStart || from >= this.windowEnd) return [];
    const first = from - this.windowStart;
    const bytes = this.buffer.subarray(0, this.filled);
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline < first) return [];
    // Lines start at or before `lastStart`: bytes past the newline ending the last such line are not needed.
    const text = this.decoder.decode(bytes.subarray(first, lastNewline));
    const lines = text.split("\n");
    const records: LineRecord[] = [];
    // Byte offsets come from the bytes' own newlines: "\n" never sits inside a UTF-8 sequence,
    // so the decoded lines and the byte lines match one to one, even around invalid bytes.
    const ascii = text.length === lastNewline - first;
    let offset = from;
    let at = first;
    for (let i = 0; i < lines.length && offset <= lastStart; i++) {
      let line = lines[i]!;
      const lineEnd = ascii ? at + line.length : bytes.indexOf(NEWLINE, at);
      if (lineEnd - at > maxLineBytes) throw new LineTooLongError(offset, maxLineBytes);
      if (line.length > 0 && line.charCodeAt(line.length - 1) === CARRIAGE_RETURN) line = line.slice(0, -1);
      records.push({ offsetBytes: offset, line });
      at = lineEnd + 1;
      offset = this.windowStart + at;
    }
    this.nextLineStart = offset;
    return records;
  }

  decode(lineStart: number, lineEnd: number): string {
    let last = lineEnd - this.windowStart;
    const first = lineStart - this.windowStart;
    assert(first >= 0 && last <= this.filled, "a decoded line is inside the window");
    if (last > first && this.buffer[last - 1] === CARRIAGE_RETURN) last--;
    return this.decoder.decode(this.buffer.subarray(first, last));
  }

  private indexOfNewline(from: number): number {
    if (from < this.windowStart || from >= this.windowEnd) return -1;
    const index = this.buffer.subarray(0, this.filled).indexOf(NEWLINE, from - this.windowStart);
    return index < 0 ? -1 : this.windowStart + index;
  }

  /** Drops the bytes before `keepFrom`, then appends the next piece of the file. */
  private async readMore(keepFrom: number): Promise<void> {
    assert(keepFrom >= this.windowStart && keepFrom <= this.windowEnd, "the window keeps bytes it holds");
    const dropBytes = keepFrom - this.windowStart;
    if (dropBytes > 0) {
      this.buffer.copyWithin(0, dropBytes, this.filled);
      this.filled -= dropBytes;
      this.windowStart = keepFrom;
    }
    let ahead = this.ahead?.offsetBytes === this.windowEnd ? this.ahead : undefined;
    this.ahead = undefined;
    if (!ahead && this.tail?.offsetBytes === this.windowEnd) ahead = this.tail;
    if (this.tail && this.tail.offsetBytes <= this.windowEnd) this.tail = undefined;
    const pieceBytes = this.reads++ === 0 ? Math.min(SPLIT_FIRST_READ_BYTES, this.readAheadBytes) : this.readAheadBytes;
    const wantBytes = ahead ? ahead.lengthBytes : Math.min(pieceBytes, this.reader.sizeBytes - this.windowEnd, this.bytesBeforeTail(this.windowEnd));
    assert(wantBytes > 0, "a window reads only before the end of the file");
    if (this.filled + wantBytes > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.filled + wantBytes, Math.min(2 * this.buffer.length, this.filled + this.readAheadBytes * 16)));
      grown.set(this.buffer.subarray(0, this.filled));
      this.buffer = grown;
    }
    const piece = await (ahead ? ahead.piece : this.reader.read(this.windowEnd, wantBytes));
    if (piece.length === 0) throw new Error(`the input returned no bytes at offset ${this.windowEnd}, before its end at ${this.reader.sizeBytes}`);
    if (piece.length > wantBytes) throw new Error(`the input returned ${piece.length} bytes at offset ${this.windowEnd} where ${wantBytes} were asked`);
    this.buffer.set(piece, this.filled);
    this.filled += piece.length;
    this.readAhead();
  }

  /** Starts reading the next piece, if it starts below the split's end. */
  private readAhead(): void {
    const offsetBytes = this.windowEnd;
    if (offsetBytes >= this.readAheadBeforeBytes || offsetBytes >= this.reader.sizeBytes) return;
    this.ahead = startRead(this.reader, offsetBytes, Math.min(this.readAheadBytes, this.reader.sizeBytes - offsetBytes, this.bytesBeforeTail(offsetBytes)));
  }

  /** Reads below the tail stop at it, so the window reaches it exactly and the tail is used. */
  private bytesBeforeTail(offsetBytes: number): number {
    return this.tail && offsetBytes < this.tail.offsetBytes ? this.tail.offsetBytes - offsetBytes : Number.POSITIVE_INFINITY;
  }
}

interface PendingPiece {
  offsetBytes: number;
  lengthBytes: number;
  piece: Promise<Uint8Array>;
}

function startRead(reader: RangeReader, offsetBytes: number, lengthBytes: number): PendingPiece {
  // Through a promise even if read() throws at once; a failure is thrown where the piece is used.
  const piece = Promise.resolve().then(() => reader.read(offsetBytes, lengthBytes));
  piece.catch(() => undefined);
  return { offsetBytes, lengthBytes, piece };
}
