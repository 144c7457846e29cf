// Raft over libp2p: /tessera/raft/1. Each peer keeps one long-lived outbound stream per
// other member and writes length-prefixed protobuf messages on it; inbound streams are read
// message by message and handed to the driver. Raft tolerates loss, so a full queue or a
// broken stream drops messages instead of blocking the driver; they are sent again by the
// core's own retries. A snapshot kept as a file does not travel here: its message goes to
// snapshot-transfer.ts, which streams the file on /tessera/raft/snapshot/1.
import * as lp from "it-length-prefixed";
import { peerIdFromString } from "@libp2p/peer-id";
import type { Connection, Stream } from "@libp2p/interface";
import type { TesseraHost } from "../net/host.ts";
import { sendWithBackpressure } from "../net/stream-io.ts";
import type { Logger } from "../util/log.ts";
import { decodeRaftMessage, encodeRaftMessage, RAFT_WIRE_MESSAGE_BYTES_MAX } from "./codec.ts";
import type { Message, PeerId } from "./types.ts";
import { RAFT_PROTOCOL } from "../protocol/ids.ts";
import { emptySnapshotTransferStats, isFileSnapshotMessage, SnapshotTransfers, type SnapshotFiles, type SnapshotTransferStats } from "./snapshot-transfer.ts";

// Messages queued for one peer at most; past it new ones are dropped (the core resends).
export const RAFT_SEND_QUEUE_MESSAGES_MAX = 4096;
// Bytes queued for one peer at most: a few appends of maxSizePerMsg.
export const RAFT_SEND_QUEUE_BYTES_MAX = 64 * 1024 * 1024;
// A stream to a peer that does not open in this time is given up, and retried later.
const DIAL_TIMEOUT_MS = 3_000;
// After a failed dial, wait this long (doubling to the max) before the next attempt.
const REDIAL_BACKOFF_MS_MIN = 100;
const REDIAL_BACKOFF_MS_MAX = 2_000;
// Inbound Raft streams per connection: one per direction is the norm; a few more cover a
// reconnect racing the old stream's teardown.
const INBOUND_STREAMS_MAX = 4;
// Bad messages are logged at most this often per peer.
const BAD_MESSAGE_LOG_INTERVAL_MS = 5_000;

export interface RaftTransportInit {
  host: TesseraHost;
  log: Logger;
  /** Called for every well-formed message from an authenticated sender. */
  onMessage(message: Message): void;
  /**
   * The Raft storage's snapshot files: snapshots whose data is a file descriptor are streamed
   * from and to them. Without it, snapshot messages travel on /tessera/raft/1 like any other.
   */
  snapshots?: SnapshotFiles;
}

export interface RaftTransportStats {
  sent: number;
  received: number;
  droppedQueueFull: number;
  droppedStreamBroken: number;
  rejected: number;
  snapshots: SnapshotTransferStats;
}

class PeerSender {
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private stream?: Stream;
  private pumping = false;
  private nextDialMs = 0;
  private backoffMs = REDIAL_BACKOFF_MS_MIN;
  private closed = false;

  constructor(
    private readonly to: PeerId,
    private readonly transport: RaftTransport,
  ) {}

  enqueue(frame: Uint8Array): void {
    if (this.queue.length >= RAFT_SEND_QUEUE_MESSAGES_MAX || this.queuedBytes + frame.length > RAFT_SEND_QUEUE_BYTES_MAX) {
      this.transport.stats.droppedQueueFull += 1;
      return;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    if (!this.pumping) void this.pump();
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.stream?.abort(new Error("raft transport stopped"));
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const stream = await this.openStream();
        if (!stream) {
          this.dropQueue();
          return;
        }
        // Everything queued goes out in one write: many small appends/heartbeats become one
        // syscall and one encrypted record.
        const frames = this.queue;
        this.queue = [];
        this.queuedBytes = 0;
        const batch = frames.length === 1 ? frames[0]! : concat(frames);
        try {
          await sendWithBackpressure(stream, batch, AbortSignal.timeout(DIAL_TIMEOUT_MS * 5));
          this.transport.stats.sent += frames.length;
        } catch (err) {
          this.transport.stats.droppedStreamBroken += frames.length;
          this.transport.log.debug("raft stream broke", { to: this.to, err });
          stream.abort(err instanceof Error ? err : new Error(String(err)));
          this.stream = undefined;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private dropQueue(): void {
    this.transport.stats.droppedStreamBroken += this.queue.length;
    this.queue = [];
    this.queuedBytes = 0;
  }

  private async openStream(): Promise<Stream | undefined> {
    if (this.stream && this.stream.status === "open" && this.stream.writeStatus === "writable") return this.stream;
    this.stream = undefined;
    if (performance.now() < this.nextDialMs) return undefined;
    try {
      const stream = await this.transport.host.dialProtocol(peerIdFromString(this.to), RAFT_PROTOCOL, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) });
      this.stream = stream;
      this.backoffMs = REDIAL_BACKOFF_MS_MIN;
      // Nothing comes back on this stream; reading it keeps the muxer's window moving.
      void (async () => {
        try {
          for await (const _ of stream) {
            // discard
          }
        } catch {
          // The stream ended; the next send opens another.
        }
      })();
      return stream;
    } catch (err) {
      this.nextDialMs = performance.now() + this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, REDIAL_BACKOFF_MS_MAX);
      this.transport.log.debug("raft dial failed", { to: this.to, err });
      return undefined;
    }
  }
}

export class RaftTransport {
  readonly host: TesseraHost;
  readonly log: Logger;
  readonly stats: RaftTransportStats = { sent: 0, received: 0, droppedQueueFull: 0, droppedStreamBroken: 0, rejected: 0, snapshots: emptySnapshotTransferStats() };
  private readonly senders = new Map<PeerId, PeerSender>();
  private readonly lastBadLogMs = new Map<string, number>();
  private readonly snapshots: SnapshotTransfers | undefined;
  private started = false;

  constructor(private readonly init: RaftTransportInit) {
    this.host = init.host;
    this.log = init.log;
    if (init.snapshots) {
      this.snapshots = new SnapshotTransfers({ host: init.host, files: init.snapshots, log: init.log.child("snapshot"), deliver: (message) => this.deliver(message), stats: this.stats.snapshots });
    }
  }

  async start(): Promise<void> {
    await this.host.handle(RAFT_PROTOCOL, (stream, connection) => void this.read(stream, connection), { maxInboundStreams: INBOUND_STREAMS_MAX });
    await this.snapshots?.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const sender of this.senders.values()) sender.close();
    this.senders.clear();
    await this.snapshots?.stop();
    await this.host.unhandle(RAFT_PROTOCOL);
  }

  send(messages: readonly Message[]): void {
    for (const message of messages) {
      if (message.type === "snapshot" && this.snapshots && isFileSnapshotMessage(message)) {
        this.snapshots.send(message);
        continue;
      }
      let sender = this.senders.get(message.to);
      if (!sender) {
        sender = new PeerSender(message.to, this);
        this.senders.set(message.to, sender);
      }
      sender.enqueue(lp.encode.single(encodeRaftMessage(message)).subarray());
    }
  }

  /** Forgets the sender of a peer that left the configuration. */
  forget(peer: PeerId): void {
    this.senders.get(peer)?.close();
    this.senders.delete(peer);
    this.snapshots?.forget(peer);
  }

  /** A snapshot received whole and verified on its own stream reaches the core like any message. */
  private deliver(message: Message): void {
    this.stats.received += 1;
    this.init.onMessage(message);
  }

  private async read(stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString();
    try {
      for await (const frame of lp.decode(stream, { maxDataLength: RAFT_WIRE_MESSAGE_BYTES_MAX })) {
        let message: Message;
        try {
          message = decodeRaftMessage(frame.subarray());
          // The connection is authenticated by the encrypter: a peer speaks only for itself.
          if (message.from !== remote) throw new Error(`message claims to be from ${message.from}`);
          // A file snapshot reaches the core only with its file received and checked.
          if (message.type === "snapshot" && isFileSnapshotMessage(message)) throw new Error("a snapshot file descriptor came on /tessera/raft/1, not with its file");
        } catch (err) {
          this.stats.rejected += 1;
          this.logBad(remote, err);
          continue;
        }
        this.stats.received += 1;
        this.init.onMessage(message);
      }
      // The sender closed its side: close ours, or the stream would hold an inbound slot.
      await stream.close().catch(() => stream.abort(new Error("raft stream close failed")));
    } catch (err) {
      // A peer going away resets its streams: nothing to report. Oversized frames and broken
      // framing end the stream with a logged reason; the peer carries on either way.
      if (stream.status === "reset" || stream.status === "aborted" || (err as Error).name === "StreamResetError") return;
      this.stats.rejected += 1;
      this.logBad(remote, err);
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private logBad(remote: string, err: unknown): void {
    const now = performance.now();
    if (now - (this.lastBadLogMs.get(remote) ?? -Infinity) < BAD_MESSAGE_LOG_INTERVAL_MS) return;
    this.lastBadLogMs.set(remote, now);
    this.log.warn("rejected a raft message", { from: remote, reason: err });
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
