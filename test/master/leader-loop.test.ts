// The leader's loop mechanism, on a fake clock (no sleeps): rounds on the interval only while
// leading (GFS §4.3/§4.4 and HDFS's ReplicationMonitor run their scans on the master only),
// single flight, coalesced kicks, a stop that waits for the running round, bounded
// concurrency of a round's I/O, and the in-flight budgets' assertions.
import { describe, it, expect } from "vitest";
import { LeaderLoop, runBounded, InFlightBudget, untilAborted, type LeaderLoopInit } from "../../src/master/leader-loop.ts";
import { AssertionError } from "../../src/util/assert.ts";
import { FakeTimers, settle } from "./fake-timers.ts";

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A loop whose rounds the test counts, and can hold open. */
function harness(over: Partial<LeaderLoopInit<number>> = {}) {
  const timers = new FakeTimers();
  const state = { leader: true, started: 0, finished: 0, running: 0, maxRunning: 0, followerCalls: 0, errors: [] as unknown[], hold: undefined as Promise<void> | undefined, signals: [] as AbortSignal[] };
  const loop = new LeaderLoop<number>({
    name: "test",
    intervalMs: 1_000,
    isLeader: () => state.leader,
    round: async (signal) => {
      state.started += 1;
      state.signals.push(signal);
      state.running += 1;
      state.maxRunning = Math.max(state.maxRunning, state.running);
      try {
        if (state.hold) await state.hold;
        return state.started;
      } finally {
        state.running -= 1;
        state.finished += 1;
      }
    },
    follower: () => {
      state.followerCalls += 1;
    },
    log: { warn: (_message, fields) => state.errors.push(fields?.err), error: (_message, fields) => state.errors.push(fields?.err) },
    timers,
    ...over,
  });
  return { timers, state, loop };
}

describe("the leader loop", () => {
  it("runs a round every interval while leading, none before the first tick; a follower forgets its soft state instead", async () => {
    const { timers, state, loop } = harness();
    loop.start();
    await timers.advance(999);
    expect(state.started).toBe(0);
    await timers.advance(1);
    expect(state.started).toBe(1);
    await timers.advance(3_000);
    expect(state.started).toBe(4);
    state.leader = false;
    await timers.advance(2_000);
    expect(state.started).toBe(4);
    expect(state.followerCalls).toBe(2);
    expect(loop.stats.rounds).toBe(4);
    await loop.stop();
  });

  it("never runs two rounds at once: runRound joins the running one, and ticks during a long round start nothing", async () => {
    const { timers, state, loop } = harness();
    const gate = deferred();
    state.hold = gate.promise;
    loop.start();
    const first = loop.runRound();
    const second = loop.runRound();
    expect(second).toBe(first);
    await timers.advance(5_000);
    expect(state.started).toBe(1);
    expect(loop.isRunning).toBe(true);
    gate.resolve();
    expect(await first).toBe(1);
    state.hold = undefined;
    await timers.advance(1_000);
    expect(state.started).toBe(2);
    expect(state.maxRunning).toBe(1);
    await loop.stop();
  });

  it("a kick runs a round soon; kicks coalesce, and a kick during a round runs one more after it", async () => {
    const { timers, state, loop } = harness({ intervalMs: 60_000 });
    loop.start();
    loop.kick();
    loop.kick();
    loop.kick();
    await timers.advance(0);
    expect(state.started).toBe(1);
    const gate = deferred();
    state.hold = gate.promise;
    void loop.runRound();
    await settle();
    loop.kick();
    loop.kick();
    await timers.advance(0);
    expect(state.started).toBe(2);
    state.hold = undefined;
    gate.resolve();
    await settle();
    // The kicks during round 2 ran exactly one more round after it.
    expect(state.started).toBe(3);
    await timers.advance(0);
    expect(state.started).toBe(3);
    await loop.stop();
  });

  it("stop aborts the running round's signal, waits for it to end, and no round runs after", async () => {
    const { timers, state, loop } = harness();
    const gate = deferred();
    state.hold = gate.promise;
    loop.start();
    await timers.advance(1_000);
    expect(state.started).toBe(1);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await settle();
    expect(state.signals[0]!.aborted).toBe(true);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(state.finished).toBe(1);
    await timers.advance(10_000);
    loop.kick();
    await timers.advance(10);
    expect(await loop.runRound()).toBeUndefined();
    expect(state.started).toBe(1);
    expect(timers.size).toBe(0);
  });

  it("a failed round is reported and the next tick runs again; a direct runRound sees its own error", async () => {
    let calls = 0;
    const { timers, state, loop } = harness({
      round: async () => {
        calls += 1;
        if (calls === 1) throw new Error("boom");
        return calls;
      },
    });
    loop.start();
    await timers.advance(1_000);
    expect(state.errors.map((err) => (err as Error).message)).toEqual(["boom"]);
    await timers.advance(1_000);
    expect(calls).toBe(2);
    expect(loop.stats.failures).toBe(1);
    await loop.stop();
  });

  it("a round that broke an invariant is logged as an error, not a warning", async () => {
    const levels: string[] = [];
    const { timers, loop } = harness({
      round: async () => {
        throw new AssertionError("copies sent: a has 2 in flight, the most allowed is 2");
      },
      log: { warn: () => levels.push("warn"), error: (message) => levels.push(`error: ${message}`) },
    });
    loop.start();
    await timers.advance(1_000);
    expect(levels).toEqual(["error: test round broke an invariant"]);
    await loop.stop();
  });

  it("refuses a non-positive interval and a second start", () => {
    expect(() => harness({ intervalMs: 0 })).toThrow(AssertionError);
    const { loop } = harness();
    loop.start();
    expect(() => loop.start()).toThrow(AssertionError);
    void loop.stop();
  });
});

describe("bounded concurrency of a round's I/O", () => {
  it("runs every item, never more than the limit at once, starting in the items' order", async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await runBounded(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      async (item) => {
        started.push(item);
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, item % 3));
        running -= 1;
      },
    );
    expect(most).toBe(4);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("lets every item finish before rethrowing a failure (work is expected to catch its own)", async () => {
    const done: number[] = [];
    const run = runBounded([1, 2, 3], 2, async (item) => {
      if (item === 1) throw new Error("bug");
      await new Promise((resolve) => setTimeout(resolve, 5));
      done.push(item);
    });
    await expect(run).rejects.toThrow("bug");
    expect(done).toEqual([2, 3]);
    await expect(runBounded([1], 0, async () => undefined)).rejects.toThrow(AssertionError);
  });
});

describe("in-flight budgets", () => {
  it("counts per key and in all, and asserts the limits where a slot is taken (HDFS max-streams)", () => {
    const budget = new InFlightBudget("copies sent", 2, 3);
    budget.take("a");
    budget.take("a");
    expect(budget.hasRoom("a")).toBe(false);
    expect(() => budget.take("a")).toThrow(/copies sent: a has 2 in flight, the most allowed is 2/);
    budget.take("b");
    expect(budget.total).toBe(3);
    expect(budget.hasRoom("c")).toBe(false);
    expect(() => budget.take("c")).toThrow(/3 in flight in all/);
    budget.give("a");
    budget.give("a");
    expect([...budget.counts]).toEqual([["b", 1]]);
  });

  it("asserts nothing is given back that was not taken", () => {
    const budget = new InFlightBudget("deletes", 4);
    expect(() => budget.give("a")).toThrow(AssertionError);
    budget.take("a");
    budget.give("a");
    expect(() => budget.give("a")).toThrow(/a gives back a slot it does not hold/);
    expect(budget.total).toBe(0);
  });
});

describe("untilAborted", () => {
  it("passes a result through, and stops waiting once the signal aborts", async () => {
    const controller = new AbortController();
    expect(await untilAborted(Promise.resolve(7), controller.signal)).toBe(7);
    const never = new Promise<number>(() => undefined);
    const waiting = untilAborted(never, controller.signal);
    controller.abort(new Error("stopping"));
    await expect(waiting).rejects.toThrow("stopping");
    await expect(untilAborted(Promise.resolve(1), controller.signal)).rejects.toThrow("stopping");
  });
});
