// The JSON shapes of Hadoop's WebHDFS REST API (hadoop-hdfs's JsonUtil): field names, nesting
// and the values of a file and a folder, as clients index them.
import { describe, it, expect } from "vitest";
import type { ChunkView, StatView } from "../../../src/client/fs.ts";
import { blockLocationsJson, booleanJson, ContentSummary, directoryListingJson, fileStatusJson, hostOf, pathJson } from "../../../src/gateway/webhdfs/json.ts";

const MiB = 1024 * 1024;

function stat(fields: Partial<StatView>): StatView {
  return { path: "/p", kind: "file", size: 0, replication: 3, chunkSize: 64 * MiB, mtimeMs: 0, state: "closed", chunks: [], attributes: {}, owner: "alice", group: "supergroup", permission: 0o644, accessTimeMs: 0, ...fields };
}

function chunk(index: number, size: number, peers: string[]): ChunkView {
  return { id: `c${index}`, index, version: 1, size, committed: true, replicas: peers.map((peer) => ({ peer, rack: "/r1" })) };
}

describe("FileStatus", () => {
  it("of a file: Hadoop's every field, the permission as octal text, the chunk size as blockSize", () => {
    const json = fileStatusJson(stat({ path: "/d/f.txt", size: 1234, mtimeMs: 1_700_000_000_000, accessTimeMs: 1_700_000_000_500, fileId: 16386 }), "f.txt");
    expect(json).toEqual({
      accessTime: 1_700_000_000_500,
      blockSize: 64 * MiB,
      childrenNum: 0,
      fileId: 16386,
      group: "supergroup",
      length: 1234,
      modificationTime: 1_700_000_000_000,
      owner: "alice",
      pathSuffix: "f.txt",
      permission: "644",
      replication: 3,
      storagePolicy: 0,
      type: "FILE",
    });
  });

  it("of a symbolic link: type SYMLINK with its target in `symlink`, as Hadoop's JsonUtil; a summary ignores it", () => {
    const link = stat({ kind: "symlink", size: 5, replication: 0, chunkSize: 0, permission: 0o777, symlinkTarget: "/a/b" });
    expect(fileStatusJson(link, "l")).toMatchObject({ type: "SYMLINK", symlink: "/a/b", length: 0, blockSize: 0, replication: 0, childrenNum: 0, permission: "777" });
    const summary = new ContentSummary();
    summary.add(link);
    expect(summary.json().ContentSummary).toMatchObject({ fileCount: 0, directoryCount: 0, length: 0 });
  });

  it("of a folder: no length, block size or replication (0 as HDFS), childrenNum as given or -1 (Hadoop's unknown)", () => {
    const folder = stat({ kind: "dir", size: 99, replication: 3, permission: 0o1777 });
    expect(fileStatusJson(folder, "")).toMatchObject({ type: "DIRECTORY", length: 0, blockSize: 0, replication: 0, childrenNum: -1, permission: "1777", pathSuffix: "", fileId: 0 });
    expect(fileStatusJson(folder, "", 7).childrenNum).toBe(7);
  });

  it("spells permissions as Hadoop does: octal, no leading zero, the sticky bit kept", () => {
    for (const [bits, text] of [[0o755, "755"], [0o600, "600"], [0o1777, "1777"], [0o7, "7"]] as const) expect(fileStatusJson(stat({ kind: "dir", permission: bits }), "").permission).toBe(text);
  });
});

describe("the other answers", () => {
  it("boolean, Path and LISTSTATUS_BATCH's DirectoryListing", () => {
    expect(booleanJson(false)).toEqual({ boolean: false });
    expect(pathJson("/user/alice")).toEqual({ Path: "/user/alice" });
    const entry = fileStatusJson(stat({}), "a");
    expect(directoryListingJson([entry], 12)).toEqual({ DirectoryListing: { partialListing: { FileStatuses: { FileStatus: [entry] } }, remainingEntries: 12 } });
  });

  it("ContentSummary counts the folder itself, files, bytes and bytes times replication", () => {
    const summary = new ContentSummary();
    summary.add(stat({ kind: "dir" }));
    summary.add(stat({ kind: "dir" }));
    summary.add(stat({ size: 100, replication: 3 }));
    summary.add(stat({ size: 50, replication: 2 }));
    expect(summary.json()).toEqual({ ContentSummary: { directoryCount: 2, fileCount: 2, length: 150, quota: -1, spaceConsumed: 400, spaceQuota: -1, typeQuota: {} } });
  });

  it("BlockLocations: the chunks overlapping the range, each with its live holders' host, HOST:PORT, rack path and id", () => {
    const chunks = [chunk(0, MiB, ["A", "B"]), chunk(1, MiB, ["B", "C"]), chunk(2, 10, ["C"])];
    const addresses: Record<string, string> = { A: "10.0.0.1:9870", B: "[fd00::2]:9870" };
    const json = blockLocationsJson(chunks, MiB - 1, 2, (id) => addresses[id]);
    expect(json.BlockLocations.BlockLocation).toEqual([
      { cachedHosts: [], corrupt: false, hosts: ["10.0.0.1", "fd00::2"], length: MiB, names: ["10.0.0.1:9870", "[fd00::2]:9870"], offset: 0, storageIds: ["A", "B"], storageTypes: ["DISK", "DISK"], topologyPaths: ["/r1/10.0.0.1:9870", "/r1/[fd00::2]:9870"] },
      // C is not live: it is left out.
      { cachedHosts: [], corrupt: false, hosts: ["fd00::2"], length: MiB, names: ["[fd00::2]:9870"], offset: MiB, storageIds: ["B"], storageTypes: ["DISK"], topologyPaths: ["/r1/[fd00::2]:9870"] },
    ]);
    expect(blockLocationsJson(chunks, 2 * MiB, 1_000, (id) => addresses[id]).BlockLocations.BlockLocation.map((location) => location.offset)).toEqual([2 * MiB]);
    expect(blockLocationsJson(chunks, 3 * MiB, 1_000, (id) => addresses[id]).BlockLocations.BlockLocation).toEqual([]);
    expect(hostOf("node-1:80")).toBe("node-1");
  });
});
