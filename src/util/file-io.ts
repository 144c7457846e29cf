// Small file helpers of the disk store: positioned reads and writes that loop until done,
// durable small files, folder fsyncs, and unlinks that tolerate a file already gone.
import { closeSync, fsyncSync, openSync, unlinkSync } from "node:fs";
import { open, unlink, type FileHandle } from "node:fs/promises";
import { assert } from "./assert.ts";

/**
 * A buffer without zeroing, for reads whose caller fills it completely or throws it away, so
 * its old contents never escape; skipping the zeroing measurably speeds up reads (new Uint8Array zeroes every page
 * first). A plain Uint8Array, not a Buffer: Buffer.slice() is a view, a trap for callers.
 */
export function allocateUninitialized(sizeBytes: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(sizeBytes);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, sizeBytes);
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/** Positioned reads until `buffer` is full or the file ends; returns the bytes read. */
export async function readFully(handle: FileHandle, buffer: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

export async function writeFully(handle: FileHandle, buffer: Uint8Array, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await handle.write(buffer, done, length - done, position + done);
    assert(bytesWritten > 0, "a file write makes progress");
    done += bytesWritten;
  }
}

export async function writeFileSynced(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, "wx", 0o644);
  try {
    await writeFully(handle, bytes, bytes.length, 0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** A rename or a new entry is only durable once its folder is fsynced. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export function unlinkIfPresentSync(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
