// The checkers must catch what they claim to: known-bad histories and states are flagged,
// known-good ones pass, and a simulated run replays identically from its seed.
import { describe, expect, it } from "vitest";
import { RaftCore } from "../../src/raft/core.ts";
import { MemoryStorage } from "../../src/raft/storage.ts";
import { SafetyChecker, SafetyViolation } from "./checker.ts";
import { runSeed } from "./cluster.ts";
import { checkLinearizable, type KvOp } from "./linearizability.ts";

const op = (o: Partial<KvOp> & Pick<KvOp, "kind" | "call" | "ret">): KvOp => ({ client: 0, key: "k", ...o }) as KvOp;

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
  function leaderCore(id: string, term: number): RaftCore {
    const st = new MemoryStorage({ voters: [id], learners: [] });
    st.setHardState({ term: term - 1, vote: "", commit: 0 });
    const c = new RaftCore({ id, storage: st, rand: () => 0, electionTicks: 10, heartbeatTicks: 1 });
    c.campaign();
    return c;
  }

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

describe("simulator", () => {
  it("replays a seed identically", () => {
    const a = runSeed({ seed: 77, steps: 300 });
    const b = runSeed({ seed: 77, steps: 300 });
    expect(b).toEqual(a);
    expect(a.leaderTerms).toBeGreaterThan(0);
  });
});
