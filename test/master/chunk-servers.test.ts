// Who may hold data, decided in one place (GFS §4.2 placement, §4.3 re-replication; HDFS's
// DatanodeManager and decommissioning): placement, the replicator, the balancer,
// decommissioning and fsck all read this helper.
import { describe, it, expect } from "vitest";
import { eligibleChunkServers, chunkServerStates, isChunkServer } from "../../src/master/cluster/chunk-servers.ts";
import { record, decommissionSettings, GiB } from "./records.ts";

const records = [
  record("a", "/r1", { freeGiB: 10, capacityGiB: 50 }),
  record("b", "/r1", { state: "suspect" }),
  record("c", "/r2", { state: "dead" }),
  record("d", "/r2", { roles: ["compute", "master-candidate"] }),
  record("e", "/r2"),
  record("f", "/r3"),
];

describe("eligible chunk servers", () => {
  it("are the alive peers with the chunk role that are not being decommissioned, in the table's order, with rack, free bytes and capacity", () => {
    const eligible = eligibleChunkServers(records, decommissionSettings({ f: "decommissioning" }));
    expect(eligible).toEqual([
      { id: "a", rack: "/r1", freeBytes: 10 * GiB, capacityBytes: 50 * GiB },
      { id: "e", rack: "/r2", freeBytes: 100 * GiB, capacityBytes: 100 * GiB },
    ]);
  });

  it("leave out a decommissioned peer as well as a decommissioning one (HDFS: neither is a target)", () => {
    const ids = (states: Record<string, "decommissioning" | "decommissioned">) => eligibleChunkServers(records, decommissionSettings(states)).map((peer) => peer.id);
    expect(ids({})).toEqual(["a", "e", "f"]);
    expect(ids({ a: "decommissioned", e: "decommissioning" })).toEqual(["f"]);
  });
});

describe("chunk server states", () => {
  it("lists every chunk server with its liveness, decommissioning ones included (their replicas still serve reads)", () => {
    const states = chunkServerStates(records);
    expect([...states.keys()]).toEqual(["a", "b", "c", "e", "f"]);
    expect(states.get("b")).toEqual({ id: "b", rack: "/r1", freeBytes: 100 * GiB, state: "suspect" });
    expect(states.get("c")!.state).toBe("dead");
    expect(isChunkServer(records[3]!)).toBe(false);
  });
});
