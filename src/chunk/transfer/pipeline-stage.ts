// One stage of a write pipeline: what a replica does with the packets it receives, and what
// the client does with the packets it cuts. A stage forwards each packet downstream at once
// and writes it into its local ChunkWriter at the same time (streaming, never waiting for the
// whole chunk); it acknowledges a packet once it is written here AND every replica below has
// acknowledged it; at the end it commits locally while the commit travels down, and reports
// success only when its own commit and every commit below have succeeded ("a write is
// acknowledged only when every replica in the pipeline has it durably").
//
// Failure: the first PipelineError wins; the local writer is aborted (or, if the local commit
// already happened, the chunk version is deleted again), the downstream link is reset (so the
// replicas below abort too), and the stage's owner reports the error upstream.
//
// A watchdog fails a stage that makes no progress while work is outstanding. Its deadlines
// grow by WRITE_TIMEOUT_STEP_MS per replica below, so the stage nearest a stall fires first
// and its report, naming the stalled peer, reaches the client before anyone above gives up.
import type { Uint8ArrayList } from "uint8arraylist";
import type { Logger } from "../../util/log.ts";
import { assert } from "../../util/assert.ts";
import { isChunkStoreError } from "../store/errors.ts";
import { isNoSpaceError } from "../../util/disk-full.ts";
import type { ChunkInfo, ChunkStore, ChunkWriter } from "../store/store.ts";
import { WRITE_ACK_TIMEOUT_MS_BASE, WRITE_COMMIT_TIMEOUT_MS_BASE, WRITE_TIMEOUT_STEP_MS } from "./data-constants.ts";
import { PipelineError, wireMessage } from "./data-errors.ts";
import type { Downstream, DownstreamListener, ReplicaResult } from "./pipeline-downstream.ts";

/** How often the watchdog looks; deadlines are tens of seconds, so a second is fine-grained enough. */
const WATCHDOG_INTERVAL_MS = 1_000;

export interface StageInit {
  chunkId: string;
  version: number;
  /** This peer's id: named when the local writer fails. */
  selfId: string;
  /** The local replica, when this stage holds one, and its store (for undoing a commit). */
  local?: { writer: ChunkWriter; store: ChunkStore };
  downstream?: Downstream;
  log: Logger;
  /** The highest packet acknowledged by this stage and everything below rose to `seq`. */
  onAck?(seq: number): void;
  onFail?(error: PipelineError): void;
}

export function storeFailure(peer: string, err: unknown): PipelineError {
  if (err instanceof PipelineError) return err;
  // A full disk is said in so many words: the writer leaves this peer out of the next pipeline.
  if (isNoSpaceError(err)) return new PipelineError("STORE", peer, `the disk of peer ${peer} is full: ${wireMessage(err)}`, "DISK_FULL");
  return new PipelineError("STORE", peer, wireMessage(err), isChunkStoreError(err) ? err.code : undefined);
}

export class PipelineStage implements DownstreamListener {
  failure: PipelineError | undefined;
  /** Settles once the local replica is aborted or undone after a failure. */
  cleanup: Promise<void> = Promise.resolve();
  private readonly local: StageInit["local"];
  private readonly downstream: Downstream | undefined;
  private lastSeq = -1;
  private localWrittenSeq = -1;
  private ackedSeq = -1;
  private writeChain: Promise<void> = Promise.resolve();
  private localCommit: Promise<ChunkInfo> | undefined;
  private localCommitted = false;
  private committing = false;
  private done = false;
  private waiters: Array<() => void> = [];
  private lastProgressMs = performance.now();
  private readonly watchdog: ReturnType<typeof setInterval>;
  private readonly ackTimeoutMs: number;
  private readonly commitTimeoutMs: number;
  private rejectFailed!: (error: PipelineError) => void;
  /** Rejects with the failure, for racing against any wait. */
  private readonly failed = new Promise<never>((_, reject) => {
    this.rejectFailed = reject;
  });

  constructor(private readonly init: StageInit) {
    this.failed.catch(() => {});
    this.local = init.local;
    this.downstream = init.downstream;
    const replicasBelow = this.downstream?.replicaCount ?? 0;
    this.ackTimeoutMs = WRITE_ACK_TIMEOUT_MS_BASE + replicasBelow * WRITE_TIMEOUT_STEP_MS;
    this.commitTimeoutMs = WRITE_COMMIT_TIMEOUT_MS_BASE + replicasBelow * WRITE_TIMEOUT_STEP_MS;
    this.watchdog = setInterval(() => this.checkProgress(), WATCHDOG_INTERVAL_MS);
    this.downstream?.attach(this);
  }

  /** Highest packet acknowledged by this stage and every replica below. */
  get acked(): number {
    return this.ackedSeq;
  }

  /**
   * Takes packet `seq` (its CRCs already checked, `blockCrcs`): queues it downstream and
   * locally; the local writer takes the checked CRCs rather than computing them again.
   * Returns false when the downstream stream asks the sender to wait for a drain (see drain()).
   */
  packet(seq: number, frame: Uint8Array, payload: Uint8Array | Uint8ArrayList, blockCrcs?: Uint8Array): boolean {
    if (this.failure) throw this.failure;
    assert(seq === this.lastSeq + 1, "packets arrive in order");
    assert(!this.committing, "no packet after the commit");
    this.lastSeq = seq;
    const writable = this.downstream ? this.downstream.forwardPacket(seq, frame, payload) : true;
    const local = this.local;
    if (local) {
      this.writeChain = this.writeChain.then(async () => {
        if (this.failure) return;
        try {
          if (blockCrcs && local.writer.writeChecked) await local.writer.writeChecked(payload, blockCrcs);
          else if (payload instanceof Uint8Array) await local.writer.write(payload);
          else for (const piece of payload) await local.writer.write(piece);
        } catch (err) {
          this.fail(storeFailure(this.init.selfId, err));
          return;
        }
        this.localWrittenSeq = seq;
        this.progress(true);
      });
    } else {
      this.localWrittenSeq = seq;
      this.progress(false);
    }
    return writable;
  }

  /** Resolves once at most `window` packets before `seq` are unacknowledged. */
  async waitWindow(seq: number, window: number): Promise<void> {
    while (seq - this.ackedSeq > window) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
  }

  async drain(timeoutMs: number): Promise<void> {
    await this.downstream?.drain(timeoutMs);
    if (this.failure) throw this.failure;
  }

  /**
   * Sends the commit down, commits locally meanwhile, and returns every replica's result from
   * this stage down once all have committed with the expected checksum digest.
   */
  async commit(commitFrame: Uint8Array, digest: number): Promise<ReplicaResult[]> {
    if (this.failure) throw this.failure;
    assert(!this.committing, "one commit per stage");
    this.committing = true;
    this.lastProgressMs = performance.now();
    this.downstream?.forward(commitFrame);
    const [mine, below] = await Promise.race([Promise.all([this.commitLocal(digest), this.downstreamCommitted()]), this.failed]);
    if (this.failure) throw this.failure;
    for (const replica of below) {
      if (replica.checksumDigest !== digest) {
        this.fail(new PipelineError("DIGEST_MISMATCH", replica.peerId, `committed digest ${replica.checksumDigest}, expected ${digest}`));
        throw this.failure!;
      }
    }
    this.finish();
    return mine ? [mine, ...below] : below;
  }

  /** Fails the stage (first failure wins): undoes the local replica, resets the link below. */
  fail(error: PipelineError): void {
    if (this.failure || this.done) return;
    this.failure = error;
    this.rejectFailed(error);
    this.finish();
    this.downstream?.abort(error);
    this.cleanup = this.undoLocal();
    this.init.log.debug("pipeline stage failed", { chunk: this.init.chunkId, code: error.code, failedPeer: error.failedPeer, reason: error.reason });
    this.init.onFail?.(error);
  }

  onDownstreamProgress(): void {
    this.progress(true);
  }

  onDownstreamFailed(error: PipelineError): void {
    this.fail(error);
  }

  private finish(): void {
    if (!this.failure) this.done = true;
    clearInterval(this.watchdog);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private progress(observed: boolean): void {
    if (observed) this.lastProgressMs = performance.now();
    const downstreamAcked = this.downstream ? this.downstream.ackedSeq : Number.POSITIVE_INFINITY;
    const acked = Math.min(this.localWrittenSeq, downstreamAcked);
    if (acked > this.ackedSeq) {
      this.ackedSeq = acked;
      this.init.onAck?.(acked);
    }
    if (this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  private async commitLocal(digest: number): Promise<ReplicaResult | undefined> {
    const local = this.local;
    if (!local) return undefined;
    await this.writeChain;
    if (this.failure) return undefined;
    this.localCommit = local.writer.commit();
    let info: ChunkInfo;
    try {
      info = await this.localCommit;
    } catch (err) {
      this.fail(storeFailure(this.init.selfId, err));
      return undefined;
    }
    this.localCommitted = true;
    this.lastProgressMs = performance.now();
    if (info.checksumDigest !== digest) {
      this.fail(new PipelineError("DIGEST_MISMATCH", this.init.selfId, `committed digest ${info.checksumDigest}, expected ${digest}`));
      return undefined;
    }
    return { peerId: this.init.selfId, sizeBytes: info.sizeBytes, blockCount: info.blockCount, checksumDigest: info.checksumDigest };
  }

  private async downstreamCommitted(): Promise<ReplicaResult[]> {
    const downstream = this.downstream;
    if (!downstream) return [];
    while (!downstream.committed) {
      if (this.failure) return [];
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return downstream.committed;
  }

  /** Nothing of a failed pipeline stays visible here. */
  private async undoLocal(): Promise<void> {
    const local = this.local;
    if (!local) return;
    await this.writeChain;
    try {
      if (this.localCommit) {
        await this.localCommit.catch(() => {});
        if (this.localCommitted) await local.store.delete(this.init.chunkId, this.init.version);
      } else {
        await local.writer.abort();
      }
    } catch (err) {
      this.init.log.warn("could not undo the local replica of a failed pipeline", { chunk: this.init.chunkId, version: this.init.version, err });
    }
  }

  private checkProgress(): void {
    if (this.failure || this.done) return;
    const now = performance.now();
    const outstanding = this.committing || this.lastSeq > this.ackedSeq;
    if (!outstanding) {
      this.lastProgressMs = now;
      return;
    }
    const limitMs = this.committing ? this.commitTimeoutMs : this.ackTimeoutMs;
    if (now - this.lastProgressMs < limitMs) return;
    // Blame this peer when its own writer is the one behind; else the link below.
    const localBehind = this.local !== undefined && (this.committing ? !this.localCommitted : this.localWrittenSeq <= this.ackedSeq);
    const blamed = localBehind || !this.downstream ? this.init.selfId : this.downstream.target;
    const what = this.committing ? "commit" : `ack of packet ${this.ackedSeq + 1}`;
    this.fail(new PipelineError("TIMEOUT", blamed, `no ${what} within ${limitMs} ms`));
  }
}
