// The embeddable API: `import { startPeer } from "tessera"` runs a full peer inside another
// Bun program; `connect()` talks to a cluster as a client. The CLI is a thin layer over this.
export { startPeer, Peer, JoinRefusedError } from "./peer/peer.ts";
export type { PeerOptions } from "./peer/config.ts";
// Cache tiers of a peer (PeerOptions.tiers): parse `NAME:DIR:SIZE` as `node start --tier` does.
export { parseTierSpec, parseTierSpecs } from "./cache/tier-spec.ts";
export type { TierSpec, TierName, EvictionPolicy, CacheTiers } from "./cache/tiers.ts";
export { ConfigError } from "./util/config.ts";
export { connect, ClusterClient, ClusterUnreachableError, type ConnectOptions } from "./client/cluster.ts";
export type { PeerChange, FailureDetectorConfig } from "./membership/peer-table.ts";
export { decodeSwarmKey, encodeSwarmKey, generateSwarmKey } from "./net/swarm-key.ts";
export { SwarmKeyMismatchError } from "./net/encryption.ts";
// MapReduce: a job module is `export default defineJob({ map, reduce, combine?, partition?, input? })`.
export { defineJob, defaultPartition, jobContext, type JobDefinition, type JobContext, type Emit, type InputFormat } from "./job-module/job-api.ts";
export { JobsClient, JobError, type JobView, type SubmitOptions, type StreamingOptions } from "./client/jobs.ts";
export { FileSystemClient, FsError, type StatView, type ChunkView, type ReplicaView, type PutOptions, type FileRangeReader, type ByteSource, type Attributes } from "./client/fs.ts";
export { AdminClient } from "./client/admin.ts";
// Under-storage mounts and the cache (issue 16, docs/cache.md).
export { ReadType, WriteType, type UnderStorageView, type MountOptions, type LoadOptions, type LoadResult, type ReadOptions, type MountInfo, type CacheChange } from "./client/fs.ts";
export { PersistState } from "./protocol/mounts.ts";
export { cachedFraction, percentOf, DATA_DIR_TIER, type CachedFraction } from "./client/cache-view.ts";
export { CacheError } from "./client/cache-client.ts";
export type { CacheServiceStats } from "./cache/cache-service.ts";
// The views the cluster's answers come as (plain JSON; the CLI and admin HTTP show the same).
export type { PeerView, PeerState, ClusterStatusView, FsckView, FsckFile, ChunkStatus, ReportView, PeerCapacity, BalanceSummary, UsageSpread, DecommissionStatus } from "./protocol/views.ts";
// The wire's error vocabulary: every error a client sees carries one of these codes.
export { ERROR_CODES, type ErrorCode } from "./protocol/errors.ts";
