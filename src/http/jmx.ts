// /jmx as a Hadoop NameNode serves it (org.apache.hadoop.jmx.JMXJsonServlet), so monitoring
// scripts written for HDFS run against any Tessera peer unchanged: the same bean names, the
// same attribute names and meanings, `?qry=` with JMX ObjectName patterns, `?get=bean::attr`.
// The figures are the leader's (ClusterData); every peer answers for the whole cluster, and
// tag.HAState / NameNodeStatus.State say "active" only on the leader, as only the active
// NameNode does in HDFS.
//
// Tessera's words in HDFS's: a chunk is a block, a peer's chunk server is a DataNode, a live
// DataNode is a peer not dead (HDFS counts stale nodes as live: our "suspect"), and FilesTotal
// counts files and folders, root included, as HDFS's inode count does. What Tessera does not
// have (caches, volume failures apart from a dead peer, maintenance states) reads 0 or "{}".
import os from "node:os";
import type { ClusterSnapshot } from "./cluster-data.ts";
import { MalformedObjectNameError, matchesObjectName, parseObjectName, parseObjectNamePattern } from "./object-name.ts";
import { HttpError } from "./respond.ts";
import type { PeerCapacity } from "../protocol/views.ts";

export const FS_NAMESYSTEM_BEAN = "Hadoop:service=NameNode,name=FSNamesystem";
export const FS_NAMESYSTEM_STATE_BEAN = "Hadoop:service=NameNode,name=FSNamesystemState";
export const NAMENODE_INFO_BEAN = "Hadoop:service=NameNode,name=NameNodeInfo";
export const NAMENODE_STATUS_BEAN = "Hadoop:service=NameNode,name=NameNodeStatus";
// HDFS's class names, which scripts sometimes test.
const FS_NAMESYSTEM_CLASS = "org.apache.hadoop.hdfs.server.namenode.FSNamesystem";
const NAMENODE_CLASS = "org.apache.hadoop.hdfs.server.namenode.NameNode";
// DatanodeInfo.AdminStates.NORMAL as HDFS prints it.
const ADMIN_STATE_IN_SERVICE = "In Service";
const GiB = 1024 ** 3;

export interface Bean {
  name: string;
  modelerType: string;
  [attribute: string]: unknown;
}

export interface JmxContext {
  snapshot: ClusterSnapshot;
  self: { id: string; version: string; startedAtMs: number; addresses: string[] };
  isLeader: boolean;
}

/** The NameNode beans of the cluster now. */
export function namenodeBeans(context: JmxContext): Bean[] {
  const { report, fsck, status } = context.snapshot;
  const live = report.peers.filter((peer) => peer.state !== "dead");
  const dead = report.peers.filter((peer) => peer.state === "dead");
  const stale = report.peers.filter((peer) => peer.state === "suspect").length;
  const filesTotal = fsck.files + fsck.directories + 1;
  const percentRemaining = report.capacityBytes > 0 ? (report.remainingBytes / report.capacityBytes) * 100 : 0;
  const haState = context.isLeader ? "active" : "standby";
  // JSON strings keyed by node name, as NameNodeInfo gives them in HDFS.
  const liveNodes = JSON.stringify(Object.fromEntries(live.map((peer) => [peer.peer, liveNode(peer, context.self.version)])));
  const deadNodes = JSON.stringify(Object.fromEntries(dead.map((peer) => [peer.peer, deadNode(peer)])));
  // Attributes FSNamesystem (metrics) and FSNamesystemState (the MBean) share.
  const shared = {
    BlocksTotal: fsck.chunks,
    FilesTotal: filesTotal,
    CapacityTotal: report.capacityBytes,
    CapacityUsed: report.usedBytes,
    CapacityRemaining: report.remainingBytes,
    PendingReplicationBlocks: fsck.repairsInFlight,
    PendingReconstructionBlocks: fsck.repairsInFlight,
    UnderReplicatedBlocks: fsck.underReplicated,
    LowRedundancyBlocks: fsck.underReplicated,
    ScheduledReplicationBlocks: fsck.repairQueue,
    NumLiveDataNodes: live.length,
    NumDeadDataNodes: dead.length,
    NumDecomLiveDataNodes: 0,
    NumDecomDeadDataNodes: 0,
    NumDecommissioningDataNodes: 0,
    NumInMaintenanceLiveDataNodes: 0,
    NumInMaintenanceDeadDataNodes: 0,
    NumEnteringMaintenanceDataNodes: 0,
    VolumeFailuresTotal: 0,
    EstimatedCapacityLostTotal: 0,
  };
  return [
    {
      name: FS_NAMESYSTEM_BEAN,
      modelerType: "FSNamesystem",
      "tag.Context": "dfs",
      "tag.HAState": haState,
      "tag.Hostname": os.hostname(),
      ...shared,
      MissingBlocks: fsck.missing,
      CorruptBlocks: fsck.corrupt,
      ExcessBlocks: fsck.overReplicated,
      CapacityTotalGB: Math.round(report.capacityBytes / GiB),
      CapacityUsedGB: Math.round(report.usedBytes / GiB),
      CapacityRemainingGB: Math.round(report.remainingBytes / GiB),
      CapacityUsedNonDFS: report.nonChunkUsedBytes,
      PercentUsed: report.usedPercent,
      StaleDataNodes: stale,
      LastWrittenTransactionId: status.commitIndex,
    },
    {
      name: FS_NAMESYSTEM_STATE_BEAN,
      modelerType: FS_NAMESYSTEM_CLASS,
      FSState: "Operational",
      ...shared,
      ProvidedCapacityTotal: 0,
      NumStaleDataNodes: stale,
      NumStaleStorages: 0,
      // 0: no limit on the number of files, as HDFS says it.
      MaxObjects: 0,
      // Not in HDFS's FSNamesystemState (it keeps them in NameNodeInfo, below), yet monitoring
      // scripts read them here: served in both beans, the same text.
      LiveNodes: liveNodes,
      DeadNodes: deadNodes,
    },
    {
      name: NAMENODE_INFO_BEAN,
      modelerType: FS_NAMESYSTEM_CLASS,
      Version: context.self.version,
      SoftwareVersion: context.self.version,
      Total: report.capacityBytes,
      Used: report.usedBytes,
      Free: report.remainingBytes,
      NonDfsUsedSpace: report.nonChunkUsedBytes,
      PercentUsed: report.usedPercent,
      PercentRemaining: round2(percentRemaining),
      BlockPoolUsedSpace: report.usedBytes,
      PercentBlockPoolUsed: report.usedPercent,
      CacheCapacity: 0,
      CacheUsed: 0,
      TotalBlocks: fsck.chunks,
      TotalFiles: filesTotal,
      NumberOfMissingBlocks: fsck.missing,
      Safemode: "",
      UpgradeFinalized: true,
      LiveNodes: liveNodes,
      DeadNodes: deadNodes,
      DecomNodes: "{}",
      EnteringMaintenanceNodes: "{}",
      NodeUsage: JSON.stringify({ nodeUsage: nodeUsage(live) }),
      CorruptFiles: JSON.stringify(fsck.unhealthyFiles.filter((file) => file.status === "CORRUPT" || file.status === "MISSING").map((file) => file.path)),
      NNStartedTimeInMillis: context.self.startedAtMs,
      DistinctVersionCount: 1,
    },
    {
      name: NAMENODE_STATUS_BEAN,
      modelerType: NAMENODE_CLASS,
      NNRole: "NameNode",
      HostAndPort: hostAndPort(context.self.addresses[0] ?? ""),
      SecurityEnabled: false,
      State: haState,
      LastHATransitionTime: 0,
    },
  ];
}

/** Answers `/jmx`, `/jmx?qry=PATTERN` or `/jmx?get=BEAN::ATTRIBUTE` as JMXJsonServlet does. */
export function queryBeans(beans: Bean[], url: URL): { status: number; body: unknown } {
  const get = url.searchParams.get("get");
  if (get !== null) {
    // Java's String.split drops trailing empty parts: "bean::" is one part, hence malformed.
    const parts = get.split("::");
    while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
    if (parts.length !== 2) throw new HttpError(400, `get=${JSON.stringify(get.slice(0, 80))} is not BEAN::ATTRIBUTE`);
    const [pattern, attribute] = parts as [string, string];
    const found: Bean[] = [];
    for (const bean of matching(beans, pattern)) {
      if (!(attribute in bean) || attribute === "name" || attribute === "modelerType") {
        found.push({ name: bean.name, modelerType: bean.modelerType, result: "ERROR", message: `No attribute with name ${attribute} was found.` });
        return { status: 404, body: { beans: found } };
      }
      found.push({ name: bean.name, modelerType: bean.modelerType, [attribute]: bean[attribute] });
    }
    return { status: 200, body: { beans: found } };
  }
  // Without qry, or with an empty one, every bean ("*:*"), as ObjectName("") means.
  const qry = url.searchParams.get("qry") || "*:*";
  return { status: 200, body: { beans: matching(beans, qry) } };
}

function matching(beans: Bean[], pattern: string): Bean[] {
  let parsed;
  try {
    parsed = parseObjectNamePattern(pattern);
  } catch (err) {
    if (err instanceof MalformedObjectNameError) throw new HttpError(400, err.message);
    throw err;
  }
  return beans.filter((bean) => matchesObjectName(parsed, parseObjectName(bean.name)));
}

function liveNode(peer: PeerCapacity, version: string): Record<string, unknown> {
  return {
    infoAddr: "",
    infoSecureAddr: "",
    xferaddr: hostAndPort(peer.addresses[0] ?? ""),
    location: peer.rack,
    uuid: peer.peer,
    lastContact: Math.floor(peer.lastSeenAgoMs / 1000),
    usedSpace: peer.usedBytes,
    adminState: ADMIN_STATE_IN_SERVICE,
    nonDfsUsedSpace: Math.max(0, peer.capacityBytes - peer.remainingBytes - peer.usedBytes),
    capacity: peer.capacityBytes,
    numBlocks: peer.chunks,
    version,
    used: peer.usedBytes,
    remaining: peer.remainingBytes,
    blockScheduled: 0,
    blockPoolUsed: peer.usedBytes,
    blockPoolUsedPercent: peer.usedPercent,
    volfails: 0,
  };
}

function deadNode(peer: PeerCapacity): Record<string, unknown> {
  return {
    lastContact: Math.floor(peer.lastSeenAgoMs / 1000),
    decommissioned: false,
    adminState: ADMIN_STATE_IN_SERVICE,
    xferaddr: hostAndPort(peer.addresses[0] ?? ""),
    location: peer.rack,
    uuid: peer.peer,
  };
}

/** Min, median, max and standard deviation of the live peers' used%, formatted as HDFS does ("12.34%"). */
function nodeUsage(live: PeerCapacity[]): Record<string, string> {
  const usages = live.map((peer) => (peer.capacityBytes > 0 ? (peer.usedBytes / peer.capacityBytes) * 100 : 0)).sort((a, b) => a - b);
  const mean = usages.length > 0 ? usages.reduce((total, usage) => total + usage, 0) / usages.length : 0;
  const deviation = usages.length > 0 ? Math.sqrt(usages.reduce((total, usage) => total + (usage - mean) ** 2, 0) / usages.length) : 0;
  const percent = (value: number) => `${value.toFixed(2)}%`;
  return { min: percent(usages[0] ?? 0), median: percent(usages[Math.floor(usages.length / 2)] ?? 0), max: percent(usages[usages.length - 1] ?? 0), stdDev: percent(deviation) };
}

/** "/ip4/10.0.0.5/tcp/41213/p2p/..." as "10.0.0.5:41213" (HDFS's xferaddr); "" when it is not TCP/IP. */
export function hostAndPort(address: string): string {
  const match = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d+)/.exec(address);
  if (!match) return "";
  return match[1] === "ip6" ? `[${match[2]}]:${match[3]}` : `${match[2]}:${match[3]}`;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
