// Messages between the namespace and its snapshot worker (snapshot-worker.ts).

export interface SnapshotWorkerRequest {
  /** The namespace database (in WAL mode, open in the peer's thread). */
  dbPath: string;
  /** Where the snapshot file goes (replaced if it exists). */
  outPath: string;
}

export type SnapshotWorkerAnswer = { ok: true; appliedIndex: number; sizeBytes: number } | { ok: false; error: string };
