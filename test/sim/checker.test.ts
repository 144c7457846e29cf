// The checkers must catch what they claim to: known-bad histories and states are flagged,
// known-good ones pass, and a simulated run replays identically from its seed.
import { describe, expect, it } from "vitest";
import { RaftCore } from "../../src/raft/core.ts";
import { MemoryStorage } from "../../src/raft/storage.ts";
import type { Ready } from "../../src/raft/types.ts";
import { SafetyChecker, SafetyViolation, type ClusterView } from "./checker.ts";
import { runSeed } from "./cluster.ts";
import { checkLinearizable, type KvOp } from "./linearizability.ts";

const op = (o: Partial<KvOp> & Pick<KvOp, "kind" | "call" | "ret">): KvOp => ({ client: 0, key: "k", ...o }) as KvOp;

/** Persists every Ready of `c` into `st` at once (what a driver does); the messages are dropped. */
function drain(c: RaftCore, st: MemoryStorage): void {
  while (c.hasReady()) {
    const rd = c.ready();
    st.append(rd.entries);
    if (rd.hardState) st.setHardState(rd.hardState);
    c.advance(rd);
  }
}

function leaderCore(id: string, term: number): RaftCore {
  const st = new MemoryStorage({ voters: [id], learners: [] });
  st.setHardState({ term: term - 1, vote: "", commit: 0 });
  const c = new RaftCore({ id, storage: st, rand: () => 0, electionTicks: 10, heartbeatTicks: 1 });
  c.campaign();
  drain(c, st);
  return c;
}

/** `a` leading voters a, b, c (b voted for it), with entry 2 committed on a's and b's acks. */
function leaderOfThree(extra: { leaseTicks?: number } = {}): { a: RaftCore; disk: MemoryStorage } {
  const disk = new MemoryStorage({ voters: ["a", "b", "c"], learners: [] });
  const a = new RaftCore({ id: "a", storage: disk, rand: () => 0, electionTicks: 10, heartbeatTicks: 1, ...extra });
  for (let i = 0; i < 10; i++) a.tick();
  a.campaign();
  drain(a, disk);
  a.step({ type: "preVoteResp", from: "b", to: "a", term: 1, reject: false });
  a.step({ type: "voteResp", from: "b", to: "a", term: 1, reject: false });
  drain(a, disk);
  a.propose(new Uint8Array([5]));
  drain(a, disk);
  a.step({ type: "appResp", from: "b", to: "a", term: 1, index: 2, reject: false, rejectHint: 0, logTerm: 0 });
  drain(a, disk);
  expect(a.log.committed).toBe(2);
  return { a, disk };
}

function view(disks: Record<string, MemoryStorage>, live: Record<string, RaftCore | undefined> = {}): ClusterView {
  return { durable: (id) => disks[id], live: (id) => live[id] };
}

describe("linearizability checker (Wing & Gong / Porcupine search)", () => {
  it("accepts a sequential history and concurrent reads of either value", () => {
    const h = [
      op({ kind: "put", value: "1", call: 1, ret: 2 }),
      op({ kind: "put", value: "2", call: 3, ret: 6, client: 1 }),
      op({ kind: "get", output: { value: "1" }, call: 4, ret: 5, client: 2 }),
      op({ kind: "get", output: { value: "2" }, call: 7, ret: 8 }),
    ];
    expect(checkLinearizable(h).ok).toBe(true);
  });

  it("rejects a stale read after a completed write", () => {
    const h = [op({ kind: "put", value: "1", call: 1, ret: 2 }), op({ kind: "put", value: "2", call: 3, ret: 4 }), op({ kind: "get", output: { value: "1" }, call: 5, ret: 6 })];
    expect(checkLinearizable(h).ok).toBe(false);
  });

  it("rejects a read of a value never written, and a cas that lies", () => {
    expect(checkLinearizable([op({ kind: "get", output: { value: "x" }, call: 1, ret: 2 })]).ok).toBe(false);
    const h = [op({ kind: "put", value: "1", call: 1, ret: 2 }), op({ kind: "cas", expect: "1", value: "2", output: { ok: false }, call: 3, ret: 4 })];
    expect(checkLinearizable(h).ok).toBe(false);
  });

  it("treats an unknown write as possibly applied at any later point, or never", () => {
    const maybe = op({ kind: "put", value: "9", call: 1, ret: Number.POSITIVE_INFINITY });
    expect(checkLinearizable([maybe, op({ kind: "get", output: { value: "9" }, call: 5, ret: 6, client: 1 })]).ok).toBe(true);
    expect(checkLinearizable([maybe, op({ kind: "get", output: { value: null }, call: 5, ret: 6, client: 1 })]).ok).toBe(true);
    // ...but once seen it cannot be unseen.
    const h = [maybe, op({ kind: "get", output: { value: "9" }, call: 5, ret: 6, client: 1 }), op({ kind: "get", output: { value: null }, call: 7, ret: 8, client: 1 })];
    expect(checkLinearizable(h).ok).toBe(false);
  });

  it("checks keys independently", () => {
    const h = [op({ kind: "put", key: "a", value: "1", call: 1, ret: 2 }), op({ kind: "get", key: "b", output: { value: null }, call: 3, ret: 4 })];
    expect(checkLinearizable(h).ok).toBe(true);
  });
});

describe("safety checker", () => {
  it("flags two leaders in one term (Election Safety), with the seed in the message", () => {
    const chk = new SafetyChecker(42);
    chk.check(leaderCore("a", 3), "a#1");
    expect(() => chk.check(leaderCore("b", 3), "b#1")).toThrow(SafetyViolation);
    expect(() => chk.check(leaderCore("b", 3), "b#1")).toThrow(/seed=42: Election Safety/);
  });

  it("flags different entries applied at one index (State Machine Safety)", () => {
    const chk = new SafetyChecker(1);
    chk.applied_("a", { index: 1, term: 1, type: "normal", data: new Uint8Array([1]) });
    expect(() => chk.applied_("b", { index: 1, term: 1, type: "normal", data: new Uint8Array([2]) })).toThrow(/State Machine Safety/);
  });

  it("flags a log that disagrees with another at the same (index, term) (Log Matching)", () => {
    const chk = new SafetyChecker(1);
    const a = leaderCore("a", 2);
    a.propose(new Uint8Array([1]));
    chk.check(a, "a#1");
    const st = new MemoryStorage({ voters: ["b"], learners: [] });
    st.append([
      { index: 1, term: 2, type: "normal", data: new Uint8Array(0) },
      { index: 2, term: 2, type: "normal", data: new Uint8Array([7]) },
    ]);
    const b = new RaftCore({ id: "b", storage: st, rand: () => 0, electionTicks: 10, heartbeatTicks: 1 });
    expect(() => chk.check(b, "b#1")).toThrow(/Log Matching/);
  });
});

describe("safety checker: what the new write and read paths rest on (§10.2.1, §3.8, §6.4.1)", () => {
  /** `a` leading voters a, b, c with entry 2 committed: b's disk holds what b acknowledged, c's nothing. */
  function setup(extra: { leaseTicks?: number } = {}) {
    const { a, disk } = leaderOfThree(extra);
    const b = new MemoryStorage({ voters: ["a", "b", "c"], learners: [] });
    b.append(disk.entries(1, 3, Number.MAX_SAFE_INTEGER));
    b.setHardState({ term: 1, vote: "a", commit: 0 });
    const c = new MemoryStorage({ voters: ["a", "b", "c"], learners: [] });
    return { a, disks: { a: disk, b, c } };
  }

  it("passes a leader whose votes and committed entries are on a quorum of disks", () => {
    const { a, disks } = setup();
    expect(() => new SafetyChecker(1, view(disks)).check(a, "a#1")).not.toThrow();
  });

  it("flags a commit counted on a copy not yet on disk (Durable Commit)", () => {
    const { a, disks } = setup();
    // b acknowledged entry 2, but its disk lost it: only a holds it.
    const b = new MemoryStorage({ voters: ["a", "b", "c"], learners: [] });
    b.setHardState({ term: 1, vote: "a", commit: 0 });
    expect(() => new SafetyChecker(1, view({ ...disks, b })).check(a, "a#1")).toThrow(/Durable Commit: leader a of term 1 counts entry 1/);
  });

  it("flags a leader elected by votes that are not on disk (Durable Vote)", () => {
    const { a, disks } = setup();
    const b = new MemoryStorage({ voters: ["a", "b", "c"], learners: [] });
    b.append(disks.b.entries(1, 3, Number.MAX_SAFE_INTEGER));
    expect(() => new SafetyChecker(1, view({ ...disks, b })).check(a, "a#1")).toThrow(/Durable Vote: a leads term 1, but only 1 of 3/);
  });

  /** a's lease established: b answered the heartbeat round a sent on its first tick as leader. */
  function leased() {
    const s = setup({ leaseTicks: 4 });
    s.a.tick();
    const hb = s.a.ready();
    s.a.advance(hb);
    const round = hb.messages.find((m: Ready["messages"][number]) => m.type === "heartbeat" && m.to === "b");
    expect(round).toBeDefined();
    s.a.step({ type: "heartbeatResp", from: "b", to: "a", term: 1, ctx: "", round: (round as { round?: number }).round });
    expect(s.a.leaseHolds()).toBe(true);
    return s;
  }

  it("flags a lease that voters no longer guard (Lease Guard)", () => {
    const { a, disks } = leased();
    // b and c are up and would grant a vote at once (no leader heard for longer than the guard).
    const free = (id: string) => {
      const c = new RaftCore({ id, storage: new MemoryStorage({ voters: ["a", "b", "c"], learners: [] }), rand: () => 5, electionTicks: 10, heartbeatTicks: 1, leaseTicks: 4 });
      for (let i = 0; i < 7; i++) c.tick();
      expect(c.ticksUntilVotable()).toBe(0);
      return c;
    };
    expect(() => new SafetyChecker(1, view(disks, { b: free("b"), c: free("c") })).check(a, "a#1")).toThrow(/Lease Guard: leader a of term 1 holds its lease, but only 1 of 3/);
  });

  it("flags a lease held while a newer entry is committed elsewhere (Lease Freshness)", () => {
    const { a, disks } = leased();
    const chk = new SafetyChecker(1, view(disks));
    // Another node already knows entry 3 committed (a newer leader's no-op, say).
    const st = new MemoryStorage({ voters: ["a", "b", "c"], learners: [] });
    st.append([...disks.a.entries(1, 3, Number.MAX_SAFE_INTEGER), { index: 3, term: 2, type: "normal", data: new Uint8Array(0) }]);
    st.setHardState({ term: 2, vote: "c", commit: 3 });
    chk.check(new RaftCore({ id: "b", storage: st, rand: () => 0, electionTicks: 10, heartbeatTicks: 1 }), "b#1");
    expect(() => chk.check(a, "a#1")).toThrow(/Lease Freshness: leader a of term 1 holds its lease at commit index 2, but entry 3/);
  });
});

describe("simulator", () => {
  it("replays a seed identically", () => {
    const a = runSeed({ seed: 77, steps: 300 });
    const b = runSeed({ seed: 77, steps: 300 });
    expect(b).toEqual(a);
    expect(a.leaderTerms).toBeGreaterThan(0);
  });
});
