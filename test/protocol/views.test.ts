// The views keep the spellings the CLI and admin HTTP always showed ("alive", "dir", "time"),
// while the wire carries enums: each table maps every value of its enum both ways, and a value
// it does not know (a newer peer's) is refused rather than shown as something else.
import { describe, expect, it } from "vitest";
import { CHUNK_STATUS, DECOMMISSION_STATE, FILE_KIND, FILE_STATE, PEER_STATE, PROGRESS_STATE, STOPPED_BY, fsckMessage, fsckView, reportMessage, reportView, type FsckView, type ReportView } from "../../src/protocol/views.ts";
import { BalanceSummary, DecommissionStatus, FileStatus, Health, VoterProgress } from "../../src/protocol/pb/meta.ts";
import { PeerState } from "../../src/protocol/pb/membership.ts";

const TABLES: Array<{ name: string; table: { view(wire: never): string; wire(view: never): string }; values: object; views: string[] }> = [
  { name: "peer state", table: PEER_STATE, values: PeerState, views: ["alive", "suspect", "dead"] },
  { name: "chunk health", table: CHUNK_STATUS, values: Health, views: ["HEALTHY", "UNDER_REPLICATED", "CORRUPT", "MISSING"] },
  { name: "balance stop", table: STOPPED_BY, values: BalanceSummary.StoppedBy, views: ["balanced", "time", "stuck"] },
  { name: "decommission state", table: DECOMMISSION_STATE, values: DecommissionStatus.State, views: ["none", "decommissioning", "decommissioned"] },
  { name: "progress state", table: PROGRESS_STATE, values: VoterProgress.State, views: ["probe", "replicate", "snapshot"] },
  { name: "file kind", table: FILE_KIND, values: FileStatus.Kind, views: ["file", "dir", "symlink"] },
  { name: "file state", table: FILE_STATE, values: FileStatus.State, views: ["open", "closed"] },
];

describe("the spellings of the wire's enums", () => {
  for (const { name, table, values, views } of TABLES) {
    it(`${name}: every value but UNSPECIFIED has its view and back, and the views are the old spellings`, () => {
      const known = Object.values(values).filter((value) => typeof value === "string" && !value.endsWith("UNSPECIFIED"));
      expect(known.map((wire) => table.view(wire as never)).sort()).toEqual([...views].sort());
      for (const wire of known) expect(table.wire(table.view(wire as never) as never)).toBe(wire);
      for (const unspecified of Object.values(values).filter((value) => typeof value === "string" && value.endsWith("UNSPECIFIED"))) {
        expect(() => table.view(unspecified as never)).toThrow(/this version knows/);
      }
      expect(() => table.wire("no-such-view" as never)).toThrow();
    });
  }
});

describe("answers to views and back", () => {
  it("fsck and the report come back to the same view after a trip through their messages", () => {
    const fsck: FsckView = {
      status: "CORRUPT", path: "/", files: 3, directories: 1, chunks: 9, sizeBytes: 1000, healthy: 7, underReplicated: 1, corrupt: 1, missing: 0, overReplicated: 0, notCached: 2,
      unhealthyFiles: [{ path: "/a", status: "CORRUPT", replication: 3, sizeBytes: 10, chunks: 2, underReplicated: 0, corrupt: 1, missing: 0 }],
      truncated: false, repairQueue: 2, repairsInFlight: 1, repairedChunks: 5,
    };
    expect(fsckView(fsckMessage(fsck))).toEqual(fsck);
    const report: ReportView = {
      capacityBytes: 100, usedBytes: 10, remainingBytes: 80, nonChunkUsedBytes: 10, usedPercent: 10, livePeers: 1, suspectPeers: 0, deadPeers: 1,
      peers: [
        { peer: "a", rack: "/r1", state: "alive", addresses: ["/ip4/127.0.0.1/tcp/1"], capacityBytes: 100, usedBytes: 10, remainingBytes: 80, usedPercent: 10, chunks: 3, lastSeenAgoMs: 0, tiers: [] },
        { peer: "b", rack: "/r2", state: "dead", addresses: [], capacityBytes: 0, usedBytes: 0, remainingBytes: 0, usedPercent: 0, chunks: 0, lastSeenAgoMs: 99_000, tiers: [] },
      ],
      files: 3, chunks: 9, underReplicated: 1, repairQueue: 1, repairedChunks: 0, repairedBytes: 0,
    };
    expect(reportView(reportMessage(report))).toEqual(report);
  });
});
