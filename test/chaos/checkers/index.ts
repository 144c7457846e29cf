// The chaos run's checkers (issue 18). Contract only: the checkers helper fills this in.
import type { CheckerResult, HistoryOp } from "../types.ts";
import type { WorkloadTarget } from "../workloads/index.ts";

/**
 * Every checker over a finished history, run once the faults have ended and the cluster
 * healed: reads back every acknowledged write, looks for stale and phantom reads, checks the
 * namespace and hot keys for linearizability, compares job outputs, and waits (up to
 * `fsckBoundMs`) for fsck to say HEALTHY.
 */
export async function checkAll(_history: readonly HistoryOp[], _target: WorkloadTarget, _options: { fsckBoundMs: number }): Promise<CheckerResult[]> {
  throw new Error("not yet: the checkers helper builds these");
}
