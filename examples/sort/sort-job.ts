// The job half of the total-order sort (see sort.ts, which samples the input and submits it).
// Every line is a key; a range partitioner sends the keys below the first split point to
// reducer 0, those from the first to below the second to reducer 1, and so on, so reducer r
// gets a contiguous range of the order and part-r-00000, part-r-00001, ... read in turn are the
// whole input in order (TeraSort's TotalOrderPartitioner). The shuffle sorts each range; the
// reduce writes each line as often as it occurred.
//
// This module is not run on its own: sort.ts writes a two-line module that calls sortJob with
// the split points it sampled, and submits that.
import { defineJob, type JobDefinition } from "tessera";

/**
 * The partition of `key` under `splitPoints` (strictly ascending by `<`): how many split
 * points are <= key, by binary search. Equal keys always land together, so duplicates stay in
 * one part and the parts, in order, cover the order without overlap.
 */
export function partitionOf(splitPoints: readonly string[], key: string): number {
  let low = 0;
  let high = splitPoints.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (splitPoints[middle]! <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The sort job for these split points. It runs with any number of reducers above the number
 * of split points (the extra parts stay empty); fewer would have no part for the top ranges,
 * and the partition call says so rather than misplacing keys.
 */
export function sortJob(splitPoints: readonly string[]): JobDefinition {
  for (let i = 1; i < splitPoints.length; i++) {
    if (!(splitPoints[i - 1]! < splitPoints[i]!)) throw new Error(`the split points must be strictly ascending, but #${i - 1} and #${i} are not`);
  }
  return defineJob({
    map(_offset, line, emit) {
      emit(line, "");
    },
    partition(key, reducers) {
      if (splitPoints.length > reducers - 1) throw new Error(`this sort was planned for ${splitPoints.length + 1} reducers and runs with ${reducers}`);
      return partitionOf(splitPoints, key);
    },
    // One output line per input line: a key that occurred three times is written three times.
    // The value is empty, so the output line is the line itself (no tab is written before an empty value).
    async reduce(line, values, emit) {
      for await (const _ of values) emit(line, "");
    },
  });
}
