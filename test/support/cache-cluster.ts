// What the cache end-to-end tests share (test/e2e/cache-*.test.ts, issue 16): a cluster of
// dist/tessera processes, the CLI run as a user would (one sentence on stderr and a non-zero
// exit for every refusal), a file's bytes fetched with `fs get` (stdout is text to runCli), and
// the JSON of `fs stat` with its cache share.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { runCli, type PeerProcesses, type StartedPeer } from "./processes.ts";
import { waitFor } from "./wait.ts";
import { LOOPBACK, TIMINGS } from "./job-cluster.ts";

export interface CacheCluster {
  peers: StartedPeer[];
  env: Record<string, string>;
  swarmKey: string;
  dir(i: number): string;
  /** Restarts peer i on its data dir (after a kill -9), joined to the others. */
  restart(i: number): Promise<StartedPeer>;
}

/** `count` peers of one cluster, every one alive and min(count, 3) voters; `extra(i)` adds flags (`--tier`). */
export async function startCacheCluster(processes: PeerProcesses, rootPath: string, name: string, count: number, extra: (i: number) => string[] = () => []): Promise<CacheCluster> {
  const dir = (i: number) => join(rootPath, `${name}-${i}`);
  const first = await processes.start(["--data-dir", dir(0), "--listen", LOOPBACK, "--http", "127.0.0.1:0", ...TIMINGS, ...extra(0)]);
  const swarmKey = join(dir(0), "swarm.key");
  const peers = [first];
  for (let i = 1; i < count; i++) peers.push(await processes.start(["--data-dir", dir(i), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--join", first.addresses[0]!, "--swarm-key", swarmKey, ...TIMINGS, ...extra(i)]));
  const env = { TESSERA_JOIN: peers.map((peer) => peer.addresses[0]!).join(","), TESSERA_SWARM_KEY: swarmKey, TESSERA_LOG: "warn" };
  const cluster: CacheCluster = {
    peers,
    env,
    swarmKey,
    dir,
    restart: async (i) => {
      // From its data dir, with no join: same id, same port, the cluster it knew (masters.test.ts).
      peers[i] = await processes.start(["--data-dir", dir(i), "--http", "127.0.0.1:0", ...TIMINGS, ...extra(i)]);
      return peers[i]!;
    },
  };
  await waitForCluster(cluster, count);
  return cluster;
}

/** Waits until `live` peers are alive and the masters have min(live, 3) voters with a leader. */
export async function waitForCluster(cluster: Pick<CacheCluster, "env">, live: number): Promise<void> {
  await waitFor(
    `${live} live peers and a leader`,
    async () => {
      const report = await runCli(["report", "--json"], cluster.env);
      const status = await runCli(["cluster", "status", "--json"], cluster.env);
      if (report.code !== 0 || status.code !== 0) return false;
      const parsed = JSON.parse(status.stdout) as { voters: string[]; leader: string };
      return (JSON.parse(report.stdout) as { livePeers: number }).livePeers === live && parsed.voters.length === Math.min(live, 3) && parsed.leader !== "";
    },
    { timeoutMs: 60_000, intervalMs: 300 },
  );
}

/** Runs a command that must succeed quietly; answers its stdout. */
export async function ok(env: Record<string, string>, args: string[]): Promise<string> {
  const run = await runCli(args, env);
  expect(run.stderr, `tessera ${args.join(" ")}`).toBe("");
  expect(run.code, `tessera ${args.join(" ")}`).toBe(0);
  return run.stdout;
}

/** Runs a command that must be refused: a non-zero exit and one sentence on stderr matching `message`. */
export async function refused(env: Record<string, string>, args: string[], message: RegExp): Promise<string> {
  const run = await runCli(args, env);
  expect(run.code, `tessera ${args.join(" ")} should fail`).not.toBe(0);
  expect(run.stderr, `tessera ${args.join(" ")}`).toMatch(/^tessera: [^\n]+\.\n$/);
  expect(run.stderr, `tessera ${args.join(" ")}`).toMatch(message);
  expect(run.stdout).toBe("");
  return run.stderr;
}

/** A file's bytes through `tessera fs get` (with `--read-type` when given). */
export async function fsBytes(env: Record<string, string>, scratch: string, remote: string, readType?: string): Promise<Uint8Array> {
  const local = join(scratch, `get-${Math.random().toString(36).slice(2)}`);
  await ok(env, ["fs", "get", remote, local, ...(readType ? ["--read-type", readType] : [])]);
  return new Uint8Array(readFileSync(local));
}

export interface StatJson {
  path: string;
  kind: "file" | "dir";
  size: number;
  chunks: Array<{ id: string; size: number; replicas: Array<{ peer: string; tier?: string }> }>;
  underStorage?: { mountPath: string; fingerprint: string; persistState: string; pinned: boolean };
  cache?: { totalBytes: number; cachedBytes: number; byTier: Record<string, number> };
}

export async function statJson(env: Record<string, string>, path: string): Promise<StatJson> {
  return JSON.parse(await ok(env, ["fs", "stat", "--json", path])) as StatJson;
}

export interface CacheStatJson {
  hitRate: number | null;
  hits: number;
  misses: number;
  tiers: Array<{ name: string; capacityBytes: number; usedBytes: number; chunks: number; pinnedChunks: number; hits: number; misses: number; evictions: number; demotions: number; promotions: number }>;
}

export async function cacheStatJson(env: Record<string, string>): Promise<CacheStatJson> {
  return JSON.parse(await ok(env, ["cache", "stat", "--json"])) as CacheStatJson;
}

/** Waits until the file's persist state is `state`. */
export async function waitForPersistState(env: Record<string, string>, path: string, state: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(`${path} ${state}`, async () => (await statJson(env, path)).underStorage?.persistState === state, { timeoutMs, intervalMs: 200 });
}
