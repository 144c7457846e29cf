// Runs map and reduce tasks in worker threads, at most `size` at once, so a job's code can
// neither stall the peer's event loop (heartbeats, Raft, chunk serving) nor take the peer down:
// a worker that throws, exits or is killed is a failed task, never a failed peer.
//
// Warm threads: a thread that finished a task stays, with its job's bundle loaded and its code
// compiled, for the next task of the same job (a fresh thread cost a bundle import and a JIT
// per task: 2.4–2.7 CPU s over a 256 MiB word count, and tens of ms per small task). At most
// `size` threads live, busy or idle; a task of another job takes a free place or retires the
// longest-idle thread. A thread whose task failed, crashed or was cancelled is terminated
// (terminate() stops even a busy loop) and a new one takes its place, so a broken job's state
// never reaches its next task; idle threads are retired after THREAD_IDLE_MS and when their
// job ends (retireJob). warmUp starts a spare thread ahead, which the next job's first task
// takes: the peer calls it when that task's order arrives, before fetching the job's bundle.
//
// The parent serves what the worker reads (worker-protocol.ts): a map task's byte ranges from
// the RangeReader given here, a reduce task's run-file bytes from the streams given here (the
// shuffle fetches from peers). What a worker sends is checked before it is acted on.
import { rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { assert } from "../util/assert.ts";
import { workerEntryUrl } from "../util/worker-entry.ts";
import { createLogger, type Logger } from "../util/log.ts";
import { WORKER_PULL_BYTES_MAX } from "./constants.ts";
import { TaskCancelledError, WorkerCrashedError } from "./errors.ts";
import type { RangeReader } from "./line-split.ts";
import { mapOutputDirName, partitionFileName, validateReducers, validateTaskId } from "./map-output.ts";
import {
  crashMessage,
  fromWireError,
  parseFromWorker,
  postableBytes,
  type MapTaskOutcome,
  type MapTaskSpec,
  type ReduceTaskOutcome,
  type ReduceTaskSpec,
  type TaskOutcome,
  type TaskProgress,
  type TaskSpec,
  type ToWorker,
} from "./worker-protocol.ts";
import { messageOf } from "../util/errors.ts";
import { WireError } from "../protocol/errors.ts";

/** How long a terminated worker may take to report closed before its slot is reused anyway. */
const WORKER_CLOSE_WAIT_MS = 5000;
/**
 * An idle thread is retired after this long: the next task of its job is usually at most a
 * scheduling round away, and an idle thread holds its job's heap (tens of MiB).
 */
export const THREAD_IDLE_MS = 30_000;

/**
 * Where the worker's entry point is (util/worker-entry.ts): task-worker.ts beside this file,
 * or in a compiled binary its copy, src/compute/task-worker.js in the binary's virtual folder,
 * which exists only because scripts/build.ts compiles task-worker.ts as an extra entry point.
 */
export function taskWorkerUrl(): string | URL {
  return workerEntryUrl("compute/task-worker", new URL("./task-worker.ts", import.meta.url));
}

export interface WorkerPoolOptions {
  /** Tasks that run at once. Default: the machine's available parallelism. */
  size?: number;
  /** The worker entry point. Default: taskWorkerUrl(). */
  workerUrl?: string | URL;
  logger?: Logger;
}

interface TaskIoBase {
  /** Aborting cancels the task (TaskCancelledError). */
  signal?: AbortSignal;
  onProgress?(progress: TaskProgress): void;
}

export interface MapTaskIo extends TaskIoBase {
  /** The input file; read requests from the worker are served from it. */
  reader: RangeReader;
}

export interface ReduceTaskIo extends TaskIoBase {
  /** One byte stream per map output (spec.inputCount of them): the raw run files. None when spec.inputPaths names them. */
  inputs: readonly AsyncIterable<Uint8Array>[];
}

export interface TaskHandle<T> {
  readonly taskId: string;
  /** Resolves with the outcome; rejects with TaskError, TaskCancelledError, WorkerCrashedError, … */
  readonly result: Promise<T>;
  cancel(): void;
}

interface PoolTask {
  spec: TaskSpec;
  reader?: RangeReader;
  inputs?: readonly AsyncIterable<Uint8Array>[];
  io: TaskIoBase;
  state: "queued" | "running" | "settled";
  thread?: TaskThread;
  resolve(outcome: TaskOutcome): void;
  reject(err: Error): void;
  /** Set when the task did not succeed: its partial files are removed once the worker is gone. */
  failed: boolean;
  iterators: (AsyncIterator<Uint8Array> | undefined)[];
  leftovers: (Uint8Array | undefined)[];
  pullChains: Promise<void>[];
  onAbort?: () => void;
  slotReleased: boolean;
  /** A streaming task's process group, killed with the task (streaming-task.ts). */
  processGroup?: number;
}

/** One worker thread, bound to one job's bundle for its life (from its first task on). */
interface TaskThread {
  worker: Worker;
  /** Undefined for a spare thread started ahead (warmUp) that has run no task yet. */
  bundlePath: string | undefined;
  /** The task it runs; kept after a failure until the thread has closed. */
  task?: PoolTask;
  idleTimer?: ReturnType<typeof setTimeout>;
  /** Terminated (or closed): no task goes to it again. */
  retired: boolean;
}

/** Threads and bundle loads since the pool started: how warm the threads are kept. */
export interface WorkerPoolStats {
  threadsStarted: number;
  /** Tasks given to a thread that had run one of the same job before. */
  warmStarts: number;
  bundleLoads: number;
}

export class WorkerPool {
  readonly size: number;
  private readonly workerUrl: string | URL;
  private readonly log: Logger;
  private readonly queue: PoolTask[] = [];
  private readonly tasks = new Map<string, PoolTask>();
  /** Live threads, busy or idle (a retired one leaves at once: it runs nothing more). */
  private readonly threads = new Set<TaskThread>();
  /** Idle threads, the longest idle first. */
  private idleThreads: TaskThread[] = [];
  private runningSlots = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  readonly stats: WorkerPoolStats = { threadsStarted: 0, warmStarts: 0, bundleLoads: 0 };

  constructor(options: WorkerPoolOptions = {}) {
    const size = options.size ?? Math.max(1, availableParallelism());
    assert(Number.isSafeInteger(size) && size > 0, "a worker pool has at least one slot");
    this.size = size;
    this.workerUrl = options.workerUrl ?? taskWorkerUrl();
    this.log = options.logger ?? createLogger("compute/worker-pool");
  }

  /** Tasks whose worker is running (or still closing). */
  get running(): number {
    return this.runningSlots;
  }

  get queued(): number {
    return this.queue.length;
  }

  runMap(spec: MapTaskSpec, io: MapTaskIo): TaskHandle<MapTaskOutcome> {
    validateReducers(spec.reducers);
    assert(io.reader.sizeBytes === spec.sizeBytes, "the map task's reader is of the size its spec says");
    return this.submit(spec, io, { reader: io.reader }) as TaskHandle<MapTaskOutcome>;
  }

  runReduce(spec: ReduceTaskSpec, io: ReduceTaskIo): TaskHandle<ReduceTaskOutcome> {
    if (spec.inputPaths) assert(io.inputs.length === 0 && spec.inputPaths.length === spec.inputCount, "a reduce task reading its inputs' files gets no input stream");
    else assert(io.inputs.length === spec.inputCount, "a reduce task gets one input stream per map output");
    return this.submit(spec, io, { inputs: io.inputs }) as TaskHandle<ReduceTaskOutcome>;
  }

  /** Cancels a queued or running task; false if no such task is here (or it has ended). */
  cancel(taskId: string): boolean {
    const task = this.tasks.get(taskId);
    if (!task || task.state === "settled") return false;
    this.settle(task, new TaskCancelledError(`task ${taskId} was cancelled`));
    return true;
  }

  /** Cancels every task, refuses new ones, and waits until every worker is gone. */
  async close(): Promise<void> {
    this.closed = true;
    for (const taskId of [...this.tasks.keys()]) this.cancel(taskId);
    for (const thread of [...this.idleThreads]) this.retire(thread);
    await this.idle();
  }

  /** Threads alive now, busy or idle. */
  get threadCount(): number {
    return this.threads.size;
  }

  /**
   * Starts a spare thread if there is room and none is spare: a peer calls this when the first
   * task of a job arrives, so the thread starts while the job's bundle is fetched instead of after.
   */
  warmUp(): void {
    if (this.closed || this.threads.size >= this.size || this.idleThreads.some((thread) => thread.bundlePath === undefined)) return;
    const thread = this.startThread(undefined);
    if (thread) this.parkThread(thread);
  }

  /** Retires the idle threads of a job that ended (a busy one ends with its task's failure or goes idle, then times out). */
  retireJob(bundlePath: string): void {
    for (const thread of [...this.idleThreads]) if (thread.bundlePath === bundlePath) this.retire(thread);
  }

  /** Resolves once no task is queued or running (workers closed, failed tasks' files removed). */
  idle(): Promise<void> {
    if (this.runningSlots === 0 && this.queue.length === 0 && (!this.closed || this.threads.size === 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private submit(spec: TaskSpec, io: TaskIoBase, data: { reader?: RangeReader; inputs?: readonly AsyncIterable<Uint8Array>[] }): TaskHandle<TaskOutcome> {
    if (this.closed) throw new Error("the worker pool is closed");
    validateTaskId(spec.taskId);
    if (this.tasks.has(spec.taskId)) throw new Error(`task ${spec.taskId} is already in the worker pool (or its worker is still closing)`);
    let resolve!: (outcome: TaskOutcome) => void;
    let reject!: (err: Error) => void;
    const result = new Promise<TaskOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const task: PoolTask = {
      spec,
      ...data,
      io,
      state: "queued",
      resolve,
      reject,
      failed: false,
      iterators: [],
      leftovers: [],
      pullChains: [],
      slotReleased: false,
    };
    this.tasks.set(spec.taskId, task);
    if (io.signal) {
      task.onAbort = () => this.cancel(spec.taskId);
      if (io.signal.aborted) queueMicrotask(task.onAbort);
      else io.signal.addEventListener("abort", task.onAbort, { once: true });
    }
    this.queue.push(task);
    this.pump();
    return { taskId: spec.taskId, result, cancel: () => this.cancel(spec.taskId) };
  }

  private pump(): void {
    while (this.runningSlots < this.size && this.queue.length > 0) {
      const task = this.queue[0]!;
      if (task.state !== "queued") {
        this.queue.shift();
        continue;
      }
      let thread = this.idleThreads.find((candidate) => candidate.bundlePath === task.spec.bundlePath);
      if (thread) {
        this.stats.warmStarts++;
      } else if ((thread = this.idleThreads.find((candidate) => candidate.bundlePath === undefined))) {
        // A spare thread: started already, it takes this job's bundle.
        thread.bundlePath = task.spec.bundlePath;
      } else {
        // No warm thread of this job: a new one, in a free place or in the place of the
        // longest-idle thread of another job.
        if (this.threads.size >= this.size && this.idleThreads.length > 0) this.retire(this.idleThreads[0]!);
        if (this.threads.size >= this.size) break;
        thread = this.startThread(task.spec.bundlePath);
        if (!thread) {
          this.queue.shift();
          this.settle(task, new WorkerCrashedError(`no worker could be started for task ${task.spec.taskId}`));
          continue;
        }
      }
      this.queue.shift();
      this.start(task, thread);
    }
  }

  private startThread(bundlePath: string | undefined): TaskThread | undefined {
    let worker: Worker;
    try {
      worker = new Worker(this.workerUrl);
    } catch (err) {
      this.log.warn("a task thread could not be started", { err: messageOf(err) });
      return undefined;
    }
    this.stats.threadsStarted++;
    const thread: TaskThread = { worker, bundlePath, retired: false };
    this.threads.add(thread);
    worker.addEventListener("message", (event) => this.onThreadMessage(thread, event.data));
    worker.addEventListener("messageerror", () => this.onThreadBroken(thread, "sent a message that could not be read"));
    worker.addEventListener("error", (event) => this.onThreadBroken(thread, `crashed: ${crashMessage(event)}`));
    worker.addEventListener("close", (event) => this.onThreadClosed(thread, event.code));
    return thread;
  }

  private start(task: PoolTask, thread: TaskThread): void {
    task.state = "running";
    this.runningSlots++;
    clearTimeout(thread.idleTimer);
    this.idleThreads = this.idleThreads.filter((candidate) => candidate !== thread);
    thread.task = task;
    task.thread = thread;
    thread.worker.ref();
    const start: ToWorker = { type: "start", task: task.spec };
    thread.worker.postMessage(start);
  }

  private onThreadMessage(thread: TaskThread, data: unknown): void {
    if (isObject(data) && data.type === "loaded") {
      this.stats.bundleLoads++;
      return;
    }
    if (thread.task) this.onMessage(thread.task, data);
  }

  private onThreadBroken(thread: TaskThread, what: string): void {
    if (thread.task && thread.task.state === "running") {
      this.fail(thread.task, new WorkerCrashedError(`the worker of task ${thread.task.spec.taskId} ${what}`));
      return;
    }
    // An idle thread that breaks (a timer of the job's code threw) is not reused.
    this.retire(thread);
  }

  private onThreadClosed(thread: TaskThread, code: number): void {
    this.threads.delete(thread);
    thread.retired = true;
    clearTimeout(thread.idleTimer);
    this.idleThreads = this.idleThreads.filter((candidate) => candidate !== thread);
    const task = thread.task;
    if (task) {
      this.settle(task, new WorkerCrashedError(`the worker of task ${task.spec.taskId} exited (code ${code}) before it answered`));
      void this.afterClose(task);
    } else {
      this.pump();
      this.notifyIdle();
    }
  }

  /** Terminates a thread that runs no task (or whose task has failed). */
  private retire(thread: TaskThread): void {
    if (thread.retired) return;
    thread.retired = true;
    clearTimeout(thread.idleTimer);
    this.idleThreads = this.idleThreads.filter((candidate) => candidate !== thread);
    // An idle thread runs nothing more once terminated: its place is free at once.
    if (!thread.task) this.threads.delete(thread);
    void thread.worker.terminate();
  }

  /** A thread whose task succeeded waits for the next task of its job. */
  private parkThread(thread: TaskThread): void {
    thread.task = undefined;
    if (thread.retired) return;
    if (this.closed) {
      this.retire(thread);
      return;
    }
    this.idleThreads.push(thread);
    // An idle thread does not keep the process alive.
    thread.worker.unref();
    thread.idleTimer = setTimeout(() => this.retire(thread), THREAD_IDLE_MS);
    thread.idleTimer.unref?.();
  }

  private onMessage(task: PoolTask, data: unknown): void {
    if (task.state !== "running") return;
    const message = parseFromWorker(data);
    const taskId = task.spec.taskId;
    if (!message) {
      this.fail(task, new WorkerCrashedError(`the worker of task ${taskId} sent a message this pool does not understand`));
      return;
    }
    switch (message.type) {
      case "read":
        this.serveRead(task, message.id, message.offsetBytes, message.lengthBytes);
        return;
      case "pull":
        this.servePull(task, message.id, message.input);
        return;
      case "progress":
        try {
          task.io.onProgress?.(message.progress);
        } catch (err) {
          this.log.warn("a progress callback failed", { task: taskId, err });
        }
        return;
      case "process-group":
        task.processGroup = message.pgid === 0 ? undefined : message.pgid;
        return;
      case "failed":
        this.fail(task, fromWireError(message.error));
        return;
      case "done": {
        const mismatch = outcomeMismatch(task.spec, message.outcome);
        if (mismatch) this.fail(task, new WorkerCrashedError(`the worker of task ${taskId} reported ${mismatch}`));
        else this.settle(task, message.outcome);
        return;
      }
    }
  }

  private serveRead(task: PoolTask, id: number, offsetBytes: number, lengthBytes: number): void {
    const reader = task.reader;
    if (!reader || offsetBytes >= reader.sizeBytes) {
      this.fail(task, new WorkerCrashedError(`the worker of task ${task.spec.taskId} asked to read at byte ${offsetBytes}, outside its input`));
      return;
    }
    const askBytes = Math.min(lengthBytes, reader.sizeBytes - offsetBytes);
    // Through a promise even if read() throws synchronously: nothing may throw out of a listener.
    Promise.resolve()
      .then(() => reader.read(offsetBytes, askBytes))
      .then(
      (bytes) => {
        if (bytes.length > askBytes) throw new Error(`the input returned ${bytes.length} bytes where ${askBytes} were asked`);
        const { bytes: postable, transfer } = postableBytes(bytes);
        this.reply(task, { type: "read-reply", id, bytes: postable }, transfer);
      },
    ).catch((err: unknown) => this.reply(task, { type: "reply-error", id, message: messageOf(err), ...(err instanceof WireError ? { code: err.code } : {}) }));
  }

  private servePull(task: PoolTask, id: number, input: number): void {
    const inputs = task.inputs;
    if (!inputs || input >= inputs.length) {
      this.fail(task, new WorkerCrashedError(`the worker of task ${task.spec.taskId} asked for reduce input ${input}, which it does not have`));
      return;
    }
    // One pull at a time per input, in order: pieces of a stream must arrive in sequence.
    const previous = task.pullChains[input] ?? Promise.resolve();
    task.pullChains[input] = previous.then(async () => {
      try {
        const piece = await this.nextPiece(task, inputs, input);
        if (piece === null) {
          this.reply(task, { type: "pull-reply", id, bytes: null });
          return;
        }
        const { bytes, transfer } = postableBytes(piece);
        this.reply(task, { type: "pull-reply", id, bytes }, transfer);
      } catch (err) {
        this.reply(task, { type: "reply-error", id, message: messageOf(err), ...(err instanceof WireError ? { code: err.code } : {}) });
      }
    });
  }

  /** The next piece of one input, cut to WORKER_PULL_BYTES_MAX; null at its end. */
  private async nextPiece(task: PoolTask, inputs: readonly AsyncIterable<Uint8Array>[], input: number): Promise<Uint8Array | null> {
    let piece = task.leftovers[input];
    if (!piece) {
      const iterator = (task.iterators[input] ??= inputs[input]![Symbol.asyncIterator]());
      for (;;) {
        const next = await iterator.next();
        if (next.done) return null;
        if (next.value.length > 0) {
          piece = next.value;
          break;
        }
      }
    }
    task.leftovers[input] = piece.length > WORKER_PULL_BYTES_MAX ? piece.subarray(WORKER_PULL_BYTES_MAX) : undefined;
    return piece.length > WORKER_PULL_BYTES_MAX ? piece.subarray(0, WORKER_PULL_BYTES_MAX) : piece;
  }

  private reply(task: PoolTask, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (task.state !== "running" || !task.thread) return;
    task.thread.worker.postMessage(message, transfer);
  }

  private fail(task: PoolTask, err: Error): void {
    this.settle(task, err);
  }

  /** Settles a task once: success, failure or cancellation; a running worker is terminated. */
  private settle(task: PoolTask, outcome: TaskOutcome | Error): void {
    if (task.state === "settled") return;
    const wasRunning = task.state === "running";
    task.state = "settled";
    if (!wasRunning) {
      this.queue.splice(this.queue.indexOf(task), 1);
      this.tasks.delete(task.spec.taskId);
    }
    if (task.onAbort) task.io.signal?.removeEventListener("abort", task.onAbort);
    for (const iterator of task.iterators) void iterator?.return?.()?.catch?.(() => undefined);
    if (outcome instanceof Error) {
      task.failed = true;
      task.reject(outcome);
    } else {
      task.resolve(outcome);
    }
    if (task.processGroup !== undefined) killProcessGroup(task.processGroup);
    const thread = task.thread;
    if (!wasRunning || !thread) return;
    if (outcome instanceof Error) {
      // The thread goes with its task: its state may be broken, and a cancelled task's code
      // may still be running. The close event releases the slot and removes the files.
      thread.retired = true;
      clearTimeout(thread.idleTimer);
      void thread.worker.terminate();
      // This covers a worker that never reports closed.
      setTimeout(() => {
        this.threads.delete(thread);
        this.releaseSlot(task);
      }, WORKER_CLOSE_WAIT_MS).unref();
      return;
    }
    this.parkThread(thread);
    this.releaseSlot(task);
  }

  private async afterClose(task: PoolTask): Promise<void> {
    try {
      if (task.failed) await removeTaskFiles(task.spec);
    } catch (err) {
      this.log.warn("could not remove the files of a failed task", { task: task.spec.taskId, err });
    } finally {
      this.releaseSlot(task);
    }
  }

  private releaseSlot(task: PoolTask): void {
    if (task.slotReleased) return;
    task.slotReleased = true;
    // The id stays taken until now: a retry under the same id must not have its files removed
    // by the cleanup of the attempt before it.
    this.tasks.delete(task.spec.taskId);
    this.runningSlots--;
    this.pump();
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.runningSlots === 0 && this.queue.length === 0 && (!this.closed || this.threads.size === 0)) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

const isObject = (value: unknown): value is { [field: string]: unknown } => typeof value === "object" && value !== null;

/** What a "done" message gets wrong about where its outputs are; undefined if nothing. */
function outcomeMismatch(spec: TaskSpec, outcome: TaskOutcome): string | undefined {
  if (spec.kind !== outcome.kind) return `a ${outcome.kind} outcome for a ${spec.kind} task`;
  if (spec.kind === "reduce" && outcome.kind === "reduce") {
    return outcome.outputPath === spec.outputPath ? undefined : `output at ${outcome.outputPath}, not ${spec.outputPath}`;
  }
  if (spec.kind === "map" && outcome.kind === "map") {
    const outputDir = join(spec.spillDir, mapOutputDirName(spec.taskId));
    if (outcome.outputDir !== outputDir) return `output in ${outcome.outputDir}, not ${outputDir}`;
    if (outcome.partitions.length !== spec.reducers) return `${outcome.partitions.length} partitions for ${spec.reducers} reducers`;
    for (let partition = 0; partition < spec.reducers; partition++) {
      const got = outcome.partitions[partition]!;
      if (got.partition !== partition || got.path !== join(outputDir, partitionFileName(partition))) return `partition ${partition} at ${got.path}`;
    }
  }
  return undefined;
}

/** A failed or cancelled task's partial output: a map task's folder, a reduce task's file. */
async function removeTaskFiles(spec: TaskSpec): Promise<void> {
  if (spec.kind === "map") await rm(join(spec.spillDir, mapOutputDirName(spec.taskId)), { recursive: true, force: true });
  else await rm(spec.outputPath, { force: true });
}

/** A terminated worker cannot stop its streaming process: the group dies here instead. */
function killProcessGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // Gone already.
  }
}
