// What the admin HTTP server reads, wired in by the peer (src/peer/peer.ts). Cluster-wide
// answers come from the leader through this peer's own clients, over the same metadata path
// `tessera report`, `tessera fsck` and `tessera cluster status` take, so the UI, /metrics,
// /jmx and the CLI show the same figures. Nothing here changes cluster state.
import type { ClusterStatusView, PeerView, FsckView, ReportView } from "../protocol/views.ts";
import type { StatView } from "../client/fs.ts";
import type { JobView } from "../client/jobs.ts";
import type { TaskRecord } from "../protocol/pb/jobs.ts";
import type { TierUsage } from "../protocol/pb/membership.ts";
import type { AdmissionStats } from "../util/admission.ts";

export interface AdminHttpSource {
  self: { id: string; rack: string; startedAtMs: number; version: string };
  /** This peer's own membership table (local: no leader involved). */
  peers(): PeerView[];
  /** The Raft group as the leader sees it (a peer that does not lead asks the leader). */
  clusterStatus(): Promise<ClusterStatusView>;
  fsck(path: string): Promise<FsckView>;
  report(): Promise<ReportView>;
  stat(path: string): Promise<StatView>;
  /** One page of a folder's entries (or the file itself), after `after`, at most `limit`. */
  listPage(path: string, options: { after?: string; limit: number }): Promise<{ entries: StatView[]; next?: string }>;
  jobs(): Promise<JobView[]>;
  job(id: string): Promise<JobView>;
  tasks(id: string): Promise<TaskRecord[]>;
  /** Figures of this peer alone. */
  local: LocalFigures;
}

export interface RaftFigures {
  term: number;
  commitIndex: number;
  appliedIndex: number;
  leader: string;
  isLeader: boolean;
  /** Times this peer saw the leader change since it started. */
  leaderChanges: number;
}

export interface LocalFigures {
  raft(): RaftFigures;
  /** The chunk server's data protocols: bytes written as a replica, bytes served to readers (its DataService.stats). */
  data: {
    readonly write: { readonly bytesWritten: number; readonly pipelinesCommitted: number; readonly pipelinesFailed: number; readonly checksumErrors: number };
    readonly read: { readonly bytesServed: number; readonly readsServed: number; readonly readsFailed: number; readonly checksumErrors: number };
  };
  /** This peer's file system client: bytes read from its own disk and over the network. */
  reads: { readonly localBytes: number; readonly remoteBytes: number };
  /** This peer's cache tiers, top first, with their counters (empty without --tier). */
  tiers(): TierUsage[];
  /** This peer's compute worker. */
  tasks: { readonly counters: { readonly mapsDone: number; readonly reducesDone: number; readonly failed: number; readonly cancelled: number; readonly mapShortCircuitBytes: number }; readonly runningCount: number };
  /** The admission of each request server this peer runs ("meta", "webhdfs", "s3"): requests admitted and refused (src/util/admission.ts). */
  admission(): Array<{ service: string; stats: AdmissionStats }>;
  /** Checkpoints of this peer's namespace WAL by its worker thread: finished (complete: the WAL wholly copied) and failed. */
  walCheckpoints(): { checkpoints: number; complete: number; failures: number };
}
