// Run files: sorted (key, value) records on a map worker's disk — spills, the merged map
// output served to reducers over /tessera/shuffle/1 — and the streaming writer and decoder
// for them.
//
// Layout, all integers little-endian:
//   header   u32 magic "TRUN", u16 format version (1), u16 reserved (0)
//   block*   u32 payload bytes (> 0), u32 record count (> 0), u32 CRC32 of the payload, payload
//            payload = record*, record = varint key bytes, key (UTF-8), varint value bytes, value
//   footer   u32 0 (where a block would give its size), u32 block count,
//            u32 record count low, u32 record count high, u32 CRC32 of the 16 footer bytes before it
// Blocks are the unit of checksumming and of decoding, so a reader holds one block's records at
// a time and a damaged spill or fetched map output is detected rather than reduced. The footer
// makes a file cut at a block boundary detectable too: without it, a truncated run would read
// as a shorter, valid one and its records would silently vanish from the job's output.
//
// The decoder works on a stream of byte pieces (a file read in pieces, or a partition fetched
// from a peer), never on the whole file, and bounds every length before allocating for it.
import { close, closeSync, fsync, fsyncSync, open, openSync, unlinkSync, write, writeSync } from "node:fs";
import { open as openHandle } from "node:fs/promises";
import { assert } from "../util/assert.ts";
import { allocateUninitialized } from "../util/file-io.ts";
import { RECORD_FIELD_BYTES_MAX, RUN_BLOCK_BYTES_MAX, RUN_BLOCK_BYTES_TARGET, RUN_READ_PIECE_BYTES } from "./constants.ts";
import { RunFileCorruptError } from "./errors.ts";

export interface KeyValue {
  key: string;
  value: string;
}

/**
 * A sorted stream of records, handed on in batches (one decoded block, one merge step) so that
 * the per-record cost of an async step is paid once per batch. Every consumer here takes this.
 */
export type RecordBatches = AsyncIterable<readonly KeyValue[]>;

export interface RunFileInfo {
  path: string;
  records: number;
  sizeBytes: number;
}

const RUN_MAGIC = 0x4e555254; // "TRUN" read as a little-endian u32
const RUN_FORMAT = 1;
export const RUN_HEADER_BYTES = 8;
const BLOCK_HEADER_BYTES = 12;
const FOOTER_BYTES = 20;
const VARINT_BYTES_MAX = 5;

// Buffer (not a bare Uint8Array) for its native UTF-8 write/toString, which encode and decode
// straight into and out of the block without intermediate copies.
function allocateBlock(sizeBytes: number): Buffer {
  return Buffer.allocUnsafe(sizeBytes);
}

function writeVarint(buffer: Uint8Array, position: number, value: number): number {
  let rest = value;
  let at = position;
  while (rest >= 0x80) {
    buffer[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  buffer[at++] = rest;
  return at;
}

function crc32(bytes: Uint8Array): number {
  return Bun.hash.crc32(bytes) >>> 0;
}

/**
 * Writes one run file, a block at a time. Records must be added in key order (the caller's
 * business: the writer does not check, a merge does when it reads the run back).
 * `add` is synchronous and only encodes; when it returns true a block is sealed and the caller
 * must `await drain()` (or `drainSync()`) before adding more, which bounds what is buffered.
 */
export class RunWriter {
  private block: Buffer;
  private blockFill = BLOCK_HEADER_BYTES;
  private blockRecords = 0;
  private readonly sealed: Uint8Array[] = [];
  /**
   * A written block's buffer, taken again by the next block: a fresh 256 KiB buffer per block
   * was a page fault per 4 KiB of a run (the engine returns freed buffers' pages to the kernel).
   */
  private spare: Buffer | undefined;
  private positionBytes = 0;
  private blockCount = 0;
  private recordCount = 0;
  private state: "open" | "finished" | "aborted" = "open";
  private lastValue: string | undefined;
  private lastValueBytes = 0;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    /** fsync at finish: final map outputs are served to reducers; spills die with the task anyway. */
    private readonly durable: boolean,
  ) {
    const header = new Uint8Array(RUN_HEADER_BYTES);
    const view = new DataView(header.buffer);
    view.setUint32(0, RUN_MAGIC, true);
    view.setUint16(4, RUN_FORMAT, true);
    this.sealed.push(header);
    this.block = allocateBlock(RUN_BLOCK_BYTES_TARGET + BLOCK_HEADER_BYTES);
  }

  static async create(path: string, options: { durable?: boolean } = {}): Promise<RunWriter> {
    const fd = await new Promise<number>((resolve, reject) => open(path, "wx", 0o644, (err, fd) => (err ? reject(err) : resolve(fd))));
    return new RunWriter(path, fd, options.durable ?? true);
  }

  /** For a spill that must happen inside a synchronous call (see MapOutputCollector.emit). */
  static createSync(path: string, options: { durable?: boolean } = {}): RunWriter {
    return new RunWriter(path, openSync(path, "wx", 0o644), options.durable ?? true);
  }

  get records(): number {
    return this.recordCount;
  }

  /**
   * Encodes one record; true when sealed blocks wait to be written (call drain before more).
   * `keyBytes`, the key's UTF-8 length, may come from a caller that writes a key's values in a row.
   */
  add(key: string, value: string, keyBytes = Buffer.byteLength(key, "utf8")): boolean {
    assert(this.state === "open", "records are added to an open run writer");
    // Values repeat ("1", "" ...): the last one's length is kept.
    if (value !== this.lastValue) {
      this.lastValue = value;
      this.lastValueBytes = Buffer.byteLength(value, "utf8");
    }
    const valueBytes = this.lastValueBytes;
    assert(keyBytes <= RECORD_FIELD_BYTES_MAX && valueBytes <= RECORD_FIELD_BYTES_MAX, "a record's fields are within RECORD_FIELD_BYTES_MAX");
    const needBytes = 2 * VARINT_BYTES_MAX + keyBytes + valueBytes;
    if (this.blockFill + needBytes > this.block.length) {
      if (this.blockRecords > 0) this.sealBlock();
      // A record larger than a block gets a block of its own.
      if (BLOCK_HEADER_BYTES + needBytes > this.block.length) this.block = allocateBlock(BLOCK_HEADER_BYTES + needBytes);
    }
    let at = writeVarint(this.block, this.blockFill, keyBytes);
    const keyWritten = this.block.write(key, at, keyBytes, "utf8");
    assert(keyWritten === keyBytes, "a key is written whole");
    at = writeVarint(this.block, at + keyBytes, valueBytes);
    const valueWritten = this.block.write(value, at, valueBytes, "utf8");
    assert(valueWritten === valueBytes, "a value is written whole");
    this.blockFill = at + valueBytes;
    this.blockRecords++;
    this.recordCount++;
    if (this.blockFill - BLOCK_HEADER_BYTES >= RUN_BLOCK_BYTES_TARGET) this.sealBlock();
    return this.sealed.length > 0;
  }

  async drain(): Promise<void> {
    while (this.sealed.length > 0) {
      const piece = this.sealed.shift()!;
      await writeAllAsync(this.fd, piece, this.positionBytes);
      this.positionBytes += piece.length;
      this.keepSpare(piece);
    }
  }

  drainSync(): void {
    while (this.sealed.length > 0) {
      const piece = this.sealed.shift()!;
      writeAllSync(this.fd, piece, this.positionBytes);
      this.positionBytes += piece.length;
      this.keepSpare(piece);
    }
  }

  /** A written piece that was a block of the standard size: its buffer serves the next block. */
  private keepSpare(piece: Uint8Array): void {
    if (piece.byteOffset === 0 && piece.buffer.byteLength === RUN_BLOCK_BYTES_TARGET + BLOCK_HEADER_BYTES && this.state === "open") {
      this.spare = Buffer.from(piece.buffer, 0, RUN_BLOCK_BYTES_TARGET + BLOCK_HEADER_BYTES);
    }
  }

  async finish(): Promise<RunFileInfo> {
    try {
      this.sealLast();
      await this.drain();
      if (this.durable) await new Promise<void>((resolve, reject) => fsync(this.fd, (err) => (err ? reject(err) : resolve())));
      this.state = "finished";
      await new Promise<void>((resolve, reject) => close(this.fd, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      await this.abort();
      throw err;
    }
    return { path: this.path, records: this.recordCount, sizeBytes: this.positionBytes };
  }

  finishSync(): RunFileInfo {
    try {
      this.sealLast();
      this.drainSync();
      if (this.durable) fsyncSync(this.fd);
      this.state = "finished";
      closeSync(this.fd);
    } catch (err) {
      this.abortSync();
      throw err;
    }
    return { path: this.path, records: this.recordCount, sizeBytes: this.positionBytes };
  }

  /** Closes and removes the file; safe to call more than once, and after a failed finish. */
  async abort(): Promise<void> {
    this.abortSync();
  }

  abortSync(): void {
    if (this.state === "aborted") return;
    const wasOpen = this.state === "open";
    this.state = "aborted";
    this.sealed.length = 0;
    if (wasOpen) {
      try {
        closeSync(this.fd);
      } catch {
        // Already closed by a finish that failed after closing; the unlink below still runs.
      }
    }
    try {
      unlinkSync(this.path);
    } catch {
      // Gone already, or never created: either way there is nothing left to remove.
    }
  }

  private sealLast(): void {
    assert(this.state === "open", "a run writer is finished once");
    if (this.blockRecords > 0) this.sealBlock();
    const footer = new Uint8Array(FOOTER_BYTES);
    const view = new DataView(footer.buffer);
    view.setUint32(0, 0, true);
    view.setUint32(4, this.blockCount, true);
    view.setUint32(8, this.recordCount % 2 ** 32, true);
    view.setUint32(12, Math.floor(this.recordCount / 2 ** 32), true);
    view.setUint32(16, crc32(footer.subarray(0, 16)), true);
    this.sealed.push(footer);
  }

  private sealBlock(): void {
    const payloadBytes = this.blockFill - BLOCK_HEADER_BYTES;
    assert(payloadBytes > 0 && this.blockRecords > 0, "a sealed block holds records");
    const view = new DataView(this.block.buffer, this.block.byteOffset, BLOCK_HEADER_BYTES);
    view.setUint32(0, payloadBytes, true);
    view.setUint32(4, this.blockRecords, true);
    view.setUint32(8, crc32(this.block.subarray(BLOCK_HEADER_BYTES, this.blockFill)), true);
    this.sealed.push(this.block.subarray(0, this.blockFill));
    this.blockCount++;
    this.block = this.spare ?? allocateBlock(RUN_BLOCK_BYTES_TARGET + BLOCK_HEADER_BYTES);
    this.spare = undefined;
    this.blockFill = BLOCK_HEADER_BYTES;
    this.blockRecords = 0;
  }
}

async function writeAllAsync(fd: number, bytes: Uint8Array, positionBytes: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const written = await new Promise<number>((resolve, reject) =>
      write(fd, bytes, done, bytes.length - done, positionBytes + done, (err, count) => (err ? reject(err) : resolve(count))),
    );
    assert(written > 0, "a file write makes progress");
    done += written;
  }
}

function writeAllSync(fd: number, bytes: Uint8Array, positionBytes: number): void {
  let done = 0;
  while (done < bytes.length) {
    const written = writeSync(fd, bytes, done, bytes.length - done, positionBytes + done);
    assert(written > 0, "a file write makes progress");
    done += written;
  }
}

/** Writes records (already in key order) to a new run file. */
export async function writeRunFile(path: string, records: AsyncIterable<readonly KeyValue[]> | Iterable<KeyValue>, options: { durable?: boolean } = {}): Promise<RunFileInfo> {
  const writer = await RunWriter.create(path, options);
  try {
    if (Symbol.asyncIterator in records) {
      for await (const batch of records) {
        for (const record of batch) if (writer.add(record.key, record.value)) await writer.drain();
      }
    } else {
      for (const record of records) if (writer.add(record.key, record.value)) await writer.drain();
    }
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return writer.finish();
}

/**
 * A file's bytes as a stream of fresh pieces (never a reused buffer: the decoder keeps
 * subarrays of a piece while it decodes the block inside it).
 */
export async function* fileByteStream(path: string, pieceBytes = RUN_READ_PIECE_BYTES): AsyncGenerator<Uint8Array> {
  assert(Number.isSafeInteger(pieceBytes) && pieceBytes > 0, "pieceBytes is a positive integer");
  const handle = await openHandle(path, "r");
  try {
    let positionBytes = 0;
    for (;;) {
      // Filled by the read or cut to what was read, so skipping the zeroing leaks nothing.
      const piece = allocateUninitialized(pieceBytes);
      const { bytesRead } = await handle.read(piece, 0, pieceBytes, positionBytes);
      if (bytesRead === 0) return;
      positionBytes += bytesRead;
      yield bytesRead === pieceBytes ? piece : piece.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** The records of one run file, a block at a time. */
export function readRunFile(path: string, options: { pieceBytes?: number } = {}): AsyncGenerator<KeyValue[]> {
  return decodeRun(fileByteStream(path, options.pieceBytes), { source: path });
}

/**
 * Queue of byte pieces from which exact lengths are taken; a length inside one piece is a
 * zero-copy subarray, one that spans pieces is copied once.
 */
const EMPTY_PIECE = new Uint8Array(0);

class ByteQueue {
  /** Pieces from `head` on are queued; consumed ones are dropped in bulk, not one shift at a time. */
  private pieces: Uint8Array[] = [];
  private head = 0;
  private headOffset = 0;
  private queuedBytes = 0;
  private ended = false;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** Exactly `lengthBytes`, or fewer only when the stream ends first. */
  async take(lengthBytes: number): Promise<Uint8Array> {
    while (this.queuedBytes < lengthBytes && !this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      if (next.value.length === 0) continue;
      this.pieces.push(next.value);
      this.queuedBytes += next.value.length;
    }
    const takeBytes = Math.min(lengthBytes, this.queuedBytes);
    const head = this.pieces[this.head];
    if (head && head.length - this.headOffset >= takeBytes) {
      const out = head.subarray(this.headOffset, this.headOffset + takeBytes);
      this.consume(takeBytes);
      return out;
    }
    const out = new Uint8Array(takeBytes);
    let filled = 0;
    while (filled < takeBytes) {
      const piece = this.pieces[this.head]!;
      const n = Math.min(piece.length - this.headOffset, takeBytes - filled);
      out.set(piece.subarray(this.headOffset, this.headOffset + n), filled);
      filled += n;
      this.consume(n);
    }
    return out;
  }

  /** True when the stream has ended and every byte was taken. */
  async atEnd(): Promise<boolean> {
    if (this.queuedBytes > 0) return false;
    while (!this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      if (next.value.length === 0) continue;
      this.pieces.push(next.value);
      this.queuedBytes += next.value.length;
      return false;
    }
    return true;
  }

  private consume(lengthBytes: number): void {
    this.headOffset += lengthBytes;
    this.queuedBytes -= lengthBytes;
    while (this.head < this.pieces.length && this.headOffset >= this.pieces[this.head]!.length) {
      this.headOffset -= this.pieces[this.head]!.length;
      // Let go of a consumed piece now, not at the next compaction: a queue that never drains
      // (blocks straddling pieces) kept up to 1,024 of them, 1 GiB of a reduce's 1 MiB pieces.
      this.pieces[this.head] = EMPTY_PIECE;
      this.head++;
    }
    if (this.head === this.pieces.length) {
      this.pieces = [];
      this.head = 0;
    } else if (this.head >= 1024) {
      this.pieces = this.pieces.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Decodes a run from a stream of its bytes, yielding each block's records. Throws
 * RunFileCorruptError, naming `source`, on anything that is not a whole, intact run.
 */
export async function* decodeRun(bytes: AsyncIterable<Uint8Array>, options: { source?: string } = {}): AsyncGenerator<KeyValue[]> {
  const source = options.source ?? "a run";
  const corrupt = (what: string) => new RunFileCorruptError(`${source} is corrupt: ${what}`);
  const iterator = bytes[Symbol.asyncIterator]();
  const queue = new ByteQueue(iterator);
  try {
    const header = await queue.take(RUN_HEADER_BYTES);
    if (header.length < RUN_HEADER_BYTES) throw corrupt(`it is ${header.length} bytes long, shorter than a run header`);
    const headerView = new DataView(header.buffer, header.byteOffset, header.length);
    if (headerView.getUint32(0, true) !== RUN_MAGIC) throw corrupt("it does not start with the run file magic");
    const format = headerView.getUint16(4, true);
    if (format !== RUN_FORMAT) throw corrupt(`it has format version ${format}, not ${RUN_FORMAT}`);

    let blocks = 0;
    let records = 0;
    for (;;) {
      const blockHeader = await queue.take(BLOCK_HEADER_BYTES);
      if (blockHeader.length < BLOCK_HEADER_BYTES) throw corrupt(`it is truncated after block ${blocks} (no footer)`);
      const view = new DataView(blockHeader.buffer, blockHeader.byteOffset, BLOCK_HEADER_BYTES);
      const payloadBytes = view.getUint32(0, true);
      if (payloadBytes === 0) {
        const rest = await queue.take(FOOTER_BYTES - BLOCK_HEADER_BYTES);
        if (rest.length < FOOTER_BYTES - BLOCK_HEADER_BYTES) throw corrupt("its footer is truncated");
        const footer = new Uint8Array(FOOTER_BYTES);
        footer.set(blockHeader, 0);
        footer.set(rest, BLOCK_HEADER_BYTES);
        const footerView = new DataView(footer.buffer);
        if (footerView.getUint32(16, true) !== crc32(footer.subarray(0, 16))) throw corrupt("its footer fails its checksum");
        const footerBlocks = footerView.getUint32(4, true);
        const footerRecords = footerView.getUint32(8, true) + footerView.getUint32(12, true) * 2 ** 32;
        if (footerBlocks !== blocks || footerRecords !== records) {
          throw corrupt(`its footer claims ${footerBlocks} blocks and ${footerRecords} records, but ${blocks} and ${records} were read`);
        }
        if (!(await queue.atEnd())) throw corrupt("it has bytes after its footer");
        return;
      }
      const recordCount = view.getUint32(4, true);
      const expectedCrc = view.getUint32(8, true);
      if (payloadBytes > RUN_BLOCK_BYTES_MAX) throw corrupt(`block ${blocks} claims ${payloadBytes} bytes, more than the limit of ${RUN_BLOCK_BYTES_MAX}`);
      // Each record takes at least its two length bytes.
      if (recordCount === 0 || recordCount > payloadBytes / 2) throw corrupt(`block ${blocks} claims ${recordCount} records in ${payloadBytes} bytes`);
      const payload = await queue.take(payloadBytes);
      if (payload.length < payloadBytes) throw corrupt(`block ${blocks} is truncated`);
      if (crc32(payload) !== expectedCrc) throw corrupt(`block ${blocks} fails its checksum`);
      yield decodeBlock(payload, recordCount, () => corrupt(`block ${blocks} does not hold ${recordCount} whole records`));
      blocks++;
      records += recordCount;
    }
  } finally {
    await iterator.return?.();
  }
}

function decodeBlock(payload: Uint8Array, recordCount: number, corrupt: () => RunFileCorruptError): KeyValue[] {
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const out: KeyValue[] = new Array(recordCount);
  let at = 0;
  const readLength = (): number => {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < VARINT_BYTES_MAX; i++) {
      if (at >= payload.length) throw corrupt();
      const byte = payload[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        if (value > RECORD_FIELD_BYTES_MAX || at + value > payload.length) throw corrupt();
        return value;
      }
      shift += 7;
    }
    throw corrupt();
  };
  for (let i = 0; i < recordCount; i++) {
    const keyBytes = readLength();
    const key = text.toString("utf8", at, at + keyBytes);
    at += keyBytes;
    const valueBytes = readLength();
    // Many jobs' values are empty (a sort's, a distinct's): no decoder call for those.
    const value = valueBytes === 0 ? "" : text.toString("utf8", at, at + valueBytes);
    at += valueBytes;
    out[i] = { key, value };
  }
  if (at !== payload.length) throw corrupt();
  return out;
}
