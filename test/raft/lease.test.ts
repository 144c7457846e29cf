// Reads under a leader lease (Raft dissertation §6.4.1, etcd's ReadOnlyLeaseBased): a leader
// that a quorum answered within leaseTicks of a heartbeat's send answers reads at its commit
// index with no heartbeat round; in exchange voters withhold their votes for a guard of
// leaseTicks + 1 + leaseDriftTicks ticks after they last heard from a leader (§4.2.3's lease,
// kept also after forgetLeader() and a restart). The seeded simulation checks the same rules
// at every step (test/sim/checker.ts: Lease Guard, Lease Freshness).
import { describe, expect, it } from "vitest";
import { RaftConfigError } from "../../src/raft/errors.ts";
import { MemoryStorage } from "../../src/raft/storage.ts";
import { RaftCore } from "../../src/raft/core.ts";
import { Network } from "./network.ts";

const LEASE_TICKS = 4;
// leaseTicks + 1 (granularity) + 1 (drift, the default)
const GUARD_TICKS = LEASE_TICKS + 2;

function leased(ids = ["a", "b", "c"]): Network {
  return new Network(ids, { checkQuorum: true, preVote: true, electionTicks: 10, heartbeatTicks: 1, extra: { leaseTicks: LEASE_TICKS } });
}

/**
 * `a` is cut off; b and c lose their connections to it and forget it (what node.ts does on a
 * disconnect), wait out their guard, and b is elected.
 */
function electB(net: Network): void {
  net.isolate("a");
  net.core("b").forgetLeader();
  net.core("c").forgetLeader();
  for (let i = 0; i < GUARD_TICKS + 1; i++) {
    net.tick("b");
    net.tick("c");
  }
  net.campaign("b");
  expect(net.core("b").role).toBe("leader");
}

/** A cluster with `a` leading, a write committed, and a's lease established by a heartbeat round. */
function withLeader(): Network {
  const net = leased();
  // The voters' start guard (a restart honours leases) must run out before anyone may win;
  // campaign() waits one tick more (peers that heard a leader a moment later let go too).
  net.tickAll(GUARD_TICKS + 1);
  net.campaign("a");
  expect(net.core("a").role).toBe("leader");
  net.propose("a", "x=1");
  net.tickAll(1);
  return net;
}

describe("§6.4.1 leader lease", () => {
  it("§6.4.1: a leader whose lease holds answers a read at its commit index without a heartbeat round", () => {
    const net = withLeader();
    const sentBefore = net.sent.length;
    const commit = net.core("a").log.committed;
    expect(net.core("a").readIndexUnderLease()).toBe(commit);
    net.core("a").readIndex("r1");
    expect(net.processReady("a").filter((m) => m.type === "heartbeat")).toEqual([]);
    expect(net.node("a").readStates).toEqual([{ index: commit, ctx: "r1" }]);
    expect(net.sent.length).toBe(sentBefore);
    expect(net.core("a").stats.leaseReads).toBe(2);
  });

  it("§6.4.1: a follower's forwarded read is answered under the leader's lease", () => {
    const net = withLeader();
    const rounds = net.core("a").stats.readIndexRounds;
    net.core("c").readIndex("rc");
    net.stabilize();
    expect(net.node("c").readStates).toEqual([{ index: net.core("a").log.committed, ctx: "rc" }]);
    expect(net.core("a").stats.readIndexRounds).toBe(rounds);
  });

  it("§6.4.1: a partitioned old leader stops serving reads once its lease lapsed, and never serves a stale one", () => {
    const net = withLeader();
    net.isolate("a");
    // Within the lease the old leader may still answer: b and c withhold their votes, so no
    // one else can have committed anything.
    net.tick("a", LEASE_TICKS - 1);
    expect(net.core("a").readIndexUnderLease()).toBe(net.core("a").log.committed);
    net.tick("a", 1);
    expect(net.core("a").readIndexUnderLease()).toBeUndefined();
    // From now on reads need a heartbeat round, which cannot complete cut off from b and c.
    net.core("a").readIndex("stale?");
    // b and c elect a new leader once their guard ends, and commit a newer write.
    electB(net);
    net.propose("b", "x=2");
    expect(net.appliedText("c")).toEqual(["x=1", "x=2"]);
    net.tick("a", 3);
    expect(net.core("a").readIndexUnderLease()).toBeUndefined();
    expect(net.node("a").readStates).toEqual([]);
  });

  it("§6.4.1: a read after a leader change sees every earlier write", () => {
    const net = withLeader();
    electB(net);
    net.propose("b", "x=2");
    const written = net.node("b").applied.findLast((e) => e.data.byteLength > 0)!.index;
    // Before its first heartbeat round is answered, b has no lease: the read takes a round.
    expect(net.core("b").readIndexUnderLease()).toBeUndefined();
    net.core("b").readIndex("after");
    net.stabilize();
    net.tickAll(1);
    const rs = net.node("b").readStates.find((r) => r.ctx === "after");
    expect(rs?.index).toBeGreaterThanOrEqual(written);
    // Now b's lease holds, and reads under it see the write too.
    expect(net.core("b").readIndexUnderLease()).toBeGreaterThanOrEqual(written);
  });

  it("§6.4.1: a follower that forgets its leader (its connection dropped) still withholds its vote for the guard", () => {
    const net = withLeader();
    net.isolate("a");
    net.core("b").forgetLeader();
    net.core("c").forgetLeader();
    expect(net.core("b").ticksUntilVotable()).toBeGreaterThan(0);
    // c campaigns at once, as a driver does on a disconnect: the core holds it until the guard ends.
    net.core("c").campaign();
    net.stabilize();
    expect(net.core("c").role).toBe("follower");
    net.core("b").campaign();
    net.stabilize();
    expect(net.core("b").role).toBe("follower");
    // By then the old leader's lease has lapsed (LEASE_TICKS < GUARD_TICKS).
    for (let i = 0; i < GUARD_TICKS + 1; i++) {
      net.tick("b");
      net.tick("c");
      net.tick("a");
    }
    expect(net.core("a").readIndexUnderLease()).toBeUndefined();
    expect(net.leader()).not.toBe("a");
    expect(["b", "c"]).toContain(net.leader());
  });

  it("§6.4.1: a restarted voter withholds its vote for the guard (it may have answered a leader's heartbeat before the crash)", () => {
    const net = withLeader();
    net.restart("b");
    expect(net.core("b").ticksUntilVotable()).toBe(GUARD_TICKS);
    net.isolate("a");
    net.core("b").step({ type: "preVote", from: "c", to: "b", term: net.core("b").term + 1, index: 99, logTerm: net.core("b").term, force: false });
    expect(net.core("b").stats.ignoredVotesInLease).toBe(1);
  });

  it("§3.10 + §6.4.1: a leadership transfer ends the lease for the rest of the term (its forced election ignores guards)", () => {
    const net = withLeader();
    expect(net.core("a").readIndexUnderLease()).toBeDefined();
    net.core("a").transferLeadership("b");
    net.stabilize();
    expect(net.core("b").role).toBe("leader");
    expect(net.core("a").role).toBe("follower");
    expect(net.core("a").readIndexUnderLease()).toBeUndefined();
  });

  it("§6.4.1: a transfer that times out leaves the lease revoked until the next term", () => {
    const net = withLeader();
    net.isolate("b");
    net.core("a").transferLeadership("b");
    net.stabilize();
    net.tickAll(10);
    expect(net.core("a").status().leadTransferee).toBe("");
    expect(net.core("a").role).toBe("leader");
    expect(net.core("a").readIndexUnderLease()).toBeUndefined();
  });

  it("§6.4 step 1: a new leader uses no lease before it has committed an entry of its term", () => {
    const net = leased();
    net.tickAll(GUARD_TICKS + 1);
    net.filter = (m) => m.type !== "app" && m.type !== "appResp";
    net.campaign("a");
    net.tickAll(2);
    expect(net.core("a").role).toBe("leader");
    expect(net.core("a").readIndexUnderLease()).toBeUndefined();
  });

  it("the lease counts from the heartbeat's send tick, not from the reply's arrival; a round from the future is ignored", () => {
    const net = withLeader();
    net.isolate("a");
    // A reply that took long to come back: it answers a heartbeat of LEASE_TICKS ticks ago.
    net.tick("a", LEASE_TICKS);
    expect(net.core("a").readIndexUnderLease()).toBeUndefined();
    net.core("a").step({ type: "heartbeatResp", from: "b", to: "a", term: net.core("a").term, ctx: "", round: 0 });
    expect(net.core("a").readIndexUnderLease()).toBeUndefined();
    net.core("a").step({ type: "heartbeatResp", from: "b", to: "a", term: net.core("a").term, ctx: "", round: 1_000_000 });
    expect(net.core("a").readIndexUnderLease()).toBeUndefined();
  });

  it("bad config: a lease needs check-quorum, and its guard must fit in an election timeout", () => {
    const base = { id: "a", storage: new MemoryStorage({ voters: ["a"], learners: [] }), rand: () => 0, electionTicks: 10, heartbeatTicks: 1 };
    expect(() => new RaftCore({ ...base, leaseTicks: 4, checkQuorum: false })).toThrow(RaftConfigError);
    expect(() => new RaftCore({ ...base, leaseTicks: 9 })).toThrow(/must not exceed electionTicks/);
    expect(() => new RaftCore({ ...base, leaseTicks: -1 })).toThrow(RaftConfigError);
    expect(() => new RaftCore({ ...base, leaseTicks: 8 })).not.toThrow();
  });
});
