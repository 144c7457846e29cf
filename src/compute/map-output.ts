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
// Two buffers. A job without a combiner whose records so far all carry the same value (a sort
// emits (line, ""), a distinct or a grep (line, "")) is buffered as its keys alone, one array
// per partition, each sorted natively at a spill: no map entry, group object or value array
// per record (a sort's map task spent half its CPU on them; bench/mr-task.ts). The first record
// with another value moves what is buffered into the grouped buffer (one map entry per
// distinct key, its values in emit order), which every other job uses from the start: a job
// with a combiner combines per distinct key, and one that repeats keys sorts each key once.
//
// Memory: buffered records are estimated at a byte per character of a string that is ASCII
// (the engine stores those 8 bits wide) and two of any other, plus
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
  BUFFERED_KEY_OVERHEAD_BYTES,
  BUFFERED_RECORD_OVERHEAD_BYTES,
  BUFFERED_VALUE_OVERHEAD_BYTES,
  MAP_OUTPUT_MEMORY_BYTES_DEFAULT,
  MAP_OUTPUT_MEMORY_HARD_FACTOR,
  MERGE_FAN_IN_MAX,
  MERGE_READ_PIECE_BYTES,
  TASK_ID_PATTERN,
} from "./constants.ts";
import { TaskError } from "./errors.ts";
import { defaultPartition } from "../job-module/job-api.ts";
import { mergeSorted } from "./merge.ts";
import { readRunFile, RunWriter, type RecordBatches, type RunFileInfo } from "./records.ts";
import { sortStrings } from "./sort-strings.ts";
import { checkEmitted, checkFieldBytes, quoteKey, wellFormed } from "./user-code.ts";
import { REDUCERS_MAX } from "../protocol/jobs.ts";
import { messageOf } from "../util/errors.ts";

export interface MapOutputCollectorOptions {
  /** Partitions, one per reduce task. */
  reducers: number;
  /** Default: defaultPartition (FNV-1a of the key's UTF-8 bytes). */
  partition?: (key: string, reducers: number) => number;
  combine?: CombineFunction;
  /** Default MAP_OUTPUT_MEMORY_BYTES_DEFAULT (100 MiB). */
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
 * One key's buffered records, grouped as they are emitted: a key's values stay in emit
 * order, and a spill sorts only the distinct keys. (Sorting every record was most of a map
 * task's time: word count emits millions of records over a few thousand keys.)
 */
interface KeyGroup {
  /** The key as it is written: well-formed (a lone surrogate became U+FFFD). */
  key: string;
  keyBytes: number;
  partition: number;
  values: string[];
}

/**
 * The heap a string of `length` UTF-16 code units and `utf8Bytes` bytes of UTF-8 takes for its
 * characters: the engine keeps a string that is all Latin-1 in one byte per character (and an
 * ASCII one is, when its UTF-8 is as long as it), any other in two.
 */
function stringHeapBytes(length: number, utf8Bytes: number): number {
  return utf8Bytes === length ? length : 2 * length;
}

/** What is buffered between spills: every key's group, one map for all partitions. */
interface Buffered {
  /**
   * By key as emitted, which is the group's key except for a key with a lone surrogate (found
   * under its well-formed form too). One map, not one per partition plus one by emitted key:
   * a job of distinct keys (a sort) paid two map inserts per record.
   */
  groups: Map<string, KeyGroup>;
  /**
   * The keys-only buffer (see the top of the file): per partition, the well-formed key of
   * every record, one entry per record, each record's value being the collector's
   * `sameValue`. Undefined once a record with another value arrived: records are then in
   * `groups`. Only one of the two holds records.
   */
  keys: string[][] | undefined;
  /** Records per partition. */
  records: number[];
}

export class MapOutputCollector {
  readonly dir: string;
  readonly counters: MapOutputCounters = { mapOutputRecords: 0, mapOutputBytes: 0, spilledRecords: 0, spills: 0, ...newCombineCounters() };
  private readonly reducers: number;
  private readonly partitionOf: (key: string) => number;
  private readonly combine: CombineFunction | undefined;
  private readonly memoryLimitBytes: number;
  private readonly hardLimitBytes: number;
  private buffered: Buffered;
  /**
   * While the keys-only buffer is in use: the value every record of the task had so far
   * (undefined before the first record), and its UTF-8 length. The buffer is left for good at
   * the first other value.
   */
  private keysOnly: boolean;
  private sameValue: string | undefined;
  private sameValueBytes = 0;
  private lastValue: string | undefined;
  private lastValueBytes = 0;
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
    this.keysOnly = options.combine === undefined;
    this.buffered = this.emptyBuffered();
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
    if (this.keysOnly) {
      checkEmitted(key, value, "map");
      if (value === this.sameValue) return this.emitKey(key);
      if (this.sameValue === undefined) {
        const valueBytes = Buffer.byteLength(value, "utf8");
        checkFieldBytes(valueBytes, "value", "map");
        this.sameValue = value;
        this.sameValueBytes = valueBytes;
        return this.emitKey(key);
      }
      this.leaveKeysOnly();
    }
    const buffered = this.buffered;
    // The common case, a key already buffered: its checks, partition and size are known. (The
    // partition hash and UTF-8 measure per record cost as much as the rest of the task.)
    const known = buffered.groups.get(key);
    if (known !== undefined && typeof value === "string") {
      const valueBytes = this.valueBytesOf(value);
      checkFieldBytes(valueBytes, "value", "map");
      known.values.push(value);
      buffered.records[known.partition]!++;
      this.bufferedBytes += stringHeapBytes(value.length, valueBytes) + BUFFERED_VALUE_OVERHEAD_BYTES;
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
    const valueBytes = this.valueBytesOf(value);
    checkFieldBytes(keyBytes, "key", "map");
    checkFieldBytes(valueBytes, "value", "map");
    const partition = this.partitionOf(wellFormedKey);
    let group = wellFormedKey === key ? undefined : buffered.groups.get(wellFormedKey);
    if (group) {
      group.values.push(value);
      this.bufferedBytes += stringHeapBytes(value.length, valueBytes) + BUFFERED_VALUE_OVERHEAD_BYTES;
    } else {
      group = { key: wellFormedKey, keyBytes, partition, values: [value] };
      buffered.groups.set(wellFormedKey, group);
      this.bufferedBytes += stringHeapBytes(wellFormedKey.length, keyBytes) + stringHeapBytes(value.length, valueBytes) + BUFFERED_RECORD_OVERHEAD_BYTES;
    }
    // The key as emitted finds its well-formed group from now on.
    if (wellFormedKey !== key) buffered.groups.set(key, group);
    buffered.records[partition]!++;
    this.counters.mapOutputRecords++;
    this.counters.mapOutputBytes += keyBytes + valueBytes;
    if (this.bufferedBytes >= this.hardLimitBytes) this.spillSync();
  }

  /** A record into the keys-only buffer: its value is `sameValue`. */
  private emitKey(key: string): void {
    // A lone surrogate becomes U+FFFD on disk; doing it now keeps the in-memory sort order
    // equal to the order the key has after it is read back from a spill.
    const wellFormedKey = wellFormed(key);
    const keyBytes = Buffer.byteLength(wellFormedKey, "utf8");
    checkFieldBytes(keyBytes, "key", "map");
    const partition = this.partitionOf(wellFormedKey);
    const buffered = this.buffered;
    buffered.keys![partition]!.push(wellFormedKey);
    buffered.records[partition]!++;
    this.bufferedBytes += stringHeapBytes(wellFormedKey.length, keyBytes) + BUFFERED_KEY_OVERHEAD_BYTES;
    this.counters.mapOutputRecords++;
    this.counters.mapOutputBytes += keyBytes + this.sameValueBytes;
    if (this.bufferedBytes >= this.hardLimitBytes) this.spillSync();
  }

  /** A record with another value than all before it: what the keys-only buffer holds moves into groups, for the rest of the task. */
  private leaveKeysOnly(): void {
    this.keysOnly = false;
    const buffered = this.buffered;
    const keys = buffered.keys!;
    buffered.keys = undefined;
    const value = this.sameValue!;
    const valueHeapBytes = stringHeapBytes(value.length, this.sameValueBytes);
    let bytes = 0;
    for (let partition = 0; partition < keys.length; partition++) {
      for (const key of keys[partition]!) {
        const group = buffered.groups.get(key);
        if (group) {
          group.values.push(value);
          bytes += valueHeapBytes + BUFFERED_VALUE_OVERHEAD_BYTES;
        } else {
          const keyBytes = Buffer.byteLength(key, "utf8");
          buffered.groups.set(key, { key, keyBytes, partition, values: [value] });
          bytes += stringHeapBytes(key.length, keyBytes) + valueHeapBytes + BUFFERED_RECORD_OVERHEAD_BYTES;
        }
      }
    }
    this.bufferedBytes = bytes;
  }

  /** Jobs often emit the same value string again and again ("1", ""): measured once. */
  private valueBytesOf(value: string): number {
    if (value !== this.lastValue) {
      this.lastValueBytes = Buffer.byteLength(value, "utf8");
      this.lastValue = value;
    }
    return this.lastValueBytes;
  }

  /** Sorts, combines and writes what is buffered as one more spill. */
  async spill(): Promise<void> {
    assert(this.state === "collecting" || this.state === "finishing", "a collector spills while it is open");
    if (this.bufferedBytes === 0) return;
    const buffered = this.takeBuffered();
    const keys = sortedKeysByPartition(buffered, this.reducers);
    const spill = this.counters.spills++;
    for (let partition = 0; partition < this.reducers; partition++) {
      if (buffered.records[partition] === 0) continue;
      const path = join(this.dir, `spill-${spill}-part-${partition}.run`);
      const info = await this.writeBuffer(path, keys[partition]!, buffered, false);
      if (info.records > 0) this.runs[partition]!.push(info);
      else await unlink(path);
    }
  }

  /** The emergency spill from inside emit: no await possible, so no combiner. */
  private spillSync(): void {
    const buffered = this.takeBuffered();
    const keys = sortedKeysByPartition(buffered, this.reducers);
    const spill = this.counters.spills++;
    for (let partition = 0; partition < this.reducers; partition++) {
      if (buffered.records[partition] === 0) continue;
      const writer = RunWriter.createSync(join(this.dir, `spill-${spill}-part-${partition}.run`), { durable: false });
      try {
        if (buffered.keys) {
          const value = this.sameValue!;
          for (const key of keys[partition]!) if (writer.add(key, value)) writer.drainSync();
        } else {
          for (const key of keys[partition]!) {
            const group = buffered.groups.get(key)!;
            for (const value of group.values) if (writer.add(key, value, group.keyBytes)) writer.drainSync();
          }
        }
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
      const buffered = noSpills ? this.takeBuffered() : undefined;
      const keys = buffered ? sortedKeysByPartition(buffered, this.reducers) : undefined;
      if (!noSpills) await this.spill();
      for (let partition = 0; partition < this.reducers; partition++) {
        const finalPath = join(this.dir, partitionFileName(partition));
        const tempPath = `${finalPath}.tmp`;
        // Without spills, the buffer goes straight to the final file: one sort, one write.
        const info = buffered ? await this.writeBuffer(tempPath, keys![partition]!, buffered, true) : await this.mergePartition(partition, tempPath);
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
    this.buffered = this.emptyBuffered();
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

  /**
   * Writes one partition's buffered records in key order (combined per key when the job has a
   * combiner) to a new run file. `keys` is the partition's sorted distinct keys, or, from the
   * keys-only buffer, its sorted keys with one entry per record.
   */
  private async writeBuffer(path: string, keys: readonly string[], buffered: Buffered, durable: boolean): Promise<RunFileInfo> {
    const groups = buffered.groups;
    if (this.combine) return this.writeRecords(path, combineGroups(keys, (key) => groups.get(key)!.values, this.combine, this.counters), durable);
    // Straight from the buffer: a record object and a generator step per record were a sixth
    // of a sort's map task (bench/mr-task.ts).
    const writer = await RunWriter.create(path, { durable });
    try {
      if (buffered.keys) {
        const value = this.sameValue!;
        for (const key of keys) if (writer.add(key, value)) await writer.drain();
      } else {
        for (const key of keys) {
          const group = groups.get(key)!;
          for (const value of group.values) if (writer.add(key, value, group.keyBytes)) await writer.drain();
        }
      }
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const info = await writer.finish();
    this.counters.spilledRecords += info.records;
    return info;
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

  private takeBuffered(): Buffered {
    const taken = this.buffered;
    this.buffered = this.emptyBuffered();
    this.bufferedBytes = 0;
    return taken;
  }

  private emptyBuffered(): Buffered {
    return {
      groups: new Map(),
      keys: this.keysOnly ? Array.from({ length: this.reducers }, (): string[] => []) : undefined,
      records: new Array<number>(this.reducers).fill(0),
    };
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
 * Each partition's distinct keys in order (JS `<`, as everywhere). Values of a key keep their
 * emit order, so a job's values reach its combiner and reducer in a reproducible order.
 * sortStrings gives Array.prototype.sort's order without a comparator (UTF-16 code units,
 * `<`'s order), with most of the work a native sort of numbers: a JavaScript comparator called
 * per comparison was a tenth of a sort's map task, the native string sort nearly half.
 */
function sortedKeysByPartition(buffered: Buffered, reducers: number): string[][] {
  if (buffered.keys) {
    // Equal keys have equal values here, so an unstable order among them changes nothing.
    buffered.keys = buffered.keys.map(sortStrings);
    return buffered.keys;
  }
  const keys = Array.from({ length: reducers }, (): string[] => []);
  // A key with a lone surrogate is also under its emitted form: each group counts once.
  for (const [key, group] of buffered.groups) if (key === group.key) keys[group.partition]!.push(key);
  return keys.map(sortStrings);
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
