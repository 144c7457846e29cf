// The bodies of WebHDFS's data requests, with bounded memory (docs/webhdfs.md, "Memory"):
// OPEN reads a few pieces ahead of the client and writes them in `buffersize` slices; CREATE
// and APPEND write the request's body a whole chunk at a time from two reused buffers
// (writeByChunks), collecting garbage as they go, as the S3 gateway does (s3/body.ts).
import { collectAfterBodyBytes } from "../body-collection.ts";
import type { FileRangeReader } from "../../client/fs.ts";
import { allocateUninitialized } from "../../util/file-io.ts";
import { WebHdfsError } from "./errors.ts";
import { rangeStream as sharedRangeStream } from "../range-stream.ts";

/** Bytes one read of an OPEN asks the file system for, and how many such reads run ahead of the client. */
export const OPEN_PIECE_BYTES = 4 * 1024 * 1024;
export const OPEN_PIECES_AHEAD = 4;
/** `buffersize` below this is raised to it: a 1-byte write per byte would be a denial of service, not a buffer. */
export const BUFFER_BYTES_MIN = 4 * 1024;
/** What `buffersize` may ask for (larger pieces are written as read). */
export const BUFFER_BYTES_MAX = OPEN_PIECE_BYTES;
/**
 * Chunk sizes up to this are written by writeByChunks (two buffers of the chunk size); a larger
 * one streams through fs.put, which holds chunks in flight whole anyway.
 */
export const CHUNK_BUFFER_BYTES_MAX = 128 * 1024 * 1024;
/** A body of unknown length starts in a buffer this big, doubled as it fills, up to the chunk size. */
const BUFFER_BYTES_FIRST = 1024 * 1024;

/** Bytes [start, start + length) of a file, OPEN_PIECES_AHEAD pieces read ahead, written in slices of `sliceBytes`. */
export function rangeStream(reader: FileRangeReader, start: number, length: number, sliceBytes: number, onError: (err: unknown) => void): ReadableStream<Uint8Array> {
  return sharedRangeStream(reader, start, length, { pieceBytes: OPEN_PIECE_BYTES, piecesAhead: OPEN_PIECES_AHEAD, sliceBytes, onError });
}

/**
 * A full garbage collection after every this many bytes of CREATE and APPEND bodies, as the
 * S3 gateway does every 32 MiB (s3/body.ts): the copies on the way to the chunk servers are
 * freed only when JSC collects. A 1 GiB CREATE into one peer grew its RSS by 260 MiB
 * collecting every 64 MiB, 242 every 32 MiB and 189 every 16 MiB (docs/webhdfs.md, "Memory").
 */
export const COLLECT_EVERY_BODY_BYTES = 16 * 1024 * 1024;

/**
 * A request body: counted, checked against its Content-Length when it has one, with a full
 * garbage collection every COLLECT_EVERY_BODY_BYTES.
 */
export async function* requestBytes(request: Request, counter: { bytes: number }): AsyncGenerator<Uint8Array> {
  const declared = declaredLength(request);
  if (request.body === null) {
    if (declared !== undefined && declared > 0) throw new WebHdfsError("IOException", "The body ended before its Content-Length.");
    return;
  }
  for await (const piece of request.body as unknown as AsyncIterable<Uint8Array>) {
    counter.bytes += piece.length;
    if (declared !== undefined && counter.bytes > declared) throw new WebHdfsError("IOException", "The body is longer than its Content-Length.");
    collectAfterBodyBytes(piece.length, COLLECT_EVERY_BODY_BYTES);
    yield piece;
  }
  if (declared !== undefined && counter.bytes !== declared) throw new WebHdfsError("IOException", "The body ended before its Content-Length.");
}

/** The Content-Length of a request, when it has a valid one. */
export function declaredLength(request: Request): number | undefined {
  const text = request.headers.get("content-length");
  if (text === null || !/^\d{1,16}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

/**
 * Writes a body as whole chunks, one at a time, while the next one fills: two buffers of the
 * chunk size, reused, whatever the body's length. `write(data, first)` writes one chunk's
 * bytes (the first creates the file, every later one appends a chunk) and must be done with
 * `data` when it resolves. An empty body is one write of nothing. Answers the bytes written.
 *
 * Why not one streamed fs.put: the file writer allocates a new buffer for every chunk and
 * keeps up to chunksInFlight of them, plus the one filling and the one waiting; JSC frees them
 * only when it collects, and a 1 GiB CREATE grew the peer's RSS by 400 to 630 MiB that way
 * (docs/webhdfs.md, "Memory").
 */
export async function writeByChunks(source: AsyncIterable<Uint8Array>, chunkSizeBytes: number, sizeHintBytes: number | undefined, write: (data: Uint8Array, first: boolean) => Promise<void>): Promise<number> {
  const firstBytes = Math.max(1, Math.min(chunkSizeBytes, sizeHintBytes ?? BUFFER_BYTES_FIRST));
  const buffers: Uint8Array[] = [allocateUninitialized(firstBytes)];
  let current = 0;
  let filled = 0;
  let total = 0;
  let writes = 0;
  let pending: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    await pending;
    const data = buffers[current]!.subarray(0, filled);
    pending = write(data, writes++ === 0);
    pending.catch(() => undefined); // seen when awaited
    current ^= 1;
    buffers[current] ??= allocateUninitialized(firstBytes);
    filled = 0;
  };
  for await (const piece of source) {
    let at = 0;
    while (at < piece.length) {
      let buffer = buffers[current]!;
      if (filled === buffer.length && buffer.length < chunkSizeBytes) {
        const grown = allocateUninitialized(Math.min(chunkSizeBytes, buffer.length * 2));
        grown.set(buffer.subarray(0, filled));
        buffer = buffers[current] = grown;
      }
      const take = Math.min(piece.length - at, buffer.length - filled);
      buffer.set(piece.subarray(at, at + take), filled);
      filled += take;
      at += take;
      total += take;
      if (filled === chunkSizeBytes) await flush();
    }
  }
  if (filled > 0 || writes === 0) await flush();
  await pending;
  return total;
}
