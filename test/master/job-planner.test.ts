// The scheduler's pure decisions: delay scheduling for maps, reduces by free slots, backups.
import { describe, it, expect } from "vitest";
import { assignMaps, assignReduces, backupCandidates, type WorkerSlots } from "../../src/master/jobs/planner.ts";

const workers = (): WorkerSlots[] => [
  { id: "a", rack: "/r1", free: 1 },
  { id: "b", rack: "/r1", free: 1 },
  { id: "c", rack: "/r2", free: 2 },
];

describe("assignMaps", () => {
  it("puts a map on a peer holding its chunk", () => {
    const slots = workers();
    expect(assignMaps([{ index: 0, pendingSinceMs: 0, holders: ["b"] }], slots, 0, 1_000)).toEqual([{ index: 0, peer: "b", locality: "node" }]);
    expect(slots.find((w) => w.id === "b")!.free).toBe(0);
  });

  it("waits for a local slot, then takes one on the rack, then any", () => {
    const busyHolder = () => workers().map((w) => (w.id === "a" ? { ...w, free: 0 } : w));
    const task = (pendingSinceMs: number) => [{ index: 3, pendingSinceMs, holders: ["a"] }];
    // The holder is busy: before the wait, nothing.
    expect(assignMaps(task(0), busyHolder(), 999, 1_000)).toEqual([]);
    // After one wait: rack-local (b shares a's rack).
    expect(assignMaps(task(0), busyHolder(), 1_000, 1_000)).toEqual([{ index: 3, peer: "b", locality: "rack" }]);
    // Rack busy too: after two waits, anywhere.
    const onlyC = busyHolder().map((w) => (w.id === "b" ? { ...w, free: 0 } : w));
    expect(assignMaps(task(0), onlyC, 1_500, 1_000)).toEqual([]);
    expect(assignMaps(task(0), onlyC, 2_000, 1_000)).toEqual([{ index: 3, peer: "c", locality: "remote" }]);
  });

  it("a map whose chunk nobody holds goes anywhere at once", () => {
    expect(assignMaps([{ index: 0, pendingSinceMs: 0, holders: [] }], workers(), 0, 1_000)).toEqual([{ index: 0, peer: "c", locality: "remote" }]);
  });

  it("never gives a peer more maps than its free slots, and avoids listed peers", () => {
    const slots = workers();
    const pending = Array.from({ length: 6 }, (_, index) => ({ index, pendingSinceMs: 0, holders: ["c"], ...(index === 0 ? { avoid: ["c"] } : {}) }));
    const assigned = assignMaps(pending, slots, 0, 1_000);
    expect(assigned).toEqual([
      { index: 1, peer: "c", locality: "node" },
      { index: 2, peer: "c", locality: "node" },
    ]);
    expect(slots.every((w) => w.free >= 0)).toBe(true);
  });
});

describe("assignReduces", () => {
  it("spreads reduces over the freest workers", () => {
    expect(assignReduces([{ index: 0 }, { index: 1 }, { index: 2 }, { index: 3 }, { index: 4 }], workers())).toEqual([
      { index: 0, peer: "c" },
      { index: 1, peer: "a" },
      { index: 2, peer: "b" },
      { index: 3, peer: "c" },
    ]);
  });
});

describe("backupCandidates", () => {
  const running = [
    { index: 1, startedAtMs: 0, peer: "a" },
    { index: 2, startedAtMs: 9_000, peer: "b" },
  ];
  it("no backups while tasks of the phase are pending, or before any finished", () => {
    expect(backupCandidates(running, [1_000], 1, 10_000, { factor: 2, minRunMs: 3_000 })).toEqual([]);
    expect(backupCandidates(running, [], 0, 10_000, { factor: 2, minRunMs: 3_000 })).toEqual([]);
  });
  it("backs up tasks running longer than the factor times the median and the minimum, slowest first", () => {
    expect(backupCandidates(running, [1_000, 1_200, 900], 0, 10_000, { factor: 2, minRunMs: 3_000 })).toEqual([running[0]]);
    expect(backupCandidates(running, [100], 0, 20_000, { factor: 2, minRunMs: 3_000 })).toEqual([running[0], running[1]]);
  });
});
