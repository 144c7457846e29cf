// Hadoop Streaming's task runner (src/compute/streaming-task.ts) in this process: the key/value
// line rules, a word count through shell commands, spilling of a mapper's large output under a
// low memory bound, a process that writes before it reads, and the bounds on failure: a
// non-zero exit names its stderr's end, a process that makes no progress is killed with its
// whole process group, and so is one whose task is cancelled.
import { describe, it, expect } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bytesRangeReader } from "../../src/compute/line-split.ts";
import { collectRecords } from "../../src/compute/merge.ts";
import { readRunFile, type KeyValue } from "../../src/compute/records.ts";
import { TaskCancelledError, TaskError } from "../../src/compute/errors.ts";
import { keyValueLine, runStreamingMap, runStreamingReduce, splitKeyValue, STDERR_TAIL_BYTES, type StreamingCommand } from "../../src/compute/streaming-task.ts";
import { batchesOf } from "../../src/compute/merge.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";

const KiB = 1024;

function command(dir: string, text: string, extra: Partial<StreamingCommand> = {}): StreamingCommand {
  return { command: text, env: {}, idleTimeoutMs: 20_000, workDir: join(dir, "work"), ...extra };
}

async function map(dir: string, mapper: StreamingCommand, input: string, options: { combiner?: string; reducers?: number; memoryLimitBytes?: number; taskId?: string } = {}) {
  const bytes = new TextEncoder().encode(input);
  return runStreamingMap({
    mapper,
    combiner: options.combiner ?? "",
    reader: bytesRangeReader(bytes),
    path: "/in.txt",
    startBytes: 0,
    endBytes: bytes.length,
    reducers: options.reducers ?? 1,
    spillDir: dir,
    taskId: options.taskId ?? "m0",
    ...(options.memoryLimitBytes ? { memoryLimitBytes: options.memoryLimitBytes } : {}),
  });
}

async function records(result: { partitions: { path: string }[] }): Promise<KeyValue[]> {
  const all: KeyValue[] = [];
  for (const partition of result.partitions) all.push(...(await collectRecords(readRunFile(partition.path))));
  return all;
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir("streaming-task");
  try {
    await body(dir.path);
  } finally {
    dir.remove();
  }
}

/** Whether any process of process group `pgid` is alive (ps lists none once all are reaped or killed). */
function groupAlive(pgid: number): boolean {
  const out = execFileSync("ps", ["-e", "-o", "pgid=,stat="], { encoding: "utf8" });
  return out.split("\n").some((line) => {
    const [group, stat] = line.trim().split(/\s+/);
    return Number(group) === pgid && stat !== undefined && !stat.startsWith("Z");
  });
}

describe("the key/value line rules", () => {
  it("splits at the first tab; a line without one is a key with an empty value", () => {
    expect(splitKeyValue("a\tb\tc")).toEqual({ key: "a", value: "b\tc" });
    expect(splitKeyValue("word")).toEqual({ key: "word", value: "" });
    expect(splitKeyValue("word\t")).toEqual({ key: "word", value: "" });
    expect(splitKeyValue("\tvalue")).toEqual({ key: "", value: "value" });
    expect(splitKeyValue("")).toEqual({ key: "", value: "" });
  });

  it("writes an empty value without a trailing tab", () => {
    expect(keyValueLine("word", "")).toBe("word");
    expect(keyValueLine("word", "3")).toBe("word\t3");
    expect(keyValueLine("a", "b\tc")).toBe("a\tb\tc");
    // What it writes splits back into the same record.
    for (const [key, value] of [["k", "v"], ["k", ""], ["k", "v\tw"]] as const) expect(splitKeyValue(keyValueLine(key, value))).toEqual({ key, value });
  });
});

describe("runStreamingMap", () => {
  it("runs a shell pipeline as the mapper, with the job's parameters in its environment", async () => {
    await withDir(async (dir) => {
      const mapper = command(dir, `tr -s '[:space:]' '\\n' | sed '/^$/d' | awk -v n="$word_count_one" '{ print $0 "\\t" n }'`, { env: { "word.count.one": "1", word_count_one: "1" } });
      const result = await map(dir, mapper, "to be or\n  not to be\n");
      expect(result.counters.mapInputRecords).toBe(2);
      expect((await records(result)).map(({ key, value }) => `${key}=${value}`)).toEqual(["be=1", "be=1", "not=1", "or=1", "to=1", "to=1"]);
      // The working folder goes with the task.
      expect(existsSync(join(dir, "work"))).toBe(false);
    });
  });

  it("spills a mapper's large output under a low memory bound, in bounded memory", async () => {
    await withDir(async (dir) => {
      // 4 MiB of output from one input line, against a 256 KiB buffer.
      const mapper = command(dir, `awk 'BEGIN { for (i = 0; i < 131072; i++) printf "key%06d\\t%s\\n", i % 5000, "0123456789abcdefghij" }'`);
      const result = await map(dir, mapper, "one line\n", { memoryLimitBytes: 256 * KiB, reducers: 2 });
      expect(result.counters.mapOutputRecords).toBe(131_072);
      expect(result.counters.spills).toBeGreaterThanOrEqual(4);
      const all = await records(result);
      expect(all).toHaveLength(131_072);
      expect(new Set(all.map((record) => record.key)).size).toBe(5000);
    });
  });

  it("does not deadlock on a mapper that writes much before it reads its input", async () => {
    await withDir(async (dir) => {
      // 1 MiB out before reading a byte, then 2 MiB of input echoed: both pipes fill at once.
      const mapper = command(dir, `head -c 1048576 /dev/zero | tr '\\0' 'x' | fold -w 1023; cat`);
      const input = `${"y".repeat(1023)}\n`.repeat(2048);
      const result = await map(dir, mapper, input);
      expect(result.counters.mapInputRecords).toBe(2048);
      expect(result.counters.mapOutputRecords).toBe(1025 + 2048);
    });
  });

  it("lets a mapper stop reading early: its exit status decides", async () => {
    await withDir(async (dir) => {
      // 4 MiB of input, far more than a pipe holds; the mapper takes one line and exits 0.
      const input = `${"z".repeat(1023)}\n`.repeat(4096);
      const result = await map(dir, command(dir, "head -n 1"), input);
      expect(await records(result)).toEqual([{ key: "z".repeat(1023), value: "" }]);
      const failed = await map(dir, command(dir, "head -n 1 >/dev/null; exit 2"), input, { taskId: "m1" }).catch((err: unknown) => err);
      expect((failed as Error).message).toBe("the mapper exited with status 2");
    });
  });

  it("runs the combiner over the map's output sorted by key", async () => {
    await withDir(async (dir) => {
      const mapper = command(dir, `tr -s ' ' '\\n' | awk '{ print $0 "\\t1" }'`);
      const combiner = `awk -F '\\t' '$1 != last { if (NR > 1) print last "\\t" n; last = $1; n = 0 } { n += $2 } END { if (NR > 0) print last "\\t" n }'`;
      const result = await map(dir, mapper, "b a b\nc b a\n", { combiner });
      expect(result.counters.mapInputRecords).toBe(2);
      expect(await records(result)).toEqual([{ key: "a", value: "2" }, { key: "b", value: "3" }, { key: "c", value: "1" }]);
    });
  });

  it("fails with the end of the stderr of a mapper that exits non-zero (also behind a combiner)", async () => {
    await withDir(async (dir) => {
      const noisy = `awk 'BEGIN { for (i = 0; i < 1000; i++) print "noise " i > "/dev/stderr"; print "the real reason" > "/dev/stderr"; exit 3 }'`;
      const error = await map(dir, command(dir, noisy), "x\n").catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TaskError);
      const message = (error as TaskError).message;
      expect(message).toMatch(/^the mapper exited with status 3; the end of its stderr: .*the real reason$/s);
      expect(message).not.toContain("noise 1 ");
      expect(message.length).toBeLessThan(STDERR_TAIL_BYTES + 200);
      const combined = await map(dir, command(dir, `echo oops >&2; exit 5`), "x\n", { combiner: "cat", taskId: "m1" }).catch((err: unknown) => err);
      expect((combined as Error).message).toMatch(/^the mapper exited with status 5; the end of its stderr: oops$/);
      // A failed task leaves no output behind.
      expect(existsSync(join(dir, "map-m0"))).toBe(false);
    });
  });

  it("kills a mapper that makes no progress, with every process of its group, after the timeout", async () => {
    await withDir(async (dir) => {
      let pgid = 0;
      const groups: number[] = [];
      // Never reads stdin, never writes, and leaves a background child behind.
      const mapper = command(dir, `sleep 300 & sleep 300`, { idleTimeoutMs: 300, onProcessGroup: (group) => {
          groups.push(group);
          if (group > 0) pgid = group;
        } });
      const startedMs = performance.now();
      const error = await map(dir, mapper, "x\n".repeat(100_000)).catch((err: unknown) => err);
      expect((error as Error).message).toMatch(/^the mapper made no progress for 300 ms .*mapreduce\.task\.timeout/);
      expect(performance.now() - startedMs).toBeLessThan(10_000);
      expect(pgid).toBeGreaterThan(1);
      // The group was reported, then reported gone (0) once killed.
      expect(groups[groups.length - 1]).toBe(0);
      await waitFor("the mapper's process group gone", () => !groupAlive(pgid), { timeoutMs: 5_000 });
    });
  });

  it("kills the group of a mapper whose task is cancelled", async () => {
    await withDir(async (dir) => {
      const abort = new AbortController();
      let pgid = 0;
      const mapper = command(dir, `sleep 300`, { signal: abort.signal, onProcessGroup: (group) => {
        if (group > 0) pgid = group;
      } });
      const running = map(dir, mapper, "x\n");
      await waitFor("the mapper running", () => pgid > 0 && groupAlive(pgid), { timeoutMs: 5_000 });
      abort.abort();
      expect(await running.catch((err: unknown) => err)).toBeInstanceOf(TaskCancelledError);
      await waitFor("the mapper's process group gone", () => !groupAlive(pgid), { timeoutMs: 5_000 });
    });
  });
});

describe("runStreamingReduce", () => {
  async function reduce(dir: string, reducer: StreamingCommand, inputs: KeyValue[][]): Promise<{ text: string; counters: Awaited<ReturnType<typeof runStreamingReduce>> }> {
    let text = "";
    const counters = await runStreamingReduce({ reducer, inputs: inputs.map((records) => batchesOf(records, 2)), write: async (piece) => void (text += piece) });
    return { text, counters };
  }

  it("feeds the partition's merged, sorted lines and writes the reducer's lines, an empty value without a tab", async () => {
    await withDir(async (dir) => {
      const inputs = [
        [{ key: "a", value: "1" }, { key: "c", value: "1" }],
        [{ key: "a", value: "1" }, { key: "b", value: "" }],
      ];
      const counted = await reduce(dir, command(dir, `awk -F '\\t' '{ n[$1]++ } END { for (k in n) print k "\\t" n[k]; print "lonely\\t" }' | LC_ALL=C sort`), inputs);
      expect(counted.text).toBe("a\t2\nb\t1\nc\t1\nlonely\n");
      expect(counted.counters).toEqual({ reduceInputGroups: 3, reduceInputRecords: 4, reduceOutputRecords: 4 });
      // What the reducer reads: sorted, an empty value without a tab.
      expect((await reduce(dir, command(dir, "cat"), inputs)).text).toBe("a\t1\na\t1\nb\nc\t1\n");
      // No reducer command: the identity, without a process.
      expect((await reduce(dir, command(dir, ""), inputs)).text).toBe("a\t1\na\t1\nb\nc\t1\n");
    });
  });

  it("fails with the stderr of a reducer that exits non-zero", async () => {
    await withDir(async (dir) => {
      const error = await reduce(dir, command(dir, `cat >/dev/null; echo "bad input" >&2; exit 1`), [[{ key: "a", value: "1" }]]).catch((err: unknown) => err);
      expect((error as Error).message).toBe("the reducer exited with status 1; the end of its stderr: bad input");
    });
  });
});

// The mapper's working folder is where it runs: a script that writes a file finds it there.
it("runs the mapper in its own working folder, with TMPDIR there too", async () => {
  await withDir(async (dir) => {
    const mapper = command(dir, `pwd > "$TMPDIR/../where"; cat`);
    await map(dir, mapper, "x\n");
    expect(readFileSync(join(dir, "where"), "utf8").trim()).toBe(join(dir, "work"));
  });
});

// Lines split across pipe reads, multibyte characters among them, and a last line without "\n".
it("reads lines that cross pipe reads, whole, and a last line without its newline", async () => {
  await withDir(async (dir) => {
    // One 300 KiB line (several pipe reads) of 3-byte characters, then a short one, unterminated.
    const mapper = command(dir, `awk 'BEGIN { for (i = 0; i < 102400; i++) printf "日"; printf "\\tv\\nlast" }'`);
    const result = await map(dir, mapper, "x\n");
    const all = await records(result);
    expect(all.map((record) => [record.key.length, record.value])).toEqual([
      [4, ""],
      [102_400, "v"],
    ]);
    expect(all[1]!.key).toBe("日".repeat(102_400));
  });
});
