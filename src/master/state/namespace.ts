// The namespace of the file system: a deterministic state machine applied through Raft and
// kept in SQLite (schema in namespace-schema.ts), so its memory is the page cache however many
// files it holds. Each Raft entry is one transaction that also records the entry's index, so
// after a restart the database tells Raft how far it got and nothing is applied twice.
// Queries read the local database synchronously; on a follower they may lag the leader.
import { Database } from "bun:sqlite";
import { closeSync, constants as fsConstants, copyFileSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Entry } from "../../raft/types.ts";
import { assert } from "../../util/assert.ts";
import { InvalidArgumentError, NotFoundError } from "./errors.ts";
import { WireError } from "../../protocol/errors.ts";
import {
  CHUNK_PAGE_MAX,
  JOB_RECORD_LIMITS,
  LEASE_SCAN_MAX,
  LIST_PAGE_DEFAULT,
  LIST_PAGE_MAX,
  TASK_RECORD_LIMITS,
  validateFileId,
  validateNamespaceChunkId,
  validatePageLimit,
  validateSettingKey,
  validateTimeMs,
} from "./limits.ts";
import * as ops from "./namespace-ops.ts";
import * as ufsOps from "./under-storage-ops.ts";
import { attributesOfRow, chunkInfo, type ChunkInfo, type OpContext } from "./namespace-ops.ts";
import type { Attribute } from "../../protocol/pb/attributes.ts";
import { LIST_PAGE_BYTES_MAX, SETTINGS_PAGE_BYTES_MAX, SETTINGS_PAGE_MAX } from "../../protocol/limits.ts";
import {
  configureConnection,
  prepareStatements,
  ROOT_ID,
  SCHEMA_VERSION,
  SCHEMA_VERSION_OLDEST,
  schemaVersionOf,
  upgradeSchema,
  type FileState,
  type InodeKind,
  type InodeRow,
  type MetaRow,
  type Statements,
  type StepRow,
} from "./namespace-schema.ts";
import { lookup, pathOf, resolve, stagingRowAt, walk as walkPath } from "./namespace-tree.ts";
import { PERSISTED, persistStateOf, readMountRecords, TO_BE_PERSISTED } from "./mount-state.ts";
import { mountOf, type MountRecord } from "../../protocol/mounts.ts";
import type { UnderStorageStatus } from "../../protocol/pb/meta.ts";
import { basename, join, normalizePath, parent, ROOT_PATH, segments } from "../../protocol/paths.ts";
import { JobRecord, TaskRecord } from "../../protocol/pb/jobs.ts";
import { putJob } from "./job-records.ts";
import { decodeLogCommand, logCommandKind, type LogCommandKind, type LogCommandOf, type TypedLogCommand } from "./log-command.ts";
import { outcomeOf, recordedOutcome, recordOutcome, replay, RETRY_CACHE_BOUNDS_DEFAULT, validateCall, type CallOutcome, type RetryCacheBounds } from "./retry-cache.ts";
import type { Call, Caller } from "../../protocol/pb/log.ts";
import {
  CALLER_GROUPS_MAX,
  checkerFor,
  EXECUTE,
  isSuperuser,
  permissionSettingsOf,
  PermissionChecker,
  principalProblem,
  READ,
  type OwnerNames,
  type PermissionSettings,
  type PermRow,
} from "./permissions.ts";
import { workerEntryUrl } from "../../util/worker-entry.ts";
import type { SnapshotWorkerAnswer, SnapshotWorkerRequest } from "./snapshot-worker-protocol.ts";
import { WalCheckpointer, type WalCheckpointStats } from "./wal-checkpointer.ts";

export type { ChunkInfo } from "./namespace-ops.ts";

export interface NamespaceOptions {
  /** The database file; in memory when absent (tests, and masters that rebuild from snapshots). */
  path?: string;
  /**
   * The retry cache's bounds (retry-cache.ts). Apply depends on them, so every master of a
   * cluster has the same: the defaults. Tests make them small.
   */
  retryCache?: RetryCacheBounds;
}

export interface StatResult {
  path: string;
  id: number;
  kind: InodeKind;
  /** Bytes of committed chunks: what a reader sees. 0 for a folder. */
  sizeBytes: number;
  replication: number;
  chunkSizeBytes: number;
  mtimeMs: number;
  state: FileState;
  leaseHolder?: string;
  leaseExpiryMs?: number;
  /** The first CHUNK_PAGE_MAX chunks, when asked for; chunksOfFile() pages through the rest. */
  chunks?: ChunkInfo[];
  /** In name order; empty when none. */
  attributes: Attribute[];
  /** The owner and group (a namespace made before permissions: the superuser and supergroup settings of the day). */
  owner: string;
  group: string;
  /** Permission bits, 0..0o1777. */
  permission: number;
  accessTimeMs: number;
  /** The caller may see the file but not read it: its chunks are not given (stat with chunks asked for). */
  chunksWithheld?: true;
  /**
   * Set on what is under a mount (at or below a mount point): the mount point, the object's
   * fingerprint ("" until persisted), the persist state and the pin. FileStatus.underStorage.
   */
  underStorage?: UnderStorageStatus;
  /** A symbolic link's target (issue 17). */
  symlinkTarget?: string;
}

export type ListEntry = Omit<StatResult, "chunks" | "leaseHolder" | "leaseExpiryMs" | "chunksWithheld">;

/** Whose query it is: the caller of a request (MetaRequest.user and its groups); absent, the cluster. */
export type QueryCaller = Caller | undefined;

export interface ListPage {
  entries: ListEntry[];
  /** Pass as `after` to get the next page; absent on the last page. */
  next?: string;
}

export interface NamespaceCounts {
  files: number;
  directories: number;
  chunks: number;
  pendingDeletes: number;
}

export interface ChunkOwner {
  fileId: number;
  path: string;
  index: number;
  version: number;
  committed: boolean;
}

export interface ExpiredLease {
  fileId: number;
  path: string;
  clientId: string;
  leaseExpiryMs: number;
}

export interface ChunkPageEntry extends ChunkInfo {
  fileId: number;
  /** The file's replication: how many replicas the chunk should have. */
  replication: number;
  /**
   * The file's bytes are in an under-storage (PERSISTED, with a fingerprint): its copies are a
   * cache, made by fills and dropped by eviction, never repaired or trimmed by the replicator.
   */
  cacheOnly: boolean;
}

/** A file waiting for the persister (TO_BE_PERSISTED and closed). */
export interface FileToPersist {
  fileId: number;
  path: string;
  lengthBytes: number;
}

export interface PendingDelete {
  chunkId: string;
  version: number;
  deletedAtMs: number;
}

const SQLITE_HEADER = new TextEncoder().encode("SQLite format 3\0");
// Bytes 18 and 19 of the database header are the write and read format versions: 2 in WAL
// mode, 1 otherwise. An in-memory database cannot open a WAL image, and the journal mode is a
// property of the connection rather than of the state, so snapshots always carry 1.
const HEADER_FORMAT_OFFSETS = [18, 19] as const;

/** The apply of every kind of command, each taking its own member of the command. */
const OPS: { [K in LogCommandKind]: (ctx: OpContext, c: LogCommandOf<K>) => unknown } = {
  mkdir: ops.mkdir,
  create: ops.create,
  addChunk: ops.addChunk,
  commitChunk: ops.commitChunk,
  bumpChunkVersion: ops.bumpChunkVersion,
  complete: ops.complete,
  abandonChunk: ops.abandonChunk,
  renewLease: ops.renewLease,
  recoverLease: ops.recoverLease,
  reopenForAppend: ops.reopenForAppend,
  rename: ops.rename,
  delete: ops.remove,
  setReplication: ops.setReplication,
  dropPendingDeletes: ops.dropPendingDeletes,
  setSetting: ops.setSetting,
  putJob,
  setAttributes: ops.setAttributes,
  concat: ops.concat,
  deleteSetting: ops.deleteSetting,
  setOwner: ops.setOwner,
  setPermission: ops.setPermission,
  setTimes: ops.setTimes,
  truncate: ops.truncate,
  mount: ufsOps.mount,
  unmount: ufsOps.unmount,
  syncUnderStorage: ufsOps.syncUnderStorage,
  markPersisted: ufsOps.markPersisted,
  setPinned: ufsOps.setPinned,
  freeCache: ufsOps.freeCache,
  symlink: ops.symlink,
  rewrite: ops.rewrite,
};

/**
 * Whether a command of each kind keeps every folder where it is (its id at its path): those
 * that may move or remove a folder empty the folder cache of queries (Namespace.folderIds).
 * A new kind must say.
 */
const KEEPS_FOLDERS: { [K in LogCommandKind]: boolean } = {
  mkdir: true, // adds folders; the cache holds only folders that exist
  create: true,
  addChunk: true,
  commitChunk: true,
  bumpChunkVersion: true,
  complete: true,
  abandonChunk: true,
  renewLease: true,
  recoverLease: true,
  reopenForAppend: true,
  rename: false,
  delete: false,
  setReplication: true,
  dropPendingDeletes: true,
  setSetting: true,
  putJob: true,
  setAttributes: true,
  concat: true, // removes files only; the folders it makes are new
  deleteSetting: true,
  setOwner: true,
  setPermission: true,
  setTimes: true,
  truncate: true,
  mount: true,
  unmount: false,
  syncUnderStorage: false,
  markPersisted: true,
  setPinned: true,
  freeCache: true,
  symlink: true, // makes folders (parents) and a link
  rewrite: true,
};
/**
 * The kinds of command that change what the permission cache holds (the settings of the
 * model, the root's owner and bits): it is emptied after each.
 */
const CHANGES_PERMISSION_STATE: ReadonlySet<LogCommandKind> = new Set<LogCommandKind>(["setSetting", "deleteSetting", "setOwner", "setPermission"]);
/** The kinds of command that may change the mount records (settings under `secret/mounts/`): the cache of them is emptied after each. */
const CHANGES_MOUNTS: ReadonlySet<LogCommandKind> = new Set<LogCommandKind>(["mount", "unmount", "setSetting", "deleteSetting"]);

/** Folders whose chains users' stats remember (each a few rows); past this many they start again empty. */
const FOLDER_CHAINS_MAX = 16_384;

/** Folders whose ids the queries remember; past this many the cache starts again empty. */
const FOLDER_CACHE_ENTRIES_MAX = 65_536;

export type BatchResult = { ok: true; value: unknown } | { ok: false; error: WireError };

export class Namespace {
  private db!: Database;
  private s!: Statements;
  private meta!: MetaRow;
  /**
   * The id of a folder by its path, remembered by stat and list: a stat of /a/b/c/f is then one
   * lookup of f in c instead of one per name on the way (each statement costs 5-8 µs in
   * bun:sqlite; a stat went from 41 to 19 µs). Only queries read and fill it, never apply, so
   * a command rolled back cannot leave an id behind; a command that may move or remove a
   * folder (KEEPS_FOLDERS) empties it before it runs, as does a new database (attach).
   */
  private readonly folderIds = new Map<string, number>();
  /**
   * The permission settings and the root's permission columns, read once and kept until a
   * command that may change them (CHANGES_PERMISSION_STATE) or a rollback: every command of a
   * user needs them, and reading them is five queries.
   */
  private permissionCache: { settings: PermissionSettings; root: PermRow } | undefined;
  /**
   * The folders on the way to a folder (the root first, the folder last, with their
   * permission columns), remembered by the checked stats of users as folderIds is by the
   * others: a user's stat of /a/b/c/f checks traverse on them and looks up f alone. Emptied
   * with folderIds, and by every command that may change a folder's owner or bits.
   */
  private readonly folderChains = new Map<string, StepRow[]>();
  private permissionGeneration = 0;
  /**
   * The mount records, decoded from the settings once and kept until a command that may
   * change them (CHANGES_MOUNTS) or a rollback: every stat under a mount and every create in
   * one looks its mount up.
   */
  private mountCache: MountRecord[] | undefined;
  /** mountRecords() for the rows of a stat or list (bound once). */
  private readonly mountsOfRows = (): readonly MountRecord[] => this.mountRecords();

  /** Checkpoints of a database on disk, on a worker thread (wal-checkpointer.ts). */
  private readonly checkpointer: WalCheckpointer | undefined;

  private constructor(
    private readonly path: string | undefined,
    private readonly retryBounds: RetryCacheBounds,
  ) {
    this.checkpointer = path === undefined ? undefined : new WalCheckpointer(path);
  }

  static open(options: NamespaceOptions = {}): Namespace {
    const namespace = new Namespace(options.path, options.retryCache ?? RETRY_CACHE_BOUNDS_DEFAULT);
    namespace.attach(new Database(options.path ?? ":memory:", { create: true, strict: true }));
    return namespace;
  }

  close(): void {
    this.checkpointer?.stop();
    this.closeConnection();
  }

  /**
   * Finalizes every prepared statement, then closes the connection. bun:sqlite's close leaves
   * a connection open (a "zombie", sqlite3_close_v2) while statements made with prepare()
   * live: its WAL stays behind, and the file stays open until the garbage collector gets to
   * the statements.
   */
  private closeConnection(): void {
    for (const statement of Object.values(this.s)) statement.finalize();
    this.db.close();
  }

  /** What the WAL checkpoint worker did (undefined for a database in memory). */
  walCheckpoints(): WalCheckpointStats | undefined {
    return this.checkpointer === undefined ? undefined : { ...this.checkpointer.stats };
  }

  /** The Raft index of the last entry whose changes the database holds. */
  appliedIndex(): number {
    return this.meta.applied_index;
  }

  apply(entry: Entry): unknown {
    // Decoding is part of the command: bytes that are no command are its rejection.
    return this.applyOne(entry.index, () => decodeLogCommand(entry.data));
  }

  /** Applies a decoded command as the entry at `index` (tests and tools; Raft goes through apply). */
  applyCommand(command: TypedLogCommand, index: number): unknown {
    return this.applyOne(index, () => command);
  }

  /**
   * Runs one command as the entry at `index`, in one transaction with the applied index. A
   * WireError (a NamespaceError, an invalid path) is the command's deterministic result: its
   * changes roll back, the applied index still advances, and the error is thrown. Any other
   * error (a broken invariant, a failing disk) leaves the applied index where it was.
   */
  private applyOne(index: number, command: () => TypedLogCommand): unknown {
    assert(Number.isSafeInteger(index) && index > this.meta.applied_index, `entry ${index} comes after the applied index ${this.meta.applied_index}`);
    const saved = { ...this.meta };
    let outcome: BatchResult;
    this.s.begin.run();
    try {
      outcome = this.run(command);
      this.meta.applied_index = index;
      this.writeMeta();
      this.s.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.s.rollback.run();
      this.meta = saved;
      this.forgetPermissionState();
      throw err;
    }
    this.checkpointer?.committed();
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /**
   * Applies a run of consecutive entries in one transaction: what applying them one by one
   * would do, with one commit instead of one per entry; a rejected command's error is its
   * result, in order.
   */
  applyBatch(entries: readonly Entry[]): BatchResult[] {
    if (entries.length === 0) return [];
    assert(entries[0].index > this.meta.applied_index, `entry ${entries[0].index} comes after the applied index ${this.meta.applied_index}`);
    const batchSaved = { ...this.meta };
    const results: BatchResult[] = [];
    this.s.begin.run();
    try {
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i];
        assert(i === 0 || entry.index === entries[i - 1].index + 1, "a batch is a run of consecutive entries");
        results.push(this.run(() => decodeLogCommand(entry.data)));
        this.meta.applied_index = entry.index;
      }
      this.writeMeta();
      this.s.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.s.rollback.run();
      this.meta = batchSaved;
      this.forgetPermissionState();
      throw err;
    }
    this.checkpointer?.committed();
    return results;
  }

  /**
   * One command inside the open transaction, under a savepoint, so a refused one (a WireError)
   * rolls back alone and its error is its outcome. A command that carries a client's call
   * records its outcome in the retry cache in the same transaction; when the call has a
   * record already (a retry, proposed while or after the first attempt was applied) the
   * command does not run again and gets the first outcome (retry-cache.ts).
   */
  private run(decode: () => TypedLogCommand): BatchResult {
    let command: TypedLogCommand;
    let kind: LogCommandKind;
    let call: Call | undefined;
    let ctx: OpContext;
    try {
      command = decode();
      kind = logCommandKind(command);
      ctx = this.opContext(command.caller);
      if (!KEEPS_FOLDERS[kind]) this.forgetFolders();
      call = command.call === undefined ? undefined : validateCall(command.call);
      const first = call === undefined ? undefined : recordedOutcome(this.s, call.clientId, call.callId);
      if (first !== undefined) return { ok: true, value: replay(first, kind, call!) };
    } catch (err) {
      if (err instanceof WireError) return { ok: false, error: err };
      throw err;
    }
    const op = OPS[kind] as (ctx: OpContext, c: unknown) => unknown;
    const saved = { ...this.meta };
    let outcome: BatchResult;
    this.s.savepoint.run();
    try {
      ctx.meta = this.meta;
      outcome = { ok: true, value: op(ctx, (command as Record<LogCommandKind, unknown>)[kind]) };
      this.s.release.run();
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.s.rollbackToSavepoint.run();
      this.s.release.run();
      this.meta = saved;
      outcome = { ok: false, error: err };
    } finally {
      if (CHANGES_PERMISSION_STATE.has(kind)) this.forgetPermissionState();
      if (CHANGES_MOUNTS.has(kind)) this.mountCache = undefined;
    }
    if (call) recordOutcome(this.s, call, outcomeOf(kind, outcome), this.retryBounds);
    return outcome;
  }

  /**
   * What a command of `caller` runs with: its owner for what it makes, its checks (none for
   * the cluster, a superuser, or with permissions off), and the state of the model. A caller
   * that is no user (a hostile or broken entry) refuses the command alike on every master.
   */
  private opContext(caller: Caller | undefined): OpContext {
    const state = this.permissionState();
    const base = { s: this.s, meta: this.meta, rootRow: state.root, umask: state.settings.umask, mounts: this.mountsOfRows };
    if (caller === undefined) return base;
    validateCaller(caller);
    const superuser = isSuperuser(caller, state.settings);
    const check = checkerFor(caller, state.settings);
    return { ...base, owner: caller.user, superuser, ...(check ? { check } : {}) };
  }

  /** The permission settings and the root's columns, from the cache or read once. */
  private permissionState(): { settings: PermissionSettings; root: PermRow } {
    if (this.permissionCache) return this.permissionCache;
    const settings = permissionSettingsOf((key) => this.getSetting(key));
    const row = this.s.inodeById.get(ROOT_ID);
    assert(row, "the root folder exists");
    this.permissionCache = { settings, root: { owner: row.owner, grp: row.grp, mode: row.mode, kind: "dir" } };
    return this.permissionCache;
  }

  private forgetPermissionState(): void {
    this.permissionCache = undefined;
    // Called on every rollback and restore too: a mount rolled back must not stay cached.
    this.mountCache = undefined;
    this.permissionGeneration += 1;
    this.folderChains.clear();
  }

  private forgetFolders(): void {
    this.folderIds.clear();
    this.folderChains.clear();
  }

  /** The permission model's settings as apply reads them now (the leader resolves callers and umasks with them). */
  permissionSettings(): PermissionSettings {
    return this.permissionState().settings;
  }

  /**
   * Changes each time the permission settings may have changed (a setting written or deleted,
   * a rollback, a restore): what the leader caches from them is stale once it moves.
   */
  get permissionSettingsGeneration(): number {
    return this.permissionGeneration;
  }

  /** Whether `caller` is a superuser now (absent: the cluster, which is). */
  isSuperuser(caller: QueryCaller): boolean {
    return caller === undefined || isSuperuser(caller, this.permissionState().settings);
  }

  /** The checks of a query of `caller`: undefined when nothing is checked. */
  private queryChecker(caller: QueryCaller): PermissionChecker | undefined {
    return caller === undefined ? undefined : checkerFor(caller, this.permissionState().settings);
  }

  private ownerNames(): OwnerNames {
    const settings = this.permissionState().settings;
    return { superuser: settings.superuser ?? "", supergroup: settings.supergroup };
  }

  /** The whole database as one SQLite image (applied index included). */
  snapshot(): Uint8Array {
    const image = this.db.serialize();
    for (const offset of HEADER_FORMAT_OFFSETS) image[offset] = 1;
    return image;
  }

  /**
   * The whole database as a compact SQLite file at `path`, without holding it in memory (a
   * namespace of millions of files is hundreds of MB): for a snapshot kept as a file and sent
   * in pieces. Takes time in proportion to the database.
   */
  snapshotToFile(path: string): void {
    rmSync(path, { force: true });
    const vacuum = this.db.prepare("VACUUM INTO ?");
    try {
      vacuum.run(path);
    } finally {
      vacuum.finalize();
    }
    const fd = openSync(path, "r+");
    try {
      writeSync(fd, new Uint8Array([1, 1]), 0, 2, HEADER_FORMAT_OFFSETS[0]);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * snapshotToFile without holding up this thread: for a database on disk, a worker thread
   * copies it on its own connection (snapshot-worker.ts) while this one goes on applying, so
   * the file holds the state at some applied index at or after the one applied now; resolves
   * with that index. An in-memory database (tests) is copied here, at the applied index.
   */
  async snapshotToFileInBackground(path: string): Promise<number> {
    if (this.path === undefined) {
      this.snapshotToFile(path);
      return this.appliedIndex();
    }
    const worker = new Worker(snapshotWorkerUrl());
    try {
      const answer = await new Promise<SnapshotWorkerAnswer>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<SnapshotWorkerAnswer>) => resolve(event.data);
        worker.addEventListener("error", (event) => reject(new Error(`the snapshot worker failed: ${(event as ErrorEvent).message}`)));
        worker.addEventListener("close", () => reject(new Error("the snapshot worker exited before it answered")));
        worker.postMessage({ dbPath: this.path!, outPath: path } satisfies SnapshotWorkerRequest);
      });
      if (!answer.ok) throw new Error(`the namespace snapshot failed: ${answer.error}`);
      return answer.appliedIndex;
    } finally {
      worker.terminate();
    }
  }

  /**
   * Replaces the whole state with the snapshot file at `path`, which this takes over (moves),
   * or, with `keep`, copies (a reflink where the file system has them); a file of an older
   * schema is upgraded first (the copy, when kept).
   */
  restoreFromFile(path: string, options: { keep?: boolean } = {}): void {
    if (this.path === undefined) {
      // An in-memory database is loaded whole: only tests and tools keep the namespace in memory.
      const image = readFileSync(path);
      this.restore(image);
      if (!options.keep) rmSync(path, { force: true });
      return;
    }
    let source = path;
    if (options.keep) {
      source = `${this.path}.restore`;
      try {
        copyFileSync(path, source, fsConstants.COPYFILE_FICLONE);
      } catch (err) {
        // A full disk refuses the copy part way: the part goes, so it holds no space and a
        // retry starts clean. The current state is untouched.
        rmSync(source, { force: true });
        throw err;
      }
    }
    try {
      checkAndUpgradeFile(source);
    } catch (err) {
      if (options.keep) rmSync(source, { force: true });
      throw err;
    }
    this.replaceFile(source);
  }

  /**
   * Replaces the whole state with a snapshot's; a file database is replaced atomically by
   * rename. An image of an older schema is upgraded before it replaces anything, so a failed
   * upgrade leaves the current state as it was.
   */
  restore(data: Uint8Array): void {
    assert(data.length >= 100 && SQLITE_HEADER.every((byte, i) => data[i] === byte), "a namespace snapshot is an SQLite image");
    let image = data;
    if (HEADER_FORMAT_OFFSETS.some((offset) => data[offset] !== 1)) {
      image = Uint8Array.from(data);
      for (const offset of HEADER_FORMAT_OFFSETS) image[offset] = 1;
    }
    if (this.path === undefined) {
      const next = Database.deserialize(image, { strict: true });
      try {
        checkImage(next);
        upgradeSchema(next);
      } catch (err) {
        next.close();
        throw err;
      }
      this.closeConnection();
      this.attach(next);
      return;
    }
    const temp = `${this.path}.restore`;
    writeDurably(temp, image);
    try {
      checkAndUpgradeFile(temp);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
    this.replaceFile(temp);
  }

  /** Moves a checked database file over this one's and reopens. */
  private replaceFile(source: string): void {
    assert(this.path !== undefined, "only a database on disk is replaced by a file");
    // A WAL left after the close (a failed checkpoint at close leaves one) belongs to the old
    // database and must not be replayed over the new one. The checkpoint worker holds no
    // connection to the old file while it is replaced: a running checkpoint is waited for first.
    this.checkpointer?.stop();
    this.closeConnection();
    for (const suffix of ["-wal", "-shm"]) rmSync(`${this.path}${suffix}`, { force: true });
    renameSync(source, this.path);
    fsyncDir(dirname(this.path));
    this.attach(new Database(this.path, { create: false, strict: true }));
  }

  // ---- queries: read-only, on the local database ----

  /**
   * A file's or folder's status. With a `caller` who is not a superuser, every folder on the
   * way needs EXECUTE, and the chunks need READ on the file: without it they are withheld
   * (`chunksWithheld`), as HDFS refuses getBlockLocations.
   */
  stat(path: string, options: { chunks?: boolean; caller?: QueryCaller } = {}): StatResult {
    const normalized = normalizePath(path);
    const check = this.queryChecker(options.caller);
    // An editor's staging file is in no folder: its path names it by id (issue 17).
    const staging = stagingRowAt(this.s, normalized);
    // A checked walk reads every folder's row on the way (the folder cache has ids only).
    const row = staging ?? (check ? this.resolveChecked(normalized, check) : this.resolveRemembering(normalized));
    const result: StatResult = { ...listEntry(row, normalized, this.ownerNames(), this.mountsOfRows) };
    if (row.lease_holder !== null) result.leaseHolder = row.lease_holder;
    if (row.lease_expiry_ms !== null) result.leaseExpiryMs = row.lease_expiry_ms;
    if (options.chunks && row.kind === "file") {
      // The row is the file's: its first page of chunks without looking the file up again.
      if (check && !check.permits(row, READ)) result.chunksWithheld = true;
      else result.chunks = this.s.chunksFrom.all(row.id, 0, CHUNK_PAGE_MAX).map(chunkInfo);
    }
    return result;
  }

  /**
   * The owner, group and bits of the inode `id` (one lookup by id): what a create's or a
   * concat's answer says of the file it made without a walk. Undefined when it is gone.
   */
  ownershipOf(id: number): { owner: string; group: string; permission: number } | undefined {
    const row = this.s.inodeById.get(id);
    if (!row) return undefined;
    const names = this.ownerNames();
    return { owner: row.owner ?? names.superuser, group: row.grp ?? names.supergroup, permission: row.mode };
  }

  /** Whether `caller` may read the file `fileId` (the chunk pages of a stat past its first). */
  mayRead(fileId: number, caller: QueryCaller): boolean {
    const check = this.queryChecker(caller);
    if (!check) return true;
    const row = this.s.inodeById.get(fileId);
    return row !== null && check.permits(row, READ);
  }

  /** resolve() of a normalized path for a checked caller, through the folder chains (the same row and the same errors). */
  private resolveChecked(path: string, check: PermissionChecker): InodeRow {
    const folder = parent(path);
    const chain = folder === undefined ? undefined : this.folderChains.get(folder);
    if (chain) {
      const names = segments(folder!);
      for (let i = 0; i < chain.length; i++) check.traverse(chain[i]!, () => ROOT_PATH + names.slice(0, i).join("/"));
      const row = this.s.child.get(chain[chain.length - 1]!.id, basename(path));
      if (!row) throw new NotFoundError(`${path} does not exist.`);
      return row;
    }
    const steps: StepRow[] = [];
    const found = walkPath(this.s, path, check, this.permissionState().root, steps);
    if (!found.row) throw new NotFoundError(`${path} does not exist.`);
    if (folder !== undefined) {
      if (this.folderChains.size >= FOLDER_CHAINS_MAX) this.folderChains.clear();
      this.folderChains.set(folder, steps);
    }
    return found.row;
  }

  /**
   * One page of a folder's entries in name order; recursive lists the subtree depth first (a
   * folder, then its contents). `after` is the `next` of the previous page. Listing a file
   * gives the file alone.
   */
  list(dir: string, options: { recursive?: boolean; limit?: number; after?: string; caller?: QueryCaller } = {}): ListPage {
    const dirPath = normalizePath(dir);
    const limit = validatePageLimit(options.limit, LIST_PAGE_DEFAULT, LIST_PAGE_MAX);
    const check = this.queryChecker(options.caller);
    const names = this.ownerNames();
    const row = check ? this.resolveChecked(dirPath, check) : resolve(this.s, dirPath);
    // A file or a link lists as itself (a link is never followed here).
    if (row.kind !== "dir") return { entries: options.after === undefined ? [listEntry(row, dirPath, names, this.mountsOfRows)] : [] };
    // HDFS's getListing: READ and EXECUTE on the folder (and on every folder a recursive list walks).
    if (check) check.access(row, dirPath, READ | EXECUTE);
    const after = options.after === undefined ? undefined : normalizePath(options.after);
    if (after !== undefined && !after.startsWith(dirPath === ROOT_PATH ? "/" : `${dirPath}/`)) {
      throw new InvalidArgumentError(`the cursor ${after} is not inside ${dirPath}.`);
    }
    // One entry more than asked tells whether another page follows. A page also stops before
    // LIST_PAGE_BYTES_MAX of paths and attributes (with at least one entry), so entries with
    // large attributes still fit one metadata message; rows past it are never read.
    const page = new PageBudget(LIST_PAGE_BYTES_MAX);
    const entries = options.recursive ? this.walk(row.id, dirPath, limit + 1, after, page, names, check) : this.children(row.id, dirPath, limit + 1, after, page, names);
    if (page.full) return { entries, next: entries[entries.length - 1].path };
    if (entries.length <= limit) return { entries };
    entries.length = limit;
    return { entries, next: entries[limit - 1].path };
  }

  // ---- under-storage mounts (issue 16): what master/rpc reads ----

  /** Every mount's record (credentials included: never answer them to a client; protocol/mounts.ts redactedMount), in id order. */
  mountRecords(): readonly MountRecord[] {
    this.mountCache ??= readMountRecords(this.s);
    return this.mountCache;
  }

  /** The under-storage part of a stat or list entry (FileStatus.underStorage); undefined outside mounts. */
  underStorageOf(entry: Pick<ListEntry, "underStorage">): UnderStorageStatus | undefined {
    return entry.underStorage;
  }

  /**
   * When the folder at `path` last had a complete listing of its under-storage applied
   * (SyncUnderStorage.complete): null when never, undefined when there is no folder there.
   */
  folderSyncedMs(path: string): number | null | undefined {
    const row = lookup(this.s, normalizePath(path));
    if (!row || row.kind !== "dir") return undefined;
    return row.ufs_synced_ms;
  }

  /**
   * The name before `path`'s in its folder (name order), "" when none: the `after` of a sync
   * of that one name, (before, name], which then touches no other name the namespace has.
   */
  nameBefore(path: string): string {
    const normalized = normalizePath(path);
    const folder = parent(normalized);
    if (folder === undefined) throw new InvalidArgumentError("/ has no folder.");
    const dir = lookup(this.s, folder);
    if (!dir || dir.kind !== "dir") return "";
    return this.s.nameBefore.get(dir.id, basename(normalized))?.name ?? "";
  }

  /**
   * Whether the file's bytes are in an under-storage (PERSISTED, with a fingerprint): its
   * chunks' copies are a cache, which repair and the balancer leave to the tiers. False for a
   * file that does not exist.
   */
  isCacheOnly(fileId: number): boolean {
    const row = this.s.inodeById.get(fileId);
    return row !== null && row.kind === "file" && row.persist_state === PERSISTED && row.ufs_fingerprint !== null;
  }

  /** Closed files waiting to be persisted (TO_BE_PERSISTED), in id order after `afterId`, at most `limit` (index inodes_to_persist). */
  filesToPersist(afterId: number, limit: number): FileToPersist[] {
    const bounded = validatePageLimit(limit, LEASE_SCAN_MAX, LIST_PAGE_MAX);
    return this.s.toPersist.all(afterId, bounded).map((row) => ({ fileId: row.id, path: pathOf(this.s, row.id), lengthBytes: row.length_bytes }));
  }

  /** Files at or below `path` not persisted yet (TO_BE_PERSISTED): what refuses an unmount. 0 for a path that does not exist. */
  countNotPersisted(path: string): number {
    const row = lookup(this.s, normalizePath(path));
    if (!row) return 0;
    if (row.kind === "file") return row.persist_state === TO_BE_PERSISTED ? 1 : 0;
    return this.s.subtreeFilesInState.get(row.id, TO_BE_PERSISTED)?.n ?? 0;
  }

  counts(): NamespaceCounts {
    return { files: this.meta.files, directories: this.meta.directories, chunks: this.meta.chunks, pendingDeletes: this.meta.pending_deletes };
  }

  /** The chunks of a file in order, from `fromIndex`, at most `limit` (a page). */
  chunksOfFile(fileId: number, options: { fromIndex?: number; limit?: number } = {}): ChunkInfo[] {
    validateFileId(fileId);
    const limit = validatePageLimit(options.limit, CHUNK_PAGE_MAX, CHUNK_PAGE_MAX);
    const file = this.s.inodeById.get(fileId);
    if (!file || file.kind !== "file") throw new NotFoundError(`file ${fileId} does not exist.`);
    return this.s.chunksFrom.all(fileId, options.fromIndex ?? 0, limit).map(chunkInfo);
  }

  /** The file's last chunk (committed or not), undefined when it has none. */
  lastChunkOf(fileId: number): ChunkInfo | undefined {
    validateFileId(fileId);
    const row = this.s.lastChunk.get(fileId);
    return row ? chunkInfo(row) : undefined;
  }

  /** Which file holds a chunk, and at which version: undefined for a chunk no file references. */
  fileOfChunk(chunkId: string): ChunkOwner | undefined {
    const row = this.s.chunkById.get(validateNamespaceChunkId(chunkId));
    if (!row) return undefined;
    return { fileId: row.file_id, path: pathOf(this.s, row.file_id), index: row.idx, version: row.version, committed: row.committed === 1 };
  }

  /** Open files whose lease expired before `nowMs`, oldest first: the leader recovers them. */
  openFilesWithLeaseExpiredBefore(nowMs: number, limit = LEASE_SCAN_MAX): ExpiredLease[] {
    validateTimeMs("nowMs", nowMs);
    const bounded = validatePageLimit(limit, LEASE_SCAN_MAX, LEASE_SCAN_MAX);
    return this.s.expiredLeases.all(nowMs, bounded).map((row) => ({ fileId: row.id, path: pathOf(this.s, row.id), clientId: row.lease_holder ?? "", leaseExpiryMs: row.lease_expiry_ms ?? 0 }));
  }

  /** Every chunk of every file, in chunk id order, a page at a time. */
  allChunkIds(options: { after?: string; limit?: number } = {}): { chunks: ChunkPageEntry[]; next?: string } {
    const limit = validatePageLimit(options.limit, CHUNK_PAGE_MAX, CHUNK_PAGE_MAX);
    const after = options.after === undefined ? "" : validateNamespaceChunkId(options.after);
    const rows = this.s.chunkPage.all(after, limit);
    const chunks = rows.map((row) => ({ ...chunkInfo(row), fileId: row.file_id, replication: row.replication, cacheOnly: row.cache_only === 1 }));
    return rows.length === limit ? { chunks, next: rows[limit - 1].chunk_id } : { chunks };
  }

  /** Chunks waiting for the garbage collector, in chunk id order, a page at a time. */
  pendingDeletes(options: { after?: string; limit?: number } = {}): { chunks: PendingDelete[]; next?: string } {
    const limit = validatePageLimit(options.limit, CHUNK_PAGE_MAX, CHUNK_PAGE_MAX);
    const after = options.after === undefined ? "" : validateNamespaceChunkId(options.after);
    const rows = this.s.pendingPage.all(after, limit);
    const chunks = rows.map((row) => ({ chunkId: row.chunk_id, version: row.version, deletedAtMs: row.deleted_at_ms }));
    return rows.length === limit ? { chunks, next: rows[limit - 1].chunk_id } : { chunks };
  }

  /** The outcome recorded for a client's call, if any: the leader answers a retry with it. */
  recordedCall(clientId: string, callId: number): CallOutcome | undefined {
    return recordedOutcome(this.s, clientId, callId);
  }

  /** Records in the retry cache (a scan: for tests and tools). */
  get retryCacheSize(): number {
    return this.s.retryCount.get()?.n ?? 0;
  }

  getSetting(key: string): Uint8Array | undefined {
    const row = this.s.getSetting.get(key);
    return row ? new Uint8Array(row.value) : undefined;
  }

  get settingCount(): number {
    return this.s.settingCount.get()?.n ?? 0;
  }

  /**
   * The settings whose keys start with `prefix`, in key order, a page at a time (at most
   * `limit`, and SETTINGS_PAGE_BYTES_MAX of keys and values, at least one); `after` is the
   * previous page's `next`.
   */
  listSettings(prefix: string, options: { after?: string; limit?: number } = {}): { entries: { key: string; value: Uint8Array }[]; next?: string } {
    if (prefix !== "") validateSettingKey(prefix);
    const limit = validatePageLimit(options.limit, SETTINGS_PAGE_MAX, SETTINGS_PAGE_MAX);
    const entries: { key: string; value: Uint8Array }[] = [];
    let bytes = 0;
    for (const row of this.s.settingsPage.iterate(options.after ?? "", prefix, limit + 1)) {
      bytes += row.key.length + row.value.length;
      if (entries.length === limit || (entries.length > 0 && bytes > SETTINGS_PAGE_BYTES_MAX)) return { entries, next: entries[entries.length - 1].key };
      entries.push({ key: row.key, value: new Uint8Array(row.value) });
    }
    return { entries };
  }

  /** A MapReduce job's record, or undefined. */
  job(id: string): JobRecord | undefined {
    const row = this.s.jobById.get(id);
    return row ? JobRecord.decode(row.record, { limits: JOB_RECORD_LIMITS }) : undefined;
  }

  /** The newest jobs first. */
  jobs(limit: number): JobRecord[] {
    return this.s.jobsNewestFirst.all(limit).map((row) => JobRecord.decode(row.record, { limits: JOB_RECORD_LIMITS }));
  }

  /** Every task record of a job, maps before reduces, in index order. */
  jobTasks(id: string): TaskRecord[] {
    return this.s.tasksOfJob.all(id).map((row) => TaskRecord.decode(row.record, { limits: TASK_RECORD_LIMITS }));
  }

  /** Every row of every table as text, in key order: for tests and debugging of small namespaces. */
  dump(): string {
    const tables = ["meta ORDER BY id", "inodes ORDER BY id", "chunks ORDER BY file_id, idx", "pending_chunk_deletes ORDER BY chunk_id", "settings ORDER BY key", "jobs ORDER BY seq", "job_tasks ORDER BY job_id, task", "retry_cache ORDER BY seq"];
    const lines: string[] = [];
    for (const table of tables) {
      lines.push(`# ${table}`);
      for (const row of this.db.query(`SELECT * FROM ${table}`).values()) {
        lines.push(JSON.stringify(row, (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString("hex") : value)));
      }
    }
    return lines.join("\n");
  }

  private children(dirId: number, dirPath: string, limit: number, after: string | undefined, page: PageBudget, names: OwnerNames): ListEntry[] {
    let afterName = "";
    if (after !== undefined) {
      if (parent(after) !== dirPath) throw new InvalidArgumentError(`the cursor ${after} is not an entry of ${dirPath}.`);
      afterName = basename(after);
    }
    const entries: ListEntry[] = [];
    for (const row of this.s.childrenAfter.iterate(dirId, afterName, limit)) {
      if (!page.take(entries, listEntry(row, join(dirPath, row.name), names, this.mountsOfRows))) break;
    }
    return entries;
  }

  /** Depth-first walk from a cursor, one frame per folder on the way down. */
  private walk(dirId: number, dirPath: string, limit: number, after: string | undefined, page: PageBudget, ownerNames: OwnerNames, check: PermissionChecker | undefined): ListEntry[] {
    interface Frame {
      id: number;
      path: string;
      after: string;
    }
    const stack: Frame[] = [];
    if (after === undefined) {
      stack.push({ id: dirId, path: dirPath, after: "" });
    } else {
      // Resume where the cursor was: the siblings after each folder on its way down, deepest
      // last on the stack, then the cursor's own contents if it is a folder. Names that were
      // deleted since still order correctly, so a page never repeats or skips a survivor.
      const names = segments(after).slice(segments(dirPath).length);
      let frame: Frame | undefined = { id: dirId, path: dirPath, after: names[0] };
      for (let i = 0; frame; i++) {
        stack.push(frame);
        const step = this.s.childStep.get(frame.id, names[i]);
        const path = join(frame.path, names[i]);
        frame = undefined;
        if (step && step.kind === "dir") {
          if (check) check.access(step, path, READ | EXECUTE);
          if (i + 1 < names.length) frame = { id: step.id, path, after: names[i + 1] };
          else stack.push({ id: step.id, path, after: "" });
        }
      }
    }
    const entries: ListEntry[] = [];
    while (stack.length > 0 && entries.length < limit && !page.full) {
      const top = stack[stack.length - 1];
      let descended = false;
      // Lazily stepped: leaving the loop early to descend reads no rows beyond the folder taken.
      for (const row of this.s.childrenAfter.iterate(top.id, top.after, limit - entries.length)) {
        const path = join(top.path, row.name);
        if (!page.take(entries, listEntry(row, path, ownerNames, this.mountsOfRows))) break;
        top.after = row.name;
        if (row.kind === "dir") {
          if (check) check.access(row, path, READ | EXECUTE);
          stack.push({ id: row.id, path, after: "" });
          descended = true;
          break;
        }
        if (entries.length >= limit) break;
      }
      if (!descended && entries.length < limit && !page.full) stack.pop();
    }
    return entries;
  }

  /** resolve() of a normalized path, through the folder cache (the same row and the same errors). */
  private resolveRemembering(path: string): InodeRow {
    const folder = parent(path);
    if (folder === undefined) return resolve(this.s, path);
    const folderId = this.folderIds.get(folder);
    if (folderId !== undefined) {
      const row = this.s.child.get(folderId, basename(path));
      if (!row) throw new NotFoundError(`${path} does not exist.`);
      return row;
    }
    const row = resolve(this.s, path);
    if (this.folderIds.size >= FOLDER_CACHE_ENTRIES_MAX) this.folderIds.clear();
    this.folderIds.set(folder, row.parent);
    return row;
  }

  private attach(db: Database): void {
    this.forgetFolders();
    this.forgetPermissionState();
    this.db = db;
    configureConnection(db, this.path !== undefined);
    // A database a previous version left (schema 1 or 2) is upgraded before anything reads it.
    upgradeSchema(db);
    this.s = prepareStatements(db);
    const meta = this.s.readMeta.get();
    assert(meta, "the namespace database has its meta row");
    this.meta = { ...meta };
  }

  private writeMeta(): void {
    const m = this.meta;
    this.s.writeMeta.run(m.applied_index, m.next_inode_id, m.next_chunk_id, m.files, m.directories, m.chunks, m.pending_deletes);
  }
}

function listEntry(row: InodeRow, path: string, names: OwnerNames, mounts: () => readonly MountRecord[]): ListEntry {
  const entry: ListEntry = {
    path,
    id: row.id,
    kind: row.kind,
    sizeBytes: row.length_bytes,
    replication: row.replication,
    chunkSizeBytes: row.chunk_size_bytes,
    mtimeMs: row.mtime_ms,
    state: row.state,
    attributes: attributesOfRow(row),
    owner: row.owner ?? names.superuser,
    group: row.grp ?? names.supergroup,
    permission: row.mode,
    accessTimeMs: row.atime_ms,
  };
  if (row.symlink_target !== null) entry.symlinkTarget = row.symlink_target;
  // Only what is under a mount has a persist state: everything else reads no mount record.
  if (row.persist_state !== null) {
    entry.underStorage = {
      mountPath: mountOf(mounts(), path)?.path ?? "",
      fingerprint: row.ufs_fingerprint ?? "",
      persistState: persistStateOf(row.persist_state),
      pinned: row.pinned === 1,
    };
  }
  return entry;
}

/** A caller written into a command is a user with a bounded list of groups; else the command is refused. */
function validateCaller(caller: Caller): void {
  const problem = principalProblem(caller.user);
  if (problem !== undefined) throw new InvalidArgumentError(`the command's caller: ${problem}.`);
  if (caller.groups.length > CALLER_GROUPS_MAX) throw new InvalidArgumentError(`the command's caller has ${caller.groups.length} groups; at most ${CALLER_GROUPS_MAX} are carried.`);
  for (const group of caller.groups) {
    const groupProblem = principalProblem(group);
    if (groupProblem !== undefined) throw new InvalidArgumentError(`the command's caller: ${groupProblem}.`);
  }
}

/** The bytes a list page has left; `full` once an entry did not fit (it starts the next page). */
class PageBudget {
  full = false;
  constructor(private bytesLeft: number) {}

  /** Adds `entry` to `entries` if it fits (the first always does); false when the page is full. */
  take(entries: ListEntry[], entry: ListEntry): boolean {
    const bytes = entryBytes(entry);
    if (entries.length > 0 && bytes > this.bytesLeft) {
      this.full = true;
      return false;
    }
    this.bytesLeft -= bytes;
    entries.push(entry);
    return true;
  }
}

/** An entry's share of a list page's byte budget: its path and its attributes. */
function entryBytes(entry: ListEntry): number {
  let bytes = Buffer.byteLength(entry.path);
  for (const attribute of entry.attributes) bytes += Buffer.byteLength(attribute.name) + Buffer.byteLength(attribute.value);
  return bytes;
}

/** A snapshot image is a namespace database of a schema this master reads (older ones are upgraded). */
function checkImage(db: Database): void {
  const version = schemaVersionOf(db);
  assert(version >= SCHEMA_VERSION_OLDEST && version <= SCHEMA_VERSION, `a namespace snapshot has schema ${SCHEMA_VERSION_OLDEST}..${SCHEMA_VERSION}, not ${version}`);
  const meta = db.query("SELECT applied_index FROM meta WHERE id = 1").get();
  assert(meta, "a namespace snapshot has its meta row");
}

/** Checks the snapshot file at `path` and upgrades it in place to this schema (the file is ours: it is taken over). */
function checkAndUpgradeFile(path: string): void {
  const db = new Database(path, { create: false, strict: true });
  try {
    checkImage(db);
    upgradeSchema(db);
  } finally {
    db.close();
  }
}

function writeDurably(path: string, data: Uint8Array): void {
  const fd = openSync(path, "w");
  try {
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function snapshotWorkerUrl(): string | URL {
  return workerEntryUrl("master/state/snapshot-worker", new URL("./snapshot-worker.ts", import.meta.url));
}
