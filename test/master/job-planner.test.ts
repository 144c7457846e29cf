// The scheduler's pure decisions: delay scheduling for maps, reduces by free slots, backups.
import { describe, it, expect } from "vitest";
import {
  assignEarlyReduces,
  assignMaps,
  assignReduces,
  backupCandidates,
  localityWaitMs,
  LOCALITY_WAIT_INITIAL_MS,
  LOCALITY_WAIT_MAX_MS,
  LOCALITY_WAIT_MIN_MS,
  nextLocalityDeadlineMs,
  reducesMayStart,
  slotsFreeingMs,
  type WorkerSlots,
} from "../../src/master/jobs/planner.ts";

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

// Delay scheduling (Zaharia et al., EuroSys 2010, §4): the wait is worth a fraction of a task.
describe("localityWaitMs", () => {
  it("is a bound before any map finished, then half the median finished map, within bounds", () => {
    expect(localityWaitMs([])).toBe(LOCALITY_WAIT_INITIAL_MS);
    expect(localityWaitMs([200, 180, 5_000])).toBe(100);
    expect(localityWaitMs([10])).toBe(LOCALITY_WAIT_MIN_MS);
    expect(localityWaitMs([60_000])).toBe(LOCALITY_WAIT_MAX_MS);
  });

  it("a 0.2 s map takes a rack-local slot after 0.1 s and any after 0.2 s, not 1.5 and 3 s", () => {
    const busyHolder = () => workers().map((w) => (w.id === "a" ? { ...w, free: 0 } : w));
    const waitMs = localityWaitMs([200, 200, 200]);
    const task = [{ index: 0, pendingSinceMs: 0, holders: ["a"] }];
    expect(assignMaps(task, busyHolder(), 99, waitMs)).toEqual([]);
    expect(assignMaps(task, busyHolder(), 100, waitMs)).toEqual([{ index: 0, peer: "b", locality: "rack" }]);
    const onlyC = busyHolder().map((w) => (w.id === "b" ? { ...w, free: 0 } : w));
    expect(assignMaps(task, onlyC, 200, waitMs)).toEqual([{ index: 0, peer: "c", locality: "remote" }]);
  });
});

describe("holding out for a holder's slot that frees soon", () => {
  const running = [
    { index: 7, startedAtMs: 0, peer: "a" },
    { index: 8, startedAtMs: 150, peer: "a" },
    { index: 9, startedAtMs: 0, peer: "b" },
  ];

  it("expects a peer's slots at the expected ends of its maps, soonest first, ignoring stragglers", () => {
    expect(slotsFreeingMs(running, [], 100)).toEqual(new Map());
    expect(slotsFreeingMs(running, [200], 180)).toEqual(new Map([["a", [20, 170]], ["b", [20]]]));
    // Past twice the median, a map is a straggler: b frees nothing soon; a's second map is due.
    expect(slotsFreeingMs(running, [200], 401)).toEqual(new Map([["a", [0]]]));
  });

  it("keeps a map waiting past its wait, however long, while a holder is expected to start it within the wait", () => {
    const busyHolder = () => workers().map((w) => (w.id === "a" ? { ...w, free: 0 } : w));
    const task = [{ index: 0, pendingSinceMs: 0, holders: ["a"] }];
    const medianMs = 200;
    expect(assignMaps(task, busyHolder(), 150, 100, new Map([["a", [50]]]), medianMs)).toEqual([]);
    // Time alone does not end the hold: the holder's slot is what it waits for.
    expect(assignMaps(task, busyHolder(), 10_000, 100, new Map([["a", [100]]]), medianMs)).toEqual([]);
    // A holder that frees later than the wait, or only runs stragglers, is not worth it.
    expect(assignMaps(task, busyHolder(), 150, 100, new Map([["a", [101]]]), medianMs)).toEqual([{ index: 0, peer: "b", locality: "rack" }]);
    expect(assignMaps(task, busyHolder(), 150, 100, new Map(), medianMs)).toEqual([{ index: 0, peer: "b", locality: "rack" }]);
    // Before any map finished (no median), the waits alone decide.
    expect(assignMaps(task, busyHolder(), 150, 100, new Map([["a", [50]]]))).toEqual([{ index: 0, peer: "b", locality: "rack" }]);
  });

  it("counts the maps queued for a holder ahead of a map: each takes one of its slots about to free, in turn", () => {
    // a runs 2 maps, one due now and one in 150 ms; 4 maps wait for it; maps take 200 ms, the wait 100.
    const slots = () => [
      { id: "a", rack: "/r1", free: 0 },
      { id: "b", rack: "/r1", free: 0 },
      { id: "c", rack: "/r2", free: 4 },
    ];
    const pending = [0, 1, 2, 3].map((index) => ({ index, pendingSinceMs: 0, holders: ["a"] }));
    // The first takes the slot due now; the others would wait longer than the wait.
    expect(assignMaps(pending, slots(), 1_000, 100, new Map([["a", [0, 150]]]), 200)).toEqual([
      { index: 1, peer: "c", locality: "remote" },
      { index: 2, peer: "c", locality: "remote" },
      { index: 3, peer: "c", locality: "remote" },
    ]);
    // Both slots due: two wait for a. With maps of 20 ms and a wait of 50, a round later still fits.
    expect(assignMaps(pending, slots(), 1_000, 100, new Map([["a", [0, 0]]]), 200).map((m) => m.index)).toEqual([2, 3]);
    expect(assignMaps(pending, slots(), 1_000, 50, new Map([["a", [0, 0]]]), 20)).toEqual([]);
    // A map with three holders counts a third for each: three such maps queue one for a.
    const spread = [0, 1, 2].map((index) => ({ index, pendingSinceMs: 0, holders: ["a", "b", "x"] }));
    const tail = { index: 6, pendingSinceMs: 0, holders: ["a"] };
    const freeing = new Map([["a", [0, 150]], ["b", [0]], ["x", [0]]]);
    expect(assignMaps([...spread, tail], slots(), 1_000, 100, freeing, 200)).toEqual([{ index: 6, peer: "c", locality: "remote" }]);
  });

  it("fills a free slot with a map whose chunk it holds before a map that waited longer elsewhere", () => {
    const slots = [
      { id: "a", rack: "/r1", free: 0, slots: 1 },
      { id: "b", rack: "/r1", free: 1, slots: 1 },
    ];
    const pending = [
      { index: 0, pendingSinceMs: 0, holders: ["a"] },
      { index: 1, pendingSinceMs: 900, holders: ["b"] },
    ];
    expect(assignMaps(pending, slots, 1_000, 100)).toEqual([{ index: 1, peer: "b", locality: "node" }]);
  });

  it("names the next moment a waiting map's decision changes, for a round then", () => {
    const pending = [
      { index: 0, pendingSinceMs: 0, holders: ["a"] },
      { index: 1, pendingSinceMs: 30, holders: ["a"] },
      { index: 2, pendingSinceMs: 0, holders: [] },
    ];
    expect(nextLocalityDeadlineMs(pending, 10, 100)).toBe(100);
    expect(nextLocalityDeadlineMs(pending, 100, 100)).toBe(130);
    expect(nextLocalityDeadlineMs(pending, 130, 100)).toBe(200);
    expect(nextLocalityDeadlineMs(pending, 230, 100)).toBeUndefined();
  });
});

// Hadoop's mapreduce.job.reduce.slowstart.completedmaps.
describe("slow start", () => {
  it("lets reduces start once 5% of the maps are done (at least one), and always once all are", () => {
    expect(reducesMayStart(0, 20)).toBe(false);
    expect(reducesMayStart(1, 20)).toBe(true);
    expect(reducesMayStart(4, 100)).toBe(false);
    expect(reducesMayStart(5, 100)).toBe(true);
    expect(reducesMayStart(0, 0)).toBe(true);
    expect(reducesMayStart(3, 4, 1)).toBe(false);
    expect(reducesMayStart(4, 4, 1)).toBe(true);
  });

  it("places early reduces on the peers with the fewest of the job's reduces, whatever their free slots", () => {
    const busy = workers().map((w) => ({ ...w, free: 0 }));
    const reducesOn = new Map([["a", 1]]);
    expect(assignEarlyReduces([{ index: 0 }, { index: 1 }, { index: 2 }, { index: 3, avoid: ["a", "b"] }], busy, reducesOn)).toEqual([
      { index: 0, peer: "b" },
      { index: 1, peer: "c" },
      { index: 2, peer: "a" },
      { index: 3, peer: "c" },
    ]);
    expect(busy.every((w) => w.free === 0)).toBe(true);
    expect(reducesOn).toEqual(new Map([["a", 2], ["b", 1], ["c", 2]]));
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

describe("maps over a mounted input (issue 16)", () => {
  it("a cached chunk's map goes where its copy is; uncached chunks (placeholders, no replica) are spread evenly at once", () => {
    const workers = () => [
      { id: "p1", rack: "/r1", free: 4 },
      { id: "p2", rack: "/r1", free: 4 },
      { id: "p3", rack: "/r2", free: 4 },
    ];
    // Six cold chunks: nobody holds them, so no map waits for locality and they spread 2, 2, 2.
    const cold = Array.from({ length: 6 }, (_, index) => ({ index, pendingSinceMs: 1_000, holders: [] }));
    const spread = assignMaps(cold, workers(), 1_000, LOCALITY_WAIT_INITIAL_MS);
    expect(spread).toHaveLength(6);
    const perPeer = new Map<string, number>();
    for (const assignment of spread) perPeer.set(assignment.peer, (perPeer.get(assignment.peer) ?? 0) + 1);
    expect([...perPeer.values()]).toEqual([2, 2, 2]);
    // Warm: the copies are on p3 (cached there by an earlier read): node-local, no wait.
    const warm = [
      { index: 0, pendingSinceMs: 1_000, holders: ["p3"] },
      { index: 1, pendingSinceMs: 1_000, holders: ["p3"] },
      { index: 2, pendingSinceMs: 1_000, holders: [] },
    ];
    const placed = assignMaps(warm, workers(), 1_000, LOCALITY_WAIT_INITIAL_MS);
    expect(placed.slice(0, 2)).toEqual([
      { index: 0, peer: "p3", locality: "node" },
      { index: 1, peer: "p3", locality: "node" },
    ]);
    expect(placed[2]!.locality).toBe("remote");
    expect(placed[2]!.peer).not.toBe("p3");
  });
});
