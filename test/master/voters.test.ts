// The voter planner (DESIGN.md, "Choosing the masters"): one change at a time, learners
// before voters, distinct racks first, dead voters replaced.
import { describe, it, expect } from "vitest";
import { planVoterChange, type CandidatePeer, type VoterPlanInput } from "../../src/master/voters/voters.ts";

const peer = (id: string, rack: string, over: Partial<CandidatePeer> = {}): CandidatePeer => ({ id, rack, alive: true, silentMs: 0, canBeMaster: true, ...over });

function input(over: Omit<Partial<VoterPlanInput>, "peers"> & { peers: CandidatePeer[] }): VoterPlanInput {
  return {
    self: "a",
    confState: { voters: ["a"], learners: [] },
    commit: 10,
    match: new Map(),
    targetVoters: 3,
    voterDeadAfterMs: 15_000,
    unknownSilentMs: 0,
    ...over,
    peers: new Map(over.peers.map((p) => [p.id, p])),
  };
}

describe("planVoterChange", () => {
  it("adds a learner from a rack the voters do not cover yet", () => {
    const plan = planVoterChange(input({ peers: [peer("a", "/r1"), peer("b", "/r1"), peer("c", "/r2")] }));
    expect(plan).toEqual({ type: "addLearner", nodeId: "c" });
  });

  it("promotes a learner only once it has caught up with the commit index", () => {
    const peers = [peer("a", "/r1"), peer("c", "/r2")];
    const confState = { voters: ["a"], learners: ["c"] };
    expect(planVoterChange(input({ peers, confState, match: new Map([["c", 9]]) }))).toBeUndefined();
    expect(planVoterChange(input({ peers, confState, match: new Map([["c", 10]]) }))).toEqual({ type: "addVoter", nodeId: "c" });
  });

  it("stops at the target", () => {
    const peers = [peer("a", "/r1"), peer("b", "/r2"), peer("c", "/r3"), peer("d", "/r4")];
    expect(planVoterChange(input({ peers, confState: { voters: ["a", "b", "c"], learners: [] } }))).toBeUndefined();
  });

  it("removes a voter silent past the threshold, but not one briefly silent", () => {
    const confState = { voters: ["a", "b", "c"], learners: [] };
    const briefly = [peer("a", "/r1"), peer("b", "/r2"), peer("c", "/r3", { alive: false, silentMs: 14_000 })];
    expect(planVoterChange(input({ peers: briefly, confState }))).toBeUndefined();
    const gone = [peer("a", "/r1"), peer("b", "/r2"), peer("c", "/r3", { alive: false, silentMs: 15_000 })];
    expect(planVoterChange(input({ peers: gone, confState }))).toEqual({ type: "removeNode", nodeId: "c" });
  });

  it("counts a member the peer table does not know as silent only for the leader's tenure", () => {
    const confState = { voters: ["a", "b", "c"], learners: [] };
    const peers = [peer("a", "/r1"), peer("b", "/r2")];
    expect(planVoterChange(input({ peers, confState, unknownSilentMs: 2_000 }))).toBeUndefined();
    expect(planVoterChange(input({ peers, confState, unknownSilentMs: 20_000 }))).toEqual({ type: "removeNode", nodeId: "c" });
  });

  it("never removes itself, nor the last voter", () => {
    const plan = planVoterChange(input({ peers: [peer("a", "/r1", { silentMs: 99_999 })], confState: { voters: ["a"], learners: [] } }));
    expect(plan).toBeUndefined();
  });

  it("ignores peers that are not alive or cannot be masters", () => {
    const peers = [peer("a", "/r1"), peer("b", "/r2", { alive: false }), peer("c", "/r3", { canBeMaster: false })];
    expect(planVoterChange(input({ peers }))).toBeUndefined();
  });

  it("drops a learner that is no longer needed", () => {
    const peers = [peer("a", "/r1"), peer("b", "/r2"), peer("c", "/r3"), peer("d", "/r4")];
    expect(planVoterChange(input({ peers, confState: { voters: ["a", "b", "c"], learners: ["d"] } }))).toEqual({ type: "removeNode", nodeId: "d" });
  });
});
