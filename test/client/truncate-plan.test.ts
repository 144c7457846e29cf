// Where a truncate cuts (src/client/truncate-plan.ts): between chunks by the masters, inside
// a chunk by the client (cut at the chunk's start, append the head it kept).
import { describe, expect, it } from "vitest";
import { planTruncate } from "../../src/client/truncate-plan.ts";

describe("planTruncate", () => {
  const chunks = [100, 100, 40, 100]; // an append left a short chunk in the middle

  it("leaves a cut at a chunk's end, at 0 or at the file's end to the masters", () => {
    for (const length of [0, 100, 200, 240, 340]) expect(planTruncate(chunks, length), String(length)).toEqual({ kind: "boundary" });
    expect(planTruncate([], 0)).toEqual({ kind: "boundary" });
  });

  it("cuts inside a chunk at the chunk's start and keeps its head", () => {
    expect(planTruncate(chunks, 1)).toEqual({ kind: "inside", boundaryBytes: 0, keepBytes: 1 });
    expect(planTruncate(chunks, 150)).toEqual({ kind: "inside", boundaryBytes: 100, keepBytes: 50 });
    expect(planTruncate(chunks, 239)).toEqual({ kind: "inside", boundaryBytes: 200, keepBytes: 39 });
    expect(planTruncate(chunks, 339)).toEqual({ kind: "inside", boundaryBytes: 240, keepBytes: 99 });
  });

  it("keeps at most one chunk's bytes, whatever the length", () => {
    for (let length = 0; length <= 340; length++) {
      const plan = planTruncate(chunks, length);
      if (plan.kind === "inside") {
        expect(plan.boundaryBytes + plan.keepBytes).toBe(length);
        expect(plan.keepBytes).toBeGreaterThan(0);
        expect(plan.keepBytes).toBeLessThan(100);
      }
    }
  });

  it("a length past the end is the masters' to refuse", () => {
    expect(planTruncate(chunks, 341)).toEqual({ kind: "boundary" });
    expect(planTruncate([], 5)).toEqual({ kind: "boundary" });
  });
});
