// The leader's housekeeping over real peers in one process (GFS §4.4 garbage collection,
// §5.2 scrubbing; HDFS's balancer and decommissioning): deleted files' chunks leave every disk
// after the grace period, a racing write is never collected, orphans are, replicas are
// balanced across peers without breaking rack placement, and a decommissioned peer is drained
// while reads carry on.
import { describe, it, expect, afterEach } from "vitest";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import type { Peer } from "../../src/peer/peer.ts";
import type { PeerOptions } from "../../src/peer/config.ts";
import { connect } from "../../src/client/cluster.ts";
import { MaintenanceClient } from "../../src/client/maintenance.ts";
import { main } from "../../cmd/tessera.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
let cluster: TestPeers;
afterEach(async () => {
  await cluster.stopAll();
});

function bytes(sizeBytes: number, seed: number): Uint8Array {
  const data = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) data[i] = (i * 31 + seed * 7) & 0xff;
  return data;
}

/** Chunk ids with a data file in a peer's chunk folder. */
function chunksOnDisk(peer: Peer): Set<string> {
  const names = readdirSync(join(peer.dataDir.path, "chunks"), { recursive: true }).map(String);
  return new Set(names.filter((name) => name.endsWith(".chunk")).map((name) => name.split("/").pop()!.split("_")[0]!));
}

/** A metadata requester through peer `via` (a full round trip through the meta protocol). */
async function caller(via: Peer) {
  const client = await connect({ join: [via.multiaddrs[0]!], swarmKey: cluster.swarmKey });
  return { client, call: client.call };
}

async function startCluster(racks: string[], options: PeerOptions = {}): Promise<Peer[]> {
  cluster = new TestPeers();
  const first = await cluster.start({ rack: racks[0], ...options });
  await waitFor("a leader", () => first.raft.isLeader, { timeoutMs: 5_000 });
  const peers = [first];
  for (const rack of racks.slice(1)) peers.push(await cluster.start({ rack, join: [first.multiaddrs[0]!], ...options }));
  await waitFor("every peer alive everywhere", () => peers.every((p) => p.peers().filter((v) => v.state === "alive").length === peers.length), { timeoutMs: 15_000 });
  return peers;
}

describe("garbage collection and scrubbing", () => {
  it("deletes a 100-chunk file's replicas from every disk after the grace period, keeps a racing write, removes an orphan, and reports a rotten replica", async () => {
    const graceMs = 1_500;
    const peers = await startCluster(["/r1", "/r1", "/r2"], { gcGraceMs: graceMs, gcIntervalMs: 200 });
    const [a, b, c] = peers as [Peer, Peer, Peer];

    // A 100-chunk file of 64 KiB chunks on all three peers.
    const stat = await a.fs.put(bytes(100 * 64 * KiB, 1), "/big", { chunkSizeBytes: 64 * KiB, replication: 3 });
    const ids = new Set(stat.chunks.map((chunk) => chunk.id));
    expect(ids.size).toBe(100);
    for (const peer of peers) expect([...ids].every((id) => chunksOnDisk(peer).has(id))).toBe(true);

    // A racing write: a chunk allocated (so the namespace references it) whose replica is on
    // disk but not committed in the namespace yet.
    const { client, call } = await caller(b);
    try {
      const created = await call("create", { path: "/racing", clientId: client.fs.clientId, chunkSizeBytes: 64 * KiB, replication: 0 });
      const allocated = await call("addChunk", { path: "/racing", fileId: created.fileId, clientId: client.fs.clientId, writerPeer: "", excludePeers: [] });
      const writer = await c.chunkStore.createWriter(allocated.chunkId, allocated.version);
      await writer.write(bytes(64 * KiB, 2));
      await writer.commit();
      // An orphan: a chunk no file references, written straight into a store.
      const orphan = "00000000deadbeef";
      const orphanWriter = await b.chunkStore.createWriter(orphan, 1);
      await orphanWriter.write(bytes(64 * KiB, 3));
      await orphanWriter.commit();
      await Promise.all(peers.map((p) => p.flushBlockReport()));

      // Nothing goes before the grace period. Judged by when the first replica went, measured
      // from before the delete was sent (not by looking once the delete has answered: on a
      // stalled machine its answer can come later than the grace period).
      const deletedAt = performance.now();
      let firstGoneAt: number | undefined;
      const removal = a.fs.rm("/big");
      await waitFor(
        "no peer's disk to hold a chunk of the deleted file",
        () => {
          const held = peers.map((p) => [...ids].filter((id) => chunksOnDisk(p).has(id)).length);
          if (firstGoneAt === undefined && held.some((count) => count < ids.size)) firstGoneAt = performance.now();
          return held.every((count) => count === 0);
        },
        { timeoutMs: 20_000, intervalMs: 25 },
      );
      await removal;
      expect(firstGoneAt! - deletedAt).toBeGreaterThanOrEqual(graceMs - 100);
      await waitFor("the pending deletes to be dropped through Raft", () => peers.every((p) => p.master.namespace.counts().pendingDeletes === 0), { timeoutMs: 10_000 });
      await waitFor("the orphan to be removed", () => !chunksOnDisk(b).has(orphan), { timeoutMs: 10_000 });

      // Several grace periods later the racing write is still there.
      const leader = peers.find((p) => p.raft.isLeader)!;
      const roundsBefore = leader.maintenance.gc.stats.rounds;
      await waitFor("more collection rounds past the grace period", () => leader.maintenance.gc.stats.rounds >= roundsBefore + 5, { timeoutMs: 10_000 });
      expect(chunksOnDisk(c).has(allocated.chunkId)).toBe(true);
      expect(leader.master.namespace.fileOfChunk(allocated.chunkId)).toBeDefined();
    } finally {
      await client.close();
    }

    // Scrubbing: rot one replica of a replication-2 file; the scrubber reports it, the leader
    // stops counting it.
    const small = await a.fs.put(bytes(64 * KiB, 4), "/small", { chunkSizeBytes: 64 * KiB, replication: 2 });
    const chunk = small.chunks[0]!;
    const victim = peers.find((p) => p.id === chunk.replicas[1]!.peer)!;
    const path = victim.chunkStore.localPath(chunk.id, chunk.version)!;
    const rotten = new Uint8Array(readFileSync(path));
    rotten[100] ^= 0x40;
    writeFileSync(path, rotten);
    // One pass now (the scrubber's period is a week here; test/chunk/scrubber.test.ts times it).
    const pass = await victim.scrubber.runPass();
    expect(pass.corrupt.map((bad) => bad.chunkId)).toEqual([chunk.id]);
    const leader = peers.find((p) => p.raft.isLeader)!;
    await waitFor("the leader to stop serving the rotten replica", async () => (await a.fs.stat("/small")).chunks[0]!.replicas.every((r) => r.peer !== victim.id), { timeoutMs: 5_000 });
    expect(leader.id).toBeDefined();
    expect(Bun.hash(await a.fs.readFile("/small"))).toBe(Bun.hash(bytes(64 * KiB, 4)));
  });
});

describe("the balancer", () => {
  it("moves replicas from the full peer to the empty one until every peer is within the threshold, keeping two racks per chunk", async () => {
    // 80 MiB offered per peer: placement keeps 64 MiB free, so a few MiB show as several %.
    const peers = await startCluster(["/r1", "/r1", "/r2", "/r2"], { capacityBytes: 80 * MiB });
    const [a, b] = peers as [Peer, Peer, Peer, Peer];
    const data = bytes(24 * 256 * KiB, 5);
    // Written from a: every chunk's first replica is on a, the second on /r2; b holds nothing.
    await a.fs.put(data, "/heavy", { chunkSizeBytes: 256 * KiB, replication: 2 });
    const { client, call } = await caller(b);
    try {
      const maintenance = new MaintenanceClient(call);
      await waitFor("heartbeats to advertise the 80 MiB capacity", () => a.peers().every((p) => p.capacityBytes === 80 * MiB), { timeoutMs: 5_000 });
      const run = await maintenance.balance(2, { deadlineMs: 60_000 });
      expect(run.before.deviationPct).toBeGreaterThan(2);
      expect(run.moves).toBeGreaterThan(0);
      expect(run.balanced).toBe(true);
      expect(run.after.deviationPct).toBeLessThanOrEqual(2);
      for (const peer of run.after.peers) expect(Math.abs(peer.usedPct - run.after.meanPct)).toBeLessThanOrEqual(2);
      expect(run.after.peers.find((p) => p.peer === b.id)!.usedBytes).toBeGreaterThan(0);

      const stat = await a.fs.stat("/heavy");
      for (const chunk of stat.chunks) {
        expect(new Set(chunk.replicas.map((r) => r.peer)).size).toBe(2);
        expect(new Set(chunk.replicas.map((r) => r.rack))).toEqual(new Set(["/r1", "/r2"]));
      }
      expect(Bun.hash(await b.fs.readFile("/heavy"))).toBe(Bun.hash(data));

      // Bad thresholds: refused with a clear error, and nothing moves.
      const leader = peers.find((p) => p.raft.isLeader)!;
      const usage = () => JSON.stringify(leader.maintenance.balancer.measure().peers.map((p) => [p.peer, p.usedBytes]));
      const usageBefore = usage();
      for (const threshold of [0, 101]) {
        await expect(maintenance.balanceOnce(threshold)).rejects.toThrow(/threshold must be a percentage from 1 to 100/);
        const raw = call("balance", { thresholdPct: threshold });
        await expect(raw).rejects.toThrow(/threshold must be a percentage from 1 to 100/);
      }
      expect(usage()).toBe(usageBefore);
      expect(await main(["balance", "--threshold", "0"])).toBe(2);
      expect(await main(["balance", "--threshold", "101"])).toBe(2);
    } finally {
      await client.close();
    }
  });
});

describe("decommissioning", () => {
  it("drains a peer while a client reads in a loop: no read fails, the peer ends holding nothing needed, and new chunks avoid it", async () => {
    const peers = await startCluster(["/r1", "/r1", "/r2", "/r2"], { decommissionIntervalMs: 200 });
    const [a, , c, d] = peers as [Peer, Peer, Peer, Peer];
    const data = bytes(16 * 256 * KiB, 6);
    await a.fs.put(data, "/keep", { chunkSizeBytes: 256 * KiB, replication: 3 });
    expect(d.chunkStore.usage().chunkCount).toBeGreaterThan(0);
    const { client, call } = await caller(c);
    let reads = 0;
    let failures = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        try {
          const back = await client.fs.readFile("/keep");
          if (Bun.hash(back) !== Bun.hash(data)) failures += 1;
        } catch {
          failures += 1;
        }
        reads += 1;
      }
    })();
    try {
      const maintenance = new MaintenanceClient(call);
      const settingsBefore = a.master.namespace.settingCount;
      await expect(maintenance.decommission("12D3KooWNoSuchPeerAtAllxxxxxxxxxxxxxxxxxxxxxxxxxxxx")).rejects.toThrow(/is known to the cluster/);
      expect(a.master.namespace.settingCount).toBe(settingsBefore);

      const started = await maintenance.decommission(d.id);
      expect(["decommissioning", "decommissioned"]).toContain(started.state);
      // Placement stops choosing it at once.
      const fresh = await a.fs.put(bytes(4 * 64 * KiB, 7), "/fresh", { chunkSizeBytes: 64 * KiB, replication: 3 });
      for (const chunk of fresh.chunks) expect(chunk.replicas.map((r) => r.peer)).not.toContain(d.id);
      await waitFor("the peer to be decommissioned", async () => (await maintenance.decommissionStatus(d.id)).state === "decommissioned", { timeoutMs: 30_000, intervalMs: 200 });
      await waitFor("a few more reads", () => reads >= 3, { timeoutMs: 10_000 });
    } finally {
      reading = false;
      await reader;
      await client.close();
    }
    expect(failures).toBe(0);
    // Locations are soft state: a block report the peer sent before a delete may land after
    // it, and the peer's next report corrects it. So the leader's view is polled until it
    // settles: every chunk on 3 peers, none of them the decommissioned one.
    let lastHolders: string[][] = [];
    const stat = await waitFor(
      "every chunk on 3 peers other than the decommissioned one",
      async () => {
        const now = await a.fs.stat("/keep");
        lastHolders = now.chunks.map((chunk) => chunk.replicas.map((r) => r.peer));
        return lastHolders.every((holders) => !holders.includes(d.id) && new Set(holders).size === 3) ? now : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    ).catch((err: unknown) => {
      console.log("holders:", JSON.stringify(lastHolders.map((holders) => holders.map((peer) => (peer === d.id ? "D" : peer.slice(-4))))));
      throw err;
    });
    // Nothing the file needs is left on the peer.
    const onD = chunksOnDisk(d);
    expect(stat.chunks.filter((chunk) => onD.has(chunk.id))).toEqual([]);
  });
});
