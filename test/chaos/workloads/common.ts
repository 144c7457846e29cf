// What the chaos workloads share: a seeded random source, a library client of the cluster the
// harness names (connected again when its entry peer dies), and the bounds on every operation.
import { readFileSync } from "node:fs";
import { connect, type ClusterClient } from "../../../src/client/cluster.ts";
import { decodeSwarmKey } from "../../../src/net/swarm-key.ts";
import { withTimeout } from "../history.ts";
import type { WorkloadTarget } from "./index.ts";
import { mulberry32 } from "../../sim/prng.ts";

/** One operation of a files or hot-keys client at most this long; past it, `info`. */
export const OP_TIMEOUT_MS = 10_000;
/** One MapReduce job (input written, run, output read) at most this long; past it, `info`. */
export const JOB_TIMEOUT_MS = 90_000;
/** Connecting a client at most this long per attempt. */
export const CONNECT_TIMEOUT_MS = 5_000;
/** Chunk size of the files the workloads write: small, so a file of a few hundred KiB spans chunks. */
export const WORKLOAD_CHUNK_BYTES = 64 * 1024;

/** A seeded generator (the Raft simulation's mulberry32), enough for choosing operations. */
export const prng = mulberry32;

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

export function between(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

/** The join addresses and swarm key the harness's client environment names. */
export function connectOptionsOf(env: Record<string, string>): { join: string[]; swarmKey: Uint8Array } {
  const join = (env.TESSERA_JOIN ?? "").split(",").filter(Boolean);
  const keyPath = env.TESSERA_SWARM_KEY;
  if (join.length === 0 || !keyPath) throw new Error("the workload target's clientEnv needs TESSERA_JOIN and TESSERA_SWARM_KEY");
  return { join, swarmKey: decodeSwarmKey(readFileSync(keyPath, "utf8")) };
}

/** A client of the cluster, trying again (shuffled join list) until it connects or `stop` aborts. */
export async function connectClient(target: WorkloadTarget, random: () => number, stop?: AbortSignal, deadlineMs = Infinity): Promise<ClusterClient | undefined> {
  const options = connectOptionsOf(target.clientEnv);
  const until = performance.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    if (stop?.aborted || performance.now() > until) return undefined;
    const join = [...options.join].sort(() => random() - 0.5);
    try {
      return await withTimeout(CONNECT_TIMEOUT_MS, () => connect({ join, swarmKey: options.swarmKey }));
    } catch {
      await sleep(Math.min(1_000, 100 * (attempt + 1)), stop);
    }
  }
}

/** Waits `ms` or until `stop` aborts (backoff between attempts, never a test's fixed wait). */
export function sleep(ms: number, stop?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stop?.removeEventListener("abort", done);
      resolve();
    }
    stop?.addEventListener("abort", done, { once: true });
  });
}

/** Closes a client without waiting long for a peer that may be gone. */
export async function closeQuietly(client: ClusterClient | undefined): Promise<void> {
  if (!client) return;
  await withTimeout(3_000, () => client.close()).catch(() => undefined);
}
