// A whole machine that stalls (every process paused at once, as a loaded host or a VM does)
// must not cost an election. The leader's clock catches up with the time it lost (its lease
// runs down), but its followers' answers from that time are waiting unread in its sockets:
// it judges its quorum only once it has read them (RaftCore.tick(late), RaftNode.catchUpTicks).
// Three in-process peers share one event loop here, so one synchronous sleep stalls all of
// them, followers included.
import { afterEach, describe, expect, it } from "vitest";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { setLogLevel } from "../../src/util/log.ts";

setLogLevel((process.env.TEST_LOG as "debug") ?? "error");

/** Longer than two election timeouts of the defaults (10 ticks of 50 ms): a burst of late ticks judged at once would step down. */
const STALL_MS = 1_300;

let cluster: TestPeers;
afterEach(async () => {
  await cluster.stopAll();
});

describe("a stalled machine", () => {
  it("keeps its Raft leader and term through a pause of every process longer than two election timeouts", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start();
    for (let i = 0; i < 2; i++) await cluster.start({ join: [seed.multiaddrs[0]!] });
    const peers = cluster.peers;
    await waitFor("three voters and one leader", () => {
      const leaders = peers.filter((peer) => peer.raft.isLeader);
      return leaders.length === 1 && leaders[0]!.raft.confState().voters.length === 3;
    }, { timeoutMs: 20_000 });
    const leader = peers.find((peer) => peer.raft.isLeader)!;
    const term = leader.raft.term;
    // Settled: every voter follows this leader.
    await waitFor("every peer knows the leader", () => peers.every((peer) => peer.raft.leader === leader.raft.leader), { timeoutMs: 10_000 });
    const changesBefore = peers.map((peer) => peer.raft.leaderChangeCount);

    Bun.sleepSync(STALL_MS);

    // A commit after the stall needs the followers' acks, read after the leader's clock caught
    // up: a leader that stepped down on its late ticks has done so by then.
    await leader.fs.mkdir("/after-the-stall");
    expect(leader.raft.isLeader).toBe(true);
    expect(peers.map((peer) => peer.raft.term)).toEqual([term, term, term]);
    expect(peers.map((peer) => peer.raft.leaderChangeCount)).toEqual(changesBefore);
  }, 60_000);
});
