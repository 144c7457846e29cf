// The file system over real libp2p connections, peers in one process (DESIGN.md, "Data
// path"): placement across racks, local-first reads, checksum failover, restarts.
import { describe, it, expect, afterEach } from "vitest";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pattern } from "../support/bytes.ts";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { connect } from "../../src/client/cluster.ts";
import type { Peer } from "../../src/peer/peer.ts";

const MiB = 1024 * 1024;
let cluster: TestPeers;
afterEach(async () => {
  await cluster.stopAll();
});

async function threePeersTwoRacks(): Promise<Peer[]> {
  cluster = new TestPeers();
  const a = await cluster.start({ rack: "/r1" });
  await waitFor("a leader", () => a.raft.isLeader, { timeoutMs: 5_000 });
  const b = await cluster.start({ rack: "/r1", join: [a.multiaddrs[0]!] });
  const c = await cluster.start({ rack: "/r2", join: [a.multiaddrs[0]!] });
  await waitFor("3 voters and 3 peers alive everywhere", () => a.clusterStatus().voters.length === 3 && [a, b, c].every((p) => p.peers().filter((v) => v.state === "alive").length === 3), { timeoutMs: 15_000 });
  return [a, b, c];
}

describe("the file system", () => {
  it("places every chunk on 3 distinct peers across both racks, and reads back the same bytes", async () => {
    const [a, b] = await threePeersTwoRacks();
    const data = pattern(9 * MiB + 12345, 1);
    const client = await connect({ join: [b!.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    try {
      await client.fs.mkdir("/data");
      await client.fs.put(data, "/data/f", { chunkSizeBytes: 2 * MiB });
      const stat = await client.fs.stat("/data/f");
      expect(stat.size).toBe(data.length);
      expect(stat.replication).toBe(3);
      expect(stat.chunkSize).toBe(2 * MiB);
      expect(stat.chunks).toHaveLength(5);
      for (const chunk of stat.chunks) {
        expect(new Set(chunk.replicas.map((r) => r.peer)).size).toBe(3);
        expect(new Set(chunk.replicas.map((r) => r.rack))).toEqual(new Set(["/r1", "/r2"]));
      }
      expect(Bun.hash(await client.fs.readFile("/data/f"))).toBe(Bun.hash(data));
      // The namespace is the same seen from a peer's own client.
      expect((await a!.fs.stat("/data/f")).size).toBe(data.length);
    } finally {
      await client.close();
    }
  });

  it("a client on a peer holding a replica reads it from its own disk, with no network read", async () => {
    const [a, b, c] = await threePeersTwoRacks();
    const data = pattern(5 * MiB, 2);
    await a!.fs.put(data, "/local", { chunkSizeBytes: MiB });
    const served = () => [a!, b!, c!].reduce((sum, peer) => sum + peer.data.stats.read.bytesServed, 0);
    const before = served();
    const back = await a!.fs.readFile("/local");
    expect(Bun.hash(back)).toBe(Bun.hash(data));
    // Every chunk has a replica on a (the writer's peer is placed first): all read locally.
    expect(a!.fs.readCounters.localBytes).toBe(data.length);
    expect(a!.fs.readCounters.remoteBytes).toBe(0);
    expect(served()).toBe(before);
  });

  it("a replica with flipped bytes on disk is skipped, reported to the master, and the bytes read stay right", async () => {
    const [a, b] = await threePeersTwoRacks();
    const data = pattern(3 * MiB, 3);
    await b!.fs.put(data, "/flip", { chunkSizeBytes: 4 * MiB });
    const stat = await a!.fs.stat("/flip");
    const chunk = stat.chunks[0]!;
    // Damage b's replica (b wrote the file, so b holds the first replica and reads it first).
    const chunkDir = join(b!.dataDir.path, "chunks");
    const dataFile = readdirSync(chunkDir, { recursive: true }).map(String).find((name) => name.endsWith(`${chunk.id}_${chunk.version}.chunk`))!;
    const path = join(chunkDir, dataFile);
    const bytes = new Uint8Array(readFileSync(path));
    bytes[1000] ^= 0xff;
    bytes[2 * MiB + 7] ^= 0x55;
    writeFileSync(path, bytes);

    const back = await b!.fs.readFile("/flip");
    expect(Bun.hash(back)).toBe(Bun.hash(data));
    expect(b!.fs.readCounters.checksumFailovers).toBe(1);
    // The master dropped the bad replica from the chunk's locations.
    await waitFor("the bad replica to leave the locations", async () => {
      const now = await a!.fs.stat("/flip");
      return now.chunks[0]!.replicas.every((replica) => replica.peer !== b!.id) && now.chunks[0]!.replicas.length === 2;
    }, { timeoutMs: 5_000 });
  });

  it("keeps the namespace and every byte across a restart of every peer", async () => {
    const peers = await threePeersTwoRacks();
    const data = pattern(4 * MiB + 3, 4);
    await peers[1]!.fs.mkdir("/keep/deep", { parents: true });
    await peers[1]!.fs.put(data, "/keep/deep/file", { chunkSizeBytes: MiB });
    const dirs = peers.map((peer) => ({ dir: peer.dataDir.path, rack: peer.rack }));
    await Promise.all(peers.map((peer) => peer.stop()));
    const restarted: Peer[] = [];
    for (const { dir, rack } of dirs) restarted.push(await cluster.start({ dataDir: dir, rack }));
    await waitFor("a leader after the restart", () => restarted.some((peer) => peer.raft.isLeader), { timeoutMs: 15_000 });
    // The replicas are where they were; the leader serves them once it hears the peers again.
    await waitFor("every peer alive in every table", () => restarted.every((peer) => peer.peers().filter((view) => view.state === "alive").length === 3), { timeoutMs: 15_000 });
    const listing = await restarted[2]!.fs.list("/", { recursive: true });
    expect(listing.map((entry) => entry.path)).toEqual(["/keep", "/keep/deep", "/keep/deep/file"]);
    expect(Bun.hash(await restarted[2]!.fs.readFile("/keep/deep/file"))).toBe(Bun.hash(data));
  });

  it("a put answers the status a stat gives after it: an empty file is one commit; otherwise the create places the first chunk and the last commit closes the file", async () => {
    const [a, b] = await threePeersTwoRacks();
    const client = await connect({ join: [b!.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    try {
      await client.fs.mkdir("/p");
      const commits = async (run: () => Promise<unknown>) => {
        // Start from a quiet log: a voter change is in the configuration once appended, and its
        // entry may still be committing (an entry counted here that no put made).
        await waitFor("the leader's log to be committed and applied", () => {
          const status = a!.raft.status();
          return status.commit === status.lastIndex && status.applied === status.commit;
        }, { timeoutMs: 5_000 });
        const before = a!.raft.appliedIndex;
        await run();
        await waitFor("the leader to apply what it committed", () => a!.raft.appliedIndex >= a!.clusterStatus().commitIndex, { timeoutMs: 5_000 });
        return a!.raft.appliedIndex - before;
      };
      let empty!: Awaited<ReturnType<typeof client.fs.put>>;
      // An empty file: created closed, one entry; no stat after it.
      expect(await commits(async () => (empty = await client.fs.put(new Uint8Array(0), "/p/empty")))).toBe(1);
      expect(empty).toEqual(await client.fs.stat("/p/empty"));
      expect(empty).toMatchObject({ kind: "file", size: 0, state: "closed", chunks: [] });
      // Three chunks from a stream whose pieces do not line up with chunks: the create with the
      // first chunk, its commit, then an addChunk and a commit per chunk, the last closing the file.
      const data = pattern(2 * MiB + 777, 9);
      async function* pieces() {
        for (let at = 0; at < data.length; at += 300_000) yield data.subarray(at, Math.min(at + 300_000, data.length));
      }
      let streamed!: Awaited<ReturnType<typeof client.fs.put>>;
      expect(await commits(async () => (streamed = await client.fs.put(pieces(), "/p/streamed", { chunkSizeBytes: MiB })))).toBe(1 + 1 + 2 * 2);
      expect(streamed).toEqual(await client.fs.stat("/p/streamed"));
      expect(streamed).toMatchObject({ size: data.length, state: "closed" });
      expect(streamed.chunks.map((chunk) => chunk.size)).toEqual([MiB, MiB, 777]);
      // A source that ends exactly on a chunk boundary: its last full chunk closes the file.
      expect(await commits(() => client.fs.put(pieces2(data.subarray(0, 2 * MiB)), "/p/even", { chunkSizeBytes: MiB }))).toBe(1 + 1 + 2 * 1);
      expect(await client.fs.stat("/p/even")).toMatchObject({ size: 2 * MiB, state: "closed" });
      // An append: reopen, a chunk, its commit closing; the answer is the whole file.
      const appended = await client.fs.append(data.subarray(0, 1000), "/p/streamed");
      expect(appended).toEqual(await client.fs.stat("/p/streamed"));
      expect(appended.size).toBe(data.length + 1000);
      // Appending nothing still closes the file.
      expect(await client.fs.append(new Uint8Array(0), "/p/streamed")).toEqual(await client.fs.stat("/p/streamed"));
      expect(Bun.hash(await client.fs.readFile("/p/streamed"))).toBe(Bun.hash(Buffer.concat([data, data.subarray(0, 1000)])));
    } finally {
      await client.close();
    }
    async function* pieces2(bytes: Uint8Array) {
      yield bytes.subarray(0, MiB);
      yield bytes.subarray(MiB);
    }
  });

  it("appends to an existing file under the writer lease", async () => {
    const [a] = await threePeersTwoRacks();
    const first = pattern(MiB + 5, 5);
    const second = pattern(2 * MiB, 6);
    await a!.fs.put(first, "/log", { chunkSizeBytes: MiB });
    await a!.fs.append(second, "/log");
    const back = await a!.fs.readFile("/log");
    expect(back.length).toBe(first.length + second.length);
    expect(Bun.hash(back)).toBe(Bun.hash(Buffer.concat([first, second])));
  });
});
