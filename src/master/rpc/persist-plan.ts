// Which ASYNC_THROUGH files the leader's persister starts now (issue 16, docs/cache.md): a
// pure planner. A file TO_BE_PERSISTED is taken once it is closed and its mtime is older
// than a grace (a CACHE_THROUGH or THROUGH writer persists its own file right after close;
// the grace leaves it that chance, and a second persist of the same bytes is harmless:
// markPersisted checks the file's id and length). Failures back off exponentially per file;
// at most PERSISTS_IN_FLIGHT_MAX run at once.

/** Persists running at once on the leader (each reads a whole file through a peer). */
export const PERSISTS_IN_FLIGHT_MAX = 4;
/** A closed TO_BE_PERSISTED file younger than this is left to its writer (CACHE_THROUGH, THROUGH). */
export const PERSIST_GRACE_MS = 5_000;
/** The first retry waits this long; each failure doubles it, up to PERSIST_BACKOFF_MAX_MS. */
export const PERSIST_BACKOFF_BASE_MS = 1_000;
export const PERSIST_BACKOFF_MAX_MS = 5 * 60_000;

export interface PersistCandidateView {
  fileId: number;
  path: string;
  mtimeMs: number;
  closed?: boolean;
}

export interface PersistRetry {
  failures: number;
  /** No attempt before this. */
  notBeforeMs: number;
}

export interface PersistPlanInput {
  candidates: readonly PersistCandidateView[];
  nowMs: number;
  /** File ids being persisted now. */
  /** The file ids being persisted now (a set, or the keys of a map of their runs). */
  inFlight: { readonly size: number; has(fileId: number): boolean };
  retries: ReadonlyMap<number, PersistRetry>;
  graceMs?: number;
  inFlightMax?: number;
}

/** The candidates to persist now, in the order given (the namespace's: oldest ids first). */
export function planPersists(input: PersistPlanInput): PersistCandidateView[] {
  const graceMs = input.graceMs ?? PERSIST_GRACE_MS;
  let slots = (input.inFlightMax ?? PERSISTS_IN_FLIGHT_MAX) - input.inFlight.size;
  const out: PersistCandidateView[] = [];
  for (const candidate of input.candidates) {
    if (slots <= 0) break;
    if (candidate.closed === false) continue;
    if (input.inFlight.has(candidate.fileId)) continue;
    if (input.nowMs - candidate.mtimeMs < graceMs) continue;
    const retry = input.retries.get(candidate.fileId);
    if (retry && input.nowMs < retry.notBeforeMs) continue;
    out.push(candidate);
    slots -= 1;
  }
  return out;
}

/** The wait before the next attempt after `failures` failures in a row (1, 2, 4 ... s, capped). */
export function persistBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  const exponent = Math.min(failures - 1, 30);
  return Math.min(PERSIST_BACKOFF_BASE_MS * 2 ** exponent, PERSIST_BACKOFF_MAX_MS);
}

/** The retry state after a failure at `nowMs`. */
export function afterFailure(previous: PersistRetry | undefined, nowMs: number): PersistRetry {
  const failures = (previous?.failures ?? 0) + 1;
  return { failures, notBeforeMs: nowMs + persistBackoffMs(failures) };
}
