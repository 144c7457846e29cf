// The admission limiter (src/util/admission.ts): bounded in flight, bounded queue, bounded wait,
// refusals as OVERLOADED with a clear sentence; time is a fake clock the test moves (STYLE.md §5:
// each bound has a test that it holds).
import { describe, expect, it } from "vitest";
import { AdmissionLimiter, AdmissionRefusedError, type AdmissionClock, type AdmissionLimits } from "../../src/util/admission.ts";
import { codeOf, ERROR_CODES, isRetryable, OverloadedError } from "../../src/protocol/errors.ts";
import { ConfigError } from "../../src/util/config.ts";
import { LoopLag, LOOP_LAG_BUSY_MS, LOOP_LAG_HOLD_MS } from "../../src/util/loop-lag.ts";

/** A clock whose timers fire only when the test advances it. */
class FakeClock implements AdmissionClock {
  private now = 0;
  private timers: Array<{ atMs: number; fire: () => void; live: boolean }> = [];
  nowMs(): number {
    return this.now;
  }
  setTimer(fire: () => void, ms: number): () => void {
    const timer = { atMs: this.now + ms, fire, live: true };
    this.timers.push(timer);
    return () => (timer.live = false);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const timer of this.timers.filter((t) => t.live && t.atMs <= this.now)) {
      timer.live = false;
      timer.fire();
    }
    this.timers = this.timers.filter((t) => t.live);
  }
  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
}

/** A limiter refusing with the wire's OverloadedError, as the servers build theirs. */
function limiterOf(what: string, limits: AdmissionLimits, clock: AdmissionClock = new FakeClock(), busyReason?: () => string | undefined): AdmissionLimiter {
  return new AdmissionLimiter({ what, limits, clock, ...(busyReason ? { busyReason } : {}), refuse: (message) => new OverloadedError(message) });
}

/** Lets promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function track<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error) => Object.assign(state, { error, done: true }),
  );
  return state;
}

describe("AdmissionLimiter", () => {
  it("admits up to inFlightMax at once, queues up to queueMax, refuses the next at once", async () => {
    const clock = new FakeClock();
    const limiter = limiterOf("this test's service", { inFlightMax: 2, queueMax: 3, queueTimeoutMs: 1_000 }, clock);
    const slots = [track(limiter.acquire()), track(limiter.acquire())];
    const waiting = [track(limiter.acquire()), track(limiter.acquire()), track(limiter.acquire())];
    const refused = track(limiter.acquire());
    await settle();
    expect(slots.every((s) => s.done && s.value)).toBe(true);
    expect(waiting.every((s) => !s.done)).toBe(true);
    expect(refused.error).toBeInstanceOf(OverloadedError);
    expect(limiter.stats).toMatchObject({ inFlight: 2, queued: 3, admitted: 2, refusedQueueFull: 1, refusedQueueTimeout: 0 });
  });

  it("gives a freed slot to the oldest waiter, in arrival order", async () => {
    const limiter = limiterOf("svc", { inFlightMax: 1, queueMax: 10, queueTimeoutMs: 1_000 }, new FakeClock());
    const first = track(limiter.acquire());
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) => limiter.acquire().then((release) => (order.push(n), release)));
    await settle();
    (first.value as () => void)();
    for (const waiter of waiters) (await waiter)();
    expect(order).toEqual([1, 2, 3]);
    expect(limiter.stats).toMatchObject({ inFlight: 0, queued: 0, admitted: 4 });
  });

  it("refuses a waiter whose wait passes queueTimeoutMs, and it no longer counts against the queue", async () => {
    const clock = new FakeClock();
    const limiter = limiterOf("svc", { inFlightMax: 1, queueMax: 1, queueTimeoutMs: 500 }, clock);
    const held = track(limiter.acquire());
    const late = track(limiter.acquire());
    await settle();
    clock.advance(499);
    await settle();
    expect(late.done).toBe(false);
    clock.advance(1);
    await settle();
    expect(late.error).toBeInstanceOf(OverloadedError);
    expect(limiter.stats).toMatchObject({ queued: 0, refusedQueueTimeout: 1 });
    // The queue has room again; the slot, once freed, goes to the new waiter, not the refused one.
    const next = track(limiter.acquire());
    (held.value as () => void)();
    await settle();
    expect(typeof next.value).toBe("function");
    expect(limiter.stats).toMatchObject({ inFlight: 1, queued: 0, admitted: 2 });
  });

  it("cancels a waiter's timer when it is admitted, so a later timeout cannot refuse it", async () => {
    const clock = new FakeClock();
    const limiter = limiterOf("svc", { inFlightMax: 1, queueMax: 1, queueTimeoutMs: 100 }, clock);
    const held = track(limiter.acquire());
    const waiter = track(limiter.acquire());
    await settle();
    expect(clock.pending).toBe(1);
    (held.value as () => void)();
    await settle();
    expect(clock.pending).toBe(0);
    clock.advance(1_000);
    await settle();
    expect(waiter.error).toBeUndefined();
    expect(limiter.stats.refusedQueueTimeout).toBe(0);
  });

  it("frees a slot once however often release is called", async () => {
    const limiter = limiterOf("svc", { inFlightMax: 1, queueMax: 0, queueTimeoutMs: 100 }, new FakeClock());
    const release = await limiter.acquire();
    release();
    release();
    expect(limiter.stats.inFlight).toBe(0);
    await limiter.acquire();
    await expect(limiter.acquire()).rejects.toBeInstanceOf(OverloadedError);
  });

  it("run() releases its slot when the work throws", async () => {
    const limiter = limiterOf("svc", { inFlightMax: 1, queueMax: 0, queueTimeoutMs: 100 }, new FakeClock());
    await expect(limiter.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run(async () => 7)).toBe(7);
    expect(limiter.stats.inFlight).toBe(0);
  });

  it("never lets a newcomer pass the queue while others wait", async () => {
    const limiter = limiterOf("svc", { inFlightMax: 1, queueMax: 5, queueTimeoutMs: 100 }, new FakeClock());
    const held = await limiter.acquire();
    const waiting = track(limiter.acquire());
    held(); // its slot goes to the waiter in the same turn
    const newcomer = track(limiter.acquire());
    await settle();
    expect(typeof waiting.value).toBe("function");
    expect(newcomer.done).toBe(false);
  });

  it("holds its bounds under a burst: never more in flight or queued than allowed", async () => {
    const clock = new FakeClock();
    const limits = { inFlightMax: 8, queueMax: 16, queueTimeoutMs: 50 };
    const limiter = limiterOf("svc", limits, clock);
    let maxInFlight = 0;
    let maxQueued = 0;
    const outcomes = { ok: 0, refused: 0 };
    const work: Promise<void>[] = [];
    for (let i = 0; i < 1_000; i++) {
      work.push(
        limiter.run(async () => {
          maxInFlight = Math.max(maxInFlight, limiter.stats.inFlight);
          await settle();
        }).then(
          () => void (outcomes.ok += 1),
          (err) => {
            expect(err).toBeInstanceOf(OverloadedError);
            outcomes.refused += 1;
          },
        ),
      );
      maxQueued = Math.max(maxQueued, limiter.stats.queued);
      if (i % 100 === 0) clock.advance(60);
    }
    await Promise.all(work);
    expect(maxInFlight).toBeLessThanOrEqual(limits.inFlightMax);
    expect(maxQueued).toBeLessThanOrEqual(limits.queueMax);
    expect(outcomes.ok + outcomes.refused).toBe(1_000);
    expect(outcomes.refused).toBeGreaterThan(900);
    expect(limiter.stats).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it("refuses with OVERLOADED: retryable, 503, and one sentence naming the service and the bound", async () => {
    const limiter = limiterOf("this peer's metadata service", { inFlightMax: 1, queueMax: 0, queueTimeoutMs: 100 }, new FakeClock());
    await limiter.acquire();
    const err = await limiter.acquire().catch((e: unknown) => e);
    expect(codeOf(err)).toBe("OVERLOADED");
    expect(isRetryable("OVERLOADED")).toBe(true);
    expect(ERROR_CODES.OVERLOADED.httpStatus).toBe(503);
    const message = (err as Error).message;
    expect(message).toContain("this peer's metadata service is overloaded");
    expect(message).toContain("1 requests under way and 0 waiting");
    expect(message).toContain("retry");
    expect(message.split("\n")).toHaveLength(1);
  });

  it("refuses limits that are not whole numbers in range, with a sentence", () => {
    expect(() => limiterOf("svc", { inFlightMax: 0, queueMax: 0, queueTimeoutMs: 1 })).toThrow(ConfigError);
    expect(() => limiterOf("svc", { inFlightMax: 1, queueMax: -1, queueTimeoutMs: 1 })).toThrow(/queueMax must be a whole number of at least 0/);
    expect(() => limiterOf("svc", { inFlightMax: 1, queueMax: 0, queueTimeoutMs: 0.5 })).toThrow(/queueTimeoutMs/);
  });

  it("refuses with its own AdmissionRefusedError when no refusal is given", async () => {
    const limiter = new AdmissionLimiter({ what: "svc", limits: { inFlightMax: 1, queueMax: 0, queueTimeoutMs: 1 }, clock: new FakeClock() });
    await limiter.acquire();
    await expect(limiter.acquire()).rejects.toBeInstanceOf(AdmissionRefusedError);
  });
});

describe("AdmissionLimiter while the process is busy", () => {
  it("takes no more than an eighth of inFlightMax and queues nothing while busyReason says so", async () => {
    let busy: string | undefined = "its event loop ran 300 ms late 10 ms ago";
    const limiter = limiterOf("svc", { inFlightMax: 16, queueMax: 100, queueTimeoutMs: 1_000 }, new FakeClock(), () => busy);
    expect(limiter.busyInFlightMax).toBe(2);
    const taken = [await limiter.acquire(), await limiter.acquire()];
    const err = await limiter.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OverloadedError);
    expect((err as Error).message).toBe("svc is overloaded (its event loop ran 300 ms late 10 ms ago); it refused this request: retry after a short backoff");
    expect(limiter.stats).toMatchObject({ inFlight: 2, queued: 0, refusedBusy: 1 });
    busy = undefined;
    await limiter.acquire();
    expect(limiter.stats.inFlight).toBe(3);
    for (const release of taken) release();
  });
});

describe("LoopLag", () => {
  it("is busy for LOOP_LAG_HOLD_MS after a probe later than LOOP_LAG_BUSY_MS, and not for a punctual one", () => {
    const lag = new LoopLag(() => 0);
    lag.observe(LOOP_LAG_BUSY_MS, 1_000);
    expect(lag.busyReason(1_000)).toBeUndefined();
    lag.observe(300, 2_000);
    expect(lag.busyReason(2_010)).toBe("its event loop ran 300 ms late 10 ms ago");
    expect(lag.busyReason(2_000 + LOOP_LAG_HOLD_MS - 1)).toBeDefined();
    expect(lag.busyReason(2_000 + LOOP_LAG_HOLD_MS)).toBeUndefined();
    expect(lag.busyProbes).toBe(1);
  });
});
