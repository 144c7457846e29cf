// One map task and one reduce task in this process, stage by stage (issue 13: "a job should
// spend its CPU in the user's map and reduce, not in the framework"). What bench/mr.ts measures
// end to end across peers is broken down here into the framework's buckets, each as CPU
// seconds per MiB of input, beside the single-process Bun word count of the same text:
//
//   line reader     the split's lines decoded (line-split.ts), no map call
//   map calls       the same, plus a map call per line that emits nothing (the call overhead)
//   user's map      the job's own map over lines already in memory, its emits counted only
//   map task        the whole map task: reader, map, collector (grouping, map-output.ts),
//                   spill and the final run files (records.ts)
//   reduce task     the map outputs merged (merge.ts), grouped and reduced (reduce-task.ts)
//
// for two jobs: examples/wordcount.ts (in-mapper combining: few, large emits) and a sort's map
// (an emit per line, every record through grouping, spill and merge).
//
//   bun run bench/mr-task.ts [--size-mib 64] [--reducers 3] [--runs 3]
//
// Profile a bucket with `bun --cpu-prof --cpu-prof-dir=DIR run bench/mr-task.ts`. Figures on a
// shared machine wander; CPU seconds per MiB wander less than wall time, and every figure of a
// run is beside its same-run reference.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bundleJob, loadJobModule, writeJobBundle } from "../src/job-module/bundle.ts";
import { jobContext, type JobDefinition } from "../src/job-module/job-api.ts";
import { bytesRangeReader, lineBatchesOfSplit } from "../src/compute/line-split.ts";
import { runMapTask } from "../src/compute/map-task.ts";
import { runReduce } from "../src/compute/reduce-task.ts";
import { readRunFile } from "../src/compute/records.ts";
import { record, seededRandom } from "../examples/sort/generate.ts";
import { sortJob } from "../examples/sort/sort-job.ts";

const MiB = 1024 * 1024;
const ROOT = resolve(import.meta.dir, "..");

function numberArg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} takes a positive number`);
  return value;
}

const out = (line = "") => process.stdout.write(`${line}\n`);
const cpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

interface Figure {
  seconds: number;
  cpuSeconds: number;
}

/** The best of `runs` (least CPU): the machine is shared, and noise only ever adds. */
async function measure(runs: number, body: () => Promise<void>): Promise<Figure> {
  let best: Figure = { seconds: Infinity, cpuSeconds: Infinity };
  for (let run = 0; run < runs; run++) {
    Bun.gc(true);
    const cpu = cpuSeconds();
    const started = performance.now();
    await body();
    const figure = { seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSeconds() - cpu };
    if (figure.cpuSeconds < best.cpuSeconds) best = figure;
  }
  return best;
}

/** Text like bench/mr.ts's (its generator, in a child), or sort records. */
function wordText(path: string, sizeMiB: number): Uint8Array {
  const child = Bun.spawnSync([process.execPath, join(ROOT, "bench/mr.ts"), "--role", "generate", "--file", path, "--size-mib", String(sizeMiB)]);
  if (child.exitCode !== 0) throw new Error(`the text generator failed: ${child.stderr.toString().slice(-300)}`);
  return new Uint8Array(readFileSync(path));
}

function sortRecords(sizeBytes: number): Uint8Array {
  const random = seededRandom(42);
  const lines: string[] = [];
  for (let row = 0; row * 100 < sizeBytes; row++) lines.push(record(row, random));
  return new TextEncoder().encode(lines.join(""));
}

/** A sort job whose split points cut the records' key space into `reducers` even ranges. */
function sortJobFor(reducers: number): JobDefinition {
  const points = Array.from({ length: reducers - 1 }, (_, i) => String.fromCharCode(0x21 + Math.round(((i + 1) * (0x7e - 0x21)) / reducers)));
  return sortJob(points);
}

/** The single-process word count of bench/mr.ts (its reference), on bytes in memory. */
function referenceWordCount(bytes: Uint8Array): number {
  const counts = new Map<string, number>();
  const text = new TextDecoder().decode(bytes);
  const pieceChars = 4 * MiB;
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + pieceChars);
    while (end < text.length && !/\s/.test(text[end]!)) end++;
    for (const word of text.slice(at, end).split(/\s+/)) if (word.length > 0) counts.set(word, (counts.get(word) ?? 0) + 1);
    at = end;
  }
  return counts.size;
}

async function breakdown(name: string, job: JobDefinition, bytes: Uint8Array, reducers: number, runs: number, dir: string): Promise<void> {
  const sizeMiB = bytes.length / MiB;
  const reader = bytesRangeReader(bytes);
  const row = (bucket: string, figure: Figure, note = "") =>
    out(`| ${name} | ${bucket} | ${(figure.cpuSeconds / sizeMiB * 1000).toFixed(1)} | ${figure.seconds.toFixed(2)} s | ${note} |`);

  let lines = 0;
  row(
    "line reader",
    await measure(runs, async () => {
      lines = 0;
      for await (const batch of lineBatchesOfSplit(reader, 0, bytes.length)) lines += batch.length;
    }),
    `${lines.toLocaleString("en-US")} lines`,
  );
  const noop: JobDefinition = { ...job, map: () => {}, mapEnd: undefined, combine: undefined };
  row("map calls (empty map)", await measure(runs, async () => void (await runMapTask({ job: noop, reader, path: "/in", startBytes: 0, endBytes: bytes.length, reducers, spillDir: dir, taskId: "noop" }))));
  const inMemory: string[] = [];
  for await (const batch of lineBatchesOfSplit(reader, 0, bytes.length)) for (const { line } of batch) inMemory.push(line);
  const context = jobContext();
  let emitted = 0;
  const count = () => void emitted++;
  row(
    "user's map (lines in memory, emits counted)",
    await measure(runs, async () => {
      emitted = 0;
      // Awaited only when it returns a promise, as the map task does: an await per line would be measured as the job's.
      for (let i = 0; i < inMemory.length; i++) {
        const result = job.map("0", inMemory[i]!, count, context);
        if (result) await result;
      }
      const end = job.mapEnd?.(count, context);
      if (end) await end;
    }),
    `${emitted.toLocaleString("en-US")} emits`,
  );
  inMemory.length = 0;
  let partitions: string[] = [];
  row(
    "map task (reader, map, grouping, spill, run files)",
    await measure(runs, async () => {
      const result = await runMapTask({ job, reader, path: "/in", startBytes: 0, endBytes: bytes.length, reducers, spillDir: dir, taskId: "map" });
      partitions = result.partitions.map((partition) => partition.path);
    }),
  );
  // The reduce of partition 0 over three copies of the map's output, as if three maps had made them.
  let groups = 0;
  row(
    "reduce task (merge of 3 runs, group, reduce)",
    await measure(runs, async () => {
      const counters = await runReduce({ job, inputs: [0, 1, 2].map(() => readRunFile(partitions[0]!)), write: () => {} });
      groups = counters.reduceInputGroups;
    }),
    `partition 0 of ${reducers}: ${groups.toLocaleString("en-US")} groups; per MiB of the map's input`,
  );
}

async function main(): Promise<void> {
  const sizeMiB = numberArg("size-mib", 64);
  const reducers = Math.floor(numberArg("reducers", 3));
  const runs = Math.floor(numberArg("runs", 3));
  const dir = mkdtempSync(join(tmpdir(), "bench-mr-task-"));
  try {
    out(`bench/mr-task: one map and one reduce task in this process, ${sizeMiB} MiB input, ${reducers} reducers, best of ${runs}; Bun ${Bun.version}`);
    const modulePath = join(ROOT, "examples/wordcount.ts");
    const wordcount = await loadJobModule(await writeJobBundle(await bundleJob(modulePath), join(dir, "bundles")));
    const text = wordText(join(dir, "text.txt"), sizeMiB);
    let distinct = 0;
    const reference = await measure(runs, async () => void (distinct = referenceWordCount(text)));
    out(`reference: single-process Bun word count of the same text in memory: ${(reference.cpuSeconds / sizeMiB * 1000).toFixed(1)} CPU ms/MiB (${reference.seconds.toFixed(2)} s, ${distinct.toLocaleString("en-US")} distinct words)`);
    out();
    out("| job | bucket | CPU ms per MiB of input | wall | |");
    out("|---|---|---|---|---|");
    await breakdown("word count", wordcount, text, reducers, runs, dir);
    const records = sortRecords(sizeMiB * MiB);
    writeFileSync(join(dir, "records.txt"), records);
    await breakdown("sort", sortJobFor(reducers), records, reducers, runs, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
