// The mount's disk read cache (src/mount/read-cache/disk-cache.ts): pieces of committed chunk
// versions kept on disk, LRU under a size bound, checked on every read.
import { describe, it, expect, afterEach } from "vitest";
import { readdirSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { openDiskReadCache, type DiskReadCache } from "../../src/mount/read-cache/disk-cache.ts";
import type { FileRangeReader, StatView } from "../../src/client/fs.ts";
import { tempDir } from "../support/temp.ts";

const PIECE = 4096;
const HEADER = 24;

/** A file of `chunkSizes` chunks whose byte i is a function of i and the chunks' version. */
function file(chunkSizes: number[], version = 1, firstId = 0x10n) {
  const sizeBytes = chunkSizes.reduce((a, b) => a + b, 0);
  const byteAt = (i: number) => (i * 31 + version * 7) & 0xff;
  const stat: StatView = {
    path: "/f",
    kind: "file",
    size: sizeBytes,
    replication: 3,
    chunkSize: chunkSizes[0] ?? 0,
    mtimeMs: 0,
    state: "COMPLETE",
    chunks: chunkSizes.map((size, index) => ({ id: (firstId + BigInt(index)).toString(16).padStart(16, "0"), index, version, size, committed: true, replicas: [] })),
    attributes: {},
    owner: "root",
    group: "root",
    permission: 0o644,
    accessTimeMs: 0,
  };
  const fetches: Array<[number, number]> = [];
  let gate: Promise<void> = Promise.resolve();
  const reader: FileRangeReader = {
    path: "/f",
    sizeBytes,
    counters: { localBytes: 0, remoteBytes: 0 },
    localChunks: async () => [],
    async read(offset: number, length: number) {
      fetches.push([offset, length]);
      await gate;
      const end = Math.min(sizeBytes, offset + length);
      const out = new Uint8Array(Math.max(0, end - offset));
      for (let i = 0; i < out.length; i++) out[i] = byteAt(offset + i);
      reader.counters.remoteBytes += out.length;
      return out;
    },
  };
  const expected = (offset: number, length: number) => Uint8Array.from({ length: Math.max(0, Math.min(sizeBytes, offset + length) - offset) }, (_, i) => byteAt(offset + i));
  return { stat, reader, fetches, expected, hold: (until: Promise<void>) => (gate = until) };
}

describe("mount read cache", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  function open(sizeBytes: number, dir = tempDir("read-cache")): { cache: DiskReadCache; dir: string } {
    const cache = openDiskReadCache({ dir: dir.path, sizeBytes, pieceBytes: PIECE });
    cleanups.push(() => dir.remove());
    cleanups.push(() => cache.close());
    return { cache, dir: dir.path };
  }

  it("answers a second read of the same bytes from disk, across chunk and piece boundaries", async () => {
    const { cache } = open(1024 * 1024);
    const f = file([3 * PIECE + 100, 2 * PIECE]);
    const reader = cache.wrap(f.stat, f.reader);
    // Spans the end of chunk 0 (a short last piece) and the start of chunk 1.
    const offset = 3 * PIECE - 10;
    expect(await reader.read(offset, 300)).toEqual(f.expected(offset, 300));
    await cache.settled();
    const fetchesBefore = f.fetches.length;
    // Aligned pieces were fetched: the piece of chunk 0 from 3*PIECE to its end, and chunk 1's first.
    expect(f.fetches).toContainEqual([3 * PIECE, 100]);
    expect(f.fetches).toContainEqual([3 * PIECE + 100, PIECE]);
    expect(await reader.read(offset, 300)).toEqual(f.expected(offset, 300));
    expect(await reader.read(offset + 5, 17)).toEqual(f.expected(offset + 5, 17));
    expect(f.fetches.length).toBe(fetchesBefore);
    expect(cache.stats().hits).toBeGreaterThanOrEqual(4);
    expect(reader.counters.localBytes).toBeGreaterThan(0);
    // A read past the end is cut at the end.
    expect(await reader.read(f.reader.sizeBytes - 3, 100)).toEqual(f.expected(f.reader.sizeBytes - 3, 3));
  });

  it("stays within its size, evicting the least recently used piece first", async () => {
    const capacity = 4 * (PIECE + HEADER);
    const { cache, dir } = open(capacity);
    const f = file([16 * PIECE]);
    const reader = cache.wrap(f.stat, f.reader);
    for (let piece = 0; piece < 4; piece++) await reader.read(piece * PIECE, PIECE);
    await cache.settled();
    // Piece 0 is used again: piece 1 is now the least recently used.
    await reader.read(0, 10);
    const before = f.fetches.length;
    for (let piece = 4; piece < 6; piece++) await reader.read(piece * PIECE, PIECE);
    await cache.settled();
    expect(cache.stats().usedBytes).toBeLessThanOrEqual(capacity);
    expect(cache.stats().evictions).toBe(2);
    expect(diskBytes(dir)).toBeLessThanOrEqual(capacity);
    await reader.read(0, 10); // kept
    expect(f.fetches.length).toBe(before + 2);
    await reader.read(PIECE, 10); // evicted
    expect(f.fetches.length).toBe(before + 3);
    await cache.settled();
    expect(cache.stats().usedBytes).toBeLessThanOrEqual(capacity);
  });

  it("never serves a piece of another version of the chunk", async () => {
    const { cache } = open(1024 * 1024);
    const v1 = file([2 * PIECE], 1);
    expect(await cache.wrap(v1.stat, v1.reader).read(0, 2 * PIECE)).toEqual(v1.expected(0, 2 * PIECE));
    await cache.settled();
    // Same chunk id, version 2 (a copy-on-write rewrite): its bytes differ and must be fetched.
    const v2 = file([2 * PIECE], 2);
    expect(v2.stat.chunks[0]!.id).toBe(v1.stat.chunks[0]!.id);
    expect(await cache.wrap(v2.stat, v2.reader).read(0, 2 * PIECE)).toEqual(v2.expected(0, 2 * PIECE));
    expect(v2.fetches.length).toBe(2);
  });

  it("fetches a piece once for readers that ask for it at the same time", async () => {
    const { cache } = open(1024 * 1024);
    const f = file([4 * PIECE]);
    let release!: () => void;
    f.hold(new Promise<void>((resolve) => (release = resolve)));
    const reader = cache.wrap(f.stat, f.reader);
    const reads = [reader.read(0, 100), reader.read(50, 100), cache.wrap(f.stat, f.reader).read(1000, 10)];
    release();
    const answers = await Promise.all(reads);
    expect(answers[0]).toEqual(f.expected(0, 100));
    expect(answers[1]).toEqual(f.expected(50, 100));
    expect(answers[2]).toEqual(f.expected(1000, 10));
    expect(f.fetches).toEqual([[0, PIECE]]);
  });

  it("treats a damaged piece file as a miss and fetches the bytes again", async () => {
    const { cache, dir } = open(1024 * 1024);
    const f = file([PIECE]);
    const reader = cache.wrap(f.stat, f.reader);
    await reader.read(0, PIECE);
    await cache.settled();
    const [path] = pieceFiles(dir);
    const bytes = readFileSync(path!);
    bytes[HEADER + 7]! ^= 0xff;
    writeFileSync(path!, bytes);
    expect(await reader.read(0, PIECE)).toEqual(f.expected(0, PIECE));
    expect(f.fetches.length).toBe(2);
    expect(cache.stats().damaged).toBe(1);
  });

  it("keeps its pieces across a restart and refuses a second user of the folder", async () => {
    const dir = tempDir("read-cache");
    // Another live process (our parent) holds the folder: refused.
    writeFileSync(join(dir.path, "LOCK"), `${process.ppid}\n`);
    expect(() => openDiskReadCache({ dir: dir.path, sizeBytes: 1024 * 1024, pieceBytes: PIECE })).toThrow(/in use by another mount/);
    // A lock left by a process that is gone is taken over.
    writeFileSync(join(dir.path, "LOCK"), "4194304999\n");
    const first = openDiskReadCache({ dir: dir.path, sizeBytes: 1024 * 1024, pieceBytes: PIECE });
    const f = file([3 * PIECE]);
    await first.wrap(f.stat, f.reader).read(0, 3 * PIECE);
    await first.close();
    const { cache } = open(1024 * 1024, dir);
    expect(cache.stats().pieces).toBe(3);
    expect(await cache.wrap(f.stat, f.reader).read(0, 3 * PIECE)).toEqual(f.expected(0, 3 * PIECE));
    expect(f.fetches.length).toBe(3);
  });

  it("ends an answer where the cluster's bytes end, never padding with zeros, and keeps no short piece", async () => {
    const { cache } = open(1024 * 1024);
    const f = file([2 * PIECE]);
    // The cluster has fewer bytes than the stat said.
    const inner = f.reader.read.bind(f.reader);
    f.reader.read = async (offset, length) => (await inner(offset, length)).subarray(0, Math.max(0, Math.min(length, PIECE + 100 - offset)));
    const reader = cache.wrap(f.stat, f.reader);
    expect(await reader.read(PIECE - 10, 1000)).toEqual(f.expected(PIECE - 10, 110));
    await cache.settled();
    expect(cache.stats().pieces).toBe(1);
  });

  it("passes reads of files it cannot describe straight through", async () => {
    const { cache } = open(1024 * 1024);
    const f = file([PIECE, PIECE]);
    f.stat.chunks[1]!.committed = false; // a chunk still being written may grow
    const reader = cache.wrap(f.stat, f.reader);
    expect(reader).toBe(f.reader);
  });
});

function pieceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name))
    .flatMap((shard) => readdirSync(join(dir, shard.name)).map((name) => join(dir, shard.name, name)));
}

function diskBytes(dir: string): number {
  return pieceFiles(dir).reduce((sum, path) => sum + statSync(path).size, 0);
}
