// Read-ahead for the mount's open files (docs/mount.md, "Caches"). The kernel asks for a file
// in reads of at most 1 MiB (often 128 KiB), one or a few at a time; each answered alone would
// cost a round trip to a chunk server per read. A handle whose reads run on sequentially reads
// whole blocks of READ_AHEAD_BLOCK_BYTES instead, and keeps the next READ_AHEAD_BLOCKS of them
// in flight, each from its own replica, so `cat` and `dd bs=1M` stream at the reader's speed.
// Random reads (a database's pages) go straight to the reader, a read each.
import type { FileRangeReader } from "../../client/fs.ts";

/** One block: the client's read piece (client/file-reader.ts READ_PIECE_BYTES), a replica's whole request. */
export const READ_AHEAD_BLOCK_BYTES = 4 * 1024 * 1024;
/** Blocks in flight ahead of the reader: 16 MiB, the client's own stream read-ahead. */
export const READ_AHEAD_BLOCKS = 4;
/** Bytes of blocks all handles together hold; past it reads go straight to the readers. */
export const READ_AHEAD_BUDGET_BYTES_MAX = 256 * 1024 * 1024;
/**
 * How far from where the last read ended a read may start and still count as sequential:
 * the kernel's own read-ahead sends several reads at once, which may arrive out of order.
 */
const SEQUENTIAL_SLACK_BYTES = 2 * 1024 * 1024;
/** Sequential reads in a row before blocks are read ahead (a single read is not a stream). */
const SEQUENTIAL_READS_MIN = 2;

/** The bytes of blocks held by every handle of a mount, against READ_AHEAD_BUDGET_BYTES_MAX. */
export class ReadAheadBudget {
  usedBytes = 0;
  constructor(readonly maxBytes = READ_AHEAD_BUDGET_BYTES_MAX) {}
}

/** A reader of one open handle that reads ahead while the handle reads sequentially. */
export class ReadAheadReader {
  private nextOffsetBytes = 0;
  private sequentialReads = 0;
  /** Block index → its bytes (the block's first byte is index × READ_AHEAD_BLOCK_BYTES). */
  private readonly blocks = new Map<number, { bytes: Promise<Uint8Array>; sizeBytes: number }>();

  constructor(
    readonly reader: FileRangeReader,
    private readonly budget: ReadAheadBudget,
  ) {}

  get sizeBytes(): number {
    return this.reader.sizeBytes;
  }

  /** Bytes of blocks this reader holds or is fetching. */
  get heldBytes(): number {
    let total = 0;
    for (const block of this.blocks.values()) total += block.sizeBytes;
    return total;
  }

  async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    const fileBytes = this.reader.sizeBytes;
    if (offsetBytes >= fileBytes || lengthBytes <= 0) return new Uint8Array(0);
    const length = Math.min(lengthBytes, fileBytes - offsetBytes);
    const sequential = Math.abs(offsetBytes - this.nextOffsetBytes) <= SEQUENTIAL_SLACK_BYTES;
    this.sequentialReads = sequential ? this.sequentialReads + 1 : 0;
    this.nextOffsetBytes = Math.max(this.nextOffsetBytes, offsetBytes + length);
    if (!sequential) this.nextOffsetBytes = offsetBytes + length;
    const first = Math.floor(offsetBytes / READ_AHEAD_BLOCK_BYTES);
    const last = Math.floor((offsetBytes + length - 1) / READ_AHEAD_BLOCK_BYTES);
    const streaming = this.sequentialReads >= SEQUENTIAL_READS_MIN;
    if (!streaming) {
      // Not a stream (yet): a random read. Blocks it reads nothing of are let go.
      if (!sequential) this.dropBlocks(() => true);
      return this.reader.read(offsetBytes, length);
    }
    // A stream: the blocks behind the one before this read are done with.
    this.dropBlocks((index) => index < first - 1);
    const lastBlock = Math.floor((fileBytes - 1) / READ_AHEAD_BLOCK_BYTES);
    for (let index = first; index <= Math.min(last + READ_AHEAD_BLOCKS, lastBlock); index++) {
      if (!this.blocks.has(index) && !this.fetch(index, fileBytes) && index > last) break;
    }
    if (first === last) {
      const block = this.blocks.get(first);
      if (!block) return this.reader.read(offsetBytes, length);
      const bytes = await block.bytes;
      const start = offsetBytes - first * READ_AHEAD_BLOCK_BYTES;
      return bytes.subarray(start, start + length);
    }
    const out = new Uint8Array(length);
    for (let index = first; index <= last; index++) {
      const blockStart = index * READ_AHEAD_BLOCK_BYTES;
      const from = Math.max(offsetBytes, blockStart);
      const to = Math.min(offsetBytes + length, blockStart + READ_AHEAD_BLOCK_BYTES);
      const block = this.blocks.get(index);
      const bytes = block ? (await block.bytes).subarray(from - blockStart, to - blockStart) : await this.reader.read(from, to - from);
      out.set(bytes, from - offsetBytes);
    }
    return out;
  }

  /** Lets go of every block (the handle is released). */
  close(): void {
    this.dropBlocks(() => true);
  }

  /** Starts reading block `index`; false when the budget has no room for it. */
  private fetch(index: number, fileBytes: number): boolean {
    const startBytes = index * READ_AHEAD_BLOCK_BYTES;
    const sizeBytes = Math.min(READ_AHEAD_BLOCK_BYTES, fileBytes - startBytes);
    if (this.budget.usedBytes + sizeBytes > this.budget.maxBytes) return false;
    this.budget.usedBytes += sizeBytes;
    const bytes = this.reader.read(startBytes, sizeBytes).then((read) => {
      if (read.length !== sizeBytes) throw new Error(`a read-ahead block of ${sizeBytes} bytes at ${startBytes} read back ${read.length}`);
      return read;
    });
    // A block that fails is forgotten, so the next read of it asks again rather than
    // failing forever; the read waiting on it gets the error.
    bytes.catch(() => {
      const held = this.blocks.get(index);
      if (held?.bytes === bytes) this.drop(index);
    });
    this.blocks.set(index, { bytes, sizeBytes });
    return true;
  }

  private dropBlocks(which: (index: number) => boolean): void {
    for (const index of [...this.blocks.keys()]) if (which(index)) this.drop(index);
  }

  private drop(index: number): void {
    const block = this.blocks.get(index);
    if (!block) return;
    this.blocks.delete(index);
    this.budget.usedBytes -= block.sizeBytes;
  }
}
