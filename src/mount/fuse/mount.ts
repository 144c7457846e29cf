// Mounting a FUSE session (issue 17, docs/mount.md "Route"): /dev/fuse opened, mount(2)
// through bun:ffi as root, the session served until the kernel ends it. No libfuse: as root
// the kernel takes the descriptor straight from mount(2)'s options; another user mounts
// through the setuid fusermount3, which hands the descriptor back over a Unix socket.
import { closeSync, openSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { LibcError, mount, MountFlags, receiveDescriptor, socketPair, umount2, UmountFlags } from "./libc.ts";
import type { FuseFileSystem, FuseMount, FuseMountOptions } from "./operations.ts";
import { FuseSession, MAX_WRITE_BYTES, type SessionOptions } from "./session.ts";

/** How long the kernel may take to send INIT after mount(2) before the mount is given up. */
const INIT_TIMEOUT_MS = 10_000;
/**
 * Read-ahead of the mount's backing device, KiB. The kernel offers FUSE 128 KiB at INIT (and
 * INIT can only lower it); raised through sysfs to a whole request (max_pages of 4 KiB), a
 * sequential read goes in 1 MiB READs instead of 128 KiB ones: measured 517 → 1,068 MB/s for
 * dd of 1 GiB from a memory file system (docs/mount.md "Route").
 */
const READ_AHEAD_KB = MAX_WRITE_BYTES / 1024;
/** The mount's type in /proc/mounts is fuse.<subtype>. */
const SUBTYPE = "tessera";

/** A mount that could not be made or unmade; the message says why in one sentence. */
export class MountError extends Error {
  override name = "MountError";
}

/** Mount points served by this process: a stat of one from here would wait on this very thread. */
const servedHere = new Set<string>();
let detachOnExit = false;

/** Root mounts with mount(2); anyone else through the setuid fusermount3 of Debian's fuse3. */
function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * A process that exits while serving leaves its mounts answering ENOTCONN until someone unmounts
 * them; detaching them on the way out leaves no dead folder behind (kill -9 still can, which
 * the next mountFuse on the point recovers). A lazy unmount returns at once: it waits on no request.
 */
function detachMountsOnExit(): void {
  if (detachOnExit) return;
  detachOnExit = true;
  process.on("exit", () => {
    for (const target of servedHere) {
      try {
        if (isRoot()) umount2(target, UmountFlags.MNT_DETACH);
        else Bun.spawnSync(["fusermount3", "-u", "-z", "--", target], { stdio: ["ignore", "ignore", "ignore"] });
      } catch {
        // Already unmounted.
      }
    }
  });
}

/** Runs fusermount3 with `args`; its complaint (stderr) is in the MountError when it fails. */
async function fusermount(args: string[], what: string): Promise<void> {
  const child = Bun.spawn(["fusermount3", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new MountError(`${what} failed: ${stderr.trim() || `fusermount3 exited ${code}`}.`);
}

/** Detaches a mount (MNT_DETACH), as root or through fusermount3 -z. */
async function detach(target: string): Promise<void> {
  if (isRoot()) umount2(target, UmountFlags.MNT_DETACH);
  else await fusermount(["-u", "-z", "--", target], `Detaching ${target}`);
}

/** Mounts `fs` at `mountPoint` (an existing, empty folder) and serves it until unmounted. */
export async function mountFuse(
  mountPoint: string,
  fs: FuseFileSystem,
  options: FuseMountOptions & Pick<SessionOptions, "writebackCache"> = {},
): Promise<FuseMount> {
  const given = resolve(mountPoint);
  if (!isRoot() && Bun.which("fusermount3") === null) {
    throw new MountError(`Mounting ${given} needs root, or fusermount3 (Debian's fuse3 package) for a mount by another user.`);
  }
  if (servedHere.has(given)) throw new MountError(`${given} is already mounted by this process.`);
  if (await isStaleMount(given)) await detach(given);
  // /proc/self/mounts names mount points by their real path.
  const target = checkMountPoint(given);
  if (servedHere.has(target)) throw new MountError(`${target} is already mounted by this process.`);

  const fd = isRoot() ? mountAsRoot(target, options) : await mountThroughFusermount(target, options);
  // Started after mounting: until then the descriptor belongs to no connection and reads fail (EPERM).
  const session = new FuseSession(fd, fs, { debug: options.debug, writebackCache: options.writebackCache });
  session.start();
  servedHere.add(target);
  detachMountsOnExit();
  void session.closed.then(() => {
    servedHere.delete(target);
    closeQuietly(fd);
  });
  const timeout = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new MountError(`The kernel sent no FUSE INIT for ${target} within ${INIT_TIMEOUT_MS} ms.`)), INIT_TIMEOUT_MS);
    void session.closed.then(() => clearTimeout(timer));
    void session.initialized.then(() => clearTimeout(timer), () => clearTimeout(timer));
  });
  try {
    await Promise.race([session.initialized, timeout]);
  } catch (err) {
    await detach(target).catch(() => undefined); // already gone: nothing to undo
    throw err;
  }
  raiseReadAhead(target, options.debug);
  return {
    mountPoint: target,
    closed: session.closed,
    async unmount(unmountOptions = {}) {
      if (!servedHere.has(target)) return session.closed;
      try {
        // As root from the control thread (an unmount may wait on answers this thread gives);
        // fusermount3 is a process of its own anyway.
        if (isRoot()) await session.umount(target, unmountOptions.lazy ? UmountFlags.MNT_DETACH : 0);
        else await fusermount(["-u", ...(unmountOptions.lazy ? ["-z"] : []), "--", target], `Unmounting ${target}`);
      } catch (err) {
        throw new MountError(`Unmounting ${target} failed: ${err instanceof Error ? err.message : String(err)} (files may be open on it; a lazy unmount detaches it anyway).`);
      }
      await session.closed;
    },
  };
}

/** mount(2) with the /dev/fuse descriptor in its options; the descriptor. */
function mountAsRoot(target: string, options: FuseMountOptions): number {
  let fd: number;
  try {
    fd = openSync("/dev/fuse", "r+");
  } catch (err) {
    throw new MountError(`/dev/fuse could not be opened (${(err as { code?: string }).code ?? String(err)}): the kernel needs FUSE for a mount.`);
  }
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const data = [`fd=${fd}`, "rootmode=40000", `user_id=${uid}`, `group_id=${gid}`, `max_read=${MAX_WRITE_BYTES}`];
  if (options.allowOther) data.push("allow_other");
  if (options.defaultPermissions ?? options.allowOther) data.push("default_permissions");
  const flags = MountFlags.MS_NOSUID | MountFlags.MS_NODEV | (options.readonly ? MountFlags.MS_RDONLY : 0);
  try {
    mount(options.fsName ?? SUBTYPE, target, `fuse.${SUBTYPE}`, flags, data.join(","));
  } catch (err) {
    closeSync(fd);
    throw new MountError(`mount(2) of ${target} failed: ${err instanceof LibcError ? err.code : String(err)}.`);
  }
  return fd;
}

/**
 * The unprivileged route: fusermount3 (setuid root) opens /dev/fuse, mounts, and hands the
 * descriptor back over a Unix socket named by _FUSE_COMMFD (as libfuse does); the descriptor.
 * It adds nosuid,nodev and the user's ids itself; allow_other needs user_allow_other in
 * /etc/fuse.conf.
 */
async function mountThroughFusermount(target: string, options: FuseMountOptions): Promise<number> {
  // A comma or backslash in the name would start another option in fusermount3's -o list.
  const fsName = (options.fsName ?? SUBTYPE).replace(/[,\\\s]/g, "_");
  const mountOptions = [`fsname=${fsName}`, `subtype=${SUBTYPE}`, `max_read=${MAX_WRITE_BYTES}`, options.readonly ? "ro" : "rw"];
  if (options.allowOther) mountOptions.push("allow_other");
  if (options.defaultPermissions ?? options.allowOther) mountOptions.push("default_permissions");
  const [ours, theirs] = socketPair();
  let stderr: string;
  let code: number;
  try {
    let child: Bun.Subprocess<"ignore", "ignore", "pipe">;
    try {
      child = Bun.spawn(["fusermount3", "-o", mountOptions.join(","), "--", target], {
        stdio: ["ignore", "ignore", "pipe", theirs],
        env: { ...process.env, _FUSE_COMMFD: "3" },
      });
    } finally {
      closeQuietly(theirs); // the child has its copy; ours would keep the socket from ever ending
    }
    [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    const fd = receiveDescriptor(ours);
    if (fd !== undefined) return fd;
  } finally {
    closeQuietly(ours);
  }
  throw new MountError(`fusermount3 could not mount ${target}: ${stderr.trim() || `it exited ${code} without a descriptor`}.`);
}

/**
 * Sets the mount's read-ahead (READ_AHEAD_KB) through /sys/class/bdi/<major>:<minor>, the
 * device found in /proc/self/mountinfo (a stat of the mount from this thread would wait on the
 * session this thread serves). Best effort: a mount without it only reads ahead less.
 */
function raiseReadAhead(target: string, debug: ((line: string) => void) | undefined): void {
  try {
    const device = mountInfoDevice(target);
    if (!device) return;
    writeFileSync(`/sys/class/bdi/${device}/read_ahead_kb`, String(READ_AHEAD_KB));
  } catch (err) {
    debug?.(`read-ahead of ${target} left as the kernel set it: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The major:minor of the mount at `target` (the last one listed: mounts stack). */
function mountInfoDevice(target: string): string | undefined {
  let device: string | undefined;
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const fields = line.split(" ");
    if (fields[4] !== undefined && unescapeMountPath(fields[4]) === target) device = fields[2];
  }
  return device;
}

function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed (a failed mount closed it).
  }
}

/** `given`'s real path; throws MountError unless it is an existing, empty folder that nothing is mounted on. */
function checkMountPoint(given: string): string {
  let stat;
  let target = given;
  try {
    target = realpathSync(given);
    stat = statSync(target);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT") throw new MountError(`The mount point ${given} does not exist.`);
    throw new MountError(`The mount point ${target} cannot be used (${code ?? String(err)}).`);
  }
  if (!stat.isDirectory()) throw new MountError(`The mount point ${target} is not a folder.`);
  if (isMountPoint(target)) throw new MountError(`Something is already mounted on ${target}.`);
  if (readdirSync(target).length > 0) throw new MountError(`The mount point ${target} is not empty.`);
  return target;
}

/** Whether /proc/self/mounts lists `target` as a mount point (spaces and such appear there as octal escapes). */
function isMountPoint(target: string): boolean {
  let table: string;
  try {
    table = readFileSync("/proc/self/mounts", "utf8");
  } catch {
    return false;
  }
  for (const line of table.split("\n")) {
    const field = line.split(" ")[1];
    if (field && unescapeMountPath(field) === target) return true;
  }
  return false;
}

/** Unmounts `mountPoint` (umount2, or fusermount3 -u when not root; MNT_DETACH when `lazy`). */
export async function unmountPath(mountPoint: string, options: { lazy?: boolean } = {}): Promise<void> {
  const target = resolve(mountPoint);
  if (!isRoot()) return fusermount(["-u", ...(options.lazy ? ["-z"] : []), "--", target], `Unmounting ${target}`);
  try {
    umount2(target, options.lazy ? UmountFlags.MNT_DETACH : 0);
  } catch (err) {
    if (err instanceof LibcError && err.code === "EINVAL") throw new MountError(`Nothing is mounted on ${target}.`);
    if (err instanceof LibcError && err.code === "EBUSY") throw new MountError(`${target} is busy (files are open on it); a lazy unmount detaches it anyway.`);
    throw new MountError(`Unmounting ${target} failed: ${err instanceof Error ? err.message : String(err)}.`);
  }
}

/** Whether `mountPoint` is a FUSE mount whose process is gone (stat answers ENOTCONN). */
export async function isStaleMount(mountPoint: string): Promise<boolean> {
  const target = resolve(mountPoint);
  // A stat of a mount this process serves would wait on this very thread; it is not stale anyway.
  if (servedHere.has(target)) return false;
  try {
    statSync(target);
    return false;
  } catch (err) {
    return (err as { code?: string }).code === "ENOTCONN";
  }
}
