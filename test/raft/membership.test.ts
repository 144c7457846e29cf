// Membership changes one server at a time (Raft dissertation §4.1-§4.2.3), with learners
// (non-voting members that receive the log, dissertation §4.2.1 "catching up new servers").
import { describe, expect, it } from "vitest";
import { encodeConfEntry } from "../../src/raft/conf.ts";
import { ConfChangeRejectedError, NotAMemberError } from "../../src/raft/errors.ts";
import { MemoryStorage } from "../../src/raft/storage.ts";
import { Network, Solo } from "./network.ts";

function cluster(ids: string[], spare: string[] = [], opts: ConstructorParameters<typeof Network>[1] = {}): Network {
  const net = new Network(ids, opts);
  // New servers start with an empty configuration and learn theirs from the leader.
  for (const id of spare) net.add(id, new MemoryStorage());
  return net;
}

describe("§4.1 single-server membership changes", () => {
  it("§4.2.1: a learner catches up without voting, then is promoted to voter", () => {
    const net = cluster(["a", "b", "c"], ["d"]);
    net.campaign("a");
    for (let i = 0; i < 5; i++) net.propose("a", `x${i}`);
    net.core("a").proposeConfChange({ type: "addLearner", nodeId: "d" });
    net.stabilize();
    const d = net.core("d");
    expect(d.confState()).toEqual({ voters: ["a", "b", "c"], learners: ["d"] });
    expect(d.log.lastIndex()).toBe(net.core("a").log.lastIndex());
    expect(net.appliedText("d")).toEqual(["x0", "x1", "x2", "x3", "x4"]);
    // A learner never campaigns.
    net.isolate("d");
    for (let i = 0; i < 50; i++) net.tick("d");
    expect(d.role).toBe("follower");
    expect(d.term).toBe(1);
    net.recover();
    // A learner's acknowledgement does not count towards commitment.
    net.isolate("b");
    net.isolate("c");
    const held = net.core("a").log.committed;
    net.propose("a", "learner-only");
    expect(net.core("d").log.lastIndex()).toBe(net.core("a").log.lastIndex());
    expect(net.core("a").log.committed).toBe(held);
    net.recover();
    net.tickAll(2);
    expect(net.core("a").status().progress.get("d")?.match).toBe(net.core("a").log.lastIndex());
    net.core("a").proposeConfChange({ type: "addVoter", nodeId: "d" });
    net.stabilize();
    for (const id of ["a", "b", "c", "d"]) expect(net.core(id).confState()).toEqual({ voters: ["a", "b", "c", "d"], learners: [] });
    // Now d counts: with a and d alone down to 2 of 4, nothing commits.
    net.isolate("b");
    net.isolate("c");
    const before = net.core("a").log.committed;
    net.propose("a", "needs-three");
    expect(net.core("a").log.committed).toBe(before);
  });

  it("§4.1: adding and removing servers while a voter is down", () => {
    const net = cluster(["a", "b", "c"], ["d"]);
    net.campaign("a");
    net.isolate("c");
    net.core("a").proposeConfChange({ type: "addLearner", nodeId: "d" });
    net.stabilize();
    net.core("a").proposeConfChange({ type: "addVoter", nodeId: "d" });
    net.stabilize();
    // {a,b,c,d}: a, b, d are a quorum without c.
    expect(net.core("a").log.committed).toBe(net.core("a").log.lastIndex());
    net.core("a").proposeConfChange({ type: "removeNode", nodeId: "c" });
    net.stabilize();
    expect(net.core("a").confState()).toEqual({ voters: ["a", "b", "d"], learners: [] });
    net.propose("a", "y");
    expect(net.appliedText("d")).toEqual(["y"]);
    expect(net.appliedText("b")).toEqual(["y"]);
  });

  it("§4.1: a change takes effect when appended, before it commits, and only one may be pending", () => {
    const net = cluster(["a", "b", "c"], ["d"]);
    net.campaign("a");
    net.isolate("a");
    const a = net.core("a");
    a.proposeConfChange({ type: "addLearner", nodeId: "d" });
    expect(a.confState().learners).toEqual(["d"]);
    expect(a.log.committed).toBeLessThan(a.log.lastIndex());
    expect(() => a.proposeConfChange({ type: "removeNode", nodeId: "b" })).toThrow(ConfChangeRejectedError);
  });

  it("§4.1: a follower reverts to the previous configuration when an uncommitted change is truncated", () => {
    const net = cluster(["a", "b", "c", "d", "e"], ["f"]);
    net.campaign("a");
    // The change reaches b only, then a is cut off.
    for (const id of ["c", "d", "e", "f"]) net.cutLink("a", id);
    net.core("a").proposeConfChange({ type: "addLearner", nodeId: "f" });
    net.stabilize();
    expect(net.core("b").confState().learners).toEqual(["f"]);
    expect(net.core("b").log.committed).toBeLessThan(net.core("b").log.lastIndex());
    net.recover();
    net.isolate("a");
    // c wins with d and e (b refuses: its log is longer) and overwrites b's entry.
    net.campaign("c");
    expect(net.core("c").role).toBe("leader");
    expect(net.core("b").confState()).toEqual({ voters: ["a", "b", "c", "d", "e"], learners: [] });
    expect(net.core("f").confState()).toEqual({ voters: [], learners: [] });
  });

  it("§4.1: truncating a conf entry restores the configuration before it (message level)", () => {
    const s = new Solo("b", ["a", "b", "c"]);
    const conf = encodeConfEntry({ change: { type: "addLearner", nodeId: "d" }, confState: { voters: ["a", "b", "c"], learners: ["d"] } });
    s.step({ type: "app", from: "a", term: 1, index: 0, logTerm: 0, commit: 0, entries: [{ index: 1, term: 1, type: "conf", data: conf }] });
    expect(s.core.confState().learners).toEqual(["d"]);
    // A leader of term 2 never had that entry: its entry at 1 replaces it.
    s.step({ type: "app", from: "c", term: 2, index: 0, logTerm: 0, commit: 0, entries: [{ index: 1, term: 2, type: "normal", data: new Uint8Array(0) }] });
    expect(s.core.confState()).toEqual({ voters: ["a", "b", "c"], learners: [] });
  });

  it("§4.2.2: a leader that removes itself keeps leading until the change commits, then steps down", () => {
    const net = cluster(["a", "b", "c"]);
    net.campaign("a");
    net.core("a").proposeConfChange({ type: "removeNode", nodeId: "a" });
    net.stabilize();
    expect(net.core("a").role).toBe("follower");
    for (const id of ["b", "c"]) expect(net.core(id).confState().voters).toEqual(["b", "c"]);
    // The rest elect a leader; a never campaigns again.
    for (let i = 0; i < 40 && !net.leader(); i++) net.tickAll();
    const leader = net.leader();
    expect(leader === "b" || leader === "c").toBe(true);
    const termBefore = net.core(leader!).term;
    net.tickAll(60);
    expect(net.core("a").role).toBe("follower");
    expect(net.core(leader!).term).toBe(termBefore);
    net.propose(leader!, "after");
    expect(net.appliedText(leader === "b" ? "c" : "b")).toEqual(["after"]);
  });

  it("§4.2.3: a removed server that never learned of its removal cannot disrupt the cluster", () => {
    const net = cluster(["a", "b", "c"], [], { preVote: false, checkQuorum: false });
    net.campaign("a");
    net.isolate("c");
    net.core("a").proposeConfChange({ type: "removeNode", nodeId: "c" });
    net.stabilize();
    expect(net.core("a").confState().voters).toEqual(["a", "b"]);
    const term = net.core("a").term;
    for (let i = 0; i < 60; i++) net.tick("c"); // c campaigns at ever higher terms
    expect(net.core("c").term).toBeGreaterThan(term);
    net.recover();
    net.tickAll(5);
    expect(net.stepErrors.some((e) => e instanceof NotAMemberError)).toBe(true);
    expect(net.leader()).toBe("a");
    expect(net.core("a").term).toBe(term);
  });

  it("§4.1: conf changes are refused until the leader commits an entry of its term, and no-op changes are refused", () => {
    const net = cluster(["a", "b", "c"], ["d"]);
    net.isolate("b");
    net.isolate("c");
    net.core("a").campaign();
    net.stabilize();
    net.recover();
    // Win the election without letting the empty entry commit.
    net.filter = (m) => m.type !== "app" && m.type !== "appResp";
    net.cutLink("a", "c");
    net.core("a").campaign();
    net.stabilize();
    expect(net.core("a").role).toBe("leader");
    expect(() => net.core("a").proposeConfChange({ type: "addLearner", nodeId: "d" })).toThrow(/not committed an entry of its term/);
    net.filter = undefined;
    net.recover();
    net.tickAll(2);
    expect(() => net.core("a").proposeConfChange({ type: "addVoter", nodeId: "a" })).toThrow(/already a voter/);
    expect(() => net.core("a").proposeConfChange({ type: "removeNode", nodeId: "zz" })).toThrow(/not a member/);
  });
});
