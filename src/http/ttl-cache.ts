// Answers asked of the leader, kept for about a second. A burst of scrapes and page loads on one
// peer then costs the leader one request, and a slow leader never makes this peer's pages slow:
// once a first answer is in, a request waits only briefly for a fresher one and otherwise gets
// the last answer with its age. Loads are single-flight: at most one per key is under way.

export interface TtlCacheOptions {
  /** An answer younger than this is served without asking again. */
  ttlMs: number;
  /** With an older answer at hand, a request waits this long for a fresh one before taking the old. */
  staleWaitMs: number;
  /** With no answer yet, a request waits this long, then fails (the load goes on for the next request). */
  firstLoadWaitMs: number;
  /** Keys kept; the oldest idle ones go first. */
  entriesMax: number;
  /** Who answers, for the error sentence when nobody did in time ("the leader"). */
  answerer?: string;
  nowMs?: () => number;
}

export interface Cached<T> {
  value: T;
  /** How old the answer is: 0 when it was just fetched. */
  ageMs: number;
}

/** No answer arrived in time and none was at hand. */
export class CacheWaitTimeoutError extends Error {
  override name = "CacheWaitTimeoutError";
  readonly code = "UNAVAILABLE";
}

interface Entry {
  value?: unknown;
  valueAtMs?: number;
  error?: unknown;
  errorAtMs?: number;
  loading?: Promise<void>;
}

export class TtlCache {
  private readonly entries = new Map<string, Entry>();
  private readonly nowMs: () => number;

  constructor(private readonly options: TtlCacheOptions) {
    this.nowMs = options.nowMs ?? (() => performance.now());
  }

  /** The answer for `key`: a fresh one from the cache, a new one from `load`, or (see above) the last one. */
  async get<T>(key: string, load: () => Promise<T>): Promise<Cached<T>> {
    const entry = this.entry(key);
    const now = this.nowMs();
    const fresh = (atMs: number | undefined) => atMs !== undefined && now - atMs < this.options.ttlMs;
    if (fresh(entry.valueAtMs)) return this.answer<T>(entry);
    // An answer that is an error (a path that does not exist) is kept as long as a value would be.
    if (fresh(entry.errorAtMs) && entry.valueAtMs === undefined) throw entry.error;
    const loading = entry.loading ?? this.load(entry, load);
    const waitMs = entry.valueAtMs === undefined ? this.options.firstLoadWaitMs : this.options.staleWaitMs;
    await waitAtMost(loading, waitMs);
    if (entry.valueAtMs !== undefined) return this.answer<T>(entry);
    if (entry.errorAtMs !== undefined && !entry.loading) throw entry.error;
    throw new CacheWaitTimeoutError(`${this.options.answerer ?? "the leader"} did not answer within ${Math.round(waitMs / 1000)} s; try again shortly`);
  }

  get size(): number {
    return this.entries.size;
  }

  private answer<T>(entry: Entry): Cached<T> {
    return { value: entry.value as T, ageMs: Math.max(0, Math.round(this.nowMs() - entry.valueAtMs!)) };
  }

  private load(entry: Entry, load: () => Promise<unknown>): Promise<void> {
    const loading = (async () => {
      try {
        entry.value = await load();
        entry.valueAtMs = this.nowMs();
        entry.error = undefined;
        entry.errorAtMs = undefined;
      } catch (err) {
        entry.error = err;
        entry.errorAtMs = this.nowMs();
        // A value older than the error would be served as if nothing went wrong: drop it when
        // the error is an answer about the key itself (the file was deleted), keep it when the
        // leader merely did not answer.
        if (!isUnavailable(err)) {
          entry.value = undefined;
          entry.valueAtMs = undefined;
        }
      } finally {
        entry.loading = undefined;
      }
    })();
    entry.loading = loading;
    return loading;
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (entry) return entry;
    entry = {};
    this.entries.set(key, entry);
    if (this.entries.size > this.options.entriesMax) {
      for (const [oldKey, old] of this.entries) {
        if (this.entries.size <= this.options.entriesMax) break;
        if (old !== entry && !old.loading) this.entries.delete(oldKey);
      }
    }
    return entry;
  }
}

/** The leader could not be reached (retry later), as opposed to an answer such as NOT_FOUND. */
export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === undefined || code === "UNAVAILABLE" || code === "NO_LEADER" || code === "NOT_LEADER" || code === "TIMEOUT";
}

async function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
