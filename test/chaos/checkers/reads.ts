// Checker 2, reads: no read returned bytes never written, or a state its path had left before
// the read began. Files: each read against its client's model at its time (a client is the only
// writer of its paths, so the model is exact). Hot keys: a get must return a value some put or
// create tried (else phantom), and not one that an acknowledged put or delete, begun after that
// value's write had returned, had replaced before the get began (else stale).
import type { CheckerResult, HistoryOp } from "../types.ts";
import { replayFiles } from "./files-model.ts";

export function checkReads(history: readonly HistoryOp[]): CheckerResult {
  const files = replayFiles(history).reads;
  let fileStale = 0;
  let filePhantom = 0;
  let unchecked = 0;
  const anomalies: unknown[] = [];
  for (const read of files) {
    if (read.verdict === "unchecked") unchecked++;
    if (read.verdict === "stale") fileStale++;
    if (read.verdict === "phantom") filePhantom++;
    if ((read.verdict === "stale" || read.verdict === "phantom") && anomalies.length < 10) anomalies.push({ kind: read.verdict, op: read.op, expected: read.expected });
  }
  const hot = checkHotReads(history);
  for (const a of hot.anomalies) if (anomalies.length < 10) anomalies.push(a);
  const stale = fileStale + hot.stale;
  const phantom = filePhantom + hot.phantom;
  return {
    checker: "reads",
    valid: stale === 0 && phantom === 0,
    summary: `${files.length + hot.reads} reads checked (${files.length} files, ${hot.reads} hot keys; ${unchecked} of paths left uncertain): ${stale} stale, ${phantom} phantom`,
    anomalies,
    counts: { reads: files.length + hot.reads, stale, phantom, unchecked },
  };
}

function checkHotReads(history: readonly HistoryOp[]): { reads: number; stale: number; phantom: number; anomalies: unknown[] } {
  const ops = history.filter((op) => op.workload === "hot-keys");
  // Every value a put or create may have written (not those certainly refused), by key.
  const writes = new Map<string, Map<string, HistoryOp>>();
  for (const op of ops) {
    if ((op.f === "put" || op.f === "create") && op.value !== undefined && op.outcome !== undefined && op.outcome !== "fail") {
      let byValue = writes.get(op.key);
      if (!byValue) writes.set(op.key, (byValue = new Map()));
      byValue.set(op.value, op);
    }
  }
  // Acknowledged overwrites (put, create, delete) of each key, to find values replaced before a read began.
  const replacing = new Map<string, HistoryOp[]>();
  for (const op of ops) {
    if ((op.f === "put" || op.f === "create" || op.f === "delete") && op.outcome === "ok") {
      let list = replacing.get(op.key);
      if (!list) replacing.set(op.key, (list = []));
      list.push(op);
    }
  }
  let reads = 0;
  let stale = 0;
  let phantom = 0;
  const anomalies: unknown[] = [];
  for (const op of ops) {
    if (op.f !== "get" || op.outcome !== "ok") continue;
    reads++;
    if (op.result === null || op.result === undefined) continue;
    const write = writes.get(op.key)?.get(op.result);
    if (!write) {
      phantom++;
      if (anomalies.length < 10) anomalies.push({ kind: "phantom", op });
      continue;
    }
    // The value's write returned (ok) before a replacing op was called, which returned before the get began.
    if (write.outcome !== "ok" || write.retMs === undefined) continue;
    const writeRet = write.retMs;
    const by = (replacing.get(op.key) ?? []).find((r) => r !== write && r.callMs > writeRet && r.retMs !== undefined && r.retMs < op.callMs);
    if (by) {
      stale++;
      if (anomalies.length < 10) anomalies.push({ kind: "stale", op, replacedBy: by });
    }
  }
  return { reads, stale, phantom, anomalies };
}
