// What is at a mount point before `tessera mount` uses it, and after (`tessera umount`, the
// daemon's readiness): the kernel's table of mounts (/proc/self/mountinfo) and the folder.
import { closeSync, openSync, readFileSync, readdirSync, statSync } from "node:fs";

/** One line of /proc/self/mountinfo (proc(5)): the fields this command needs. */
export interface MountEntry {
  /** The device of the mounted file system, "major:minor" as st_dev of its files. */
  device: string;
  mountPoint: string;
  /** "fuse.tessera" for a Tessera mount. */
  fsType: string;
  source: string;
}

/** The file system type a Tessera mount has in the kernel's table (src/mount/fuse/mount.ts mounts "fuse.tessera"). */
export const TESSERA_FS_TYPE = "fuse.tessera";

/** The mounts of this process's mount namespace; the last one of a point is the one on top. */
export function readMounts(text = readFileSync("/proc/self/mountinfo", "utf8")): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
    const fields = line.split(" ");
    const separator = fields.indexOf("-", 6);
    if (fields.length < 7 || separator < 0 || separator + 2 >= fields.length) continue;
    mounts.push({ device: fields[2]!, mountPoint: unescapeMountField(fields[4]!), fsType: unescapeMountField(fields[separator + 1]!), source: unescapeMountField(fields[separator + 2]!) });
  }
  return mounts;
}

/** The mount on top at `path` (an absolute path without a trailing slash), if any. */
export function mountAt(path: string, mounts = readMounts()): MountEntry | undefined {
  return mounts.findLast((mount) => mount.mountPoint === path);
}

export function isTesseraMount(mount: MountEntry): boolean {
  return mount.fsType === TESSERA_FS_TYPE || (mount.fsType.startsWith("fuse") && mount.source.startsWith("tessera"));
}

/** "major:minor" of a st_dev (Linux's encoding of dev_t, sys/sysmacros.h). */
export function deviceName(dev: number | bigint): string {
  const value = BigInt(dev);
  const major = ((value >> 8n) & 0xfffn) | ((value >> 32n) & ~0xfffn);
  const minor = (value & 0xffn) | ((value >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

// The kernel writes space, tab, newline and backslash in these fields as \ooo octal escapes.
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** What `tessera mount` finds at its mount point. */
export type MountPointState =
  | { kind: "ready" }
  | { kind: "missing" }
  | { kind: "not-a-folder" }
  | { kind: "not-empty"; entries: number }
  | { kind: "mounted"; mount: MountEntry }
  /** A FUSE mount whose process is gone: the kernel answers ENOTCONN for it. */
  | { kind: "stale"; mount: MountEntry | undefined }
  | { kind: "unreadable"; code: string };

export function mountPointState(path: string): MountPointState {
  const mounted = mountAt(path);
  try {
    if (!statSync(path).isDirectory()) return mounted ? { kind: "mounted", mount: mounted } : { kind: "not-a-folder" };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    if (code === "ENOENT") return { kind: "missing" };
    if (code === "ENOTCONN") return { kind: "stale", mount: mounted };
    return { kind: "unreadable", code };
  }
  if (mounted) {
    // A dead FUSE mount may still answer a stat from the kernel's attribute cache; opening the
    // folder asks its server, and a dead one answers ENOTCONN.
    try {
      closeSync(openSync(path, "r"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOTCONN") return { kind: "stale", mount: mounted };
    }
    return { kind: "mounted", mount: mounted };
  }
  let entries: string[];
  try {
    entries = readdirSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    return code === "ENOTCONN" ? { kind: "stale", mount: mounted } : { kind: "unreadable", code };
  }
  return entries.length > 0 ? { kind: "not-empty", entries: entries.length } : { kind: "ready" };
}
