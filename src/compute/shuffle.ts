// /tessera/shuffle/1: a reduce asks the peer that ran a map for one partition of its output.
// The request names the job, map, attempt and partition, never a path; the answer is a header
// (found, size) and then the run file's bytes in length-prefixed frames, an empty frame last.
// Run files carry their own checksums (records.ts), so a damaged transfer fails the decode.
import { open } from "node:fs/promises";
import { join } from "node:path";
import { lpStream } from "@libp2p/utils";
import type { Connection, PeerId, Stream } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import type { TesseraHost } from "../net/host.ts";
import type { Logger } from "../util/log.ts";
import { ShuffleHeader, ShuffleRequest } from "../master/pb/jobs.ts";
import { validateJobId } from "../master/jobs-ops.ts";
import { mapOutputDirName, partitionFileName } from "./map-output.ts";
import { REDUCERS_MAX } from "./constants.ts";

export const SHUFFLE_PROTOCOL = "/tessera/shuffle/1";
const SHUFFLE_FRAME_BYTES = 1024 * 1024;
const SHUFFLE_CONTROL_BYTES_MAX = 4 * 1024;
const SHUFFLE_INBOUND_STREAMS_MAX = 64;
/** A stalled transfer is given up after this long without a frame. */
const SHUFFLE_IDLE_TIMEOUT_MS = 30_000;

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
  const framed = lpStream(stream, { maxDataLength: SHUFFLE_FRAME_BYTES + SHUFFLE_CONTROL_BYTES_MAX });
  const signal = AbortSignal.timeout(SHUFFLE_IDLE_TIMEOUT_MS);
  try {
    const request = ShuffleRequest.decode(await framed.read({ signal }));
    if (request.partition >= REDUCERS_MAX) throw new ShuffleError(`partition ${request.partition} is out of range`);
    const path = mapOutputFile(computeDir, request.jobId, request.mapIndex, request.attempt, request.partition);
    const file = await open(path, "r").catch(() => undefined);
    if (!file) {
      await framed.write(ShuffleHeader.encode({ found: false, sizeBytes: 0, error: `no output of map ${request.mapIndex} attempt ${request.attempt} here` }));
      await stream.close();
      return;
    }
    try {
      const { size } = await file.stat();
      await framed.write(ShuffleHeader.encode({ found: true, sizeBytes: size, error: "" }));
      const buffer = new Uint8Array(SHUFFLE_FRAME_BYTES);
      for (let sent = 0; sent < size; ) {
        const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, size - sent), sent);
        if (bytesRead === 0) throw new ShuffleError("the map output file shrank while it was sent");
        await framed.write(buffer.slice(0, bytesRead), { signal: AbortSignal.timeout(SHUFFLE_IDLE_TIMEOUT_MS) });
        sent += bytesRead;
      }
      await framed.write(new Uint8Array(0));
    } finally {
      await file.close();
    }
    await stream.close();
  } catch (err) {
    log.warn("a shuffle request failed", { from: connection.remotePeer.toString(), err });
    stream.abort(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * Fetches one partition of a map's output from `peer`, as the run file's bytes. Throws
 * ShuffleError when the peer does not have it (the map must run again).
 */
export async function* fetchPartition(host: TesseraHost, peer: PeerId | Multiaddr[], request: ShuffleRequest): AsyncGenerator<Uint8Array> {
  const stream = await host.dialProtocol(peer, SHUFFLE_PROTOCOL, { signal: AbortSignal.timeout(SHUFFLE_IDLE_TIMEOUT_MS) });
  const framed = lpStream(stream, { maxDataLength: SHUFFLE_FRAME_BYTES + SHUFFLE_CONTROL_BYTES_MAX });
  let complete = false;
  try {
    await framed.write(ShuffleRequest.encode(request));
    const header = ShuffleHeader.decode(await framed.read({ signal: AbortSignal.timeout(SHUFFLE_IDLE_TIMEOUT_MS) }));
    if (!header.found) throw new ShuffleError(header.error || "the map output is not there");
    let received = 0;
    for (;;) {
      const frame = await framed.read({ signal: AbortSignal.timeout(SHUFFLE_IDLE_TIMEOUT_MS) });
      if (frame.byteLength === 0) break;
      received += frame.byteLength;
      if (received > header.sizeBytes) throw new ShuffleError("the map output is longer than announced");
      yield frame.subarray();
    }
    if (received !== header.sizeBytes) throw new ShuffleError(`the map output ended after ${received} of ${header.sizeBytes} bytes`);
    complete = true;
    await stream.close();
  } finally {
    if (!complete) stream.abort(new Error("shuffle fetch abandoned"));
  }
}
