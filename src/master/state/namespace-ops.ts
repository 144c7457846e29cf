// The commands of the namespace, each a function of (state, command) → (new state, result).
// Each takes its own member of the log's command (src/protocol/pb/log.proto), which holds
// exactly what it reads. They run inside the one transaction Namespace opens per Raft entry and may
// throw a NamespaceError at any point: the transaction is rolled back, so a failed command
// leaves no trace but the applied index. Nothing here reads a clock or a random source:
// what depends on the world is in the command (DESIGN.md "Metadata").
import { assert } from "../../util/assert.ts";
import {
  AlreadyExistsError,
  ChunkNotFoundError,
  ChunkUncommittedError,
  CommandRejectedError,
  FileChangedError,
  FileClosedError,
  InvalidArgumentError,
  LeaseHeldError,
  LimitError,
  NotADirectoryError,
  NotAFileError,
  NotEmptyError,
  NotFoundError,
  NotLeaseHolderError,
  PermissionDeniedError,
  VersionMismatchError,
} from "./errors.ts";
import {
  CHUNKS_PER_FILE_MAX,
  DROP_PENDING_MAX,
  SETTING_VALUE_BYTES_MAX,
  SETTINGS_MAX,
  validateChunkSize,
  validateClientId,
  validateFileId,
  validateNamespaceChunkId,
  validateReplicas,
  validateReplication,
  validateSettingKey,
  validateTimeMs,
  validateVersion,
} from "./limits.ts";
import { ROOT_ID, STAGING_PARENT, type ChunkRow, type InodeRow, type MetaRow, type Statements, type StepRow } from "./namespace-schema.ts";
import { lookup, pathOf, resolve, resolveParentDir, resolveWithParent, rootAsStep, stagingRowAt } from "./namespace-tree.ts";
import {
  ALL,
  applyUmask,
  DIR_MODE_DEFAULT,
  DIR_MODE_UNMASKED,
  FILE_MODE_DEFAULT,
  IMPLICIT_PARENT_BITS,
  permissionSettingProblem,
  READ,
  UMASK_DEFAULT,
  validatePermission,
  validatePrincipal,
  WRITE,
  type PermissionChecker,
  type PermRow,
} from "./permissions.ts";
import { basename, normalizePath, parent, RESERVED_NAME, ROOT_PATH, segments, stagingPath, symlinkTargetProblem } from "../../protocol/paths.ts";
import { CHUNKS_IN_FLIGHT_MAX, CONCAT_SOURCES_MAX } from "../../protocol/limits.ts";
import { attributesProblem } from "../../protocol/attributes.ts";
import type { MountRecord } from "../../protocol/mounts.ts";
import { columnOf, mountFor, newFileState, NOT_PERSISTED, PERSISTED, readMountRecords, refuseReadonly } from "./mount-state.ts";
import type { Attribute } from "../../protocol/pb/attributes.ts";
import type {
  AbandonChunk,
  AddChunk,
  BumpChunkVersion,
  CommitChunk,
  Complete,
  Concat,
  Create,
  Delete,
  DeleteSetting,
  DropPendingDeletes,
  Mkdir,
  RecoverLease,
  Rename,
  RenewLease,
  ReopenForAppend,
  SetAttributes,
  SetReplication,
  SetOwner,
  SetPermission,
  SetSetting,
  SetTimes,
  Symlink,
  Rewrite,
  Truncate,
} from "../../protocol/pb/log.ts";

/**
 * What a command works on: the statements of the open database and the mirror of its meta
 * row, and who runs it (LogCommand.caller, read with the permission settings by Namespace).
 */
export interface OpContext {
  s: Statements;
  meta: MetaRow;
  /** The caller's user, the owner of what the command makes; null (the default) is the cluster, read as the superuser. */
  owner?: string | null;
  /** The caller's checks; undefined (the default): nothing is checked (the cluster, a superuser, or permissions off). */
  check?: PermissionChecker;
  /** Whether the caller is a superuser: settings are theirs. Absent: the cluster, which is. */
  superuser?: boolean;
  /** The root's permission columns, which the namespace keeps (read when absent). */
  rootRow?: PermRow;
  /** The cluster's umask, for the folders a rename or concat makes with `parents`. */
  umask?: number;
  /** The mount records (the namespace caches them); read from the settings when absent. */
  mounts?: () => readonly MountRecord[];
}

/** The mount records as the command sees them. */
export function mountsOf(ctx: OpContext): () => readonly MountRecord[] {
  return ctx.mounts ?? (() => readMountRecords(ctx.s));
}

export interface ChunkInfo {
  chunkId: string;
  index: number;
  version: number;
  sizeBytes: number;
  committed: boolean;
  replicas: string[];
}

export function chunkInfo(row: ChunkRow): ChunkInfo {
  // A placeholder chunk of an under-storage file has no pipeline: '' is no replica, not one named "".
  return { chunkId: row.chunk_id, index: row.idx, version: row.version, sizeBytes: row.size_bytes, committed: row.committed === 1, replicas: row.replicas === "" ? [] : row.replicas.split(",") };
}

/** Chunk ids are handed out in order from meta.next_chunk_id: deterministic on every master. */
export function formatChunkId(n: number): string {
  assert(Number.isSafeInteger(n) && n >= 1, `chunk counter ${n} is a positive safe integer`);
  return n.toString(16).padStart(16, "0");
}

export function newInodeId(ctx: OpContext): number {
  const id = ctx.meta.next_inode_id;
  ctx.meta.next_inode_id = id + 1;
  return id;
}

/** The file a writer names by id: it must be a file, open, and under this client's lease. */
function writableFile(ctx: OpContext, fileId: number, clientId: string): InodeRow {
  const file = fileById(ctx, fileId);
  if (file.state !== "open") throw new FileClosedError(`file ${fileId} is closed.`);
  if (file.lease_holder !== clientId) throw new NotLeaseHolderError(`file ${fileId} is not under the lease of client ${clientId}.`);
  return file;
}

function fileById(ctx: OpContext, fileId: number): InodeRow {
  validateFileId(fileId);
  const file = ctx.s.inodeById.get(fileId);
  // A file id that names nothing: the file was deleted, or never was.
  if (!file) throw new NotFoundError(`file ${fileId} does not exist.`);
  if (file.kind !== "file") throw new NotAFileError(`inode ${fileId} is ${kindWords(file)}, not a file.`);
  return file;
}

/** "a folder" or "a symbolic link": what a row that is no file is, for a refusal's sentence. */
export function kindWords(row: Pick<InodeRow, "kind">): string {
  return row.kind === "dir" ? "a folder" : row.kind === "symlink" ? "a symbolic link" : "a file";
}

/**
 * Nothing is made in the root under the reserved name (HDFS's /.reserved): paths below it name
 * editors' staging files (issue 17).
 */
function refuseReservedName(dirId: number, name: string, path: string): void {
  if (dirId === ROOT_ID && name === RESERVED_NAME) throw new InvalidArgumentError(`${path}: /${RESERVED_NAME} is reserved (editors' staging files are reached through it).`);
}

/** The chunk `chunkId` of file `fileId`. */
function chunkOf(ctx: OpContext, fileId: number, chunkId: string): ChunkRow {
  validateNamespaceChunkId(chunkId);
  const chunk = ctx.s.chunkById.get(chunkId);
  if (!chunk || chunk.file_id !== fileId) throw new ChunkNotFoundError(`chunk ${chunkId} is not a chunk of file ${fileId}.`);
  return chunk;
}

function lastChunk(ctx: OpContext, fileId: number): ChunkRow | undefined {
  return ctx.s.lastChunk.get(fileId) ?? undefined;
}

/**
 * Drops the file's uncommitted chunks from index `fromIndex` on into the pending deletes, and
 * answers the first one's id. Commits happen in file order, so the uncommitted chunks are
 * always the file's last ones (one, or several when the writer had several in flight).
 */
function dropUncommittedTail(ctx: OpContext, fileId: number, nowMs: number, fromIndex = 0): string | undefined {
  let first: string | undefined;
  for (let last = lastChunk(ctx, fileId); last && last.committed !== 1 && last.idx >= fromIndex; last = lastChunk(ctx, fileId)) {
    ctx.s.deleteChunk.run(fileId, last.idx);
    ctx.s.pendOne.run(last.chunk_id, last.version, nowMs);
    ctx.meta.chunks -= 1;
    ctx.meta.pending_deletes += 1;
    first = last.chunk_id;
  }
  return first;
}

/** How many of the file's last chunks are uncommitted (they always are its last ones: commits go in order). */
function uncommittedCount(ctx: OpContext, fileId: number, last: ChunkRow | undefined): number {
  if (!last || last.committed === 1) return 0;
  const lastCommitted = ctx.s.lastCommittedChunk.get(fileId);
  return last.idx - (lastCommitted ? lastCommitted.idx : -1);
}

/**
 * The attributes column of a list from a command: checked on every master alike (a bad list
 * refuses the command), NULL for none.
 */
export function attributesColumn(list: readonly Attribute[] | undefined): string | null {
  if (list === undefined || list.length === 0) return null;
  const problem = attributesProblem(list);
  if (problem !== undefined) throw new InvalidArgumentError(`${problem}.`);
  return JSON.stringify(list.map((attribute) => [attribute.name, attribute.value]));
}

/** The attributes of a row, in name order. */
export function attributesOfRow(row: Pick<InodeRow, "attributes">): Attribute[] {
  if (row.attributes === null) return [];
  const pairs = JSON.parse(row.attributes) as [string, string][];
  return pairs.map(([name, value]) => ({ name, value }));
}

/**
 * The folder at `folderPath`, made with every missing folder above it (mkdir -p) at
 * `mtimeMs`: the folder's row. A file on the way is NOT_A_DIRECTORY. The caller needs
 * EXECUTE on every folder on the way and WRITE on the deepest that exists when one is made;
 * the new folders are the caller's, with their parent's group and the umask's bits plus u+wx.
 */
export function makeFolders(ctx: OpContext, folderPath: string, mtimeMs: number): StepRow {
  const names = segments(folderPath);
  const check = ctx.check;
  const bits = applyUmask(DIR_MODE_UNMASKED, ctx.umask ?? UMASK_DEFAULT) | IMPLICIT_PARENT_BITS;
  let dir = rootAsStep(ctx.s, ctx.rootRow);
  let made = false;
  for (let i = 0; i < names.length; i++) {
    const at = () => ROOT_PATH + names.slice(0, i).join("/");
    if (check) check.traverse(dir, at);
    const step = ctx.s.childStep.get(dir.id, names[i]);
    if (step) {
      if (step.kind !== "dir") throw new NotADirectoryError(`${folderPath}: ${ROOT_PATH}${names.slice(0, i + 1).join("/")} is a file, not a folder.`);
      dir = step;
      continue;
    }
    if (check && !made) check.access(dir, at, WRITE);
    made = true;
    dir = insertFolder(ctx, dir, names[i], mtimeMs, bits, () => ROOT_PATH + names.slice(0, i + 1).join("/"));
  }
  return dir;
}

/**
 * A new folder in `parent`, the caller's, with the parent's group: its row as a step. Under a
 * mount it is NOT_PERSISTED: it exists in Tessera only until a sync sees it in the
 * under-storage (an object store has no empty folders), so a sync that does not list it keeps
 * it; a read-only mount refuses it.
 */
function insertFolder(ctx: OpContext, parentDir: StepRow, name: string, mtimeMs: number, mode: number, pathOfNew: () => string): StepRow {
  const underMount = parentDir.persist_state !== null && parentDir.persist_state !== undefined;
  refuseReservedName(parentDir.id, name, pathOfNew());
  if (underMount) refuseReadonly(mountFor(mountsOf(ctx), pathOfNew()), pathOfNew());
  const id = newInodeId(ctx);
  const owner = ctx.owner ?? null;
  ctx.s.insertInode.run(id, parentDir.id, name, "dir", mtimeMs, 0, 0, 0, "closed", null, null, owner, parentDir.grp, mode);
  if (underMount) ctx.s.setPersistState.run(NOT_PERSISTED, id);
  ctx.s.touch.run(mtimeMs, parentDir.id);
  ctx.meta.directories += 1;
  return { id, kind: "dir", owner, grp: parentDir.grp, mode, persist_state: underMount ? NOT_PERSISTED : null };
}

/**
 * The persist state of a file a client makes at `path` in `dir` (create, concat), written on
 * the new inode: NULL outside mounts; under one, `requested` (Create.persistState:
 * TO_BE_PERSISTED or NOT_PERSISTED; PERSISTED needs a fingerprint, which only markPersisted
 * and the sync give), else the mount's write type's. A read-only mount refuses the file.
 */
function stampNewFile(ctx: OpContext, dir: { persist_state?: number | null }, path: string, id: number, requested?: Create["persistState"]): void {
  const column = columnOf(requested);
  if (dir.persist_state === null || dir.persist_state === undefined) {
    if (column !== undefined) throw new InvalidArgumentError(`${path} is not under a mount: only a file under one has a persist state.`);
    return;
  }
  const mount = mountFor(mountsOf(ctx), path);
  refuseReadonly(mount, path);
  if (column === PERSISTED) throw new InvalidArgumentError(`${path}: a new file is TO_BE_PERSISTED or NOT_PERSISTED; it is PERSISTED once the under-storage has it.`);
  ctx.s.setPersistState.run(column ?? newFileState(dir.persist_state, mount), id);
}

/**
 * Removes a folder and everything below it, set-wise (a folder of millions of files is a few
 * statements); the chunks go to the pending deletes stamped `nowMs`. Does not touch the parent.
 */
export function deleteSubtree(ctx: OpContext, folderId: number, nowMs: number): { files: number; directories: number; chunks: number } {
  ctx.s.doomedClear.run();
  ctx.s.doomedFill.run(folderId);
  const counts = ctx.s.doomedCounts.get();
  assert(counts, "counts of the deleted subtree");
  const chunks = ctx.s.doomedPend.run(nowMs).changes;
  const deletedChunks = ctx.s.doomedDeleteChunks.run().changes;
  assert(deletedChunks === chunks, `every deleted chunk is pending (${deletedChunks} deleted, ${chunks} pending)`);
  const deletedInodes = ctx.s.doomedDeleteInodes.run().changes;
  assert(deletedInodes === counts.files + counts.directories + counts.symlinks, "every inode of the subtree is deleted");
  ctx.s.doomedClear.run();
  ctx.meta.files -= counts.files;
  ctx.meta.directories -= counts.directories;
  ctx.meta.chunks -= chunks;
  ctx.meta.pending_deletes += chunks;
  // A link is counted with the files a delete removed; the namespace's count of files has none.
  return { files: counts.files + counts.symlinks, directories: counts.directories, chunks };
}

/**
 * A mount point is removed or moved only by unmount: a delete or rename of it, or of a folder
 * above it, is refused (the record would name a folder that is gone). Reads the records only
 * for a folder, which is where a mount point can be.
 */
function refuseMountPoints(ctx: OpContext, node: InodeRow, path: string, what: string): void {
  if (node.kind !== "dir") return;
  const below = path === ROOT_PATH ? ROOT_PATH : `${path}/`;
  for (const mount of mountsOf(ctx)()) {
    if (mount.path === path) throw new InvalidArgumentError(`${path} is the mount point of ${mount.uri}: unmount it rather than ${what} it.`);
    if (mount.path.startsWith(below)) throw new InvalidArgumentError(`${path} holds the mount point ${mount.path}: unmount it before ${what === "delete" ? "deleting" : "renaming"} ${path}.`);
  }
}

/** Removes a file or a symbolic link; a file's chunks go to the pending deletes (stamped `nowMs`): how many chunks. */
export function deleteFile(ctx: OpContext, file: InodeRow, nowMs: number): number {
  if (file.kind === "symlink") {
    ctx.s.deleteInode.run(file.id);
    return 0;
  }
  const chunks = ctx.s.pendFileChunks.run(file.id, nowMs).changes;
  ctx.s.deleteFileChunks.run(file.id);
  ctx.s.deleteInode.run(file.id);
  ctx.meta.files -= 1;
  ctx.meta.chunks -= chunks;
  ctx.meta.pending_deletes += chunks;
  return chunks;
}

/**
 * Where a rename or concat puts `dst`: its folder (made first with `parents`) and name. An
 * entry there is ALREADY_EXISTS, unless it is a file and `replace` is set: it is removed, its
 * chunks pending deletion as a delete's are. `keep` is an inode that may already be there
 * (a rename onto itself): it is not removed.
 */
function destinationOf(ctx: OpContext, dst: string, options: { replace: boolean; parents: boolean; mtimeMs: number; keep?: number }): { dir: StepRow; name: string; existing?: InodeRow } {
  const folder = parent(dst)!;
  const dir = options.parents ? makeFolders(ctx, folder, options.mtimeMs) : resolveParentDir(ctx.s, dst, folder, ctx.check, ctx.rootRow);
  // The destination's folder changes: WRITE on it (HDFS checks the parent of a rename's and a concat's target).
  if (ctx.check) ctx.check.access(dir, folder, WRITE);
  const name = basename(dst);
  refuseReservedName(dir.id, name, dst);
  const existing = ctx.s.child.get(dir.id, name);
  if (!existing) return { dir, name };
  if (existing.id === options.keep) return { dir, name, existing };
  if (!options.replace) throw new AlreadyExistsError(`${dst} exists.`);
  if (existing.kind === "dir") throw new AlreadyExistsError(`${dst} exists and is a folder: only a file or a link is replaced.`);
  if (ctx.check) ctx.check.sticky(dir, folder, existing, dst);
  deleteFile(ctx, existing, options.mtimeMs);
  return { dir, name };
}

export function mkdir(ctx: OpContext, c: Mkdir): { created: number } {
  const path = normalizePath(c.path);
  const mtimeMs = validateTimeMs("mtimeMs", c.mtimeMs);
  const attributes = attributesColumn(c.attributes?.entries);
  const names = segments(path);
  if (names.length === 0) {
    if (c.parents) return { created: 0 };
    throw new AlreadyExistsError("/ exists.");
  }
  // The leader applied the umask (absent in entries written before permissions: 0o755).
  const mode = c.permission === undefined ? DIR_MODE_DEFAULT : validatePermission(c.permission);
  const check = ctx.check;
  let dir = rootAsStep(ctx.s, ctx.rootRow);
  let created = 0;
  for (let i = 0; i < names.length; i++) {
    const last = i === names.length - 1;
    // HDFS: EXECUTE on every folder on the way, WRITE on the deepest that exists.
    const here = () => ROOT_PATH + names.slice(0, i).join("/");
    if (check) check.traverse(dir, here);
    const step = ctx.s.childStep.get(dir.id, names[i]);
    if (step) {
      const at = ROOT_PATH + names.slice(0, i + 1).join("/");
      if (last && (step.kind !== "dir" || !c.parents)) throw new AlreadyExistsError(`${path} exists.`);
      if (step.kind !== "dir") throw new NotADirectoryError(`${path}: ${at} is a file, not a folder.`);
      dir = step;
      continue;
    }
    if (!last && !c.parents) throw new NotFoundError(`${path}: the folder ${ROOT_PATH}${names.slice(0, i + 1).join("/")} does not exist.`);
    if (check && created === 0) check.access(dir, here, WRITE);
    // Folders made on the way get u+wx, so their maker can go on below them (HDFS too).
    dir = insertFolder(ctx, dir, names[i], mtimeMs, last ? mode : mode | IMPLICIT_PARENT_BITS, () => ROOT_PATH + names.slice(0, i + 1).join("/"));
    if (last && attributes !== null) ctx.s.setAttributes.run(attributes, dir.id);
    created += 1;
  }
  return { created };
}

export function create(ctx: OpContext, c: Create): { fileId: number; mtimeMs: number; firstChunk?: ChunkAdded } {
  const path = normalizePath(c.path);
  if (path === ROOT_PATH) throw new AlreadyExistsError("/ exists.");
  validateReplication(c.replication);
  validateChunkSize(c.chunkSizeBytes);
  validateClientId(c.clientId);
  const mtimeMs = validateTimeMs("mtimeMs", c.mtimeMs);
  if (c.closed === true) {
    if (c.firstChunk) throw new InvalidArgumentError(`${path}: a file created closed has no chunk to place.`);
    return createClosed(ctx, path, c, mtimeMs);
  }
  if ((c.attributes?.entries.length ?? 0) > 0) throw new InvalidArgumentError(`${path}: an open file's attributes are set when it is completed.`);
  validateTimeMs("leaseExpiryMs", c.leaseExpiryMs);
  if (c.staging === true) return createStaging(ctx, path, c, mtimeMs);
  const mode = fileModeOf(c);
  const dir = writableParent(ctx, path);
  const name = basename(path);
  refuseReservedName(dir.id, name, path);
  const existing = ctx.s.child.get(dir.id, name);
  if (existing) {
    // A client that retries a create whose answer it lost gets its own file back.
    if (existing.kind === "file" && existing.state === "open" && existing.lease_holder === c.clientId && existing.length_bytes === 0 && !lastChunk(ctx, existing.id)) {
      return { fileId: existing.id, mtimeMs: existing.mtime_ms };
    }
    throw new AlreadyExistsError(`${path} exists.`);
  }
  // Checked before anything is written: a bad replica list rejects the whole create.
  const firstChunkReplicas = c.firstChunk ? validateReplicas(c.firstChunk.replicas) : undefined;
  const id = newInodeId(ctx);
  ctx.s.insertInode.run(id, dir.id, name, "file", mtimeMs, c.replication, c.chunkSizeBytes, 0, "open", c.clientId, c.leaseExpiryMs, ctx.owner ?? null, dir.grp, mode);
  stampNewFile(ctx, dir, path, id, c.persistState);
  ctx.s.touch.run(mtimeMs, dir.id);
  ctx.meta.files += 1;
  if (!firstChunkReplicas) return { fileId: id, mtimeMs };
  return { fileId: id, mtimeMs, firstChunk: insertChunk(ctx, id, 0, 1, firstChunkReplicas) };
}

/** An empty file created closed (a create and a complete in one entry): no lease, nothing to write. */
function createClosed(ctx: OpContext, path: string, c: Create, mtimeMs: number): { fileId: number; mtimeMs: number } {
  const mode = fileModeOf(c);
  const dir = writableParent(ctx, path);
  const name = basename(path);
  refuseReservedName(dir.id, name, path);
  const attributes = attributesColumn(c.attributes?.entries);
  if (ctx.s.child.get(dir.id, name)) throw new AlreadyExistsError(`${path} exists.`);
  const id = newInodeId(ctx);
  ctx.s.insertInode.run(id, dir.id, name, "file", mtimeMs, c.replication, c.chunkSizeBytes, 0, "closed", null, null, ctx.owner ?? null, dir.grp, mode);
  stampNewFile(ctx, dir, path, id, c.persistState);
  if (attributes !== null) ctx.s.setAttributes.run(attributes, id);
  ctx.s.touch.run(mtimeMs, dir.id);
  ctx.meta.files += 1;
  return { fileId: id, mtimeMs };
}

/** A staging file's bits: its editor's alone. */
const STAGING_MODE = 0o600;

/**
 * An editor's staging file for the file at `path` (issue 17): WRITE on that file (the edit's
 * right, checked now so an editor that may not write fails before it writes chunks), then a new
 * open file under the writer's lease, in no folder (parent STAGING_PARENT, named by its id),
 * the caller's, outside every mount. The file at `path` is not changed.
 */
function createStaging(ctx: OpContext, path: string, c: Create, mtimeMs: number): { fileId: number; mtimeMs: number; firstChunk?: ChunkAdded } {
  const target = resolveFor(ctx, path, WRITE);
  if (target.kind !== "file") throw new NotAFileError(`${path} is ${kindWords(target)}, not a file: only a file is edited.`);
  if (c.persistState !== undefined) throw new InvalidArgumentError(`${path}: a staging file has no persist state.`);
  const firstChunkReplicas = c.firstChunk ? validateReplicas(c.firstChunk.replicas) : undefined;
  const id = newInodeId(ctx);
  ctx.s.insertInode.run(id, STAGING_PARENT, String(id), "file", mtimeMs, c.replication, c.chunkSizeBytes, 0, "open", c.clientId, c.leaseExpiryMs, ctx.owner ?? null, null, STAGING_MODE);
  ctx.meta.files += 1;
  if (!firstChunkReplicas) return { fileId: id, mtimeMs };
  return { fileId: id, mtimeMs, firstChunk: insertChunk(ctx, id, 0, 1, firstChunkReplicas) };
}

/** A new file's bits: the leader applied the umask (absent in entries written before permissions: 0o644). */
function fileModeOf(c: Create): number {
  return c.permission === undefined ? FILE_MODE_DEFAULT : validatePermission(c.permission);
}

/** The folder a new entry goes in: it exists, and the caller may traverse to it and write it. */
function writableParent(ctx: OpContext, path: string): InodeRow {
  const folder = parent(path)!;
  const dir = resolveParentDir(ctx.s, path, folder, ctx.check, ctx.rootRow);
  if (ctx.check) ctx.check.access(dir, folder, WRITE);
  return dir;
}

/** The row at `path`, which the caller needs `access` on (and EXECUTE on every folder on the way). */
export function resolveFor(ctx: OpContext, path: string, access: number): InodeRow {
  const row = resolve(ctx.s, path, ctx.check, ctx.rootRow);
  if (ctx.check && access !== 0) ctx.check.access(row, path, access);
  return row;
}

/** A chunk added to a file: its id (handed out in order), place in the file, version and pipeline. */
export interface ChunkAdded {
  chunkId: string;
  index: number;
  version: number;
  replicas: string[];
}

export function addChunk(ctx: OpContext, c: AddChunk): ChunkAdded {
  validateClientId(c.clientId);
  const replicas = validateReplicas(c.replicas);
  // proto3 has no "absent": 0 means the default first version.
  const version = validateVersion(c.version === 0 ? 1 : c.version);
  // Absent (every entry written before a writer could keep several chunks in flight) means 1.
  const uncommittedMax = c.uncommittedMax === undefined || c.uncommittedMax === 0 ? 1 : c.uncommittedMax;
  if (!Number.isSafeInteger(uncommittedMax) || uncommittedMax < 1 || uncommittedMax > CHUNKS_IN_FLIGHT_MAX) {
    throw new InvalidArgumentError(`a writer keeps 1..${CHUNKS_IN_FLIGHT_MAX} chunks in flight, not ${c.uncommittedMax}.`);
  }
  const file = writableFile(ctx, c.fileId, c.clientId);
  const last = lastChunk(ctx, file.id);
  if (uncommittedCount(ctx, file.id, last) >= uncommittedMax) {
    throw new ChunkUncommittedError(`file ${file.id}: chunk ${last!.chunk_id} is not committed; commit or abandon it before adding another (${uncommittedMax} may be in flight).`);
  }
  const index = last ? last.idx + 1 : 0;
  if (index >= CHUNKS_PER_FILE_MAX) throw new LimitError(`file ${file.id} has ${CHUNKS_PER_FILE_MAX} chunks, the most a file may have.`);
  return insertChunk(ctx, file.id, index, version, replicas);
}

function insertChunk(ctx: OpContext, fileId: number, index: number, version: number, replicas: string[]): ChunkAdded {
  const chunkId = formatChunkId(ctx.meta.next_chunk_id);
  ctx.meta.next_chunk_id += 1;
  ctx.s.insertChunk.run(fileId, index, chunkId, version, 0, 0, replicas.join(","));
  ctx.meta.chunks += 1;
  return { chunkId, index, version, replicas };
}

/** What a commit did: the chunk, its replicas (the pipeline that wrote it), and where the file stands. */
export interface ChunkCommitted {
  chunkId: string;
  index: number;
  version: number;
  sizeBytes: number;
  replicas: string[];
  lengthBytes: number;
  closed: boolean;
  /** The file's mtime when this commit closed it (or found it closed); 0 while it stays open. */
  mtimeMs: number;
}

export function commitChunk(ctx: OpContext, c: CommitChunk): ChunkCommitted {
  validateClientId(c.clientId);
  if (c.complete === true) {
    // The file's last chunk, committed and the file completed in one entry. A retry of it (its
    // answer was lost) finds the file closed with this chunk committed: the same answer again.
    const mtimeMs = validateTimeMs("mtimeMs", c.mtimeMs ?? -1);
    const attributes = attributesColumn(c.attributes?.entries);
    const closedFile = fileById(ctx, c.fileId);
    if (closedFile.state === "closed") {
      const chunk = chunkOf(ctx, closedFile.id, c.chunkId);
      if (chunk.committed !== 1 || chunk.version !== c.version || chunk.size_bytes !== c.sizeBytes) throw new FileClosedError(`file ${closedFile.id} is closed.`);
      return { ...chunkCommitted(chunk), lengthBytes: closedFile.length_bytes, closed: true, mtimeMs: closedFile.mtime_ms };
    }
    const committed = commitOpenChunk(ctx, c);
    // What the client names: a refusal (its savepoint undoes the commit above), never an
    // assertion, which would stop every master on the same entry.
    if (lastChunk(ctx, c.fileId)?.chunk_id !== committed.chunkId) {
      throw new InvalidArgumentError(`chunk ${committed.chunkId} is not the last chunk of file ${c.fileId}: only the last chunk's commit completes the file.`);
    }
    ctx.s.close.run(mtimeMs, c.fileId);
    // None given keeps what a setAttributes on the open file set.
    if (attributes !== null) ctx.s.setAttributes.run(attributes, c.fileId);
    return { ...committed, closed: true, mtimeMs };
  }
  if ((c.attributes?.entries.length ?? 0) > 0) throw new InvalidArgumentError(`file ${c.fileId}: attributes are set by the commit that completes the file.`);
  return { ...commitOpenChunk(ctx, c), closed: false, mtimeMs: 0 };
}

function chunkCommitted(chunk: ChunkRow): Pick<ChunkCommitted, "chunkId" | "index" | "version" | "sizeBytes" | "replicas"> {
  return { chunkId: chunk.chunk_id, index: chunk.idx, version: chunk.version, sizeBytes: chunk.size_bytes, replicas: chunk.replicas.split(",") };
}

function commitOpenChunk(ctx: OpContext, c: CommitChunk): Omit<ChunkCommitted, "closed" | "mtimeMs"> {
  const file = writableFile(ctx, c.fileId, c.clientId);
  const chunk = chunkOf(ctx, file.id, c.chunkId);
  if (!Number.isSafeInteger(c.sizeBytes) || c.sizeBytes < 0 || c.sizeBytes > file.chunk_size_bytes) {
    throw new InvalidArgumentError(`a chunk of file ${file.id} holds 0..${file.chunk_size_bytes} bytes, not ${c.sizeBytes}.`);
  }
  if (c.version !== chunk.version) throw new VersionMismatchError(`chunk ${chunk.chunk_id} is at version ${chunk.version}, not ${c.version}.`);
  if (chunk.committed === 1) {
    // A retried commit (its answer was lost) succeeds again; a different size is a bug in the writer.
    if (chunk.size_bytes !== c.sizeBytes) throw new InvalidArgumentError(`chunk ${chunk.chunk_id} was committed with ${chunk.size_bytes} bytes, not ${c.sizeBytes}.`);
    return { ...chunkCommitted(chunk), lengthBytes: file.length_bytes };
  }
  // Chunks commit in file order, so a file's committed chunks are always a prefix of it (its
  // length is their sum, and a reader sees it up to the last committed one) even while a
  // writer has several chunks in flight and a later one's pipeline finished first.
  const before = ctx.s.chunkBefore.get(file.id, chunk.idx);
  if (before && before.committed !== 1) {
    throw new ChunkUncommittedError(`chunk ${chunk.chunk_id} (index ${chunk.idx}) of file ${file.id} cannot be committed before chunk ${before.chunk_id} (index ${before.idx}).`);
  }
  ctx.s.commitChunk.run(c.sizeBytes, file.id, chunk.idx);
  ctx.s.addLength.run(c.sizeBytes, file.id);
  return { ...chunkCommitted(chunk), sizeBytes: c.sizeBytes, lengthBytes: file.length_bytes + c.sizeBytes };
}

export function bumpChunkVersion(ctx: OpContext, c: BumpChunkVersion): { chunkId: string; version: number; replicas: string[] } {
  const replicas = validateReplicas(c.replicas);
  const newVersion = validateVersion(c.version);
  const file = fileById(ctx, c.fileId);
  if (file.state !== "open") throw new FileClosedError(`file ${file.id} is closed.`);
  if (c.clientId !== "" && file.lease_holder !== c.clientId) throw new NotLeaseHolderError(`file ${file.id} is not under the lease of client ${c.clientId}.`);
  const chunk = chunkOf(ctx, file.id, c.chunkId);
  if (chunk.committed === 1) throw new InvalidArgumentError(`chunk ${chunk.chunk_id} is committed: only the chunk being written gets a new version.`);
  if (newVersion <= chunk.version) throw new VersionMismatchError(`chunk ${chunk.chunk_id} is at version ${chunk.version}: a new version must be greater, not ${newVersion}.`);
  ctx.s.bumpChunk.run(newVersion, replicas.join(","), file.id, chunk.idx);
  return { chunkId: chunk.chunk_id, version: newVersion, replicas };
}

export function complete(ctx: OpContext, c: Complete): { fileId: number; lengthBytes: number; mtimeMs: number } {
  validateClientId(c.clientId);
  const mtimeMs = validateTimeMs("mtimeMs", c.mtimeMs);
  const attributes = attributesColumn(c.attributes?.entries);
  const file = fileById(ctx, c.fileId);
  // A retried complete (its answer was lost) succeeds again.
  if (file.state === "closed") return { fileId: file.id, lengthBytes: file.length_bytes, mtimeMs: file.mtime_ms };
  if (file.lease_holder !== c.clientId) throw new NotLeaseHolderError(`file ${file.id} is not under the lease of client ${c.clientId}.`);
  const last = lastChunk(ctx, file.id);
  if (last && last.committed !== 1) throw new ChunkUncommittedError(`file ${file.id}: chunk ${last.chunk_id} is not committed; commit or abandon it before completing the file.`);
  ctx.s.close.run(mtimeMs, file.id);
  if (attributes !== null) ctx.s.setAttributes.run(attributes, file.id);
  return { fileId: file.id, lengthBytes: file.length_bytes, mtimeMs };
}

export function abandonChunk(ctx: OpContext, c: AbandonChunk): { chunkId: string } {
  validateClientId(c.clientId);
  const nowMs = validateTimeMs("nowMs", c.nowMs);
  const file = writableFile(ctx, c.fileId, c.clientId);
  const chunk = chunkOf(ctx, file.id, c.chunkId);
  if (chunk.committed === 1) throw new InvalidArgumentError(`chunk ${chunk.chunk_id} is committed: only a chunk being written can be abandoned.`);
  // It goes with every chunk after it: all are uncommitted, since commits go in file order.
  const dropped = dropUncommittedTail(ctx, file.id, nowMs, chunk.idx);
  assert(dropped === chunk.chunk_id, "an uncommitted chunk is followed by uncommitted chunks only");
  return { chunkId: chunk.chunk_id };
}

export function renewLease(ctx: OpContext, c: RenewLease): { leaseExpiryMs: number } {
  validateClientId(c.clientId);
  const expiryMs = validateTimeMs("leaseExpiryMs", c.leaseExpiryMs);
  const file = writableFile(ctx, c.fileId, c.clientId);
  // Renewals may be applied out of the order the client sent them: a lease never shrinks.
  const leaseExpiryMs = Math.max(expiryMs, file.lease_expiry_ms ?? 0);
  ctx.s.renewLease.run(leaseExpiryMs, file.id);
  return { leaseExpiryMs };
}

export function recoverLease(ctx: OpContext, c: RecoverLease): { recovered: boolean; abandonedChunkId?: string } {
  const nowMs = validateTimeMs("nowMs", c.nowMs);
  const file = fileById(ctx, c.fileId);
  // The leader saw an expired lease and proposed; the writer may have closed the file meanwhile.
  if (file.state === "closed") return { recovered: false };
  if ((file.lease_expiry_ms ?? 0) > nowMs) throw new LeaseHeldError(`file ${file.id} is under a live lease of client ${file.lease_holder} until ${file.lease_expiry_ms}.`);
  // An editor that went away leaves no staging file behind: it goes, and its chunks with it.
  if (file.parent === STAGING_PARENT) {
    deleteFile(ctx, file, nowMs);
    return { recovered: true };
  }
  const abandoned = dropUncommittedTail(ctx, file.id, nowMs);
  ctx.s.close.run(nowMs, file.id);
  return abandoned ? { recovered: true, abandonedChunkId: abandoned } : { recovered: true };
}

export function reopenForAppend(
  ctx: OpContext,
  c: ReopenForAppend,
): { fileId: number; lengthBytes: number; chunkSizeBytes: number; replication: number; lastChunk?: ChunkInfo; abandonedChunkId?: string } {
  const path = normalizePath(c.path);
  validateClientId(c.clientId);
  const expiryMs = validateTimeMs("leaseExpiryMs", c.leaseExpiryMs);
  const nowMs = validateTimeMs("nowMs", c.nowMs);
  const file = resolveFor(ctx, path, WRITE);
  if (file.kind !== "file") throw new NotAFileError(`${path} is ${kindWords(file)}, not a file.`);
  refuseUnderStorageFile(file, path, "appending to");
  let abandoned: string | undefined;
  if (file.state === "open" && file.lease_holder !== c.clientId) {
    if ((file.lease_expiry_ms ?? 0) > nowMs) throw new LeaseHeldError(`${path} is open under a live lease of client ${file.lease_holder}.`);
    // The previous writer's lease expired: recover it here, as recoverLease would.
    abandoned = dropUncommittedTail(ctx, file.id, nowMs);
  }
  const leaseExpiryMs = file.state === "open" && file.lease_holder === c.clientId ? Math.max(expiryMs, file.lease_expiry_ms ?? 0) : expiryMs;
  ctx.s.setLease.run(c.clientId, leaseExpiryMs, file.id);
  const last = ctx.s.lastCommittedChunk.get(file.id);
  const result: ReturnType<typeof reopenForAppend> = { fileId: file.id, lengthBytes: file.length_bytes, chunkSizeBytes: file.chunk_size_bytes, replication: file.replication };
  if (last) result.lastChunk = chunkInfo(last);
  if (abandoned) result.abandonedChunkId = abandoned;
  return result;
}

/**
 * A file the under-storage has (PERSISTED) is that object's bytes: its chunks may be
 * placeholders, and changing them in place would part it from the object.
 */
function refuseUnderStorageFile(file: InodeRow, path: string, what: string): void {
  if (file.persist_state === PERSISTED) throw new InvalidArgumentError(`${path} is a file of the under-storage: ${what} it is not supported.`);
}

export function rename(ctx: OpContext, c: Rename): Record<string, never> {
  const src = normalizePath(c.path);
  const dst = normalizePath(c.destination);
  const mtimeMs = validateTimeMs("mtimeMs", c.mtimeMs);
  if (src === ROOT_PATH) throw new InvalidArgumentError("/ cannot be renamed.");
  if (dst === ROOT_PATH) throw new AlreadyExistsError("/ exists.");
  // Normalized paths: a string prefix is a subtree.
  if (dst.startsWith(`${src}/`)) throw new InvalidArgumentError(`${src} cannot be moved into itself (${dst}).`);
  const { row: node, parent: srcDir } = resolveWithParent(ctx.s, src, ctx.check, ctx.rootRow);
  if (ctx.check) {
    // Taking an entry out of its folder: WRITE on the folder, and the sticky rule.
    const folder = parent(src)!;
    ctx.check.access(srcDir!, folder, WRITE);
    ctx.check.sticky(srcDir!, folder, node, src);
  }
  refuseMountPoints(ctx, node, src, "rename");
  const mounts = mountsOf(ctx);
  const srcMount = mountFor(mounts, src);
  const dstMount = mountFor(mounts, dst);
  // The under-storage is told of a rename within a mount (master/rpc does it first); across a
  // boundary the bytes would have to move between stores, which a rename does not do.
  if (srcMount?.id !== dstMount?.id) throw new InvalidArgumentError(`renaming ${src} to ${dst} crosses the mount point ${(srcMount ?? dstMount)!.path}: that is not supported.`);
  refuseReadonly(srcMount, src);
  const replace = c.replace === true;
  // Only a file replaces a file: a folder over a file would change what the path is.
  if (replace && node.kind === "dir" && lookup(ctx.s, dst)?.kind !== undefined && lookup(ctx.s, dst)?.kind !== "dir") throw new AlreadyExistsError(`${dst} exists and ${src} is a folder: a folder does not replace a file or a link.`);
  const at = destinationOf(ctx, dst, { replace, parents: c.parents === true, mtimeMs, keep: replace ? node.id : undefined });
  // Moved onto itself (with replace): nothing changes, as POSIX rename(2) of a file onto itself.
  if (at.existing) return {};
  ctx.s.move.run(at.dir.id, at.name, node.id);
  ctx.s.touch.run(mtimeMs, node.parent);
  if (at.dir.id !== node.parent) ctx.s.touch.run(mtimeMs, at.dir.id);
  return {};
}

export function remove(ctx: OpContext, c: Delete): { files: number; directories: number; chunks: number } {
  const path = normalizePath(c.path);
  const nowMs = validateTimeMs("nowMs", c.nowMs);
  if (path === ROOT_PATH) throw new InvalidArgumentError("/ cannot be deleted.");
  const staging = stagingRowAt(ctx.s, path);
  if (staging) {
    // An editor's abort: its owner (or a superuser) drops the staging file and its chunks.
    if (ctx.check) ctx.check.owner(staging, path);
    return { files: 1, directories: 0, chunks: deleteFile(ctx, staging, nowMs) };
  }
  const pruneBelow = c.pruneEmptyParentsBelow === undefined || c.pruneEmptyParentsBelow === "" ? undefined : normalizePath(c.pruneEmptyParentsBelow);
  if (pruneBelow !== undefined && !path.startsWith(pruneBelow === ROOT_PATH ? ROOT_PATH : `${pruneBelow}/`)) {
    throw new InvalidArgumentError(`${pruneBelow} is not a folder above ${path}: empty folders are pruned below a folder that holds the path.`);
  }
  const { row: node, parent: holder } = resolveWithParent(ctx.s, path, ctx.check, ctx.rootRow);
  refuseMountPoints(ctx, node, path, "delete");
  if (node.persist_state !== null) refuseReadonly(mountFor(mountsOf(ctx), path), path);
  const check = ctx.check;
  if (check) {
    const folder = parent(path)!;
    check.access(holder!, folder, WRITE);
    check.sticky(holder!, folder, node, path);
    // HDFS's subAccess: ALL on every folder of the subtree that holds something.
    if (node.kind === "dir" && c.recursive) {
      for (const row of ctx.s.subtreeFullFolders.iterate(node.id)) check.access(row, () => pathOf(ctx.s, row.id), ALL);
    }
  }
  let files = 0;
  let directories = 0;
  let chunks = 0;
  if (node.kind !== "dir") {
    chunks = deleteFile(ctx, node, nowMs);
    files = 1;
  } else {
    if (!c.recursive && ctx.s.hasChild.get(node.id)) throw new NotEmptyError(`${path} is not empty.`);
    ({ files, directories, chunks } = deleteSubtree(ctx, node.id, nowMs));
  }
  // Walking up: each folder the delete left empty, without attributes, strictly below pruneBelow.
  let survivor = node.parent;
  if (pruneBelow !== undefined) {
    for (let folderPath = parent(path)!; folderPath !== pruneBelow; folderPath = parent(folderPath)!) {
      const folder = ctx.s.inodeById.get(survivor);
      assert(folder && folder.kind === "dir", `the folder ${folderPath} above a deleted path exists`);
      if (folder.attributes !== null || ctx.s.hasChild.get(folder.id)) break;
      // A mount point goes with its unmount only (its record names it).
      if (folder.persist_state === PERSISTED && mountsOf(ctx)().some((mount) => mount.path === folderPath)) break;
      // Only what the caller could remove itself goes; the walk stops quietly at the first it could not.
      if (check) {
        const holderRow = ctx.s.inodeById.get(folder.parent);
        assert(holderRow, `the folder above ${folderPath} exists`);
        if (!check.mayRemove(holderRow, folder)) break;
      }
      ctx.s.deleteInode.run(folder.id);
      ctx.meta.directories -= 1;
      directories += 1;
      survivor = folder.parent;
    }
  }
  ctx.s.touch.run(nowMs, survivor);
  return { files, directories, chunks };
}

export function setReplication(ctx: OpContext, c: SetReplication): { files: number } {
  const path = normalizePath(c.path);
  validateReplication(c.replication);
  const node = resolveFor(ctx, path, WRITE);
  if (node.kind === "file") {
    ctx.s.setReplication.run(c.replication, node.id);
    return { files: 1 };
  }
  // Every file it changes takes WRITE, as a setReplication of each would.
  const check = ctx.check;
  if (check) for (const row of ctx.s.subtreeFiles.iterate(node.id)) check.access(row, () => pathOf(ctx.s, row.id), WRITE);
  return { files: ctx.s.setReplicationBelow.run(node.id, c.replication).changes };
}

export function dropPendingDeletes(ctx: OpContext, c: DropPendingDeletes): { dropped: number } {
  if (c.chunkIds.length > DROP_PENDING_MAX) throw new InvalidArgumentError(`one command drops at most ${DROP_PENDING_MAX} pending deletes.`);
  let dropped = 0;
  for (const chunkId of c.chunkIds) dropped += ctx.s.unpend.run(validateNamespaceChunkId(chunkId)).changes;
  ctx.meta.pending_deletes -= dropped;
  return { dropped };
}

/** Settings are the superuser's: they hold the permission model itself and the cluster's secret. */
export function requireSuperuser(ctx: OpContext, what: string): void {
  if (ctx.superuser === false) throw new PermissionDeniedError(`Permission denied: user=${ctx.owner ?? ""} is not a superuser, and ${what} takes one.`);
}

export function setSetting(ctx: OpContext, c: SetSetting): undefined {
  validateSettingKey(c.key);
  requireSuperuser(ctx, "changing a setting");
  const problem = permissionSettingProblem(c.key, c.value);
  if (problem !== undefined) throw new InvalidArgumentError(`${problem}.`);
  if (c.value.length > SETTING_VALUE_BYTES_MAX) throw new CommandRejectedError(`a setting value is at most ${SETTING_VALUE_BYTES_MAX} bytes`);
  if (!ctx.s.getSetting.get(c.key) && (ctx.s.settingCount.get()?.n ?? 0) >= SETTINGS_MAX) throw new CommandRejectedError(`the cluster holds ${SETTINGS_MAX} settings already`);
  ctx.s.putSetting.run(c.key, c.value);
  return undefined;
}

export function deleteSetting(ctx: OpContext, c: DeleteSetting): { deleted: boolean } {
  validateSettingKey(c.key);
  requireSuperuser(ctx, "deleting a setting");
  return { deleted: ctx.s.deleteSetting.run(c.key).changes > 0 };
}

/** Replaces the whole attribute map of a file or folder (the mtime stays: the data did not change). */
export function setAttributes(ctx: OpContext, c: SetAttributes): Record<string, never> {
  const path = normalizePath(c.path);
  const attributes = attributesColumn(c.attributes);
  const node = resolveFor(ctx, path, WRITE);
  ctx.s.setAttributes.run(attributes, node.id);
  return {};
}

/** What a concat made: the new file. */
export interface Concatenated {
  fileId: number;
  lengthBytes: number;
  replication: number;
  chunkSizeBytes: number;
  mtimeMs: number;
  chunks: number;
}

/**
 * A new closed file at the destination whose chunks are the sources' chunks, in the order of
 * the sources (S3's CompleteMultipartUpload). The sources' inodes go; their chunks stay where
 * they are on the chunk servers, now the new file's (a chunk may be shorter than the file's
 * chunk size: readers take each chunk's own size). The sources are distinct closed files.
 */
export function concat(ctx: OpContext, c: Concat): Concatenated {
  if (c.sources.length < 1 || c.sources.length > CONCAT_SOURCES_MAX) throw new InvalidArgumentError(`a concat has 1..${CONCAT_SOURCES_MAX} sources, not ${c.sources.length}.`);
  const dst = normalizePath(c.destination);
  if (dst === ROOT_PATH) throw new AlreadyExistsError("/ exists.");
  const mtimeMs = validateTimeMs("mtimeMs", c.mtimeMs);
  const attributes = attributesColumn(c.attributes);
  const paths = c.sources.map((source) => normalizePath(source));
  const seen = new Set<string>();
  for (const path of paths) {
    if (seen.has(path)) throw new InvalidArgumentError(`${path} is given twice: the sources of a concat are distinct.`);
    seen.add(path);
  }
  if (seen.has(dst)) throw new InvalidArgumentError(`${dst} is a source of the concat: the destination is a new file.`);
  const sources = paths.map((path) => {
    const { row, parent: holder } = resolveWithParent(ctx.s, path, ctx.check, ctx.rootRow);
    // HDFS's concat: READ on each source, WRITE on the folder it leaves.
    if (ctx.check) {
      ctx.check.access(row, path, READ);
      ctx.check.access(holder!, parent(path)!, WRITE);
    }
    if (row.kind !== "file") throw new NotAFileError(`${path} is ${kindWords(row)}, not a file.`);
    if (row.state !== "closed") throw new InvalidArgumentError(`${path} is open: only closed files are concatenated.`);
    // Its chunks may be placeholders filled from its own object: they cannot become another file's.
    if (row.persist_state === PERSISTED) throw new InvalidArgumentError(`${path} is a file of the under-storage: concatenating it is not supported.`);
    if (row.persist_state !== null) refuseReadonly(mountFor(mountsOf(ctx), path), path);
    return row;
  });
  let chunks = 0;
  let lengthBytes = 0;
  let replication = 0;
  let chunkSizeBytes = 0;
  const counts = sources.map((source) => {
    // A closed file's chunks are indexes 0..n-1, all committed.
    const count = (lastChunk(ctx, source.id)?.idx ?? -1) + 1;
    chunks += count;
    lengthBytes += source.length_bytes;
    replication = Math.max(replication, source.replication);
    chunkSizeBytes = Math.max(chunkSizeBytes, source.chunk_size_bytes);
    return count;
  });
  if (chunks > CHUNKS_PER_FILE_MAX) throw new LimitError(`the concat would make a file of ${chunks} chunks; a file has at most ${CHUNKS_PER_FILE_MAX}.`);
  const at = destinationOf(ctx, dst, { replace: c.replace, parents: c.parents, mtimeMs });
  const id = newInodeId(ctx);
  // The caller's, in its folder's group, with the bits of the first source (a multipart
  // upload's parts were made with the umask of the day).
  const mode = sources[0]!.mode & 0o777;
  ctx.s.insertClosedFile.run(id, at.dir.id, at.name, mtimeMs, replication, chunkSizeBytes, lengthBytes, attributes, ctx.owner ?? null, at.dir.grp, mode);
  stampNewFile(ctx, at.dir, dst, id);
  ctx.meta.files += 1;
  let offset = 0;
  const folders = new Set<number>([at.dir.id]);
  sources.forEach((source, i) => {
    if (counts[i]! > 0) ctx.s.moveChunks.run(id, offset, source.id);
    offset += counts[i]!;
    ctx.s.deleteInode.run(source.id);
    ctx.meta.files -= 1;
    folders.add(source.parent);
  });
  for (const folder of folders) ctx.s.touch.run(mtimeMs, folder);
  return { fileId: id, lengthBytes, replication, chunkSizeBytes, mtimeMs, chunks };
}

/**
 * HDFS's setOwner: "" leaves the owner or the group as it is. Without the superuser the
 * caller must own the inode, may not give it away, and may only give it a group it is in.
 */
export function setOwner(ctx: OpContext, c: SetOwner): Record<string, never> {
  const path = normalizePath(c.path);
  if (c.owner === "" && c.group === "") throw new InvalidArgumentError(`${path}: name an owner, a group or both.`);
  if (c.owner !== "") validatePrincipal(c.owner);
  if (c.group !== "") validatePrincipal(c.group);
  const node = resolveFor(ctx, path, 0);
  const check = ctx.check;
  if (check) {
    check.owner(node, path);
    const user = check.subject.user;
    if (c.owner !== "" && c.owner !== user) throw new PermissionDeniedError(`Permission denied: user=${user} is not a superuser and cannot change the owner of ${path} to ${c.owner}.`);
    if (c.group !== "" && !check.subject.groups.includes(c.group)) throw new PermissionDeniedError(`Permission denied: user=${user} does not belong to ${c.group}, so cannot give ${path} that group.`);
  }
  ctx.s.setOwnerAndGroup.run(c.owner !== "" ? c.owner : node.owner, c.group !== "" ? c.group : node.grp, node.id);
  return {};
}

/** HDFS's setPermission: the owner or the superuser; bits 0..0o1777. */
export function setPermission(ctx: OpContext, c: SetPermission): Record<string, never> {
  const path = normalizePath(c.path);
  const bits = validatePermission(c.permission);
  const node = resolveFor(ctx, path, 0);
  if (ctx.check) ctx.check.owner(node, path);
  ctx.s.setMode.run(bits, node.id);
  return {};
}

/** HDFS's setTimes: WRITE on the inode (as HDFS checks it); an absent time stays. */
export function setTimes(ctx: OpContext, c: SetTimes): Record<string, never> {
  const path = normalizePath(c.path);
  validateTimeMs("nowMs", c.nowMs);
  const node = resolveFor(ctx, path, WRITE);
  const mtimeMs = c.mtimeMs === undefined ? node.mtime_ms : validateTimeMs("mtimeMs", c.mtimeMs);
  const accessTimeMs = c.accessTimeMs === undefined ? node.atime_ms : validateTimeMs("accessTimeMs", c.accessTimeMs);
  ctx.s.setTimes.run(mtimeMs, accessTimeMs, node.id);
  return {};
}

/**
 * Cuts a closed file to `lengthBytes`, which must be where one of its chunks ends (or 0): the
 * chunks past it go to the pending deletes, as a delete's do. WRITE on the file.
 */
export function truncate(ctx: OpContext, c: Truncate): { lengthBytes: number; chunks: number } {
  const path = normalizePath(c.path);
  const nowMs = validateTimeMs("nowMs", c.nowMs);
  if (!Number.isSafeInteger(c.lengthBytes) || c.lengthBytes < 0) throw new InvalidArgumentError(`${path}: a length is a non-negative integer of bytes, not ${c.lengthBytes}.`);
  const file = resolveFor(ctx, path, WRITE);
  if (file.kind !== "file") throw new NotAFileError(`${path} is ${kindWords(file)}, not a file.`);
  if (file.state !== "closed") throw new InvalidArgumentError(`${path} is open: only a closed file is truncated.`);
  refuseUnderStorageFile(file, path, "truncating");
  if (c.lengthBytes > file.length_bytes) throw new InvalidArgumentError(`${path} is ${file.length_bytes} bytes: it cannot be truncated to ${c.lengthBytes}.`);
  if (c.lengthBytes === file.length_bytes) return { lengthBytes: file.length_bytes, chunks: 0 };
  // The first chunk to drop: the one after the chunk that ends at lengthBytes.
  let cutIndex = 0;
  if (c.lengthBytes > 0) {
    let endBytes = 0;
    let found = false;
    for (const chunk of ctx.s.chunkSizes.iterate(file.id)) {
      endBytes += chunk.size_bytes;
      if (endBytes === c.lengthBytes) {
        cutIndex = chunk.idx + 1;
        found = true;
        break;
      }
      if (endBytes > c.lengthBytes) {
        throw new InvalidArgumentError(`${path}: ${c.lengthBytes} is inside a chunk (${endBytes - chunk.size_bytes}..${endBytes}); the master truncates at a chunk's end only.`);
      }
    }
    assert(found, `the chunks of ${path} add up to its length`);
  }
  const chunks = ctx.s.pendChunksFrom.run(file.id, cutIndex, nowMs).changes;
  const deleted = ctx.s.deleteChunksFrom.run(file.id, cutIndex).changes;
  assert(deleted === chunks, "every chunk cut off is pending deletion");
  ctx.meta.chunks -= chunks;
  ctx.meta.pending_deletes += chunks;
  ctx.s.setLength.run(c.lengthBytes, nowMs, file.id);
  return { lengthBytes: c.lengthBytes, chunks };
}

/** What a symlink made: the link's id, time and length (its target's bytes). */
export interface SymlinkMade {
  fileId: number;
  mtimeMs: number;
  lengthBytes: number;
}

/** A symbolic link's bits: as POSIX and HDFS, a link's own bits are never checked. */
const SYMLINK_MODE = 0o777;

/**
 * A symbolic link at `path` to `target` (issue 17), stored as given and never followed here.
 * As a create: WRITE and EXECUTE on the folder (with `parents`, the folders made as mkdir -p
 * makes them); the caller's, with its folder's group. Not under a mount: an under-storage has
 * no links.
 */
export function symlink(ctx: OpContext, c: Symlink): SymlinkMade {
  const path = normalizePath(c.path);
  if (path === ROOT_PATH) throw new AlreadyExistsError("/ exists.");
  const mtimeMs = validateTimeMs("mtimeMs", c.mtimeMs);
  const problem = symlinkTargetProblem(c.target);
  if (problem !== undefined) throw new InvalidArgumentError(`${path}: ${problem}.`);
  const folder = parent(path)!;
  let dir: StepRow;
  if (c.parents) {
    dir = makeFolders(ctx, folder, mtimeMs);
    if (ctx.check) ctx.check.access(dir, folder, WRITE);
  } else {
    dir = writableParent(ctx, path);
  }
  const name = basename(path);
  refuseReservedName(dir.id, name, path);
  if (dir.persist_state !== null && dir.persist_state !== undefined) throw new InvalidArgumentError(`${path} is under a mount: an under-storage has no symbolic links.`);
  if (ctx.s.child.get(dir.id, name)) throw new AlreadyExistsError(`${path} exists.`);
  const id = newInodeId(ctx);
  const lengthBytes = Buffer.byteLength(c.target);
  ctx.s.insertSymlink.run(id, dir.id, name, mtimeMs, lengthBytes, ctx.owner ?? null, dir.grp, SYMLINK_MODE, c.target);
  ctx.s.touch.run(mtimeMs, dir.id);
  return { fileId: id, mtimeMs, lengthBytes };
}

/** What a rewrite did: where the file stands, and how many chunks went to the pending deletes. */
export interface Rewritten {
  fileId: number;
  lengthBytes: number;
  mtimeMs: number;
  chunkCount: number;
  /** Chunks of the file replaced or cut off, and staging chunks no move took. */
  chunksDropped: number;
}

/**
 * An editor's flush (issue 17): in this one entry the staging file's committed chunks take
 * their places in the file (a new version of a chunk replaces it, GFS-style copy on write;
 * past the base's end they extend the file), the file is cut to `chunkCount` chunks and gets
 * `lengthBytes`, and the replaced and cut chunks, with the staging file and any chunk of it no
 * move took, go to the pending deletes, where the lazy garbage collector finds them after its
 * grace period (a reader that opened the file before reads its old chunks until then).
 * Readers see the whole edit or none of it.
 *
 * Refused with FILE_CHANGED, changing nothing, when the file is not the editor's base any
 * more: its chunk count or length differ from the base's, or a chunk the edit replaces is no
 * longer the one named (another editor's flush, an append, a truncate came first).
 */
export function rewrite(ctx: OpContext, c: Rewrite): Rewritten {
  const path = normalizePath(c.path);
  const mtimeMs = validateTimeMs("mtimeMs", c.mtimeMs);
  validateFileId(c.fileId);
  const file = resolveFor(ctx, path, WRITE);
  if (file.kind !== "file") throw new NotAFileError(`${path} is ${kindWords(file)}, not a file.`);
  if (file.id !== c.fileId) throw new FileChangedError(`${path} is no longer the file being edited (it was replaced, renamed or deleted).`);
  if (file.state !== "closed") throw new LeaseHeldError(`${path} is open for writing by client ${file.lease_holder}: an edit is committed to a closed file only.`);
  refuseUnderStorageFile(file, path, "editing");
  if (file.persist_state !== null) refuseReadonly(mountFor(mountsOf(ctx), path), path);
  for (const [name, value] of [["baseChunkCount", c.baseChunkCount], ["baseLengthBytes", c.baseLengthBytes], ["chunkCount", c.chunkCount], ["lengthBytes", c.lengthBytes]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`${path}: a rewrite's ${name} is a whole number, not ${value}.`);
  }
  if (c.chunkCount > CHUNKS_PER_FILE_MAX) throw new LimitError(`${path}: a file has at most ${CHUNKS_PER_FILE_MAX} chunks, not ${c.chunkCount}.`);
  const baseCount = (lastChunk(ctx, file.id)?.idx ?? -1) + 1;
  if (baseCount !== c.baseChunkCount || file.length_bytes !== c.baseLengthBytes) {
    throw new FileChangedError(`${path} changed since it was opened for editing: it has ${baseCount} chunks and ${file.length_bytes} bytes, not ${c.baseChunkCount} and ${c.baseLengthBytes}.`);
  }
  const staging = c.stagingFileId === 0 ? undefined : stagingFile(ctx, c.stagingFileId, c.clientId, path);
  if (c.moves.length > 0 && !staging) throw new InvalidArgumentError(`${path}: a rewrite that moves chunks names its staging file.`);
  // Every check before any change: a refusal leaves the file and the staging file as they were.
  const byTarget = new Map<number, ChunkRow>();
  const takenStaging = new Set<number>();
  for (const move of c.moves) {
    if (!Number.isSafeInteger(move.targetIndex) || move.targetIndex < 0 || move.targetIndex >= c.chunkCount) throw new InvalidArgumentError(`${path}: chunk index ${move.targetIndex} is outside the file's ${c.chunkCount} chunks.`);
    if (byTarget.has(move.targetIndex)) throw new InvalidArgumentError(`${path}: chunk index ${move.targetIndex} is given twice.`);
    if (takenStaging.has(move.stagingIndex)) throw new InvalidArgumentError(`${path}: staging chunk ${move.stagingIndex} is given twice.`);
    const chunk = Number.isSafeInteger(move.stagingIndex) ? ctx.s.chunkAt.get(staging!.id, move.stagingIndex) : null;
    if (!chunk) throw new ChunkNotFoundError(`${path}: the staging file ${staging!.id} has no chunk ${move.stagingIndex}.`);
    if (chunk.committed !== 1) throw new ChunkUncommittedError(`${path}: chunk ${chunk.chunk_id} of the staging file is not committed.`);
    if (chunk.size_bytes > file.chunk_size_bytes) throw new InvalidArgumentError(`${path}: chunk ${chunk.chunk_id} holds ${chunk.size_bytes} bytes, more than the file's chunk size ${file.chunk_size_bytes}.`);
    if (move.targetIndex < baseCount) {
      const replaced = ctx.s.chunkAt.get(file.id, move.targetIndex);
      assert(replaced, `chunk ${move.targetIndex} of ${path} exists below its chunk count`);
      if (replaced.chunk_id !== move.replacedChunkId) throw new FileChangedError(`${path} changed since it was opened for editing: its chunk ${move.targetIndex} is ${replaced.chunk_id}, not ${move.replacedChunkId || "none"}.`);
    } else if (move.replacedChunkId !== "") {
      throw new FileChangedError(`${path} changed since it was opened for editing: it has no chunk ${move.targetIndex} to replace.`);
    }
    byTarget.set(move.targetIndex, chunk);
    takenStaging.add(move.stagingIndex);
  }
  // The new file, index by index: a moved chunk, else the base's own (only below its count).
  let lengthBytes = 0;
  for (const chunk of ctx.s.chunksFrom.iterate(file.id, 0, Math.min(baseCount, c.chunkCount))) {
    if (!byTarget.has(chunk.idx)) lengthBytes += chunk.size_bytes;
  }
  for (const chunk of byTarget.values()) lengthBytes += chunk.size_bytes;
  for (let index = baseCount; index < c.chunkCount; index++) {
    if (!byTarget.has(index)) throw new InvalidArgumentError(`${path}: chunk ${index} is past the file's ${baseCount} chunks and no staging chunk fills it.`);
  }
  if (lengthBytes !== c.lengthBytes) throw new InvalidArgumentError(`${path}: its chunks would hold ${lengthBytes} bytes, not the ${c.lengthBytes} the rewrite names.`);
  // The changes. Chunks cut off, then the replaced ones, go to the pending deletes; then the moves.
  let dropped = 0;
  if (c.chunkCount < baseCount) {
    const cut = ctx.s.pendChunksFrom.run(file.id, c.chunkCount, mtimeMs).changes;
    const deleted = ctx.s.deleteChunksFrom.run(file.id, c.chunkCount).changes;
    assert(cut === deleted, "every chunk cut off is pending deletion");
    dropped += cut;
  }
  for (const move of c.moves) {
    if (move.targetIndex < baseCount) {
      const replaced = ctx.s.chunkAt.get(file.id, move.targetIndex);
      assert(replaced, `chunk ${move.targetIndex} of ${path} is still there to be replaced`);
      ctx.s.pendOne.run(replaced.chunk_id, replaced.version, mtimeMs);
      ctx.s.deleteChunk.run(file.id, move.targetIndex);
      dropped += 1;
    }
  }
  for (const move of c.moves) {
    const moved = ctx.s.moveChunk.run(file.id, move.targetIndex, staging!.id, move.stagingIndex).changes;
    assert(moved === 1, `staging chunk ${move.stagingIndex} moved into ${path}`);
  }
  ctx.meta.chunks -= dropped;
  ctx.meta.pending_deletes += dropped;
  // What no move took (a chunk written out early and written again) goes with the staging file.
  const stagingDropped = staging ? deleteFile(ctx, staging, mtimeMs) : 0;
  ctx.s.setLength.run(c.lengthBytes, mtimeMs, file.id);
  return { fileId: file.id, lengthBytes: c.lengthBytes, mtimeMs, chunkCount: c.chunkCount, chunksDropped: dropped + stagingDropped };
}

/** The staging file `id` of an editor: a file in no folder, open under `clientId`'s lease, its chunks all committed. */
function stagingFile(ctx: OpContext, id: number, clientId: string, path: string): InodeRow {
  validateClientId(clientId);
  const staging = writableFile(ctx, id, clientId);
  if (staging.parent !== STAGING_PARENT) throw new InvalidArgumentError(`${path}: file ${id} is not a staging file.`);
  const last = lastChunk(ctx, staging.id);
  if (last && last.committed !== 1) throw new ChunkUncommittedError(`${path}: chunk ${last.chunk_id} of the staging file ${id} is not committed.`);
  return staging;
}
