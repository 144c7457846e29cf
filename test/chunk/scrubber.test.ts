// The scrubber (GFS §5.2): a replica whose bytes rotted on disk is found within one scrub
// period and reported; its read rate stays under the bound.
import { describe, it, expect, afterEach } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { DiskChunkStore } from "../../src/chunk/store/disk-store.ts";
import { Scrubber, type CorruptReplica } from "../../src/chunk/store/scrubber.ts";
import { createLogger } from "../../src/util/log.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";

const KiB = 1024;
const log = createLogger("test-scrubber");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function storeWith(chunks: number, sizeBytes: number): Promise<DiskChunkStore> {
  const dir = tempDir("scrub");
  const store = await DiskChunkStore.open(dir.path);
  cleanups.push(() => dir.remove(), () => store.close());
  for (let i = 0; i < chunks; i++) {
    const writer = await store.createWriter(`00000000000000${(i + 1).toString(16).padStart(2, "0")}`, 1);
    await writer.write(new Uint8Array(sizeBytes).fill(i + 1));
    await writer.commit();
  }
  return store;
}

describe("the scrubber", () => {
  it("finds a flipped byte within its period and reports that replica only", async () => {
    const store = await storeWith(4, 200 * KiB);
    const reports: CorruptReplica[] = [];
    const scrubber = new Scrubber({ store, log, periodMs: 300, report: async (bad) => void reports.push(bad) });
    scrubber.start();
    cleanups.push(() => scrubber.stop());
    await waitFor("a clean first pass", () => scrubber.stats.passes >= 1, { timeoutMs: 5_000 });
    expect(reports).toEqual([]);

    const path = store.localPath("0000000000000003", 1);
    const bytes = new Uint8Array(readFileSync(path));
    bytes[150 * KiB] ^= 0x01;
    writeFileSync(path, bytes);
    const flippedAt = performance.now();
    await waitFor("the corrupt replica to be reported", () => reports.length > 0, { timeoutMs: 5_000 });
    // Within one period (plus one pass of 800 KiB, a few ms at the default rate).
    expect(performance.now() - flippedAt).toBeLessThan(300 + 1_000);
    expect(reports[0]!.chunkId).toBe("0000000000000003");
    expect(reports[0]!.version).toBe(1);
    expect(reports.every((r) => r.chunkId === "0000000000000003")).toBe(true);
  });

  it("reads no faster than its byte rate", async () => {
    const store = await storeWith(4, 256 * KiB);
    // 1 MiB at 4 MiB/s: a pass takes at least ~250 ms.
    const scrubber = new Scrubber({ store, log, bytesPerSecond: 4 * 1024 * KiB, report: async () => {} });
    const started = performance.now();
    const result = await scrubber.runPass();
    expect(result.chunksVerified).toBe(4);
    expect(result.bytesVerified).toBe(1024 * KiB);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it("refuses a rate or period that is not positive", () => {
    expect(() => new Scrubber({ store: {} as DiskChunkStore, log, bytesPerSecond: 0, report: async () => {} })).toThrow(/scrub rate/);
    expect(() => new Scrubber({ store: {} as DiskChunkStore, log, periodMs: -1, report: async () => {} })).toThrow(/scrub period/);
  });
});
