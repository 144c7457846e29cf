// A map task's input read in its own thread: the ranges that fall in a chunk held on this
// peer come straight from the chunk file (client/short-circuit.ts, CRC-checked block by
// block); everything else, and any range whose local read fails, goes to the fallback (the
// peer's main thread, which reads the nearest good replica and reports a corrupt one).
//
// A chunk deleted or replaced while the task runs is safe to read (local-chunk-reader.ts):
// the file is opened once and its descriptor keeps that version's bytes; a chunk already gone
// at the open fails it with ChunkNotFoundError, and the range is read through the fallback.
import { WORKER_READ_BYTES_MAX } from "./constants.ts";
import type { RangeReader } from "./line-split.ts";
import { LocalChunkReader, type LocalChunkSpan } from "../client/short-circuit.ts";

interface SpanState {
  span: LocalChunkSpan;
  reader?: Promise<LocalChunkReader>;
  /** Set at the first failure: the rest of this chunk goes through the fallback. */
  failed: boolean;
}

export class LocalFirstRangeReader implements RangeReader {
  /** Bytes read from local chunk files (short-circuit). */
  localBytes = 0;
  /** Local chunks given up on (gone, corrupt) and read through the fallback instead. */
  localFailures = 0;
  private readonly spans: SpanState[];
  private closed = false;

  constructor(
    private readonly fallback: RangeReader,
    spans: readonly LocalChunkSpan[],
  ) {
    this.spans = spans.map((span) => ({ span, failed: false }));
  }

  get sizeBytes(): number {
    return this.fallback.sizeBytes;
  }

  async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    // A read begun ahead may arrive after the task ended: it must not open a file nobody closes.
    if (this.closed) throw new Error("the map's input is closed");
    const state = this.spans.find(({ span, failed }) => !failed && offsetBytes >= span.fileOffsetBytes && offsetBytes < span.fileOffsetBytes + span.sizeBytes);
    if (!state) {
      // Cut at the next local chunk, so the parent does not read what this thread can (a
      // range before a local chunk: a split of a file whose chunks are not all here).
      let endBytes = offsetBytes + lengthBytes;
      for (const { span, failed } of this.spans) if (!failed && span.fileOffsetBytes > offsetBytes) endBytes = Math.min(endBytes, span.fileOffsetBytes);
      return this.fallback.read(offsetBytes, endBytes - offsetBytes);
    }
    const { span } = state;
    // Within the chunk, and no more than one read through the parent could return.
    const askBytes = Math.min(lengthBytes, WORKER_READ_BYTES_MAX, span.fileOffsetBytes + span.sizeBytes - offsetBytes, this.sizeBytes - offsetBytes);
    if (askBytes <= 0) return new Uint8Array(0);
    try {
      state.reader ??= LocalChunkReader.open(span.location);
      const bytes = await (await state.reader).read(offsetBytes - span.fileOffsetBytes, askBytes);
      this.localBytes += bytes.length;
      return bytes;
    } catch {
      // Gone or corrupt here: the parent's path reads another replica (and reports this one
      // when it is corrupt, since it tries this peer's copy first and fails the same way).
      state.failed = true;
      this.localFailures += 1;
      await this.closeSpan(state);
      return this.fallback.read(offsetBytes, lengthBytes);
    }
  }

  /** Closes the chunk files; the reader is not used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    for (const state of this.spans) await this.closeSpan(state);
  }

  private async closeSpan(state: SpanState): Promise<void> {
    const opening = state.reader;
    state.reader = undefined;
    if (!opening) return;
    await opening.then((reader) => reader.close(), () => undefined);
  }
}
