// TieredChunkStore over real folders: a 1 MiB MEM tier and a 2 MiB HDD tier filled with
// 256 KiB cache copies (four fit in MEM, eight in HDD), and the data dir alone as the tier.
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { DiskChunkStore } from "../../src/chunk/store/disk-store.ts";
import type { ChunkStore } from "../../src/chunk/store/store.ts";
import { TieredChunkStore, type TieredChunkStoreInit } from "../../src/cache/tiered-store.ts";
import { NoRoomError, type TierSpec } from "../../src/cache/tiers.ts";
import { bytesOf, idOf, writeChunk, chunkStoreSuite } from "../chunk/store-suite.ts";
import { flipByte } from "../chunk/store.test.ts";
import { tempDir } from "../support/temp.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const COPY_BYTES = 256 * KiB;

interface Fixture {
  store: TieredChunkStore;
  evicted: string[];
  stored: { id: string; tier: string | undefined }[];
  reopen(overrides?: Partial<TieredChunkStoreInit>): Promise<TieredChunkStore>;
  tiers: TierSpec[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fixture(withTiers: boolean, overrides: Partial<TieredChunkStoreInit> = {}): Promise<Fixture> {
  const dir = tempDir("tiers");
  cleanups.push(() => dir.remove());
  const tiers: TierSpec[] = [];
  if (withTiers) {
    mkdirSync(join(dir.path, "mem"));
    mkdirSync(join(dir.path, "hdd"));
    tiers.push({ name: "MEM", dir: join(dir.path, "mem"), capacityBytes: 1 * MiB }, { name: "HDD", dir: join(dir.path, "hdd"), capacityBytes: 2 * MiB });
  }
  const evicted: string[] = [];
  const stored: { id: string; tier: string | undefined }[] = [];
  const open = async (more: Partial<TieredChunkStoreInit> = {}) => {
    const dataDirStore = await DiskChunkStore.open(join(dir.path, "data", "chunks"));
    const ref: { store?: TieredChunkStore } = {};
    const store = await TieredChunkStore.open({
      dataDirStore,
      tiers,
      dataDirStatePath: join(dir.path, "data", "cache-copies"),
      onEvicted: (id) => evicted.push(id),
      onStored: (entry) => stored.push({ id: entry.id, tier: ref.store?.tierOf(entry.id) }),
      ...overrides,
      ...more,
    });
    ref.store = store;
    cleanups.push(() => store.close());
    return store;
  };
  return { store: await open(), evicted, stored, reopen: open, tiers };
}

async function fill(store: TieredChunkStore, n: number, options: { pinned?: boolean } = {}): Promise<void> {
  const writer = await store.createCacheWriter(idOf(n), 1, COPY_BYTES, options);
  const data = bytesOf(COPY_BYTES, n);
  for (let offset = 0; offset < data.length; offset += 100_000) await writer.write(data.subarray(offset, offset + 100_000));
  await writer.commit();
}

async function expectBytes(store: ChunkStore, n: number): Promise<void> {
  const read = await store.read(idOf(n), 1, 0, COPY_BYTES);
  expect(Buffer.compare(read, bytesOf(COPY_BYTES, n)), `chunk ${n}`).toBe(0);
  const pieces: Uint8Array[] = [];
  for await (const piece of store.createReadStream(idOf(n), 1)) pieces.push(piece);
  expect(Buffer.compare(Buffer.concat(pieces), bytesOf(COPY_BYTES, n)), `chunk ${n} streamed`).toBe(0);
}

const tierOfAll = (store: TieredChunkStore, ns: number[]) => ns.map((n) => store.tierOf(idOf(n)));
const usageOf = (store: TieredChunkStore, name: string) => store.tierUsage().find((tier) => tier.name === name)!;

describe("TieredChunkStore with MEM 1 MiB over HDD 2 MiB", () => {
  it("fills MEM first, then demotes the least recently used to HDD, then evicts from HDD", async () => {
    const { store, evicted, stored } = await fixture(true);
    for (let n = 1; n <= 4; n++) await fill(store, n);
    expect(tierOfAll(store, [1, 2, 3, 4])).toEqual(["MEM", "MEM", "MEM", "MEM"]);
    expect(usageOf(store, "MEM")).toMatchObject({ usedBytes: 1 * MiB, chunks: 4, capacityBytes: 1 * MiB, demotions: 0 });

    // Chunk 1 was read since: chunk 2 is the least recently used and goes down first.
    await expectBytes(store, 1);
    await fill(store, 5);
    expect(tierOfAll(store, [1, 2, 3, 4, 5])).toEqual(["MEM", "HDD", "MEM", "MEM", "MEM"]);
    expect(usageOf(store, "MEM").demotions).toBe(1);
    expect(stored.at(-2)).toEqual({ id: idOf(2), tier: "HDD" });
    expect(stored.at(-1)).toEqual({ id: idOf(5), tier: "MEM" });

    // Seven more: MEM keeps the four newest, HDD fills to its eight.
    for (let n = 6; n <= 12; n++) await fill(store, n);
    expect(usageOf(store, "HDD")).toMatchObject({ usedBytes: 2 * MiB, chunks: 8, evictions: 0 });
    expect(evicted).toEqual([]);
    // One more: HDD evicts its least recently used (chunk 2, demoted first).
    await fill(store, 13);
    expect(evicted).toEqual([idOf(2)]);
    expect(store.stat(idOf(2))).toBeUndefined();
    expect(store.tierOf(idOf(2))).toBeUndefined();
    expect(usageOf(store, "HDD")).toMatchObject({ chunks: 8, evictions: 1 });
    expect(usageOf(store, "MEM")).toMatchObject({ chunks: 4, demotions: 9 });

    // Everything still held reads back byte for byte, wherever it is.
    const held = Array.from({ length: 13 }, (_, i) => i + 1).filter((n) => store.stat(idOf(n)));
    expect(held.length).toBe(12);
    for (const n of held) await expectBytes(store, n);
    // Each copy is in exactly one store: the block report lists it once.
    const listed: string[] = [];
    for await (const entry of store.list()) listed.push(entry.id);
    expect(listed.sort()).toEqual(held.map(idOf).sort());
  });

  it("never demotes or evicts pinned copies, and refuses a copy when everything is pinned", async () => {
    const { store, evicted } = await fixture(true);
    await fill(store, 1, { pinned: true });
    await fill(store, 2);
    await store.setPinned([idOf(2)], true);
    for (let n = 3; n <= 20; n++) await fill(store, n);
    expect(tierOfAll(store, [1, 2])).toEqual(["MEM", "MEM"]);
    expect(usageOf(store, "MEM").pinnedChunks).toBe(2);
    expect(evicted).not.toContain(idOf(1));
    await expectBytes(store, 1);
    // Pin everything: no tier can make room.
    const all = Array.from({ length: 20 }, (_, i) => idOf(i + 1)).filter((id) => store.stat(id));
    await store.setPinned(all, true);
    await expect(store.createCacheWriter(idOf(99), 1, COPY_BYTES)).rejects.toBeInstanceOf(NoRoomError);
    // Unpinned, it goes again: HDD below is all pinned, so it is evicted rather than demoted.
    await store.setPinned([idOf(2)], false);
    await fill(store, 99);
    expect(store.tierOf(idOf(99))).toBe("MEM");
    expect(store.tierOf(idOf(2))).toBeUndefined();
    expect(evicted.at(-1)).toBe(idOf(2));
  });

  it("never demotes a copy pinned while a fill is making room", async () => {
    const { store } = await fixture(true);
    for (let n = 1; n <= 4; n++) await fill(store, n);
    // Chunk 1 is the least recently used; it is pinned before the fill's room is made.
    const writing = store.createCacheWriter(idOf(5), 1, COPY_BYTES);
    await store.setPinned([idOf(1)], true);
    const writer = await writing;
    await writer.write(bytesOf(COPY_BYTES, 5));
    await writer.commit();
    expect(tierOfAll(store, [1, 2, 5])).toEqual(["MEM", "HDD", "MEM"]);
  });

  it("keeps a pin that arrived while the copy was being written", async () => {
    const { store } = await fixture(true);
    const writer = await store.createCacheWriter(idOf(1), 1, COPY_BYTES);
    await store.setPinned([idOf(1)], true);
    await writer.write(bytesOf(COPY_BYTES, 1));
    await writer.commit();
    for (let n = 2; n <= 20; n++) await fill(store, n);
    expect(store.tierOf(idOf(1))).toBe("MEM");
    expect(usageOf(store, "MEM").pinnedChunks).toBe(1);
  });

  it("promotes a copy read with CACHE_PROMOTE to the top tier", async () => {
    const { store, stored } = await fixture(true);
    for (let n = 1; n <= 6; n++) await fill(store, n);
    expect(tierOfAll(store, [1, 2])).toEqual(["HDD", "HDD"]);
    await store.touch(idOf(1), false);
    expect(store.tierOf(idOf(1))).toBe("HDD");
    expect(usageOf(store, "HDD").hits).toBe(1);
    await store.touch(idOf(1), true);
    expect(store.tierOf(idOf(1))).toBe("MEM");
    expect(stored.at(-1)).toEqual({ id: idOf(1), tier: "MEM" });
    expect(usageOf(store, "MEM").promotions).toBe(1);
    // Room in MEM was made by demoting its least recently used (chunk 3).
    expect(store.tierOf(idOf(3))).toBe("HDD");
    for (let n = 1; n <= 6; n++) await expectBytes(store, n);
  });

  it("counts whole-chunk hits per tier, whatever the readers' piece size, and misses on the top tier", async () => {
    const { store } = await fixture(true);
    for (let n = 1; n <= 5; n++) await fill(store, n);
    store.noteMiss();
    // Copy 5 (MEM) read in four pieces, then streamed whole: two hits.
    for (let offset = 0; offset < COPY_BYTES; offset += COPY_BYTES / 4) await store.read(idOf(5), 1, offset, COPY_BYTES / 4);
    for await (const piece of store.createReadStream(idOf(5), 1)) expect(piece.length).toBeGreaterThan(0);
    // Copy 1 (HDD): half of it, twice, is one hit; a touch is one more.
    await store.read(idOf(1), 1, 0, COPY_BYTES / 2);
    await store.read(idOf(1), 1, COPY_BYTES / 2, COPY_BYTES);
    await store.touch(idOf(1), false);
    expect(usageOf(store, "MEM")).toMatchObject({ hits: 2, misses: 1 });
    expect(usageOf(store, "HDD")).toMatchObject({ hits: 2, misses: 0 });
    // Written chunks are no cache copies: their reads count nowhere.
    await writeChunk(store, idOf(1000), 1, bytesOf(COPY_BYTES, 1000));
    await store.read(idOf(1000), 1, 0, COPY_BYTES);
    expect(store.tierUsage().reduce((sum, tier) => sum + tier.hits, 0)).toBe(4);
  });

  it("replaces an older version of a copy, in its tier or by a written chunk", async () => {
    const { store } = await fixture(true);
    for (let n = 1; n <= 6; n++) await fill(store, n);
    // Chunk 6 is in MEM: version 2 replaces it there.
    const writer = await store.createCacheWriter(idOf(6), 2, COPY_BYTES);
    await writer.write(bytesOf(COPY_BYTES, 66));
    await writer.commit();
    expect(store.stat(idOf(6))).toEqual({ id: idOf(6), version: 2, sizeBytes: COPY_BYTES });
    expect(Buffer.compare(await store.read(idOf(6), 2, 0, COPY_BYTES), bytesOf(COPY_BYTES, 66))).toBe(0);
    await expect(store.createCacheWriter(idOf(6), 1, COPY_BYTES)).rejects.toThrow(/version 1 asked, version 2 held/);
    // Chunk 1 is in HDD: a written version 2 replaces it in the data dir, and is no cache copy.
    expect(store.tierOf(idOf(1))).toBe("HDD");
    await writeChunk(store, idOf(1), 2, bytesOf(COPY_BYTES, 11));
    expect(store.tierOf(idOf(1))).toBeUndefined();
    expect(store.stat(idOf(1))?.version).toBe(2);
    expect(Buffer.compare(await store.read(idOf(1), 2, 0, COPY_BYTES), bytesOf(COPY_BYTES, 11))).toBe(0);
    const listed: string[] = [];
    for await (const entry of store.list()) listed.push(`${entry.id}@${entry.version}`);
    expect(listed.filter((entry) => entry.startsWith(idOf(1)) || entry.startsWith(idOf(6))).sort()).toEqual([`${idOf(1)}@2`, `${idOf(6)}@2`]);
    expect(usageOf(store, "MEM").chunks + usageOf(store, "HDD").chunks).toBe(5);
  });

  it("keeps written chunks in the data dir, never evicted", async () => {
    const { store } = await fixture(true);
    await writeChunk(store, idOf(1000), 1, bytesOf(COPY_BYTES, 1000));
    for (let n = 1; n <= 16; n++) await fill(store, n);
    expect(store.tierOf(idOf(1000))).toBeUndefined();
    expect(Buffer.compare(await store.read(idOf(1000), 1, 0, COPY_BYTES), bytesOf(COPY_BYTES, 1000))).toBe(0);
    // A written chunk and a cache copy of one id never coexist.
    await expect(store.createCacheWriter(idOf(1000), 1, COPY_BYTES)).rejects.toThrow(/already exists/);
  });

  it("keeps its copies, their tiers and pins across a restart", async () => {
    const { store, reopen } = await fixture(true);
    for (let n = 1; n <= 6; n++) await fill(store, n, { pinned: n === 6 });
    const before = tierOfAll(store, [1, 2, 3, 4, 5, 6]);
    await store.close();
    const again = await reopen();
    expect(tierOfAll(again, [1, 2, 3, 4, 5, 6])).toEqual(before);
    expect(usageOf(again, "MEM")).toMatchObject({ chunks: 4, pinnedChunks: 1, usedBytes: 1 * MiB });
    for (let n = 1; n <= 6; n++) await expectBytes(again, n);
    for (let n = 7; n <= 20; n++) await fill(again, n);
    expect(again.tierOf(idOf(6))).toBe("MEM");
  });

  it("serves every read, byte for byte, while fills run at once and copies move under them", async () => {
    const { store, evicted } = await fixture(true);
    for (let n = 1; n <= 4; n++) await fill(store, n);
    let reading = true;
    let reads = 0;
    // Readers of the first copies while they are demoted from MEM to HDD (nothing is evicted:
    // twelve copies fit the two tiers).
    const readers = [1, 2, 3, 4].map(async (n) => {
      while (reading) {
        await expectBytes(store, n);
        reads++;
      }
    });
    // Eight more, four writers at a time.
    for (const group of [[5, 6, 7, 8], [9, 10, 11, 12]]) await Promise.all(group.map((n) => fill(store, n)));
    reading = false;
    await Promise.all(readers);
    expect(reads).toBeGreaterThan(0);
    expect(evicted).toEqual([]);
    expect(usageOf(store, "MEM").chunks + usageOf(store, "HDD").chunks).toBe(12);
    // Twelve arrived, MEM keeps four: eight moved down, among them copies being read.
    expect(usageOf(store, "MEM")).toMatchObject({ chunks: 4, demotions: 8 });
    expect(tierOfAll(store, [1, 2, 3, 4]).filter((tier) => tier === "HDD").length).toBeGreaterThan(0);
    for (let n = 1; n <= 12; n++) await expectBytes(store, n);
  });

  it("trims tiers that are over their size at start (smaller --tier sizes than last time)", async () => {
    const { store, reopen, evicted, tiers } = await fixture(true);
    for (let n = 1; n <= 8; n++) await fill(store, n);
    await store.close();
    const [mem, hdd] = tiers;
    const smaller = await reopen({ tiers: [{ ...mem!, capacityBytes: 512 * KiB }, { ...hdd!, capacityBytes: 1 * MiB }] });
    // MEM demotes two of its four; HDD, now holding six for room for four, evicts two.
    expect(smaller.tierUsage().map((tier) => [tier.name, tier.chunks, tier.demotions, tier.evictions])).toEqual([
      ["MEM", 2, 2, 0],
      ["HDD", 4, 0, 2],
    ]);
    expect(evicted).toHaveLength(2);
    for (let n = 1; n <= 8; n++) if (smaller.stat(idOf(n))) await expectBytes(smaller, n);
  });

  it("deletes a cache copy on the leader's word and reports it", async () => {
    const { store, evicted } = await fixture(true);
    for (let n = 1; n <= 5; n++) await fill(store, n);
    expect(await store.delete(idOf(1), 1)).toBe(true);
    expect(evicted).toEqual([idOf(1)]);
    expect(store.tierOf(idOf(1))).toBeUndefined();
    expect(usageOf(store, "HDD").chunks).toBe(0);
  });

  it("with LRFU keeps a copy read often over newer ones read once", async () => {
    const { store } = await fixture(true, { policy: "LRFU" });
    for (let n = 1; n <= 4; n++) await fill(store, n);
    for (let i = 0; i < 20; i++) await store.touch(idOf(1), false);
    for (let n = 5; n <= 8; n++) await fill(store, n);
    // Under LRU chunk 1 (read before 5..8 came) would be in HDD by now.
    expect(store.tierOf(idOf(1))).toBe("MEM");
  });
});

describe("TieredChunkStore keeping room ahead of need", () => {
  it("demotes in the background when a tier holds eight copies or more, so a fill finds room at once", async () => {
    // MEM 2 MiB holds eight 256 KiB copies: it keeps one slot free.
    const { store, tiers } = await fixture(true);
    await store.close();
    const [mem, hdd] = tiers;
    const { store: big } = await fixture(true, { tiers: [{ ...mem!, capacityBytes: 2 * MiB }, { ...hdd!, capacityBytes: 4 * MiB }] });
    for (let n = 1; n <= 8; n++) await fill(big, n);
    await big.whenIdle();
    expect(usageOf(big, "MEM")).toMatchObject({ chunks: 7, demotions: 1 });
    expect(big.tierOf(idOf(1))).toBe("HDD");
    // The ninth fill finds its room: nothing moves before its writer is handed out.
    const writer = await big.createCacheWriter(idOf(9), 1, COPY_BYTES);
    expect(usageOf(big, "MEM").demotions).toBe(1);
    await writer.write(bytesOf(COPY_BYTES, 9));
    await writer.commit();
    await big.whenIdle();
    expect(usageOf(big, "MEM")).toMatchObject({ chunks: 7, demotions: 2 });
    expect(big.tierOf(idOf(9))).toBe("MEM");
    for (let n = 1; n <= 9; n++) await expectBytes(big, n);
  });

  it("leaves a small tier full (fewer than eight copies fit)", async () => {
    const { store } = await fixture(true);
    for (let n = 1; n <= 4; n++) await fill(store, n);
    await store.whenIdle();
    expect(usageOf(store, "MEM")).toMatchObject({ chunks: 4, demotions: 0 });
  });
});

describe("TieredChunkStore without tiers: the data dir is the cache", () => {
  it("keeps cache copies beside written chunks and evicts them only when the disk runs short", async () => {
    // A pretend disk of 2 MiB with no floor: eight copies fit.
    const disk = { bytes: 2 * MiB };
    const ref: { store?: TieredChunkStore } = {};
    const { store, evicted } = await fixture(false, { dataDirFreeFloorBytes: 0, dataDirFreeBytes: async () => disk.bytes - ref.store!.usage().usedBytes });
    ref.store = store;
    expect(store.tierUsage()).toEqual([]);
    await writeChunk(store, idOf(1000), 1, bytesOf(COPY_BYTES, 1000));
    for (let n = 1; n <= 7; n++) await fill(store, n);
    expect(evicted).toEqual([]);
    expect(store.tierOf(idOf(1))).toBe("");
    await fill(store, 8);
    expect(evicted).toEqual([idOf(1)]);
    expect(store.tierOf(idOf(1000))).toBeUndefined();
    expect(store.stat(idOf(1000))?.sizeBytes).toBe(COPY_BYTES);
    expect(store.dataDirCacheUsage()).toMatchObject({ chunks: 7, evictions: 1 });
    for (let n = 2; n <= 8; n++) await expectBytes(store, n);
  });

  it("remembers which data-dir chunks are cache copies across a restart", async () => {
    const disk = { bytes: 64 * MiB };
    const { store, reopen } = await fixture(false, { dataDirFreeFloorBytes: 0, dataDirFreeBytes: async () => disk.bytes });
    await writeChunk(store, idOf(1000), 1, bytesOf(COPY_BYTES, 1000));
    await fill(store, 1, { pinned: true });
    await fill(store, 2);
    await store.close();
    const again = await reopen();
    expect(again.tierOf(idOf(1))).toBe("");
    expect(again.tierOf(idOf(2))).toBe("");
    expect(again.tierOf(idOf(1000))).toBeUndefined();
    expect(again.dataDirCacheUsage()).toMatchObject({ chunks: 2, pinnedChunks: 1 });
  });

  it("forgets a cache copy whose writer was aborted", async () => {
    const { store, reopen } = await fixture(false, { dataDirFreeFloorBytes: 0, dataDirFreeBytes: async () => 64 * MiB });
    const writer = await store.createCacheWriter(idOf(7), 1, COPY_BYTES);
    await writer.write(bytesOf(1000));
    await writer.abort();
    expect(store.tierOf(idOf(7))).toBeUndefined();
    await fill(store, 7);
    expect(store.tierOf(idOf(7))).toBe("");
    await store.close();
    expect((await reopen()).tierOf(idOf(7))).toBe("");
  });
});

// The ChunkStore compliance suite: written chunks through a TieredChunkStore behave as the
// data dir's store alone would.
chunkStoreSuite("TieredChunkStore", async () => {
  const dir = tempDir("tiers-suite");
  mkdirSync(join(dir.path, "mem"));
  const tiers: TierSpec[] = [{ name: "MEM", dir: join(dir.path, "mem"), capacityBytes: 8 * MiB }];
  const root = join(dir.path, "data", "chunks");
  const open = async () => TieredChunkStore.open({ dataDirStore: await DiskChunkStore.open(root), tiers, dataDirStatePath: join(dir.path, "data", "cache-copies") });
  const first = await open();
  const stores: TieredChunkStore[] = [first];
  return {
    store: first,
    corruptByte: async (id, version, offsetBytes) => flipByte(first.localPath(id, version)!, offsetBytes),
    corruptChecksums: async (id, version) => flipByte(first.localPath(id, version)!.replace(/\.chunk$/, ".meta"), 30),
    reopen: async () => {
      const store = await open();
      stores.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of stores) await store.close();
      expect(existsSync(join(dir.path, "mem", "chunks"))).toBe(true);
      dir.remove();
    },
  };
});
