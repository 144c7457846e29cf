// A file read while another thread is still writing it: a reduce's output is committed to the
// file system as its task thread writes it, as Hadoop's reduce writes through the DFS client
// as it goes, rather than after the last line (the commit then overlaps the merge instead of
// following it).
import { open } from "node:fs/promises";
import { allocateUninitialized } from "../util/file-io.ts";

/** How long a reader at the end of what is written waits before it looks again (ms). */
export const GROWING_FILE_POLL_MS = 10;

/**
 * The bytes of the file at `path` as its writer appends them, in pieces of at most
 * `pieceBytes`: fresh ones, or with `reuseBuffer` views of one buffer, each valid only until
 * the next piece is asked for (for a consumer that copies what it keeps, as the file system's
 * put does: a fresh buffer per piece was a page fault per 4 KiB of a reduce's output). `written` settles when the writer is done: with the file's final size (the
 * stream then ends once it has given that many bytes), or with the writer's error, which the
 * stream then throws. The file need not exist yet: it is looked for until it does or the
 * writer is done. Only appends are followed: the writer must never rewrite a byte it wrote.
 */
export async function* followGrowingFile(path: string, written: Promise<number>, pieceBytes: number, options: { reuseBuffer?: boolean } = {}): AsyncGenerator<Uint8Array> {
  let finalSizeBytes: number | undefined;
  let failure: { error: unknown } | undefined;
  // Observed here so that neither outcome is ever an unhandled rejection, whenever the stream is read.
  const settled = written.then(
    (sizeBytes) => void (finalSizeBytes = sizeBytes),
    (error: unknown) => void (failure = { error }),
  );
  const wait = () => Promise.race([settled, new Promise<void>((resolve) => setTimeout(resolve, GROWING_FILE_POLL_MS))]);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let shared: Uint8Array | undefined;
  try {
    // A miss counts only if the writer was already done when the look began: one that finished
    // meanwhile may have written what the look missed, so it looks once more.
    while (!handle) {
      if (failure) throw failure.error;
      const doneBefore = finalSizeBytes !== undefined;
      try {
        handle = await open(path, "r");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        if (doneBefore) throw new Error(`${path} was done at ${finalSizeBytes} bytes but does not exist`);
        if (finalSizeBytes === undefined) await wait();
      }
    }
    let positionBytes = 0;
    for (;;) {
      if (failure) throw failure.error;
      const doneBefore = finalSizeBytes !== undefined;
      // Read only up to the final size when it is known: nothing past it belongs to the file.
      const wantedBytes = finalSizeBytes === undefined ? pieceBytes : Math.min(pieceBytes, finalSizeBytes - positionBytes);
      if (wantedBytes <= 0) return;
      // Filled by the read or cut to what was read, so skipping the zeroing leaks nothing.
      const piece = options.reuseBuffer ? (shared ??= allocateUninitialized(pieceBytes)).subarray(0, wantedBytes) : allocateUninitialized(wantedBytes);
      const { bytesRead } = await handle.read(piece, 0, wantedBytes, positionBytes);
      if (bytesRead > 0) {
        positionBytes += bytesRead;
        yield bytesRead === wantedBytes ? piece : piece.subarray(0, bytesRead);
        continue;
      }
      if (doneBefore) throw new Error(`${path} ends at ${positionBytes} bytes, but its writer wrote ${finalSizeBytes}`);
      if (finalSizeBytes === undefined) await wait();
    }
  } finally {
    await handle?.close();
  }
}
