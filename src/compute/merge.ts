// Merging sorted record streams and grouping them by key: what a map task does to its spills
// and what a reduce task does to the map outputs it fetched (MapReduce paper §3.1 steps 5–6).
//
// Keys are ordered by `<` on JavaScript strings (UTF-16 code units), here and in every sort of
// the compute layer (compareKeys); equal keys come out in input order (input 0's first), so a
// job sees the same value order on every run.
import { assert, AssertionError } from "../util/assert.ts";
import { MERGE_BATCH_RECORDS } from "./constants.ts";
import type { KeyValue, RecordBatches } from "./records.ts";

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A binary min-heap over a comparison; small and allocation-free after construction. */
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    this.items.push(item);
    this.siftUp(this.items.length - 1);
  }

  pop(): T | undefined {
    const top = this.items[0];
    const last = this.items.pop();
    if (this.items.length > 0 && last !== undefined) {
      this.items[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Restores order after the top item's priority changed (cheaper than pop + push). */
  updateTop(): void {
    if (this.items.length > 1) this.siftDown(0);
  }

  private siftUp(start: number): void {
    const items = this.items;
    let at = start;
    const item = items[at]!;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(item, items[parent]!)) break;
      items[at] = items[parent]!;
      at = parent;
    }
    items[at] = item;
  }

  private siftDown(start: number): void {
    const items = this.items;
    const count = items.length;
    let at = start;
    const item = items[at]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= count) break;
      if (child + 1 < count && this.less(items[child + 1]!, items[child]!)) child++;
      if (!this.less(items[child]!, item)) break;
      items[at] = items[child]!;
      at = child;
    }
    items[at] = item;
  }
}

/** A position in one batched stream: the current record is batch[index]. */
class Cursor {
  batch: readonly KeyValue[] = [];
  index = 0;
  private exhausted = false;
  private lastKey: string | undefined;

  constructor(
    /** The input's position in the merge: breaks ties between equal keys. */
    readonly order: number,
    private readonly iterator: AsyncIterator<readonly KeyValue[]>,
  ) {}

  get hasRecord(): boolean {
    return this.index < this.batch.length;
  }

  get current(): KeyValue {
    return this.batch[this.index]!;
  }

  /** Loads the next non-empty batch; false when the stream has ended. */
  async fill(): Promise<boolean> {
    while (!this.hasRecord) {
      if (this.exhausted) return false;
      const next = await this.iterator.next();
      if (next.done) {
        this.exhausted = true;
        return false;
      }
      this.batch = next.value;
      this.index = 0;
    }
    return true;
  }

  /** Checks that the current record does not go backwards: merging an unsorted run is a bug. */
  checkOrder(): void {
    const key = this.current.key;
    // Not assert(): its message would be built for every record.
    if (this.lastKey !== undefined && key < this.lastKey) {
      throw new AssertionError(`merge input ${this.order} is not sorted: ${JSON.stringify(key.slice(0, 100))} follows ${JSON.stringify(this.lastKey.slice(0, 100))}`);
    }
    this.lastKey = key;
  }

  async close(): Promise<void> {
    this.exhausted = true;
    await this.iterator.return?.();
  }
}

/**
 * K-way merge of sorted streams into one sorted stream, in batches of up to `batchRecords`.
 * Holds one batch per input, whatever the inputs' sizes. Every input is closed when the merge
 * ends, is abandoned, or fails.
 */
export async function* mergeSorted(inputs: readonly RecordBatches[], options: { batchRecords?: number } = {}): AsyncGenerator<KeyValue[]> {
  const batchRecords = options.batchRecords ?? MERGE_BATCH_RECORDS;
  assert(Number.isSafeInteger(batchRecords) && batchRecords > 0, "batchRecords is a positive integer");
  const cursors = inputs.map((input, order) => new Cursor(order, input[Symbol.asyncIterator]()));
  const heap = new MinHeap<Cursor>((a, b) => {
    const ka = a.current.key;
    const kb = b.current.key;
    return ka < kb || (ka === kb && a.order < b.order);
  });
  try {
    for (const cursor of cursors) {
      if (await cursor.fill()) {
        cursor.checkOrder();
        heap.push(cursor);
      }
    }
    let out: KeyValue[] = [];
    for (;;) {
      const top = heap.peek();
      if (top === undefined) break;
      out.push(top.current);
      top.index++;
      if (top.hasRecord || (await top.fill())) {
        top.checkOrder();
        heap.updateTop();
      } else {
        heap.pop();
      }
      if (out.length >= batchRecords) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  } finally {
    await Promise.all(cursors.map((cursor) => cursor.close()));
  }
}

export interface KeyGroup {
  key: string;
  /** The key's values in merge order; iterable once, and only until the next group is asked for. */
  values: AsyncIterable<string>;
}

/**
 * A sorted stream's groups of equal keys, one at a time, lazily: the values of a key are read
 * from the stream as the consumer iterates them, so a key with more values than memory holds
 * is fine. Values the consumer leaves unread are skipped when it asks for the next group.
 *
 * `next()` answers at once, without a promise, while the group's first record is in the batch
 * in hand, and a promise only when a batch must be read first: a reduce or combine is called
 * once per key, and an async generator's turn per key was a fifth of a sort's reduce.
 */
export class KeyGroups {
  private readonly cursor: Cursor;
  private started = false;
  private group: GroupValues | undefined;

  constructor(sorted: RecordBatches) {
    this.cursor = new Cursor(0, sorted[Symbol.asyncIterator]());
  }

  /** The next group, or undefined at the stream's end; the previous group's values are closed. */
  next(): KeyGroup | undefined | Promise<KeyGroup | undefined> {
    const cursor = this.cursor;
    const previous = this.group;
    if (previous !== undefined) {
      previous.close();
      this.group = undefined;
      // Skip what the consumer did not read; stop at the next key or the end.
      const key = previous.key;
      for (;;) {
        if (!cursor.hasRecord) return this.fillThen(key);
        if (cursor.current.key !== key) break;
        cursor.index++;
      }
    } else if (!this.started || !cursor.hasRecord) {
      this.started = true;
      return this.fillThen(undefined);
    }
    return this.open();
  }

  async close(): Promise<void> {
    this.group?.close();
    await this.cursor.close();
  }

  /** Reads on until a record whose key is not `skipKey` (none: any record), then opens its group. */
  private async fillThen(skipKey: string | undefined): Promise<KeyGroup | undefined> {
    const cursor = this.cursor;
    for (;;) {
      if (!cursor.hasRecord && !(await cursor.fill())) return undefined;
      if (skipKey === undefined || cursor.current.key !== skipKey) return this.open();
      cursor.index++;
    }
  }

  private open(): KeyGroup {
    const cursor = this.cursor;
    cursor.checkOrder();
    const key = cursor.current.key;
    const values = new GroupValues(key, cursor);
    this.group = values;
    return { key, values };
  }
}

/** A sorted stream's groups as an async iterable (see KeyGroups, which callers on a hot path use directly). */
export async function* groupByKey(sorted: RecordBatches): AsyncGenerator<KeyGroup> {
  const groups = new KeyGroups(sorted);
  try {
    for (;;) {
      const group = await groups.next();
      if (group === undefined) return;
      yield group;
    }
  } finally {
    await groups.close();
  }
}

const DONE: IteratorResult<string> = { done: true, value: undefined };
// One settled promise serves every end of values: a settled promise is immutable.
const DONE_PROMISE: Promise<IteratorResult<string>> = Promise.resolve(DONE);

class GroupValues implements AsyncIterable<string> {
  private iterated = false;
  private closed = false;
  private finished = false;

  constructor(
    readonly key: string,
    private readonly cursor: Cursor,
  ) {}

  close(): void {
    this.closed = true;
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    if (this.iterated) throw new Error(`the values of key ${JSON.stringify(this.key.slice(0, 100))} can be iterated only once`);
    this.iterated = true;
    // Not async functions: a value in the batch in hand is answered with a settled promise,
    // without an async function's frame per value.
    return {
      next: (): Promise<IteratorResult<string>> => {
        if (this.closed) return Promise.reject(new Error(`the values of key ${JSON.stringify(this.key.slice(0, 100))} were read after its call returned`));
        if (this.finished) return DONE_PROMISE;
        if (this.cursor.hasRecord) return Promise.resolve(this.take());
        return this.fillAndTake();
      },
      return: (): Promise<IteratorResult<string>> => {
        this.finished = true;
        return DONE_PROMISE;
      },
    };
  }

  private take(): IteratorResult<string> {
    const record = this.cursor.current;
    if (record.key !== this.key) {
      this.finished = true;
      return DONE;
    }
    this.cursor.index++;
    return { done: false, value: record.value };
  }

  private async fillAndTake(): Promise<IteratorResult<string>> {
    if (!(await this.cursor.fill())) {
      this.finished = true;
      return DONE;
    }
    return this.take();
  }
}

/** An in-memory sorted array as a batched stream (tests, and a map task's sorted buffer). */
export async function* batchesOf(records: readonly KeyValue[], batchRecords = MERGE_BATCH_RECORDS): AsyncGenerator<KeyValue[]> {
  for (let start = 0; start < records.length; start += batchRecords) yield records.slice(start, start + batchRecords);
}

/** Every record of a batched stream, in order (tests, and small streams). */
export async function collectRecords(batches: RecordBatches): Promise<KeyValue[]> {
  const out: KeyValue[] = [];
  for await (const batch of batches) for (const record of batch) out.push(record);
  return out;
}
