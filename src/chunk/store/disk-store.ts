// DiskChunkStore: chunks as plain files under `<data dir>/chunks`, checksums beside them.
//
// Layout:
//   <root>/<ab>/<id>_<version>.chunk   the chunk's bytes, nothing else
//   <root>/<ab>/<id>_<version>.meta    its checksum sidecar (format in checksum.ts)
//   <root>/<ab>/<stem>.{chunk,meta}.tmp-<nonce>   a write in progress
// where <ab> is the id's first byte (fan-out: no folder holds more than 1/256 of the chunks)
// and every name comes from a validated id and version only (chunk-id.ts).
//
// Why a sidecar rather than a header: the data file stays the chunk's exact bytes, so the
// local-read fast path, a future sendfile/mmap path and an operator's `cmp` read it at plain
// offsets; and a streamed write does not know its checksums (or, without expectedSizeBytes,
// even its length) until the end, so a header would have to be reserved at the maximum size
// or rewritten in place. The cost is two files per chunk, handled below (HDFS does the same:
// blk_N and blk_N_genstamp.meta).
//
// Commit protocol (a chunk exists whole and verified after a crash, or not at all):
//   1. data is streamed to `<stem>.chunk.tmp-*` and fdatasynced;
//   2. the sidecar is written to `<stem>.meta.tmp-*` and fdatasynced;
//   3. both are renamed into place (sidecar first), then the folder is fsynced;
//   4. only then does commit() return; an older version's files are removed after that.
// A crash can persist either rename without the other, so open() treats a data file or a
// sidecar without its partner as a commit that never returned and removes it; temp files are
// likewise leftovers and go. When two complete versions of an id survive (a crash between 3
// and 4), the higher one wins and the lower is removed.
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { mkdir, open, rename, statfs, type FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { assert } from "../../util/assert.ts";
import { createLogger, type Logger } from "../../util/log.ts";
import { checksumDigest, decodeSidecar, encodeSidecar, findBadBlock, SIDECAR_BYTES_MAX, type ChunkChecksums } from "./checksum.ts";
import { ChecksumCache } from "./checksum-cache.ts";
import { validateChunkId, validateChunkVersion, type ChunkId } from "../../protocol/chunk-id.ts";
import { ChunkIndex, clampRange, writeLimitBytes } from "./chunk-index.ts";
import { CHECKSUM_CACHE_BYTES_MAX, READ_PIECE_BYTES, SYNC_BEHIND_SYNCS_MAX, WRITE_BUFFER_BYTES } from "./constants.ts";
import { DiskChunkWriter, SyncBehindSlots } from "./disk-writer.ts";
import { ChunkCorruptError, ChunkNotFoundError } from "./errors.ts";
import { allocateUninitialized, fsyncDir, fsyncDirSync, isNotFound, readFully, unlinkIfPresent, unlinkIfPresentSync, writeFileSynced } from "../../util/file-io.ts";
import type { ChunkCapacity, ChunkEntry, ChunkInfo, ChunkReadOptions, ChunkStore, ChunkUsage, ChunkWriter, ChunkWriterOptions, VerifyResult } from "./store.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES, CHUNK_SIZE_BYTES_MAX } from "../../protocol/limits.ts";
import { chunkFileStem, fanOutDirName, parseChunkFileStem } from "./chunk-files.ts";

const DATA_SUFFIX = ".chunk";
const SIDECAR_SUFFIX = ".meta";
const FAN_OUT_DIR_PATTERN = /^[0-9a-f]{2}$/;
const TEMP_FILE_PATTERN = /^[0-9a-f]{16}_[0-9]+\.(chunk|meta)\.tmp-[0-9a-z]+$/;
const COMMITTED_FILE_PATTERN = /^(.+)\.(chunk|meta)$/;

assert(WRITE_BUFFER_BYTES % CHUNK_CHECKSUM_BLOCK_BYTES === 0, "a write buffer holds whole checksum blocks");
assert(READ_PIECE_BYTES % CHUNK_CHECKSUM_BLOCK_BYTES === 0, "a read piece holds whole checksum blocks");

/** What open() found and cleaned up: crash leftovers are expected, and tests check them. */
export interface DiskChunkStoreOpenStats {
  tempFilesRemoved: number;
  /** A data file or sidecar without its partner: a commit that never returned. */
  incompleteChunksRemoved: number;
  /** Lower versions still on disk next to a higher one (a crash during replacement). */
  replacedVersionsRemoved: number;
  /** Names this store did not write; left alone and logged. */
  unknownFilesIgnored: number;
}

export interface DiskChunkStoreOptions {
  logger?: Logger;
  /** Creates a chunk's temp data file; the default is fs.promises.open(path, "wx"). Tests inject a failing one. */
  createTempFile?: (path: string) => Promise<FileHandle>;
}

export class DiskChunkStore implements ChunkStore {
  private readonly index = new ChunkIndex();
  private readonly checksumCache = new ChecksumCache(CHECKSUM_CACHE_BYTES_MAX);
  private readonly fanOutDirs = new Set<string>();
  private readonly writers = new Set<DiskChunkWriter>();
  private readonly syncBehind = new SyncBehindSlots(SYNC_BEHIND_SYNCS_MAX);
  private tempSequence = 0;
  private closed = false;

  private constructor(
    /** Absolute path of the store's root folder. */
    readonly root: string,
    private readonly log: Logger,
    readonly openStats: DiskChunkStoreOpenStats,
    private readonly createTempFile: (path: string) => Promise<FileHandle> = (path) => open(path, "wx", 0o644),
  ) {}

  /**
   * Opens the store at `root` (created if needed): removes crash leftovers and rebuilds the
   * index by listing the fan-out folders and stat-ing each data file. Sidecars are not read
   * here (100k chunks would mean 100k reads at startup); they are checked on first use.
   * Synchronous I/O is fine here: nothing else runs on the peer until its store is open.
   */
  static async open(root: string, options: DiskChunkStoreOptions = {}): Promise<DiskChunkStore> {
    const absoluteRoot = resolve(root);
    const log = options.logger ?? createLogger("chunk-store");
    const created = mkdirSync(absoluteRoot, { recursive: true });
    if (created !== undefined) fsyncDirSync(dirname(absoluteRoot));
    const stats: DiskChunkStoreOpenStats = { tempFilesRemoved: 0, incompleteChunksRemoved: 0, replacedVersionsRemoved: 0, unknownFilesIgnored: 0 };
    const store = new DiskChunkStore(absoluteRoot, log, stats, options.createTempFile);
    for (const dirName of readdirSync(absoluteRoot)) {
      if (!FAN_OUT_DIR_PATTERN.test(dirName)) {
        stats.unknownFilesIgnored++;
        log.warn("ignoring an unknown entry in the chunk store", { path: join(absoluteRoot, dirName) });
        continue;
      }
      store.fanOutDirs.add(dirName);
      store.scanFanOutDir(dirName);
    }
    if (stats.tempFilesRemoved + stats.incompleteChunksRemoved + stats.replacedVersionsRemoved > 0) {
      log.info("cleaned up after an unclean stop", { ...stats });
    }
    return store;
  }

  private scanFanOutDir(dirName: string): void {
    const dir = join(this.root, dirName);
    // Bounded by one folder's listing: 1/256 of the chunks.
    const found = new Map<string, { id: ChunkId; version: number; data: boolean; sidecar: boolean }>();
    for (const name of readdirSync(dir)) {
      if (TEMP_FILE_PATTERN.test(name)) {
        unlinkIfPresentSync(join(dir, name));
        this.openStats.tempFilesRemoved++;
        continue;
      }
      const match = COMMITTED_FILE_PATTERN.exec(name);
      const parsed = match ? parseChunkFileStem(match[1]!) : undefined;
      if (!match || !parsed || fanOutDirName(parsed.id) !== dirName) {
        this.openStats.unknownFilesIgnored++;
        this.log.warn("ignoring an unknown file in the chunk store", { path: join(dir, name) });
        continue;
      }
      const stem = match[1]!;
      const record = found.get(stem) ?? { ...parsed, data: false, sidecar: false };
      if (match[2] === "chunk") record.data = true;
      else record.sidecar = true;
      found.set(stem, record);
    }
    const newest = new Map<ChunkId, number>();
    for (const [stem, record] of found) {
      if (!record.data || !record.sidecar) {
        unlinkIfPresentSync(join(dir, stem + DATA_SUFFIX));
        unlinkIfPresentSync(join(dir, stem + SIDECAR_SUFFIX));
        this.openStats.incompleteChunksRemoved++;
        continue;
      }
      newest.set(record.id, Math.max(newest.get(record.id) ?? -1, record.version));
    }
    for (const [stem, record] of found) {
      if (!record.data || !record.sidecar) continue;
      if (record.version !== newest.get(record.id)) {
        unlinkIfPresentSync(join(dir, stem + DATA_SUFFIX));
        unlinkIfPresentSync(join(dir, stem + SIDECAR_SUFFIX));
        this.openStats.replacedVersionsRemoved++;
        continue;
      }
      const sizeBytes = statSync(join(dir, stem + DATA_SUFFIX)).size;
      this.index.put({ id: record.id, version: record.version, sizeBytes });
    }
  }

  async createWriter(id: ChunkId, version: number, options?: ChunkWriterOptions): Promise<ChunkWriter> {
    this.assertOpen();
    validateChunkId(id);
    validateChunkVersion(version);
    const limitBytes = writeLimitBytes(id, options);
    this.index.beginWrite(id, version);
    try {
      const dir = await this.ensureFanOutDir(id);
      const tempPath = join(dir, `${chunkFileStem(id, version)}${DATA_SUFFIX}.tmp-${this.nextTempNonce()}`);
      const handle = await this.createTempFile(tempPath);
      const writer = new DiskChunkWriter(id, version, limitBytes, options?.expectedSizeBytes, handle, tempPath, {
        install: (sizeBytes, checksums) => this.install(id, version, tempPath, sizeBytes, checksums),
        release: () => {
          this.writers.delete(writer);
          this.index.endWrite(id);
        },
        syncBehind: this.syncBehind,
      });
      this.writers.add(writer);
      return writer;
    } catch (err) {
      this.index.endWrite(id);
      throw err;
    }
  }

  /** Steps 2–4 of the commit protocol, for a writer whose data is fsynced at `tempDataPath`. */
  private async install(id: ChunkId, version: number, tempDataPath: string, sizeBytes: number, checksums: Uint32Array): Promise<ChunkInfo> {
    const dir = this.fanOutDirOf(id);
    const dataPath = this.dataPath(id, version);
    const sidecarPath = this.sidecarPath(id, version);
    const tempSidecarPath = `${sidecarPath}.tmp-${this.nextTempNonce()}`;
    let renamed = false;
    try {
      await writeFileSynced(tempSidecarPath, encodeSidecar(id, version, sizeBytes, checksums));
      renamed = true;
      await rename(tempSidecarPath, sidecarPath);
      await rename(tempDataPath, dataPath);
      await fsyncDir(dir);
    } catch (err) {
      await unlinkIfPresent(tempSidecarPath);
      if (renamed) {
        await unlinkIfPresent(dataPath);
        await unlinkIfPresent(sidecarPath);
      }
      throw err;
    }
    const previous = this.index.put({ id, version, sizeBytes });
    this.checksumCache.set(cacheKey(id, version), { blockBytes: CHUNK_CHECKSUM_BLOCK_BYTES, sizeBytes, checksums });
    if (previous) {
      // The new version is committed whatever happens here: failing to remove the old files
      // must not fail the commit. open() removes a lower version found next to a higher one.
      await this.removeFiles(previous.id, previous.version).catch((err: unknown) => {
        this.log.warn("could not remove a replaced chunk version", { id, version: previous.version, error: err });
      });
    }
    return { id, version, sizeBytes, blockCount: checksums.length, checksumDigest: checksumDigest(checksums) };
  }

  async read(id: ChunkId, version: number, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    this.assertOpen();
    validateChunkId(id);
    validateChunkVersion(version);
    const sums = await this.checksumsOf(id, version);
    const { startBytes, endBytes } = clampRange(sums.sizeBytes, offsetBytes, lengthBytes);
    if (startBytes === endBytes) return new Uint8Array(0);
    const firstBlock = Math.floor(startBytes / CHUNK_CHECKSUM_BLOCK_BYTES);
    const spanStart = firstBlock * CHUNK_CHECKSUM_BLOCK_BYTES;
    const spanEnd = Math.min(sums.sizeBytes, Math.ceil(endBytes / CHUNK_CHECKSUM_BLOCK_BYTES) * CHUNK_CHECKSUM_BLOCK_BYTES);
    // Read the covering blocks whole (at most two partial ones extra) so each can be checked,
    // then hand out a view of the range: no second copy.
    const span = allocateUninitialized(spanEnd - spanStart);
    const handle = await this.openData(id, version);
    try {
      await this.readVerified(handle, span, firstBlock, sums, id, version);
    } finally {
      await handle.close();
    }
    return span.subarray(startBytes - spanStart, endBytes - spanStart);
  }

  async *createReadStream(id: ChunkId, version: number, offsetBytes = 0, lengthBytes?: number, options: ChunkReadOptions = {}): AsyncGenerator<Uint8Array> {
    this.assertOpen();
    validateChunkId(id);
    validateChunkVersion(version);
    const sums = await this.checksumsOf(id, version);
    const { startBytes, endBytes } = clampRange(sums.sizeBytes, offsetBytes, lengthBytes ?? sums.sizeBytes, CHUNK_SIZE_BYTES_MAX);
    if (startBytes === endBytes) return;
    const handle = await this.openData(id, version);
    try {
      let pieceStart = Math.floor(startBytes / CHUNK_CHECKSUM_BLOCK_BYTES) * CHUNK_CHECKSUM_BLOCK_BYTES;
      while (pieceStart < endBytes) {
        const pieceEnd = Math.min(sums.sizeBytes, pieceStart + READ_PIECE_BYTES, Math.ceil(endBytes / CHUNK_CHECKSUM_BLOCK_BYTES) * CHUNK_CHECKSUM_BLOCK_BYTES);
        // A fresh buffer per piece: the consumer may keep what it was given.
        const piece = allocateUninitialized(pieceEnd - pieceStart);
        await this.readVerified(handle, piece, pieceStart / CHUNK_CHECKSUM_BLOCK_BYTES, sums, id, version, options.verify ?? true);
        yield piece.subarray(Math.max(0, startBytes - pieceStart), Math.min(piece.length, endBytes - pieceStart));
        pieceStart = pieceEnd;
      }
    } finally {
      await handle.close();
    }
  }

  async readBlockChecksums(id: ChunkId, version: number): Promise<ChunkChecksums> {
    this.assertOpen();
    validateChunkId(id);
    validateChunkVersion(version);
    const sums = await this.checksumsOf(id, version);
    // A copy: the cached list must not be changed by a caller.
    return { blockBytes: sums.blockBytes, sizeBytes: sums.sizeBytes, checksums: sums.checksums.slice() };
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
    // No folder fsync: a delete lost in a crash brings the chunk back at the next open, the
    // block report shows it to the master, and the master deletes it again (GFS §4.4: garbage
    // collection is lazy and idempotent). A fsync per delete would slow mass deletes for nothing.
    await this.removeFiles(id, held.version);
    return true;
  }

  async verify(id: ChunkId, version: number): Promise<VerifyResult> {
    this.assertOpen();
    validateChunkId(id);
    validateChunkVersion(version);
    this.index.require(id, version);
    // The scrubber checks the medium: the sidecar is reread, never taken from the cache.
    const key = cacheKey(id, version);
    this.checksumCache.delete(key);
    let sums: ChunkChecksums;
    try {
      sums = await this.loadSidecar(id, version);
    } catch (err) {
      if (err instanceof ChunkCorruptError) return { ok: false, blockIndex: undefined, reason: err.message };
      throw err;
    }
    const handle = await this.openData(id, version);
    try {
      const fileBytes = (await handle.stat()).size;
      if (fileBytes !== sums.sizeBytes) {
        return { ok: false, blockIndex: Math.floor(Math.min(fileBytes, sums.sizeBytes) / CHUNK_CHECKSUM_BLOCK_BYTES), reason: `data file holds ${fileBytes} bytes, its checksums cover ${sums.sizeBytes}` };
      }
      // One reused buffer: nothing read here leaves this function.
      const buffer = new Uint8Array(Math.min(READ_PIECE_BYTES, sums.sizeBytes));
      for (let pieceStart = 0; pieceStart < sums.sizeBytes; pieceStart += READ_PIECE_BYTES) {
        const piece = buffer.subarray(0, Math.min(READ_PIECE_BYTES, sums.sizeBytes - pieceStart));
        try {
          await this.readVerified(handle, piece, pieceStart / CHUNK_CHECKSUM_BLOCK_BYTES, sums, id, version);
        } catch (err) {
          if (err instanceof ChunkCorruptError) return { ok: false, blockIndex: err.blockIndex, reason: err.message };
          throw err;
        }
      }
    } finally {
      await handle.close();
    }
    this.checksumCache.set(key, sums);
    return { ok: true, sizeBytes: sums.sizeBytes };
  }

  usage(): ChunkUsage {
    return this.index.usage();
  }

  async capacity(): Promise<ChunkCapacity> {
    const fs = await statfs(this.root);
    return { capacityBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
  }

  localPath(id: ChunkId, version: number): string {
    this.assertOpen();
    validateChunkId(id);
    validateChunkVersion(version);
    this.index.require(id, version);
    return this.dataPath(id, version);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.writers].map((writer) => writer.abort()));
  }

  // --- internals ---------------------------------------------------------------------------

  private assertOpen(): void {
    assert(!this.closed, "the chunk store is closed");
  }

  private fanOutDirOf(id: ChunkId): string {
    return join(this.root, fanOutDirName(id));
  }

  private dataPath(id: ChunkId, version: number): string {
    return join(this.fanOutDirOf(id), chunkFileStem(id, version) + DATA_SUFFIX);
  }

  private sidecarPath(id: ChunkId, version: number): string {
    return join(this.fanOutDirOf(id), chunkFileStem(id, version) + SIDECAR_SUFFIX);
  }

  private nextTempNonce(): string {
    return `${process.pid.toString(36)}x${(this.tempSequence++).toString(36)}`;
  }

  private async ensureFanOutDir(id: ChunkId): Promise<string> {
    const name = fanOutDirName(id);
    const dir = join(this.root, name);
    if (!this.fanOutDirs.has(name)) {
      await mkdir(dir, { recursive: true });
      // The new folder's own entry must be durable before a chunk inside it is acknowledged.
      await fsyncDir(this.root);
      this.fanOutDirs.add(name);
    }
    return dir;
  }

  /** The error for a chunk whose files vanished: deleted or replaced while we looked. */
  private missing(id: ChunkId, version: number): Error {
    try {
      this.index.require(id, version);
    } catch (err) {
      return err as Error;
    }
    return new ChunkNotFoundError(id, version);
  }

  private async openData(id: ChunkId, version: number): Promise<FileHandle> {
    try {
      return await open(this.dataPath(id, version), "r");
    } catch (err) {
      if (isNotFound(err)) throw this.missing(id, version);
      throw err;
    }
  }

  private async checksumsOf(id: ChunkId, version: number): Promise<ChunkChecksums> {
    this.index.require(id, version);
    const key = cacheKey(id, version);
    const cached = this.checksumCache.get(key);
    if (cached) return cached;
    const sums = await this.loadSidecar(id, version);
    this.checksumCache.set(key, sums);
    return sums;
  }

  private async loadSidecar(id: ChunkId, version: number): Promise<ChunkChecksums> {
    let handle: FileHandle;
    try {
      handle = await open(this.sidecarPath(id, version), "r");
    } catch (err) {
      if (isNotFound(err)) throw this.missing(id, version);
      throw err;
    }
    try {
      const sizeBytes = (await handle.stat()).size;
      if (sizeBytes > SIDECAR_BYTES_MAX) throw new ChunkCorruptError(id, version, undefined, `checksum file of ${sizeBytes} bytes is too long`);
      const bytes = new Uint8Array(sizeBytes);
      const readBytes = await readFully(handle, bytes, 0);
      return decodeSidecar(bytes.subarray(0, readBytes), id, version);
    } finally {
      await handle.close();
    }
  }

  /** Fills `span` (starting at block `firstBlock`) from the data file and checks every block (unless told not to). */
  private async readVerified(handle: FileHandle, span: Uint8Array, firstBlock: number, sums: ChunkChecksums, id: ChunkId, version: number, verify = true): Promise<void> {
    const position = firstBlock * CHUNK_CHECKSUM_BLOCK_BYTES;
    const readBytes = await readFully(handle, span, position);
    if (readBytes < span.length) {
      throw new ChunkCorruptError(id, version, Math.floor((position + readBytes) / CHUNK_CHECKSUM_BLOCK_BYTES), `data file too short: ${readBytes} of ${span.length} bytes at offset ${position}; its checksums cover ${sums.sizeBytes}`);
    }
    if (!verify) return;
    const bad = findBadBlock(span, firstBlock, sums.checksums);
    if (bad !== undefined) throw new ChunkCorruptError(id, version, bad, "block checksum mismatch");
  }

  private async removeFiles(id: ChunkId, version: number): Promise<void> {
    this.checksumCache.delete(cacheKey(id, version));
    // Data first: a crash in between leaves a lone sidecar, which open() removes.
    await unlinkIfPresent(this.dataPath(id, version));
    await unlinkIfPresent(this.sidecarPath(id, version));
  }
}

function cacheKey(id: ChunkId, version: number): string {
  return chunkFileStem(id, version);
}
