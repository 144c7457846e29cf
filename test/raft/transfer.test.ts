// Leadership transfer (Raft dissertation §3.10): the leader catches the transferee up,
// sends TimeoutNow, stops taking proposals meanwhile, and gives up after an election timeout.
import { describe, expect, it } from "vitest";
import { LeaderTransferError, ProposalDroppedError } from "../../src/raft/errors.ts";
import { Network } from "./network.ts";

describe("§3.10 leadership transfer", () => {
  it("§3.10: transfer to an up-to-date follower: it campaigns at once and wins the next term", () => {
    const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    net.campaign("a");
    net.propose("a", "x");
    const term = net.core("a").term;
    net.core("a").transferLeadership("b");
    net.stabilize();
    expect(net.sent.some((m) => m.type === "timeoutNow" && m.to === "b")).toBe(true);
    expect(net.leader()).toBe("b");
    expect(net.core("b").term).toBe(term + 1);
    expect(net.core("a").role).toBe("follower");
    net.propose("b", "y");
    expect(net.appliedText("a")).toEqual(["x", "y"]);
  });

  it("§3.10: a lagging transferee is caught up first, then gets TimeoutNow", () => {
    const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    net.campaign("a");
    net.isolate("c");
    for (let i = 0; i < 5; i++) net.propose("a", `x${i}`);
    net.recover();
    net.core("a").transferLeadership("c");
    expect(net.core("a").status().leadTransferee).toBe("c");
    net.stabilize();
    expect(net.leader()).toBe("c");
    expect(net.appliedText("c")).toEqual(["x0", "x1", "x2", "x3", "x4"]);
  });

  it("§3.10: proposals are refused while a transfer is in progress", () => {
    const net = new Network(["a", "b", "c"]);
    net.campaign("a");
    net.isolate("b");
    net.core("a").transferLeadership("b");
    let err: unknown;
    try {
      net.core("a").propose(new Uint8Array([1]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProposalDroppedError);
    expect((err as ProposalDroppedError).reason).toBe("transferring");
  });

  it("§3.10: a transfer that does not finish within an election timeout is aborted", () => {
    const net = new Network(["a", "b", "c"]);
    net.campaign("a");
    net.isolate("b");
    net.core("a").transferLeadership("b");
    for (let i = 0; i < 10; i++) net.tick("a");
    expect(net.core("a").status().leadTransferee).toBe("");
    expect(net.core("a").role).toBe("leader");
    expect(() => net.core("a").propose(new Uint8Array([1]))).not.toThrow();
  });

  it("§3.10: a transfer to a non-voter is refused; a follower forwards the request to its leader", () => {
    const net = new Network(["a", "b", "c"]);
    net.campaign("a");
    expect(() => net.core("a").transferLeadership("zz")).toThrow(LeaderTransferError);
    net.core("c").transferLeadership("c");
    net.stabilize();
    expect(net.leader()).toBe("c");
  });

  it("§3.10: TimeoutNow overrides the lease of followers that recently heard from the leader", () => {
    const net = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    net.campaign("a");
    net.tickAll(1); // everyone has just heard from a
    net.core("a").transferLeadership("c");
    net.stabilize();
    expect(net.leader()).toBe("c");
  });
});
