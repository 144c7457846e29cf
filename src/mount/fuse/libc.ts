// The few libc calls the mount needs that node:fs has no word for: mount(2) and umount2(2),
// through bun:ffi (docs/mount.md "Route": no libfuse, no native addon). The library is opened
// on first use, so importing this file costs nothing where nothing mounts.
import { dlopen, FFIType, ptr, read, type Pointer } from "bun:ffi";

/** mount(2) flags (linux/mount.h). */
export const MountFlags = { MS_RDONLY: 1, MS_NOSUID: 2, MS_NODEV: 4 } as const;
/** umount2(2) flags: MNT_DETACH lets a busy or dead mount go lazily. */
export const UmountFlags = { MNT_FORCE: 1, MNT_DETACH: 2 } as const;

/** errno values this file names (asm-generic/errno-base.h). */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  11: "EAGAIN",
  2: "ENOENT",
  13: "EACCES",
  16: "EBUSY",
  19: "ENODEV",
  20: "ENOTDIR",
  22: "EINVAL",
  107: "ENOTCONN",
};

/** A libc call that answered -1, with its errno. */
export class LibcError extends Error {
  override name = "LibcError";
  readonly code: string;
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    const code = ERRNO_NAMES[errno] ?? `errno ${errno}`;
    super(`${call} failed: ${code}`);
    this.code = code;
  }
}

function openLibc() {
  return dlopen("libc.so.6", {
    mount: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
    umount2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
    socketpair: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
    recvmsg: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i64 },
  });
}

let libc: ReturnType<typeof openLibc> | undefined;
function symbols() {
  libc ??= openLibc();
  return libc.symbols;
}

/** A NUL-terminated copy of `text`; the caller keeps the buffer referenced until the call returned. */
function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`, "utf8");
}

/**
 * errno of the call just made on this thread. Read right after the call, before any other JS
 * that could make a system call (the garbage collector included) has run in between.
 */
function lastErrno(): number {
  const location = symbols().__errno_location() as Pointer | null;
  return location === null ? 0 : read.i32(location, 0);
}

/** mount(2). Throws LibcError with the errno on failure. */
export function mount(source: string, target: string, fsType: string, flags: number, data: string): void {
  const sourceBytes = cString(source);
  const targetBytes = cString(target);
  const typeBytes = cString(fsType);
  const dataBytes = cString(data);
  const result = symbols().mount(sourceBytes, targetBytes, typeBytes, flags, dataBytes);
  const errno = result === 0 ? 0 : lastErrno();
  // The buffers stay referenced until here, so no collection frees memory the kernel reads.
  keepAlive(sourceBytes, targetBytes, typeBytes, dataBytes);
  if (result !== 0) throw new LibcError("mount", errno);
}

/** umount2(2). Throws LibcError with the errno on failure. */
export function umount2(target: string, flags: number): void {
  const targetBytes = cString(target);
  const result = symbols().umount2(targetBytes, flags);
  const errno = result === 0 ? 0 : lastErrno();
  keepAlive(targetBytes);
  if (result !== 0) throw new LibcError("umount2", errno);
}

let kept = 0;
/** Uses its arguments in a way no optimiser can drop, so they live until this call. */
function keepAlive(...buffers: Buffer[]): void {
  for (const buffer of buffers) kept = (kept + buffer.length) | 0;
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
/** Both ends close on exec; the one a child gets is dup2'ed to its number there, which clears the flag. */
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_DONTWAIT = 0x40;

/** socketpair(AF_UNIX, SOCK_STREAM): two connected descriptors. */
export function socketPair(): [number, number] {
  const fds = new Int32Array(2);
  const result = symbols().socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
  const errno = result === 0 ? 0 : lastErrno();
  if (result !== 0) throw new LibcError("socketpair", errno);
  return [fds[0]!, fds[1]!];
}

/**
 * Receives one descriptor sent with SCM_RIGHTS on `socket` (fusermount3 sends /dev/fuse so),
 * without waiting: undefined when nothing was sent. struct msghdr, iovec and cmsghdr as laid
 * out on 64-bit Linux.
 */
export function receiveDescriptor(socket: number): number | undefined {
  const data = new Uint8Array(1);
  const iov = new Uint8Array(16);
  const control = new Uint8Array(24); // CMSG_SPACE(sizeof(int))
  const header = new Uint8Array(56);
  const iovView = new DataView(iov.buffer);
  iovView.setBigUint64(0, BigInt(ptr(data)), true);
  iovView.setBigUint64(8, 1n, true);
  const headerView = new DataView(header.buffer);
  headerView.setBigUint64(16, BigInt(ptr(iov)), true);
  headerView.setBigUint64(24, 1n, true);
  headerView.setBigUint64(32, BigInt(ptr(control)), true);
  headerView.setBigUint64(40, BigInt(control.byteLength), true);
  const result = Number(symbols().recvmsg(socket, header, MSG_DONTWAIT));
  const errno = result < 0 ? lastErrno() : 0;
  keepAliveArrays(data, iov, control, header);
  if (result < 0) {
    if (errno === 11) return undefined;
    throw new LibcError("recvmsg", errno);
  }
  const controlView = new DataView(control.buffer);
  const controlBytes = Number(headerView.getBigUint64(40, true));
  if (result === 0 || controlBytes < 20) return undefined;
  if (controlView.getInt32(8, true) !== SOL_SOCKET || controlView.getInt32(12, true) !== SCM_RIGHTS) return undefined;
  return controlView.getInt32(16, true);
}

function keepAliveArrays(...arrays: Uint8Array[]): void {
  for (const array of arrays) kept = (kept + array.length) | 0;
}
