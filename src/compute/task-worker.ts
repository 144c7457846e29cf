// The entry point of a task's worker thread (worker-pool.ts starts one per task). It loads the
// job bundle, runs one map or reduce task, posts the outcome or the error, and is then
// terminated by the pool. It holds no network and never blocks the peer's event loop: what it
// reads comes from its parent over messages (worker-protocol.ts), except a map's input chunks
// held on this peer, which it reads from their files (local-input.ts).
//
// This file must be an entry point of the compiled binary (see worker-pool.ts, taskWorkerUrl).
import { open, unlink } from "node:fs/promises";
import { isMainThread } from "node:worker_threads";
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { writeFully } from "../util/file-io.ts";
import { assert } from "../util/assert.ts";
import { WORKER_PULL_BYTES_MAX, WORKER_READ_BYTES_MAX } from "./constants.ts";
import { loadJobModule } from "../job-module/bundle.ts";
import type { RangeReader } from "./line-split.ts";
import { runMapTask } from "./map-task.ts";
import { LocalFirstRangeReader } from "./local-input.ts";
import { decodeRun } from "./records.ts";
import { runReduce } from "./reduce-task.ts";
import { toWireError, type FromWorker, type MapTaskSpec, type ReduceTaskSpec, type TaskOutcome, type TaskSpec, type ToWorker } from "./worker-protocol.ts";

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: ArrayBuffer[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}

// Loaded on a peer's own thread, this module would take over its global message handler.
if (isMainThread) throw new Error("task-worker.ts runs only as a worker thread (see worker-pool.ts)");

/** The nice value of a task thread (0 is the peer's, 19 the lowest). */
const TASK_THREAD_NICE = 10;

// A task is batch work: its thread runs at a lower priority than the peer's own threads, so a
// busy map cannot starve heartbeats, Raft and the data path on a machine with few cores.
// (Measured without it: 6 task threads on 2 cores stalled peers' event loops for 0.7 s and
// cost a 1 GiB sort its leader.) Linux nice applies per thread; the thread's id is its
// /proc/thread-self link.
lowerThreadPriority(TASK_THREAD_NICE);

// Taken once at load time, before the job's code runs.
const scope = globalThis as unknown as WorkerScope;
const post = scope.postMessage.bind(scope);

/** Requests to the parent awaiting their reply, by id. */
class ParentRequests {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(bytes: Uint8Array | null): void; reject(err: Error): void }>();

  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    return this.request((id) => post({ type: "read", id, offsetBytes, lengthBytes })) as Promise<Uint8Array>;
  }

  pull(input: number): Promise<Uint8Array | null> {
    return this.request((id) => post({ type: "pull", id, input }));
  }

  settle(message: ToWorker): void {
    if (message.type === "start") return;
    const waiter = this.waiting.get(message.id);
    assert(waiter !== undefined, "a reply answers a request the worker made");
    this.waiting.delete(message.id);
    if (message.type === "reply-error") waiter.reject(new Error(message.message));
    else waiter.resolve(message.bytes);
  }

  private request(send: (id: number) => void): Promise<Uint8Array | null> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      send(id);
    });
  }
}

const parent = new ParentRequests();

/** The map task's input file, read through the parent. */
class ProxyRangeReader implements RangeReader {
  constructor(readonly sizeBytes: number) {}

  async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    const askBytes = Math.min(lengthBytes, WORKER_READ_BYTES_MAX, this.sizeBytes - offsetBytes);
    if (askBytes <= 0) return new Uint8Array(0);
    return parent.read(offsetBytes, askBytes);
  }
}

/** One reduce input's bytes, pulled from the parent one piece ahead of the decoder. */
async function* pulledBytes(input: number): AsyncGenerator<Uint8Array> {
  let next = parent.pull(input);
  try {
    for (;;) {
      const bytes = await next;
      if (bytes === null) return;
      assert(bytes.length <= WORKER_PULL_BYTES_MAX, "a pulled piece is within WORKER_PULL_BYTES_MAX");
      next = parent.pull(input);
      yield bytes;
    }
  } finally {
    // The merge may stop early (an error elsewhere); the pull ahead is then not needed.
    next.catch(() => undefined);
  }
}

async function runMap(spec: MapTaskSpec): Promise<TaskOutcome> {
  const job = await loadJobModule(spec.bundlePath);
  // Chunks on this peer are read from their files here, the rest through the parent.
  const reader = new LocalFirstRangeReader(new ProxyRangeReader(spec.sizeBytes), spec.localChunks ?? []);
  const result = await runMapTask({
    job,
    reader,
    path: spec.path,
    startBytes: spec.startBytes,
    endBytes: spec.endBytes,
    reducers: spec.reducers,
    spillDir: spec.spillDir,
    memoryLimitBytes: spec.memoryLimitBytes,
    taskId: spec.taskId,
    split: spec.split,
    onProgress: (progress) => post({ type: "progress", progress: { records: progress.mapInputRecords, fraction: progress.fraction } }),
  });
  await reader.close();
  return { kind: "map", outputDir: result.outputDir, partitions: result.partitions, counters: result.counters, shortCircuitBytes: reader.localBytes };
}

async function runReduceTask(spec: ReduceTaskSpec): Promise<TaskOutcome> {
  const job = await loadJobModule(spec.bundlePath);
  const inputs = Array.from({ length: spec.inputCount }, (_, input) => decodeRun(pulledBytes(input), { source: `map output ${input} of reduce task ${spec.taskId}` }));
  const handle = await open(spec.outputPath, "wx", 0o644);
  let positionBytes = 0;
  try {
    const counters = await runReduce({
      job,
      inputs,
      write: async (text) => {
        const bytes = Buffer.from(text, "utf8");
        await writeFully(handle, bytes, bytes.length, positionBytes);
        positionBytes += bytes.length;
      },
      onProgress: (progress) => post({ type: "progress", progress: { records: progress.reduceInputRecords } }),
    });
    // The output is committed from this file: it must be whole on disk before "done".
    await handle.datasync();
    await handle.close();
    return { kind: "reduce", outputPath: spec.outputPath, sizeBytes: positionBytes, counters };
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(spec.outputPath).catch(() => undefined);
    throw err;
  }
}

async function run(spec: TaskSpec): Promise<void> {
  try {
    const outcome = spec.kind === "map" ? await runMap(spec) : await runReduceTask(spec);
    post({ type: "done", outcome });
  } catch (err) {
    post({ type: "failed", error: toWireError(err) });
  }
}

let started = false;
scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === "start") {
    assert(!started, "a worker runs one task");
    started = true;
    void run(message.task);
    return;
  }
  parent.settle(message);
};

function lowerThreadPriority(nice: number): void {
  try {
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isSafeInteger(threadId) && threadId > 0) setPriority(threadId, nice);
  } catch {
    // Not Linux, or not allowed: the task runs at the peer's priority.
  }
}
