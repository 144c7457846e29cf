// One reduce task (MapReduce paper §3.1 steps 5–6): the sorted outputs of every map task for
// this partition are merged, grouped by key, and each group goes through the job's reduce
// function; what it emits becomes `key\tvalue\n` lines (Hadoop's TextOutputFormat; a key or
// value that itself holds a tab or newline is written as is, as Hadoop does), and `key\n`
// when the value is empty, so a job that emits lines as keys writes exactly those lines.
//
// Output is handed to `write` as UTF-8 in pieces of whole lines, half to one
// REDUCE_OUTPUT_FLUSH_BYTES each, after the reduce call that filled them; writes are issued one
// after another, in order, and each is awaited before the next (a slow writer slows the
// reduce: that is the backpressure).
// What one reduce call emits is held until that call returns: a reduce emits about one line
// per key, and its values, which can be many, are streamed rather than held.
import { REDUCE_OUTPUT_FLUSH_BYTES, WORKER_PROGRESS_INTERVAL_MS } from "./constants.ts";
import { TaskCancelledError, TaskError } from "./errors.ts";
import { jobContext, type Emit, type JobContext, type JobDefinition } from "../job-module/job-api.ts";
import { KeyGroups, mergeSorted } from "./merge.ts";
import type { KeyValue, RecordBatches } from "./records.ts";
import { checkEmitted, isPromiseLike, quoteKey } from "./user-code.ts";
import { messageOf } from "../util/errors.ts";

export interface ReduceTaskParams {
  job: JobDefinition;
  /** One sorted stream per map output of this partition. */
  inputs: readonly RecordBatches[];
  /**
   * Receives the output as UTF-8: one or more whole lines per call. The bytes are the task's
   * to reuse once a returned promise settles (or at once, when none is returned): copy them
   * to keep them.
   */
  write(bytes: Uint8Array): void | Promise<void>;
  signal?: AbortSignal;
  /** The job's parameters, handed to reduce. Default: none. */
  context?: JobContext;
  /** Called at most once per WORKER_PROGRESS_INTERVAL_MS. */
  onProgress?(counters: ReduceCounters): void;
}

export interface ReduceCounters {
  reduceInputGroups: number;
  reduceInputRecords: number;
  reduceOutputRecords: number;
}

export async function runReduce(params: ReduceTaskParams): Promise<ReduceCounters> {
  const { job, signal } = params;
  const context = params.context ?? jobContext();
  const counters: ReduceCounters = { reduceInputGroups: 0, reduceInputRecords: 0, reduceOutputRecords: 0 };
  // Output lines are written as UTF-8 straight into a buffer (no string per line, no join, no
  // second encoding); a reduce call that emits more than the buffer holds starts another.
  let out = Buffer.allocUnsafe(REDUCE_OUTPUT_FLUSH_BYTES);
  let fill = 0;
  const full: Uint8Array[] = [];
  const flush = async () => {
    if (fill > 0) full.push(out.subarray(0, fill));
    for (let piece = full.shift(); piece !== undefined; piece = full.shift()) {
      const result = params.write(piece);
      if (isPromiseLike(result)) await result;
    }
    // The writer is done with the bytes once its promise settled: the buffer is used again.
    fill = 0;
  };
  let currentKey = "";
  const emit: Emit = (key, value) => {
    checkEmitted(key, value, "reduce");
    // A UTF-16 code unit is at most 3 bytes of UTF-8; a tab and a newline besides.
    const mostBytes = 3 * (key.length + value.length) + 2;
    if (fill + mostBytes > out.length) {
      if (fill > 0) full.push(out.subarray(0, fill));
      out = Buffer.allocUnsafe(Math.max(REDUCE_OUTPUT_FLUSH_BYTES, mostBytes));
      fill = 0;
    }
    fill += out.write(key, fill);
    // An empty value writes no trailing tab (as Hadoop Streaming reads such a line back).
    if (value !== "") {
      out[fill++] = 0x09;
      fill += out.write(value, fill);
    }
    out[fill++] = 0x0a;
    counters.reduceOutputRecords++;
  };

  let progressAtMs = performance.now();
  const groups = new KeyGroups(countRecords(mergeSorted(params.inputs), counters));
  try {
    for (;;) {
      const next = groups.next();
      const group = next instanceof Promise ? await next : next;
      if (group === undefined) break;
      if (signal?.aborted) throw new TaskCancelledError("the reduce task was cancelled");
      currentKey = group.key;
      counters.reduceInputGroups++;
      try {
        const result = job.reduce(group.key, group.values, emit, context);
        if (isPromiseLike(result)) await result;
      } catch (err) {
        throw new TaskError(`reduce failed for key ${quoteKey(currentKey)}: ${messageOf(err)}`, { key: currentKey }, { cause: err });
      }
      if (full.length > 0 || fill >= REDUCE_OUTPUT_FLUSH_BYTES / 2) await flush();
      if (params.onProgress && performance.now() - progressAtMs >= WORKER_PROGRESS_INTERVAL_MS) {
        progressAtMs = performance.now();
        params.onProgress({ ...counters });
      }
    }
  } finally {
    await groups.close();
  }
  await flush();
  return counters;
}

async function* countRecords(batches: RecordBatches, counters: ReduceCounters): AsyncGenerator<readonly KeyValue[]> {
  for await (const batch of batches) {
    counters.reduceInputRecords += batch.length;
    yield batch;
  }
}
