// What `fs stat` shows of a mounted file's cache state, from its stat alone (client/cache-view.ts).
import { describe, it, expect } from "vitest";
import { cachedFraction, DATA_DIR_TIER, percentOf } from "../../src/client/cache-view.ts";
import { FileStatus, type FileChunk } from "../../src/protocol/pb/meta.ts";
import { statView } from "../../src/client/fs.ts";

const MiB = 1024 * 1024;

function chunk(index: number, sizeBytes: number, tiers: string[], committed = true): FileChunk {
  return { chunkId: index.toString(16).padStart(16, "0"), index, version: 1, sizeBytes, committed, replicas: tiers.map((tier, i) => ({ peer: `p${i}`, rack: "r", addresses: [], tier })) };
}

describe("cachedFraction", () => {
  it("counts the bytes of chunks with a live replica, and each tier they are in", () => {
    const fraction = cachedFraction({ chunks: [chunk(0, 64 * MiB, ["MEM"]), chunk(1, 64 * MiB, ["HDD", "MEM"]), chunk(2, 64 * MiB, []), chunk(3, 10 * MiB, [""])] });
    expect(fraction.totalBytes).toBe(202 * MiB);
    expect(fraction.cachedBytes).toBe(138 * MiB);
    expect(fraction.byTier).toEqual({ MEM: 128 * MiB, HDD: 64 * MiB, [DATA_DIR_TIER]: 10 * MiB });
  });

  it("counts a chunk once per tier however many replicas it has there, and skips uncommitted chunks", () => {
    const fraction = cachedFraction({ chunks: [chunk(0, 8 * MiB, ["MEM", "MEM", "SSD"]), chunk(1, 8 * MiB, ["MEM"], false)] });
    expect(fraction).toEqual({ totalBytes: 8 * MiB, cachedBytes: 8 * MiB, byTier: { MEM: 8 * MiB, SSD: 8 * MiB } });
  });

  it("reads the same from FileSystemClient.stat's view as from the stat answer", () => {
    const status = { ...FileStatus.decode(new Uint8Array(0)), kind: FileStatus.Kind.FILE, state: FileStatus.State.CLOSED, chunks: [chunk(0, 64 * MiB, ["MEM"]), chunk(1, 64 * MiB, ["HDD", ""]), chunk(2, 3, [])] };
    expect(cachedFraction(statView(status))).toEqual(cachedFraction(status));
    expect(cachedFraction(statView(status)).byTier).toEqual({ MEM: 64 * MiB, HDD: 64 * MiB, [DATA_DIR_TIER]: 64 * MiB });
  });

  it("an empty file and a file with nothing cached", () => {
    expect(cachedFraction({ chunks: [] })).toEqual({ totalBytes: 0, cachedBytes: 0, byTier: {} });
    expect(cachedFraction({ chunks: [chunk(0, 5, [])] })).toEqual({ totalBytes: 5, cachedBytes: 0, byTier: {} });
  });
});

describe("percentOf", () => {
  it("says 0% and 100% only when exactly so", () => {
    expect(percentOf(0, 100)).toBe("0%");
    expect(percentOf(1, 1000)).toBe("1%");
    expect(percentOf(999, 1000)).toBe("99%");
    expect(percentOf(1000, 1000)).toBe("100%");
    expect(percentOf(500, 1000)).toBe("50%");
    expect(percentOf(0, 0)).toBe("100%");
  });
});
