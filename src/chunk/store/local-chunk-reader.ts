// Short-circuit reads (HDFS's "short-circuit local reads"): a reader on the peer that holds a
// replica opens the chunk's data file itself and checks every block against the chunk's CRCs,
// with no stream, no chunk server and no copy through the transport. It needs only plain data
// (LocalChunkLocation: paths and numbers, optionally the CRC list), so a map task's worker
// thread can use it as well as the peer's main thread.
//
// Why reading a file the store may delete or replace meanwhile is safe:
//   - A committed chunk file is never written in place. A write goes to a temp file that is
//     renamed into place at commit (disk-store.ts), and a new version of a chunk is a new name
//     (`<id>_<version>.chunk`), so the bytes under one name never change.
//   - The reader opens the data file once and reads through that descriptor. When the store
//     deletes the version (GC, a newer version committed, a balancer move), POSIX keeps the
//     unlinked inode readable through open descriptors: the read finishes with the bytes it
//     started on, which are that version's committed bytes.
//   - A version deleted before the open is ENOENT: a ChunkNotFoundError, and the caller falls
//     back to another replica (or the main thread's path), as for any replica that is gone.
//   - The CRCs come from the same version (the sidecar decodes only for its id and version,
//     checksum.ts), and the data file's size must match them. Any byte changed on disk under
//     us (a flipped bit, an operator's mistake) fails its block's CRC: ChunkCorruptError.
import { open, type FileHandle } from "node:fs/promises";
import { decodeSidecar, SIDECAR_BYTES_MAX, type ChunkChecksums } from "./checksum.ts";
import { ChunkCorruptError, ChunkNotFoundError, ChunkRangeError } from "./errors.ts";
import { allocateUninitialized, isNotFound, readFully } from "../../util/file-io.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES } from "../../protocol/limits.ts";

const BLOCK = CHUNK_CHECKSUM_BLOCK_BYTES;

/** Where one chunk version's files are: plain data, so it can be posted to a worker thread. */
export interface LocalChunkLocation {
  readonly chunkId: string;
  readonly version: number;
  /** The committed data file (`<id>_<version>.chunk`). */
  readonly dataPath: string;
  /** The checksum sidecar beside it; read when `checksums` is not given. */
  readonly sidecarPath?: string;
  /** The chunk's CRCs when the caller has them already (the store's cache): no sidecar read. */
  readonly checksums?: ChunkChecksums;
}

/**
 * One open chunk version. Reads are verified: a range is read as the whole blocks that cover
 * it, each block's CRC is checked, and a view of the range is returned (no second copy).
 */
export class LocalChunkReader {
  private closed = false;

  private constructor(
    readonly location: LocalChunkLocation,
    private readonly handle: FileHandle,
    private readonly sums: ChunkChecksums,
  ) {}

  /** Opens the files; ChunkNotFoundError when the version is gone, ChunkCorruptError when its files disagree. */
  static async open(location: LocalChunkLocation): Promise<LocalChunkReader> {
    const { chunkId, version } = location;
    const sums = location.checksums ?? (await readSidecar(location));
    let handle: FileHandle;
    try {
      handle = await open(location.dataPath, "r");
    } catch (err) {
      if (isNotFound(err)) throw new ChunkNotFoundError(chunkId, version);
      throw err;
    }
    try {
      const fileBytes = (await handle.stat()).size;
      if (fileBytes !== sums.sizeBytes) {
        throw new ChunkCorruptError(chunkId, version, Math.floor(Math.min(fileBytes, sums.sizeBytes) / BLOCK), `data file holds ${fileBytes} bytes, its checksums cover ${sums.sizeBytes}`);
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new LocalChunkReader(location, handle, sums);
  }

  get sizeBytes(): number {
    return this.sums.sizeBytes;
  }

  /**
   * Verified bytes [offsetBytes, offsetBytes + lengthBytes), cut at the chunk's end. A fresh
   * buffer per call: callers keep what they are given.
   */
  async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    if (this.closed) throw new Error(`the local reader of chunk ${this.location.chunkId} is closed`);
    const sizeBytes = this.sums.sizeBytes;
    if (!Number.isSafeInteger(offsetBytes) || offsetBytes < 0 || offsetBytes > sizeBytes || !Number.isSafeInteger(lengthBytes) || lengthBytes < 0) {
      throw new ChunkRangeError(`chunk ${this.location.chunkId}: range ${offsetBytes}+${lengthBytes} of a chunk of ${sizeBytes} bytes`);
    }
    const endBytes = Math.min(sizeBytes, offsetBytes + lengthBytes);
    if (endBytes === offsetBytes) return new Uint8Array(0);
    const firstBlock = Math.floor(offsetBytes / BLOCK);
    const spanStart = firstBlock * BLOCK;
    const spanEnd = Math.min(sizeBytes, Math.ceil(endBytes / BLOCK) * BLOCK);
    // Uninitialized: zeroing fresh memory costs page faults for bytes the read overwrites.
    const span = allocateUninitialized(spanEnd - spanStart);
    const readBytes = await readFully(this.handle, span, spanStart);
    const { chunkId, version } = this.location;
    if (readBytes < span.length) throw new ChunkCorruptError(chunkId, version, Math.floor((spanStart + readBytes) / BLOCK), `data file ends at byte ${spanStart + readBytes}; its checksums cover ${sizeBytes}`);
    const crcs = this.sums.checksums;
    for (let start = 0, block = firstBlock; start < span.length; start += BLOCK, block++) {
      if ((Bun.hash.crc32(span.subarray(start, start + BLOCK)) >>> 0) !== crcs[block]) throw new ChunkCorruptError(chunkId, version, block, "block checksum mismatch");
    }
    return span.subarray(offsetBytes - spanStart, endBytes - spanStart);
  }

  /**
   * The range as verified pieces of about `pieceBytes` (whole blocks), with `aheadPieces`
   * positioned reads in flight so the file thread pool reads while the caller consumes.
   */
  async *pieces(offsetBytes: number, lengthBytes: number, pieceBytes: number, aheadPieces: number): AsyncGenerator<Uint8Array> {
    if (pieceBytes % BLOCK !== 0 || pieceBytes <= 0) throw new RangeError(`pieces of ${pieceBytes} bytes do not hold whole blocks`);
    const endBytes = Math.min(this.sums.sizeBytes, offsetBytes + lengthBytes);
    const inFlight: Array<Promise<Uint8Array>> = [];
    let issuedTo = offsetBytes;
    const issue = (): void => {
      while (inFlight.length < aheadPieces && issuedTo < endBytes) {
        // Pieces after the first start on a block boundary, so no block is read twice.
        const pieceEnd = Math.min(endBytes, (Math.floor(issuedTo / pieceBytes) + 1) * pieceBytes);
        const read = this.read(issuedTo, pieceEnd - issuedTo);
        read.catch(() => undefined); // awaited below in order; never unhandled meanwhile
        inFlight.push(read);
        issuedTo = pieceEnd;
      }
    };
    try {
      issue();
      while (inFlight.length > 0) {
        const piece = await inFlight.shift()!;
        issue();
        yield piece;
      }
    } finally {
      // Reads still in flight must finish before the caller may close the file.
      for (const read of inFlight.splice(0)) await read.catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

async function readSidecar(location: LocalChunkLocation): Promise<ChunkChecksums> {
  const { chunkId, version, sidecarPath } = location;
  if (sidecarPath === undefined) throw new TypeError(`a local read of chunk ${chunkId} needs its checksums or its sidecar's path`);
  let handle: FileHandle;
  try {
    handle = await open(sidecarPath, "r");
  } catch (err) {
    if (isNotFound(err)) throw new ChunkNotFoundError(chunkId, version);
    throw err;
  }
  try {
    const sizeBytes = (await handle.stat()).size;
    if (sizeBytes > SIDECAR_BYTES_MAX) throw new ChunkCorruptError(chunkId, version, undefined, `checksum file of ${sizeBytes} bytes is too long`);
    const bytes = new Uint8Array(sizeBytes);
    const readBytes = await readFully(handle, bytes, 0);
    return decodeSidecar(bytes.subarray(0, readBytes), chunkId, version);
  } finally {
    await handle.close();
  }
}
