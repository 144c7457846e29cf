// The write path of the file system client: a file's bytes cut into chunks, and the chunks
// written with several in flight at once (issue 13), each down its own replica pipeline.
//
// While chunk k streams, chunk k+1 is already allocated and streaming too, up to
// `chunksInFlight` chunks and WRITE_BUFFER_BYTES_MAX of their bytes; so a remote writer keeps
// the network and the replicas' disks busy while another chunk fsyncs and commits, where one
// chunk at a time left them idle for each chunk's fsync and two metadata round trips.
//
// What stays as it was: a chunk is committed only after every replica of its pipeline acked
// it durable; commits go in file order (the master refuses a chunk's commit before the chunk
// before it, namespace-ops.ts), so the file's committed chunks are always a prefix of it, and
// the last chunk's commit, which completes the file, comes after every other chunk's. A failed
// pipeline is rebuilt without the failed peer under a new chunk version (GFS §4.5). When a
// chunk cannot be written, the chunks in flight are stopped, the first uncommitted one is
// abandoned with every one after it, and the write fails: the file is never complete.
import type { Attribute } from "../protocol/pb/attributes.ts";
import type { TesseraHost } from "../net/host.ts";
import { writeChunk } from "../chunk/transfer/write-pipeline.ts";
import { PipelineError } from "../chunk/transfer/data-errors.ts";
import type { ChunkStore } from "../chunk/store/store.ts";
import type { Committed, FileChunk } from "../protocol/pb/meta.ts";
import type { MetaCall } from "../protocol/meta.ts";
import { codeOf } from "../protocol/errors.ts";
import { CHUNKS_IN_FLIGHT_MAX } from "../protocol/limits.ts";
import { allocateUninitialized } from "../util/file-io.ts";
import { FsError } from "./fs-error.ts";

export const PIPELINE_ATTEMPTS_MAX = 4;
// A writer renews its lease this often; the master takes the file back after 60 s of silence.
const LEASE_RENEW_INTERVAL_MS = 20_000;

/**
 * Chunks of one file written at once by default: enough that each chunk's fsync and its two
 * metadata round trips (addChunk, commitChunk) overlap other chunks' streaming on every peer
 * of a 3-peer cluster, and as many 64 MiB chunks as WRITE_BUFFER_BYTES_MAX holds. Not yet
 * confirmed on a quiet machine: `bench/dfsio.ts --chunks-in-flight N` compares (docs/dfsio.md).
 */
export const CHUNKS_IN_FLIGHT_DEFAULT = 4;

/**
 * The bytes of the chunks a write holds in flight, together: each is kept until its pipeline
 * acked it durable (a rebuilt pipeline sends it again). At 64 MiB chunks that allows 4 in
 * flight; one chunk is always allowed, whatever its size (up to CHUNK_SIZE_BYTES_MAX).
 */
export const WRITE_BUFFER_BYTES_MAX = 256 * 1024 * 1024;

/** One chunk's bytes, and whether it is the source's last (its commit completes the file). */
export interface ChunkPiece {
  data: ChunkData;
  last: boolean;
}

/**
 * A chunk's bytes: one buffer, or its segments in order (a stream's chunk is gathered in
 * segments, so it is copied once, not again each time a single buffer would have to grow).
 */
export type ChunkData = Uint8Array | readonly Uint8Array[];

export function chunkDataBytes(data: ChunkData): number {
  if (data instanceof Uint8Array) return data.length;
  let sizeBytes = 0;
  for (const segment of data) sizeBytes += segment.length;
  return sizeBytes;
}

/** The chunks a write committed, and where the file stood after the last commit. */
export interface WrittenChunks {
  chunks: FileChunk[];
  committed: Committed | undefined;
}

/** What the writer needs of its client. */
export interface FileWriterInit {
  host: TesseraHost;
  call: MetaCall;
  clientId: string;
  /** The peer the client runs in ("" when none): placement puts first replicas there. */
  writerPeer: string;
  /** This peer's store, when the client runs in a peer: its replica is written directly. */
  localStore?: ChunkStore;
  /** Puts a grant's addresses into the peer store, so the pipeline can dial by id. */
  learnAddresses(chunk: FileChunk): void;
}

export interface WriteChunksOptions {
  /** Chunks in flight at once, 1..CHUNKS_IN_FLIGHT_MAX (default CHUNKS_IN_FLIGHT_DEFAULT). */
  chunksInFlight?: number;
  onProgress?(writtenBytes: number): void;
  /** The first chunk's grant when the create placed it already. */
  firstGrant?: FileChunk;
  /** The file's attributes, set by the commit of the last chunk, which completes the file. */
  attributes?: Attribute[];
  /** Called as each chunk is committed, in file order, with its grant (an editor reads back what it staged). */
  onCommitted?(chunk: FileChunk): void;
}

/** Checks a writer's window: a whole number of chunks, 1..CHUNKS_IN_FLIGHT_MAX. */
export function checkChunksInFlight(chunksInFlight: number): number {
  if (!Number.isInteger(chunksInFlight) || chunksInFlight < 1 || chunksInFlight > CHUNKS_IN_FLIGHT_MAX) {
    throw new FsError("INVALID", `a write keeps 1..${CHUNKS_IN_FLIGHT_MAX} chunks in flight, not ${chunksInFlight}`);
  }
  return chunksInFlight;
}

/** A chunk allocated and not yet committed. */
interface Slot {
  sizeBytes: number;
  /** Its grant, updated when the pipeline is rebuilt under a new version. */
  chunk: FileChunk;
  /** Settles once its pipeline acked it durable (or failed, or was stopped). */
  pipeline: Promise<number>;
  /** Settles once it is committed (or could not be). */
  committed: Promise<void>;
  done: boolean;
}

/**
 * Writes every chunk of `pieces` after the file's existing ones, up to `chunksInFlight` at a
 * time, committing them in order; the last piece's commit completes the file. Throws after
 * abandoning whatever was not committed when any chunk cannot be written.
 */
export async function writeFileChunks(init: FileWriterInit, file: { path: string; fileId: number }, pieces: AsyncIterable<ChunkPiece>, options: WriteChunksOptions = {}): Promise<WrittenChunks> {
  let window = checkChunksInFlight(options.chunksInFlight ?? CHUNKS_IN_FLIGHT_DEFAULT);
  const { path, fileId } = file;
  const renew = setInterval(() => void init.call("renewLease", { fileId, clientId: init.clientId }).catch(() => undefined), LEASE_RENEW_INTERVAL_MS);
  // Stops the pipelines in flight once any chunk failed: nothing after it can be committed.
  const stop = new AbortController();
  const written: WrittenChunks = { chunks: [], committed: undefined };
  const slots: Slot[] = [];
  let failure: { cause: unknown } | undefined;
  let bufferedBytes = 0;
  let writtenBytes = 0;
  let wake: (() => void) | undefined;
  const settled = () => new Promise<void>((resolve) => (wake = resolve));
  let previousCommit: Promise<void> = Promise.resolve();
  let grant = options.firstGrant;
  try {
    for await (const piece of pieces) {
      // Room for this chunk: fewer than `window` in flight, within the byte budget (one always fits).
      const pieceBytes = chunkDataBytes(piece.data);
      while (!failure && slots.length > 0 && (slots.length >= window || bufferedBytes + pieceBytes > WRITE_BUFFER_BYTES_MAX)) await settled();
      if (failure) break;
      let chunk: FileChunk;
      try {
        chunk = grant ?? (await allocate(init, path, fileId, window));
      } catch (err) {
        // A master from before several chunks in flight refuses a second uncommitted chunk:
        // finish the ones in flight and go on one at a time.
        if (codeOf(err) !== "CHUNK_UNCOMMITTED" || window === 1 || slots.length === 0) throw err;
        window = 1;
        while (!failure && slots.length > 0) await settled();
        if (failure) break;
        chunk = await allocate(init, path, fileId, window);
      }
      grant = undefined;
      const slot: Slot = { sizeBytes: pieceBytes, chunk, pipeline: Promise.resolve(0), committed: Promise.resolve(), done: false };
      slots.push(slot);
      bufferedBytes += slot.sizeBytes;
      const pipeline = (slot.pipeline = writeWithRetries(init, path, fileId, slot, piece.data, stop.signal));
      pipeline.catch(() => undefined); // awaited through the commit chain below
      const before = previousCommit;
      slot.committed = previousCommit = (async () => {
        const [sizeBytes] = await Promise.all([pipeline, before]);
        // Nothing is committed once the write failed: the rest will be abandoned.
        const failed = failure as { cause: unknown } | undefined;
        if (failed) throw failed.cause;
        const committed = await init.call("commitChunk", { fileId, chunkId: slot.chunk.chunkId, version: slot.chunk.version, sizeBytes, clientId: init.clientId, ...(piece.last ? { complete: true, ...(options.attributes?.length ? { attributes: { entries: options.attributes } } : {}) } : {}) });
        const done = { ...slot.chunk, sizeBytes, committed: true };
        written.chunks.push(done);
        written.committed = committed;
        options.onCommitted?.(done);
      })();
      slot.committed.then(
        () => {
          slot.done = true;
          slots.splice(slots.indexOf(slot), 1);
          bufferedBytes -= slot.sizeBytes;
          writtenBytes += slot.sizeBytes;
          options.onProgress?.(writtenBytes);
          wake?.();
        },
        (err: unknown) => {
          if (!failure) {
            failure = { cause: err };
            stop.abort(err);
          }
          wake?.();
        },
      );
    }
    await previousCommit.catch(() => undefined);
    if (failure) throw failure.cause;
    return written;
  } catch (err) {
    failure ??= { cause: err };
    stop.abort(err);
    // Every chunk in flight settles (its pipeline stopped, no rebuild under way) before the
    // first uncommitted one is abandoned, with all after it.
    await Promise.allSettled(slots.flatMap((slot) => [slot.pipeline, slot.committed]));
    const firstUncommitted = slots.find((slot) => !slot.done);
    if (firstUncommitted) await init.call("abandonChunk", { fileId, chunkId: firstUncommitted.chunk.chunkId, clientId: init.clientId }).catch(() => undefined);
    throw failure.cause;
  } finally {
    clearInterval(renew);
  }
}

function allocate(init: FileWriterInit, path: string, fileId: number, chunksInFlight: number): Promise<FileChunk> {
  return init.call("addChunk", { path, fileId, clientId: init.clientId, writerPeer: init.writerPeer, excludePeers: [], ...(chunksInFlight > 1 ? { chunksInFlight } : {}) });
}

/** Streams one chunk down its pipeline, rebuilding the pipeline without a failed peer; answers the size every replica holds. */
async function writeWithRetries(init: FileWriterInit, path: string, fileId: number, slot: Slot, data: ChunkData, signal: AbortSignal): Promise<number> {
  const excluded: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const allocated = slot.chunk;
    if (allocated.replicas.length === 0) throw new FsError("NO_PEERS", "no live peer can take the chunk");
    init.learnAddresses(allocated);
    try {
      const result = await writeChunk(init.host, {
        chunkId: allocated.chunkId,
        version: allocated.version,
        targets: allocated.replicas.map((replica) => replica.peer),
        data,
        expectedSizeBytes: slot.sizeBytes,
        signal,
        ...(init.localStore ? { localStore: init.localStore } : {}),
      });
      return result.sizeBytes;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (!(err instanceof PipelineError)) throw err;
      if (attempt >= PIPELINE_ATTEMPTS_MAX) throw new FsError("PIPELINE_FAILED", `could not write chunk ${allocated.chunkId} after ${attempt} pipelines: ${err.message}`);
      // Rebuild without the failed peer, under a new version.
      excluded.push(err.failedPeer);
      slot.chunk = await init.call("bumpChunk", { path, fileId, chunkId: allocated.chunkId, clientId: init.clientId, writerPeer: init.writerPeer, excludePeers: excluded });
    }
  }
}

/**
 * A stream's chunk is gathered in segments of this size (a multiple of the write pipeline's
 * packets, so they go out without another copy). It was one buffer doubled as it filled: a
 * 64 MiB chunk was copied twice and took 127 MiB of fresh memory, a quarter of a peer's main
 * thread while a sort's reduces committed their parts (a profile of bench/mr).
 */
export const CHUNK_SEGMENT_BYTES = 1024 * 1024;

/**
 * Cuts a byte source into chunks of exactly `chunkSizeBytes` (the last may be shorter), each
 * marked whether it is the last. A full chunk is held back until the source shows one more
 * byte or ends, so the last is known without reading a whole chunk ahead. A stream's bytes are
 * copied once, into segments of `segmentBytes` (uninitialised memory: a 4 KiB stream pays for
 * no more than it fills); a stream of known length gets segments no larger than what remains.
 */
export async function* chunked(source: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, chunkSizeBytes: number, expectedSizeBytes?: number, segmentBytes = CHUNK_SEGMENT_BYTES): AsyncGenerator<ChunkPiece> {
  if (source instanceof Uint8Array) {
    for (let at = 0; at < source.length; at += chunkSizeBytes) yield { data: source.subarray(at, Math.min(at + chunkSizeBytes, source.length)), last: at + chunkSizeBytes >= source.length };
    return;
  }
  let consumedBytes = 0;
  let segments: Uint8Array[] = [];
  let segment: Uint8Array | undefined;
  let segmentFilled = 0;
  // Bytes of the chunk being gathered.
  let filled = 0;
  let full: Uint8Array[] | undefined;
  const nextSegmentBytes = () => {
    // A stream longer than it said goes on in whole segments.
    const remaining = expectedSizeBytes === undefined || expectedSizeBytes <= consumedBytes ? Number.POSITIVE_INFINITY : expectedSizeBytes - consumedBytes;
    return Math.min(segmentBytes, chunkSizeBytes - filled, remaining);
  };
  for await (const piece of source as AsyncIterable<Uint8Array>) {
    let at = 0;
    while (at < piece.length) {
      if (full) {
        yield { data: full, last: false };
        full = undefined;
      }
      segment ??= allocateUninitialized(nextSegmentBytes());
      const take = Math.min(piece.length - at, segment.length - segmentFilled);
      segment.set(piece.subarray(at, at + take), segmentFilled);
      segmentFilled += take;
      filled += take;
      consumedBytes += take;
      at += take;
      if (segmentFilled === segment.length) {
        segments.push(segment);
        segment = undefined;
        segmentFilled = 0;
      }
      if (filled === chunkSizeBytes) {
        full = segments;
        segments = [];
        filled = 0;
      }
    }
  }
  if (segment && segmentFilled > 0) segments.push(segment.subarray(0, segmentFilled));
  if (full) yield { data: full, last: filled === 0 };
  if (filled > 0) yield { data: segments, last: true };
}
