// bench/meta-ops.ts's operations on a POSIX mount (MooseFS's, in bench/nnbench), run by a
// child process of the bench: `workers` concurrent clients must be `workers` system calls in
// the kernel at once, and Bun runs the calls of node:fs/promises on a thread pool that has as
// few threads unless UV_THREADPOOL_SIZE says otherwise when the process starts (measured on
// this 2-core machine: of 32 opens that block, 2 threads in open(2); with the variable set to
// 16, 16; setting it in process.env once running changes nothing). So the bench starts this file with UV_THREADPOOL_SIZE at its largest client
// count, asks it for one phase at a time in JSON lines, and gets metaLoad's figures back:
// the CPU of this process is the client's, the file system's processes (pids) the peers'.
import { mkdir, open, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { META_OPS, OPEN_FILE_BYTES, OPEN_POOL_FILES, deleteFilesPerWorker, metaLoad, type MetaOp, type MetaResult, type MetaStep } from "./meta-ops.ts";
import { ask, readLines, reply, spawnChild, type Child } from "./support.ts";

// Files made before a phase's window, this many at once.
const PREPARE_IN_FLIGHT = 32;
// Delete's files on a POSIX mount cover its window at this rate (MooseFS did 2,002 deletes/s
// with 16 clients in issue 12's table; 2,355 in a loaded run here): meta-ops' 2,000 files
// would close MooseFS's window within a second.
const DELETE_RATE_EXPECTED_PER_SECOND = 3_000;
// A phase's answer: its window, plus making its files (delete's top-up for a 5 s window is
// 18,000 files, about 10 s at MooseFS's rates) with a wide margin for a loaded machine.
const PREPARE_TIMEOUT_MS = 120_000;

interface PhaseRequest {
  op: MetaOp;
  workers: number;
  seconds: number;
  pids: number[];
}

/** The child that runs the POSIX phases, started once per bench with threads for `threadsMax` clients. */
export class PosixLoad {
  private readonly child: Child;

  constructor(root: string, threadsMax: number) {
    this.child = spawnChild(import.meta.path, ["--posix-load", root], { UV_THREADPOOL_SIZE: String(Math.max(4, threadsMax)) });
  }

  /** One phase of `op` with `workers` clients for `seconds` after metaLoad's warm-up; `pids` are the file system's processes. */
  run(op: MetaOp, workers: number, seconds: number, pids: number[]): Promise<MetaResult> {
    const request: PhaseRequest = { op, workers, seconds, pids };
    return ask<MetaResult>(this.child, request, PREPARE_TIMEOUT_MS + seconds * 1000);
  }
}

async function inBatches<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += PREPARE_IN_FLIGHT) await Promise.all(items.slice(i, i + PREPARE_IN_FLIGHT).map(work));
}

/**
 * The step of `op` on a POSIX mount, as close to meta-ops' as POSIX allows: create is
 * open(O_CREAT|O_EXCL)+close, open is open+close of a one-chunk file (its locations are asked
 * of the master on open), fileStatus is stat, delete is unlink of files the create phase made
 * (topped up as meta-ops does, and to DELETE_RATE_EXPECTED_PER_SECOND over the window).
 */
class PosixWorkload {
  private phase = 0;
  private readonly created = new Map<number, string[][]>();
  private openPool?: string[];

  constructor(private readonly root: string) {}

  async prepare(op: MetaOp, workers: number, seconds: number): Promise<MetaStep<null>> {
    if (!META_OPS.includes(op)) throw new Error(`unknown op ${op}`);
    const dir = join(this.root, `${op}-${workers}-${++this.phase}`);
    const folder = (w: number) => join(dir, `w${w}`);
    await inBatches(Array.from({ length: workers }, (_, w) => folder(w)), (path) => mkdir(path, { recursive: true }));
    switch (op) {
      case "create": {
        const created: string[][] = Array.from({ length: workers }, () => []);
        this.created.set(workers, created);
        return async (_client, w, n) => {
          const path = join(folder(w), `f${n}`);
          await (await open(path, "wx")).close();
          created[w]!.push(path);
        };
      }
      case "mkdirs":
        return async (_client, w, n) => {
          await mkdir(join(folder(w), `d${n}`));
        };
      case "open": {
        if (!this.openPool) {
          const poolDir = join(this.root, "open-pool");
          await mkdir(poolDir, { recursive: true });
          const pool = Array.from({ length: OPEN_POOL_FILES }, (_, i) => join(poolDir, `f${i}`));
          await inBatches(pool, (path) => writeFile(path, new Uint8Array(OPEN_FILE_BYTES).fill(7)));
          this.openPool = pool;
        }
        const pool = this.openPool;
        return async (_client, w, n) => {
          await (await open(pool[(w * 7 + n) % pool.length]!, "r")).close();
        };
      }
      case "fileStatus": {
        const made = this.created.get(workers) ?? [];
        return async (_client, w, n) => {
          const mine = made[w] ?? [];
          await stat(mine.length > 0 ? mine[n % mine.length]! : folder(w));
        };
      }
      case "rename": {
        await inBatches(Array.from({ length: workers }, (_, w) => join(folder(w), "r0")), (path) => writeFile(path, new Uint8Array(0)));
        return async (_client, w, n) => rename(join(folder(w), `r${n}`), join(folder(w), `r${n + 1}`));
      }
      case "delete": {
        const files = (this.created.get(workers) ?? []).map((list) => [...list].reverse());
        this.created.delete(workers); // removed once
        const topUp: string[] = [];
        const perWorker = Math.max(deleteFilesPerWorker(workers), Math.ceil((DELETE_RATE_EXPECTED_PER_SECOND * (seconds + 1)) / workers));
        for (let w = 0; w < workers; w++) {
          const mine = (files[w] ??= []);
          for (let i = mine.length; i < perWorker; i++) {
            const path = join(folder(w), `x${i}`);
            mine.unshift(path);
            topUp.push(path);
          }
        }
        await inBatches(topUp, (path) => writeFile(path, new Uint8Array(0)));
        return async (_client, w) => {
          const path = files[w]!.pop();
          if (path === undefined) return false;
          await unlink(path);
        };
      }
    }
  }
}

// ---- the child's side ----

async function serve(root: string): Promise<void> {
  const workload = new PosixWorkload(root);
  for await (const line of readLines(Bun.stdin.stream())) {
    if (!line.trim()) continue;
    try {
      const request = JSON.parse(line) as PhaseRequest;
      const step = await workload.prepare(request.op, request.workers, request.seconds);
      reply(await metaLoad([null], request.workers, request.seconds, () => request.pids, step));
    } catch (err) {
      reply({ error: (err as Error).message });
    }
  }
}

if (import.meta.main) {
  const index = process.argv.indexOf("--posix-load");
  const root = index >= 0 ? process.argv[index + 1] : undefined;
  if (!root) {
    console.error("bench/posix-ops.ts is started by bench/nnbench.ts: --posix-load DIR");
    process.exit(2);
  }
  await serve(root);
}
