// One map task: the records of one split of one file through the job's map function into a
// MapOutputCollector (MapReduce paper §3.1 steps 3–4). Where the bytes come from (the local
// chunk file, a replica over the network, a worker thread's proxy) is the RangeReader's business.
import { SPLIT_READ_AHEAD_BYTES_DEFAULT, WHOLE_FILE_BYTES_MAX, WORKER_PROGRESS_INTERVAL_MS } from "./constants.ts";
import { TaskCancelledError, TaskError } from "./errors.ts";
import { jobContext, type Emit, type JobContext, type JobDefinition } from "../job-module/job-api.ts";
import { lineBatchesOfSplit, type LineSplitOptions, type RangeReader } from "./line-split.ts";
import { MapOutputCollector, type MapOutputCounters, type MapOutputPartition } from "./map-output.ts";
import { isPromiseLike } from "./user-code.ts";
import { messageOf } from "../util/errors.ts";

export interface MapTaskParams {
  job: JobDefinition;
  /** The whole input file (offsets are file offsets). */
  reader: RangeReader;
  /** The input file's path: the key of a "whole-file" map call, and named in errors. */
  path: string;
  /** The split: usually one chunk, [chunk index × chunk size, + chunk size). */
  startBytes: number;
  endBytes: number;
  reducers: number;
  /** The task's output goes to <spillDir>/map-<taskId>/part-<r>.run. */
  spillDir: string;
  memoryLimitBytes?: number;
  taskId: string;
  split?: LineSplitOptions;
  /** The job's parameters, handed to each of its functions. Default: none. */
  context?: JobContext;
  signal?: AbortSignal;
  /** Called at most once per WORKER_PROGRESS_INTERVAL_MS while records are read. */
  onProgress?(progress: MapTaskProgress): void;
}

export interface MapTaskProgress {
  mapInputRecords: number;
  /** How far into the split the task has read: 0–1. */
  fraction: number;
}

export interface MapTaskCounters extends MapOutputCounters {
  mapInputRecords: number;
}

export interface MapTaskResult {
  /** The folder holding the task's outputs (what the shuffle service serves). */
  outputDir: string;
  partitions: MapOutputPartition[];
  counters: MapTaskCounters;
}

export async function runMapTask(params: MapTaskParams): Promise<MapTaskResult> {
  const { job, reader, path, startBytes, endBytes, signal } = params;
  const context = params.context ?? jobContext();
  const collector = new MapOutputCollector({
    reducers: params.reducers,
    partition: job.partition ? (key, reducers) => job.partition!(key, reducers) : undefined,
    combine: job.combine ? (key, values, emit) => job.combine!(key, values, emit, context) : undefined,
    memoryLimitBytes: params.memoryLimitBytes,
    spillDir: params.spillDir,
    taskId: params.taskId,
  });
  const emit: Emit = (key, value) => collector.emit(key, value);
  let mapInputRecords = 0;
  try {
    const failed = (err: unknown, offsetBytes: number) => new TaskError(`map failed on the record at byte ${offsetBytes} of ${path}: ${messageOf(err)}`, { offsetBytes }, { cause: err });
    /** One map call; a promise only when there is something to wait for (an async map, a spill). */
    const callMap = (key: string, value: string, offsetBytes: number): Promise<void> | undefined => {
      let result: unknown;
      try {
        result = job.map(key, value, emit, context);
      } catch (err) {
        throw failed(err, offsetBytes);
      }
      if (isPromiseLike(result)) {
        return (async () => {
          try {
            await result;
          } catch (err) {
            throw failed(err, offsetBytes);
          }
          mapInputRecords++;
          if (collector.needsSpill) await collector.spill();
        })();
      }
      mapInputRecords++;
      return collector.needsSpill ? collector.spill() : undefined;
    };

    if (job.input === "whole-file") {
      // One record per file: only the task of the file's first split reads it.
      if (startBytes === 0) {
        if (signal?.aborted) throw new TaskCancelledError(`map task ${params.taskId} was cancelled`);
        await callMap(path, await readWholeFile(reader, path), 0);
      }
    } else {
      let progressAtMs = performance.now();
      const splitBytes = Math.max(1, endBytes - startBytes);
      for await (const batch of lineBatchesOfSplit(reader, startBytes, endBytes, params.split)) {
        if (signal?.aborted) throw new TaskCancelledError(`map task ${params.taskId} was cancelled`);
        for (const { offsetBytes, line } of batch) {
          const pending = callMap(String(offsetBytes), line, offsetBytes);
          if (pending) await pending;
        }
        if (params.onProgress && performance.now() - progressAtMs >= WORKER_PROGRESS_INTERVAL_MS) {
          progressAtMs = performance.now();
          params.onProgress({ mapInputRecords, fraction: Math.min(1, (batch[batch.length - 1]!.offsetBytes - startBytes) / splitBytes) });
        }
      }
    }
    if (signal?.aborted) throw new TaskCancelledError(`map task ${params.taskId} was cancelled`);
    if (job.mapEnd) {
      try {
        const result = job.mapEnd(emit, context);
        if (isPromiseLike(result)) await result;
      } catch (err) {
        throw new TaskError(`mapEnd failed after the last record of ${path}: ${messageOf(err)}`, {}, { cause: err });
      }
    }
    const output = await collector.finish();
    return { outputDir: output.dir, partitions: output.partitions, counters: { mapInputRecords, ...output.counters } };
  } catch (err) {
    await collector.abort();
    throw err;
  }
}

async function readWholeFile(reader: RangeReader, path: string): Promise<string> {
  const sizeBytes = reader.sizeBytes;
  if (sizeBytes > WHOLE_FILE_BYTES_MAX) {
    throw new Error(`${path} is ${sizeBytes} bytes, more than the ${WHOLE_FILE_BYTES_MAX} bytes a whole-file job reads into one map call`);
  }
  const bytes = new Uint8Array(sizeBytes);
  let filled = 0;
  while (filled < sizeBytes) {
    const piece = await reader.read(filled, Math.min(SPLIT_READ_AHEAD_BYTES_DEFAULT, sizeBytes - filled));
    if (piece.length === 0 || piece.length > sizeBytes - filled) throw new Error(`the input returned ${piece.length} bytes at offset ${filled} of ${path}, which is ${sizeBytes} bytes long`);
    bytes.set(piece, filled);
    filled += piece.length;
  }
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
}
