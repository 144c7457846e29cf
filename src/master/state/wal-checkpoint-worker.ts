// The namespace's WAL checkpointer: a Bun worker that copies the WAL's pages into the database
// file (and syncs both) on a connection of its own, so the peer's thread, which applies every
// Raft entry, never stops for it (wal-checkpointer.ts says why and when).
import { Database, constants } from "bun:sqlite";
import { CHECKPOINT_IDLE, CHECKPOINT_PASSES_MAX, type WalCheckpointAnswer, type WalCheckpointRequest } from "./wal-checkpoint-protocol.ts";

declare const self: Worker;

function checkpoint(dbPath: string): WalCheckpointAnswer {
  const db = new Database(dbPath, { create: false, strict: true });
  try {
    // The peer's connection owns the WAL: this one must never delete it when it closes.
    db.fileControl(constants.SQLITE_FCNTL_PERSIST_WAL, 1);
    const query = db.query<{ busy: number; log: number; checkpointed: number }, []>("PRAGMA wal_checkpoint(PASSIVE)");
    // A pass copies the frames written before it started; the writer may have committed
    // meanwhile. The next pass copies only those, which is quick, so a few passes leave the
    // WAL whole copied, and the writer's next transaction starts it over from its first frame.
    try {
      let copiedFrames = 0;
      for (let pass = 1; ; pass++) {
        const row = query.get();
        if (!row || row.log < 0) return { ok: true, copiedFrames, complete: false };
        copiedFrames = row.checkpointed;
        if (row.checkpointed >= row.log || pass >= CHECKPOINT_PASSES_MAX) return { ok: true, copiedFrames, complete: row.checkpointed >= row.log };
      }
    } finally {
      // A statement left unfinalized keeps the connection, its files and its locks open past
      // close() (a "zombie"), beyond the idle state the namespace waits for.
      query.finalize();
    }
  } finally {
    db.close(true);
  }
}

self.onmessage = (event: MessageEvent<WalCheckpointRequest>) => {
  let answer: WalCheckpointAnswer;
  try {
    answer = checkpoint(event.data.dbPath);
  } catch (err) {
    answer = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  // Idle before the answer: the namespace may be waiting (Atomics.wait) to close or replace
  // the database, and it must not find this connection open.
  const state = new Int32Array(event.data.state);
  Atomics.store(state, 0, CHECKPOINT_IDLE);
  Atomics.notify(state, 0);
  self.postMessage(answer);
};
