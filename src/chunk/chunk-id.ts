// Chunk identity and the only place a chunk's identity turns into a file name.
//
// A chunk id is 16 lowercase hex digits (64 bits: enough for the master to hand out ids at
// random without collisions, short enough to print). It is a string rather than a bigint so
// it can be a Map key and a protobuf string without conversion, and it is validated by an
// anchored regex before anything else looks at it: a name built from a valid id and a valid
// version can only contain [0-9a-f_.] and one fan-out folder, so `..`, `/` or NUL can never
// reach the filesystem (DESIGN.md "Security").
import { CHUNK_VERSION_MAX } from "./constants.ts";
import { InvalidChunkIdError } from "./errors.ts";

export type ChunkId = string;

const CHUNK_ID_PATTERN = /^[0-9a-f]{16}$/;
// Versions in file names are plain decimal without leading zeros, so one version has exactly
// one name and parsing a name back is exact.
const VERSION_TEXT_PATTERN = /^(0|[1-9][0-9]{0,15})$/;
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
    throw new InvalidChunkIdError(`invalid chunk version ${String(value).slice(0, SHOWN_ID_CHARS_MAX)}: expected an integer in [0, ${CHUNK_VERSION_MAX}]`);
  }
  return value;
}

/** The fan-out folder of a chunk: its id's first byte, so no folder holds more than 1/256 of the chunks. */
export function fanOutDirName(id: ChunkId): string {
  return id.slice(0, 2);
}

/** `<id>_<version>`: the stem of both files of one chunk version. */
export function chunkFileStem(id: ChunkId, version: number): string {
  return `${id}_${version}`;
}

/** Parses `<id>_<version>` back; undefined for anything this store did not name. */
export function parseChunkFileStem(stem: string): { id: ChunkId; version: number } | undefined {
  const underscore = stem.indexOf("_");
  if (underscore !== 16) return undefined;
  const id = stem.slice(0, 16);
  const versionText = stem.slice(17);
  if (!CHUNK_ID_PATTERN.test(id) || !VERSION_TEXT_PATTERN.test(versionText)) return undefined;
  const version = Number(versionText);
  if (!Number.isSafeInteger(version)) return undefined;
  return { id, version };
}
