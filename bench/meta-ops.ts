// The metadata operations of bench/nnbench and bench/dfsio, defined once so both measure the
// same thing (modelled on HDFS's NNThroughputBenchmark, whose op names these are):
//
//   create      create+close of an empty file: client.fs.put(new Uint8Array(0), path), the
//               whole call an application makes (today create, complete and a stat);
//   mkdirs      a new folder in a folder that exists (fs.mkdir, one namespace command);
//   open        the locations of a one-chunk file: fs.stat, whose answer carries each chunk
//               with its live replicas (HDFS's open is getBlockLocations);
//   fileStatus  fs.stat of an empty file without its chunk list (HDFS's getFileInfo);
//   rename      fs.mv of a file within its folder;
//   delete      fs.rm of an empty file.
//
// Each worker works in its own folder. The files an op reads or removes are made before its
// timed window (the create phase's, or a pool), never inside it.
import type { ClusterClient } from "../src/client/cluster.ts";
import { cpuBetween, cpuSnapshot, goal, int, ms, percentile, type CpuSnapshot, type CpuUse } from "./support.ts";

export const META_OPS = ["create", "mkdirs", "open", "fileStatus", "rename", "delete"] as const;
export type MetaOp = (typeof META_OPS)[number];

export const META_OP_TEXT: Record<MetaOp, string> = {
  create: "create+close (empty file)",
  mkdirs: "mkdirs",
  open: "open (locations of a 1-chunk file)",
  fileStatus: "fileStatus (stat)",
  rename: "rename",
  delete: "delete",
};

const META_WARMUP_MS = 500;
// Files the pools hold: open reads one-chunk files, fileStatus empty ones when no create phase
// of the same worker count left any; delete has at least DELETE_FILES_MIN files, and
// DELETE_FILES_PER_WORKER_MIN a worker.
export const OPEN_POOL_FILES = 64;
export const OPEN_FILE_BYTES = 1024;
const STAT_POOL_FILES = 256;
const DELETE_FILES_PER_WORKER_MIN = 50;
const DELETE_FILES_MIN = 2_000;

/** Files each of `workers` workers has when delete starts (bench/posix-ops.ts tops up the same). */
export const deleteFilesPerWorker = (workers: number) => Math.max(DELETE_FILES_PER_WORKER_MIN, Math.ceil(DELETE_FILES_MIN / workers));
const POOL_PUTS_IN_FLIGHT = 32;
const EMPTY = new Uint8Array(0);

/** One worker's next operation: false when it has nothing left to do (delete's files ran out). */
export type MetaStep<C = ClusterClient> = (client: C, worker: number, n: number) => Promise<boolean | void>;

/**
 * Runs `ops` with `workers` workers for `seconds` in all (an equal share each) under `root`,
 * and forgets the results: the peers' JavaScript is compiled by then. JavaScriptCore keeps
 * compiling hot code in tiers for tens of seconds after a peer starts; measured on a create
 * load of 16 workers, its compiler threads used 9% of the main thread's CPU 18-28 s after the
 * start and nothing 50-60 s after, and a create cost 2.3 ms of CPU in the first 5 s against
 * 1.3 ms over a minute. A window taken before that measures start-up, not the masters a user
 * runs for days.
 */
export async function warmUp(root: string, setup: ClusterClient, clients: ClusterClient[], workers: number, seconds: number, ops: readonly MetaOp[], pids: () => number[]): Promise<number> {
  const workload = new MetaWorkload(root, setup);
  let done = 0;
  for (const op of ops) {
    const step = await workload.prepare(op, workers);
    done += (await metaLoad(clients, workers, seconds / ops.length, pids, step)).ops;
  }
  await setup.fs.rm(root, { recursive: true }).catch(() => undefined);
  return done;
}

/**
 * The files and folders of a bench's metadata phases under `root`: each phase gets a folder
 * with one sub-folder per worker; files the create phase made are remembered per worker count,
 * for fileStatus to read and delete to remove.
 */
export class MetaWorkload {
  private phase = 0;
  private readonly created = new Map<number, string[][]>();
  private openPool?: string[];
  private statPool?: string[];

  constructor(
    private readonly root: string,
    /** The client that makes folders and pools (outside any timed window). */
    private readonly setup: ClusterClient,
  ) {}

  /** Makes what `op` needs for `workers` workers and answers the step each worker repeats. */
  async prepare(op: MetaOp, workers: number): Promise<MetaStep> {
    const dir = `${this.root}/${op}-${workers}-${++this.phase}`;
    const folder = (w: number) => `${dir}/w${w}`;
    await this.setup.fs.putMany([], { folders: Array.from({ length: workers }, (_, w) => folder(w)) });
    switch (op) {
      case "create": {
        const created: string[][] = Array.from({ length: workers }, () => []);
        this.created.set(workers, created);
        return async (client, w, n) => {
          const path = `${folder(w)}/f${n}`;
          await client.fs.put(EMPTY, path);
          created[w]!.push(path);
        };
      }
      case "mkdirs":
        return async (client, w, n) => {
          await client.fs.mkdir(`${folder(w)}/d${n}`);
        };
      case "open": {
        const pool = (this.openPool ??= await this.pool("open-pool", OPEN_POOL_FILES, new Uint8Array(OPEN_FILE_BYTES).fill(7)));
        const sample = await this.setup.fs.stat(pool[0]!);
        if (sample.chunks.length !== 1 || sample.chunks[0]!.replicas.length === 0) throw new Error(`the open pool's ${pool[0]} should have one chunk with replicas, not ${JSON.stringify(sample.chunks)}`);
        return async (client, w, n) => {
          await client.fs.stat(pool[(w * 7 + n) % pool.length]!);
        };
      }
      case "fileStatus": {
        const made = this.created.get(workers);
        const pool = made && made.every((files) => files.length > 0) ? undefined : (this.statPool ??= await this.pool("stat-pool", STAT_POOL_FILES, EMPTY));
        return async (client, w, n) => {
          const mine = made?.[w];
          // HDFS's getFileInfo, which NNThroughputBenchmark's fileStatus calls: no block list.
          await client.fs.stat(pool ? pool[(w * 7 + n) % pool.length]! : mine![n % mine!.length]!, { chunks: false });
        };
      }
      case "rename": {
        await this.setup.fs.putMany(Array.from({ length: workers }, (_, w) => ({ path: `${folder(w)}/r0`, source: EMPTY })), { inFlight: POOL_PUTS_IN_FLIGHT });
        return async (client, w, n) => {
          await client.fs.mv(`${folder(w)}/r${n}`, `${folder(w)}/r${n + 1}`);
        };
      }
      case "delete": {
        // The create phase's files of this worker count, topped up so each worker has some:
        // deletes outrun creates, and the window closes when the first worker runs out.
        const files = (this.created.get(workers) ?? []).map((list) => [...list].reverse());
        this.created.delete(workers); // removed once
        const topUp: string[] = [];
        const perWorker = deleteFilesPerWorker(workers);
        for (let w = 0; w < workers; w++) {
          const mine = (files[w] ??= []);
          for (let i = mine.length; i < perWorker; i++) {
            const path = `${folder(w)}/x${i}`;
            mine.unshift(path);
            topUp.push(path);
          }
        }
        await this.setup.fs.putMany(topUp.map((path) => ({ path, source: EMPTY })), { inFlight: POOL_PUTS_IN_FLIGHT });
        return async (client, w) => {
          const path = files[w]!.pop();
          if (path === undefined) return false;
          await client.fs.rm(path);
        };
      }
    }
  }

  private async pool(name: string, count: number, data: Uint8Array): Promise<string[]> {
    const paths = Array.from({ length: count }, (_, i) => `${this.root}/${name}/f${i}`);
    await this.setup.fs.putMany(paths.map((path) => ({ path, source: data })), { inFlight: POOL_PUTS_IN_FLIGHT });
    return paths;
  }
}

export interface MetaResult {
  /** Operations that completed inside the timed window. */
  ops: number;
  /** The timed window: `seconds`, or less when a worker ran out of work first. */
  seconds: number;
  latenciesMs: number[];
  errors: number;
  firstError?: string;
  /** A worker had nothing left to do before the window's end, which closed the window there. */
  ranOut: boolean;
  cpu: CpuUse;
}

/**
 * `workers` workers over `clients` (round robin), each repeating `step` back to back for
 * META_WARMUP_MS and then `seconds`; only operations sent and answered inside the window count.
 * CPU is measured over the window: the peers (pids), this process, the rest of the machine.
 */
export async function metaLoad<C>(clients: C[], workers: number, seconds: number, pids: () => number[], step: MetaStep<C>): Promise<MetaResult> {
  const fromMs = performance.now() + META_WARMUP_MS;
  let toMs = fromMs + seconds * 1000;
  let ranOut = false;
  const latenciesMs: Array<{ sentMs: number; doneMs: number }> = [];
  let errors = 0;
  let firstError: string | undefined;
  let cpuBefore: CpuSnapshot | undefined;
  let cpuAtRanOut: CpuSnapshot | undefined;
  const timer = setTimeout(() => (cpuBefore = cpuSnapshot(pids())), META_WARMUP_MS);
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      const client = clients[worker % clients.length]!;
      for (let n = 0; performance.now() < toMs; n++) {
        const sentMs = performance.now();
        try {
          if ((await step(client, worker, n)) === false) {
            // The window closes when the first worker runs out: after it, fewer are working.
            if (!ranOut && sentMs > fromMs) {
              ranOut = true;
              toMs = sentMs;
              cpuAtRanOut = cpuSnapshot(pids());
            }
            return;
          }
        } catch (err) {
          errors += 1;
          firstError ??= (err as Error).message;
          continue;
        }
        latenciesMs.push({ sentMs, doneMs: performance.now() });
      }
    }),
  );
  clearTimeout(timer);
  const after = cpuAtRanOut ?? cpuSnapshot(pids());
  const inWindow = latenciesMs.filter((op) => op.sentMs >= fromMs && op.doneMs <= toMs).map((op) => op.doneMs - op.sentMs);
  inWindow.sort((a, b) => a - b);
  return { ops: inWindow.length, seconds: Math.max(0.001, (toMs - fromMs) / 1000), latenciesMs: inWindow, errors, ...(firstError ? { firstError } : {}), ranOut, cpu: cpuBetween(cpuBefore ?? after, after) };
}

/**
 * Issue 12's goals ("What must be shown"), for bench/nnbench and bench/dfsio alike: with 16
 * clients, create+close and delete at twice MooseFS's rate in the same run (or these rates
 * where MooseFS is absent) and stat at this rate; one client's create+close under this p50.
 */
export const META_GOALS = { create16: 3_700, delete16: 4_000, fileStatus16: 11_700, create1P50Ms: 3, versusMooseFs: 2 };

/** The goal cell of a row: `tessera` and `moose` in ops/s (NaN where not measured), `p50Ms` of the row's latencies; "" where no goal applies. */
export function metaGoalText(op: MetaOp, clients: number, tessera: number, moose: number, p50Ms: number): string {
  const versus = (floor: number) => {
    const target = Number.isFinite(moose) ? META_GOALS.versusMooseFs * moose : floor;
    const what = Number.isFinite(moose) ? `>= ${META_GOALS.versusMooseFs}× MooseFS (${int(target)}/s)` : `>= ${int(floor)}/s`;
    return `${what}: ${goal(tessera >= target)}`;
  };
  if (clients === 16 && op === "create") return versus(META_GOALS.create16);
  if (clients === 16 && op === "delete") return versus(META_GOALS.delete16);
  if (clients === 16 && op === "fileStatus") return `>= ${int(META_GOALS.fileStatus16)}/s: ${goal(tessera >= META_GOALS.fileStatus16)}`;
  if (clients === 1 && op === "create" && Number.isFinite(p50Ms)) return `p50 < ${META_GOALS.create1P50Ms} ms: ${goal(p50Ms < META_GOALS.create1P50Ms)}`;
  return "";
}

/** A phase's figures on one line: rate, latency, CPU per operation and who used the machine. */
export function metaLine(label: string, result: MetaResult): string {
  const perOpMs = (seconds: number) => (result.ops > 0 ? ((seconds * 1000) / result.ops).toFixed(2) : "—");
  const rate = result.ops / result.seconds;
  const p = (q: number) => ms(percentile(result.latenciesMs, q));
  const notes = [result.ranOut ? `ran out of files after ${result.seconds.toFixed(1)} s` : "", result.errors ? `${result.errors} errors (${result.firstError})` : ""].filter(Boolean).join("; ");
  return `${label.padEnd(44)} ${int(rate).padStart(7)} ops/s  p50 ${p(0.5).padStart(6)} ms  p99 ${p(0.99).padStart(6)} ms  CPU/op: peers ${perOpMs(result.cpu.peers)} ms, client ${perOpMs(result.cpu.client)} ms; rest of machine ${result.cpu.rest.toFixed(1)} s${notes ? `  (${notes})` : ""}`;
}
