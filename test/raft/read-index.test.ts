// Linearizable reads through ReadIndex (Raft dissertation §6.4): the leader records its
// commit index, confirms it is still leader with a heartbeat round, and only then answers;
// a new leader first commits an entry of its term; followers forward reads to the leader.
import { describe, expect, it } from "vitest";
import { InvalidMessageError, ReadIndexDroppedError } from "../../src/raft/errors.ts";
import { Network } from "./network.ts";

describe("§6.4 ReadIndex", () => {
  it("§6.4: the leader answers after a quorum acknowledges a heartbeat carrying the read", () => {
    const net = new Network(["a", "b", "c"]);
    net.campaign("a");
    net.propose("a", "x");
    const commit = net.core("a").log.committed;
    net.core("a").readIndex("r1");
    // The heartbeat round goes out with the read's ctx; here it is lost on the way.
    expect(net.processReady("a").some((m) => m.type === "heartbeat" && m.ctx === "r1")).toBe(true);
    net.stabilize();
    expect(net.node("a").readStates).toEqual([]);
    // The next heartbeat carries the last pending ctx again; a quorum of replies answers it.
    net.tickAll(1);
    expect(net.node("a").readStates).toEqual([{ index: commit, ctx: "r1" }]);
  });

  it("§6.4: a follower forwards the read to the leader and gets the read index back", () => {
    const net = new Network(["a", "b", "c"]);
    net.campaign("a");
    net.propose("a", "x");
    net.core("c").readIndex("r2");
    net.stabilize();
    expect(net.node("c").readStates).toEqual([{ index: net.core("a").log.committed, ctx: "r2" }]);
  });

  it("§6.4: a new leader answers no read before it has committed an entry of its term", () => {
    const net = new Network(["a", "b", "c"]);
    net.filter = (m) => m.type !== "app" && m.type !== "appResp";
    net.campaign("a");
    expect(net.core("a").role).toBe("leader");
    net.core("a").readIndex("r3");
    net.stabilize();
    net.tickAll(3);
    expect(net.node("a").readStates).toEqual([]);
    net.filter = undefined;
    net.tickAll(3);
    expect(net.node("a").readStates).toEqual([{ index: 1, ctx: "r3" }]);
  });

  it("§6.4: a stale leader cannot serve a read (no quorum confirms its leadership)", () => {
    // Without check-quorum the old leader does not step down by itself.
    const net = new Network(["a", "b", "c", "d", "e"], { checkQuorum: false, preVote: false });
    net.campaign("a");
    net.isolate("a");
    net.campaign("b");
    expect(net.core("b").role).toBe("leader");
    net.propose("b", "newer");
    // a still believes it leads term 1.
    expect(net.core("a").role).toBe("leader");
    net.core("a").readIndex("stale");
    net.tickAll(20);
    expect(net.node("a").readStates).toEqual([]);
    // Healing: a hears the higher term, steps down, and the read is dropped, never answered.
    net.recover();
    net.tickAll(5);
    expect(net.core("a").role).toBe("follower");
    expect(net.node("a").readStates).toEqual([]);
    // Reads at the real leader see the write.
    net.core("b").readIndex("fresh");
    net.tickAll(2);
    const rs = net.node("b").readStates.find((r) => r.ctx === "fresh");
    expect(rs?.index).toBeGreaterThanOrEqual(net.node("b").applied.findLast((e) => e.data.byteLength > 0)!.index);
  });

  it("§6.4: a single-voter leader answers at once; a node without a leader refuses", () => {
    const solo = new Network(["a"]);
    solo.campaign("a");
    solo.core("a").readIndex("r");
    solo.stabilize();
    expect(solo.node("a").readStates).toEqual([{ index: 1, ctx: "r" }]);
    const net = new Network(["a", "b", "c"]);
    expect(() => net.core("b").readIndex("r")).toThrow(ReadIndexDroppedError);
    expect(() => net.core("b").readIndex("x".repeat(1000))).toThrow(InvalidMessageError);
  });

  it("bound: reads beyond maxPendingReads are refused", () => {
    const net = new Network(["a", "b", "c"], { extra: { maxPendingReads: 3 } });
    net.campaign("a");
    net.isolate("a");
    for (let i = 0; i < 3; i++) net.core("a").readIndex(`r${i}`);
    expect(() => net.core("a").readIndex("r3")).toThrow(ReadIndexDroppedError);
  });
});
