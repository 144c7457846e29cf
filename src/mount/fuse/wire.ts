// The FUSE kernel protocol (linux/fuse.h, protocol 7.x) as a pure codec: bytes read from
// /dev/fuse become a Request, answers become the bytes written back. No I/O here, so every
// decoder can be fuzzed (test/mount/fuse-wire.test.ts). Every length is checked against the
// bytes at hand before it is used: a malformed request throws FuseWireError (the session answers
// it with its errno, or drops it when not even the header could be read), never anything else.
//
// Layouts follow linux/fuse.h: little-endian (the host's: /dev/fuse speaks the kernel's byte
// order, and every Linux target Bun ships for is little-endian), structs padded to 8 bytes.
import type { Attr, DirEntry, Entry, OpenAnswer, SetattrChanges, StatfsAnswer } from "./operations.ts";
import { Errno } from "./operations.ts";

/** The protocol's major version; a kernel that speaks another one is answered with ours and no more. */
export const FUSE_KERNEL_VERSION = 7;
/** The newest minor version this codec speaks; the session negotiates min(kernel's, this). */
export const FUSE_KERNEL_MINOR_VERSION = 38;
export const FUSE_ROOT_ID = 1;

export const IN_HEADER_BYTES = 40;
export const OUT_HEADER_BYTES = 16;
const ATTR_BYTES = 88;
const ENTRY_OUT_BYTES = 40 + ATTR_BYTES;
const ATTR_OUT_BYTES = 16 + ATTR_BYTES;
const OPEN_OUT_BYTES = 16;
const WRITE_OUT_BYTES = 8;
const STATFS_OUT_BYTES = 80;
const GETXATTR_OUT_BYTES = 8;
const INIT_OUT_BYTES = 64;
/** The init answer of protocol minors before 23 (FUSE_COMPAT_22_INIT_OUT_SIZE). */
const INIT_OUT_COMPAT_22_BYTES = 24;
const DIRENT_NAME_OFFSET = 24;
const DIRENTPLUS_NAME_OFFSET = ENTRY_OUT_BYTES + DIRENT_NAME_OFFSET;

/** The longest name the kernel sends (FUSE_NAME_MAX); the file system answers ENAMETOOLONG past 255. */
export const NAME_BYTES_MAX = 1024;
/** A symlink's target (PATH_MAX). */
export const SYMLINK_TARGET_BYTES_MAX = 4096;
/** An extended attribute's name (XATTR_NAME_MAX) and value (XATTR_SIZE_MAX). */
export const XATTR_NAME_BYTES_MAX = 255;
export const XATTR_VALUE_BYTES_MAX = 65536;
/**
 * The largest request this codec takes. The session's reader never reads more than max_write
 * (1 MiB) plus 4 KiB; the bound is wider so the codec stays usable with larger max_pages.
 */
export const REQUEST_BYTES_MAX = 16 * 1024 * 1024 + 4096;

export const Opcode = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  SETATTR: 4,
  READLINK: 5,
  SYMLINK: 6,
  MKNOD: 8,
  MKDIR: 9,
  UNLINK: 10,
  RMDIR: 11,
  RENAME: 12,
  LINK: 13,
  OPEN: 14,
  READ: 15,
  WRITE: 16,
  STATFS: 17,
  RELEASE: 18,
  FSYNC: 20,
  SETXATTR: 21,
  GETXATTR: 22,
  LISTXATTR: 23,
  REMOVEXATTR: 24,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  FSYNCDIR: 30,
  ACCESS: 34,
  CREATE: 35,
  INTERRUPT: 36,
  DESTROY: 38,
  BATCH_FORGET: 42,
  READDIRPLUS: 44,
  RENAME2: 45,
} as const;

/** fuse_init_in/out flags (the first 32 bits). */
export const InitFlag = {
  ASYNC_READ: 1 << 0,
  POSIX_LOCKS: 1 << 1,
  ATOMIC_O_TRUNC: 1 << 3,
  EXPORT_SUPPORT: 1 << 4,
  BIG_WRITES: 1 << 5,
  DONT_MASK: 1 << 6,
  FLOCK_LOCKS: 1 << 10,
  AUTO_INVAL_DATA: 1 << 12,
  DO_READDIRPLUS: 1 << 13,
  READDIRPLUS_AUTO: 1 << 14,
  ASYNC_DIO: 1 << 15,
  WRITEBACK_CACHE: 1 << 16,
  PARALLEL_DIROPS: 1 << 18,
  MAX_PAGES: 1 << 22,
  CACHE_SYMLINKS: 1 << 23,
  INIT_EXT: 1 << 30,
} as const;

const FATTR = {
  MODE: 1 << 0,
  UID: 1 << 1,
  GID: 1 << 2,
  SIZE: 1 << 3,
  ATIME: 1 << 4,
  MTIME: 1 << 5,
  FH: 1 << 6,
  ATIME_NOW: 1 << 7,
  MTIME_NOW: 1 << 8,
  CTIME: 1 << 10,
} as const;
const FOPEN_DIRECT_IO = 1 << 0;
const FOPEN_KEEP_CACHE = 1 << 1;
const FUSE_GETATTR_FH = 1 << 0;
const FUSE_FSYNC_FDATASYNC = 1 << 0;
/** The bit the kernel sets in the unique of an INTERRUPT request (FUSE_INT_REQ_BIT). */
export const INTERRUPT_UNIQUE_BIT = 1;

export const NotifyCode = { INVAL_INODE: 2, INVAL_ENTRY: 3 } as const;

/** A request that could not be decoded; `unique` is set when the header was readable, so it can be answered with `errno`. */
export class FuseWireError extends Error {
  override name = "FuseWireError";
  constructor(
    message: string,
    readonly unique: number | undefined,
    readonly errno: number = Errno.EINVAL,
  ) {
    super(message);
  }
}

/** struct fuse_in_header. */
export interface InHeader {
  lengthBytes: number;
  opcode: number;
  unique: number;
  nodeId: number;
  uid: number;
  gid: number;
  pid: number;
  /** Bytes of request extensions at the end of the request (total_extlen × 8). */
  extensionBytes: number;
}

export interface InitBody {
  major: number;
  minor: number;
  maxReadaheadBytes: number;
  flags: number;
  /** The upper 32 flag bits (flags2), 0 when the kernel sent none. */
  flags2: number;
}

export type RequestBody =
  | { op: "lookup"; name: string }
  | { op: "forget"; lookups: number }
  | { op: "batch_forget"; forgets: Array<{ nodeId: number; lookups: number }> }
  | { op: "getattr"; fh: number | undefined }
  | { op: "setattr"; changes: SetattrChanges; fh: number | undefined }
  | { op: "readlink" }
  | { op: "symlink"; name: string; target: string }
  | { op: "mknod"; name: string; mode: number; rdev: number; umask: number }
  | { op: "mkdir"; name: string; mode: number; umask: number }
  | { op: "unlink"; name: string }
  | { op: "rmdir"; name: string }
  | { op: "rename"; name: string; newParent: number; newName: string; flags: number }
  | { op: "link"; oldNodeId: number; newName: string }
  | { op: "open"; flags: number }
  | { op: "opendir"; flags: number }
  | { op: "read"; fh: number; offsetBytes: number; sizeBytes: number; flags: number }
  | { op: "readdir"; fh: number; cookie: number; sizeBytes: number; plus: boolean }
  | { op: "write"; fh: number; offsetBytes: number; data: Uint8Array; writeFlags: number; flags: number }
  | { op: "statfs" }
  | { op: "release"; fh: number; flags: number; releaseFlags: number }
  | { op: "releasedir"; fh: number; flags: number }
  | { op: "fsync"; fh: number; dataOnly: boolean }
  | { op: "fsyncdir"; fh: number; dataOnly: boolean }
  | { op: "setxattr"; name: string; value: Uint8Array; flags: number }
  | { op: "getxattr"; name: string; sizeBytes: number }
  | { op: "listxattr"; sizeBytes: number }
  | { op: "removexattr"; name: string }
  | { op: "flush"; fh: number }
  | { op: "init"; init: InitBody }
  | { op: "access"; mask: number }
  | { op: "create"; name: string; flags: number; mode: number; umask: number }
  | { op: "interrupt"; interruptedUnique: number }
  | { op: "destroy" }
  | { op: "unsupported"; opcode: number };

export interface Request {
  header: InHeader;
  body: RequestBody;
}

// --- numbers -----------------------------------------------------------------------------------

const TWO_POW_32 = 2 ** 32;

/** A u64 as a number (exact below 2^53; node ids, handles and offsets stay far below). */
function getU64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * TWO_POW_32;
}

function getI64(view: DataView, offset: number): number {
  return Number(view.getBigInt64(offset, true));
}

/** Writes a non-negative integer as u64; anything that is not one (NaN, negative, fractions) is floored into range. */
function setU64(view: DataView, offset: number, value: number): void {
  const n = Number.isFinite(value) && value > 0 ? Math.min(Math.floor(value), Number.MAX_SAFE_INTEGER) : 0;
  view.setUint32(offset, n % TWO_POW_32, true);
  view.setUint32(offset + 4, Math.floor(n / TWO_POW_32), true);
}

function setI64(view: DataView, offset: number, value: number): void {
  const n = Number.isFinite(value) ? Math.max(Math.min(Math.trunc(value), Number.MAX_SAFE_INTEGER), Number.MIN_SAFE_INTEGER) : 0;
  view.setBigInt64(offset, BigInt(n), true);
}

function u32(value: number): number {
  return Number.isFinite(value) ? Math.trunc(value) >>> 0 : 0;
}

/** Milliseconds as the protocol's (seconds, nanoseconds), nanoseconds in [0, 1e9). */
function splitMs(ms: number): { sec: number; nsec: number } {
  if (!Number.isFinite(ms)) return { sec: 0, nsec: 0 };
  let sec = Math.floor(ms / 1000);
  let nsec = Math.round((ms - sec * 1000) * 1e6);
  if (nsec >= 1e9) {
    sec += 1;
    nsec -= 1e9;
  }
  return { sec, nsec: Math.max(0, nsec) };
}

// --- decoding ----------------------------------------------------------------------------------

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/** Reads a request's body fields in order, each read checked against the body's end. */
class BodyReader {
  private position: number;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly view: DataView,
    start: number,
    private readonly end: number,
    private readonly unique: number,
    private readonly what: string,
  ) {
    this.position = start;
  }

  fail(message: string, errno: number = Errno.EINVAL): never {
    throw new FuseWireError(`${this.what} request ${message}.`, this.unique, errno);
  }

  private need(count: number): number {
    if (this.end - this.position < count) this.fail(`is ${this.end - this.position} bytes short of the ${count} its fields need`);
    const at = this.position;
    this.position += count;
    return at;
  }

  remaining(): number {
    return this.end - this.position;
  }

  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }

  u64(): number {
    return getU64(this.view, this.need(8));
  }

  i64(): number {
    return getI64(this.view, this.need(8));
  }

  skip(count: number): void {
    this.need(count);
  }

  /** A NUL-terminated name of at most `maxBytes` bytes, valid UTF-8. */
  string(maxBytes: number, what: string): string {
    const nul = this.bytes.indexOf(0, this.position);
    if (nul < 0 || nul >= this.end) this.fail(`has a ${what} without its terminating NUL`);
    const length = nul - this.position;
    if (length > maxBytes) this.fail(`has a ${what} of ${length} bytes, over ${maxBytes}`, Errno.ENAMETOOLONG);
    let text: string;
    try {
      text = utf8.decode(this.bytes.subarray(this.position, nul));
    } catch {
      this.fail(`has a ${what} that is not UTF-8`);
    }
    this.position = nul + 1;
    return text;
  }

  /** `count` raw bytes (a view into the request, no copy). */
  bytesOf(count: number): Uint8Array {
    const at = this.need(count);
    return this.bytes.subarray(at, at + count);
  }
}

function decodeHeader(view: DataView): InHeader {
  return {
    lengthBytes: view.getUint32(0, true),
    opcode: view.getUint32(4, true),
    unique: getU64(view, 8),
    nodeId: getU64(view, 16),
    uid: view.getUint32(24, true),
    gid: view.getUint32(28, true),
    pid: view.getUint32(32, true),
    extensionBytes: view.getUint16(36, true) * 8,
  };
}

/** Decodes one request as read from /dev/fuse (exactly one read's bytes). */
export function decodeRequest(bytes: Uint8Array): Request {
  if (bytes.byteLength < IN_HEADER_BYTES) throw new FuseWireError(`A request of ${bytes.byteLength} bytes is shorter than its ${IN_HEADER_BYTES}-byte header.`, undefined);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = decodeHeader(view);
  if (header.lengthBytes !== bytes.byteLength) {
    throw new FuseWireError(`A request says it is ${header.lengthBytes} bytes but ${bytes.byteLength} were read.`, header.unique, Errno.EIO);
  }
  if (bytes.byteLength > REQUEST_BYTES_MAX) throw new FuseWireError(`A request of ${bytes.byteLength} bytes is over the ${REQUEST_BYTES_MAX}-byte bound.`, header.unique, Errno.EIO);
  const end = header.lengthBytes - header.extensionBytes;
  if (end < IN_HEADER_BYTES) throw new FuseWireError(`A request's ${header.extensionBytes} bytes of extensions overrun its ${header.lengthBytes} bytes.`, header.unique);
  const opName = OPCODE_NAMES[header.opcode] ?? `opcode ${header.opcode}`;
  const r = new BodyReader(bytes, view, IN_HEADER_BYTES, end, header.unique, opName);
  return { header, body: decodeBody(header, r) };
}

function decodeBody(header: InHeader, r: BodyReader): RequestBody {
  switch (header.opcode) {
    case Opcode.LOOKUP:
      return { op: "lookup", name: r.string(NAME_BYTES_MAX, "name") };
    case Opcode.FORGET:
      return { op: "forget", lookups: r.u64() };
    case Opcode.BATCH_FORGET: {
      const count = r.u32();
      r.skip(4);
      // Checked against the bytes present before anything is allocated for them.
      if (count * 16 > r.remaining()) r.fail(`announces ${count} forgets but holds ${Math.floor(r.remaining() / 16)}`);
      const forgets: Array<{ nodeId: number; lookups: number }> = [];
      for (let i = 0; i < count; i++) forgets.push({ nodeId: r.u64(), lookups: r.u64() });
      return { op: "batch_forget", forgets };
    }
    case Opcode.GETATTR: {
      // An empty body is the pre-7.9 form: no handle.
      if (r.remaining() === 0) return { op: "getattr", fh: undefined };
      const flags = r.u32();
      r.skip(4);
      const fh = r.u64();
      return { op: "getattr", fh: flags & FUSE_GETATTR_FH ? fh : undefined };
    }
    case Opcode.SETATTR:
      return decodeSetattr(r);
    case Opcode.READLINK:
      return { op: "readlink" };
    case Opcode.SYMLINK: {
      const name = r.string(NAME_BYTES_MAX, "name");
      const target = r.string(SYMLINK_TARGET_BYTES_MAX, "symlink target");
      return { op: "symlink", name, target };
    }
    case Opcode.MKNOD: {
      const mode = r.u32();
      const rdev = r.u32();
      const umask = r.u32();
      r.skip(4);
      return { op: "mknod", name: r.string(NAME_BYTES_MAX, "name"), mode, rdev, umask };
    }
    case Opcode.MKDIR: {
      const mode = r.u32();
      const umask = r.u32();
      return { op: "mkdir", name: r.string(NAME_BYTES_MAX, "name"), mode, umask };
    }
    case Opcode.UNLINK:
      return { op: "unlink", name: r.string(NAME_BYTES_MAX, "name") };
    case Opcode.RMDIR:
      return { op: "rmdir", name: r.string(NAME_BYTES_MAX, "name") };
    case Opcode.RENAME: {
      const newParent = r.u64();
      const name = r.string(NAME_BYTES_MAX, "name");
      return { op: "rename", name, newParent, newName: r.string(NAME_BYTES_MAX, "new name"), flags: 0 };
    }
    case Opcode.RENAME2: {
      const newParent = r.u64();
      const flags = r.u32();
      r.skip(4);
      const name = r.string(NAME_BYTES_MAX, "name");
      return { op: "rename", name, newParent, newName: r.string(NAME_BYTES_MAX, "new name"), flags };
    }
    case Opcode.LINK: {
      const oldNodeId = r.u64();
      return { op: "link", oldNodeId, newName: r.string(NAME_BYTES_MAX, "new name") };
    }
    case Opcode.OPEN:
    case Opcode.OPENDIR: {
      const flags = r.u32();
      r.skip(4);
      return { op: header.opcode === Opcode.OPEN ? "open" : "opendir", flags };
    }
    case Opcode.READ:
    case Opcode.READDIR:
    case Opcode.READDIRPLUS: {
      const fh = r.u64();
      const offset = r.u64();
      const size = r.u32();
      r.skip(4); // read_flags
      r.skip(8); // lock_owner
      const flags = r.u32();
      r.skip(4);
      if (header.opcode === Opcode.READ) return { op: "read", fh, offsetBytes: offset, sizeBytes: size, flags };
      return { op: "readdir", fh, cookie: offset, sizeBytes: size, plus: header.opcode === Opcode.READDIRPLUS };
    }
    case Opcode.WRITE: {
      const fh = r.u64();
      const offset = r.u64();
      const size = r.u32();
      const writeFlags = r.u32();
      r.skip(8); // lock_owner
      const flags = r.u32();
      r.skip(4);
      if (size !== r.remaining()) r.fail(`says it carries ${size} bytes but holds ${r.remaining()}`);
      return { op: "write", fh, offsetBytes: offset, data: r.bytesOf(size), writeFlags, flags };
    }
    case Opcode.STATFS:
      return { op: "statfs" };
    case Opcode.RELEASE:
    case Opcode.RELEASEDIR: {
      const fh = r.u64();
      const flags = r.u32();
      const releaseFlags = r.u32();
      r.skip(8); // lock_owner
      if (header.opcode === Opcode.RELEASEDIR) return { op: "releasedir", fh, flags };
      return { op: "release", fh, flags, releaseFlags };
    }
    case Opcode.FSYNC:
    case Opcode.FSYNCDIR: {
      const fh = r.u64();
      const dataOnly = (r.u32() & FUSE_FSYNC_FDATASYNC) !== 0;
      r.skip(4);
      return { op: header.opcode === Opcode.FSYNC ? "fsync" : "fsyncdir", fh, dataOnly };
    }
    case Opcode.SETXATTR: {
      // fuse_setxattr_in's compat form (8 bytes): FUSE_SETXATTR_EXT is not negotiated.
      const size = r.u32();
      const flags = r.u32();
      const name = r.string(XATTR_NAME_BYTES_MAX, "attribute name");
      if (size > XATTR_VALUE_BYTES_MAX) r.fail(`has a value of ${size} bytes, over ${XATTR_VALUE_BYTES_MAX}`, Errno.ERANGE);
      if (size !== r.remaining()) r.fail(`says its value is ${size} bytes but holds ${r.remaining()}`);
      return { op: "setxattr", name, value: r.bytesOf(size), flags };
    }
    case Opcode.GETXATTR: {
      const size = r.u32();
      r.skip(4);
      return { op: "getxattr", name: r.string(XATTR_NAME_BYTES_MAX, "attribute name"), sizeBytes: size };
    }
    case Opcode.LISTXATTR: {
      const size = r.u32();
      r.skip(4);
      return { op: "listxattr", sizeBytes: size };
    }
    case Opcode.REMOVEXATTR:
      return { op: "removexattr", name: r.string(XATTR_NAME_BYTES_MAX, "attribute name") };
    case Opcode.FLUSH: {
      const fh = r.u64();
      r.skip(8); // unused, padding
      r.skip(8); // lock_owner
      return { op: "flush", fh };
    }
    case Opcode.INIT: {
      const major = r.u32();
      const minor = r.u32();
      const maxReadaheadBytes = r.u32();
      const flags = r.u32();
      // flags2 exists from 7.36, and only means anything with FUSE_INIT_EXT.
      const flags2 = r.remaining() >= 4 && flags & InitFlag.INIT_EXT ? r.u32() : 0;
      return { op: "init", init: { major, minor, maxReadaheadBytes, flags, flags2 } };
    }
    case Opcode.ACCESS: {
      const mask = r.u32();
      r.skip(4);
      return { op: "access", mask };
    }
    case Opcode.CREATE: {
      const flags = r.u32();
      const mode = r.u32();
      const umask = r.u32();
      r.skip(4); // open_flags
      return { op: "create", name: r.string(NAME_BYTES_MAX, "name"), flags, mode, umask };
    }
    case Opcode.INTERRUPT:
      return { op: "interrupt", interruptedUnique: r.u64() };
    case Opcode.DESTROY:
      return { op: "destroy" };
    default:
      return { op: "unsupported", opcode: header.opcode };
  }
}

function decodeSetattr(r: BodyReader): RequestBody {
  const valid = r.u32();
  r.skip(4);
  const fh = r.u64();
  const size = r.u64();
  r.skip(8); // lock_owner
  const atime = r.i64();
  const mtime = r.i64();
  const ctime = r.i64();
  const atimensec = r.u32();
  const mtimensec = r.u32();
  const ctimensec = r.u32();
  const mode = r.u32();
  r.skip(4);
  const uid = r.u32();
  const gid = r.u32();
  r.skip(4);
  if (atimensec >= 1e9 || mtimensec >= 1e9 || ctimensec >= 1e9) r.fail("has a nanosecond field of a second or more");
  const changes: SetattrChanges = {};
  if (valid & FATTR.MODE) changes.mode = mode;
  if (valid & FATTR.UID) changes.uid = uid;
  if (valid & FATTR.GID) changes.gid = gid;
  if (valid & FATTR.SIZE) changes.sizeBytes = size;
  if (valid & FATTR.ATIME_NOW) changes.atimeMs = "now";
  else if (valid & FATTR.ATIME) changes.atimeMs = atime * 1000 + atimensec / 1e6;
  if (valid & FATTR.MTIME_NOW) changes.mtimeMs = "now";
  else if (valid & FATTR.MTIME) changes.mtimeMs = mtime * 1000 + mtimensec / 1e6;
  if (valid & FATTR.CTIME) changes.ctimeMs = ctime * 1000 + ctimensec / 1e6;
  return { op: "setattr", changes, fh: valid & FATTR.FH ? fh : undefined };
}

export const OPCODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Opcode).map(([name, code]) => [code, name]));

// --- encoding answers --------------------------------------------------------------------------

function answerBuffer(unique: number, bodyBytes: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(OUT_HEADER_BYTES + bodyBytes);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, bytes.byteLength, true);
  view.setInt32(4, 0, true);
  setU64(view, 8, unique);
  return { bytes, view };
}

/** An error answer: the header alone, error = -errno. */
export function encodeError(unique: number, errno: number): Uint8Array {
  const { bytes, view } = answerBuffer(unique, 0);
  view.setInt32(4, -Math.abs(errno | 0) || -Errno.EIO, true);
  return bytes;
}

/** A success with no body (unlink, release, setxattr ...). */
export function encodeEmpty(unique: number): Uint8Array {
  return answerBuffer(unique, 0).bytes;
}

/** A success whose body is `data` as is (read, readlink, getxattr's value, listxattr's names). */
export function encodeData(unique: number, data: Uint8Array): Uint8Array {
  const { bytes } = answerBuffer(unique, data.byteLength);
  bytes.set(data, OUT_HEADER_BYTES);
  return bytes;
}

function writeAttr(view: DataView, at: number, attr: Attr): void {
  setU64(view, at, attr.ino);
  setU64(view, at + 8, attr.sizeBytes);
  setU64(view, at + 16, attr.blocks);
  const atime = splitMs(attr.atimeMs);
  const mtime = splitMs(attr.mtimeMs);
  const ctime = splitMs(attr.ctimeMs);
  setI64(view, at + 24, atime.sec);
  setI64(view, at + 32, mtime.sec);
  setI64(view, at + 40, ctime.sec);
  view.setUint32(at + 48, atime.nsec, true);
  view.setUint32(at + 52, mtime.nsec, true);
  view.setUint32(at + 56, ctime.nsec, true);
  view.setUint32(at + 60, u32(attr.mode), true);
  view.setUint32(at + 64, u32(attr.nlink), true);
  view.setUint32(at + 68, u32(attr.uid), true);
  view.setUint32(at + 72, u32(attr.gid), true);
  view.setUint32(at + 76, 0, true); // rdev: no device files
  view.setUint32(at + 80, u32(attr.blockSizeBytes), true);
  view.setUint32(at + 84, 0, true); // flags
}

function writeValidity(view: DataView, secAt: number, nsecAt: number, ms: number): void {
  const { sec, nsec } = splitMs(Math.max(0, ms));
  setU64(view, secAt, sec);
  view.setUint32(nsecAt, nsec, true);
}

/** struct fuse_entry_out at `at`; an absent entry is all zeros (nodeid 0: "no entry to cache"). */
function writeEntryOut(view: DataView, at: number, entry: Entry | undefined): void {
  if (!entry) return; // the buffer is zero-filled
  setU64(view, at, entry.nodeId);
  setU64(view, at + 8, entry.generation);
  writeValidity(view, at + 16, at + 32, entry.entryValidMs);
  writeValidity(view, at + 24, at + 36, entry.attrValidMs);
  writeAttr(view, at + 40, entry.attr);
}

/** lookup, mkdir, mknod, symlink, link: struct fuse_entry_out. */
export function encodeEntry(unique: number, entry: Entry): Uint8Array {
  const { bytes, view } = answerBuffer(unique, ENTRY_OUT_BYTES);
  writeEntryOut(view, OUT_HEADER_BYTES, entry);
  return bytes;
}

/** getattr, setattr: struct fuse_attr_out. */
export function encodeAttr(unique: number, attr: Attr, attrValidMs: number): Uint8Array {
  const { bytes, view } = answerBuffer(unique, ATTR_OUT_BYTES);
  writeValidity(view, OUT_HEADER_BYTES, OUT_HEADER_BYTES + 8, attrValidMs);
  writeAttr(view, OUT_HEADER_BYTES + 16, attr);
  return bytes;
}

function openFlags(open: OpenAnswer): number {
  return (open.directIo ? FOPEN_DIRECT_IO : 0) | (open.keepCache ? FOPEN_KEEP_CACHE : 0);
}

/** open, opendir: struct fuse_open_out. */
export function encodeOpen(unique: number, open: OpenAnswer): Uint8Array {
  const { bytes, view } = answerBuffer(unique, OPEN_OUT_BYTES);
  setU64(view, OUT_HEADER_BYTES, open.fh);
  view.setUint32(OUT_HEADER_BYTES + 8, openFlags(open), true);
  return bytes;
}

/** create: struct fuse_entry_out then struct fuse_open_out. */
export function encodeCreate(unique: number, entry: Entry, open: OpenAnswer): Uint8Array {
  const { bytes, view } = answerBuffer(unique, ENTRY_OUT_BYTES + OPEN_OUT_BYTES);
  writeEntryOut(view, OUT_HEADER_BYTES, entry);
  const at = OUT_HEADER_BYTES + ENTRY_OUT_BYTES;
  setU64(view, at, open.fh);
  view.setUint32(at + 8, openFlags(open), true);
  return bytes;
}

/** write: struct fuse_write_out. */
export function encodeWrite(unique: number, writtenBytes: number): Uint8Array {
  const { bytes, view } = answerBuffer(unique, WRITE_OUT_BYTES);
  view.setUint32(OUT_HEADER_BYTES, u32(writtenBytes), true);
  return bytes;
}

/** statfs: struct fuse_statfs_out. */
export function encodeStatfs(unique: number, s: StatfsAnswer): Uint8Array {
  const { bytes, view } = answerBuffer(unique, STATFS_OUT_BYTES);
  const at = OUT_HEADER_BYTES;
  setU64(view, at, s.blocks);
  setU64(view, at + 8, s.blocksFree);
  setU64(view, at + 16, s.blocksAvailable);
  setU64(view, at + 24, s.files);
  setU64(view, at + 32, s.filesFree);
  view.setUint32(at + 40, u32(s.blockSizeBytes), true);
  view.setUint32(at + 44, u32(s.nameLengthMax), true);
  view.setUint32(at + 48, u32(s.blockSizeBytes), true); // frsize
  return bytes;
}

/** getxattr/listxattr asked with size 0: struct fuse_getxattr_out, the size the value needs. */
export function encodeXattrSize(unique: number, sizeBytes: number): Uint8Array {
  const { bytes, view } = answerBuffer(unique, GETXATTR_OUT_BYTES);
  view.setUint32(OUT_HEADER_BYTES, u32(sizeBytes), true);
  return bytes;
}

/** listxattr's value: each name followed by a NUL. */
export function encodeXattrNames(names: string[]): Uint8Array {
  const parts = names.map((name) => utf8Encoder.encode(`${name}\0`));
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** INIT's answer (struct fuse_init_out). */
export interface InitAnswer {
  major: number;
  minor: number;
  maxReadaheadBytes: number;
  flags: number;
  flags2: number;
  maxBackground: number;
  congestionThreshold: number;
  maxWriteBytes: number;
  timeGranularityNs: number;
  maxPages: number;
}

export function encodeInit(unique: number, init: InitAnswer): Uint8Array {
  const size = init.minor < 23 ? INIT_OUT_COMPAT_22_BYTES : INIT_OUT_BYTES;
  const { bytes, view } = answerBuffer(unique, size);
  const at = OUT_HEADER_BYTES;
  view.setUint32(at, u32(init.major), true);
  view.setUint32(at + 4, u32(init.minor), true);
  view.setUint32(at + 8, u32(init.maxReadaheadBytes), true);
  view.setUint32(at + 12, u32(init.flags), true);
  view.setUint16(at + 16, init.maxBackground & 0xffff, true);
  view.setUint16(at + 18, init.congestionThreshold & 0xffff, true);
  view.setUint32(at + 20, u32(init.maxWriteBytes), true);
  if (size === INIT_OUT_BYTES) {
    view.setUint32(at + 24, u32(init.timeGranularityNs), true);
    view.setUint16(at + 28, init.maxPages & 0xffff, true);
    view.setUint16(at + 30, 0, true); // map_alignment
    view.setUint32(at + 32, u32(init.flags2), true);
  }
  return bytes;
}

/**
 * Packs readdir answers (struct fuse_dirent, or fuse_direntplus with `plus`), each record
 * padded to 8 bytes, into at most the size the kernel asked for.
 */
export class DirentPacker {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private used = OUT_HEADER_BYTES;

  constructor(
    private readonly unique: number,
    sizeBytes: number,
    private readonly plus: boolean,
  ) {
    // The kernel asks for a page or a few; the bound keeps a bogus size from allocating much.
    const body = Math.max(0, Math.min(u32(sizeBytes), 1024 * 1024));
    this.bytes = new Uint8Array(OUT_HEADER_BYTES + body);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Adds one entry; false when it does not fit (nothing of it is written then). */
  add(entry: DirEntry): boolean {
    const name = utf8Encoder.encode(entry.name);
    if (name.byteLength === 0 || name.byteLength > NAME_BYTES_MAX) return false;
    const nameAt = this.plus ? DIRENTPLUS_NAME_OFFSET : DIRENT_NAME_OFFSET;
    const recordBytes = align8(nameAt + name.byteLength);
    if (this.used + recordBytes > this.bytes.byteLength) return false;
    const at = this.used;
    let direntAt = at;
    if (this.plus) {
      writeEntryOut(this.view, at, entry.entry);
      direntAt = at + ENTRY_OUT_BYTES;
    }
    setU64(this.view, direntAt, entry.ino);
    setU64(this.view, direntAt + 8, entry.cookie);
    this.view.setUint32(direntAt + 16, name.byteLength, true);
    this.view.setUint32(direntAt + 20, (u32(entry.type) >>> 12) & 0xf, true);
    this.bytes.set(name, direntAt + DIRENT_NAME_OFFSET);
    this.used = at + recordBytes;
    return true;
  }

  /** Entries packed so far. */
  get bodyBytes(): number {
    return this.used - OUT_HEADER_BYTES;
  }

  /** The answer: header and the packed records. */
  finish(): Uint8Array {
    const out = this.bytes.subarray(0, this.used);
    this.view.setUint32(0, this.used, true);
    this.view.setInt32(4, 0, true);
    setU64(this.view, 8, this.unique);
    return out;
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

// --- notifications (unique 0, the code in the error field) ------------------------------------

/** FUSE_NOTIFY_INVAL_INODE: drop cached pages [offset, offset+length) (length < 0: to the end) and the attributes. */
export function encodeNotifyInvalInode(nodeId: number, offsetBytes: number, lengthBytes: number): Uint8Array {
  const { bytes, view } = answerBuffer(0, 24);
  view.setInt32(4, NotifyCode.INVAL_INODE, true);
  setU64(view, OUT_HEADER_BYTES, nodeId);
  setI64(view, OUT_HEADER_BYTES + 8, offsetBytes);
  setI64(view, OUT_HEADER_BYTES + 16, lengthBytes);
  return bytes;
}

/** FUSE_NOTIFY_INVAL_ENTRY: forget `name` in folder `parentNodeId`. */
export function encodeNotifyInvalEntry(parentNodeId: number, name: string): Uint8Array {
  const nameBytes = utf8Encoder.encode(name);
  if (nameBytes.byteLength === 0 || nameBytes.byteLength > NAME_BYTES_MAX) throw new FuseWireError(`A name of ${nameBytes.byteLength} bytes cannot be invalidated.`, undefined);
  const { bytes, view } = answerBuffer(0, 16 + nameBytes.byteLength + 1);
  view.setInt32(4, NotifyCode.INVAL_ENTRY, true);
  setU64(view, OUT_HEADER_BYTES, parentNodeId);
  view.setUint32(OUT_HEADER_BYTES + 8, nameBytes.byteLength, true);
  bytes.set(nameBytes, OUT_HEADER_BYTES + 16);
  return bytes;
}

// --- encoding requests (what the kernel sends; for tests and tools) -----------------------------

/** The bytes the kernel would send for `body` (the inverse of decodeRequest; setattr and init carry only what they decode to). */
export function encodeRequest(header: Omit<InHeader, "lengthBytes" | "extensionBytes" | "opcode">, body: RequestBody): Uint8Array {
  const parts: Uint8Array[] = [];
  const fixed = (size: number, fill: (view: DataView) => void) => {
    const b = new Uint8Array(size);
    fill(new DataView(b.buffer));
    parts.push(b);
  };
  const str = (text: string) => parts.push(utf8Encoder.encode(`${text}\0`));
  let opcode: number;
  switch (body.op) {
    case "lookup":
    case "unlink":
    case "rmdir":
    case "removexattr":
      opcode = { lookup: Opcode.LOOKUP, unlink: Opcode.UNLINK, rmdir: Opcode.RMDIR, removexattr: Opcode.REMOVEXATTR }[body.op];
      str(body.name);
      break;
    case "forget":
      opcode = Opcode.FORGET;
      fixed(8, (v) => setU64(v, 0, body.lookups));
      break;
    case "batch_forget":
      opcode = Opcode.BATCH_FORGET;
      fixed(8 + 16 * body.forgets.length, (v) => {
        v.setUint32(0, body.forgets.length, true);
        body.forgets.forEach((f, i) => {
          setU64(v, 8 + 16 * i, f.nodeId);
          setU64(v, 16 + 16 * i, f.lookups);
        });
      });
      break;
    case "getattr":
      opcode = Opcode.GETATTR;
      fixed(16, (v) => {
        v.setUint32(0, body.fh === undefined ? 0 : FUSE_GETATTR_FH, true);
        setU64(v, 8, body.fh ?? 0);
      });
      break;
    case "setattr": {
      opcode = Opcode.SETATTR;
      const c = body.changes;
      fixed(88, (v) => {
        let valid = 0;
        if (c.mode !== undefined) (valid |= FATTR.MODE), v.setUint32(68, c.mode, true);
        if (c.uid !== undefined) (valid |= FATTR.UID), v.setUint32(76, c.uid, true);
        if (c.gid !== undefined) (valid |= FATTR.GID), v.setUint32(80, c.gid, true);
        if (c.sizeBytes !== undefined) (valid |= FATTR.SIZE), setU64(v, 16, c.sizeBytes);
        const time = (value: number | "now" | undefined, flag: number, nowFlag: number, secAt: number, nsecAt: number) => {
          if (value === undefined) return;
          if (value === "now") return void (valid |= nowFlag);
          valid |= flag;
          const { sec, nsec } = splitMs(value);
          setI64(v, secAt, sec);
          v.setUint32(nsecAt, nsec, true);
        };
        time(c.atimeMs, FATTR.ATIME, FATTR.ATIME_NOW, 32, 56);
        time(c.mtimeMs, FATTR.MTIME, FATTR.MTIME_NOW, 40, 60);
        if (c.ctimeMs !== undefined) time(c.ctimeMs, FATTR.CTIME, 0, 48, 64);
        if (body.fh !== undefined) (valid |= FATTR.FH), setU64(v, 8, body.fh);
        v.setUint32(0, valid, true);
      });
      break;
    }
    case "readlink":
    case "statfs":
    case "destroy":
      opcode = { readlink: Opcode.READLINK, statfs: Opcode.STATFS, destroy: Opcode.DESTROY }[body.op];
      break;
    case "symlink":
      opcode = Opcode.SYMLINK;
      str(body.name);
      str(body.target);
      break;
    case "mknod":
      opcode = Opcode.MKNOD;
      fixed(16, (v) => {
        v.setUint32(0, body.mode, true);
        v.setUint32(4, body.rdev, true);
        v.setUint32(8, body.umask, true);
      });
      str(body.name);
      break;
    case "mkdir":
      opcode = Opcode.MKDIR;
      fixed(8, (v) => {
        v.setUint32(0, body.mode, true);
        v.setUint32(4, body.umask, true);
      });
      str(body.name);
      break;
    case "rename":
      opcode = body.flags ? Opcode.RENAME2 : Opcode.RENAME;
      fixed(body.flags ? 16 : 8, (v) => {
        setU64(v, 0, body.newParent);
        if (body.flags) v.setUint32(8, body.flags, true);
      });
      str(body.name);
      str(body.newName);
      break;
    case "link":
      opcode = Opcode.LINK;
      fixed(8, (v) => setU64(v, 0, body.oldNodeId));
      str(body.newName);
      break;
    case "open":
    case "opendir":
      opcode = body.op === "open" ? Opcode.OPEN : Opcode.OPENDIR;
      fixed(8, (v) => v.setUint32(0, body.flags, true));
      break;
    case "read":
    case "readdir":
      opcode = body.op === "read" ? Opcode.READ : body.plus ? Opcode.READDIRPLUS : Opcode.READDIR;
      fixed(40, (v) => {
        setU64(v, 0, body.fh);
        setU64(v, 8, body.op === "read" ? body.offsetBytes : body.cookie);
        v.setUint32(16, body.sizeBytes, true);
        if (body.op === "read") v.setUint32(32, body.flags, true);
      });
      break;
    case "write":
      opcode = Opcode.WRITE;
      fixed(40, (v) => {
        setU64(v, 0, body.fh);
        setU64(v, 8, body.offsetBytes);
        v.setUint32(16, body.data.byteLength, true);
        v.setUint32(20, body.writeFlags, true);
        v.setUint32(32, body.flags, true);
      });
      parts.push(body.data);
      break;
    case "release":
    case "releasedir":
      opcode = body.op === "release" ? Opcode.RELEASE : Opcode.RELEASEDIR;
      fixed(24, (v) => {
        setU64(v, 0, body.fh);
        v.setUint32(8, body.flags, true);
        if (body.op === "release") v.setUint32(12, body.releaseFlags, true);
      });
      break;
    case "fsync":
    case "fsyncdir":
      opcode = body.op === "fsync" ? Opcode.FSYNC : Opcode.FSYNCDIR;
      fixed(16, (v) => {
        setU64(v, 0, body.fh);
        v.setUint32(8, body.dataOnly ? FUSE_FSYNC_FDATASYNC : 0, true);
      });
      break;
    case "setxattr":
      opcode = Opcode.SETXATTR;
      fixed(8, (v) => {
        v.setUint32(0, body.value.byteLength, true);
        v.setUint32(4, body.flags, true);
      });
      str(body.name);
      parts.push(body.value);
      break;
    case "getxattr":
      opcode = Opcode.GETXATTR;
      fixed(8, (v) => v.setUint32(0, body.sizeBytes, true));
      str(body.name);
      break;
    case "listxattr":
      opcode = Opcode.LISTXATTR;
      fixed(8, (v) => v.setUint32(0, body.sizeBytes, true));
      break;
    case "flush":
      opcode = Opcode.FLUSH;
      fixed(24, (v) => setU64(v, 0, body.fh));
      break;
    case "init":
      opcode = Opcode.INIT;
      fixed(64, (v) => {
        v.setUint32(0, body.init.major, true);
        v.setUint32(4, body.init.minor, true);
        v.setUint32(8, body.init.maxReadaheadBytes, true);
        v.setUint32(12, body.init.flags, true);
        v.setUint32(16, body.init.flags2, true);
      });
      break;
    case "access":
      opcode = Opcode.ACCESS;
      fixed(8, (v) => v.setUint32(0, body.mask, true));
      break;
    case "create":
      opcode = Opcode.CREATE;
      fixed(16, (v) => {
        v.setUint32(0, body.flags, true);
        v.setUint32(4, body.mode, true);
        v.setUint32(8, body.umask, true);
      });
      str(body.name);
      break;
    case "interrupt":
      opcode = Opcode.INTERRUPT;
      fixed(8, (v) => setU64(v, 0, body.interruptedUnique));
      break;
    case "unsupported":
      opcode = body.opcode;
      break;
  }
  const total = IN_HEADER_BYTES + parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, total, true);
  view.setUint32(4, opcode, true);
  setU64(view, 8, header.unique);
  setU64(view, 16, header.nodeId);
  view.setUint32(24, header.uid, true);
  view.setUint32(28, header.gid, true);
  view.setUint32(32, header.pid, true);
  let at = IN_HEADER_BYTES;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
