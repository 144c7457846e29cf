import { describe, it, expect } from "vitest";
import { Network } from "./network.ts";
describe("smoke", () => {
  it("elects and replicates", () => {
    const net = new Network(["a", "b", "c"]);
    net.campaign("a");
    expect(net.core("a").role).toBe("leader");
    net.propose("a", "x");
    for (const id of ["a", "b", "c"]) expect(net.appliedText(id)).toEqual(["x"]);
    const pv = new Network(["a", "b", "c"], { preVote: true, checkQuorum: true });
    pv.tickAll(25);
    const l = pv.leader()!;
    expect(l).toBeDefined();
    pv.propose(l, "y");
    for (const id of ["a", "b", "c"]) expect(pv.appliedText(id)).toEqual(["y"]);
  });
});
