// The eviction planner alone (pure): which copies leave a tier for N bytes.
import { describe, expect, it } from "vitest";
import { chooseVictims, newAccessRecord, noteAccess, parseEvictionPolicy, type AccessRecord } from "../../src/cache/eviction-policy.ts";

const KiB = 1024;
/** Copies a..e of 256 KiB, arriving at ticks 1..5. */
function copies(): AccessRecord[] {
  return ["a", "b", "c", "d", "e"].map((id, i) => newAccessRecord(id, 256 * KiB, false, i + 1));
}

describe("LRU", () => {
  it("chooses the least recently used first, just enough of them", () => {
    expect(chooseVictims("LRU", copies(), 1, 6)).toEqual(["a"]);
    expect(chooseVictims("LRU", copies(), 256 * KiB, 6)).toEqual(["a"]);
    expect(chooseVictims("LRU", copies(), 256 * KiB + 1, 6)).toEqual(["a", "b"]);
  });
  it("an access moves a copy to the back", () => {
    const records = copies();
    noteAccess(records[0]!, 6);
    expect(chooseVictims("LRU", records, 512 * KiB, 7)).toEqual(["b", "c"]);
  });
  it("never chooses a pinned copy or one being moved", () => {
    const records = copies();
    records[0]!.pinned = true;
    records[1]!.busy = true;
    expect(chooseVictims("LRU", records, 256 * KiB, 6)).toEqual(["c"]);
  });
  it("chooses nothing when the unpinned copies are not enough", () => {
    const records = copies();
    for (const record of records.slice(1)) record.pinned = true;
    expect(chooseVictims("LRU", records, 256 * KiB + 1, 6)).toBeUndefined();
    expect(chooseVictims("LRU", [], 1, 6)).toBeUndefined();
  });
  it("needs nothing for no bytes", () => {
    expect(chooseVictims("LRU", copies(), 0, 6)).toEqual([]);
    expect(chooseVictims("LRU", copies(), -5, 6)).toEqual([]);
  });
});

describe("LRFU", () => {
  it("keeps a copy read often over copies read once since (LRU would drop it first)", () => {
    const records = copies();
    // a is read ten times early; b..e once each after it.
    for (let tick = 6; tick < 16; tick++) noteAccess(records[0]!, tick);
    for (let i = 1; i < 5; i++) noteAccess(records[i]!, 16 + i);
    expect(chooseVictims("LRU", records, 256 * KiB, 21)).toEqual(["a"]);
    expect(chooseVictims("LRFU", records, 256 * KiB, 21)).toEqual(["b"]);
  });
  it("lets an old frequent copy go once it has aged enough", () => {
    const records = copies();
    for (let tick = 6; tick < 9; tick++) noteAccess(records[0]!, tick);
    noteAccess(records[1]!, 10_000);
    for (const record of records.slice(2)) noteAccess(record, 10_000);
    expect(chooseVictims("LRFU", records, 256 * KiB, 10_001)).toEqual(["a"]);
  });
  it("with equal worth, the older goes first", () => {
    expect(chooseVictims("LRFU", copies(), 512 * KiB, 6)).toEqual(["a", "b"]);
  });
});

describe("the choice against a plain sort", () => {
  it("takes the same victims as sorting every copy by worth, for random tiers", () => {
    // A seeded generator: the same cases every run.
    let state = 12345;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    for (let round = 0; round < 200; round++) {
      const records = Array.from({ length: 1 + next(60) }, (_, i) => {
        const record = newAccessRecord(`c${String(i).padStart(3, "0")}`, (1 + next(4)) * 64 * KiB, next(5) === 0, next(50));
        for (let hits = next(4); hits > 0; hits--) noteAccess(record, record.lastAccessTick + 1 + next(20));
        return record;
      });
      const now = 200;
      const needBytes = next(2 * 1024 * KiB);
      for (const policy of ["LRU", "LRFU"] as const) {
        const worth = (r: AccessRecord) => (policy === "LRU" ? r.lastAccessTick : r.crf * Math.pow(0.5, 0.01 * (now - r.lastAccessTick)));
        const ordered = records.filter((r) => !r.pinned).sort((a, b) => worth(a) - worth(b) || a.lastAccessTick - b.lastAccessTick || (a.id < b.id ? -1 : 1));
        const expected: string[] = [];
        let freed = 0;
        for (const record of ordered) {
          if (freed >= needBytes) break;
          expected.push(record.id);
          freed += record.sizeBytes;
        }
        expect(chooseVictims(policy, records, needBytes, now), `round ${round} ${policy}`).toEqual(needBytes <= 0 ? [] : freed >= needBytes ? expected : undefined);
      }
    }
  });
});

describe("parseEvictionPolicy", () => {
  it("reads LRU and LRFU in any case, nothing else", () => {
    expect(parseEvictionPolicy("lru")).toBe("LRU");
    expect(parseEvictionPolicy("LRFU")).toBe("LRFU");
    expect(parseEvictionPolicy("ARC")).toBeUndefined();
  });
});
