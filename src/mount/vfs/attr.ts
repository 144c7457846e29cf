// A namespace status as the kernel's struct stat (issue 17).
import type { StatView } from "../../client/fs.ts";
import { FileType, type Attr } from "../fuse/operations.ts";
import type { Identity } from "./identity.ts";
import type { NodeKind } from "./nodes.ts";

/**
 * st_blksize: what `cp`, `cat` and stdio size their reads and writes by. 1 MiB is the
 * largest a FUSE read or write carries (max_pages 256), so every call is a full one.
 */
export const VFS_BLOCK_SIZE_BYTES = 1024 * 1024;

/** The namespace's permission bits the mount shows: rwx for three, and the sticky bit. */
export const PERMISSION_BITS = 0o1777;

export function typeBits(kind: NodeKind): number {
  return kind === "dir" ? FileType.S_IFDIR : kind === "symlink" ? FileType.S_IFLNK : FileType.S_IFREG;
}

/** The size the kernel sees: a symbolic link's is its target's length in bytes (lstat). */
export function sizeOf(stat: StatView): number {
  return stat.kind === "symlink" ? Buffer.byteLength(stat.symlinkTarget ?? "", "utf8") : stat.size;
}

/**
 * The attributes of `stat` as node `ino`. nlink is 1 for folders too: find(1) and some
 * other walkers take nlink-2 as the count of subfolders and skip stat()ing the rest ("leaf
 * optimisation"), which a count the namespace does not keep would break. `sizeBytes`
 * overrides the status's size (a file this mount is writing: its editor's length).
 */
export function attrOf(ino: number, stat: StatView, identity: Identity, sizeBytes = sizeOf(stat)): Attr {
  const kind = stat.kind;
  const permission = kind === "symlink" ? 0o777 : stat.permission & PERMISSION_BITS;
  return {
    ino,
    sizeBytes,
    blocks: Math.ceil(sizeBytes / 512),
    atimeMs: stat.accessTimeMs > 0 ? stat.accessTimeMs : stat.mtimeMs,
    mtimeMs: stat.mtimeMs,
    // The namespace keeps no change time: the last modification is the closest it has.
    ctimeMs: stat.mtimeMs,
    mode: typeBits(kind) | permission,
    nlink: 1,
    uid: identity.uidOf(stat.owner),
    gid: identity.gidOf(stat.group),
    blockSizeBytes: VFS_BLOCK_SIZE_BYTES,
  };
}

/** The version of a file the kernel's page cache may hold: same fileId, size, time, chunks and their versions. */
export function fileVersionOf(stat: StatView): string {
  return `${stat.fileId ?? 0}:${stat.size}:${stat.mtimeMs}:${stat.chunks.map((chunk) => `${chunk.id}@${chunk.version}`).join(",")}`;
}
