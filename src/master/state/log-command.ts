// The commands of the master's Raft log (src/protocol/pb/log.proto, version 2): proposers
// encode a typed command with exactly one member set; apply decodes it here, once. A log
// written by version 1 stays readable: its bag commands decode here with no member set and
// are converted (legacy-v1.ts), so nothing after decodeLogCommand knows there were two formats.
import { LogCommand, type Call, type Caller } from "../../protocol/pb/log.ts";
import { ATTRIBUTES_BYTES_MAX, CONCAT_SOURCES_MAX, REPLICATION_MAX, REWRITE_CHUNKS_MAX } from "../../protocol/limits.ts";
import { CommandRejectedError } from "./errors.ts";
import { commandFromV1 } from "./legacy-v1.ts";
import { DROP_PENDING_MAX, JOB_RECORD_LIMITS, JOB_TASKS_MAX, SYNC_ENTRIES_MAX, TASK_RECORD_LIMITS } from "./limits.ts";
import { CALLER_GROUPS_MAX } from "./permissions.ts";

/** The kinds of command: the members of LogCommand's oneof (`call` is the envelope beside it). */
export type LogCommandKind = Exclude<keyof LogCommand, "call" | "caller">;
export type LogCommandOf<K extends LogCommandKind> = NonNullable<LogCommand[K]>;
/**
 * A command with exactly one member set: what is proposed and what apply sees; `call` when it
 * carries out a client's call (src/master/state/retry-cache.ts).
 */
export type TypedLogCommand = { [K in LogCommandKind]: { [P in K]: LogCommandOf<P> } & { call?: Call; caller?: Caller } }[LogCommandKind];

// Every kind, checked complete by the compiler: a member added to log.proto must be listed.
const KINDS_SET: Record<LogCommandKind, true> = {
  mkdir: true,
  create: true,
  addChunk: true,
  commitChunk: true,
  bumpChunkVersion: true,
  complete: true,
  abandonChunk: true,
  renewLease: true,
  recoverLease: true,
  reopenForAppend: true,
  rename: true,
  delete: true,
  setReplication: true,
  dropPendingDeletes: true,
  setSetting: true,
  putJob: true,
  setAttributes: true,
  concat: true,
  deleteSetting: true,
  setOwner: true,
  setPermission: true,
  setTimes: true,
  truncate: true,
  mount: true,
  unmount: true,
  syncUnderStorage: true,
  markPersisted: true,
  setPinned: true,
  freeCache: true,
  symlink: true,
  rewrite: true,
};
export const LOG_COMMAND_KINDS = Object.keys(KINDS_SET) as LogCommandKind[];

/** Bounds of a decoded command (the same as version 1 had): a hostile entry cannot allocate without limit. */
const LOG_COMMAND_LIMITS = {
  // An attribute's name has at least one byte: the byte bound bounds their number.
  mkdir: { attributes: { entries: ATTRIBUTES_BYTES_MAX } },
  create: { attributes: { entries: ATTRIBUTES_BYTES_MAX } },
  commitChunk: { attributes: { entries: ATTRIBUTES_BYTES_MAX } },
  complete: { attributes: { entries: ATTRIBUTES_BYTES_MAX } },
  setAttributes: { attributes: ATTRIBUTES_BYTES_MAX },
  concat: { sources: CONCAT_SOURCES_MAX, attributes: ATTRIBUTES_BYTES_MAX },
  addChunk: { replicas: REPLICATION_MAX },
  bumpChunkVersion: { replicas: REPLICATION_MAX },
  dropPendingDeletes: { chunkIds: DROP_PENDING_MAX },
  syncUnderStorage: { entries: SYNC_ENTRIES_MAX },
  rewrite: { moves: REWRITE_CHUNKS_MAX },
  putJob: { job: JOB_RECORD_LIMITS, tasks: JOB_TASKS_MAX, tasks$: TASK_RECORD_LIMITS },
  caller: { groups: CALLER_GROUPS_MAX },
};

export function encodeLogCommand(command: TypedLogCommand): Uint8Array {
  return LogCommand.encode(command);
}

/** The kind of a command: its one member. */
export function logCommandKind(command: TypedLogCommand): LogCommandKind {
  const kind = LOG_COMMAND_KINDS.find((candidate) => (command as LogCommand)[candidate] !== undefined);
  if (kind === undefined) throw new CommandRejectedError("a log command without a command");
  return kind;
}

/**
 * The command in a log entry's bytes, version 2 or version 1 (converted). Bytes that are no
 * command fail alike on every master: a CommandRejectedError, the command's result, and the
 * applied index still advances.
 */
export function decodeLogCommand(data: Uint8Array): TypedLogCommand {
  let command: LogCommand;
  try {
    command = LogCommand.decode(data, { limits: LOG_COMMAND_LIMITS });
  } catch (err) {
    throw new CommandRejectedError(`malformed log command: ${(err as Error).message}`);
  }
  // Version 1's fields (1..21) are reserved in LogCommand: its commands decode with no member.
  // (The decoder keeps one member of the oneof however many the bytes carry, the same on every
  // master, so a decoded command is never two kinds.)
  if (LOG_COMMAND_KINDS.every((kind) => command[kind] === undefined)) command = commandFromV1(data);
  return command as TypedLogCommand;
}
