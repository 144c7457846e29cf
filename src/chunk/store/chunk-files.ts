// The only place a chunk's identity turns into a file name. Ids and versions are validated
// before (src/protocol/chunk-id.ts), so a name built from them can only contain [0-9a-f_.]
// and one fan-out folder: `..`, `/` or NUL can never reach the filesystem.
import { CHUNK_ID_PATTERN, type ChunkId } from "../../protocol/chunk-id.ts";

// Versions in file names are plain decimal without leading zeros, so one version has exactly
// one name and parsing a name back is exact.
const VERSION_TEXT_PATTERN = /^(0|[1-9][0-9]{0,15})$/;

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
