// A client refused with OVERLOADED (src/client/meta-call.ts): it backs off and asks again until
// the peer serves it, and when the peer stays overloaded past the deadline the error it throws
// still says OVERLOADED, with the peer's own sentence.
import { describe, expect, it } from "vitest";
import { callWithRetry, MetaRequestError } from "../../src/client/meta-call.ts";
import type { MetaResponse } from "../../src/protocol/pb/meta.ts";

const overloaded = (): MetaResponse => ({ error: { code: "OVERLOADED", message: "this peer's metadata service is overloaded (256 requests under way and 512 waiting); it refused this request: retry after a short backoff", leaderHint: "" } });

describe("callWithRetry and OVERLOADED", () => {
  it("asks again after a refusal for load, and returns the answer that follows", async () => {
    let attempts = 0;
    const response = await callWithRetry(async () => (++attempts < 3 ? overloaded() : { status: undefined } as MetaResponse), 5_000);
    expect(attempts).toBe(3);
    expect(response.error).toBeUndefined();
  });

  it("throws OVERLOADED with the peer's sentence when the peer stays overloaded to the deadline", async () => {
    let attempts = 0;
    const err = await callWithRetry(async () => (attempts++, overloaded()), 300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetaRequestError);
    expect((err as MetaRequestError).code).toBe("OVERLOADED");
    expect((err as Error).message).toContain("stayed overloaded until the deadline");
    expect((err as Error).message).toContain("is overloaded");
    expect(attempts).toBeGreaterThan(1);
  });
});

describe("callWithRetry at its deadline", () => {
  it("begins no attempt in the deadline's last moments, so the error keeps the reason the answers gave", async () => {
    const budgets: number[] = [];
    const send = async (timeoutMs: number): Promise<MetaResponse> => {
      budgets.push(timeoutMs);
      // An exchange given a sliver of time times out, as the mux client's does.
      if (timeoutMs < 50) throw new Error(`no answer within ${timeoutMs} ms`);
      return { error: { code: "NO_LEADER", message: "no leader is elected right now", leaderHint: "" } } as MetaResponse;
    };
    // 580 ms: after backoffs of 50, 100 and 200 ms, a retry would begin about 30 ms before the deadline.
    const err = await callWithRetry(send, 580).catch((e: unknown) => e);
    expect((err as MetaRequestError).code).toBe("UNAVAILABLE");
    expect((err as Error).message).toBe("the cluster did not answer in time: no leader is elected right now");
    expect(budgets.length).toBeGreaterThan(1);
    expect(Math.min(...budgets)).toBeGreaterThanOrEqual(100);
  });
});
