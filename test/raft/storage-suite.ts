// One compliance suite for every RaftStorage implementation (STYLE.md §4): the memory twin
// and the durable log must answer the core identically.
import { describe, it, expect } from "vitest";
import { LogCompactedError, LogUnavailableError } from "../../src/raft/errors.ts";
import type { RaftStorage } from "../../src/raft/storage.ts";
import type { ConfState, Entry, HardState, Snapshot } from "../../src/raft/types.ts";

/** What the suite needs of an implementation: the reads plus the driver's writes. */
export interface WritableStorage extends RaftStorage {
  save(hardState: HardState | undefined, entries: readonly Entry[]): Promise<void>;
  /** Snapshot at `index`, then drop the log up to `compactIndex`. */
  snapshotAndCompact(index: number, confState: ConfState, data: Uint8Array, compactIndex: number): Promise<void>;
  installSnapshot(snapshot: Snapshot): Promise<void>;
}

export const entry = (index: number, term: number, text = `e${index}`): Entry => ({ index, term, type: "normal", data: new TextEncoder().encode(text) });
const conf: ConfState = { voters: ["a", "b", "c"], learners: [] };

export function storageSuite(name: string, make: () => Promise<{ storage: WritableStorage; cleanup(): Promise<void> }>): void {
  describe(`RaftStorage compliance: ${name}`, () => {
    it("starts empty at index 0", async () => {
      const { storage, cleanup } = await make();
      expect(storage.firstIndex()).toBe(1);
      expect(storage.lastIndex()).toBe(0);
      expect(storage.term(0)).toBe(0);
      await cleanup();
    });

    it("appends, answers terms and bounded entry ranges, and replaces a conflicting suffix (Raft §5.3)", async () => {
      const { storage, cleanup } = await make();
      await storage.save({ term: 1, vote: "a", commit: 0 }, [entry(1, 1), entry(2, 1), entry(3, 2)]);
      expect(storage.lastIndex()).toBe(3);
      expect(storage.term(3)).toBe(2);
      expect(storage.entries(1, 4, Number.MAX_SAFE_INTEGER).map((e) => e.index)).toEqual([1, 2, 3]);
      expect(storage.entries(1, 4, 1).map((e) => e.index)).toEqual([1]);
      expect(() => storage.term(4)).toThrow(LogUnavailableError);
      await storage.save(undefined, [entry(2, 3, "new")]);
      expect(storage.lastIndex()).toBe(2);
      expect(new TextDecoder().decode(storage.entries(2, 3, 1_000)[0]!.data)).toBe("new");
      expect(storage.initialState().hardState).toEqual({ term: 1, vote: "a", commit: 0 });
      await cleanup();
    });

    it("compacts behind a snapshot and reports compacted ranges", async () => {
      const { storage, cleanup } = await make();
      await storage.save({ term: 2, vote: "a", commit: 5 }, [1, 2, 3, 4, 5].map((i) => entry(i, i < 3 ? 1 : 2)));
      await storage.snapshotAndCompact(3, conf, new Uint8Array([9]), 3);
      expect(storage.firstIndex()).toBe(4);
      expect(storage.term(3)).toBe(2);
      expect(() => storage.entries(2, 4, 100)).toThrow(LogCompactedError);
      expect(storage.snapshot().meta).toEqual({ index: 3, term: 2, confState: conf });
      expect(storage.initialState().confState).toEqual(conf);
      await cleanup();
    });

    it("installs a leader's snapshot past its log", async () => {
      const { storage, cleanup } = await make();
      await storage.save({ term: 1, vote: "", commit: 1 }, [entry(1, 1), entry(2, 1)]);
      await storage.installSnapshot({ meta: { index: 10, term: 4, confState: conf }, data: new Uint8Array([1, 2, 3]) });
      expect(storage.firstIndex()).toBe(11);
      expect(storage.lastIndex()).toBe(10);
      expect(storage.term(10)).toBe(4);
      await storage.save(undefined, [entry(11, 4)]);
      expect(storage.lastIndex()).toBe(11);
      await cleanup();
    });
  });
}
