// The disk store's writer: streams one chunk version into a temp file; the store installs
// it (disk-store.ts, "Commit protocol") once the data is fsynced.
import type { FileHandle } from "node:fs/promises";
import { assert } from "../../util/assert.ts";
import { blockCountOf, crc32 } from "./checksum.ts";
import type { ChunkId } from "../../protocol/chunk-id.ts";
import { SYNC_BEHIND_BYTES, WRITE_BUFFER_BYTES } from "./constants.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES } from "../../protocol/limits.ts";
import { ChunkSizeMismatchError, ChunkTooLargeError } from "./errors.ts";
import { allocateUninitialized, unlinkIfPresent, writeFully } from "../../util/file-io.ts";
import type { ChunkInfo, ChunkWriter } from "./store.ts";

export interface WriterHooks {
  /** Puts the fsynced, closed temp data file and its checksums into place. */
  install(sizeBytes: number, checksums: Uint32Array): Promise<ChunkInfo>;
  /** Frees the id for the next writer; called exactly once. */
  release(): void;
  /** The store's background syncs (shared by its writers). */
  syncBehind: SyncBehindSlots;
}

/**
 * How many background syncs a store's writers run at once. A sync holds a thread of the
 * runtime's small file I/O pool (two on a 2-core machine) for as long as the disk takes, and
 * the Raft log's appends and every other file operation of the peer wait for a free one; a
 * writer that finds no free slot writes on and tries again after its next buffer.
 */
export class SyncBehindSlots {
  private used = 0;
  constructor(readonly max: number) {}

  tryTake(): boolean {
    if (this.used >= this.max) return false;
    this.used++;
    return true;
  }

  give(): void {
    assert(this.used > 0, "a sync-behind slot given back that was not taken");
    this.used--;
  }
}

/**
 * Streams into a temp file through two WRITE_BUFFER_BYTES buffers: one fills (and its blocks
 * are checksummed) while the other is being written, so copying, CRC and disk overlap and a
 * writer holds 2 MiB whatever the chunk size. Every SYNC_BEHIND_BYTES written, an fdatasync
 * runs in the background (one at a time), so the disk writes while the chunk streams in and
 * the commit's own sync has only the tail left. A background sync that fails fails the writer:
 * after a failed fsync the kernel may count the lost pages as clean, so a later sync that
 * succeeds proves nothing.
 */
export class DiskChunkWriter implements ChunkWriter {
  writtenBytes = 0;
  // Allocated when first filled, uninitialised, and no larger than the chunk needs: a 4 KiB
  // file at replication 3 used to zero 6 MiB of buffers across its pipeline.
  private readonly buffers: Array<Uint8Array | undefined> = [undefined, undefined];
  private readonly bufferBytes: number;
  private current = 0;
  private filledBytes = 0;
  private flushedBytes = 0;
  private readonly checksums: number[] = [];
  /**
   * CRCs of blocks 0..knownCrcs.length-1 given by writeChecked (checked by the pipeline on
   * arrival), taken at flush instead of computing them again; they cover bytes up to
   * knownCrcsEndBytes, contiguous from the chunk's start (any other write ends the run).
   */
  private readonly knownCrcs: number[] = [];
  private knownCrcsEndBytes = 0;
  private pending: Promise<void> | undefined;
  /** The background sync in flight (at most one), and the bytes written when it started. */
  private syncing: Promise<void> | undefined;
  private syncStartedAtBytes = 0;
  private failure: unknown;
  private state: "open" | "committing" | "committed" | "aborted" = "open";
  private writing = false;
  private released = false;

  constructor(
    readonly id: ChunkId,
    readonly version: number,
    private readonly limitBytes: number,
    private readonly expectedSizeBytes: number | undefined,
    private readonly handle: FileHandle,
    private readonly tempPath: string,
    private readonly hooks: WriterHooks,
  ) {
    // A whole number of checksum blocks, so every CRC still covers one contiguous subarray.
    const expected = expectedSizeBytes ?? WRITE_BUFFER_BYTES;
    this.bufferBytes = Math.max(CHUNK_CHECKSUM_BLOCK_BYTES, Math.min(WRITE_BUFFER_BYTES, Math.ceil(expected / CHUNK_CHECKSUM_BLOCK_BYTES) * CHUNK_CHECKSUM_BLOCK_BYTES));
  }

  async write(bytes: Uint8Array): Promise<void> {
    assert(this.state === "open", `write() on a ${this.state} writer of chunk ${this.id}`);
    assert(!this.writing, "write() calls must not overlap: await each one");
    if (this.failure) throw this.failure;
    const afterBytes = this.writtenBytes + bytes.length;
    if (afterBytes > this.limitBytes) throw new ChunkTooLargeError(this.id, this.limitBytes, afterBytes);
    // Bytes appended to a partial block whose CRC was given: that CRC no longer covers the block.
    if (bytes.length > 0 && this.writtenBytes === this.knownCrcsEndBytes && this.knownCrcsEndBytes % CHUNK_CHECKSUM_BLOCK_BYTES !== 0) {
      this.knownCrcs.pop();
      this.knownCrcsEndBytes -= this.knownCrcsEndBytes % CHUNK_CHECKSUM_BLOCK_BYTES;
    }
    this.writing = true;
    try {
      let offset = 0;
      while (offset < bytes.length) {
        const buffer = (this.buffers[this.current] ??= allocateUninitialized(this.bufferBytes));
        const n = Math.min(buffer.length - this.filledBytes, bytes.length - offset);
        buffer.set(bytes.subarray(offset, offset + n), this.filledBytes);
        this.filledBytes += n;
        this.writtenBytes += n;
        offset += n;
        if (this.filledBytes === buffer.length) await this.flushCurrent();
      }
    } finally {
      this.writing = false;
    }
  }

  async writeChecked(packet: Uint8Array | Iterable<Uint8Array>, blockCrcs: Uint8Array): Promise<void> {
    const pieces = packet instanceof Uint8Array ? [packet] : [...packet];
    const sizeBytes = pieces.reduce((sum, piece) => sum + piece.length, 0);
    // Taken only where they continue the run of known CRCs from a block boundary; a list that
    // does not match the packet's blocks is not taken at all (the CRCs are computed).
    if (this.writtenBytes === this.knownCrcsEndBytes && this.writtenBytes % CHUNK_CHECKSUM_BLOCK_BYTES === 0 && blockCrcs.length === 4 * blockCountOf(sizeBytes) && this.writtenBytes + sizeBytes <= this.limitBytes) {
      const view = new DataView(blockCrcs.buffer, blockCrcs.byteOffset, blockCrcs.byteLength);
      for (let at = 0; at < blockCrcs.length; at += 4) this.knownCrcs.push(view.getUint32(at, true));
      this.knownCrcsEndBytes += sizeBytes;
    }
    for (const piece of pieces) await this.write(piece);
  }

  async commit(): Promise<ChunkInfo> {
    assert(this.state === "open", `commit() on a ${this.state} writer of chunk ${this.id}`);
    assert(!this.writing, "commit() while a write() is in progress");
    this.state = "committing";
    try {
      if (this.expectedSizeBytes !== undefined && this.writtenBytes !== this.expectedSizeBytes) {
        throw new ChunkSizeMismatchError(this.id, this.expectedSizeBytes, this.writtenBytes);
      }
      if (this.filledBytes > 0) await this.flushCurrent();
      await this.settle();
      await this.settleSync();
      assert(this.flushedBytes === this.writtenBytes, "every byte written reached the file");
      assert(this.checksums.length === blockCountOf(this.writtenBytes), "one checksum per block");
      // fsync before rename: the name must never point at bytes the disk does not have.
      await this.handle.datasync();
      await this.handle.close();
      const info = await this.hooks.install(this.writtenBytes, Uint32Array.from(this.checksums));
      this.state = "committed";
      return info;
    } catch (err) {
      this.state = "aborted";
      await this.discard();
      throw err;
    } finally {
      this.release();
    }
  }

  async abort(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "aborted";
    await this.discard();
    this.release();
  }

  /** Checksums the filled buffer, starts writing it, and switches to the other buffer. */
  private async flushCurrent(): Promise<void> {
    // The other buffer is free only once its write has finished.
    await this.settle();
    if (this.state === "aborted") throw new Error(`chunk ${this.id} writer was aborted`);
    const buffer = this.buffers[this.current]!;
    const length = this.filledBytes;
    // Buffers hold whole blocks, so every flush but the last starts on a block boundary.
    const firstBlock = this.flushedBytes / CHUNK_CHECKSUM_BLOCK_BYTES;
    for (let at = 0, block = firstBlock; at < length; at += CHUNK_CHECKSUM_BLOCK_BYTES, block++) {
      this.checksums.push(block < this.knownCrcs.length ? this.knownCrcs[block]! : crc32(buffer.subarray(at, Math.min(at + CHUNK_CHECKSUM_BLOCK_BYTES, length))));
    }
    const position = this.flushedBytes;
    this.flushedBytes += length;
    this.pending = writeFully(this.handle, buffer, length, position).then(
      () => this.syncBehind(position + length),
      (err: unknown) => {
        this.failure ??= err;
      },
    );
    this.current ^= 1;
    this.filledBytes = 0;
  }

  /**
   * Starts a background fdatasync once SYNC_BEHIND_BYTES reached the file since the last one
   * started, unless this writer's last one still runs or the store has no free slot.
   */
  private syncBehind(writtenToFileBytes: number): void {
    if (this.syncing || this.failure || this.state !== "open" || writtenToFileBytes - this.syncStartedAtBytes < SYNC_BEHIND_BYTES) return;
    if (!this.hooks.syncBehind.tryTake()) return;
    this.syncStartedAtBytes = writtenToFileBytes;
    this.syncing = this.handle
      .datasync()
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        this.syncing = undefined;
        this.hooks.syncBehind.give();
      });
  }

  private async settleSync(): Promise<void> {
    if (this.syncing) await this.syncing;
    if (this.failure) throw this.failure;
  }

  private async settle(): Promise<void> {
    if (this.pending) {
      await this.pending;
      this.pending = undefined;
    }
    if (this.failure) throw this.failure;
  }

  private async discard(): Promise<void> {
    if (this.pending) await this.pending;
    this.pending = undefined;
    if (this.syncing) await this.syncing;
    await this.handle.close().catch(() => {});
    await unlinkIfPresent(this.tempPath);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.hooks.release();
  }
}

