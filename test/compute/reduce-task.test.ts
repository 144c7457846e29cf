// The reduce task (MapReduce paper §3.1 step 6): merged map outputs, grouped by key, through
// reduce, out as Hadoop TextOutputFormat lines.
import { describe, it, expect } from "vitest";
import { TaskError } from "../../src/compute/errors.ts";
import { defineJob, jobContext } from "../../src/job-module/job-api.ts";
import { batchesOf } from "../../src/compute/merge.ts";
import { runReduce } from "../../src/compute/reduce-task.ts";

const decoder = new TextDecoder();

const kv = (key: string, value: string) => ({ key, value });
const noMap = () => {};

describe("runReduce", () => {
  it("merges sorted inputs, calls reduce once per key in key order, writes key\\tvalue lines", async () => {
    const seen: [string, string[]][] = [];
    const job = defineJob({
      map: noMap,
      async reduce(key, values, emit) {
        const all: string[] = [];
        for await (const value of values) all.push(value);
        seen.push([key, all]);
        emit(key, all.join(","));
      },
    });
    let output = "";
    const counters = await runReduce({
      job,
      inputs: [batchesOf([kv("a", "1"), kv("c", "2")]), batchesOf([kv("a", "3"), kv("b", "4")]), batchesOf([])],
      write: (bytes) => {
        const text = decoder.decode(bytes);
        expect(text.endsWith("\n")).toBe(true);
        output += text;
      },
    });
    expect(seen).toEqual([
      ["a", ["1", "3"]],
      ["b", ["4"]],
      ["c", ["2"]],
    ]);
    expect(output).toBe("a\t1,3\nb\t4\nc\t2\n");
    expect(counters).toEqual({ reduceInputGroups: 3, reduceInputRecords: 4, reduceOutputRecords: 3 });
  });

  it("writes an empty value without a trailing tab, and hands reduce the job's parameters", async () => {
    let output = "";
    await runReduce({
      job: defineJob({
        map: noMap,
        reduce(key, _values, emit, context) {
          emit(key, context.param("suffix", ""));
        },
      }),
      inputs: [batchesOf([kv("a", "1"), kv("b", "1")])],
      context: jobContext({ suffix: "" }),
      write: (bytes) => void (output += decoder.decode(bytes)),
    });
    expect(output).toBe("a\nb\n");
    output = "";
    await runReduce({
      job: defineJob({ map: noMap, reduce: (key, _values, emit, context) => emit(key, context.param("suffix", "none")) }),
      inputs: [batchesOf([kv("a", "1")])],
      context: jobContext({ suffix: "!" }),
      write: (bytes) => void (output += decoder.decode(bytes)),
    });
    expect(output).toBe("a\t!\n");
  });

  it("awaits an async writer before going on, and hands it whole lines in order", async () => {
    const pieces: string[] = [];
    const records = Array.from({ length: 30_000 }, (_, i) => kv(`k${String(i).padStart(6, "0")}`, "x".repeat(50)));
    let writing = false;
    await runReduce({
      job: defineJob({ map: noMap, reduce: async (key, values, emit) => { for await (const v of values) emit(key, v); } }),
      inputs: [batchesOf(records)],
      write: async (bytes) => {
        expect(writing).toBe(false);
        writing = true;
        await new Promise((resolve) => setTimeout(resolve, 1));
        // Read after the wait: the bytes stay the writer's until its promise settles.
        const text = decoder.decode(bytes);
        expect(text.endsWith("\n")).toBe(true);
        pieces.push(text);
        writing = false;
      },
    });
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe(records.map((r) => `${r.key}\t${r.value}\n`).join(""));
  });

  it("writes UTF-8 of any width, and a reduce call that emits more than a buffer holds, whole and in order", async () => {
    const keys = ["a", "z", "é", "中文", "😀 emoji"]; // in UTF-16 order, as the merge sorts
    const big = "😀".repeat(200_000); // 800,000 bytes of UTF-8 from 400,000 code units
    let output = "";
    const counters = await runReduce({
      job: defineJob({
        map: noMap,
        reduce(key, _values, emit) {
          // Five lines of about 2.4 MB of the buffer's worst case each: more than one buffer per call.
          for (let i = 0; i < 5; i++) emit(key, key === "中文" ? big : `${i}`);
        },
      }),
      inputs: [batchesOf(keys.map((key) => kv(key, "1")))],
      write: (bytes) => void (output += decoder.decode(bytes)),
    });
    const expected = keys.map((key) => Array.from({ length: 5 }, (_, i) => `${key}\t${key === "中文" ? big : i}\n`).join("")).join("");
    expect(output.length).toBe(expected.length);
    expect(output === expected).toBe(true);
    expect(counters.reduceOutputRecords).toBe(25);
  });

  it("turns a throwing reduce into a TaskError naming the key", async () => {
    const job = defineJob({
      map: noMap,
      reduce(key) {
        if (key === "bad") throw new Error("division by zero");
      },
    });
    const err = await runReduce({ job, inputs: [batchesOf([kv("a", "1"), kv("bad", "2")])], write: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).message).toBe('reduce failed for key "bad": division by zero');
    expect((err as TaskError).key).toBe("bad");
  });

  it("rejects a non-string emit with a hint", async () => {
    const job = defineJob({ map: noMap, reduce: (key, _values, emit) => emit(key, 3 as unknown as string) });
    await expect(runReduce({ job, inputs: [batchesOf([kv("a", "1")])], write: () => {} })).rejects.toThrow(
      'reduce failed for key "a": reduce emitted a value that is a number for key "a"; keys and values must be strings (use String() or JSON.stringify())',
    );
  });
});
