// MapReduce end to end (issue "bench/mr"): word count over a generated text of --size-mib MiB
// (default 256) on three peers, printed beside a single-process Bun word count and
// `tr | sort | uniq -c` of the same file measured in the same run; then the small-task case
// (--small-mib MiB, default 24, written by this process at replication 1 in 1 MiB chunks, word
// count over it, beside the single-process count of the same file); then a sort of --sort-mib
// MiB (default 256) beside `LC_ALL=C sort` of the same records.
//
//   bun run bench/mr.ts [--size-mib 256] [--chunk-mib 64] [--reducers 3] [--repeat 1]
//                       [--small-mib 24] [--small-chunk-mib 1] [--skip-small]
//                       [--sort-mib 256] [--sort-reducers 3] [--sort-output-replication 1] [--skip-sort]
//                       [--compute-slots N] [--peer-log info] [--binary PATH] [--keep]
//                       [--peer-cpu-prof]   (peers write CPU profiles into the temp folder)
//                       [--peer-env NAME=VALUE]...  (environment for the peers only, e.g. BUN_JSC_* options)
//   bun run bench/mr.ts --role generate --file PATH [--size-mib N]   (the text alone)
//   bun run bench/mr.ts --role wordcount --file PATH --out PATH       (the Bun reference alone)
//
// Goals of issue 13 on this 2-core machine: the 3-peer word count in at most 0.6 × the
// single-process Bun program's time; the sort in at most 2 × `LC_ALL=C sort`; the small-task
// case with at least 95% node-local maps, done in under 2 s from submit, and task start (the
// leader sending a map's order to the job's map running, the job's taskStartMsP50 counter)
// under 20 ms at the median. The job runs examples/wordcount.ts through the client library
// (connect, client.jobs.submit, then polling status until it ends: what `tessera job run` does)
// and is timed from submit (which bundles the module) to the success the client sees.
//
// Peers are three processes of dist/tessera (built if missing; --binary for another build) on
// racks /r1, /r1, /r2, with MIMALLOC_PURGE_DELAY=-1 as the README asks, each logging to a file
// in the temp folder; this process is a client that is not a peer. The single-process
// reference runs in a child Bun process of this file (--role wordcount) so its time and CPU are
// its own. Every output is checked: the job's counts must equal the reference's exactly, the
// two references must agree, and the sort's output must be in order with every line. Files are
// streamed, never read whole: the bench holds at most the vocabulary in memory.
//
// Each phase reports the CPU seconds the peers used (by thread: main threads, task worker
// threads, GC helpers, JIT compiler threads), this client, and the rest of the machine (other
// work on a shared machine shows there). It prints figures and always exits 0: a slow or
// loaded machine gives smaller numbers, not a failure.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { connect, type ClusterClient } from "../src/client/cluster.ts";
import type { JobView } from "../src/client/jobs.ts";
import { TaskRecord } from "../src/protocol/pb/jobs.ts";
import { LOCALITY, TASK_KIND, taskKeyOf } from "../src/protocol/job-names.ts";
import { decodeSwarmKey } from "../src/net/swarm-key.ts";
import { setLogLevel } from "../src/util/log.ts";
import type { Subprocess } from "bun";
import { BINARY, ensureBinary, PEER_ENV } from "../test/support/processes.ts";
import { tempDir } from "../test/support/temp.ts";

const MiB = 1024 * 1024;
const ROOT = resolve(import.meta.dir, "..");
const WORDCOUNT_MODULE = join(ROOT, "examples/wordcount.ts");
const SORT_MODULE = join(ROOT, "examples/sort/sort.ts");
const SORT_GENERATOR = join(ROOT, "examples/sort/generate.ts");

const SIZE_MIB_DEFAULT = 256;
const CHUNK_MIB_DEFAULT = 64;
const REDUCERS_DEFAULT = 3;
const SORT_MIB_DEFAULT = 256;
const SMALL_MIB_DEFAULT = 24;
const SMALL_CHUNK_MIB_DEFAULT = 1;
/** Issue 13's goals. */
const WORDCOUNT_GOAL_RATIO = 0.6;
const SORT_GOAL_RATIO = 2;
const SMALL_NODE_LOCAL_GOAL = 0.95;
const SMALL_JOB_GOAL_SECONDS = 2;
const TASK_START_P50_GOAL_MS = 20;
/** The small-task case's job lasts about a second: its status is polled this often, not JOB_POLL_MS. */
const SMALL_JOB_POLL_MS = 25;
const RACKS = ["/r1", "/r1", "/r2"];
/** Distinct words of the generated vocabulary (before capitals and punctuation multiply them). */
const VOCABULARY_WORDS = 5_000;
/** Zipf exponent of word frequencies; natural-language text is close to 1. */
const ZIPF_EXPONENT = 1.07;
/** Sampling table of the Zipf distribution: 2^20 slots resolve probabilities down to 1e-6. */
const ZIPF_TABLE_BITS = 20;
const GENERATOR_SEED = 0x7e55e7a;
/** The generator and the readers work in pieces of this size. */
const IO_PIECE_BYTES = 4 * MiB;
/** The generator flushes before a line could overflow its buffer; the longest line is far below. */
const LINE_BYTES_MAX = 64 * 1024;
const JOB_POLL_MS = 200;
/** Status polls that fail for this long (no leader) end the bench's wait for a job. */
const POLL_FAILURES_GIVE_UP_MS = 300_000;
const CLUSTER_FORM_TIMEOUT_MS = 60_000;
const JOB_TIMEOUT_MS = 3_600_000;
const PEER_START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
/** Lines of each peer's log kept in memory (the whole log goes to a file). */
const PEER_LOG_TAIL_LINES = 50;
/** At most this much of a peer's log is scanned for warnings after a phase. */
const PEER_LOG_SCAN_BYTES = 4 * MiB;
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ, the unit of /proc/<pid>/stat times.

// ---- arguments ----

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const flag = (name: string) => process.argv.includes(`--${name}`);

function numberArg(name: string, fallback: number, min: number): number {
  const text = arg(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    console.error(`--${name} must be a number of at least ${min}, not "${text}"`);
    process.exit(2);
  }
  return value;
}

// ---- formatting ----

const out = (line = "") => process.stdout.write(line + "\n");
const secs = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)} s` : "—");
const mbps = (bytes: number, seconds: number) => (Number.isFinite(seconds) && seconds > 0 ? `${(bytes / 1e6 / seconds).toFixed(1)} MB/s` : "—");
const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "—");
const mib = (bytes: number) => `${(bytes / MiB).toFixed(bytes >= 10 * MiB ? 0 : 1)} MiB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const loadText = () => `load average ${loadavg().map((value) => value.toFixed(2)).join(" ")}`;

// ---- CPU accounting ----

function statCpuSeconds(path: string): number {
  try {
    const stat = readFileSync(path, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND; // utime + stime
  } catch {
    return NaN; // gone, or not Linux
  }
}

function machineBusySeconds(): number {
  try {
    const values = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = values[3]! + values[4]!; // idle + iowait
    return (values.reduce((sum, value) => sum + value, 0) - idle) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

function selfCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Threads of a peer, by what they do (Bun names its threads; /proc/<pid>/task/<tid>/comm). */
const THREAD_GROUPS = ["main", "tasks", "gc", "jit", "other"] as const;
type ThreadGroup = (typeof THREAD_GROUPS)[number];
const THREAD_GROUP_TEXT: Record<ThreadGroup, string> = { main: "main threads", tasks: "task workers", gc: "GC helpers", jit: "JIT", other: "other threads" };

function threadGroup(pid: number, tid: number, comm: string): ThreadGroup {
  if (tid === pid) return "main"; // the event loop: network, disk, Raft, serving workers' reads
  if (comm === "Worker") return "tasks"; // a worker thread runs one map or reduce task
  if (comm.startsWith("HeapHelper") || comm.includes("ollector")) return "gc";
  if (comm.startsWith("JIT") || comm.startsWith("JSC")) return "jit";
  return "other";
}

/**
 * CPU of every thread of the peers, sampled: a task's worker thread lives only as long as its
 * task, and a thread that ended is visible only in its process's total, so sample() is called
 * often (every job poll) and the last value seen of each thread is kept. CPU of threads that
 * lived between two samples counts in `unattributed`.
 */
class ThreadCpu {
  private readonly lastSeen = new Map<string, { group: ThreadGroup; seconds: number }>();

  constructor(private readonly pids: () => number[]) {}

  sample(): void {
    for (const pid of this.pids()) {
      let tids: string[];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue;
      }
      for (const tid of tids) {
        const seconds = statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);
        if (!Number.isFinite(seconds)) continue;
        const key = `${pid}/${tid}`;
        let group = this.lastSeen.get(key)?.group;
        if (!group) {
          let comm = "";
          try {
            comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
          } catch {
            continue;
          }
          group = threadGroup(pid, Number(tid), comm);
        }
        this.lastSeen.set(key, { group, seconds });
      }
    }
  }

  byGroup(): Record<ThreadGroup, number> {
    const totals = Object.fromEntries(THREAD_GROUPS.map((group) => [group, 0])) as Record<ThreadGroup, number>;
    for (const { group, seconds } of this.lastSeen.values()) totals[group] += seconds;
    return totals;
  }
}

interface CpuSnapshot {
  /** Per peer process: its total CPU, ended threads included. */
  peers: number[];
  threads: Record<ThreadGroup, number>;
  client: number;
  busy: number;
  atMs: number;
}

interface CpuUse {
  peers: number;
  /** Of `peers`, by thread group; what is left is threads that lived between two samples. */
  threads: Record<ThreadGroup, number>;
  client: number;
  rest: number;
  seconds: number;
}

function cpuSnapshot(pids: number[], threads: ThreadCpu): CpuSnapshot {
  threads.sample();
  return { peers: pids.map((pid) => statCpuSeconds(`/proc/${pid}/stat`)), threads: threads.byGroup(), client: selfCpuSeconds(), busy: machineBusySeconds(), atMs: performance.now() };
}

function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  let peers = 0;
  for (let i = 0; i < after.peers.length; i++) peers += after.peers[i]! - (before.peers[i] ?? after.peers[i]!);
  const threads = Object.fromEntries(THREAD_GROUPS.map((group) => [group, after.threads[group] - before.threads[group]])) as Record<ThreadGroup, number>;
  const client = after.client - before.client;
  return { peers, threads, client, rest: Math.max(0, after.busy - before.busy - peers - client), seconds: (after.atMs - before.atMs) / 1000 };
}

function cpuText(cpu: CpuUse): string {
  const attributed = THREAD_GROUPS.reduce((sum, group) => sum + cpu.threads[group], 0);
  const groups = THREAD_GROUPS.filter((group) => cpu.threads[group] >= 0.05).map((group) => `${THREAD_GROUP_TEXT[group]} ${cpu.threads[group].toFixed(1)}`);
  if (cpu.peers - attributed >= 0.05) groups.push(`short-lived threads ${(cpu.peers - attributed).toFixed(1)}`);
  const busyCores = (cpu.peers + cpu.client + cpu.rest) / Math.max(cpu.seconds, 1e-9);
  return `CPU s: peers ${cpu.peers.toFixed(1)} (${groups.join(", ")}), client ${cpu.client.toFixed(1)}, rest of machine ${cpu.rest.toFixed(1)}; ${busyCores.toFixed(2)} of 2 cores busy`;
}

// ---- streaming lines ----

/** The lines of a byte stream, without their "\n"; the stream is never held whole. */
async function* linesOf(stream: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let carry = "";
  for await (const piece of stream) {
    const text = carry + decoder.decode(piece, { stream: true });
    const lines = text.split("\n");
    carry = lines.pop()!;
    yield* lines;
  }
  carry += decoder.decode();
  if (carry.length > 0) yield carry;
}

/** A local file's bytes in IO_PIECE_BYTES pieces. */
async function* fileBytes(path: string): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const piece = new Uint8Array(IO_PIECE_BYTES);
      const got = readSync(fd, piece, 0, piece.length, null);
      if (got === 0) return;
      yield got === piece.length ? piece : piece.subarray(0, got);
    }
  } finally {
    closeSync(fd);
  }
}

function countNewlines(path: string): number {
  const fd = openSync(path, "r");
  const piece = new Uint8Array(IO_PIECE_BYTES);
  let lines = 0;
  try {
    for (;;) {
      const got = readSync(fd, piece, 0, piece.length, null);
      if (got === 0) return lines;
      const bytes = piece.subarray(0, got);
      for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) lines++;
    }
  } finally {
    closeSync(fd);
  }
}

// ---- the text: a Zipf-like vocabulary in lines of varying length ----

/** xorshift32: repeatable, cheap. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

// The most frequent words of English first, then made-up words from syllables, longer as they
// get rarer (frequent words are short in natural text), and a few accented and CJK words so
// the text is UTF-8, not just ASCII. Whitespace is ASCII only: `tr '[:space:]'` in the C
// locale and JavaScript's /\s+/ then split it the same way.
const COMMON_WORDS = "the of and to a in is that it was for on are as with his they at be this from have or by one had not but what all were when we there can an your which their said if do will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know".split(" ");
const OTHER_WORDS = ["café", "naïve", "über", "façade", "jalapeño", "smörgåsbord", "Zürich", "résumé", "日本", "東京", "Ελλάδα", "Москва"];
const SYLLABLES = "ka ri to me sa no lu be chi da fe go hi jo ku la mi na po qu ra se ti vu wa xe yo zu an el in or un ber con dis for pre pro str tra ver ment tion ing est".split(" ");

interface Vocabulary {
  /** Per rank: the word's UTF-8 bytes, and capitalized (the first word of a sentence). */
  plain: Uint8Array[];
  capital: Uint8Array[];
  /** Uniform 20-bit sample -> rank. */
  table: Uint16Array;
}

function vocabulary(): Vocabulary {
  const next = rng(GENERATOR_SEED);
  const words: string[] = [...COMMON_WORDS];
  const seen = new Set(words);
  while (words.length < VOCABULARY_WORDS) {
    // Every 500th rank an accented or non-Latin word; otherwise 1 to 4 syllables, more when rarer.
    const rank = words.length;
    if (rank % 500 === 250 && Math.floor(rank / 500) < OTHER_WORDS.length) {
      const word = OTHER_WORDS[Math.floor(rank / 500)]!;
      if (!seen.has(word)) {
        seen.add(word);
        words.push(word);
        continue;
      }
    }
    const syllables = 1 + (next() % Math.min(4, 1 + Math.floor(Math.log10(rank + 1))));
    let word = "";
    for (let i = 0; i < syllables; i++) word += SYLLABLES[next() % SYLLABLES.length];
    if (seen.has(word)) continue;
    seen.add(word);
    words.push(word);
  }
  const encoder = new TextEncoder();
  const plain = words.map((word) => encoder.encode(word));
  const capital = words.map((word) => encoder.encode(word[0]!.toUpperCase() + word.slice(1)));
  // Zipf: P(rank r) ∝ 1 / (r + 1)^s, sampled through a table of cumulative probabilities.
  const weights = words.map((_, rank) => 1 / Math.pow(rank + 1, ZIPF_EXPONENT));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const table = new Uint16Array(1 << ZIPF_TABLE_BITS);
  let rank = 0;
  let cumulative = weights[0]! / total;
  for (let slot = 0; slot < table.length; slot++) {
    const u = (slot + 0.5) / table.length;
    while (u > cumulative && rank < words.length - 1) cumulative += weights[++rank]! / total;
    table[slot] = rank;
  }
  return { plain, capital, table };
}

/**
 * Writes `sizeBytes` of text, less the part of a line that would cross it, to `path`:
 * sentences of words with commas and full stops, lines of 0 to ~20 words, now and then a long
 * paragraph line or an empty line, words separated by one space, sometimes two or a tab.
 */
function generateText(path: string, sizeBytes: number): { bytes: number; lines: number } {
  const { plain, capital, table } = vocabulary();
  const next = rng(GENERATOR_SEED ^ 0x5bd1e995);
  const buffer = new Uint8Array(IO_PIECE_BYTES + LINE_BYTES_MAX);
  const fd = openSync(path, "w");
  let fill = 0;
  let written = 0;
  let lines = 0;
  let sentenceStart = true;
  const flush = () => {
    let at = 0;
    while (at < fill) at += writeSync(fd, buffer, at, fill - at);
    written += fill;
    fill = 0;
  };
  try {
    for (;;) {
      const lineStart = fill;
      const shape = next() % 1000;
      // 2% empty lines, 1% paragraph lines of 60-260 words, the rest 1-20 words.
      const words = shape < 20 ? 0 : shape < 30 ? 60 + (next() % 200) : 1 + (next() % 20);
      for (let w = 0; w < words; w++) {
        if (w > 0) {
          const gap = next() % 100;
          if (gap < 2) buffer[fill++] = 9; // tab
          else if (gap < 5) {
            buffer[fill++] = 32;
            buffer[fill++] = 32;
          } else buffer[fill++] = 32;
        }
        const bits = next();
        const rank = table[bits >>> (32 - ZIPF_TABLE_BITS)]!;
        const word = sentenceStart ? capital[rank]! : plain[rank]!;
        buffer.set(word, fill);
        fill += word.length;
        // The low bits, unused by the rank, decide the punctuation.
        const punctuation = bits & 0xff;
        if (punctuation < 16) {
          buffer[fill++] = 46; // "."
          sentenceStart = true;
        } else {
          if (punctuation < 36) buffer[fill++] = 44; // ","
          sentenceStart = false;
        }
      }
      buffer[fill++] = 10;
      lines++;
      if (written + fill >= sizeBytes) {
        // Whole lines only, and not past the size asked for: the last line goes if it crosses it.
        if (written + fill > sizeBytes) {
          fill = lineStart;
          lines--;
        }
        break;
      }
      if (fill >= IO_PIECE_BYTES) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return { bytes: written, lines };
}

// ---- reference 1: a single-process Bun word count (child role) ----

/**
 * The word count a good engineer writes for one Bun process: read the file in large pieces,
 * decode as UTF-8 (streaming, so a character cut by a piece boundary survives), split on
 * whitespace, count in a Map. Writes "word\tcount" lines, sorted, to `outPath`.
 */
async function singleProcessWordCount(path: string, outPath: string): Promise<{ seconds: number; words: number; distinct: number }> {
  const started = performance.now();
  const counts = new Map<string, number>();
  const decoder = new TextDecoder();
  let carry = "";
  for await (const piece of fileBytes(path)) {
    const text = carry + decoder.decode(piece, { stream: true });
    // Words may continue into the next piece: keep what follows the last whitespace.
    let cut = text.length;
    while (cut > 0 && !/\s/.test(text[cut - 1]!)) cut--;
    carry = text.slice(cut);
    for (const word of text.slice(0, cut).split(/\s+/)) if (word.length > 0) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  for (const word of (carry + decoder.decode()).split(/\s+/)) if (word.length > 0) counts.set(word, (counts.get(word) ?? 0) + 1);
  let words = 0;
  const lines: string[] = [];
  for (const [word, count] of counts) {
    words += count;
    lines.push(`${word}\t${count}\n`);
  }
  lines.sort();
  await Bun.write(outPath, lines.join(""));
  return { seconds: (performance.now() - started) / 1000, words, distinct: counts.size };
}

async function runWordCountRole(): Promise<void> {
  const result = await singleProcessWordCount(arg("file")!, arg("out")!);
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
}

/** Word → count of the reference output ("word\tcount" lines): the vocabulary, not the text. */
async function readCounts(path: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const line of linesOf(fileBytes(path))) {
    if (line.length === 0) continue;
    const tab = line.lastIndexOf("\t");
    counts.set(line.slice(0, tab), Number(line.slice(tab + 1)));
  }
  return counts;
}

interface Comparison {
  equal: boolean;
  lines: number;
  total: number;
  firstDifference?: string;
}

/** Compares "word count" lines (as parsed by `parse`) with the reference counts, streaming. */
async function compareCounts(lines: AsyncIterable<string>, reference: Map<string, number>, parse: (line: string) => [string, number] | undefined): Promise<Comparison> {
  const seen = new Set<string>();
  let count = 0;
  let total = 0;
  let firstDifference: string | undefined;
  for await (const line of lines) {
    const parsed = parse(line);
    if (!parsed) continue;
    const [word, n] = parsed;
    count++;
    total += n;
    if (firstDifference) continue;
    if (seen.has(word)) firstDifference = `${JSON.stringify(word)} appears twice`;
    else if (reference.get(word) !== n) firstDifference = `${JSON.stringify(word)}: ${n}, the reference says ${reference.get(word) ?? "absent"}`;
    seen.add(word);
  }
  if (!firstDifference && seen.size !== reference.size) {
    const missing = [...reference.keys()].find((word) => !seen.has(word));
    firstDifference = `${reference.size - seen.size} words missing, such as ${JSON.stringify(missing)}`;
  }
  return { equal: firstDifference === undefined, lines: count, total, ...(firstDifference ? { firstDifference } : {}) };
}

// ---- reference 2 and the sort reference: shell pipelines ----

async function shell(script: string, cwd: string): Promise<{ seconds: number; cpuSeconds: number; code: number; stderr: string }> {
  const started = performance.now();
  const child = Bun.spawn(["sh", "-c", script], { cwd, stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, LC_ALL: "C" } });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  const seconds = (performance.now() - started) / 1000;
  // wait4 reports the shell with every child it waited for (the whole pipeline).
  const usage = child.resourceUsage();
  const cpuSeconds = usage ? (Number(usage.cpuTime.user) + Number(usage.cpuTime.system)) / 1e6 : NaN;
  return { seconds, cpuSeconds, code, stderr: stderr.trim().slice(-500) };
}

const quote = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;

// ---- the cluster: three processes of the binary ----

interface PeerProcess {
  name: string;
  id: string;
  address: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the peer logged, in a file of the temp folder (kept with --keep). */
  logPath: string;
  /** The last lines it logged. */
  tail: string[];
}

/** Starts and stops peer processes; like test/support/processes.ts, but of any binary and logging to files. */
class PeerSet {
  private readonly running = new Set<Subprocess>();

  /**
   * With `profileDir`, peers write CPU profiles there when they stop (Bun's --cpu-prof, through
   * BUN_OPTIONS); `extraEnv` goes to the peers only, not to the references.
   */
  constructor(
    private readonly profileDir?: string,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  async start(binary: string, name: string, args: string[], logLevel: string, logPath: string): Promise<PeerProcess> {
    const profile = this.profileDir ? { BUN_OPTIONS: `--cpu-prof --cpu-prof-md --cpu-prof-dir=${this.profileDir}` } : {};
    const child = Bun.spawn([binary, "node", "start", "--json", ...args], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, ...PEER_ENV, ...this.extraEnv, TESSERA_LOG: logLevel, ...profile },
    });
    this.running.add(child);
    void child.exited.then(() => this.running.delete(child));
    const tail: string[] = [];
    const log = Bun.file(logPath).writer();
    void (async () => {
      const decoder = new TextDecoder();
      for await (const piece of child.stderr) {
        log.write(piece);
        tail.push(...decoder.decode(piece, { stream: true }).split("\n").filter(Boolean));
        if (tail.length > PEER_LOG_TAIL_LINES) tail.splice(0, tail.length - PEER_LOG_TAIL_LINES);
      }
      await log.end();
    })().catch(() => undefined);
    const lines = linesOf(child.stdout);
    const first = await Promise.race([lines.next(), sleep(PEER_START_TIMEOUT_MS).then(() => undefined)]);
    if (!first || first.done) throw new Error(`peer ${name} did not start: ${tail.join(" | ").slice(-500)}`);
    void (async () => {
      for await (const _ of lines) {
        // keep the pipe drained
      }
    })().catch(() => undefined);
    const summary = JSON.parse(first.value) as { id: string; addresses: string[] };
    const address = summary.addresses.find((a) => a.includes("/127.0.0.1/")) ?? summary.addresses[0]!;
    return { name, id: summary.id, address, process: child, logPath, tail };
  }

  async stopAll(): Promise<void> {
    const children = [...this.running];
    for (const child of children) child.kill("SIGTERM");
    const timer = setTimeout(() => children.forEach((child) => child.kill("SIGKILL")), STOP_GRACE_MS);
    await Promise.all(children.map((child) => child.exited));
    clearTimeout(timer);
  }
}

interface Cluster {
  peers: PeerProcess[];
  client: ClusterClient;
  pids: () => number[];
  threads: ThreadCpu;
  nameOf: (id: string) => string;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${(lastError as Error).message})` : ""}`);
    await sleep(intervalMs);
  }
}

async function startCluster(peerSet: PeerSet, binary: string, root: string, extra: string[], peerLog: string): Promise<Cluster> {
  const dir = (i: number) => join(root, `p${i + 1}`);
  const common = (i: number) => ["--data-dir", dir(i), "--listen", "/ip4/127.0.0.1/tcp/0", "--http", "127.0.0.1:0", "--rack", RACKS[i]!, ...extra];
  const logPath = (i: number) => join(root, `p${i + 1}.log`);
  const first = await peerSet.start(binary, "p1", common(0), peerLog, logPath(0));
  const swarmKeyPath = join(dir(0), "swarm.key");
  const peers = [first];
  for (let i = 1; i < RACKS.length; i++) peers.push(await peerSet.start(binary, `p${i + 1}`, [...common(i), "--join", first.address, "--swarm-key", swarmKeyPath], peerLog, logPath(i)));
  const client = await connect({ join: [first.address], swarmKey: decodeSwarmKey(readFileSync(swarmKeyPath, "utf8")) });
  await until("3 live peers, 3 voters and a leader", CLUSTER_FORM_TIMEOUT_MS, async () => {
    const [report, status] = await Promise.all([client.admin.report(), client.status()]);
    return report.livePeers === RACKS.length && status.voters.length === RACKS.length && status.leader ? true : undefined;
  });
  const names = new Map(peers.map((peer) => [peer.id, peer.name]));
  const pids = () => peers.map((peer) => peer.process.pid);
  return { peers, client, pids, threads: new ThreadCpu(pids), nameOf: (id) => names.get(id) ?? id.slice(-6) };
}

function deadPeers(cluster: Cluster): string | undefined {
  const dead = cluster.peers.filter((peer) => peer.process.exitCode !== null || peer.process.signalCode !== null);
  if (dead.length === 0) return undefined;
  return dead.map((peer) => `${peer.name} (pid ${peer.process.pid}) exited ${peer.process.signalCode ? `by ${peer.process.signalCode}` : `with code ${peer.process.exitCode}`}: ${peer.tail.slice(-3).join(" | ").slice(-400)}`).join("; ");
}

/** Warnings and errors the peers logged since `fromBytes` of each log (what a failed or slow phase says). */
function peerWarnings(cluster: Cluster, fromBytes: number[]): string[] {
  const found: string[] = [];
  cluster.peers.forEach((peer, i) => {
    let text = "";
    try {
      const fd = openSync(peer.logPath, "r");
      try {
        const size = statSync(peer.logPath).size;
        const from = Math.max(fromBytes[i] ?? 0, size - PEER_LOG_SCAN_BYTES);
        const bytes = new Uint8Array(size - from);
        readSync(fd, bytes, 0, bytes.length, from);
        text = new TextDecoder().decode(bytes);
      } finally {
        closeSync(fd);
      }
    } catch {
      return;
    }
    for (const line of text.split("\n")) if (/ (WARN|ERROR) /.test(line)) found.push(`${peer.name}: ${line.slice(0, 300)}`);
  });
  return found;
}

const logSizes = (cluster: Cluster) => cluster.peers.map((peer) => (existsSync(peer.logPath) ? statSync(peer.logPath).size : 0));

/** The binary, and whether it is older than the sources it is built from. */
function describeBinary(binary: string): string {
  const builtMs = statSync(binary).mtimeMs;
  let newest = { path: "", mtimeMs: 0 };
  for (const folder of ["src", "cmd"]) {
    for (const name of readdirSync(join(ROOT, folder), { recursive: true }) as string[]) {
      if (!name.endsWith(".ts")) continue;
      const mtimeMs = statSync(join(ROOT, folder, name)).mtimeMs;
      if (mtimeMs > newest.mtimeMs) newest = { path: join(folder, name), mtimeMs };
    }
  }
  const text = `binary ${binary} (built ${new Date(builtMs).toISOString()})`;
  if (newest.mtimeMs <= builtMs) return text;
  return `${text}\n  NOTE: ${newest.path} changed after the binary was built (${new Date(newest.mtimeMs).toISOString()}): the peers run older code than this checkout; rebuild with \`npm run build\` or pass --binary`;
}

async function putFile(cluster: Cluster, local: string, remote: string, chunkSizeBytes: number): Promise<{ seconds: number; cpu: CpuUse }> {
  const before = cpuSnapshot(cluster.pids(), cluster.threads);
  const started = performance.now();
  await cluster.client.fs.put(fileBytes(local), remote, { chunkSizeBytes });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, cpu: cpuBetween(before, cpuSnapshot(cluster.pids(), cluster.threads)) };
}

// ---- running a job and watching its tasks ----

interface TaskTiming {
  key: string;
  kind: string;
  index: number;
  peer: string;
  locality: string;
  startedAtMs: number;
  /** When this client first saw it done (polled every JOB_POLL_MS): an upper bound. */
  doneSeenAtMs?: number;
  attempts: number;
  inputBytes: number;
  shuffleBytes: number;
}

interface JobRun {
  job: JobView;
  /** How long the cluster did not answer status polls, and why (a change of leader). */
  pollFailure?: string;
  /** The starter's own error (submitSort's wait) when this loop followed the job to its end anyway. */
  starterFailure?: string;
  /** Submit (bundling included) to the poll that saw the job end, on this client's clock. */
  seconds: number;
  submitSeconds: number;
  mapPhaseSeconds: number;
  tasks: TaskTiming[];
  cpu: { map: CpuUse; reduce: CpuUse; whole: CpuUse };
  submittedAtMs: number;
}

/**
 * Runs a job and follows it to its end, polling its status and tasks every JOB_POLL_MS.
 * `start` submits it and calls `submitted` with its first view; it may return at once (after
 * submit) or only when the job has ended (submitSort waits for its job).
 */
async function runJob(cluster: Cluster, start: (submitted: (view: JobView) => void) => Promise<JobView>, pollMs = JOB_POLL_MS): Promise<JobRun> {
  const client = cluster.client;
  const before = cpuSnapshot(cluster.pids(), cluster.threads);
  const startedMs = performance.now();
  const wallAtStart = Date.now();
  let job: JobView | undefined;
  let submitSeconds = NaN;
  const submitted = (view: JobView) => {
    if (job) return;
    job = view;
    submitSeconds = (performance.now() - startedMs) / 1000;
  };
  let failure: unknown;
  const starting = start(submitted).then(submitted, (err: unknown) => void (failure = err));
  const timings = new Map<string, TaskTiming>();
  let mapsDoneAt: CpuSnapshot | undefined;
  const deadline = performance.now() + JOB_TIMEOUT_MS;
  let pollsFailingSinceMs: number | undefined;
  let pollFailureMs = 0;
  let pollFailureText = "";
  for (;;) {
    // Once the job is recorded this loop follows it, even if the starter's own wait gave up.
    if (failure && !job) throw failure;
    if (job) {
      let polled: [JobView, TaskRecord[]];
      try {
        polled = await Promise.all([client.jobs.status(job.id), client.jobs.tasks(job.id).catch(() => [] as TaskRecord[])]);
      } catch (err) {
        // The masters may be between leaders (a loaded machine delays heartbeats): wait for them.
        const now = performance.now();
        pollsFailingSinceMs ??= now;
        pollFailureText ||= (err as Error).message;
        if (now - pollsFailingSinceMs > POLL_FAILURES_GIVE_UP_MS) throw new Error(`the job's status could not be read for ${((now - pollsFailingSinceMs) / 1000).toFixed(0)} s: ${(err as Error).message}`);
        await sleep(pollMs);
        continue;
      }
      if (pollsFailingSinceMs !== undefined) {
        pollFailureMs += performance.now() - pollsFailingSinceMs;
        pollsFailingSinceMs = undefined;
      }
      const [view, tasks] = polled;
      job = view;
      const nowWall = Date.now();
      for (const task of tasks) {
        const key = taskKeyOf(task);
        const attempt = task.done ?? task.running[0];
        if (!attempt) continue;
        const timing = timings.get(key) ?? { key, kind: TASK_KIND.show(task.kind), index: task.index, peer: "", locality: "", startedAtMs: attempt.startedAtMs, attempts: 0, inputBytes: 0, shuffleBytes: 0 };
        timing.peer = cluster.nameOf(attempt.peer);
        timing.locality = LOCALITY.show(attempt.locality);
        timing.startedAtMs = attempt.startedAtMs;
        timing.attempts = task.attempts;
        // A finished map can be pending again (its output was lost): its timing starts over.
        if (task.state !== TaskRecord.State.DONE) timing.doneSeenAtMs = undefined;
        if (task.state === TaskRecord.State.DONE && timing.doneSeenAtMs === undefined) {
          timing.doneSeenAtMs = nowWall;
          timing.inputBytes = task.result?.inputBytes ?? 0;
          timing.shuffleBytes = task.result?.shuffleBytes ?? 0;
        }
        timings.set(key, timing);
      }
      if (!mapsDoneAt && job.mapTasks > 0 && job.mapsDone >= job.mapTasks) mapsDoneAt = cpuSnapshot(cluster.pids(), cluster.threads);
      if (job.state !== "running") break;
    }
    if (performance.now() > deadline) throw new Error(`the job is still running after ${JOB_TIMEOUT_MS / 1000} s`);
    cluster.threads.sample();
    const dead = deadPeers(cluster);
    if (dead) throw new Error(`a peer died during the job: ${dead}`);
    await sleep(pollMs);
  }
  const after = cpuSnapshot(cluster.pids(), cluster.threads);
  const seconds = (performance.now() - startedMs) / 1000;
  await starting;
  const middle = mapsDoneAt ?? after;
  return {
    job,
    pollFailure: pollFailureMs > 0 ? `status polls failed for ${(pollFailureMs / 1000).toFixed(1)} s (${pollFailureText})` : undefined,
    starterFailure: failure ? (failure as Error).message : undefined,
    seconds,
    submitSeconds,
    mapPhaseSeconds: (middle.atMs - startedMs) / 1000,
    tasks: [...timings.values()].sort((a, b) => (a.kind === b.kind ? a.index - b.index : a.kind === "map" ? -1 : 1)),
    cpu: { map: cpuBetween(before, middle), reduce: cpuBetween(middle, after), whole: cpuBetween(before, after) },
    submittedAtMs: wallAtStart,
  };
}

function printJob(run: JobRun, inputBytes: number, submitWhat: string): void {
  const { job } = run;
  const c = job.counters;
  out(`  job ${job.id}: ${job.state}${job.error ? `: ${job.error}` : ""}`);
  out(`  elapsed ${secs(run.seconds)} from the submitting call to the poll that saw the job end (${mbps(inputBytes, run.seconds)}); the leader's own clock, submit to end: ${secs(job.elapsedMs / 1000)}; the submitting call until the job was recorded (${submitWhat}): ${secs(run.submitSeconds)}`);
  out(`  map phase ${secs(run.mapPhaseSeconds)} (submit to the poll that saw every map done), reduce phase and commit ${secs(run.seconds - run.mapPhaseSeconds)}`);
  if (run.pollFailure) out(`  NOTE: ${run.pollFailure}`);
  if (run.starterFailure) out(`  NOTE: the submitting call failed (${run.starterFailure}); the job was followed to its end by polling`);
  out(`  maps ${job.mapsDone}/${job.mapTasks}: node-local ${c.nodeLocalMaps}, rack-local ${c.rackLocalMaps}, remote ${c.remoteMaps}; reduces ${job.reducesDone}/${job.reducers}`);
  out(`  records: ${int(c.mapInputRecords)} lines read, ${int(c.mapOutputRecords)} emitted by maps, ${int(c.reduceInputRecords)} into reduces (after combining) in ${int(c.reduceInputGroups)} groups, ${int(c.reduceOutputRecords)} written`);
  out(`  task start (the leader sending a map's order to the job's map running): ${taskStartText(c)}`);
  out(`  shuffled ${mib(c.shuffleBytes ?? 0)} over the network (${int(c.shuffleBytes ?? 0)} bytes); retries: ${c.failedTaskAttempts} failed attempts, ${c.backupTasks} backups, ${c.rerunMaps} maps run again, ${c.lostTaskAttempts} lost`);
  out(`  map phase    ${cpuText(run.cpu.map)}`);
  out(`  reduce phase ${cpuText(run.cpu.reduce)}`);
  out(`  whole job    ${cpuText(run.cpu.whole)}`);
  out(`  tasks (times from submit; "done" is when a ${JOB_POLL_MS} ms poll first saw it, so up to that much late):`);
  for (const task of run.tasks) {
    const start = (task.startedAtMs - run.submittedAtMs) / 1000;
    const done = task.doneSeenAtMs !== undefined ? (task.doneSeenAtMs - run.submittedAtMs) / 1000 : NaN;
    const detail = task.kind === "map" ? `${task.locality}, ${mib(task.inputBytes)}` : `shuffled in ${mib(task.shuffleBytes)}`;
    out(`    ${task.key} on ${task.peer.padEnd(3)} ${start.toFixed(1).padStart(6)} s → ${Number.isFinite(done) ? done.toFixed(1).padStart(6) : "     ?"} s  (${Number.isFinite(done) ? (done - start).toFixed(1) : "?"} s; ${detail}${task.attempts > 1 ? `; ${task.attempts} attempts` : ""})`);
  }
}

/** The job's taskStartMsP50/P99 counters, or why there are none. */
function taskStartText(counters: Record<string, number>): string {
  const p50 = counters.taskStartMsP50;
  const p99 = counters.taskStartMsP99;
  return p50 === undefined ? "not reported (peers of an older build)" : `p50 ${int(p50)} ms, p99 ${int(p99 ?? NaN)} ms`;
}

/** The "part-r-NNNNN" files of a job's output folder, in partition order. */
async function partFiles(client: ClusterClient, folder: string): Promise<string[]> {
  return (await client.fs.list(folder))
    .map((entry) => entry.path)
    .filter((path) => /\/part-r-\d{5}$/.test(path))
    .sort();
}

async function* linesOfParts(client: ClusterClient, parts: string[]): AsyncGenerator<string> {
  for (const part of parts) yield* linesOf(client.fs.createReadStream(part));
}

// ---- the sort ----

interface SortModule {
  submitSort(client: { fs: ClusterClient["fs"]; jobs: ClusterClient["jobs"] }, options: { input: string; output: string; reducers: number; sampleCount?: number; outputReplication?: number; onProgress?(job: JobView): void }): Promise<JobView>;
}

/** examples/sort/sort.ts, loaded at run time: without it the sort is skipped with a note. */
async function loadSort(): Promise<SortModule | string> {
  for (const path of [SORT_MODULE, SORT_GENERATOR]) if (!existsSync(path)) return `${path} does not exist`;
  const modulePath: string = SORT_MODULE; // a variable, so the type checker does not require the file
  const sort = (await import(modulePath)) as Partial<SortModule>;
  if (typeof sort.submitSort !== "function") return `${SORT_MODULE} exports no submitSort`;
  return sort as SortModule;
}

/** Runs `bun examples/sort/generate.ts --size BYTES --output PATH` (100-byte TeraGen-style records). */
async function generateRecords(path: string, sizeBytes: number): Promise<void> {
  const child = Bun.spawn([process.execPath, SORT_GENERATOR, "--size", String(sizeBytes), "--output", path], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`${SORT_GENERATOR} exited with ${code}: ${stderr.trim().slice(-300)}`);
}

interface SortCheck {
  lines: number;
  sorted: boolean;
  firstDisorder?: string;
}

/**
 * The output's lines, in part order, must be non-decreasing. A sort job writes `line\t` (a
 * reduce writes `key\tvalue`, the value empty), so each line is compared without its last
 * tab; JavaScript's `<` on strings is the job's order, and byte order for ASCII records.
 */
async function checkSorted(lines: AsyncIterable<string>): Promise<SortCheck> {
  let previous: string | undefined;
  let count = 0;
  let firstDisorder: string | undefined;
  for await (const line of lines) {
    count++;
    const key = line.endsWith("\t") ? line.slice(0, -1) : line;
    if (previous !== undefined && key < previous && firstDisorder === undefined) firstDisorder = `line ${count}: ${JSON.stringify(key.slice(0, 40))} after ${JSON.stringify(previous.slice(0, 40))}`;
    previous = key;
  }
  return { lines: count, sorted: firstDisorder === undefined, ...(firstDisorder ? { firstDisorder } : {}) };
}

async function runSortPhase(cluster: Cluster, root: string, sortBytes: number, reducers: number, outputReplication: number, chunkSizeBytes: number, sortTemp: string): Promise<void> {
  out(`sort of ${mib(sortBytes)} of records, ${reducers} reducers, output at replication ${outputReplication} (${loadText()})`);
  const sort = await loadSort();
  if (typeof sort === "string") {
    out(`  skipped: ${sort}`);
    row("sort", "skipped", sort);
    return;
  }
  const input = join(root, "records.txt");
  let started = performance.now();
  await generateRecords(input, sortBytes);
  const inputBytes = statSync(input).size;
  const inputLines = countNewlines(input);
  out(`  records: ${mib(inputBytes)}, ${int(inputLines)} lines of 100 bytes, written by examples/sort/generate.ts in ${secs((performance.now() - started) / 1000)}`);

  const sortedPath = join(root, "records-sorted.txt");
  const reference = await shell(`sort -T ${quote(sortTemp)} -o ${quote(sortedPath)} ${quote(input)}`, root);
  if (reference.code !== 0) throw new Error(`LC_ALL=C sort failed (${reference.code}): ${reference.stderr}`);
  const referenceLines = countNewlines(sortedPath);
  rmSync(sortedPath, { force: true });
  out(`  LC_ALL=C sort (reference)   ${secs(reference.seconds).padStart(9)}  ${mbps(inputBytes, reference.seconds).padStart(11)}  (${reference.cpuSeconds.toFixed(1)} CPU s) ${int(referenceLines)} lines`);
  row(`LC_ALL=C sort of ${mib(inputBytes)} (reference)`, `${secs(reference.seconds)}, ${mbps(inputBytes, reference.seconds)}`, `${reference.cpuSeconds.toFixed(1)} CPU s`);

  await cluster.client.fs.mkdir("/mr/sort", { parents: true });
  const put = await putFile(cluster, input, "/mr/sort/records.txt", chunkSizeBytes);
  rmSync(input, { force: true });
  out(`  put /mr/sort/records.txt (replication 3): ${secs(put.seconds)}, ${mbps(inputBytes, put.seconds)}; ${cpuText(put.cpu)}`);

  const logsBefore = logSizes(cluster);
  let run: JobRun;
  try {
    // submitSort samples the input (reads through this client), submits, and waits for the end.
    run = await runJob(cluster, (submitted) => sort.submitSort(cluster.client, { input: "/mr/sort/records.txt", output: "/mr/sort/sorted", reducers, outputReplication, onProgress: submitted }));
  } catch (err) {
    out(`  FAILED: ${(err as Error).message}`);
    for (const line of peerWarnings(cluster, logsBefore).slice(0, 10)) out(`    ${line}`);
    row(`3-peer sort job of ${mib(inputBytes)}`, "FAILED", (err as Error).message.slice(0, 200));
    return;
  }
  printJob(run, inputBytes, "sampling the input, bundling, submitting");
  printWarnings(cluster, logsBefore);
  if (run.job.state !== "succeeded") {
    row(`3-peer sort job of ${mib(inputBytes)}`, run.job.state, (run.job.error ?? "").slice(0, 200));
    return;
  }
  started = performance.now();
  const parts = await partFiles(cluster.client, "/mr/sort/sorted");
  const check = await checkSorted(linesOfParts(cluster.client, parts));
  const linesOk = check.lines === inputLines;
  out(`  output: ${parts.length} part files, ${int(check.lines)} lines (${linesOk ? "as many as the input" : `the input has ${int(inputLines)}: WRONG`}), ${check.sorted ? "globally sorted" : `NOT SORTED at ${check.firstDisorder}`} (read and checked in ${secs((performance.now() - started) / 1000)})`);
  const ratio = run.seconds / reference.seconds;
  const met = linesOk && check.sorted && ratio <= SORT_GOAL_RATIO;
  out(`  ${secs(run.seconds)} is ${ratio.toFixed(2)} × the LC_ALL=C sort time (${secs(reference.seconds)}): ${met ? "goal met" : "goal missed"} (≤ ${SORT_GOAL_RATIO} ×)`);
  out();
  row(`3-peer sort job of ${mib(inputBytes)}`, `${secs(run.seconds)}, ${mbps(inputBytes, run.seconds)}`, `${ratio.toFixed(2)} × LC_ALL=C sort (goal ≤ ${SORT_GOAL_RATIO} ×: ${met ? "met" : "missed"}); ${linesOk && check.sorted ? "output sorted, as many lines as the input" : "OUTPUT WRONG"}`);
  row("  map phase / reduce + commit", `${secs(run.mapPhaseSeconds)} / ${secs(run.seconds - run.mapPhaseSeconds)}`, `sampling and submit ${secs(run.submitSeconds)}`);
  row("  counters", `node-local maps ${run.job.counters.nodeLocalMaps}/${run.job.counters.mapTasks}, shuffle ${mib(run.job.counters.shuffleBytes ?? 0)}`, cpuShort(run.cpu.whole));
}

// ---- the small-task case ----

/**
 * Issue 13's small-task case: a text written by this process (not a peer) at replication 1 in
 * small chunks, so each map is short and has one holder; word count over it. Prints how the
 * chunks spread over the peers, the node-local share, the job's time from submit and its task
 * start, beside the single-process count of the same file.
 */
async function runSmallTaskPhase(cluster: Cluster, root: string, sizeBytes: number, chunkSizeBytes: number, reducers: number): Promise<void> {
  out(`small-task case: ${mib(sizeBytes)} of text at replication 1 in ${mib(chunkSizeBytes)} chunks, written by this client (not a peer); word count with ${reducers} reducers (${loadText()})`);
  const path = join(root, "small.txt");
  const text = generateText(path, sizeBytes);
  const referenceOut = join(root, "small-counts.txt");
  const child = Bun.spawn([process.execPath, import.meta.path, "--role", "wordcount", "--file", path, "--out", referenceOut], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`the single-process word count of the small text failed: ${stderr.trim().slice(-500)}`);
  const bun = JSON.parse(stdout) as { seconds: number };
  const reference = await readCounts(referenceOut);
  rmSync(referenceOut, { force: true });
  out(`  single-process Bun word count   ${secs(bun.seconds).padStart(9)}  ${mbps(text.bytes, bun.seconds).padStart(11)}`);
  row(`small-task case: single-process Bun count of ${mib(text.bytes)} (reference)`, `${secs(bun.seconds)}, ${mbps(text.bytes, bun.seconds)}`);

  await cluster.client.fs.mkdir("/mr/small", { parents: true });
  const started = performance.now();
  await cluster.client.fs.put(fileBytes(path), "/mr/small/text.txt", { chunkSizeBytes, replication: 1 });
  const putSeconds = (performance.now() - started) / 1000;
  rmSync(path, { force: true });
  const stat = await cluster.client.fs.stat("/mr/small/text.txt");
  const perPeer = new Map(cluster.peers.map((peer) => [peer.name, 0]));
  for (const chunk of stat.chunks) for (const replica of chunk.replicas) perPeer.set(cluster.nameOf(replica.peer), (perPeer.get(cluster.nameOf(replica.peer)) ?? 0) + 1);
  const counts = [...perPeer.values()];
  const spread = Math.max(...counts) > 0 ? (Math.max(...counts) - Math.min(...counts)) / Math.max(...counts) : 0;
  const spreadText = [...perPeer].map(([name, count]) => `${name} ${count}`).join(" / ");
  out(`  put (replication 1): ${secs(putSeconds)}, ${mbps(text.bytes, putSeconds)}; ${stat.chunks.length} chunks; per peer ${spreadText} (the fewest ${(100 * (1 - spread)).toFixed(0)}% of the most)`);
  row("  chunks per peer", spreadText, `fewest within ${(100 * spread).toFixed(0)}% of the most (goal: within 25%)`);

  const output = "/mr/small/wordcount";
  const logsBefore = logSizes(cluster);
  let run: JobRun;
  try {
    run = await runJob(
      cluster,
      async (submitted) => {
        const view = await cluster.client.jobs.submit(WORDCOUNT_MODULE, { inputs: ["/mr/small/text.txt"], output, reducers });
        submitted(view);
        return view;
      },
      SMALL_JOB_POLL_MS,
    );
  } catch (err) {
    out(`  FAILED: ${(err as Error).message}`);
    row("small-task case: word count job", "FAILED", (err as Error).message.slice(0, 200));
    return;
  }
  printJob(run, text.bytes, "bundling, storing the bundle, recording the job");
  printWarnings(cluster, logsBefore);
  if (run.job.state !== "succeeded") {
    row("small-task case: word count job", run.job.state, (run.job.error ?? "").slice(0, 200));
    return;
  }
  const comparison = await compareCounts(linesOfParts(cluster.client, await partFiles(cluster.client, output)), reference, (line) => {
    if (line.length === 0) return undefined;
    const tab = line.lastIndexOf("\t");
    return [line.slice(0, tab), Number(line.slice(tab + 1))];
  });
  const c = run.job.counters;
  const nodeLocal = c.mapTasks > 0 ? c.nodeLocalMaps / c.mapTasks : NaN;
  const goals = [
    `node-local ${(100 * nodeLocal).toFixed(0)}% (goal ≥ ${100 * SMALL_NODE_LOCAL_GOAL}%: ${nodeLocal >= SMALL_NODE_LOCAL_GOAL ? "met" : "missed"})`,
    `${secs(run.seconds)} from submit (goal < ${SMALL_JOB_GOAL_SECONDS} s: ${run.seconds < SMALL_JOB_GOAL_SECONDS ? "met" : "missed"})`,
    `task start p50 ${c.taskStartMsP50 === undefined ? "—" : `${c.taskStartMsP50} ms`} (goal < ${TASK_START_P50_GOAL_MS} ms: ${c.taskStartMsP50 !== undefined && c.taskStartMsP50 < TASK_START_P50_GOAL_MS ? "met" : "missed"})`,
  ];
  out(`  output ${comparison.equal ? "equals the reference counts exactly" : `DIFFERS from the reference: ${comparison.firstDifference}`}; ${goals.join("; ")}`);
  out(`  ${secs(run.seconds)} is ${(run.seconds / bun.seconds).toFixed(2)} × the single-process Bun time (${secs(bun.seconds)}); the leader's own clock, job recorded to done: ${secs(run.job.elapsedMs / 1000)}`);
  row("small-task case: word count job", `${secs(run.seconds)} from submit (leader: ${secs(run.job.elapsedMs / 1000)} recorded to done)`, `${(run.seconds / bun.seconds).toFixed(2)} × Bun; output ${comparison.equal ? "equals the reference" : "DIFFERS"}; ${goals.join("; ")}`);
  row("  maps, task start", `${c.mapTasks} maps: node-local ${c.nodeLocalMaps}, rack-local ${c.rackLocalMaps}, remote ${c.remoteMaps}`, `task start ${taskStartText(c)}`);
  await cluster.client.fs.rm("/mr/small", { recursive: true }).catch(() => undefined);
}

function printWarnings(cluster: Cluster, logsBefore: number[]): void {
  const warnings = peerWarnings(cluster, logsBefore);
  if (warnings.length === 0) return;
  out(`  the peers logged ${warnings.length} warnings or errors meanwhile; the first:`);
  for (const line of warnings.slice(0, 5)) out(`    ${line}`);
}

const cpuShort = (cpu: CpuUse) => `CPU s: peers ${cpu.peers.toFixed(1)} (task workers ${cpu.threads.tasks.toFixed(1)}, main threads ${cpu.threads.main.toFixed(1)}, JIT ${cpu.threads.jit.toFixed(1)}), client ${cpu.client.toFixed(1)}, rest ${cpu.rest.toFixed(1)}`;

// ---- the run ----

interface Row {
  figure: string;
  value: string;
  versus: string;
}

const rows: Row[] = [];
const row = (figure: string, value: string, versus = "") => rows.push({ figure, value, versus });

function printSummary(header: string): void {
  out();
  out(header);
  out();
  out("| figure | value | beside |");
  out("|---|---|---|");
  for (const r of rows) out(`| ${r.figure} | ${r.value.replace(/\|/g, "\\|")} | ${r.versus.replace(/\|/g, "\\|")} |`);
}

async function main(): Promise<void> {
  setLogLevel("warn");
  const sizeBytes = Math.round(numberArg("size-mib", SIZE_MIB_DEFAULT, 1) * MiB);
  const chunkSizeBytes = Math.round(numberArg("chunk-mib", CHUNK_MIB_DEFAULT, 1) * MiB);
  const reducers = Math.floor(numberArg("reducers", REDUCERS_DEFAULT, 1));
  const repeat = Math.floor(numberArg("repeat", 1, 1));
  const sortBytes = Math.round(numberArg("sort-mib", SORT_MIB_DEFAULT, 1) * MiB);
  const sortReducers = Math.floor(numberArg("sort-reducers", reducers, 1));
  // TeraSort writes its output once (mapreduce.terasort.output.replication = 1), and so does
  // examples/sort unless asked; the reference writes one copy to the local disk.
  const sortOutputReplication = Math.floor(numberArg("sort-output-replication", 1, 1));
  const computeSlots = arg("compute-slots");
  const peerLog = arg("peer-log") ?? "info";
  const keep = flag("keep");
  const root = tempDir("bench-mr");
  const profileDir = flag("peer-cpu-prof") ? join(root.path, "profiles") : undefined;
  const peerEnv: Record<string, string> = {};
  process.argv.forEach((word, index) => {
    if (word !== "--peer-env") return;
    const pair = process.argv[index + 1] ?? "";
    const equals = pair.indexOf("=");
    if (equals < 1) {
      console.error(`--peer-env takes NAME=VALUE, not "${pair}"`);
      process.exit(2);
    }
    peerEnv[pair.slice(0, equals)] = pair.slice(equals + 1);
  });
  const peerSet = new PeerSet(profileDir, peerEnv);
  let cluster: Cluster | undefined;
  let interrupted = false;
  const onSignal = (signal: string) => {
    if (interrupted) return;
    interrupted = true;
    out(`\n${signal}: stopping every peer and removing ${root.path}`);
    void peerSet.stopAll().finally(() => {
      if (!keep) root.remove();
      process.exit(130);
    });
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));

  const summaryHeader = `summary: ${mib(sizeBytes)} of text in ${mib(chunkSizeBytes)} chunks, ${reducers} reducers; 3 peers on one ${navigator.hardwareConcurrency}-core machine; Bun ${Bun.version}`;
  try {
    out(`bench/mr: word count of ${mib(sizeBytes)} of generated text on 3 peers (${mib(chunkSizeBytes)} chunks, ${reducers} reducers, ${repeat} run(s)); sort of ${flag("skip-sort") ? "nothing (--skip-sort)" : mib(sortBytes)}; temp folder ${root.path}`);
    out(`machine: ${navigator.hardwareConcurrency} cores, ${loadText()} at start`);
    const binary = resolve(arg("binary") ?? (await ensureBinary()));
    if (!existsSync(binary)) throw new Error(`no binary at ${binary}`);
    out(describeBinary(binary));
    out();

    // 1. the text
    const textPath = join(root.path, "text.txt");
    let started = performance.now();
    const text = generateText(textPath, sizeBytes);
    out(`text: ${mib(text.bytes)} (${int(text.bytes)} bytes), ${int(text.lines)} lines, Zipf-like vocabulary of ${int(VOCABULARY_WORDS)} words (s = ${ZIPF_EXPONENT}) with capitals and punctuation; generated in ${secs((performance.now() - started) / 1000)}`);
    out();

    // 2. references
    out("references (same file, same machine, same run)");
    const bunOut = join(root.path, "bun-counts.txt");
    started = performance.now();
    const countChild = Bun.spawn([process.execPath, import.meta.path, "--role", "wordcount", "--file", textPath, "--out", bunOut], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [countStdout, countStderr, countCode] = await Promise.all([new Response(countChild.stdout).text(), new Response(countChild.stderr).text(), countChild.exited]);
    const countWallSeconds = (performance.now() - started) / 1000;
    if (countCode !== 0) throw new Error(`the single-process word count failed: ${countStderr.trim().slice(-500)}`);
    const bun = JSON.parse(countStdout) as { seconds: number; words: number; distinct: number };
    const countUsage = countChild.resourceUsage();
    const bunCpu = countUsage ? (Number(countUsage.cpuTime.user) + Number(countUsage.cpuTime.system)) / 1e6 : NaN;
    const reference = await readCounts(bunOut);
    rmSync(bunOut, { force: true });
    out(`  single-process Bun word count   ${secs(bun.seconds).padStart(9)}  ${mbps(text.bytes, bun.seconds).padStart(11)}  (${secs(countWallSeconds)} with process start; ${bunCpu.toFixed(1)} CPU s) ${int(bun.words)} words, ${int(bun.distinct)} distinct`);
    row("single-process Bun word count (reference)", `${secs(bun.seconds)}, ${mbps(text.bytes, bun.seconds)}`, `${int(bun.words)} words, ${int(bun.distinct)} distinct; ${bunCpu.toFixed(1)} CPU s`);

    const uniqOut = join(root.path, "uniq-counts.txt");
    const sortTemp = join(root.path, "sort-tmp");
    mkdirSync(sortTemp);
    const uniq = await shell(`tr -s '[:space:]' '\\n' < ${quote(textPath)} | sort -T ${quote(sortTemp)} | uniq -c > ${quote(uniqOut)}`, root.path);
    if (uniq.code !== 0) throw new Error(`tr | sort | uniq -c failed (${uniq.code}): ${uniq.stderr}`);
    const uniqCompare = await compareCounts(linesOf(fileBytes(uniqOut)), reference, (line) => {
      const match = /^\s*(\d+) (.*)$/.exec(line);
      return match && match[2]!.length > 0 ? [match[2]!, Number(match[1])] : undefined;
    });
    rmSync(uniqOut, { force: true });
    out(`  LC_ALL=C tr | sort | uniq -c    ${secs(uniq.seconds).padStart(9)}  ${mbps(text.bytes, uniq.seconds).padStart(11)}  (${uniq.cpuSeconds.toFixed(1)} CPU s) ${uniqCompare.equal ? "agrees with the Bun count exactly" : `DISAGREES with the Bun count: ${uniqCompare.firstDifference}`}`);
    row("LC_ALL=C tr \\| sort \\| uniq -c (reference)", `${secs(uniq.seconds)}, ${mbps(text.bytes, uniq.seconds)}`, `${uniqCompare.equal ? "agrees with the Bun count" : "DISAGREES with the Bun count"}; ${uniq.cpuSeconds.toFixed(1)} CPU s`);
    out();

    // 3. the cluster, the input, the job
    const extra = computeSlots ? ["--compute-slots", computeSlots] : [];
    cluster = await startCluster(peerSet, binary, root.path, extra, peerLog);
    out(`cluster: ${cluster.peers.map((peer, i) => `${peer.name} ${RACKS[i]} pid ${peer.process.pid}`).join(", ")}; ${computeSlots ? `${computeSlots} task slots per peer` : "task slots per peer = its cores (default)"}; peers log at ${peerLog} to ${root.path}/p*.log`);
    await cluster.client.fs.mkdir("/mr", { parents: true });
    const put = await putFile(cluster, textPath, "/mr/text.txt", chunkSizeBytes);
    const stat = await cluster.client.fs.stat("/mr/text.txt");
    out(`put /mr/text.txt (replication 3): ${secs(put.seconds)}, ${mbps(text.bytes, put.seconds)}, ${stat.chunks.length} chunks; ${cpuText(put.cpu)}`);
    row("put of the text, replication 3", `${secs(put.seconds)}, ${mbps(text.bytes, put.seconds)}`, `${stat.chunks.length} chunks of ${mib(chunkSizeBytes)}`);
    out();

    const jobSeconds: number[] = [];
    for (let run = 1; run <= repeat; run++) {
      out(`word count job, run ${run} of ${repeat}: examples/wordcount.ts, ${reducers} reducers (${loadText()})`);
      const output = `/mr/wordcount-${run}`;
      const logsBefore = logSizes(cluster);
      let jobRun: JobRun;
      try {
        const client = cluster.client;
        jobRun = await runJob(cluster, async (submitted) => {
          const view = await client.jobs.submit(WORDCOUNT_MODULE, { inputs: ["/mr/text.txt"], output, reducers });
          submitted(view);
          return view;
        });
      } catch (err) {
        out(`  FAILED: ${(err as Error).message}`);
        for (const line of peerWarnings(cluster, logsBefore).slice(0, 10)) out(`    ${line}`);
        row(`3-peer word count job, run ${run}`, "FAILED", (err as Error).message.slice(0, 200));
        const dead = deadPeers(cluster);
        if (dead) throw new Error(`a peer is gone, so the run stops here: ${dead}`);
        continue;
      }
      printJob(jobRun, text.bytes, "bundling, storing the bundle, recording the job");
      printWarnings(cluster, logsBefore);
      if (jobRun.job.state !== "succeeded") {
        const failed = (await cluster.client.jobs.tasks(jobRun.job.id).catch(() => [] as TaskRecord[])).filter((task) => task.lastError);
        for (const task of failed.slice(0, 5)) out(`    ${task.kind}-${task.index}: ${task.lastError.slice(0, 300)}`);
        row(`3-peer word count job, run ${run}`, jobRun.job.state, (jobRun.job.error ?? "").slice(0, 200));
        continue;
      }
      started = performance.now();
      const parts = await partFiles(cluster.client, output);
      const comparison = await compareCounts(linesOfParts(cluster.client, parts), reference, (line) => {
        if (line.length === 0) return undefined;
        const tab = line.lastIndexOf("\t");
        return [line.slice(0, tab), Number(line.slice(tab + 1))];
      });
      out(`  output: ${parts.length} part files, ${int(comparison.lines)} words, ${int(comparison.total)} occurrences: ${comparison.equal ? "equals the reference counts exactly" : `DIFFERS from the reference: ${comparison.firstDifference}`} (read and checked in ${secs((performance.now() - started) / 1000)})`);
      const ratio = jobRun.seconds / bun.seconds;
      const met = comparison.equal && ratio <= WORDCOUNT_GOAL_RATIO;
      out(`  ${secs(jobRun.seconds)} is ${ratio.toFixed(2)} × the single-process Bun time (${secs(bun.seconds)}): ${met ? "goal met" : "goal missed"} (3-peer job ≤ ${WORDCOUNT_GOAL_RATIO} × single-process Bun)`);
      out();
      jobSeconds.push(comparison.equal ? jobRun.seconds : NaN);
      const c = jobRun.job.counters;
      row(`3-peer word count job, run ${run}`, `${secs(jobRun.seconds)}, ${mbps(text.bytes, jobRun.seconds)}`, `${ratio.toFixed(2)} × Bun; output ${comparison.equal ? "equals the reference" : "DIFFERS"}; ${met ? "goal met" : "goal missed"}`);
      row("  map phase / reduce + commit", `${secs(jobRun.mapPhaseSeconds)} / ${secs(jobRun.seconds - jobRun.mapPhaseSeconds)}`, `submit call ${secs(jobRun.submitSeconds)}`);
      row("  counters", `node-local maps ${c.nodeLocalMaps}/${c.mapTasks}, shuffle ${mib(c.shuffleBytes ?? 0)}`, `${int(c.mapOutputRecords)} map output records, ${int(c.reduceInputRecords)} after combining; ${c.backupTasks} backups; task start ${taskStartText(c)}`);
      row("  CPU during the job", cpuShort(jobRun.cpu.whole), `Bun reference: ${bunCpu.toFixed(1)} CPU s`);
      await cluster.client.fs.rm(output, { recursive: true }).catch(() => undefined);
    }
    const best = Math.min(...jobSeconds.filter(Number.isFinite));
    if (Number.isFinite(best)) {
      const met = best <= WORDCOUNT_GOAL_RATIO * bun.seconds;
      out(`goal "3-peer job ≤ ${WORDCOUNT_GOAL_RATIO} × single-process Bun": ${met ? "goal met" : "goal missed"} (best run ${secs(best)} against ${secs(bun.seconds)}, ${(best / bun.seconds).toFixed(2)} ×)`);
      row(`goal: 3-peer job ≤ ${WORDCOUNT_GOAL_RATIO} × single-process Bun`, met ? "goal met" : "goal missed", `best run ${secs(best)} vs ${secs(bun.seconds)}`);
    }
    // The text is no longer needed: its disk space goes to the sort.
    rmSync(textPath, { force: true });
    await cluster.client.fs.rm("/mr/text.txt").catch(() => undefined);
    out();

    // 4. the small-task case
    if (flag("skip-small")) out("small-task case: skipped (--skip-small)");
    else await runSmallTaskPhase(cluster, root.path, Math.round(numberArg("small-mib", SMALL_MIB_DEFAULT, 1) * MiB), Math.round(numberArg("small-chunk-mib", SMALL_CHUNK_MIB_DEFAULT, 0.0625) * MiB), reducers);
    out();

    // 5. the sort
    if (flag("skip-sort")) out("sort: skipped (--skip-sort)");
    else await runSortPhase(cluster, root.path, sortBytes, sortReducers, sortOutputReplication, chunkSizeBytes, sortTemp);
  } catch (err) {
    out(`bench stopped: ${(err as Error).message}`);
  } finally {
    out(`machine at the end: ${loadText()}`);
    if (rows.length > 0) printSummary(summaryHeader);
    if (cluster) await cluster.client.close().catch(() => undefined);
    await peerSet.stopAll();
    if (profileDir) out(`peer CPU profiles (main threads): ${profileDir}${keep ? "" : " (removed: add --keep to keep them)"}`);
    if (keep) out(`kept ${root.path} (peer logs p*.log, data folders p*/)`);
    else root.remove();
  }
}

// ---- entry ----

if (arg("role") === "wordcount") {
  await runWordCountRole();
} else if (arg("role") === "generate") {
  // The text alone, to reproduce a reference by hand: --role generate --file PATH [--size-mib N]
  const text = generateText(arg("file")!, Math.round(numberArg("size-mib", SIZE_MIB_DEFAULT, 1) * MiB));
  out(JSON.stringify(text));
} else {
  await main();
  process.exit(0);
}
