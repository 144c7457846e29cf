// The masters over real libp2p connections, peers in one process: the first peer
// bootstraps, the leader grows the voter set, requests enter through any peer, and a dead
// voter is replaced.
import { describe, it, expect, afterEach } from "vitest";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { connect } from "../../src/client/cluster.ts";
import type { Peer } from "../../src/peer/peer.ts";

let cluster: TestPeers;
afterEach(async () => {
  await cluster.stopAll();
});

const text = (value: Uint8Array | undefined) => (value ? new TextDecoder().decode(value) : undefined);
const leaderOf = (peers: Peer[]) => peers.find((peer) => peer.raft.isLeader);

describe("the masters", () => {
  it("the first peer leads alone, then the voter set grows to 3 on distinct racks first", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start({ rack: "/r1" });
    await waitFor("the seed to lead", () => seed.raft.isLeader, { timeoutMs: 5_000 });
    expect(seed.clusterStatus().voters).toEqual([seed.id]);
    const sameRack = await cluster.start({ rack: "/r1", join: [seed.multiaddrs[0]!] });
    await waitFor("a second voter", () => seed.clusterStatus().voters.length === 2, { timeoutMs: 10_000 });
    const otherRack = await cluster.start({ rack: "/r2", join: [seed.multiaddrs[0]!] });
    const fourth = await cluster.start({ rack: "/r1", join: [seed.multiaddrs[0]!] });
    await waitFor("3 voters", () => seed.clusterStatus().voters.length === 3 && seed.clusterStatus().learners.length === 0, { timeoutMs: 10_000 });
    const voters = seed.clusterStatus().voters;
    // The /r2 peer is preferred over the second /r1 peer for the third seat.
    expect(voters).toContain(otherRack.id);
    expect(voters).toContain(sameRack.id);
    expect(voters).not.toContain(fourth.id);
    // Every member agrees on the configuration; the peer outside it knows the leader by gossip.
    await waitFor("all voters to know the voters", () => [seed, sameRack, otherRack].every((peer) => peer.clusterStatus().voters.join() === voters.join()), { timeoutMs: 5_000 });
    await waitFor("the non-voter to know the leader", () => fourth.membership.gossipedLeader() === seed.id, { timeoutMs: 5_000 });
  });

  it("a client entering through a non-voter writes and reads linearizably", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start();
    await waitFor("the seed to lead", () => seed.raft.isLeader, { timeoutMs: 5_000 });
    const others = [];
    for (let i = 0; i < 3; i++) others.push(await cluster.start({ join: [seed.multiaddrs[0]!] }));
    await waitFor("3 voters", () => seed.clusterStatus().voters.length === 3, { timeoutMs: 10_000 });
    const nonVoter = others.find((peer) => !seed.clusterStatus().voters.includes(peer.id))!;
    const client = await connect({ join: [nonVoter.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    try {
      for (let i = 0; i < 20; i++) await client.setSetting(`key-${i}`, new TextEncoder().encode(`value-${i}`));
      expect(text(await client.getSetting("key-7"))).toBe("value-7");
      expect(await client.getSetting("missing")).toBeUndefined();
      const status = await client.status();
      expect(status.leader).toBe(seed.id);
      expect(status.commitIndex).toBeGreaterThanOrEqual(20);
      expect(status.progress.filter((p) => !p.learner).every((p) => p.matchIndex === status.commitIndex)).toBe(true);
      // Applied on every voter, not only the leader.
      await waitFor("every voter to apply", () => cluster.peers.filter((peer) => status.voters.includes(peer.id)).every((peer) => text(peer.master.getSetting("key-19")) === "value-19"), { timeoutMs: 5_000 });
    } finally {
      await client.close();
    }
  });

  it("replaces a voter that stays silent past the threshold with a live peer", async () => {
    cluster = new TestPeers();
    const timings = { heartbeatIntervalMs: 200, failureDetector: { suspectAfterMs: 600, deadAfterMs: 1_200 }, voterDeadAfterMs: 2_000 };
    const seed = await cluster.start(timings);
    await waitFor("the seed to lead", () => seed.raft.isLeader, { timeoutMs: 5_000 });
    for (let i = 0; i < 3; i++) await cluster.start({ ...timings, join: [seed.multiaddrs[0]!] });
    await waitFor("3 voters", () => seed.clusterStatus().voters.length === 3, { timeoutMs: 10_000 });
    const victim = cluster.peers.find((peer) => peer !== seed && seed.clusterStatus().voters.includes(peer.id))!;
    const stoppedAt = performance.now();
    await victim.stop();
    const live = () => cluster.peers.filter((peer) => peer !== victim);
    await waitFor(
      "3 live voters again",
      () => {
        const leader = leaderOf(live());
        const status = leader?.clusterStatus();
        return status && status.voters.length === 3 && !status.voters.includes(victim.id) && status.learners.length === 0;
      },
      { timeoutMs: 2_000 + 10_000 },
    );
    expect(performance.now() - stoppedAt).toBeLessThan(2_000 + 10_000);
  });
});
