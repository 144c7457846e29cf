// The messages between a peer (worker-pool.ts) and a task's worker thread (task-worker.ts).
//
// A worker cannot hold the peer's libp2p host, so whatever a task reads comes through its
// parent: a map task's RangeReader is a proxy that asks the parent for byte ranges ("read"),
// and each reduce input is a proxy stream that asks for its next piece of run-file bytes
// ("pull"). Both are request/response: the worker asks for the next piece only when it needs
// it (a map's reader keeps one read ahead, a reduce input one pull), which is the backpressure.
//
// The worker runs the job's code, so the parent treats what a worker sends as untrusted: every
// message is checked here, and anything malformed fails the task instead of reaching the peer.
import { AssertionError } from "../util/assert.ts";
import { isErrorCode, RequestError } from "../protocol/errors.ts";
import { WORKER_READ_BYTES_MAX } from "./constants.ts";
import { JobBundleError, LineTooLongError, RunFileCorruptError, TaskCancelledError, TaskError } from "./errors.ts";
import { JobDefinitionError } from "../job-module/job-api.ts";
import type { LineSplitOptions } from "./line-split.ts";
import type { MapTaskCounters } from "./map-task.ts";
import type { MapOutputPartition } from "./map-output.ts";
import type { ReduceCounters } from "./reduce-task.ts";
import type { LocalChunkSpan } from "../client/short-circuit.ts";
import { ERROR_MESSAGE_CHARS_MAX, boundedMessage } from "../util/errors.ts";

export interface MapTaskSpec {
  kind: "map";
  taskId: string;
  /** The job bundle, already on this peer's disk (bundle.ts writeJobBundle). */
  bundlePath: string;
  /** The input file's path in the file system (the key of a whole-file map call). */
  path: string;
  /** The input file's size: the proxy reader's sizeBytes. */
  sizeBytes: number;
  startBytes: number;
  endBytes: number;
  reducers: number;
  spillDir: string;
  memoryLimitBytes?: number;
  split?: LineSplitOptions;
  /** When the leader sent the order (its wall clock, ms): the outcome says how long until the job's map ran. */
  orderSentAtMs?: number;
  /** The input's chunks held on this peer: the task's thread reads them from their files. */
  localChunks?: LocalChunkSpan[];
  /** The job's parameters, for a TypeScript job's context. */
  params?: Record<string, string>;
  /** Set for a streaming job: bundlePath is then empty, and the command does the work. */
  streaming?: StreamingTaskSpec;
}

/** What a worker needs to run a streaming task (streaming-task.ts). */
export interface StreamingTaskSpec {
  /** The mapper or the reducer; an empty reducer is the identity. */
  command: string;
  /** A map's combiner, or "". */
  combiner: string;
  env: Record<string, string>;
  idleTimeoutMs: number;
  /** The process's working folder (made and removed by the task). */
  workDir: string;
}

export interface ReduceTaskSpec {
  kind: "reduce";
  taskId: string;
  bundlePath: string;
  /** How many map outputs feed this reduce: the parent provides that many byte streams, or inputPaths names them. */
  inputCount: number;
  /**
   * The map outputs as local run files, which the thread reads itself (a reduce's inputs are
   * all on its peer's disk once copied): no byte of them passes through the peer's main
   * thread. Absent: the parent serves inputCount byte streams.
   */
  inputPaths?: string[];
  /** A new local file the worker writes the output lines to (not synced: the parent commits it to the file system at once). */
  outputPath: string;
  params?: Record<string, string>;
  streaming?: StreamingTaskSpec;
}

export type TaskSpec = MapTaskSpec | ReduceTaskSpec;

export interface MapTaskOutcome {
  kind: "map";
  outputDir: string;
  partitions: MapOutputPartition[];
  counters: MapTaskCounters;
  /** From orderSentAtMs to the first call of the job's map (ms); absent without either. */
  startDelayMs?: number;
  /** Input bytes the task's thread read from local chunk files, not through the peer. */
  shortCircuitBytes: number;
}

export interface ReduceTaskOutcome {
  kind: "reduce";
  outputPath: string;
  sizeBytes: number;
  counters: ReduceCounters;
}

export type TaskOutcome = MapTaskOutcome | ReduceTaskOutcome;

export interface TaskProgress {
  /** Input records read so far. */
  records: number;
  /** Map tasks: how far into the split, 0–1. */
  fraction?: number;
}

/** An error as it crosses the thread boundary. */
export interface WireError {
  name: string;
  code?: string;
  message: string;
  offsetBytes?: number;
  key?: string;
  maxLineBytes?: number;
}

export type ToWorker =
  | { type: "start"; task: TaskSpec }
  | { type: "read-reply"; id: number; bytes: Uint8Array }
  | { type: "pull-reply"; id: number; bytes: Uint8Array | null }
  // `code`: the failure's code of protocol/errors.ts when it had one (a read refused for a
  // missing replica is MISSING), so the task fails with it and the scheduler can tell the
  // cluster's passing fault from the task's own.
  | { type: "reply-error"; id: number; message: string; code?: string };

export type FromWorker =
  | { type: "read"; id: number; offsetBytes: number; lengthBytes: number }
  | { type: "pull"; id: number; input: number }
  | { type: "progress"; progress: TaskProgress }
  // The thread imported a job bundle (a warm thread does so once for all its tasks of a job).
  | { type: "loaded" }
  // A streaming task's process group (0: none any more), killed by the parent when the task ends.
  | { type: "process-group"; pgid: number }
  | { type: "done"; outcome: TaskOutcome }
  | { type: "failed"; error: WireError };

export function toWireError(thrown: unknown): WireError {
  if (!(thrown instanceof Error)) return { name: "Error", message: boundedMessage(String(thrown)) };
  const wire: WireError = { name: thrown.name, message: boundedMessage(thrown.message) };
  const fields = thrown as Error & { code?: unknown; offsetBytes?: unknown; key?: unknown; maxLineBytes?: unknown };
  if (typeof fields.code === "string") wire.code = fields.code;
  if (typeof fields.offsetBytes === "number") wire.offsetBytes = fields.offsetBytes;
  if (typeof fields.key === "string") wire.key = boundedMessage(fields.key);
  if (typeof fields.maxLineBytes === "number") wire.maxLineBytes = fields.maxLineBytes;
  return wire;
}

/** The error a task fails with on the peer's side, of the class the worker threw. */
export function fromWireError(wire: WireError): Error {
  switch (wire.code) {
    case "TASK_FAILED":
      return new TaskError(wire.message, { offsetBytes: wire.offsetBytes, key: wire.key });
    case "TASK_CANCELLED":
      return new TaskCancelledError(wire.message);
    case "JOB_BUNDLE":
      return new JobBundleError(wire.message);
    case "JOB_DEFINITION":
      return new JobDefinitionError(wire.message);
    case "LINE_TOO_LONG":
      return new LineTooLongError(wire.offsetBytes ?? 0, wire.maxLineBytes ?? 0);
    case "RUN_FILE_CORRUPT":
      return new RunFileCorruptError(wire.message);
  }
  if (wire.name === "AssertionError") return new AssertionError(wire.message);
  // A failure of the cluster's vocabulary (a read's MISSING, a metadata call's UNAVAILABLE) keeps its code.
  if (isErrorCode(wire.code)) return new RequestError(wire.code, wire.message);
  // Anything else is the task's environment failing (a full disk, a failed read): keep its name.
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

const isObject = (value: unknown): value is { [field: string]: unknown } => typeof value === "object" && value !== null;
const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** Checks a message from a worker; undefined when it is not one this protocol has. */
export function parseFromWorker(data: unknown): FromWorker | undefined {
  if (!isObject(data)) return undefined;
  switch (data.type) {
    case "read":
      if (!isCount(data.id) || !isCount(data.offsetBytes) || !isCount(data.lengthBytes)) return undefined;
      if (data.lengthBytes === 0 || data.lengthBytes > WORKER_READ_BYTES_MAX) return undefined;
      return { type: "read", id: data.id, offsetBytes: data.offsetBytes, lengthBytes: data.lengthBytes };
    case "pull":
      if (!isCount(data.id) || !isCount(data.input)) return undefined;
      return { type: "pull", id: data.id, input: data.input };
    case "process-group":
      // Never 1 (init) nor the peer's own group: a kill of the group must hit the task only.
      if (!isCount(data.pgid) || data.pgid === 1 || data.pgid === process.pid) return undefined;
      return { type: "process-group", pgid: data.pgid };
    case "progress": {
      const progress = data.progress;
      if (!isObject(progress) || !isCount(progress.records)) return undefined;
      const fraction = typeof progress.fraction === "number" && progress.fraction >= 0 && progress.fraction <= 1 ? progress.fraction : undefined;
      return { type: "progress", progress: fraction === undefined ? { records: progress.records } : { records: progress.records, fraction } };
    }
    case "loaded":
      return { type: "loaded" };
    case "failed": {
      const error = data.error;
      if (!isObject(error) || typeof error.name !== "string" || typeof error.message !== "string") return undefined;
      const wire: WireError = { name: error.name.slice(0, 100), message: boundedMessage(error.message) };
      if (typeof error.code === "string") wire.code = error.code.slice(0, 100);
      if (isCount(error.offsetBytes)) wire.offsetBytes = error.offsetBytes;
      if (typeof error.key === "string") wire.key = error.key.slice(0, ERROR_MESSAGE_CHARS_MAX);
      if (isCount(error.maxLineBytes)) wire.maxLineBytes = error.maxLineBytes;
      return { type: "failed", error: wire };
    }
    case "done": {
      const outcome = parseOutcome(data.outcome);
      return outcome ? { type: "done", outcome } : undefined;
    }
    default:
      return undefined;
  }
}

function parseCounters<T>(value: unknown, names: readonly (keyof T & string)[]): T | undefined {
  if (!isObject(value)) return undefined;
  const out: { [name: string]: number } = {};
  for (const name of names) {
    const count = value[name];
    if (!isCount(count)) return undefined;
    out[name] = count;
  }
  return out as T;
}

const MAP_COUNTER_NAMES = [
  "mapInputRecords",
  "mapOutputRecords",
  "mapOutputBytes",
  "spilledRecords",
  "spills",
  "combineInputRecords",
  "combineOutputRecords",
] as const satisfies readonly (keyof MapTaskCounters)[];
const REDUCE_COUNTER_NAMES = ["reduceInputGroups", "reduceInputRecords", "reduceOutputRecords"] as const satisfies readonly (keyof ReduceCounters)[];

function parseOutcome(value: unknown): TaskOutcome | undefined {
  if (!isObject(value)) return undefined;
  if (value.kind === "map") {
    const counters = parseCounters<MapTaskCounters>(value.counters, MAP_COUNTER_NAMES);
    if (!counters || typeof value.outputDir !== "string" || !Array.isArray(value.partitions) || !isCount(value.shortCircuitBytes)) return undefined;
    const partitions: MapOutputPartition[] = [];
    for (const item of value.partitions as unknown[]) {
      if (!isObject(item) || !isCount(item.partition) || typeof item.path !== "string" || !isCount(item.records) || !isCount(item.sizeBytes)) return undefined;
      partitions.push({ partition: item.partition, path: item.path, records: item.records, sizeBytes: item.sizeBytes });
    }
    const outcome: MapTaskOutcome = { kind: "map", outputDir: value.outputDir, partitions, counters, shortCircuitBytes: value.shortCircuitBytes };
    if (isCount(value.startDelayMs)) outcome.startDelayMs = value.startDelayMs;
    return outcome;
  }
  if (value.kind === "reduce") {
    const counters = parseCounters<ReduceCounters>(value.counters, REDUCE_COUNTER_NAMES);
    if (!counters || typeof value.outputPath !== "string" || !isCount(value.sizeBytes)) return undefined;
    return { kind: "reduce", outputPath: value.outputPath, sizeBytes: value.sizeBytes, counters };
  }
  return undefined;
}

/** A crash report from a worker's "error" event, without the source excerpt Bun puts before it. */
export function crashMessage(event: ErrorEvent): string {
  const thrown: unknown = event.error;
  if (thrown instanceof Error && thrown.message) return boundedMessage(thrown.message);
  const text = String(event.message ?? "");
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const errorLine = lines.find((line) => /^\w*(Error|error)\b.*:/.test(line.trim()));
  return boundedMessage((errorLine ?? lines[lines.length - 1] ?? "an uncaught error").trim());
}

/**
 * A piece of bytes ready to post: structured cloning copies a view's whole ArrayBuffer, so a
 * small view into a large buffer (a reader's cache) is copied down to its own bytes first.
 */
export function postableBytes(bytes: Uint8Array): { bytes: Uint8Array; transfer: ArrayBuffer[] } {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return { bytes, transfer: [] };
  const copy = bytes.slice();
  return { bytes: copy, transfer: [copy.buffer] };
}

