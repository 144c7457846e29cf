// The mount's local read cache on disk (--cache-dir, --cache-size; docs/mount.md "Read
// cache"). A file's bytes are cut into pieces of its chunks, and a piece is kept under its
// chunk's id, version and offset: a committed chunk version never changes (a write makes a new
// version, copy on write), so a kept piece is right for as long as a stat names that version, and
// is simply never asked for again once the file moved on. Pieces leave in LRU order when the
// folder would grow past its size.
//
// On disk: DIR/LOCK (the pid of the mount that uses the folder), DIR/tmp/ (pieces being
// written, renamed into place when whole), DIR/xx/<chunk id>.<version>.<piece> where xx is
// the chunk id's last two hex digits (ids are handed out in sequence: the last digits spread
// them over 256 folders). Each piece file starts with a header naming what it holds and the
// CRC32 of its bytes, checked on every read: a torn or damaged file is a miss, never wrong bytes.
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FileRangeReader, LocalChunkSpan, StatView } from "../../client/fs.ts";
import type { ReadByteCounters } from "../../client/file-reader.ts";
import { isChunkId } from "../../protocol/chunk-id.ts";
import type { MountReadCache } from "../read-cache.ts";
import { READ_AHEAD_BLOCK_BYTES } from "../vfs/read-ahead.ts";

/**
 * Bytes of one cached piece: the mount reads files in blocks of this size (the vfs's read-ahead,
 * READ_AHEAD_BLOCK_BYTES), so a block is one piece and one fetch; smaller pieces would split each
 * block into several requests to the chunk servers.
 */
export const READ_CACHE_PIECE_BYTES_DEFAULT = READ_AHEAD_BLOCK_BYTES;
/** The smallest --cache-size worth having: a few pieces. */
export const READ_CACHE_SIZE_BYTES_MIN = 4 * READ_CACHE_PIECE_BYTES_DEFAULT;

const HEADER_MAGIC = 0x5452_4331; // "TRC1"
const HEADER_BYTES = 24;
const PIECE_NAME = /^([0-9a-f]{16})\.(\d{1,15})\.(\d{1,9})$/;

export interface DiskReadCacheOptions {
  dir: string;
  /** The most bytes the pieces (headers included) take on disk. */
  sizeBytes: number;
  pieceBytes?: number;
  /** A line for the mount's log (a failed write of a piece, a damaged piece). */
  log?(line: string): void;
}

export interface ReadCacheStats {
  hits: number;
  misses: number;
  /** Bytes answered from the folder. */
  hitBytes: number;
  /** Bytes fetched from the cluster and kept. */
  storedBytes: number;
  evictions: number;
  /** Pieces that failed their check on read and were dropped. */
  damaged: number;
  pieces: number;
  usedBytes: number;
}

interface PieceRef {
  key: string;
  chunkId: string;
  version: number;
  pieceIndex: number;
  /** The piece's first byte's offset in its chunk. */
  offsetInChunkBytes: number;
  sizeBytes: number;
}

/** A chunk of the file as the stat saw it: where it starts in the file. */
interface ChunkSpan {
  id: string;
  version: number;
  fileOffsetBytes: number;
  sizeBytes: number;
}

class CacheLockedError extends Error {
  override name = "UsageError";
}

/** Opens (making it if missing) a cache folder, takes its lock and reads what it already holds. */
export function openDiskReadCache(options: DiskReadCacheOptions): DiskReadCache {
  return new DiskReadCache(options);
}

export class DiskReadCache implements MountReadCache {
  readonly pieceBytes: number;
  private readonly dir: string;
  private readonly sizeBytes: number;
  private readonly log: (line: string) => void;
  /** Kept pieces, least recently used first (a Map keeps insertion order; a hit moves its key to the end). */
  private readonly lru = new Map<string, number>();
  private usedBytes = 0;
  /** Pieces being fetched: a second reader of one waits for the first fetch instead of making its own. */
  private readonly inFlight = new Map<string, Promise<Uint8Array>>();
  /** Pieces being written to disk, served from memory meanwhile; close() waits for the writes. */
  private readonly writing = new Map<string, Uint8Array>();
  private readonly writes = new Set<Promise<void>>();
  private readonly counts = { hits: 0, misses: 0, hitBytes: 0, storedBytes: 0, evictions: 0, damaged: 0 };
  private tmpSequence = 0;
  private closed = false;
  private writeFailureLogged = false;

  constructor(options: DiskReadCacheOptions) {
    this.dir = options.dir;
    this.sizeBytes = options.sizeBytes;
    this.pieceBytes = options.pieceBytes ?? READ_CACHE_PIECE_BYTES_DEFAULT;
    this.log = options.log ?? (() => {});
    if (!Number.isSafeInteger(this.pieceBytes) || this.pieceBytes <= 0) throw new RangeError(`a read cache piece of ${this.pieceBytes} bytes is not possible`);
    if (!Number.isSafeInteger(this.sizeBytes) || this.sizeBytes <= 0) throw new RangeError(`a read cache of ${this.sizeBytes} bytes is not possible`);
    mkdirSync(this.dir, { recursive: true });
    this.lock();
    rmSync(join(this.dir, "tmp"), { recursive: true, force: true });
    mkdirSync(join(this.dir, "tmp"));
    this.loadIndex();
  }

  stats(): ReadCacheStats {
    return { ...this.counts, pieces: this.lru.size, usedBytes: this.usedBytes };
  }

  wrap(stat: StatView, reader: FileRangeReader): FileRangeReader {
    const spans = chunkSpans(stat, reader.sizeBytes);
    if (spans === undefined) return reader;
    const cache = this;
    let hitBytes = 0;
    const counters: ReadByteCounters = {
      get localBytes() {
        return reader.counters.localBytes + hitBytes;
      },
      get remoteBytes() {
        return reader.counters.remoteBytes;
      },
    };
    return {
      path: reader.path,
      sizeBytes: reader.sizeBytes,
      counters,
      localChunks: (startBytes: number, endBytes: number): Promise<LocalChunkSpan[]> => reader.localChunks(startBytes, endBytes),
      async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
        const start = Math.max(0, offsetBytes);
        const end = Math.min(reader.sizeBytes, offsetBytes + Math.max(0, lengthBytes));
        if (end <= start) return new Uint8Array(0);
        const out = new Uint8Array(end - start);
        // Where a piece came back short (the file is shorter than its stat said): the answer ends there, never padded with zeros.
        let answeredEnd = end;
        const parts: Array<Promise<void>> = [];
        for (const span of spans) {
          const spanEnd = span.fileOffsetBytes + span.sizeBytes;
          if (spanEnd <= start || span.fileOffsetBytes >= end) continue;
          const firstPiece = Math.floor((Math.max(start, span.fileOffsetBytes) - span.fileOffsetBytes) / cache.pieceBytes);
          const lastPiece = Math.floor((Math.min(end, spanEnd) - 1 - span.fileOffsetBytes) / cache.pieceBytes);
          for (let index = firstPiece; index <= lastPiece; index++) {
            const offsetInChunkBytes = index * cache.pieceBytes;
            const piece: PieceRef = {
              key: pieceKey(span.id, span.version, index),
              chunkId: span.id,
              version: span.version,
              pieceIndex: index,
              offsetInChunkBytes,
              sizeBytes: Math.min(cache.pieceBytes, span.sizeBytes - offsetInChunkBytes),
            };
            const pieceFileOffset = span.fileOffsetBytes + offsetInChunkBytes;
            parts.push(
              cache.piece(piece, () => reader.read(pieceFileOffset, piece.sizeBytes), (n) => (hitBytes += n)).then((bytes) => {
                if (bytes.length < piece.sizeBytes) answeredEnd = Math.min(answeredEnd, pieceFileOffset + bytes.length);
                const from = Math.max(start, pieceFileOffset);
                const to = Math.min(end, pieceFileOffset + bytes.length);
                if (to > from) out.set(bytes.subarray(from - pieceFileOffset, to - pieceFileOffset), from - start);
              }),
            );
          }
        }
        await Promise.all(parts);
        return answeredEnd < end ? out.subarray(0, Math.max(0, answeredEnd - start)) : out;
      },
    };
  }

  /** Resolves when every piece fetched so far is on disk (or failed to be written). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
    rmSync(join(this.dir, "LOCK"), { force: true });
  }

  /** A piece's bytes: from the folder when kept and whole, else fetched once and kept. */
  private async piece(ref: PieceRef, fetch: () => Promise<Uint8Array>, onHit: (bytes: number) => void): Promise<Uint8Array> {
    const pending = this.inFlight.get(ref.key);
    if (pending) return pending;
    const kept = this.writing.get(ref.key) ?? (this.lru.has(ref.key) ? await this.readPiece(ref) : undefined);
    if (kept !== undefined) {
      this.touch(ref.key);
      this.counts.hits += 1;
      this.counts.hitBytes += kept.length;
      onHit(kept.length);
      return kept;
    }
    const fetchingNow = this.inFlight.get(ref.key);
    if (fetchingNow) return fetchingNow;
    this.counts.misses += 1;
    const fetching = fetch().then((bytes) => {
      // A short answer (the file is shorter than its stat said) is passed on but not kept.
      if (bytes.length === ref.sizeBytes && !this.closed) this.keep(ref, bytes);
      return bytes;
    });
    this.inFlight.set(ref.key, fetching);
    try {
      return await fetching;
    } finally {
      this.inFlight.delete(ref.key);
    }
  }

  private async readPiece(ref: PieceRef): Promise<Uint8Array | undefined> {
    let file: Uint8Array;
    try {
      file = new Uint8Array(await readFile(this.piecePath(ref.key, ref.chunkId)));
    } catch {
      // Evicted between the index check and the read: a miss.
      return undefined;
    }
    const body = checkedBody(file, ref);
    if (body === undefined) {
      this.counts.damaged += 1;
      this.log(`read cache: piece ${ref.key} failed its check and was dropped`);
      this.forget(ref.key, ref.chunkId);
    }
    return body;
  }

  /** Moves a kept piece to the most recently used end. */
  private touch(key: string): void {
    const size = this.lru.get(key);
    if (size === undefined) return;
    this.lru.delete(key);
    this.lru.set(key, size);
  }

  private keep(ref: PieceRef, bytes: Uint8Array): void {
    const fileBytes = HEADER_BYTES + bytes.length;
    if (fileBytes > this.sizeBytes) return;
    const copy = new Uint8Array(fileBytes);
    writeHeader(copy, ref, bytes);
    copy.set(bytes, HEADER_BYTES);
    const tmp = join(this.dir, "tmp", `${process.pid}-${(this.tmpSequence += 1)}`);
    const target = this.piecePath(ref.key, ref.chunkId);
    // Counted and placed in LRU order now, when it is used, not when its write ends (writes end
    // in any order). An older file of the piece (a damaged one) is replaced by the rename.
    this.forgetEntry(ref.key);
    this.lru.set(ref.key, fileBytes);
    this.usedBytes += fileBytes;
    this.writing.set(ref.key, bytes);
    this.evict();
    const write = (async () => {
      try {
        mkdirSync(join(this.dir, shardOf(ref.chunkId)), { recursive: true });
        await writeFile(tmp, copy);
        await rename(tmp, target);
      } catch (err) {
        await unlink(tmp).catch(() => {});
        if (this.lru.get(ref.key) === fileBytes) this.forgetEntry(ref.key);
        if (!this.writeFailureLogged) {
          this.writeFailureLogged = true;
          this.log(`read cache: cannot keep pieces in ${this.dir}: ${(err as Error).message} (reads go on from the cluster)`);
        }
        return;
      }
      // Evicted while it was being written: its file must not outlive its entry.
      if (!this.lru.has(ref.key)) await unlink(target).catch(() => {});
      else this.counts.storedBytes += bytes.length;
    })();
    this.writes.add(write);
    void write.finally(() => {
      this.writes.delete(write);
      this.writing.delete(ref.key);
    });
  }

  private evict(): void {
    for (const [key] of this.lru) {
      if (this.usedBytes <= this.sizeBytes) break;
      this.counts.evictions += 1;
      this.forget(key, key.slice(0, 16));
    }
  }

  private forget(key: string, chunkId: string): void {
    if (!this.forgetEntry(key)) return;
    // Synchronous (a few microseconds, once per 4 MiB piece): an unlink still queued could
    // otherwise remove the file of the same piece fetched and renamed into place meanwhile. A
    // reader that has the file open still reads it whole: unlinking only drops the name.
    try {
      unlinkSync(this.piecePath(key, chunkId));
    } catch {
      // Already gone.
    }
  }

  /** Drops a piece from the index; whether it was there. */
  private forgetEntry(key: string): boolean {
    const size = this.lru.get(key);
    if (size === undefined) return false;
    this.lru.delete(key);
    this.usedBytes -= size;
    return true;
  }

  private piecePath(key: string, chunkId: string): string {
    return join(this.dir, shardOf(chunkId), key);
  }

  /** One mount per folder: two would each count the other's pieces as nothing and overrun the size. */
  private lock(): void {
    const path = join(this.dir, "LOCK");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, "wx");
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
        throw new CacheLockedError(`the cache folder ${this.dir} is in use by another mount (process ${holder}); give each mount its own --cache-dir`);
      }
      // Left by a process that is gone: take it over.
      rmSync(path, { force: true });
    }
    throw new CacheLockedError(`cannot lock the cache folder ${this.dir}`);
  }

  /** Pieces kept by an earlier run: oldest written first, so they leave first. */
  private loadIndex(): void {
    const found: Array<{ key: string; sizeBytes: number; mtimeMs: number }> = [];
    for (const shard of readdirSync(this.dir, { withFileTypes: true })) {
      if (!shard.isDirectory() || !/^[0-9a-f]{2}$/.test(shard.name)) continue;
      for (const name of readdirSync(join(this.dir, shard.name))) {
        const path = join(this.dir, shard.name, name);
        if (!PIECE_NAME.test(name) || shardOf(name.slice(0, 16)) !== shard.name) {
          rmSync(path, { force: true, recursive: true });
          continue;
        }
        const info = statSync(path);
        found.push({ key: name, sizeBytes: info.size, mtimeMs: info.mtimeMs });
      }
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const piece of found) {
      this.lru.set(piece.key, piece.sizeBytes);
      this.usedBytes += piece.sizeBytes;
    }
    // A smaller --cache-size than last time.
    this.evict();
  }
}

/** The file's chunks laid end to end, or undefined when the stat does not describe every byte with committed chunks (the reader is then used as it is). */
function chunkSpans(stat: StatView, sizeBytes: number): ChunkSpan[] | undefined {
  if (stat.kind !== "file" || sizeBytes === 0 || stat.size !== sizeBytes) return undefined;
  const chunks = [...stat.chunks].sort((a, b) => a.index - b.index);
  const spans: ChunkSpan[] = [];
  let offset = 0;
  for (const [position, chunk] of chunks.entries()) {
    if (chunk.index !== position || !chunk.committed || !isChunkId(chunk.id) || !Number.isSafeInteger(chunk.version) || chunk.version < 0 || chunk.size <= 0) return undefined;
    spans.push({ id: chunk.id, version: chunk.version, fileOffsetBytes: offset, sizeBytes: chunk.size });
    offset += chunk.size;
  }
  return offset === sizeBytes ? spans : undefined;
}

function pieceKey(chunkId: string, version: number, pieceIndex: number): string {
  return `${chunkId}.${version}.${pieceIndex}`;
}

function shardOf(chunkId: string): string {
  return chunkId.slice(-2);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

// Header: magic u32, version u32 (low 32 bits; the name carries all of it), offset in chunk
// u64, length u32, CRC32 u32, little endian.
function writeHeader(target: Uint8Array, ref: PieceRef, bytes: Uint8Array): void {
  const view = new DataView(target.buffer, target.byteOffset, HEADER_BYTES);
  view.setUint32(0, HEADER_MAGIC, true);
  view.setUint32(4, ref.version >>> 0, true);
  view.setBigUint64(8, BigInt(ref.offsetInChunkBytes), true);
  view.setUint32(16, bytes.length, true);
  view.setUint32(20, Bun.hash.crc32(bytes) >>> 0, true);
}

/** The piece's bytes when the file holds exactly what `ref` names, whole and undamaged. */
function checkedBody(file: Uint8Array, ref: PieceRef): Uint8Array | undefined {
  if (file.length !== HEADER_BYTES + ref.sizeBytes) return undefined;
  const view = new DataView(file.buffer, file.byteOffset, HEADER_BYTES);
  if (view.getUint32(0, true) !== HEADER_MAGIC) return undefined;
  if (view.getUint32(4, true) !== ref.version >>> 0) return undefined;
  if (view.getBigUint64(8, true) !== BigInt(ref.offsetInChunkBytes)) return undefined;
  if (view.getUint32(16, true) !== ref.sizeBytes) return undefined;
  const body = file.subarray(HEADER_BYTES);
  if ((Bun.hash.crc32(body) >>> 0) !== view.getUint32(20, true)) return undefined;
  return body;
}
