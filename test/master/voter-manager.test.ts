// The voter manager driven by the leader loop on a fake clock (DESIGN.md "Choosing the
// masters"; Raft dissertation §4.1: one membership change at a time, §4.2.1: a new server
// catches up as a non-voting member first). The planner's rules are test/master/voters.test.ts;
// here: one change in flight at most, time counted from the leader's election, and a stop that
// does not wait for Raft to decide a change.
import { describe, it, expect } from "vitest";
import type { ConfChange } from "../../src/raft/conf.ts";
import type { RaftNode } from "../../src/raft/node.ts";
import type { MembershipService } from "../../src/membership/service.ts";
import type { PeerRecord } from "../../src/membership/peer-table.ts";
import type { Logger } from "../../src/util/log.ts";
import { VoterManager } from "../../src/master/voters/voters.ts";
import { FakeTimers, settle } from "./fake-timers.ts";
import { record } from "./records.ts";

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => quiet };
const CHECK_MS = 500;

function harness(voters: string[], records: PeerRecord[]) {
  const timers = new FakeTimers();
  const proposals: ConfChange[] = [];
  const pending: Array<(value: unknown) => void> = [];
  const state = { leader: true, confState: { voters, learners: [] as string[] }, match: new Map<string, number>() };
  const raft = {
    id: "a",
    get isLeader() {
      return state.leader;
    },
    status: () => ({
      confState: state.confState,
      commit: 10,
      progress: new Map([...state.match].map(([id, match]) => [id, { match, next: match + 1, state: "replicate", isLearner: false, recentActive: false }])),
    }),
    proposeConfChange: (change: ConfChange) => {
      proposals.push(change);
      return new Promise((resolve) => pending.push(resolve));
    },
  } as unknown as RaftNode;
  // Every peer in the table heartbeats: it was last seen just now.
  const membership = { table: { list: () => records.map((peer) => ({ ...peer, lastSeenMs: timers.nowMs() })) } } as unknown as MembershipService;
  const manager = new VoterManager({ raft, membership, targetVoters: 3, voterDeadAfterMs: 15_000, log: quiet, nowMs: () => timers.nowMs(), timers });
  return { timers, proposals, pending, state, manager };
}

describe("the voter manager on the leader loop", () => {
  it("proposes one change at a time: nothing more while one is in flight, the next once it is decided", async () => {
    const h = harness(["a"], [record("a", "/r1"), record("b", "/r2"), record("c", "/r3")]);
    h.manager.start();
    await h.timers.advance(CHECK_MS);
    expect(h.proposals).toEqual([{ type: "addLearner", nodeId: "b" }]);
    await h.timers.advance(10 * CHECK_MS);
    expect(h.proposals).toHaveLength(1);
    // b joined as a learner and caught up with the commit index: it is promoted next.
    h.state.confState = { voters: ["a"], learners: ["b"] };
    h.state.match.set("b", 10);
    h.pending.shift()!(undefined);
    await settle();
    await h.timers.advance(CHECK_MS);
    expect(h.proposals.at(-1)).toEqual({ type: "addVoter", nodeId: "b" });
    expect(h.proposals).toHaveLength(2);
    h.pending.shift()!(undefined);
    await h.manager.stop();
  });

  it("a follower proposes nothing; a new leader counts an unknown voter's silence from its own election", async () => {
    // z is a voter the peer table does not know: silent, but only for as long as this leader has led.
    const h = harness(["a", "b", "z"], [record("a", "/r1"), record("b", "/r2")]);
    h.state.leader = false;
    h.manager.start();
    await h.timers.advance(60_000);
    expect(h.proposals).toEqual([]);
    h.state.leader = true;
    await h.timers.advance(15_000);
    expect(h.proposals).toEqual([]);
    await h.timers.advance(CHECK_MS);
    expect(h.proposals).toEqual([{ type: "removeNode", nodeId: "z" }]);
    h.pending.shift()!(undefined);
    await h.manager.stop();
  });

  it("stops without waiting for Raft to decide a change in flight", async () => {
    const h = harness(["a"], [record("a", "/r1"), record("b", "/r2")]);
    h.manager.start();
    await h.timers.advance(CHECK_MS);
    expect(h.proposals).toHaveLength(1);
    let stopped = false;
    void h.manager.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(true);
    expect(h.timers.size).toBe(0);
  });
});
