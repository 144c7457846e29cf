// Checker 5, fsck: after the last fault, the cluster says HEALTHY within a bound (the repair
// of under-replicated chunks included), as `tessera fs fsck /` or the admin client reports it.
import type { CheckerResult } from "../types.ts";

export interface FsckAnswer {
  readonly status: string;
  readonly underReplicated?: number;
  readonly missing?: number;
  readonly corrupt?: number;
  /** The files that are not HEALTHY (the first ones), so a failure names them. */
  readonly unhealthyFiles?: ReadonlyArray<{ readonly path: string; readonly status: string }>;
}

/** Polls `fsck` until HEALTHY or `boundMs` passes; answers how long it took. */
export async function checkFsck(fsck: () => Promise<FsckAnswer>, boundMs: number, intervalMs = 500): Promise<CheckerResult> {
  const started = performance.now();
  let last: FsckAnswer | undefined;
  let lastError: string | undefined;
  let polls = 0;
  for (;;) {
    polls++;
    try {
      last = await fsck();
      lastError = undefined;
      if (last.status === "HEALTHY") {
        const tookMs = Math.round(performance.now() - started);
        return { checker: "fsck", valid: true, summary: `fsck HEALTHY ${tookMs} ms after the heal (${polls} polls)`, counts: { healthyAfterMs: tookMs } };
      }
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    const elapsed = performance.now() - started;
    if (elapsed > boundMs) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(1, boundMs - elapsed))));
  }
  const files = (last?.unhealthyFiles ?? []).slice(0, 5).map((file) => `${file.path} ${file.status}`);
  const said = last ? `${last.status} (under-replicated ${last.underReplicated ?? "?"}, missing ${last.missing ?? "?"}, corrupt ${last.corrupt ?? "?"}${files.length > 0 ? `; ${files.join(", ")}` : ""})` : "no answer";
  return {
    checker: "fsck",
    valid: false,
    summary: `fsck not HEALTHY within ${boundMs} ms: last ${said}${lastError ? `; last error: ${lastError}` : ""}`,
    anomalies: [last ?? { error: lastError }],
    counts: { healthyAfterMs: -1 },
  };
}
