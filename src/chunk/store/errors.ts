// One error class per expected failure of the chunk store (STYLE.md §8): `name` identifies it
// in-process, `code` (of the wire's vocabulary, src/protocol/errors.ts) is what a chunk
// protocol sends. A malformed id or version is the protocol's InvalidChunkIdError. Broken
// invariants are not here: they throw AssertionError (src/util/assert.ts).
import { InvalidChunkIdError, WireError } from "../../protocol/errors.ts";

export type ChunkErrorCode =
  | "CHUNK_NOT_FOUND"
  | "CHUNK_CORRUPT"
  | "CHUNK_STALE"
  | "CHUNK_EXISTS"
  | "CHUNK_BUSY"
  | "CHUNK_TOO_LARGE"
  | "CHUNK_SIZE_MISMATCH"
  | "CHUNK_RANGE"
  | "INVALID_CHUNK_ID";

export abstract class ChunkError extends WireError {
  abstract override readonly code: Exclude<ChunkErrorCode, "INVALID_CHUNK_ID">;
}

/** What a chunk store refuses with: one of its own errors, or a malformed id or version. */
export function isChunkStoreError(err: unknown): err is ChunkError | InvalidChunkIdError {
  return err instanceof ChunkError || err instanceof InvalidChunkIdError;
}

export class ChunkNotFoundError extends ChunkError {
  override name = "ChunkNotFoundError";
  readonly code = "CHUNK_NOT_FOUND";
  constructor(
    readonly chunkId: string,
    readonly version: number | undefined,
  ) {
    super(version === undefined ? `chunk ${chunkId} is not held` : `chunk ${chunkId} version ${version} is not held`);
  }
}

/** The chunk is held, but at another version than asked: one of the two replicas is stale. */
export class StaleChunkError extends ChunkError {
  override name = "StaleChunkError";
  readonly code = "CHUNK_STALE";
  constructor(
    readonly chunkId: string,
    readonly version: number,
    readonly heldVersion: number,
  ) {
    super(`chunk ${chunkId}: version ${version} asked, version ${heldVersion} held`);
  }
}

export class ChunkCorruptError extends ChunkError {
  override name = "ChunkCorruptError";
  readonly code = "CHUNK_CORRUPT";
  /**
   * @param blockIndex the 64 KiB block whose checksum failed; undefined when the checksum
   *   list itself (the sidecar) is damaged, so no block can be trusted.
   */
  constructor(
    readonly chunkId: string,
    readonly version: number,
    readonly blockIndex: number | undefined,
    detail: string,
  ) {
    super(`chunk ${chunkId} version ${version} is corrupt${blockIndex === undefined ? "" : ` at block ${blockIndex}`}: ${detail}`);
  }
}

export class ChunkExistsError extends ChunkError {
  override name = "ChunkExistsError";
  readonly code = "CHUNK_EXISTS";
  constructor(
    readonly chunkId: string,
    readonly version: number,
  ) {
    super(`chunk ${chunkId} version ${version} already exists`);
  }
}

/** Another writer holds the chunk id: two writers for one id never interleave. */
export class ChunkBusyError extends ChunkError {
  override name = "ChunkBusyError";
  readonly code = "CHUNK_BUSY";
  constructor(readonly chunkId: string) {
    super(`chunk ${chunkId} is being written by another writer`);
  }
}

export class ChunkTooLargeError extends ChunkError {
  override name = "ChunkTooLargeError";
  readonly code = "CHUNK_TOO_LARGE";
  constructor(
    readonly chunkId: string,
    readonly limitBytes: number,
    readonly attemptedBytes: number,
  ) {
    super(`chunk ${chunkId}: ${attemptedBytes} bytes exceed the limit of ${limitBytes}`);
  }
}

/** commit() of a writer that was promised `expectedSizeBytes` and got a different amount. */
export class ChunkSizeMismatchError extends ChunkError {
  override name = "ChunkSizeMismatchError";
  readonly code = "CHUNK_SIZE_MISMATCH";
  constructor(
    readonly chunkId: string,
    readonly expectedBytes: number,
    readonly writtenBytes: number,
  ) {
    super(`chunk ${chunkId}: ${writtenBytes} bytes written, ${expectedBytes} expected`);
  }
}

/** A read that starts past the end of the chunk, or asks for more than one read may return. */
export class ChunkRangeError extends ChunkError {
  override name = "ChunkRangeError";
  readonly code = "CHUNK_RANGE";
}
