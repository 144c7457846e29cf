// The entry point of a task thread (worker-pool.ts keeps one warm per slot and job). It loads
// the job bundle once, then runs the map and reduce tasks of that job the pool gives it, one
// at a time, posting each outcome or error: the next task of the job skips the import and
// runs code the JIT has already compiled. A thread whose task failed or was cancelled is
// terminated by the pool. It holds no network and never blocks the peer's event loop: what it
// reads comes from its parent over messages (worker-protocol.ts), except a map's input chunks
// held on this peer, which it reads from their files (local-input.ts).
// The job module's top-level state lives as long as the thread (as static fields do under
// Hadoop's JVM reuse): a job that keeps state between map calls clears it in mapEnd.
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
import type { JobDefinition } from "../job-module/job-api.ts";
import type { RangeReader } from "./line-split.ts";
import { runMapTask } from "./map-task.ts";
import { LocalFirstRangeReader } from "./local-input.ts";
import { decodeRun, readRunFile } from "./records.ts";
import { runReduce } from "./reduce-task.ts";
import { runStreamingMap, runStreamingReduce, type StreamingCommand } from "./streaming-task.ts";
import { jobContext } from "../job-module/job-api.ts";
import { toWireError, type FromWorker, type MapTaskSpec, type ReduceTaskSpec, type StreamingTaskSpec, type TaskOutcome, type TaskSpec, type ToWorker } from "./worker-protocol.ts";

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
    if (message.type === "reply-error") waiter.reject(message.code === undefined ? new Error(message.message) : Object.assign(new Error(message.message), { code: message.code }));
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

/** The job this thread has loaded: the pool gives a thread the tasks of one bundle only. */
let loaded: { path: string; job: Promise<JobDefinition> } | undefined;

function jobOf(bundlePath: string): Promise<JobDefinition> {
  if (loaded?.path !== bundlePath) {
    const job = loadJobModule(bundlePath);
    loaded = { path: bundlePath, job };
    // A failed load is not kept: the pool replaces a thread whose task failed anyway.
    job.then(() => post({ type: "loaded" }), () => (loaded = undefined));
  }
  return loaded.job;
}

/**
 * The job with a map that notes when it is first called, then steps aside: runMapTask reads
 * `job.map` per record, so every later call goes straight to the job's own function.
 */
function timedFirstMap(job: JobDefinition, onFirst: () => void): JobDefinition {
  const timed: JobDefinition = { ...job };
  timed.map = (key, value, emit, context) => {
    timed.map = job.map;
    onFirst();
    return job.map(key, value, emit, context);
  };
  return timed;
}

async function runMap(spec: MapTaskSpec): Promise<TaskOutcome> {
  if (spec.streaming) return runStreamingMapTask(spec, spec.streaming);
  const job = await jobOf(spec.bundlePath);
  let firstMapAtMs: number | undefined;
  // Chunks on this peer are read from their files here, the rest through the parent.
  const reader = new LocalFirstRangeReader(new ProxyRangeReader(spec.sizeBytes), spec.localChunks ?? []);
  try {
    const result = await runMapTask({
      job: spec.orderSentAtMs === undefined ? job : timedFirstMap(job, () => (firstMapAtMs = Date.now())),
      reader,
      path: spec.path,
      startBytes: spec.startBytes,
      endBytes: spec.endBytes,
      reducers: spec.reducers,
      spillDir: spec.spillDir,
      memoryLimitBytes: spec.memoryLimitBytes,
      taskId: spec.taskId,
      split: spec.split,
      context: jobContext(spec.params),
      onProgress: (progress) => post({ type: "progress", progress: { records: progress.mapInputRecords, fraction: progress.fraction } }),
    });
    const outcome: TaskOutcome = { kind: "map", outputDir: result.outputDir, partitions: result.partitions, counters: result.counters, shortCircuitBytes: reader.localBytes };
    // Wall clocks of two processes (the leader's and this peer's): on one host they agree; across
    // hosts the figure carries their skew, so it is clamped at zero.
    if (spec.orderSentAtMs !== undefined && firstMapAtMs !== undefined) outcome.startDelayMs = Math.max(0, Math.round(firstMapAtMs - spec.orderSentAtMs));
    return outcome;
  } finally {
    await reader.close();
  }
}

async function runReduceTask(spec: ReduceTaskSpec): Promise<TaskOutcome> {
  const job = spec.streaming ? undefined : await jobOf(spec.bundlePath);
  const inputs = spec.inputPaths
    ? spec.inputPaths.map((path) => readRunFile(path))
    : Array.from({ length: spec.inputCount }, (_, input) => decodeRun(pulledBytes(input), { source: `map output ${input} of reduce task ${spec.taskId}` }));
  const handle = await open(spec.outputPath, "wx", 0o644);
  let positionBytes = 0;
  try {
    // A TypeScript reduce hands over bytes, a streaming one text.
    const write = async (piece: Uint8Array | string) => {
      const bytes = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
      await writeFully(handle, bytes, bytes.length, positionBytes);
      positionBytes += bytes.length;
    };
    const onProgress = (progress: { reduceInputRecords: number }) => post({ type: "progress", progress: { records: progress.reduceInputRecords } });
    const counters = job
      ? await runReduce({ job, inputs, write, context: jobContext(spec.params), onProgress })
      : await runStreamingReduce({ reducer: streamingCommand(spec.streaming!), inputs, write, onProgress });
    // Not synced: the peer's main thread reads this file back at once to commit it to the
    // file system (which syncs what it stores), and a crash of the machine before that ends
    // the attempt anyway: the leader runs the reduce again. A sync here was a second sync of
    // every output byte, on the task's time.
    await handle.close();
    return { kind: "reduce", outputPath: spec.outputPath, sizeBytes: positionBytes, counters };
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(spec.outputPath).catch(() => undefined);
    throw err;
  }
}

async function runStreamingMapTask(spec: MapTaskSpec, streaming: StreamingTaskSpec): Promise<TaskOutcome> {
  const reader = new LocalFirstRangeReader(new ProxyRangeReader(spec.sizeBytes), spec.localChunks ?? []);
  try {
    const result = await runStreamingMap({
      mapper: streamingCommand(streaming),
      combiner: streaming.combiner,
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
    return { kind: "map", outputDir: result.outputDir, partitions: result.partitions, counters: result.counters, shortCircuitBytes: reader.localBytes };
  } finally {
    await reader.close();
  }
}

/** The streaming command of a task, its process group reported to the parent (which kills it if this thread is terminated). */
function streamingCommand(streaming: StreamingTaskSpec): StreamingCommand {
  return { command: streaming.command, env: streaming.env, idleTimeoutMs: streaming.idleTimeoutMs, workDir: streaming.workDir, onProcessGroup: (pgid) => post({ type: "process-group", pgid }) };
}

async function run(spec: TaskSpec): Promise<void> {
  let message: FromWorker;
  try {
    message = { type: "done", outcome: spec.kind === "map" ? await runMap(spec) : await runReduceTask(spec) };
  } catch (err) {
    message = { type: "failed", error: toWireError(err) };
  }
  // Free before the answer goes out: the pool may send the next task as soon as it reads it.
  busy = false;
  post(message);
}

let busy = false;
scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === "start") {
    assert(!busy, "a task thread runs one task at a time");
    busy = true;
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
