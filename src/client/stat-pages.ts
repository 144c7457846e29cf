// A file's whole status over as many stat answers as the masters page its chunks in (a page
// holds STAT_CHUNKS_BYTES_MAX of them: a file of thousands of chunks, a concat of 10,000
// parts, does not fit one metadata message).
import type { FileStatus } from "../protocol/pb/meta.ts";
import type { MetaCall } from "../protocol/meta.ts";
import { FsError } from "./fs-error.ts";

/**
 * Times a stat starts again when the path names another file between its pages (replaced by a
 * rename or a concat meanwhile): past this, the path changes faster than it can be read.
 */
export const STAT_RESTARTS_MAX = 3;

/** Every chunk of the file at `path` (a folder's status as it is), its pages from one file. */
export async function statWhole(call: MetaCall, path: string): Promise<FileStatus> {
  for (let attempt = 0; attempt <= STAT_RESTARTS_MAX; attempt++) {
    const first = await call("stat", { path });
    if (first.chunksNext === undefined) return first;
    const chunks = [...first.chunks];
    let next: number | undefined = first.chunksNext;
    let sameFile = true;
    while (next !== undefined) {
      // A page starts after what was received: a master that answers otherwise would loop.
      const last = chunks.length > 0 ? chunks[chunks.length - 1]!.index : -1;
      if (next <= last) throw new FsError("PROTOCOL", `the master paged ${path}'s chunks back to ${next} after ${last}`);
      const page: FileStatus = await call("stat", { path, chunksFrom: next });
      if (page.fileId !== first.fileId) {
        sameFile = false;
        break;
      }
      chunks.push(...page.chunks);
      next = page.chunksNext;
      if (page.chunks.length === 0 && next !== undefined) throw new FsError("PROTOCOL", `the master answered an empty page of ${path}'s chunks with more to come`);
    }
    if (sameFile) {
      const { chunksNext: _paged, ...whole } = first;
      return { ...whole, chunks };
    }
  }
  throw new FsError("UNAVAILABLE", `${path} was replaced ${STAT_RESTARTS_MAX + 1} times while its chunks were read; try again`);
}
