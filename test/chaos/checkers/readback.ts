// Checker 1, readback: after the faults end and the cluster heals, every path the files
// workload named holds what its acknowledged operations left there, byte for byte (a path
// whose last operation ended `info` may hold the state before or after it; a put or append
// that ended `info` may have left a prefix of its bytes, as neither is atomic). A path that
// lost an acknowledged write is counted lost; an acknowledged delete undone, resurrected.
import type { CheckerResult, HistoryOp } from "../types.ts";
import { accepts, digestOrNull, replayFiles, type Content } from "./files-model.ts";

/** What reading a path back answered: its bytes, null when absent, or the error that kept it unread. */
export type Observed = Content | { readonly error: string };

export function checkReadback(history: readonly HistoryOp[], observed: ReadonlyMap<string, Observed>): CheckerResult {
  const { finals, past, acked } = replayFiles(history);
  let lost = 0;
  let resurrected = 0;
  let corrupt = 0;
  let unreadable = 0;
  let checked = 0;
  let uncertain = 0;
  const anomalies: unknown[] = [];
  for (const [path, state] of finals) {
    const seen = observed.get(path);
    if (seen === undefined) continue;
    checked++;
    if (state.kind === "uncertain") uncertain++;
    if (seen !== null && !(seen instanceof Uint8Array)) {
      unreadable++;
      lost++;
      if (anomalies.length < 10) anomalies.push({ path, problem: "unreadable after heal", error: seen.error });
      continue;
    }
    if (accepts(state, seen)) continue;
    const expectedContent = state.kind === "known" ? state.content : undefined;
    const actual = digestOrNull(seen);
    if (expectedContent === null) {
      resurrected++;
      if (anomalies.length < 10) anomalies.push({ path, problem: "deleted, but reads back", actual, lastOp: lastOpOn(history, path) });
      continue;
    }
    lost++;
    const wasEarlier = past.get(path)?.has(actual) ?? false;
    if (seen !== null && !wasEarlier) corrupt++;
    if (anomalies.length < 10) {
      anomalies.push({
        path,
        problem: seen === null ? "missing" : wasEarlier ? "rolled back to an earlier state" : "bytes never written here",
        expected: expectedContent === undefined ? "one of the states around an info op" : digestOrNull(expectedContent),
        actual,
        lastOp: lastOpOn(history, path),
      });
    }
  }
  const notRead = [...finals.keys()].filter((path) => !observed.has(path)).length;
  const valid = lost === 0 && resurrected === 0 && notRead === 0;
  return {
    checker: "readback",
    valid,
    summary: `${checked} paths read back after heal (${acked.length} acknowledged writes, ${uncertain} paths left uncertain by info ops): ${lost} lost${unreadable ? ` (${unreadable} unreadable)` : ""}, ${corrupt} corrupt, ${resurrected} deletes undone${notRead ? `, ${notRead} not read back` : ""}`,
    anomalies,
    counts: { paths: checked, ackedWrites: acked.length, lost, corrupt, resurrected, unreadable, notRead, uncertain },
  };
}

/** The paths readback must read: every path the files workload named. */
export function pathsToReadBack(history: readonly HistoryOp[]): string[] {
  return [...replayFiles(history).finals.keys()].sort();
}

function lastOpOn(history: readonly HistoryOp[], path: string): HistoryOp | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const op = history[i]!;
    if (op.workload === "files" && (op.key === path || op.to === path) && op.outcome !== "fail" && op.f !== "read") return op;
  }
  return undefined;
}
