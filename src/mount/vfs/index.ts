// Tessera's namespace and chunks as a FUSE file system (issue 17, docs/mount.md).
//
// Consistency is close-to-open, as NFS and JuiceFS give: a close (FUSE FLUSH) or fsync commits
// what a handle wrote (FileEditor.flush, through Raft) and answers EIO if it could not; an
// open always asks the masters again, never the attribute cache, and keeps the kernel's page
// cache only when the file is the very version the cache was filled from. Between those points
// attributes and names are trusted for the timeouts the kernel is told (VFS_ATTR_TIMEOUT_MS).
import { CHUNK_SIZE_BYTES_DEFAULT } from "../../protocol/limits.ts";
import { attributesProblem, attributesToWire, type Attributes } from "../../protocol/attributes.ts";
import { basename, NAME_BYTES_MAX, normalizePath, PATH_BYTES_MAX, validateName } from "../../protocol/paths.ts";
import { codeOf } from "../../protocol/errors.ts";
import type { FileEditor, FileEditorOptions, FileRangeReader, StatView } from "../../client/fs.ts";
import { EDITOR_FILE_CHUNKS_MAX } from "../../client/file-editor.ts";
import { Errno, FileType, FuseErrno, type Attr, type AttrAnswer, type DirEntry, type Entry, type FuseFileSystem, type OpenAnswer, RenameFlags, type RequestContext, type SessionInfo, type SetattrChanges, type StatfsAnswer } from "../fuse/operations.ts";
import type { MountReadCache } from "../read-cache.ts";
import { attrOf, fileVersionOf, PERMISSION_BITS, typeBits } from "./attr.ts";
import type { CapacitySource, MountClient } from "./client.ts";
import { cookieOf, DIR_PAGE_ENTRIES, DirStream, DOT_COOKIE, DOTDOT_COOKIE } from "./dir-stream.ts";
import { errnoOf, refuse, toFuseErrno } from "./errno.ts";
import { Identity } from "./identity.ts";
import { NodeTable, ROOT_NODE_ID, type NodeKind, type VfsNode } from "./nodes.ts";
import { ReadAheadBudget, ReadAheadReader } from "./read-ahead.ts";

export type { MountClient, CapacitySource } from "./client.ts";

export interface VfsOptions {
  /** The namespace folder the mount shows as its root ("/" for all). */
  rootPath: string;
  readonly: boolean;
  /** --allow-other: other local users reach the mount; each is mapped to its own namespace user. */
  allowOther: boolean;
  /** How long the kernel may keep attributes and names (default VFS_ATTR_TIMEOUT_MS). */
  attrTimeoutMs?: number;
  entryTimeoutMs?: number;
  readCache?: MountReadCache;
  /** For log lines (the daemon's log file). */
  log?(line: string): void;
  /**
   * The cluster's capacity for statfs (`df`): the CLI passes its ClusterClient's
   * `() => admin.report()`. Absent: statfs answers STATFS_UNKNOWN_BYTES free of as much.
   */
  capacity?: CapacitySource;
  /** Local users and groups (default: /etc/passwd and /etc/group, read once). */
  identity?: Identity;
}

export const VFS_ATTR_TIMEOUT_MS = 1_000;
/** How long a statfs answer is reused (`df` in a loop, and programs that ask before each write). */
export const STATFS_CACHE_MS = 1_000;
/** statfs's capacity when the mount was given no way to ask the cluster: 1 PiB, so space checks pass. */
export const STATFS_UNKNOWN_BYTES = 2 ** 50;
/** statfs's block unit: df's 1K-blocks divide it exactly. */
const STATFS_BLOCK_BYTES = 4096;
/** Inodes statfs reports free: the namespace has no fixed table. */
const STATFS_FILES_FREE = 2 ** 32;
/**
 * The most chunks a file may have: the masters' bound (CHUNKS_PER_FILE_MAX), as the editor
 * knows it. A write or truncate past it × the file's chunk size answers EFBIG here, before
 * anything is sent.
 */
export const FILE_CHUNKS_MAX = EDITOR_FILE_CHUNKS_MAX;
/** Per-user clients kept (one per local uid that used the mount). */
const USER_CLIENTS_MAX = 1_024;
/** Names answered ENOENT locally, at most this many (the table is emptied when full). */
const NEGATIVE_ENTRIES_MAX = 10_000;
/**
 * Entries the first readdir of a folder answers. The kernel's buffer is a page on older
 * kernels and 1 MiB on recent ones, and the session packs what fits (a readdirplus entry
 * not packed is a lookup counted for nothing), so each folder handle learns it: the next
 * answer doubles while the kernel takes all, and shrinks to what it took when it did not.
 */
const READDIR_BATCH_FIRST = 128;
const READDIR_BATCH_MIN = 16;

// open(2) flags (asm-generic/fcntl.h) and setxattr(2) flags (linux/xattr.h).
const O_ACCMODE = 0o3;
const O_RDONLY = 0o0;
const O_WRONLY = 0o1;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const XATTR_CREATE = 1;
const XATTR_REPLACE = 2;
/** The one xattr namespace stored (as the node's attributes, without the prefix). */
const USER_XATTR_PREFIX = "user.";

/** The file system a FUSE session serves for `client` (a FileSystemClient, or its test twin). */
export function createTesseraFileSystem(client: MountClient, options: VfsOptions): FuseFileSystem {
  return new TesseraFileSystem(client, options);
}

interface FileHandle {
  fh: number;
  nodeId: number;
  client: MountClient;
  writable: boolean;
  /** The file's status at open (its chunk size bounds writes). */
  stat: StatView;
  /** Reads when no editor is open on the node; opened at open, or lazily after an editor closed. */
  reader?: ReadAheadReader;
}

interface DirHandle {
  fh: number;
  nodeId: number;
  stream: DirStream;
  /** Entries the next answer holds at most, and the last answer's first position and count. */
  batch: number;
  lastFrom: number;
  lastCount: number;
}

class TesseraFileSystem implements FuseFileSystem {
  private readonly nodes = new NodeTable((id) => this.stats.delete(id));
  private readonly rootPath: string;
  private readonly attrValidMs: number;
  private readonly entryValidMs: number;
  private readonly identity: Identity;
  private readonly users = new Map<string, MountClient>();
  /** The last status of each node and when it stops being trusted (performance.now() ms). */
  private readonly stats = new Map<number, { stat: StatView; expiresAtMs: number }>();
  /** parent NUL name → when a "no such name" answer stops being trusted. */
  private readonly negative = new Map<string, number>();
  private readonly files = new Map<number, FileHandle>();
  private readonly dirs = new Map<number, DirHandle>();
  private nextFh = 1;
  private readonly budget = new ReadAheadBudget();
  private statfsAnswer: { answer: StatfsAnswer; atMs: number } | undefined;
  /** The nodes with an editor (renames look for the ones they move, unmount closes them). */
  private readonly editing = new Set<VfsNode>();
  /** Editors being closed, by node: a new writer of the file waits until the old editor let it go. */
  private readonly closing = new Map<number, Promise<void>>();

  constructor(
    private readonly client: MountClient,
    private readonly options: VfsOptions,
  ) {
    this.rootPath = normalizePath(options.rootPath);
    this.attrValidMs = options.attrTimeoutMs ?? VFS_ATTR_TIMEOUT_MS;
    this.entryValidMs = options.entryTimeoutMs ?? VFS_ATTR_TIMEOUT_MS;
    this.identity = options.identity ?? Identity.ofSystem();
  }

  init(info: SessionInfo): void {
    void info;
  }

  async destroy(): Promise<void> {
    for (const dir of this.dirs.values()) await dir.stream.close().catch(() => undefined);
    this.dirs.clear();
    for (const node of [...this.editing]) {
      await this.closeEditor(node).catch((err: unknown) => this.log(`could not close ${node.name} at unmount: ${(err as Error).message}`));
    }
  }

  // --- names ----------------------------------------------------------------------------------

  async lookup(ctx: RequestContext, parent: number, name: string): Promise<Entry> {
    return this.guard(async () => {
      if (Buffer.byteLength(name, "utf8") > NAME_BYTES_MAX) throw refuse(Errno.ENAMETOOLONG, `a name is at most ${NAME_BYTES_MAX} bytes`);
      // A name the namespace cannot hold names nothing.
      if (!isValidName(name)) throw refuse(Errno.ENOENT, `no entry ${JSON.stringify(name)}`);
      const key = negativeKey(parent, name);
      const negativeUntil = this.negative.get(key);
      if (negativeUntil !== undefined) {
        if (negativeUntil > performance.now()) throw refuse(Errno.ENOENT, `no entry ${name}`);
        this.negative.delete(key);
      }
      const path = this.childPath(parent, name);
      let stat: StatView;
      try {
        stat = await this.clientOf(ctx).stat(path);
      } catch (err) {
        if (codeOf(err) === "NOT_FOUND") this.rememberMissing(key);
        throw err;
      }
      return this.entryOf(this.bindStat(parent, name, stat), stat);
    });
  }

  forget(nodeId: number, lookups: number): void {
    this.nodes.forget(nodeId, lookups);
  }

  async getattr(ctx: RequestContext, nodeId: number, fh: number | undefined): Promise<AttrAnswer> {
    return this.guard(async () => {
      const node = this.nodes.require(nodeId);
      if (node.detached) {
        // Unlinked while open: what was last known of it.
        const known = this.stats.get(nodeId)?.stat ?? (fh !== undefined ? this.files.get(fh)?.stat : undefined);
        if (!known) throw refuse(Errno.ESTALE, `node ${nodeId} was removed`);
        return { attr: this.attrOfNode(node, known), attrValidMs: this.attrValidMs };
      }
      const stat = await this.statOf(ctx, node);
      return { attr: this.attrOfNode(node, stat), attrValidMs: this.validMsOf(node.id) };
    });
  }

  async setattr(ctx: RequestContext, nodeId: number, changes: SetattrChanges, fh: number | undefined): Promise<AttrAnswer> {
    return this.guard(async () => {
      this.refuseReadonly();
      const node = this.nodes.require(nodeId);
      if (node.detached && node.editor && onlySize(changes)) {
        // ftruncate of a file unlinked while open (a temporary file): its editor is all it has.
        this.refuseTooLarge(changes.sizeBytes!, undefined);
        const editor = await node.editor;
        await editor.truncate(changes.sizeBytes!);
        const known = this.stats.get(nodeId)?.stat ?? (fh !== undefined ? this.files.get(fh)?.stat : undefined);
        if (!known) throw refuse(Errno.ESTALE, `node ${nodeId} was removed`);
        return { attr: this.attrOfNode(node, known), attrValidMs: this.attrValidMs };
      }
      const path = this.pathOf(nodeId);
      const client = fh !== undefined ? (this.files.get(fh)?.client ?? this.clientOf(ctx)) : this.clientOf(ctx);
      // The answer is the fresh status the node had with these changes laid over, when nothing
      // else changed the file meanwhile: no stat after each of tar's utimens, chown and chmod.
      const cached = this.stats.get(nodeId);
      let base = cached && cached.expiresAtMs > performance.now() ? cached : undefined;
      if (changes.sizeBytes !== undefined) {
        if (node.kind === "dir") throw refuse(Errno.EISDIR, `${path} is a folder`);
        this.refuseTooLarge(changes.sizeBytes, cached?.stat.chunkSize);
        node.pageCacheVersion = undefined;
        // A file this mount has open for writing is cut in its editor (committed with the
        // writes, by the next flush); any other is cut in the namespace now (a new time).
        if (node.editor || node.writers > 0) {
          await (await this.editorOf(node, client, path)).truncate(changes.sizeBytes);
        } else {
          await client.truncate(path, changes.sizeBytes).catch(rethrowLimitAs(Errno.EFBIG));
          base = undefined;
        }
      }
      const patch: Partial<StatView> = {};
      const commands: Array<Promise<void>> = [];
      if (changes.mode !== undefined && node.kind !== "symlink") {
        const permission = changes.mode & PERMISSION_BITS;
        if (permission !== base?.stat.permission) commands.push(client.chmod(path, permission));
        patch.permission = permission;
      }
      if (changes.uid !== undefined || changes.gid !== undefined) {
        const owner = changes.uid !== undefined ? this.identity.ownerNameOf(changes.uid) : undefined;
        const group = changes.gid !== undefined ? this.identity.groupNameOf(changes.gid) : undefined;
        // chown to the owner it has already (cp -p, rsync -a, tar as that user) needs no right
        // to give files away: not asked.
        const newOwner = owner !== undefined && owner !== cached?.stat.owner ? owner : undefined;
        const newGroup = group !== undefined && group !== cached?.stat.group ? group : undefined;
        if (newOwner !== undefined || newGroup !== undefined) commands.push(client.chown(path, newOwner, newGroup));
        if (owner !== undefined) patch.owner = owner;
        if (group !== undefined) patch.group = group;
      }
      if (changes.mtimeMs !== undefined || changes.atimeMs !== undefined) {
        // A flush after this would stamp its own time: the writes so far are committed first,
        // so the times set here are the file's last (cp -p and tar set them before they close).
        if (node.openEditor?.dirty) {
          await this.flushEditor(node);
          if (changes.mtimeMs === undefined) base = undefined;
        }
        const nowMs = Date.now();
        const mtimeMs = changes.mtimeMs === "now" ? nowMs : changes.mtimeMs;
        const accessTimeMs = changes.atimeMs === "now" ? nowMs : changes.atimeMs;
        commands.push(client.setTimes(path, { ...(mtimeMs !== undefined ? { mtimeMs } : {}), ...(accessTimeMs !== undefined ? { accessTimeMs } : {}) }));
        if (mtimeMs !== undefined) patch.mtimeMs = mtimeMs;
        if (accessTimeMs !== undefined) patch.accessTimeMs = accessTimeMs;
      }
      // Independent commands of one setattr (touch -d sets both times; chown owner and
      // group) go together: the leader commits them in one round.
      await Promise.all(commands);
      if (base) {
        const stat = { ...base.stat, ...patch };
        this.stats.set(nodeId, { stat, expiresAtMs: base.expiresAtMs });
        return { attr: this.attrOfNode(node, stat), attrValidMs: Math.max(0, Math.round(base.expiresAtMs - performance.now())) };
      }
      this.stats.delete(nodeId);
      const stat = await this.statOf(ctx, node);
      return { attr: this.attrOfNode(node, stat), attrValidMs: this.attrValidMs };
    });
  }

  async readlink(ctx: RequestContext, nodeId: number): Promise<string> {
    return this.guard(async () => {
      const node = this.nodes.require(nodeId);
      if (node.kind !== "symlink") throw refuse(Errno.EINVAL, `node ${nodeId} is not a symbolic link`);
      const known = this.stats.get(nodeId);
      if (known && known.expiresAtMs > performance.now() && known.stat.symlinkTarget !== undefined) return known.stat.symlinkTarget;
      return this.clientOf(ctx).readlink(this.pathOf(nodeId));
    });
  }

  async symlink(ctx: RequestContext, parent: number, name: string, target: string): Promise<Entry> {
    return this.guard(async () => {
      this.refuseReadonly();
      const path = this.childPath(parent, name);
      const client = this.clientOf(ctx);
      let stat = await client.symlink(target, path);
      if (stat.fileId === undefined) stat = await client.stat(path);
      this.changedIn(parent, name);
      return this.entryOf(this.bindStat(parent, name, stat), stat);
    });
  }

  async mknod(ctx: RequestContext, parent: number, name: string, mode: number, rdev: number, umask: number): Promise<Entry> {
    void rdev;
    return this.guard(async () => {
      this.refuseReadonly();
      // Devices, fifos and sockets have no place in the namespace; a plain file does (mknod(2)
      // with S_IFREG, which the kernel sends only to a file system without create).
      if ((mode & FileType.S_IFMT) !== FileType.S_IFREG) throw refuse(Errno.EPERM, "Tessera holds files, folders and symbolic links only: no devices, fifos or sockets");
      const path = this.childPath(parent, name);
      const stat = await this.clientOf(ctx).put(new Uint8Array(0), path, { permission: mode & ~umask & 0o777 });
      this.changedIn(parent, name);
      return this.entryOf(this.bindStat(parent, name, stat), stat);
    });
  }

  async mkdir(ctx: RequestContext, parent: number, name: string, mode: number, umask: number): Promise<Entry> {
    return this.guard(async () => {
      this.refuseReadonly();
      const path = this.childPath(parent, name);
      const client = this.clientOf(ctx);
      await client.mkdir(path, { permission: mode & ~umask & PERMISSION_BITS });
      const stat = await client.stat(path);
      this.changedIn(parent, name);
      return this.entryOf(this.bindStat(parent, name, stat), stat);
    });
  }

  async unlink(ctx: RequestContext, parent: number, name: string): Promise<void> {
    return this.guard(async () => {
      this.refuseReadonly();
      const path = this.childPath(parent, name);
      const client = this.clientOf(ctx);
      // rm removes an empty folder too: unlink(2) of one is EISDIR.
      if ((await this.kindAt(client, parent, name, path)) === "dir") throw refuse(Errno.EISDIR, `${path} is a folder`);
      await client.rm(path);
      this.removedFrom(parent, name);
    });
  }

  async rmdir(ctx: RequestContext, parent: number, name: string): Promise<void> {
    return this.guard(async () => {
      this.refuseReadonly();
      const path = this.childPath(parent, name);
      const client = this.clientOf(ctx);
      if ((await this.kindAt(client, parent, name, path)) !== "dir") throw refuse(Errno.ENOTDIR, `${path} is not a folder`);
      await client.rm(path);
      this.removedFrom(parent, name);
    });
  }

  async rename(ctx: RequestContext, parent: number, name: string, newParent: number, newName: string, flags: number): Promise<void> {
    return this.guard(async () => {
      this.refuseReadonly();
      if (flags & RenameFlags.EXCHANGE) throw refuse(Errno.EINVAL, "the namespace cannot swap two names in one step (RENAME_EXCHANGE)");
      if (flags & ~RenameFlags.NOREPLACE) throw refuse(Errno.EINVAL, `unknown rename flags ${flags}`);
      const source = this.childPath(parent, name);
      const destination = this.childPath(newParent, newName);
      if (source === destination) return;
      const client = this.clientOf(ctx);
      // An editor commits to its file's path: what is written under the old name is committed
      // there first, and the next write opens an editor at the new name.
      await this.closeEditorsUnder(source);
      if (flags & RenameFlags.NOREPLACE) {
        await client.mv(source, destination);
      } else {
        await this.renameReplacing(client, parent, name, source, newParent, newName, destination);
      }
      // The node keeps its id (its fileId) under the new name; one replaced there is detached.
      const moved = this.nodes.child(parent, name);
      const replaced = this.nodes.child(newParent, newName);
      if (moved) this.nodes.move(moved.id, newParent, newName);
      else if (replaced) this.nodes.detach(replaced.id);
      this.stats.delete(parent);
      this.changedIn(newParent, newName);
    });
  }

  async link(ctx: RequestContext, nodeId: number, newParent: number, newName: string): Promise<Entry> {
    void ctx;
    void nodeId;
    void newParent;
    void newName;
    throw refuse(Errno.EPERM, "Tessera has no hard links: a file has one name");
  }

  // --- files ----------------------------------------------------------------------------------

  async open(ctx: RequestContext, nodeId: number, flags: number): Promise<OpenAnswer> {
    return this.guard(async () => {
      const access = flags & O_ACCMODE;
      const writable = access !== O_RDONLY;
      if (this.options.readonly && (writable || flags & O_TRUNC)) throw refuse(Errno.EROFS, "the mount is read-only");
      const node = this.nodes.require(nodeId);
      if (node.kind === "dir") throw refuse(Errno.EISDIR, `node ${nodeId} is a folder`);
      const path = this.pathOf(nodeId);
      const client = this.clientOf(ctx);
      // Close-to-open: an open asks the masters again, whatever the attribute cache holds.
      let stat: StatView;
      let reader: FileRangeReader | undefined;
      if (node.editor || access === O_WRONLY) {
        stat = await client.stat(path);
      } else {
        ({ stat, reader } = await client.statAndOpen(path));
      }
      this.checkSameFile(node, stat, path);
      this.remember(node.id, stat);
      const version = fileVersionOf(stat);
      const keepCache = !writable && node.writers === 0 && !node.editor && node.pageCacheVersion === version;
      node.pageCacheVersion = writable || node.editor ? undefined : version;
      const handle: FileHandle = { fh: this.nextFh++, nodeId, client, writable, stat };
      if (reader) handle.reader = this.readAheadOf(stat, reader);
      node.opens += 1;
      if (writable) node.writers += 1;
      this.files.set(handle.fh, handle);
      if (writable && flags & O_TRUNC) {
        try {
          await this.truncateAtOpen(node, client, path);
        } catch (err) {
          await this.release(ctx, nodeId, handle.fh, flags).catch(() => undefined);
          throw err;
        }
      }
      return { fh: handle.fh, ...(keepCache ? { keepCache: true } : {}) };
    });
  }

  async create(ctx: RequestContext, parent: number, name: string, mode: number, umask: number, flags: number): Promise<{ entry: Entry; open: OpenAnswer }> {
    return this.guard(async () => {
      this.refuseReadonly();
      const path = this.childPath(parent, name);
      const client = this.clientOf(ctx);
      const known = this.nodes.child(parent, name);
      let node: VfsNode;
      let opened: FileEditor | undefined;
      if (known?.editor && !known.detached) {
        // This mount is writing that file already: its editor serves this handle too.
        if (flags & O_EXCL) throw refuse(Errno.EEXIST, `${path} exists`);
        node = known;
        if (flags & O_TRUNC) await (await this.editorOf(node, client, path)).truncate(0);
      } else {
        await this.closing.get(known?.id ?? -1);
        // The kernel sends CREATE after a lookup found nothing: create first, stat only on a race.
        const options: FileEditorOptions = { create: true, missing: true, permission: mode & ~umask & 0o777, ...(flags & O_EXCL ? { exclusive: true } : {}), ...(flags & O_TRUNC ? { truncate: true } : {}) };
        opened = await client.openEditor(path, options);
        node = this.nodes.bind(parent, name, opened.fileId, "file");
        node.editor = Promise.resolve(opened);
        this.editing.add(node);
        node.openEditor = opened;
      }
      node.pageCacheVersion = undefined;
      let stat: StatView;
      try {
        stat = await client.stat(path);
        this.checkSameFile(node, stat, path);
      } catch (err) {
        // No handle will ever release the editor opened here: it goes now.
        if (opened && node.openEditor === opened) await this.closeEditor(node).catch(() => undefined);
        throw err;
      }
      this.remember(node.id, stat);
      this.changedIn(parent, name);
      const entry = this.entryOf(node, stat);
      const writable = (flags & O_ACCMODE) !== O_RDONLY;
      const handle: FileHandle = { fh: this.nextFh++, nodeId: node.id, client, writable, stat };
      node.opens += 1;
      if (writable) node.writers += 1;
      this.files.set(handle.fh, handle);
      return { entry, open: { fh: handle.fh } };
    });
  }

  async read(ctx: RequestContext, nodeId: number, fh: number, offsetBytes: number, sizeBytes: number): Promise<Uint8Array> {
    void ctx;
    return this.guard(async () => {
      const handle = this.handleOf(fh, nodeId);
      const node = this.nodes.require(nodeId);
      // This mount's own unflushed writes are in the editor, and only there.
      if (node.editor) return (await node.editor).read(offsetBytes, sizeBytes);
      if (!handle.reader) {
        const { stat, reader } = await handle.client.statAndOpen(this.pathOf(nodeId));
        if (!reader) throw refuse(Errno.EISDIR, `node ${nodeId} is not a file`);
        this.checkSameFile(node, stat, reader.path);
        handle.reader = this.readAheadOf(stat, reader);
      }
      return handle.reader.read(offsetBytes, sizeBytes);
    });
  }

  async write(ctx: RequestContext, nodeId: number, fh: number, offsetBytes: number, data: Uint8Array, flags: number): Promise<number> {
    void ctx;
    void flags;
    return this.guard(async () => {
      const handle = this.handleOf(fh, nodeId);
      if (!handle.writable) throw refuse(Errno.EBADF, `handle ${fh} is not open for writing`);
      this.refuseTooLarge(offsetBytes + data.length, handle.stat.chunkSize);
      const node = this.nodes.require(nodeId);
      // A file unlinked while open keeps the editor it had; without one, its path names
      // nothing of it any more (or another file): ESTALE from pathOf.
      const editor = node.editor ? await node.editor : await this.editorOf(node, handle.client, this.pathOf(nodeId));
      node.pageCacheVersion = undefined;
      await editor.write(offsetBytes, data).catch(rethrowLimitAs(Errno.EFBIG));
      return data.length;
    });
  }

  async flush(ctx: RequestContext, nodeId: number, fh: number): Promise<void> {
    void ctx;
    return this.guard(async () => {
      const handle = this.handleOf(fh, nodeId);
      const node = this.nodes.require(nodeId);
      // Every close of a writer commits (close-to-open); a reader's close leaves the writers' bytes to them.
      if (handle.writable && node.editor) await this.flushEditor(node);
    });
  }

  async fsync(ctx: RequestContext, nodeId: number, fh: number, dataOnly: boolean): Promise<void> {
    void ctx;
    void dataOnly;
    return this.guard(async () => {
      this.handleOf(fh, nodeId);
      const node = this.nodes.require(nodeId);
      if (node.editor) await this.flushEditor(node);
    });
  }

  async release(ctx: RequestContext, nodeId: number, fh: number, flags: number): Promise<void> {
    void ctx;
    void flags;
    return this.guard(async () => {
      const handle = this.files.get(fh);
      if (!handle) return;
      this.files.delete(fh);
      handle.reader?.close();
      const node = this.nodes.get(handle.nodeId);
      if (!node) return;
      node.opens -= 1;
      if (handle.writable) node.writers -= 1;
      try {
        // The last writer gone: the editor commits what is left and lets the file go.
        if (node.writers === 0 && node.editor) await this.closeEditor(node);
      } finally {
        this.nodes.dropIfUnused(node);
      }
    });
  }

  // --- folders --------------------------------------------------------------------------------

  async opendir(ctx: RequestContext, nodeId: number, flags: number): Promise<OpenAnswer> {
    void flags;
    return this.guard(async () => {
      const node = this.nodes.require(nodeId);
      if (node.kind !== "dir") throw refuse(Errno.ENOTDIR, `node ${nodeId} is not a folder`);
      const handle: DirHandle = { fh: this.nextFh++, nodeId, stream: new DirStream(this.clientOf(ctx), this.pathOf(nodeId)), batch: READDIR_BATCH_FIRST, lastFrom: -1, lastCount: 0 };
      node.opens += 1;
      this.dirs.set(handle.fh, handle);
      return { fh: handle.fh };
    });
  }

  async readdir(ctx: RequestContext, nodeId: number, fh: number, cookie: number, plus: boolean): Promise<DirEntry[]> {
    void ctx;
    return this.guard(async () => {
      const dir = this.dirs.get(fh);
      if (!dir || dir.nodeId !== nodeId) throw refuse(Errno.EBADF, `no open folder ${fh}`);
      const node = this.nodes.require(nodeId);
      const out: DirEntry[] = [];
      // "." and ".." carry no entry in readdirplus: the kernel takes no lookup of them.
      if (cookie < DOT_COOKIE) out.push({ name: ".", ino: nodeId, type: FileType.S_IFDIR, cookie: DOT_COOKIE });
      if (cookie < DOTDOT_COOKIE) out.push({ name: "..", ino: nodeId === ROOT_NODE_ID ? ROOT_NODE_ID : node.parent, type: FileType.S_IFDIR, cookie: DOTDOT_COOKIE });
      // The entry at position p has cookie p + 3: a cookie names the entry just read, so the
      // next position is one past it.
      const from = cookie <= DOTDOT_COOKIE ? 0 : cookie - DOTDOT_COOKIE;
      if (dir.lastCount > 0 && from === dir.lastFrom + dir.lastCount) dir.batch = Math.min(dir.batch * 2, DIR_PAGE_ENTRIES);
      else if (from > dir.lastFrom && from < dir.lastFrom + dir.lastCount) dir.batch = Math.max(READDIR_BATCH_MIN, from - dir.lastFrom);
      const { position, entries } = await dir.stream.entriesFrom(from, dir.batch);
      dir.lastFrom = position;
      dir.lastCount = entries.length;
      entries.forEach((stat, i) => {
        if (stat.fileId === undefined) return;
        const name = basename(stat.path);
        const entry: DirEntry = { name, ino: this.nodes.nodeIdOf(stat.fileId), type: typeBits(stat.kind), cookie: cookieOf(position + i) };
        if (plus && !node.detached) {
          const child = this.bindStat(nodeId, name, stat);
          entry.entry = this.entryOf(child, stat);
        }
        out.push(entry);
      });
      return out;
    });
  }

  async releasedir(ctx: RequestContext, nodeId: number, fh: number): Promise<void> {
    void ctx;
    return this.guard(async () => {
      const dir = this.dirs.get(fh);
      if (!dir) return;
      this.dirs.delete(fh);
      await dir.stream.close();
      const node = this.nodes.get(nodeId);
      if (!node) return;
      node.opens -= 1;
      this.nodes.dropIfUnused(node);
    });
  }

  async statfs(ctx: RequestContext, nodeId: number): Promise<StatfsAnswer> {
    void ctx;
    void nodeId;
    return this.guard(async () => {
      const cached = this.statfsAnswer;
      if (cached && performance.now() - cached.atMs < STATFS_CACHE_MS) return cached.answer;
      let report: Awaited<ReturnType<CapacitySource>>;
      try {
        report = this.options.capacity ? await this.options.capacity() : { capacityBytes: STATFS_UNKNOWN_BYTES, remainingBytes: STATFS_UNKNOWN_BYTES, usedBytes: 0 };
      } catch (err) {
        // Programs ask statfs before they write (space checks): while the cluster cannot
        // answer (between leaders), the last answer serves rather than failing them.
        if (cached) return cached.answer;
        throw err;
      }
      const free = Math.floor(report.remainingBytes / STATFS_BLOCK_BYTES);
      const answer: StatfsAnswer = {
        blocks: Math.floor(report.capacityBytes / STATFS_BLOCK_BYTES),
        blocksFree: free,
        blocksAvailable: free,
        files: ("files" in report ? (report.files ?? 0) : 0) + STATFS_FILES_FREE,
        filesFree: STATFS_FILES_FREE,
        blockSizeBytes: STATFS_BLOCK_BYTES,
        nameLengthMax: NAME_BYTES_MAX,
      };
      this.statfsAnswer = { answer, atMs: performance.now() };
      return answer;
    });
  }

  // --- extended attributes: user.* are the node's attributes -----------------------------------

  async getxattr(ctx: RequestContext, nodeId: number, name: string): Promise<Uint8Array> {
    // The kernel asks security.capability before every write: answered here, never sent.
    if (!name.startsWith(USER_XATTR_PREFIX)) throw refuse(Errno.ENODATA, `no attribute ${name}`);
    return this.guard(async () => {
      const stat = await this.statOf(ctx, this.nodes.require(nodeId));
      const value = stat.attributes[name.slice(USER_XATTR_PREFIX.length)];
      if (value === undefined) throw refuse(Errno.ENODATA, `no attribute ${name}`);
      return new TextEncoder().encode(value);
    });
  }

  async listxattr(ctx: RequestContext, nodeId: number): Promise<string[]> {
    return this.guard(async () => {
      const stat = await this.statOf(ctx, this.nodes.require(nodeId));
      return Object.keys(stat.attributes).map((key) => USER_XATTR_PREFIX + key);
    });
  }

  async setxattr(ctx: RequestContext, nodeId: number, name: string, value: Uint8Array, flags: number): Promise<void> {
    if (!name.startsWith(USER_XATTR_PREFIX)) throw refuse(Errno.ENOTSUP, `only user.* attributes are stored, not ${name}`);
    return this.guard(async () => {
      this.refuseReadonly();
      const key = name.slice(USER_XATTR_PREFIX.length);
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(value);
      } catch {
        throw refuse(Errno.EINVAL, `the value of ${name} is not UTF-8 text, which is all the namespace's attributes hold`);
      }
      await this.changeAttributes(ctx, nodeId, (attributes) => {
        if (flags & XATTR_CREATE && key in attributes) throw refuse(Errno.EEXIST, `${name} exists`);
        if (flags & XATTR_REPLACE && !(key in attributes)) throw refuse(Errno.ENODATA, `no attribute ${name}`);
        return { ...attributes, [key]: text };
      });
    });
  }

  async removexattr(ctx: RequestContext, nodeId: number, name: string): Promise<void> {
    if (!name.startsWith(USER_XATTR_PREFIX)) throw refuse(Errno.ENODATA, `no attribute ${name}`);
    return this.guard(async () => {
      this.refuseReadonly();
      const key = name.slice(USER_XATTR_PREFIX.length);
      await this.changeAttributes(ctx, nodeId, (attributes) => {
        if (!(key in attributes)) throw refuse(Errno.ENODATA, `no attribute ${name}`);
        const { [key]: removed, ...rest } = attributes;
        void removed;
        return rest;
      });
    });
  }

  // --- helpers --------------------------------------------------------------------------------

  /** Runs an operation, answering its failure as an errno (unexpected ones are logged). */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const answer = toFuseErrno(err);
      if (!(err instanceof FuseErrno) && answer.errno === Errno.EIO) this.log(`answered EIO: ${answer.message}`);
      throw answer;
    }
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** The client acting for the caller: uid 0 is the mount's own (the superuser), others their names. */
  private clientOf(ctx: RequestContext): MountClient {
    const user = this.identity.userOf(ctx.uid);
    if (user === undefined) return this.client;
    let client = this.users.get(user);
    if (!client) {
      // One client per local user (its own writer id); bounded by the machine's users,
      // and emptied should a flood of distinct uids ever fill it.
      if (this.users.size >= USER_CLIENTS_MAX) this.users.clear();
      client = this.client.withUser(user);
      this.users.set(user, client);
    }
    return client;
  }

  private refuseReadonly(): void {
    if (this.options.readonly) throw refuse(Errno.EROFS, "the mount is read-only");
  }

  /** EFBIG for a file length past the namespace's bound (chunks per file × the file's chunk size). */
  private refuseTooLarge(endBytes: number, chunkSizeBytes: number | undefined): void {
    const maxBytes = FILE_CHUNKS_MAX * (chunkSizeBytes || CHUNK_SIZE_BYTES_DEFAULT);
    if (endBytes > maxBytes) throw refuse(Errno.EFBIG, `a file holds at most ${maxBytes} bytes (${FILE_CHUNKS_MAX} chunks)`);
  }

  private pathOf(nodeId: number): string {
    return this.nodes.pathOf(nodeId, this.rootPath);
  }

  /**
   * The path of `name` in folder `parent`: ENAMETOOLONG or EINVAL for a name the namespace
   * cannot hold, checked here, so a bad name costs no round trip.
   */
  private childPath(parent: number, name: string): string {
    if (Buffer.byteLength(name, "utf8") > NAME_BYTES_MAX) throw refuse(Errno.ENAMETOOLONG, `a name is at most ${NAME_BYTES_MAX} bytes`);
    const folder = this.pathOf(parent);
    if (this.nodes.require(parent).kind !== "dir") throw refuse(Errno.ENOTDIR, `${folder} is not a folder`);
    validateName(name);
    const path = folder === "/" ? `/${name}` : `${folder}/${name}`;
    if (Buffer.byteLength(path, "utf8") > PATH_BYTES_MAX) throw refuse(Errno.ENAMETOOLONG, `a path is at most ${PATH_BYTES_MAX} bytes`);
    return path;
  }

  /** The status of a node: the cached one while it is fresh, else asked (and checked to be the same file). */
  private async statOf(ctx: RequestContext, node: VfsNode): Promise<StatView> {
    const cached = this.stats.get(node.id);
    if (cached && cached.expiresAtMs > performance.now()) return cached.stat;
    const path = this.pathOf(node.id);
    const stat = await this.clientOf(ctx).stat(path);
    this.checkSameFile(node, stat, path);
    this.remember(node.id, stat);
    return stat;
  }

  /**
   * How long the kernel may keep what the stat cache holds of a node: what is left of its
   * lifetime, so the two caches together never hold an answer longer than the timeout.
   */
  private validMsOf(nodeId: number): number {
    const cached = this.stats.get(nodeId);
    return cached ? Math.max(0, Math.round(cached.expiresAtMs - performance.now())) : 0;
  }

  /** The path names another file now (replaced by another client): this node is stale. */
  private checkSameFile(node: VfsNode, stat: StatView, path: string): void {
    if (stat.fileId === undefined) throw refuse(Errno.EIO, `the namespace answered ${path} without its fileId`);
    if (node.id === ROOT_NODE_ID) {
      this.nodes.setRootFileId(stat.fileId);
      return;
    }
    if (this.nodes.nodeIdOf(stat.fileId) !== node.id) {
      this.nodes.detach(node.id);
      this.stats.delete(node.id);
      throw refuse(Errno.ESTALE, `${path} was replaced by another file`);
    }
  }

  private remember(nodeId: number, stat: StatView): void {
    this.stats.set(nodeId, { stat, expiresAtMs: performance.now() + this.attrValidMs });
  }

  private rememberMissing(key: string): void {
    if (this.entryValidMs <= 0) return;
    if (this.negative.size >= NEGATIVE_ENTRIES_MAX) this.negative.clear();
    this.negative.set(key, performance.now() + this.entryValidMs);
  }

  /** The node `stat` describes at `name` in `parent`, with its status remembered. */
  private bindStat(parent: number, name: string, stat: StatView): VfsNode {
    if (stat.fileId === undefined) throw refuse(Errno.EIO, `the namespace answered ${stat.path} without its fileId`);
    const node = this.nodes.bind(parent, name, stat.fileId, stat.kind);
    this.remember(node.id, stat);
    return node;
  }

  /** An entry of the node for the kernel: counts one lookup. */
  private entryOf(node: VfsNode, stat: StatView): Entry {
    node.lookups += 1;
    return { nodeId: node.id, generation: 0, attr: this.attrOfNode(node, stat), entryValidMs: this.entryValidMs, attrValidMs: this.attrValidMs };
  }

  /** A node's attributes: a file this mount is writing has its editor's length. */
  private attrOfNode(node: VfsNode, stat: StatView): Attr {
    const editor = node.openEditor;
    return attrOf(node.id, stat, this.identity, editor ? editor.sizeBytes : undefined);
  }

  /** Something was made or moved to `name` in `parent`: its listing and "no such name" are stale. */
  private changedIn(parent: number, name: string): void {
    this.stats.delete(parent);
    this.negative.delete(negativeKey(parent, name));
  }

  private removedFrom(parent: number, name: string): void {
    this.stats.delete(parent);
    const node = this.nodes.child(parent, name);
    if (node) this.nodes.detach(node.id);
  }

  /** The kind of what is at `name` in `parent`: the kernel looked it up first, so the table knows it most often. */
  private async kindAt(client: MountClient, parent: number, name: string, path: string): Promise<NodeKind> {
    const known = this.nodes.child(parent, name);
    if (known) return known.kind;
    return (await client.stat(path)).kind;
  }

  /**
   * rename(2) without flags: a file at the destination is replaced in one commit (mv
   * replace). A folder there is replaced only when empty, as POSIX says; the namespace's
   * rename does not replace folders, so the empty one is removed first (not atomic: a
   * crash between leaves the destination free and the source where it was).
   */
  private async renameReplacing(client: MountClient, parent: number, name: string, source: string, newParent: number, newName: string, destination: string): Promise<void> {
    const sourceKind = await this.kindAt(client, parent, name, source);
    let targetKind: NodeKind | undefined = this.nodes.child(newParent, newName)?.kind;
    // mv replaces a file with anything: a folder must not replace a file (ENOTDIR), so
    // before moving a folder, what is at the destination is looked at.
    if (targetKind === undefined && sourceKind === "dir") targetKind = await this.kindAt(client, newParent, newName, destination).catch(absentIfNotFound);
    for (let attempt = 0; ; attempt++) {
      if (targetKind === "dir") {
        if (sourceKind !== "dir") throw refuse(Errno.EISDIR, `${destination} is a folder`);
        await client.rm(destination).catch((err: unknown) => {
          // Gone meanwhile: the rename below takes the name.
          if (codeOf(err) !== "NOT_FOUND") throw err;
        });
        this.removedFrom(newParent, newName);
      } else if (targetKind !== undefined && sourceKind === "dir") {
        throw refuse(Errno.ENOTDIR, `${destination} is not a folder`);
      }
      try {
        await client.mv(source, destination, { replace: true });
        return;
      } catch (err) {
        // A folder the table did not know of is at the destination: look, then once more.
        if (codeOf(err) !== "ALREADY_EXISTS" || attempt > 0) throw err;
        targetKind = (await client.stat(destination)).kind;
      }
    }
  }

  private handleOf(fh: number, nodeId: number): FileHandle {
    const handle = this.files.get(fh);
    if (!handle || handle.nodeId !== nodeId) throw refuse(Errno.EBADF, `no open file ${fh}`);
    return handle;
  }

  private readAheadOf(stat: StatView, reader: FileRangeReader): ReadAheadReader {
    const wrapped = this.options.readCache ? this.options.readCache.wrap(stat, reader) : reader;
    return new ReadAheadReader(wrapped, this.budget);
  }

  /** The node's editor, opened (as `client`) at the first write or truncate of its writers. */
  private async editorOf(node: VfsNode, client: MountClient, path: string, options: FileEditorOptions = {}): Promise<FileEditor> {
    if (node.editor) return node.editor;
    const closing = this.closing.get(node.id);
    if (closing) await closing.catch(() => undefined);
    if (node.editor) return node.editor;
    const opening = client.openEditor(path, options).then((editor) => {
      node.openEditor = editor;
      return editor;
    });
    node.editor = opening;
    this.editing.add(node);
    node.pageCacheVersion = undefined;
    try {
      return await opening;
    } catch (err) {
      if (node.editor === opening) {
        node.editor = undefined;
        this.editing.delete(node);
      }
      throw err;
    }
  }

  /** O_TRUNC on an open for writing: cut in the editor, so the cut commits with the writes (one commit when they follow). */
  private async truncateAtOpen(node: VfsNode, client: MountClient, path: string): Promise<void> {
    if (node.editor) {
      await (await node.editor).truncate(0);
      return;
    }
    await this.editorOf(node, client, path, { truncate: true });
  }

  /**
   * Commits the node's editor. A failure answers EIO (ENOSPC, EFBIG when that is what it
   * was), never 0: what the program wrote is not durable. A file unlinked while open has
   * nowhere to commit to, and its writes are dropped quietly, as a local file system's are.
   */
  private async flushEditor(node: VfsNode): Promise<void> {
    const editor = await node.editor!;
    try {
      await editor.flush();
    } catch (err) {
      if (node.detached) return;
      const errno = errnoOf(err);
      this.log(`could not commit writes to ${editor.path}: ${(err as Error).message}`);
      throw refuse(errno === Errno.ENOSPC || errno === Errno.EFBIG ? errno : Errno.EIO, `could not commit writes to ${editor.path}: ${(err as Error).message}`);
    } finally {
      this.stats.delete(node.id);
    }
  }

  /** Closes the node's editor (the last writer left); handles that read meanwhile read the committed file afresh. */
  private async closeEditor(node: VfsNode): Promise<void> {
    const opening = node.editor;
    if (!opening) return;
    node.editor = undefined;
    this.editing.delete(node);
    const done = (async () => {
      const editor = await opening.catch(() => undefined);
      node.openEditor = undefined;
      if (!editor) return;
      if (node.detached) await editor.abort();
      else await editor.close();
    })();
    this.closing.set(node.id, done);
    try {
      await done;
    } finally {
      if (this.closing.get(node.id) === done) this.closing.delete(node.id);
      this.stats.delete(node.id);
      for (const handle of this.files.values()) {
        if (handle.nodeId !== node.id || !handle.reader) continue;
        handle.reader.close();
        handle.reader = undefined;
      }
      this.nodes.dropIfUnused(node);
    }
  }

  /** Closes the editors of files at or below `path` (a rename moves them); a failed commit is EIO. */
  private async closeEditorsUnder(path: string): Promise<void> {
    for (const node of [...this.editing]) {
      if (node.detached) continue;
      let nodePath: string;
      try {
        nodePath = this.pathOf(node.id);
      } catch {
        continue; // below a folder that was removed: nothing to commit to
      }
      if (nodePath !== path && !nodePath.startsWith(`${path}/`)) continue;
      if (node.openEditor?.dirty) await this.flushEditor(node);
      await this.closeEditor(node);
    }
  }

  /** Read-modify-write of a node's attribute map (setAttributes replaces the whole map). */
  private async changeAttributes(ctx: RequestContext, nodeId: number, change: (attributes: Attributes) => Attributes): Promise<void> {
    const node = this.nodes.require(nodeId);
    this.stats.delete(nodeId);
    const stat = await this.statOf(ctx, node);
    const attributes = change(stat.attributes);
    const problem = attributesProblem(attributesToWire(attributes));
    if (problem !== undefined) throw refuse(Errno.ENOSPC, problem);
    await this.clientOf(ctx).setAttributes(this.pathOf(nodeId), attributes);
    this.stats.delete(nodeId);
  }
}

/** LIMIT from a write or truncate is the file-size bound: EFBIG. */
function rethrowLimitAs(errno: number): (err: unknown) => never {
  return (err: unknown) => {
    if (codeOf(err) === "LIMIT") throw new FuseErrno(errno, (err as Error).message);
    throw err;
  };
}

function onlySize(changes: SetattrChanges): boolean {
  return changes.sizeBytes !== undefined && changes.mode === undefined && changes.uid === undefined && changes.gid === undefined && changes.atimeMs === undefined && changes.mtimeMs === undefined;
}

function absentIfNotFound(err: unknown): undefined {
  if (codeOf(err) === "NOT_FOUND") return undefined;
  throw err;
}

function isValidName(name: string): boolean {
  try {
    validateName(name);
    return true;
  } catch {
    return false;
  }
}

function negativeKey(parent: number, name: string): string {
  return `${parent}\u0000${name}`;
}
