// examples/sort/ on a three-peer cluster: a total-order sort with a sampled range partitioner
// (TeraSort). The parts read in order are the input's lines sorted by JavaScript's `<`,
// duplicates included; each part is sorted, the parts' ranges do not overlap, and on a uniform
// input every part gets a fair share. Output lines are the input's lines (see sort.ts).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn } from "bun";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Peer } from "../../src/peer/peer.ts";
import type { TestPeers } from "../support/peers.ts";
import { tempDir } from "../support/temp.ts";
import { encodeSwarmKey } from "../../src/net/swarm-key.ts";
import { jobContext, type JobDefinition } from "../../src/job-module/job-api.ts";
import { compareLines, pickSplitPoints, sampleLines, submitSort, writeSortJob } from "../../examples/sort/sort.ts";
import { partitionOf, sortJob } from "../../examples/sort/sort-job.ts";
import { KEY_CHARS, RECORD_BYTES, records } from "../../examples/sort/generate.ts";
import { expectSucceeded, lcg, putText, readParts, startCluster } from "./cluster.ts";

const ROOT = resolve(import.meta.dir, "../..");

/** The lines of a text as a "lines" job reads them: split at "\n", no line after a final "\n". */
function linesOf(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * The sort's output, checked part by part: each part is sorted, and each part's lines are all below the next part's (equal lines share a
 * part). Returns the input lines per part.
 */
function checkedParts(parts: readonly string[]): string[][] {
  const out: string[][] = [];
  for (const [r, part] of parts.entries()) {
    // An empty value is written without a tab: the lines are the input's own.
    const lines = linesOf(part);
    for (let i = 1; i < lines.length; i++) if (compareLines(lines[i - 1]!, lines[i]!) > 0) throw new Error(`part ${r} is not sorted at line ${i}`);
    out.push(lines);
  }
  for (let r = 1; r < out.length; r++) {
    const before = out.slice(0, r).flat();
    const last = before[before.length - 1];
    const first = out[r]![0];
    if (last !== undefined && first !== undefined) expect(last < first, `part ${r} starts at or below the parts before it`).toBe(true);
  }
  return out;
}

function expectFairSpread(parts: readonly string[][], total: number): void {
  // 1,000 sampled lines put each split point within a few % of its quantile; half the even
  // share is far outside that.
  for (const part of parts) expect(part.length).toBeGreaterThan((0.5 * total) / parts.length);
}

describe("sort job, without a cluster", () => {
  it("partitions by the number of split points at or below the key", () => {
    const points = ["b", "d", "f"];
    expect(["", "a", "az", "b", "c", "d", "e", "f", "g", "\uffff"].map((key) => partitionOf(points, key))).toEqual([0, 0, 0, 1, 1, 2, 2, 3, 3, 3]);
    expect(partitionOf([], "anything")).toBe(0);
    // JavaScript's `<` compares UTF-16 code units: an astral character (a surrogate pair) sorts below U+FFFF.
    expect(partitionOf(["\uffff"], "😀")).toBe(0);
  });

  it("picks reducers-1 strictly ascending split points at the sample's quantiles", () => {
    const sample = Array.from({ length: 100 }, (_, i) => String(i).padStart(3, "0")).reverse();
    expect(pickSplitPoints(sample, 4)).toEqual(["025", "050", "075"]);
    expect(pickSplitPoints(sample, 1)).toEqual([]);
    expect(pickSplitPoints([], 4)).toEqual([]);
    // A line too common to split: equal keys must share a reducer, so there are fewer points
    // (and a part stays empty).
    expect(pickSplitPoints(["a", "x", "x", "x", "x", "x", "y", "z"], 4)).toEqual(["x", "y"]);
    expect(pickSplitPoints(["x", "x", "x", "x", "y"], 4)).toEqual(["x"]);
  });

  it("refuses unordered split points and a reducer count below the plan", () => {
    expect(() => sortJob(["b", "a"])).toThrow(/strictly ascending/);
    expect(() => sortJob(["a", "a"])).toThrow(/strictly ascending/);
    expect(() => sortJob(["a", "b"]).partition!("c", 2)).toThrow(/planned for 3 reducers/);
    expect(sortJob(["a", "b"]).partition!("c", 5)).toBe(2);
  });

  it("writes a job module that carries any split points as data", async () => {
    const scratch = tempDir("sort-module");
    try {
      const points = ['"); globalThis.injected = 1; ("', "\u2028*/", "😀"].sort(compareLines);
      const job = ((await import(writeSortJob(points, scratch.path))) as { default: JobDefinition }).default;
      expect((globalThis as { injected?: number }).injected).toBeUndefined();
      expect(points.map((point) => job.partition!(point, 4))).toEqual([1, 2, 3]);
      const emitted: Array<[string, string]> = [];
      await job.map("0", "a line", (key, value) => emitted.push([key, value]), jobContext());
      expect(emitted).toEqual([["a line", ""]]);
    } finally {
      scratch.remove();
    }
  });

  it("generates 100-byte records with 10-character printable keys, the same for the same seed", () => {
    const text = records(50, { seed: 3 });
    expect(text.length).toBe(50 * RECORD_BYTES);
    expect(text).toBe(records(50, { seed: 3 }));
    expect(text).not.toBe(records(50, { seed: 4 }));
    for (const line of linesOf(text)) expect(line).toMatch(new RegExp(`^[!-~]{${KEY_CHARS}} [0-9a-f]{32} [A-Z]{55}$`));
  });
});

let cluster: TestPeers;
let seed: Peer;
const scratch = tempDir("sort-example");
beforeAll(async () => {
  ({ cluster, seed } = await startCluster());
}, 30_000);
afterAll(async () => {
  await cluster?.stopAll();
  scratch.remove();
});

describe("examples/sort on a cluster", () => {
  it("sorts a folder of files in total order over 3 reducers, duplicates kept, parts evenly filled", async () => {
    const next = lcg(17);
    // Two files: TeraGen-like records, and a mix of duplicates of them, repeated odd lines,
    // empty lines, tabs and characters outside ASCII and outside the BMP.
    const first = records(3_000, { seed: 1 });
    const firstLines = linesOf(first);
    const odd = ["", "", "\tleading tab", "trailing blank ", "naïve", "日本語", "😀 emoji", "~~~~~~~~~~ top", "!!!!!!!!!! bottom", "same", "same", "same"];
    const secondLines = [...Array.from({ length: 600 }, () => firstLines[next(firstLines.length)]!), ...odd, ...records(1_000, { seed: 2, firstRow: 3_000 }).split("\n").slice(0, -1)];
    const second = `${secondLines.join("\n")}\n`;
    await seed.fs.mkdir("/sort/in", { parents: true });
    const chunks = (await putText(seed, "/sort/in/a.txt", first)) + (await putText(seed, "/sort/in/b.txt", second));
    // Not input: bookkeeping files are skipped by the scheduler, and so by the sampler.
    await putText(seed, "/sort/in/_notes", "this is not part of the input\n");
    expect(chunks).toBeGreaterThanOrEqual(6);
    // The sampler draws whole input lines from both files (a few per window it reads).
    const inputLines = new Set([...firstLines, ...secondLines]);
    const sample = await sampleLines(seed.fs, "/sort/in", 500);
    expect(sample).toHaveLength(500);
    expect(sample.filter((line) => !inputLines.has(line))).toEqual([]);
    expect(sample.some((line) => firstLines.includes(line))).toBe(true);
    expect(sample.some((line) => secondLines.slice(600).includes(line))).toBe(true);
    expect(new Set(sample).size).toBeGreaterThan(400);

    const job = await expectSucceeded(seed, await submitSort(seed, { input: "/sort/in", output: "/sort/out", reducers: 3 }));
    expect(job.mapTasks).toBe(chunks);
    const parts = checkedParts(await readParts(seed, "/sort/out", 3));
    const expected = [...firstLines, ...secondLines].sort(compareLines);
    expect(parts.flat()).toEqual(expected);
    expectFairSpread(parts, expected.length);
    expect(job.counters.reduceOutputRecords).toBe(expected.length);
    // Written once, as TeraSort writes its output, unless the caller asks for more copies.
    expect(job.outputReplication).toBe(1);
    for (let part = 0; part < 3; part++) expect((await seed.fs.stat(`/sort/out/part-r-0000${part}`)).replication).toBe(1);
  }, 30_000);

  it("runs from the command line: generate.ts writes the records, run.ts sorts them", async () => {
    const local = join(scratch.path, "records.txt");
    const generate = spawn([process.execPath, "examples/sort/generate.ts", "--size", "250KB", "--output", local, "--seed", "9"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    expect(await generate.exited).toBe(0);
    const text = readFileSync(local, "utf8");
    expect(text.length).toBe(Math.floor((250 * 1024) / RECORD_BYTES) * RECORD_BYTES);
    await seed.fs.mkdir("/cli");
    await putText(seed, "/cli/records.txt", text);

    const keyFile = join(scratch.path, "swarm.key");
    writeFileSync(keyFile, encodeSwarmKey(cluster.swarmKey));
    const args = ["--join", seed.multiaddrs[0]!, "--swarm-key", keyFile, "--input", "/cli/records.txt", "--output", "/cli/sorted", "--reducers", "2", "--samples", "200", "--output-replication", "2"];
    const run = spawn([process.execPath, "examples/sort/run.ts", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, TESSERA_LOG: "warn" } });
    const [code, stdout, stderr] = await Promise.all([run.exited, new Response(run.stdout).text(), new Response(run.stderr).text()]);
    if (code !== 0) console.log(stdout, stderr);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).state).toBe("succeeded");

    const parts = checkedParts(await readParts(seed, "/cli/sorted", 2));
    expect(parts.flat()).toEqual(linesOf(text).sort(compareLines));
    expectFairSpread(parts, linesOf(text).length);
    for (let part = 0; part < 2; part++) expect((await seed.fs.stat(`/cli/sorted/part-r-0000${part}`)).replication).toBe(2);
  }, 30_000);

  it("a usage error exits 2 without touching the cluster", async () => {
    const run = spawn([process.execPath, "examples/sort/run.ts", "--input", "/x"], { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, TESSERA_JOIN: "", TESSERA_SWARM_KEY: "" } });
    const [code, stderr] = await Promise.all([run.exited, new Response(run.stderr).text()]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--join/);
  }, 15_000);
});
