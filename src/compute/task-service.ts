// The compute worker role of a peer: takes task orders from the leader's scheduler over
// /tessera/task/3, runs them in the worker pool (worker threads), serves its map outputs over
// /tessera/shuffle/1, and reports progress, success and failure back to the leader through the
// metadata protocol (taskProgress, taskDone, taskFailed; whichever peer leads by then).
//
// A map's thread reads a split's chunk held on this peer straight from the chunk file
// (short-circuit, local-input.ts); other chunks come through this peer's file system client.
// A reduce first copies its partition of every map output to local disk (Hadoop's copy
// phase: bounded parallelism, and a map whose output cannot be fetched is named to the
// leader, which runs it again). A reduce may start before
// the last map ends (slow start): its order names the outputs done so far and how many there
// will be, the rest arrive in MapOutputs orders, and it copies each as it comes, on this
// peer's main thread, entering the worker pool only once all are in. Then it merges and reduces,
// writes its output into the file system under _temporary, and renames it to part-r-NNNNN:
// one atomic rename, so a duplicate attempt can never leave a second copy.
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import type { Connection } from "@libp2p/interface";
import type { TesseraHost } from "../net/host.ts";
import { registerHandler } from "../net/rpc.ts";
import type { Logger } from "../util/log.ts";
import type { FileSystemClient } from "../client/fs.ts";
import { FsError } from "../client/fs.ts";
import type { FileRangeReader } from "../client/file-reader.ts";
import { MetaRequestError } from "../client/meta-call.ts";
import { InputFormat, TaskKind, type TaskResult } from "../protocol/pb/jobs.ts";
import { TaskOrder, TaskOrderAck, type MapOutputLocation, type MapOutputs, type RunTask } from "../protocol/pb/task.ts";
import type { TaskRef } from "../protocol/pb/meta.ts";
import type { AnswerOf, RequestOf } from "../protocol/meta.ts";
import { TASK_KIND } from "../protocol/job-names.ts";
import { writeJobBundle } from "../job-module/bundle.ts";
import { followGrowingFile } from "./growing-file.ts";
import { RUN_READ_PIECE_BYTES } from "./constants.ts";
import { TaskCancelledError } from "./errors.ts";
import type { WorkerPool } from "./worker-pool.ts";
import { fetchPartition, mapOutputFile, mapTaskId, reduceTaskId, registerShuffleHandler, ShuffleError } from "./shuffle.ts";
import { SHUFFLE_PROTOCOL, TASK_PROTOCOL } from "../protocol/ids.ts";
import { REPLICATION_DEFAULT, TASK_RPC_LIMITS } from "../protocol/limits.ts";
import { validateJobId } from "../protocol/jobs.ts";
import { paramsEnv, taskTimeoutMs } from "../protocol/job-params.ts";
import type { StreamingTaskSpec } from "./worker-protocol.ts";
import { messageOf } from "../util/errors.ts";
import { codeOf } from "../protocol/errors.ts";

const TASK_INBOUND_STREAMS_MAX = 32;
/** Running attempts report this often, so the leader can tell a live task from a lost one. */
const PROGRESS_INTERVAL_MS = 5_000;
/** Map outputs fetched at once by one reduce. */
const SHUFFLE_FETCHES_PARALLEL = 4;
/** Tries of a fetch that broke off before the map is declared lost (the MapReduce paper re-runs it). */
const SHUFFLE_FETCH_TRIES = 3;
const SHUFFLE_RETRY_BACKOFF_MS = 500;
/** Replication of a reduce's output file when its job does not say (RunTask.outputReplication 0): the file system's default. */
const OUTPUT_REPLICATION_DEFAULT = REPLICATION_DEFAULT;
/**
 * Chunks of a reduce's output in flight at once while it is committed. A peer commits as many
 * reduces at once as it has slots, each holding this many chunk buffers (64 MiB by default):
 * 2 keeps one chunk streaming while the next is read from disk, at 128 MiB a reduce rather
 * than the client's default of 4 (256 MiB).
 */
const OUTPUT_CHUNKS_IN_FLIGHT = 2;
/** Map outputs one reduce waits for, at most: the copy phase keeps a slot per map. */
const REDUCE_MAP_OUTPUTS_MAX = 1_000_000;

export interface TaskServiceInit {
  host: TesseraHost;
  /** This peer's id: map outputs of its own attempts are read from disk, not fetched. */
  id: string;
  /** Local folder for bundles, map outputs and reduce scratch (under the data dir). */
  dir: string;
  fs: FileSystemClient;
  pool: WorkerPool;
  /** Sends a worker's report to the leader (through this peer's metadata service): a MetaCall does. */
  call: TaskReportCall;
  log: Logger;
  /** Fault injection for tests: every task takes this much longer (a straggling peer). */
  faultTaskDelayMs?: number;
}

/** The metadata requests a worker sends: reports on the attempts it runs. */
export type TaskReportKind = "taskDone" | "taskFailed" | "taskProgress";
export type TaskReportCall = <K extends TaskReportKind>(kind: K, body: RequestOf<K>) => Promise<AnswerOf<K>>;

interface RunningAttempt {
  order: RunTask;
  abort: AbortController;
  cancel?: () => void;
  /** A reduce's map outputs to copy. */
  inbox?: MapOutputInbox;
}

/**
 * The map outputs a reduce copies: those its order names, then those pushed to it as maps
 * finish (slow start). Each map is handed out once; a newer attempt of a map not yet handed
 * out replaces the older (its peer may have died).
 */
export class MapOutputInbox {
  private readonly known = new Map<number, MapOutputLocation>();
  private readonly queue: MapOutputLocation[] = [];
  private handedOut = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly total: number) {}

  /** Adds locations; an index out of range, or of a map already handed out, is ignored. */
  add(locations: readonly MapOutputLocation[]): void {
    for (const location of locations) {
      if (location.index >= this.total) continue;
      const queued = this.queue.findIndex((candidate) => candidate.index === location.index);
      if (queued >= 0) {
        if (location.attempt > this.queue[queued]!.attempt) this.queue[queued] = location;
        continue;
      }
      if (this.known.has(location.index)) continue;
      this.known.set(location.index, location);
      this.queue.push(location);
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The next output to copy, waiting for one to be pushed; undefined once every map's output was handed out. */
  async next(signal: AbortSignal): Promise<MapOutputLocation | undefined> {
    for (;;) {
      if (signal.aborted) throw new TaskCancelledError("cancelled");
      const location = this.queue.shift();
      if (location) {
        this.handedOut++;
        return location;
      }
      if (this.handedOut >= this.total) return undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener("abort", wake);
          resolve();
        };
        this.waiters.push(wake);
        signal.addEventListener("abort", wake, { once: true });
      });
    }
  }
}

/** Input files whose chunk lists a peer keeps for its running jobs' maps (TaskService.inputs). */
export const INPUT_READERS_MAX = 256;

function inputKey(jobId: string, path: string): string {
  return `${jobId}\n${path}`;
}

export class TaskService {
  private readonly running = new Map<string, RunningAttempt>();
  private readonly bundles = new Map<string, Promise<string>>();
  /**
   * The chunk lists of the inputs this peer's maps read, by job and path: the maps of a job
   * here share one stat of each file instead of asking the leader for it per map (a file of
   * small chunks has many maps per peer). A map reads its file as the job's first map here
   * found it, as Hadoop plans its splits once. Dropped when a map over it fails (its retry
   * asks again, so a replica gone since is not tried forever), when the job ends, and past
   * INPUT_READERS_MAX, oldest first.
   */
  private readonly inputs = new Map<string, Promise<FileRangeReader>>();
  private progressTimer?: ReturnType<typeof setInterval>;
  private stopped = false;
  /**
   * Attempts finished here since start, by outcome, the map input bytes task threads read
   * straight from local chunk files, and the input files' chunk lists asked of the leader
   * (for tests and metrics).
   */
  readonly counters = { mapsDone: 0, reducesDone: 0, failed: 0, cancelled: 0, mapShortCircuitBytes: 0, inputStats: 0 };

  constructor(private readonly init: TaskServiceInit) {}

  async start(): Promise<void> {
    // What an earlier run of this peer left (map outputs, scratch) is dropped: a job that
    // still needs one of those map outputs learns it is gone from the reduce that asks, and
    // runs the map again, the same as when a worker dies.
    await rm(this.init.dir, { recursive: true, force: true });
    await mkdir(this.init.dir, { recursive: true });
    await registerHandler<TaskOrder, TaskOrderAck>(this.init.host, {
      protocol: TASK_PROTOCOL,
      requestCodec: TaskOrder,
      responseCodec: TaskOrderAck,
      ...TASK_RPC_LIMITS,
      maxInboundStreams: TASK_INBOUND_STREAMS_MAX,
      log: this.init.log,
      handle: (order, connection) => this.take(order, connection),
    });
    await registerShuffleHandler(this.init.host, this.init.dir, this.init.log);
    this.progressTimer = setInterval(() => this.reportProgress(), PROGRESS_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.progressTimer);
    for (const attempt of this.running.values()) attempt.abort.abort(new TaskCancelledError("the peer is stopping"));
    await this.init.host.unhandle([TASK_PROTOCOL, SHUFFLE_PROTOCOL]).catch(() => undefined);
    await this.init.pool.close();
  }

  /** Attempts running here now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Takes an order (the leader's own orders arrive here directly, without a stream). */
  take(order: TaskOrder, _connection?: Connection): TaskOrderAck {
    const jobId = (order.run ?? order.cancel ?? order.cleanup ?? order.outputs)?.jobId;
    if (jobId === undefined) return { accepted: false, error: "an order to run, cancel or clean up, or map outputs, and it is none of them" };
    try {
      validateJobId(jobId);
    } catch (err) {
      return { accepted: false, error: messageOf(err) };
    }
    if (order.run) {
      const run = order.run;
      if (this.stopped) return { accepted: false, error: "this peer is stopping" };
      if (run.kind !== TaskKind.MAP && run.kind !== TaskKind.REDUCE) return { accepted: false, error: `unknown task kind ${run.kind}` };
      if (run.mapCount > REDUCE_MAP_OUTPUTS_MAX) return { accepted: false, error: `a reduce of ${run.mapCount} map outputs, more than ${REDUCE_MAP_OUTPUTS_MAX}` };
      const key = attemptKey(run);
      if (this.running.has(key)) return { accepted: true, error: "" };
      const attempt: RunningAttempt = { order: run, abort: new AbortController() };
      if (run.kind === TaskKind.REDUCE) {
        // mapCount 0: an order of a leader before slow start, which names every map's output.
        attempt.inbox = new MapOutputInbox(run.mapCount > 0 ? run.mapCount : run.maps.length);
        attempt.inbox.add(run.maps);
      }
      this.running.set(key, attempt);
      void this.run(attempt).finally(() => this.running.delete(key));
      return { accepted: true, error: "" };
    }
    if (order.cancel) {
      const attempt = this.running.get(attemptKey(order.cancel));
      if (attempt) {
        attempt.abort.abort(new TaskCancelledError("the scheduler cancelled the attempt"));
        attempt.cancel?.();
      }
      return { accepted: true, error: "" };
    }
    if (order.outputs) {
      this.pushOutputs(order.outputs);
      return { accepted: true, error: "" };
    }
    // A cleanup: the job ended, its outputs here go, and the task threads that have its bundle.
    void rm(join(this.init.dir, jobId), { recursive: true, force: true }).catch(() => undefined);
    const bundle = this.bundles.get(jobId);
    this.bundles.delete(jobId);
    for (const key of this.inputs.keys()) if (key.startsWith(`${jobId}\n`)) this.inputs.delete(key);
    void bundle?.then((path) => this.init.pool.retireJob(path), () => undefined);
    return { accepted: true, error: "" };
  }

  /** Map outputs for a running reduce (slow start); one for an attempt not here is moot. */
  private pushOutputs(outputs: MapOutputs): void {
    const attempt = this.running.get(attemptKey({ jobId: outputs.jobId, kind: TaskKind.REDUCE, index: outputs.reduceIndex, attempt: outputs.attempt }));
    attempt?.inbox?.add(outputs.maps);
  }

  private async run(attempt: RunningAttempt): Promise<void> {
    const order = attempt.order;
    // The first task of a job here: a thread starts while the bundle is fetched.
    if (!this.bundles.has(order.jobId)) this.init.pool.warmUp();
    try {
      const result = order.kind === TaskKind.MAP ? await this.runMap(attempt) : await this.runReduce(attempt);
      if (this.init.faultTaskDelayMs) await abortableSleep(this.init.faultTaskDelayMs, attempt.abort.signal);
      if (attempt.abort.signal.aborted) return;
      if (order.kind === TaskKind.MAP) this.counters.mapsDone += 1;
      else this.counters.reducesDone += 1;
      await this.report("taskDone", { task: this.taskRef(order), result }, order);
    } catch (err) {
      if (attempt.abort.signal.aborted || err instanceof TaskCancelledError) {
        this.counters.cancelled += 1;
        return;
      }
      this.counters.failed += 1;
      if (err instanceof LostMapError) {
        await this.report("taskFailed", { task: this.taskRef(order), error: err.message, lostMap: err.mapIndex, code: "" }, order);
        return;
      }
      this.init.log.warn("a task attempt failed", { job: order.jobId, kind: TASK_KIND.show(order.kind), index: order.index, attempt: order.attempt, err });
      // The code tells the scheduler a passing fault of the cluster (retryable) from the task's own.
      await this.report("taskFailed", { task: this.taskRef(order), error: messageOf(err), code: codeOf(err) }, order);
    }
  }

  private async runMap(attempt: RunningAttempt): Promise<TaskResult> {
    const order = attempt.order;
    const split = order.split;
    if (!split) throw new Error("a map order without its split");
    const taskId = mapTaskId(order.index, order.attempt);
    const streaming = order.streaming ? this.streamingSpec(order, taskId, order.streaming.mapper, order.streaming.combiner, { mapreduce_map_input_file: split.path, mapreduce_map_input_start: String(split.startBytes), mapreduce_map_input_length: String(split.endBytes - split.startBytes) }) : undefined;
    // The bundle (cached per job; a streaming job has none) and the input's chunks are asked for at once.
    const takenAtMs = Date.now();
    const [bundlePath, reader] = await Promise.all([streaming ? Promise.resolve("") : this.bundle(order), this.input(order.jobId, split.path)]);
    const readyAtMs = Date.now();
    const queuedBehind = this.init.pool.queued;
    const wholeFile = order.inputFormat === InputFormat.WHOLE_FILE;
    const handle = this.init.pool.runMap(
      {
        kind: "map",
        taskId,
        bundlePath,
        path: split.path,
        sizeBytes: reader.sizeBytes,
        startBytes: wholeFile ? 0 : split.startBytes,
        endBytes: wholeFile ? reader.sizeBytes : Math.min(split.endBytes, reader.sizeBytes),
        reducers: order.reducers,
        spillDir: join(this.init.dir, order.jobId),
        ...(order.orderSentAtMs > 0 ? { orderSentAtMs: order.orderSentAtMs } : {}),
        params: paramsRecord(order),
        ...(streaming ? { streaming } : {}),
        // The split's chunks held here: the task's thread reads their files itself.
        localChunks: await reader.localChunks(wholeFile ? 0 : split.startBytes, wholeFile ? reader.sizeBytes : Math.min(split.endBytes, reader.sizeBytes)),
      },
      { reader, signal: attempt.abort.signal },
    );
    attempt.cancel = () => handle.cancel();
    const outcome = await handle.result.catch((err: unknown) => {
      this.inputs.delete(inputKey(order.jobId, split.path));
      throw err;
    });
    this.counters.mapShortCircuitBytes += outcome.shortCircuitBytes;
    // Where a task's start went (the job's taskStartMsP50 counts to its map's first call): the
    // order's trip, the bundle and the split's chunk list, then the thread up to that call.
    if (order.orderSentAtMs > 0 && outcome.startDelayMs !== undefined) {
      const orderToRunMs = takenAtMs - order.orderSentAtMs;
      const bundleAndReaderMs = readyAtMs - takenAtMs;
      this.init.log.debug("a map task's start", { job: order.jobId, map: order.index, startDelayMs: outcome.startDelayMs, orderToRunMs, bundleAndReaderMs, threadToFirstMapMs: outcome.startDelayMs - orderToRunMs - bundleAndReaderMs, queuedBehind });
    }
    const partitionBytes = new Array<number>(order.reducers).fill(0);
    for (const partition of outcome.partitions) partitionBytes[partition.partition] = partition.sizeBytes;
    return {
      partitionBytes,
      inputRecords: outcome.counters.mapInputRecords,
      inputBytes: (wholeFile ? reader.sizeBytes : Math.min(split.endBytes, reader.sizeBytes)) - (wholeFile ? 0 : split.startBytes),
      outputRecords: outcome.counters.mapOutputRecords,
      shuffleBytes: 0,
      inputGroups: 0,
      ...(outcome.startDelayMs !== undefined ? { startDelayMs: outcome.startDelayMs } : {}),
    };
  }

  private async runReduce(attempt: RunningAttempt): Promise<TaskResult> {
    const startedAtMs = performance.now();
    const order = attempt.order;
    const taskId = reduceTaskId(order.index, order.attempt);
    const streaming = order.streaming ? this.streamingSpec(order, taskId, order.streaming.reducer, "", {}) : undefined;
    const bundlePath = streaming ? "" : await this.bundle(order);
    const scratch = join(this.init.dir, order.jobId, `reduce-${taskId}`);
    await rm(scratch, { recursive: true, force: true });
    await mkdir(scratch, { recursive: true });
    try {
      // Copy phase: this partition of every map output, to local files, each as soon as the
      // leader names it (those of maps still running arrive while others are copied).
      const inbox = attempt.inbox!;
      // Fetchers that wait for a push stop when the copy phase ends early (a lost map, a cancel).
      const copying = new AbortController();
      const stopCopying = () => copying.abort();
      attempt.abort.signal.addEventListener("abort", stopCopying, { once: true });
      let shuffleBytes = 0;
      const files: string[] = new Array<string>(inbox.total);
      const fetchOne = async () => {
        for (let location = await inbox.next(copying.signal); location; location = await inbox.next(copying.signal)) {
          if (location.peer === this.init.id) {
            files[location.index] = mapOutputFile(this.init.dir, order.jobId, location.index, location.attempt, order.index);
            continue;
          }
          const path = join(scratch, `map-${location.index}.run`);
          for (let attemptNo = 1; ; attemptNo++) {
            try {
              shuffleBytes += await this.copy(location, order, path);
              break;
            } catch (err) {
              if (err instanceof TaskCancelledError || attempt.abort.signal.aborted) throw new TaskCancelledError("cancelled");
              // "Not there" is final; a broken transfer may be the network, so it is tried again.
              const final = err instanceof ShuffleError || attemptNo >= SHUFFLE_FETCH_TRIES;
              this.init.log.warn("a map output fetch failed", { job: order.jobId, map: location.index, from: location.peer, try: attemptNo, final, err });
              if (final) throw new LostMapError(location.index, `could not fetch the output of map ${location.index} from ${location.peer}: ${messageOf(err)}`);
              await Bun.sleep(SHUFFLE_RETRY_BACKOFF_MS * attemptNo);
            }
          }
          files[location.index] = path;
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(SHUFFLE_FETCHES_PARALLEL, Math.max(1, inbox.total)) }, fetchOne));
      } finally {
        attempt.abort.signal.removeEventListener("abort", stopCopying);
        copying.abort();
      }
      // A local map output that vanished (the peer restarted) is lost like a remote one.
      for (const [index, path] of files.entries()) {
        if (!(await Bun.file(path).exists())) throw new LostMapError(index, `the output of map ${index} is gone from this peer`);
      }
      // Merge and reduce in a worker thread, and commit at once: the part streams into the file
      // system, into _temporary under a name of this attempt, as the thread writes it (as
      // Hadoop's reduce writes through the DFS client), then one rename gives its final name.
      const copiedAtMs = performance.now();
      const outputPath = join(scratch, "part");
      const partName = `part-r-${String(order.index).padStart(5, "0")}`;
      const temporary = `${order.output}/_temporary/${partName}-a${order.attempt}`;
      await this.init.fs.rm(temporary).catch(() => undefined);
      const handle = this.init.pool.runReduce(
        // The thread reads the map outputs' files itself: none of their bytes pass through this thread.
        { kind: "reduce", taskId, bundlePath, inputCount: files.length, inputPaths: files, outputPath, params: paramsRecord(order), ...(streaming ? { streaming } : {}) },
        { inputs: [], signal: attempt.abort.signal },
      );
      attempt.cancel = () => handle.cancel();
      let reducedAtMs = 0;
      let reduceFailed = false;
      const reduced = handle.result.finally(() => void (reducedAtMs = performance.now()));
      // Registered before anything else awaits `reduced`, so it is set before the commit hears of the failure.
      reduced.catch(() => void (reduceFailed = true));
      const writtenBytes = reduced.then((outcome) => outcome.sizeBytes);
      // Seen here too: the follower sees it only once the put starts reading.
      writtenBytes.catch(() => undefined);
      let commitFailed = false;
      const committed = this.init.fs
        .put(followGrowingFile(outputPath, writtenBytes, RUN_READ_PIECE_BYTES, { reuseBuffer: true }), temporary, { replication: order.outputReplication || OUTPUT_REPLICATION_DEFAULT, chunksInFlight: OUTPUT_CHUNKS_IN_FLIGHT })
        .catch((err: unknown) => {
          // The file system refused the part (a full cluster, a lost leader): the reduce stops
          // too. A reduce that failed ended the commit itself: its error is the one to report.
          if (!reduceFailed) {
            commitFailed = true;
            handle.cancel();
          }
          throw err;
        });
      const [reduceOutcome, commitOutcome] = await Promise.allSettled([reduced, committed]);
      if (reduceOutcome.status === "rejected" && !commitFailed) throw reduceOutcome.reason;
      if (commitOutcome.status === "rejected") throw commitOutcome.reason;
      const outcome = (reduceOutcome as PromiseFulfilledResult<Awaited<typeof reduced>>).value;
      try {
        await this.init.fs.mv(temporary, `${order.output}/${partName}`);
      } catch (err) {
        // Another attempt of this reduce committed first: its output stands, this one goes.
        if (!(isExists(err))) throw err;
        await this.init.fs.rm(temporary).catch(() => undefined);
      }
      // Where a reduce's time goes: the copy phase (waiting for the last map included), the
      // merge and reduce in a task thread, and what is left of the commit after it (the commit
      // runs beside the merge).
      this.init.log.debug("a reduce task's phases", { job: order.jobId, reduce: order.index, copyMs: Math.round(copiedAtMs - startedAtMs), mergeAndReduceMs: Math.round(reducedAtMs - copiedAtMs), commitMs: Math.round(performance.now() - reducedAtMs), shuffleBytes });
      return {
        partitionBytes: [],
        inputRecords: outcome.counters.reduceInputRecords,
        inputBytes: 0,
        outputRecords: outcome.counters.reduceOutputRecords,
        shuffleBytes,
        inputGroups: outcome.counters.reduceInputGroups,
      };
    } finally {
      await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Copies one partition of a map output from its peer to `path`; returns its size. */
  private async copy(location: MapOutputLocation, order: RunTask, path: string): Promise<number> {
    // The scheduler sends the map peer's addresses: a reduce may run where that peer was never dialled.
    if (location.addresses.length > 0) {
      const addresses = location.addresses.flatMap((address) => {
        try {
          return [multiaddr(address)];
        } catch {
          return [];
        }
      });
      await this.init.host.peerStore.merge(peerIdFromString(location.peer), { multiaddrs: addresses }).catch(() => undefined);
    }
    const out = createWriteStream(path);
    let bytes = 0;
    try {
      for await (const piece of fetchPartition(this.init.host, peerIdFromString(location.peer), { jobId: order.jobId, mapIndex: location.index, attempt: location.attempt, partition: order.index })) {
        bytes += piece.length;
        if (!out.write(piece)) await new Promise((resolve) => out.once("drain", resolve));
      }
    } finally {
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
    return bytes;
  }

  /**
   * What a worker thread needs to run a streaming task's command: its environment holds the
   * job's parameters (paramsEnv) and, as Hadoop Streaming sets them, the task's names.
   */
  private streamingSpec(order: RunTask, taskId: string, command: string, combiner: string, taskEnv: Record<string, string>): StreamingTaskSpec {
    return {
      command,
      combiner,
      env: { ...paramsEnv(order.params), mapreduce_job_id: order.jobId, mapreduce_task_id: taskId, mapreduce_task_partition: String(order.index), ...taskEnv },
      idleTimeoutMs: taskTimeoutMs(order.params),
      workDir: join(this.init.dir, order.jobId, `stream-${taskId}`),
    };
  }

  /** A reader of a job's input file, its chunk list asked for once per job here (`inputs`). */
  private input(jobId: string, path: string): Promise<FileRangeReader> {
    const key = inputKey(jobId, path);
    let pending = this.inputs.get(key);
    if (!pending) {
      pending = this.init.fs.openRangeReader(path);
      this.counters.inputStats += 1;
      pending.catch(() => this.inputs.delete(key));
      this.inputs.set(key, pending);
      for (const oldest of this.inputs.keys()) {
        if (this.inputs.size <= INPUT_READERS_MAX) break;
        this.inputs.delete(oldest);
      }
    }
    return pending;
  }

  /** The job's bundle on this peer's disk, fetched from the file system once per job. */
  private bundle(order: RunTask): Promise<string> {
    let pending = this.bundles.get(order.jobId);
    if (!pending) {
      pending = this.init.fs.readFile(order.bundlePath).then((bytes) => writeJobBundle(bytes, join(this.init.dir, order.jobId)));
      pending.catch(() => this.bundles.delete(order.jobId));
      this.bundles.set(order.jobId, pending);
    }
    return pending;
  }

  private reportProgress(): void {
    for (const attempt of this.running.values()) void this.report("taskProgress", { task: this.taskRef(attempt.order) }, attempt.order).catch(() => undefined);
  }

  /** Which attempt a report is about: this peer's attempt of the order. */
  private taskRef(order: RunTask): TaskRef {
    return { jobId: order.jobId, kind: order.kind, index: order.index, attempt: order.attempt, peer: this.init.id };
  }

  private async report<K extends TaskReportKind>(kind: K, body: RequestOf<K>, order: RunTask): Promise<void> {
    try {
      await this.init.call(kind, body);
    } catch (err) {
      // The leader keeps the attempt until it hears nothing for a while; then it runs again.
      if (kind !== "taskProgress") this.init.log.warn("a task report did not reach the leader", { job: order.jobId, report: kind, err });
    }
  }
}

class LostMapError extends Error {
  override name = "LostMapError";
  constructor(
    readonly mapIndex: number,
    message: string,
  ) {
    super(message);
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

function paramsRecord(order: RunTask): Record<string, string> {
  return Object.fromEntries(order.params.map((param) => [param.key, param.value]));
}

function attemptKey(order: { jobId: string; kind: TaskKind; index: number; attempt: number }): string {
  return `${order.jobId}/${TASK_KIND.show(order.kind)}/${order.index}/${order.attempt}`;
}

function isExists(err: unknown): boolean {
  return (err instanceof FsError || err instanceof MetaRequestError) && err.code === "ALREADY_EXISTS";
}

