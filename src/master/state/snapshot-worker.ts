// The namespace's snapshot writer: a Bun worker that copies the database into a compact
// snapshot file (VACUUM INTO) on its own SQLite connection, so the peer's thread goes on
// applying entries and answering requests meanwhile (a namespace of a million files takes
// seconds to copy). In WAL mode the copy is one read transaction: a consistent state at one
// applied index, which the worker reads back from the copy and reports.
import { Database } from "bun:sqlite";
import { closeSync, fsyncSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import type { SnapshotWorkerAnswer, SnapshotWorkerRequest } from "./snapshot-worker-protocol.ts";

declare const self: Worker;

/** The database header's write and read format versions: 1 (rollback journal) in a snapshot, as Namespace.snapshotToFile writes them. */
const HEADER_FORMAT_OFFSET = 18;
const BUSY_TIMEOUT_MS = 10_000;

function write(request: SnapshotWorkerRequest): SnapshotWorkerAnswer {
  rmSync(request.outPath, { force: true });
  const source = new Database(request.dbPath, { create: false, strict: true });
  try {
    // The peer's thread writes beside this read; in WAL mode it never blocks it, but a
    // checkpoint may hold a lock for a moment.
    source.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Finalized at once: a statement left alive keeps the connection open past close().
    const vacuum = source.prepare("VACUUM INTO ?");
    try {
      vacuum.run(request.outPath);
    } finally {
      vacuum.finalize();
    }
  } finally {
    source.close();
  }
  const fd = openSync(request.outPath, "r+");
  try {
    writeSync(fd, new Uint8Array([1, 1]), 0, 2, HEADER_FORMAT_OFFSET);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const copy = new Database(request.outPath, { readonly: true, strict: true });
  try {
    const row = copy.query<{ applied_index: number }, []>("SELECT applied_index FROM meta WHERE id = 1").get();
    if (!row) throw new Error("the snapshot copy has no meta row");
    return { ok: true, appliedIndex: row.applied_index, sizeBytes: statSync(request.outPath).size };
  } finally {
    copy.close();
  }
}

self.onmessage = (event: MessageEvent<SnapshotWorkerRequest>) => {
  let answer: SnapshotWorkerAnswer;
  try {
    answer = write(event.data);
  } catch (err) {
    rmSync(event.data.outPath, { force: true });
    answer = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(answer);
};
