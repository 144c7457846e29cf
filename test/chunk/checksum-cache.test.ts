// The checksum cache stays within its byte bound (the store gives it CHECKSUM_CACHE_BYTES_MAX),
// evicting the least recently used list first (STYLE.md §5: every bound has a test).
import { describe, it, expect } from "vitest";
import { ChecksumCache } from "../../src/chunk/store/checksum-cache.ts";

const sums = (blocks: number) => ({ blockBytes: 65536, sizeBytes: blocks * 65536, checksums: new Uint32Array(blocks) });

describe("ChecksumCache", () => {
  it("stays within its byte bound, evicting the least recently used first", () => {
    const cache = new ChecksumCache(40); // room for ten 1-block lists (4 B each)
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, sums(1));
    expect(cache.get("k0")).toBeDefined(); // k0 is now the most recent
    cache.set("big", sums(3)); // 12 bytes: evicts k1, k2, k3
    expect(cache.get("k1")).toBeUndefined();
    expect(cache.get("k3")).toBeUndefined();
    expect(cache.get("k4")).toBeDefined();
    expect(cache.get("k0")).toBeDefined();
    expect(cache.get("big")).toBeDefined();
    cache.set("huge", sums(11)); // larger than the whole cache: not kept, nothing evicted
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.get("k4")).toBeDefined();
    cache.delete("big");
    expect(cache.get("big")).toBeUndefined();
  });
});
