// TieredChunkStore: a peer's chunk store with cache tiers (issue 16, docs/cache.md "Tiers").
//
// Written chunks (createWriter: the write pipeline, the replicator) go to the data dir's store
// and are never evicted. Cache copies of under-storage files (createCacheWriter: the cache
// service's fills) go to the top tier with room; a tier makes room by demoting its least
// worth unpinned copies to the next tier (copy, commit, then delete above), the last tier by
// evicting them (delete, and onEvicted so the block report tells the leader). Without tiers
// the data dir is the one tier: cache copies live there beside written chunks, and are
// evicted only when the disk's free space would drop below a floor.
//
// What survives a restart: each tier's folder holds cache copies only (`<DIR>/chunks`, a
// DiskChunkStore), so reopening it rebuilds the tier; its pins are in `<DIR>/pins`. The
// data dir's cache copies are listed in a state file (`dataDirStatePath`), written before a
// copy commits, so a crash can never turn a cache copy into a written chunk that is never
// evicted. The LRU/LRFU order restarts cold (every copy equally old).
//
// Moves between tiers and evictions run one at a time (one lock for room making): a
// demotion chain (MEM full → demote to SSD → SSD full → demote to HDD → evict from HDD)
// is a sequence of copies, and two fills making room at once would pick the same victims.
import { withCommitHooks } from "../chunk/store/writer-hooks.ts";
import { rename, statfs } from "node:fs/promises";
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { DiskChunkStore } from "../chunk/store/disk-store.ts";
import { ChunkBusyError, ChunkExistsError, ChunkNotFoundError, StaleChunkError } from "../chunk/store/errors.ts";
import type { ChunkCapacity, ChunkEntry, ChunkInfo, ChunkReadOptions, ChunkStore, ChunkUsage, ChunkWriter, ChunkWriterOptions, VerifyResult } from "../chunk/store/store.ts";
import { isChunkId, validateChunkId, validateChunkVersion, type ChunkId } from "../protocol/chunk-id.ts";
import { CHUNK_SIZE_BYTES_MAX } from "../protocol/limits.ts";
import type { TierUsage } from "../protocol/pb/membership.ts";
import { assert } from "../util/assert.ts";
import { fsyncDir, unlinkIfPresent, writeFileSynced } from "../util/file-io.ts";
import { createLogger, type Logger } from "../util/log.ts";
import { chooseVictims, newAccessRecord, noteAccess, type AccessRecord } from "./eviction-policy.ts";
import { NoRoomError, type CacheTiers, type EvictionPolicy, type TierName, type TierSpec } from "./tiers.ts";

/** A tier's folder: its chunks in `chunks/`, its pins in `pins`. */
export const TIER_CHUNKS_DIR = "chunks";
export const TIER_PINS_FILE = "pins";
/**
 * Without tiers, cache copies in the data dir are evicted when a new one would leave less than
 * this share of the disk free: written chunks (never evicted, placed by free space) keep room.
 */
export const DATA_DIR_FREE_FLOOR_FRACTION = 0.1;
/**
 * A tier that holds at least this many of its largest copies keeps room for one more ahead of
 * need: after a copy arrives, its least worth is demoted in the background, so the next fill
 * (a cold read's first bytes) does not wait for a 64 MiB copy to move down. A smaller tier
 * would give up too large a share of itself, and demotes only when a fill needs the room.
 */
export const HEADROOM_MIN_COPIES = 8;
/** A state file (pins, the data dir's cache copies) longer than this is damaged: 16 bytes of JSON per id, a million ids. */
const STATE_FILE_BYTES_MAX = 32 * 1024 * 1024;

export interface TieredChunkStoreInit {
  /** The data dir's store: written chunks, and cache copies when there are no tiers. */
  dataDirStore: ChunkStore;
  /** Top first; empty: the data dir is the one tier. */
  tiers: readonly TierSpec[];
  policy?: EvictionPolicy;
  /** A cache copy left this peer (evicted, or deleted through delete()): report a removal. */
  onEvicted?(id: ChunkId): void;
  /** A cache copy arrived, or moved to another tier (tierOf says which): report it as added. */
  onStored?(entry: ChunkEntry): void;
  /** Where the data dir's list of cache copies and their pins is kept (none: not kept across restarts). */
  dataDirStatePath?: string;
  /** Free bytes the data dir keeps when cache copies live there (default: DATA_DIR_FREE_FLOOR_FRACTION of its disk). */
  dataDirFreeFloorBytes?: number;
  /** The data dir's free bytes (default: its store's capacity()); tests give their own disk. */
  dataDirFreeBytes?: () => Promise<number>;
  log?: Logger;
}

interface TierCounters {
  /**
   * Whole-chunk reads: a read adds the share of the copy it returned (sixteen 4 MiB pieces of a
   * 64 MiB copy make one hit), so hits and misses (one per fill of a whole chunk) compare as a
   * hit rate whatever the readers' piece size. A fraction until shown.
   */
  hits: number;
  misses: number;
  evictions: number;
  demotions: number;
  promotions: number;
}

/** One tier, or the data dir acting as one (name "", no capacity of its own). */
class Tier {
  /** Cache copies held, by id. */
  readonly copies = new Map<ChunkId, AccessRecord>();
  /** Bytes of the copies committed here. */
  usedBytes = 0;
  /** Bytes promised to writers and moves in progress. */
  reservedBytes = 0;
  readonly counters: TierCounters = { hits: 0, misses: 0, evictions: 0, demotions: 0, promotions: 0 };
  /** The largest copy seen here: the room kept ahead of need (HEADROOM_MIN_COPIES). */
  largestCopyBytes = 0;
  /** A background demotion for headroom is queued. */
  headroomQueued = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    readonly name: TierName | "",
    readonly store: ChunkStore,
    /** undefined: the data dir, bounded by its disk's free space. */
    readonly capacityBytes: number | undefined,
    /** Pins (and for the data dir, its cache copies) are kept here. */
    readonly statePath: string | undefined,
    /** Ids being written into the data dir as cache copies: listed in its state file before they commit. */
    readonly pending = new Set<ChunkId>(),
  ) {}

  add(record: AccessRecord): void {
    assert(!this.copies.has(record.id), "a copy is added to a tier once");
    this.copies.set(record.id, record);
    this.usedBytes += record.sizeBytes;
    this.largestCopyBytes = Math.max(this.largestCopyBytes, record.sizeBytes);
  }

  remove(id: ChunkId): AccessRecord | undefined {
    const record = this.copies.get(id);
    if (!record) return undefined;
    this.copies.delete(id);
    this.usedBytes -= record.sizeBytes;
    return record;
  }

  pinnedCount(): number {
    let count = 0;
    for (const record of this.copies.values()) if (record.pinned) count++;
    return count;
  }

  /** Writes the state file (atomically: a temp file renamed over it), after any write before. */
  save(): Promise<void> {
    const path = this.statePath;
    if (path === undefined) return Promise.resolve();
    const run = async () => {
      const pinned = [...this.copies.values()].filter((record) => record.pinned).map((record) => record.id);
      const state = this.capacityBytes === undefined ? { copies: [...this.copies.keys(), ...this.pending], pinned } : { pinned };
      const temp = `${path}.tmp`;
      // Synced before the rename: the list must be on disk before the copy it names commits.
      await unlinkIfPresent(temp);
      await writeFileSynced(temp, new TextEncoder().encode(JSON.stringify(state)));
      await rename(temp, path);
      await fsyncDir(dirname(path));
    };
    this.saving = this.saving.then(run, run);
    return this.saving;
  }
}

/** Counts the share of a copy a read returned as a hit of the tier it was read from. */
function countHit(tier: Tier, record: AccessRecord, bytes: number): void {
  tier.counters.hits += record.sizeBytes === 0 ? 1 : bytes / record.sizeBytes;
}

/** Reads a state file: its ids (bounded, each checked), empty when absent or damaged. */
function readState(path: string | undefined, log: Logger): { copies: Set<ChunkId>; pinned: Set<ChunkId> } {
  const empty = { copies: new Set<ChunkId>(), pinned: new Set<ChunkId>() };
  if (path === undefined) return empty;
  try {
    if (statSync(path).size > STATE_FILE_BYTES_MAX) {
      log.warn("ignoring a cache state file that is too long", { path });
      return empty;
    }
    const parsed = JSON.parse(readFileSync(path, "utf8")) as { copies?: unknown; pinned?: unknown };
    const ids = (value: unknown) => new Set(Array.isArray(value) ? value.filter(isChunkId) : []);
    return { copies: ids(parsed.copies), pinned: ids(parsed.pinned) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") log.warn("ignoring a damaged cache state file", { path, error: err });
    return empty;
  }
}

export class TieredChunkStore implements CacheTiers {
  /** Ids with a writer open (any store): two writers of one id never interleave. */
  private readonly writing = new Set<ChunkId>();
  /** Pins and unpins that arrived while the copy was being written: applied at its commit. */
  private readonly pinsWhileWriting = new Map<ChunkId, boolean>();
  private readonly policy: EvictionPolicy;
  private readonly log: Logger;
  /** The logical clock of accesses (eviction-policy.ts). */
  private tick = 0;
  private roomLock: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly init: TieredChunkStoreInit,
    private readonly dataTier: Tier,
    /** The configured tiers, top first (empty without --tier). */
    private readonly tiers: readonly Tier[],
  ) {
    this.policy = init.policy ?? "LRU";
    this.log = init.log ?? createLogger("tiers");
  }

  /** Opens every tier's store, rebuilds which ids are cache copies, and trims tiers that are over their size (a smaller --tier than last time). */
  static async open(init: TieredChunkStoreInit): Promise<TieredChunkStore> {
    const log = init.log ?? createLogger("tiers");
    const tiers: Tier[] = [];
    for (const spec of init.tiers) {
      const disk = await statfs(spec.dir);
      // Not refused: a tmpfs grows on demand up to its limit, and sizes are the operator's call.
      if (spec.capacityBytes > disk.blocks * disk.bsize) log.warn("a tier is larger than the file system under it: fills will fail when it runs out", { tier: spec.name, dir: spec.dir, capacityBytes: spec.capacityBytes, fileSystemBytes: disk.blocks * disk.bsize });
      const store = await DiskChunkStore.open(join(spec.dir, TIER_CHUNKS_DIR), { logger: log });
      const tier = new Tier(spec.name, store, spec.capacityBytes, join(spec.dir, TIER_PINS_FILE));
      const { pinned } = readState(tier.statePath, log);
      for await (const entry of store.list()) tier.add(newAccessRecord(entry.id, entry.sizeBytes, pinned.has(entry.id), 0));
      tiers.push(tier);
    }
    const dataTier = new Tier("", init.dataDirStore, undefined, init.dataDirStatePath);
    const state = readState(init.dataDirStatePath, log);
    for (const id of state.copies) {
      const entry = init.dataDirStore.stat(id);
      if (entry) dataTier.add(newAccessRecord(id, entry.sizeBytes, state.pinned.has(id), 0));
    }
    // Ids listed but gone (a fill that never committed, a copy deleted) leave the list now.
    if (state.copies.size !== dataTier.copies.size) await dataTier.save();
    const store = new TieredChunkStore(init, dataTier, tiers);
    await store.withRoomLock(async () => {
      for (let i = 0; i < tiers.length; i++) await store.makeRoom(i, 0);
    });
    for (const tier of tiers) store.keepHeadroom(tier);
    return store;
  }

  // --- CacheTiers ------------------------------------------------------------------------------

  async createCacheWriter(id: ChunkId, version: number, sizeBytes: number, options: { pinned?: boolean } = {}): Promise<ChunkWriter> {
    this.assertOpen();
    validateChunkId(id);
    validateChunkVersion(version);
    assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0 && sizeBytes <= CHUNK_SIZE_BYTES_MAX, "a cache copy's size is within a chunk's bounds");
    this.checkWritable(id, version);
    this.writing.add(id);
    let tier: Tier | undefined;
    let writer: ChunkWriter;
    try {
      tier = this.placeCopyNow(sizeBytes) ?? (await this.withRoomLock(() => this.placeCopy(id, sizeBytes)));
      if (tier === this.dataTier) {
        tier.pending.add(id);
        await tier.save();
      }
      writer = await tier.store.createWriter(id, version, { expectedSizeBytes: sizeBytes });
    } catch (err) {
      if (tier) this.releaseCacheWrite(tier, id, sizeBytes);
      else this.writing.delete(id);
      throw err;
    }
    const target = tier;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      this.releaseCacheWrite(target, id, sizeBytes);
    };
    return withCommitHooks(writer, {
      commit: async () => {
        let info: ChunkInfo;
        try {
          info = await writer.commit();
        } catch (err) {
          settle();
          throw err;
        }
        // Committed: what follows is bookkeeping, and its failures must not fail the commit.
        settled = true;
        target.reservedBytes -= sizeBytes;
        target.pending.delete(id);
        const pinned = this.pinsWhileWriting.get(id) ?? options.pinned === true;
        this.pinsWhileWriting.delete(id);
        const older = this.detachOtherCopies(id, target);
        // An older version in the same tier: its store replaced it at this commit.
        target.remove(id);
        target.add(newAccessRecord(id, info.sizeBytes, pinned, ++this.tick));
        this.writing.delete(id);
        this.init.onStored?.({ id, version: info.version, sizeBytes: info.sizeBytes });
        this.keepHeadroom(target);
        await this.removeDetached(id, older);
        if (pinned || target === this.dataTier) await this.saveQuietly(target);
        return info;
      },
      abort: async () => {
        await writer.abort();
        settle();
      },
    });
  }

  tierOf(id: ChunkId): TierName | "" | undefined {
    return this.tierHolding(id)?.name;
  }

  async touch(id: ChunkId, promote: boolean): Promise<void> {
    this.assertOpen();
    const tier = this.tierHolding(id);
    if (!tier) return;
    const record = this.noteAccessOf(id);
    if (record) tier.counters.hits += 1;
    const index = this.tiers.indexOf(tier);
    if (promote && index > 0) await this.withRoomLock(() => this.promote(index, id));
  }

  noteMiss(): void {
    (this.tiers[0] ?? this.dataTier).counters.misses++;
  }

  async setPinned(ids: readonly ChunkId[], pinned: boolean): Promise<void> {
    this.assertOpen();
    const changed = new Set<Tier>();
    for (const id of ids) {
      const tier = this.tierHolding(id);
      const record = tier?.copies.get(id);
      if (!tier || !record) {
        // `cache pin` told the holders while this peer was still filling the copy.
        if (this.writing.has(id)) this.pinsWhileWriting.set(id, pinned);
        continue;
      }
      if (record.pinned === pinned) continue;
      record.pinned = pinned;
      changed.add(tier);
    }
    for (const tier of changed) await tier.save();
  }

  tierUsage(): TierUsage[] {
    return this.tiers.map((tier) => ({
      name: tier.name,
      capacityBytes: tier.capacityBytes ?? 0,
      usedBytes: tier.usedBytes,
      chunks: tier.copies.size,
      ...tier.counters,
      hits: Math.round(tier.counters.hits),
      pinnedChunks: tier.pinnedCount(),
    }));
  }

  /** The data dir's cache copies (without tiers they are the cache): count, bytes, counters. */
  dataDirCacheUsage(): { chunks: number; usedBytes: number; pinnedChunks: number } & TierCounters {
    return { chunks: this.dataTier.copies.size, usedBytes: this.dataTier.usedBytes, pinnedChunks: this.dataTier.pinnedCount(), ...this.dataTier.counters, hits: Math.round(this.dataTier.counters.hits) };
  }

  // --- ChunkStore ----------------------------------------------------------------------------

  async createWriter(id: ChunkId, version: number, options?: ChunkWriterOptions): Promise<ChunkWriter> {
    this.assertOpen();
    validateChunkId(id);
    validateChunkVersion(version);
    this.checkWritable(id, version);
    this.writing.add(id);
    let writer: ChunkWriter;
    try {
      writer = await this.init.dataDirStore.createWriter(id, version, options);
    } catch (err) {
      this.writing.delete(id);
      throw err;
    }
    return withCommitHooks(writer, {
      commit: async () => {
        let info: ChunkInfo;
        try {
          info = await writer.commit();
        } finally {
          this.writing.delete(id);
        }
        // A written version replaces an older cache copy: it is a written chunk from now on.
        await this.removeDetached(id, this.detachOtherCopies(id, undefined));
        return info;
      },
      abort: async () => {
        await writer.abort();
        this.writing.delete(id);
      },
    });
  }

  async read(id: ChunkId, version: number, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    this.assertOpen();
    validateChunkId(id);
    const tier = this.tierHolding(id);
    const record = this.noteAccessOf(id);
    let bytes: Uint8Array;
    try {
      bytes = await this.storeOf(id).read(id, version, offsetBytes, lengthBytes);
    } catch (err) {
      // Moved to another tier between finding and opening it: read it where it is now.
      if (!(err instanceof ChunkNotFoundError && this.storeOf(id).stat(id))) throw err;
      bytes = await this.storeOf(id).read(id, version, offsetBytes, lengthBytes);
    }
    if (tier && record) countHit(tier, record, bytes.length);
    return bytes;
  }

  async *createReadStream(id: ChunkId, version: number, offsetBytes?: number, lengthBytes?: number, options?: ChunkReadOptions): AsyncGenerator<Uint8Array> {
    this.assertOpen();
    validateChunkId(id);
    const tier = this.tierHolding(id);
    const record = this.noteAccessOf(id);
    const counted = async function* (pieces: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
      for await (const piece of pieces) {
        if (tier && record) countHit(tier, record, piece.length);
        yield piece;
      }
    };
    const store = this.storeOf(id);
    const pieces = store.createReadStream(id, version, offsetBytes, lengthBytes, options)[Symbol.asyncIterator]();
    let first: IteratorResult<Uint8Array>;
    try {
      first = await pieces.next();
    } catch (err) {
      // The file is opened before the first piece: a copy moved meanwhile is read where it is now.
      const now = this.storeOf(id);
      if (err instanceof ChunkNotFoundError && now !== store && now.stat(id)) {
        yield* counted(now.createReadStream(id, version, offsetBytes, lengthBytes, options));
        return;
      }
      throw err;
    }
    if (first.done) return;
    if (tier && record) countHit(tier, record, first.value.length);
    yield first.value;
    yield* counted({ [Symbol.asyncIterator]: () => pieces });
  }

  async readBlockChecksums(id: ChunkId, version: number) {
    this.assertOpen();
    return this.storeOf(validateChunkId(id)).readBlockChecksums(id, version);
  }

  stat(id: ChunkId): ChunkEntry | undefined {
    this.assertOpen();
    return this.storeOf(validateChunkId(id)).stat(id);
  }

  async *list(): AsyncGenerator<ChunkEntry> {
    this.assertOpen();
    yield* this.init.dataDirStore.list();
    for (const tier of this.tiers) {
      // A copy being moved is in two stores for a moment: list it where the map says it is.
      for await (const entry of tier.store.list()) if (tier.copies.has(entry.id)) yield entry;
    }
  }

  async delete(id: ChunkId, version?: number): Promise<boolean> {
    this.assertOpen();
    validateChunkId(id);
    const tier = this.tierHolding(id);
    const store = tier?.store ?? this.init.dataDirStore;
    const removed = await store.delete(id, version);
    if (removed && tier) {
      const record = tier.remove(id);
      if (tier === this.dataTier || record?.pinned) await tier.save();
      this.init.onEvicted?.(id);
    }
    return removed;
  }

  async verify(id: ChunkId, version: number): Promise<VerifyResult> {
    this.assertOpen();
    return this.storeOf(validateChunkId(id)).verify(id, version);
  }

  usage(): ChunkUsage {
    let chunkCount = 0;
    let usedBytes = 0;
    for (const store of [this.init.dataDirStore, ...this.tiers.map((tier) => tier.store)]) {
      const usage = store.usage();
      chunkCount += usage.chunkCount;
      usedBytes += usage.usedBytes;
    }
    return { chunkCount, usedBytes };
  }

  /** The data dir's disk: where written chunks go (placement reads it from heartbeats). */
  capacity(): Promise<ChunkCapacity> {
    return this.init.dataDirStore.capacity();
  }

  localPath(id: ChunkId, version: number): string | undefined {
    this.assertOpen();
    const path = this.storeOf(validateChunkId(id)).localPath(id, version);
    // Read straight from its file next (the local fast path, a map's input): most recently used now.
    this.noteAccessOf(id);
    return path;
  }

  noteLocalRead(id: ChunkId, bytes: number): void {
    const tier = this.tierHolding(id);
    const record = tier?.copies.get(id);
    if (tier && record) countHit(tier, record, bytes);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.whenIdle();
    for (const tier of [...this.tiers, this.dataTier]) await tier.save().catch(() => {});
    await Promise.all(this.tiers.map((tier) => tier.store.close()));
    await this.init.dataDirStore.close();
  }

  // --- internals -----------------------------------------------------------------------------

  private assertOpen(): void {
    assert(!this.closed, "the chunk store is closed");
  }

  /** The tier whose copy this id is (the data dir's "" for its cache copies), if a cache copy. */
  private tierHolding(id: ChunkId): Tier | undefined {
    for (const tier of this.tiers) if (tier.copies.has(id)) return tier;
    return this.dataTier.copies.has(id) ? this.dataTier : undefined;
  }

  private storeOf(id: ChunkId): ChunkStore {
    return this.tierHolding(id)?.store ?? this.init.dataDirStore;
  }

  /** The store's rules for a new writer, across every store: one version per id, one writer at once. */
  private checkWritable(id: ChunkId, version: number): void {
    if (this.writing.has(id)) throw new ChunkBusyError(id);
    const held = this.storeOf(id).stat(id);
    if (held?.version === version) throw new ChunkExistsError(id, version);
    if (held && held.version > version) throw new StaleChunkError(id, version, held.version);
  }

  /**
   * After a new version of `id` committed into `kept` (undefined: the data dir, as a written
   * chunk): the tiers that held an older copy, taken out of the maps at once so reads go to
   * the new one; removeDetached deletes their files.
   */
  private detachOtherCopies(id: ChunkId, kept: Tier | undefined): Tier[] {
    const older: Tier[] = [];
    for (const tier of [...this.tiers, this.dataTier]) {
      if (tier === kept || !tier.copies.has(id)) continue;
      tier.remove(id);
      older.push(tier);
    }
    return older;
  }

  private async removeDetached(id: ChunkId, older: readonly Tier[]): Promise<void> {
    try {
      for (const tier of older) {
        // The data dir's store replaced the older version itself when the new one went there.
        if (tier !== this.dataTier) await tier.store.delete(id);
        await tier.save();
      }
      // An older written version in the data dir, replaced by a cache copy in a tier.
      const kept = this.tierHolding(id);
      if (kept !== undefined && kept !== this.dataTier && this.init.dataDirStore.stat(id)) await this.init.dataDirStore.delete(id);
    } catch (err) {
      // Left on disk: the next open finds a copy in two places and the block report the older one, which the leader deletes.
      this.log.warn("could not remove an older copy of a chunk", { id, error: err });
    }
  }

  private async saveQuietly(tier: Tier): Promise<void> {
    await tier.save().catch((err: unknown) => this.log.warn("could not save a cache tier's state", { tier: tier.name, error: err }));
  }

  private releaseCacheWrite(tier: Tier, id: ChunkId, sizeBytes: number): void {
    tier.reservedBytes -= sizeBytes;
    this.writing.delete(id);
    this.pinsWhileWriting.delete(id);
    if (tier.pending.delete(id)) void tier.save().catch((err: unknown) => this.log.warn("could not save the data dir's cache list", { error: err }));
  }

  /** A read of a cache copy begins: it becomes the most recently used (LRFU: one more access). */
  private noteAccessOf(id: ChunkId): AccessRecord | undefined {
    const record = this.tierHolding(id)?.copies.get(id);
    if (record) noteAccess(record, ++this.tick);
    return record;
  }

  private withRoomLock<T>(work: () => Promise<T>): Promise<T> {
    const run = this.roomLock.then(work, work);
    this.roomLock = run.catch(() => {});
    return run;
  }

  /** Resolves when no move or eviction is running or queued (for tests; close() waits likewise). */
  async whenIdle(): Promise<void> {
    for (;;) {
      const lock = this.roomLock;
      await lock;
      if (lock === this.roomLock) return;
    }
  }

  /**
   * Queues a background demotion from `tier` so that room for one more of its largest copies
   * is there before a fill asks (HEADROOM_MIN_COPIES). Never for the last tier: an eviction is
   * an unlink, quick enough to do when asked.
   */
  private keepHeadroom(tier: Tier): void {
    const index = this.tiers.indexOf(tier);
    if (index < 0 || index === this.tiers.length - 1 || tier.headroomQueued || this.closed) return;
    const headroomBytes = tier.largestCopyBytes;
    if (headroomBytes === 0 || tier.capacityBytes! < HEADROOM_MIN_COPIES * headroomBytes) return;
    tier.headroomQueued = true;
    void this.withRoomLock(async () => {
      tier.headroomQueued = false;
      if (this.closed) return;
      await this.makeRoom(index, headroomBytes);
    }).catch((err: unknown) => this.log.warn("could not demote ahead of need", { tier: tier.name, error: err }));
  }

  /** The tiers cache copies go to, top first. */
  private placementTiers(): readonly Tier[] {
    return this.tiers.length > 0 ? this.tiers : [this.dataTier];
  }

  /**
   * The top tier that can take `sizeBytes`, when it has the room right now (reserved here: a
   * synchronous check and reservation need no lock); undefined when room must be made first.
   * Kept headroom makes this the usual case, so a fill does not queue behind a move.
   */
  private placeCopyNow(sizeBytes: number): Tier | undefined {
    const top = this.tiers.find((tier) => tier.capacityBytes! >= sizeBytes);
    if (!top || top.usedBytes + top.reservedBytes + sizeBytes > top.capacityBytes!) return undefined;
    top.reservedBytes += sizeBytes;
    return top;
  }

  /** Under the room lock: the top tier that has (or can be given) room, with the bytes reserved. */
  private async placeCopy(id: ChunkId, sizeBytes: number): Promise<Tier> {
    const tiers = this.placementTiers();
    for (let i = 0; i < tiers.length; i++) {
      const tier = tiers[i]!;
      if (tier.capacityBytes !== undefined && tier.capacityBytes < sizeBytes) continue;
      if (!(await this.makeRoom(i, sizeBytes))) continue;
      tier.reservedBytes += sizeBytes;
      return tier;
    }
    throw new NoRoomError(id, sizeBytes);
  }

  /** Bytes tier i lacks for `sizeBytes` more. */
  private async shortfall(tier: Tier, sizeBytes: number): Promise<number> {
    if (tier.capacityBytes !== undefined) return tier.usedBytes + tier.reservedBytes + sizeBytes - tier.capacityBytes;
    const capacity = await this.init.dataDirStore.capacity();
    const freeBytes = this.init.dataDirFreeBytes ? await this.init.dataDirFreeBytes() : capacity.freeBytes;
    const floorBytes = this.init.dataDirFreeFloorBytes ?? Math.floor(capacity.capacityBytes * DATA_DIR_FREE_FLOOR_FRACTION);
    return floorBytes + tier.reservedBytes + sizeBytes - freeBytes;
  }

  /** Under the room lock: frees room for `sizeBytes` in placement tier i by demoting (or, from the last, evicting). */
  private async makeRoom(i: number, sizeBytes: number): Promise<boolean> {
    const tiers = this.placementTiers();
    const tier = tiers[i]!;
    const needBytes = await this.shortfall(tier, sizeBytes);
    if (needBytes <= 0) return true;
    const victims = chooseVictims(this.policy, tier.copies.values(), needBytes, this.tick);
    if (!victims) return false;
    for (const id of victims) {
      // Chosen before the moves began: pinned, deleted or moving since then, it stays.
      const record = tier.copies.get(id);
      if (!record || record.pinned || record.busy) continue;
      const moved = i + 1 < tiers.length && (await this.move(i, i + 1, id));
      if (!moved) await this.evict(tier, id);
    }
    return (await this.shortfall(tier, sizeBytes)) <= 0;
  }

  private async evict(tier: Tier, id: ChunkId): Promise<void> {
    const held = tier.copies.get(id);
    if (!held || held.pinned || held.busy) return;
    const record = tier.remove(id)!;
    tier.counters.evictions++;
    await tier.store.delete(id);
    if (record.pinned || tier === this.dataTier) await tier.save();
    this.init.onEvicted?.(id);
  }

  /** Promotes the copy in tier `from` into the top tier, when room can be made there. */
  private async promote(from: number, id: ChunkId): Promise<void> {
    const record = this.tiers[from]?.copies.get(id);
    const top = this.tiers[0]!;
    if (!record || record.busy || top.capacityBytes! < record.sizeBytes) return;
    record.busy = true;
    let room: boolean;
    try {
      room = await this.makeRoom(0, record.sizeBytes);
    } finally {
      record.busy = false;
    }
    if (room) await this.move(from, 0, id);
  }

  /**
   * Copies `id` from tier `from` to tier `to` (commit there, then delete above), making room in
   * `to` first when it moves down. Returns false when it could not (no room below, a read failed).
   */
  private async move(from: number, to: number, id: ChunkId): Promise<boolean> {
    const source = this.tiers[from]!;
    const target = this.tiers[to]!;
    const record = source.copies.get(id);
    const held = source.store.stat(id);
    if (!record || !held || (to > from && record.pinned)) return false;
    record.busy = true;
    try {
      if (to > from && !(await this.makeRoom(to, record.sizeBytes))) return false;
      target.reservedBytes += record.sizeBytes;
      let writer: ChunkWriter | undefined;
      try {
        writer = await target.store.createWriter(id, held.version, { expectedSizeBytes: held.sizeBytes });
        for await (const piece of source.store.createReadStream(id, held.version)) await writer.write(piece);
        await writer.commit();
      } catch (err) {
        await writer?.abort();
        this.log.warn("could not move a cache copy between tiers", { id, from: source.name, to: target.name, error: err });
        return false;
      } finally {
        target.reservedBytes -= record.sizeBytes;
      }
      if (source.copies.get(id) !== record) {
        // Deleted while it was being copied: the copy below goes too.
        await target.store.delete(id, held.version);
        return true;
      }
      if (to > from && record.pinned) {
        // Pinned while it was being copied: it stays where it was.
        await target.store.delete(id, held.version);
        return false;
      }
      source.remove(id);
      target.add(record);
      await source.store.delete(id, held.version);
      if (to > from) source.counters.demotions++;
      else target.counters.promotions++;
      if (record.pinned) {
        await source.save();
        await target.save();
      }
      this.init.onStored?.({ id, version: held.version, sizeBytes: held.sizeBytes });
      this.keepHeadroom(target);
      return true;
    } finally {
      record.busy = false;
    }
  }
}
