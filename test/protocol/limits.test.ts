// The leader's deadline for one replicate exchange scales with the chunk it copies.
import { describe, it, expect } from "vitest";
import { REPLICATE_COPY_DEADLINE_BASE_MS, REPLICATE_DELETE_DEADLINE_MS, REPLICATE_RPC_LIMITS, replicateDeadlineMs } from "../../src/protocol/limits.ts";

const copy = (sizeBytes: number) => ({ copy: { sizeBytes } });

describe("replicateDeadlineMs", () => {
  it("gives a small chunk's copy seconds, a 64 MiB one 10 MB/s on top, and caps a huge one at the protocol's limit", () => {
    expect(replicateDeadlineMs(copy(4096))).toBe(REPLICATE_COPY_DEADLINE_BASE_MS + 1);
    expect(replicateDeadlineMs(copy(64 * 1024 * 1024))).toBe(REPLICATE_COPY_DEADLINE_BASE_MS + 6_711);
    expect(replicateDeadlineMs(copy(4 * 1024 ** 3))).toBe(REPLICATE_RPC_LIMITS.timeoutMs);
    expect(replicateDeadlineMs({})).toBe(REPLICATE_DELETE_DEADLINE_MS);
  });
});
