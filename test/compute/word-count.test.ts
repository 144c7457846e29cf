// End to end in one process: word count over a text cut into many splits (one map task per
// split, as per chunk), shuffled through real run files to three reducers, equals a count made
// the obvious way. Checks DESIGN.md "MapReduce" from record reading to reduce output.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { TaskError } from "../../src/compute/errors.ts";
import { defineJob, type JobDefinition } from "../../src/job-module/job-api.ts";
import { bytesRangeReader } from "../../src/compute/line-split.ts";
import { runMapTask, type MapTaskResult } from "../../src/compute/map-task.ts";
import { readRunFile } from "../../src/compute/records.ts";
import { runReduce } from "../../src/compute/reduce-task.ts";
import { Rng } from "../sim/prng.ts";
import { tempDir } from "../support/temp.ts";

const wordCount = (withCombiner: boolean): JobDefinition => {
  const sum = async (key: string, values: AsyncIterable<string>, emit: (k: string, v: string) => void) => {
    let total = 0;
    for await (const value of values) total += Number(value);
    emit(key, String(total));
  };
  return defineJob({
    map(_offset, line, emit) {
      for (const word of line.split(/\s+/)) if (word) emit(word, "1");
    },
    reduce: sum,
    ...(withCombiner ? { combine: sum } : {}),
  });
};

function randomText(rng: Rng): string {
  const words = ["the", "quick", "brown", "fox", "jumps", "över", "日本", "😀", "a", "b", "c"];
  const lines: string[] = [];
  for (let i = 0; i < 800; i++) lines.push(Array.from({ length: rng.int(12) }, () => rng.pick(words)).join(rng.pick([" ", "  ", "\t"])));
  return lines.join(rng.pick(["\n", "\r\n"]));
}

async function runJob(job: JobDefinition, text: string, dir: string, chunkBytes: number, reducers: number): Promise<{ output: string[]; maps: MapTaskResult[] }> {
  const bytes = new TextEncoder().encode(text);
  const reader = bytesRangeReader(bytes);
  const maps: MapTaskResult[] = [];
  for (let start = 0, index = 0; start < bytes.length; start += chunkBytes, index++) {
    maps.push(
      await runMapTask({
        job,
        reader,
        path: "/in/text.txt",
        startBytes: start,
        endBytes: Math.min(start + chunkBytes, bytes.length),
        reducers,
        spillDir: dir,
        memoryLimitBytes: 4096,
        taskId: `m${index}`,
      }),
    );
  }
  const output: string[] = [];
  for (let r = 0; r < reducers; r++) {
    let text = "";
    await runReduce({ job, inputs: maps.map((m) => readRunFile(m.partitions[r]!.path)), write: (piece) => void (text += new TextDecoder().decode(piece)) });
    output.push(text);
  }
  return { output, maps };
}

describe("word count, in process", () => {
  it("equals an independent count, with and without a combiner, over many splits", async () => {
    const dir = tempDir("wordcount");
    try {
      const text = randomText(new Rng(42));
      const expected = new Map<string, number>();
      for (const word of text.split(/\s+/)) if (word) expected.set(word, (expected.get(word) ?? 0) + 1);
      for (const withCombiner of [true, false]) {
        const { output, maps } = await runJob(wordCount(withCombiner), text, join(dir.path, String(withCombiner)), 997, 3);
        expect(maps.length).toBeGreaterThan(10);
        const got = new Map<string, number>();
        for (const part of output) {
          const keys: string[] = [];
          for (const line of part.split("\n").filter(Boolean)) {
            const [word, count] = line.split("\t");
            keys.push(word!);
            expect(got.has(word!)).toBe(false);
            got.set(word!, Number(count));
          }
          expect(keys).toEqual([...keys].sort());
        }
        expect(got).toEqual(expected);
        const inputRecords = maps.reduce((acc, m) => acc + m.counters.mapInputRecords, 0);
        expect(inputRecords).toBe(800);
        expect(maps.some((m) => m.counters.spills > 0)).toBe(true);
      }
    } finally {
      dir.remove();
    }
  });

  it("gives a whole-file job one map call per file, on the first split only", async () => {
    const dir = tempDir("wholefile");
    try {
      const calls: [string, string][] = [];
      const job = defineJob({
        input: "whole-file",
        map(path, text, emit) {
          calls.push([path, text]);
          emit(path, String(text.length));
        },
        reduce: () => {},
      });
      const bytes = new TextEncoder().encode("line one\nline two\n");
      for (const [start, end] of [[0, 5], [5, 10], [10, bytes.length]] as const) {
        await runMapTask({ job, reader: bytesRangeReader(bytes), path: "/in/f.txt", startBytes: start, endBytes: end, reducers: 1, spillDir: dir.path, taskId: `w${start}` });
      }
      expect(calls).toEqual([["/in/f.txt", "line one\nline two\n"]]);
    } finally {
      dir.remove();
    }
  });

  it("fails a throwing map with a TaskError carrying the record's offset, and cleans up", async () => {
    const dir = tempDir("mapfail");
    try {
      const job = defineJob({
        map(_offset, line) {
          if (line === "boom") throw new Error("cannot parse");
        },
        reduce: () => {},
      });
      const bytes = new TextEncoder().encode("ok\nfine\nboom\n");
      const err = await runMapTask({ job, reader: bytesRangeReader(bytes), path: "/in/x", startBytes: 0, endBytes: bytes.length, reducers: 1, spillDir: dir.path, taskId: "f" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskError);
      expect((err as TaskError).message).toBe("map failed on the record at byte 8 of /in/x: cannot parse");
      expect((err as TaskError).offsetBytes).toBe(8);
    } finally {
      dir.remove();
    }
  });

  it("calls mapEnd once per task after the last record: in-mapper combining gives the same counts", async () => {
    const dir = tempDir("mapend");
    try {
      const text = randomText(new Rng(7));
      const expected = new Map<string, number>();
      for (const word of text.split(/\s+/)) if (word) expected.set(word, (expected.get(word) ?? 0) + 1);
      let mapEnds = 0;
      const counts = new Map<string, number>();
      const sum = async (key: string, values: AsyncIterable<string>, emit: (k: string, v: string) => void) => {
        let total = 0;
        for await (const value of values) total += Number(value);
        emit(key, String(total));
      };
      const job = defineJob({
        map(_offset, line) {
          for (const word of line.split(/\s+/)) if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
        },
        mapEnd(emit) {
          mapEnds++;
          for (const [word, count] of counts) emit(word, String(count));
          counts.clear();
        },
        combine: sum,
        reduce: sum,
      });
      const { output, maps } = await runJob(job, text, dir.path, 1_500, 2);
      expect(mapEnds).toBe(maps.length);
      const got = new Map<string, number>();
      for (const part of output) for (const line of part.split("\n").filter(Boolean)) got.set(line.split("\t")[0]!, Number(line.split("\t")[1]));
      expect(got).toEqual(expected);
      // Far fewer records leave the maps than words were read.
      const emitted = maps.reduce((acc, m) => acc + m.counters.mapOutputRecords, 0);
      expect(emitted).toBeLessThan([...expected.values()].reduce((a, b) => a + b, 0) / 5);
      const failing = defineJob({ map: () => {}, mapEnd: () => { throw new Error("flush broke"); }, reduce: () => {} });
      const err = await runMapTask({ job: failing, reader: bytesRangeReader(new TextEncoder().encode("x\n")), path: "/in/y", startBytes: 0, endBytes: 2, reducers: 1, spillDir: dir.path, taskId: "e" }).catch((e: unknown) => e);
      expect((err as Error).message).toBe("mapEnd failed after the last record of /in/y: flush broke");
    } finally {
      dir.remove();
    }
  });
});
