// The leader's persister planner (src/master/rpc/persist-plan.ts): ASYNC_THROUGH files are
// persisted once closed and past the grace left to their writer, at most a few at once, and a
// file that fails backs off exponentially.
import { describe, expect, it } from "vitest";
import { afterFailure, PERSIST_BACKOFF_MAX_MS, PERSIST_GRACE_MS, persistBackoffMs, planPersists, PERSISTS_IN_FLIGHT_MAX } from "../../src/master/rpc/persist-plan.ts";

const NOW = 10_000_000;
const file = (fileId: number, ageMs = PERSIST_GRACE_MS, closed?: boolean) => ({ fileId, path: `/mnt/f${fileId}`, mtimeMs: NOW - ageMs, ...(closed === undefined ? {} : { closed }) });

describe("planPersists", () => {
  it("takes closed files past the grace, in order, skipping open ones and those younger than the grace", () => {
    const plan = planPersists({ candidates: [file(1), file(2, PERSIST_GRACE_MS - 1), file(3, PERSIST_GRACE_MS, false), file(4, 60_000)], nowMs: NOW, inFlight: new Set(), retries: new Map() });
    expect(plan.map((c) => c.fileId)).toEqual([1, 4]);
  });

  it("never runs more than PERSISTS_IN_FLIGHT_MAX at once, counting those already running, and never one twice", () => {
    const candidates = Array.from({ length: 20 }, (_, i) => file(i + 1));
    expect(planPersists({ candidates, nowMs: NOW, inFlight: new Set(), retries: new Map() })).toHaveLength(PERSISTS_IN_FLIGHT_MAX);
    const inFlight = new Set([1, 2, 3]);
    const plan = planPersists({ candidates, nowMs: NOW, inFlight, retries: new Map() });
    expect(plan.map((c) => c.fileId)).toEqual([4].slice(0, PERSISTS_IN_FLIGHT_MAX - 3));
    expect(planPersists({ candidates, nowMs: NOW, inFlight: new Set([1, 2, 3, 4]), retries: new Map() })).toEqual([]);
  });

  it("waits out a failed file's backoff, then tries it again", () => {
    const retries = new Map([[1, afterFailure(undefined, NOW)]]);
    expect(planPersists({ candidates: [file(1)], nowMs: NOW, inFlight: new Set(), retries })).toEqual([]);
    expect(planPersists({ candidates: [file(1)], nowMs: NOW + 999, inFlight: new Set(), retries })).toEqual([]);
    expect(planPersists({ candidates: [file(1, PERSIST_GRACE_MS + 1_000)], nowMs: NOW + 1_000, inFlight: new Set(), retries }).map((c) => c.fileId)).toEqual([1]);
  });
});

describe("backoff", () => {
  it("doubles from 1 s per failure and stops at the cap", () => {
    expect([0, 1, 2, 3, 4].map(persistBackoffMs)).toEqual([0, 1_000, 2_000, 4_000, 8_000]);
    expect(persistBackoffMs(40)).toBe(PERSIST_BACKOFF_MAX_MS);
    const first = afterFailure(undefined, NOW);
    const second = afterFailure(first, NOW + 1_000);
    expect(first).toEqual({ failures: 1, notBeforeMs: NOW + 1_000 });
    expect(second).toEqual({ failures: 2, notBeforeMs: NOW + 3_000 });
  });
});
