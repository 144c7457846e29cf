// The one place the mount turns Tessera's errors into errno (docs/mount.md, "Errors"): the
// wire's codes (src/protocol/errors.ts) carry every failure from the masters and the chunk
// servers, so one table answers for all of them, the way JuiceFS maps each metadata call.
import { codeOf, WireError, type ErrorCode } from "../../protocol/errors.ts";
import { Errno, FuseErrno } from "../fuse/operations.ts";

/**
 * The errno of each code that has a POSIX meaning of its own. Retryable codes are here only
 * when POSIX has a better word than EIO; the rest reached the mount after the client's own
 * retries ran out, which a program can only read as an I/O error.
 */
const ERRNO_OF_CODE: Partial<Record<ErrorCode, number>> = {
  NOT_FOUND: Errno.ENOENT,
  ALREADY_EXISTS: Errno.EEXIST,
  PERMISSION_DENIED: Errno.EACCES,
  NOT_EMPTY: Errno.ENOTEMPTY,
  NOT_A_DIRECTORY: Errno.ENOTDIR,
  NOT_A_FILE: Errno.EISDIR,
  NO_PEERS: Errno.ENOSPC,
  // A bound of the namespace (chunks per file, settings): ENOSPC unless the caller knows it
  // was a file's size (writes answer EFBIG, errnoOf's `limit`).
  LIMIT: Errno.ENOSPC,
  LEASE_HELD: Errno.EBUSY,
  INVALID_PATH: Errno.EINVAL,
  INVALID: Errno.EINVAL,
  CHUNK_TOO_LARGE: Errno.EFBIG,
};

/** What errnoOf needs to know of the operation that failed. */
export interface ErrnoContext {
  /** The errno of LIMIT for this operation (a write past the file-size bound: EFBIG). */
  limit?: number;
}

/** The errno a POSIX program gets for `err`. */
export function errnoOf(err: unknown, context: ErrnoContext = {}): number {
  if (err instanceof FuseErrno) return err.errno;
  if (!(err instanceof WireError)) return Errno.EIO;
  const code = codeOf(err);
  if (code === "LIMIT" && context.limit !== undefined) return context.limit;
  const mapped = ERRNO_OF_CODE[code];
  if (mapped !== undefined) return mapped;
  // Retryable codes (no leader, timeouts, unreachable peers: the client's retries ran out)
  // and everything unexpected.
  return Errno.EIO;
}

/** `err` as the FuseErrno the session answers with, keeping its message for the log. */
export function toFuseErrno(err: unknown, context: ErrnoContext = {}): FuseErrno {
  if (err instanceof FuseErrno) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FuseErrno(errnoOf(err, context), message);
}

/** A refusal made by the mount itself, before anything is asked of the cluster. */
export function refuse(errno: number, message: string): FuseErrno {
  return new FuseErrno(errno, message);
}
