// Random writes into a Tessera file (issue 17, docs/mount.md): the engine under the POSIX
// mount's open files, also usable from the library.
//
// Chunks are immutable once committed (GFS). An editor collects writes at any offset; bytes
// past the committed end stream into new chunks as they fill (sequential writes run at the
// write pipeline's speed), and a write into a committed chunk makes a new version of that
// chunk (copy on write: the old chunk's bytes with the new ones laid over, written as a new
// chunk, the rest of the file untouched). flush() commits all of it through Raft, so a reader
// sees the old or the new chunk, never a half, and a reader that opens the file after flush()
// resolved sees every byte written before it (close-to-open). Memory is bounded: dirty bytes
// past EDITOR_BUFFER_BYTES_MAX are written out early (they are still committed only by flush).

import { FsError } from "./fs-error.ts";

export interface FileEditorOptions {
  /** Create the file if it does not exist (with `permission`); with `exclusive` fail if it does. */
  create?: boolean;
  exclusive?: boolean;
  /** Start from an empty file (O_TRUNC). */
  truncate?: boolean;
  /** A new file's permission bits (0..0o777). */
  permission?: number;
  replication?: number;
  chunkSizeBytes?: number;
}

export interface FileEditor {
  readonly path: string;
  readonly fileId: number;
  /** The file's length as this editor sees it: committed bytes, then its own writes and truncates. */
  readonly sizeBytes: number;
  /** Whether anything was written or truncated since the last flush. */
  readonly dirty: boolean;
  /** Lays `data` over the file at `offsetBytes` (a gap past the end reads as zeros). */
  write(offsetBytes: number, data: Uint8Array): Promise<void>;
  /** The file's bytes as this editor sees them (its own unflushed writes included). */
  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
  /** Cuts or extends (with zeros) the file to `lengthBytes`. */
  truncate(lengthBytes: number): Promise<void>;
  /** Commits every write and truncate so far through Raft; resolves once they are durable and visible. */
  flush(): Promise<void>;
  /** flush(), then lets the file go (its lease, its buffers). */
  close(): Promise<void>;
  /** Drops what was not flushed and lets the file go. */
  abort(): Promise<void>;
}

/** Dirty bytes one editor holds before it writes chunks out ahead of a flush. */
export const EDITOR_BUFFER_BYTES_MAX = 128 * 1024 * 1024;

/** Not built yet: the contract's placeholder (issue 17). */
export function notBuilt(what: string): never {
  throw new FsError("INTERNAL", `${what} is not built yet`);
}
