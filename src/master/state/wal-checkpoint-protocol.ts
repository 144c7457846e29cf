// Messages between the namespace's WAL checkpointer (wal-checkpointer.ts) and its worker
// (wal-checkpoint-worker.ts).

/** The shared state word: no checkpoint running (the worker holds no connection). */
export const CHECKPOINT_IDLE = 0;
/** The shared state word: a checkpoint was asked for and has not finished. */
export const CHECKPOINT_RUNNING = 1;
/** Passes one checkpoint makes to catch up with frames committed while it copied. */
export const CHECKPOINT_PASSES_MAX = 4;

export interface WalCheckpointRequest {
  /** The namespace database (WAL mode, open in the peer's thread). */
  dbPath: string;
  /** One Int32: CHECKPOINT_RUNNING while the worker has the database open, CHECKPOINT_IDLE after. */
  state: SharedArrayBuffer;
}

export type WalCheckpointAnswer = { ok: true; copiedFrames: number; complete: boolean } | { ok: false; error: string };
