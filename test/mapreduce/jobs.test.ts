// MapReduce end to end inside one process: three peers, a multi-chunk text whose lines cross
// chunk boundaries, word count through the scheduler, the task service and the shuffle.
import { describe, it, expect, afterEach } from "vitest";
import { resolve } from "node:path";
import { TestPeers, aliveIds } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";

const WORDCOUNT = resolve(import.meta.dir, "../../examples/wordcount.ts");
const SLOW_WORDCOUNT = resolve(import.meta.dir, "../fixtures/jobs/slow-wordcount.ts");
const FAILING_REDUCE = resolve(import.meta.dir, "../fixtures/jobs/failing-reduce.ts");
const KiB = 1024;

let cluster: TestPeers;
afterEach(async () => {
  await cluster.stopAll();
});

/** A text of `lines` lines of 1..12 words from a small vocabulary, deterministic. */
function text(lines: number): string {
  const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "naïve", "日本"];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = 1 + (next() % 12);
    out.push(Array.from({ length: n }, () => words[next() % words.length]).join(next() % 5 === 0 ? "  " : " "));
  }
  return `${out.join("\n")}\n`;
}

function countWords(input: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of input.split(/\s+/)) if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

describe("MapReduce in one process", () => {
  it("word count over a multi-chunk file equals an independent count, maps run node-local and share a stat of the file per peer, outputs at the job's replication", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start({ rack: "/r1" });
    await cluster.start({ join: [seed.multiaddrs[0]!], rack: "/r1" });
    await cluster.start({ join: [seed.multiaddrs[0]!], rack: "/r2" });
    await waitFor("3 alive", () => aliveIds(seed).length === 3, { timeoutMs: 10_000 });
    const input = text(10_000);
    await seed.fs.mkdir("/data");
    await seed.fs.put(new TextEncoder().encode(input), "/data/words.txt", { chunkSizeBytes: 64 * KiB });
    // At 2 copies, not the default 3: the job's outputs (parts and _SUCCESS) are written so.
    const submitted = await seed.jobs.submit(WORDCOUNT, { inputs: ["/data"], output: "/out/wc", reducers: 2, outputReplication: 2 });
    expect(submitted.state).toBe("running");
    expect(submitted.outputReplication).toBe(2);
    const job = await seed.jobs.wait(submitted.id, { intervalMs: 100 });
    if (job.state !== "succeeded") console.log(JSON.stringify(job), JSON.stringify(await seed.jobs.tasks(job.id)));
    expect(job.state).toBe("succeeded");
    const listed = (await seed.fs.list("/out/wc")).map((entry) => entry.path).sort();
    expect(listed).toEqual(["/out/wc/_SUCCESS", "/out/wc/part-r-00000", "/out/wc/part-r-00001"]);
    const got = new Map<string, number>();
    for (const part of ["part-r-00000", "part-r-00001"]) {
      const lines = new TextDecoder().decode(await seed.fs.readFile(`/out/wc/${part}`)).split("\n").filter(Boolean);
      for (const line of lines) {
        const [word, count] = line.split("\t");
        expect(got.has(word!)).toBe(false);
        got.set(word!, Number(count));
      }
    }
    expect(got).toEqual(countWords(input));
    for (const name of ["_SUCCESS", "part-r-00000", "part-r-00001"]) expect((await seed.fs.stat(`/out/wc/${name}`)).replication, name).toBe(2);
    expect(job.counters.mapTasks).toBe(Math.ceil(new TextEncoder().encode(input).length / (64 * KiB)));
    expect(job.counters.mapTasks).toBeGreaterThan(cluster.peers.length);
    // The maps of the job on one peer asked the leader for the file's chunk list once.
    const inputStats = cluster.peers.map((peer) => peer.tasks.counters.inputStats);
    expect(inputStats.every((stats) => stats <= 1)).toBe(true);
    expect(inputStats.reduce((sum, stats) => sum + stats, 0)).toBeGreaterThanOrEqual(1);
    expect(job.counters.mapInputRecords).toBe(10_000);
    expect(job.counters.nodeLocalMaps).toBe(job.counters.mapTasks);
    expect(job.counters.reduceOutputRecords).toBe(got.size);
    // Node-local maps read their whole split in their own thread from the chunk file
    // (short-circuit): every input byte at least once (a split's last line may run into the
    // next chunk, read locally or through the peer).
    const shortCircuitBytes = cluster.peers.reduce((sum, peer) => sum + peer.tasks.counters.mapShortCircuitBytes, 0);
    expect(shortCircuitBytes).toBeGreaterThanOrEqual(new TextEncoder().encode(input).length);
  }, 60_000);

  it("a reduce that fails after writing megabytes fails its job with its own error, and leaves no part of its output", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start();
    await seed.fs.mkdir("/data");
    await seed.fs.put(new TextEncoder().encode(text(6_000)), "/data/words.txt", { chunkSizeBytes: 64 * KiB });
    const submitted = await seed.jobs.submit(FAILING_REDUCE, { inputs: ["/data"], output: "/out/fail" });
    const job = await seed.jobs.wait(submitted.id, { intervalMs: 100 });
    expect(job.state).toBe("failed");
    expect(job.failedTask).toBe("reduce-00000");
    expect(job.error).toMatch(/reduce-00000 failed 4 times: .*reduce failed for key "theta": failing reduce at theta/);
    // The commit read the part while the reduce wrote it (more than a flush of output came
    // before "theta"), and ended with the reduce's error; nothing of a failed attempt stays,
    // and the job's end took _temporary away.
    expect((await seed.fs.list("/out/fail")).map((entry) => entry.path)).toEqual([]);
  }, 60_000);

  it("a killed job stops: state killed, its tasks stop, no _SUCCESS, and a kill of a finished job changes nothing", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start();
    await seed.fs.mkdir("/data");
    await seed.fs.put(new TextEncoder().encode(text(4_000)), "/data/words.txt", { chunkSizeBytes: 64 * KiB });
    const job = await seed.jobs.submit(SLOW_WORDCOUNT, { inputs: ["/data"], output: "/out/slow" });
    await waitFor("a task running", () => seed.tasks.runningCount > 0, { timeoutMs: 10_000 });
    const killed = await seed.jobs.kill(job.id);
    expect(killed.state).toBe("killed");
    expect(killed.error).toBe("killed by a user");
    await waitFor("the tasks stopped", () => seed.tasks.runningCount === 0, { timeoutMs: 10_000 });
    expect((await seed.fs.list("/out/slow")).map((entry) => entry.path)).toEqual([]);
    expect((await seed.jobs.kill(job.id)).state).toBe("killed");
    const listed = await seed.jobs.list();
    expect(listed.map((view) => [view.id, view.state])).toEqual([[job.id, "killed"]]);
    await expect(seed.jobs.status("job-nope")).rejects.toThrow(/there is no job job-nope/);
  }, 60_000);
});
