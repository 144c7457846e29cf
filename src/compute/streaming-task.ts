// Hadoop Streaming: a map or reduce task whose work is done by any executable, run through
// `/bin/sh -c` (so pipes, quoting and one-liners work as in Hadoop). The task feeds the process
// lines on stdin and reads `key<TAB>value` lines from its stdout (the first tab splits key from
// value; a line without a tab is a key with an empty value, and an empty value is written
// without a trailing tab).
//
// The process and what it starts are one process group (detached: setsid), killed together
// when the task ends, fails, times out or is cancelled. A peer that dies (kill -9) runs no code,
// so a watchdog in the group does it: a background shell holding one end of a pipe whose other
// end only the peer holds; when the peer's end closes (the task ended, the peer died: the
// kernel closes a dead process's files), its read returns and it kills the whole group.
//
// Backpressure both ways: stdin is written in batches and each write waits for the pipe to
// drain; stdout is read one piece at a time (an async iterator pauses the pipe between
// pieces), and the map task spills before reading on, so a process writing 1 GiB is held to
// the collector's memory bound while the pipe makes it wait. Feeding and reading run at once,
// so a process that writes before it has read all its input does not deadlock.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { LINE_BYTES_MAX_DEFAULT, REDUCE_OUTPUT_FLUSH_BYTES, WORKER_PROGRESS_INTERVAL_MS } from "./constants.ts";
import { TaskCancelledError, TaskError } from "./errors.ts";
import { lineBatchesOfSplit, type LineSplitOptions, type RangeReader } from "./line-split.ts";
import { MapOutputCollector } from "./map-output.ts";
import type { MapTaskCounters, MapTaskResult } from "./map-task.ts";
import { mergeSorted } from "./merge.ts";
import type { RecordBatches } from "./records.ts";
import type { ReduceCounters } from "./reduce-task.ts";

/**
 * The end of a failed process's stderr kept for the job's error. A job's error holds at most
 * 4,096 characters (util/errors.ts) and names the task and its failures before this.
 */
export const STDERR_TAIL_BYTES = 2048;
/** Lines of a process's stdin written per pipe write: the split reader's batches are joined. */
const STDIN_WRITE_BYTES_TARGET = 256 * 1024;
/** How often the no-progress timeout is checked, at most. */
const IDLE_CHECK_INTERVAL_MS = 1_000;
/** A process's stdout line longer than this fails the task (the same bound as an input line). */
export const STREAMING_LINE_BYTES_MAX = LINE_BYTES_MAX_DEFAULT;

// Run by /bin/sh as the group's leader: start the watchdog in the background (its stdio away
// from the task's pipes, or the task would wait for its stdout to close), close the watchdog's
// pipe for the command, and become the command. `kill -KILL 0` is the caller's process group.
const WRAPPER = `( read -r _ <&3; kill -KILL 0 ) </dev/null >/dev/null 2>&1 & exec 3<&-; exec /bin/sh -c "$1"`;

// A combiner sees its map's output sorted by key (a tab ends the key) and grouped, as a
// reducer does; the mapper's exit status is kept in a file (POSIX sh has no pipefail).
const COMBINED = `{ /bin/sh -c "$TESSERA_STREAM_MAPPER"; echo $? > .mapper-status; } | LC_ALL=C sort -S 64M -s -t "$(printf '\\t')" -k1,1 | /bin/sh -c "$TESSERA_STREAM_COMBINER"`;

/** One stdout line as a record: the first tab splits key from value; no tab, an empty value. */
export function splitKeyValue(line: string): { key: string; value: string } {
  const tab = line.indexOf("\t");
  return tab < 0 ? { key: line, value: "" } : { key: line.slice(0, tab), value: line.slice(tab + 1) };
}

/** A record as a streaming line (without its newline): an empty value has no trailing tab. */
export function keyValueLine(key: string, value: string): string {
  return value === "" ? key : `${key}\t${value}`;
}

export interface StreamingCommand {
  /** The command, run through /bin/sh -c. */
  command: string;
  /** Added to the peer's environment: the job's parameters (protocol/job-params.ts paramsEnv) and the task's. */
  env: Readonly<Record<string, string>>;
  /** Killed after this long without progress (no input read, no output or stderr written). */
  idleTimeoutMs: number;
  /** A folder of the task's own, made and removed here: the process's working folder and TMPDIR. */
  workDir: string;
  /** Told the process group's id once it runs, and 0 once it is killed: a parent that ends the task kills it too. */
  onProcessGroup?(pgid: number): void;
  signal?: AbortSignal;
}

/** A running streaming process: its pipes, its exit, the end of its stderr, its timeout. */
class StreamingProcess {
  readonly child: ChildProcess;
  readonly stdin: Writable;
  readonly stdout: Readable;
  private readonly watchdog: Writable;
  private stderrTail = Buffer.alloc(0);
  private lastProgressMs = performance.now();
  private readonly idleTimer: ReturnType<typeof setInterval>;
  private failure: Error | undefined;
  private failed!: (err: Error) => void;
  /** Rejects when the task must stop: timed out, cancelled, or the process could not start. */
  private readonly failedPromise: Promise<never>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Set once stdin is closed or broken: the process reads no more. */
  private stdinClosed = false;
  /** The write waiting for stdin to drain, if any: told when stdin closes or the task fails. */
  private drainWaiter: ((outcome: boolean | Error) => void) | undefined;

  constructor(
    readonly role: string,
    private readonly spec: StreamingCommand,
    command: string,
    extraEnv: Readonly<Record<string, string>> = {},
  ) {
    this.failedPromise = new Promise<never>((_, reject) => {
      this.failed = reject;
    });
    this.failedPromise.catch(() => undefined);
    this.child = spawn("/bin/sh", ["-c", WRAPPER, "tessera-streaming", command], {
      cwd: spec.workDir,
      env: { ...process.env, ...spec.env, ...extraEnv, TMPDIR: spec.workDir },
      detached: true,
      stdio: ["pipe", "pipe", "pipe", "pipe"],
    });
    this.stdin = this.child.stdin!;
    this.stdout = this.child.stdout!;
    this.watchdog = this.child.stdio[3] as Writable;
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
    this.child.once("error", (err) => this.fail(new TaskError(`the ${role} could not be started: ${err.message}`)));
    if (this.child.pid !== undefined) spec.onProcessGroup?.(this.child.pid);
    // A process that exits without reading all its input closes the pipe (EPIPE): not an
    // error by itself (`head` does it); its exit status decides.
    const closed = () => {
      this.stdinClosed = true;
      this.drainWaiter?.(false);
    };
    this.stdin.once("close", closed);
    this.stdin.on("error", closed);
    this.stdin.on("drain", () => this.drainWaiter?.(true));
    this.watchdog.on("error", () => undefined);
    const stderr = this.child.stderr!;
    stderr.on("data", (piece: Buffer) => {
      this.progress();
      const joined = Buffer.concat([this.stderrTail, piece]);
      this.stderrTail = joined.length <= STDERR_TAIL_BYTES ? joined : joined.subarray(joined.length - STDERR_TAIL_BYTES);
    });
    this.idleTimer = setInterval(() => this.checkIdle(), Math.min(IDLE_CHECK_INTERVAL_MS, Math.max(10, spec.idleTimeoutMs / 4)));
    if (spec.signal?.aborted) queueMicrotask(this.onAbort);
    else spec.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  private readonly onAbort = () => this.fail(new TaskCancelledError(`the ${this.role} was cancelled`));

  progress(): void {
    this.lastProgressMs = performance.now();
  }

  private checkIdle(): void {
    if (performance.now() - this.lastProgressMs < this.spec.idleTimeoutMs) return;
    this.fail(new TaskError(`the ${this.role} made no progress for ${this.spec.idleTimeoutMs} ms (it read no input and wrote no output); it was killed (the timeout is the job parameter mapreduce.task.timeout)${this.stderrText()}`));
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.killGroup();
    this.failed(err);
    this.drainWaiter?.(err);
  }

  /** Throws the failure, if the task has one. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * Writes `text` to stdin, waiting while the pipe is full; false once the process stopped
   * reading. (One waiter field, not a Promise.race with promises that live as long as the
   * process: each race would leave a reaction on them, thousands over a long task.)
   */
  async write(text: string): Promise<boolean> {
    this.check();
    if (this.stdinClosed || this.stdin.destroyed || this.stdin.writableEnded) return false;
    if (this.stdin.write(text)) {
      this.progress();
      return true;
    }
    const outcome = await new Promise<boolean | Error>((resolve) => {
      this.drainWaiter = resolve;
    });
    this.drainWaiter = undefined;
    if (outcome instanceof Error) throw outcome;
    if (outcome) this.progress();
    return outcome;
  }

  endInput(): void {
    if (!this.stdin.destroyed) this.stdin.end();
  }

  /**
   * stdout as batches of lines (strings, without their "\n"), one batch per pipe read. A line
   * split across reads is kept as its pieces and joined once, when its end comes (joining on
   * every read would copy a long line over and over), and decoded whole, so a character
   * split across reads decodes right.
   */
  async *lines(): AsyncGenerator<string[]> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const piece of this.stdout as AsyncIterable<Buffer>) {
      this.check();
      this.progress();
      const batch: string[] = [];
      let start = 0;
      let newline = piece.indexOf(10);
      if (newline >= 0 && pending.length > 0) {
        pending.push(piece.subarray(0, newline));
        batch.push(Buffer.concat(pending).toString("utf8"));
        pending = [];
        pendingBytes = 0;
        start = newline + 1;
        newline = piece.indexOf(10, start);
      }
      for (; newline >= 0; newline = piece.indexOf(10, start)) {
        batch.push(piece.toString("utf8", start, newline));
        start = newline + 1;
      }
      if (start < piece.length) {
        pending.push(piece.subarray(start));
        pendingBytes += piece.length - start;
        if (pendingBytes > STREAMING_LINE_BYTES_MAX) throw new TaskError(`the ${this.role} wrote a line of more than ${STREAMING_LINE_BYTES_MAX} bytes`);
      }
      if (batch.length > 0) yield batch;
    }
    this.check();
    // A last line without its newline is still a line.
    if (pending.length > 0) yield [Buffer.concat(pending).toString("utf8")];
  }

  /** Waits for the exit (bounded by the timeout); throws TaskError unless the status is 0. */
  async finish(): Promise<void> {
    const { code, signal } = await Promise.race([this.exited, this.failedPromise]);
    this.check();
    if (code !== 0) throw new TaskError(`the ${this.role} ${signal ? `was killed by ${signal}` : `exited with status ${code}`}${this.stderrText()}`);
  }

  stderrText(): string {
    const tail = this.stderrTail.toString("utf8").trimEnd();
    return tail === "" ? "" : `; the end of its stderr: ${tail}`;
  }

  /** Kills the process group and stops watching (every task path ends here). */
  close(): void {
    clearInterval(this.idleTimer);
    this.spec.signal?.removeEventListener("abort", this.onAbort);
    this.killGroup();
    if (this.child.pid !== undefined) this.spec.onProcessGroup?.(0);
    this.watchdog.destroy();
    this.stdin.destroy();
    this.stdout.destroy();
    this.child.stderr?.destroy();
  }

  private killGroup(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // The group is gone already.
    }
  }
}

async function withWorkDir<T>(workDir: string, work: () => Promise<T>): Promise<T> {
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  try {
    return await work();
  } finally {
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

export interface StreamingMapParams {
  /** The mapper, its environment and timeout. */
  mapper: StreamingCommand;
  /** Run over the map's sorted output before the shuffle; empty for none. */
  combiner: string;
  reader: RangeReader;
  path: string;
  startBytes: number;
  endBytes: number;
  reducers: number;
  spillDir: string;
  memoryLimitBytes?: number;
  taskId: string;
  split?: LineSplitOptions;
  onProgress?(progress: { mapInputRecords: number; fraction: number }): void;
}

/** A streaming map task: the split's lines through the mapper (and combiner) into the map output. */
export async function runStreamingMap(params: StreamingMapParams): Promise<MapTaskResult> {
  const { mapper } = params;
  return withWorkDir(mapper.workDir, async () => {
    const collector = new MapOutputCollector({ reducers: params.reducers, memoryLimitBytes: params.memoryLimitBytes, spillDir: params.spillDir, taskId: params.taskId });
    const combined = params.combiner !== "";
    const proc = combined
      ? new StreamingProcess("mapper and combiner", mapper, COMBINED, { TESSERA_STREAM_MAPPER: mapper.command, TESSERA_STREAM_COMBINER: params.combiner })
      : new StreamingProcess("mapper", mapper, mapper.command);
    let mapInputRecords = 0;
    try {
      const feed = (async () => {
        let progressAtMs = performance.now();
        const splitBytes = Math.max(1, params.endBytes - params.startBytes);
        let text = "";
        for await (const batch of lineBatchesOfSplit(params.reader, params.startBytes, params.endBytes, params.split)) {
          for (const { line } of batch) text += `${line}\n`;
          mapInputRecords += batch.length;
          if (text.length >= STDIN_WRITE_BYTES_TARGET) {
            const reading = await proc.write(text);
            text = "";
            if (!reading) return;
          }
          if (params.onProgress && performance.now() - progressAtMs >= WORKER_PROGRESS_INTERVAL_MS) {
            progressAtMs = performance.now();
            params.onProgress({ mapInputRecords, fraction: Math.min(1, (batch[batch.length - 1]!.offsetBytes - params.startBytes) / splitBytes) });
          }
        }
        if (text !== "") await proc.write(text);
        proc.endInput();
      })();
      const read = (async () => {
        for await (const batch of proc.lines()) {
          for (const line of batch) {
            const { key, value } = splitKeyValue(line);
            collector.emit(key, value);
          }
          // The pipe waits while this spills: the process's output never piles up in memory.
          // The spill is the framework's time, not the process's idleness.
          if (collector.needsSpill) {
            await collector.spill();
            proc.progress();
          }
        }
      })();
      // Either failing fails the task at once (the other side may wait on the process forever).
      await Promise.all([feed, read]);
      await proc.finish();
      if (combined) {
        const status = (await readFile(join(mapper.workDir, ".mapper-status"), "utf8").catch(() => "")).trim();
        if (status !== "0") throw new TaskError(`the mapper exited with status ${status || "unknown"}${proc.stderrText()}`);
      }
      const output = await collector.finish();
      const counters: MapTaskCounters = { mapInputRecords, ...output.counters };
      return { outputDir: output.dir, partitions: output.partitions, counters };
    } catch (err) {
      await collector.abort();
      throw err;
    } finally {
      proc.close();
    }
  });
}

export interface StreamingReduceParams {
  /** The reducer, its environment and timeout; an empty command is the identity reduce. */
  reducer: StreamingCommand;
  /** One sorted stream per map output of this partition. */
  inputs: readonly RecordBatches[];
  /** Receives the output text: whole lines, in order, each write awaited (the backpressure). */
  write(text: string): Promise<void>;
  onProgress?(counters: ReduceCounters): void;
}

/** A streaming reduce task: the partition's sorted lines through the reducer into the output. */
export async function runStreamingReduce(params: StreamingReduceParams): Promise<ReduceCounters> {
  const counters: ReduceCounters = { reduceInputGroups: 0, reduceInputRecords: 0, reduceOutputRecords: 0 };
  let previousKey: string | undefined;
  /** The partition's records as stdin text, in pieces of about STDIN_WRITE_BYTES_TARGET. */
  const inputText = async function* (): AsyncGenerator<string> {
    let text = "";
    let progressAtMs = performance.now();
    for await (const batch of mergeSorted(params.inputs)) {
      for (const { key, value } of batch) {
        if (key !== previousKey) counters.reduceInputGroups++;
        previousKey = key;
        text += `${keyValueLine(key, value)}\n`;
      }
      counters.reduceInputRecords += batch.length;
      if (text.length >= STDIN_WRITE_BYTES_TARGET) {
        yield text;
        text = "";
      }
      if (params.onProgress && performance.now() - progressAtMs >= WORKER_PROGRESS_INTERVAL_MS) {
        progressAtMs = performance.now();
        params.onProgress({ ...counters });
      }
    }
    if (text !== "") yield text;
  };
  if (params.reducer.command === "") {
    // The identity reduce: the sorted map output is the output.
    for await (const text of inputText()) {
      await params.write(text);
      counters.reduceOutputRecords += countNewlines(text);
    }
    return counters;
  }
  return withWorkDir(params.reducer.workDir, async () => {
    const proc = new StreamingProcess("reducer", params.reducer, params.reducer.command);
    try {
      const feed = (async () => {
        for await (const text of inputText()) if (!(await proc.write(text))) return;
        proc.endInput();
      })();
      const read = (async () => {
        let out = "";
        for await (const batch of proc.lines()) {
          for (const line of batch) {
            const { key, value } = splitKeyValue(line);
            out += `${keyValueLine(key, value)}\n`;
          }
          counters.reduceOutputRecords += batch.length;
          if (out.length >= REDUCE_OUTPUT_FLUSH_BYTES) {
            await params.write(out);
            out = "";
            proc.progress();
          }
        }
        if (out !== "") await params.write(out);
      })();
      await Promise.all([feed, read]);
      await proc.finish();
      return counters;
    } finally {
      proc.close();
    }
  });
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) count++;
  return count;
}
