// The one error vocabulary of the wire. Every error that crosses from one process to another
// (a master's answer, a chunk server's refusal, a pipeline's failure) carries one of these
// codes, and every interface maps from here: admin HTTP to a status today; the S3 gateway to
// S3 error codes, WebHDFS to Hadoop exception names and the mount to errno as they arrive
// (JuiceFS maps every metadata call to an errno the same way). A code is stable: its meaning
// never changes, and a new failure gets a new code rather than a reused one.
//
// Expected failures (a missing file, a dead peer) are WireErrors with a code; broken
// invariants are AssertionErrors (src/util/assert.ts) and never cross the wire as a code.

interface ErrorMeaning {
  /** What the code says, in one sentence, for the docs and for a client that knows no better. */
  meaning: string;
  /** Asking again shortly, unchanged, may succeed (the cluster was between leaders, say). */
  retryable: boolean;
  /** The HTTP status an HTTP interface answers with: whose fault it is, and whether to retry. */
  httpStatus: number;
}

export const ERROR_CODES = {
  // --- the request ---------------------------------------------------------------------------
  INVALID: { meaning: "the request is malformed or an argument is out of its bounds", retryable: false, httpStatus: 400 },
  INVALID_PATH: { meaning: "the path is not one the namespace can hold (src/protocol/paths.ts says why)", retryable: false, httpStatus: 400 },
  INVALID_CHUNK_ID: { meaning: "a chunk id or version is not well formed", retryable: false, httpStatus: 400 },
  COMMAND_REJECTED: { meaning: "the masters do not know the command, or it is malformed: every master rejects it alike", retryable: false, httpStatus: 400 },
  LIMIT: { meaning: "a bound of the namespace is reached (chunks per file, settings)", retryable: false, httpStatus: 400 },

  // --- the namespace -------------------------------------------------------------------------
  NOT_FOUND: { meaning: "no file, folder, job or task has that name", retryable: false, httpStatus: 404 },
  ALREADY_EXISTS: { meaning: "something has that name already", retryable: false, httpStatus: 409 },
  NOT_A_DIRECTORY: { meaning: "a folder was expected and a file was found", retryable: false, httpStatus: 400 },
  NOT_A_FILE: { meaning: "a file was expected and a folder was found", retryable: false, httpStatus: 400 },
  NOT_EMPTY: { meaning: "the folder is not empty", retryable: false, httpStatus: 409 },
  LEASE_HELD: { meaning: "another client holds a live lease on the file", retryable: false, httpStatus: 409 },
  NOT_LEASE_HOLDER: { meaning: "the client does not hold the lease of the file it writes", retryable: false, httpStatus: 409 },
  FILE_CLOSED: { meaning: "the file is closed: nothing is written to it before it is reopened", retryable: false, httpStatus: 409 },
  CHUNK_NOT_FOUND: { meaning: "the chunk is not a chunk of that file, or not held by that chunk server", retryable: false, httpStatus: 404 },
  VERSION_MISMATCH: { meaning: "the chunk is at another version than the request names", retryable: false, httpStatus: 409 },
  CHUNK_UNCOMMITTED: { meaning: "the file's last chunk is not committed: commit or abandon it first", retryable: false, httpStatus: 409 },
  FILE_CHANGED: { meaning: "another writer changed the file since the editor read it: its edit is refused rather than mixed with the other's", retryable: false, httpStatus: 409 },
  PERMISSION_DENIED: { meaning: "the user may not do that to that file or folder (HDFS's permission model: owner, group, other; the superuser may)", retryable: false, httpStatus: 403 },

  // --- the masters ---------------------------------------------------------------------------
  NOT_LEADER: { meaning: "this peer does not lead; the answer names who may", retryable: true, httpStatus: 503 },
  NO_LEADER: { meaning: "no leader is elected right now", retryable: true, httpStatus: 503 },
  UNAVAILABLE: { meaning: "the cluster did not answer (the leader was unreachable or moved)", retryable: true, httpStatus: 503 },
  TIMEOUT: { meaning: "the request was not carried out in time; it may still take effect", retryable: true, httpStatus: 503 },
  NO_PEERS: { meaning: "no live chunk server has room for the request", retryable: false, httpStatus: 503 },
  BUSY: { meaning: "the same kind of work is already running on the leader", retryable: false, httpStatus: 409 },
  UNKNOWN_PEER: { meaning: "no peer of that id is known to the cluster", retryable: false, httpStatus: 404 },
  REPORT_FULL_NEEDED: { meaning: "the leader holds no full block report of this chunk server (it had forgotten it as dead): send a full one, not an increment", retryable: true, httpStatus: 409 },
  OVERLOADED: { meaning: "the peer is serving as many requests as it can and refused this one unserved: retry after a short backoff", retryable: true, httpStatus: 503 },

  // --- chunk servers -------------------------------------------------------------------------
  CHUNK_CORRUPT: { meaning: "a replica failed its checksums", retryable: false, httpStatus: 500 },
  CHUNK_STALE: { meaning: "the replica is of an older version than asked for", retryable: false, httpStatus: 409 },
  CHUNK_EXISTS: { meaning: "the chunk server holds that chunk version already", retryable: false, httpStatus: 409 },
  CHUNK_BUSY: { meaning: "that chunk version is being written right now", retryable: true, httpStatus: 409 },
  CHUNK_TOO_LARGE: { meaning: "the chunk would exceed its size bound", retryable: false, httpStatus: 400 },
  CHUNK_SIZE_MISMATCH: { meaning: "the chunk's length is not the one announced", retryable: false, httpStatus: 400 },
  CHUNK_RANGE: { meaning: "the byte range lies outside the chunk", retryable: false, httpStatus: 416 },

  // --- transfers between peers ---------------------------------------------------------------
  PEER_UNREACHABLE: { meaning: "a peer of the pipeline could not be reached", retryable: true, httpStatus: 503 },
  PEER_FAILED: { meaning: "a peer of the pipeline failed or went away mid-transfer", retryable: true, httpStatus: 503 },
  CHECKSUM_MISMATCH: { meaning: "a packet's bytes do not match their checksums", retryable: true, httpStatus: 500 },
  DIGEST_MISMATCH: { meaning: "a replica's checksum list does not match the writer's", retryable: true, httpStatus: 500 },
  STORE: { meaning: "a chunk store refused the write (its code says why)", retryable: false, httpStatus: 500 },
  PROTOCOL: { meaning: "a peer broke the protocol (a malformed or out-of-order frame)", retryable: false, httpStatus: 502 },
  SHUTTING_DOWN: { meaning: "the peer is stopping", retryable: true, httpStatus: 503 },
  PIPELINE_FAILED: { meaning: "a write's or a copy's pipeline failed, and rebuilding it did not help", retryable: true, httpStatus: 503 },
  MISSING: { meaning: "no live replica of a chunk is known (its holders are down)", retryable: true, httpStatus: 503 },
  READ_FAILED: { meaning: "no replica of a chunk could be read (each failed: unreachable, corrupt, stale)", retryable: true, httpStatus: 503 },
  UNREACHABLE: { meaning: "the peer asked to act did not answer", retryable: true, httpStatus: 503 },
  FAILED: { meaning: "the peer asked to act failed for a reason of its own", retryable: false, httpStatus: 500 },
  INTERNAL: { meaning: "the receiver failed in a way it did not expect", retryable: false, httpStatus: 500 },

  // --- anything else -------------------------------------------------------------------------
  UNKNOWN: { meaning: "a code this version does not know (sent by a newer peer)", retryable: false, httpStatus: 500 },
} as const satisfies Record<string, ErrorMeaning>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}

/** The code of a string from the wire: a code this version does not know reads as UNKNOWN. */
export function errorCodeOf(wire: string): ErrorCode {
  return isErrorCode(wire) ? wire : "UNKNOWN";
}

export function isRetryable(code: ErrorCode): boolean {
  return ERROR_CODES[code].retryable;
}

/**
 * An expected failure with a code of the vocabulary (STYLE.md §8: `name` identifies the class
 * in-process, `code` is what crosses the wire). A subclass fixes the code of one failure;
 * RequestError takes it where it is thrown.
 */
export abstract class WireError extends Error {
  abstract readonly code: ErrorCode;
}

/** A request refused with a code chosen where it is refused (the leader's services, an answer relayed from another peer). */
export class RequestError extends WireError {
  override name = "RequestError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The code of any error: a WireError's own, else INTERNAL (an error that was not expected). */
export function codeOf(err: unknown): ErrorCode {
  return err instanceof WireError ? err.code : "INTERNAL";
}

/**
 * A request refused unserved because the peer is serving as much as it can (admission control,
 * src/util/admission.ts builds the sentence): retry after a short backoff.
 */
export class OverloadedError extends WireError {
  override name = "OverloadedError";
  readonly code = "OVERLOADED";
}

/** Seconds an HTTP interface tells a client refused for load to wait (Retry-After): a queue drains in well under one. */
export const OVERLOADED_RETRY_AFTER_SECONDS = 1;

/** The path is not one the namespace can hold (src/protocol/paths.ts says why, in one sentence). */
export class InvalidPathError extends WireError {
  override name = "InvalidPathError";
  readonly code = "INVALID_PATH";
}

/** A chunk id or version that is not well formed (src/protocol/chunk-id.ts). */
export class InvalidChunkIdError extends WireError {
  override name = "InvalidChunkIdError";
  readonly code = "INVALID_CHUNK_ID";
}
