// The scrubber (GFS §5.2, HDFS's block scanner): every chunk server rereads each chunk it
// holds and checks it against its checksums in the background, so a replica that rotted on
// disk is found before a reader needs it, while other replicas are still good. A corrupt
// replica is reported (the peer wiring sends it to the leader as "reportBadReplica"); the
// leader stops counting it, copies a good replica, then deletes the bad one.
//
// Bounded: the scrubber reads at most SCRUB_BYTES_PER_SECOND_DEFAULT, so it never takes the
// disk from clients, and starts a new pass once per period; a pass that takes longer than the
// period (a very full disk) is followed at once by the next.
import type { Logger } from "../../util/log.ts";
import type { ChunkStore } from "./store.ts";
import { ChunkNotFoundError, StaleChunkError } from "./errors.ts";

/** Read rate of a pass: a few percent of one disk, so clients never notice. */
export const SCRUB_BYTES_PER_SECOND_DEFAULT = 32 * 1024 * 1024;
/**
 * A pass starts this often (HDFS scans every 3 weeks). A week finds rot well within the
 * lifetime of the other replicas; at 32 MiB/s a pass covers ~19 TB in a week.
 */
export const SCRUB_PERIOD_MS_DEFAULT = 7 * 24 * 60 * 60 * 1000;

export interface CorruptReplica {
  chunkId: string;
  version: number;
  reason: string;
}

export interface ScrubberInit {
  store: ChunkStore;
  /** Tells the leader; a failure is logged and the next pass reports again. */
  report(replica: CorruptReplica): Promise<void>;
  log: Logger;
  bytesPerSecond?: number;
  periodMs?: number;
}

export interface ScrubPassResult {
  chunksVerified: number;
  bytesVerified: number;
  corrupt: CorruptReplica[];
}

export class Scrubber {
  private readonly bytesPerSecond: number;
  private readonly periodMs: number;
  private stopped = true;
  private loop?: Promise<void>;
  private wake?: () => void;
  private timer?: ReturnType<typeof setTimeout>;
  /** Figures for tests and metrics. */
  readonly stats = { passes: 0, chunksVerified: 0, bytesVerified: 0, corruptFound: 0 };

  constructor(private readonly init: ScrubberInit) {
    this.bytesPerSecond = init.bytesPerSecond ?? SCRUB_BYTES_PER_SECOND_DEFAULT;
    this.periodMs = init.periodMs ?? SCRUB_PERIOD_MS_DEFAULT;
    if (!(this.bytesPerSecond > 0)) throw new RangeError(`the scrub rate must be positive, not ${this.bytesPerSecond} bytes per second`);
    if (!(this.periodMs > 0)) throw new RangeError(`the scrub period must be positive, not ${this.periodMs} ms`);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
  }

  /** One pass over every chunk held, at the bounded rate. Public so tests can drive it. */
  async runPass(): Promise<ScrubPassResult> {
    const started = performance.now();
    const result: ScrubPassResult = { chunksVerified: 0, bytesVerified: 0, corrupt: [] };
    // list() is lazy: chunks committed during the pass may be seen, deleted ones are skipped.
    for await (const entry of this.init.store.list()) {
      if (this.stopped && this.loop) break;
      let verdict;
      try {
        verdict = await this.init.store.verify(entry.id, entry.version);
      } catch (err) {
        // Deleted or replaced since listed: nothing to check.
        if (err instanceof ChunkNotFoundError || err instanceof StaleChunkError) continue;
        this.init.log.warn("could not verify a chunk", { chunk: entry.id, err });
        continue;
      }
      result.chunksVerified += 1;
      result.bytesVerified += entry.sizeBytes;
      this.stats.chunksVerified += 1;
      this.stats.bytesVerified += entry.sizeBytes;
      if (!verdict.ok) {
        const replica = { chunkId: entry.id, version: entry.version, reason: verdict.reason };
        result.corrupt.push(replica);
        this.stats.corruptFound += 1;
        this.init.log.warn("the scrubber found a corrupt replica", { chunk: entry.id, version: entry.version, reason: verdict.reason });
        await this.init.report(replica).catch((err: unknown) => this.init.log.warn("could not report a corrupt replica", { chunk: entry.id, err }));
      }
      // Rate limit: never ahead of bytesPerSecond since the pass began.
      const dueMs = (result.bytesVerified / this.bytesPerSecond) * 1000 - (performance.now() - started);
      if (dueMs > 0) await this.sleep(dueMs);
    }
    this.stats.passes += 1;
    return result;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const started = performance.now();
      try {
        await this.runPass();
      } catch (err) {
        this.init.log.warn("a scrub pass failed", { err });
      }
      const restMs = this.periodMs - (performance.now() - started);
      if (restMs > 0) await this.sleep(restMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped && this.loop) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }
}
