// A folder every peer reaches (an NFS share, say) as an under-storage (issue 16, docs/cache.md).
// A file's fingerprint is its modification time (ms) and size: a read checks both before and
// after each piece it hands on, so a reader never gets bytes of a version it did not ask for
// (a rewrite of the same size within the same millisecond is the blind spot). Writes go to a
// hidden temporary name, are synced, then renamed into place, so a reader of the folder sees
// the old file or the new one, never half of it.
import { randomBytes } from "node:crypto";
import { mkdir, open, opendir, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import type { Stats } from "node:fs";
import { dirname, join } from "node:path";
import { fileFingerprint } from "../protocol/mounts.ts";
import { fileError, UnderStorageError } from "./errors.ts";
import { checkRelativePath, compareNames, isShowableName } from "./names.ts";
import type { UnderStorage, UnderStorageEntry, UnderStoragePage } from "./under-storage.ts";

/** Bytes read from the file per piece of a read (and per fingerprint check). */
export const FILE_READ_PIECE_BYTES = 1024 * 1024;
/** Entries of a listing page stat'ed at once. */
export const FILE_STATS_IN_FLIGHT = 16;
/** Names of files being written: listings never show them. */
const TEMP_NAME_PREFIX = ".tessera-tmp-";

function lastSegment(relativePath: string): string {
  return relativePath.slice(relativePath.lastIndexOf("/") + 1);
}

function entryOf(name: string, info: Stats): UnderStorageEntry | undefined {
  if (info.isDirectory()) return { name, directory: true, sizeBytes: 0, mtimeMs: Math.trunc(info.mtimeMs), fingerprint: "" };
  if (info.isFile()) return { name, directory: false, sizeBytes: info.size, mtimeMs: Math.trunc(info.mtimeMs), fingerprint: fileFingerprint(info.mtimeMs, info.size) };
  // Sockets, devices, FIFOs: nothing a cache can read in ranges.
  return undefined;
}

export class FileUnderStorage implements UnderStorage {
  readonly scheme = "file" as const;

  /** `dir`: the folder's absolute path (the URI's, file:///dir). */
  constructor(private readonly dir: string) {}

  private pathOf(relativePath: string): string {
    checkRelativePath(relativePath);
    return relativePath === "" ? this.dir : join(this.dir, relativePath);
  }

  private shown(relativePath: string): string {
    return `file://${this.pathOf(relativePath)}`;
  }

  async check(): Promise<void> {
    let info: Stats;
    try {
      info = await stat(this.dir);
    } catch (err) {
      throw fileError(err, `the folder ${this.dir}`);
    }
    if (!info.isDirectory()) throw new UnderStorageError("INVALID", `${this.dir} is not a folder`);
  }

  async list(relativePath: string, after: string, limit: number): Promise<UnderStoragePage> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new UnderStorageError("INVALID", `a listing page holds at least one entry, not ${limit}`);
    const folder = this.pathOf(relativePath);
    // The limit + 1 smallest names after `after`, kept sorted as the folder streams by: a page
    // costs a pass over the folder, but never more than a page of names in memory.
    const smallest: string[] = [];
    try {
      const handle = await opendir(folder, { bufferSize: 256 });
      for await (const dirent of handle) {
        const name = dirent.name;
        if (name.startsWith(TEMP_NAME_PREFIX) || !isShowableName(name) || compareNames(name, after) <= 0) continue;
        if (smallest.length > limit && compareNames(name, smallest[smallest.length - 1]!) >= 0) continue;
        let low = 0;
        let high = smallest.length;
        while (low < high) {
          const middle = (low + high) >>> 1;
          if (compareNames(smallest[middle]!, name) < 0) low = middle + 1;
          else high = middle;
        }
        smallest.splice(low, 0, name);
        if (smallest.length > limit + 1) smallest.pop();
      }
    } catch (err) {
      throw fileError(err, this.shown(relativePath));
    }
    const more = smallest.length > limit;
    const names = more ? smallest.slice(0, limit) : smallest;
    // A few stats at once: on a network share each is a round trip.
    const found: Array<UnderStorageEntry | undefined> = new Array(names.length);
    let nextIndex = 0;
    const statNext = async (): Promise<void> => {
      for (let i = nextIndex++; i < names.length; i = nextIndex++) {
        const name = names[i]!;
        try {
          found[i] = entryOf(name, await stat(join(folder, name)));
        } catch (err) {
          // Gone since the folder was read (or a dangling link): it is not there.
          if ((err as { code?: string }).code !== "ENOENT") throw fileError(err, this.shown(relativePath === "" ? name : `${relativePath}/${name}`));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(FILE_STATS_IN_FLIGHT, names.length) }, statNext));
    const entries = found.filter((entry): entry is UnderStorageEntry => entry !== undefined);
    return { entries, next: more ? names[names.length - 1]! : "" };
  }

  async stat(relativePath: string): Promise<UnderStorageEntry | undefined> {
    const path = this.pathOf(relativePath);
    if (relativePath === "") await this.check();
    if (lastSegment(relativePath).startsWith(TEMP_NAME_PREFIX)) return undefined;
    try {
      return entryOf(lastSegment(relativePath), await stat(path));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw fileError(err, this.shown(relativePath));
    }
  }

  async *read(relativePath: string, offsetBytes: number, lengthBytes: number, fingerprint: string): AsyncIterable<Uint8Array> {
    const path = this.pathOf(relativePath);
    const changed = () => new UnderStorageError("CHANGED", `${this.shown(relativePath)} changed in the under-storage; read it again`);
    if (!Number.isSafeInteger(offsetBytes) || !Number.isSafeInteger(lengthBytes) || offsetBytes < 0 || lengthBytes < 0) {
      throw new UnderStorageError("INVALID", `bytes ${offsetBytes}..${offsetBytes + lengthBytes} are not a range of ${relativePath}`);
    }
    let handle;
    try {
      handle = await open(path, "r");
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw changed();
      throw fileError(err, this.shown(relativePath));
    }
    try {
      const unchanged = async () => {
        const info = await handle.stat();
        return info.isFile() && fileFingerprint(info.mtimeMs, info.size) === fingerprint;
      };
      if (!(await unchanged())) throw changed();
      let doneBytes = 0;
      while (doneBytes < lengthBytes) {
        const piece = new Uint8Array(Math.min(FILE_READ_PIECE_BYTES, lengthBytes - doneBytes));
        let filled = 0;
        while (filled < piece.length) {
          const { bytesRead } = await handle.read(piece, filled, piece.length - filled, offsetBytes + doneBytes + filled);
          // Shorter than its fingerprint says: it changed (the check below says so).
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        if (filled < piece.length || !(await unchanged())) throw changed();
        doneBytes += filled;
        yield piece;
      }
    } catch (err) {
      throw fileError(err, this.shown(relativePath));
    } finally {
      await handle.close();
    }
  }

  async write(relativePath: string, body: AsyncIterable<Uint8Array>, sizeBytes: number): Promise<UnderStorageEntry> {
    if (relativePath === "") throw new UnderStorageError("INVALID", "a file cannot be written at a mount's root");
    const path = this.pathOf(relativePath);
    const folder = dirname(path);
    const temp = join(folder, `${TEMP_NAME_PREFIX}${randomBytes(8).toString("hex")}`);
    try {
      await mkdir(folder, { recursive: true });
      const handle = await open(temp, "wx");
      try {
        let writtenBytes = 0;
        for await (const piece of body) {
          writtenBytes += piece.byteLength;
          if (writtenBytes > sizeBytes) throw new UnderStorageError("INVALID", `the file written to ${relativePath} is longer than its ${sizeBytes} bytes`);
          let done = 0;
          while (done < piece.byteLength) done += (await handle.write(piece, done, piece.byteLength - done)).bytesWritten;
        }
        if (writtenBytes !== sizeBytes) throw new UnderStorageError("INVALID", `the file written to ${relativePath} ended after ${writtenBytes} of its ${sizeBytes} bytes`);
        // On disk before it takes the name: a crash leaves the old file or the whole new one.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      await syncFolder(folder);
      const entry = entryOf(lastSegment(relativePath), await stat(path));
      if (!entry || entry.directory) throw new UnderStorageError("CHANGED", `${this.shown(relativePath)} was replaced while it was written`);
      return entry;
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw fileError(err, this.shown(relativePath));
    }
  }

  async delete(relativePath: string, recursive: boolean): Promise<void> {
    if (relativePath === "") throw new UnderStorageError("INVALID", "a mount's root is not deleted through the under-storage: unmount it");
    const path = this.pathOf(relativePath);
    try {
      const info = await stat(path).catch((err: { code?: string }) => {
        if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
        throw err;
      });
      if (info === undefined) return;
      if (!info.isDirectory()) await unlink(path);
      else if (recursive) await rm(path, { recursive: true, force: true });
      else await rmdir(path);
      await syncFolder(dirname(path));
    } catch (err) {
      throw fileError(err, this.shown(relativePath));
    }
  }

  async rename(fromRelativePath: string, toRelativePath: string): Promise<void> {
    if (fromRelativePath === "" || toRelativePath === "") throw new UnderStorageError("INVALID", "a mount's root cannot be renamed");
    const from = this.pathOf(fromRelativePath);
    const to = this.pathOf(toRelativePath);
    try {
      await mkdir(dirname(to), { recursive: true });
      await rename(from, to);
      await syncFolder(dirname(to));
      if (dirname(from) !== dirname(to)) await syncFolder(dirname(from));
    } catch (err) {
      throw fileError(err, this.shown(fromRelativePath));
    }
  }

  async close(): Promise<void> {}
}

/** fsync of a folder: a rename or an unlink in it survives a crash. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
