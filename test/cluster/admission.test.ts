// Cluster admission and hostile input, over real libp2p connections on loopback.
import { describe, it, expect, afterEach } from "vitest";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr } from "@multiformats/multiaddr";
import { TestPeers, LOOPBACK, aliveIds } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { tempDir } from "../support/temp.ts";
import { startPeer, JoinRefusedError } from "../../src/peer/peer.ts";
import { createHost, GOSSIP_MESSAGE_BYTES_MAX, type PeerHost } from "../../src/net/host.ts";
import { generateSwarmKey } from "../../src/net/swarm-key.ts";
import { isSwarmKeyMismatch } from "../../src/net/encryption.ts";
import { connect, ClusterUnreachableError } from "../../src/client/cluster.ts";
import { encodeHeartbeat } from "../../src/membership/heartbeat.ts";
import { MEMBERSHIP_TOPIC, PEERS_PROTOCOL } from "../../src/protocol/ids.ts";

let cluster: TestPeers;
const hosts: PeerHost[] = [];
afterEach(async () => {
  await Promise.allSettled(hosts.splice(0).map((host) => host.stop()));
  await cluster.stopAll();
});

async function rawHost(swarmKey: Uint8Array): Promise<PeerHost> {
  const host = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey, listenAddrs: [LOOPBACK] });
  hosts.push(host);
  return host;
}

describe("admission by swarm key", () => {
  it("a peer with another swarm key cannot join, is not listed, and is told why", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start();
    const member = await cluster.start({ join: [seed.multiaddrs[0]!] });
    await waitFor("2 alive", () => aliveIds(seed).length === 2, { timeoutMs: 5_000 });

    const dir = tempDir("foreign");
    try {
      const attempt = startPeer({ dataDir: dir.path, listen: [LOOPBACK], http: false, join: [seed.multiaddrs[0]!], swarmKey: generateSwarmKey() });
      const error = await attempt.then(() => undefined, (err: unknown) => err);
      expect(error).toBeInstanceOf(JoinRefusedError);
      expect((error as Error).message).toMatch(/refused this peer's swarm key/);
    } finally {
      dir.remove();
    }
    // Give gossip two more heartbeat rounds to show a stray peer, had it got in.
    const sequenceOf = () => seed.membership.table.get(member.id)!.heartbeat.sequence;
    const before = sequenceOf();
    await waitFor("two more heartbeat rounds", () => sequenceOf() >= before + 2n, { timeoutMs: 5_000 });
    expect(aliveIds(seed)).toEqual([seed.id, member.id].sort());
  });

  it("serves no protocol to a host with another key, in either direction", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start();
    const foreign = await rawHost(generateSwarmKey());
    const inbound = await foreign.dialProtocol(multiaddr(seed.multiaddrs[0]!), PEERS_PROTOCOL).then(() => undefined, (err: unknown) => err);
    expect(isSwarmKeyMismatch(inbound)).toBe(true);
    const outbound = await seed.host.dial(foreign.getMultiaddrs()[0]!).then(() => undefined, (err: unknown) => err);
    expect(isSwarmKeyMismatch(outbound)).toBe(true);
    expect(seed.host.getConnections(foreign.peerId)).toHaveLength(0);
  });

  it("a client with another key gets one clear sentence", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start();
    const error = await connect({ join: [seed.multiaddrs[0]!], swarmKey: generateSwarmKey() }).then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(ClusterUnreachableError);
    expect((error as Error).message).toMatch(/refused our swarm key/);
  });
});

describe("hostile input from an admitted peer", () => {
  it("drops malformed and oversized heartbeats and keeps serving", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start({ heartbeatIntervalMs: 200, failureDetector: { suspectAfterMs: 600, deadAfterMs: 1_500 } });
    const rogue = await rawHost(cluster.swarmKey);
    rogue.services.pubsub.subscribe(MEMBERSHIP_TOPIC);
    await rogue.dial(multiaddr(seed.multiaddrs[0]!));
    await waitFor("the rogue to see the seed subscribed", () => rogue.services.pubsub.getSubscribers(MEMBERSHIP_TOPIC).length > 0, { timeoutMs: 5_000 });

    const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]);
    const impostor = encodeHeartbeat({
      peerId: seed.id, // claims to be the seed, but is signed by the rogue
      addresses: [],
      rack: "/evil",
      capacityBytes: 1n,
      freeBytes: 1n,
      chunkCount: 0n,
      loadMilli: 0,
      roles: [],
      incarnation: 999n,
      sequence: 999n,
      cores: 1,
      leaderTerm: 0n,
      httpAddress: "", tiers: [],
    });
    const oversized = new Uint8Array(GOSSIP_MESSAGE_BYTES_MAX + 1024);
    const honest = encodeHeartbeat({
      peerId: rogue.peerId.toString(),
      addresses: rogue.getMultiaddrs().map((address) => address.toString()),
      rack: "/rogue",
      capacityBytes: 10n,
      freeBytes: 5n,
      chunkCount: 0n,
      loadMilli: 0,
      roles: [],
      incarnation: 1n,
      sequence: 1n,
      cores: 1,
      leaderTerm: 0n,
      httpAddress: "", tiers: [],
    });
    await rogue.services.pubsub.publish(MEMBERSHIP_TOPIC, honest);
    await waitFor("the honest heartbeat to arrive", () => seed.membership.table.get(rogue.peerId.toString()), { timeoutMs: 5_000 });
    // Rejected messages lower the rogue's gossip score, so it may be ignored after them: the
    // honest heartbeat goes first, then the bad ones, counted as they are judged.
    for (const data of [impostor, garbage, oversized]) {
      await rogue.services.pubsub.publish(MEMBERSHIP_TOPIC, data).catch(() => undefined);
    }
    await waitFor("the forgery and the garbage to be rejected", () => seed.membership.malformedHeartbeats >= 2, { timeoutMs: 5_000 });

    // The seed is alive, answers requests, and the forgery changed nothing.
    const client = await connect({ join: [seed.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    try {
      const peers = await client.peers();
      expect(peers.map((peer) => peer.id).sort()).toEqual([seed.id, rogue.peerId.toString()].sort());
      expect(peers.find((peer) => peer.id === seed.id)!.rack).toBe("/default-rack");
      expect(peers.find((peer) => peer.id === seed.id)!.incarnation).toBe(1);
    } finally {
      await client.close();
    }
  });
});
