// The cache between the admin HTTP server and whoever answers it (the leader, or the peer's
// thread): one load per key at a time, fresh answers served again, an old answer served when
// a fresh one is slow, a bounded wait when there is none, and a bounded number of keys.
import { describe, it, expect } from "vitest";
import { CacheWaitTimeoutError, TtlCache } from "../../src/http/ttl-cache.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cache(overrides: Partial<ConstructorParameters<typeof TtlCache>[0]> = {}) {
  const clock = { nowMs: 0 };
  const instance = new TtlCache({ ttlMs: 1_000, staleWaitMs: 20, firstLoadWaitMs: 100, entriesMax: 4, nowMs: () => clock.nowMs, ...overrides });
  return { cache: instance, clock };
}

class NotFound extends Error {
  readonly code = "NOT_FOUND";
}

describe("TtlCache", () => {
  it("loads once for any number of concurrent requests, and serves the answer again while fresh", async () => {
    const { cache: c, clock } = cache();
    let loads = 0;
    const load = async () => {
      loads += 1;
      await sleep(5);
      return loads;
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => c.get("k", load)));
    expect(answers.map((answer) => answer.value)).toEqual(Array(10).fill(1));
    clock.nowMs = 999;
    expect((await c.get("k", load)).value).toBe(1);
    expect(loads).toBe(1);
    clock.nowMs = 1_000;
    expect((await c.get("k", load)).value).toBe(2);
  });

  it("serves the last answer, with its age, when a fresh one takes longer than the stale wait; the next request gets the fresh one", async () => {
    const { cache: c, clock } = cache();
    await c.get("k", async () => "old");
    clock.nowMs = 5_000;
    let release!: () => void;
    const slow = () => new Promise<string>((resolve) => (release = () => resolve("new")));
    const started = performance.now();
    const stale = await c.get("k", slow);
    expect(performance.now() - started).toBeLessThan(200);
    expect(stale).toEqual({ value: "old", ageMs: 5_000 });
    release();
    await sleep(1);
    expect((await c.get("k", async () => "unused")).value).toBe("new");
  });

  it("with no answer yet, waits at most firstLoadWaitMs, then fails; the load goes on for the next request", async () => {
    const { cache: c } = cache({ firstLoadWaitMs: 30 });
    let loading: Promise<string> | undefined;
    const slow = () => (loading = sleep(80).then(() => "late"));
    await expect(c.get("k", slow)).rejects.toBeInstanceOf(CacheWaitTimeoutError);
    // The load goes on after the request gave up; once it ends, its answer is there.
    await loading;
    expect((await c.get("k", slow)).value).toBe("late");
  });

  it("keeps an answer that is an error (NOT_FOUND) as long as a value; keeps the last value when the answerer is unreachable", async () => {
    const { cache: c, clock } = cache();
    let loads = 0;
    const missing = async () => {
      loads += 1;
      throw new NotFound("/x does not exist.");
    };
    await expect(c.get("gone", missing)).rejects.toThrow("does not exist");
    await expect(c.get("gone", missing)).rejects.toThrow("does not exist");
    expect(loads).toBe(1);

    await c.get("k", async () => "last");
    clock.nowMs = 2_000;
    const unreachable = async () => {
      throw new Error("the leader did not answer");
    };
    expect((await c.get("k", unreachable)).value).toBe("last");
    // An answer about the key itself replaces the value: the file was deleted.
    clock.nowMs = 4_000;
    await expect(c.get("k", missing)).rejects.toThrow("does not exist");
  });

  it("keeps at most entriesMax keys", async () => {
    const { cache: c } = cache({ entriesMax: 4 });
    for (let i = 0; i < 20; i++) await c.get(`k${i}`, async () => i);
    expect(c.size).toBeLessThanOrEqual(4);
  });
});
