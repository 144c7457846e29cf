// The leader's mount requests (issue 16, docs/cache.md): mount, unmount and the mount table,
// persist on demand and the peers' markPersisted, pins and freeing the cache; and the
// persister, a LeaderLoop that persists ASYNC_THROUGH files in the background. A mount is
// checked against its under-storage before it is proposed (an unreachable endpoint, wrong
// credentials or a missing bucket is a clear error and nothing is mounted). The state that
// matters (the records, each file's persist state) is in Raft, so a new leader's persister
// picks up where the old one stopped.
import { randomBytes } from "node:crypto";
import type { RaftNode } from "../../raft/node.ts";
import type { Logger } from "../../util/log.ts";
import type { Namespace } from "../state/namespace.ts";
import { encodeLogCommand, type TypedLogCommand } from "../state/log-command.ts";
import type { Caller } from "../../protocol/pb/log.ts";
import type { MetaHandlers } from "../../protocol/meta.ts";
import type { CacheChange, Done, MountRequest } from "../../protocol/pb/meta.ts";
import { RequestError, WireError } from "../../protocol/errors.ts";
import { normalizePath } from "../../protocol/paths.ts";
import { REPLICATION_MAX } from "../../protocol/limits.ts";
import {
  CACHE_REPLICATION_DEFAULT,
  encodeMountRecord,
  MOUNT_SYNC_INTERVAL_MS_DEFAULT,
  MOUNTS_MAX,
  normalizeUnderStorageUri,
  parseUnderStorageUri,
  ReadType,
  SYNC_ONCE,
  validateMountOptions,
  WriteType,
  type MountRecord,
} from "../../protocol/mounts.ts";
import { Callers } from "./callers.ts";
import { COMMIT_TIMEOUT_MS } from "../timeouts.ts";
import { LeaderLoop, type TimerSource } from "../leader-loop.ts";
import { isPersisted, mountInfo, underStorageQueries, type UnderStorageSync } from "./under-storage-sync.ts";
import { afterFailure, planPersists, type PersistRetry } from "./persist-plan.ts";

/** The requests of /tessera/meta/3 this service serves. */
export type MountRequestKind = "mount" | "unmount" | "listMounts" | "persist" | "markPersisted" | "setPinned" | "freeCache";

/** The persister looks for ASYNC_THROUGH files this often. */
export const PERSISTER_INTERVAL_MS = 2_000;
/** Candidates the persister reads from the namespace per round (it pages on in the next). */
export const PERSIST_SCAN_MAX = 1_000;
/** Files whose failures the persister remembers (older ones start again at the first backoff). */
export const PERSIST_RETRIES_MAX = 10_000;
/** Bytes of a mount id (random, hex in the setting's key). */
const MOUNT_ID_BYTES = 8;

export interface MountServiceInit {
  raft: RaftNode;
  namespace: Namespace;
  /** The file-system service's view of the mounts (FsService.underStorage): one per leader. */
  sync: UnderStorageSync;
  callers: Callers;
  log: Logger;
  nowMs?: () => number;
  timers?: TimerSource;
}

export class MountService {
  private readonly nowMs: () => number;
  private readonly persister: LeaderLoop<void>;
  /** Files being persisted by this leader now, by file id: the loop's runs and the persist requests' (a request joins a run). */
  private readonly persisting = new Map<number, Promise<void>>();
  /** Backoff of files whose persist failed, by file id. */
  private readonly retries = new Map<number, PersistRetry>();
  /** Where the next scan of candidates starts (a file id). */
  private scanAfterId = 0;
  /** Persists started by the loop that have not settled (stop waits for none; tests wait on it). */
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly init: MountServiceInit) {
    this.nowMs = init.nowMs ?? (() => Date.now());
    this.persister = new LeaderLoop({
      name: "persister",
      intervalMs: PERSISTER_INTERVAL_MS,
      isLeader: () => init.raft.isLeader,
      round: async () => this.persistRound(),
      // What a follower knew of failures is stale when it leads again: start over.
      follower: () => {
        this.retries.clear();
        this.scanAfterId = 0;
      },
      log: init.log,
      timers: init.timers,
    });
  }

  start(): void {
    // Its rounds do nothing until the broker is attached (peer.ts attaches it after the start).
    this.persister.start();
  }

  stop(): void {
    void this.persister.stop();
  }

  readonly handlers: Pick<MetaHandlers, MountRequestKind> = {
    mount: async (req, context) => {
      await this.init.callers.requireSuperuser(context?.user, "mounting an under-storage");
      const caller = await this.init.callers.of(context?.user);
      await this.init.raft.readBarrier(COMMIT_TIMEOUT_MS);
      const record = this.recordOf(req);
      this.refuseMountAt(record.path);
      // Before proposing: a mount that cannot reach its under-storage is never made.
      const broker = this.init.sync.requireBroker();
      await broker.check(record);
      await this.propose({ mount: { path: record.path, id: record.id, record: encodeMountRecord(record) as Uint8Array<ArrayBuffer>, mtimeMs: this.nowMs() } }, caller);
      this.init.log.info("mounted an under-storage", { path: record.path, uri: record.uri });
      return DONE;
    },
    unmount: async (req, context) => {
      await this.init.callers.requireSuperuser(context?.user, "unmounting an under-storage");
      const caller = await this.init.callers.of(context?.user);
      await this.init.raft.readBarrier(COMMIT_TIMEOUT_MS);
      const path = normalizePath(req.path);
      const mount = this.init.sync.mounts().find((m) => m.path === path);
      if (!mount) throw new RequestError("NOT_FOUND", `no under-storage is mounted at ${path}`);
      const waiting = underStorageQueries(this.init.namespace).countNotPersisted(path);
      if (waiting > 0) throw new RequestError("INVALID", `${waiting} file${waiting === 1 ? " is" : "s are"} not persisted yet under ${path}: unmount once they are (tessera fs persist PATH)`);
      await this.propose({ unmount: { path, nowMs: this.nowMs() } }, caller);
      this.init.sync.forget(mount.id);
      this.init.log.info("unmounted an under-storage", { path, uri: mount.uri });
      return DONE;
    },
    listMounts: async () => {
      await this.init.raft.readBarrier(COMMIT_TIMEOUT_MS);
      return { mounts: this.init.sync.mounts().map((mount) => mountInfo(mount, this.init.sync.unreachable(mount.id))) };
    },
    persist: async (req, context) => {
      const caller = await this.init.callers.of(context?.user);
      await this.init.raft.readBarrier(COMMIT_TIMEOUT_MS);
      const path = normalizePath(req.path);
      const mount = this.requireMount(path);
      if (mount.readonly) throw new RequestError("PERMISSION_DENIED", `the mount at ${mount.path} is read-only`);
      const stat = this.init.namespace.stat(path, { caller });
      if (stat.kind !== "file") throw new RequestError("NOT_A_FILE", `${path} is a folder: persist takes a file`);
      if (!this.init.namespace.mayRead(stat.id, caller)) throw new RequestError("PERMISSION_DENIED", `Permission denied: persisting ${path} reads it, and the caller may not`);
      if (stat.state !== "closed") throw new RequestError("INVALID", `${path} is still being written: persist it once it is closed`);
      if (isPersisted(stat)) return DONE;
      // A client whose call timed out on a large file asks again: it joins the run, by file id.
      await this.persistFile(mount, path, stat.id);
      return DONE;
    },
    markPersisted: async (req, context) => {
      // The peers' own request (the broker, after writing the file to the under-storage).
      if (context?.user) throw new RequestError("PERMISSION_DENIED", "markPersisted is the cluster's own request (a peer's broker after persisting a file)");
      const path = normalizePath(req.path);
      this.requireMount(path);
      await this.propose({ markPersisted: { path, fileId: req.fileId, lengthBytes: req.lengthBytes, fingerprint: req.fingerprint } });
      return DONE;
    },
    setPinned: async (req, context) => {
      const caller = await this.init.callers.of(context?.user);
      const path = normalizePath(req.path);
      this.requireMount(path);
      // A file of the under-storage nobody has looked at yet is found as a stat would find it.
      await this.init.sync.beforeStat(path);
      return cacheChangeOf(await this.propose({ setPinned: { path, pinned: req.pinned } }, caller));
    },
    freeCache: async (req, context) => {
      const caller = await this.init.callers.of(context?.user);
      const path = normalizePath(req.path);
      this.requireMount(path);
      // A file of the under-storage nobody has looked at yet is found as a stat would find it.
      await this.init.sync.beforeStat(path);
      return cacheChangeOf(await this.propose({ freeCache: { path, force: req.force, nowMs: this.nowMs() } }, caller));
    },
  };

  /** Persist rounds and their persists, for tests: resolves when every persist started so far has settled. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** One round of the persister now (tests; the loop runs them on its own). */
  runPersistRound(): Promise<void | undefined> {
    return this.persister.runRound();
  }

  private async persistRound(): Promise<void> {
    if (!this.init.sync.broker) return;
    const queries = underStorageQueries(this.init.namespace);
    const candidates = queries.filesToPersist(this.scanAfterId, PERSIST_SCAN_MAX);
    // The next round pages on; after the last page it starts again from the lowest id.
    this.scanAfterId = candidates.length < PERSIST_SCAN_MAX ? 0 : candidates[candidates.length - 1]!.fileId;
    const nowMs = this.nowMs();
    // The grace is timed from the file's mtime (the namespace's list may not carry it).
    const timed = candidates.flatMap((candidate) => {
      if (candidate.mtimeMs !== undefined) return [{ ...candidate, mtimeMs: candidate.mtimeMs }];
      const mtimeMs = this.mtimeOf(candidate.path);
      return mtimeMs === undefined ? [] : [{ ...candidate, mtimeMs }];
    });
    for (const candidate of planPersists({ candidates: timed, nowMs, inFlight: this.persisting, retries: this.retries })) {
      const mount = this.init.sync.mountOf(candidate.path);
      if (!mount) continue;
      const run = this.persistFile(mount, candidate.path, candidate.fileId)
        .then(() => {
          this.retries.delete(candidate.fileId);
        })
        .catch((err: unknown) => {
          const retry = afterFailure(this.retries.get(candidate.fileId), this.nowMs());
          if (this.retries.size >= PERSIST_RETRIES_MAX) this.retries.delete(this.retries.keys().next().value!);
          this.retries.set(candidate.fileId, retry);
          this.init.log.warn("persisting a file failed; trying again later", { path: candidate.path, failures: retry.failures, retryInMs: retry.notBeforeMs - this.nowMs(), err: (err as Error).message });
        })
        .finally(() => {
          this.running.delete(run);
        });
      this.running.add(run);
    }
  }

  private mtimeOf(path: string): number | undefined {
    try {
      return this.init.namespace.stat(path).mtimeMs;
    } catch (err) {
      if (err instanceof WireError && err.code === "NOT_FOUND") return undefined;
      throw err;
    }
  }

  /** broker.persist, remembering the mount as unreachable when it did not answer. */
  /** The file's persist: the one running (the loop's or a client's), else a new one. */
  private persistFile(mount: MountRecord, path: string, fileId: number): Promise<void> {
    const running = this.persisting.get(fileId);
    if (running) return running;
    const run = this.persistOne(mount, path).finally(() => this.persisting.delete(fileId));
    this.persisting.set(fileId, run);
    return run;
  }

  private async persistOne(mount: MountRecord, path: string): Promise<void> {
    const broker = this.init.sync.requireBroker();
    try {
      await broker.persist(mount, path);
      this.init.sync.reached(mount.id);
    } catch (err) {
      if (err instanceof WireError && err.code === "UNAVAILABLE") this.init.sync.failed(mount, err);
      throw err;
    }
  }

  private requireMount(path: string): MountRecord {
    const mount = this.init.sync.mountOf(path);
    if (!mount) throw new RequestError("INVALID", `${path} is not inside a mount (tessera fs mount lists them)`);
    return mount;
  }

  /** A mount request as the record the masters keep: every field checked, defaults filled in, a new id. */
  private recordOf(req: MountRequest): MountRecord {
    const path = normalizePath(req.path);
    if (path === "/") throw new RequestError("INVALID", "the root folder cannot be a mount point: mount at a folder below it");
    const uri = normalizeUnderStorageUri(req.uri);
    const scheme = parseUnderStorageUri(uri).scheme;
    const options = validateMountOptions(scheme, req.options);
    const syncIntervalMs = req.syncIntervalMs ?? MOUNT_SYNC_INTERVAL_MS_DEFAULT;
    if (!Number.isSafeInteger(syncIntervalMs) || syncIntervalMs < SYNC_ONCE) throw new RequestError("INVALID", `a sync interval is -1 (load once), 0 (every access) or a number of milliseconds, not ${syncIntervalMs}`);
    const readType = req.readType === ReadType.READ_TYPE_UNSPECIFIED ? ReadType.CACHE : req.readType;
    if (![ReadType.CACHE, ReadType.CACHE_PROMOTE, ReadType.NO_CACHE].includes(readType)) throw new RequestError("INVALID", `${String(req.readType)} is not a read type: CACHE, CACHE_PROMOTE or NO_CACHE`);
    const writeType = req.writeType === WriteType.WRITE_TYPE_UNSPECIFIED ? WriteType.CACHE_THROUGH : req.writeType;
    if (![WriteType.CACHE_THROUGH, WriteType.THROUGH, WriteType.ASYNC_THROUGH, WriteType.MUST_CACHE].includes(writeType)) throw new RequestError("INVALID", `${String(req.writeType)} is not a write type: CACHE_THROUGH, THROUGH, ASYNC_THROUGH or MUST_CACHE`);
    const replication = req.replication === 0 ? CACHE_REPLICATION_DEFAULT : req.replication;
    if (!Number.isInteger(replication) || replication < 1 || replication > REPLICATION_MAX) throw new RequestError("INVALID", `a mount's replication is 1..${REPLICATION_MAX}, not ${replication}`);
    return { id: randomBytes(MOUNT_ID_BYTES).toString("hex"), path, uri, scheme, options, readonly: req.readonly, syncIntervalMs, readType, writeType, replication };
  }

  /** The clear refusals of a mount point, before the broker is asked (apply checks them again). */
  private refuseMountAt(path: string): void {
    const mounts = this.init.sync.mounts();
    if (mounts.length >= MOUNTS_MAX) throw new RequestError("LIMIT", `a cluster holds at most ${MOUNTS_MAX} mounts`);
    const same = mounts.find((mount) => mount.path === path);
    if (same) throw new RequestError("ALREADY_EXISTS", `${path} is already the mount point of ${same.uri}`);
    const outer = this.init.sync.mountOf(path);
    if (outer) throw new RequestError("INVALID", `${path} is inside the mount at ${outer.path}: mounts do not nest`);
    const inner = this.init.sync.mountsBelow(path)[0];
    if (inner) throw new RequestError("INVALID", `${path} holds the mount at ${inner.path}: mounts do not nest`);
    let stat;
    try {
      stat = this.init.namespace.stat(path);
    } catch (err) {
      if (err instanceof WireError && err.code === "NOT_FOUND") return;
      throw err;
    }
    if (stat.kind !== "dir") throw new RequestError("NOT_A_DIRECTORY", `${path} is a file: a mount point is a folder`);
    if (this.init.namespace.list(path, { limit: 1 }).entries.length > 0) throw new RequestError("NOT_EMPTY", `${path} is not empty: a mount point is a new or empty folder`);
  }

  private async propose(command: TypedLogCommand, caller?: Caller): Promise<unknown> {
    return this.init.raft.propose(encodeLogCommand(caller ? { ...command, caller } : command), COMMIT_TIMEOUT_MS);
  }
}

const DONE: Done = {};

/** A SetPinned or FreeCache result as the answer (the apply returns how many files and chunks it changed). */
function cacheChangeOf(result: unknown): CacheChange {
  const value = (result ?? {}) as { files?: number; chunks?: number };
  return { files: value.files ?? 0, chunks: value.chunks ?? 0 };
}
