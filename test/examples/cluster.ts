// What the example tests share: one in-process cluster of three peers per test file (as
// test/mapreduce/jobs.test.ts), input written in small chunks so that a job has several maps,
// and the output read back part by part.
import { expect } from "vitest";
import type { Peer } from "../../src/peer/peer.ts";
import type { JobView } from "../../src/client/jobs.ts";
import { TestPeers, aliveIds } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";

export const KiB = 1024;
/** Small chunks: a few hundred KiB of input make several map tasks. */
export const CHUNK_SIZE_BYTES = 64 * KiB;

export async function startCluster(): Promise<{ cluster: TestPeers; seed: Peer }> {
  const cluster = new TestPeers();
  const seed = await cluster.start({ rack: "/r1" });
  await cluster.start({ join: [seed.multiaddrs[0]!], rack: "/r1" });
  await cluster.start({ join: [seed.multiaddrs[0]!], rack: "/r2" });
  await waitFor("3 alive", () => aliveIds(seed).length === 3, { timeoutMs: 10_000 });
  return { cluster, seed };
}

/** Writes `text` to `path` in CHUNK_SIZE_BYTES chunks; returns how many chunks (hence maps). */
export async function putText(peer: Peer, path: string, text: string): Promise<number> {
  const bytes = new TextEncoder().encode(text);
  const stat = await peer.fs.put(bytes, path, { chunkSizeBytes: CHUNK_SIZE_BYTES });
  expect(stat.size).toBe(bytes.length);
  return stat.chunks.length;
}

/** Submits a job module, waits for it, and fails the test (printing the tasks) unless it succeeded. */
export async function runJob(peer: Peer, modulePath: string, options: { inputs: string[]; output: string; reducers: number }): Promise<JobView> {
  const submitted = await peer.jobs.submit(modulePath, options);
  return expectSucceeded(peer, await peer.jobs.wait(submitted.id, { intervalMs: 100 }));
}

export async function expectSucceeded(peer: Peer, job: JobView): Promise<JobView> {
  if (job.state !== "succeeded") console.log(JSON.stringify(job), JSON.stringify(await peer.jobs.tasks(job.id)));
  expect(job.state).toBe("succeeded");
  return job;
}

/** The text of part-r-00000 … part-r-(reducers-1), in order, after checking the folder holds exactly those and _SUCCESS. */
export async function readParts(peer: Peer, output: string, reducers: number): Promise<string[]> {
  const names = Array.from({ length: reducers }, (_, r) => `part-r-${String(r).padStart(5, "0")}`);
  const listed = (await peer.fs.list(output)).map((entry) => entry.path).sort();
  expect(listed).toEqual([`${output}/_SUCCESS`, ...names.map((name) => `${output}/${name}`)].sort());
  const decoder = new TextDecoder();
  return Promise.all(names.map(async (name) => decoder.decode(await peer.fs.readFile(`${output}/${name}`))));
}

/** `key\tvalue` output lines as a map, failing on a key written twice (across all parts). */
export function keyValues(parts: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of parts) {
    for (const line of part.split("\n")) {
      if (line === "") continue;
      const tab = line.lastIndexOf("\t");
      expect(tab).toBeGreaterThanOrEqual(0);
      const key = line.slice(0, tab);
      expect(out.has(key), `key ${JSON.stringify(key)} written twice`).toBe(false);
      out.set(key, line.slice(tab + 1));
    }
  }
  return out;
}

/** A deterministic pseudo-random source (an LCG, as test/mapreduce/jobs.test.ts uses). */
export function lcg(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor((state / 2147483648) * below);
  };
}
