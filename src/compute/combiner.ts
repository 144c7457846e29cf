// Running the job's combiner over a sorted stream: on each map-side spill and again while
// spills are merged (Hadoop applies it in both places too). A combiner may run zero, one or
// several times on a value, so it must behave like a reduce; and since its output is written
// back into a sorted run, it may emit only the key it was given — another key would break the
// run's order and with it every merge downstream.
import { MERGE_BATCH_RECORDS } from "./constants.ts";
import { TaskError } from "./errors.ts";
import type { Emit } from "../job-module/job-api.ts";
import { KeyGroups } from "./merge.ts";
import type { KeyValue, RecordBatches } from "./records.ts";
import { checkEmitted, isPromiseLike, quoteKey } from "./user-code.ts";
import { messageOf } from "../util/errors.ts";

/** A combine call as the collector makes it (the job's context is bound in by the map task). */
export type CombineFunction = (key: string, values: AsyncIterable<string>, emit: Emit) => void | Promise<void>;

export interface CombineCounters {
  combineInputRecords: number;
  combineOutputRecords: number;
}

export function newCombineCounters(): CombineCounters {
  return { combineInputRecords: 0, combineOutputRecords: 0 };
}

/**
 * The combined stream: one combine call per key, its output in batches. What one combine call
 * emits is held until the call returns (a combiner emits few records: it exists to shrink).
 */
export async function* combineSorted(sorted: RecordBatches, combine: CombineFunction, counters: CombineCounters): AsyncGenerator<KeyValue[]> {
  const out: KeyValue[] = [];
  const groups = new KeyGroups(countRecords(sorted, counters));
  try {
    for (;;) {
      const next = groups.next();
      const group = next instanceof Promise ? await next : next;
      if (group === undefined) break;
      await combineKey(group.key, group.values, combine, counters, out);
      if (out.length >= MERGE_BATCH_RECORDS) yield out.splice(0);
    }
  } finally {
    await groups.close();
  }
  if (out.length > 0) yield out;
}

/** One combine call: what it emits for `key` is appended to `out`. */
async function combineKey(key: string, values: AsyncIterable<string>, combine: CombineFunction, counters: CombineCounters, out: KeyValue[]): Promise<void> {
  const emit = (emittedKey: string, value: string): void => {
    checkEmitted(emittedKey, value, "combine");
    if (emittedKey !== key) {
      throw new TaskError(`combine emitted key ${quoteKey(emittedKey)} while combining key ${quoteKey(key)}; a combiner may emit only the key it is given`, { key });
    }
    out.push({ key, value });
    counters.combineOutputRecords++;
  };
  try {
    const result = combine(key, values, emit);
    if (isPromiseLike(result)) await result;
  } catch (err) {
    throw new TaskError(`combine failed for key ${quoteKey(key)}: ${messageOf(err)}`, { key }, { cause: err });
  }
}

async function* countRecords(batches: RecordBatches, counters: CombineCounters): AsyncGenerator<readonly KeyValue[]> {
  for await (const batch of batches) {
    counters.combineInputRecords += batch.length;
    yield batch;
  }
}

/**
 * The combiner over values already grouped by key (the map-side buffer): one combine call per
 * key in `keys` order, without sorting or regrouping records.
 */
export async function* combineGroups(keys: readonly string[], valuesOf: (key: string) => readonly string[], combine: CombineFunction, counters: CombineCounters): AsyncGenerator<KeyValue[]> {
  const out: KeyValue[] = [];
  for (const key of keys) {
    const values = valuesOf(key);
    counters.combineInputRecords += values.length;
    await combineKey(key, arrayValues(values), combine, counters, out);
    if (out.length >= MERGE_BATCH_RECORDS) yield out.splice(0);
  }
  if (out.length > 0) yield out;
}

/** A key's buffered values as the async iterable the job API promises (iterable once). */
function arrayValues(values: readonly string[]): AsyncIterable<string> {
  let taken = false;
  return {
    [Symbol.asyncIterator]() {
      if (taken) throw new TaskError("the values of a key can be iterated only once");
      taken = true;
      let i = 0;
      return {
        next: () => Promise.resolve(i < values.length ? { value: values[i++]!, done: false } : { value: undefined, done: true as const }),
      };
    },
  };
}
