// A small in-memory FuseFileSystem: enough of POSIX (folders, files, symlinks, renames,
// truncation, times, xattrs) to drive the FUSE session through the kernel with coreutils. With
// `discardWrites`, file bytes are counted but not kept and reads answer zeros, so a benchmark
// measures the session, not this file system's memory.
import {
  Errno,
  FileType,
  FuseErrno,
  RenameFlags,
  type Attr,
  type AttrAnswer,
  type DirEntry,
  type Entry,
  type FuseFileSystem,
  type OpenAnswer,
  type RequestContext,
  type SessionInfo,
  type SetattrChanges,
  type StatfsAnswer,
} from "../../src/mount/fuse/operations.ts";

const VALID_MS = 1000;

interface Node {
  id: number;
  mode: number;
  uid: number;
  gid: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  data: Uint8Array;
  sizeBytes: number;
  children: Map<string, number> | undefined;
  target: string;
  xattrs: Map<string, Uint8Array>;
  parent: number;
  lookups: number;
  linked: boolean;
}

export interface MemoryFuseFsOptions {
  discardWrites?: boolean;
  /** How long the kernel may cache entries and attributes (default 1 s; 0: every stat is a round trip). */
  validMs?: number;
}

export class MemoryFuseFs implements FuseFileSystem {
  readonly nodes = new Map<number, Node>();
  private nextId = 2;
  private nextFh = 1;
  private readonly dirHandles = new Map<number, DirEntry[]>();
  /** Calls per operation, for tests that check what the kernel asked. */
  readonly calls = new Map<string, number>();
  destroyed = false;
  /** What the session handed over at INIT (invalidation calls for tests). */
  session: SessionInfo | undefined;
  private readonly validMs: number;

  constructor(private readonly options: MemoryFuseFsOptions = {}) {
    this.validMs = options.validMs ?? VALID_MS;
    const now = Date.now();
    this.nodes.set(1, this.makeNode(1, FileType.S_IFDIR | 0o755, 0, 0, now, 1));
  }

  init(info: SessionInfo): void {
    this.session = info;
  }

  /** Replaces a file's bytes behind the kernel's back, as another mount's writer would. */
  replaceBytes(parent: number, name: string, bytes: Uint8Array): number {
    const node = this.node(this.dir(parent).children!.get(name) ?? -1);
    node.data = bytes.slice();
    node.sizeBytes = bytes.byteLength;
    node.mtimeMs = node.ctimeMs = Date.now();
    return node.id;
  }

  /** Removes a name behind the kernel's back. */
  removeBehind(parent: number, name: string): void {
    this.remove(parent, name, false);
  }

  private count(op: string): void {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
  }

  private makeNode(id: number, mode: number, uid: number, gid: number, now: number, parent: number): Node {
    const isDir = (mode & FileType.S_IFMT) === FileType.S_IFDIR;
    return { id, mode, uid, gid, atimeMs: now, mtimeMs: now, ctimeMs: now, data: new Uint8Array(0), sizeBytes: 0, children: isDir ? new Map() : undefined, target: "", xattrs: new Map(), parent, lookups: 0, linked: true };
  }

  private node(id: number): Node {
    const node = this.nodes.get(id);
    if (!node) throw new FuseErrno(Errno.ESTALE);
    return node;
  }

  private dir(id: number): Node {
    const node = this.node(id);
    if (!node.children) throw new FuseErrno(Errno.ENOTDIR);
    return node;
  }

  private attr(node: Node): Attr {
    return {
      ino: node.id,
      sizeBytes: node.sizeBytes,
      blocks: Math.ceil(node.sizeBytes / 512),
      atimeMs: node.atimeMs,
      mtimeMs: node.mtimeMs,
      ctimeMs: node.ctimeMs,
      mode: node.mode,
      nlink: node.children ? 2 : 1,
      uid: node.uid,
      gid: node.gid,
      blockSizeBytes: 65536,
    };
  }

  private entry(node: Node): Entry {
    node.lookups += 1;
    return { nodeId: node.id, generation: 1, attr: this.attr(node), entryValidMs: this.validMs, attrValidMs: this.validMs };
  }

  private checkName(name: string): void {
    if (Buffer.byteLength(name) > 255) throw new FuseErrno(Errno.ENAMETOOLONG);
  }

  private add(ctx: RequestContext, parent: number, name: string, mode: number): Node {
    this.checkName(name);
    const dir = this.dir(parent);
    if (dir.children!.has(name)) throw new FuseErrno(Errno.EEXIST);
    const now = Date.now();
    const node = this.makeNode(this.nextId++, mode, ctx.uid, ctx.gid, now, parent);
    this.nodes.set(node.id, node);
    dir.children!.set(name, node.id);
    dir.mtimeMs = dir.ctimeMs = now;
    return node;
  }

  private drop(node: Node): void {
    if (!node.linked && node.lookups <= 0 && node.id !== 1) this.nodes.delete(node.id);
  }

  async lookup(_ctx: RequestContext, parent: number, name: string): Promise<Entry> {
    this.count("lookup");
    this.checkName(name);
    const id = this.dir(parent).children!.get(name);
    if (id === undefined) throw new FuseErrno(Errno.ENOENT);
    return this.entry(this.node(id));
  }

  forget(nodeId: number, lookups: number): void {
    this.count("forget");
    const node = this.nodes.get(nodeId);
    if (!node) return;
    node.lookups -= lookups;
    this.drop(node);
  }

  async getattr(_ctx: RequestContext, nodeId: number): Promise<AttrAnswer> {
    this.count("getattr");
    return { attr: this.attr(this.node(nodeId)), attrValidMs: this.validMs };
  }

  async setattr(_ctx: RequestContext, nodeId: number, changes: SetattrChanges): Promise<AttrAnswer> {
    this.count("setattr");
    const node = this.node(nodeId);
    const now = Date.now();
    if (changes.mode !== undefined) node.mode = (node.mode & FileType.S_IFMT) | (changes.mode & 0o7777);
    if (changes.uid !== undefined) node.uid = changes.uid;
    if (changes.gid !== undefined) node.gid = changes.gid;
    if (changes.sizeBytes !== undefined) {
      if (node.children) throw new FuseErrno(Errno.EISDIR);
      this.resize(node, changes.sizeBytes);
      node.mtimeMs = now;
    }
    if (changes.atimeMs !== undefined) node.atimeMs = changes.atimeMs === "now" ? now : changes.atimeMs;
    if (changes.mtimeMs !== undefined) node.mtimeMs = changes.mtimeMs === "now" ? now : changes.mtimeMs;
    node.ctimeMs = now;
    return { attr: this.attr(node), attrValidMs: this.validMs };
  }

  private resize(node: Node, sizeBytes: number): void {
    if (!this.options.discardWrites) {
      if (sizeBytes > node.data.byteLength) {
        const grown = new Uint8Array(Math.max(sizeBytes, node.data.byteLength * 2));
        grown.set(node.data.subarray(0, node.sizeBytes));
        node.data = grown;
      } else if (sizeBytes < node.sizeBytes) {
        node.data.fill(0, sizeBytes, node.sizeBytes);
      }
    }
    node.sizeBytes = sizeBytes;
  }

  async readlink(_ctx: RequestContext, nodeId: number): Promise<string> {
    this.count("readlink");
    const node = this.node(nodeId);
    if ((node.mode & FileType.S_IFMT) !== FileType.S_IFLNK) throw new FuseErrno(Errno.EINVAL);
    return node.target;
  }

  async symlink(ctx: RequestContext, parent: number, name: string, target: string): Promise<Entry> {
    this.count("symlink");
    const node = this.add(ctx, parent, name, FileType.S_IFLNK | 0o777);
    node.target = target;
    node.sizeBytes = Buffer.byteLength(target);
    return this.entry(node);
  }

  async mknod(): Promise<Entry> {
    this.count("mknod");
    throw new FuseErrno(Errno.EPERM);
  }

  async mkdir(ctx: RequestContext, parent: number, name: string, mode: number, umask: number): Promise<Entry> {
    this.count("mkdir");
    return this.entry(this.add(ctx, parent, name, FileType.S_IFDIR | (mode & ~umask & 0o7777)));
  }

  private remove(parent: number, name: string, wantDir: boolean): void {
    const dir = this.dir(parent);
    const id = dir.children!.get(name);
    if (id === undefined) throw new FuseErrno(Errno.ENOENT);
    const node = this.node(id);
    if (wantDir && !node.children) throw new FuseErrno(Errno.ENOTDIR);
    if (!wantDir && node.children) throw new FuseErrno(Errno.EISDIR);
    if (node.children && node.children.size > 0) throw new FuseErrno(Errno.ENOTEMPTY);
    dir.children!.delete(name);
    dir.mtimeMs = dir.ctimeMs = Date.now();
    node.linked = false;
    this.drop(node);
  }

  async unlink(_ctx: RequestContext, parent: number, name: string): Promise<void> {
    this.count("unlink");
    this.remove(parent, name, false);
  }

  async rmdir(_ctx: RequestContext, parent: number, name: string): Promise<void> {
    this.count("rmdir");
    this.remove(parent, name, true);
  }

  async rename(_ctx: RequestContext, parent: number, name: string, newParent: number, newName: string, flags: number): Promise<void> {
    this.count("rename");
    this.checkName(newName);
    if (flags & RenameFlags.EXCHANGE) throw new FuseErrno(Errno.EINVAL);
    const from = this.dir(parent);
    const to = this.dir(newParent);
    const id = from.children!.get(name);
    if (id === undefined) throw new FuseErrno(Errno.ENOENT);
    const existing = to.children!.get(newName);
    if (existing !== undefined && existing !== id) {
      if (flags & RenameFlags.NOREPLACE) throw new FuseErrno(Errno.EEXIST);
      const victim = this.node(existing);
      if (victim.children && victim.children.size > 0) throw new FuseErrno(Errno.ENOTEMPTY);
      victim.linked = false;
      this.drop(victim);
    }
    from.children!.delete(name);
    to.children!.set(newName, id);
    this.node(id).parent = newParent;
    from.mtimeMs = to.mtimeMs = Date.now();
  }

  async link(): Promise<Entry> {
    this.count("link");
    throw new FuseErrno(Errno.EPERM);
  }

  async open(_ctx: RequestContext, nodeId: number, flags: number): Promise<OpenAnswer> {
    this.count("open");
    const node = this.node(nodeId);
    if (node.children) throw new FuseErrno(Errno.EISDIR);
    // O_TRUNC arrives here (FUSE_ATOMIC_O_TRUNC).
    if (flags & 0o1000) this.resize(node, 0);
    return { fh: this.nextFh++ };
  }

  async create(ctx: RequestContext, parent: number, name: string, mode: number, umask: number): Promise<{ entry: Entry; open: OpenAnswer }> {
    this.count("create");
    const node = this.add(ctx, parent, name, FileType.S_IFREG | (mode & ~umask & 0o7777));
    return { entry: this.entry(node), open: { fh: this.nextFh++ } };
  }

  async read(_ctx: RequestContext, nodeId: number, _fh: number, offsetBytes: number, sizeBytes: number): Promise<Uint8Array> {
    this.count("read");
    const node = this.node(nodeId);
    const end = Math.min(node.sizeBytes, offsetBytes + sizeBytes);
    if (offsetBytes >= end) return new Uint8Array(0);
    if (this.options.discardWrites) return new Uint8Array(end - offsetBytes);
    return node.data.subarray(offsetBytes, end);
  }

  async write(_ctx: RequestContext, nodeId: number, _fh: number, offsetBytes: number, data: Uint8Array): Promise<number> {
    this.count("write");
    const node = this.node(nodeId);
    const end = offsetBytes + data.byteLength;
    if (end > node.sizeBytes) this.resize(node, end);
    if (!this.options.discardWrites) node.data.set(data, offsetBytes);
    node.mtimeMs = node.ctimeMs = Date.now();
    return data.byteLength;
  }

  async flush(): Promise<void> {
    this.count("flush");
  }

  async fsync(): Promise<void> {
    this.count("fsync");
  }

  async release(): Promise<void> {
    this.count("release");
  }

  async opendir(_ctx: RequestContext, nodeId: number): Promise<OpenAnswer> {
    this.count("opendir");
    const dir = this.dir(nodeId);
    const fh = this.nextFh++;
    // A snapshot, so cookies stay stable while the folder changes under a listing.
    const entries: DirEntry[] = [
      { name: ".", ino: dir.id, type: FileType.S_IFDIR, cookie: 1 },
      { name: "..", ino: dir.parent, type: FileType.S_IFDIR, cookie: 2 },
    ];
    for (const [name, id] of dir.children!) {
      const child = this.node(id);
      entries.push({ name, ino: id, type: child.mode & FileType.S_IFMT, cookie: entries.length + 1 });
    }
    this.dirHandles.set(fh, entries);
    return { fh };
  }

  async readdir(_ctx: RequestContext, _nodeId: number, fh: number, cookie: number, plus: boolean): Promise<DirEntry[]> {
    this.count(plus ? "readdirplus" : "readdir");
    const entries = this.dirHandles.get(fh);
    if (!entries) throw new FuseErrno(Errno.EBADF);
    return entries.slice(cookie).map((e) => {
      if (!plus || e.name === "." || e.name === "..") return e;
      const node = this.nodes.get(e.ino);
      return node ? { ...e, entry: this.entry(node) } : e;
    });
  }

  async releasedir(_ctx: RequestContext, _nodeId: number, fh: number): Promise<void> {
    this.count("releasedir");
    this.dirHandles.delete(fh);
  }

  async statfs(): Promise<StatfsAnswer> {
    this.count("statfs");
    return { blocks: 1 << 20, blocksFree: 1 << 19, blocksAvailable: 1 << 19, files: 1 << 20, filesFree: (1 << 20) - this.nodes.size, blockSizeBytes: 4096, nameLengthMax: 255 };
  }

  async setxattr(_ctx: RequestContext, nodeId: number, name: string, value: Uint8Array, flags: number): Promise<void> {
    this.count("setxattr");
    const node = this.node(nodeId);
    if (!name.startsWith("user.")) throw new FuseErrno(Errno.ENOTSUP);
    // XATTR_CREATE 1, XATTR_REPLACE 2
    if (flags & 1 && node.xattrs.has(name)) throw new FuseErrno(Errno.EEXIST);
    if (flags & 2 && !node.xattrs.has(name)) throw new FuseErrno(Errno.ENODATA);
    node.xattrs.set(name, value.slice());
  }

  async getxattr(_ctx: RequestContext, nodeId: number, name: string): Promise<Uint8Array> {
    this.count("getxattr");
    const value = this.node(nodeId).xattrs.get(name);
    if (!value) throw new FuseErrno(Errno.ENODATA);
    return value;
  }

  async listxattr(_ctx: RequestContext, nodeId: number): Promise<string[]> {
    this.count("listxattr");
    return [...this.node(nodeId).xattrs.keys()];
  }

  async removexattr(_ctx: RequestContext, nodeId: number, name: string): Promise<void> {
    this.count("removexattr");
    if (!this.node(nodeId).xattrs.delete(name)) throw new FuseErrno(Errno.ENODATA);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
  }
}
