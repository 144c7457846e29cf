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

describe("parseEvictionPolicy", () => {
  it("reads LRU and LRFU in any case, nothing else", () => {
    expect(parseEvictionPolicy("lru")).toBe("LRU");
    expect(parseEvictionPolicy("LRFU")).toBe("LRFU");
    expect(parseEvictionPolicy("ARC")).toBeUndefined();
  });
});
