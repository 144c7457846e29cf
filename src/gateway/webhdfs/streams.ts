// The bodies of WebHDFS's data requests, with bounded memory (docs/webhdfs.md, "Memory"):
// OPEN reads a few pieces ahead of the client and writes them in `buffersize` slices; CREATE
// and APPEND hand the request's body to the file writer a piece at a time, as the S3
// gateway does (src/gateway/s3/body.ts), collecting garbage as it goes.
import type { FileRangeReader } from "../../client/fs.ts";
import { COLLECT_EVERY_BODY_BYTES } from "../s3/body.ts";
import { WebHdfsError } from "./errors.ts";

/** Bytes one read of an OPEN asks the file system for, and how many such reads run ahead of the client. */
export const OPEN_PIECE_BYTES = 4 * 1024 * 1024;
export const OPEN_PIECES_AHEAD = 4;
/** `buffersize` below this is raised to it: a 1-byte write per byte would be a denial of service, not a buffer. */
export const BUFFER_BYTES_MIN = 4 * 1024;
/** What `buffersize` may ask for (larger pieces are written as read). */
export const BUFFER_BYTES_MAX = OPEN_PIECE_BYTES;
/**
 * Chunks a CREATE or APPEND keeps in flight (the client's default is 4): each is a buffer of up
 * to the chunk size (64 MiB), and a peer serves many writes at once. The S3 gateway measured
 * 2 as nearly as fast as 4 for ~90 MiB less (docs/s3.md, "Memory").
 */
export const WRITE_CHUNKS_IN_FLIGHT = 2;

/** Bytes [start, start + length) of a file, OPEN_PIECES_AHEAD pieces read ahead, written in slices of `sliceBytes`. */
export function rangeStream(reader: FileRangeReader, start: number, length: number, sliceBytes: number, onError: (err: unknown) => void): ReadableStream<Uint8Array> {
  const end = start + length;
  let next = start;
  const ahead: Array<Promise<Uint8Array>> = [];
  const fill = () => {
    while (ahead.length < OPEN_PIECES_AHEAD && next < end) {
      const pieceBytes = Math.min(OPEN_PIECE_BYTES, end - next);
      const read = reader.read(next, pieceBytes);
      read.catch(() => undefined); // seen when its turn comes
      ahead.push(read);
      next += pieceBytes;
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        fill();
        const piece = ahead.shift();
        if (!piece) {
          controller.close();
          return;
        }
        try {
          const bytes = await piece;
          // Slices are views of the piece: no copy, one write each.
          for (let at = 0; at < bytes.length; at += sliceBytes) controller.enqueue(bytes.subarray(at, Math.min(bytes.length, at + sliceBytes)));
          if (ahead.length === 0 && next >= end) controller.close();
        } catch (err) {
          onError(err);
          controller.error(err);
        }
      },
      cancel() {
        ahead.length = 0;
        next = end;
      },
    },
    { highWaterMark: 0 },
  );
}

/** A count of body bytes shared by every write of this process, for collecting garbage as body.ts does. */
let bodyBytesSinceCollection = 0;

/**
 * A request body as the file writer takes it: counted, checked against its Content-Length
 * when it has one, and with a full garbage collection every COLLECT_EVERY_BODY_BYTES (the
 * copies on the way to the chunk servers are freed only when JSC collects; s3/body.ts).
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
    bodyBytesSinceCollection += piece.length;
    if (bodyBytesSinceCollection >= COLLECT_EVERY_BODY_BYTES) {
      bodyBytesSinceCollection = 0;
      Bun.gc(true);
    }
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
