// Chunk identity, as the namespace hands it out and every chunk server checks it.
//
// A chunk id is 16 lowercase hex digits (64 bits: enough for the master to hand out ids at
// random without collisions, short enough to print). It is a string rather than a bigint so
// it can be a Map key and a protobuf string without conversion, and it is validated by an
// anchored regex before anything else looks at it: a name built from a valid id and a valid
// version can only contain [0-9a-f_.] and one fan-out folder, so `..`, `/` or NUL can never
// reach the filesystem (DESIGN.md "Security"; the names are made in src/chunk/store/chunk-files.ts).
import { InvalidChunkIdError } from "./errors.ts";
import { CHUNK_VERSION_MAX } from "./limits.ts";

export type ChunkId = string;

export const CHUNK_ID_PATTERN = /^[0-9a-f]{16}$/;
/** Only a bounded prefix of a rejected id is echoed back, so a huge id cannot bloat logs. */
const SHOWN_ID_CHARS_MAX = 40;

export function isChunkId(value: unknown): value is ChunkId {
  return typeof value === "string" && CHUNK_ID_PATTERN.test(value);
}

export function validateChunkId(value: unknown): ChunkId {
  if (!isChunkId(value)) {
    const shown = typeof value === "string" ? JSON.stringify(value.slice(0, SHOWN_ID_CHARS_MAX)) : typeof value;
    throw new InvalidChunkIdError(`invalid chunk id ${shown}: expected 16 lowercase hex digits`);
  }
  return value;
}

export function validateChunkVersion(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > CHUNK_VERSION_MAX) {
    // typeof, not String(value): an object whose toString is not a function (JSON's
    // {"toString": ""}) makes String() throw a TypeError (found by test/fuzz).
    const shown = typeof value === "number" || typeof value === "string" ? String(value).slice(0, SHOWN_ID_CHARS_MAX) : typeof value;
    throw new InvalidChunkIdError(`invalid chunk version ${shown}: expected an integer in [0, ${CHUNK_VERSION_MAX}]`);
  }
  return value;
}
