// ASYNC_THROUGH end to end (issue 16, "What must be shown"): a file written into a mount with
// ASYNC_THROUGH is acknowledged once Tessera has it, and reaches the bucket byte for byte even
// when, before it was persisted, the peer holding its only copy is killed with SIGKILL (and
// restarted), or the leader is. "Before it was persisted" is made certain, not hoped for: the
// s3rver behind the mount is stopped while the file is written and the peer is killed, and
// started again (same port, same objects) afterwards.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, PeerProcesses, runCli } from "../support/processes.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";
import { ok, startCacheCluster, statJson, waitForCluster, waitForPersistState, type CacheCluster } from "../support/cache-cluster.ts";
import { createBucket, hasObject, objectBytes, randomBody, sameBytes, startS3rver, type RunningS3rver } from "../support/under-s3.ts";

const MiB = 1024 * 1024;
// The persister's retries back off while the bucket is away; this bounds how long after it
// returns the file may take to get there.
const PERSISTED_WITHIN_MS = 120_000;

let processes: PeerProcesses;
let root: { path: string; remove(): void };
let scratch: string;
let cluster: CacheCluster;
let env: Record<string, string>;
let s3rver: RunningS3rver;

beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("cache-async");
  scratch = join(root.path, "scratch");
  mkdirSync(scratch);
  s3rver = await startS3rver();
  await createBucket(s3rver, "async");
  cluster = await startCacheCluster(processes, root.path, "peer", 3);
  env = cluster.env;
  // -1: the namespace is never re-synced here, so a stat while the bucket is away needs nothing from it.
  await ok(env, [
    "fs", "mount", "/a", "s3://async/out",
    "--option", `endpoint=${s3rver.endpoint}`, "--option", "path_style=true",
    "--option", `access_key=${s3rver.credentials.accessKeyId}`, "--option", `secret_key=${s3rver.credentials.secretAccessKey}`,
    "--write-type", "ASYNC_THROUGH", "--sync-interval", "-1",
  ]);
}, 180_000);

afterAll(async () => {
  await processes?.stopAll();
  await s3rver?.remove();
  root?.remove();
});

function localFile(name: string, body: Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, body);
  return path;
}

function peerIndex(id: string): number {
  const index = cluster.peers.findIndex((peer) => peer.id === id);
  expect(index, `peer ${id} is one of the cluster's`).toBeGreaterThanOrEqual(0);
  return index;
}

describe("ASYNC_THROUGH", () => {
  it("persists a file whose only copy's peer was killed -9 before persistence, once the peer is back", async () => {
    const body = randomBody(5 * MiB + 3);
    await s3rver.stop();
    await ok(env, ["fs", "put", "--replication", "1", localFile("one.bin", body), "/a/one.bin"]);
    const written = await statJson(env, "/a/one.bin");
    expect(written.underStorage?.persistState).toBe("TO_BE_PERSISTED");
    const holders = new Set(written.chunks.flatMap((chunk) => chunk.replicas.map((replica) => replica.peer)));
    expect(holders.size).toBe(1);
    const victim = peerIndex([...holders][0]!);

    processes.kill9(cluster.peers[victim]!);
    await waitFor("the killed peer to be seen dead", async () => (JSON.parse((await runCli(["report", "--json"], env)).stdout) as { livePeers: number }).livePeers === 2, { timeoutMs: 30_000, intervalMs: 300 });
    expect((await statJson(env, "/a/one.bin")).underStorage?.persistState).toBe("TO_BE_PERSISTED");
    await cluster.restart(victim);
    await waitForCluster(cluster, 3);

    await s3rver.restart();
    await waitForPersistState(env, "/a/one.bin", "PERSISTED", PERSISTED_WITHIN_MS);
    expect(sameBytes(await objectBytes(s3rver, "async", "out/one.bin"), body)).toBe(true);
  }, 300_000);

  it("persists a file written before the leader was killed -9", async () => {
    const body = randomBody(3 * MiB + 1);
    await s3rver.stop();
    await ok(env, ["fs", "put", localFile("two.bin", body), "/a/two.bin"]);
    expect((await statJson(env, "/a/two.bin")).underStorage?.persistState).toBe("TO_BE_PERSISTED");

    const before = JSON.parse(await ok(env, ["cluster", "status", "--json"])) as { leader: string };
    const victim = peerIndex(before.leader);
    processes.kill9(cluster.peers[victim]!);
    const others = { ...env, TESSERA_JOIN: cluster.peers.filter((_, i) => i !== victim).map((peer) => peer.addresses[0]!).join(",") };
    await waitFor(
      "a new leader",
      async () => {
        const status = await runCli(["cluster", "status", "--json"], others);
        if (status.code !== 0) return false;
        const leader = (JSON.parse(status.stdout) as { leader: string }).leader;
        return leader !== "" && leader !== before.leader;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    // The file is still waiting, under the new leader's persister.
    expect((await statJson(others, "/a/two.bin")).underStorage?.persistState).toBe("TO_BE_PERSISTED");
    await s3rver.restart();
    await waitForPersistState(others, "/a/two.bin", "PERSISTED", PERSISTED_WITHIN_MS);
    expect(sameBytes(await objectBytes(s3rver, "async", "out/two.bin"), body)).toBe(true);

    // The old leader comes back as a follower; the file stays persisted.
    await cluster.restart(victim);
    await waitForCluster(cluster, 3);
    expect((await statJson(env, "/a/two.bin")).underStorage?.persistState).toBe("PERSISTED");
    expect(await hasObject(s3rver, "async", "out/one.bin")).toBe(true);
  }, 300_000);
});
