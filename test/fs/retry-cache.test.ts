// Issue 12, "Retry cache" and "Bad input": a retried call whose first answer was lost returns
// that first answer, not "exists" or "not found", and survives a leader change; a retry under
// a client id that is not the caller's is refused and changes nothing. Three in-process peers
// over real libp2p connections; a client whose transport loses the answer of a call after the
// leader carried it out and sent it (the client sees the connection break, as it would), then
// retries the call as the stock client does (src/client/meta-call.ts).
import { afterEach, describe, expect, it } from "vitest";
import { multiaddr } from "@multiformats/multiaddr";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { CallIds, metaChannel, retryingMetaCall } from "../../src/client/meta-call.ts";
import { MuxClosedError, type MuxClient } from "../../src/net/mux-rpc.ts";
import { requestKindOf, type MetaCall, type RequestKind } from "../../src/protocol/meta.ts";
import type { MetaRequest, MetaResponse } from "../../src/protocol/pb/meta.ts";
import type { Peer } from "../../src/peer/peer.ts";

let cluster: TestPeers;
const clients: ClusterClient[] = [];
/** Peers a test stopped (killed leaders); the harness stops the rest. */
const stopped = new Set<Peer>();
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await cluster.stopAll();
  stopped.clear();
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
  const client = await connect({ join: [peers[0]!.multiaddrs[0]!], swarmKey: cluster.swarmKey });
  clients.push(client);
  // Every peer's address, so the client can enter through any of them.
  for (const peer of peers) await client.host.dial(multiaddr(peer.multiaddrs[0]!));
  return client;
}

function running(): Peer[] {
  return cluster.peers.filter((peer) => !stopped.has(peer));
}

function leaderOf(peers: Peer[]): Peer | undefined {
  return peers.find((peer) => peer.raft.isLeader);
}

/**
 * A client's calls through a transport that can lose answers: the first attempt of the next
 * call of a kind given to `loseNext` is carried out by the leader and answered, and the answer
 * is lost on the way back (`lost` keeps it); `afterLoss` runs before the client sees the
 * connection break. Requests enter through `entry()`, a peer that is not the leader, so they are
 * forwarded, as most are.
 */
function lossyClient(client: ClusterClient, options: { stripCallIds?: boolean } = {}) {
  const channels = new Map<string, MuxClient<MetaRequest, MetaResponse>>();
  const attempts: MetaRequest[] = [];
  const lost: MetaResponse[] = [];
  const toLose = new Set<RequestKind>();
  let afterLoss: (() => Promise<void>) | undefined;
  const entry = () => {
    const peer = running().find((p) => !p.raft.isLeader) ?? running()[0]!;
    return peer.id;
  };
  const send = async (request: MetaRequest, timeoutMs: number): Promise<MetaResponse> => {
    const sent = options.stripCallIds ? { ...request, clientId: "", callId: 0 } : request;
    attempts.push(sent);
    const peer = entry();
    let channel = channels.get(peer);
    if (!channel) channels.set(peer, (channel = metaChannel(client.host, peer)));
    const response = await channel.call(sent, Math.min(timeoutMs, 5_000)).catch((err: unknown) => {
      channels.delete(peer);
      throw err;
    });
    const kind = requestKindOf(request)!;
    if (toLose.has(kind) && !response.error) {
      toLose.delete(kind);
      lost.push(response);
      await afterLoss?.();
      throw new MuxClosedError("the connection broke before the answer arrived");
    }
    return response;
  };
  const call: MetaCall = retryingMetaCall(send, client.calls, { deadlineMs: 20_000 });
  return {
    call,
    attempts,
    lost,
    loseNext(kind: RequestKind, then?: () => Promise<void>) {
      toLose.add(kind);
      afterLoss = then;
    },
    /** The attempts of the last call of `kind`: each with the call id of the first. */
    attemptsOf(kind: RequestKind): MetaRequest[] {
      const ofKind = attempts.filter((request) => requestKindOf(request) === kind);
      const last = ofKind[ofKind.length - 1]!;
      return ofKind.filter((request) => request.callId === last.callId && request.clientId === last.clientId);
    },
  };
}

/** Every running peer applied what the leader has. */
async function converged(): Promise<void> {
  await waitFor(
    "every running peer to apply the leader's log",
    () => {
      const leader = leaderOf(running());
      return leader !== undefined && running().every((peer) => peer.raft.appliedIndex >= leader.raft.status().commit);
    },
    { timeoutMs: 10_000 },
  );
}

describe("the retry cache across the cluster", () => {
  it("a create, a rename and a delete whose answers were lost: each retry gets the first answer, and each was carried out once", async () => {
    const peers = await threePeers();
    const client = await clientOf(peers);
    const lossy = lossyClient(client);
    await lossy.call("mkdir", { path: "/d", parents: false });

    lossy.loseNext("create");
    const created = await lossy.call("create", { path: "/d/f", replication: 0, chunkSizeBytes: 0, clientId: client.fs.clientId });
    expect(created).toEqual(lossy.lost[0]!.created);
    lossy.loseNext("rename");
    expect(await lossy.call("rename", { path: "/d/f", destination: "/d/g" })).toEqual(lossy.lost[1]!.done);
    lossy.loseNext("delete");
    const deleted = await lossy.call("delete", { path: "/d/g", recursive: false });
    expect(deleted).toEqual({ files: 1, directories: 0, chunks: 0 });
    expect(deleted).toEqual(lossy.lost[2]!.deleted);

    // Each call was sent twice under one call id, and the second attempt was answered from the record.
    for (const kind of ["create", "rename", "delete"] as const) {
      const attempts = lossy.attemptsOf(kind);
      expect(attempts).toHaveLength(2);
      expect(attempts[0]!.callId).toBeGreaterThan(0);
      expect(attempts[0]!.clientId.startsWith(`${client.host.peerId.toString()}/`)).toBe(true);
    }
    const leader = leaderOf(peers)!;
    expect(leader.meta.retries.answeredFromRecord).toBe(3);
    await converged();
    for (const peer of peers) {
      expect(peer.master.namespace.counts().files).toBe(0);
      expect(peer.master.namespace.list("/d").entries).toEqual([]);
      expect(peer.master.namespace.recordedCall(lossy.attemptsOf("delete")[0]!.clientId, lossy.attemptsOf("delete")[0]!.callId)).toMatchObject({ kind: "delete", ok: true, value: { files: 1 } });
    }

    // Without call ids (the client of before), the same lost answers give the failures the cache removes.
    const bare = lossyClient(client, { stripCallIds: true });
    await bare.call("create", { path: "/d/h", replication: 0, chunkSizeBytes: 0, clientId: client.fs.clientId });
    bare.loseNext("rename");
    await expect(bare.call("rename", { path: "/d/h", destination: "/d/i" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    bare.loseNext("delete");
    await expect(bare.call("delete", { path: "/d/i", recursive: false })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("the same, with the leader killed between the call and the retry: the next leader answers from the replicated record", async () => {
    const peers = await threePeers();
    const client = await clientOf(peers);
    const lossy = lossyClient(client);
    await lossy.call("mkdir", { path: "/d", parents: false });
    await converged();

    /** Loses the answer of the next call of `kind`, and stops the leader that sent it before the retry. */
    const killLeaderAfterAnswer = (kind: RequestKind) => {
      const leader = leaderOf(running())!;
      const dataDir = leader.dataDir.path;
      lossy.loseNext(kind, () => {
        stopped.add(leader);
        return leader.stop();
      });
      return async () => {
        const next = leaderOf(running());
        expect(next).toBeDefined();
        expect(next!.id).not.toBe(leader.id);
        expect(next!.meta.retries.answeredFromRecord).toBeGreaterThanOrEqual(1);
        // The killed peer comes back, so the group keeps three voters for the next round.
        const back = await cluster.start({ dataDir, rack: leader.rack });
        await waitFor("the restarted peer alive everywhere", () => running().every((p) => p.peers().filter((v) => v.state === "alive").length === 3), { timeoutMs: 15_000 });
        await waitFor("the restarted peer to catch up", () => back.raft.appliedIndex >= leaderOf(running())!.raft.status().commit, { timeoutMs: 15_000 });
        return next!;
      };
    };

    let check = killLeaderAfterAnswer("create");
    const created = await lossy.call("create", { path: "/d/f", replication: 0, chunkSizeBytes: 0, clientId: client.fs.clientId });
    expect(created).toEqual(lossy.lost[0]!.created);
    await check();

    check = killLeaderAfterAnswer("rename");
    expect(await lossy.call("rename", { path: "/d/f", destination: "/d/g" })).toEqual(lossy.lost[1]!.done);
    await check();

    check = killLeaderAfterAnswer("delete");
    const deleted = await lossy.call("delete", { path: "/d/g", recursive: false });
    expect(deleted).toEqual({ files: 1, directories: 0, chunks: 0 });
    expect(deleted).toEqual(lossy.lost[2]!.deleted);
    await check();

    await converged();
    for (const peer of running()) {
      expect(peer.master.namespace.counts().files).toBe(0);
      expect(peer.master.namespace.list("/d").entries).toEqual([]);
    }
  });

  it("a retry still in flight on the leader waits for the first attempt instead of carrying the call out twice", async () => {
    const peers = await threePeers();
    const client = await clientOf(peers);
    const leader = leaderOf(peers)!;
    const follower = peers.find((peer) => peer !== leader)!;
    const channel = metaChannel(client.host, follower.id);
    try {
      const calls = new CallIds(client.host.peerId.toString());
      // mkdir without parents: carried out twice, the second would find the folder.
      for (let i = 0; i < 5; i++) {
        const request: MetaRequest = { forwarded: false, caller: "", user: "", ...calls.next(), mkdir: { path: `/twice-${i}`, parents: false } };
        const answers = await Promise.all([channel.call(request, 5_000), channel.call(request, 5_000), channel.call(request, 5_000)]);
        for (const answer of answers) expect(answer).toEqual({ done: {} });
      }
      const { joinedInFlight, answeredFromRecord } = leader.meta.retries;
      expect(joinedInFlight + answeredFromRecord).toBe(10);
      expect(joinedInFlight).toBeGreaterThan(0);
      expect(leader.master.namespace.list("/").entries.map((entry) => entry.path)).toEqual(["/twice-0", "/twice-1", "/twice-2", "/twice-3", "/twice-4"]);
    } finally {
      channel.close();
    }
  });

  it("a retry under another connection's client id is refused with one sentence, and changes nothing", async () => {
    const peers = await threePeers();
    const owner = await clientOf(peers);
    const intruder = await clientOf(peers);
    const lossy = lossyClient(owner);
    lossy.loseNext("create");
    const created = await lossy.call("create", { path: "/mine", replication: 0, chunkSizeBytes: 0, clientId: owner.fs.clientId });
    const first = lossy.attemptsOf("create")[0]!;
    const leader = leaderOf(peers)!;
    await converged();
    const before = () => ({ counts: leader.master.namespace.counts(), stat: leader.master.namespace.stat("/mine"), records: leader.master.namespace.retryCacheSize });
    const state = before();
    expect(state.stat).toMatchObject({ state: "open", leaseHolder: owner.fs.clientId });

    const intruderPeer = intruder.host.peerId.toString();
    const via = metaChannel(intruder.host, peers.find((p) => p !== leader)!.id);
    const direct = metaChannel(intruder.host, leader.id);
    try {
      // The owner's call, retried from another connection: its first answer is the owner's.
      for (const channel of [via, direct]) {
        const refused = await channel.call(first, 5_000);
        expect(refused.error).toEqual({ code: "INVALID", message: `client id ${first.clientId} is not one of ${intruderPeer}'s, the peer this request came from (a client id is "<its peer id>/<random>")`, leaderHint: "" });
        expect(refused.created).toBeUndefined();
      }
      // Closing the owner's file under its lease holder's name, with a client id of its own.
      const mine = new CallIds(intruderPeer).next();
      const complete: MetaRequest = { forwarded: false, caller: "", user: "", ...mine, complete: { fileId: created.fileId, clientId: owner.fs.clientId } };
      expect((await via.call(complete, 5_000)).error).toMatchObject({ code: "INVALID", message: expect.stringContaining(`client id ${owner.fs.clientId} is not one of ${intruderPeer}'s`) });
      // A call id without its client id.
      expect((await via.call({ ...first, clientId: "" }, 5_000)).error).toMatchObject({ code: "INVALID", message: "a call id is a positive integer and comes with its client id" });
      // Claiming to be a forwarding peer acting for the owner.
      const asOwner = owner.host.peerId.toString();
      expect((await direct.call({ ...first, caller: asOwner }, 5_000)).error).toMatchObject({ code: "INVALID", message: "only a forwarded request names its caller" });
      expect((await direct.call({ ...first, forwarded: true, caller: asOwner }, 5_000)).error).toMatchObject({ code: "UNAVAILABLE", message: expect.stringContaining("as a peer of the cluster") });
    } finally {
      via.close();
      direct.close();
    }
    await converged();
    expect(before()).toEqual(state);

    // The owner's own retry is still answered with its first answer.
    const again = await owner.meta(first, 5_000);
    expect(again.created).toEqual(created);
    expect(await owner.call("complete", { fileId: created.fileId, clientId: owner.fs.clientId })).toMatchObject({ fileId: created.fileId, closed: true, sizeBytes: 0 });
  });
});
