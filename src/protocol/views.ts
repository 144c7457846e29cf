// The views clients receive: plain-JSON shapes of the answers of the cluster, which the
// embedding API, the CLI and admin HTTP (and later the gateways) all show, so they never
// disagree about what a peer, a status or a report is. The wire messages are in pb/; these are
// what a program works with.
import type { TierUsage } from "./pb/membership.ts";
import { BalanceSummary as BalanceSummaryMessage, DecommissionStatus as DecommissionStatusMessage, FileStatus, Health, VoterProgress, type CapacityReport as CapacityReportMessage, type ClusterStatus, type FsckResult as FsckResultMessage, type MountInfo, type UsageSpread as UsageSpreadMessage } from "./pb/meta.ts";
import { PeerState as PeerStateMessage, type PeerEntry } from "./pb/membership.ts";
import { Spelling } from "./spelling.ts";

// --- the wire's enums, as the views spell them (src/protocol/spelling.ts) ---------------------

export const PEER_STATE = new Spelling<PeerState, PeerStateMessage>("peer state", { alive: PeerStateMessage.ALIVE, suspect: PeerStateMessage.SUSPECT, dead: PeerStateMessage.DEAD });
export const CHUNK_STATUS = new Spelling<ChunkStatus, Health>("chunk health", { HEALTHY: Health.HEALTHY, UNDER_REPLICATED: Health.UNDER_REPLICATED, CORRUPT: Health.CORRUPT, MISSING: Health.MISSING });
export const STOPPED_BY = new Spelling<BalanceSummary["stoppedBy"], BalanceSummaryMessage.StoppedBy>("reason a balance stopped", {
  balanced: BalanceSummaryMessage.StoppedBy.BALANCED,
  time: BalanceSummaryMessage.StoppedBy.OUT_OF_TIME,
  stuck: BalanceSummaryMessage.StoppedBy.STUCK,
});
export const DECOMMISSION_STATE = new Spelling<DecommissionStatus["state"], DecommissionStatusMessage.State>("decommission state", {
  none: DecommissionStatusMessage.State.NORMAL,
  decommissioning: DecommissionStatusMessage.State.DECOMMISSIONING,
  decommissioned: DecommissionStatusMessage.State.DECOMMISSIONED,
});
export const PROGRESS_STATE = new Spelling<"probe" | "replicate" | "snapshot", VoterProgress.State>("replication progress state", {
  probe: VoterProgress.State.PROBE,
  replicate: VoterProgress.State.REPLICATE,
  snapshot: VoterProgress.State.SNAPSHOT,
});
export const FILE_KIND = new Spelling<"file" | "dir" | "symlink", FileStatus.Kind>("file kind", { file: FileStatus.Kind.FILE, dir: FileStatus.Kind.DIRECTORY, symlink: FileStatus.Kind.SYMLINK });
export const FILE_STATE = new Spelling<"open" | "closed", FileStatus.State>("file state", { open: FileStatus.State.OPEN, closed: FileStatus.State.CLOSED });

// --- the Raft group ---------------------------------------------------------------------------

export interface ClusterStatusView {
  leader: string;
  term: number;
  voters: string[];
  learners: string[];
  commitIndex: number;
  appliedIndex: number;
  /** Leader only: each member's replication progress. */
  progress: Array<{ peer: string; matchIndex: number; nextIndex: number; state: string; learner: boolean }>;
  answeredBy: string;
}

export function clusterStatusView(status: ClusterStatus): ClusterStatusView {
  return {
    leader: status.leader,
    term: Number(status.term),
    voters: status.voters,
    learners: status.learners,
    commitIndex: Number(status.commitIndex),
    appliedIndex: Number(status.appliedIndex),
    progress: status.progress.map((p) => ({ peer: p.peer, matchIndex: Number(p.match), nextIndex: Number(p.next), state: PROGRESS_STATE.view(p.state), learner: p.learner })),
    answeredBy: status.answeredBy,
  };
}

// --- peers ------------------------------------------------------------------------------------

/** What the failure detector says of a peer (src/membership/peer-table.ts). */
export type PeerState = "alive" | "suspect" | "dead";

export interface PeerView {
  id: string;
  addresses: string[];
  rack: string;
  state: PeerState;
  capacityBytes: number;
  freeBytes: number;
  chunkCount: number;
  /** One-minute load average. */
  load: number;
  cores: number;
  roles: string[];
  incarnation: number;
  lastSeenAgoMs: number;
  /** HOST:PORT of the peer's admin HTTP server (WebHDFS redirects point there); "" for none. */
  httpAddress: string;
  /** Its cache tiers, top first, as its heartbeat carries them (issue 16); empty without --tier. */
  tiers: TierUsage[];
}

export function peerViewFromEntry(entry: PeerEntry): PeerView {
  const heartbeat = entry.heartbeat;
  if (!heartbeat) throw new Error("peer entry without heartbeat");
  return {
    id: heartbeat.peerId,
    addresses: heartbeat.addresses,
    rack: heartbeat.rack,
    state: PEER_STATE.view(entry.state),
    capacityBytes: Number(heartbeat.capacityBytes),
    freeBytes: Number(heartbeat.freeBytes),
    chunkCount: Number(heartbeat.chunkCount),
    load: heartbeat.loadMilli / 1000,
    cores: heartbeat.cores,
    roles: heartbeat.roles,
    incarnation: Number(heartbeat.incarnation),
    lastSeenAgoMs: Number(entry.lastSeenAgoMs),
    httpAddress: heartbeat.httpAddress,
    tiers: [...(heartbeat.tiers ?? [])],
  };
}

// --- fsck and the capacity report (`hdfs fsck`, `hdfs dfsadmin -report`) ---------------------

/** A chunk's health; a file is as bad as its worst chunk, an answer as its worst file. */
export type ChunkStatus = "HEALTHY" | "UNDER_REPLICATED" | "CORRUPT" | "MISSING";

export interface FsckFile {
  path: string;
  status: ChunkStatus;
  replication: number;
  sizeBytes: number;
  chunks: number;
  underReplicated: number;
  corrupt: number;
  missing: number;
}

export interface FsckResult {
  /** The worst status of any chunk under the path. */
  status: ChunkStatus;
  path: string;
  files: number;
  directories: number;
  chunks: number;
  sizeBytes: number;
  healthy: number;
  underReplicated: number;
  corrupt: number;
  missing: number;
  /** Chunks with more live replicas than wanted (healthy; the replicator trims them). */
  overReplicated: number;
  /** Chunks of under-storage files (PERSISTED) with no live copy: healthy, just not cached (docs/cache.md). */
  notCached: number;
  /** Files that are not HEALTHY, at most FSCK_FILES_LISTED_MAX (src/master/repair/fsck.ts), in path order. */
  unhealthyFiles: FsckFile[];
  /** True when more unhealthy files exist than are listed. */
  truncated: boolean;
}

export interface PeerCapacity {
  peer: string;
  rack: string;
  state: PeerState;
  addresses: string[];
  capacityBytes: number;
  /** Bytes of chunk replicas the leader knows this peer holds. */
  usedBytes: number;
  /** Free bytes on the peer's disk (what new chunks can take). */
  remainingBytes: number;
  /** usedBytes / capacityBytes × 100, two decimals. */
  usedPercent: number;
  chunks: number;
  lastSeenAgoMs: number;
  /** Its cache tiers, top first (issue 16); empty without --tier. */
  tiers: TierUsage[];
}

export interface CapacityReport {
  /** Totals over the chunk servers that are not dead. */
  capacityBytes: number;
  usedBytes: number;
  remainingBytes: number;
  /** Capacity taken by anything but chunks (the OS, other files). */
  nonChunkUsedBytes: number;
  usedPercent: number;
  livePeers: number;
  suspectPeers: number;
  deadPeers: number;
  /** Every chunk server known, in id order. */
  peers: PeerCapacity[];
}

// --- the balancer and decommissioning ---------------------------------------------------------

/** One peer's share of its capacity used by replicas. */
export interface PeerUsage {
  peer: string;
  rack: string;
  usedBytes: number;
  capacityBytes: number;
  usedPct: number;
}

export interface UsageSpread {
  meanPct: number;
  minPct: number;
  maxPct: number;
  /** The largest distance of a peer's used% from the mean. */
  deviationPct: number;
  peers: PeerUsage[];
}

export interface BalanceSummary {
  moves: number;
  bytesMoved: number;
  balanced: boolean;
  /** Why it stopped short of balanced: "time" (ask again) or "stuck" (no allowed move left). */
  stoppedBy: "balanced" | "time" | "stuck";
  before: UsageSpread;
  after: UsageSpread;
}

export type DecommissionState = "decommissioning" | "decommissioned";

export interface DecommissionStatus {
  peer: string;
  state: DecommissionState | "none";
  /** Current replicas the peer still holds. */
  replicasHeld: number;
  /** Of those, how many still need a copy elsewhere before the peer can go. */
  replicasToMove: number;
  /** Copies this leader made for the peer. */
  copiesMade: number;
  /** Chunks that cannot get a copy now (no eligible peer). */
  blocked: number;
}

/** fsck's answer with the leader's replicator figures. */
export interface FsckView extends FsckResult {
  /** The leader's repair queue when it answered. */
  repairQueue: number;
  /** Mounts whose under-storage the leader could not reach at its last try (issue 16); absent or empty: none. */
  unreachableMounts?: MountInfo[];
  repairsInFlight: number;
  repairedChunks: number;
}

/** The capacity report with the namespace's and the replicator's summary figures. */
export interface ReportView extends CapacityReport {
  files: number;
  chunks: number;
  /** Chunks the replicator is repairing or has queued. */
  underReplicated: number;
  repairQueue: number;
  repairedChunks: number;
  repairedBytes: number;
}

// --- answers to views and back: the master builds the message, a client reads the view --------

export function fsckView(message: FsckResultMessage): FsckView {
  const { unreachableMounts, ...rest } = message;
  return {
    ...rest,
    status: CHUNK_STATUS.view(message.status),
    unhealthyFiles: message.unhealthyFiles.map((file) => ({ ...file, status: CHUNK_STATUS.view(file.status) })),
    // Absent when every mount answered (or there are none): most answers of most clusters.
    ...(unreachableMounts.length > 0 ? { unreachableMounts } : {}),
  };
}

export function fsckMessage(view: FsckView): FsckResultMessage {
  return { ...view, status: CHUNK_STATUS.wire(view.status), unhealthyFiles: view.unhealthyFiles.map((file) => ({ ...file, status: CHUNK_STATUS.wire(file.status) })), unreachableMounts: view.unreachableMounts ?? [] };
}

export function reportView(message: CapacityReportMessage): ReportView {
  return { ...message, peers: message.peers.map((peer) => ({ ...peer, state: PEER_STATE.view(peer.state) })) };
}

export function reportMessage(view: ReportView): CapacityReportMessage {
  return { ...view, peers: view.peers.map((peer) => ({ ...peer, state: PEER_STATE.wire(peer.state) })) };
}

function spreadView(message: UsageSpreadMessage | undefined): UsageSpread {
  if (!message) return { meanPct: 0, minPct: 0, maxPct: 0, deviationPct: 0, peers: [] };
  return { meanPct: message.meanPct, minPct: message.minPct, maxPct: message.maxPct, deviationPct: message.deviationPct, peers: message.peers.map((peer) => ({ ...peer })) };
}

export function balanceSummaryView(message: BalanceSummaryMessage): BalanceSummary {
  return { moves: message.moves, bytesMoved: message.bytesMoved, balanced: message.balanced, stoppedBy: STOPPED_BY.view(message.stoppedBy), before: spreadView(message.before), after: spreadView(message.after) };
}

export function balanceSummaryMessage(view: BalanceSummary): BalanceSummaryMessage {
  return { ...view, stoppedBy: STOPPED_BY.wire(view.stoppedBy), before: { ...view.before, peers: view.before.peers.map((peer) => ({ ...peer })) }, after: { ...view.after, peers: view.after.peers.map((peer) => ({ ...peer })) } };
}

export function decommissionStatusView(message: DecommissionStatusMessage): DecommissionStatus {
  return { ...message, state: DECOMMISSION_STATE.view(message.state) };
}

export function decommissionStatusMessage(view: DecommissionStatus): DecommissionStatusMessage {
  return { ...view, state: DECOMMISSION_STATE.wire(view.state) };
}
