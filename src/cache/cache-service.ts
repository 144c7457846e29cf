// A peer's cache service, the server of /tessera/cache/1 (issue 16, docs/cache.md "Reading
// through the cache"): reads of chunks of mounted files, loads, pin pushes. It runs on every
// peer; a client reads an uncached chunk through the peer that rendezvous hashing picks for it
// (client/cache-client.ts), so all readers of one chunk come here and one fetch serves them.
//
// A read: the peer stats the file itself, as the cluster (never trusting the client for where
// a chunk lies: its offset is the sum of the sizes of the chunks before it, its fingerprint is
// in stat's underStorage), checks the caller may read it (a stat as the caller's user withholds
// the chunks otherwise), finds the mount's record in the settings (`secret/mounts/*`, cached
// briefly), then:
//   - a copy in this peer's tiers: streamed from it (a hit; CACHE_PROMOTE moves it to the top);
//   - NO_CACHE: the range streamed from the under-storage, nothing stored;
//   - else the chunk is filled, one fill per chunk id however many read it (single flight):
//     [offset, offset + size) is fetched with the fingerprint checked, written into the tiers
//     and committed (the block reporter then tells the leader: the chunk is cached), and readers
//     whose range the fill has not passed yet get the bytes as they arrive (a tee); one that
//     comes too late waits for the fill and reads the copy.
// A fingerprint that no longer matches (UnderStorageError CHANGED) fails with CHUNK_STALE: the
// client stats again (which syncs) and restarts its read if it has returned nothing yet.
import type { Connection, Stream } from "@libp2p/interface";
import { Uint8ArrayList } from "uint8arraylist";
import type { TesseraHost } from "../net/host.ts";
import { closeStream, DataStreamClosedError, DataTimeoutError, encodeFrame, FrameReader, sendData } from "../net/frames.ts";
import type { Logger } from "../util/log.ts";
import { CACHE_PROTOCOL } from "../protocol/ids.ts";
import {
  CACHE_DATA_FRAME_BYTES_MAX,
  CACHE_INBOUND_STREAMS_MAX,
  CACHE_REQUEST_CODEC,
  CACHE_REQUEST_FRAME_BYTES_MAX,
  CACHE_SEND_STALL_TIMEOUT_MS,
  CACHE_SETUP_TIMEOUT_MS,
  CacheFrame,
  CacheResponse,
  type CacheRequest,
} from "../protocol/cache.ts";
import type { CacheLoad, CachePin, CacheRead } from "../protocol/pb/cache.ts";
import { FileStatus, type FileChunk } from "../protocol/pb/meta.ts";
import type { MetaCall } from "../protocol/meta.ts";
import { codeOf, isErrorCode, RequestError, type ErrorCode } from "../protocol/errors.ts";
import { decodeMountRecord, MOUNT_SETTING_PREFIX, ReadType, relativeUnderStoragePath, type MountRecord } from "../protocol/mounts.ts";
import { normalizePath } from "../protocol/paths.ts";
import { SETTINGS_PAGE_MAX } from "../protocol/limits.ts";
import { validateChunkId, validateChunkVersion } from "../protocol/chunk-id.ts";
import { statWhole } from "../client/stat-pages.ts";
import { CacheError, type CacheEndpoint, type CacheLoadResult, type CacheReadStream } from "../client/cache-client.ts";
import type { UnderStorage } from "../ufs/under-storage.ts";
import type { CacheTiers } from "./tiers.ts";
import type { ChunkWriter } from "../chunk/store/store.ts";

/**
 * Fills (fetches from the under-storage into the tiers) one peer runs at once; more wait.
 * Each holds a stream to the under-storage and a chunk writer: 4 × 64 MiB keeps a bucket's
 * bandwidth used without flooding the tiers' disks.
 */
export const CACHE_FILLS_MAX_DEFAULT = 4;
/** Chunks of one load request filled at once (the fills bound above applies too). */
export const LOAD_CHUNKS_IN_FLIGHT = 4;
/** How long the mounts read from the settings are trusted before they are read again. */
export const MOUNTS_CACHE_MS = 2_000;
/**
 * Bytes a fill holds for one reader that takes them slower than they come; past it the fill
 * waits for that reader (its stall timeout ends a reader that takes nothing).
 */
export const TEE_BUFFER_BYTES_MAX = 4 * 1024 * 1024;
/**
 * How long the peer reuses its own stat of a file (and a user's permission to read it): a
 * reader asks for a chunk in 4 MiB pieces, several at once, and each would otherwise cost two
 * stats, each of which may consult the under-storage (sync interval 0). Never trusted over a
 * client's newer chunk ids: a chunk id that does not match is checked against a fresh stat.
 */
export const STAT_REUSE_MS = 1_000;
/** Files (and user, file pairs) remembered at most; past it the memory is emptied. */
const RECENT_ENTRIES_MAX = 1_024;
/** Error messages crossing the wire are cut to this length. */
const WIRE_MESSAGE_CHARS_MAX = 512;
const STREAM_CLOSE_TIMEOUT_MS = 5_000;

export interface CacheServiceInit {
  host: TesseraHost;
  /** Metadata calls of this peer, acting as the cluster (user ""); a request's user is passed as the third argument. */
  call: MetaCall;
  /** This peer's cache tiers (cache/tiers.ts). */
  tiers: CacheTiers;
  /** The under-storage client of a mount (src/cache/broker.ts's UfsBroker.underStorageOf). */
  underStorageOf(record: MountRecord): UnderStorage;
  log: Logger;
  fillsMax?: number;
  /** The clock of the reused stats and mounts (tests move it). */
  nowMs?: () => number;
}

/** What this peer's cache service did (tests and metrics). */
export interface CacheServiceStats {
  /** Reads of the under-storage started (one per fill, one per NO_CACHE read). */
  fetches: number;
  fetchedBytes: number;
  /** Fills committed into the tiers. */
  fills: number;
  fillsFailed: number;
  /** Reads served from a copy held here. */
  hits: number;
  /** Reads that needed the under-storage (a fill, joined or started, or NO_CACHE). */
  misses: number;
  /** Reads and loads refused with CHUNK_STALE (the file changed in the under-storage). */
  stale: number;
  servedBytes: number;
}

/** The error a cache request fails with: a code of the vocabulary and one sentence. */
function cacheError(code: ErrorCode, message: string): CacheError {
  return new CacheError(code, message.length > WIRE_MESSAGE_CHARS_MAX ? `${message.slice(0, WIRE_MESSAGE_CHARS_MAX)}…` : message);
}

/** Any failure as the wire's code: the under-storage's CHANGED is CHUNK_STALE; its other codes are the vocabulary's. */
export function asCacheError(err: unknown, path: string): CacheError {
  if (err instanceof CacheError) return err;
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === "CHANGED") return cacheError("CHUNK_STALE", `${path} changed in the under-storage; read it again (${message})`);
  if (isErrorCode(code)) return cacheError(code, message);
  return cacheError(codeOf(err), message);
}

/** A file of a mount as the fill needs it: everything from the peer's own stat. */
interface MountedFile {
  path: string;
  record: MountRecord;
  relativePath: string;
  fingerprint: string;
  pinned: boolean;
  chunks: FileChunk[];
  /** Where each chunk starts in the file (by position in `chunks`). */
  offsets: number[];
}

/** One chunk to fill or serve. */
interface ChunkTarget {
  file: MountedFile;
  chunk: FileChunk;
  fileOffsetBytes: number;
}

// --- a reader fed by a fill ----------------------------------------------------------------------

/** The bytes [startBytes, endBytes) of a chunk, handed from a fill to one reader, bounded. */
class Tee {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private ended = false;
  private error: unknown;
  private wakeReader: (() => void) | undefined;
  private wakeFill: (() => void) | undefined;
  detached = false;
  receivedBytes = 0;

  constructor(
    readonly startBytes: number,
    readonly endBytes: number,
  ) {}

  /** Whether every byte of the range was handed over. */
  get complete(): boolean {
    return this.receivedBytes === this.endBytes - this.startBytes;
  }

  /** The part of a fill's piece at chunk position `at` that lies in the range; waits while the reader is far behind. */
  async offer(piece: Uint8Array, at: number): Promise<void> {
    if (this.detached || this.ended) return;
    const from = Math.max(at, this.startBytes + this.receivedBytes);
    const to = Math.min(at + piece.length, this.endBytes);
    if (to <= from) return;
    this.queue.push(piece.subarray(from - at, to - at));
    this.queuedBytes += to - from;
    this.receivedBytes += to - from;
    this.wakeReader?.();
    while (this.queuedBytes > TEE_BUFFER_BYTES_MAX && !this.detached) await new Promise<void>((resolve) => (this.wakeFill = resolve));
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    this.wakeReader?.();
  }

  /** The reader went away: the fill goes on without it. */
  detach(): void {
    this.detached = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.wakeFill?.();
  }

  async *bytes(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const piece = this.queue.shift();
        if (piece) {
          this.queuedBytes -= piece.length;
          if (this.queuedBytes <= TEE_BUFFER_BYTES_MAX) this.wakeFill?.();
          yield piece;
          continue;
        }
        if (this.ended) {
          if (this.error !== undefined) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
        this.wakeReader = undefined;
      }
    } finally {
      this.detach();
    }
  }
}

/** One chunk being fetched into the tiers; readers attach while the fill has not passed their range. */
class Fill {
  positionBytes = 0;
  private finished = false;
  private readonly tees = new Set<Tee>();
  readonly done: Promise<void>;

  constructor(
    readonly target: ChunkTarget,
    run: (fill: Fill) => Promise<void>,
  ) {
    this.done = run(this).finally(() => {
      this.finished = true;
    });
    this.done.catch(() => undefined); // awaited by whoever attached; never unhandled
  }

  /** A tee of [startBytes, endBytes) when the fill has not passed startBytes yet, else undefined (wait for done). */
  attach(startBytes: number, endBytes: number): Tee | undefined {
    if (this.finished || startBytes < this.positionBytes) return undefined;
    const tee = new Tee(startBytes, endBytes);
    this.tees.add(tee);
    return tee;
  }

  /** Hands a piece fetched at chunk position `positionBytes` to every attached reader. */
  async share(piece: Uint8Array, endEarly: boolean): Promise<void> {
    const at = this.positionBytes;
    this.positionBytes += piece.length;
    const offers: Promise<void>[] = [];
    for (const tee of this.tees) {
      if (tee.detached) {
        this.tees.delete(tee);
        continue;
      }
      offers.push(tee.offer(piece, at));
      // S3 answers a ranged GET with If-Match for one version: its bytes are final as they come.
      if (endEarly && tee.complete) {
        tee.end();
        this.tees.delete(tee);
      }
    }
    await Promise.all(offers);
  }

  end(error?: unknown): void {
    for (const tee of this.tees) tee.end(error);
    this.tees.clear();
  }
}

/** Recent answers by key, shared while they are in flight and kept ttlMs after; failures are not kept. */
class Recent<T> {
  private readonly entries = new Map<string, { value: Promise<T>; atMs: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly nowMs: () => number,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const nowMs = this.nowMs();
    const known = this.entries.get(key);
    if (known && nowMs - known.atMs < this.ttlMs) return known.value;
    if (this.entries.size >= RECENT_ENTRIES_MAX) this.entries.clear();
    const value = load();
    this.entries.set(key, { value, atMs: nowMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}

/** A counting semaphore: at most `limit` holders; the rest wait in order. */
class Slots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async take(): Promise<void> {
    if (this.used < this.limit) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }
}

function clampRange(sizeBytes: number, offsetBytes: number, lengthBytes: number): { startBytes: number; endBytes: number } {
  if (!Number.isSafeInteger(offsetBytes) || offsetBytes < 0 || !Number.isSafeInteger(lengthBytes) || lengthBytes < 0) throw cacheError("INVALID", `a range of a chunk is [${offsetBytes}, +${lengthBytes})`);
  if (offsetBytes > sizeBytes) throw cacheError("CHUNK_RANGE", `offset ${offsetBytes} is past the chunk's end (${sizeBytes} bytes)`);
  return { startBytes: offsetBytes, endBytes: Math.min(sizeBytes, offsetBytes + lengthBytes) };
}

/** The call's read type, else the mount's, else CACHE (UNSPECIFIED means "not said"). */
export function effectiveReadType(call: ReadType | undefined, mount: ReadType | undefined): ReadType {
  const said = (type: ReadType | undefined) => (type !== undefined && type !== ReadType.READ_TYPE_UNSPECIFIED && Object.values(ReadType).includes(type) ? type : undefined);
  return said(call) ?? said(mount) ?? ReadType.CACHE;
}

/** Pieces of at most `maxBytes` (a tier's or a bucket's pieces may be larger than a DATA frame). */
function* cut(piece: Uint8Array, maxBytes: number): Generator<Uint8Array> {
  for (let at = 0; at < piece.length; at += maxBytes) yield piece.subarray(at, Math.min(piece.length, at + maxBytes));
}

export class CacheService implements CacheEndpoint {
  readonly stats: CacheServiceStats = { fetches: 0, fetchedBytes: 0, fills: 0, fillsFailed: 0, hits: 0, misses: 0, stale: 0, servedBytes: 0 };
  private readonly fills = new Map<string, Fill>();
  private readonly slots: Slots;
  private readonly streams = new Set<Stream>();
  private readonly log: Logger;
  private started = false;
  private stopping = false;

  private readonly recentStats: Recent<FileStatus>;
  private readonly recentReadable: Recent<void>;
  private readonly recentMounts: Recent<MountRecord[]>;

  constructor(private readonly init: CacheServiceInit) {
    this.slots = new Slots(init.fillsMax ?? CACHE_FILLS_MAX_DEFAULT);
    this.log = init.log;
    const nowMs = init.nowMs ?? (() => Date.now());
    this.recentStats = new Recent(STAT_REUSE_MS, nowMs);
    this.recentReadable = new Recent(STAT_REUSE_MS, nowMs);
    this.recentMounts = new Recent(MOUNTS_CACHE_MS, nowMs);
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.init.host.handle(CACHE_PROTOCOL, (stream, connection) => void this.serve(stream, connection), { maxInboundStreams: CACHE_INBOUND_STREAMS_MAX });
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.stopping = true;
    await this.init.host.unhandle(CACHE_PROTOCOL);
    for (const stream of this.streams) stream.abort(new Error("the cache service is stopping"));
    // Fills in progress end with their under-storage reads; their writers abort with the store.
    await Promise.allSettled([...this.fills.values()].map((fill) => fill.done));
  }

  /** Fills in progress (tests). */
  get fillsInFlight(): number {
    return this.fills.size;
  }

  /** Bytes of the chunk a fill in progress has fetched so far (tests), undefined when none runs. */
  fillPositionBytes(chunkId: string): number | undefined {
    return this.fills.get(chunkId)?.positionBytes;
  }

  // --- the domain calls (the handler below and the peer's own client use them) -----------------

  async read(request: CacheRead, user: string): Promise<CacheReadStream> {
    let file = await this.mountedFile(request.path, user, false);
    let target = this.targetOf(file, request.chunkIndex, request.chunkId, request.version);
    if (!target) {
      // The stat this peer reused may be older than the client's: ask again before saying stale.
      file = await this.mountedFile(request.path, user, true);
      target = this.targetOf(file, request.chunkIndex, request.chunkId, request.version);
    }
    if (!target) {
      this.stats.stale++;
      throw cacheError("CHUNK_STALE", `${file.path} changed in the under-storage; read it again (chunk ${request.chunkIndex} is not ${request.chunkId} any more)`);
    }
    const { startBytes, endBytes } = clampRange(target.chunk.sizeBytes, request.offsetBytes, request.lengthBytes);
    const readType = effectiveReadType(request.readType, file.record.readType);
    return this.serveRange(target, startBytes, endBytes, readType, true);
  }

  async load(request: CacheLoad, user: string, onChunk: (result: CacheLoadResult) => void): Promise<void> {
    await this.loadChunks(await this.mountedFile(request.path, user, true), request.chunkIndexes, onChunk);
  }

  /** Fills the chunks at `chunkIndexes`, LOAD_CHUNKS_IN_FLIGHT at once; each result as it comes. */
  private async loadChunks(file: MountedFile, chunkIndexes: readonly number[], onChunk: (result: CacheLoadResult) => void): Promise<void> {
    const indexes = [...new Set(chunkIndexes)];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < indexes.length) {
        const chunkIndex = indexes[next++]!;
        const chunk = file.chunks.find((candidate) => candidate.index === chunkIndex);
        try {
          if (!chunk) throw cacheError("CHUNK_STALE", `${file.path} has no chunk ${chunkIndex} now; it changed in the under-storage, stat it again`);
          const fetched = await this.ensureCached(this.targetOf(file, chunkIndex, chunk.chunkId, chunk.version)!);
          onChunk({ chunkIndex, sizeBytes: chunk.sizeBytes, fetched });
        } catch (err) {
          const error = asCacheError(err, file.path);
          onChunk({ chunkIndex, sizeBytes: chunk?.sizeBytes ?? 0, fetched: false, error: { code: error.code, message: error.message } });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOAD_CHUNKS_IN_FLIGHT, indexes.length) }, worker));
  }

  async pin(request: CachePin): Promise<number> {
    let changed = 0;
    for (const path of request.paths) {
      // A file gone since the client listed it has no copies to pin any more.
      const stat = await statWhole(this.init.call, path).catch((err: unknown) => {
        if (codeOf(err) === "NOT_FOUND") return undefined;
        throw err;
      });
      if (!stat || stat.kind !== FileStatus.Kind.FILE) continue;
      const pinned = stat.underStorage?.pinned ?? false;
      const held = stat.chunks.map((chunk) => chunk.chunkId).filter((id) => this.init.tiers.tierOf(id) !== undefined);
      if (held.length === 0) continue;
      await this.init.tiers.setPinned(held, pinned);
      changed += held.length;
    }
    return changed;
  }

  // --- reading ----------------------------------------------------------------------------------

  /**
   * The range's bytes: from a copy held here, from the under-storage (NO_CACHE), or from a fill
   * (tee'd while it is ahead of the range, else after it from the copy). `retry`: a copy that
   * went (evicted between the fill and the read) is filled again, once.
   */
  private serveRange(target: ChunkTarget, startBytes: number, endBytes: number, readType: ReadType, retry: boolean): CacheReadStream {
    const { tiers } = this.init;
    const { chunk } = target;
    const lengthBytes = endBytes - startBytes;
    const held = tiers.stat(chunk.chunkId);
    const stats = this.stats;
    let cancelled = false;
    const make = (cached: boolean, source: () => AsyncGenerator<Uint8Array>): CacheReadStream => {
      const iterable = (async function* () {
        for await (const piece of source()) {
          if (cancelled) return;
          stats.servedBytes += piece.length;
          yield piece;
        }
      })();
      return { lengthBytes, cached, cancel: () => void (cancelled = true), [Symbol.asyncIterator]: () => iterable };
    };
    /** `touch`: false for a reader that waited for a fill (a miss, not a hit of the copy). */
    const fromCopy = async function* (this: CacheService, promote: boolean, touch = true): AsyncGenerator<Uint8Array> {
      let yielded = false;
      try {
        if (touch) await tiers.touch(chunk.chunkId, promote);
        if (lengthBytes > 0) {
          for await (const piece of tiers.createReadStream(chunk.chunkId, chunk.version, startBytes, lengthBytes)) {
            yielded = true;
            yield piece;
          }
        }
      } catch (err) {
        // Evicted between the check and the read (before any byte went out): fill it again, once.
        if (retry && !yielded && (codeOf(err) === "CHUNK_NOT_FOUND" || codeOf(err) === "CHUNK_STALE")) {
          yield* this.serveRange(target, startBytes, endBytes, readType, false);
          return;
        }
        throw asCacheError(err, target.file.path);
      }
    }.bind(this);

    if (held && held.version === chunk.version && !this.fills.has(chunk.chunkId)) {
      stats.hits++;
      return make(true, () => fromCopy(readType === ReadType.CACHE_PROMOTE));
    }
    stats.misses++;
    if (readType === ReadType.NO_CACHE && !this.fills.has(chunk.chunkId)) {
      tiers.noteMiss();
      return make(false, () => this.fetchRange(target, startBytes, lengthBytes));
    }
    const fill = this.fillOf(target);
    const tee = fill.attach(startBytes, endBytes);
    if (tee) return make(false, () => tee.bytes());
    return make(false, async function* () {
      await fill.done.catch((err: unknown) => {
        throw asCacheError(err, target.file.path);
      });
      yield* fromCopy(false, false);
    });
  }

  /** NO_CACHE: the range straight from the under-storage, nothing kept. */
  private async *fetchRange(target: ChunkTarget, startBytes: number, lengthBytes: number): AsyncGenerator<Uint8Array> {
    if (lengthBytes === 0) return;
    const { file } = target;
    this.stats.fetches++;
    let got = 0;
    try {
      for await (const piece of this.init.underStorageOf(file.record).read(file.relativePath, target.fileOffsetBytes + startBytes, lengthBytes, file.fingerprint)) {
        if (got + piece.length > lengthBytes) throw cacheError("CHUNK_STALE", `${file.path} is longer in the under-storage than Tessera knows; read it again`);
        got += piece.length;
        this.stats.fetchedBytes += piece.length;
        yield piece;
      }
    } catch (err) {
      const error = asCacheError(err, file.path);
      if (error.code === "CHUNK_STALE") this.stats.stale++;
      throw error;
    }
    if (got !== lengthBytes) {
      this.stats.stale++;
      throw cacheError("CHUNK_STALE", `${file.path} is shorter in the under-storage than Tessera knows (${got} of ${lengthBytes} bytes); read it again`);
    }
  }

  /** Makes sure the chunk is cached here: true when this call (or a fill it joined) fetched it. */
  private async ensureCached(target: ChunkTarget): Promise<boolean> {
    const held = this.init.tiers.stat(target.chunk.chunkId);
    if (held && held.version === target.chunk.version && !this.fills.has(target.chunk.chunkId)) {
      await this.init.tiers.touch(target.chunk.chunkId, false);
      return false;
    }
    await this.fillOf(target).done;
    return true;
  }

  /** The fill of the chunk: the one in progress, else a new one (single flight by chunk id). */
  private fillOf(target: ChunkTarget): Fill {
    const id = target.chunk.chunkId;
    const running = this.fills.get(id);
    if (running) return running;
    const fill = new Fill(target, (self) => this.runFill(self));
    this.fills.set(id, fill);
    void fill.done.then(
      () => this.fills.get(id) === fill && this.fills.delete(id),
      () => this.fills.get(id) === fill && this.fills.delete(id),
    );
    return fill;
  }

  private async runFill(fill: Fill): Promise<void> {
    const { file, chunk, fileOffsetBytes } = fill.target;
    const { tiers } = this.init;
    // The fill's first await comes after it is in the map: readers arriving meanwhile join it.
    await this.slots.take();
    let writer: ChunkWriter | undefined;
    try {
      if (this.stopping) throw cacheError("SHUTTING_DOWN", "the peer is stopping");
      const ufs = this.init.underStorageOf(file.record);
      tiers.noteMiss();
      // The pin as the namespace says now (the stat the readers shared may be a second old).
      const pinned = await statWhole(this.init.call, file.path).then(
        (stat) => stat.underStorage?.pinned ?? file.pinned,
        () => file.pinned,
      );
      writer = await tiers.createCacheWriter(chunk.chunkId, chunk.version, chunk.sizeBytes, { pinned });
      this.stats.fetches++;
      const endEarly = ufs.scheme === "s3";
      for await (const piece of ufs.read(file.relativePath, fileOffsetBytes, chunk.sizeBytes, file.fingerprint)) {
        if (this.stopping) throw cacheError("SHUTTING_DOWN", "the peer is stopping");
        if (fill.positionBytes + piece.length > chunk.sizeBytes) throw cacheError("CHUNK_STALE", `${file.path} is longer in the under-storage than Tessera knows; read it again`);
        this.stats.fetchedBytes += piece.length;
        await writer.write(piece);
        await fill.share(piece, endEarly);
      }
      if (fill.positionBytes !== chunk.sizeBytes) throw cacheError("CHUNK_STALE", `${file.path} is shorter in the under-storage than Tessera knows (chunk ${chunk.index}: ${fill.positionBytes} of ${chunk.sizeBytes} bytes); read it again`);
      // The bytes are final (a folder's file was checked after the read too): readers may finish.
      fill.end();
      await writer.commit();
      this.stats.fills++;
    } catch (err) {
      this.stats.fillsFailed++;
      const error = asCacheError(err, file.path);
      if (error.code === "CHUNK_STALE") this.stats.stale++;
      fill.end(error);
      await writer?.abort().catch(() => undefined);
      this.log.warn("a fill failed", { path: file.path, chunk: chunk.chunkId, err: error.message });
      throw error;
    } finally {
      this.slots.give();
    }
  }

  // --- what the peer learns itself --------------------------------------------------------------

  /** The file as this peer's own stat (as the cluster) says, after checking `user` may read it; `fresh`: no reused stat. */
  private async mountedFile(path: string, user: string, fresh: boolean): Promise<MountedFile> {
    let normalized: string;
    try {
      normalized = normalizePath(path);
    } catch (err) {
      throw asCacheError(err, String(path));
    }
    try {
      if (user !== "") {
        const key = `${user}\n${normalized}`;
        if (fresh) this.recentReadable.forget(key);
        await this.recentReadable.get(key, async () => {
          const asUser = await this.init.call("stat", { path: normalized }, user);
          if (asUser.kind === FileStatus.Kind.FILE && asUser.chunksWithheld) throw cacheError("PERMISSION_DENIED", `Permission denied: ${normalized} is not readable by ${user} (access=READ)`);
        });
      }
      if (fresh) this.recentStats.forget(normalized);
      const stat = await this.recentStats.get(normalized, () => statWhole(this.init.call, normalized));
      if (stat.kind !== FileStatus.Kind.FILE) throw cacheError("NOT_A_FILE", `${normalized} is a folder, not a file`);
      const under = stat.underStorage;
      if (!under) throw cacheError("INVALID", `${normalized} is not under an under-storage mount: read it the ordinary way`);
      if (under.fingerprint === "") throw cacheError("INVALID", `${normalized} is not in the under-storage yet (not persisted): its bytes are Tessera's own chunks`);
      const record = await this.mountAt(under.mountPath);
      const offsets: number[] = [];
      let at = 0;
      for (const chunk of stat.chunks) {
        offsets.push(at);
        at += chunk.sizeBytes;
      }
      return { path: normalized, record, relativePath: relativeUnderStoragePath(record.path, normalized), fingerprint: under.fingerprint, pinned: under.pinned, chunks: stat.chunks, offsets };
    } catch (err) {
      throw asCacheError(err, normalized);
    }
  }

  /** The chunk at `index`, if it is still the one the client named; undefined otherwise. */
  private targetOf(file: MountedFile, index: number, chunkId: string, version: number): ChunkTarget | undefined {
    try {
      validateChunkId(chunkId);
      validateChunkVersion(version);
    } catch (err) {
      throw asCacheError(err, file.path);
    }
    const position = file.chunks.findIndex((chunk) => chunk.index === index);
    const chunk = file.chunks[position];
    if (!chunk || chunk.chunkId !== chunkId || chunk.version !== version) return undefined;
    return { file, chunk, fileOffsetBytes: file.offsets[position]! };
  }

  /** The record of the mount at `mountPath`, from the settings (read as the cluster, kept MOUNTS_CACHE_MS, read again when it lacks the mount). */
  private async mountAt(mountPath: string): Promise<MountRecord> {
    const known = (await this.recentMounts.get("", () => this.readMounts())).find((record) => record.path === mountPath);
    if (known) return known;
    this.recentMounts.forget("");
    const record = (await this.recentMounts.get("", () => this.readMounts())).find((candidate) => candidate.path === mountPath);
    if (!record) throw new RequestError("NOT_FOUND", `no mount is at ${mountPath} (it was unmounted)`);
    return record;
  }

  private async readMounts(): Promise<MountRecord[]> {
    const records: MountRecord[] = [];
    let after = "";
    do {
      const page = await this.init.call("listSettings", { prefix: MOUNT_SETTING_PREFIX, after, limit: SETTINGS_PAGE_MAX });
      for (const entry of page.entries) {
        try {
          records.push(decodeMountRecord(entry.value));
        } catch (err) {
          this.log.warn("a mount record does not decode", { key: entry.key, err: (err as Error).message });
        }
      }
      after = page.next;
    } while (after !== "");
    return records;
  }

  // --- the wire: a thin adapter from the stream to the calls above ------------------------------

  private async serve(stream: Stream, connection: Connection): Promise<void> {
    this.streams.add(stream);
    const reader = new FrameReader(stream);
    const respond = (response: Partial<CacheResponse>): void => {
      stream.send(encodeFrame(CacheResponse, { errorCode: "", errorMessage: "", lengthBytes: 0, cached: false, pinnedCopies: 0, ...response }));
    };
    try {
      let request: CacheRequest;
      try {
        request = await reader.readFrame(CACHE_REQUEST_CODEC, CACHE_REQUEST_FRAME_BYTES_MAX, CACHE_SETUP_TIMEOUT_MS);
      } catch (err) {
        this.log.warn("rejected a cache request", { from: connection.remotePeer.toString(), err: (err as Error).message });
        respond({ errorCode: "PROTOCOL", errorMessage: cacheError("PROTOCOL", (err as Error).message).message });
        return;
      }
      if (request.read) await this.serveRead(stream, request.read, request.user, respond);
      else if (request.load) await this.serveLoad(stream, request.load, request.user, respond);
      else if (request.pin) {
        try {
          respond({ pinnedCopies: await this.pin(request.pin) });
        } catch (err) {
          const error = asCacheError(err, request.pin.paths[0] ?? "");
          respond({ errorCode: error.code, errorMessage: error.message });
        }
      } else respond({ errorCode: "INVALID", errorMessage: "a cache request is a read, a load or a pin" });
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    } finally {
      reader.dispose();
      this.streams.delete(stream);
      if (stream.status === "open") await closeStream(stream, STREAM_CLOSE_TIMEOUT_MS);
    }
  }

  private async serveRead(stream: Stream, request: CacheRead, user: string, respond: (response: Partial<CacheResponse>) => void): Promise<void> {
    let read: CacheReadStream;
    try {
      read = await this.read(request, user);
    } catch (err) {
      const error = asCacheError(err, request.path);
      respond({ errorCode: error.code, errorMessage: error.message });
      return;
    }
    respond({ lengthBytes: read.lengthBytes, cached: read.cached });
    try {
      for await (const piece of read) {
        for (const part of cut(piece, CACHE_DATA_FRAME_BYTES_MAX)) {
          const frame = encodeFrame(CacheFrame, { kind: CacheFrame.Kind.DATA, sizeBytes: part.length, errorCode: "", errorMessage: "", chunkIndex: 0, fetched: false });
          await sendData(stream, new Uint8ArrayList(frame, part), CACHE_SEND_STALL_TIMEOUT_MS);
        }
      }
    } catch (err) {
      read.cancel();
      if (err instanceof DataStreamClosedError || err instanceof DataTimeoutError || stream.writeStatus !== "writable") {
        stream.abort(err as Error);
        return;
      }
      const error = asCacheError(err, request.path);
      stream.send(encodeFrame(CacheFrame, { kind: CacheFrame.Kind.ERROR, sizeBytes: 0, errorCode: error.code, errorMessage: error.message, chunkIndex: 0, fetched: false }));
      return;
    }
    stream.send(encodeFrame(CacheFrame, { kind: CacheFrame.Kind.END, sizeBytes: 0, errorCode: "", errorMessage: "", chunkIndex: 0, fetched: false }));
  }

  private async serveLoad(stream: Stream, request: CacheLoad, user: string, respond: (response: Partial<CacheResponse>) => void): Promise<void> {
    let responded = false;
    try {
      // Refusals of the whole request (no such file, not readable) come as the response.
      const file = await this.mountedFile(request.path, user, true);
      respond({});
      responded = true;
      await this.loadChunks(file, request.chunkIndexes, (result) => {
        if (stream.writeStatus !== "writable") return;
        stream.send(encodeFrame(CacheFrame, { kind: CacheFrame.Kind.LOADED, sizeBytes: result.sizeBytes, errorCode: result.error?.code ?? "", errorMessage: result.error?.message ?? "", chunkIndex: result.chunkIndex, fetched: result.fetched }));
      });
      stream.send(encodeFrame(CacheFrame, { kind: CacheFrame.Kind.END, sizeBytes: 0, errorCode: "", errorMessage: "", chunkIndex: 0, fetched: false }));
    } catch (err) {
      const error = asCacheError(err, request.path);
      if (!responded) respond({ errorCode: error.code, errorMessage: error.message });
      else if (stream.writeStatus === "writable") stream.send(encodeFrame(CacheFrame, { kind: CacheFrame.Kind.ERROR, sizeBytes: 0, errorCode: error.code, errorMessage: error.message, chunkIndex: 0, fetched: false }));
    }
  }
}
