// The contract between the FUSE session (src/mount/fuse/session.ts: /dev/fuse, the kernel
// protocol of linux/fuse.h, decoding and encoding) and the file system it serves
// (src/mount/vfs/: Tessera's namespace and chunks as inodes, handles and errno). The session
// knows nothing of Tessera; the file system knows nothing of the wire. A method throws
// FuseErrno to answer with an errno; any other error is answered EIO (and logged once).
//
// Node ids are the kernel's handles of inodes: 1 is the mount's root (FUSE_ROOT_ID). Every
// entry a method returns (lookup, mkdir, create, symlink, readdirplus) counts one lookup of
// its node id; the kernel gives them back with forget, and the file system may drop a node id
// whose count reaches 0. Times are milliseconds since the epoch; validity periods are
// milliseconds the kernel may cache an answer for.

/** errno values of Linux (asm-generic/errno-base.h, errno.h) the mount answers with. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ENODATA: 61,
  ETIMEDOUT: 110,
  ESTALE: 116,
  ENOTSUP: 95,
  EOPNOTSUPP: 95,
  ENOTCONN: 107,
  EINTR: 4,
} as const;
export type ErrnoName = keyof typeof Errno;

/** A refusal the session answers with `-errno`. */
export class FuseErrno extends Error {
  override name = "FuseErrno";
  constructor(
    readonly errno: number,
    message = `errno ${errno}`,
  ) {
    super(message);
  }
}

/** File type bits of st_mode (sys/stat.h). */
export const FileType = {
  S_IFMT: 0o170000,
  S_IFDIR: 0o040000,
  S_IFREG: 0o100000,
  S_IFLNK: 0o120000,
} as const;

/** Who asked: the calling process's credentials as the kernel saw them. */
export interface RequestContext {
  uid: number;
  gid: number;
  pid: number;
}

/** struct fuse_attr, in the units the file system thinks in. */
export interface Attr {
  ino: number;
  sizeBytes: number;
  /** 512-byte blocks allocated (st_blocks). */
  blocks: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  /** File type and permission bits (st_mode). */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  /** The preferred I/O size (st_blksize). */
  blockSizeBytes: number;
}

/** An answer that names a node (struct fuse_entry_out). */
export interface Entry {
  nodeId: number;
  generation: number;
  attr: Attr;
  entryValidMs: number;
  attrValidMs: number;
}

export interface AttrAnswer {
  attr: Attr;
  attrValidMs: number;
}

/** What a setattr changes (struct fuse_setattr_in: only the fields present). */
export interface SetattrChanges {
  mode?: number;
  uid?: number;
  gid?: number;
  sizeBytes?: number;
  /** A number of milliseconds, or "now" (FATTR_ATIME_NOW / FATTR_MTIME_NOW). */
  atimeMs?: number | "now";
  mtimeMs?: number | "now";
  ctimeMs?: number;
}

/** open/create's answer (struct fuse_open_out). */
export interface OpenAnswer {
  fh: number;
  /** FOPEN_KEEP_CACHE: the kernel keeps the file's page cache from an earlier open (unchanged since). */
  keepCache?: boolean;
  /** FOPEN_DIRECT_IO: bypass the page cache for this handle. */
  directIo?: boolean;
}

/** One entry of a folder; `cookie` is the offset the next readdir after it starts from (never 0). */
export interface DirEntry {
  name: string;
  ino: number;
  /** File type bits (FileType) of the entry. */
  type: number;
  cookie: number;
  /** readdirplus only: the entry, counted as a lookup when the session packs it. */
  entry?: Entry;
}

/** statfs's answer (struct fuse_kstatfs), in blocks of `blockSizeBytes`. */
export interface StatfsAnswer {
  blocks: number;
  blocksFree: number;
  blocksAvailable: number;
  files: number;
  filesFree: number;
  blockSizeBytes: number;
  nameLengthMax: number;
}

/** What the session tells the file system after INIT. */
export interface SessionInfo {
  /** The largest WRITE the kernel will send (bytes). */
  maxWriteBytes: number;
  /** The largest READ the kernel will ask for (bytes). */
  maxReadBytes: number;
  /** Tells the kernel to drop cached pages and attributes of a node (FUSE_NOTIFY_INVAL_INODE); offset 0, length -1: all. */
  invalidateInode(nodeId: number, offsetBytes: number, lengthBytes: number): void;
  /** Tells the kernel to forget a name in a folder (FUSE_NOTIFY_INVAL_ENTRY). */
  invalidateEntry(parentNodeId: number, name: string): void;
}

/** RENAME_NOREPLACE and RENAME_EXCHANGE (linux/fs.h). */
export const RenameFlags = { NOREPLACE: 1, EXCHANGE: 2 } as const;

/**
 * The file system a session serves. A missing optional method answers ENOSYS (the kernel then
 * stops asking for it where linux/fuse.h says it does: access, flush, xattrs ...).
 * readdir: entries from `cookie` (0: the first), as many as the file system likes; the session
 * packs those that fit in the kernel's buffer. With `plus`, entries it could not pack are
 * handed back with forget(nodeId, 1).
 */
export interface FuseFileSystem {
  init?(info: SessionInfo): void;
  destroy?(): Promise<void>;
  lookup(ctx: RequestContext, parent: number, name: string): Promise<Entry>;
  forget(nodeId: number, lookups: number): void;
  getattr(ctx: RequestContext, nodeId: number, fh: number | undefined): Promise<AttrAnswer>;
  setattr(ctx: RequestContext, nodeId: number, changes: SetattrChanges, fh: number | undefined): Promise<AttrAnswer>;
  readlink(ctx: RequestContext, nodeId: number): Promise<string>;
  symlink(ctx: RequestContext, parent: number, name: string, target: string): Promise<Entry>;
  mknod(ctx: RequestContext, parent: number, name: string, mode: number, rdev: number, umask: number): Promise<Entry>;
  mkdir(ctx: RequestContext, parent: number, name: string, mode: number, umask: number): Promise<Entry>;
  unlink(ctx: RequestContext, parent: number, name: string): Promise<void>;
  rmdir(ctx: RequestContext, parent: number, name: string): Promise<void>;
  rename(ctx: RequestContext, parent: number, name: string, newParent: number, newName: string, flags: number): Promise<void>;
  link(ctx: RequestContext, nodeId: number, newParent: number, newName: string): Promise<Entry>;
  open(ctx: RequestContext, nodeId: number, flags: number): Promise<OpenAnswer>;
  create(ctx: RequestContext, parent: number, name: string, mode: number, umask: number, flags: number): Promise<{ entry: Entry; open: OpenAnswer }>;
  read(ctx: RequestContext, nodeId: number, fh: number, offsetBytes: number, sizeBytes: number): Promise<Uint8Array>;
  write(ctx: RequestContext, nodeId: number, fh: number, offsetBytes: number, data: Uint8Array, flags: number): Promise<number>;
  flush(ctx: RequestContext, nodeId: number, fh: number): Promise<void>;
  fsync(ctx: RequestContext, nodeId: number, fh: number, dataOnly: boolean): Promise<void>;
  release(ctx: RequestContext, nodeId: number, fh: number, flags: number): Promise<void>;
  opendir(ctx: RequestContext, nodeId: number, flags: number): Promise<OpenAnswer>;
  readdir(ctx: RequestContext, nodeId: number, fh: number, cookie: number, plus: boolean): Promise<DirEntry[]>;
  releasedir(ctx: RequestContext, nodeId: number, fh: number): Promise<void>;
  statfs(ctx: RequestContext, nodeId: number): Promise<StatfsAnswer>;
  access?(ctx: RequestContext, nodeId: number, mask: number): Promise<void>;
  setxattr?(ctx: RequestContext, nodeId: number, name: string, value: Uint8Array, flags: number): Promise<void>;
  /** The value; the session answers ERANGE or the size as the kernel's size asks. */
  getxattr?(ctx: RequestContext, nodeId: number, name: string): Promise<Uint8Array>;
  listxattr?(ctx: RequestContext, nodeId: number): Promise<string[]>;
  removexattr?(ctx: RequestContext, nodeId: number, name: string): Promise<void>;
}

/** How a session is mounted (src/mount/fuse/mount.ts). */
export interface FuseMountOptions {
  /** allow_other: users other than the mounting one may use the mount. */
  allowOther?: boolean;
  /** default_permissions: the kernel checks modes and owners itself (with allowOther). */
  defaultPermissions?: boolean;
  readonly?: boolean;
  /** The file system's name in /proc/mounts (fsname, the mount's source). */
  fsName?: string;
  /** A message for each request and answer, for debugging (-d). */
  debug?(line: string): void;
}

/** A live mount: `closed` settles when the kernel ends the session (unmount, abort). */
export interface FuseMount {
  readonly mountPoint: string;
  readonly closed: Promise<void>;
  /** Unmounts (umount2; MNT_DETACH when `lazy`) and waits for the session to end. */
  unmount(options?: { lazy?: boolean }): Promise<void>;
}
