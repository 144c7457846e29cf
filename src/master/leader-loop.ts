// The one mechanism behind the leader's periodic services (garbage collection, decommission,
// re-replication, the voter set, lease recovery, the job scheduler's rounds): a round every
// `intervalMs` while this peer leads, never two rounds at once, a kick that runs one soon, and
// a clean stop. Before it, each service hand-rolled its own timer, its own single-flight flag
// and its own worker pool, each slightly differently (one leaked a rejected round, one could
// not be stopped while a round ran); the services now only say what a round does.
//
// Time comes in: the timers are a TimerSource, so a test drives the loop with a fake clock
// and no sleeps. What a round decides is a pure planner's job (repair/*-plan.ts); the round
// carries the plan out, with its I/O bounded by runBounded and its in-flight work counted by
// an InFlightBudget whose invariants are asserted where a slot is taken and given back.
import { Queue } from "@libp2p/utils";
import { assert, AssertionError } from "../util/assert.ts";
import type { Logger } from "../util/log.ts";

/** Timers, injectable: the system's in production, a fake clock's in tests. */
export interface TimerSource {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_TIMERS: TimerSource = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A kick runs a round after this delay: after the current task, so the event that caused it has settled. */
export const LEADER_LOOP_KICK_DELAY_MS = 0;

export interface LeaderLoopInit<T> {
  /** For logs: which service's round failed. */
  name: string;
  intervalMs: number;
  /** Whether this peer leads now; asked at the start of every round. */
  isLeader(): boolean;
  /** One round on the leader. `signal` aborts when the loop stops: a round stops waiting at its next step. */
  round(signal: AbortSignal): Promise<T>;
  /**
   * Runs instead of a round while this peer follows: forget leader-only soft state (a view
   * built as leader is stale by the time this peer leads again).
   */
  follower?(): void;
  /**
   * Where a timer-driven round's failure goes (runRound's caller sees its own): a warning, or
   * an error when the round broke an invariant (an AssertionError: a bug, not bad weather).
   */
  log: Pick<Logger, "warn" | "error">;
  timers?: TimerSource;
}

/**
 * Runs `round` every `intervalMs` (timed from the ticks, like setInterval, not from the end
 * of rounds) while `isLeader()`, one round at a time.
 */
export class LeaderLoop<T> {
  private readonly timers: TimerSource;
  private tickTimer: unknown;
  private kickTimer: unknown;
  private started = false;
  private stopped = false;
  /** The round running now; runRound joins it (single flight). */
  private current?: Promise<T | undefined>;
  /** A kick came while a round ran: run one more right after it (it may have planned before the kick's cause). */
  private rerun = false;
  private readonly abort = new AbortController();
  /** Rounds run as leader, and rounds that threw. */
  readonly stats = { rounds: 0, failures: 0 };

  constructor(private readonly init: LeaderLoopInit<T>) {
    assert(Number.isFinite(init.intervalMs) && init.intervalMs > 0, `the ${init.name} interval is a positive number of ms, not ${init.intervalMs}`);
    this.timers = init.timers ?? SYSTEM_TIMERS;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Whether a round is running now. */
  get isRunning(): boolean {
    return this.current !== undefined;
  }

  start(): void {
    assert(!this.started, `the ${this.init.name} loop is started once`);
    this.started = true;
    this.scheduleTick();
  }

  /** Stops the timers, aborts the running round's signal and waits for it to end. No round starts after. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.clearTimeout(this.tickTimer);
    this.timers.clearTimeout(this.kickTimer);
    this.tickTimer = this.kickTimer = undefined;
    this.rerun = false;
    this.abort.abort();
    await this.current?.catch(() => undefined);
  }

  /**
   * One round now, or the one already running (rounds never overlap). Resolves with the
   * round's result, or undefined when this peer does not lead or the loop is stopped.
   */
  runRound(): Promise<T | undefined> {
    if (this.current) return this.current;
    if (this.stopped) return Promise.resolve(undefined);
    // Cleared before the round's promise settles, so whoever awaited it may start the next.
    const round: Promise<T | undefined> = this.once().finally(() => {
      assert(this.current === round, `the ${this.init.name} round that ends is the one running`);
      this.current = undefined;
      if (this.rerun && !this.stopped) {
        this.rerun = false;
        void this.runLogged();
      }
    });
    this.current = round;
    return round;
  }

  /**
   * A round soon (after LEADER_LOOP_KICK_DELAY_MS) rather than at the next tick. Kicks
   * coalesce: many before the round starts run one round; a kick during a round runs one
   * more after it.
   */
  kick(): void {
    if (this.stopped || this.kickTimer !== undefined) return;
    this.kickTimer = this.timers.setTimeout(() => {
      this.kickTimer = undefined;
      if (this.current) this.rerun = true;
      else void this.runLogged();
    }, LEADER_LOOP_KICK_DELAY_MS);
  }

  private async once(): Promise<T | undefined> {
    // A microtask first, so runRound has recorded this round before any of it runs: a round
    // whose synchronous part reaches runRound again joins itself instead of starting a second.
    await Promise.resolve();
    if (this.stopped) return undefined;
    if (!this.init.isLeader()) {
      this.init.follower?.();
      return undefined;
    }
    this.stats.rounds += 1;
    return await this.init.round(this.abort.signal);
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    this.tickTimer = this.timers.setTimeout(() => {
      this.scheduleTick();
      void this.runLogged();
    }, this.init.intervalMs);
  }

  private async runLogged(): Promise<void> {
    try {
      await this.runRound();
    } catch (err) {
      this.stats.failures += 1;
      if (err instanceof AssertionError) this.init.log.error(`${this.init.name} round broke an invariant`, { err });
      else this.init.log.warn(`${this.init.name} round failed`, { err });
    }
  }
}

/** Resolves with `promise`, or rejects with the signal's reason once it aborts (the promise runs on, unobserved). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Runs `work` on every item, at most `concurrency` at once, in the items' order (a round's
 * I/O never floods a peer or the network, however big its plan). Waits for all; `work`
 * handles its own failures (one bad item must not cut the others short), so a throw here is a
 * bug and is rethrown once all have settled.
 */
export async function runBounded<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  assert(Number.isSafeInteger(concurrency) && concurrency >= 1, `concurrency is a positive integer, not ${concurrency}`);
  if (items.length === 0) return;
  const queue = new Queue<void>({ concurrency });
  const settled = await Promise.allSettled(items.map((item) => queue.add(() => work(item))));
  const failure = settled.find((outcome) => outcome.status === "rejected");
  if (failure) throw failure.reason;
}

/**
 * Work in flight, counted per key (a peer) and in all, against fixed limits. The planners
 * promise never to exceed them; take() asserts that promise where a slot is taken, and give()
 * that nothing is given back twice, so a planner bug stops loudly instead of flooding a peer.
 */
export class InFlightBudget {
  private readonly byKey = new Map<string, number>();
  private sum = 0;

  constructor(
    /** For the assertion messages: what is counted ("copies sent", "deletes"). */
    readonly what: string,
    readonly perKeyMax: number,
    readonly totalMax = Number.POSITIVE_INFINITY,
  ) {
    assert(perKeyMax >= 1 && totalMax >= 1, `${what}: limits of at least 1`);
  }

  /** In flight for `key` now. */
  count(key: string): number {
    return this.byKey.get(key) ?? 0;
  }

  get total(): number {
    return this.sum;
  }

  /** Keys with work in flight and their counts (what the planners read; zero counts are absent). */
  get counts(): ReadonlyMap<string, number> {
    return this.byKey;
  }

  hasRoom(key: string): boolean {
    return this.count(key) < this.perKeyMax && this.sum < this.totalMax;
  }

  take(key: string): void {
    const count = this.count(key);
    assert(count < this.perKeyMax, `${this.what}: ${key} has ${count} in flight, the most allowed is ${this.perKeyMax}`);
    assert(this.sum < this.totalMax, `${this.what}: ${this.sum} in flight in all, the most allowed is ${this.totalMax}`);
    this.byKey.set(key, count + 1);
    this.sum += 1;
  }

  give(key: string): void {
    const count = this.count(key);
    assert(count > 0, `${this.what}: ${key} gives back a slot it does not hold`);
    assert(this.sum > 0, `${this.what}: a slot is given back with none in flight`);
    if (count === 1) this.byKey.delete(key);
    else this.byKey.set(key, count - 1);
    this.sum -= 1;
  }
}
