// The leader's file-system service: turns a client's file system requests into namespace
// commands proposed through Raft, and answers reads from the namespace after a ReadIndex barrier.
// Decisions that need the world — which peers get a new chunk, the clock of a lease — are
// taken here, before proposing, and written into the command (DESIGN.md, "Metadata").
import { randomInt } from "node:crypto";
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import type { Logger } from "../../util/log.ts";
import type { Namespace, StatResult } from "../state/namespace.ts";
import type { ChunkInfo, ChunkCommitted } from "../state/namespace-ops.ts";
import type * as ops from "../state/namespace-ops.ts";
import { encodeLogCommand, type TypedLogCommand } from "../state/log-command.ts";
import { chooseTargets, type PlacementPeer } from "../cluster/placement.ts";
import { FileSpreads, type SpreadChunk } from "../cluster/file-spread.ts";
import type { ChunkLocations } from "../cluster/locations.ts";
import { FileStatus, type Committed, type ConcatRequest, type CreateRequest, type Created, type Done, type FileChunk, type Replica, type SymlinkRequest } from "../../protocol/pb/meta.ts";
import type { MetaHandlers } from "../../protocol/meta.ts";
import type { Caller } from "../../protocol/pb/log.ts";
import { Callers } from "./callers.ts";
import { applyUmask, DIR_MODE_UNMASKED, FILE_MODE_UNMASKED, PERMISSION_MAX } from "../state/permissions.ts";
import { isPermission } from "../../protocol/permissions.ts";
import { FILE_KIND, FILE_STATE, fsckMessage, reportMessage } from "../../protocol/views.ts";
import { fsck } from "../repair/fsck.ts";
import { capacityReport } from "../cluster/capacity-report.ts";
import type { PlannerPeer } from "../repair/replication.ts";
import type { ReplicationView } from "../repair/replication-manager.ts";
import { REPLICATION_DEFAULT, CHUNK_SIZE_BYTES_DEFAULT, CHUNKS_IN_FLIGHT_MAX, STAT_CHUNKS_BYTES_MAX } from "../../protocol/limits.ts";
import { CHUNK_PAGE_MAX } from "../state/limits.ts";
import { RequestError, WireError } from "../../protocol/errors.ts";
import { eligibleChunkServers, chunkServerStates } from "../cluster/chunk-servers.ts";
import { LeaderLoop, type TimerSource } from "../leader-loop.ts";
import { COMMIT_TIMEOUT_MS } from "../timeouts.ts";
import { normalizePath, stagingPath } from "../../protocol/paths.ts";
import type { UnderStorageBroker } from "../../protocol/under-storage.ts";
import { PersistState, relativeUnderStoragePath, WriteType, type MountRecord } from "../../protocol/mounts.ts";
import { isPersisted, mountInfo, UnderStorageSync } from "./under-storage-sync.ts";

// A writer that stops renewing loses its file after this (HDFS's soft limit is 60 s).
export const LEASE_MS = 60_000;
// Lease recovery runs this often on the leader.
const LEASE_RECOVERY_INTERVAL_MS = 5_000;

type CreateResult = ReturnType<typeof ops.create>;

/**
 * The owner, group and bits of a file a create or concat made (namespace.ownershipOf: one
 * lookup by id). A file gone since is answered as the superuser's, bits unknown (0).
 */
export interface NewFileStatus {
  owner: string;
  group: string;
  permission: number;
}

/**
 * A create's answer from its command's result: the new file's status is known without a
 * read (a writer of an empty file needs no stat), and the first chunk's grant when the create
 * placed one. Also how a retried create is answered from its recorded result.
 */
export function createdAnswer(req: CreateRequest, result: CreateResult, replica: (peer: string) => Replica, namespace: Namespace): Created {
  const closed = req.closed === true;
  const stat: FileStatus = {
    // A staging file is in no folder: its path names it by id (issue 17).
    path: req.staging === true ? stagingPath(result.fileId) : normalizePath(req.path),
    kind: FileStatus.Kind.FILE,
    sizeBytes: 0,
    replication: req.replication || REPLICATION_DEFAULT,
    chunkSizeBytes: req.chunkSizeBytes || CHUNK_SIZE_BYTES_DEFAULT,
    mtimeMs: result.mtimeMs,
    state: closed ? FileStatus.State.CLOSED : FileStatus.State.OPEN,
    chunks: [],
    fileId: result.fileId,
    ...newFileStatus(namespace, result.fileId),
    accessTimeMs: result.mtimeMs,
    ...(closed && req.attributes && req.attributes.entries.length > 0 ? { attributes: req.attributes } : {}),
  };
  const chunk = result.firstChunk;
  if (!chunk) return { fileId: result.fileId, stat };
  return { fileId: result.fileId, stat, firstChunk: { chunkId: chunk.chunkId, index: chunk.index, version: chunk.version, sizeBytes: 0, committed: false, replicas: chunk.replicas.map(replica) } };
}

/** Where a file stands after an editor's rewrite (also a retried one's answer): closed, its new length and mtime. */
export function rewrittenAnswer(result: ops.Rewritten): Committed {
  return { fileId: result.fileId, sizeBytes: result.lengthBytes, closed: true, mtimeMs: result.mtimeMs };
}

/** Where a file stands after a commit of its chunk or a complete (also a retried one's answer). */
export function committedAnswer(fileId: number, result: { lengthBytes: number; closed: boolean; mtimeMs: number }): Committed {
  return { fileId, sizeBytes: result.lengthBytes, closed: result.closed, mtimeMs: result.mtimeMs };
}

/**
 * A concat's answer from its command's result (also a retried one's): the new file's status
 * without its chunks (10,000 of them with their replicas would not fit one message; a stat
 * pages them).
 */
export function concatenatedAnswer(req: ConcatRequest, result: ops.Concatenated, namespace: Namespace): FileStatus {
  return {
    path: normalizePath(req.destination),
    kind: FileStatus.Kind.FILE,
    sizeBytes: result.lengthBytes,
    replication: result.replication,
    chunkSizeBytes: result.chunkSizeBytes,
    mtimeMs: result.mtimeMs,
    state: FileStatus.State.CLOSED,
    chunks: [],
    fileId: result.fileId,
    ...newFileStatus(namespace, result.fileId),
    accessTimeMs: result.mtimeMs,
    ...(req.attributes.length > 0 ? { attributes: { entries: req.attributes } } : {}),
  };
}

/** A symlink's answer from its command's result (also a retried one's): the new link's status. */
export function symlinkAnswer(req: SymlinkRequest, result: ops.SymlinkMade, namespace: Namespace): FileStatus {
  return {
    path: normalizePath(req.path),
    kind: FileStatus.Kind.SYMLINK,
    sizeBytes: result.lengthBytes,
    replication: 0,
    chunkSizeBytes: 0,
    mtimeMs: result.mtimeMs,
    state: FileStatus.State.CLOSED,
    chunks: [],
    fileId: result.fileId,
    ...newFileStatus(namespace, result.fileId),
    accessTimeMs: result.mtimeMs,
    symlinkTarget: req.target,
  };
}

/**
 * An upper bound of a chunk's bytes in a stat answer: its fields and its replicas' (each
 * string with its length and tag, each number as a full varint).
 */
export function chunkWireBytes(chunk: FileChunk): number {
  // The chunk's own tag and length, its id, three numbers and a flag, then each replica.
  let bytes = 1 + 3 + 1 + 1 + Buffer.byteLength(chunk.chunkId) + 3 * (1 + 10) + 2;
  for (const replica of chunk.replicas) {
    bytes += 1 + 3 + 1 + 3 + Buffer.byteLength(replica.peer) + 1 + 3 + Buffer.byteLength(replica.rack);
    for (const address of replica.addresses) bytes += 1 + 3 + Buffer.byteLength(address);
  }
  return bytes;
}

/** How many of `chunks`, from the first, fit in `budgetBytes` (at least one when `first`: a page always moves on). */
export function chunksThatFit(chunks: readonly FileChunk[], budgetBytes: number, first: boolean): number {
  let left = budgetBytes;
  for (let i = 0; i < chunks.length; i++) {
    left -= chunkWireBytes(chunks[i]!);
    if (left < 0 && !(first && i === 0)) return i;
  }
  return chunks.length;
}

/** The requests of /tessera/meta/3 this service serves. */
export type FsRequestKind =
  | "mkdir"
  | "create"
  | "append"
  | "addChunk"
  | "bumpChunk"
  | "commitChunk"
  | "abandonChunk"
  | "complete"
  | "renewLease"
  | "rename"
  | "delete"
  | "setReplication"
  | "setAttributes"
  | "concat"
  | "stat"
  | "list"
  | "fsck"
  | "report"
  | "reportBadReplica"
  | "setOwner"
  | "setPermission"
  | "setTimes"
  | "truncate"
  | "symlink"
  | "rewrite";

export interface FsServiceInit {
  raft: RaftNode;
  namespace: Namespace;
  membership: MembershipService;
  locations: ChunkLocations;
  /** The leader's replicator, whose queue fsck and report show. */
  replication?: { view(): ReplicationView };
  log: Logger;
  nowMs?: () => number;
  rand?: (n: number) => number;
  /** The lease-recovery loop's timers. */
  timers?: TimerSource;
  /** Who each request acts for, with its groups (shared with the meta service); one of its own when absent. */
  callers?: Callers;
  /**
   * The leader's door to the under-storages of mounts (issue 16): the metadata sync of stat and
   * list, deletes and renames of persisted files. Absent: paths inside mounts are answered
   * from the namespace alone, and mounting is refused.
   */
  underStorage?: UnderStorageBroker;
}

export class FsService {
  private readonly nowMs: () => number;
  private readonly rand: (n: number) => number;
  private readonly leaseRecovery: LeaderLoop<void>;
  /** Bytes of each file being written per peer, for spreading a file written from outside evenly. */
  private readonly spreads = new FileSpreads();
  private readonly callers: Callers;
  /** The mounts, their metadata sync and what this leader remembers of reaching them (mount-service.ts shares it). */
  readonly underStorage: UnderStorageSync;

  constructor(private readonly init: FsServiceInit) {
    this.callers = init.callers ?? new Callers({ namespace: init.namespace });
    this.nowMs = init.nowMs ?? (() => Date.now());
    this.underStorage = new UnderStorageSync({ namespace: init.namespace, broker: init.underStorage, propose: (command) => this.propose(command), nowMs: this.nowMs, log: init.log });
    this.rand = init.rand ?? ((n) => randomInt(n));
    this.leaseRecovery = new LeaderLoop({ name: "lease recovery", intervalMs: LEASE_RECOVERY_INTERVAL_MS, isLeader: () => init.raft.isLeader, round: () => this.recoverExpiredLeases(), log: init.log, timers: init.timers });
  }

  start(): void {
    this.leaseRecovery.start();
  }

  /** Stops the timer; a recovery running now is not waited for (its proposals fail once Raft stops). */
  stop(): void {
    void this.leaseRecovery.stop();
  }

  /**
   * The file system's requests, served on the leader (src/protocol/meta.ts pairs each with its
   * answer). Each throws a WireError (RequestError, a NamespaceError, an invalid path) with a
   * stable code when it refuses.
   */
  readonly handlers: Pick<MetaHandlers, FsRequestKind> = {
    mkdir: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      this.refuseReadonly(req.path);
      const now = this.nowMs();
      // HDFS: the bits asked for, else 777 less the cluster's umask (the leader decides: apply reads the command only).
      const permission = requestedBits(req.permission) ?? applyUmask(DIR_MODE_UNMASKED, this.init.namespace.permissionSettings().umask);
      await this.propose({ mkdir: { path: req.path, parents: req.parents, mtimeMs: now, permission, ...(req.attributes ? { attributes: req.attributes } : {}) } }, caller);
      return DONE;
    },
    create: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      const permission = requestedBits(req.permission) ?? applyUmask(FILE_MODE_UNMASKED, this.init.namespace.permissionSettings().umask);
      const now = this.nowMs();
      const replication = req.replication || REPLICATION_DEFAULT;
      const chunkSizeBytes = req.chunkSizeBytes || CHUNK_SIZE_BYTES_DEFAULT;
      const closed = req.closed === true;
      const staging = req.staging === true;
      if (staging && closed) throw new RequestError("INVALID", "a staging file is open: it receives an editor's chunks");
      // A staging file is outside every mount (its chunks join the edited file only by a rewrite).
      const persistState = staging ? (this.refuseReadonly(req.path), undefined) : this.persistStateOfNewFile(req.path, req.writeType);
      // A first chunk placed with the create: the same decision addChunk takes, one commit fewer.
      const firstChunk = req.withFirstChunk === true && !closed ? this.place(replication, chunkSizeBytes, req.writerPeer ?? "", new Set(), new Map()) : undefined;
      if (firstChunk?.length === 0) throw new RequestError("NO_PEERS", "no live peer has room for a new chunk");
      const result = (await this.propose({
        create: {
          path: req.path,
          replication,
          chunkSizeBytes,
          clientId: requireClient(req),
          leaseExpiryMs: closed ? 0 : now + LEASE_MS,
          mtimeMs: now,
          permission,
          ...(closed ? { closed } : {}),
          ...(req.attributes ? { attributes: req.attributes } : {}),
          ...(firstChunk ? { firstChunk: { replicas: firstChunk.map((peer) => peer.id) } } : {}),
          ...(persistState !== undefined ? { persistState } : {}),
          ...(staging ? { staging } : {}),
        },
        ...(caller ? { caller } : {}),
      })) as CreateResult;
      if (result.firstChunk) {
        this.spreads.of(result.fileId, 0, chunkSizeBytes, () => []);
        this.spreads.added(result.fileId, 0, result.firstChunk.replicas, chunkSizeBytes);
      }
      return createdAnswer(req, result, (peer) => this.replica(peer), this.init.namespace);
    },
    append: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      this.refuseReadonly(req.path);
      const now = this.nowMs();
      const result = (await this.propose({ reopenForAppend: { path: req.path, clientId: requireClient(req), leaseExpiryMs: now + LEASE_MS, nowMs: now } }, caller)) as { fileId: number };
      // The writer's answer carries the chunks whatever its READ: an append continues the last
      // one (HDFS's append takes WRITE only, and hands the last block to the writer too).
      return { fileId: result.fileId, stat: await this.statOf(req.path) };
    },
    addChunk: async (req) => {
      const chunksInFlight = req.chunksInFlight ?? 0;
      if (!Number.isInteger(chunksInFlight) || chunksInFlight < 0 || chunksInFlight > CHUNKS_IN_FLIGHT_MAX) throw new RequestError("INVALID", `a writer keeps 1..${CHUNKS_IN_FLIGHT_MAX} chunks in flight, not ${chunksInFlight}`);
      const file = this.fileById(req);
      const nextIndex = (this.init.namespace.lastChunkOf(req.fileId)?.index ?? -1) + 1;
      const fileBytes = this.spreads.of(req.fileId, nextIndex, file.chunkSizeBytes, () => this.chunkRows(req.fileId));
      const targets = this.place(file.replication, file.chunkSizeBytes, req.writerPeer, new Set(req.excludePeers), fileBytes);
      if (targets.length === 0) throw new RequestError("NO_PEERS", "no live peer has room for a new chunk");
      const result = (await this.propose({
        addChunk: { fileId: req.fileId, clientId: requireClient(req), replicas: targets.map((t) => t.id), version: 1, ...(chunksInFlight > 1 ? { uncommittedMax: chunksInFlight } : {}) },
      })) as { chunkId: string; index: number; version: number };
      this.spreads.added(req.fileId, result.index, targets.map((t) => t.id), file.chunkSizeBytes);
      return { chunkId: result.chunkId, index: result.index, version: result.version, sizeBytes: 0, committed: false, replicas: targets.map((t) => this.replica(t.id)) };
    },
    bumpChunk: async (req) => {
      // A pipeline failed: a new version, placed without the peers that failed, so replicas
      // that took the old version can never be served (GFS §4.5).
      const file = this.fileById(req);
      // Looked up by id, not by paging the file's chunks: with several in flight it need not be the last.
      const owner = this.init.namespace.fileOfChunk(req.chunkId);
      if (!owner || owner.fileId !== req.fileId) throw new RequestError("CHUNK_NOT_FOUND", `chunk ${req.chunkId} is not in this file`);
      const chunk = this.init.namespace.chunksOfFile(req.fileId, { fromIndex: owner.index, limit: 1 })[0]!;
      const nextIndex = (this.init.namespace.lastChunkOf(req.fileId)?.index ?? -1) + 1;
      const fileBytes = this.spreads.of(req.fileId, nextIndex, file.chunkSizeBytes, () => this.chunkRows(req.fileId));
      const targets = this.place(file.replication, file.chunkSizeBytes, req.writerPeer, new Set(req.excludePeers), fileBytes);
      if (targets.length === 0) throw new RequestError("NO_PEERS", "no live peer is left to rebuild the pipeline");
      const result = (await this.propose({ bumpChunkVersion: { fileId: req.fileId, chunkId: req.chunkId, version: chunk.version + 1, replicas: targets.map((t) => t.id), clientId: requireClient(req) } })) as { version: number };
      this.spreads.moved(req.fileId, chunk.replicas, targets.map((t) => t.id), file.chunkSizeBytes);
      return { chunkId: req.chunkId, index: chunk.index, version: result.version, sizeBytes: 0, committed: false, replicas: targets.map((t) => this.replica(t.id)) };
    },
    commitChunk: async (req) => {
      const complete = req.complete === true;
      const result = (await this.propose({
        commitChunk: { fileId: req.fileId, chunkId: req.chunkId, version: req.version, sizeBytes: req.sizeBytes, clientId: requireClient(req), ...(complete ? { complete, mtimeMs: this.nowMs() } : {}), ...(req.attributes ? { attributes: req.attributes } : {}) },
      })) as ChunkCommitted;
      // The pipeline's final ack means every one of its replicas has the chunk durably:
      // the location map learns it now rather than at the next block reports.
      for (const peer of result.replicas) this.init.locations.incrementalReport(peer, [{ chunkId: req.chunkId, version: req.version, sizeBytes: req.sizeBytes }], []);
      return committedAnswer(req.fileId, result);
    },
    abandonChunk: async (req) => {
      const now = this.nowMs();
      await this.propose({ abandonChunk: { fileId: req.fileId, chunkId: req.chunkId, clientId: requireClient(req), nowMs: now } });
      return DONE;
    },
    complete: async (req) => {
      const now = this.nowMs();
      const result = (await this.propose({ complete: { fileId: req.fileId, clientId: requireClient(req), mtimeMs: now, ...(req.attributes ? { attributes: req.attributes } : {}) } })) as ReturnType<typeof ops.complete>;
      return committedAnswer(req.fileId, { ...result, closed: true });
    },
    renewLease: async (req) => {
      const now = this.nowMs();
      await this.propose({ renewLease: { fileId: req.fileId, clientId: requireClient(req), leaseExpiryMs: now + LEASE_MS } });
      return DONE;
    },
    rename: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      await this.renameInUnderStorage(req.path, req.destination);
      const now = this.nowMs();
      await this.propose({ rename: { path: req.path, destination: req.destination, mtimeMs: now, ...(req.replace ? { replace: true } : {}), ...(req.parents ? { parents: true } : {}) } }, caller);
      return DONE;
    },
    delete: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      await this.deleteInUnderStorage(req.path, req.recursive);
      const now = this.nowMs();
      const prune = req.pruneEmptyParentsBelow ? { pruneEmptyParentsBelow: req.pruneEmptyParentsBelow } : {};
      const result = (await this.propose({ delete: { path: req.path, recursive: req.recursive, nowMs: now, ...prune } }, caller)) as { files: number; directories: number; chunks: number };
      return { files: result.files, directories: result.directories, chunks: result.chunks };
    },
    setReplication: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      const result = (await this.propose({ setReplication: { path: req.path, replication: req.replication } }, caller)) as { files: number };
      return { files: result.files };
    },
    setAttributes: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      await this.propose({ setAttributes: { path: req.path, attributes: req.attributes } }, caller);
      return DONE;
    },
    concat: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      const now = this.nowMs();
      const result = (await this.propose(
        {
          concat: { sources: req.sources, destination: req.destination, attributes: req.attributes, replace: req.replace, parents: req.parents, mtimeMs: now },
        },
        caller,
      )) as ops.Concatenated;
      return concatenatedAnswer(req, result, this.init.namespace);
    },
    setOwner: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      await this.propose({ setOwner: { path: req.path, owner: req.owner, group: req.group } }, caller);
      return DONE;
    },
    setPermission: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      await this.propose({ setPermission: { path: req.path, permission: req.permission } }, caller);
      return DONE;
    },
    setTimes: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      const now = this.nowMs();
      await this.propose({ setTimes: { path: req.path, nowMs: now, ...(req.mtimeMs !== undefined ? { mtimeMs: req.mtimeMs } : {}), ...(req.accessTimeMs !== undefined ? { accessTimeMs: req.accessTimeMs } : {}) } }, caller);
      return DONE;
    },
    truncate: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      this.refuseReadonly(req.path);
      await this.propose({ truncate: { path: req.path, lengthBytes: req.lengthBytes, nowMs: this.nowMs() } }, caller);
      return DONE;
    },
    symlink: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      // An under-storage has no links: refused here with the namespace's own sentence (it refuses too).
      this.refuseReadonly(req.path);
      const result = (await this.propose({ symlink: { path: req.path, target: req.target, mtimeMs: this.nowMs(), parents: req.parents === true } }, caller)) as ops.SymlinkMade;
      return symlinkAnswer(req, result, this.init.namespace);
    },
    rewrite: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      this.refuseReadonly(req.path);
      const now = this.nowMs();
      const result = (await this.propose(
        {
          rewrite: {
            path: req.path,
            fileId: req.fileId,
            stagingFileId: req.stagingFileId,
            clientId: req.stagingFileId === 0 ? req.clientId : requireClient(req),
            baseChunkCount: req.baseChunkCount,
            baseLengthBytes: req.baseLengthBytes,
            moves: req.moves.map((move) => ({ stagingIndex: move.stagingIndex, targetIndex: move.targetIndex, replacedChunkId: move.replacedChunkId })),
            chunkCount: req.chunkCount,
            lengthBytes: req.lengthBytes,
            mtimeMs: now,
          },
        },
        caller,
      )) as ops.Rewritten;
      return rewrittenAnswer(result);
    },
    stat: async (req, context) => {
      if (req.noChunks && (req.chunksFrom ?? 0) !== 0) throw new RequestError("INVALID", "a stat without chunks names no page of them");
      const caller = await this.callers.of(context?.user);
      await this.init.raft.readBarrier(COMMIT_TIMEOUT_MS);
      // Later pages of a file's chunks read the version the first page's sync saw.
      if ((req.chunksFrom ?? 0) === 0) await this.underStorage.beforeStat(req.path);
      if (req.noChunks) return toFileStatus(this.init.namespace.stat(req.path, { caller }), []);
      return this.statOf(req.path, req.chunksFrom ?? 0, caller);
    },
    list: async (req, context) => {
      const caller = await this.callers.of(context?.user);
      await this.init.raft.readBarrier(COMMIT_TIMEOUT_MS);
      // A page of a mounted folder syncs its own range of the under-storage only.
      const page = await this.underStorage.listPage(req.path, { recursive: req.recursive, caller, ...(req.limit ? { limit: req.limit } : {}), ...(req.after ? { after: req.after } : {}) });
      return { entries: page.entries.map((entry) => toFileStatus(entry, [])), next: page.next ?? "" };
    },
    fsck: async (req) => {
      await this.init.raft.readBarrier(COMMIT_TIMEOUT_MS);
      const result = await fsck({ namespace: this.init.namespace, locations: this.init.locations, peers: this.chunkServers() }, req.path || "/");
      const repair = this.init.replication?.view();
      const unreachableMounts = this.underStorage.unreachableMounts().map(({ mount, sinceMs, lastError }) => mountInfo(mount, { sinceMs, lastError }));
      return fsckMessage({ ...result, repairQueue: repair?.queueLength ?? 0, repairsInFlight: repair?.copiesInFlight ?? 0, repairedChunks: repair?.repairedChunks ?? 0, unreachableMounts });
    },
    report: async () => {
      const report = capacityReport(this.init.membership.table.list(), this.init.locations, performance.now());
      const counts = this.init.namespace.counts();
      const repair = this.init.replication?.view();
      return reportMessage({
        ...report,
        files: counts.files,
        chunks: counts.chunks,
        underReplicated: (repair?.queueLength ?? 0) + (repair?.copiesInFlight ?? 0),
        repairQueue: repair?.queueLength ?? 0,
        repairedChunks: repair?.repairedChunks ?? 0,
        repairedBytes: repair?.repairedBytes ?? 0,
      });
    },
    reportBadReplica: async (req) => {
      // GFS §5.2: a replica that fails its checksums is no longer a location; the
      // replicator copies a good replica to restore the count, then deletes the bad one.
      this.init.locations.markCorrupt(req.peer, req.chunkId);
      this.init.log.warn("a client reported a corrupt replica", { chunk: req.chunkId, peer: req.peer });
      return DONE;
    },
  };

  /** Refuses a change under a read-only mount. */
  private refuseReadonly(path: string): MountRecord | undefined {
    const mount = this.underStorage.mountOf(path);
    if (mount?.readonly) throw new RequestError("PERMISSION_DENIED", `the mount at ${mount.path} is read-only`);
    return mount;
  }

  /**
   * A new file's persist state from its write type (docs/cache.md): MUST_CACHE stays in
   * Tessera, the others are to be persisted. Absent outside mounts, where only MUST_CACHE (or
   * nothing) may be asked for.
   */
  private persistStateOfNewFile(path: string, writeType: WriteType | undefined): PersistState | undefined {
    const mount = this.refuseReadonly(path);
    const asked = writeType ?? WriteType.WRITE_TYPE_UNSPECIFIED;
    if (!mount) {
      if (asked !== WriteType.WRITE_TYPE_UNSPECIFIED && asked !== WriteType.MUST_CACHE) throw new RequestError("INVALID", `${path} is not inside a mount: only MUST_CACHE (Tessera's own) applies there`);
      return undefined;
    }
    const type = asked === WriteType.WRITE_TYPE_UNSPECIFIED ? mount.writeType : asked;
    if (!Object.values(WriteType).includes(type) || type === WriteType.WRITE_TYPE_UNSPECIFIED) throw new RequestError("INVALID", `${type} is not a write type`);
    return type === WriteType.MUST_CACHE ? PersistState.NOT_PERSISTED : PersistState.TO_BE_PERSISTED;
  }

  /** The namespace's row at `path`, or undefined when there is none. */
  private rowAt(path: string): StatResult | undefined {
    try {
      return this.init.namespace.stat(path);
    } catch (err) {
      if (err instanceof WireError && (err.code === "NOT_FOUND" || err.code === "NOT_A_DIRECTORY")) return undefined;
      throw err;
    }
  }

  /**
   * Before a delete: a mount point (or a folder holding one) is unmounted, not deleted; under a
   * mount, what the under-storage has goes there first, so a failure leaves both as they were.
   */
  private async deleteInUnderStorage(path: string, recursive: boolean): Promise<void> {
    const normalized = normalizePath(path);
    const below = this.underStorage.mountsBelow(normalized);
    if (below.length > 0) throw new RequestError("INVALID", `${normalized} holds the mount at ${below[0]!.path}: unmount it first (tessera fs unmount ${below[0]!.path})`);
    const mount = this.refuseReadonly(normalized);
    if (!mount) return;
    if (normalized === mount.path) throw new RequestError("INVALID", `${normalized} is a mount point: unmount it instead (tessera fs unmount ${normalized})`);
    const row = this.rowAt(normalized);
    if (!row) return;
    const folder = row.kind === "dir";
    // A folder not empty without recursive is refused by the namespace; nothing goes first.
    if (folder && !recursive && this.init.namespace.list(normalized, { limit: 1 }).entries.length > 0) return;
    if (!folder && !isPersisted(row)) return;
    const broker = this.underStorage.requireBroker();
    try {
      await broker.delete(mount, relativeUnderStoragePath(mount.path, normalized), folder);
      this.underStorage.reached(mount.id);
    } catch (err) {
      if ((err as { code?: string }).code === "UNAVAILABLE") this.underStorage.failed(mount, err);
      throw err;
    }
  }

  /**
   * Before a rename: within one mount, a persisted file moves in the under-storage first;
   * folders under a mount, and anything across a mount's boundary, are refused.
   */
  private async renameInUnderStorage(path: string, destination: string): Promise<void> {
    const from = normalizePath(path);
    const to = normalizePath(destination);
    const below = this.underStorage.mountsBelow(from);
    if (below.length > 0) throw new RequestError("INVALID", `renaming ${from} is not supported: it holds the mount at ${below[0]!.path}`);
    const source = this.underStorage.mountOf(from);
    const target = this.underStorage.mountOf(to);
    if (!source && !target) return;
    if (source?.path === from) throw new RequestError("INVALID", `renaming the mount point ${from} is not supported: unmount it and mount it again elsewhere`);
    if (source?.id !== target?.id) throw new RequestError("INVALID", `renaming ${from} to ${to} is not supported: it crosses the boundary of the mount at ${(source ?? target)!.path}`);
    const mount = this.refuseReadonly(from)!;
    const row = this.rowAt(from);
    if (!row) return;
    if (row.kind === "dir") throw new RequestError("INVALID", `renaming the folder ${from} under the mount at ${mount.path} is not supported (the under-storage has no folder rename)`);
    if (!isPersisted(row)) return;
    const broker = this.underStorage.requireBroker();
    try {
      await broker.rename(mount, relativeUnderStoragePath(mount.path, from), relativeUnderStoragePath(mount.path, to));
      this.underStorage.reached(mount.id);
    } catch (err) {
      if ((err as { code?: string }).code === "UNAVAILABLE") this.underStorage.failed(mount, err);
      throw err;
    }
  }

  /** Proposes `command` as `caller`'s (absent: the cluster's own, which apply does not check). */
  private async propose(command: TypedLogCommand, caller?: Caller): Promise<unknown> {
    return this.init.raft.propose(encodeLogCommand(caller ? { ...command, caller } : command), COMMIT_TIMEOUT_MS);
  }

  /** The open file a chunk request is about: the client names it by path and id, which must agree. */
  private fileById(req: { path: string; fileId: number }): { replication: number; chunkSizeBytes: number } {
    const stat = this.init.namespace.stat(req.path);
    if (stat.id !== req.fileId) throw new RequestError("NOT_FOUND", `${req.path} is no longer the file being written (it was renamed or deleted)`);
    return { replication: stat.replication, chunkSizeBytes: stat.chunkSizeBytes };
  }

  private livePeers(): PlacementPeer[] {
    return eligibleChunkServers(this.init.membership.table.list(), this.init.namespace);
  }

  /** Chunk servers with their state, for fsck. */
  private chunkServers(): Map<string, PlannerPeer> {
    return chunkServerStates(this.init.membership.table.list());
  }

  /** Where a new chunk (or a chunk's rebuilt pipeline) goes; `fileBytes`: the file's bytes per peer so far. */
  private place(replication: number, sizeBytes: number, writer: string, exclude: Set<string>, fileBytes: ReadonlyMap<string, number>): PlacementPeer[] {
    return chooseTargets(this.livePeers(), { replication, sizeBytes, writer: writer || undefined, exclude, fileBytes }, this.rand);
  }

  /** Every chunk row of a file, page by page (for rebuilding its spread). */
  private *chunkRows(fileId: number): Generator<SpreadChunk> {
    for (let fromIndex = 0; ; ) {
      const page = this.init.namespace.chunksOfFile(fileId, { fromIndex });
      yield* page;
      if (page.length === 0) return;
      fromIndex = page[page.length - 1]!.index + 1;
    }
  }

  private replica(peer: string, tier = ""): Replica {
    const record = this.init.membership.table.get(peer);
    return { peer, rack: record?.heartbeat.rack ?? "", addresses: record?.heartbeat.addresses ?? [], tier };
  }

  /**
   * A file's stat with, for each chunk, the live replicas of its current version: from chunk
   * `fromIndex` on, at most STAT_CHUNKS_BYTES_MAX of them (chunksNext says where the next page
   * starts), so the answer of a file of many chunks stays within the message bound.
   */
  private async statOf(path: string, fromIndex = 0, caller?: Caller): Promise<FileStatus> {
    if (!Number.isSafeInteger(fromIndex) || fromIndex < 0) throw new RequestError("INVALID", `a stat's first chunk is an index, not ${fromIndex}`);
    const stat = this.init.namespace.stat(path, { chunks: fromIndex === 0, caller });
    // Later pages of chunks take READ as the first does.
    if (fromIndex > 0 && stat.kind === "file" && !this.init.namespace.mayRead(stat.id, caller)) stat.chunksWithheld = true;
    const chunks: FileChunk[] = [];
    let chunksNext: number | undefined;
    if (stat.kind === "file" && !stat.chunksWithheld) {
      let page = fromIndex === 0 ? (stat.chunks ?? []) : this.init.namespace.chunksOfFile(stat.id, { fromIndex });
      let budget = STAT_CHUNKS_BYTES_MAX;
      while (page.length > 0 && chunksNext === undefined) {
        const located = page.map((chunk) => this.locate(chunk));
        const fit = chunksThatFit(located, budget, chunks.length === 0);
        for (let i = 0; i < fit; i++) {
          chunks.push(located[i]!);
          budget -= chunkWireBytes(located[i]!);
        }
        if (fit < located.length) chunksNext = located[fit]!.index;
        // A short page is the file's last: asking for the next would cost two more statements
        // per stat (a file of one chunk is the common case: an S3 object, a small file).
        else if (page.length < CHUNK_PAGE_MAX) break;
        else page = this.init.namespace.chunksOfFile(stat.id, { fromIndex: page[page.length - 1]!.index + 1 });
      }
    }
    const status = toFileStatus(stat, chunks);
    return chunksNext === undefined ? status : { ...status, chunksNext };
  }

  private locate(chunk: ChunkInfo): FileChunk {
    const alive = new Set(this.init.membership.table.inState("alive").map((record) => record.id));
    // Reported replicas of the current version on live peers; until reports arrive (a new
    // leader), the peers the chunk was written to stand in.
    const reported = this.init.locations.currentReplicas(chunk.chunkId, chunk.version);
    const tiers = new Map(reported.map((replica) => [replica.peer, replica.tier ?? ""]));
    let peers = reported.map((replica) => replica.peer);
    if (peers.length === 0 && chunk.committed) peers = chunk.replicas;
    // Reports arrive in any order; answering in the order the chunk was placed (then any
    // re-replicated copies) keeps a stat stable and equal to what the writer was told.
    const placed = (peer: string) => {
      const at = chunk.replicas.indexOf(peer);
      return at < 0 ? chunk.replicas.length : at;
    };
    peers = [...peers].sort((x, y) => placed(x) - placed(y));
    return {
      chunkId: chunk.chunkId,
      index: chunk.index,
      version: chunk.version,
      sizeBytes: chunk.sizeBytes,
      committed: chunk.committed,
      replicas: peers.filter((peer) => alive.has(peer)).map((peer) => this.replica(peer, tiers.get(peer))),
    };
  }

  private async recoverExpiredLeases(): Promise<void> {
    if (!this.init.raft.isLeader) return;
    const now = this.nowMs();
    for (const lease of this.init.namespace.openFilesWithLeaseExpiredBefore(now)) {
      try {
        await this.propose({ recoverLease: { fileId: lease.fileId, nowMs: now } });
        this.init.log.info("recovered the lease of an abandoned file", { path: lease.path, client: lease.clientId });
      } catch (err) {
        this.init.log.debug("lease recovery failed", { path: lease.path, err });
      }
    }
  }
}

function requireClient(req: { clientId: string }): string {
  if (!req.clientId) throw new RequestError("INVALID", "a write needs a client id");
  return req.clientId;
}

const DONE: Done = {};

function newFileStatus(namespace: Namespace, fileId: number): NewFileStatus {
  const known = namespace.ownershipOf(fileId);
  if (known) return known;
  return { owner: namespace.permissionSettings().superuser ?? "", group: namespace.permissionSettings().supergroup, permission: 0 };
}

/** The bits a request asked for, checked; undefined when it asked for none (the umask's default). */
function requestedBits(bits: number | undefined): number | undefined {
  if (bits === undefined) return undefined;
  if (!isPermission(bits)) throw new RequestError("INVALID", `permission bits are 0..${PERMISSION_MAX.toString(8)} (octal), not ${bits}`);
  return bits;
}

function toFileStatus(stat: Omit<StatResult, "chunks"> & { chunksWithheld?: true }, chunks: FileChunk[]): FileStatus {
  return {
    path: stat.path,
    kind: FILE_KIND.wire(stat.kind),
    sizeBytes: stat.sizeBytes,
    replication: stat.replication,
    chunkSizeBytes: stat.chunkSizeBytes,
    mtimeMs: stat.mtimeMs,
    state: FILE_STATE.wire(stat.state),
    chunks,
    fileId: stat.id,
    owner: stat.owner,
    group: stat.group,
    permission: stat.permission,
    accessTimeMs: stat.accessTimeMs,
    ...(stat.chunksWithheld ? { chunksWithheld: true } : {}),
    ...(stat.attributes.length > 0 ? { attributes: { entries: stat.attributes } } : {}),
    // Set by the namespace for what lies in a mount (its persist state is set there).
    ...(stat.underStorage ? { underStorage: stat.underStorage } : {}),
    ...(stat.symlinkTarget !== undefined ? { symlinkTarget: stat.symlinkTarget } : {}),
  };
}
