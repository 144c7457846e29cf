// The NameNode beans of /jmx (HDFS's names and meanings, so a script written for a NameNode's
// /jmx runs unchanged), `qry` and `get` as JMXJsonServlet answers them, a monitoring script's
// GET of FSNamesystemState over HTTP, and the overview's alerts and task rows, all from one
// made-up snapshot of the leader's answers.
import { describe, it, expect } from "vitest";
import { hostAndPort, namenodeBeans, queryBeans, type Bean } from "../../src/http/jmx.ts";
import { PeerMetrics } from "../../src/http/metrics.ts";
import { startAdminHttp } from "../../src/http/server.ts";
import type { AdminHttpSource } from "../../src/http/source.ts";
import { createLogger } from "../../src/util/log.ts";
import { alertsOf } from "../../src/http/alerts.ts";
import { taskView } from "../../src/http/api.ts";
import { HttpError } from "../../src/http/respond.ts";
import type { ClusterSnapshot } from "../../src/http/cluster-data.ts";
import { TaskAttempt, TaskKind, TaskRecord } from "../../src/protocol/pb/jobs.ts";
import type { PeerCapacity } from "../../src/protocol/views.ts";

const GiB = 1024 ** 3;
const A = "12D3KooWAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B = "12D3KooWBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const C = "12D3KooWCccccccccccccccccccccccccccccccccccccccccccccc";

function peer(id: string, state: PeerCapacity["state"], port: number, lastSeenAgoMs: number): PeerCapacity {
  return { peer: id, rack: "/r1", state, addresses: [`/ip4/10.0.0.1/tcp/${port}/p2p/${id}`], capacityBytes: 100 * GiB, usedBytes: 10 * GiB, remainingBytes: 80 * GiB, usedPercent: 10, chunks: 11, lastSeenAgoMs, tiers: [] };
}

const snapshot: ClusterSnapshot = {
  status: { leader: A, term: 3, voters: [A, B, C], learners: [], commitIndex: 120, appliedIndex: 120, progress: [], answeredBy: A },
  report: {
    capacityBytes: 200 * GiB,
    usedBytes: 20 * GiB,
    remainingBytes: 160 * GiB,
    nonChunkUsedBytes: 20 * GiB,
    usedPercent: 10,
    livePeers: 1,
    suspectPeers: 1,
    deadPeers: 1,
    peers: [peer(A, "alive", 4001, 0), peer(B, "suspect", 4002, 2_500), peer(C, "dead", 4003, 12_900)],
    files: 3,
    chunks: 11,
    underReplicated: 11,
    repairQueue: 0,
    repairedChunks: 0,
    repairedBytes: 0,
  },
  fsck: {
    status: "MISSING",
    path: "/",
    files: 3,
    directories: 1,
    chunks: 11,
    sizeBytes: 1_000_000,
    healthy: 0,
    underReplicated: 9,
    corrupt: 0,
    missing: 2,
    overReplicated: 0,
    notCached: 0,
    unhealthyFiles: [{ path: "/data/a.bin", status: "MISSING", replication: 3, sizeBytes: 1, chunks: 7, underReplicated: 5, corrupt: 0, missing: 2 }],
    truncated: false,
    repairQueue: 4,
    repairsInFlight: 2,
    repairedChunks: 0,
  },
  ageMs: 0,
};

const beans = namenodeBeans({ snapshot, self: { id: B, version: "0.1.0", startedAtMs: 1_700_000_000_000, addresses: [`/ip4/10.0.0.1/tcp/4002/p2p/${B}`] }, isLeader: false });
const bean = (name: string) => beans.find((b) => b.name === `Hadoop:service=NameNode,name=${name}`)!;
const query = (search: string) => queryBeans(beans, new URL(`http://peer/jmx${search}`));

describe("NameNode beans", () => {
  it("FSNamesystem and FSNamesystemState carry HDFS's attributes with HDFS's meanings", () => {
    for (const name of ["FSNamesystem", "FSNamesystemState"]) {
      expect(bean(name)).toMatchObject({
        // Files and folders, the root included, as HDFS's inode count.
        FilesTotal: 5,
        BlocksTotal: 11,
        UnderReplicatedBlocks: 9,
        CapacityTotal: 200 * GiB,
        CapacityUsed: 20 * GiB,
        CapacityRemaining: 160 * GiB,
        // A suspect peer is live (HDFS: stale), a dead one is not.
        NumLiveDataNodes: 2,
        NumDeadDataNodes: 1,
        PendingReplicationBlocks: 2,
        ScheduledReplicationBlocks: 4,
      });
    }
    expect(bean("FSNamesystem")).toMatchObject({ modelerType: "FSNamesystem", "tag.HAState": "standby", MissingBlocks: 2, CorruptBlocks: 0, PercentUsed: 10, CapacityTotalGB: 200, StaleDataNodes: 1 });
    expect(bean("FSNamesystemState")).toMatchObject({ modelerType: "org.apache.hadoop.hdfs.server.namenode.FSNamesystem", FSState: "Operational", NumStaleDataNodes: 1 });
    expect(bean("NameNodeStatus")).toMatchObject({ State: "standby", HostAndPort: "10.0.0.1:4002" });
  });

  it("NameNodeInfo's LiveNodes and DeadNodes are JSON strings keyed by peer, with HDFS's fields", () => {
    const info = bean("NameNodeInfo");
    expect(info).toMatchObject({ Total: 200 * GiB, Used: 20 * GiB, Free: 160 * GiB, PercentUsed: 10, PercentRemaining: 80, TotalBlocks: 11, TotalFiles: 5, NumberOfMissingBlocks: 2 });
    const live = JSON.parse(info.LiveNodes as string) as Record<string, Record<string, unknown>>;
    const dead = JSON.parse(info.DeadNodes as string) as Record<string, Record<string, unknown>>;
    expect(Object.keys(live).sort()).toEqual([A, B]);
    expect(live[B]).toMatchObject({ xferaddr: "10.0.0.1:4002", location: "/r1", uuid: B, lastContact: 2, capacity: 100 * GiB, used: 10 * GiB, usedSpace: 10 * GiB, remaining: 80 * GiB, nonDfsUsedSpace: 10 * GiB, numBlocks: 11, adminState: "In Service" });
    expect(dead).toEqual({ [C]: { lastContact: 12, decommissioned: false, adminState: "In Service", xferaddr: "10.0.0.1:4003", location: "/r1", uuid: C } });
    expect(JSON.parse(info.CorruptFiles as string)).toEqual(["/data/a.bin"]);
    expect(JSON.parse(info.NodeUsage as string)).toEqual({ nodeUsage: { min: "10.00%", median: "10.00%", max: "10.00%", stdDev: "0.00%" } });
  });

  it("answers qry and get as JMXJsonServlet does", () => {
    expect((query("").body as { beans: Bean[] }).beans).toHaveLength(4);
    expect((query("?qry=").body as { beans: Bean[] }).beans).toHaveLength(4);
    expect((query("?qry=Hadoop:service=NameNode,name=FSNamesystem*").body as { beans: Bean[] }).beans.map((b) => b.name)).toEqual(["Hadoop:service=NameNode,name=FSNamesystem", "Hadoop:service=NameNode,name=FSNamesystemState"]);
    expect(query("?qry=Hadoop:service=DataNode,name=*")).toEqual({ status: 200, body: { beans: [] } });
    expect(query("?get=Hadoop:service=NameNode,name=FSNamesystemState::NumDeadDataNodes")).toEqual({ status: 200, body: { beans: [{ name: "Hadoop:service=NameNode,name=FSNamesystemState", modelerType: "org.apache.hadoop.hdfs.server.namenode.FSNamesystem", NumDeadDataNodes: 1 }] } });
    expect(query("?get=Hadoop:service=NameNode,name=FSNamesystemState::Nope").status).toBe(404);
    expect(query("?get=Hadoop:service=NameNode,name=NoSuchBean::Nope")).toEqual({ status: 200, body: { beans: [] } });
    for (const bad of ["?qry=Hadoop", "?get=Hadoop:service=NameNode", "?get=Hadoop:service=NameNode,name=FSNamesystem::", "?get=a::b::c", "?get=nocolon::FilesTotal"]) {
      expect(() => query(bad), bad).toThrow(HttpError);
    }
  });

  it("xferaddr is host:port of the peer's first TCP address", () => {
    expect(hostAndPort("/ip4/127.0.0.1/tcp/41213/p2p/12D3KooW")).toBe("127.0.0.1:41213");
    expect(hostAndPort("/ip6/::1/tcp/7000")).toBe("[::1]:7000");
    expect(hostAndPort("/dns4/peer.example/tcp/7000")).toBe("peer.example:7000");
    expect(hostAndPort("/memory/x")).toBe("");
  });
});

/** An admin HTTP source that answers with `snapshot` for the cluster and serves as peer B; nothing else is asked by /jmx. */
function snapshotSource(): AdminHttpSource {
  const unused = () => Promise.reject(new Error("not asked by /jmx"));
  return {
    self: { id: B, rack: "/r1", startedAtMs: 1_700_000_000_000, version: "0.1.0" },
    peers: () => [{ id: B, addresses: [`/ip4/10.0.0.1/tcp/4002/p2p/${B}`], rack: "/r1", state: "suspect", capacityBytes: 100 * GiB, freeBytes: 80 * GiB, chunkCount: 11, load: 0, cores: 2, roles: [], incarnation: 1, lastSeenAgoMs: 2_500, httpAddress: "", tiers: [] }],
    clusterStatus: async () => snapshot.status,
    report: async () => snapshot.report,
    fsck: async () => snapshot.fsck,
    stat: unused,
    listPage: unused,
    jobs: unused,
    job: unused,
    tasks: unused,
    local: {
      raft: () => ({ term: 3, commitIndex: 120, appliedIndex: 120, leader: A, isLeader: false, leaderChanges: 0 }),
      data: { write: { bytesWritten: 0, pipelinesCommitted: 0, pipelinesFailed: 0, checksumErrors: 0 }, read: { bytesServed: 0, readsServed: 0, readsFailed: 0, checksumErrors: 0 } },
      reads: { localBytes: 0, remoteBytes: 0 },
      tiers: () => [],
      tasks: { counters: { mapsDone: 0, reducesDone: 0, failed: 0, cancelled: 0, mapShortCircuitBytes: 0 }, runningCount: 0 },
      admission: () => [],
      walCheckpoints: () => ({ checkpoints: 0, complete: 0, failures: 0 }),
    },
  };
}

describe("GET /jmx over HTTP", () => {
  it("FSNamesystemState carries LiveNodes and DeadNodes as HDFS's NameNodeInfo does, for monitoring scripts that read them there", async () => {
    const http = await startAdminHttp({ address: "127.0.0.1:0", source: snapshotSource(), metrics: new PeerMetrics(), log: createLogger("jmx-test") });
    try {
      // The monitoring call, as the script sends it.
      const response = await fetch(`${http.url}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState`);
      expect(response.status).toBe(200);
      const { beans: found } = (await response.json()) as { beans: Bean[] };
      expect(found.map((b) => b.name)).toEqual(["Hadoop:service=NameNode,name=FSNamesystemState"]);
      const state = found[0]!;
      // JSON strings, as in HDFS, not nested objects.
      expect(typeof state.LiveNodes).toBe("string");
      expect(typeof state.DeadNodes).toBe("string");
      const live = JSON.parse(state.LiveNodes as string) as Record<string, Record<string, unknown>>;
      const dead = JSON.parse(state.DeadNodes as string) as Record<string, Record<string, unknown>>;
      // Keyed by node name: the alive and the suspect (HDFS: stale) peers are live, the dead one is not.
      expect(Object.keys(live).sort()).toEqual([A, B]);
      for (const id of [A, B]) expect(live[id]).toMatchObject({ capacity: 100 * GiB, usedSpace: 10 * GiB, numBlocks: 11 });
      expect(live[B]).toMatchObject({ xferaddr: "10.0.0.1:4002", lastContact: 2, remaining: 80 * GiB, adminState: "In Service" });
      // lastContact: seconds since the peer was last heard from.
      expect(Object.keys(dead)).toEqual([C]);
      expect(dead[C]).toMatchObject({ lastContact: 12 });
      // Additive: NameNodeInfo keeps them, the same text.
      const info = ((await (await fetch(`${http.url}/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo`)).json()) as { beans: Bean[] }).beans[0]!;
      expect(info.LiveNodes).toBe(state.LiveNodes);
      expect(info.DeadNodes).toBe(state.DeadNodes);
    } finally {
      await http.stop();
    }
  });
});

describe("overview alerts and task rows", () => {
  it("names what is wrong, worst first", () => {
    expect(alertsOf(snapshot)).toEqual(["2 chunks are missing", "9 chunks are under-replicated", `peer 12D3..cccccc is dead`, `peer 12D3..bbbbbb is suspect`]);
    expect(alertsOf({ ...snapshot, status: { ...snapshot.status, leader: "" }, ageMs: 12_000 }).slice(0, 2)).toEqual(["no leader", "these figures are 12 s old: the leader has not answered since"]);
    const healthy = { ...snapshot, fsck: { ...snapshot.fsck, missing: 0, underReplicated: 0, corrupt: 0 }, report: { ...snapshot.report, peers: [peer(A, "alive", 1, 0)] } };
    expect(alertsOf(healthy)).toEqual([]);
    expect(alertsOf({ ...healthy, fsck: { ...healthy.fsck, corrupt: 1 } })).toEqual(["1 chunk is corrupt"]);
  });

  it("a task row names the peer and locality of its running attempt, else of the one that finished", () => {
    const base: TaskRecord = { kind: TaskKind.MAP, index: 3, state: TaskRecord.State.PENDING, attempts: 0, failures: 0, running: [], lastError: "" };
    expect(taskView(base)).toEqual({ kind: "map", index: 3, state: "pending", attempts: 0, peer: "", locality: "" });
    const attempt: TaskAttempt = { attempt: 1, peer: A, locality: TaskAttempt.Locality.RACK, startedAtMs: 1, backup: false };
    expect(taskView({ ...base, state: TaskRecord.State.RUNNING, attempts: 2, running: [attempt] })).toEqual({ kind: "map", index: 3, state: "running", attempts: 2, peer: A, locality: "rack" });
    expect(taskView({ ...base, state: TaskRecord.State.DONE, attempts: 1, done: { ...attempt, peer: B, locality: TaskAttempt.Locality.NODE } })).toEqual({ kind: "map", index: 3, state: "done", attempts: 1, peer: B, locality: "node" });
  });
});
