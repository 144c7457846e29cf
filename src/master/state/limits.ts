// Bounds of the namespace (STYLE.md §5) and the checks of command arguments against them.
// A command is checked in apply() on every master, so a bad one fails the same way everywhere
// and nothing out of bounds reaches the database.
import { validateChunkId } from "../../protocol/chunk-id.ts";
import { CommandRejectedError, InvalidArgumentError } from "./errors.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES, CHUNK_SIZE_BYTES_MAX, CHUNK_VERSION_MAX, REPLICATION_MAX } from "../../protocol/limits.ts";
import { JOB_PARAMS_MAX } from "../../protocol/job-params.ts";

/**
 * The smallest chunk: one checksum block. Chunk sizes are whole blocks so no chunk ends in a
 * partial block that a later chunk of the same file would have to share.
 */
export const CHUNK_SIZE_BYTES_MIN = CHUNK_CHECKSUM_BLOCK_BYTES;
/** Chunks in one file: 1,000,000 × 64 MiB = 61 TiB, and one file's chunk list stays a bounded scan. */
export const CHUNKS_PER_FILE_MAX = 1_000_000;
/** A client id is chosen by the client (a peer id and a random suffix); bounded like any input. */
export const CLIENT_ID_CHARS_MAX = 256;
/** Peer ids are libp2p ids (about 52 base58 characters); the bound leaves room and keeps rows small. */
export const PEER_ID_CHARS_MAX = 128;
/** Entries in one page of list(); the default when the caller gives none. */
export const LIST_PAGE_MAX = 10_000;
export const LIST_PAGE_DEFAULT = 1_000;
/** Chunks in one page of chunksOfFile() / allChunkIds() / pendingDeletes(), and in stat(). */
export const CHUNK_PAGE_MAX = 10_000;
/** Files returned by one openFilesWithLeaseExpiredBefore(): the leader recovers them in rounds. */
export const LEASE_SCAN_MAX = 1_000;
/** Chunk ids in one dropPendingDeletes command: keeps one log entry and one transaction small. */
export const DROP_PENDING_MAX = 10_000;

export const SETTING_KEY_CHARS_MAX = 256;
export const SETTING_VALUE_BYTES_MAX = 64 * 1024;
// Settings are knobs, not a database: the bound keeps snapshots and memory small.
export const SETTINGS_MAX = 10_000;
/**
 * Entries of one SyncUnderStorage command (one page of an under-storage listing): a sync of a
 * folder of a million objects is a thousand commands, never one huge entry.
 */
export const SYNC_ENTRIES_MAX = 1_000;
/** An under-storage fingerprint (protocol/mounts.ts: an ETag and a size, or an mtime and a size) at most. */
export const FINGERPRINT_CHARS_MAX = 1_024;

/** Task records in one putJob command: a job of this many chunks is the largest accepted. */
export const JOB_TASKS_MAX = 100_000;
/** Bounds on a decoded record: a hostile or broken entry cannot allocate without limit. */
export const JOB_RECORD_LIMITS = { spec: { inputs: 1_000, params: JOB_PARAMS_MAX } };
export const TASK_RECORD_LIMITS = { running: 16, result: { partitionBytes: 100_000 } };

const PEER_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
const CONTROL_CHAR = /[\u0000-\u001f\u007f-\u009f]/;

export function validateSettingKey(key: string): void {
  if (key.length === 0 || key.length > SETTING_KEY_CHARS_MAX || !/^[A-Za-z0-9._\-/]+$/.test(key)) {
    throw new CommandRejectedError(`a setting key is 1..${SETTING_KEY_CHARS_MAX} letters, digits, '.', '_', '-' or '/'`);
  }
}

export function validateReplication(replication: number): number {
  if (!Number.isInteger(replication) || replication < 1 || replication > REPLICATION_MAX) {
    throw new InvalidArgumentError(`replication must be an integer in 1..${REPLICATION_MAX}, not ${replication}.`);
  }
  return replication;
}

export function validateChunkSize(chunkSizeBytes: number): number {
  if (
    !Number.isSafeInteger(chunkSizeBytes) ||
    chunkSizeBytes < CHUNK_SIZE_BYTES_MIN ||
    chunkSizeBytes > CHUNK_SIZE_BYTES_MAX ||
    chunkSizeBytes % CHUNK_CHECKSUM_BLOCK_BYTES !== 0
  ) {
    throw new InvalidArgumentError(`the chunk size must be a multiple of ${CHUNK_CHECKSUM_BLOCK_BYTES} bytes in ${CHUNK_SIZE_BYTES_MIN}..${CHUNK_SIZE_BYTES_MAX}, not ${chunkSizeBytes}.`);
  }
  return chunkSizeBytes;
}

export function validateClientId(clientId: string): string {
  if (clientId.length === 0 || clientId.length > CLIENT_ID_CHARS_MAX || CONTROL_CHAR.test(clientId)) {
    throw new InvalidArgumentError(`a client id is 1..${CLIENT_ID_CHARS_MAX} printable characters.`);
  }
  return clientId;
}

/** A time from the leader's clock, in ms since the epoch. */
export function validateTimeMs(what: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new InvalidArgumentError(`${what} must be a non-negative integer of milliseconds, not ${ms}.`);
  return ms;
}

export function validateFileId(fileId: number): number {
  if (!Number.isSafeInteger(fileId) || fileId < 1) throw new InvalidArgumentError(`a file id is a positive integer, not ${fileId}.`);
  return fileId;
}

export function validateVersion(version: number): number {
  if (!Number.isSafeInteger(version) || version < 1 || version > CHUNK_VERSION_MAX) {
    throw new InvalidArgumentError(`a chunk version is an integer in 1..${CHUNK_VERSION_MAX}, not ${version}.`);
  }
  return version;
}

/** The chunk ids of the namespace are the chunk store's (src/protocol/chunk-id.ts). */
export function validateNamespaceChunkId(chunkId: string): string {
  try {
    return validateChunkId(chunkId);
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}.`);
  }
}

/** The peers of a chunk in pipeline order: distinct ids without ',' (rows keep them as a comma list). */
export function validateReplicas(replicas: readonly string[]): string[] {
  if (replicas.length < 1 || replicas.length > REPLICATION_MAX) {
    throw new InvalidArgumentError(`a chunk has 1..${REPLICATION_MAX} replicas, not ${replicas.length}.`);
  }
  for (const peer of replicas) {
    if (peer.length === 0 || peer.length > PEER_ID_CHARS_MAX || !PEER_ID_PATTERN.test(peer)) {
      throw new InvalidArgumentError(`a replica is a peer id of 1..${PEER_ID_CHARS_MAX} letters, digits, '.', '_', ':' or '-'.`);
    }
  }
  if (new Set(replicas).size !== replicas.length) throw new InvalidArgumentError("the replicas of a chunk must be distinct peers.");
  return [...replicas];
}

export function validatePageLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new InvalidArgumentError(`a page holds 1..${max} entries, not ${limit}.`);
  return limit;
}
