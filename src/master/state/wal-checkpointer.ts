// The namespace's WAL checkpoints, off the peer's thread.
//
// In WAL mode SQLite appends every commit's pages to the WAL and, once the WAL holds
// wal_autocheckpoint pages (1,000 by default), copies them back into the database file on the
// connection that committed, right after its commit; with synchronous=NORMAL that checkpoint
// also syncs the WAL and the database file. On a master that connection is the peer's one
// thread, between two Raft batches, which waits for the copy and both syncs. Here the peer's
// connection leaves the checkpoints to a worker thread with its own connection (SQLite lets a
// checkpoint run beside the writer), asked for every CHECKPOINT_AFTER_COMMITS commits. The
// WAL starts over (from its first frame) only at a write that finds it wholly copied, and a
// busy writer may always have added a few frames while the worker copied; so the peer's
// connection keeps a larger wal_autocheckpoint of its own (WAL_FALLBACK_CHECKPOINT_PAGES), at
// which it copies what the worker left (a few frames) and the WAL starts over; that bound also
// holds the WAL if the worker fails. Measured with bench/namespace-apply.ts (nnbench's create
// in batches of 8, quiet machine, two runs each): 46-51 µs of the applying thread's CPU and
// 65-73 µs of wall time per create before, 44-47 µs and 57-60 µs with the worker.
import { CHECKPOINT_IDLE, CHECKPOINT_RUNNING, type WalCheckpointAnswer, type WalCheckpointRequest } from "./wal-checkpoint-protocol.ts";
import { workerEntryUrl } from "../../util/worker-entry.ts";
import { createLogger } from "../../util/log.ts";

/**
 * Commits of the peer's connection between two checkpoints. A commit of four creates writes
 * about nine pages (measured), so this is a WAL of about 10 MiB: large enough that a page
 * written by many commits (the meta row's, an index's hot leaf) is copied once for many of
 * them, small enough that a checkpoint takes milliseconds.
 */
export const CHECKPOINT_AFTER_COMMITS = 256;
/** How long closing or replacing the database waits for a running checkpoint to finish. */
export const CHECKPOINT_WAIT_MS = 30_000;

const log = createLogger("namespace");

export interface WalCheckpointStats {
  /** Checkpoints the worker finished (each of up to CHECKPOINT_PASSES_MAX passes). */
  checkpoints: number;
  /** Of those, the ones that left no frame uncopied (the WAL starts over at the next commit). */
  complete: number;
  failures: number;
}

export class WalCheckpointer {
  private worker: Worker | undefined;
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private commitsSince = 0;
  readonly stats: WalCheckpointStats = { checkpoints: 0, complete: 0, failures: 0 };

  constructor(private readonly dbPath: string) {}

  /** After each commit of the peer's connection: every CHECKPOINT_AFTER_COMMITS, a checkpoint unless one runs. */
  committed(): void {
    if (++this.commitsSince < CHECKPOINT_AFTER_COMMITS) return;
    if (Atomics.load(this.state, 0) !== CHECKPOINT_IDLE) return;
    this.commitsSince = 0;
    this.start();
  }

  /**
   * Before the database is closed or replaced: waits (blocking this thread, at most
   * CHECKPOINT_WAIT_MS) until no checkpoint runs, so no connection of the worker's is open,
   * then ends the worker. A later commit starts a new one.
   */
  stop(): void {
    if (this.worker === undefined) return;
    if (Atomics.wait(this.state, 0, CHECKPOINT_RUNNING, CHECKPOINT_WAIT_MS) === "timed-out") {
      log.warn("a WAL checkpoint still runs after the wait; its worker is ended", { dbPath: this.dbPath, waitMs: CHECKPOINT_WAIT_MS });
    }
    this.worker.terminate();
    this.worker = undefined;
    Atomics.store(this.state, 0, CHECKPOINT_IDLE);
  }

  /** Never throws: it runs after a commit, which must stand whatever becomes of its checkpoint. */
  private start(): void {
    try {
      const worker = (this.worker ??= this.spawn());
      Atomics.store(this.state, 0, CHECKPOINT_RUNNING);
      worker.postMessage({ dbPath: this.dbPath, state: this.state.buffer as SharedArrayBuffer } satisfies WalCheckpointRequest);
    } catch (err) {
      Atomics.store(this.state, 0, CHECKPOINT_IDLE);
      this.stats.failures += 1;
      log.warn("the WAL checkpoint worker could not be started; the namespace's own connection checkpoints past its bound", { dbPath: this.dbPath, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(workerEntryUrl("master/state/wal-checkpoint-worker", new URL("./wal-checkpoint-worker.ts", import.meta.url)));
    worker.onmessage = (event: MessageEvent<WalCheckpointAnswer>) => {
      const answer = event.data;
      if (answer.ok) {
        this.stats.checkpoints += 1;
        if (answer.complete) this.stats.complete += 1;
        return;
      }
      this.stats.failures += 1;
      log.warn("a WAL checkpoint failed; the namespace's own connection checkpoints past its bound", { dbPath: this.dbPath, error: answer.error });
    };
    worker.addEventListener("error", (event) => {
      // A worker that died holds no connection any more: the next commit past the count starts a new one.
      this.stats.failures += 1;
      log.warn("the WAL checkpoint worker failed", { dbPath: this.dbPath, error: (event as ErrorEvent).message });
      if (this.worker === worker) this.worker = undefined;
      worker.terminate();
      Atomics.store(this.state, 0, CHECKPOINT_IDLE);
    });
    // A namespace nobody closed must not keep its process alive.
    worker.unref();
    return worker;
  }
}
