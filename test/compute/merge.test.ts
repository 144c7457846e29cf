// K-way merge and grouping (MapReduce paper §3.1 step 5: "sorts it by the intermediate keys so
// that all occurrences of the same key are grouped together").
import { describe, it, expect } from "vitest";
import { batchesOf, collectRecords, groupByKey, KeyGroups, MinHeap, mergeSorted } from "../../src/compute/merge.ts";
import type { KeyValue } from "../../src/compute/records.ts";
import { AssertionError } from "../../src/util/assert.ts";
import { Rng } from "../sim/prng.ts";

const byKey = (a: KeyValue, b: KeyValue) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

describe("MinHeap", () => {
  it("pops in order", () => {
    const rng = new Rng(1);
    const heap = new MinHeap<number>((a, b) => a < b);
    const values = Array.from({ length: 500 }, () => rng.int(100));
    for (const v of values) heap.push(v);
    const out: number[] = [];
    while (heap.size > 0) out.push(heap.pop()!);
    expect(out).toEqual([...values].sort((a, b) => a - b));
  });
});

describe("mergeSorted", () => {
  it("merges sorted streams into one sorted stream; equal keys keep input order", async () => {
    const rng = new Rng(2);
    for (let round = 0; round < 30; round++) {
      const inputs = Array.from({ length: rng.range(0, 9) }, (_, input) =>
        Array.from({ length: rng.int(300) }, (_, i) => ({ key: `k${rng.int(40)}${rng.pick(["", "é", "😀", "\uffff"])}`, value: `${input}:${i}` })).sort(byKey),
      );
      const merged = await collectRecords(mergeSorted(inputs.map((records) => batchesOf(records, rng.range(1, 50))), { batchRecords: rng.range(1, 100) }));
      // Stable sort of the concatenation = merge with ties broken by input order.
      expect(merged).toEqual(inputs.flat().sort(byKey));
    }
  });

  it("refuses an input that is not sorted", async () => {
    const bad = [
      { key: "b", value: "" },
      { key: "a", value: "" },
    ];
    const err = await collectRecords(mergeSorted([batchesOf(bad)])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AssertionError);
    expect((err as Error).message).toBe('merge input 0 is not sorted: "a" follows "b"');
  });

  it("closes every input when the consumer stops early", async () => {
    const closed: number[] = [];
    const input = (n: number) =>
      (async function* () {
        try {
          for (let i = 0; i < 100; i++) yield [{ key: `k${String(i).padStart(3, "0")}`, value: String(n) }];
        } finally {
          closed.push(n);
        }
      })();
    for await (const batch of mergeSorted([input(0), input(1), input(2)], { batchRecords: 5 })) {
      expect(batch.length).toBe(5);
      break;
    }
    expect(closed.sort()).toEqual([0, 1, 2]);
  });
});

describe("groupByKey", () => {
  const records = [
    { key: "a", value: "1" },
    { key: "a", value: "2" },
    { key: "b", value: "3" },
    { key: "c", value: "4" },
    { key: "c", value: "5" },
    { key: "c", value: "6" },
  ];

  it("yields each key once with all its values, across batch boundaries", async () => {
    for (const batchRecords of [1, 2, 4, 100]) {
      const out: [string, string[]][] = [];
      for await (const group of groupByKey(batchesOf(records, batchRecords))) {
        const values: string[] = [];
        for await (const value of group.values) values.push(value);
        out.push([group.key, values]);
      }
      expect(out).toEqual([
        ["a", ["1", "2"]],
        ["b", ["3"]],
        ["c", ["4", "5", "6"]],
      ]);
    }
  });

  it("skips values a consumer leaves unread, and reads them lazily", async () => {
    let pulled = 0;
    const counting = (async function* () {
      for (const batch of [records.slice(0, 1), records.slice(1, 3), records.slice(3)]) {
        pulled += batch.length;
        yield batch;
      }
    })();
    const keys: string[] = [];
    for await (const group of groupByKey(counting)) {
      keys.push(group.key);
      if (group.key === "a") {
        // Only the first batch has been pulled: values are not gathered ahead of the consumer.
        expect(pulled).toBe(1);
      }
    }
    expect(keys).toEqual(["a", "b", "c"]);
  });

  it("streams a key with a million values without holding them", async () => {
    const many = (async function* () {
      for (let i = 0; i < 1000; i++) yield Array.from({ length: 1000 }, () => ({ key: "hot", value: "1" }));
      yield [{ key: "z", value: "last" }];
    })();
    const counts: [string, number][] = [];
    for await (const group of groupByKey(many)) {
      let n = 0;
      for await (const _ of group.values) n++;
      counts.push([group.key, n]);
    }
    expect(counts).toEqual([
      ["hot", 1_000_000],
      ["z", 1],
    ]);
  });

  it("refuses to iterate a key's values twice, or after moving on", async () => {
    const groups = groupByKey(batchesOf(records));
    const first = (await groups.next()).value!;
    for await (const _ of first.values) break;
    expect(() => first.values[Symbol.asyncIterator]()).toThrow('the values of key "a" can be iterated only once');
    const second = (await groups.next()).value!;
    const stale = second.values[Symbol.asyncIterator]();
    await groups.next();
    await expect(stale.next()).rejects.toThrow('the values of key "b" were read after its call returned');
    await groups.return(undefined);
  });
});

describe("KeyGroups", () => {
  it("answers without a promise while the group's first record is in the batch in hand, and with one when a batch must be read", async () => {
    const groups = new KeyGroups(batchesOf([{ key: "a", value: "1" }, { key: "b", value: "2" }, { key: "c", value: "3" }], 2));
    const first = groups.next();
    expect(first).toBeInstanceOf(Promise);
    expect((await first)?.key).toBe("a");
    const second = groups.next();
    expect(second).not.toBeInstanceOf(Promise);
    expect((second as { key: string }).key).toBe("b");
    const third = groups.next();
    expect(third).toBeInstanceOf(Promise);
    expect((await third)?.key).toBe("c");
    expect(await groups.next()).toBeUndefined();
    expect(await groups.next()).toBeUndefined();
    await groups.close();
  });

  it("gives every key once and each consumer the prefix of its values it read, whatever the batches and however much of each group is read", async () => {
    let seed = 12345;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % below;
    };
    for (let round = 0; round < 200; round++) {
      const records: { key: string; value: string }[] = [];
      const keyCount = 1 + random(8);
      for (let k = 0; k < keyCount; k++) {
        const valueCount = 1 + random(5);
        for (let v = 0; v < valueCount; v++) records.push({ key: `k${k}`, value: `${k}.${v}` });
      }
      const expected = new Map<string, string[]>();
      for (const { key, value } of records) expected.set(key, [...(expected.get(key) ?? []), value]);
      const groups = new KeyGroups(batchesOf(records, 1 + random(4)));
      const seen: string[] = [];
      for (;;) {
        const group = await groups.next();
        if (group === undefined) break;
        seen.push(group.key);
        // A grouper that gives a key twice would otherwise loop here for ever.
        if (seen.length > keyCount) break;
        const want = random(7);
        const read: string[] = [];
        if (want > 0) {
          for await (const value of group.values) {
            read.push(value);
            if (read.length >= want) break;
          }
        }
        expect(read).toEqual(expected.get(group.key)!.slice(0, want));
      }
      await groups.close();
      expect(seen).toEqual([...expected.keys()]);
    }
  });
});
