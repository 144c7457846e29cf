// The job API's checks and the default partitioner. The partitioner must give the same answer on
// every peer, forever: a map task on one peer and a retry of it on another send a key to the
// same reducer only if it does (MapReduce paper §4.1: "hash(key) mod R").
import { describe, it, expect } from "vitest";
import { defaultPartition, defineJob, JobDefinitionError, validateJob } from "../../src/job-module/job-api.ts";
import { Rng } from "../sim/prng.ts";

function fnv1aReference(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash >>> 0;
}

const noop = () => {};

describe("defineJob and validateJob", () => {
  it("accept a job with map and reduce, and the optional fields", () => {
    const job = { map: noop, reduce: noop, combine: noop, partition: () => 0, input: "whole-file" as const };
    expect(defineJob(job)).toBe(job);
    expect(validateJob({ map: noop, reduce: noop })).toBeTruthy();
  });

  it("say in one sentence what is wrong", () => {
    const cases: [unknown, string][] = [
      [undefined, "the job module is undefined, not a job"],
      [42, "the job module is a number, not a job object"],
      [{ reduce: noop }, "the job module has no map function"],
      [{ map: noop }, "the job module has no reduce function"],
      [{ map: noop, reduce: noop, combine: "sum" }, "the job module has a combine that is a string, not a function"],
      [{ map: noop, reduce: noop, input: "csv" }, 'the job module has input "csv"; it must be "lines" or "whole-file"'],
      [{ map: noop, reduce: noop, combiner: noop }, 'the job module has an unknown field "combiner"; a job has map, reduce, combine, partition, mapEnd and input'],
    ];
    for (const [value, message] of cases) {
      expect(() => validateJob(value)).toThrow(message);
      expect(() => validateJob(value)).toThrow(JobDefinitionError);
    }
    expect(() => defineJob({ map: noop } as never)).toThrow("the job given to defineJob has no reduce function");
  });
});

describe("defaultPartition", () => {
  it("is FNV-1a over UTF-8 (published test vectors)", () => {
    const all = 2 ** 32;
    expect(defaultPartition("", all)).toBe(0x811c9dc5);
    expect(defaultPartition("a", all)).toBe(0xe40c292c);
    expect(defaultPartition("foobar", all)).toBe(0xbf9cf968);
  });

  it("matches a TextEncoder-based FNV-1a on any string, lone surrogates included", () => {
    const rng = new Rng(9);
    const units = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xffff];
    for (let i = 0; i < 2000; i++) {
      const key = String.fromCharCode(...Array.from({ length: rng.int(8) }, () => rng.pick(units)));
      expect(defaultPartition(key, 2 ** 32)).toBe(fnv1aReference(key));
    }
  });

  it("spreads keys over the reducers and stays in range", () => {
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 7000; i++) counts[defaultPartition(`word${i}`, 7)]++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(() => defaultPartition("k", 0)).toThrow("the number of reducers must be a positive integer, not 0");
  });
});
