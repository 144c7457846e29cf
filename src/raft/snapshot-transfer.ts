// Sending a Raft snapshot kept as a file (snapshot-file.ts) over /tessera/raft/snapshot/1.
//
// The core still thinks in snapshot messages: when a follower needs a snapshot it emits one
// whose data is the descriptor (a few dozen bytes: size and SHA-256), as a single piece. The
// transport hands that message here instead of sending it on /tessera/raft/1:
//   leader    opens a stream, sends the message, then the file a piece at a time (read from
//             disk one piece at a time; a send waits for the muxer to drain), each piece with
//             its CRC-32;
//   follower  writes the pieces to a temp file as they arrive (checking order, bounds and
//             each CRC), fsyncs it, checks the SHA-256 of the whole against the descriptor,
//             moves it where the Raft storage takes it (DiskStorage.incomingSnapshotPath),
//             answers its verdict, and only then hands the message to the core, which installs
//             it through the ordinary Ready. A piece out of order, torn or forged ends the
//             transfer with the reason in the verdict and the temp file removed: nothing is
//             installed.
// Memory on either side is a few pieces (the frame reader pauses the stream past its high
// water mark, so the sender's muxer stops), whatever the snapshot's size.
//
// The core resends the message while it waits (every election timeout); a transfer of that
// snapshot to that peer already under way absorbs the resends, and a failed one is retried
// after a backoff, so a follower that keeps refusing is not sent hundreds of MB in a loop.
import { renameSync, rmSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import type { Connection, Stream } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { Uint8ArrayList } from "uint8arraylist";
import type { TesseraHost } from "../net/host.ts";
import { closeStream, encodeFrame, FrameReader, sendData, type FrameDecoder } from "../net/frames.ts";
import { RAFT_SNAPSHOT_PROTOCOL } from "../protocol/ids.ts";
import { SnapshotPiece, SnapshotVerdict } from "../protocol/pb/raft-snapshot.ts";
import type { Logger } from "../util/log.ts";
import { readFully, writeFully } from "../util/file-io.ts";
import { decodeRaftMessage, encodeRaftMessage } from "./codec.ts";
import { decodeSnapshotDescriptor, sha256Hex, type SnapshotDataId, type SnapshotFile } from "./snapshot-file.ts";
import type { PeerId, SnapshotMessage, SnapshotMeta } from "./types.ts";

/** Bytes of the file in one piece: large enough that framing costs nothing, small enough to hold a few. */
export const SNAPSHOT_PIECE_BYTES = 1024 * 1024;
/**
 * Bytes sent or received between two forced garbage collections. Each piece leaves a few
 * buffers of its size behind (the read, the muxer's frames, the decrypted records), and at
 * 100+ MB/s the engine let hundreds of MB of them pile up before collecting: a new voter was
 * at 363 MiB (309 MiB anonymous) right after receiving a 281 MiB snapshot, and peers run with
 * MIMALLOC_PURGE_DELAY=-1, so the peak stays resident. A full collection of a peer's small
 * heap takes milliseconds; one per 32 MiB bounds that garbage to about that much.
 */
const SNAPSHOT_BYTES_PER_GC = 32 * 1024 * 1024;
/** The snapshot message: a descriptor and a membership of at most MEMBERS_MAX ids. */
const MESSAGE_FRAME_BYTES_MAX = 256 * 1024;
const PIECE_FRAME_BYTES_MAX = 64;
const VERDICT_FRAME_BYTES_MAX = 4 * 1024;
/** A refusal's reason is cut to this many characters. */
const VERDICT_ERROR_CHARS_MAX = 1_000;
/** Nothing sent or received for this long ends a transfer. */
export const SNAPSHOT_TRANSFER_IDLE_TIMEOUT_MS = 30_000;
/** After the last piece, the follower fsyncs the whole file before its verdict. */
const VERDICT_TIMEOUT_MS = 120_000;
/**
 * A transfer slower than this on average is given up (the verdict is awaited for the time
 * the file takes at this rate, plus VERDICT_TIMEOUT_MS); the core then asks again.
 */
const TRANSFER_RATE_BYTES_PER_MS_MIN = 1_000;
const DIAL_TIMEOUT_MS = 5_000;
const CLOSE_TIMEOUT_MS = 2_000;
/** After a failed transfer of a snapshot to a peer, wait this long (doubling to the max) before sending it again. */
const RETRY_BACKOFF_MS_MIN = 1_000;
const RETRY_BACKOFF_MS_MAX = 30_000;
/** Transfers a leader runs at once (each holds a file open and a few pieces in memory). */
export const SNAPSHOT_SENDS_MAX = 2;
/** Transfers a follower receives at once: one; another is refused until it ends. */
export const SNAPSHOT_RECEIVES_MAX = 1;

/** A transfer failed or was refused; the message says why. */
export class SnapshotTransferError extends Error {
  override name = "SnapshotTransferError";
  readonly code = "RAFT_SNAPSHOT_TRANSFER";
}

/** What the transfer needs of the Raft storage (DiskStorage). */
export interface SnapshotFiles {
  /** Leader: the newest snapshot's files, for the message the core sends. */
  snapshotFile(): SnapshotFile | undefined;
  /** Follower: where a received, verified snapshot is put for the storage to install. */
  incomingSnapshotPath(meta: SnapshotMeta, id: SnapshotDataId): string;
}

export interface SnapshotTransferStats {
  /** Transfers that ended with the follower's acceptance, and the bytes they carried. */
  sent: number;
  bytesSent: number;
  /** Transfers that failed on the way or that the follower refused. */
  sendFailed: number;
  /** Sends of a snapshot that failed to that peer, not started again before their backoff ran out. */
  deferredByBackoff: number;
  /** Snapshots received whole and verified, and their bytes. */
  received: number;
  bytesReceived: number;
  /** Transfers this peer refused (bad piece, bad checksum, busy) or lost mid-way. */
  receiveRefused: number;
  piecesSent: number;
  piecesReceived: number;
  /** Most bytes the receiving frame reader held at once (the bound on a follower's memory). */
  peakReceiveBufferedBytes: number;
  /** Most bytes the sending stream had queued at once (the bound on a leader's memory). */
  peakSendQueuedBytes: number;
}

export function emptySnapshotTransferStats(): SnapshotTransferStats {
  return { sent: 0, bytesSent: 0, sendFailed: 0, deferredByBackoff: 0, received: 0, bytesReceived: 0, receiveRefused: 0, piecesSent: 0, piecesReceived: 0, peakReceiveBufferedBytes: 0, peakSendQueuedBytes: 0 };
}

export interface SnapshotTransferInit {
  host: TesseraHost;
  files: SnapshotFiles;
  log: Logger;
  /** Follower: a snapshot received whole and verified goes to the core as this message. */
  deliver(message: SnapshotMessage): void;
  stats?: SnapshotTransferStats;
}

interface Outgoing {
  readonly index: number;
  readonly term: number;
  readonly abort: AbortController;
}

const raftMessageFrame: FrameDecoder<ReturnType<typeof decodeRaftMessage>> = { decode: (data) => decodeRaftMessage(data.subarray()) };

/**
 * A snapshot message carries a file descriptor (and so travels on the snapshot protocol);
 * a damaged one counts as one, so it is never taken for an image.
 */
export function isFileSnapshotMessage(message: SnapshotMessage): boolean {
  try {
    return decodeSnapshotDescriptor(message.data) !== undefined;
  } catch {
    return true;
  }
}

export class SnapshotTransfers {
  readonly stats: SnapshotTransferStats;
  private readonly outgoing = new Map<PeerId, Outgoing>();
  private readonly retry = new Map<PeerId, { index: number; term: number; atMs: number; backoffMs: number }>();
  private readonly incoming = new Set<Stream>();
  private stopped = false;

  constructor(private readonly init: SnapshotTransferInit) {
    this.stats = init.stats ?? emptySnapshotTransferStats();
  }

  async start(): Promise<void> {
    await this.init.host.handle(RAFT_SNAPSHOT_PROTOCOL, (stream, connection) => void this.receive(stream, connection), { maxInboundStreams: SNAPSHOT_RECEIVES_MAX + 1 });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const transfer of this.outgoing.values()) transfer.abort.abort(new SnapshotTransferError("raft transport stopped"));
    this.outgoing.clear();
    for (const stream of this.incoming) stream.abort(new SnapshotTransferError("raft transport stopped"));
    await this.init.host.unhandle(RAFT_SNAPSHOT_PROTOCOL);
  }

  /** Stops sending to a peer that left the configuration. */
  forget(peer: PeerId): void {
    this.outgoing.get(peer)?.abort.abort(new SnapshotTransferError(`${peer} left the configuration`));
    this.outgoing.delete(peer);
    this.retry.delete(peer);
  }

  // --- leader ------------------------------------------------------------------------------

  /**
   * Sends the snapshot the core asked for, unless a transfer of it to that peer is under way
   * or failed moments ago (the core asks again). A transfer of an older snapshot gives way.
   */
  send(message: SnapshotMessage): void {
    if (this.stopped) return;
    const { index, term } = message.meta;
    const running = this.outgoing.get(message.to);
    if (running && running.index === index && running.term === term) return;
    const retry = this.retry.get(message.to);
    if (retry && retry.index === index && retry.term === term && performance.now() < retry.atMs) {
      this.stats.deferredByBackoff += 1;
      return;
    }
    if (running) {
      running.abort.abort(new SnapshotTransferError(`snapshot ${index}/${term} replaces ${running.index}/${running.term}`));
      this.outgoing.delete(message.to);
    }
    if (this.outgoing.size >= SNAPSHOT_SENDS_MAX) return;
    const file = this.init.files.snapshotFile();
    if (!file || file.meta.index !== index || file.meta.term !== term) {
      this.init.log.debug("not sending a snapshot this peer no longer holds", { to: message.to, index, term });
      return;
    }
    const transfer: Outgoing = { index, term, abort: new AbortController() };
    this.outgoing.set(message.to, transfer);
    void this.sendFile(message, file, transfer.abort.signal).then(
      (ms) => {
        this.retry.delete(message.to);
        this.stats.sent += 1;
        this.stats.bytesSent += file.sizeBytes;
        this.init.log.info("snapshot sent", { to: message.to, index, term, bytes: file.sizeBytes, ms: Math.round(ms), mbPerSecond: Number((file.sizeBytes / 1e6 / Math.max(ms / 1000, 1e-3)).toFixed(1)) });
      },
      (err) => {
        this.stats.sendFailed += 1;
        const previous = this.retry.get(message.to);
        const backoffMs = previous && previous.index === index && previous.term === term ? Math.min(previous.backoffMs * 2, RETRY_BACKOFF_MS_MAX) : RETRY_BACKOFF_MS_MIN;
        this.retry.set(message.to, { index, term, atMs: performance.now() + backoffMs, backoffMs });
        if (!this.stopped) this.init.log.warn("snapshot transfer failed", { to: message.to, index, term, retryInMs: backoffMs, err });
      },
    ).finally(() => {
      if (this.outgoing.get(message.to) === transfer) this.outgoing.delete(message.to);
    });
  }

  /** One transfer; resolves with its duration once the follower accepted it. */
  private async sendFile(message: SnapshotMessage, file: SnapshotFile, signal: AbortSignal): Promise<number> {
    const started = performance.now();
    // Opened first: a newer snapshot may remove the file while it is sent; the open handle keeps it readable.
    const handle = await open(file.path, "r");
    let stream: Stream | undefined;
    let reader: FrameReader | undefined;
    let complete = false;
    const onAbort = () => stream?.abort(signal.reason instanceof Error ? signal.reason : new SnapshotTransferError("aborted"));
    signal.addEventListener("abort", onAbort);
    try {
      stream = await this.init.host.dialProtocol(peerIdFromString(message.to), RAFT_SNAPSHOT_PROTOCOL, { signal: AbortSignal.any([signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) });
      reader = new FrameReader(stream);
      // The verdict is read from the start: a follower that refuses a piece says so at once,
      // and the rest of the file is not sent.
      let early: { verdict?: SnapshotVerdict; err?: unknown } | undefined;
      const verdict = reader.readFrame(SnapshotVerdict, VERDICT_FRAME_BYTES_MAX, VERDICT_TIMEOUT_MS + file.sizeBytes / TRANSFER_RATE_BYTES_PER_MS_MIN);
      verdict.then(
        (v) => (early = { verdict: v }),
        (err) => (early = { err }),
      );
      await sendData(stream, encodeFrame({ encode: encodeRaftMessage }, message), SNAPSHOT_TRANSFER_IDLE_TIMEOUT_MS);
      for (let offsetBytes = 0, collectedAt = 0; offsetBytes < file.sizeBytes && early === undefined; ) {
        if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new SnapshotTransferError("aborted");
        offsetBytes += await this.sendPiece(stream, handle, offsetBytes, file.sizeBytes);
        if (offsetBytes - collectedAt >= SNAPSHOT_BYTES_PER_GC) {
          Bun.gc(true);
          collectedAt = offsetBytes;
        }
      }
      const answer = await verdict;
      if (!answer.ok) throw new SnapshotTransferError(`${message.to} refused snapshot ${file.meta.index}/${file.meta.term}: ${answer.error}`);
      complete = true;
      return performance.now() - started;
    } finally {
      signal.removeEventListener("abort", onAbort);
      reader?.dispose();
      await handle.close();
      if (stream) {
        if (complete) await closeStream(stream, CLOSE_TIMEOUT_MS);
        else stream.abort(new SnapshotTransferError("snapshot transfer abandoned"));
      }
    }
  }

  /** Reads the piece at `offsetBytes` from the file and sends it; returns its size. */
  private async sendPiece(stream: Stream, handle: FileHandle, offsetBytes: number, sizeBytes: number): Promise<number> {
    // A fresh buffer per piece: the stream may still hold the previous one.
    const piece = new Uint8Array(Math.min(SNAPSHOT_PIECE_BYTES, sizeBytes - offsetBytes));
    const got = await readFully(handle, piece, offsetBytes);
    if (got < piece.length) throw new SnapshotTransferError(`the snapshot file ended at byte ${offsetBytes + got} of ${sizeBytes}`);
    const header = encodeFrame(SnapshotPiece, { offsetBytes, sizeBytes: piece.length, crc32: Bun.hash.crc32(piece) >>> 0 });
    // Frame and piece in one send: one muxer frame and one encrypted record per piece.
    await sendData(stream, new Uint8ArrayList(header, piece), SNAPSHOT_TRANSFER_IDLE_TIMEOUT_MS);
    this.stats.piecesSent += 1;
    this.stats.peakSendQueuedBytes = Math.max(this.stats.peakSendQueuedBytes, stream.writeBufferLength);
    return piece.length;
  }

  // --- follower ----------------------------------------------------------------------------

  private async receive(stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString();
    const reader = new FrameReader(stream);
    let part: string | undefined;
    let handle: FileHandle | undefined;
    const busy = this.incoming.size >= SNAPSHOT_RECEIVES_MAX;
    this.incoming.add(stream);
    try {
      if (busy) throw new SnapshotTransferError("another snapshot is being received");
      if (this.stopped) throw new SnapshotTransferError("raft transport stopped");
      const message = await reader.readFrame(raftMessageFrame, MESSAGE_FRAME_BYTES_MAX, SNAPSHOT_TRANSFER_IDLE_TIMEOUT_MS);
      if (message.type !== "snapshot") throw new SnapshotTransferError(`the first message of a snapshot transfer is a ${message.type}`);
      // The connection is authenticated by the encrypter: a peer speaks only for itself.
      if (message.from !== remote) throw new SnapshotTransferError(`a snapshot from ${remote} claims to be from ${message.from}`);
      if (message.to !== this.init.host.peerId.toString()) throw new SnapshotTransferError(`a snapshot for ${message.to} came to this peer`);
      if (message.offset !== 0 || !message.done) throw new SnapshotTransferError("a file snapshot is one message: offset 0, done");
      const id = decodeSnapshotDescriptor(message.data);
      if (!id) throw new SnapshotTransferError("the snapshot message carries no file descriptor");
      const incoming = this.init.files.incomingSnapshotPath(message.meta, id);
      part = `${incoming}.part`;
      handle = await open(part, "w");
      const hasher = new Bun.CryptoHasher("sha256");
      for (let offsetBytes = 0, collectedAt = 0; offsetBytes < id.sizeBytes; ) {
        const piece = await reader.readFrame(SnapshotPiece, PIECE_FRAME_BYTES_MAX, SNAPSHOT_TRANSFER_IDLE_TIMEOUT_MS);
        if (piece.offsetBytes !== offsetBytes) throw new SnapshotTransferError(`a piece at byte ${piece.offsetBytes} where byte ${offsetBytes} was due`);
        if (piece.sizeBytes === 0 || piece.sizeBytes > SNAPSHOT_PIECE_BYTES || offsetBytes + piece.sizeBytes > id.sizeBytes) {
          throw new SnapshotTransferError(`a piece of ${piece.sizeBytes} bytes at byte ${offsetBytes} (pieces are 1..${SNAPSHOT_PIECE_BYTES} bytes, the snapshot ${id.sizeBytes})`);
        }
        const list = await reader.readList(piece.sizeBytes, SNAPSHOT_TRANSFER_IDLE_TIMEOUT_MS);
        this.stats.peakReceiveBufferedBytes = Math.max(this.stats.peakReceiveBufferedBytes, reader.bufferedBytes + list.byteLength);
        // The piece as the muxer's frames brought it, never copied into one buffer (measured:
        // gathering cost more than hashing); one writev per piece.
        const buffers = [...list];
        let crc = 0;
        for (const buffer of buffers) crc = Bun.hash.crc32(buffer, crc);
        if (crc >>> 0 !== piece.crc32) throw new SnapshotTransferError(`the piece at byte ${offsetBytes} fails its CRC-32 (torn or altered on the way)`);
        for (const buffer of buffers) hasher.update(buffer);
        await writeAllAt(handle, buffers, offsetBytes);
        this.stats.piecesReceived += 1;
        offsetBytes += piece.sizeBytes;
        if (offsetBytes - collectedAt >= SNAPSHOT_BYTES_PER_GC) {
          Bun.gc(true);
          collectedAt = offsetBytes;
        }
      }
      await handle.sync();
      await handle.close();
      handle = undefined;
      const sha256 = new Uint8Array(hasher.digest());
      if (sha256Hex(sha256) !== sha256Hex(id.sha256)) throw new SnapshotTransferError(`the snapshot's SHA-256 is ${sha256Hex(sha256)}, not the ${sha256Hex(id.sha256)} its leader announced`);
      renameSync(part, incoming);
      part = undefined;
      this.stats.received += 1;
      this.stats.bytesReceived += id.sizeBytes;
      stream.send(encodeFrame(SnapshotVerdict, { ok: true, error: "" }));
      this.init.log.info("snapshot received", { from: remote, index: message.meta.index, term: message.meta.term, bytes: id.sizeBytes });
      if (!this.stopped) this.init.deliver(message);
    } catch (err) {
      this.stats.receiveRefused += 1;
      if (!this.stopped) this.init.log.warn("refused a snapshot transfer", { from: remote, err });
      try {
        stream.send(encodeFrame(SnapshotVerdict, { ok: false, error: (err instanceof Error ? err.message : String(err)).slice(0, VERDICT_ERROR_CHARS_MAX) }));
      } catch {
        // The leader is gone.
      }
    } finally {
      this.incoming.delete(stream);
      reader.dispose();
      await handle?.close().catch(() => undefined);
      if (part) rmSync(part, { force: true });
      if (stream.status === "open") await closeStream(stream, CLOSE_TIMEOUT_MS);
    }
  }
}

/** Writes `buffers` at `position` in one writev, and what a short write left one call at a time. */
async function writeAllAt(handle: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  const { bytesWritten } = await handle.writev(buffers, position);
  let skip = bytesWritten;
  let at = position + bytesWritten;
  for (const buffer of buffers) {
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    // The rest of a buffer the writev left short, with util's bounded loop (a write that makes
    // no progress is an error, not a spin).
    await writeFully(handle, buffer.subarray(skip), buffer.length - skip, at);
    at += buffer.length - skip;
    skip = 0;
  }
}
