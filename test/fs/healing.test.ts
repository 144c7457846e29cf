// Self-healing replication with in-process peers (GFS §4.3 "Creation, Re-replication,
// Rebalancing"; HDFS fsck): a lost peer's chunks are copied back to the replication across
// racks, the most endangered first; a peer that returns has its surplus trimmed; fsck and
// report show it all.
import { describe, it, expect, afterEach } from "vitest";
import { pattern } from "../support/bytes.ts";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import type { Peer } from "../../src/peer/peer.ts";
import type { StatView } from "../../src/client/fs.ts";

const KiB = 1024;
const CHUNK = 64 * KiB;
const TIMINGS = { heartbeatIntervalMs: 200, failureDetector: { suspectAfterMs: 600, deadAfterMs: 1_500 }, blockReportIntervalMs: 100, masters: 5 };
const RACKS = ["/r1", "/r1", "/r1", "/r2", "/r2"];

let cluster: TestPeers;
let client: ClusterClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await cluster.stopAll();
});

async function fivePeers(): Promise<Peer[]> {
  cluster = new TestPeers();
  const first = await cluster.start({ rack: RACKS[0], ...TIMINGS });
  await waitFor("a leader", () => first.raft.isLeader, { timeoutMs: 5_000 });
  const peers = [first];
  for (const rack of RACKS.slice(1)) peers.push(await cluster.start({ rack, join: [first.multiaddrs[0]!], ...TIMINGS }));
  await waitFor("5 voters and every peer alive everywhere", () => first.clusterStatus().voters.length === 5 && peers.every((p) => p.peers().filter((v) => v.state === "alive").length === 5), { timeoutMs: 30_000, intervalMs: 100 });
  return peers;
}

const leaderOf = (peers: Peer[]) => peers.find((peer) => peer.raft.isLeader)!;
/**
 * A repair counter summed over every peer: on a loaded machine an election may move the
 * leadership (and the rest of the repairs) to another peer mid-test, and each leader counts
 * only its own.
 */
const repairTotal = (peers: Peer[], counter: "repairedChunks" | "deletedReplicas") => peers.reduce((sum, peer) => sum + peer.replication.view()[counter], 0);

/** Every chunk on `replication` distinct live peers spanning both racks. */
function wellPlaced(stat: StatView, alive: Set<string>): boolean {
  return stat.chunks.every((chunk) => {
    const held = chunk.replicas.map((replica) => replica.peer);
    return held.length === stat.replication && new Set(held).size === held.length && held.every((peer) => alive.has(peer)) && new Set(chunk.replicas.map((replica) => replica.rack)).size === 2;
  });
}

describe("self-healing replication", () => {
  it("a stopped peer: fsck says UNDER_REPLICATED, then HEALTHY with every chunk on 3 live peers on 2 racks and the bytes unchanged; when it returns the surplus is trimmed", async () => {
    const peers = await fivePeers();
    const leader = leaderOf(peers);
    client = await connect({ join: [leader.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    const files = [pattern(24 * CHUNK + 100, 1), pattern(16 * CHUNK, 2)];
    await client.fs.mkdir("/heal");
    for (const [i, data] of files.entries()) await client.fs.put(data, `/heal/f${i}`, { chunkSizeBytes: CHUNK });

    const before = await client.admin.fsck("/");
    expect(before).toMatchObject({ status: "HEALTHY", files: 2, chunks: 41, underReplicated: 0, corrupt: 0, missing: 0, unhealthyFiles: [] });
    const report = await client.admin.report();
    expect(report.livePeers).toBe(5);
    expect(report.peers).toHaveLength(5);
    expect(report.capacityBytes).toBeGreaterThan(0);
    expect(report.peers.reduce((sum, peer) => sum + peer.chunks, 0)).toBe(41 * 3);
    expect(report.usedBytes).toBe(3 * files.reduce((sum, data) => sum + data.length, 0));
    await expect(client.admin.fsck("/no/such/path")).rejects.toThrow(/does not exist/);

    // Stop a peer that holds replicas (not the leader, through which the client talks).
    const victim = peers.find((peer) => peer !== leader)!;
    const victimDir = victim.dataDir.path;
    const victimRack = victim.rack;
    await victim.stop();
    const under = await waitFor("fsck to see the lost replicas", async () => {
      const result = await client!.admin.fsck("/heal");
      return result.status === "UNDER_REPLICATED" ? result : undefined;
    }, { timeoutMs: 5_000, intervalMs: 50 });
    expect(under.underReplicated).toBeGreaterThan(0);
    expect(under.unhealthyFiles.map((file) => file.status)).toContain("UNDER_REPLICATED");
    const stoppedAt = performance.now();
    await waitFor("fsck HEALTHY again", async () => (await client!.admin.fsck("/")).status === "HEALTHY", { timeoutMs: 20_000, intervalMs: 100 });
    console.log(`healed ${repairTotal(peers, "repairedChunks")} chunks ${Math.round(performance.now() - stoppedAt)} ms after fsck first saw them under-replicated`);
    const alive = new Set(peers.filter((peer) => peer !== victim).map((peer) => peer.id));
    for (let i = 0; i < files.length; i++) {
      expect(wellPlaced(await client.fs.stat(`/heal/f${i}`), alive)).toBe(true);
      expect(Bun.hash(await client.fs.readFile(`/heal/f${i}`))).toBe(Bun.hash(files[i]!));
    }
    // At least every lost replica; a leader change may repeat a copy that was in flight.
    expect(repairTotal(peers, "repairedChunks")).toBeGreaterThanOrEqual(under.underReplicated);

    // The peer returns with its old replicas: those chunks now have 4 live copies, and the
    // replicator deletes one of each, keeping both racks.
    const returned = await cluster.start({ dataDir: victimDir, rack: victimRack, ...TIMINGS });
    await waitFor("the returned peer alive on the leader", () => leaderOf(peers.filter((peer) => peer !== victim))?.membership.table.get(returned.id)?.state === "alive", { timeoutMs: 10_000 });
    await waitFor("the surplus trimmed", async () => {
      const result = await client!.admin.fsck("/");
      return result.status === "HEALTHY" && result.overReplicated === 0 && repairTotal(peers, "deletedReplicas") > 0;
    }, { timeoutMs: 15_000, intervalMs: 100 });
    const everyone = new Set([...alive, returned.id]);
    for (let i = 0; i < files.length; i++) {
      expect(wellPlaced(await client.fs.stat(`/heal/f${i}`), everyone)).toBe(true);
      expect(Bun.hash(await client.fs.readFile(`/heal/f${i}`))).toBe(Bun.hash(files[i]!));
    }
    expect(repairTotal(peers, "deletedReplicas")).toBeGreaterThanOrEqual(under.underReplicated);
  }, 120_000);

  it("GFS §4.3: two peers stopped at once — chunks left with one copy are repaired before chunks left with two", async () => {
    const peers = await fivePeers();
    const leader = leaderOf(peers);
    client = await connect({ join: [leader.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    for (let i = 0; i < 3; i++) await client.fs.put(pattern(20 * CHUNK, 10 + i), `/two-${i}`, { chunkSizeBytes: CHUNK });
    const stats = await Promise.all([0, 1, 2].map((i) => client!.fs.stat(`/two-${i}`)));
    const chunks = stats.flatMap((stat) => stat.chunks);

    // Two non-leader peers whose loss leaves both kinds of chunks, and both racks alive.
    const others = peers.filter((peer) => peer !== leader);
    let pair: [Peer, Peer] | undefined;
    let best = 0;
    for (let i = 0; i < others.length; i++) {
      for (let j = i + 1; j < others.length; j++) {
        const [p, q] = [others[i]!, others[j]!];
        const left = peers.filter((peer) => peer !== p && peer !== q);
        if (new Set(left.map((peer) => peer.rack)).size < 2) continue;
        const lost = chunks.map((chunk) => chunk.replicas.filter((r) => r.peer === p.id || r.peer === q.id).length);
        const score = Math.min(lost.filter((n) => n === 2).length, lost.filter((n) => n === 1).length);
        if (score > best) [best, pair] = [score, [p, q]];
      }
    }
    expect(pair).toBeDefined();
    leader.replication.setPaused(true);
    await Promise.all(pair!.map((peer) => peer.stop()));
    await waitFor("both peers dead on the leader", () => pair!.every((peer) => leader.membership.table.get(peer.id)?.state === "dead"), { timeoutMs: 10_000 });
    leader.replication.setPaused(false);
    await waitFor("fsck HEALTHY again", async () => (await client!.admin.fsck("/")).status === "HEALTHY", { timeoutMs: 30_000, intervalMs: 100 });

    const history = leader.replication.view().history.filter((record) => record.ok);
    const ones = history.filter((record) => record.liveBefore === 1).length;
    const twos = history.filter((record) => record.liveBefore === 2).length;
    console.log(`repair order (live copies before): ${history.map((record) => record.liveBefore).join("")}`);
    expect(ones).toBeGreaterThan(0);
    expect(twos).toBeGreaterThan(0);
    // The queue is in priority order (strictly checked on the pure planner,
    // test/master/replication.test.ts); here a one-copy chunk whose only source is busy with
    // another copy (the throttles) waits while two-copy chunks go, so how many pairs come out
    // of order depends on timing (a CI run on a fresh clone measured 11%). What holds
    // whatever the timing is the shape: a one-copy chunk first, and most one-copy repairs
    // before most two-copy ones (in every run, under a quarter of the pairs out of order).
    expect(history[0]!.liveBefore).toBe(1);
    let inversions = 0;
    for (let i = 0; i < history.length; i++) for (let j = i + 1; j < history.length; j++) if (history[i]!.liveBefore === 2 && history[j]!.liveBefore === 1) inversions++;
    expect(inversions / (ones * twos)).toBeLessThan(0.25);
    const alive = new Set(peers.filter((peer) => !pair!.includes(peer)).map((peer) => peer.id));
    for (let i = 0; i < 3; i++) {
      expect(wellPlaced(await client.fs.stat(`/two-${i}`), alive)).toBe(true);
      expect(Bun.hash(await client.fs.readFile(`/two-${i}`))).toBe(Bun.hash(pattern(20 * CHUNK, 10 + i)));
    }
  }, 120_000);
});
