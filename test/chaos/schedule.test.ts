// The nemesis's schedule planner (test/chaos/schedule.ts): pure and seeded, so a printed seed
// replays the same faults; every kind is injected when the run is long enough; faults never
// overlap, so none takes a majority of the voters away beyond its own step.
import { describe, it, expect } from "vitest";
import { FAULT_KINDS } from "./types.ts";
import { FAULT_DURATION_MS, GAP_MS_MIN, formatSchedule, planSchedule } from "./schedule.ts";

const CI = { durationMs: 100_000, peers: 5 };
const SEEDS = Array.from({ length: 200 }, (_, i) => i * 7919 + 1);

describe("planSchedule", () => {
  it("gives the same schedule for the same seed, and another for another seed", () => {
    expect(planSchedule({ seed: 42, ...CI })).toEqual(planSchedule({ seed: 42, ...CI }));
    expect(formatSchedule(planSchedule({ seed: 42, ...CI }))).not.toBe(formatSchedule(planSchedule({ seed: 43, ...CI })));
  });

  it("injects every kind at least once in a CI-sized run, for any seed", () => {
    for (const seed of SEEDS) {
      const kinds = new Set(planSchedule({ seed, ...CI }).map((step) => step.kind));
      expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
    }
  });

  it("keeps faults apart (a quiet gap between them) and inside the duration, for short and long runs", () => {
    for (const durationMs of [100_000, 1_800_000]) {
      for (const seed of SEEDS.slice(0, 50)) {
        const steps = planSchedule({ seed, durationMs, peers: 5 });
        for (let i = 0; i < steps.length; i++) {
          const step = steps[i]!;
          expect(step.durationMs).toBeGreaterThanOrEqual(FAULT_DURATION_MS[step.kind].min);
          expect(step.durationMs).toBeLessThanOrEqual(FAULT_DURATION_MS[step.kind].max);
          expect(step.atMs + step.durationMs).toBeLessThanOrEqual(durationMs);
          const next = steps[i + 1];
          if (next) expect(next.atMs).toBeGreaterThanOrEqual(step.atMs + step.durationMs + GAP_MS_MIN);
        }
      }
    }
  });

  it("cuts off a minority only: a majority of peers always stays together", () => {
    for (const seed of SEEDS) {
      for (const step of planSchedule({ seed, ...CI })) {
        if (step.kind !== "partition-halves") continue;
        expect(step.targets.length).toBe(2);
        expect(new Set(step.targets.map((target) => JSON.stringify(target))).size).toBe(2);
      }
    }
  });

  it("draws kind-specific figures: loss 5-30 %, delay 50-500 ms, clock jumps both ways", () => {
    const steps = SEEDS.flatMap((seed) => planSchedule({ seed, ...CI }));
    const losses = steps.filter((step) => step.kind === "net-loss").map((step) => step.params!.lossPercent!);
    const delays = steps.filter((step) => step.kind === "net-delay").map((step) => step.params!.delayMs!);
    const jumps = steps.filter((step) => step.kind === "clock-jump").map((step) => step.params!.clockOffsetMs!);
    expect(Math.min(...losses)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...losses)).toBeLessThanOrEqual(30);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...delays)).toBeLessThanOrEqual(500);
    expect(jumps.some((ms) => ms < 0) && jumps.some((ms) => ms > 0)).toBe(true);
  });

  it("fits what it can in a run too short for every kind, and prints one line per step", () => {
    const steps = planSchedule({ seed: 1, durationMs: 20_000, peers: 5 });
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.length).toBeLessThan(FAULT_KINDS.length);
    expect(formatSchedule(steps).split("\n")).toHaveLength(steps.length);
    expect(formatSchedule(steps)).toMatch(/^\+0\.0s [a-z-]+ /);
  });
});
