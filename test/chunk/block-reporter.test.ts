// Block reports carry each chunk's cache tier, asked when the report is sent: a copy moved
// between tiers is noted as added again and goes out with its new tier (issue 16).
import { describe, expect, it } from "vitest";
import { BlockReporter, ReportingChunkStore } from "../../src/chunk/transfer/block-reporter.ts";
import { MemoryChunkStore, MemoryChunkVolume } from "../../src/chunk/store/memory-store.ts";
import type { BlockReport } from "../../src/protocol/pb/report.ts";
import { createLogger } from "../../src/util/log.ts";
import { bytesOf, idOf, writeChunk } from "./store-suite.ts";

describe("BlockReporter", () => {
  it("reports each chunk with its tier, in full reports and increments, and removals", async () => {
    const store = new MemoryChunkStore(new MemoryChunkVolume());
    const tiers = new Map<string, string>();
    const sent: BlockReport[] = [];
    const reporter = new BlockReporter({
      store,
      leader: () => "leader",
      send: async (_to, report) => {
        sent.push(report);
        return { errorCode: "", deleteChunks: [], leaderHint: "" };
      },
      tierOf: (id) => tiers.get(id) ?? "",
      log: createLogger("test"),
    });
    const reporting = new ReportingChunkStore(store, reporter);
    await writeChunk(reporting, idOf(1), 1, bytesOf(100));
    tiers.set(idOf(2), "MEM");
    await writeChunk(store, idOf(2), 1, bytesOf(100));
    await reporter.flush();
    expect(sent.at(-1)!.full).toBe(true);
    expect(sent.at(-1)!.added.map((chunk) => [chunk.chunkId, chunk.tier]).sort()).toEqual([
      [idOf(1), ""],
      [idOf(2), "MEM"],
    ]);
    // A demotion: the same chunk, noted again, now in HDD.
    tiers.set(idOf(2), "HDD");
    reporter.noteAdded({ id: idOf(2), version: 1, sizeBytes: 100 });
    await reporter.flush();
    expect(sent.at(-1)!.full).toBe(false);
    expect(sent.at(-1)!.added.map((chunk) => [chunk.chunkId, chunk.tier])).toEqual([[idOf(2), "HDD"]]);
    // An eviction: a removal.
    reporter.noteRemoved(idOf(2));
    await reporter.flush();
    expect(sent.at(-1)!.removed).toEqual([idOf(2)]);
  });

  it("sends a full report after a REPORT_FULL_NEEDED refusal, and an empty increment when quiet for keepaliveMs", async () => {
    const store = new MemoryChunkStore(new MemoryChunkVolume());
    const sent: BlockReport[] = [];
    let refuseIncrements = false;
    let nowMs = 0;
    const reporter = new BlockReporter({
      store,
      leader: () => "leader",
      send: async (_to, report) => {
        sent.push(report);
        if (refuseIncrements && !report.full) return { errorCode: "REPORT_FULL_NEEDED", deleteChunks: [], leaderHint: "" };
        return { errorCode: "", deleteChunks: [], leaderHint: "" };
      },
      keepaliveMs: 3_000,
      nowMs: () => nowMs,
      log: createLogger("test"),
    });
    await writeChunk(store, idOf(1), 1, bytesOf(100));
    await reporter.flush();
    expect(sent.map((report) => report.full)).toEqual([true]);
    // Quiet: nothing is sent before keepaliveMs, then an empty increment.
    nowMs = 2_999;
    await reporter.flush();
    expect(sent).toHaveLength(1);
    nowMs = 3_000;
    await reporter.flush();
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ full: false, added: [], removed: [] });
    // The leader forgot this peer (declared it dead): the keepalive is refused, the next report is full.
    refuseIncrements = true;
    nowMs = 6_000;
    await reporter.flush();
    expect(sent.at(-1)!.full).toBe(false);
    await reporter.flush();
    expect(sent.at(-1)).toMatchObject({ full: true, first: true, last: true });
    expect(sent.at(-1)!.added.map((chunk) => chunk.chunkId)).toEqual([idOf(1)]);
  });
});
