// The chunk store of a chunk server: the narrow surface the write pipeline, the read
// protocol, the scrubber and block reports use (STYLE.md §4). Two implementations answer the
// same compliance suite (test/chunk/store-suite.ts): DiskChunkStore, the real one, and
// MemoryChunkStore, its in-memory twin for simulations and tests of the layers above.
//
// A chunk is (id, version): the master bumps the version when it rebuilds a pipeline, so a
// replica that missed the rebuild holds an older version and is detectably stale. A store
// holds at most one version of an id; committing a higher one replaces the older.
import type { ChunkChecksums } from "./checksum.ts";
import type { ChunkId } from "../../protocol/chunk-id.ts";

export type { ChunkId } from "../../protocol/chunk-id.ts";
export type { ChunkChecksums } from "./checksum.ts";

/** One chunk held: what a block report carries. */
export interface ChunkEntry {
  readonly id: ChunkId;
  readonly version: number;
  readonly sizeBytes: number;
}

/** What a commit returns: replicas in a pipeline compare `checksumDigest` to agree on the bytes. */
export interface ChunkInfo extends ChunkEntry {
  readonly blockCount: number;
  /** CRC32 over the list of block CRC32s (see checksumDigest in checksum.ts). */
  readonly checksumDigest: number;
}

export type VerifyResult =
  | { readonly ok: true; readonly sizeBytes: number }
  /** blockIndex is undefined when the checksum list itself is damaged. */
  | { readonly ok: false; readonly blockIndex: number | undefined; readonly reason: string };

export interface ChunkUsage {
  readonly chunkCount: number;
  /** Data bytes of every chunk held (checksum lists add 4 bytes per 64 KiB on top). */
  readonly usedBytes: number;
}

export interface ChunkCapacity {
  readonly capacityBytes: number;
  /** Bytes an unprivileged writer can still use. */
  readonly freeBytes: number;
}

export interface ChunkWriterOptions {
  /** When known, a write past it fails at once and commit() checks it was reached exactly. */
  readonly expectedSizeBytes?: number;
}

/**
 * Streams one chunk version in. Nothing is visible to readers until commit() returns; a
 * writer that is aborted, fails, or is abandoned by a crash leaves nothing behind.
 */
export interface ChunkWriter {
  readonly id: ChunkId;
  readonly version: number;
  readonly writtenBytes: number;
  /**
   * Appends bytes (any size; the pipeline feeds ~64 KiB packets). The bytes are copied before
   * the promise settles, so the caller may reuse its buffer afterwards. Calls must not
   * overlap: await each. Throws ChunkTooLargeError, writing nothing, past the size limit.
   */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Optional: appends a packet whose block CRCs the caller has already checked against its
   * bytes (the write pipeline checks every packet on arrival), so a writer that keeps CRCs can
   * take them instead of computing them a second time. `blockCrcs` holds one little-endian
   * CRC-32 per 64 KiB block of the packet, the last block possibly partial. A writer uses them
   * only where they line up with its blocks, and computes the rest. Otherwise as write().
   */
  writeChecked?(packet: Uint8Array | Iterable<Uint8Array>, blockCrcs: Uint8Array): Promise<void>;
  /**
   * Makes the chunk durable and visible (fsync, rename, fsync the folder) and replaces an
   * older version of the id. On failure the writer is aborted and the error rethrown.
   */
  commit(): Promise<ChunkInfo>;
  /** Drops everything written. Idempotent; a no-op after commit. */
  abort(): Promise<void>;
}

export interface ChunkReadOptions {
  /** Check each block's CRC (the default); false when the receiver checks them end to end. */
  readonly verify?: boolean;
}

export interface ChunkStore {
  /**
   * Starts writing (id, version). Throws ChunkExistsError when that version is held,
   * StaleChunkError when a newer version is held, ChunkBusyError while another writer holds
   * the id, ChunkTooLargeError when expectedSizeBytes is past CHUNK_SIZE_BYTES_MAX.
   */
  createWriter(id: ChunkId, version: number, options?: ChunkWriterOptions): Promise<ChunkWriter>;

  /**
   * Verified bytes [offsetBytes, offsetBytes + lengthBytes), cut short at the end of the
   * chunk. Throws ChunkNotFoundError, StaleChunkError, ChunkCorruptError (naming the block),
   * ChunkRangeError (offset past the end, or length past READ_LENGTH_BYTES_MAX).
   */
  read(id: ChunkId, version: number, offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;

  /**
   * The same bytes as read(), verified piece by piece (READ_PIECE_BYTES at a time) so memory
   * stays flat for any length; lengthBytes defaults to the rest of the chunk. Errors surface
   * from the iteration. `verify: false` skips the blocks' CRC check, for a caller that checks
   * every block itself against readBlockChecksums() (a remote reader: read-protocol.ts).
   */
  createReadStream(id: ChunkId, version: number, offsetBytes?: number, lengthBytes?: number, options?: ChunkReadOptions): AsyncIterable<Uint8Array>;

  /** The block checksums, for the read protocol to send with data (end-to-end verification). */
  readBlockChecksums(id: ChunkId, version: number): Promise<ChunkChecksums>;

  /** The version held of an id, if any. Answers from memory. */
  stat(id: ChunkId): ChunkEntry | undefined;

  /** Every chunk held, for block reports. */
  list(): AsyncIterable<ChunkEntry>;

  /**
   * Removes the chunk; with a version, only if that exact version is held. Returns whether
   * something was removed.
   */
  delete(id: ChunkId, version?: number): Promise<boolean>;

  /**
   * Rereads and checks the whole chunk from its medium (the scrubber's unit of work).
   * Corruption is a result, not an error; a chunk not held throws as read() does.
   */
  verify(id: ChunkId, version: number): Promise<VerifyResult>;

  /** Kept in memory: updated on commit and delete, rebuilt when a store opens. */
  usage(): ChunkUsage;

  /** Of the medium under the store, for heartbeats. */
  capacity(): Promise<ChunkCapacity>;

  /**
   * The committed data file, for the local-read fast path (a reader on the same peer reads it
   * directly and verifies it against readBlockChecksums()); undefined when the store has no
   * files (the memory twin). Throws ChunkNotFoundError / StaleChunkError when not held.
   */
  localPath(id: ChunkId, version: number): string | undefined;

  /**
   * Optional: `bytes` of the chunk were read straight from its file (localPath, the local
   * fast path), for a store that counts reads (the cache tiers' hits, src/cache/tiered-store.ts).
   */
  noteLocalRead?(id: ChunkId, bytes: number): void;

  /** Aborts writers in progress; the store must not be used afterwards. */
  close(): Promise<void>;
}
