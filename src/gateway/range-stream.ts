// A byte range of a file as the body of a gateway's answer (S3's GET, WebHDFS's OPEN): a few
// pieces read ahead of the client (each read may draw on several replicas at once), handed on
// as views of the piece, never copied, in slices when the protocol asks for them (WebHDFS's
// `buffersize`). highWaterMark 0: nothing is read until the client pulls, so a slow client
// holds at most `piecesAhead` pieces of memory.
import type { FileRangeReader } from "../client/fs.ts";

export interface RangeStreamOptions {
  /** Bytes one read asks the file system for. */
  pieceBytes: number;
  /** Reads under way ahead of the client. */
  piecesAhead: number;
  /** Bytes of each write to the client (default: a piece at a time). */
  sliceBytes?: number;
  /** Called with each piece's size as it goes out (metrics). */
  onPiece?(bytes: number): void;
  /** Called once when a read fails mid-body (the answer's status is sent by then: log it). */
  onError(err: unknown): void;
}

/** Bytes [start, start + length) of the file `reader` reads. */
export function rangeStream(reader: FileRangeReader, start: number, length: number, options: RangeStreamOptions): ReadableStream<Uint8Array> {
  const end = start + length;
  const sliceBytes = options.sliceBytes ?? options.pieceBytes;
  let next = start;
  const ahead: Array<Promise<Uint8Array>> = [];
  const fill = () => {
    while (ahead.length < options.piecesAhead && next < end) {
      const pieceBytes = Math.min(options.pieceBytes, end - next);
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
          options.onPiece?.(bytes.length);
          if (bytes.length <= sliceBytes) controller.enqueue(bytes);
          else for (let at = 0; at < bytes.length; at += sliceBytes) controller.enqueue(bytes.subarray(at, Math.min(bytes.length, at + sliceBytes)));
          if (ahead.length === 0 && next >= end) controller.close();
        } catch (err) {
          options.onError(err);
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
