// /tessera/chunk/read/1: ranged chunk reads with end-to-end checksums, server side
// (handleReadStream, wired in by DataService) and client side (openChunkRead, readChunk,
// readChunkBytes), plus the local fast path (readChunkLocal) for a reader on the same peer.
//
// Flow (one stream per read):
//   → ReadRequest {chunkId, version, offsetBytes, lengthBytes}
//   ← ReadResponse {errorCode: "" | CHUNK_NOT_FOUND | CHUNK_STALE | CHUNK_CORRUPT | ...,
//                   sizeBytes, offsetBytes, lengthBytes (cut at the chunk's end),
//                   firstBlock, blockCrcs (the CRC of every block the range touches)}
//   ← ReadFrame DATA {sizeBytes} + raw bytes, repeated: the covering blocks whole, from
//       firstBlock × 64 KiB to the end of the last covering block, so each can be checked
//   ← ReadFrame END                         (or ERROR {errorCode} mid-way)
// The reader checks every block against the CRCs before handing out any of its bytes, and
// hands out only the range asked for. A mismatch is a ChunkChecksumError: the caller reports
// the replica to the master and tries the next (DESIGN.md "Data path").
//
// One CRC check per byte, the reader's: the server sends the blocks as read from disk without
// checking them itself (store.createReadStream with verify: false), as HDFS's DataNode does
// for client reads (BlockSender's verifyChecksum is off for them). Nothing is lost: the CRCs
// it sends are the ones on its disk (the sidecar, checked against its own CRC), the record
// layer authenticates every byte in transit, so a block failing at the reader is a block
// damaged on the server's disk, and the reader reports that replica to the master exactly as
// when the server refused it. A damaged sidecar is still refused by the server (CHUNK_CORRUPT
// before any byte), and the scrubber still rereads every chunk at rest. Reads that do not end
// at a verifying reader (re-replication's source, local reads) keep the store's check.
import { peerIdFromString } from "@libp2p/peer-id";
import type { Connection, PeerId, Stream } from "@libp2p/interface";
import type { TesseraHost } from "../../net/host.ts";
import type { Logger } from "../../util/log.ts";
import { validateChunkId, validateChunkVersion } from "../../protocol/chunk-id.ts";
import { clampRange } from "../store/chunk-index.ts";
import { ChunkCorruptError, isChunkStoreError } from "../store/errors.ts";
import type { ChunkStore } from "../store/store.ts";
import { LocalChunkReader } from "../store/local-chunk-reader.ts";
import {
  DATA_CONTROL_FRAME_BYTES_MAX,
  READ_BYTES_MAX,
  READ_IDLE_TIMEOUT_MS,
  READ_RESPONSE_FRAME_BYTES_MAX,
  READ_SEND_STALL_TIMEOUT_MS,
  READ_SETUP_TIMEOUT_MS,
  LOCAL_READ_AHEAD_PIECES,
  LOCAL_READ_PIECE_BYTES,
} from "./data-constants.ts";
import { ChunkChecksumError, ChunkReadError, wireMessage, type ChunkReadErrorCode } from "./data-errors.ts";
import { closeStream, encodeFrame, FrameReader, sendData, DataProtocolError, DataStreamClosedError, DataTimeoutError } from "../../net/frames.ts";
import { ReadFrame, ReadRequest, ReadResponse } from "../../protocol/pb/data.ts";
import { Uint8ArrayList } from "uint8arraylist";
import { CHUNK_READ_PROTOCOL } from "../../protocol/ids.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES, CHUNK_SIZE_BYTES_MAX } from "../../protocol/limits.ts";

const BLOCK = CHUNK_CHECKSUM_BLOCK_BYTES;
const STREAM_CLOSE_TIMEOUT_MS = 5_000;
// Local reads: pieces of 256 KiB, four in flight (1 MiB; at first 2 x 4 MiB, then 4 x 512
// KiB). Every piece is a fresh buffer (readers keep pieces), and fresh memory is what costs: on this VM a page fault costs ~10 us, and 4 MiB buffers were faulted
// in page by page on nearly every read (mimalloc returns large blocks to the OS), 512 KiB
// ones far less often. Measured (8 x 64 MiB, page cache warm, loaded 2-core VM, medians of
// 5): 4 MiB x 1 ahead 1.3-3.1 CPU s/GiB, 49k-121k faults/GiB; 512 KiB x 4 ahead 0.6-1.4 CPU
// s/GiB, 18k-53k faults/GiB (docs/transport.md, "Data path CPU"). Issue 13 went to 256 KiB:
// the short-circuit reader over 4 x 64 MiB, warm, 5 rounds each interleaved (loaded VM):
// 512 KiB x 4 ahead 265-1,072 MB/s (median 421), 0.9-2.6 CPU s/GiB, 34k-120k faults/GiB;
// 256 KiB x 4 ahead 758-1,876 MB/s (median 1,501), 0.6-1.0 CPU s/GiB, 18k-36k faults/GiB.

export interface ChunkRange {
  chunkId: string;
  version: number;
  offsetBytes: number;
  /** Cut at the chunk's end; at most the chunk size limit (READ_BYTES_MAX for readChunkBytes). */
  lengthBytes: number;
}

export interface ReadCounters {
  /** Bytes this peer served to remote readers. */
  bytesServed: number;
  readsServed: number;
  /** Reads this peer refused or broke off (not found, stale, corrupt, reader gone). */
  readsFailed: number;
  /** Corrupt blocks found: by this peer's store while serving, or by this peer as a reader. */
  checksumErrors: number;
}

export function newReadCounters(): ReadCounters {
  return { bytesServed: 0, readsServed: 0, readsFailed: 0, checksumErrors: 0 };
}

/** A read in progress: the range being served, then its verified bytes. */
export interface ChunkReadStream extends AsyncIterable<Uint8Array> {
  /** The chunk's whole size. */
  readonly sizeBytes: number;
  readonly offsetBytes: number;
  /** The bytes this read yields: the range asked for, cut at the chunk's end. */
  readonly lengthBytes: number;
  /** Gives up on the read (also done when iteration stops early). */
  cancel(): void;
}

// --- checking blocks -------------------------------------------------------------------------

/**
 * Checks the bytes of a block-aligned span against their block CRCs as they arrive in pieces
 * of any size, and passes on only verified bytes of the range asked for. Whole blocks within
 * a piece are checked in place; a block split across pieces is checked by continuing its CRC
 * over each part (Bun.hash.crc32's seed) and handed on as views of those parts once it is
 * whole. Nothing is copied: the pieces are the transport's fresh buffers, and a gathering copy
 * of each split block was another pass over fresh memory (docs/dfsio.md, "The read path").
 */
export class SpanVerifier {
  private position: number;
  /** The parts of the block starting at `position` received so far, and their running CRC. */
  private readonly partial: Uint8Array[] = [];
  private partialBytes = 0;
  private partialCrc = 0;

  constructor(
    private readonly chunkId: string,
    private readonly version: number,
    private readonly peer: string | undefined,
    /** CRCs of the blocks from firstBlock on. */
    private readonly crcs: Uint32Array,
    private readonly firstBlock: number,
    spanStart: number,
    private readonly spanEnd: number,
    private readonly rangeStart: number,
    private readonly rangeEnd: number,
  ) {
    this.position = spanStart;
  }

  /** Verified pieces of the range within `piece` (views into it, or into earlier pieces). */
  push(piece: Uint8Array, out: Uint8Array[]): void {
    let offset = 0;
    if (this.partialBytes > 0) {
      const blockBytes = Math.min(BLOCK, this.spanEnd - this.position);
      const n = Math.min(blockBytes - this.partialBytes, piece.length);
      const part = piece.subarray(0, n);
      this.partialCrc = Bun.hash.crc32(part, this.partialCrc);
      this.partial.push(part);
      this.partialBytes += n;
      offset = n;
      if (this.partialBytes < blockBytes) return;
      this.checkCrc(this.partialCrc >>> 0, this.position / BLOCK - this.firstBlock);
      for (const verified of this.partial) this.emit(verified, out);
      this.partial.length = 0;
      this.partialBytes = 0;
    }
    const rest = piece.length - offset;
    if (rest === 0) return;
    if (this.position + rest > this.spanEnd) throw new DataProtocolError(`${this.position + rest - this.spanEnd} bytes past the end of the span`);
    const wholeBytes = this.position + rest === this.spanEnd ? rest : Math.floor(rest / BLOCK) * BLOCK;
    if (wholeBytes > 0) {
      const blocks = piece.subarray(offset, offset + wholeBytes);
      this.check(blocks);
      this.emit(blocks, out);
      offset += wholeBytes;
    }
    if (offset < piece.length) {
      const part = piece.subarray(offset);
      this.partial.push(part);
      this.partialBytes = part.length;
      this.partialCrc = Bun.hash.crc32(part);
    }
  }

  /** Throws unless the whole span arrived. */
  finish(): void {
    if (this.partialBytes > 0 || this.position !== this.spanEnd) throw new DataProtocolError(`the data ended at byte ${this.position + this.partialBytes} of a span ending at ${this.spanEnd}`);
  }

  /** Checks whole blocks starting at `position`. */
  private check(blocks: Uint8Array): void {
    const relative = this.position / BLOCK - this.firstBlock;
    for (let start = 0, block = relative; start < blocks.length; start += BLOCK, block++) {
      this.checkCrc(Bun.hash.crc32(blocks.subarray(start, start + BLOCK)) >>> 0, block);
    }
  }

  /** `block` counts from firstBlock. */
  private checkCrc(actual: number, block: number): void {
    if (block >= this.crcs.length || actual !== this.crcs[block]) {
      throw new ChunkChecksumError(this.chunkId, this.version, this.firstBlock + block, this.peer, "reader", "block checksum mismatch");
    }
  }

  private emit(verified: Uint8Array, out: Uint8Array[]): void {
    const start = this.position;
    const end = start + verified.length;
    this.position = end;
    const from = Math.max(start, this.rangeStart);
    const to = Math.min(end, this.rangeEnd);
    if (to > from) out.push(verified.subarray(from - start, to - start));
  }
}

/** The block-aligned span covering [startBytes, endBytes) of a chunk of sizeBytes. */
function spanOf(sizeBytes: number, startBytes: number, endBytes: number): { firstBlock: number; blockCount: number; spanStart: number; spanEnd: number } {
  if (startBytes === endBytes) return { firstBlock: Math.floor(startBytes / BLOCK), blockCount: 0, spanStart: startBytes, spanEnd: startBytes };
  const firstBlock = Math.floor(startBytes / BLOCK);
  const endBlock = Math.ceil(endBytes / BLOCK);
  return { firstBlock, blockCount: endBlock - firstBlock, spanStart: firstBlock * BLOCK, spanEnd: Math.min(sizeBytes, endBlock * BLOCK) };
}

function crcsFromBytes(bytes: Uint8Array): Uint32Array {
  // A copy: aligned, and independent of the frame it came in.
  const crcs = new Uint32Array(bytes.length / 4);
  new Uint8Array(crcs.buffer).set(bytes);
  return crcs;
}

// --- server ----------------------------------------------------------------------------------

export interface ReadHandlerContext {
  store: ChunkStore;
  log: Logger;
  counters: ReadCounters;
}

/** Serves one read: the thin adapter from the stream to store.readBlockChecksums/createReadStream. */
export async function handleReadStream(ctx: ReadHandlerContext, stream: Stream, connection: Connection): Promise<void> {
  const remote = connection.remotePeer.toString();
  const reader = new FrameReader(stream);
  const respondError = (code: string, message: string, blockIndex?: number): void => {
    ctx.counters.readsFailed++;
    try {
      stream.send(encodeFrame(ReadResponse, { errorCode: code, errorMessage: wireMessage(message), sizeBytes: 0, offsetBytes: 0, lengthBytes: 0, firstBlock: 0, blockCrcs: new Uint8Array(0), blockIndex }));
    } catch {
      // The reader is gone.
    }
  };
  try {
    let request: ReadRequest;
    try {
      request = await reader.readFrame(ReadRequest, DATA_CONTROL_FRAME_BYTES_MAX, READ_SETUP_TIMEOUT_MS);
    } catch (err) {
      ctx.log.warn("rejected a read request", { from: remote, err });
      respondError("PROTOCOL", wireMessage(err));
      return;
    }
    let span: ReturnType<typeof spanOf>;
    let sizeBytes: number;
    let startBytes: number;
    let endBytes: number;
    let crcs: Uint32Array;
    try {
      validateChunkId(request.chunkId);
      validateChunkVersion(request.version);
      const sums = await ctx.store.readBlockChecksums(request.chunkId, request.version);
      sizeBytes = sums.sizeBytes;
      ({ startBytes, endBytes } = clampRange(sizeBytes, request.offsetBytes, request.lengthBytes, CHUNK_SIZE_BYTES_MAX));
      span = spanOf(sizeBytes, startBytes, endBytes);
      crcs = sums.checksums.subarray(span.firstBlock, span.firstBlock + span.blockCount);
    } catch (err) {
      if (err instanceof ChunkCorruptError) ctx.counters.checksumErrors++;
      respondError(isChunkStoreError(err) ? err.code : "INTERNAL", wireMessage(err), err instanceof ChunkCorruptError ? err.blockIndex : undefined);
      return;
    }
    stream.send(
      encodeFrame(ReadResponse, {
        errorCode: "",
        errorMessage: "",
        sizeBytes,
        offsetBytes: startBytes,
        lengthBytes: endBytes - startBytes,
        firstBlock: span.firstBlock,
        blockCrcs: new Uint8Array(crcs.buffer as ArrayBuffer, crcs.byteOffset, crcs.byteLength),
      }),
    );
    try {
      if (span.spanEnd > span.spanStart) {
        // verify: false, the reader checks every block (see the top of this file).
        for await (const piece of ctx.store.createReadStream(request.chunkId, request.version, span.spanStart, span.spanEnd - span.spanStart, { verify: false })) {
          // Frame and piece in one send: one yamux frame and one encrypted record per piece.
          const frame = encodeFrame(ReadFrame, { kind: ReadFrame.Kind.DATA, sizeBytes: piece.length, errorCode: "", errorMessage: "" });
          await sendData(stream, new Uint8ArrayList(frame, piece), READ_SEND_STALL_TIMEOUT_MS);
          ctx.counters.bytesServed += piece.length;
        }
      }
    } catch (err) {
      if (err instanceof DataStreamClosedError || err instanceof DataTimeoutError || stream.writeStatus !== "writable") {
        ctx.counters.readsFailed++;
        stream.abort(err as Error);
        return;
      }
      if (err instanceof ChunkCorruptError) ctx.counters.checksumErrors++;
      ctx.counters.readsFailed++;
      stream.send(encodeFrame(ReadFrame, { kind: ReadFrame.Kind.ERROR, sizeBytes: 0, errorCode: isChunkStoreError(err) ? err.code : "INTERNAL", errorMessage: wireMessage(err), blockIndex: err instanceof ChunkCorruptError ? err.blockIndex : undefined }));
      return;
    }
    stream.send(encodeFrame(ReadFrame, { kind: ReadFrame.Kind.END, sizeBytes: 0, errorCode: "", errorMessage: "" }));
    ctx.counters.readsServed++;
  } catch (err) {
    ctx.counters.readsFailed++;
    stream.abort(err instanceof Error ? err : new Error(String(err)));
  } finally {
    reader.dispose();
    if (stream.status === "open") await closeStream(stream, STREAM_CLOSE_TIMEOUT_MS);
  }
}

// --- client ----------------------------------------------------------------------------------

const READ_ERROR_CODES: ReadonlySet<string> = new Set<ChunkReadErrorCode>([
  "CHUNK_NOT_FOUND",
  "CHUNK_STALE",
  "CHUNK_EXISTS",
  "CHUNK_BUSY",
  "CHUNK_TOO_LARGE",
  "CHUNK_SIZE_MISMATCH",
  "CHUNK_RANGE",
  "INVALID_CHUNK_ID",
  "PEER_UNREACHABLE",
  "PEER_FAILED",
  "TIMEOUT",
  "PROTOCOL",
  "SHUTTING_DOWN",
  "INTERNAL",
]);

function remoteError(range: ChunkRange, peer: string, code: string, message: string, blockIndex: number | undefined): Error {
  if (code === "CHUNK_CORRUPT") return new ChunkChecksumError(range.chunkId, range.version, blockIndex, peer, "server", message);
  return new ChunkReadError(READ_ERROR_CODES.has(code) ? (code as ChunkReadErrorCode) : "PROTOCOL", peer, message);
}

function transportError(err: unknown, peer: string): Error {
  if (err instanceof ChunkChecksumError || err instanceof ChunkReadError) return err;
  if (err instanceof DataTimeoutError) return new ChunkReadError("TIMEOUT", peer, err.message);
  if (err instanceof DataProtocolError) return new ChunkReadError("PROTOCOL", peer, err.message);
  return new ChunkReadError("PEER_FAILED", peer, wireMessage(err));
}

function checkRange(range: ChunkRange, lengthBytesMax: number): void {
  validateChunkId(range.chunkId);
  validateChunkVersion(range.version);
  if (!Number.isSafeInteger(range.offsetBytes) || range.offsetBytes < 0) throw new RangeError(`offsetBytes ${range.offsetBytes} is not a non-negative integer`);
  if (!Number.isSafeInteger(range.lengthBytes) || range.lengthBytes < 0 || range.lengthBytes > lengthBytesMax) throw new RangeError(`lengthBytes must be 0 to ${lengthBytesMax}`);
}

/**
 * Opens a read of a replica: resolves once the replica has agreed to serve the range (its
 * refusals throw here: ChunkReadError with the replica's code, or ChunkChecksumError when its
 * store found the chunk corrupt), then yields verified bytes of exactly the range.
 */
export async function openChunkRead(host: TesseraHost, peer: PeerId | string, range: ChunkRange, counters?: ReadCounters): Promise<ChunkReadStream> {
  checkRange(range, CHUNK_SIZE_BYTES_MAX);
  const peerText = peer.toString();
  let stream: Stream;
  try {
    stream = await host.dialProtocol(typeof peer === "string" ? peerIdFromString(peer) : peer, CHUNK_READ_PROTOCOL, { signal: AbortSignal.timeout(READ_SETUP_TIMEOUT_MS) });
  } catch (err) {
    throw new ChunkReadError("PEER_UNREACHABLE", peerText, wireMessage(err));
  }
  const reader = new FrameReader(stream);
  let header: ReadResponse;
  let verifier: SpanVerifier;
  try {
    stream.send(encodeFrame(ReadRequest, range));
    header = await reader.readFrame(ReadResponse, READ_RESPONSE_FRAME_BYTES_MAX, READ_SETUP_TIMEOUT_MS);
    if (header.errorCode !== "") throw remoteError(range, peerText, header.errorCode, header.errorMessage, header.blockIndex);
    const endBytes = header.offsetBytes + header.lengthBytes;
    if (header.offsetBytes !== range.offsetBytes || header.lengthBytes > range.lengthBytes || endBytes > header.sizeBytes || (header.lengthBytes < range.lengthBytes && endBytes !== header.sizeBytes)) {
      throw new DataProtocolError(`served range ${header.offsetBytes}+${header.lengthBytes} of ${header.sizeBytes} does not answer ${range.offsetBytes}+${range.lengthBytes}`);
    }
    const span = spanOf(header.sizeBytes, header.offsetBytes, endBytes);
    if (header.firstBlock !== span.firstBlock || header.blockCrcs.length !== 4 * span.blockCount) throw new DataProtocolError(`checksums for blocks ${header.firstBlock}+${header.blockCrcs.length / 4}, expected ${span.firstBlock}+${span.blockCount}`);
    verifier = new SpanVerifier(range.chunkId, range.version, peerText, crcsFromBytes(header.blockCrcs), span.firstBlock, span.spanStart, span.spanEnd, header.offsetBytes, endBytes);
  } catch (err) {
    reader.dispose();
    stream.abort(err instanceof Error ? err : new Error(String(err)));
    const error = transportError(err, peerText);
    if (error instanceof ChunkChecksumError && counters) counters.checksumErrors++;
    throw error;
  }

  let cancelled = false;
  const cancel = (): void => {
    if (cancelled) return;
    cancelled = true;
    reader.dispose();
    stream.abort(new Error("read cancelled"));
  };
  async function* pieces(): AsyncGenerator<Uint8Array> {
    let finished = false;
    const out: Uint8Array[] = [];
    try {
      for (;;) {
        const frame = await reader.readFrame(ReadFrame, DATA_CONTROL_FRAME_BYTES_MAX, READ_IDLE_TIMEOUT_MS);
        if (frame.kind === ReadFrame.Kind.DATA) {
          const data = await reader.readList(frame.sizeBytes, READ_IDLE_TIMEOUT_MS);
          for (const part of data) verifier.push(part, out);
          for (const piece of out) yield piece;
          out.length = 0;
          continue;
        }
        if (frame.kind === ReadFrame.Kind.END) {
          verifier.finish();
          finished = true;
          reader.dispose();
          await closeStream(stream, STREAM_CLOSE_TIMEOUT_MS);
          return;
        }
        throw remoteError(range, peerText, frame.errorCode, frame.errorMessage, frame.blockIndex);
      }
    } catch (err) {
      if (cancelled) throw new ChunkReadError("PEER_FAILED", peerText, "read cancelled");
      const error = transportError(err, peerText);
      if (error instanceof ChunkChecksumError && counters) counters.checksumErrors++;
      throw error;
    } finally {
      if (!finished) cancel();
    }
  }
  const iterable = pieces();
  return {
    sizeBytes: header.sizeBytes,
    offsetBytes: header.offsetBytes,
    lengthBytes: header.lengthBytes,
    cancel,
    [Symbol.asyncIterator]: () => iterable,
  };
}

/** Verified bytes of a range of a remote replica, streamed (see openChunkRead for the errors). */
export async function* readChunk(host: TesseraHost, peer: PeerId | string, range: ChunkRange, counters?: ReadCounters): AsyncGenerator<Uint8Array> {
  yield* await openChunkRead(host, peer, range, counters);
}

/** A small range of a remote replica as one buffer (at most READ_BYTES_MAX). */
export async function readChunkBytes(host: TesseraHost, peer: PeerId | string, range: ChunkRange, counters?: ReadCounters): Promise<Uint8Array> {
  checkRange(range, READ_BYTES_MAX);
  return gather(await openChunkRead(host, peer, range, counters));
}

async function gather(read: ChunkReadStream): Promise<Uint8Array> {
  const out = Buffer.allocUnsafeSlow(read.lengthBytes);
  let at = 0;
  for await (const piece of read) {
    if (at === 0 && piece.length === read.lengthBytes) return piece;
    out.set(piece, at);
    at += piece.length;
  }
  if (at !== read.lengthBytes) throw new DataProtocolError(`read ${at} of ${read.lengthBytes} bytes`);
  return out;
}

// --- local -----------------------------------------------------------------------------------

function localError(err: unknown): Error {
  if (err instanceof ChunkChecksumError || err instanceof ChunkReadError) return err;
  if (err instanceof ChunkCorruptError) return new ChunkChecksumError(err.chunkId, err.version, err.blockIndex, undefined, "reader", err.message);
  if (isChunkStoreError(err)) return new ChunkReadError(err.code as ChunkReadErrorCode, undefined, err.message);
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Reads a range of a chunk this peer holds without the network: straight from the store's
 * data file (store.localPath), checking every block against the store's checksums, in
 * LOCAL_READ_PIECE_BYTES pieces with several reads ahead. A store without files (the memory twin)
 * is read through its own verified stream. Errors as for remote reads (peer undefined).
 */
export async function openChunkReadLocal(store: ChunkStore, range: ChunkRange, counters?: ReadCounters): Promise<ChunkReadStream> {
  checkRange(range, CHUNK_SIZE_BYTES_MAX);
  let path: string | undefined;
  let sizeBytes: number;
  let startBytes: number;
  let endBytes: number;
  let crcs: Uint32Array;
  try {
    path = store.localPath(range.chunkId, range.version);
    const sums = await store.readBlockChecksums(range.chunkId, range.version);
    sizeBytes = sums.sizeBytes;
    ({ startBytes, endBytes } = clampRange(sizeBytes, range.offsetBytes, range.lengthBytes, CHUNK_SIZE_BYTES_MAX));
    crcs = sums.checksums;
  } catch (err) {
    const error = localError(err);
    if (error instanceof ChunkChecksumError && counters) counters.checksumErrors++;
    throw error;
  }
  let cancelled = false;
  async function* fromFile(dataPath: string): AsyncGenerator<Uint8Array> {
    let reader: LocalChunkReader | undefined;
    try {
      reader = await LocalChunkReader.open({ chunkId: range.chunkId, version: range.version, dataPath, checksums: { blockBytes: BLOCK, sizeBytes, checksums: crcs } });
      for await (const piece of reader.pieces(startBytes, endBytes - startBytes, LOCAL_READ_PIECE_BYTES, LOCAL_READ_AHEAD_PIECES)) {
        if (cancelled) return;
        store.noteLocalRead?.(range.chunkId, piece.length);
        yield piece;
      }
    } catch (err) {
      const error = localError(err);
      if (error instanceof ChunkChecksumError && counters) counters.checksumErrors++;
      throw error;
    } finally {
      await reader?.close();
    }
  }
  async function* fromStore(): AsyncGenerator<Uint8Array> {
    try {
      for await (const piece of store.createReadStream(range.chunkId, range.version, startBytes, endBytes - startBytes)) {
        if (cancelled) return;
        yield piece;
      }
    } catch (err) {
      const error = localError(err);
      if (error instanceof ChunkChecksumError && counters) counters.checksumErrors++;
      throw error;
    }
  }
  const iterable = path === undefined ? fromStore() : fromFile(path);
  return {
    sizeBytes,
    offsetBytes: startBytes,
    lengthBytes: endBytes - startBytes,
    cancel: () => {
      cancelled = true;
    },
    [Symbol.asyncIterator]: () => iterable,
  };
}

/** Verified bytes of a range of a chunk this peer holds, without the network. */
export async function* readChunkLocal(store: ChunkStore, range: ChunkRange, counters?: ReadCounters): AsyncGenerator<Uint8Array> {
  yield* await openChunkReadLocal(store, range, counters);
}

/** A small range of a local chunk as one buffer (at most READ_BYTES_MAX). */
export async function readChunkLocalBytes(store: ChunkStore, range: ChunkRange, counters?: ReadCounters): Promise<Uint8Array> {
  checkRange(range, READ_BYTES_MAX);
  return gather(await openChunkReadLocal(store, range, counters));
}
