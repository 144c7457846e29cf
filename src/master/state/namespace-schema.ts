// The SQLite schema of the namespace and its prepared statements.
//
// Why SQLite: the namespace must grow to millions of files with bounded memory, so it lives in
// B-trees on disk with a bounded page cache, and every command is one transaction.
//
//   inodes   one row per file or folder. id INTEGER PRIMARY KEY (the rowid: lookups by file id
//            are one B-tree descent); parent = id of the folder holding it (0 for the root, id 1,
//            name ''); kind 'dir' | 'file'; mtime_ms; for files replication, chunk_size_bytes,
//            length_bytes (bytes of committed chunks: what readers see), state 'open' | 'closed',
//            lease_holder (client id) and lease_expiry_ms while open. Folders hold 0 / 'closed'
//            / NULL there. UNIQUE (parent, name) is both the path walk (one lookup per name)
//            and the listing of a folder in name order. A partial index on lease_expiry_ms of
//            open files lets the leader find expired leases without scanning closed files.
//            attributes: the file's or folder's attributes (issue 14, S3 object metadata) as
//            JSON of [name, value] pairs in name order, NULL when it has none.
//            owner, grp, mode, atime_ms: HDFS's permission model (issue 15, permissions.ts):
//            owner and grp NULL mean the superuser and supergroup of the day (the settings
//            permissions/superuser and permissions/supergroup: what the cluster itself made,
//            and every inode of a namespace made before permissions), mode the bits
//            (0..0o1777), atime_ms the last access time set (at creation, by setTimes). They
//            sit in the rows the path walk reads, so a check costs no query of its own.
//            ufs_fingerprint, persist_state, pinned, ufs_synced_ms: under-storage mounts (issue
//            16, under-storage-ops.ts): the object's version as Tessera last saw it (NULL: not
//            known to the under-storage), whether the under-storage has the bytes (PersistState
//            of under-storage.proto; NULL outside mounts, set on everything under a mount
//            point), `cache pin` (0 | 1), and for folders when their last complete listing was
//            applied (NULL: never). A partial index on id of TO_BE_PERSISTED inodes lets the
//            leader's persister find them without a scan.
//            kind 'symlink' (issue 17): a symbolic link, its target in symlink_target (as given,
//            at most PATH_MAX bytes; NULL for files and folders), its length_bytes the target's
//            bytes (POSIX's st_size of a link), closed, no chunks. An editor's staging file
//            (issue 17) is a file with parent STAGING_PARENT (0, which holds no folder) named
//            by its own id: in no folder, reachable as /.reserved/.inodes/<id> only.
//   chunks   one row per chunk of a file: (file_id, idx) is the primary key (WITHOUT ROWID: a
//            file's chunks are contiguous on disk, in order), chunk_id (16 hex digits, UNIQUE
//            index: block reports and GC ask "whose is this chunk?"), version, size_bytes,
//            committed 0 | 1, replicas = the peers the leader chose at allocation, a comma list
//            in pipeline order. Committed chunks are a prefix of a file; at most the last is not.
//   meta     one row: applied_index (the Raft index of the last applied entry, written in the
//            same transaction as the entry's changes, so a replay after a restart skips what
//            the database holds), next_inode_id, next_chunk_id, and the counts of files,
//            directories, chunks and pending deletes (counts() must not scan millions of rows).
//   pending_chunk_deletes  chunk_id, version, deleted_at_ms: chunks no file references any
//            more, for the lazy garbage collector (GFS §4.4): it tells chunkservers to drop
//            them, then removes the rows (dropPendingDeletes).
//   settings key → value: the cluster's replicated knobs.
//   jobs     MapReduce jobs: id → JobRecord (pb/jobs.proto), seq orders them by submission.
//   job_tasks (job_id, task) → TaskRecord, task = "map-00003" / "reduce-00000". The leader's
//            scheduler decides every change and writes whole records (putJob), so applying
//            one is a plain upsert on every master.
//   retry_cache (client_id, call_id) → the outcome of a client's call (retry-cache.ts): seq
//            INTEGER PRIMARY KEY orders records by when they were made (the oldest are dropped
//            first), expires_at_ms = the call's nowMs + the time to live, outcome = JSON of
//            the result or of the refusal's code and message. UNIQUE (client_id, call_id) is
//            the lookup of a retry.
//
// Versions (PRAGMA user_version): 1 had no jobs tables; 2 added them, its records encoded in
// version 1 of jobs.proto (states as strings; src/protocol/pb/legacy-v1.proto); 3 is the same
// tables with records in version 2 (states as enums); 4 adds the retry cache, empty after an
// upgrade; 5 adds inodes.attributes, NULL (none) after an upgrade; 6 adds inodes.owner, grp,
// mode and atime_ms: after an upgrade owner and grp are NULL (the superuser and supergroup),
// mode 0o755 for folders and 0o644 for files, atime the mtime; 7 adds inodes.ufs_fingerprint,
// persist_state, pinned and ufs_synced_ms and the index inodes_to_persist: after an upgrade
// nothing is under a mount (NULL, NULL, 0, NULL); 8 adds the kind 'symlink' and
// inodes.symlink_target: SQLite cannot change a CHECK constraint in place, so the inodes table is
// built again with the wider CHECK and the rows copied (once, at the upgrade: a column beside
// kind would leave every query that asks kind = 'file' to also ask that it is no link, and a
// CHECK that no longer says what a row may be). A database or snapshot image of an older
// schema is upgraded in one transaction when it is opened (Namespace.attach).
//
// Journal: WAL with synchronous=NORMAL. The Raft log is the durable record; a crash may lose
// the last transactions here, and they are applied again from the log because applied_index
// went back with them. WAL keeps a commit to one append, which is what makes one transaction
// per Raft entry affordable.
import type { Database, Statement } from "bun:sqlite";
import { assert } from "../../util/assert.ts";
import { jobRecordBytesFromV1, taskRecordBytesFromV1 } from "./legacy-v1.ts";
import { DIR_MODE_DEFAULT, FILE_MODE_DEFAULT, type PermRow } from "./permissions.ts";

export const SCHEMA_VERSION = 8;
/** The oldest schema a database or snapshot image may have: every later one is upgraded on open. */
export const SCHEMA_VERSION_OLDEST = 1;
export const ROOT_ID = 1;
/** The parent of an editor's staging files: no folder has this id (the root's parent is 0 too, and the root is named ''). */
export const STAGING_PARENT = 0;
/** Page cache of the namespace database: the memory the namespace uses, whatever its size. */
export const NAMESPACE_CACHE_BYTES = 32 * 1024 * 1024;
/**
 * Frames in the WAL past which the committing connection checkpoints it itself (32 MiB of
 * 4 KiB pages). The worker (wal-checkpointer.ts) has copied nearly all of them by then, so
 * this is a short copy and two syncs; it is also what starts the WAL over when the worker's
 * copy never caught up with a writer that did not pause.
 */
export const WAL_FALLBACK_CHECKPOINT_PAGES = 8_192;
/** Bytes of WAL file kept when it starts over: a little more than the fallback bound, so a WAL of that size is reused as it is. */
export const WAL_KEPT_BYTES = 40 * 1024 * 1024;

/** The columns of schema 7, which an upgrade to 8 copies. */
const INODE_COLUMNS_7 =
  "id, parent, name, kind, mtime_ms, replication, chunk_size_bytes, length_bytes, state, lease_holder, lease_expiry_ms, attributes, owner, grp, mode, atime_ms, ufs_fingerprint, persist_state, pinned, ufs_synced_ms";
const INODE_COLUMNS = `${INODE_COLUMNS_7}, symlink_target`;
// A new inode: everything but its attributes (set by setAttributes when it has some).
const NEW_INODE_COLUMNS = "id, parent, name, kind, mtime_ms, replication, chunk_size_bytes, length_bytes, state, lease_holder, lease_expiry_ms, owner, grp, mode, atime_ms";

/** The tables added by schema 2: a database of schema 1 gains them on open. */
export const JOBS_SQL = `
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  record BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS job_tasks (
  job_id TEXT NOT NULL,
  task TEXT NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY (job_id, task)
) WITHOUT ROWID;
`;

/** The table added by schema 4: a database of an older schema gains it, empty, on open. */
export const RETRY_CACHE_SQL = `
CREATE TABLE IF NOT EXISTS retry_cache (
  seq INTEGER PRIMARY KEY,
  client_id TEXT NOT NULL,
  call_id INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS retry_cache_call ON retry_cache (client_id, call_id);
`;

/** The column added by schema 5: an older database's inodes gain it, NULL (no attributes). */
export const ATTRIBUTES_SQL = "ALTER TABLE inodes ADD COLUMN attributes TEXT";

/**
 * The columns added by schema 6: an older database's inodes get the superuser and supergroup
 * (NULL), 0o755 (folders) or 0o644 (files), and their mtime as access time.
 */
export const PERMISSIONS_SQL = `
ALTER TABLE inodes ADD COLUMN owner TEXT;
ALTER TABLE inodes ADD COLUMN grp TEXT;
ALTER TABLE inodes ADD COLUMN mode INTEGER NOT NULL DEFAULT ${FILE_MODE_DEFAULT};
ALTER TABLE inodes ADD COLUMN atime_ms INTEGER NOT NULL DEFAULT 0;
UPDATE inodes SET mode = CASE kind WHEN 'dir' THEN ${DIR_MODE_DEFAULT} ELSE ${FILE_MODE_DEFAULT} END, atime_ms = mtime_ms;
`;

/** The PersistState of files waiting for the persister (under-storage.proto's TO_BE_PERSISTED). */
export const TO_BE_PERSISTED_STATE = 2;

/**
 * The columns added by schema 7 (under-storage mounts): an older database has no mounts, so
 * its inodes get NULL (outside every mount), unpinned, never synced.
 */
export const UNDER_STORAGE_SQL = `
ALTER TABLE inodes ADD COLUMN ufs_fingerprint TEXT;
ALTER TABLE inodes ADD COLUMN persist_state INTEGER;
ALTER TABLE inodes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inodes ADD COLUMN ufs_synced_ms INTEGER;
CREATE INDEX IF NOT EXISTS inodes_to_persist ON inodes (id) WHERE persist_state = ${TO_BE_PERSISTED_STATE};
`;

/** The inodes table of schema 8, named `table`; its indexes are INODES_INDEXES_SQL. */
function inodesTableSql(table: string): string {
  return `
CREATE TABLE ${table} (
  id INTEGER PRIMARY KEY,
  parent INTEGER NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('dir', 'file', 'symlink')),
  mtime_ms INTEGER NOT NULL,
  replication INTEGER NOT NULL,
  chunk_size_bytes INTEGER NOT NULL,
  length_bytes INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
  lease_holder TEXT,
  lease_expiry_ms INTEGER,
  attributes TEXT,
  owner TEXT,
  grp TEXT,
  mode INTEGER NOT NULL DEFAULT ${FILE_MODE_DEFAULT},
  atime_ms INTEGER NOT NULL DEFAULT 0,
  ufs_fingerprint TEXT,
  persist_state INTEGER,
  pinned INTEGER NOT NULL DEFAULT 0,
  ufs_synced_ms INTEGER,
  symlink_target TEXT
);`;
}

const INODES_INDEXES_SQL = `
CREATE UNIQUE INDEX inodes_parent_name ON inodes (parent, name);
CREATE INDEX inodes_open_lease ON inodes (lease_expiry_ms) WHERE state = 'open';
CREATE INDEX inodes_to_persist ON inodes (id) WHERE persist_state = ${TO_BE_PERSISTED_STATE};
`;

/**
 * Schema 7 → 8: the inodes table again with kind 'symlink' allowed and symlink_target (NULL for
 * every row an older schema has), every row copied in id order, then its indexes (dropped with
 * the old table) made again.
 */
export const SYMLINKS_SQL = `
${inodesTableSql("inodes_v8")}
INSERT INTO inodes_v8 (${INODE_COLUMNS_7}) SELECT ${INODE_COLUMNS_7} FROM inodes ORDER BY id;
DROP TABLE inodes;
ALTER TABLE inodes_v8 RENAME TO inodes;
${INODES_INDEXES_SQL}
`;

export const SCHEMA_SQL = `
${inodesTableSql("inodes")}
${INODES_INDEXES_SQL}
CREATE TABLE chunks (
  file_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  chunk_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL,
  committed INTEGER NOT NULL,
  replicas TEXT NOT NULL,
  PRIMARY KEY (file_id, idx)
) WITHOUT ROWID;
CREATE UNIQUE INDEX chunks_chunk_id ON chunks (chunk_id);
CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  applied_index INTEGER NOT NULL,
  next_inode_id INTEGER NOT NULL,
  next_chunk_id INTEGER NOT NULL,
  files INTEGER NOT NULL,
  directories INTEGER NOT NULL,
  chunks INTEGER NOT NULL,
  pending_deletes INTEGER NOT NULL
);
CREATE TABLE pending_chunk_deletes (
  chunk_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  deleted_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
${JOBS_SQL}
${RETRY_CACHE_SQL}
INSERT INTO inodes (${INODE_COLUMNS}) VALUES (${ROOT_ID}, 0, '', 'dir', 0, 0, 0, 0, 'closed', NULL, NULL, NULL, NULL, NULL, ${DIR_MODE_DEFAULT}, 0, NULL, NULL, 0, NULL, NULL);
INSERT INTO meta VALUES (1, 0, ${ROOT_ID + 1}, 1, 0, 1, 0, 0);
PRAGMA user_version = ${SCHEMA_VERSION};
`;

export type InodeKind = "dir" | "file" | "symlink";
export type FileState = "open" | "closed";

export interface InodeRow {
  id: number;
  parent: number;
  name: string;
  kind: InodeKind;
  mtime_ms: number;
  replication: number;
  chunk_size_bytes: number;
  length_bytes: number;
  state: FileState;
  lease_holder: string | null;
  lease_expiry_ms: number | null;
  /** JSON of [name, value] pairs in name order; null when none. */
  attributes: string | null;
  /** NULL: the superuser of the day (permissions/superuser). */
  owner: string | null;
  /** NULL: the supergroup of the day (permissions/supergroup). */
  grp: string | null;
  mode: number;
  atime_ms: number;
  /** The under-storage object's version as Tessera last saw it; null: not known to it. */
  ufs_fingerprint: string | null;
  /** PersistState (under-storage.proto); null outside mounts. */
  persist_state: number | null;
  /** 0 | 1: `cache pin`. */
  pinned: number;
  /** Folders: when their last complete under-storage listing was applied; null: never. */
  ufs_synced_ms: number | null;
  /** A symbolic link's target; null for files and folders. */
  symlink_target: string | null;
}

/** One step of the path walk: what it needs to go on, and to check traverse on the way. */
export interface StepRow extends PermRow {
  id: number;
  /** PersistState: non-null under a mount (what a folder made below it inherits); absent where not read. */
  persist_state?: number | null;
}

export interface ChunkRow {
  file_id: number;
  idx: number;
  chunk_id: string;
  version: number;
  size_bytes: number;
  committed: number;
  replicas: string;
}

export interface MetaRow {
  applied_index: number;
  next_inode_id: number;
  next_chunk_id: number;
  files: number;
  directories: number;
  chunks: number;
  pending_deletes: number;
}

const CHUNK_COLUMNS = "file_id, idx, chunk_id, version, size_bytes, committed, replicas";
// Every inode below (and including) ?1. The walk uses inodes_parent_name for each level.
const SUBTREE = "WITH RECURSIVE sub(id, kind) AS (SELECT id, kind FROM inodes WHERE id = ?1 UNION ALL SELECT i.id, i.kind FROM inodes i JOIN sub ON i.parent = sub.id)";

/** Every statement the namespace runs, prepared once per open database. */
export function prepareStatements(db: Database) {
  const p = <R = unknown>(sql: string): Statement<R, any[]> => db.prepare<R, any[]>(sql);
  return {
    begin: p("BEGIN"),
    commit: p("COMMIT"),
    rollback: p("ROLLBACK"),
    savepoint: p("SAVEPOINT command"),
    release: p("RELEASE command"),
    rollbackToSavepoint: p("ROLLBACK TO command"),
    readMeta: p<MetaRow>("SELECT applied_index, next_inode_id, next_chunk_id, files, directories, chunks, pending_deletes FROM meta WHERE id = 1"),
    writeMeta: p("UPDATE meta SET applied_index = ?, next_inode_id = ?, next_chunk_id = ?, files = ?, directories = ?, chunks = ?, pending_deletes = ? WHERE id = 1"),

    inodeById: p<InodeRow>(`SELECT ${INODE_COLUMNS} FROM inodes WHERE id = ?`),
    child: p<InodeRow>(`SELECT ${INODE_COLUMNS} FROM inodes WHERE parent = ? AND name = ?`),
    childStep: p<StepRow>("SELECT id, kind, owner, grp, mode, persist_state FROM inodes WHERE parent = ? AND name = ?"),
    parentAndName: p<{ parent: number; name: string }>("SELECT parent, name FROM inodes WHERE id = ?"),
    hasChild: p<{ one: number }>("SELECT 1 AS one FROM inodes WHERE parent = ? LIMIT 1"),
    childrenAfter: p<InodeRow>(`SELECT ${INODE_COLUMNS} FROM inodes WHERE parent = ? AND name > ? ORDER BY name LIMIT ?`),
    nameBefore: p<{ name: string }>("SELECT name FROM inodes WHERE parent = ? AND name < ? ORDER BY name DESC LIMIT 1"),
    // A sync's range (after, through] of a folder, "" through: to the end.
    childrenInRange: p<InodeRow>(`SELECT ${INODE_COLUMNS} FROM inodes WHERE parent = ?1 AND name > ?2 AND (?3 = '' OR name <= ?3) ORDER BY name LIMIT ?4`),
    // The access time of a new inode is its mtime: the last two parameters are mode and mtime.
    insertInode: p(`INSERT INTO inodes (${NEW_INODE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?5)`),
    setAttributes: p("UPDATE inodes SET attributes = ? WHERE id = ?"),
    // Under-storage mounts (under-storage-ops.ts).
    setPersistState: p("UPDATE inodes SET persist_state = ? WHERE id = ?"),
    setPersisted: p("UPDATE inodes SET persist_state = 1, ufs_fingerprint = ? WHERE id = ?"),
    // A file of the under-storage as a sync saw it (new or changed): closed, PERSISTED, its object's version.
    insertUfsFile: p(`INSERT INTO inodes (${NEW_INODE_COLUMNS}, ufs_fingerprint, persist_state) VALUES (?1, ?2, ?3, 'file', ?4, ?5, ?6, ?7, 'closed', NULL, NULL, ?8, ?9, ?10, ?4, ?11, 1)`),
    insertUfsFolder: p(`INSERT INTO inodes (${NEW_INODE_COLUMNS}, persist_state) VALUES (?1, ?2, ?3, 'dir', ?4, 0, 0, 0, 'closed', NULL, NULL, ?5, ?6, ?7, ?4, 1)`),
    updateUfsFile: p("UPDATE inodes SET length_bytes = ?, mtime_ms = ?, ufs_fingerprint = ?, persist_state = 1 WHERE id = ?"),
    setPinned: p("UPDATE inodes SET pinned = ? WHERE id = ?"),
    setPinnedBelow: p(`${SUBTREE} UPDATE inodes SET pinned = ?2 WHERE id IN (SELECT id FROM sub WHERE kind = 'file')`),
    setSyncedMs: p("UPDATE inodes SET ufs_synced_ms = ? WHERE id = ?"),
    // Files of a subtree in a persist state (?2), and files or folders it must keep (a sync's or an unmount's question).
    subtreeFilesInState: p<{ n: number }>(`${SUBTREE} SELECT count(*) AS n FROM sub JOIN inodes i ON i.id = sub.id WHERE sub.kind = 'file' AND i.persist_state = ?2`),
    subtreeUnpersisted: p<{ one: number }>(`${SUBTREE} SELECT 1 AS one FROM sub JOIN inodes i ON i.id = sub.id WHERE i.persist_state IS NOT 1 OR i.state = 'open' LIMIT 1`),
    subtreeFileRows: p<InodeRow>(`${SUBTREE} SELECT ${INODE_COLUMNS} FROM inodes WHERE id IN (SELECT id FROM sub WHERE kind = 'file') ORDER BY id`),
    // The persister's page: the partial index inodes_to_persist, closed files only (a writer is still at the others).
    toPersist: p<{ id: number; length_bytes: number }>(`SELECT id, length_bytes FROM inodes WHERE persist_state = ${TO_BE_PERSISTED_STATE} AND id > ? AND state = 'closed' ORDER BY id LIMIT ?`),
    insertClosedFile: p(`INSERT INTO inodes (${NEW_INODE_COLUMNS}, attributes) VALUES (?1, ?2, ?3, 'file', ?4, ?5, ?6, ?7, 'closed', NULL, NULL, ?9, ?10, ?11, ?4, ?8)`),
    // A symbolic link (issue 17): closed, no chunks, its length the target's bytes; the last two parameters are mode and target.
    insertSymlink: p(`INSERT INTO inodes (${NEW_INODE_COLUMNS}, symlink_target) VALUES (?1, ?2, ?3, 'symlink', ?4, 0, 0, ?5, 'closed', NULL, NULL, ?6, ?7, ?8, ?4, ?9)`),
    // Rewrite (issue 17): one chunk of a staging file into its place in the edited file.
    moveChunk: p("UPDATE chunks SET file_id = ?1, idx = ?2 WHERE file_id = ?3 AND idx = ?4"),
    chunkAt: p<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE file_id = ? AND idx = ?`),
    setOwnerAndGroup: p("UPDATE inodes SET owner = ?, grp = ? WHERE id = ?"),
    setMode: p("UPDATE inodes SET mode = ? WHERE id = ?"),
    setTimes: p("UPDATE inodes SET mtime_ms = ?, atime_ms = ? WHERE id = ?"),
    // Every folder of a subtree that holds something: a recursive delete needs ALL on each
    // (HDFS's subAccess, empty folders ignored). Only a caller who is not a superuser pays it.
    subtreeFullFolders: p<StepRow>(`${SUBTREE} SELECT i.id, i.kind, i.owner, i.grp, i.mode FROM sub JOIN inodes i ON i.id = sub.id WHERE sub.kind = 'dir' AND EXISTS (SELECT 1 FROM inodes c WHERE c.parent = sub.id)`),
    subtreeFiles: p<StepRow>(`${SUBTREE} SELECT i.id, i.kind, i.owner, i.grp, i.mode FROM sub JOIN inodes i ON i.id = sub.id WHERE sub.kind = 'file'`),
    moveChunks: p("UPDATE chunks SET file_id = ?1, idx = idx + ?2 WHERE file_id = ?3"),
    touch: p("UPDATE inodes SET mtime_ms = ? WHERE id = ?"),
    move: p("UPDATE inodes SET parent = ?, name = ? WHERE id = ?"),
    setLease: p("UPDATE inodes SET state = 'open', lease_holder = ?, lease_expiry_ms = ? WHERE id = ?"),
    renewLease: p("UPDATE inodes SET lease_expiry_ms = ? WHERE id = ?"),
    close: p("UPDATE inodes SET state = 'closed', lease_holder = NULL, lease_expiry_ms = NULL, mtime_ms = ? WHERE id = ?"),
    addLength: p("UPDATE inodes SET length_bytes = length_bytes + ? WHERE id = ?"),
    setReplication: p("UPDATE inodes SET replication = ? WHERE id = ?"),
    setReplicationBelow: p(`${SUBTREE} UPDATE inodes SET replication = ?2 WHERE id IN (SELECT id FROM sub WHERE kind = 'file')`),
    deleteInode: p("DELETE FROM inodes WHERE id = ?"),
    expiredLeases: p<InodeRow>(`SELECT ${INODE_COLUMNS} FROM inodes WHERE state = 'open' AND lease_expiry_ms < ? ORDER BY lease_expiry_ms, id LIMIT ?`),

    chunkById: p<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE chunk_id = ?`),
    lastChunk: p<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE file_id = ? ORDER BY idx DESC LIMIT 1`),
    lastCommittedChunk: p<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE file_id = ? AND committed = 1 ORDER BY idx DESC LIMIT 1`),
    chunkBefore: p<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE file_id = ? AND idx < ? ORDER BY idx DESC LIMIT 1`),
    chunksFrom: p<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE file_id = ? AND idx >= ? ORDER BY idx LIMIT ?`),
    chunkCount: p<{ n: number }>("SELECT count(*) AS n FROM chunks WHERE file_id = ?"),
    insertChunk: p("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)"),
    commitChunk: p("UPDATE chunks SET committed = 1, size_bytes = ? WHERE file_id = ? AND idx = ?"),
    bumpChunk: p("UPDATE chunks SET version = ?, replicas = ? WHERE file_id = ? AND idx = ?"),
    deleteChunk: p("DELETE FROM chunks WHERE file_id = ? AND idx = ?"),
    // truncate: the chunks' sizes in order (a cut is at the end of one), then those past it.
    chunkSizes: p<{ idx: number; size_bytes: number }>("SELECT idx, size_bytes FROM chunks WHERE file_id = ? ORDER BY idx"),
    pendChunksFrom: p("INSERT INTO pending_chunk_deletes SELECT chunk_id, version, ?3 FROM chunks WHERE file_id = ?1 AND idx >= ?2"),
    deleteChunksFrom: p("DELETE FROM chunks WHERE file_id = ? AND idx >= ?"),
    setLength: p("UPDATE inodes SET length_bytes = ?, mtime_ms = ? WHERE id = ?"),
    // cache_only: the file's bytes are in the under-storage (PERSISTED, with a fingerprint), so its chunks are cache copies.
    chunkPage: p<ChunkRow & { replication: number; cache_only: number }>(
      `SELECT c.file_id, c.idx, c.chunk_id, c.version, c.size_bytes, c.committed, c.replicas, i.replication, (i.persist_state = 1 AND i.ufs_fingerprint IS NOT NULL) AS cache_only FROM chunks c JOIN inodes i ON i.id = c.file_id WHERE c.chunk_id > ? ORDER BY c.chunk_id LIMIT ?`,
    ),

    pendOne: p("INSERT INTO pending_chunk_deletes VALUES (?, ?, ?)"),
    pendFileChunks: p("INSERT INTO pending_chunk_deletes SELECT chunk_id, version, ?2 FROM chunks WHERE file_id = ?1"),
    deleteFileChunks: p("DELETE FROM chunks WHERE file_id = ?"),
    unpend: p("DELETE FROM pending_chunk_deletes WHERE chunk_id = ?"),
    pendingPage: p<{ chunk_id: string; version: number; deleted_at_ms: number }>("SELECT chunk_id, version, deleted_at_ms FROM pending_chunk_deletes WHERE chunk_id > ? ORDER BY chunk_id LIMIT ?"),

    // delete of a folder: the subtree goes to a temporary table once, then three set-wise statements.
    doomedClear: p("DELETE FROM temp.doomed"),
    doomedFill: p(`${SUBTREE} INSERT INTO temp.doomed (id, kind) SELECT id, kind FROM sub`),
    doomedCounts: p<{ files: number; directories: number; symlinks: number }>("SELECT coalesce(sum(kind = 'file'), 0) AS files, coalesce(sum(kind = 'dir'), 0) AS directories, coalesce(sum(kind = 'symlink'), 0) AS symlinks FROM temp.doomed"),
    doomedPend: p("INSERT INTO pending_chunk_deletes SELECT c.chunk_id, c.version, ? FROM temp.doomed d JOIN chunks c ON c.file_id = d.id WHERE d.kind = 'file'"),
    doomedDeleteChunks: p("DELETE FROM chunks WHERE file_id IN (SELECT id FROM temp.doomed WHERE kind = 'file')"),
    doomedDeleteInodes: p("DELETE FROM inodes WHERE id IN (SELECT id FROM temp.doomed)"),

    getSetting: p<{ value: Uint8Array }>("SELECT value FROM settings WHERE key = ?"),
    putSetting: p("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
    settingCount: p<{ n: number }>("SELECT count(*) AS n FROM settings"),
    deleteSetting: p("DELETE FROM settings WHERE key = ?"),
    // Keys are ASCII letters, digits and "._-/" (limits.ts), all below "\x7f": the range
    // [prefix, prefix + "\x7f") is every key that starts with prefix, one B-tree range.
    settingsPage: p<{ key: string; value: Uint8Array }>("SELECT key, value FROM settings WHERE key > ?1 AND key >= ?2 AND key < ?2 || char(127) ORDER BY key LIMIT ?3"),

    jobById: p<{ seq: number; record: Uint8Array }>("SELECT seq, record FROM jobs WHERE id = ?"),
    insertJob: p("INSERT INTO jobs (id, record) VALUES (?, ?)"),
    updateJob: p("UPDATE jobs SET record = ? WHERE id = ?"),
    jobCount: p<{ n: number }>("SELECT count(*) AS n FROM jobs"),
    oldestJobs: p<{ id: string }>("SELECT id FROM jobs ORDER BY seq LIMIT ?"),
    jobsNewestFirst: p<{ record: Uint8Array }>("SELECT record FROM jobs ORDER BY seq DESC LIMIT ?"),
    deleteJob: p("DELETE FROM jobs WHERE id = ?"),
    deleteJobTasks: p("DELETE FROM job_tasks WHERE job_id = ?"),
    putTask: p("INSERT INTO job_tasks (job_id, task, record) VALUES (?, ?, ?) ON CONFLICT (job_id, task) DO UPDATE SET record = excluded.record"),
    tasksOfJob: p<{ task: string; record: Uint8Array }>("SELECT task, record FROM job_tasks WHERE job_id = ? ORDER BY task"),

    retryGet: p<{ outcome: string }>("SELECT outcome FROM retry_cache WHERE client_id = ? AND call_id = ?"),
    retryInsert: p("INSERT INTO retry_cache (client_id, call_id, expires_at_ms, outcome) VALUES (?, ?, ?, ?)"),
    retryDropThrough: p("DELETE FROM retry_cache WHERE seq <= ?"),
    // Of the ?1 sequence numbers from the oldest record on, those expired at ?2: a bounded
    // range of the rowid B-tree (a subquery ordering the oldest rows cost ten times more).
    retryExpire: p("DELETE FROM retry_cache WHERE seq >= (SELECT min(seq) FROM retry_cache) AND seq < (SELECT min(seq) FROM retry_cache) + ?1 AND expires_at_ms <= ?2"),
    retryCount: p<{ n: number }>("SELECT count(*) AS n FROM retry_cache"),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** Pragmas of every connection; the temporary table of folder deletes lives per connection. */
export function configureConnection(db: Database, onDisk: boolean): void {
  if (onDisk) {
    db.run("PRAGMA journal_mode = WAL");
    // A worker checkpoints the WAL (wal-checkpointer.ts); this connection does it itself only
    // past this bound, and a WAL grown larger is cut back to WAL_KEPT_BYTES when it starts over.
    db.run(`PRAGMA wal_autocheckpoint = ${WAL_FALLBACK_CHECKPOINT_PAGES}`);
    db.run(`PRAGMA journal_size_limit = ${WAL_KEPT_BYTES}`);
  }
  db.run("PRAGMA synchronous = NORMAL");
  db.run(`PRAGMA cache_size = -${NAMESPACE_CACHE_BYTES / 1024}`);
  db.run("CREATE TEMP TABLE IF NOT EXISTS doomed (id INTEGER PRIMARY KEY, kind TEXT NOT NULL)");
}

export function schemaVersionOf(db: Database): number {
  return (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
}

/**
 * Brings a database (or snapshot image) of an older schema to SCHEMA_VERSION in one
 * transaction: a crash half-way leaves it at its old version, and the next open upgrades it
 * again. A new, empty database gets the whole schema. A record that does not decode fails the
 * upgrade and the database is not used: nothing of an acknowledged write is dropped.
 */
export function upgradeSchema(db: Database): void {
  const version = schemaVersionOf(db);
  if (version === SCHEMA_VERSION) return;
  assert(version >= 0 && version < SCHEMA_VERSION, `namespace database schema ${version} is one this master knows (${SCHEMA_VERSION_OLDEST}..${SCHEMA_VERSION})`);
  db.transaction(() => {
    if (version === 0) {
      db.run(SCHEMA_SQL);
      return;
    }
    if (version < 2) db.run(JOBS_SQL);
    if (version === 2) rewriteRecordsFromV1(db);
    if (version < 4) db.run(RETRY_CACHE_SQL);
    if (version < 5) db.run(ATTRIBUTES_SQL);
    if (version < 6) db.run(PERMISSIONS_SQL);
    if (version < 7) db.run(UNDER_STORAGE_SQL);
    if (version < 8) db.run(SYMLINKS_SQL);
    db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  })();
  assert(schemaVersionOf(db) === SCHEMA_VERSION, `the namespace database was upgraded from schema ${version} to ${SCHEMA_VERSION}`);
}

/** Rows read at once while rewriting records: memory stays bounded whatever a job's size. */
const UPGRADE_PAGE_ROWS = 1_000;

/** Schema 2 → 3: every job and task record from version-1 bytes to version-2 bytes, in key order, a page at a time. */
function rewriteRecordsFromV1(db: Database): void {
  const jobs = db.query<{ seq: number; record: Uint8Array }, [number, number]>("SELECT seq, record FROM jobs WHERE seq > ? ORDER BY seq LIMIT ?");
  const setJob = db.query("UPDATE jobs SET record = ? WHERE seq = ?");
  for (let after = Number.MIN_SAFE_INTEGER; ; ) {
    const rows = jobs.all(after, UPGRADE_PAGE_ROWS);
    for (const row of rows) setJob.run(jobRecordBytesFromV1(row.record), row.seq);
    if (rows.length < UPGRADE_PAGE_ROWS) break;
    after = rows[rows.length - 1]!.seq;
  }
  const tasks = db.query<{ job_id: string; task: string; record: Uint8Array }, [string, string, number]>(
    "SELECT job_id, task, record FROM job_tasks WHERE (job_id, task) > (?, ?) ORDER BY job_id, task LIMIT ?",
  );
  const setTask = db.query("UPDATE job_tasks SET record = ? WHERE job_id = ? AND task = ?");
  for (let after = { job_id: "", task: "" }; ; ) {
    const rows = tasks.all(after.job_id, after.task, UPGRADE_PAGE_ROWS);
    for (const row of rows) setTask.run(taskRecordBytesFromV1(row.record), row.job_id, row.task);
    if (rows.length < UPGRADE_PAGE_ROWS) break;
    after = rows[rows.length - 1]!;
  }
}
