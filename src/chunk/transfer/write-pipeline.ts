// /tessera/chunk/write/1: the pipelined chunk write of GFS §3.2 / HDFS, client side
// (writeChunk) and replica side (handleWriteStream, wired in by DataService).
//
// Flow on each link (upstream → downstream, one stream per link):
//   → WriteHeader {chunkId, version, expectedSizeBytes?, pipeline: the peers after the receiver}
//       the receiver creates its ChunkWriter, opens the same protocol to pipeline[0] with the
//       rest, and answers only when everything below is set up:
//   ← WriteAck READY                        (or ERROR {code, failedPeer, ...})
//   → WriteFrame PACKET {seq, sizeBytes, blockCrcs} + sizeBytes raw bytes, repeated; up to
//       `window` packets in flight. Each replica checks every block CRC on arrival, forwards
//       the packet at once and writes it locally at the same time.
//   ← WriteAck PACKET {seq}                 cumulative: every packet ≤ seq is written on this
//                                           replica and every replica below it
//   → WriteFrame KEEPALIVE                  when the client has had nothing to send for a while
//   → WriteFrame COMMIT {totalBytes, packetCount, checksumDigest}
//       each replica forwards it, commits (fsync + rename) meanwhile, checks the digest of
//       what its store committed, and answers once its own commit and the one below succeeded:
//   ← WriteAck COMMITTED {replicas: this one, then every one below, in order}
// Any failure: ERROR {code, failedPeer} travels up, resets travel down, every replica of the
// failed pipeline aborts its writer (or deletes what it had just committed): nothing of a
// failed write stays visible, and the client learns which peer to leave out.
//
// The writer's own peer first (the placement policy puts it there): libp2p cannot dial
// itself, so when targets[0] is the client's own peer the client is that pipeline stage
// itself: it writes into its local ChunkStore directly and links to targets[1] as any replica
// would.
import { peerIdFromString } from "@libp2p/peer-id";
import type { Connection, PeerId, Stream } from "@libp2p/interface";
import type { TesseraHost } from "../../net/host.ts";
import type { Logger } from "../../util/log.ts";
import { createLogger } from "../../util/log.ts";
import { validateChunkId, validateChunkVersion } from "../../protocol/chunk-id.ts";
import { ChunkSizeMismatchError, ChunkTooLargeError } from "../store/errors.ts";
import type { ChunkStore, ChunkWriter } from "../store/store.ts";
import {
  DATA_CONTROL_FRAME_BYTES_MAX,
  PEER_ID_CHARS_MAX,
  WRITE_KEEPALIVE_INTERVAL_MS,
  WRITE_PACKET_BYTES_DEFAULT,
  WRITE_PACKET_BYTES_MAX,
  WRITE_SETUP_TIMEOUT_MS_PER_HOP,
  WRITE_UPSTREAM_IDLE_TIMEOUT_MS,
  WRITE_WINDOW_PACKETS_DEFAULT,
  WRITE_WINDOW_PACKETS_MAX,
  WRITE_ACK_TIMEOUT_MS_BASE,
} from "./data-constants.ts";
import { PipelineError, wireMessage } from "./data-errors.ts";
import { closeStream, encodeFrame, FrameReader, DataProtocolError, DataStreamClosedError, DataTimeoutError } from "../../net/frames.ts";
import { Downstream, KEEPALIVE_FRAME, STREAM_CLOSE_TIMEOUT_MS, type ReplicaResult } from "./pipeline-downstream.ts";
import { blockCrcsOf, CrcList, crcCountMatches, findBadBlockInPieces, packetize } from "./pipeline-packets.ts";
import { PipelineStage, storeFailure } from "./pipeline-stage.ts";
import { WriteAck, WriteFrame, WriteHeader } from "../../protocol/pb/data.ts";

export type { ReplicaResult } from "./pipeline-downstream.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES, CHUNK_SIZE_BYTES_MAX, WRITE_PIPELINE_TARGETS_MAX } from "../../protocol/limits.ts";

export interface WriteChunkOptions {
  chunkId: string;
  version: number;
  /** Every replica, in pipeline order; targets[0] may be this host's own peer. */
  targets: ReadonlyArray<PeerId | string>;
  /** The chunk's bytes; an iterable's pieces must not change once yielded. */
  data: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array;
  /** When known: every replica checks the chunk is exactly this long. */
  expectedSizeBytes?: number;
  /** Required when targets[0] is this host's own peer: that replica is written here directly. */
  localStore?: ChunkStore;
  /** Packet payload size; a multiple of 64 KiB up to WRITE_PACKET_BYTES_MAX. */
  packetBytes?: number;
  /** Packets in flight; at most WRITE_WINDOW_PACKETS_MAX. */
  windowPackets?: number;
  signal?: AbortSignal;
  log?: Logger;
}

export interface WriteChunkResult {
  sizeBytes: number;
  /** CRC32 over the block CRCs; every replica committed exactly this. */
  checksumDigest: number;
  /** One per target, in pipeline order. */
  replicas: ReplicaResult[];
}

/** Counters a DataService keeps for metrics; the write path only ever adds to them. */
export interface WriteCounters {
  /** Packet bytes accepted by this peer as a replica (its own client writes included). */
  bytesWritten: number;
  pipelinesCommitted: number;
  pipelinesFailed: number;
  /** Packets that arrived here with a block not matching its CRC. */
  checksumErrors: number;
}

export function newWriteCounters(): WriteCounters {
  return { bytesWritten: 0, pipelinesCommitted: 0, pipelinesFailed: 0, checksumErrors: 0 };
}

const defaultLog = createLogger("chunk-write");

/**
 * Writes one chunk version to every target through the pipeline. Resolves once every replica
 * holds it durably, with each replica's ChunkInfo; throws PipelineError naming the peer to
 * leave out when a replica fails (nothing of the chunk is left visible on any replica it
 * reached), ChunkTooLargeError / ChunkSizeMismatchError when the data breaks the limits, or
 * what the data source threw.
 */
export async function writeChunk(host: TesseraHost, options: WriteChunkOptions, counters: WriteCounters = newWriteCounters()): Promise<WriteChunkResult> {
  const log = options.log ?? defaultLog;
  const selfId = host.peerId.toString();
  const chunkId = validateChunkId(options.chunkId);
  const version = validateChunkVersion(options.version);
  const targets = options.targets.map((target) => target.toString());
  const packetBytes = options.packetBytes ?? WRITE_PACKET_BYTES_DEFAULT;
  const windowPackets = options.windowPackets ?? WRITE_WINDOW_PACKETS_DEFAULT;
  checkWriteOptions(targets, packetBytes, windowPackets, options.expectedSizeBytes);
  const limitBytes = options.expectedSizeBytes ?? CHUNK_SIZE_BYTES_MAX;
  options.signal?.throwIfAborted();

  const localFirst = targets[0] === selfId;
  let local: { writer: ChunkWriter; store: ChunkStore } | undefined;
  if (localFirst) {
    if (!options.localStore) throw new TypeError("targets[0] is this peer: writeChunk needs its localStore");
    try {
      local = { writer: await options.localStore.createWriter(chunkId, version, { expectedSizeBytes: options.expectedSizeBytes }), store: options.localStore };
    } catch (err) {
      counters.pipelinesFailed++;
      throw storeFailure(selfId, err);
    }
  }
  const below = localFirst ? targets.slice(1) : targets;
  let downstream: Downstream | undefined;
  if (below.length > 0) {
    try {
      downstream = await Downstream.open(host, { target: below[0]!, chunkId, version, expectedSizeBytes: options.expectedSizeBytes, pipeline: below.slice(1) }, selfId, log);
    } catch (err) {
      await local?.writer.abort();
      counters.pipelinesFailed++;
      throw err;
    }
  }

  const stage = new PipelineStage({ chunkId, version, selfId, local, downstream, log });
  let lastSendMs = performance.now();
  const keepalive = setInterval(() => {
    if (performance.now() - lastSendMs >= WRITE_KEEPALIVE_INTERVAL_MS) {
      lastSendMs = performance.now();
      downstream?.forward(KEEPALIVE_FRAME);
    }
  }, WRITE_KEEPALIVE_INTERVAL_MS / 2);
  const onAbort = () => stage.fail(new PipelineError("SHUTTING_DOWN", selfId, `the writer gave up: ${wireMessage(options.signal?.reason)}`));
  options.signal?.addEventListener("abort", onAbort);
  try {
    const crcs = new CrcList();
    let seq = 0;
    let totalBytes = 0;
    for await (const payload of packetize(options.data, packetBytes)) {
      if (totalBytes + payload.length > limitBytes) throw new ChunkTooLargeError(chunkId, limitBytes, totalBytes + payload.length);
      await stage.waitWindow(seq, windowPackets);
      const crcBytes = blockCrcsOf(payload);
      crcs.append(crcBytes);
      const frame = encodeFrame(WriteFrame, { kind: WriteFrame.Kind.PACKET, seq, sizeBytes: payload.length, blockCrcs: crcBytes, totalBytes: 0, packetCount: 0, checksumDigest: 0 });
      lastSendMs = performance.now();
      if (!stage.packet(seq, frame, payload, crcBytes)) await stage.drain(WRITE_ACK_TIMEOUT_MS_BASE);
      counters.bytesWritten += payload.length;
      totalBytes += payload.length;
      seq++;
    }
    if (options.expectedSizeBytes !== undefined && totalBytes !== options.expectedSizeBytes) {
      throw new ChunkSizeMismatchError(chunkId, options.expectedSizeBytes, totalBytes);
    }
    const digest = crcs.digest();
    const commitFrame = encodeFrame(WriteFrame, { kind: WriteFrame.Kind.COMMIT, seq: 0, sizeBytes: 0, blockCrcs: new Uint8Array(0), totalBytes, packetCount: seq, checksumDigest: digest });
    const replicas = await stage.commit(commitFrame, digest);
    counters.pipelinesCommitted++;
    return { sizeBytes: totalBytes, checksumDigest: digest, replicas };
  } catch (err) {
    counters.pipelinesFailed++;
    const pipelineFailed = stage.failure !== undefined;
    // The caller's own errors (limits, the data source, its signal) abort the pipeline too.
    if (!pipelineFailed) stage.fail(new PipelineError("SHUTTING_DOWN", selfId, `the writer gave up: ${wireMessage(err)}`));
    await stage.cleanup;
    if (options.signal?.aborted) throw options.signal.reason;
    throw pipelineFailed ? stage.failure : err;
  } finally {
    clearInterval(keepalive);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

function checkWriteOptions(targets: string[], packetBytes: number, windowPackets: number, expectedSizeBytes: number | undefined): void {
  if (targets.length === 0 || targets.length > WRITE_PIPELINE_TARGETS_MAX) throw new RangeError(`a pipeline has 1 to ${WRITE_PIPELINE_TARGETS_MAX} targets, not ${targets.length}`);
  if (new Set(targets).size !== targets.length) throw new RangeError("a pipeline never holds two replicas on one peer");
  for (const target of targets) peerIdFromString(target);
  if (!Number.isSafeInteger(packetBytes) || packetBytes <= 0 || packetBytes > WRITE_PACKET_BYTES_MAX || packetBytes % CHUNK_CHECKSUM_BLOCK_BYTES !== 0) {
    throw new RangeError(`packetBytes must be a multiple of ${CHUNK_CHECKSUM_BLOCK_BYTES} up to ${WRITE_PACKET_BYTES_MAX}`);
  }
  if (!Number.isSafeInteger(windowPackets) || windowPackets < 1 || windowPackets > WRITE_WINDOW_PACKETS_MAX) throw new RangeError(`windowPackets must be 1 to ${WRITE_WINDOW_PACKETS_MAX}`);
  if (expectedSizeBytes !== undefined && (!Number.isSafeInteger(expectedSizeBytes) || expectedSizeBytes < 0 || expectedSizeBytes > CHUNK_SIZE_BYTES_MAX)) {
    throw new RangeError(`expectedSizeBytes must be 0 to ${CHUNK_SIZE_BYTES_MAX}`);
  }
}

// --- the replica side --------------------------------------------------------------------------

export interface WriteHandlerContext {
  host: TesseraHost;
  store: ChunkStore;
  log: Logger;
  counters: WriteCounters;
  /** Stages in progress, so a stopping service can fail them (and tell their upstreams). */
  active: Set<PipelineStage>;
}

/**
 * Serves one inbound pipeline link: the thin adapter between the stream and a PipelineStage.
 * Never throws: every failure ends as an ERROR frame upstream (when the upstream can still
 * hear it) and a reset downstream.
 */
export async function handleWriteStream(ctx: WriteHandlerContext, stream: Stream, connection: Connection): Promise<void> {
  const selfId = ctx.host.peerId.toString();
  const upstream = connection.remotePeer.toString();
  const reader = new FrameReader(stream);
  let answered = false;
  const sendAck = (ack: WriteAck): void => {
    try {
      stream.send(encodeFrame(WriteAck, ack));
    } catch {
      // The upstream is gone; its own reader has already failed.
    }
  };
  const reportError = (error: PipelineError): void => {
    if (answered) return;
    answered = true;
    sendAck({ kind: WriteAck.Kind.ERROR, seq: 0, replicas: [], error: { code: error.code, failedPeer: error.failedPeer, message: wireMessage(error.reason), storeCode: error.storeCode ?? "" } });
    reader.dispose();
    // Close politely so the report is flushed, then reset whatever the upstream left open.
    void closeStream(stream, STREAM_CLOSE_TIMEOUT_MS).then(() => stream.abort(error));
  };

  let header: WriteHeader;
  try {
    header = await reader.readFrame(WriteHeader, DATA_CONTROL_FRAME_BYTES_MAX, WRITE_SETUP_TIMEOUT_MS_PER_HOP);
    checkHeader(header, selfId, upstream);
  } catch (err) {
    ctx.counters.pipelinesFailed++;
    ctx.log.warn("rejected a write pipeline header", { from: upstream, err });
    reportError(upstreamFailure(err, upstream));
    return;
  }

  let writer: ChunkWriter;
  try {
    writer = await ctx.store.createWriter(header.chunkId, header.version, { expectedSizeBytes: header.expectedSizeBytes });
  } catch (err) {
    ctx.counters.pipelinesFailed++;
    reportError(storeFailure(selfId, err));
    return;
  }
  let downstream: Downstream | undefined;
  if (header.pipeline.length > 0) {
    try {
      downstream = await Downstream.open(ctx.host, { target: header.pipeline[0]!, chunkId: header.chunkId, version: header.version, expectedSizeBytes: header.expectedSizeBytes, pipeline: header.pipeline.slice(1) }, selfId, ctx.log);
    } catch (err) {
      await writer.abort();
      ctx.counters.pipelinesFailed++;
      reportError(err as PipelineError);
      return;
    }
  }

  const stage = new PipelineStage({
    chunkId: header.chunkId,
    version: header.version,
    selfId,
    local: { writer, store: ctx.store },
    downstream,
    log: ctx.log,
    onAck: (seq) => sendAck({ kind: WriteAck.Kind.PACKET, seq, replicas: [] }),
    // A dead upstream cannot hear the report; sendAck swallows that.
    onFail: (error) => reportError(error),
  });
  ctx.active.add(stage);
  sendAck({ kind: WriteAck.Kind.READY, seq: 0, replicas: [] });

  const crcs = new CrcList();
  let nextSeq = 0;
  let totalBytes = 0;
  let sawShortPacket = false;
  const limitBytes = header.expectedSizeBytes ?? CHUNK_SIZE_BYTES_MAX;
  try {
    for (;;) {
      const frame = await reader.readFrame(WriteFrame, DATA_CONTROL_FRAME_BYTES_MAX, WRITE_UPSTREAM_IDLE_TIMEOUT_MS);
      if (stage.failure) break;
      if (frame.kind === WriteFrame.Kind.KEEPALIVE) {
        downstream?.forward(KEEPALIVE_FRAME);
        continue;
      }
      if (frame.kind === WriteFrame.Kind.PACKET) {
        const size = frame.sizeBytes;
        if (frame.seq !== nextSeq) throw new DataProtocolError(`packet ${frame.seq} where ${nextSeq} was due`);
        if (size === 0 || size > WRITE_PACKET_BYTES_MAX) throw new DataProtocolError(`packet of ${size} bytes (1 to ${WRITE_PACKET_BYTES_MAX})`);
        if (sawShortPacket) throw new DataProtocolError("a packet after a short (final) one");
        if (!crcCountMatches(size, frame.blockCrcs)) throw new DataProtocolError(`packet ${frame.seq}: ${frame.blockCrcs.length / 4} CRCs for ${size} bytes`);
        if (frame.seq - stage.acked > WRITE_WINDOW_PACKETS_MAX) throw new DataProtocolError(`more than ${WRITE_WINDOW_PACKETS_MAX} packets unacknowledged`);
        if (totalBytes + size > limitBytes) throw new PipelineError("STORE", selfId, `${totalBytes + size} bytes exceed the limit of ${limitBytes}`, "CHUNK_TOO_LARGE");
        const payload = await reader.readList(size, WRITE_UPSTREAM_IDLE_TIMEOUT_MS);
        if (stage.failure) break;
        const badBlock = findBadBlockInPieces(payload, size, frame.blockCrcs);
        if (badBlock !== undefined) {
          ctx.counters.checksumErrors++;
          throw new PipelineError("CHECKSUM_MISMATCH", selfId, `packet ${frame.seq} from ${upstream}: block ${badBlock} does not match its CRC`);
        }
        crcs.append(frame.blockCrcs);
        ctx.counters.bytesWritten += size;
        // Re-encoding a ~30-byte frame is cheaper than keeping the received bytes around.
        // The CRCs are copied (32 bytes a packet): the local write that takes them runs later.
        stage.packet(frame.seq, encodeFrame(WriteFrame, frame), payload, frame.blockCrcs.slice());
        nextSeq++;
        totalBytes += size;
        sawShortPacket = size % CHUNK_CHECKSUM_BLOCK_BYTES !== 0;
        continue;
      }
      if (frame.kind === WriteFrame.Kind.COMMIT) {
        if (frame.totalBytes !== totalBytes || frame.packetCount !== nextSeq) {
          throw new DataProtocolError(`commit of ${frame.totalBytes} bytes in ${frame.packetCount} packets; received ${totalBytes} in ${nextSeq}`);
        }
        if (frame.checksumDigest !== crcs.digest()) throw new DataProtocolError("commit digest does not match the packets' CRCs");
        const replicas = await stage.commit(encodeFrame(WriteFrame, frame), frame.checksumDigest);
        answered = true;
        sendAck({ kind: WriteAck.Kind.COMMITTED, seq: 0, replicas });
        ctx.counters.pipelinesCommitted++;
        reader.dispose();
        await closeStream(stream, STREAM_CLOSE_TIMEOUT_MS);
        return;
      }
      throw new DataProtocolError(`unexpected ${frame.kind} frame`);
    }
  } catch (err) {
    if (!stage.failure) stage.fail(upstreamFailure(err, upstream));
  } finally {
    ctx.active.delete(stage);
  }
  ctx.counters.pipelinesFailed++;
  await stage.cleanup;
}

/** A failure reading from upstream, blamed on the upstream unless it says otherwise. */
function upstreamFailure(err: unknown, upstream: string): PipelineError {
  if (err instanceof PipelineError) return err;
  if (err instanceof DataTimeoutError) return new PipelineError("TIMEOUT", upstream, `upstream sent nothing: ${err.message}`);
  if (err instanceof DataProtocolError) return new PipelineError("PROTOCOL", upstream, err.message);
  if (err instanceof DataStreamClosedError) return new PipelineError("PEER_FAILED", upstream, err.message);
  return new PipelineError("PROTOCOL", upstream, wireMessage(err));
}

function checkHeader(header: WriteHeader, selfId: string, upstream: string): void {
  validateChunkId(header.chunkId);
  validateChunkVersion(header.version);
  if (header.expectedSizeBytes !== undefined && header.expectedSizeBytes > CHUNK_SIZE_BYTES_MAX) {
    throw new DataProtocolError(`expected size ${header.expectedSizeBytes} exceeds ${CHUNK_SIZE_BYTES_MAX}`);
  }
  if (header.pipeline.length > WRITE_PIPELINE_TARGETS_MAX - 1) throw new DataProtocolError(`a pipeline of ${header.pipeline.length + 1} exceeds ${WRITE_PIPELINE_TARGETS_MAX} replicas`);
  const seen = new Set<string>([selfId, upstream]);
  for (const peer of header.pipeline) {
    if (peer.length > PEER_ID_CHARS_MAX) throw new DataProtocolError("a pipeline peer id is too long");
    peerIdFromString(peer);
    if (seen.has(peer)) throw new DataProtocolError(`the pipeline names ${peer} twice (or names this peer or its upstream)`);
    seen.add(peer);
  }
}
