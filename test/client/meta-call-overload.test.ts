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
