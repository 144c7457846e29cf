// The map-side collector (MapReduce paper §3.1 step 4; Hadoop's sort-and-spill): however many
// times it spills, its final outputs are the same sorted runs it writes without spilling.
import { describe, it, expect } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { BUFFERED_KEY_OVERHEAD_BYTES, MAP_OUTPUT_MEMORY_BYTES_DEFAULT, MERGE_FAN_IN_MAX } from "../../src/compute/constants.ts";
import { TaskError } from "../../src/compute/errors.ts";
import { defaultPartition } from "../../src/job-module/job-api.ts";
import { MapOutputCollector, type MapOutput, type MapOutputCollectorOptions } from "../../src/compute/map-output.ts";
import { collectRecords } from "../../src/compute/merge.ts";
import { readRunFile, type KeyValue } from "../../src/compute/records.ts";
import { Rng } from "../sim/prng.ts";
import { tempDir } from "../support/temp.ts";

const MiB = 1024 * 1024;

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir("map-output");
  try {
    await body(dir.path);
  } finally {
    dir.remove();
  }
}

/** Emits like a map task does: a few records per map call, a spill check between calls. */
async function collect(options: MapOutputCollectorOptions, emits: KeyValue[], perCall = 3): Promise<MapOutput> {
  const collector = new MapOutputCollector(options);
  for (let i = 0; i < emits.length; i += perCall) {
    for (const { key, value } of emits.slice(i, i + perCall)) collector.emit(key, value);
    if (collector.needsSpill) await collector.spill();
  }
  return collector.finish();
}

async function partitionsOf(output: MapOutput): Promise<KeyValue[][]> {
  return Promise.all(output.partitions.map((p) => collectRecords(readRunFile(p.path))));
}

function randomEmits(seed: number, count: number): KeyValue[] {
  const rng = new Rng(seed);
  const words = Array.from({ length: 300 }, (_, i) => `${rng.pick(["", "é", "日", "😀", "Z"])}w${i}`);
  return Array.from({ length: count }, (_, i) => ({ key: rng.pick(words), value: String(i) }));
}

const sum = async (key: string, values: AsyncIterable<string>, emit: (k: string, v: string) => void) => {
  let total = 0;
  for await (const value of values) total += Number(value);
  emit(key, String(total));
};

describe("MapOutputCollector", () => {
  it("writes the same sorted partitions after many spills (multi-pass merge) as without spilling", async () => {
    await withDir(async (dir) => {
      const emits = randomEmits(1, 5000);
      const reference = await collect({ reducers: 4, spillDir: join(dir, "a"), taskId: "ref" }, emits);
      const spilled = await collect({ reducers: 4, spillDir: join(dir, "b"), taskId: "spill", memoryLimitBytes: 4096 }, emits);
      expect(reference.spills).toBe(0);
      // More runs per partition than one merge pass takes: a multi-pass merge.
      expect(spilled.spills).toBeGreaterThan(2 * MERGE_FAN_IN_MAX);
      const expected = await partitionsOf(reference);
      expect(await partitionsOf(spilled)).toEqual(expected);
      // Sorted by key, equal keys in emit order, each record in the partition its key hashes to.
      for (const [partition, records] of expected.entries()) {
        for (let i = 1; i < records.length; i++) {
          const [a, b] = [records[i - 1]!, records[i]!];
          expect(a.key < b.key || (a.key === b.key && Number(a.value) < Number(b.value))).toBe(true);
        }
        for (const r of records) expect(defaultPartition(r.key, 4)).toBe(partition);
      }
      expect(expected.flat().length).toBe(emits.length);
      expect(spilled.counters.mapOutputRecords).toBe(emits.length);
      expect(spilled.counters.spilledRecords).toBeGreaterThan(emits.length);
    });
  });

  it("buffers the records of a job without a combiner by key alone while they share one value, with and without spills", async () => {
    await withDir(async (dir) => {
      // A sort's map: every record's value is "", keys repeat (a few thousand lines, some twice).
      const emits = randomEmits(6, 4000).map(({ key }, i) => ({ key: `${key}-${i % 1500}`, value: "" }));
      const utf8 = (text: string) => Buffer.byteLength(text, "utf8");
      const expected = [0, 1, 2, 3].map((partition) =>
        emits
          .filter(({ key }) => defaultPartition(key, 4) === partition)
          .map(({ key }) => key)
          .sort()
          .map((key) => ({ key, value: "" })),
      );
      for (const [name, memoryLimitBytes, perCall] of [["whole", 64 * 1024 * 1024, 3], ["spilled", 4096, 3], ["spilled in emit", 4096, 4000]] as const) {
        const output = await collect({ reducers: 4, spillDir: join(dir, name), taskId: "keys", memoryLimitBytes }, emits, perCall);
        expect(await partitionsOf(output), name).toEqual(expected);
        expect(output.spills > 0, name).toBe(memoryLimitBytes === 4096);
        expect(output.counters.mapOutputRecords).toBe(emits.length);
        expect(output.counters.mapOutputBytes).toBe(emits.reduce((sum, { key }) => sum + utf8(key), 0));
      }
    });
  });

  it("moves to the grouped buffer at the first record with another value: every record kept, equal keys in emit order", async () => {
    await withDir(async (dir) => {
      const rng = new Rng(7);
      const keys = ["b", "a", "😀", "c", "\uD800", "a"];
      // 3,000 records of value "1", then values that differ, keys repeating throughout.
      const emits = Array.from({ length: 6000 }, (_, i) => ({ key: rng.pick(keys), value: i < 3000 ? "1" : String(i % 7) }));
      const wellFormedKey = (key: string) => (key === "\uD800" ? "\uFFFD" : key);
      const stable = emits.map((record, i) => ({ ...record, key: wellFormedKey(record.key), i })).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : x.i - y.i));
      for (const [name, memoryLimitBytes] of [["whole", 64 * 1024 * 1024], ["spilled", 2048]] as const) {
        const output = await collect({ reducers: 1, spillDir: join(dir, name), taskId: "switch", memoryLimitBytes }, emits, 5);
        expect((await partitionsOf(output))[0], name).toEqual(stable.map(({ key, value }) => ({ key, value })));
      }
    });
  });

  it("lays out one part-<r>.run per reducer, empty ones too, and leaves no spill behind", async () => {
    await withDir(async (dir) => {
      const output = await collect({ reducers: 5, spillDir: dir, taskId: "m-0001", memoryLimitBytes: 2048 }, randomEmits(2, 400).slice(0, 1).concat(randomEmits(3, 200)));
      expect(output.dir).toBe(join(dir, "map-m-0001"));
      expect(readdirSync(output.dir).sort()).toEqual(["part-0.run", "part-1.run", "part-2.run", "part-3.run", "part-4.run"]);
      expect(output.partitions.map((p) => p.path)).toEqual([0, 1, 2, 3, 4].map((r) => join(dir, "map-m-0001", `part-${r}.run`)));
      const empty = await collect({ reducers: 2, spillDir: dir, taskId: "m-empty" }, []);
      expect(empty.partitions.map((p) => p.records)).toEqual([0, 0]);
      expect(await partitionsOf(empty)).toEqual([[], []]);
    });
  });

  it("applies the combiner on every spill and on merge: each key once, totals unchanged", async () => {
    await withDir(async (dir) => {
      const emits = randomEmits(4, 6000).map(({ key }) => ({ key, value: "1" }));
      const counts = new Map<string, number>();
      for (const { key } of emits) counts.set(key, (counts.get(key) ?? 0) + 1);
      for (const memoryLimitBytes of [64 * 1024 * 1024, 4096]) {
        const output = await collect({ reducers: 3, spillDir: dir, taskId: `c-${memoryLimitBytes}`, memoryLimitBytes, combine: sum }, emits);
        const records = (await partitionsOf(output)).flat();
        expect(new Map(records.map((r) => [r.key, Number(r.value)]))).toEqual(counts);
        expect(records.length).toBe(counts.size);
        expect(output.outputRecords).toBe(counts.size);
        expect(output.counters.combineInputRecords).toBeGreaterThanOrEqual(emits.length);
        expect(output.counters.combineOutputRecords).toBeLessThan(output.counters.combineInputRecords);
      }
    });
  });

  it("spills from inside emit when one map call emits past twice the limit, so memory stays bounded", async () => {
    await withDir(async (dir) => {
      const collector = new MapOutputCollector({ reducers: 2, spillDir: dir, taskId: "burst", memoryLimitBytes: 10_000, combine: sum });
      const emits = randomEmits(5, 20_000);
      let peakBytes = 0;
      // One "map call" that never returns to the task loop.
      for (const { key, value } of emits) {
        collector.emit(key, value);
        peakBytes = Math.max(peakBytes, collector.bufferedMemoryBytes);
      }
      expect(peakBytes).toBeLessThan(20_000);
      expect(collector.counters.spills).toBeGreaterThan(10);
      const output = await collector.finish();
      const total = (await partitionsOf(output)).flat().reduce((acc, r) => acc + Number(r.value), 0);
      expect(total).toBe(emits.reduce((acc, r) => acc + Number(r.value), 0));
    });
  });

  it("counts an ASCII key's characters at a byte each and any other key's at two, so a sort's 64 MiB split fits the default buffer", async () => {
    await withDir(async (dir) => {
      // Keys-only records (every value ""): the estimate is the key's characters plus BUFFERED_KEY_OVERHEAD_BYTES.
      const estimateOf = (key: string) => {
        const collector = new MapOutputCollector({ reducers: 1, spillDir: dir, taskId: `estimate-${key.length}-${key.charCodeAt(0)}` });
        collector.emit(key, "");
        return collector.bufferedMemoryBytes;
      };
      const ascii = "a".repeat(99);
      const latinOne = "é".repeat(99); // 8 bits wide in the engine too, but not ASCII: counted at two bytes, an overestimate
      const wide = "日".repeat(99);
      expect(estimateOf(ascii)).toBe(99 + BUFFERED_KEY_OVERHEAD_BYTES);
      expect(estimateOf(latinOne)).toBe(2 * 99 + BUFFERED_KEY_OVERHEAD_BYTES);
      expect(estimateOf(wide)).toBe(2 * 99 + BUFFERED_KEY_OVERHEAD_BYTES);
      // 64 MiB of 100-byte lines (99 characters and a newline) is under the default limit.
      expect(((64 * MiB) / 100) * (99 + BUFFERED_KEY_OVERHEAD_BYTES)).toBeLessThan(MAP_OUTPUT_MEMORY_BYTES_DEFAULT);
    });
  });

  it("sorts keys by UTF-16 code units and keeps that order through a spill (lone surrogates become U+FFFD)", async () => {
    await withDir(async (dir) => {
      const keys = ["\uD800", "\uE000", "😀", "\uFFFF", "a", ""];
      const emits = keys.map((key) => ({ key, value: "v" }));
      for (const memoryLimitBytes of [1, 1 << 20]) {
        const output = await collect({ reducers: 1, spillDir: dir, taskId: `u-${memoryLimitBytes}`, memoryLimitBytes }, emits, 1);
        expect((await partitionsOf(output))[0]!.map((r) => r.key)).toEqual(["", "a", "😀", "\uE000", "\uFFFD", "\uFFFF"]);
      }
    });
  });

  it("rejects what the job API forbids, in one sentence", async () => {
    await withDir(async (dir) => {
      const collector = new MapOutputCollector({ reducers: 3, spillDir: dir, taskId: "bad", partition: (key) => (key === "x" ? 3 : 0) });
      expect(() => collector.emit("k", 1 as unknown as string)).toThrow('map emitted a value that is a number for key "k"; keys and values must be strings (use String() or JSON.stringify())');
      expect(() => collector.emit(undefined as unknown as string, "v")).toThrow("map emitted a key that is undefined");
      expect(() => collector.emit("x", "v")).toThrow('partition returned 3 for key "x"; it must be an integer from 0 to 2');
      expect(() => collector.emit("x", "v")).toThrow(TaskError);
      await collector.finish();
      expect(() => collector.emit("late", "v")).toThrow("emit was called after the map task finished");
    });
  });

  it("fails a combiner that changes the key, and removes the task's files", async () => {
    await withDir(async (dir) => {
      const collector = new MapOutputCollector({
        reducers: 1,
        spillDir: dir,
        taskId: "rekey",
        combine: (key, _values, emit) => emit(`${key}!`, "1"),
      });
      collector.emit("a", "1");
      await expect(collector.finish()).rejects.toThrow('combine failed for key "a": combine emitted key "a!" while combining key "a"; a combiner may emit only the key it is given');
      expect(existsSync(join(dir, "map-rekey"))).toBe(false);
    });
  });

  it("refuses unsafe task ids", () => {
    expect(() => new MapOutputCollector({ reducers: 1, spillDir: "/tmp", taskId: "../x" })).toThrow('task id "../x" is not 1–128 letters, digits, "_", "." or "-"');
  });
});
