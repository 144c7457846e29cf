// The leader's view of the under-storage mounts (issue 16, docs/cache.md): the mount table
// (records in the settings at secret/mounts/<id>), the metadata sync run before a stat or a
// list page inside a mount (the decision is sync-plan.ts's; this carries it out: ask the
// broker, propose SyncUnderStorage, one page of at most UFS_SYNC_ENTRIES_MAX entries per
// command), and what the leader remembers in memory: when it last looked each file up (a
// bounded LRU) and which mounts it could not reach (since when, and why; fsck and listMounts
// say it). A broker failure never fails the read: the namespace answers with what it has.
import type { ListPage, Namespace, QueryCaller, StatResult } from "../state/namespace.ts";
import type { TypedLogCommand } from "../state/log-command.ts";
import type { Logger } from "../../util/log.ts";
import type { UnderStorageBroker, UnderStorageEntry } from "../../protocol/under-storage.ts";
import { mountOf, redactedMount, PersistState, relativeUnderStoragePath, type MountRecord } from "../../protocol/mounts.ts";
import { basename, compareNames, join, normalizePath, parent } from "../../protocol/paths.ts";
import { RequestError, WireError } from "../../protocol/errors.ts";
import type { MountInfo, UnderStorageStatus } from "../../protocol/pb/meta.ts";
import { nameBefore, pageRange, planList, planStat } from "./sync-plan.ts";

/** Entries of one SyncUnderStorage command at most (a page of the under-storage's listing). */
export const UFS_SYNC_ENTRIES_MAX = 1_000;
/** Entries a recursive listing's first page syncs below its folder at most (ten pages of the under-storage). */
export const RECURSIVE_LIST_SYNC_ENTRIES_MAX = 10_000;
/** Paths whose last look-up the leader remembers (an LRU: a million-object mount does not grow it past this). */
export const LAST_CHECKS_MAX = 100_000;

/**
 * A file the persister may persist (namespace.filesToPersist: closed TO_BE_PERSISTED files).
 * Its mtime, when the namespace does not give it, is read by a stat.
 */
export interface PersistCandidate {
  fileId: number;
  path: string;
  mtimeMs?: number;
  /** Absent means closed. */
  closed?: boolean;
}

/** What this side reads of the namespace's under-storage state (master/state: mstate's part). */
export interface UnderStorageQueries {
  /** When the folder's last complete listing was applied; null or undefined: never. */
  folderSyncedMs(path: string): number | null | undefined;
  /** TO_BE_PERSISTED files with ids above `afterId`, in id order, at most `limit`. */
  filesToPersist(afterId: number, limit: number): PersistCandidate[];
  /** Files at or below `path` that are TO_BE_PERSISTED (what refuses an unmount). */
  countNotPersisted(path: string): number;
}

/**
 * The namespace's under-storage queries, or ones that refuse with a clear sentence when this
 * build's namespace does not keep that state yet (never a silent default).
 */
export function underStorageQueries(namespace: Namespace): UnderStorageQueries {
  const ns = namespace as Namespace & Partial<UnderStorageQueries>;
  const missing = (what: string) => () => {
    throw new RequestError("INVALID", `this master does not keep under-storage state yet (${what} is not supported yet)`);
  };
  return {
    folderSyncedMs: ns.folderSyncedMs ? ns.folderSyncedMs.bind(ns) : missing("a folder's sync time"),
    filesToPersist: ns.filesToPersist ? ns.filesToPersist.bind(ns) : missing("listing files to persist"),
    countNotPersisted: ns.countNotPersisted ? ns.countNotPersisted.bind(ns) : missing("counting files not persisted"),
  };
}

/**
 * The under-storage part of a stat or list result inside a mount (schema 7's columns, which
 * master/state's results carry as `underStorage`); undefined when the namespace gives none.
 */
export function underStorageOfRow(stat: object): UnderStorageStatus | undefined {
  return (stat as { underStorage?: UnderStorageStatus }).underStorage;
}

/**
 * Whether the under-storage has (a version of) this file: PERSISTED, or a file of a mount whose
 * state the namespace does not say (it then came from the under-storage).
 */
export function isPersisted(stat: object): boolean {
  const state = underStorageOfRow(stat)?.persistState;
  return state === undefined || state === PersistState.PERSIST_STATE_UNSPECIFIED || state === PersistState.PERSISTED;
}

export interface Unreachable {
  sinceMs: number;
  lastError: string;
}

export interface UnderStorageSyncInit {
  namespace: Namespace;
  broker?: UnderStorageBroker;
  /** Proposes a command as the cluster's own (not any caller's: the sync is the leader's). */
  propose(command: TypedLogCommand): Promise<unknown>;
  nowMs: () => number;
  log: Logger;
  /** The LRU's bound (tests make it small). */
  lastChecksMax?: number;
}

export class UnderStorageSync {
  private mountsByPath?: { from: readonly MountRecord[]; mounts: readonly MountRecord[] };
  /** `${mountId}\0${path}` → when the leader last looked it up; insertion order is recency. */
  private readonly lastChecks = new Map<string, number>();
  private readonly unreachableByMount = new Map<string, Unreachable>();
  private brokerNow?: UnderStorageBroker;

  constructor(private readonly init: UnderStorageSyncInit) {
    this.brokerNow = init.broker;
  }

  /**
   * Gives the broker after the start: peer.ts builds it over the peer's file-system client,
   * which exists only after the master's services do.
   */
  attach(broker: UnderStorageBroker): void {
    this.brokerNow = broker;
  }

  get broker(): UnderStorageBroker | undefined {
    return this.brokerNow;
  }

  /** The broker, or a clear refusal when this peer was started without one. */
  requireBroker(): UnderStorageBroker {
    if (!this.brokerNow) throw new RequestError("INVALID", "this master has no under-storage broker: mounts are not supported by this build");
    return this.brokerNow;
  }

  /**
   * Every mount record, by path (for a stable listing): the namespace's own (it reads the
   * settings again only after a command that changes them), sorted once per version of it.
   */
  mounts(): readonly MountRecord[] {
    const records = this.init.namespace.mountRecords();
    if (this.mountsByPath?.from !== records) this.mountsByPath = { from: records, mounts: [...records].sort((a, b) => compareNames(a.path, b.path)) };
    return this.mountsByPath.mounts;
  }

  mountOf(path: string): MountRecord | undefined {
    const mounts = this.mounts();
    return mounts.length === 0 ? undefined : mountOf(mounts, normalizePath(path));
  }

  /** Mount points strictly below `path` (a delete or a rename of a folder holding one is refused). */
  mountsBelow(path: string): MountRecord[] {
    const normalized = normalizePath(path);
    const base = normalized === "/" ? "/" : `${normalized}/`;
    return this.mounts().filter((mount) => mount.path !== normalized && mount.path.startsWith(base));
  }

  // --- reachability --------------------------------------------------------------------------

  unreachable(mountId: string): Unreachable | undefined {
    return this.unreachableByMount.get(mountId);
  }

  /** The mounts the leader could not reach at its last try, with since when and why (fsck). */
  unreachableMounts(): Array<{ mount: MountRecord } & Unreachable> {
    return this.mounts().flatMap((mount) => {
      const state = this.unreachableByMount.get(mount.id);
      return state ? [{ mount, ...state }] : [];
    });
  }

  reached(mountId: string): void {
    if (this.unreachableByMount.delete(mountId)) this.init.log.info("an under-storage answers again", { mount: mountId });
  }

  failed(mount: MountRecord, err: unknown): void {
    // The broker's messages say what failed (endpoint, code), never a credential.
    const lastError = err instanceof Error ? err.message : String(err);
    const known = this.unreachableByMount.get(mount.id);
    if (!known) this.init.log.warn("an under-storage did not answer; serving what the namespace has", { mount: mount.path, err: lastError });
    this.unreachableByMount.set(mount.id, { sinceMs: known?.sinceMs ?? this.init.nowMs(), lastError });
  }

  /** Forgets a mount that went (unmount). */
  forget(mountId: string): void {
    this.unreachableByMount.delete(mountId);
    for (const key of this.lastChecks.keys()) if (key.startsWith(`${mountId}\0`)) this.lastChecks.delete(key);
    this.brokerNow?.forget(mountId);
  }

  // --- the sync ------------------------------------------------------------------------------

  /**
   * Before a stat of `path`: looks it up in the under-storage when the planner says so and
   * applies what it saw. Never throws for the under-storage's failure (remembered instead).
   */
  async beforeStat(path: string): Promise<void> {
    const broker = this.brokerNow;
    const normalized = normalizePath(path);
    const mount = broker && this.mountOf(normalized);
    if (!mount || normalized === mount.path) return;
    const queries = underStorageQueries(this.init.namespace);
    const present = this.present(normalized);
    const folder = parent(normalized)!;
    const key = `${mount.id}\0${normalized}`;
    const action = planStat({
      syncIntervalMs: mount.syncIntervalMs,
      present: present === undefined ? "missing" : present.kind === "dir" ? "folder" : "file",
      localOnly: present !== undefined && present.kind === "file" && !isPersisted(present),
      folderSyncedMs: this.present(folder) ? (queries.folderSyncedMs(folder) ?? undefined) : undefined,
      lastCheckedMs: this.lastCheckOf(key),
      nowMs: this.init.nowMs(),
    });
    if (action.kind !== "stat") return;
    let entry: UnderStorageEntry | undefined;
    try {
      entry = await broker.stat(mount, relativeUnderStoragePath(mount.path, normalized));
      this.reached(mount.id);
    } catch (err) {
      this.failed(mount, err);
      return;
    }
    const nowMs = this.init.nowMs();
    this.checked(key, nowMs);
    // "" until the file is known to the under-storage: then it is proposed whatever it says.
    const known = present ? underStorageOfRow(present)?.fingerprint || undefined : undefined;
    // Nothing changed: nothing to propose.
    if (entry === undefined && present === undefined) return;
    if (entry !== undefined && present !== undefined && !entry.directory && present.kind === "file" && known !== undefined && known === entry.fingerprint) return;
    const name = basename(normalized);
    await this.init.propose({
      syncUnderStorage: {
        path: folder,
        // (the greatest possible name below it, name]: this one name and nothing else of the
        // folder, whatever other look-ups apply meanwhile. (The name before it in the namespace's
        // folder would not do: a look-up of another name applied first falls in that range and
        // would be removed.) The bound need not be a valid name ("part-00/…" before "part-000").
        after: nameBefore(name),
        through: name,
        entries: entry === undefined ? [] : [{ ...entry, name }],
        complete: false,
        nowMs,
        parents: true,
      },
    });
  }

  /**
   * Before a list page of the folder `path` after the cursor `afterPath` (a path in the
   * folder, or undefined for the first page): lists that page of the under-storage when the
   * planner says so and applies it. Returns the last name the page covered ("" for the rest of
   * the folder), so the answer does not pass names the under-storage was not asked about; or
   * undefined when nothing was listed.
   */
  async beforeList(path: string, afterPath: string | undefined, limit: number): Promise<{ through: string } | undefined> {
    const broker = this.brokerNow;
    const normalized = normalizePath(path);
    const mount = broker && this.mountOf(normalized);
    if (!mount) return undefined;
    let present = this.present(normalized);
    if (present === undefined || present.kind === "file") {
      await this.beforeStat(normalized);
      present = this.present(normalized);
      if (present === undefined || present.kind === "file") return undefined;
    }
    const queries = underStorageQueries(this.init.namespace);
    const cursor = afterPath === undefined ? undefined : normalizePath(afterPath);
    // A cursor outside the folder is the namespace's to refuse; nothing is synced for it.
    if (cursor !== undefined && parent(cursor) !== normalized) return undefined;
    const after = cursor === undefined ? "" : basename(cursor);
    const action = planList({ syncIntervalMs: mount.syncIntervalMs, folderSyncedMs: queries.folderSyncedMs(normalized) ?? undefined, after, nowMs: this.init.nowMs() });
    if (action.kind !== "list") return undefined;
    let page;
    try {
      page = await broker.list(mount, relativeUnderStoragePath(mount.path, normalized), action.after, Math.max(1, Math.min(limit, UFS_SYNC_ENTRIES_MAX)));
      this.reached(mount.id);
    } catch (err) {
      this.failed(mount, err);
      return undefined;
    }
    if (page.entries.length > UFS_SYNC_ENTRIES_MAX) throw new RequestError("INVALID", `the under-storage answered a page of ${page.entries.length} entries, more than the ${UFS_SYNC_ENTRIES_MAX} asked for`);
    const range = pageRange(action.after, page);
    await this.init.propose({ syncUnderStorage: { path: normalized, after: range.after, through: range.through, entries: page.entries.map((entry) => ({ ...entry })), complete: range.complete, nowMs: this.init.nowMs(), parents: false } });
    return { through: range.through };
  }

  /** When `key` was last looked up; a use makes it the most recent. */
  private lastCheckOf(key: string): number | undefined {
    const checkedMs = this.lastChecks.get(key);
    if (checkedMs !== undefined) {
      this.lastChecks.delete(key);
      this.lastChecks.set(key, checkedMs);
    }
    return checkedMs;
  }

  /**
   * A list page of `path` as the namespace has it once the under-storage's page was synced
   * (when the planner says so): it never passes the names the under-storage was asked about,
   * and says more follows when the under-storage has more. A recursive list answers from the
   * namespace (it would list every folder below).
   */
  async listPage(path: string, options: { after?: string; limit?: number; recursive?: boolean; caller?: QueryCaller }): Promise<ListPage> {
    // A recursive listing's first page brings the tree below up to date first, as far as
    // RECURSIVE_LIST_SYNC_ENTRIES_MAX entries (each folder as its own listing would, so folders
    // the sync interval trusts cost nothing); past that, deeper folders show what the namespace
    // has until they are listed on their own.
    if (options.recursive && !options.after) await this.syncTree(path, RECURSIVE_LIST_SYNC_ENTRIES_MAX);
    const synced = options.recursive ? undefined : await this.beforeList(path, options.after || undefined, options.limit || UFS_SYNC_ENTRIES_MAX);
    const page = this.init.namespace.list(path, { recursive: options.recursive, caller: options.caller, ...(options.limit ? { limit: options.limit } : {}), ...(options.after ? { after: options.after } : {}) });
    if (!synced || synced.through === "") return page;
    let entries = page.entries;
    let next = page.next;
    // Names past the under-storage page were not looked at: the next page syncs them first.
    const within = entries.filter((entry) => compareNames(basename(entry.path), synced.through) <= 0);
    if (within.length > 0 && within.length < entries.length) {
      entries = within;
      next = within[within.length - 1]!.path;
    }
    // More follows in the under-storage though the namespace has no more yet.
    if (next === undefined) next = entries.length > 0 ? entries[entries.length - 1]!.path : join(normalizePath(path), synced.through);
    return { entries, next };
  }

  /**
   * Brings the namespace at and below `path` up to date with the under-storage, as a list of
   * every folder would (a MapReduce job's input: its splits are planned from the namespace).
   * Mounts below `path` are walked too. Stops after `entriesMax` entries (the job's bound
   * refuses more anyway); a page at a time, never a whole prefix in memory.
   */
  async syncTree(path: string, entriesMax: number): Promise<void> {
    if (!this.brokerNow) return;
    const normalized = normalizePath(path);
    const roots = this.mountOf(normalized) ? [normalized] : this.mountsBelow(normalized).map((mount) => mount.path);
    let seen = 0;
    for (const root of roots) {
      await this.beforeStat(root);
      if (this.present(root)?.kind !== "dir") continue;
      const folders = [root];
      while (folders.length > 0) {
        const folder = folders.shift()!;
        let after: string | undefined;
        do {
          const page = await this.listPage(folder, { ...(after ? { after } : {}), limit: UFS_SYNC_ENTRIES_MAX });
          for (const entry of page.entries) {
            if (entry.kind === "dir") folders.push(entry.path);
            if (++seen > entriesMax) return;
          }
          after = page.next;
        } while (after);
      }
    }
  }

  private checked(key: string, nowMs: number): void {
    this.lastChecks.delete(key);
    this.lastChecks.set(key, nowMs);
    if (this.lastChecks.size > (this.init.lastChecksMax ?? LAST_CHECKS_MAX)) this.lastChecks.delete(this.lastChecks.keys().next().value!);
  }

  /** Remembered look-ups (tests, and the bound's check). */
  get lastCheckCount(): number {
    return this.lastChecks.size;
  }

  private present(path: string): StatResult | undefined {
    try {
      return this.init.namespace.stat(path);
    } catch (err) {
      if (err instanceof WireError && (err.code === "NOT_FOUND" || err.code === "NOT_A_DIRECTORY")) return undefined;
      throw err;
    }
  }
}

/** A mount as anyone may see it (no credential: redactedMount), with what the leader remembers of reaching it. */
export function mountInfo(record: MountRecord, unreachable: Unreachable | undefined): MountInfo {
  const { options, redacted } = redactedMount(record);
  return {
    path: record.path,
    uri: record.uri,
    options,
    redacted,
    readonly: record.readonly,
    syncIntervalMs: record.syncIntervalMs,
    readType: record.readType,
    writeType: record.writeType,
    replication: record.replication,
    unreachableSinceMs: unreachable?.sinceMs ?? 0,
    lastError: unreachable?.lastError ?? "",
  };
}
