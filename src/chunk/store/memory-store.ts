// MemoryChunkStore: the in-memory twin of DiskChunkStore (STYLE.md §4), for simulations and
// for testing the layers above without a disk. It answers the same compliance suite, verifies
// checksums on every read like the real store, and keeps its committed chunks in a separate
// MemoryChunkVolume so a test can "restart" a peer (a new store over the same volume: what
// was committed survives, writers in progress vanish) and damage bytes "on the medium".
import { assert } from "../../util/assert.ts";
import { appendBlockChecksums, blockCountOf, checksumDigest, findBadBlock, type ChunkChecksums } from "./checksum.ts";
import { validateChunkId, validateChunkVersion, type ChunkId } from "../../protocol/chunk-id.ts";
import { ChunkIndex, clampRange, writeLimitBytes } from "./chunk-index.ts";
import { READ_PIECE_BYTES } from "./constants.ts";
import { ChunkCorruptError, ChunkNotFoundError, ChunkSizeMismatchError, ChunkTooLargeError } from "./errors.ts";
import type { ChunkCapacity, ChunkEntry, ChunkInfo, ChunkReadOptions, ChunkStore, ChunkUsage, ChunkWriter, ChunkWriterOptions, VerifyResult } from "./store.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES, CHUNK_SIZE_BYTES_MAX } from "../../protocol/limits.ts";

/** A simulated medium's default size: large enough never to be the limit in a test. */
export const MEMORY_VOLUME_CAPACITY_BYTES_DEFAULT = 1024 * 1024 * 1024 * 1024;

interface StoredChunk {
  version: number;
  data: Uint8Array;
  checksums: Uint32Array;
}

/** The simulated medium: what survives a restart of a MemoryChunkStore. */
export class MemoryChunkVolume {
  readonly chunks = new Map<ChunkId, StoredChunk>();

  constructor(readonly capacityBytes = MEMORY_VOLUME_CAPACITY_BYTES_DEFAULT) {}

  /** Flips one byte of a chunk's data, as a bad disk would. */
  corruptByte(id: ChunkId, version: number, offsetBytes: number): void {
    const chunk = this.chunks.get(id);
    assert(chunk && chunk.version === version, `chunk ${id} version ${version} is on the volume`);
    assert(offsetBytes >= 0 && offsetBytes < chunk.data.length, "the byte is inside the chunk");
    chunk.data[offsetBytes] ^= 0xff;
  }

  /** Damages a chunk's checksum list, as a bad sidecar would. */
  corruptChecksums(id: ChunkId, version: number): void {
    const chunk = this.chunks.get(id);
    assert(chunk && chunk.version === version, `chunk ${id} version ${version} is on the volume`);
    // A list that no longer matches the data length, which decodeSidecar would reject.
    chunk.checksums = new Uint32Array(chunk.checksums.length + 1);
  }
}

export class MemoryChunkStore implements ChunkStore {
  private readonly index = new ChunkIndex();
  private readonly writers = new Set<MemoryChunkWriter>();
  private closed = false;

  constructor(readonly volume = new MemoryChunkVolume()) {
    for (const [id, chunk] of volume.chunks) this.index.put({ id, version: chunk.version, sizeBytes: chunk.data.length });
  }

  async createWriter(id: ChunkId, version: number, options?: ChunkWriterOptions): Promise<ChunkWriter> {
    this.assertOpen();
    validateChunkId(id);
    validateChunkVersion(version);
    const limitBytes = writeLimitBytes(id, options);
    this.index.beginWrite(id, version);
    const writer = new MemoryChunkWriter(id, version, limitBytes, options?.expectedSizeBytes, {
      install: (data) => this.install(id, version, data),
      release: () => {
        this.writers.delete(writer);
        this.index.endWrite(id);
      },
    });
    this.writers.add(writer);
    return writer;
  }

  private install(id: ChunkId, version: number, data: Uint8Array): ChunkInfo {
    const list: number[] = [];
    appendBlockChecksums(data, list);
    const checksums = Uint32Array.from(list);
    this.index.put({ id, version, sizeBytes: data.length });
    this.volume.chunks.set(id, { version, data, checksums });
    return { id, version, sizeBytes: data.length, blockCount: checksums.length, checksumDigest: checksumDigest(checksums) };
  }

  async read(id: ChunkId, version: number, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    const chunk = this.chunkOf(id, version);
    const { startBytes, endBytes } = clampRange(chunk.data.length, offsetBytes, lengthBytes);
    this.checkBlocks(id, chunk, startBytes, endBytes);
    // A copy: the caller must not be able to change the "medium".
    return chunk.data.slice(startBytes, endBytes);
  }

  async *createReadStream(id: ChunkId, version: number, offsetBytes = 0, lengthBytes?: number, options: ChunkReadOptions = {}): AsyncGenerator<Uint8Array> {
    const chunk = this.chunkOf(id, version);
    const { startBytes, endBytes } = clampRange(chunk.data.length, offsetBytes, lengthBytes ?? chunk.data.length, CHUNK_SIZE_BYTES_MAX);
    for (let pieceStart = startBytes; pieceStart < endBytes; ) {
      // Pieces end on block boundaries, as the disk store's do.
      const pieceEnd = Math.min(endBytes, (Math.floor(pieceStart / READ_PIECE_BYTES) + 1) * READ_PIECE_BYTES);
      if (options.verify ?? true) this.checkBlocks(id, chunk, pieceStart, pieceEnd);
      yield chunk.data.slice(pieceStart, pieceEnd);
      pieceStart = pieceEnd;
    }
  }

  async readBlockChecksums(id: ChunkId, version: number): Promise<ChunkChecksums> {
    const chunk = this.chunkOf(id, version);
    this.checkChecksumList(id, chunk);
    return { blockBytes: CHUNK_CHECKSUM_BLOCK_BYTES, sizeBytes: chunk.data.length, checksums: chunk.checksums.slice() };
  }

  stat(id: ChunkId): ChunkEntry | undefined {
    this.assertOpen();
    return this.index.get(validateChunkId(id));
  }

  async *list(): AsyncGenerator<ChunkEntry> {
    this.assertOpen();
    yield* this.index.entries();
  }

  async delete(id: ChunkId, version?: number): Promise<boolean> {
    this.assertOpen();
    validateChunkId(id);
    if (version !== undefined) validateChunkVersion(version);
    const held = this.index.get(id);
    if (!held || (version !== undefined && held.version !== version)) return false;
    this.index.remove(id);
    this.volume.chunks.delete(id);
    return true;
  }

  async verify(id: ChunkId, version: number): Promise<VerifyResult> {
    const chunk = this.chunkOf(id, version);
    try {
      this.checkBlocks(id, chunk, 0, chunk.data.length);
    } catch (err) {
      if (err instanceof ChunkCorruptError) return { ok: false, blockIndex: err.blockIndex, reason: err.message };
      throw err;
    }
    return { ok: true, sizeBytes: chunk.data.length };
  }

  usage(): ChunkUsage {
    return this.index.usage();
  }

  async capacity(): Promise<ChunkCapacity> {
    const { usedBytes } = this.index.usage();
    return { capacityBytes: this.volume.capacityBytes, freeBytes: Math.max(0, this.volume.capacityBytes - usedBytes) };
  }

  localPath(id: ChunkId, version: number): string | undefined {
    this.chunkOf(id, version);
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.writers].map((writer) => writer.abort()));
  }

  private assertOpen(): void {
    assert(!this.closed, "the chunk store is closed");
  }

  private chunkOf(id: ChunkId, version: number): StoredChunk {
    this.assertOpen();
    validateChunkId(id);
    validateChunkVersion(version);
    this.index.require(id, version);
    const chunk = this.volume.chunks.get(id);
    // The volume is only changed through this store (and the corruption hooks).
    if (!chunk || chunk.version !== version) throw new ChunkNotFoundError(id, version);
    return chunk;
  }

  private checkChecksumList(id: ChunkId, chunk: StoredChunk): void {
    if (chunk.checksums.length !== blockCountOf(chunk.data.length)) {
      throw new ChunkCorruptError(id, chunk.version, undefined, `checksum file: ${chunk.checksums.length} blocks for ${chunk.data.length} bytes`);
    }
  }

  /** Verifies the blocks covering [startBytes, endBytes), as the disk store does on a read. */
  private checkBlocks(id: ChunkId, chunk: StoredChunk, startBytes: number, endBytes: number): void {
    this.checkChecksumList(id, chunk);
    if (startBytes === endBytes) return;
    const firstBlock = Math.floor(startBytes / CHUNK_CHECKSUM_BLOCK_BYTES);
    const spanEnd = Math.min(chunk.data.length, Math.ceil(endBytes / CHUNK_CHECKSUM_BLOCK_BYTES) * CHUNK_CHECKSUM_BLOCK_BYTES);
    const bad = findBadBlock(chunk.data.subarray(firstBlock * CHUNK_CHECKSUM_BLOCK_BYTES, spanEnd), firstBlock, chunk.checksums);
    if (bad !== undefined) throw new ChunkCorruptError(id, chunk.version, bad, "block checksum mismatch");
  }
}

interface MemoryWriterHooks {
  install(data: Uint8Array): ChunkInfo;
  release(): void;
}

/** Gathers copies of the packets; they are joined only at commit. */
class MemoryChunkWriter implements ChunkWriter {
  writtenBytes = 0;
  private readonly pieces: Uint8Array[] = [];
  private state: "open" | "committed" | "aborted" = "open";

  constructor(
    readonly id: ChunkId,
    readonly version: number,
    private readonly limitBytes: number,
    private readonly expectedSizeBytes: number | undefined,
    private readonly hooks: MemoryWriterHooks,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    assert(this.state === "open", `write() on a ${this.state} writer of chunk ${this.id}`);
    const afterBytes = this.writtenBytes + bytes.length;
    if (afterBytes > this.limitBytes) throw new ChunkTooLargeError(this.id, this.limitBytes, afterBytes);
    this.pieces.push(bytes.slice());
    this.writtenBytes = afterBytes;
  }

  async commit(): Promise<ChunkInfo> {
    assert(this.state === "open", `commit() on a ${this.state} writer of chunk ${this.id}`);
    try {
      if (this.expectedSizeBytes !== undefined && this.writtenBytes !== this.expectedSizeBytes) {
        throw new ChunkSizeMismatchError(this.id, this.expectedSizeBytes, this.writtenBytes);
      }
      const data = new Uint8Array(this.writtenBytes);
      let offset = 0;
      for (const piece of this.pieces) {
        data.set(piece, offset);
        offset += piece.length;
      }
      const info = this.hooks.install(data);
      this.state = "committed";
      return info;
    } catch (err) {
      this.state = "aborted";
      throw err;
    } finally {
      this.pieces.length = 0;
      this.hooks.release();
    }
  }

  async abort(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "aborted";
    this.pieces.length = 0;
    this.hooks.release();
  }
}
