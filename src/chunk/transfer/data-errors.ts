// Errors of the chunk data protocols (STYLE.md §8: one class per failure, `name` in-process,
// a stable `code` on the wire). What the caller does with each:
//   PipelineError      rebuild the pipeline without `failedPeer` (new chunk version, master);
//   ChunkReadError     try the next replica (`code` says why this one could not serve);
//   ChunkChecksumError report the replica as corrupt to the master, then try the next one.
import type { ChunkErrorCode } from "../store/errors.ts";
import { WIRE_ERROR_MESSAGE_CHARS_MAX } from "./data-constants.ts";

export type PipelineErrorCode =
  /** The peer could not be dialled, or did not open the protocol. */
  | "PEER_UNREACHABLE"
  /** The peer's stream reset or ended before the pipeline finished (crash, stop, network). */
  | "PEER_FAILED"
  /** The peer made no progress within the step's deadline. */
  | "TIMEOUT"
  /** A packet arrived at the peer with a block that does not match its CRC. */
  | "CHECKSUM_MISMATCH"
  /** The peer committed bytes whose checksum digest differs from the client's. */
  | "DIGEST_MISMATCH"
  /** The peer's chunk store refused (see storeCode) or failed. */
  | "STORE"
  /** The peer sent, or was sent, something the protocol does not allow. */
  | "PROTOCOL"
  /** The peer is stopping. */
  | "SHUTTING_DOWN";

const PIPELINE_ERROR_CODES: ReadonlySet<string> = new Set<PipelineErrorCode>([
  "PEER_UNREACHABLE",
  "PEER_FAILED",
  "TIMEOUT",
  "CHECKSUM_MISMATCH",
  "DIGEST_MISMATCH",
  "STORE",
  "PROTOCOL",
  "SHUTTING_DOWN",
]);

export function isPipelineErrorCode(value: string): value is PipelineErrorCode {
  return PIPELINE_ERROR_CODES.has(value);
}

/** A write pipeline failed; `failedPeer` is the replica to leave out of the next attempt. */
export class PipelineError extends Error {
  override name = "PipelineError";
  constructor(
    readonly code: PipelineErrorCode,
    /** Peer id (text) of the replica that failed. */
    readonly failedPeer: string,
    readonly reason: string,
    /** Set when code is STORE: what the chunk store said (CHUNK_EXISTS, CHUNK_STALE, ...; DISK_FULL for ENOSPC). */
    readonly storeCode?: string,
  ) {
    super(`write pipeline failed at ${failedPeer}: ${code}${storeCode ? ` (${storeCode})` : ""}: ${reason}`);
  }
}

export type ChunkReadErrorCode =
  | Exclude<ChunkErrorCode, "CHUNK_CORRUPT">
  | "PEER_UNREACHABLE"
  | "PEER_FAILED"
  | "TIMEOUT"
  | "PROTOCOL"
  | "SHUTTING_DOWN"
  | "INTERNAL";

/** A replica could not serve a read: not held, stale, unreachable, timed out, ... */
export class ChunkReadError extends Error {
  override name = "ChunkReadError";
  constructor(
    readonly code: ChunkReadErrorCode,
    /** The replica asked; undefined for a local read. */
    readonly peer: string | undefined,
    detail: string,
  ) {
    super(`chunk read from ${peer ?? "the local store"} failed: ${code}: ${detail}`);
  }
}

/**
 * A replica's bytes do not match their checksums: found by the reader's own end-to-end check
 * (`detectedBy: "reader"`) or by the serving store reading its disk (`"server"`). No byte of a
 * failed block reaches the caller either way.
 */
export class ChunkChecksumError extends Error {
  override name = "ChunkChecksumError";
  readonly code = "CHUNK_CORRUPT";
  constructor(
    readonly chunkId: string,
    readonly version: number,
    /** The 64 KiB block that failed; undefined when the checksum list itself is damaged. */
    readonly blockIndex: number | undefined,
    readonly peer: string | undefined,
    readonly detectedBy: "reader" | "server",
    detail: string,
  ) {
    super(`chunk ${chunkId} version ${version} from ${peer ?? "the local store"} is corrupt${blockIndex === undefined ? "" : ` at block ${blockIndex}`} (found by the ${detectedBy}): ${detail}`);
  }
}

export function wireMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > WIRE_ERROR_MESSAGE_CHARS_MAX ? `${text.slice(0, WIRE_ERROR_MESSAGE_CHARS_MAX)}…` : text;
}
