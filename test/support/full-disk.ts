// A real full disk for tests: a small tmpfs, filled to the last byte. A file system fills in
// the middle of a write (a short write, then ENOSPC), which no fake reproduces exactly.
import { closeSync, openSync, writeSync } from "node:fs";

/** Why a test needing a tmpfs of its own cannot run here, or undefined when it can. */
export const TMPFS_SKIP_REASON = process.getuid?.() !== 0 ? "needs root to mount a small tmpfs" : undefined;

/** Mounts a tmpfs of `sizeMiB` on the folder `dir`; returns its unmount (lazy, so a leftover handle does not keep it). */
export function mountTmpfs(dir: string, sizeMiB: number, name: string): () => void {
  const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${sizeMiB}m,mode=0755`, name, dir], { stderr: "pipe" });
  if (mounted.exitCode !== 0) throw new Error(`mounting a tmpfs on ${dir} failed: ${mounted.stderr.toString().trim()}`);
  return () => void Bun.spawnSync(["umount", "-l", dir]);
}

/**
 * Appends to `file` until its file system has no byte left, in ever smaller writes (1 MiB down
 * to 1 byte); returns the bytes written. Any error but ENOSPC is thrown.
 */
export function fillToLastByte(file: string): number {
  const fd = openSync(file, "a");
  let written = 0;
  try {
    for (let size = 1 << 20; size >= 1; size >>= 2) {
      const buffer = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          written += writeSync(fd, buffer);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
