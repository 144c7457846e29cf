// The map side of the shuffle (MapReduce paper §3.1 step 4, Hadoop's MapOutputBuffer): emitted
// records are partitioned and buffered; past the memory limit each partition is sorted,
// combined and spilled to a run file; at the end the spills of each partition are merged (and
// combined again) into ONE sorted run per partition, which is what reducers fetch.
//
// Layout, under <spillDir>/map-<taskId>/ (wiped when the collector starts: a task id is one
// attempt, and whatever is there is an earlier, failed try of it):
//   spill-<n>-part-<r>.run    spill n of partition r (removed once merged)
//   merge-<n>-part-<r>.run    an intermediate merge pass (more spills than MERGE_FAN_IN_MAX)
//   part-<r>.run              the final output of partition r, one per reducer, empty or not
// Final files are written as `.tmp`, fsynced and renamed, and the folder is fsynced, before
// finish() returns: a reducer must never fetch a half-written output. Spills are not fsynced:
// they die with the task, and a crash reruns the task.
//
// Memory: buffered records are estimated at two bytes per character plus
// BUFFERED_RECORD_OVERHEAD_BYTES; spill() runs between map calls once the estimate passes
// memoryLimitBytes, and a single map call that emits past MAP_OUTPUT_MEMORY_HARD_FACTOR times
// the limit is spilled from inside emit, synchronously and without the combiner (running the
// combiner is optional by definition, so skipping it changes nothing but the spill's size).
import { mkdirSync, rmSync } from "node:fs";
import { open, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { assert } from "../util/assert.ts";
import { fsyncDir } from "../util/file-io.ts";
import { combineGroups, combineSorted, newCombineCounters, type CombineCounters, type CombineFunction } from "./combiner.ts";
import {
  BUFFERED_RECORD_OVERHEAD_BYTES,
  BUFFERED_VALUE_OVERHEAD_BYTES,
  MAP_OUTPUT_MEMORY_BYTES_DEFAULT,
  MAP_OUTPUT_MEMORY_HARD_FACTOR,
  MERGE_BATCH_RECORDS,
  MERGE_FAN_IN_MAX,
  MERGE_READ_PIECE_BYTES,
  TASK_ID_PATTERN,
} from "./constants.ts";
import { TaskError } from "./errors.ts";
import { defaultPartition } from "../job-module/job-api.ts";
import { mergeSorted } from "./merge.ts";
import { readRunFile, RunWriter, type KeyValue, type RecordBatches, type RunFileInfo } from "./records.ts";
import { checkEmitted, checkFieldBytes, quoteKey, wellFormed } from "./user-code.ts";
import { REDUCERS_MAX } from "../protocol/jobs.ts";
import { messageOf } from "../util/errors.ts";

export interface MapOutputCollectorOptions {
  /** Partitions, one per reduce task. */
  reducers: number;
  /** Default: defaultPartition (FNV-1a of the key's UTF-8 bytes). */
  partition?: (key: string, reducers: number) => number;
  combine?: CombineFunction;
  /** Default MAP_OUTPUT_MEMORY_BYTES_DEFAULT (64 MiB). */
  memoryLimitBytes?: number;
  /** The folder under which this task's folder `map-<taskId>` is made. */
  spillDir: string;
  taskId: string;
}

export interface MapOutputPartition {
  partition: number;
  path: string;
  records: number;
  sizeBytes: number;
}

export interface MapOutputCounters extends CombineCounters {
  /** Records emitted by map calls (before the combiner). */
  mapOutputRecords: number;
  /** UTF-8 bytes of the keys and values emitted by map calls. */
  mapOutputBytes: number;
  /** Records written to disk, in spills, merge passes and final outputs alike (as Hadoop counts). */
  spilledRecords: number;
  spills: number;
}

export interface MapOutput {
  /** The task's folder, holding part-<r>.run for every partition. */
  dir: string;
  partitions: MapOutputPartition[];
  /** Records in the final outputs (after the combiner). */
  outputRecords: number;
  spills: number;
  counters: MapOutputCounters;
}

/** Names of the files under the task's folder; only these ever exist there. */
export function mapOutputDirName(taskId: string): string {
  return `map-${taskId}`;
}

export function partitionFileName(partition: number): string {
  return `part-${partition}.run`;
}

export function validateTaskId(taskId: string): void {
  if (!TASK_ID_PATTERN.test(taskId)) throw new Error(`task id ${JSON.stringify(taskId.slice(0, 200))} is not 1–128 letters, digits, "_", "." or "-"`);
}

export function validateReducers(reducers: number): void {
  if (!Number.isSafeInteger(reducers) || reducers < 1 || reducers > REDUCERS_MAX) {
    throw new Error(`the number of reducers must be an integer from 1 to ${REDUCERS_MAX}, not ${reducers}`);
  }
}

/**
 * One partition's buffered records, grouped by key as they are emitted: a key's values stay
 * in emit order, and a spill sorts only the distinct keys. (Sorting every record was most of a
 * map task's time: word count emits millions of records over a few thousand keys.)
 */
interface PartitionBuffer {
  groups: Map<string, string[]>;
  records: number;
}

export class MapOutputCollector {
  readonly dir: string;
  readonly counters: MapOutputCounters = { mapOutputRecords: 0, mapOutputBytes: 0, spilledRecords: 0, spills: 0, ...newCombineCounters() };
  private readonly reducers: number;
  private readonly partitionOf: (key: string) => number;
  private readonly combine: CombineFunction | undefined;
  private readonly memoryLimitBytes: number;
  private readonly hardLimitBytes: number;
  private buffers: PartitionBuffer[];
  private lastValue: string | undefined;
  private lastValueBytes = 0;
  /** Keys buffered since the last spill, as emitted, with their group (emit's fast path). */
  private known = new Map<string, { values: string[]; keyBytes: number; buffer: PartitionBuffer }>();
  private bufferedBytes = 0;
  /** Spilled (and intermediate merge) runs of each partition, oldest first. */
  private readonly runs: RunFileInfo[][];
  private fileSequence = 0;
  private state: "collecting" | "finishing" | "finished" | "aborted" = "collecting";

  constructor(options: MapOutputCollectorOptions) {
    validateReducers(options.reducers);
    validateTaskId(options.taskId);
    const memoryLimitBytes = options.memoryLimitBytes ?? MAP_OUTPUT_MEMORY_BYTES_DEFAULT;
    assert(Number.isSafeInteger(memoryLimitBytes) && memoryLimitBytes > 0, "memoryLimitBytes is a positive integer");
    this.reducers = options.reducers;
    this.combine = options.combine;
    this.memoryLimitBytes = memoryLimitBytes;
    this.hardLimitBytes = memoryLimitBytes * MAP_OUTPUT_MEMORY_HARD_FACTOR;
    this.partitionOf = this.partitioner(options.partition);
    this.buffers = this.emptyBuffers();
    this.runs = Array.from({ length: this.reducers }, () => []);
    this.dir = join(options.spillDir, mapOutputDirName(options.taskId));
    // Synchronous, once per task: the folder must exist before an emit can spill.
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** Estimated heap held by buffered records. */
  get bufferedMemoryBytes(): number {
    return this.bufferedBytes;
  }

  /** True once the buffer passed memoryLimitBytes: call spill() before the next map call. */
  get needsSpill(): boolean {
    return this.bufferedBytes >= this.memoryLimitBytes;
  }

  emit(key: string, value: string): void {
    if (this.state !== "collecting") throw new TaskError("emit was called after the map task finished (an emit from a callback that outlived its map call?)");
    // The common case, a key already buffered: its checks, partition and size are known. (The
    // partition hash and UTF-8 measure per record cost as much as the rest of the task.)
    const known = this.known.get(key);
    if (known !== undefined && typeof value === "string") {
      // Jobs often emit the same value string again and again ("1"): measured once.
      if (value !== this.lastValue) {
        this.lastValueBytes = Buffer.byteLength(value, "utf8");
        this.lastValue = value;
      }
      const valueBytes = this.lastValueBytes;
      checkFieldBytes(valueBytes, "value", "map");
      known.values.push(value);
      known.buffer.records++;
      this.bufferedBytes += 2 * value.length + BUFFERED_VALUE_OVERHEAD_BYTES;
      this.counters.mapOutputRecords++;
      this.counters.mapOutputBytes += known.keyBytes + valueBytes;
      if (this.bufferedBytes >= this.hardLimitBytes) this.spillSync();
      return;
    }
    checkEmitted(key, value, "map");
    // A lone surrogate becomes U+FFFD on disk; doing it now keeps the in-memory sort order
    // equal to the order the key has after it is read back from a spill.
    const wellFormedKey = wellFormed(key);
    const keyBytes = Buffer.byteLength(wellFormedKey, "utf8");
    const valueBytes = Buffer.byteLength(value, "utf8");
    checkFieldBytes(keyBytes, "key", "map");
    checkFieldBytes(valueBytes, "value", "map");
    const buffer = this.buffers[this.partitionOf(wellFormedKey)]!;
    let values = buffer.groups.get(wellFormedKey);
    if (values) {
      values.push(value);
      this.bufferedBytes += 2 * value.length + BUFFERED_VALUE_OVERHEAD_BYTES;
    } else {
      values = [value];
      buffer.groups.set(wellFormedKey, values);
      this.bufferedBytes += 2 * (wellFormedKey.length + value.length) + BUFFERED_RECORD_OVERHEAD_BYTES;
    }
    // Keyed by the key as emitted: a key with a lone surrogate maps to its well-formed group.
    this.known.set(key, { values, keyBytes, buffer });
    buffer.records++;
    this.counters.mapOutputRecords++;
    this.counters.mapOutputBytes += keyBytes + valueBytes;
    if (this.bufferedBytes >= this.hardLimitBytes) this.spillSync();
  }

  /** Sorts, combines and writes what is buffered as one more spill. */
  async spill(): Promise<void> {
    assert(this.state === "collecting" || this.state === "finishing", "a collector spills while it is open");
    if (this.bufferedBytes === 0) return;
    const buffers = this.takeBuffers();
    const spill = this.counters.spills++;
    for (let partition = 0; partition < this.reducers; partition++) {
      if (buffers[partition]!.records === 0) continue;
      const path = join(this.dir, `spill-${spill}-part-${partition}.run`);
      const info = await this.writeBuffer(path, buffers[partition]!, false);
      if (info.records > 0) this.runs[partition]!.push(info);
      else await unlink(path);
    }
  }

  /** The emergency spill from inside emit: no await possible, so no combiner. */
  private spillSync(): void {
    const buffers = this.takeBuffers();
    const spill = this.counters.spills++;
    for (let partition = 0; partition < this.reducers; partition++) {
      const buffer = buffers[partition]!;
      if (buffer.records === 0) continue;
      const writer = RunWriter.createSync(join(this.dir, `spill-${spill}-part-${partition}.run`), { durable: false });
      try {
        for (const key of sortedKeys(buffer)) for (const value of buffer.groups.get(key)!) if (writer.add(key, value)) writer.drainSync();
      } catch (err) {
        writer.abortSync();
        throw err;
      }
      const info = writer.finishSync();
      this.counters.spilledRecords += info.records;
      this.runs[partition]!.push(info);
    }
  }

  /**
   * Merges everything into one sorted run per partition and returns them. After this the
   * collector takes no more records.
   */
  async finish(): Promise<MapOutput> {
    assert(this.state === "collecting", "a collector is finished once");
    this.state = "finishing";
    const partitions: MapOutputPartition[] = [];
    try {
      const noSpills = this.counters.spills === 0;
      const buffers = noSpills ? this.takeBuffers() : undefined;
      if (!noSpills) await this.spill();
      for (let partition = 0; partition < this.reducers; partition++) {
        const finalPath = join(this.dir, partitionFileName(partition));
        const tempPath = `${finalPath}.tmp`;
        // Without spills, the buffer goes straight to the final file: one sort, one write.
        const info = buffers ? await this.writeBuffer(tempPath, buffers[partition]!, true) : await this.mergePartition(partition, tempPath);
        await rename(tempPath, finalPath);
        partitions.push({ partition, path: finalPath, records: info.records, sizeBytes: info.sizeBytes });
      }
      await fsyncDir(this.dir);
    } catch (err) {
      await this.abort();
      throw err;
    }
    this.state = "finished";
    return {
      dir: this.dir,
      partitions,
      outputRecords: partitions.reduce((sum, p) => sum + p.records, 0),
      spills: this.counters.spills,
      counters: { ...this.counters },
    };
  }

  /** Removes everything the task wrote; the collector is unusable afterwards. */
  async abort(): Promise<void> {
    this.state = "aborted";
    this.buffers = this.emptyBuffers();
    this.known = new Map();
    this.bufferedBytes = 0;
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * Merges one partition's spills into `outPath`, in passes of at most MERGE_FAN_IN_MAX runs.
   * Each pass merges neighbouring runs, so runs stay in spill order and equal keys keep their
   * emit order (the merge breaks ties by input order), and every record is rewritten only
   * log(spills) / log(MERGE_FAN_IN_MAX) times.
   */
  private async mergePartition(partition: number, outPath: string): Promise<RunFileInfo> {
    let runs = this.runs[partition]!;
    this.runs[partition] = [];
    while (runs.length > MERGE_FAN_IN_MAX) {
      const next: RunFileInfo[] = [];
      for (let first = 0; first < runs.length; first += MERGE_FAN_IN_MAX) {
        const group = runs.slice(first, first + MERGE_FAN_IN_MAX);
        next.push(group.length === 1 ? group[0]! : await this.mergeRuns(group, join(this.dir, `merge-${this.fileSequence++}-part-${partition}.run`), false));
      }
      runs = next;
    }
    if (runs.length === 1) {
      // Already sorted and combined: only its durability is missing.
      const only = runs[0]!;
      await rename(only.path, outPath);
      await fsyncFile(outPath);
      return { ...only, path: outPath };
    }
    return this.mergeRuns(runs, outPath, true);
  }

  private async mergeRuns(inputs: RunFileInfo[], outPath: string, durable: boolean): Promise<RunFileInfo> {
    const streams = inputs.map((run) => readRunFile(run.path, { pieceBytes: MERGE_READ_PIECE_BYTES }));
    const info = await this.writeRun(outPath, mergeSorted(streams), durable);
    for (const run of inputs) await unlink(run.path);
    return info;
  }

  /** Writes a buffer in key order (combined per key when the job has a combiner) to a new run file. */
  private writeBuffer(path: string, buffer: PartitionBuffer, durable: boolean): Promise<RunFileInfo> {
    const keys = sortedKeys(buffer);
    return this.writeRecords(path, this.combine ? combineGroups(keys, buffer.groups, this.combine, this.counters) : sortedBatches(keys, buffer), durable);
  }

  /** Writes a sorted stream (through the combiner when the job has one) to a new run file. */
  private writeRun(path: string, sorted: RecordBatches, durable: boolean): Promise<RunFileInfo> {
    return this.writeRecords(path, this.combine ? combineSorted(sorted, this.combine, this.counters) : sorted, durable);
  }

  private async writeRecords(path: string, records: RecordBatches, durable: boolean): Promise<RunFileInfo> {
    const writer = await RunWriter.create(path, { durable });
    try {
      for await (const batch of records) {
        for (const record of batch) if (writer.add(record.key, record.value)) await writer.drain();
      }
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const info = await writer.finish();
    this.counters.spilledRecords += info.records;
    return info;
  }

  private takeBuffers(): PartitionBuffer[] {
    const taken = this.buffers;
    this.buffers = this.emptyBuffers();
    this.known = new Map();
    this.bufferedBytes = 0;
    return taken;
  }

  private emptyBuffers(): PartitionBuffer[] {
    return Array.from({ length: this.reducers }, () => ({ groups: new Map<string, string[]>(), records: 0 }));
  }

  private partitioner(custom: MapOutputCollectorOptions["partition"]): (key: string) => number {
    const reducers = this.reducers;
    if (!custom) return (key) => defaultPartition(key, reducers);
    return (key) => {
      let partition: unknown;
      try {
        partition = custom(key, reducers);
      } catch (err) {
        throw new TaskError(`partition failed for key ${quoteKey(key)}: ${messageOf(err)}`, { key }, { cause: err });
      }
      if (typeof partition !== "number" || !Number.isInteger(partition) || partition < 0 || partition >= reducers) {
        throw new TaskError(`partition returned ${String(partition)} for key ${quoteKey(key)}; it must be an integer from 0 to ${reducers - 1}`, { key });
      }
      return partition;
    };
  }
}

/**
 * A partition's distinct keys in order (JS `<`, as everywhere). Values of a key keep their
 * emit order, so a job's values reach its combiner and reducer in a reproducible order.
 */
function sortedKeys(buffer: PartitionBuffer): string[] {
  return [...buffer.groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A partition's records in key order, as a batched stream made a batch at a time. */
async function* sortedBatches(keys: readonly string[], buffer: PartitionBuffer): AsyncGenerator<KeyValue[]> {
  let batch: KeyValue[] = [];
  for (const key of keys) {
    for (const value of buffer.groups.get(key)!) {
      batch.push({ key, value });
      if (batch.length >= MERGE_BATCH_RECORDS) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
