// Issue 12, "Bad input": a batch over its size bound and a listing cursor carried to another
// leader, each answered clearly and changing nothing. (A retry under a forged client id is in
// retry-cache.test.ts; a cursor from another folder and a page over its bound in bulk.test.ts.)
// Three in-process peers over real libp2p connections, and a client that speaks the meta
// protocol directly, as any program on the wire can.
import { afterEach, describe, expect, it } from "vitest";
import { multiaddr } from "@multiformats/multiaddr";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { CallIds, metaChannel } from "../../src/client/meta-call.ts";
import { META_REQUEST_LIMITS } from "../../src/protocol/meta.ts";
import { META_RPC_LIMITS } from "../../src/protocol/limits.ts";
import type { MetaRequest } from "../../src/protocol/pb/meta.ts";
import type { Peer } from "../../src/peer/peer.ts";
import type { StatView } from "../../src/client/fs.ts";

let cluster: TestPeers;
const clients: ClusterClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await cluster.stopAll();
});

async function threePeers(): Promise<Peer[]> {
  cluster = new TestPeers();
  const a = await cluster.start({ rack: "/r1" });
  await waitFor("a leader", () => a.raft.isLeader, { timeoutMs: 5_000 });
  const b = await cluster.start({ rack: "/r1", join: [a.multiaddrs[0]!] });
  const c = await cluster.start({ rack: "/r2", join: [a.multiaddrs[0]!] });
  await waitFor("3 voters, 3 peers alive everywhere", () => a.clusterStatus().voters.length === 3 && [a, b, c].every((p) => p.peers().filter((v) => v.state === "alive").length === 3), { timeoutMs: 15_000 });
  return [a, b, c];
}

async function clientOf(peers: Peer[]): Promise<ClusterClient> {
  // Every peer's address to join by, as an HDFS client names every NameNode: the client moves
  // to the next one when its entry peer goes away.
  const client = await connect({ join: peers.map((peer) => peer.multiaddrs[0]!), swarmKey: cluster.swarmKey });
  clients.push(client);
  for (const peer of peers) await client.host.dial(multiaddr(peer.multiaddrs[0]!));
  return client;
}

const leaderOf = (peers: Peer[]) => peers.find((peer) => peer.raft.isLeader);

describe("bad input to the metadata service", () => {
  it("a batch over its bound is refused alone with one sentence; the stream carries on and nothing changes", async () => {
    const peers = await threePeers();
    const client = await clientOf(peers);
    const created = await client.call("create", { path: "/open", replication: 0, chunkSizeBytes: 0, clientId: client.fs.clientId });
    const leader = leaderOf(peers)!;
    const state = () => ({ commit: leader.raft.status().commit, counts: leader.master.namespace.counts(), stat: leader.master.namespace.stat("/open"), records: leader.master.namespace.retryCacheSize });
    const before = state();

    const channel = metaChannel(client.host, leader.id);
    const calls = new CallIds(client.host.peerId.toString());
    try {
      // The peers a writer excludes from a new chunk's pipeline are a batch bounded at decode.
      const excludePeersMax = META_REQUEST_LIMITS.addChunk.excludePeers;
      const tooMany: MetaRequest = {
        forwarded: false,
        caller: "", user: "",
        ...calls.next(),
        addChunk: { path: "/open", writerPeer: "", fileId: created.fileId, clientId: client.fs.clientId, excludePeers: Array.from({ length: excludePeersMax + 1 }, (_, i) => `peer-${i}`) },
      };
      const refused = await channel.call(tooMany, 5_000);
      expect(refused.error?.code).toBe("INVALID");
      expect(refused.error?.message).toMatch(/^the request does not decode: .*excludePeers/);
      expect(refused.chunk).toBeUndefined();

      // A request over the message bound is refused before it leaves, and alone: a call on the
      // same stream still gets its answer.
      const hugePath = `/${"x".repeat(META_RPC_LIMITS.messageBytesMax)}`;
      const oversized = channel.call({ forwarded: false, caller: "", user: "", ...calls.next(), mkdir: { path: hugePath, parents: false } }, 5_000);
      await expect(oversized).rejects.toMatchObject({ code: "INVALID", message: expect.stringMatching(new RegExp(`^the request is \\d+ bytes, over the bound of ${META_RPC_LIMITS.messageBytesMax} bytes of /tessera/meta/`)) });
      const status = await channel.call({ forwarded: false, caller: "", user: "", clientId: "", callId: 0, status: {} }, 5_000);
      expect(status.error).toBeUndefined();
      expect(status.status?.voters).toHaveLength(3);
    } finally {
      channel.close();
    }
    // The stock client gives the same sentence once, without retrying until its deadline.
    const startedMs = performance.now();
    await expect(client.fs.mkdir(`/${"y".repeat(META_RPC_LIMITS.messageBytesMax)}`)).rejects.toMatchObject({ code: "INVALID" });
    expect(performance.now() - startedMs).toBeLessThan(2_000);
    expect(state()).toEqual(before);
  });

  it("a listing cursor is a name, not a leader's state: pages continue under the next leader, none missed or repeated", async () => {
    const peers = await threePeers();
    const client = await clientOf(peers);
    const names = Array.from({ length: 60 }, (_, i) => `/many/f${String(i).padStart(2, "0")}`);
    await client.fs.putMany(names.map((path) => ({ path, source: new Uint8Array(0) })), { inFlight: 16 });
    const oldLeader = leaderOf(peers)!;
    const pages: StatView[][] = [];
    for await (const page of client.fs.listPages("/many", { entriesPerPage: 7 })) {
      pages.push(page);
      if (pages.length === 2) {
        // The leader that served the cursor goes away; the next page comes from its successor.
        await oldLeader.stop();
        const rest = peers.filter((peer) => peer !== oldLeader);
        await waitFor("a new leader", () => leaderOf(rest) !== undefined, { timeoutMs: 15_000 });
      }
    }
    expect(pages.flat().map((entry) => entry.path)).toEqual(names);
    // A cursor that names an entry removed since (by the old leader's successor) still resumes
    // after it, in name order.
    await client.fs.rm("/many/f30");
    const resumed = (await Array.fromAsync(client.fs.listPages("/many", { after: "/many/f30", entriesPerPage: 100 }))).flat();
    expect(resumed.map((entry) => entry.path)).toEqual(names.slice(31));
  });
});
