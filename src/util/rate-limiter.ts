// A token bucket per client key (a remote address): `burst` requests at once, `ratePerSecond`
// sustained, so one client's flood is refused quickly and cannot starve the others; memory is
// bounded by the clients remembered (keysMax, least recently seen forgotten first). Time comes
// from outside (nowMs), so a test drives it.
import { ConfigError } from "./config.ts";

interface Bucket {
  tokens: number;
  atMs: number;
}

/** A token bucket per client key (its remote address): `burst` requests at once, `ratePerSecond` sustained. */
export class RateLimiter {
  private readonly nowMs: () => number;
  /** Buckets by key, least recently used first; at most keysMax. */
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: { ratePerSecond: number; burst: number; keysMax: number; nowMs?: () => number }) {
    for (const [name, value] of [["ratePerSecond", options.ratePerSecond], ["burst", options.burst], ["keysMax", options.keysMax]] as const) {
      if (!Number.isFinite(value) || value < 1) throw new ConfigError(`the rate limiter's ${name} must be at least 1, not ${value}`);
    }
    this.nowMs = options.nowMs ?? (() => performance.now());
  }

  /** Clients remembered now (never more than keysMax). */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes one request's token from the client's bucket; false: answer 429 with a
   * RemoteException (RetriableException) and Retry-After (http/webhdfs-limit.ts). A client
   * forgotten to make room for another starts again with a full bucket: the bound on memory
   * wins over remembering every client of a flood of addresses.
   */
  take(clientKey: string): boolean {
    const now = this.nowMs();
    let bucket = this.buckets.get(clientKey);
    if (bucket) {
      this.buckets.delete(clientKey);
      bucket.tokens = Math.min(this.options.burst, bucket.tokens + ((now - bucket.atMs) * this.options.ratePerSecond) / 1_000);
      bucket.atMs = now;
    } else {
      while (this.buckets.size >= this.options.keysMax) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.options.burst, atMs: now };
    }
    this.buckets.set(clientKey, bucket);
    // The epsilon forgives the rounding of many small refills (a tenth of a token a ms).
    if (bucket.tokens < 1 - 1e-9) return false;
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    return true;
  }
}
