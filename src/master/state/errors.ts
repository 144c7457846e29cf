// One error class per expected failure of a namespace command or query (STYLE.md §8): `name`
// identifies it in-process, `code` (of the wire's vocabulary, src/protocol/errors.ts) is what
// the master sends to a client. They are thrown from apply() and depend only on the command
// and the state, so every master fails the same command the same way (so does an invalid path,
// src/protocol/paths.ts). Broken invariants throw AssertionError instead.
import { WireError } from "../../protocol/errors.ts";

export type NamespaceErrorCode =
  | "INVALID"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "NOT_A_DIRECTORY"
  | "NOT_A_FILE"
  | "NOT_EMPTY"
  | "LEASE_HELD"
  | "NOT_LEASE_HOLDER"
  | "FILE_CLOSED"
  | "CHUNK_NOT_FOUND"
  | "VERSION_MISMATCH"
  | "CHUNK_UNCOMMITTED"
  | "LIMIT"
  | "COMMAND_REJECTED"
  | "PERMISSION_DENIED"
  | "FILE_CHANGED";

export abstract class NamespaceError extends WireError {
  abstract override readonly code: NamespaceErrorCode;
}

/** An argument out of its bounds or an operation that makes no sense (moving a folder into itself). */
export class InvalidArgumentError extends NamespaceError {
  override name = "InvalidArgumentError";
  readonly code = "INVALID";
}

export class NotFoundError extends NamespaceError {
  override name = "NotFoundError";
  readonly code = "NOT_FOUND";
}

export class AlreadyExistsError extends NamespaceError {
  override name = "AlreadyExistsError";
  readonly code = "ALREADY_EXISTS";
}

export class NotADirectoryError extends NamespaceError {
  override name = "NotADirectoryError";
  readonly code = "NOT_A_DIRECTORY";
}

export class NotAFileError extends NamespaceError {
  override name = "NotAFileError";
  readonly code = "NOT_A_FILE";
}

export class NotEmptyError extends NamespaceError {
  override name = "NotEmptyError";
  readonly code = "NOT_EMPTY";
}

/** An editor's rewrite of a file another writer changed since the editor's base (issue 17). */
export class FileChangedError extends NamespaceError {
  override name = "FileChangedError";
  readonly code = "FILE_CHANGED";
}

/** Another client holds a live lease on the file. */
export class LeaseHeldError extends NamespaceError {
  override name = "LeaseHeldError";
  readonly code = "LEASE_HELD";
}

/** The client does not hold the lease of the file it writes (it expired and was recovered, or never was). */
export class NotLeaseHolderError extends NamespaceError {
  override name = "NotLeaseHolderError";
  readonly code = "NOT_LEASE_HOLDER";
}

/** The file is closed: nothing can be written to it before reopenForAppend. */
export class FileClosedError extends NamespaceError {
  override name = "FileClosedError";
  readonly code = "FILE_CLOSED";
}

export class ChunkNotFoundError extends NamespaceError {
  override name = "ChunkNotFoundError";
  readonly code = "CHUNK_NOT_FOUND";
}

export class VersionMismatchError extends NamespaceError {
  override name = "VersionMismatchError";
  readonly code = "VERSION_MISMATCH";
}

/** The file's last chunk is not committed: commit or abandon it first (one uncommitted chunk at a time). */
export class ChunkUncommittedError extends NamespaceError {
  override name = "ChunkUncommittedError";
  readonly code = "CHUNK_UNCOMMITTED";
}

/** A bound of the namespace is reached (chunks per file, settings). */
export class LimitError extends NamespaceError {
  override name = "LimitError";
  readonly code = "LIMIT";
}

/** A command this version does not know, or a malformed setting: every master rejects it alike. */
export class CommandRejectedError extends NamespaceError {
  override name = "CommandRejectedError";
  readonly code = "COMMAND_REJECTED";
}

/**
 * The caller lacks a right the operation needs (HDFS's AccessControlException); the message
 * names the user, the access and the inode as HDFS does.
 */
export class PermissionDeniedError extends NamespaceError {
  override name = "PermissionDeniedError";
  readonly code = "PERMISSION_DENIED";
}
