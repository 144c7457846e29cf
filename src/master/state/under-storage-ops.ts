// The commands of under-storage mounts and the cache (issue 16, docs/cache.md; log.proto has
// each one's meaning): mount and unmount, the sync that mirrors what the leader saw in the
// under-storage into the namespace, markPersisted, pins and free. As namespace-ops.ts: each a
// function of (state, command), in the entry's transaction, no clock, no I/O.
//
// The model: a mount point is a folder stamped PERSISTED with the mount's record in the
// settings (`secret/mounts/<id>`). The under-storage's files are real inodes (PERSISTED, with
// the object's fingerprint) whose chunks are placeholder rows: new ids, version 1, committed,
// the cluster's default chunk size (the last shorter), no replicas. A chunk is cached where
// the location map has a copy; a fill peer makes one from the object, checking the
// fingerprint. A file that changed gets new chunk ids, so an old copy is never read for new
// bytes: the old ids go to the pending deletes and the garbage collector drops their copies.
import { assert } from "../../util/assert.ts";
import { AlreadyExistsError, InvalidArgumentError, LimitError, NotADirectoryError, NotEmptyError, NotFoundError, PermissionDeniedError } from "./errors.ts";
import { CHUNKS_PER_FILE_MAX, FINGERPRINT_CHARS_MAX, SETTING_VALUE_BYTES_MAX, SETTINGS_MAX, SYNC_ENTRIES_MAX, validateFileId, validateReplication, validateSettingKey, validateTimeMs } from "./limits.ts";
import type { InodeRow } from "./namespace-schema.ts";
import { lookup, pathOf, resolve } from "./namespace-tree.ts";
import { deleteFile, deleteSubtree, formatChunkId, makeFolders, mountsOf, newInodeId, requireSuperuser, resolveFor, type OpContext } from "./namespace-ops.ts";
import { mountFor, NOT_PERSISTED, PERSISTED, readMountRecords, TO_BE_PERSISTED } from "./mount-state.ts";
import { DIR_MODE_DEFAULT, FILE_MODE_DEFAULT, WRITE } from "./permissions.ts";
import { decodeMountRecord, MOUNT_SETTING_PREFIX, MOUNTS_MAX, type MountRecord } from "../../protocol/mounts.ts";
import { CHUNK_SIZE_BYTES_DEFAULT } from "../../protocol/limits.ts";
import { compareNames, join, NAME_BYTES_MAX, normalizePath, ROOT_PATH, segments, validateName } from "../../protocol/paths.ts";
import type { FreeCache, MarkPersisted, Mount, SetPinned, SyncUnderStorage, Unmount, UnderStorageEntry } from "../../protocol/pb/log.ts";

/**
 * The chunk size of every file a sync makes: the cluster's default. The object's bytes are cut
 * the same way on every master and every fill peer: chunk i is bytes [i × size, (i+1) × size).
 */
export const UNDER_STORAGE_CHUNK_SIZE_BYTES = CHUNK_SIZE_BYTES_DEFAULT;

export function mount(ctx: OpContext, c: Mount): { created: number } {
  requireSuperuser(ctx, "mounting an under-storage");
  const path = normalizePath(c.path);
  const mtimeMs = validateTimeMs("mtimeMs", c.mtimeMs);
  if (path === ROOT_PATH) throw new InvalidArgumentError("/ cannot be a mount point: mount on a folder below it.");
  const key = MOUNT_SETTING_PREFIX + c.id;
  validateSettingKey(key);
  if (c.record.length > SETTING_VALUE_BYTES_MAX) throw new LimitError(`a mount record is at most ${SETTING_VALUE_BYTES_MAX} bytes, not ${c.record.length}.`);
  const record = decodeMountRecord(c.record);
  if (record.id !== c.id || record.path !== path) throw new InvalidArgumentError(`the mount record names ${record.path} (id ${record.id}), not ${path} (id ${c.id}).`);
  validateReplication(record.replication);
  const mounts = readMountRecords(ctx.s);
  for (const other of mounts) {
    if (other.id === c.id) throw new AlreadyExistsError(`a mount with the id ${c.id} exists (at ${other.path}).`);
    if (other.path === path) throw new AlreadyExistsError(`${path} is the mount point of ${other.uri} already.`);
    if (path.startsWith(`${other.path}/`)) throw new InvalidArgumentError(`${path} is inside the mount at ${other.path}: mounts do not nest.`);
    if (other.path.startsWith(`${path}/`)) throw new InvalidArgumentError(`${path} holds the mount point ${other.path}: mounts do not nest.`);
  }
  if (mounts.length >= MOUNTS_MAX) throw new LimitError(`the cluster has ${MOUNTS_MAX} mounts, the most it may have.`);
  if ((ctx.s.settingCount.get()?.n ?? 0) >= SETTINGS_MAX) throw new LimitError(`the cluster holds ${SETTINGS_MAX} settings already.`);
  const existing = lookup(ctx.s, path, ctx.check, ctx.rootRow);
  let folderId: number;
  let created = 0;
  if (existing) {
    if (existing.kind !== "dir") throw new NotADirectoryError(`${path} is a file: a mount point is a folder.`);
    if (ctx.s.hasChild.get(existing.id)) throw new NotEmptyError(`${path} is not empty: a mount point is an empty folder, or a new one.`);
    folderId = existing.id;
  } else {
    const before = ctx.meta.directories;
    folderId = makeFolders(ctx, path, mtimeMs).id;
    created = ctx.meta.directories - before;
  }
  ctx.s.setPersistState.run(PERSISTED, folderId);
  ctx.s.putSetting.run(key, c.record);
  return { created };
}

export function unmount(ctx: OpContext, c: Unmount): { files: number; directories: number; chunks: number } {
  requireSuperuser(ctx, "unmounting an under-storage");
  const path = normalizePath(c.path);
  const nowMs = validateTimeMs("nowMs", c.nowMs);
  const record = readMountRecords(ctx.s).find((candidate) => candidate.path === path);
  if (!record) throw new NotFoundError(`no under-storage is mounted at ${path}.`);
  const node = lookup(ctx.s, path);
  let counts = { files: 0, directories: 0, chunks: 0 };
  if (node) {
    // Their bytes are in Tessera only, on their way to the under-storage: unmounting now loses them.
    const waiting = ctx.s.subtreeFilesInState.get(node.id, TO_BE_PERSISTED)?.n ?? 0;
    if (waiting > 0) throw new NotEmptyError(`${path}: ${waiting} ${waiting === 1 ? "file is" : "files are"} not persisted yet; unmount once they are (or delete them).`);
    counts = deleteSubtree(ctx, node.id, nowMs);
    ctx.s.touch.run(nowMs, node.parent);
  }
  ctx.s.deleteSetting.run(MOUNT_SETTING_PREFIX + record.id);
  return counts;
}

/** What a sync changed in the folder. */
export interface Synced {
  /** Files and folders new to the namespace. */
  added: number;
  /** Files whose fingerprint changed (new chunk ids) or whose kind changed. */
  changed: number;
  /** Names the under-storage no longer has, removed (subtrees counted once). */
  removed: number;
  /** Placeholder chunks made. */
  chunks: number;
}

/**
 * SyncUnderStorage (log.proto): the names of `path` in (after, through] become exactly
 * `entries`, except what Tessera holds that the under-storage does not have yet (files
 * TO_BE_PERSISTED or NOT_PERSISTED, open files, and folders holding any), which stays. Names
 * compare as SQLite compares them (UTF-8 bytes), which is also S3's listing order. The sync
 * mirrors the under-storage, so it runs as the cluster whoever's stat or list caused it: the
 * caller's rights were checked by that query. New inodes take the folder's owner and group,
 * 0o755 or 0o644, and the mount's replication.
 */
export function syncUnderStorage(ctx: OpContext, c: SyncUnderStorage): Synced {
  const path = normalizePath(c.path);
  const nowMs = validateTimeMs("nowMs", c.nowMs);
  if (c.entries.length > SYNC_ENTRIES_MAX) throw new LimitError(`a sync carries at most ${SYNC_ENTRIES_MAX} entries, not ${c.entries.length}: page the listing.`);
  const mount = mountFor(mountsOf(ctx), path);
  if (!mount) throw new InvalidArgumentError(`${path} is not under a mount: there is no under-storage to sync it with.`);
  // `after` is a bound, not a name: a look-up of one name sends the greatest string below it,
  // which may hold a "/" ("part-00/…" before "part-000"). It must only compare as names do.
  if (c.after !== "") validateBound(c.after, path);
  if (c.through !== "") validateName(c.through, join(path, c.through));
  if (c.after !== "" && c.through !== "" && compareNames(c.through, c.after) <= 0) throw new InvalidArgumentError(`${path}: a sync's range (${c.after}, ${c.through}] is empty.`);
  const names = new Set<string>();
  for (const entry of c.entries) {
    validateEntry(path, entry);
    if (names.has(entry.name)) throw new InvalidArgumentError(`${join(path, entry.name)} is given twice in one sync.`);
    if ((c.after !== "" && compareNames(entry.name, c.after) <= 0) || (c.through !== "" && compareNames(entry.name, c.through) > 0)) {
      throw new InvalidArgumentError(`${join(path, entry.name)} is outside the sync's range (${c.after}, ${c.through || "end"}].`);
    }
    names.add(entry.name);
  }
  const folder = c.parents ? syncedFolders(ctx, mount, path, nowMs) : resolve(ctx.s, path);
  if (folder.kind !== "dir") throw new NotADirectoryError(`${path} is a file: a sync lists a folder.`);
  const out: Synced = { added: 0, changed: 0, removed: 0, chunks: 0 };
  // What the under-storage no longer has. Collected first: removing while stepping the index is not done.
  const gone: InodeRow[] = [];
  for (let after = c.after; ; ) {
    const rows = ctx.s.childrenInRange.all(folder.id, after, c.through, SYNC_PAGE_ROWS);
    for (const row of rows) if (!names.has(row.name)) gone.push(row);
    if (rows.length < SYNC_PAGE_ROWS) break;
    after = rows[rows.length - 1]!.name;
  }
  for (const row of gone) {
    if (removeIfMirrored(ctx, row, nowMs)) out.removed += 1;
    else if (row.kind === "dir" && row.persist_state === PERSISTED) ctx.s.setPersistState.run(NOT_PERSISTED, row.id);
  }
  const owner = { owner: folder.owner, grp: folder.grp };
  for (const entry of c.entries) {
    const existing = ctx.s.child.get(folder.id, entry.name);
    if (existing && (existing.kind === "dir") === entry.directory) {
      if (existing.kind === "dir") {
        // A folder made in Tessera is in the under-storage now (a file was persisted below it).
        if (existing.persist_state !== PERSISTED) ctx.s.setPersistState.run(PERSISTED, existing.id);
        continue;
      }
      // Tessera's own bytes win over the object until they are persisted over it.
      if (existing.persist_state !== PERSISTED || existing.state === "open") continue;
      if (existing.ufs_fingerprint === entry.fingerprint) continue;
      out.chunks += replaceChunks(ctx, existing.id, nowMs, placeholderSizes(entry.sizeBytes));
      ctx.s.updateUfsFile.run(entry.sizeBytes, entry.mtimeMs, entry.fingerprint, existing.id);
      out.changed += 1;
      continue;
    }
    if (existing) {
      // A file that became a folder or the other way round: replaced, unless Tessera holds bytes there.
      if (!removeIfMirrored(ctx, existing, nowMs)) continue;
      out.changed += 1;
    } else {
      out.added += 1;
    }
    if (entry.directory) {
      ctx.s.insertUfsFolder.run(newInodeId(ctx), folder.id, entry.name, entry.mtimeMs, owner.owner, owner.grp, DIR_MODE_DEFAULT);
      ctx.meta.directories += 1;
      continue;
    }
    const id = newInodeId(ctx);
    const replication = validateReplication(mount.replication);
    ctx.s.insertUfsFile.run(id, folder.id, entry.name, entry.mtimeMs, replication, UNDER_STORAGE_CHUNK_SIZE_BYTES, entry.sizeBytes, owner.owner, owner.grp, FILE_MODE_DEFAULT, entry.fingerprint);
    ctx.meta.files += 1;
    out.chunks += insertPlaceholders(ctx, id, placeholderSizes(entry.sizeBytes));
  }
  if (c.complete) ctx.s.setSyncedMs.run(nowMs, folder.id);
  return out;
}

/** Children read per page while a sync looks for names the under-storage dropped. */
const SYNC_PAGE_ROWS = 1_000;

/** A sync range's lower bound: UTF-8 text (no lone surrogate) no longer than a name. */
function validateBound(after: string, path: string): void {
  if (/\p{Cs}/u.test(after) || Buffer.byteLength(after, "utf8") > NAME_BYTES_MAX) throw new InvalidArgumentError(`${path}: a sync's range starts after a name of at most ${NAME_BYTES_MAX} bytes of UTF-8.`);
}

function validateEntry(path: string, entry: UnderStorageEntry): void {
  validateName(entry.name, join(path, entry.name));
  const at = join(path, entry.name);
  validateTimeMs("an entry's mtimeMs", entry.mtimeMs);
  if (entry.directory) return;
  if (!Number.isSafeInteger(entry.sizeBytes) || entry.sizeBytes < 0) throw new InvalidArgumentError(`${at}: a size is a non-negative integer of bytes, not ${entry.sizeBytes}.`);
  if (entry.fingerprint.length === 0 || entry.fingerprint.length > FINGERPRINT_CHARS_MAX) throw new InvalidArgumentError(`${at}: a file's fingerprint is 1..${FINGERPRINT_CHARS_MAX} characters.`);
}

/**
 * Removes a row the under-storage no longer has, when the namespace holds nothing the
 * under-storage lacks: a PERSISTED closed file, or a PERSISTED folder whose files and folders
 * are all so (a folder made in Tessera below it is kept too). False when it stays.
 */
function removeIfMirrored(ctx: OpContext, row: InodeRow, nowMs: number): boolean {
  if (row.kind === "file") {
    if (row.persist_state !== PERSISTED || row.state === "open") return false;
    deleteFile(ctx, row, nowMs);
    return true;
  }
  if (row.persist_state === NOT_PERSISTED || row.persist_state === TO_BE_PERSISTED) return false;
  if (ctx.s.subtreeUnpersisted.get(row.id)) return false;
  deleteSubtree(ctx, row.id, nowMs);
  return true;
}

/**
 * The folders from the mount point down to `path`, made where missing (PERSISTED: a stat of a
 * deep path found them in the under-storage); a PERSISTED file on the way is replaced by its
 * folder. The mount point exists (mount made it; only unmount removes it).
 */
function syncedFolders(ctx: OpContext, mount: MountRecord, path: string, nowMs: number): InodeRow {
  let dir = resolve(ctx.s, mount.path);
  const names = segments(path).slice(segments(mount.path).length);
  for (let i = 0; i < names.length; i++) {
    const at = `${mount.path}/${names.slice(0, i + 1).join("/")}`;
    let next = ctx.s.child.get(dir.id, names[i]!);
    if (next && next.kind !== "dir") {
      if (!removeIfMirrored(ctx, next, nowMs)) throw new NotADirectoryError(`${path}: ${at} is a file in Tessera, not yet persisted.`);
      next = null;
    }
    if (!next) {
      const id = newInodeId(ctx);
      ctx.s.insertUfsFolder.run(id, dir.id, names[i]!, nowMs, dir.owner, dir.grp, DIR_MODE_DEFAULT);
      ctx.meta.directories += 1;
      next = ctx.s.inodeById.get(id)!;
    }
    dir = next;
  }
  return dir;
}

/** The sizes of the chunks of an object of `sizeBytes`: the default chunk size, the last shorter. */
export function placeholderSizes(sizeBytes: number): number[] {
  const count = Math.ceil(sizeBytes / UNDER_STORAGE_CHUNK_SIZE_BYTES);
  if (count > CHUNKS_PER_FILE_MAX) throw new LimitError(`an object of ${sizeBytes} bytes would be ${count} chunks; a file has at most ${CHUNKS_PER_FILE_MAX}.`);
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) sizes.push(Math.min(UNDER_STORAGE_CHUNK_SIZE_BYTES, sizeBytes - i * UNDER_STORAGE_CHUNK_SIZE_BYTES));
  return sizes;
}

/** Placeholder chunk rows (cached nowhere) of `sizes`, with new ids from the meta counter: how many. */
function insertPlaceholders(ctx: OpContext, fileId: number, sizes: readonly number[]): number {
  sizes.forEach((sizeBytes, index) => {
    const chunkId = formatChunkId(ctx.meta.next_chunk_id);
    ctx.meta.next_chunk_id += 1;
    ctx.s.insertChunk.run(fileId, index, chunkId, 1, sizeBytes, 1, "");
  });
  ctx.meta.chunks += sizes.length;
  return sizes.length;
}

/** The file's chunk rows go to the pending deletes and placeholders of `sizes` take their place: how many new. */
function replaceChunks(ctx: OpContext, fileId: number, nowMs: number, sizes: readonly number[]): number {
  const pended = ctx.s.pendFileChunks.run(fileId, nowMs).changes;
  const deleted = ctx.s.deleteFileChunks.run(fileId).changes;
  assert(deleted === pended, "every chunk replaced is pending deletion");
  ctx.meta.chunks -= deleted;
  ctx.meta.pending_deletes += pended;
  return insertPlaceholders(ctx, fileId, sizes);
}

/** MarkPersisted's answer: `persisted` false (and why) when the file changed since the persist began. */
export interface MarkedPersisted {
  persisted: boolean;
  reason?: string;
}

export function markPersisted(ctx: OpContext, c: MarkPersisted): MarkedPersisted {
  const path = normalizePath(c.path);
  validateFileId(c.fileId);
  if (!Number.isSafeInteger(c.lengthBytes) || c.lengthBytes < 0) throw new InvalidArgumentError(`${path}: a length is a non-negative integer of bytes, not ${c.lengthBytes}.`);
  if (c.fingerprint.length === 0 || c.fingerprint.length > FINGERPRINT_CHARS_MAX) throw new InvalidArgumentError(`${path}: a fingerprint is 1..${FINGERPRINT_CHARS_MAX} characters.`);
  const row = lookup(ctx.s, path, ctx.check, ctx.rootRow);
  if (row && ctx.check) ctx.check.access(row, path, WRITE);
  // The persist read the file as it was; if it is another file now, or longer, or open again,
  // the object holds bytes the namespace no longer has: it stays to be persisted again.
  if (!row) return { persisted: false, reason: `${path} does not exist any more.` };
  if (row.id !== c.fileId) return { persisted: false, reason: `${path} is another file now (id ${row.id}, not ${c.fileId}).` };
  if (row.kind !== "file") return { persisted: false, reason: `${path} is a folder now.` };
  if (row.persist_state === null) throw new InvalidArgumentError(`${path} is not under a mount: there is no under-storage to persist it to.`);
  if (row.state !== "closed") return { persisted: false, reason: `${path} is open for writing again.` };
  if (row.length_bytes !== c.lengthBytes) return { persisted: false, reason: `${path} is ${row.length_bytes} bytes now, not the ${c.lengthBytes} persisted.` };
  ctx.s.setPersisted.run(c.fingerprint, row.id);
  return { persisted: true };
}

export function setPinned(ctx: OpContext, c: SetPinned): { files: number } {
  const path = normalizePath(c.path);
  const node = resolveFor(ctx, path, WRITE);
  if (node.persist_state === null) throw new InvalidArgumentError(`${path} is not under a mount: only files of an under-storage are cached, and so pinned.`);
  const pinned = c.pinned ? 1 : 0;
  if (node.kind === "file") {
    ctx.s.setPinned.run(pinned, node.id);
    return { files: 1 };
  }
  // Each file it changes takes WRITE, as a pin of each would.
  const check = ctx.check;
  if (check) for (const row of ctx.s.subtreeFiles.iterate(node.id)) check.access(row, () => pathOf(ctx.s, row.id), WRITE);
  return { files: ctx.s.setPinnedBelow.run(node.id, pinned).changes };
}

/**
 * FreeCache (log.proto): every file at or below `path` gets placeholder chunks with new ids
 * (the same sizes) and its old ids go to the pending deletes, so the garbage collector drops
 * every copy. All or nothing: a file not persisted refuses the whole command (INVALID: its
 * chunks are its only bytes), a pinned one without `force` too (PERMISSION_DENIED: the pin
 * forbids it, `force` overrides).
 */
export function freeCache(ctx: OpContext, c: FreeCache): { files: number; chunks: number } {
  const path = normalizePath(c.path);
  const nowMs = validateTimeMs("nowMs", c.nowMs);
  const node = resolveFor(ctx, path, WRITE);
  if (node.persist_state === null) throw new InvalidArgumentError(`${path} is not under a mount: only files of an under-storage are cached, and so freed.`);
  const files: InodeRow[] = node.kind === "file" ? [node] : ctx.s.subtreeFileRows.all(node.id);
  for (const file of files) {
    const at = () => (file.id === node.id ? path : pathOf(ctx.s, file.id));
    if (ctx.check && file.id !== node.id) ctx.check.access(file, at, WRITE);
    if (file.persist_state !== PERSISTED || file.state === "open") throw new InvalidArgumentError(`${at()} is not persisted: tessera fs persist ${at()} first.`);
    if (file.pinned === 1 && !c.force) throw new PermissionDeniedError(`${at()} is pinned: unpin it (tessera cache unpin ${at()}) or free it with --force.`);
  }
  let chunks = 0;
  for (const file of files) {
    const sizes = ctx.s.chunkSizes.all(file.id).map((row) => row.size_bytes);
    chunks += replaceChunks(ctx, file.id, nowMs, sizes);
  }
  return { files: files.length, chunks };
}
