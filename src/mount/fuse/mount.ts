// Mounting a FUSE session (issue 17, docs/mount.md "Route"): /dev/fuse opened, mount(2)
// through bun:ffi as root, the session served until the kernel ends it. No libfuse and no
// fusermount3: as root the kernel takes the descriptor straight from mount(2)'s options.
import { closeSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { LibcError, mount, MountFlags, umount2, UmountFlags } from "./libc.ts";
import type { FuseFileSystem, FuseMount, FuseMountOptions } from "./operations.ts";
import { FuseSession, MAX_WRITE_BYTES, type SessionOptions } from "./session.ts";

/** How long the kernel may take to send INIT after mount(2) before the mount is given up. */
const INIT_TIMEOUT_MS = 10_000;
/** The mount's type in /proc/mounts is fuse.<subtype>. */
const SUBTYPE = "tessera";

/** A mount that could not be made or unmade; the message says why in one sentence. */
export class MountError extends Error {
  override name = "MountError";
}

/** Mount points served by this process: a stat of one from here would wait on this very thread. */
const servedHere = new Set<string>();

/** Mounts `fs` at `mountPoint` (an existing, empty folder) and serves it until unmounted. */
export async function mountFuse(
  mountPoint: string,
  fs: FuseFileSystem,
  options: FuseMountOptions & Pick<SessionOptions, "writebackCache"> = {},
): Promise<FuseMount> {
  const target = resolve(mountPoint);
  if (process.getuid?.() !== 0) {
    throw new MountError(`Mounting ${target} needs root: the kernel takes a FUSE mount from mount(2) only from root here (run as root; the unprivileged fusermount3 route is not built).`);
  }
  if (servedHere.has(target)) throw new MountError(`${target} is already mounted by this process.`);
  if (await isStaleMount(target)) umount2(target, UmountFlags.MNT_DETACH);
  checkMountPoint(target);

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
  // Started after mount(2): until then the descriptor belongs to no connection and reads fail (EPERM).
  const session = new FuseSession(fd, fs, { debug: options.debug, writebackCache: options.writebackCache });
  session.start();
  servedHere.add(target);
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
    try {
      umount2(target, UmountFlags.MNT_DETACH);
    } catch {
      // Already gone: nothing to undo.
    }
    throw err;
  }
  return {
    mountPoint: target,
    closed: session.closed,
    async unmount(unmountOptions = {}) {
      if (!servedHere.has(target)) return session.closed;
      try {
        await session.umount(target, unmountOptions.lazy ? UmountFlags.MNT_DETACH : 0);
      } catch (err) {
        throw new MountError(`Unmounting ${target} failed: ${err instanceof Error ? err.message : String(err)} (files may be open on it; a lazy unmount detaches it anyway).`);
      }
      await session.closed;
    },
  };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed (a failed mount closed it).
  }
}

/** Throws MountError unless `target` is an existing, empty folder that nothing is mounted on. */
function checkMountPoint(target: string): void {
  let stat;
  try {
    stat = statSync(target);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT") throw new MountError(`The mount point ${target} does not exist.`);
    throw new MountError(`The mount point ${target} cannot be used (${code ?? String(err)}).`);
  }
  if (!stat.isDirectory()) throw new MountError(`The mount point ${target} is not a folder.`);
  if (isMountPoint(target)) throw new MountError(`Something is already mounted on ${target}.`);
  if (readdirSync(target).length > 0) throw new MountError(`The mount point ${target} is not empty.`);
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
    if (field && field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8))) === target) return true;
  }
  return false;
}

/** Unmounts `mountPoint` (umount2; MNT_DETACH when `lazy`). */
export async function unmountPath(mountPoint: string, options: { lazy?: boolean } = {}): Promise<void> {
  const target = resolve(mountPoint);
  try {
    umount2(target, options.lazy ? UmountFlags.MNT_DETACH : 0);
  } catch (err) {
    if (err instanceof LibcError && err.code === "EINVAL") throw new MountError(`Nothing is mounted on ${target}.`);
    if (err instanceof LibcError && err.code === "EBUSY") throw new MountError(`${target} is busy (files are open on it); a lazy unmount detaches it anyway.`);
    if (err instanceof LibcError && err.code === "EPERM") throw new MountError(`Unmounting ${target} needs root.`);
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
