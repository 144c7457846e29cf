// Block reports, the leader's side: increments are taken only from a peer that sent the
// current leadership a full report. A peer forgotten as dead (paused or cut off longer than the
// dead timeout) comes back sending increments; without the refusal its chunks stay unknown,
// so fsck says MISSING and the replicator copies them needlessly, until the next change of
// leader. Found by the chaos run (seed 1351671349: a pause and a halves partition).
import { describe, it, expect } from "vitest";
import { ReportService } from "../../src/master/rpc/report-service.ts";
import { ChunkLocations } from "../../src/master/cluster/locations.ts";
import { Namespace } from "../../src/master/state/namespace.ts";
import type { BlockReport } from "../../src/protocol/pb/report.ts";
import type { Logger } from "../../src/util/log.ts";

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => quiet };

function leaderWith(locations: ChunkLocations) {
  const raft = { isLeader: true, term: 3, leader: "me" };
  const service = new ReportService({ raft, namespace: Namespace.open(), locations, log: quiet } as unknown as ConstructorParameters<typeof ReportService>[0]);
  return { raft, service };
}

function report(kind: "full" | "increment", chunkIds: string[], removed: string[] = []): BlockReport {
  const full = kind === "full";
  return { full, first: full, last: full, added: chunkIds.map((chunkId) => ({ chunkId, version: 1n, sizeBytes: 10n, tier: "" })), removed };
}

describe("the report service", () => {
  it("refuses increments from a peer it holds no full report of, and takes them again after one", () => {
    const locations = new ChunkLocations();
    const { service } = leaderWith(locations);
    expect(service.take("a", report("increment", ["0000000000000001"])).errorCode).toBe("REPORT_FULL_NEEDED");
    expect(locations.replicas("0000000000000001")).toEqual([]);

    expect(service.take("a", report("full", ["0000000000000001"])).errorCode).toBe("");
    expect(service.take("a", report("increment", ["0000000000000002"])).errorCode).toBe("");
    expect(locations.replicasOf("a").map((replica) => replica.chunkId).sort()).toEqual(["0000000000000001", "0000000000000002"]);

    // Declared dead: its replicas leave the map, and so does its full report.
    locations.forgetPeer("a");
    expect(service.take("a", report("increment", ["0000000000000003"])).errorCode).toBe("REPORT_FULL_NEEDED");
    expect(locations.replicasOf("a")).toEqual([]);
    expect(service.take("a", report("full", ["0000000000000001", "0000000000000002", "0000000000000003"])).errorCode).toBe("");
    expect(locations.replicasOf("a")).toHaveLength(3);
  });

  it("asks every peer for a full report again when it leads a new term", () => {
    const locations = new ChunkLocations();
    const { raft, service } = leaderWith(locations);
    expect(service.take("a", report("full", ["0000000000000001"])).errorCode).toBe("");
    expect(service.take("a", report("increment", [], ["0000000000000001"])).errorCode).toBe("");
    // Another peer led term 4 meanwhile; this one leads again at term 5: what it knew of a is
    // from before, so a's increments wait for a full report.
    raft.term = 5;
    expect(service.take("a", report("increment", ["0000000000000002"])).errorCode).toBe("REPORT_FULL_NEEDED");
    expect(service.take("a", report("full", ["0000000000000002"])).errorCode).toBe("");
    expect(service.take("a", report("increment", ["0000000000000004"])).errorCode).toBe("");
  });

  it("answers NOT_LEADER when it does not lead", () => {
    const locations = new ChunkLocations();
    const { raft, service } = leaderWith(locations);
    raft.isLeader = false;
    expect(service.take("a", report("full", ["0000000000000001"]))).toMatchObject({ errorCode: "NOT_LEADER", leaderHint: "me" });
  });
});
