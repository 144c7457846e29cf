// A total-order sort of text lines, as TeraSort does it (O'Malley, "TeraByte Sort on Apache
// Hadoop", 2008): the client reads a random sample of the input's lines, picks reducers - 1
// split points that cut the sample in equal parts, and runs a job whose partitioner sends
// each range of lines to its own reducer (sort-job.ts). The output parts, read in order,
// are every input line in order, duplicates included.
//
//   bun examples/sort/run.ts --join ADDR --swarm-key FILE --input /data/x --output /out/sorted --reducers 4
//
// Lines are compared with JavaScript's `<` on strings (UTF-16 code units), the order the
// engine's shuffle uses. Each output line is an input line: a reduce writes `key\tvalue`
// lines, and `key` alone when the value is empty, as it is here.
// As for every "lines" job, a "\r" before a "\n" is not part of the line and is not kept.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { FileRangeReader, FileSystemClient } from "../../src/client/fs.ts";
import type { JobsClient, JobView } from "../../src/client/jobs.ts";

/** Lines sampled when the caller does not say: enough for parts within a few % of even. */
export const SAMPLE_COUNT_DEFAULT = 1_000;
/** Every reducer's range should rest on this many sampled lines at least. */
export const SAMPLES_PER_REDUCER_MIN = 20;
/** Sampling reads SAMPLE_WINDOW_BYTES per SAMPLE_LINES_PER_WINDOW lines, so this bounds it to 400 MiB of reads. */
export const SAMPLE_COUNT_MAX = 100_000;
/**
 * Bytes of one sampling read, at a random place of the input. A line that runs past the window
 * is cut, which is harmless: any string is a valid split point, a cut one only balances the
 * parts a little less well.
 */
export const SAMPLE_WINDOW_BYTES = 64 * 1024;
/**
 * Lines taken from one window, at random among those starting in it. A read costs a round trip
 * to a chunk server whatever its size up to a window: one line per 4 KiB read made sampling 1,000
 * lines of 256 MiB take 1.7 s of a 3-peer sort (bench/mr.ts); TeraSort's sampler likewise reads
 * runs of records from a few places rather than single records from many. 16 per window still
 * draws 1,000 lines from 63 places of the input.
 */
export const SAMPLE_LINES_PER_WINDOW = 16;
/** A window misses when it holds no line start; give up after this many tries per window wanted. */
export const SAMPLE_ATTEMPTS_PER_WINDOW = 4;
/** Sample reads in flight at once: each is a round trip to a chunk server. */
export const SAMPLE_READS_INFLIGHT_MAX = 16;

/** Copies of the sorted output unless the caller says: TeraSort's default. */
export const OUTPUT_REPLICATION_DEFAULT = 1;

const NEWLINE = 0x0a;

export interface SortClient {
  fs: FileSystemClient;
  jobs: JobsClient;
}

export interface SortOptions {
  /** A file, or a folder whose files (not those named _* or .*, as the scheduler skips them) are sorted together. */
  input: string;
  /** The output folder; it must not exist. */
  output: string;
  reducers: number;
  /**
   * Copies of each output part. Default 1, as TeraSort writes its output
   * (`mapreduce.terasort.output.replication`): a sort's output can be made again from its input.
   */
  outputReplication?: number;
  /** Lines to sample. Default max(SAMPLE_COUNT_DEFAULT, SAMPLES_PER_REDUCER_MIN × reducers). */
  sampleCount?: number;
  /** Called at every poll while the job runs. */
  onProgress?(job: JobView): void;
}

/**
 * Samples the input, writes the job module for its split points (in a temporary folder,
 * removed once submitted), submits it and waits for it to end. Returns the finished job,
 * whatever its state: the caller checks `state`.
 */
export async function submitSort(client: SortClient, options: SortOptions): Promise<JobView> {
  const { reducers } = options;
  if (!Number.isSafeInteger(reducers) || reducers < 1) throw new RangeError(`the number of reducers must be a whole number of at least 1, not ${reducers}`);
  const sampleCount = options.sampleCount ?? Math.min(SAMPLE_COUNT_MAX, Math.max(SAMPLE_COUNT_DEFAULT, SAMPLES_PER_REDUCER_MIN * reducers));
  if (!Number.isSafeInteger(sampleCount) || sampleCount < 0 || sampleCount > SAMPLE_COUNT_MAX) throw new RangeError(`sampleCount must be a whole number from 0 to ${SAMPLE_COUNT_MAX}, not ${sampleCount}`);
  const sample = await sampleLines(client.fs, options.input, sampleCount);
  const splitPoints = pickSplitPoints(sample, reducers);
  const dir = mkdtempSync(join(tmpdir(), "tessera-sort-"));
  let submitted: JobView;
  try {
    // Submitting bundles the module (and sort-job.ts with it): the file is not needed after.
    submitted = await client.jobs.submit(writeSortJob(splitPoints, dir), { inputs: [options.input], output: options.output, reducers, outputReplication: options.outputReplication ?? OUTPUT_REPLICATION_DEFAULT });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return client.jobs.wait(submitted.id, options.onProgress ? { onProgress: options.onProgress } : {});
}

/**
 * `reducers - 1` split points (fewer when the sample has fewer distinct lines): the lines at
 * 1/R, 2/R, ... of the sorted sample, strictly ascending. Part r then gets the lines from
 * split point r - 1 (included) to split point r (excluded).
 */
export function pickSplitPoints(sample: readonly string[], reducers: number): string[] {
  const sorted = [...sample].sort(compareLines);
  const points: string[] = [];
  if (sorted.length === 0) return points;
  for (let i = 1; i < reducers; i++) {
    const point = sorted[Math.floor((i * sorted.length) / reducers)]!;
    // Equal neighbours (a line more common than 1/R of the input) cannot be split: equal keys
    // must share a reducer. That part gets more, a later one nothing.
    if (points.length === 0 || points[points.length - 1]! < point) points.push(point);
  }
  return points;
}

/** JavaScript's `<` on strings, the engine's key order. */
export function compareLines(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Writes the job module for these split points into `dir` and returns its path: two lines
 * that call sortJob (sort-job.ts) with the split points as a JSON literal, so no line of the
 * input can become code. Named by its content.
 */
export function writeSortJob(splitPoints: readonly string[], dir: string): string {
  const jobModule = resolve(import.meta.dir, "sort-job.ts");
  const points = JSON.stringify(splitPoints);
  const source = [
    "// Generated by examples/sort/sort.ts (writeSortJob): a total-order sort with sampled split points.",
    `import { sortJob } from ${JSON.stringify(jobModule)};`,
    `export default sortJob(${points});`,
    "",
  ].join("\n");
  const folder = resolve(dir);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `sort-${createHash("sha256").update(source).digest("hex").slice(0, 16)}.ts`);
  writeFileSync(path, source);
  return path;
}

/**
 * About `sampleCount` lines of the input: up to SAMPLE_LINES_PER_WINDOW lines, chosen at random,
 * of those starting in each of a number of windows of SAMPLE_WINDOW_BYTES at uniformly random
 * places of the input (for records of similar length, every line is about equally likely).
 * Fewer when the input has fewer lines, or when windows keep missing (lines much longer than
 * SAMPLE_WINDOW_BYTES).
 */
export async function sampleLines(fs: FileSystemClient, input: string, sampleCount: number): Promise<string[]> {
  const files = await inputFiles(fs, input);
  const totalBytes = files.reduce((sum, file) => sum + file.sizeBytes, 0);
  const sample: string[] = [];
  if (totalBytes === 0 || sampleCount === 0) return sample;
  // Cumulative starts, to find the file holding a byte of the input by binary search.
  const starts: number[] = [];
  let at = 0;
  for (const file of files) {
    starts.push(at);
    at += file.sizeBytes;
  }
  const readers = new Map<string, Promise<FileRangeReader>>();
  const readerOf = (path: string) => {
    let reader = readers.get(path);
    if (!reader) readers.set(path, (reader = fs.openRangeReader(path)));
    return reader;
  };
  const windowsWanted = Math.ceil(sampleCount / SAMPLE_LINES_PER_WINDOW);
  let attemptsLeft = windowsWanted * SAMPLE_ATTEMPTS_PER_WINDOW;
  const sampleWindows = async () => {
    while (sample.length < sampleCount && attemptsLeft > 0) {
      attemptsLeft--;
      const position = Math.floor(Math.random() * totalBytes);
      const index = lastAtOrBelow(starts, position);
      const lines = await linesStartingInWindow(await readerOf(files[index]!.path), position - starts[index]!, SAMPLE_LINES_PER_WINDOW);
      for (const line of lines) if (sample.length < sampleCount) sample.push(line);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SAMPLE_READS_INFLIGHT_MAX, windowsWanted) }, sampleWindows));
  return sample;
}

/** The files a job with this input reads, with their sizes; empty files left out. */
async function inputFiles(fs: FileSystemClient, input: string): Promise<Array<{ path: string; sizeBytes: number }>> {
  const stat = await fs.stat(input);
  if (stat.kind === "file") return stat.size > 0 ? [{ path: stat.path, sizeBytes: stat.size }] : [];
  const files: Array<{ path: string; sizeBytes: number }> = [];
  for (const entry of await fs.list(input, { recursive: true })) {
    const hidden = entry.path.slice(stat.path.length).split("/").some((name) => name.startsWith("_") || name.startsWith("."));
    if (entry.kind === "file" && !hidden && entry.size > 0) files.push({ path: entry.path, sizeBytes: entry.size });
  }
  return files;
}

/** The index of the last element <= value in an ascending array whose first element is <= value. */
function lastAtOrBelow(ascending: readonly number[], value: number): number {
  let low = 0;
  let high = ascending.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (ascending[middle]! <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}

/**
 * Up to `count` lines, chosen at random, of those that start in the window of
 * SAMPLE_WINDOW_BYTES at byte `position` of the file, as a map task would read them (without
 * "\n" or a "\r" before it); a line running past the window is taken, cut there, only when it is
 * the window's only line. The same rule as a split's first line: a line starts at 0 or right
 * after a "\n".
 */
async function linesStartingInWindow(reader: FileRangeReader, position: number, count: number): Promise<string[]> {
  const from = position > 0 ? position - 1 : 0;
  const wantedBytes = SAMPLE_WINDOW_BYTES + (position > 0 ? 1 : 0);
  const bytes = await reader.read(from, wantedBytes);
  // The "\n" before each line start; -1 stands for the file's start. The byte before
  // `position`, read too, only says whether a line starts at `position`.
  let newline = position > 0 ? bytes.indexOf(NEWLINE) : -1;
  if (position > 0 && newline < 0) return [];
  const lineStarts: number[] = [];
  // A "\n" that is the last byte read starts no line in the window (or it ends the file).
  while (newline + 1 < bytes.length) {
    lineStarts.push(newline + 1);
    newline = bytes.indexOf(NEWLINE, newline + 1);
    if (newline < 0) break;
  }
  // The last line runs past the window unless the file ends in it: left out, unless it is the
  // window's only line (one longer than the window, taken cut).
  if (newline < 0 && bytes.length === wantedBytes && lineStarts.length > 1) lineStarts.pop();
  // A partial Fisher–Yates shuffle: the first `count` are a uniform choice without repeats.
  const chosen = Math.min(count, lineStarts.length);
  for (let i = 0; i < chosen; i++) {
    const j = i + Math.floor(Math.random() * (lineStarts.length - i));
    [lineStarts[i], lineStarts[j]] = [lineStarts[j]!, lineStarts[i]!];
  }
  return lineStarts.slice(0, chosen).map((start) => {
    const newline = bytes.indexOf(NEWLINE, start);
    // `stream: true` holds back a multibyte character cut at the window's end instead of
    // turning it into U+FFFD; ignoreBOM keeps a byte-order mark, as the map task's reader does.
    const line = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.subarray(start, newline < 0 ? bytes.length : newline), { stream: newline < 0 });
    return line.endsWith("\r") ? line.slice(0, -1) : line;
  });
}
