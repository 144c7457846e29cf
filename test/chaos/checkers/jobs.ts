// Checker 4, job outputs: a job acknowledged as succeeded produced exactly the known answer
// (the word count of its seeded input), both when it ended and when read again after the heal.
import type { CheckerResult, HistoryOp } from "../types.ts";
import { expectedJobDigest } from "../workloads/jobs.ts";

/** `reread`: each acknowledged job's output digest read after the heal (error text when unreadable). */
export function checkJobs(history: readonly HistoryOp[], reread: ReadonlyMap<string, string | { error: string }> = new Map()): CheckerResult {
  const jobs = history.filter((op) => op.workload === "jobs" && op.f === "job");
  let ok = 0;
  let wrong = 0;
  let lost = 0;
  const anomalies: unknown[] = [];
  for (const op of jobs) {
    if (op.outcome !== "ok") continue;
    ok++;
    const expected = expectedJobDigest(op.value ?? "");
    if (op.result !== expected) {
      wrong++;
      if (anomalies.length < 10) anomalies.push({ problem: "wrong output", op, expected });
      continue;
    }
    const again = reread.get(op.key);
    if (again !== undefined && again !== expected) {
      lost++;
      if (anomalies.length < 10) anomalies.push({ problem: "output changed or lost after heal", op, expected, again });
    }
  }
  return {
    checker: "jobs",
    valid: wrong === 0 && lost === 0,
    summary: `${jobs.length} jobs, ${ok} succeeded: ${wrong} with a wrong output, ${lost} outputs lost after heal`,
    anomalies,
    counts: { jobs: jobs.length, succeeded: ok, wrong, lost },
  };
}
