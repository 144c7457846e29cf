// Tasks in worker threads (src/compute/worker-pool.ts): a task reads through its parent,
// gives the same output as in process, and whatever the job's code does — throw, exit, crash
// from a timer, spin forever — ends as a failed or cancelled task while the peer (this test
// process) carries on.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleJob, loadJobBundle, writeJobBundle } from "../../src/job-module/bundle.ts";
import { JobBundleError, TaskCancelledError, TaskError, WorkerCrashedError } from "../../src/compute/errors.ts";
import { bytesRangeReader, type RangeReader } from "../../src/compute/line-split.ts";
import { runMapTask } from "../../src/compute/map-task.ts";
import { collectRecords } from "../../src/compute/merge.ts";
import { fileByteStream, readRunFile } from "../../src/compute/records.ts";
import { WorkerPool } from "../../src/compute/worker-pool.ts";
import type { MapTaskSpec } from "../../src/compute/worker-protocol.ts";
import { tempDir } from "../support/temp.ts";
import { writeJobModules } from "./job-modules.ts";

const dir = tempDir("workers");
const bundles = new Map<string, string>();
const text = Array.from({ length: 2000 }, (_, i) => `line ${i % 97} of the text ${i % 13}`).join("\n") + "\npoison here\n";
const bytes = new TextEncoder().encode(text);
const poisonOffset = text.indexOf("poison");

beforeAll(async () => {
  const modulePath = writeJobModules(join(dir.path, "src"));
  for (const name of ["word-count.ts", "throws.ts", "exits.ts", "async-crash.ts", "spins.ts", "forges.ts", "no-default.ts"]) {
    bundles.set(name, await writeJobBundle(await bundleJob(modulePath(name)), join(dir.path, "bundles")));
  }
});
afterAll(() => dir.remove());

/** A reader that counts what was asked of it: proof that the worker read through the parent. */
function countingReader(): RangeReader & { reads: number } {
  const inner = bytesRangeReader(bytes);
  const reader = { sizeBytes: bytes.length, reads: 0, read: (offset: number, length: number) => (reader.reads++, inner.read(offset, length)) };
  return reader;
}

function mapSpec(taskId: string, job: string, overrides: Partial<MapTaskSpec> = {}): MapTaskSpec {
  return {
    kind: "map",
    taskId,
    bundlePath: bundles.get(job)!,
    path: "/in/text.txt",
    sizeBytes: bytes.length,
    startBytes: 0,
    endBytes: bytes.length,
    reducers: 2,
    spillDir: join(dir.path, "maps"),
    memoryLimitBytes: 64 * 1024,
    split: { readAheadBytes: 4096 },
    ...overrides,
  };
}

describe("WorkerPool", () => {
  it("runs a map task in a worker, reading through a proxy, with the same output as in process", async () => {
    const pool = new WorkerPool({ size: 2 });
    const reader = countingReader();
    const half = Math.floor(bytes.length / 2);
    const outcome = await pool.runMap(mapSpec("wc-m0", "word-count.ts", { endBytes: half }), { reader }).result;
    expect(reader.reads).toBeGreaterThan(1);
    expect(outcome.counters.mapInputRecords).toBeGreaterThan(900);
    const job = await loadJobBundle(readFileSync(bundles.get("word-count.ts")!), join(dir.path, "bundles"));
    const inProcess = await runMapTask({ job, reader: bytesRangeReader(bytes), path: "/in/text.txt", startBytes: 0, endBytes: half, reducers: 2, spillDir: join(dir.path, "ref"), memoryLimitBytes: 64 * 1024, taskId: "ref" });
    for (const partition of [0, 1]) {
      expect(await collectRecords(readRunFile(outcome.partitions[partition]!.path))).toEqual(await collectRecords(readRunFile(inProcess.partitions[partition]!.path)));
    }
    expect(outcome.counters).toEqual(inProcess.counters);
  });

  it("runs a reduce task in a worker over map outputs pulled through the parent", async () => {
    const pool = new WorkerPool({ size: 2 });
    const reader = bytesRangeReader(bytes);
    const split = Math.floor(bytes.length / 3);
    const maps = await Promise.all(
      [0, 1, 2].map((i) =>
        pool.runMap(mapSpec(`rd-m${i}`, "word-count.ts", { startBytes: i * split, endBytes: i === 2 ? bytes.length : (i + 1) * split, reducers: 1 }), { reader }).result,
      ),
    );
    const outputPath = join(dir.path, "reduce-0.txt");
    const outcome = await pool.runReduce(
      { kind: "reduce", taskId: "rd-r0", bundlePath: bundles.get("word-count.ts")!, inputCount: 3, outputPath },
      // Odd piece sizes, one input as a single piece: the parent re-cuts what it is given.
      { inputs: [fileByteStream(maps[0]!.partitions[0]!.path, 1000), fileByteStream(maps[1]!.partitions[0]!.path, 77), (async function* () { yield readFileSync(maps[2]!.partitions[0]!.path); })()] },
    ).result;
    const expected = new Map<string, number>();
    for (const word of text.split(/\s+/)) if (word) expected.set(word, (expected.get(word) ?? 0) + 1);
    const lines = readFileSync(outputPath, "utf8").split("\n").filter(Boolean);
    expect(new Map(lines.map((line) => [line.split("\t")[0]!, Number(line.split("\t")[1])]))).toEqual(expected);
    expect(outcome.sizeBytes).toBe(readFileSync(outputPath).length);
    expect(outcome.counters.reduceInputGroups).toBe(expected.size);
    // The same reduce reading the run files itself (as the task service runs it): the same output.
    const directPath = join(dir.path, "reduce-0-direct.txt");
    const direct = await pool.runReduce(
      { kind: "reduce", taskId: "rd-r0-direct", bundlePath: bundles.get("word-count.ts")!, inputCount: 3, inputPaths: maps.map((map) => map.partitions[0]!.path), outputPath: directPath },
      { inputs: [] },
    ).result;
    expect(readFileSync(directPath, "utf8")).toBe(readFileSync(outputPath, "utf8"));
    expect(direct.counters).toEqual(outcome.counters);
  });

  it("turns a throwing map into a TaskError with its message and the record's offset", async () => {
    const pool = new WorkerPool({ size: 1 });
    const err = await pool.runMap(mapSpec("throws", "throws.ts"), { reader: countingReader() }).result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).message).toBe(`map failed on the record at byte ${poisonOffset} of /in/text.txt: poisoned record`);
    expect((err as TaskError).offsetBytes).toBe(poisonOffset);
  });

  it("survives a job that calls process.exit or crashes from a timer, and keeps running tasks", async () => {
    const pool = new WorkerPool({ size: 1 });
    const exited = await pool.runMap(mapSpec("exits", "exits.ts"), { reader: countingReader() }).result.catch((e: unknown) => e);
    expect(exited).toBeInstanceOf(WorkerCrashedError);
    expect((exited as Error).message).toBe("the worker of task exits exited (code 7) before it answered");
    const crashed = await pool.runMap(mapSpec("crash", "async-crash.ts"), { reader: countingReader() }).result.catch((e: unknown) => e);
    expect(crashed).toBeInstanceOf(WorkerCrashedError);
    expect((crashed as Error).message).toContain("the worker of task crash crashed: ");
    expect((crashed as Error).message).toContain("thrown from a timer");
    // The files of a crashed task are removed once its worker is gone.
    await waitFor(() => !existsSync(join(dir.path, "maps", "map-exits")));
    const ok = await pool.runMap(mapSpec("after-crash", "word-count.ts"), { reader: countingReader() }).result;
    expect(ok.counters.mapInputRecords).toBe(2001);
  });

  it("cancels a task stuck in a busy loop, by handle or by signal, and frees its slot", async () => {
    const pool = new WorkerPool({ size: 1 });
    const spinReader = countingReader();
    const spinning = pool.runMap(mapSpec("spin-1", "spins.ts"), { reader: spinReader });
    const queued = pool.runMap(mapSpec("queued", "word-count.ts"), { reader: countingReader() });
    expect([pool.running, pool.queued]).toEqual([1, 1]);
    // The map spins once it has its first records: the worker has read its input.
    await waitFor(() => spinReader.reads > 0);
    spinning.cancel();
    await expect(spinning.result).rejects.toThrow(new TaskCancelledError("task spin-1 was cancelled"));
    // The queued task gets the slot once the spinning worker is gone.
    expect((await queued.result).counters.mapInputRecords).toBe(2001);
    const controller = new AbortController();
    const viaSignal = pool.runMap(mapSpec("spin-2", "spins.ts"), { reader: countingReader(), signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(viaSignal.result).rejects.toBeInstanceOf(TaskCancelledError);
    await waitFor(() => pool.running === 0);
  });

  it("runs at most `size` tasks at once and queues the rest", async () => {
    const pool = new WorkerPool({ size: 2 });
    const handles = [0, 1, 2, 3, 4].map((i) => pool.runMap(mapSpec(`q${i}`, "word-count.ts", { endBytes: 2000 }), { reader: countingReader() }));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, pool.running)), 1);
    expect([pool.running, pool.queued]).toEqual([2, 3]);
    expect(() => pool.runMap(mapSpec("q0", "word-count.ts"), { reader: countingReader() })).toThrow("task q0 is already in the worker pool");
    await Promise.all(handles.map((h) => h.result));
    clearInterval(sampler);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it("fails a task whose reader fails, or whose bundle is not a job, with the reason", async () => {
    const pool = new WorkerPool({ size: 2 });
    const failing: RangeReader = { sizeBytes: bytes.length, read: async () => Promise.reject(new Error("replica unreachable")) };
    await expect(pool.runMap(mapSpec("bad-read", "word-count.ts"), { reader: failing }).result).rejects.toThrow("replica unreachable");
    const err = await pool.runMap(mapSpec("bad-bundle", "no-default.ts"), { reader: countingReader() }).result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobBundleError);
    expect((err as Error).message).toBe("the job module has no default export");
  });
});

describe("WorkerPool's warm threads", () => {
  it("runs the next task of the same job on the thread that ran the last, without loading the bundle again", async () => {
    const pool = new WorkerPool({ size: 1 });
    const first = await pool.runMap(mapSpec("warm-1", "word-count.ts"), { reader: countingReader() }).result;
    const second = await pool.runMap(mapSpec("warm-2", "word-count.ts"), { reader: countingReader() }).result;
    // The job's module state (word-count keeps none between tasks) does not leak into the next task's output.
    expect(second.counters).toEqual(first.counters);
    expect(pool.stats).toEqual({ threadsStarted: 1, warmStarts: 1, bundleLoads: 1 });
    expect(pool.threadCount).toBe(1);
    await pool.close();
    expect(pool.threadCount).toBe(0);
  });

  it("a spare thread started ahead (warmUp) takes the first task of a job; none is started past `size`", async () => {
    const pool = new WorkerPool({ size: 1 });
    pool.warmUp();
    pool.warmUp();
    expect(pool.threadCount).toBe(1);
    await pool.runMap(mapSpec("spare-1", "word-count.ts"), { reader: countingReader() }).result;
    expect(pool.stats).toEqual({ threadsStarted: 1, warmStarts: 0, bundleLoads: 1 });
    // The only place holds a thread of the job now: no spare beside it.
    pool.warmUp();
    expect(pool.threadCount).toBe(1);
    await pool.close();
  });

  it("keeps at most `size` threads: another job's task retires the idle thread of the first", async () => {
    const pool = new WorkerPool({ size: 1 });
    await pool.runMap(mapSpec("other-1", "word-count.ts"), { reader: countingReader() }).result;
    // The same code under another bundle path is another job.
    const otherBundle = await writeJobBundle(readFileSync(bundles.get("word-count.ts")!), join(dir.path, "bundles-2"));
    await pool.runMap(mapSpec("other-2", "word-count.ts", { bundlePath: otherBundle }), { reader: countingReader() }).result;
    expect(pool.stats).toEqual({ threadsStarted: 2, warmStarts: 0, bundleLoads: 2 });
    expect(pool.threadCount).toBe(1);
    pool.retireJob(otherBundle);
    expect(pool.threadCount).toBe(0);
  });

  it("replaces a thread whose task failed, and reports how long the map waited from its order", async () => {
    const pool = new WorkerPool({ size: 1 });
    await expect(pool.runMap(mapSpec("fails-1", "throws.ts"), { reader: countingReader() }).result).rejects.toBeInstanceOf(TaskError);
    // A second task of the failing job gets a new thread, which loads the bundle again.
    await expect(pool.runMap(mapSpec("fails-2", "throws.ts"), { reader: countingReader() }).result).rejects.toBeInstanceOf(TaskError);
    expect(pool.stats).toEqual({ threadsStarted: 2, warmStarts: 0, bundleLoads: 2 });
    const sentAtMs = Date.now();
    const timed = await pool.runMap(mapSpec("timed", "word-count.ts", { orderSentAtMs: sentAtMs }), { reader: countingReader() }).result;
    expect(timed.startDelayMs).toBeGreaterThanOrEqual(0);
    expect(timed.startDelayMs!).toBeLessThanOrEqual(Date.now() - sentAtMs);
    const untimed = await pool.runMap(mapSpec("untimed", "word-count.ts"), { reader: countingReader() }).result;
    expect(untimed.startDelayMs).toBeUndefined();
    await pool.close();
  });
});

describe("WorkerPool against a hostile job", () => {
  it("fails a task whose worker sends a message outside the protocol (here: a read of 1 TB)", async () => {
    const pool = new WorkerPool({ size: 1 });
    const err = await pool.runMap(mapSpec("forged", "forges.ts"), { reader: countingReader() }).result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect((err as Error).message).toBe("the worker of task forged sent a message this pool does not understand");
  });

  it("close() cancels queued and running tasks and waits for their workers", async () => {
    const pool = new WorkerPool({ size: 1 });
    const running = pool.runMap(mapSpec("close-1", "spins.ts"), { reader: countingReader() });
    const queued = pool.runMap(mapSpec("close-2", "word-count.ts"), { reader: countingReader() });
    const settled = Promise.allSettled([running.result, queued.result]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.close();
    for (const outcome of await settled) {
      expect(outcome.status).toBe("rejected");
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(TaskCancelledError);
    }
    expect([pool.running, pool.queued]).toEqual([0, 0]);
    expect(() => pool.runMap(mapSpec("close-3", "word-count.ts"), { reader: countingReader() })).toThrow("the worker pool is closed");
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
