// Restarting a core from what its storage holds (the storage itself has its compliance
// suite in storage-suite.ts / storage.test.ts).
import { describe, expect, it } from "vitest";
import { encodeConfEntry } from "../../src/raft/conf.ts";
import { RaftCore } from "../../src/raft/core.ts";
import { MemoryStorage } from "../../src/raft/storage.ts";
import { Network, entriesOfTerms } from "./network.ts";

describe("restart from storage", () => {
  it("restores term, vote, commit and the configuration (including conf entries in the log)", () => {
    const st = new MemoryStorage({ voters: ["a", "b", "c"], learners: [] });
    const conf = encodeConfEntry({ change: { type: "addLearner", nodeId: "d" }, confState: { voters: ["a", "b", "c"], learners: ["d"] } });
    st.append([...entriesOfTerms([1, 1]), { index: 3, term: 2, type: "conf", data: conf }, ...entriesOfTerms([2], 4)]);
    st.setHardState({ term: 3, vote: "b", commit: 3 });
    const core = new RaftCore({ id: "a", storage: st, rand: () => 0, electionTicks: 10, heartbeatTicks: 1 });
    expect([core.term, core.vote, core.log.committed, core.log.applied]).toEqual([3, "b", 3, 0]);
    expect(core.confState()).toEqual({ voters: ["a", "b", "c"], learners: ["d"] });
    expect(core.confStateAt(2)).toEqual({ voters: ["a", "b", "c"], learners: [] });
    // Committed but unapplied entries come back in the first Ready.
    const rd = core.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2, 3]);
    core.advance(rd);
    // With applied given, only what follows it is re-delivered.
    const core2 = new RaftCore({ id: "a", storage: st, rand: () => 0, electionTicks: 10, heartbeatTicks: 1, applied: 2 });
    expect(core2.ready().committedEntries.map((e) => e.index)).toEqual([3]);
  });

  it("a restarted cluster keeps its log and elects a leader that has every committed entry", () => {
    const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    net.campaign("a");
    for (let i = 0; i < 5; i++) net.propose("a", `x${i}`);
    for (const id of ["a", "b", "c"]) net.restart(id);
    for (let i = 0; i < 40 && !net.leader(); i++) net.tickAll();
    const leader = net.leader()!;
    expect(leader).toBeDefined();
    net.propose(leader, "after");
    for (const id of ["a", "b", "c"]) expect(net.appliedText(id).slice(-1)).toEqual(["after"]);
  });
});
