// The storage compliance suite against the memory twin and the durable log, plus what only
// the durable log must do: survive restarts and crashes, detect corruption, group-commit.
import { describe, it, expect } from "vitest";
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryStorage } from "../../src/raft/storage.ts";
import { DiskStorage, CorruptLogError } from "../../src/raft/wal.ts";
import { decodeSnapshotDescriptor, sha256Of } from "../../src/raft/snapshot-file.ts";
import { storageSuite, entry, type WritableStorage } from "./storage-suite.ts";
import { tempDir } from "../support/temp.ts";

function readsOf(storage: MemoryStorage | DiskStorage) {
  return {
    initialState: () => storage.initialState(),
    entries: (lo: number, hi: number, maxBytes: number) => storage.entries(lo, hi, maxBytes),
    term: (i: number) => storage.term(i),
    firstIndex: () => storage.firstIndex(),
    lastIndex: () => storage.lastIndex(),
    snapshot: () => storage.snapshot(),
  };
}

storageSuite("MemoryStorage", async () => {
  const memory = new MemoryStorage();
  const storage: WritableStorage = {
    ...readsOf(memory),
    save: async (hardState, entries) => {
      memory.append(entries);
      if (hardState) memory.setHardState(hardState);
    },
    snapshotAndCompact: async (index, confState, data, compactIndex) => {
      memory.createSnapshot(index, confState, data);
      memory.compact(compactIndex);
    },
    installSnapshot: async (snapshot) => memory.applySnapshot(snapshot),
  };
  return { storage, cleanup: async () => {} };
});

storageSuite("DiskStorage", async () => {
  const dir = tempDir("wal");
  const disk = await DiskStorage.open(dir.path);
  const storage: WritableStorage = {
    ...readsOf(disk),
    save: (hardState, entries) => disk.save(hardState, entries, true),
    snapshotAndCompact: async (index, confState, data, compactIndex) => {
      await disk.createSnapshot(index, confState, data, compactIndex);
    },
    installSnapshot: (snapshot) => disk.applySnapshot(snapshot),
  };
  return {
    storage,
    cleanup: async () => {
      await disk.close();
      dir.remove();
    },
  };
});

const segmentOf = (dir: string) => join(dir, readdirSync(dir).find((name) => name.startsWith("wal-"))!);

describe("DiskStorage durability", () => {
  it("keeps a bootstrap configuration across a restart before any entry", async () => {
    const dir = tempDir("wal");
    try {
      const first = await DiskStorage.open(dir.path, { voters: ["self"], learners: [] });
      await first.close();
      const second = await DiskStorage.open(dir.path, { voters: ["ignored"], learners: [] });
      expect(second.initialState().confState).toEqual({ voters: ["self"], learners: [] });
      expect(second.lastIndex()).toBe(0);
      await second.close();
    } finally {
      dir.remove();
    }
  });

  it("restores hard state, entries and snapshot after a restart", async () => {
    const dir = tempDir("wal");
    try {
      const first = await DiskStorage.open(dir.path);
      await first.save({ term: 3, vote: "b", commit: 4 }, [1, 2, 3, 4, 5, 6].map((i) => entry(i, i < 4 ? 2 : 3)), true);
      await first.createSnapshot(4, { voters: ["a", "b"], learners: ["c"] }, new Uint8Array([7, 7]), 2);
      await first.save(undefined, [entry(7, 3)], true);
      await first.close();

      const second = await DiskStorage.open(dir.path);
      expect(second.initialState()).toEqual({ hardState: { term: 3, vote: "b", commit: 4 }, confState: { voters: ["a", "b"], learners: ["c"] } });
      // The tail kept behind the snapshot for slow followers is not restored: after a
      // restart the log starts right after the snapshot, which holds everything before it.
      expect(second.firstIndex()).toBe(5);
      expect(second.lastIndex()).toBe(7);
      expect(second.term(4)).toBe(3);
      expect(second.entries(5, 8, 1e9).map((e) => [e.index, e.term])).toEqual([[5, 3], [6, 3], [7, 3]]);
      expect(second.snapshot().meta.index).toBe(4);
      // The core's snapshot names the data file (size and SHA-256); the bytes stay in it.
      expect(decodeSnapshotDescriptor(second.snapshot().data)).toEqual({ sizeBytes: 2, sha256: sha256Of(new Uint8Array([7, 7])) });
      expect([...readFileSync(second.snapshotFile()!.path)]).toEqual([7, 7]);
      await second.close();
    } finally {
      dir.remove();
    }
  });

  it("cuts off a torn last batch after a crash and keeps everything before it", async () => {
    const dir = tempDir("wal");
    try {
      const storage = await DiskStorage.open(dir.path);
      await storage.save({ term: 1, vote: "a", commit: 0 }, [entry(1, 1), entry(2, 1)], true);
      await storage.close();
      // Half a batch: a header promising more bytes than were written before the crash.
      appendFileSync(segmentOf(dir.path), new Uint8Array([0, 0, 1, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));
      const reopened = await DiskStorage.open(dir.path);
      expect(reopened.lastIndex()).toBe(2);
      expect(reopened.stats.tornBatchesTruncated).toBe(1);
      await reopened.save(undefined, [entry(3, 1)], true);
      await reopened.close();
      const again = await DiskStorage.open(dir.path);
      expect(again.lastIndex()).toBe(3);
      expect(again.stats.tornBatchesTruncated).toBe(0);
      await again.close();
    } finally {
      dir.remove();
    }
  });

  it("refuses to start on a bad checksum in the middle of the log", async () => {
    const dir = tempDir("wal");
    try {
      const storage = await DiskStorage.open(dir.path);
      await storage.save({ term: 1, vote: "a", commit: 0 }, [entry(1, 1, "x".repeat(100))], true);
      await storage.save(undefined, [entry(2, 1, "y".repeat(100))], true);
      await storage.close();
      const bytes = new Uint8Array(readFileSync(segmentOf(dir.path)));
      bytes[40] ^= 0xff; // inside the first batch's payload
      writeFileSync(segmentOf(dir.path), bytes);
      await expect(DiskStorage.open(dir.path)).rejects.toBeInstanceOf(CorruptLogError);
    } finally {
      dir.remove();
    }
  });

  it("a flipped length in the middle is corruption, not a torn tail", async () => {
    const dir = tempDir("wal");
    try {
      const storage = await DiskStorage.open(dir.path);
      await storage.save({ term: 1, vote: "a", commit: 0 }, [entry(1, 1, "x".repeat(100))], true);
      await storage.save(undefined, [entry(2, 1, "y".repeat(100))], true);
      await storage.close();
      const bytes = new Uint8Array(readFileSync(segmentOf(dir.path)));
      bytes[0] = 0x7f; // the first batch now claims a length past the end of the file
      writeFileSync(segmentOf(dir.path), bytes);
      await expect(DiskStorage.open(dir.path)).rejects.toBeInstanceOf(CorruptLogError);
    } finally {
      dir.remove();
    }
  });

  it("group commit: one fdatasync covers a whole batch of entries", async () => {
    const dir = tempDir("wal");
    try {
      const storage = await DiskStorage.open(dir.path);
      await storage.save({ term: 1, vote: "a", commit: 0 }, Array.from({ length: 500 }, (_, i) => entry(i + 1, 1)), true);
      expect(storage.stats.syncs).toBe(1);
      expect(storage.stats.batches).toBe(1);
      expect(storage.lastIndex()).toBe(500);
      await storage.close();
    } finally {
      dir.remove();
    }
  });
});
