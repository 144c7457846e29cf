// MapReduce end to end with real processes of the compiled binary (issue 6): word count on a
// multi-chunk text equals `tr | sort | uniq -c`, maps run node-local, bad input is refused
// before any task starts, a map that throws fails its job clearly, a straggler gets a backup,
// and the job survives kill -9 of a worker mid-map and of the master mid-job.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "../../src/client/cluster.ts";
import { TaskKind, TaskRecord } from "../../src/protocol/pb/jobs.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";
import { join, resolve } from "node:path";
import { ensureBinary, PeerProcesses, runCli, type StartedPeer } from "../support/processes.ts";
import { waitFor } from "../support/wait.ts";
import { tempDir } from "../support/temp.ts";

const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
const KiB = 1024;
const ROOT = resolve(import.meta.dir, "../..");
const WORDCOUNT = join(ROOT, "examples/wordcount.ts");
const SLOW_WORDCOUNT = join(ROOT, "test/fixtures/jobs/slow-wordcount.ts");
const POISONED = join(ROOT, "test/fixtures/jobs/poisoned.ts");
const NO_REDUCE = join(ROOT, "test/fixtures/jobs/no-reduce.ts");
// Short failure detection keeps the kill scenarios quick; two task slots per peer.
const TIMINGS = ["--heartbeat-ms", "500", "--suspect-after-ms", "2000", "--dead-after-ms", "4000", "--voter-dead-after-ms", "5000", "--compute-slots", "2"];

let processes: PeerProcesses;
let root: { path: string; remove(): void };
beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("mr-e2e");
});
afterAll(async () => {
  await processes.stopAll();
  root.remove();
});

interface JobJson {
  id: string;
  state: string;
  error?: string;
  failedTask?: string;
  mapTasks: number;
  elapsedMs: number;
  counters: Record<string, number>;
}

/** A deterministic text of `lines` lines from a small vocabulary, with multibyte words. */
function text(lines: number, seed: number): string {
  const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "naïve", "日本語", "x"];
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = next() % 14;
    out.push(Array.from({ length: n }, () => words[next() % words.length]).join(next() % 7 === 0 ? "\t " : " "));
  }
  return `${out.join("\n")}\n`;
}

/** The independent count: `tr -s '[:space:]' '\n' | sort | uniq -c`, as "word\tcount" lines sorted. */
function shellCount(path: string): string[] {
  const output = execFileSync("sh", ["-c", `tr -s '[:space:]' '\\n' < '${path}' | sed '/^$/d' | LC_ALL=C sort | uniq -c`], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return output
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const match = /^\s*(\d+) (.*)$/.exec(line)!;
      return `${match[2]}\t${match[1]}`;
    })
    .sort();
}

async function outputLines(env: Record<string, string>, folder: string): Promise<string[]> {
  const listing = await runCli(["fs", "ls", folder, "--json"], env);
  expect(listing.code).toBe(0);
  const names = (JSON.parse(listing.stdout) as Array<{ path: string }>).map((entry) => entry.path).filter((path) => /\/part-r-\d{5}$/.test(path));
  const lines: string[] = [];
  for (const name of names) {
    const cat = await runCli(["fs", "cat", name], env);
    expect(cat.code).toBe(0);
    lines.push(...cat.stdout.split("\n").filter(Boolean));
  }
  return lines.sort();
}

async function runJob(env: Record<string, string>, args: string[]): Promise<{ code: number; stderr: string; job?: JobJson }> {
  const result = await runCli(["job", "run", ...args, "--json"], env);
  let job: JobJson | undefined;
  try {
    job = JSON.parse(result.stdout) as JobJson;
  } catch {
    job = undefined;
  }
  return { code: result.code, stderr: result.stderr, ...(job ? { job } : {}) };
}

async function startCluster(name: string, count: number, extra: (i: number) => string[] = () => []): Promise<{ peers: StartedPeer[]; env: Record<string, string>; swarmKey: string }> {
  const dir = (i: number) => join(root.path, `${name}-${i}`);
  const racks = ["/r1", "/r1", "/r2", "/r2"];
  const first = await processes.start(["--data-dir", dir(0), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--rack", racks[0]!, ...TIMINGS, ...extra(0)]);
  const swarmKey = join(dir(0), "swarm.key");
  const peers = [first];
  for (let i = 1; i < count; i++) {
    peers.push(await processes.start(["--data-dir", dir(i), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--rack", racks[i]!, "--join", first.addresses[0]!, "--swarm-key", swarmKey, ...TIMINGS, ...extra(i)]));
  }
  const env = { TESSERA_JOIN: peers.map((peer) => peer.addresses[0]!).join(","), TESSERA_SWARM_KEY: swarmKey, TESSERA_LOG: "warn" };
  await waitFor(
    "every peer alive and 3 voters",
    async () => {
      const report = await runCli(["report", "--json"], env);
      const status = await runCli(["cluster", "status", "--json"], env);
      if (report.code !== 0 || status.code !== 0) return false;
      return (JSON.parse(report.stdout) as { livePeers: number }).livePeers === count && (JSON.parse(status.stdout) as { voters: string[] }).voters.length === 3;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  expect((await runCli(["fs", "mkdir", "/data"], env)).code).toBe(0);
  return { peers, env, swarmKey };
}

async function put(env: Record<string, string>, name: string, content: string, chunkSize: string): Promise<string> {
  const local = join(root.path, name);
  writeFileSync(local, content);
  const result = await runCli(["fs", "put", local, `/data/${name}`, "--chunk-size", chunkSize], env);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return local;
}

/** How long an attempt stays listed before it surely reached its worker (orders take milliseconds; a failed one is dropped within a scheduler round). */
const ORDER_DELIVERED_AFTER_MS = 1_000;

/** Waits until the newest job has a map running on one of `candidates`; returns that peer. */
async function runningMapOn(env: Record<string, string>, candidates: StartedPeer[]): Promise<StartedPeer> {
  const client = await connect({ join: env.TESSERA_JOIN!.split(","), swarmKey: decodeSwarmKey(readFileSync(env.TESSERA_SWARM_KEY!, "utf8")) });
  try {
    return await waitFor(
      "a map running on one of the candidate peers",
      async () => {
        const jobs = await client.jobs.list();
        if (jobs.length === 0 || jobs[0]!.state !== "running") return undefined;
        const tasks = await client.jobs.tasks(jobs[0]!.id);
        // The leader records an attempt before its order reaches the worker, and drops it when
        // the order does not arrive (the next round may order it again): an attempt still
        // listed a second after it started was delivered, so the map runs there.
        const deliveredBeforeMs = Date.now() - ORDER_DELIVERED_AFTER_MS;
        const busy = new Set(
          tasks
            .filter((task) => task.kind === TaskKind.MAP && task.state === TaskRecord.State.RUNNING)
            .flatMap((task) => task.running.filter((attempt) => attempt.startedAtMs <= deliveredBeforeMs).map((attempt) => attempt.peer)),
        );
        return candidates.find((peer) => busy.has(peer.id));
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  } finally {
    await client.close();
  }
}

describe("MapReduce, real processes", () => {
  it("word count equals tr|sort|uniq -c, maps run node-local, bad input and a throwing map fail clearly, a straggler gets a backup", async () => {
    const { env, swarmKey, peers } = await startCluster("mr", 3);
    // 3 files, lines crossing chunk boundaries everywhere (64 KiB chunks, lines of any length).
    const locals = [await put(env, "a.txt", text(9_000, 1), "64KiB"), await put(env, "b.txt", text(3_000, 2), "64KiB"), await put(env, "c.txt", text(500, 3), "64KiB")];
    const all = join(root.path, "all.txt");
    writeFileSync(all, (await Promise.all(locals.map((path) => Bun.file(path).text()))).join(""));

    const healthy = await runJob(env, [WORDCOUNT, "--input", "/data", "--output", "/out/wc", "--reducers", "3"]);
    expect(healthy.stderr).toBe("");
    expect(healthy.code).toBe(0);
    const job = healthy.job!;
    expect(job.state).toBe("succeeded");
    expect(await outputLines(env, "/out/wc")).toEqual(shellCount(all));
    // One map per chunk.
    expect(job.counters.mapTasks).toBe(locals.reduce((sum, path) => sum + Math.ceil(Bun.file(path).size / (64 * KiB)), 0));
    expect(job.counters.mapTasks).toBe(job.mapTasks);
    // Every peer holds every chunk (replication 3 on 3 peers): maps must run where the data is.
    expect(job.counters.nodeLocalMaps / job.counters.mapTasks).toBeGreaterThanOrEqual(0.95);
    expect(job.counters.mapInputRecords).toBe(12_500);
    const ls = JSON.parse((await runCli(["fs", "ls", "/out/wc", "--json"], env)).stdout) as Array<{ path: string }>;
    expect(ls.map((entry) => entry.path).sort()).toEqual(["/out/wc/_SUCCESS", "/out/wc/part-r-00000", "/out/wc/part-r-00001", "/out/wc/part-r-00002"]);
    // The output of one job is the input of the next: count the words of the counts.
    const second = await runJob(env, [WORDCOUNT, "--input", "/out/wc", "--output", "/out/wc2"]);
    expect(second.code).toBe(0);
    expect(second.job!.counters.mapInputRecords).toBe((await outputLines(env, "/out/wc")).length);

    // Bad input: one sentence, exit 1, before any task starts (no job is recorded).
    const before = (JSON.parse((await runCli(["job", "list", "--json"], env)).stdout) as { jobs: unknown[] }).jobs.length;
    const bad: Array<[string[], RegExp]> = [
      [[NO_REDUCE, "--input", "/data", "--output", "/out/x"], /has no reduce function/],
      [[WORDCOUNT, "--input", "/no/such", "--output", "/out/x"], /input path \/no\/such does not exist/],
      [[WORDCOUNT, "--input", "/data", "--output", "/out/wc"], /output folder \/out\/wc exists already/],
      [[WORDCOUNT, "--input", "/data", "--output", "/out/x", "--reducers", "0"], /reducers must be a whole number of at least 1/],
    ];
    for (const [args, message] of bad) {
      const result = await runCli(["job", "run", ...args], env);
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    expect((JSON.parse((await runCli(["job", "list", "--json"], env)).stdout) as { jobs: unknown[] }).jobs.length).toBe(before);
    expect((await runCli(["fs", "stat", "/out/x"], env)).code).not.toBe(0);

    // A map that throws: the job fails after a bounded number of attempts, naming task and error.
    const poisonLocal = join(root.path, "poison.txt");
    writeFileSync(poisonLocal, "fine\nfine too\npoison pill\nfine again\n");
    expect((await runCli(["fs", "put", poisonLocal, "/poison.txt"], env)).code).toBe(0);
    const poisoned = await runJob(env, [POISONED, "--input", "/poison.txt", "--output", "/out/poison"]);
    expect(poisoned.code).toBe(1);
    expect(poisoned.job!.state).toBe("failed");
    expect(poisoned.job!.failedTask).toBe("map-00000");
    expect(poisoned.job!.error).toMatch(/map-00000 failed 4 times: .*poisoned record: poison pill/);
    expect(poisoned.job!.counters.failedTaskAttempts).toBe(4);
    expect(poisoned.stderr).toMatch(/^tessera: job .* failed: map-00000 failed 4 times/);

    // A straggler: a fourth peer whose every task takes 60 s longer joins; the same job must
    // still finish in about the time of the healthy run, thanks to backup tasks.
    const slow = await processes.start(["--data-dir", join(root.path, "mr-slow"), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--rack", "/r2", "--join", peers[0]!.addresses[0]!, "--swarm-key", swarmKey, ...TIMINGS, "--fault-task-delay-ms", "60000"]);
    const env4 = { ...env, TESSERA_JOIN: [...peers, slow].map((peer) => peer.addresses[0]!).join(",") };
    expect((await runCli(["fs", "mkdir", "/data2"], env)).code).toBe(0);
    await waitFor("4 live peers", async () => (JSON.parse((await runCli(["report", "--json"], env4)).stdout) as { livePeers: number }).livePeers === 4, { timeoutMs: 15_000, intervalMs: 300 });
    // Data written now lands on the slow peer too (3 of 4 peers hold each chunk), so it gets
    // node-local maps, which straggle.
    expect((await runCli(["fs", "put", locals[0]!, "/data2/a.txt", "--chunk-size", "64KiB"], env4)).code).toBe(0);
    const straggling = await runJob(env4, [WORDCOUNT, "--input", "/data2", "--output", "/out/wc-slow", "--reducers", "3"]);
    expect(straggling.code).toBe(0);
    console.log(`healthy run ${job.elapsedMs} ms; with a straggling peer ${straggling.job!.elapsedMs} ms, ${straggling.job!.counters.backupTasks} backup tasks`);
    expect(straggling.job!.counters.backupTasks).toBeGreaterThanOrEqual(1);
    expect(straggling.job!.elapsedMs).toBeLessThan(job.elapsedMs * 2 + 5_000);
    expect(await outputLines(env4, "/out/wc-slow")).toEqual(shellCount(locals[0]!));
  }, 240_000);

  it("kill -9 of a worker mid-map, then of the master mid-job: each job still succeeds with the same output", async () => {
    const { peers, env } = await startCluster("mr-kill", 4);
    const local = await put(env, "big.txt", text(40_000, 4), "256KiB");
    const expected = shellCount(local);

    // A worker dies while maps run on it (not the leader, not the entry peer).
    let status = JSON.parse((await runCli(["cluster", "status", "--json"], env)).stdout) as { leader: string };
    const candidates = peers.filter((peer) => peer !== peers[0] && peer.id !== status.leader);
    const first = runJob(env, [SLOW_WORDCOUNT, "--input", "/data/big.txt", "--output", "/out/k1", "--reducers", "2"]);
    const worker = await runningMapOn(env, candidates);
    processes.kill9(worker);
    const afterWorker = await first;
    expect(afterWorker.stderr).toBe("");
    expect(afterWorker.code).toBe(0);
    // The kill came mid-map: attempts were lost with the worker and ran again elsewhere.
    expect(afterWorker.job!.counters.lostTaskAttempts).toBeGreaterThanOrEqual(1);
    expect(await outputLines(env, "/out/k1")).toEqual(expected);

    // The master dies mid-job: the new leader carries the job on from Raft. First the dead
    // worker must have left the voters, or losing the leader too would leave no majority.
    await waitFor(
      "3 live voters without the dead worker",
      async () => {
        const now = JSON.parse((await runCli(["cluster", "status", "--json"], env)).stdout) as { voters: string[] };
        return now.voters.length === 3 && !now.voters.includes(worker.id);
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    status = JSON.parse((await runCli(["cluster", "status", "--json"], env)).stdout) as { leader: string };
    const master = peers.find((peer) => peer.id === status.leader)!;
    const survivors = peers.filter((peer) => peer !== master && peer !== worker);
    const env2 = { ...env, TESSERA_JOIN: survivors.map((peer) => peer.addresses[0]!).join(",") };
    const second = runJob(env2, [SLOW_WORDCOUNT, "--input", "/data/big.txt", "--output", "/out/k2", "--reducers", "2"]);
    // Killed while maps run, not before the job has started any.
    await runningMapOn(env2, peers);
    processes.kill9(master);
    const afterMaster = await second;
    expect(afterMaster.stderr).toBe("");
    expect(afterMaster.code).toBe(0);
    expect(afterMaster.job!.state).toBe("succeeded");
    const newLeader = (JSON.parse((await runCli(["cluster", "status", "--json"], env2)).stdout) as { leader: string }).leader;
    expect(newLeader).not.toBe(master.id);
    expect(await outputLines(env2, "/out/k2")).toEqual(expected);
  }, 240_000);
});
