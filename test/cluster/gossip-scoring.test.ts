// Membership gossip among many peers on one address. Gossipsub's default peer score punishes
// more than 10 peers behind one IP address and graylists them at 14: on one machine (tests,
// containers, NAT) every heartbeat was then dropped and live peers were declared dead. A
// Tessera swarm admits only holders of the swarm key, so the factor is off; clients do not
// gossip at all.
import { describe, it, expect, afterEach } from "vitest";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr } from "@multiformats/multiaddr";
import { TestPeers, aliveIds, LOOPBACK } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { createHost, type PeerHost } from "../../src/net/host.ts";
import { connect } from "../../src/client/cluster.ts";
import { MEMBERSHIP_TOPIC } from "../../src/protocol/ids.ts";

// Four more than gossipsub's colocation threshold of 10 would have scored -5 × 5² = -125.
const EXTRA_HOSTS = 14;

let cluster: TestPeers;
const hosts: PeerHost[] = [];
afterEach(async () => {
  await Promise.allSettled(hosts.splice(0).map((host) => host.stop()));
  await cluster.stopAll();
});

describe("gossip among many peers on one address", () => {
  it("heartbeats keep flowing with 16 gossiping hosts on 127.0.0.1", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start({ heartbeatIntervalMs: 200 });
    const member = await cluster.start({ join: [seed.multiaddrs[0]!], heartbeatIntervalMs: 200 });
    await waitFor("2 alive", () => aliveIds(seed).length === 2, { timeoutMs: 5_000 });

    for (let i = 0; i < EXTRA_HOSTS; i++) {
      const host = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey: cluster.swarmKey, listenAddrs: [LOOPBACK] });
      hosts.push(host);
      host.services.pubsub.subscribe(MEMBERSHIP_TOPIC);
      await host.dial(multiaddr(seed.multiaddrs[0]!));
    }
    const pubsub = seed.host.services.pubsub;
    await waitFor("the seed gossips with every extra host", () => pubsub.getPeers().length >= EXTRA_HOSTS + 1, { timeoutMs: 10_000 });

    // Several heartbeat rounds of the member must reach the seed, and the seed must score it
    // well enough to accept them, while all those hosts share its address.
    const sequenceOf = () => seed.membership.table.get(member.id)!.heartbeat.sequence;
    const before = sequenceOf();
    await waitFor("five more heartbeats of the member at the seed", () => sequenceOf() >= before + 5n, { timeoutMs: 5_000 });
    expect(seed.membership.table.get(member.id)!.state).toBe("alive");
  });

  it("a client does not take part in gossip", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start();
    const client = await connect({ join: [seed.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    try {
      expect((await client.peers()).map((peer) => peer.id)).toEqual([seed.id]);
      const protocols = seed.host.getConnections().flatMap((connection) => connection.streams.map((stream) => stream.protocol));
      expect(protocols.some((protocol) => protocol?.startsWith("/meshsub/"))).toBe(false);
      expect(seed.host.services.pubsub.getPeers()).toHaveLength(0);
    } finally {
      await client.close();
    }
  });
});
