// What the end-to-end MapReduce tests share (test/e2e/mapreduce.test.ts, streaming.test.ts):
// a cluster of dist/tessera processes with short failure detection, texts with a known word
// count, the independent count by coreutils, and the CLI's job and output as data.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";
import { TaskKind, TaskRecord } from "../../src/protocol/pb/jobs.ts";
import { runCli, type PeerProcesses, type StartedPeer } from "./processes.ts";
import { waitFor } from "./wait.ts";

export const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
const RACKS = ["/r1", "/r1", "/r2", "/r2"];
// Short failure detection keeps the kill scenarios quick; two task slots per peer.
export const TIMINGS = ["--heartbeat-ms", "500", "--suspect-after-ms", "2000", "--dead-after-ms", "4000", "--voter-dead-after-ms", "5000", "--compute-slots", "2"];

export interface JobJson {
  id: string;
  state: string;
  error?: string;
  failedTask?: string;
  mapTasks: number;
  elapsedMs: number;
  counters: Record<string, number>;
}

export interface JobCluster {
  peers: StartedPeer[];
  env: Record<string, string>;
  swarmKey: string;
}

/** `count` peers (racks /r1 /r1 /r2 /r2) under `rootPath`, every one alive with 3 voters, and a /data folder. */
export async function startJobCluster(processes: PeerProcesses, rootPath: string, name: string, count: number, extra: (i: number) => string[] = () => []): Promise<JobCluster> {
  const dir = (i: number) => join(rootPath, `${name}-${i}`);
  const first = await processes.start(["--data-dir", dir(0), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--rack", RACKS[0]!, ...TIMINGS, ...extra(0)]);
  const swarmKey = join(dir(0), "swarm.key");
  const peers = [first];
  for (let i = 1; i < count; i++) {
    peers.push(await processes.start(["--data-dir", dir(i), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--rack", RACKS[i]!, "--join", first.addresses[0]!, "--swarm-key", swarmKey, ...TIMINGS, ...extra(i)]));
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

/** Writes `content` to `rootPath/name` and puts it at /data/name in `chunkSize` chunks; answers the local path. */
export async function putText(env: Record<string, string>, rootPath: string, name: string, content: string, chunkSize: string): Promise<string> {
  const local = join(rootPath, name);
  writeFileSync(local, content);
  const result = await runCli(["fs", "put", local, `/data/${name}`, "--chunk-size", chunkSize], env);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return local;
}

/** A deterministic text of `lines` lines from a small vocabulary, with multibyte words and tabs. */
export function text(lines: number, seed: number): string {
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

/** The independent count: `tr -s '[:space:]' '\n' | sort | uniq -c`, as sorted "word\tcount" lines. */
export function shellCount(path: string): string[] {
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

/** Every line of a job's part files, sorted. */
export async function outputLines(env: Record<string, string>, folder: string): Promise<string[]> {
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

/** `tessera job run ... --json`: its exit code, stderr, and the job it printed (absent when it printed none). */
export async function runJob(env: Record<string, string>, args: string[]): Promise<{ code: number; stderr: string; job?: JobJson }> {
  const result = await runCli(["job", "run", ...args, "--json"], env);
  let job: JobJson | undefined;
  try {
    job = JSON.parse(result.stdout) as JobJson;
  } catch {
    job = undefined;
  }
  return { code: result.code, stderr: result.stderr, ...(job ? { job } : {}) };
}

/** A library client of the cluster the CLI environment `env` names. */
export function clientOf(env: Record<string, string>): Promise<ClusterClient> {
  return connect({ join: env.TESSERA_JOIN!.split(","), swarmKey: decodeSwarmKey(readFileSync(env.TESSERA_SWARM_KEY!, "utf8")) });
}

/** How long an attempt stays listed before it surely reached its worker (orders take milliseconds; a failed one is dropped within a scheduler round). */
const ORDER_DELIVERED_AFTER_MS = 1_000;

/** Waits until the newest job has a map running on one of `candidates`; returns that peer. */
export async function runningMapOn(env: Record<string, string>, candidates: StartedPeer[]): Promise<StartedPeer> {
  const client = await clientOf(env);
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
