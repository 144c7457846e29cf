// Where a truncate cuts (issue 15, TRUNCATE "with GFS-style rules"). The masters cut a file
// only between chunks: a chunk is immutable once committed, as in GFS, and a chunk cut in two
// would need its replicas rewritten in place. A length inside a chunk is done by the client in
// two steps: it reads the bytes of that chunk to keep (at most one chunk), has the masters cut
// at the chunk's start, and appends the bytes it kept as a new last chunk (FileSystemClient.truncate).

/** What a truncate to `lengthBytes` does to a file of chunks of these sizes. */
export type TruncatePlan =
  /** The masters cut at `lengthBytes` themselves: it is the end of a chunk (or 0), or the end of the file. */
  | { kind: "boundary" }
  /** Cut at `boundaryBytes` (the start of the chunk `lengthBytes` falls in), then append the `keepBytes` bytes that followed it. */
  | { kind: "inside"; boundaryBytes: number; keepBytes: number };

/**
 * The plan for a closed file whose chunks have these sizes, in order. A length past the end
 * is the masters' to refuse (INVALID), as is anything about a folder or an open file: those
 * plans are "boundary", so the masters' answer is the caller's.
 */
export function planTruncate(chunkSizesBytes: readonly number[], lengthBytes: number): TruncatePlan {
  let startBytes = 0;
  for (const sizeBytes of chunkSizesBytes) {
    const endBytes = startBytes + sizeBytes;
    if (lengthBytes === startBytes || lengthBytes === endBytes) return { kind: "boundary" };
    if (lengthBytes < endBytes) return { kind: "inside", boundaryBytes: startBytes, keepBytes: lengthBytes - startBytes };
    startBytes = endBytes;
  }
  return { kind: "boundary" };
}
