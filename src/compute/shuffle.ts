// /tessera/shuffle/1: a reduce asks the peer that ran a map for one partition of its output.
// The request names the job, map, attempt and partition, never a path; the answer is a header
// (found, size) and then the run file's raw bytes. Run files carry their own checksums
// (records.ts), so a damaged transfer fails the decode. Both sides use the chunk data path's
// framing (src/net/frames.ts): the reader pauses the stream past a high-water mark, so
// a reduce that writes to disk slower than the network delivers never overflows a buffer.
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { Connection, PeerId, Stream } from "@libp2p/interface";
import type { TesseraHost } from "../net/host.ts";
import type { Logger } from "../util/log.ts";
import { ShuffleHeader, ShuffleRequest } from "../protocol/pb/shuffle.ts";
import { closeStream, encodeFrame, FrameReader, sendData } from "../net/frames.ts";
import { mapOutputDirName, partitionFileName } from "./map-output.ts";
import { SHUFFLE_PROTOCOL } from "../protocol/ids.ts";
import { validateJobId, REDUCERS_MAX } from "../protocol/jobs.ts";

const SHUFFLE_PIECE_BYTES = 1024 * 1024;
const SHUFFLE_CONTROL_BYTES_MAX = 4 * 1024;
const SHUFFLE_INBOUND_STREAMS_MAX = 64;
/** A stalled transfer is given up after this long without progress. */
const SHUFFLE_IDLE_TIMEOUT_MS = 30_000;
/**
 * Closing waits until the reader has taken everything sent (libp2p's close waits for the write
 * queue to drain), and a reduce writing to a busy disk takes its time: as long as a stall.
 */
const SHUFFLE_CLOSE_TIMEOUT_MS = SHUFFLE_IDLE_TIMEOUT_MS;

/** The task id of a map attempt, which names its output folder (map-output.ts). */
export function mapTaskId(index: number, attempt: number): string {
  return `m${index}-a${attempt}`;
}

export function reduceTaskId(index: number, attempt: number): string {
  return `r${index}-a${attempt}`;
}

/** Where this peer keeps one partition of a map attempt's output. */
export function mapOutputFile(computeDir: string, jobId: string, mapIndex: number, attempt: number, partition: number): string {
  return join(computeDir, validateJobId(jobId), mapOutputDirName(mapTaskId(mapIndex, attempt)), partitionFileName(partition));
}

export class ShuffleError extends Error {
  override name = "ShuffleError";
}

export async function registerShuffleHandler(host: TesseraHost, computeDir: string, log: Logger): Promise<void> {
  await host.handle(SHUFFLE_PROTOCOL, (stream: Stream, connection: Connection) => serve(stream, connection, computeDir, log), { maxInboundStreams: SHUFFLE_INBOUND_STREAMS_MAX });
}

async function serve(stream: Stream, connection: Connection, computeDir: string, log: Logger): Promise<void> {
  const reader = new FrameReader(stream);
  try {
    const request = await reader.readFrame(ShuffleRequest, SHUFFLE_CONTROL_BYTES_MAX, SHUFFLE_IDLE_TIMEOUT_MS);
    if (request.partition >= REDUCERS_MAX) throw new ShuffleError(`partition ${request.partition} is out of range`);
    const path = mapOutputFile(computeDir, request.jobId, request.mapIndex, request.attempt, request.partition);
    const file = await open(path, "r").catch(() => undefined);
    if (!file) {
      await sendData(stream, encodeFrame(ShuffleHeader, { found: false, sizeBytes: 0, error: `no output of map ${request.mapIndex} attempt ${request.attempt} here` }), SHUFFLE_IDLE_TIMEOUT_MS);
      return;
    }
    try {
      const { size } = await file.stat();
      await sendData(stream, encodeFrame(ShuffleHeader, { found: true, sizeBytes: size, error: "" }), SHUFFLE_IDLE_TIMEOUT_MS);
      for (let sent = 0; sent < size; ) {
        // A fresh buffer per piece: the stream may still hold the previous one.
        const piece = new Uint8Array(Math.min(SHUFFLE_PIECE_BYTES, size - sent));
        const { bytesRead } = await file.read(piece, 0, piece.length, sent);
        if (bytesRead === 0) throw new ShuffleError("the map output file shrank while it was sent");
        await sendData(stream, piece.subarray(0, bytesRead), SHUFFLE_IDLE_TIMEOUT_MS);
        sent += bytesRead;
      }
    } finally {
      await file.close();
    }
  } catch (err) {
    log.warn("a shuffle request failed", { from: connection.remotePeer.toString(), err });
    stream.abort(err instanceof Error ? err : new Error(String(err)));
  } finally {
    reader.dispose();
    if (stream.status === "open") await closeStream(stream, SHUFFLE_CLOSE_TIMEOUT_MS);
  }
}

/**
 * Fetches one partition of a map's output from `peer`, as the run file's bytes. Throws
 * ShuffleError when the peer does not have it (the map must run again).
 */
export async function* fetchPartition(host: TesseraHost, peer: PeerId, request: ShuffleRequest): AsyncGenerator<Uint8Array> {
  const stream = await host.dialProtocol(peer, SHUFFLE_PROTOCOL, { signal: AbortSignal.timeout(SHUFFLE_IDLE_TIMEOUT_MS) });
  const reader = new FrameReader(stream);
  let complete = false;
  try {
    await sendData(stream, encodeFrame(ShuffleRequest, request), SHUFFLE_IDLE_TIMEOUT_MS);
    const header = await reader.readFrame(ShuffleHeader, SHUFFLE_CONTROL_BYTES_MAX, SHUFFLE_IDLE_TIMEOUT_MS);
    if (!header.found) throw new ShuffleError(header.error || "the map output is not there");
    for (let received = 0; received < header.sizeBytes; ) {
      const list = await reader.readList(Math.min(SHUFFLE_PIECE_BYTES, header.sizeBytes - received), SHUFFLE_IDLE_TIMEOUT_MS);
      received += list.byteLength;
      for (const piece of list) yield piece;
    }
    complete = true;
  } finally {
    reader.dispose();
    if (complete) await closeStream(stream, SHUFFLE_CLOSE_TIMEOUT_MS);
    else stream.abort(new Error("shuffle fetch abandoned"));
  }
}
