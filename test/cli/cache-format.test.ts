// What `fs stat`, `fs ls`, `fs mount` and `cache stat` print about mounts and the cache
// (cmd/cache-format.ts, issue 16): shares by tier, the mount table without secrets, the
// mount flags' checks, and the hit rate summed over peers.
import { describe, expect, it } from "vitest";
import type { ChunkView, StatView } from "../../src/client/fs.ts";
import type { MountInfo } from "../../src/protocol/pb/meta.ts";
import type { TierUsage } from "../../src/protocol/pb/membership.ts";
import { ReadType, WriteType, PersistState } from "../../src/protocol/mounts.ts";
import { cacheShare, cacheStat, cacheStatText, CacheUsageError, lsCacheColumns, mountRequest, mountTable, percent, statCacheLines, tierSplit } from "../../cmd/cache-format.ts";

const MiB = 1024 * 1024;

function chunk(index: number, size: number, tiers: Array<string | undefined>): ChunkView {
  return { id: `c${index}`, index, version: 1, size, committed: true, replicas: tiers.map((tier, i) => ({ peer: `p${i}`, rack: "/r", ...(tier === undefined ? {} : { tier }) })) };
}

function file(chunks: ChunkView[], fields: Partial<StatView> = {}): StatView {
  const size = chunks.reduce((sum, c) => sum + c.size, 0);
  return { path: "/mnt/a", kind: "file", size, replication: 1, chunkSize: 64 * MiB, mtimeMs: 0, state: "closed", chunks, attributes: {}, owner: "u", group: "g", permission: 0o644, accessTimeMs: 0, ...fields };
}

function mount(fields: Partial<MountInfo> = {}): MountInfo {
  return { path: "/data", uri: "s3://bucket/pre", options: [], redacted: [], readonly: false, syncIntervalMs: 60_000, readType: ReadType.CACHE, writeType: WriteType.CACHE_THROUGH, replication: 1, unreachableSinceMs: 0, lastError: "", ...fields };
}

function tier(name: string, fields: Partial<TierUsage> = {}): TierUsage {
  return { name, capacityBytes: 64 * MiB, usedBytes: 0, chunks: 0, hits: 0, misses: 0, evictions: 0, demotions: 0, promotions: 0, pinnedChunks: 0, ...fields };
}

describe("cacheShare", () => {
  it("counts a chunk once, in the highest tier of its copies, and uncached chunks only in the total", () => {
    const share = cacheShare(file([chunk(0, 64 * MiB, ["HDD", "MEM"]), chunk(1, 64 * MiB, ["HDD"]), chunk(2, 32 * MiB, [])]));
    expect(share).toEqual({ totalBytes: 160 * MiB, cachedBytes: 128 * MiB, byTier: { MEM: 64 * MiB, HDD: 64 * MiB } });
  });

  it("puts copies in a peer's data directory (no tier) under DATA", () => {
    expect(cacheShare(file([chunk(0, 10, [undefined, undefined])])).byTier).toEqual({ DATA: 10 });
  });
});

describe("percent", () => {
  it("rounds down, so 100% means every byte, and calls an empty file 100% cached", () => {
    expect(percent(999, 1000)).toBe("99%");
    expect(percent(1000, 1000)).toBe("100%");
    expect(percent(0, 0)).toBe("100%");
  });
});

describe("statCacheLines", () => {
  it("prints Alluxio's In Tessera and In Memory, the split by tier, and the mount's fields", () => {
    const stat = file([chunk(0, 64 * MiB, ["MEM"]), chunk(1, 64 * MiB, ["SSD"]), chunk(2, 64 * MiB, ["HDD"]), chunk(3, 64 * MiB, [])], {
      underStorage: { mountPath: "/mnt", fingerprint: "s3:etag=abc;size=268435456", persistState: PersistState.PERSISTED, pinned: true },
    });
    expect(statCacheLines(stat)).toEqual([
      "In Tessera: 75% (192.0 MiB of 256.0 MiB)",
      "In Memory: 25%",
      "By tier: MEM 25%, SSD 25%, HDD 25%",
      "Mount: /mnt",
      "Persist state: PERSISTED",
      "Fingerprint: s3:etag=abc;size=268435456",
      "Pinned: yes",
    ]);
  });

  it("shows a file written into Tessera as fully in Tessera, in the data directories", () => {
    expect(statCacheLines(file([chunk(0, 5, [undefined, undefined, undefined])]))).toEqual(["In Tessera: 100% (5 B of 5 B)", "In Memory: 0%", "By tier: DATA 100%"]);
  });

  it("prints nothing cached as a dash, and a MUST_CACHE file's missing fingerprint as one too", () => {
    const lines = statCacheLines(file([chunk(0, 5, [])], { underStorage: { mountPath: "/mnt", fingerprint: "", persistState: PersistState.NOT_PERSISTED, pinned: false } }));
    expect(lines).toContain("By tier: -");
    expect(lines).toContain("Fingerprint: -");
    expect(lines).toContain("Persist state: NOT_PERSISTED");
  });
});

describe("lsCacheColumns", () => {
  it("keeps the split free of spaces so the path stays the last field", () => {
    const stat = file([chunk(0, 60, ["MEM"]), chunk(1, 40, ["HDD"])], { underStorage: { mountPath: "/mnt", fingerprint: "x", persistState: PersistState.PERSISTED, pinned: false } });
    expect(lsCacheColumns(stat)).toBe("PERSISTED 100% MEM:60%,HDD:40%");
    expect(lsCacheColumns(file([chunk(0, 1, [])], { underStorage: { mountPath: "/mnt", fingerprint: "x", persistState: PersistState.PERSISTED, pinned: false } }))).toBe("PERSISTED 0% -");
    expect(tierSplit(cacheShare(file([])))).toBe("-");
  });
});

describe("mountRequest", () => {
  it("turns the flags into the client's mount options", () => {
    const request = mountRequest("s3://bucket/some/prefix/", {
      option: ["endpoint=http://127.0.0.1:9000", "path_style=true", "access_key=AK", "secret_key=a=b"],
      readonly: true,
      syncInterval: "1s",
      readType: "cache_promote",
      writeType: "ASYNC_THROUGH",
      replication: "2",
    });
    expect(request).toEqual({
      uri: "s3://bucket/some/prefix",
      options: { options: { endpoint: "http://127.0.0.1:9000", path_style: "true", access_key: "AK", secret_key: "a=b" }, readonly: true, syncIntervalMs: 1000, readType: ReadType.CACHE_PROMOTE, writeType: WriteType.ASYNC_THROUGH, replication: 2 },
    });
  });

  it("refuses bad flags with one sentence each", () => {
    const cases: Array<[string, Parameters<typeof mountRequest>[1], RegExp]> = [
      ["s3://B", {}, /not an S3 bucket name/],
      ["http://x", {}, /not an under-storage URI/],
      ["s3://bucket", { option: ["endpoint"] }, /--option takes key=value/],
      ["s3://bucket", { option: ["colour=red"] }, /take no option "colour"/],
      ["s3://bucket", { option: ["access_key=a"] }, /access_key and secret_key go together/],
      ["file:///srv", { option: ["region=x"] }, /take no option/],
      ["s3://bucket", { syncInterval: "soon" }, /--sync-interval is -1/],
      ["s3://bucket", { readType: "FAST" }, /a read type is CACHE/],
      ["s3://bucket", { writeType: "LATER" }, /a write type is CACHE_THROUGH/],
      ["s3://bucket", { replication: "0" }, /--replication "0" is not possible/],
    ];
    for (const [uri, flags, message] of cases) {
      let error: unknown;
      try {
        mountRequest(uri, flags);
      } catch (err) {
        error = err;
      }
      expect(error, `${uri} ${JSON.stringify(flags)}`).toBeInstanceOf(CacheUsageError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("\n");
    }
  });
});

describe("mountTable", () => {
  it("lists options with secrets hidden, never their values, and an unreachable mount with its error", () => {
    const text = mountTable(
      [
        mount({ options: [{ key: "endpoint", value: "http://s3:9000" }, { key: "path_style", value: "true" }], redacted: ["access_key", "secret_key"], syncIntervalMs: 0 }),
        mount({ path: "/nfs", uri: "file:///srv/share", readonly: true, syncIntervalMs: -1, readType: ReadType.NO_CACHE, writeType: WriteType.MUST_CACHE, replication: 2, unreachableSinceMs: 10_000, lastError: "connect ECONNREFUSED" }),
      ],
      40_000,
    );
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^PATH +URI +OPTIONS +MODE +SYNC +READ +WRITE +REPL +STATE$/);
    expect(lines[1]).toMatch(/^\/data +s3:\/\/bucket\/pre +endpoint=http:\/\/s3:9000,path_style=true,access_key=<hidden>,secret_key=<hidden> +rw +0 +CACHE +CACHE_THROUGH +1 +ok$/);
    expect(lines[2]).toMatch(/^\/nfs +file:\/\/\/srv\/share +- +ro +-1 +NO_CACHE +MUST_CACHE +2 +unreachable for 30s: connect ECONNREFUSED$/);
    expect(mountTable([], 0)).toBe("no mounts\n");
  });
});

describe("cacheStat", () => {
  it("sums each tier over the peers, top tier first, and gives the hit rate of all reads", () => {
    const stat = cacheStat({
      peers: [
        { peer: "a", rack: "/r", state: "alive", addresses: [], capacityBytes: 0, usedBytes: 0, remainingBytes: 0, usedPercent: 0, chunks: 0, lastSeenAgoMs: 0, tiers: [tier("MEM", { usedBytes: 32 * MiB, hits: 90, misses: 5, evictions: 0, demotions: 3, pinnedChunks: 1 }), tier("HDD", { capacityBytes: 256 * MiB, hits: 0, misses: 5, evictions: 2 })] },
        { peer: "b", rack: "/r", state: "alive", addresses: [], capacityBytes: 0, usedBytes: 0, remainingBytes: 0, usedPercent: 0, chunks: 0, lastSeenAgoMs: 0, tiers: [tier("HDD", { capacityBytes: 256 * MiB, hits: 10 })] },
        { peer: "c", rack: "/r", state: "alive", addresses: [], capacityBytes: 0, usedBytes: 0, remainingBytes: 0, usedPercent: 0, chunks: 0, lastSeenAgoMs: 0, tiers: [] },
      ],
    });
    expect(stat.hits).toBe(100);
    expect(stat.misses).toBe(10);
    expect(stat.hitRate).toBeCloseTo(100 / 110, 10);
    expect(stat.tiers.map((t) => [t.name, t.peers, t.capacityBytes, t.hits, t.evictions, t.demotions, t.pinnedChunks])).toEqual([
      ["MEM", 1, 64 * MiB, 90, 0, 3, 1],
      ["HDD", 2, 512 * MiB, 10, 2, 0, 0],
    ]);
    expect(stat.peers.map((p) => p.peer)).toEqual(["a", "b"]);
    const text = cacheStatText(stat);
    expect(text.split("\n")[0]).toBe("Hit rate: 90.9% (100 hits, 10 misses)");
    expect(text).toMatch(/\nMEM +1 +64\.0 MiB +32\.0 MiB +50% +0 +1 +90 +5 +0 +3 +0\n/);
  });

  it("says so when no peer has tiers, and when nothing was read yet", () => {
    expect(cacheStatText(cacheStat({ peers: [] }))).toBe("no peer has cache tiers (start peers with --tier NAME:DIR:SIZE)\n");
    const idle = cacheStat({ peers: [{ peer: "a", rack: "/r", state: "alive", addresses: [], capacityBytes: 0, usedBytes: 0, remainingBytes: 0, usedPercent: 0, chunks: 0, lastSeenAgoMs: 0, tiers: [tier("MEM")] }] });
    expect(idle.hitRate).toBeNull();
    expect(cacheStatText(idle).split("\n")[0]).toBe("Hit rate: - (no reads yet)");
  });
});
