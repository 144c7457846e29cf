// The contract between a peer's cache tiers (tiered-store.ts) and its cache service
// (cache-service.ts) (issue 16, docs/cache.md). The tiers are a ChunkStore: reads, block
// reports, deletes and the write pipeline see one store; written chunks stay in the data
// directory and are never evicted, cache copies live in the tiers.
import type { ChunkStore, ChunkWriter } from "../chunk/store/store.ts";
import type { ChunkId } from "../protocol/chunk-id.ts";
import type { TierUsage } from "../protocol/pb/membership.ts";
import { WireError } from "../protocol/errors.ts";

export type TierName = "MEM" | "SSD" | "HDD";

/** One `--tier NAME:DIR:SIZE` of `node start`. */
export interface TierSpec {
  name: TierName;
  dir: string;
  capacityBytes: number;
}

export type EvictionPolicy = "LRU" | "LRFU";

export interface CacheTiers extends ChunkStore {
  /**
   * A writer of a cache copy, in the top tier with room (room is made by evicting or demoting
   * unpinned cache copies); the copy is evictable once committed. Throws NoRoomError when no
   * tier can take `sizeBytes` even after eviction (everything pinned).
   */
  createCacheWriter(id: ChunkId, version: number, sizeBytes: number, options?: { pinned?: boolean }): Promise<ChunkWriter>;
  /** Whether the id is a cache copy here (not a written chunk), and in which tier ("" for the data directory). */
  tierOf(id: ChunkId): TierName | "" | undefined;
  /** A read of a cache copy: counts a hit, moves it up the LRU, and with `promote` into the top tier. */
  touch(id: ChunkId, promote: boolean): Promise<void>;
  /** Counts a miss of the tier the fill will go to (a read that had to fetch). */
  noteMiss(): void;
  /** Pins or unpins cache copies (pinned ones are never evicted or demoted). */
  setPinned(ids: readonly ChunkId[], pinned: boolean): Promise<void>;
  /** Per tier, top first, for heartbeats, /metrics, report and the UI. Empty without --tier. */
  tierUsage(): TierUsage[];
}

/** createCacheWriter found no tier that can take the copy, even after evicting (everything there is pinned or being written). */
export class NoRoomError extends WireError {
  override name = "NoRoomError";
  readonly code = "STORE";
  constructor(
    readonly chunkId: ChunkId,
    readonly sizeBytes: number,
  ) {
    super(`no cache tier has room for chunk ${chunkId} (${sizeBytes} bytes): the tiers are full of pinned copies or copies being written`);
  }
}
