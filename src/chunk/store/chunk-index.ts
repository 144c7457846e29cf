// The in-memory index every ChunkStore keeps, and the rules about versions and writers that
// must be the same in all of them: which version of an id is held, who is writing which id,
// and the usage totals heartbeats report. One Map entry per chunk: ~100 bytes each, so 100k
// chunks cost ~10 MB, which is why there is no separate on-disk index to keep consistent.
import { assert } from "../../util/assert.ts";
import type { ChunkId } from "../../protocol/chunk-id.ts";
import { READ_LENGTH_BYTES_MAX } from "./constants.ts";
import { ChunkBusyError, ChunkExistsError, ChunkNotFoundError, ChunkRangeError, ChunkTooLargeError, StaleChunkError } from "./errors.ts";
import type { ChunkEntry, ChunkUsage, ChunkWriterOptions } from "./store.ts";
import { CHUNK_SIZE_BYTES_MAX } from "../../protocol/limits.ts";

interface Held {
  version: number;
  sizeBytes: number;
}

export class ChunkIndex {
  private readonly held = new Map<ChunkId, Held>();
  private readonly writing = new Set<ChunkId>();
  private usedBytes = 0;

  get(id: ChunkId): ChunkEntry | undefined {
    const held = this.held.get(id);
    return held && { id, version: held.version, sizeBytes: held.sizeBytes };
  }

  /** The entry of exactly (id, version), or the error a reader of it must get. */
  require(id: ChunkId, version: number): ChunkEntry {
    const held = this.held.get(id);
    if (!held) throw new ChunkNotFoundError(id, version);
    if (held.version !== version) throw new StaleChunkError(id, version, held.version);
    return { id, version, sizeBytes: held.sizeBytes };
  }

  /** Claims the id for one writer, after checking the version may be written. */
  beginWrite(id: ChunkId, version: number): void {
    if (this.writing.has(id)) throw new ChunkBusyError(id);
    const held = this.held.get(id);
    if (held && held.version === version) throw new ChunkExistsError(id, version);
    if (held && held.version > version) throw new StaleChunkError(id, version, held.version);
    this.writing.add(id);
  }

  endWrite(id: ChunkId): void {
    assert(this.writing.delete(id), `chunk ${id} had a writer`);
  }

  /** Records a committed chunk; returns the older version it replaces, if any. */
  put(entry: ChunkEntry): ChunkEntry | undefined {
    const previous = this.get(entry.id);
    assert(!previous || previous.version < entry.version, `a commit only replaces an older version of ${entry.id}`);
    if (previous) this.usedBytes -= previous.sizeBytes;
    this.held.set(entry.id, { version: entry.version, sizeBytes: entry.sizeBytes });
    this.usedBytes += entry.sizeBytes;
    return previous;
  }

  remove(id: ChunkId): ChunkEntry | undefined {
    const previous = this.get(id);
    if (!previous) return undefined;
    this.held.delete(id);
    this.usedBytes -= previous.sizeBytes;
    assert(this.usedBytes >= 0, "used bytes never go negative");
    return previous;
  }

  usage(): ChunkUsage {
    return { chunkCount: this.held.size, usedBytes: this.usedBytes };
  }

  *entries(): IterableIterator<ChunkEntry> {
    for (const [id, held] of this.held) yield { id, version: held.version, sizeBytes: held.sizeBytes };
  }
}

/** The most bytes a writer may take: the promised size, else the store's limit. */
export function writeLimitBytes(id: ChunkId, options: ChunkWriterOptions | undefined): number {
  const expected = options?.expectedSizeBytes;
  if (expected === undefined) return CHUNK_SIZE_BYTES_MAX;
  assert(Number.isSafeInteger(expected) && expected >= 0, "expectedSizeBytes is a non-negative integer");
  if (expected > CHUNK_SIZE_BYTES_MAX) throw new ChunkTooLargeError(id, CHUNK_SIZE_BYTES_MAX, expected);
  return expected;
}

/** Checks a requested range against a chunk of `sizeBytes`; returns it cut at the chunk's end. */
export function clampRange(sizeBytes: number, offsetBytes: number, lengthBytes: number, lengthBytesMax = READ_LENGTH_BYTES_MAX): { startBytes: number; endBytes: number } {
  if (!Number.isSafeInteger(offsetBytes) || offsetBytes < 0) throw new ChunkRangeError(`offset ${offsetBytes} is not a non-negative integer`);
  if (!Number.isSafeInteger(lengthBytes) || lengthBytes < 0) throw new ChunkRangeError(`length ${lengthBytes} is not a non-negative integer`);
  if (lengthBytes > lengthBytesMax) throw new ChunkRangeError(`length ${lengthBytes} exceeds the limit of ${lengthBytesMax} for one read`);
  if (offsetBytes > sizeBytes) throw new ChunkRangeError(`offset ${offsetBytes} is past the end of a ${sizeBytes}-byte chunk`);
  return { startBytes: offsetBytes, endBytes: Math.min(sizeBytes, offsetBytes + lengthBytes) };
}
