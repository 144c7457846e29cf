// Leader election: Raft paper §5.2 and §5.4.1, pre-vote (dissertation §9.6) and
// check-quorum with the leader lease (dissertation §6.2, §4.2.3). In the manner of etcd's
// raft_paper_test.go: each test names the section it checks.
import { describe, expect, it } from "vitest";
import { NotAMemberError } from "../../src/raft/errors.ts";
import type { Message } from "../../src/raft/types.ts";
import { Network, Solo, entriesOfTerms } from "./network.ts";

describe("§5.2 leader election", () => {
  it("§5.2: a follower that hears nothing for an election timeout becomes candidate, votes for itself and requests votes", () => {
    const s = new Solo("a", ["a", "b", "c"]);
    for (let i = 0; i < 20 && s.core.role === "follower"; i++) s.core.tick();
    const msgs = s.drain();
    expect(s.core.role).toBe("candidate");
    expect(s.core.term).toBe(1);
    expect(s.core.vote).toBe("a");
    const votes = msgs.filter((m) => m.type === "vote");
    expect(votes.map((m) => m.to).sort()).toEqual(["b", "c"]);
    expect(votes.every((m) => m.term === 1)).toBe(true);
    // The vote is durable before the requests leave (Ready order: hardState, then messages).
    expect(s.storage.initialState().hardState).toMatchObject({ term: 1, vote: "a" });
  });

  it("§5.2: the election timeout is randomized in [T, 2T)", () => {
    const seen = new Set<number>();
    for (let r = 0; r < 10; r++) {
      const s = new Solo("a", ["a", "b", "c"], { rand: (n) => r % n });
      let ticks = 0;
      while (s.core.role === "follower") {
        s.core.tick();
        ticks++;
        expect(ticks).toBeLessThan(20);
      }
      seen.add(ticks);
    }
    expect(Math.min(...seen)).toBe(10);
    expect(Math.max(...seen)).toBe(19);
  });

  it("§5.2: a candidate that wins a majority of votes becomes leader and sends heartbeats/appends", () => {
    const net = new Network(["a", "b", "c", "d", "e"]);
    net.campaign("a");
    expect(net.core("a").role).toBe("leader");
    for (const id of ["b", "c", "d", "e"]) {
      expect(net.core(id).role).toBe("follower");
      expect(net.core(id).lead).toBe("a");
      expect(net.core(id).term).toBe(1);
    }
  });

  it("§5.2: a candidate with votes from a minority only does not become leader", () => {
    const net = new Network(["a", "b", "c", "d", "e"]);
    net.isolate("c");
    net.isolate("d");
    net.isolate("e");
    net.campaign("a");
    expect(net.core("a").role).toBe("candidate");
  });

  it("§5.2: each server votes for at most one candidate per term, first come first served", () => {
    const s = new Solo("c", ["a", "b", "c"]);
    const r1 = s.step({ type: "vote", from: "a", term: 1, index: 0, logTerm: 0, force: false });
    expect(r1).toMatchObject([{ type: "voteResp", to: "a", reject: false, term: 1 }]);
    const r2 = s.step({ type: "vote", from: "b", term: 1, index: 0, logTerm: 0, force: false });
    expect(r2).toMatchObject([{ type: "voteResp", to: "b", reject: true }]);
    // A repeated request from the one we voted for is granted again (idempotent).
    const r3 = s.step({ type: "vote", from: "a", term: 1, index: 0, logTerm: 0, force: false });
    expect(r3).toMatchObject([{ type: "voteResp", to: "a", reject: false }]);
  });

  it("§5.2: a split vote is resolved by a later election in a higher term", () => {
    const net = new Network(["a", "b", "c"], { seed: 3 });
    net.isolate("c");
    // a and b campaign at once: each votes for itself and refuses the other.
    net.core("a").campaign();
    net.core("b").campaign();
    net.stabilize();
    expect(net.core("a").role).toBe("candidate");
    expect(net.core("b").role).toBe("candidate");
    expect(net.core("a").term).toBe(1);
    // Randomized timeouts break the tie.
    for (let i = 0; i < 40 && !net.leader(); i++) net.tickAll();
    const leader = net.leader();
    expect(leader === "a" || leader === "b").toBe(true);
    expect(net.core(leader!).term).toBeGreaterThan(1);
  });

  it("§5.2: a candidate steps down when it hears from a leader of its term or a higher one", () => {
    const s = new Solo("a", ["a", "b", "c"]);
    s.core.campaign();
    s.drain();
    expect(s.core.role).toBe("candidate");
    s.step({ type: "app", from: "b", term: 1, index: 0, logTerm: 0, entries: [], commit: 0 });
    expect(s.core.role).toBe("follower");
    expect(s.core.lead).toBe("b");

    const t = new Solo("a", ["a", "b", "c"]);
    t.core.campaign();
    t.drain();
    t.step({ type: "heartbeat", from: "c", term: 5, commit: 0, ctx: "" });
    expect(t.core.role).toBe("follower");
    expect(t.core.term).toBe(5);
  });

  it("§5.1: a leader that sees a higher term becomes follower", () => {
    const net = new Network(["a", "b", "c"]);
    net.campaign("a");
    const a = net.node("a");
    a.core.step({ type: "vote", from: "b", to: "a", term: 3, index: 5, logTerm: 3, force: false });
    expect(a.core.role).toBe("follower");
    expect(a.core.term).toBe(3);
  });

  it("§5.2: the leader sends a heartbeat to every follower each heartbeat interval", () => {
    const s = new Solo("a", ["a", "b", "c"], { heartbeatTicks: 3 });
    s.core.campaign();
    s.drain();
    s.step({ type: "voteResp", from: "b", term: 1, reject: false });
    expect(s.core.role).toBe("leader");
    s.core.tick();
    s.core.tick();
    expect(s.drain().filter((m) => m.type === "heartbeat")).toEqual([]);
    s.core.tick();
    const hb = s.drain().filter((m) => m.type === "heartbeat");
    expect(hb.map((m) => m.to).sort()).toEqual(["b", "c"]);
  });
});

describe("§5.4.1 election restriction", () => {
  // etcd TestVoter: a voter grants only to candidates whose log is at least as up-to-date.
  const cases: { ents: number[]; index: number; logTerm: number; grant: boolean; why: string }[] = [
    { ents: [1], index: 1, logTerm: 1, grant: true, why: "same last term and index" },
    { ents: [1], index: 2, logTerm: 1, grant: true, why: "same last term, longer" },
    { ents: [1, 1], index: 1, logTerm: 1, grant: false, why: "same last term, shorter" },
    { ents: [1], index: 1, logTerm: 2, grant: true, why: "higher last term" },
    { ents: [1, 1], index: 1, logTerm: 2, grant: true, why: "higher last term, shorter" },
    { ents: [2], index: 1, logTerm: 1, grant: false, why: "lower last term" },
    { ents: [2], index: 5, logTerm: 1, grant: false, why: "lower last term, longer" },
  ];
  for (const c of cases) {
    it(`§5.4.1: vote ${c.grant ? "granted" : "refused"} when the candidate has ${c.why}`, () => {
      const s = new Solo("b", ["a", "b", "c"], { entries: entriesOfTerms(c.ents), term: 2 });
      const out = s.step({ type: "vote", from: "a", term: 3, index: c.index, logTerm: c.logTerm, force: false });
      expect(out).toMatchObject([{ type: "voteResp", to: "a", reject: !c.grant }]);
    });
  }

  it("§5.4.1: a server with a stale log cannot be elected, and the cluster elects an up-to-date one", () => {
    const net = new Network(["a", "b", "c"]);
    net.campaign("a");
    net.isolate("c");
    net.propose("a", "x");
    net.recover();
    net.isolate("a");
    net.campaign("c");
    expect(net.core("c").role).not.toBe("leader");
    net.campaign("b");
    expect(net.core("b").role).toBe("leader");
  });
});

describe("pre-vote (dissertation §9.6) and check-quorum (§6.2, §4.2.3)", () => {
  it("§9.6: a partitioned follower does not bump its term, and rejoining does not disrupt the leader", () => {
    const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    net.campaign("a");
    const term = net.core("a").term;
    net.isolate("c");
    for (let i = 0; i < 100; i++) net.tick("c");
    expect(net.core("c").term).toBe(term);
    expect(net.core("c").role).toBe("preCandidate");
    net.recover();
    net.tickAll(30);
    expect(net.leader()).toBe("a");
    expect(net.core("a").term).toBe(term);
    expect(net.core("c").lead).toBe("a");
  });

  it("§9.6 (contrast): without pre-vote the same rejoin forces a new election at a higher term", () => {
    const net = new Network(["a", "b", "c"], { preVote: false, checkQuorum: false });
    net.campaign("a");
    const term = net.core("a").term;
    net.isolate("c");
    for (let i = 0; i < 100; i++) net.tick("c");
    expect(net.core("c").term).toBeGreaterThan(term + 3);
    net.recover();
    net.tickAll(30);
    expect(net.core(net.leader()!).term).toBeGreaterThan(term);
  });

  it("§6.2: a leader whose process stalled judges its quorum only after reading what its followers sent meanwhile", () => {
    const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    net.campaign("a");
    const a = net.core("a");
    // One election timeout on time, its answers read: the quorum is judged and its marks cleared.
    net.tick("a", 10);
    expect(a.role).toBe("leader");
    // The stall: 25 ticks (two and a half election timeouts) owed at once, nothing read.
    for (let i = 0; i < 25; i++) a.tick(true);
    expect(a.role).toBe("leader");
    // The driver reads what arrived (the followers' answers to the stall's heartbeats), then
    // has the owed check judged: the quorum is there.
    net.stabilize();
    a.checkOwedQuorum();
    expect(a.role).toBe("leader");
    // Contrast: ticks on time with nothing read. The owed check started the window again: the
    // election timeout that ends 10 ticks on finds no answer since, and it steps down.
    let ticksAsLeader = 0;
    for (; ticksAsLeader < 25 && a.role === "leader"; ticksAsLeader++) a.tick();
    expect(a.role).toBe("follower");
    expect(ticksAsLeader).toBe(10);
  });

  it("§6.2: a leader whose whole machine stalled right after a quorum check keeps leading: the owed check starts its window again", () => {
    const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    net.campaign("a");
    const a = net.core("a");
    const term = a.term;
    net.tick("a", 9);
    // The 10th tick ends an election timeout: the quorum is judged and its marks cleared. The
    // machine stalls right then: the followers run nothing, so nothing answers meanwhile.
    a.tick();
    for (let i = 0; i < 25; i++) a.tick(true);
    // The driver has read what arrived (nothing) and asks for the owed judgment: no quorum was
    // heard, and the answers to the heartbeats sent since have not had a round trip yet.
    a.checkOwedQuorum();
    expect(a.role).toBe("leader");
    // They arrive, and the next check, one election timeout on, finds the quorum.
    net.stabilize();
    net.tick("a", 10);
    expect(a.role).toBe("leader");
    expect(a.term).toBe(term);
  });

  it("§6.2: a stalled leader cut off from its quorum still steps down, one election timeout after its owed check", () => {
    const cutOff = () => {
      const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
      net.campaign("a");
      net.isolate("a");
      // The first timeout of a new leader counts everyone as heard (the election itself).
      net.tick("a", 10);
      expect(net.core("a").role).toBe("leader");
      return net;
    };
    /** Ticks on time until the leader steps down (at most 25): how many it took. */
    const ticksToStepDown = (net: Network) => {
      let ticks = 0;
      for (; ticks < 25 && net.core("a").role === "leader"; ticks++) net.tick("a");
      return ticks;
    };
    const first = cutOff();
    for (let i = 0; i < 15; i++) first.core("a").tick(true);
    expect(first.core("a").role).toBe("leader");
    first.stabilize();
    first.core("a").checkOwedQuorum();
    expect(first.core("a").role).toBe("leader");
    expect(ticksToStepDown(first)).toBe(10);
    expect(first.core("a").role).toBe("follower");
    // Judged on the next tick on time instead: the same.
    const second = cutOff();
    for (let i = 0; i < 15; i++) second.core("a").tick(true);
    expect(ticksToStepDown(second)).toBe(11);
    expect(second.core("a").role).toBe("follower");
    // Nothing owed: the call changes nothing.
    const third = cutOff();
    third.core("a").checkOwedQuorum();
    expect(third.core("a").role).toBe("leader");
  });

  it("§6.2: a leader that loses contact with a quorum steps down within an election timeout", () => {
    const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    net.campaign("a");
    net.isolate("a");
    for (let i = 0; i < 21; i++) net.tick("a");
    expect(net.core("a").role).toBe("follower");
  });

  it("§4.2.3: a follower that heard from its leader within the election timeout ignores vote requests (lease)", () => {
    const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    net.campaign("a");
    const b = net.core("b");
    const term = b.term;
    b.step({ type: "vote", from: "c", to: "b", term: term + 1, index: 100, logTerm: term + 1, force: false });
    expect(b.term).toBe(term);
    expect(b.stats.ignoredVotesInLease).toBe(1);
    expect(net.processReady("b").filter((m: Message) => m.type === "voteResp")).toEqual([]);
  });

  it("§4.2.3: a vote request from a server outside the configuration is refused with NotAMemberError", () => {
    const s = new Solo("b", ["a", "b", "c"], { entries: entriesOfTerms([1, 1]), term: 1 });
    expect(() => s.core.step({ type: "vote", from: "z", to: "b", term: 5, index: 2, logTerm: 1, force: false })).toThrow(NotAMemberError);
    expect(s.core.term).toBe(1);
  });
});

describe("forgetting a leader known to be gone (etcd ForgetLeader)", () => {
  it("a follower that forgot the leader grants a vote at once, where the lease would have ignored it", () => {
    const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    net.campaign("a");
    expect(net.core("a").role).toBe("leader");
    net.isolate("a");
    // Within the lease, c ignores b's campaign (dissertation §4.2.3)...
    net.core("b").forgetLeader();
    net.campaign("b");
    expect(net.core("b").role).not.toBe("leader");
    // ...but once c too learns the leader is gone, b wins without waiting out a timeout.
    net.core("c").forgetLeader();
    net.campaign("b");
    expect(net.core("b").role).toBe("leader");
    expect(net.core("c").lead).toBe("b");
  });

  it("changes nothing on a leader or when no leader is known, and a live leader's heartbeat restores it", () => {
    const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    net.campaign("a");
    net.core("a").forgetLeader();
    expect(net.core("a").role).toBe("leader");
    net.core("b").forgetLeader();
    expect(net.core("b").lead).toBe("");
    expect(net.core("b").term).toBe(1);
    net.tick("a", 2);
    expect(net.core("b").lead).toBe("a");
  });
});
