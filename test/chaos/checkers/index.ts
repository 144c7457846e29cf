// The chaos run's checkers (issue 18), each over the finished history, after the faults ended
// and the cluster healed: readback.ts (every acknowledged write reads back exactly), reads.ts
// (no stale or phantom read), linearizable.ts (each hot key a linearizable register),
// jobs.ts (job outputs equal the known answers), fsck.ts (HEALTHY within a bound). `checkAll`
// gathers what the pure checkers need from the cluster; `summarize` makes the report's table.
import type { ClusterClient } from "../../../src/client/cluster.ts";
import { codeOf } from "../../../src/protocol/errors.ts";
import { withTimeout } from "../history.ts";
import type { CheckerResult, HistoryOp } from "../types.ts";
import { closeQuietly, connectClient, OP_TIMEOUT_MS, prng, sleep } from "../workloads/common.ts";
import { hotKeyPath, hotValueOf } from "../workloads/hot-keys.ts";
import type { WorkloadTarget } from "../workloads/index.ts";
import { outputLinesOf, wordCountDigest } from "../workloads/jobs.ts";
import { checkFsck } from "./fsck.ts";
import { checkJobs } from "./jobs.ts";
import { checkHotKeysLinearizable, type FinalRead } from "./linearizable.ts";
import { checkReadback, pathsToReadBack, type Observed } from "./readback.ts";
import { checkReads } from "./reads.ts";

export { checkFsck, checkJobs, checkHotKeysLinearizable, checkReadback, checkReads };

/** Attempts at reading one path back before it counts as unreadable (each bounded by OP_TIMEOUT_MS). */
const READBACK_ATTEMPTS = 4;
/** Paths read back at once. */
const READBACKS_IN_FLIGHT = 8;
/** Connecting to the healed cluster at most this long. */
const CONNECT_AFTER_HEAL_MS = 60_000;

/**
 * Every checker over a finished history, run once the faults have ended and the cluster
 * healed: reads back every acknowledged write, looks for stale and phantom reads, checks the
 * namespace and hot keys for linearizability, compares job outputs, and waits (up to
 * `fsckBoundMs`) for fsck to say HEALTHY.
 */
export async function checkAll(history: readonly HistoryOp[], target: WorkloadTarget, options: { fsckBoundMs: number }): Promise<CheckerResult[]> {
  const client = await connectClient(target, prng(1), undefined, CONNECT_AFTER_HEAL_MS);
  if (!client) {
    const none = (checker: string): CheckerResult => ({ checker, valid: false, summary: `no client could connect to the cluster within ${CONNECT_AFTER_HEAL_MS} ms after the heal` });
    return [none("fsck"), none("readback"), checkReads(history), none("linearizable"), none("jobs")];
  }
  try {
    const fsck = await checkFsck(() => client.admin.fsck("/"), options.fsckBoundMs);
    // Readback of every path of the files workload.
    const observed = new Map<string, Observed>();
    await eachAtMost(READBACKS_IN_FLIGHT, pathsToReadBack(history), async (path) => {
      observed.set(path, await readBack(client, path));
    });
    // A final get of every hot key, closing its history.
    const endMs = history.reduce((max, op) => Math.max(max, op.retMs ?? op.callMs), 0) + 1;
    const finals: FinalRead[] = [];
    for (const key of new Set(history.filter((op) => op.workload === "hot-keys").map((op) => op.key))) {
      const seen = await readBack(client, hotKeyPath(key));
      if (seen === null || seen instanceof Uint8Array) finals.push({ key, value: seen === null ? null : hotValueOf(seen), atMs: endMs });
    }
    // Every acknowledged job's output, read again.
    const reread = new Map<string, string | { error: string }>();
    for (const op of history) {
      if (op.workload !== "jobs" || op.outcome !== "ok") continue;
      reread.set(op.key, await retried(() => outputLinesOf(client, op.key).then(wordCountDigest)).catch((err: unknown) => ({ error: String(err) })));
    }
    return [fsck, checkReadback(history, observed), checkReads(history), checkHotKeysLinearizable(history, finals), checkJobs(history, reread)];
  } finally {
    await closeQuietly(client);
  }
}

/** `work` over `items`, at most `limit` at once. */
async function eachAtMost<T>(limit: number, items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function readBack(client: ClusterClient, path: string): Promise<Observed> {
  try {
    return await retried(() => client.fs.readFile(path));
  } catch (err) {
    if (codeOf(err) === "NOT_FOUND") return null;
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** `work` tried up to READBACK_ATTEMPTS times, each within OP_TIMEOUT_MS; NOT_FOUND is an answer, not retried. */
async function retried<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTimeout(OP_TIMEOUT_MS, work);
    } catch (err) {
      if (codeOf(err) === "NOT_FOUND" || attempt >= READBACK_ATTEMPTS) throw err;
      await sleep(250 * attempt);
    }
  }
}

// --- the report ----------------------------------------------------------------------------

export interface WorkloadRow {
  readonly workload: string;
  readonly attempted: number;
  readonly ok: number;
  readonly fail: number;
  readonly info: number;
}

export interface Summary {
  readonly rows: readonly WorkloadRow[];
  readonly totals: WorkloadRow;
  readonly lost: number;
  readonly stale: number;
  readonly phantom: number;
  readonly linearizable: boolean | "unknown" | "not checked";
  readonly wrongJobs: number;
  readonly fsck: string;
  /** fail and info operations by workload, operation and error code ("hot-keys put info TIMEOUT": 3). */
  readonly errors: Readonly<Record<string, number>>;
  readonly valid: boolean;
  /** The Jepsen-style table, printable. */
  readonly text: string;
}

/** The counts of a run for its report: operations per workload and outcome, and the checkers' figures. */
export function summarize(history: readonly HistoryOp[], results: readonly CheckerResult[]): Summary {
  const rows: WorkloadRow[] = [];
  for (const workload of ["files", "hot-keys", "jobs"]) {
    const ops = history.filter((op) => op.workload === workload);
    if (ops.length === 0) continue;
    rows.push({ workload, attempted: ops.length, ok: ops.filter((op) => op.outcome === "ok").length, fail: ops.filter((op) => op.outcome === "fail").length, info: ops.filter((op) => op.outcome === "info" || op.outcome === undefined).length });
  }
  const totals = rows.reduce((t, r) => ({ workload: "total", attempted: t.attempted + r.attempted, ok: t.ok + r.ok, fail: t.fail + r.fail, info: t.info + r.info }), { workload: "total", attempted: 0, ok: 0, fail: 0, info: 0 });
  const count = (checker: string, name: string) => results.find((r) => r.checker === checker)?.counts?.[name] ?? 0;
  const lin = results.find((r) => r.checker === "linearizable");
  const fsck = results.find((r) => r.checker === "fsck");
  const lost = count("readback", "lost") + count("readback", "resurrected") + count("jobs", "lost");
  const stale = count("reads", "stale");
  const phantom = count("reads", "phantom") + count("readback", "corrupt");
  const wrongJobs = count("jobs", "wrong");
  const fsckText = fsck ? (fsck.valid === true ? `HEALTHY after ${fsck.counts?.healthyAfterMs ?? "?"} ms` : "NOT HEALTHY") : "not checked";
  const linearizable = lin ? lin.valid : "not checked";
  const errors: Record<string, number> = {};
  for (const op of history) {
    if (op.outcome === "ok") continue;
    const name = `${op.workload} ${op.f} ${op.outcome ?? "info"} ${op.error?.split(":")[0] ?? "none"}`;
    errors[name] = (errors[name] ?? 0) + 1;
  }
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const lines = [
    `${"workload".padEnd(10)} ${pad("attempted", 10)} ${pad("ok", 8)} ${pad("fail", 8)} ${pad("info", 8)}`,
    ...[...rows, totals].map((r) => `${r.workload.padEnd(10)} ${pad(r.attempted, 10)} ${pad(r.ok, 8)} ${pad(r.fail, 8)} ${pad(r.info, 8)}`),
    `lost writes ${lost}; stale reads ${stale}; phantom reads ${phantom}; linearizable ${linearizable}; wrong job outputs ${wrongJobs}; fsck ${fsckText}`,
    ...results.map((r) => `  ${r.valid === true ? "ok  " : r.valid === "unknown" ? "??  " : "FAIL"} ${r.checker}: ${r.summary}`),
    ...(Object.keys(errors).length > 0 ? [`errors: ${Object.entries(errors).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`).join("; ")}`] : []),
  ];
  return { rows, totals, lost, stale, phantom, linearizable, wrongJobs, fsck: fsckText, errors, valid: results.every((r) => r.valid === true), text: lines.join("\n") };
}
