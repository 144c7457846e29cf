// Hadoop Streaming end to end with real processes of the compiled binary (issue 13, part 5):
// a word count whose mapper is a shell pipeline and whose reducer and combiner are awk equals
// `tr | sort | uniq -c`, with a job parameter reaching the commands' environment; bad input is
// refused before any task runs; a mapper that exits non-zero fails its job with its stderr's
// end; a mapper that makes no progress is killed at its timeout with its process group; and a
// job survives kill -9 of a worker mid-map, leaving no process of its mappers behind.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { JobError } from "../../src/client/jobs.ts";
import { MetaRequestError } from "../../src/client/meta-call.ts";
import { InputFormat } from "../../src/protocol/pb/jobs.ts";
import { ensureBinary, PeerProcesses, runCli } from "../support/processes.ts";
import { clientOf, outputLines, putText, runJob, runningMapOn, shellCount, startJobCluster, text, type JobJson } from "../support/job-cluster.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";

const GREP = resolve(import.meta.dir, "../../examples/grep.ts");
// The word count of the seed's `words | sort | uniq -c`, as commands: a shell pipeline maps
// (the `1` comes from a job parameter, as an environment variable), awk sums each run of equal
// keys (the reducer's input is sorted, every value of a key adjacent). mawk is in every Debian.
const MAPPER = `tr -s '[:space:]' '\\n' | awk -v one="$wc_one" 'NF { print $0 "\\t" one }'`;
const SUM = `awk -F '\\t' '$1 != last { if (NR > 1) print last "\\t" n; last = $1; n = 0 } { n += $2 } END { if (NR > 0) print last "\\t" n }'`;

let processes: PeerProcesses;
let root: { path: string; remove(): void };
beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("streaming-e2e");
});
afterAll(async () => {
  await processes.stopAll();
  root.remove();
});

const startCluster = (name: string) => startJobCluster(processes, root.path, name, 3);
const put = (env: Record<string, string>, name: string, content: string, chunkSize: string) => putText(env, root.path, name, content, chunkSize);

/**
 * The live processes of a mapper whose command holds `marker`. The `job run` process that
 * submitted it has the marker in its arguments too (after --mapper), from before the job
 * exists: it is not one of them.
 */
function processesWith(marker: string): string[] {
  const out = execFileSync("ps", ["-e", "-o", "stat=,args="], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes(marker) && !line.trim().startsWith("Z") && !line.includes("ps -e") && !line.includes("--mapper"));
}

describe("Hadoop Streaming, real processes", () => {
  it("a shell-and-awk word count equals tr|sort|uniq -c, --param reaches commands and modules, bad input is refused before any task", async () => {
    const { env } = await startCluster("st");
    const locals = [await put(env, "a.txt", text(6_000, 1), "64KiB"), await put(env, "b.txt", text(2_000, 2), "64KiB")];
    const all = join(root.path, "all.txt");
    writeFileSync(all, locals.map((path) => readFileSync(path, "utf8")).join(""));
    const expected = shellCount(all);

    const counted = await runJob(env, ["--mapper", MAPPER, "--combiner", SUM, "--reducer", SUM, "--param", "wc.one=1", "--input", "/data", "--output", "/out/wc", "--reducers", "3"]);
    expect(counted.stderr).toBe("");
    expect(counted.code).toBe(0);
    expect(counted.job!.state).toBe("succeeded");
    expect(await outputLines(env, "/out/wc")).toEqual(expected);
    expect(counted.job!.counters.mapInputRecords).toBe(8_000);
    expect(counted.job!.mapTasks).toBeGreaterThanOrEqual(4);
    // The combiner ran: the maps shuffled far fewer records than there are words.
    const words = expected.reduce((sum, line) => sum + Number(line.split("\t")[1]), 0);
    expect(counted.job!.counters.mapOutputRecords).toBeLessThan(words / 10);

    // Without a reducer the reduce is the identity: the sorted map output, an empty value
    // without a trailing tab.
    const identity = await runJob(env, ["--mapper", "cat", "--input", "/data/b.txt", "--output", "/out/identity"]);
    expect(identity.code).toBe(0);
    const lines = readFileSync(locals[1]!, "utf8").split("\n").slice(0, -1);
    expect(await outputLines(env, "/out/identity")).toEqual(lines.filter((line) => line !== "").map((line) => line.replace(/\t$/, "")).sort());

    // --param reaches a TypeScript job too: grep's pattern (examples/grep.ts) from the command line.
    const grepped = await runJob(env, [GREP, "--param", "grep.pattern=^(theta|naïve) ", "--input", "/data/b.txt", "--output", "/out/grep"]);
    expect(grepped.code).toBe(0);
    const matching = new Map<string, number>();
    for (const line of lines) if (/^(theta|naïve) /.test(line)) matching.set(line, (matching.get(line) ?? 0) + 1);
    expect(matching.size).toBeGreaterThan(5);
    expect(await outputLines(env, "/out/grep")).toEqual([...matching].map(([line, count]) => `${line}\t${count}`).sort());

    // Bad input: one sentence on stderr, a non-zero exit, before any task runs (no job recorded).
    const listed = async () => (JSON.parse((await runCli(["job", "list", "--json"], env)).stdout) as { jobs: unknown[] }).jobs.length;
    const before = await listed();
    const module = join(root.path, "wc.ts");
    writeFileSync(module, `import { defineJob } from "tessera";\nexport default defineJob({ map() {}, reduce() {} });\n`);
    const io = ["--input", "/data", "--output", "/out/x"];
    const bad: Array<[string[], RegExp]> = [
      [["--mapper", "wrdcount-no-such-program | sort", ...io], /^tessera: the mapper's program wrdcount-no-such-program is not on this machine's PATH/],
      [["--mapper", "cat", "--reducer", "/no/such/reducer", ...io], /the reducer's program \/no\/such\/reducer is not an executable file/],
      [["--mapper", "cat", "--param", "novalue", ...io], /--param takes key=value, and "novalue" has no '='/],
      // 100 KiB: above the 64 KiB bound, below what Linux allows one argument (128 KiB); the
      // library refuses 1 MiB below.
      [["--mapper", "cat", "--param", `big=${"x".repeat(100 * 1024)}`, ...io], /the value of parameter big is 102400 bytes, more than the limit of 65536/],
      [["--mapper", "cat", "--param", "mapreduce.task.timeout=soon", ...io], /mapreduce\.task\.timeout is a whole number of milliseconds/],
      [["--mapper", "cat", "--output-replication", "0", ...io], /--output-replication must be a whole number from 1 to 32, not "0"/],
      [["--mapper", "cat", "--output-replication", "two", ...io], /--output-replication must be a whole number from 1 to 32, not "two"/],
      [[module, "--mapper", "cat", ...io], /a job is either a module or --mapper commands, not both/],
      [["--reducer", SUM, ...io], /job run needs a job module or a --mapper command/],
      [[module, "--reducer", SUM, ...io], /--reducer and --combiner go with --mapper/],
      [["--mapper", "cat", "--input", "/no/such", "--output", "/out/x"], /input path \/no\/such does not exist/],
    ];
    for (const [args, message] of bad) {
      const result = await runCli(["job", "run", ...args], env);
      expect(result.code, args.join(" ").slice(0, 100)).not.toBe(0);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    // The library and the leader refuse alike, with INVALID: a 1 MiB value, a job with both a
    // bundle and commands.
    const client = await clientOf(env);
    try {
      const huge = await client.jobs.submitStreaming({ mapper: "cat" }, { inputs: ["/data"], output: "/out/x", params: { big: "x".repeat(1024 * 1024) } }).catch((err: unknown) => err);
      expect(huge).toBeInstanceOf(JobError);
      expect((huge as JobError).code).toBe("INVALID");
      const spec = { inputs: ["/data"], output: "/out/x", reducers: 1, moduleName: "x", inputFormat: InputFormat.LINES, outputReplication: 0 };
      const both = await client.call("submitJob", { jobId: "both", spec: { ...spec, bundlePath: "/data/a.txt", params: [], streaming: { mapper: "cat", reducer: "", combiner: "" } } }).catch((err: unknown) => err);
      expect((both as MetaRequestError).code).toBe("INVALID");
      expect((both as Error).message).toMatch(/a streaming job runs commands, not a job module/);
      const tooBig = await client.call("submitJob", { jobId: "too-big", spec: { ...spec, bundlePath: "", params: [{ key: "big", value: "x".repeat(1024 * 1024) }], streaming: { mapper: "cat", reducer: "", combiner: "" } } }).catch((err: unknown) => err);
      expect((tooBig as MetaRequestError).code).toBe("INVALID");
      const noMapper = await client.call("submitJob", { jobId: "no-mapper", spec: { ...spec, bundlePath: "", params: [], streaming: { mapper: "", reducer: "cat", combiner: "" } } }).catch((err: unknown) => err);
      expect((noMapper as Error).message).toMatch(/a streaming job needs a mapper command/);
      const tooMany = await client.call("submitJob", { jobId: "too-many", spec: { ...spec, bundlePath: "", params: [], streaming: { mapper: "cat", reducer: "", combiner: "" }, outputReplication: 33 } }).catch((err: unknown) => err);
      expect((tooMany as MetaRequestError).code).toBe("INVALID");
      expect((tooMany as Error).message).toMatch(/a job's output replication is 1\.\.32 \(0 for the default, 3\), not 33/);
      const none = await client.jobs.submitStreaming({ mapper: "cat" }, { inputs: ["/data"], output: "/out/x", outputReplication: 0 }).catch((err: unknown) => err);
      expect((none as JobError).code).toBe("INVALID");
      expect((none as Error).message).toMatch(/the output replication must be a whole number from 1 to 32, not 0/);
    } finally {
      await client.close();
    }
    expect(await listed()).toBe(before);
    expect((await runCli(["fs", "stat", "/out/x"], env)).code).not.toBe(0);

  }, 240_000);

  it("a mapper that exits non-zero, one that makes no progress and a killed job fail clearly, leaving no process behind", async () => {
    const { env } = await startCluster("st-fail");
    await put(env, "b.txt", text(2_000, 2), "64KiB");

    // A mapper that exits non-zero: the job fails after its attempts, with the stderr's end.
    const failing = await runJob(env, ["--mapper", "cat >/dev/null; echo 'mapper broke on a bad record' >&2; exit 3", "--input", "/data/b.txt", "--output", "/out/failing"]);
    expect(failing.code).toBe(1);
    expect(failing.job!.state).toBe("failed");
    expect(failing.job!.error).toMatch(/^map-\d{5} failed 4 times: the mapper exited with status 3; the end of its stderr: mapper broke on a bad record$/);
    expect(failing.stderr).toMatch(/^tessera: job .* failed: map-\d{5} failed 4 times: the mapper exited with status 3/);

    // A mapper that never reads its input and never exits: killed at its timeout (a job
    // parameter), with the processes it started; the job fails instead of hanging.
    // The sleeps are told apart from any other by their fraction of a second.
    const marker = `sleep 600.${process.pid}${Date.now() % 1e9}`;
    const stuck = await runJob(env, ["--mapper", `${marker} & ${marker}`, "--param", "mapreduce.task.timeout=500", "--input", "/data/b.txt", "--output", "/out/stuck"]);
    expect(stuck.code).toBe(1);
    expect(stuck.job!.error).toMatch(/failed 4 times: the mapper made no progress for 500 ms/);
    await waitFor("no process of the stuck mappers left", () => processesWith(marker).length === 0, { timeoutMs: 10_000, intervalMs: 200 });

    // `job kill` of a job whose mapper would run for ten minutes: its processes go with it.
    const killMarker = `sleep 601.${process.pid}${Date.now() % 1e9}`;
    const killed = runJob(env, ["--mapper", `${killMarker} & ${killMarker}`, "--input", "/data/b.txt", "--output", "/out/killed"]);
    await waitFor("the long mapper running", () => processesWith(killMarker).length > 0, { timeoutMs: 30_000, intervalMs: 200 });
    // The one running job (jobs submitted in the same second are not listed in submit order).
    const running = (JSON.parse((await runCli(["job", "list", "--json"], env)).stdout) as { jobs: Array<{ id: string; state: string }> }).jobs.filter((job) => job.state === "running");
    expect(running).toHaveLength(1);
    expect((await runCli(["job", "kill", running[0]!.id], env)).code).toBe(0);
    let settled: { job?: JobJson } | undefined;
    void killed.then((result) => (settled = result));
    await waitFor("job run to end after job kill", () => settled, { timeoutMs: 30_000, intervalMs: 200 }).catch(async (err: Error) => {
      throw new Error(`${err.message}; the job: ${(await runCli(["job", "status", running[0]!.id, "--json"], env)).stdout}`);
    });
    expect(settled!.job!.state).toBe("killed");
    await waitFor("no process of the killed job's mapper left", () => processesWith(killMarker).length === 0, { timeoutMs: 10_000, intervalMs: 200 });
  }, 240_000);

  it("kill -9 of a worker mid-map: the job succeeds with the same output, and no mapper process outlives its peer", async () => {
    const { peers, env } = await startCluster("st-kill");
    const local = await put(env, "big.txt", text(40_000, 4), "256KiB");
    const expected = shellCount(local);
    const status = JSON.parse((await runCli(["cluster", "status", "--json"], env)).stdout) as { leader: string };
    const candidates = peers.filter((peer) => peer !== peers[0] && peer.id !== status.leader);
    // Each map waits 3 s before it reads (long enough to be caught running), and leaves a
    // background process that neither reads nor writes the task's pipes: only its process
    // group's end kills it (the task's, or on a dead peer the watchdog's).
    const marker = `sleep 60.${process.pid}${Date.now() % 1e9}`;
    const running = runJob(env, ["--mapper", `${marker} </dev/null >/dev/null 2>&1 & sleep 3; ${MAPPER}`, "--reducer", SUM, "--param", "wc.one=1", "--input", "/data/big.txt", "--output", "/out/k1", "--reducers", "2"]);
    const worker = await runningMapOn(env, candidates);
    expect(processesWith(marker).length).toBeGreaterThan(0);
    processes.kill9(worker);
    const done = await running;
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    expect(done.job!.counters.lostTaskAttempts).toBeGreaterThanOrEqual(1);
    expect(await outputLines(env, "/out/k1")).toEqual(expected);
    // The dead peer's mappers were killed by their watchdog, the others ended with their tasks.
    await waitFor("no mapper process left", () => processesWith(marker).length === 0, { timeoutMs: 15_000, intervalMs: 200 });
  }, 240_000);
});
