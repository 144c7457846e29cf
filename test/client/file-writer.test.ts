// Several chunks of one file in flight (issue 13, client/file-writer.ts), over real libp2p
// connections with the peers in one process and a client that is not a peer: the bytes read
// back exact, the file is spread evenly over the peers, and a pipeline that fails mid-write
// is rebuilt (or the write fails and leaves no file behind).
import { describe, it, expect, afterEach } from "vitest";
import { pattern } from "../support/bytes.ts";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { FileSystemClient, FsError } from "../../src/client/fs.ts";
import type { MetaCall } from "../../src/protocol/meta.ts";
import type { Peer } from "../../src/peer/peer.ts";

const MiB = 1024 * 1024;
let cluster: TestPeers;
let client: ClusterClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await cluster.stopAll();
});

async function threePeers(): Promise<Peer[]> {
  cluster = new TestPeers();
  const a = await cluster.start({ rack: "/r1" });
  await waitFor("a leader", () => a.raft.isLeader, { timeoutMs: 5_000 });
  const b = await cluster.start({ rack: "/r1", join: [a.multiaddrs[0]!] });
  const c = await cluster.start({ rack: "/r2", join: [a.multiaddrs[0]!] });
  await waitFor("3 voters and 3 peers alive everywhere", () => a.clusterStatus().voters.length === 3 && [a, b, c].every((p) => p.peers().filter((v) => v.state === "alive").length === 3), { timeoutMs: 15_000 });
  return [a, b, c];
}

/** A file system client over `outside`'s connection whose metadata calls are watched. */
function watchedClient(outside: ClusterClient) {
  const calls: string[] = [];
  let uncommitted = 0;
  let uncommittedMax = 0;
  const call = (async (kind, body) => {
    calls.push(kind);
    const answer = await outside.call(kind, body);
    if (kind === "addChunk" || (kind === "create" && (body as { withFirstChunk?: boolean }).withFirstChunk)) uncommittedMax = Math.max(uncommittedMax, ++uncommitted);
    if (kind === "commitChunk") uncommitted -= 1;
    return answer;
  }) as MetaCall;
  const fs = new FileSystemClient({ host: outside.host, call });
  return { fs, calls, get uncommittedMax() { return uncommittedMax; } };
}

describe("writes with several chunks in flight", () => {
  it("a 24 MiB file in 1 MiB chunks from a client that is not a peer reads back exact and lands 8/8/8 at replication 1", async () => {
    const [, b] = await threePeers();
    client = await connect({ join: [b!.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    const watched = watchedClient(client);
    const data = pattern(24 * MiB, 3);
    const stat = await watched.fs.put(data, "/spread", { chunkSizeBytes: MiB, replication: 1, chunksInFlight: 4 });
    expect(stat).toMatchObject({ size: data.length, state: "closed" });
    // Several chunks were allocated before the ones before them committed, never more than asked.
    expect(watched.uncommittedMax).toBeGreaterThanOrEqual(2);
    expect(watched.uncommittedMax).toBeLessThanOrEqual(4);
    const after = await client.fs.stat("/spread");
    expect(after.chunks.map((chunk) => chunk.index)).toEqual([...Array(24).keys()]);
    expect(after.chunks.every((chunk) => chunk.committed && chunk.size === MiB)).toBe(true);
    const perPeer = new Map<string, number>();
    for (const chunk of after.chunks) perPeer.set(chunk.replicas[0]!.peer, (perPeer.get(chunk.replicas[0]!.peer) ?? 0) + 1);
    expect([...perPeer.values()]).toEqual([8, 8, 8]);
    expect(Bun.hash(await client.fs.readFile("/spread"))).toBe(Bun.hash(data));
  });

  it("a streamed file whose last chunk is short, and an append, with chunks in flight", async () => {
    const [a] = await threePeers();
    client = await connect({ join: [a!.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    const data = pattern(7 * MiB + 4321, 4);
    async function* pieces() {
      for (let at = 0; at < data.length; at += 300_000) yield data.subarray(at, Math.min(at + 300_000, data.length));
    }
    const stat = await client.fs.put(pieces(), "/streamed", { chunkSizeBytes: MiB, replication: 2, chunksInFlight: 3 });
    expect(stat.chunks.map((chunk) => chunk.size)).toEqual([MiB, MiB, MiB, MiB, MiB, MiB, MiB, 4321]);
    const more = pattern(3 * MiB, 5);
    const appended = await client.fs.append(more, "/streamed", { chunksInFlight: 2 });
    expect(appended.size).toBe(data.length + more.length);
    expect(Bun.hash(await client.fs.readFile("/streamed"))).toBe(Bun.hash(Buffer.concat([data, more])));
    await expect(client.fs.put(data, "/bad", { chunksInFlight: 0 })).rejects.toBeInstanceOf(FsError);
  });

  it("a peer stopped mid-write: the chunks in flight through it are rebuilt without it and the file reads back exact", async () => {
    const [a, b, c] = await threePeers();
    client = await connect({ join: [a!.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    const watched = watchedClient(client);
    const data = pattern(16 * MiB, 6);
    let stopped = false;
    async function* pieces() {
      for (let at = 0; at < data.length; at += 512 * 1024) {
        // A third of the way in, with chunks in flight, one replica holder goes away.
        if (at === 5 * MiB) {
          await c!.stop();
          stopped = true;
        }
        yield data.subarray(at, at + 512 * 1024);
      }
    }
    const stat = await watched.fs.put(pieces(), "/survives", { chunkSizeBytes: MiB, replication: 2, chunksInFlight: 4 });
    expect(stopped).toBe(true);
    expect(stat).toMatchObject({ size: data.length, state: "closed" });
    expect(watched.calls.filter((kind) => kind === "bumpChunk").length).toBeGreaterThanOrEqual(1);
    // Every chunk written after the stop has its replicas on the peers that stayed.
    const after = await client.fs.stat("/survives");
    expect(after.chunks).toHaveLength(16);
    for (const chunk of after.chunks.slice(8)) expect(chunk.replicas.map((r) => r.peer).sort()).toEqual([a!.id, b!.id].sort());
    expect(Bun.hash(await client.fs.readFile("/survives"))).toBe(Bun.hash(data));
  });

  it("a source that fails mid-write: the put fails with its error, the chunks in flight are dropped and no file is left", async () => {
    const [a] = await threePeers();
    client = await connect({ join: [a!.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    const watched = watchedClient(client);
    const data = pattern(6 * MiB, 7);
    async function* pieces() {
      yield data;
      throw new Error("the source broke");
    }
    await expect(watched.fs.put(pieces(), "/broken", { chunkSizeBytes: MiB, replication: 1, chunksInFlight: 4 })).rejects.toThrow("the source broke");
    await expect(client.fs.stat("/broken")).rejects.toMatchObject({ code: "NOT_FOUND" });
    // Whatever was in flight was committed or abandoned, then the file deleted: no chunk is left.
    expect(watched.calls.at(-1)).toBe("delete");
    expect((await client.call("report", {})).chunks).toBe(0);
  });
});
