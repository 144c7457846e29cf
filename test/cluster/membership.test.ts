// Membership over real libp2p connections on loopback, peers in one process.
import { describe, it, expect, afterEach } from "vitest";
import { TestPeers, aliveIds } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";

let cluster: TestPeers;
afterEach(async () => {
  await cluster.stopAll();
});

describe("membership", () => {
  it("5 peers joining through one seed all see each other alive within 5 s", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start();
    const joinedAt = performance.now();
    const others = await Promise.all([1, 2, 3, 4].map(() => cluster.start({ join: [seed.multiaddrs[0]!] })));
    const all = [seed, ...others];
    const expected = all.map((peer) => peer.id).sort();
    await waitFor("every peer to see all 5 alive", () => all.every((peer) => aliveIds(peer).join() === expected.join()), { timeoutMs: 5_000 });
    expect(performance.now() - joinedAt).toBeLessThan(5_000);
    // A mesh, not a star: every peer ends up connected to every other, not only to the seed.
    await waitFor("a full mesh", () => all.every((peer) => peer.host.getConnections().length >= 4), { timeoutMs: 5_000 });
  });

  it("marks a stopped peer dead within the dead timeout plus 2 s, and alive again with the same id after a restart", async () => {
    cluster = new TestPeers();
    const timings = { heartbeatIntervalMs: 200, failureDetector: { suspectAfterMs: 600, deadAfterMs: 1_500 } };
    const seed = await cluster.start(timings);
    const a = await cluster.start({ ...timings, join: [seed.multiaddrs[0]!] });
    const b = await cluster.start({ ...timings, join: [seed.multiaddrs[0]!] });
    await waitFor("3 alive", () => [seed, a, b].every((peer) => aliveIds(peer).length === 3), { timeoutMs: 5_000 });

    const bId = b.id;
    const bDir = b.dataDir.path;
    const stoppedAt = performance.now();
    await b.stop();
    const stateOfB = (peer: typeof seed) => peer.peers().find((view) => view.id === bId)?.state;
    await waitFor("b dead on both others", () => stateOfB(seed) === "dead" && stateOfB(a) === "dead", { timeoutMs: 1_500 + 2_000 });
    expect(performance.now() - stoppedAt).toBeLessThan(1_500 + 2_000);

    const restarted = await cluster.start({ ...timings, dataDir: bDir });
    expect(restarted.id).toBe(bId);
    await waitFor("b alive again everywhere", () => [seed, a, restarted].every((peer) => aliveIds(peer).includes(bId) && aliveIds(peer).length === 3), { timeoutMs: 5_000 });
    expect(restarted.peers().find((view) => view.id === bId)?.incarnation).toBe(2);
  });

  it("a peer restarted without --join finds the cluster again from its remembered peers", async () => {
    cluster = new TestPeers();
    const timings = { heartbeatIntervalMs: 200, failureDetector: { suspectAfterMs: 600, deadAfterMs: 1_500 } };
    const seed = await cluster.start(timings);
    const a = await cluster.start({ ...timings, join: [seed.multiaddrs[0]!] });
    await waitFor("2 alive", () => aliveIds(seed).length === 2 && aliveIds(a).length === 2, { timeoutMs: 5_000 });
    const aDir = a.dataDir.path;
    await a.stop();
    const again = await cluster.start({ ...timings, dataDir: aDir });
    await waitFor("a back in the seed's table", () => aliveIds(seed).includes(again.id) && aliveIds(again).includes(seed.id), { timeoutMs: 5_000 });
  });
});
