// Admission control for a server's client-facing requests (issue 18, overload): at most
// `inFlightMax` requests are served at once, at most `queueMax` more wait for a slot in
// arrival order, and none waits longer than `queueTimeoutMs`. Past those bounds a request is
// refused at once with the error `refuse` makes (the servers pass protocol/errors.ts's
// OverloadedError: the wire's OVERLOADED, retryable, HTTP 503), which costs a small fraction
// of serving it. Bounded work in progress keeps the peer's event loop
// free for what must never wait behind clients: Raft's messages, whose timing elects leaders,
// and the membership heartbeats whose silence declares a peer dead.
//
// Pure apart from the clock and the one timer it asks for (both injected), so a test drives
// time exactly (STYLE.md §1, §5).
import { ConfigError } from "./config.ts";

export interface AdmissionLimits {
  /** Requests served at once. */
  inFlightMax: number;
  /** Requests waiting for a slot at most; one more is refused at once. */
  queueMax: number;
  /** A request waiting longer than this is refused: its client does better to back off and retry. */
  queueTimeoutMs: number;
}

export interface AdmissionClock {
  nowMs(): number;
  /** Runs `fire` after `ms`; the answer cancels it. */
  setTimer(fire: () => void, ms: number): () => void;
}

export const REAL_CLOCK: AdmissionClock = {
  nowMs: () => performance.now(),
  setTimer: (fire, ms) => {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
};

/** The refusal when no `refuse` is given (tests); servers give protocol/errors.ts's OverloadedError. */
export class AdmissionRefusedError extends Error {
  override name = "AdmissionRefusedError";
}

export interface AdmissionInit {
  /** What is limited, for the refusal's sentence ("this peer's metadata service"). */
  what: string;
  limits: AdmissionLimits;
  clock?: AdmissionClock;
  /**
   * Why the process cannot take more work right now whatever the counts say (its event loop
   * is late: LoopLag.busyReason), or undefined. A request is then refused unless fewer than
   * an eighth of inFlightMax are under way: work already admitted goes on, enough is still
   * taken to keep Raft's group commits full, and the excess is not queued behind it.
   */
  busyReason?: () => string | undefined;
  /** The error a refusal rejects with, from its one sentence. */
  refuse?: (message: string) => Error;
}

export interface AdmissionStats {
  inFlight: number;
  queued: number;
  admitted: number;
  refusedQueueFull: number;
  refusedQueueTimeout: number;
  /** Refused because the process was busy (busyReason), whatever the counts. */
  refusedBusy: number;
}

interface Waiter {
  admit(release: () => void): void;
  refuse(err: Error): void;
  cancelTimer: () => void;
  /** Admitted or refused already (the timer and a freed slot may race). */
  settled: boolean;
}

export function validateAdmissionLimits(limits: AdmissionLimits, what: string): void {
  for (const [name, value, min] of [["inFlightMax", limits.inFlightMax, 1], ["queueMax", limits.queueMax, 0], ["queueTimeoutMs", limits.queueTimeoutMs, 1]] as const) {
    if (!Number.isInteger(value) || value < min) throw new ConfigError(`${what}'s ${name} must be a whole number of at least ${min}, not ${value}`);
  }
}

export class AdmissionLimiter {
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  /** Index of the queue's head (the array is compacted now and then, not shifted per request). */
  private head = 0;
  private readonly counts = { admitted: 0, refusedQueueFull: 0, refusedQueueTimeout: 0, refusedBusy: 0 };

  readonly limits: AdmissionLimits;
  private readonly what: string;
  private readonly clock: AdmissionClock;
  private readonly busyReason: () => string | undefined;
  private readonly refuse: (message: string) => Error;

  constructor(init: AdmissionInit) {
    const { what, limits } = init;
    validateAdmissionLimits(limits, what);
    this.what = what;
    this.limits = limits;
    this.clock = init.clock ?? REAL_CLOCK;
    this.busyReason = init.busyReason ?? (() => undefined);
    this.refuse = init.refuse ?? ((message) => new AdmissionRefusedError(message));
    this.busyInFlightMax = Math.max(1, Math.floor(limits.inFlightMax / 8));
  }

  /** The in-flight bound while the process is busy (busyReason). */
  readonly busyInFlightMax: number;

  get stats(): AdmissionStats {
    return { inFlight: this.inFlight, queued: this.queue.length - this.head, ...this.counts };
  }

  /**
   * A slot for one request: at once while fewer than inFlightMax are served, else after the
   * requests queued before it. Rejects with `refuse`'s error when the queue is full or the wait
   * passes queueTimeoutMs. The answer must be called once when the request is done.
   */
  acquire(): Promise<() => void> {
    const busy = this.busyReason();
    if (busy !== undefined && this.inFlight >= this.busyInFlightMax) {
      this.counts.refusedBusy += 1;
      return Promise.reject(this.refusal(busy));
    }
    if (this.inFlight < this.limits.inFlightMax && this.queued === 0) return Promise.resolve(this.take());
    if (this.queued >= this.limits.queueMax) {
      this.counts.refusedQueueFull += 1;
      return Promise.reject(this.refusal(`${this.limits.inFlightMax} requests under way and ${this.limits.queueMax} waiting`));
    }
    return new Promise<() => void>((resolve, reject) => {
      const waiter: Waiter = {
        admit: resolve,
        refuse: reject,
        settled: false,
        cancelTimer: () => {},
      };
      waiter.cancelTimer = this.clock.setTimer(() => {
        if (waiter.settled) return;
        waiter.settled = true;
        this.counts.refusedQueueTimeout += 1;
        // Out of the queue at once, so it counts against queueMax no longer (O(queueMax) at most).
        const index = this.queue.indexOf(waiter, this.head);
        if (index >= 0) this.queue.splice(index, 1);
        reject(this.refusal(`this request waited ${this.limits.queueTimeoutMs} ms for one of ${this.limits.inFlightMax} slots`));
      }, this.limits.queueTimeoutMs);
      this.queue.push(waiter);
    });
  }

  /** Runs `work` in a slot (acquire, then release however it ends). */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  private get queued(): number {
    return this.queue.length - this.head;
  }

  private take(): () => void {
    this.inFlight += 1;
    this.counts.admitted += 1;
    let released = false;
    return () => {
      if (released) return; // a second call is a no-op, never a second slot
      released = true;
      this.inFlight -= 1;
      this.admitNext();
    };
  }

  /** Gives freed slots to the oldest waiters still waiting. */
  private admitNext(): void {
    while (this.inFlight < this.limits.inFlightMax && this.head < this.queue.length) {
      const waiter = this.queue[this.head]!;
      this.queue[this.head] = undefined as unknown as Waiter;
      this.head += 1;
      if (waiter.settled) continue;
      waiter.settled = true;
      waiter.cancelTimer();
      waiter.admit(this.take());
    }
    // Drop the consumed prefix once it is most of the array: amortized O(1) per request.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private refusal(why: string): Error {
    return this.refuse(`${this.what} is overloaded (${why}); it refused this request: retry after a short backoff`);
  }
}
