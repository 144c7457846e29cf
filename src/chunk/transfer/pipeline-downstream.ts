// The link from one pipeline stage (the client, or a replica) to the next replica: opens
// /tessera/chunk/write/1, sends the header, waits for READY, forwards packets and the commit,
// and reads acks back. Whatever goes wrong below is turned into a PipelineError naming the
// peer to leave out: the next replica itself (it reset, stalled, or spoke garbage) or, when
// it reported one, the replica further down it named.
import { peerIdFromString } from "@libp2p/peer-id";
import type { Stream } from "@libp2p/interface";
import { Uint8ArrayList } from "uint8arraylist";
import type { TesseraHost } from "../../net/host.ts";
import type { Logger } from "../../util/log.ts";
import { DATA_CONTROL_FRAME_BYTES_MAX, WRITE_SETUP_TIMEOUT_MS_PER_HOP } from "./data-constants.ts";
import { PipelineError, isPipelineErrorCode, wireMessage } from "./data-errors.ts";
import { closeStream, encodeFrame, FrameReader, waitForDrain, DataProtocolError, DataStreamClosedError, DataTimeoutError } from "../../net/frames.ts";
import { WriteAck, WriteFrame, WriteHeader, type ReplicaInfo, type WriteError } from "../../protocol/pb/data.ts";
import { CHUNK_WRITE_PROTOCOL } from "../../protocol/ids.ts";

/** How long a refused send waits for the ack reader to find the reason (see sendFailed). */
const SEND_FAILURE_GRACE_MS = 2_000;
/** Acks are awaited without a deadline of their own: the stage's watchdog decides (pipeline-stage.ts). */
const ACK_READ_TIMEOUT_MS = 2 ** 31 - 1;
/** Closing a finished stream politely must not hold anything up for long. */
export const STREAM_CLOSE_TIMEOUT_MS = 5_000;

export interface ReplicaResult {
  peerId: string;
  sizeBytes: number;
  blockCount: number;
  checksumDigest: number;
}

export interface DownstreamListener {
  onDownstreamProgress(): void;
  onDownstreamFailed(error: PipelineError): void;
}

export class Downstream {
  /** Highest packet every replica from `target` down has written. */
  ackedSeq = -1;
  /** Highest packet sent. */
  sentSeq = -1;
  failure: PipelineError | undefined;
  /** Set once COMMITTED arrives: `target` first, then the replicas below it, in order. */
  committed: ReplicaResult[] | undefined;
  private listener: DownstreamListener | undefined;
  private closing = false;
  private sendFailure: ReturnType<typeof setTimeout> | undefined;
  private conclude!: () => void;
  /** Resolves once the link failed or its replicas committed. */
  private readonly concluded = new Promise<void>((resolve) => {
    this.conclude = resolve;
  });

  private constructor(
    /** The next replica. */
    readonly target: string,
    /** The replicas after `target`, in order. */
    readonly below: readonly string[],
    private readonly selfId: string,
    private readonly stream: Stream,
    private readonly reader: FrameReader,
    private readonly log: Logger,
  ) {}

  /** Replicas from `target` down. */
  get replicaCount(): number {
    return this.below.length + 1;
  }

  /**
   * Opens the link and waits until every replica below is set up (READY). A hop with r
   * replicas below waits r × WRITE_SETUP_TIMEOUT_MS_PER_HOP, so the hop nearest a failure
   * reports it before anyone above gives up.
   */
  static async open(host: TesseraHost, header: WriteHeader & { target: string }, selfId: string, log: Logger): Promise<Downstream> {
    const { target, ...wireHeader } = header;
    const setupMs = (wireHeader.pipeline.length + 1) * WRITE_SETUP_TIMEOUT_MS_PER_HOP;
    const startedMs = performance.now();
    let stream: Stream;
    try {
      stream = await host.dialProtocol(peerIdFromString(target), CHUNK_WRITE_PROTOCOL, { signal: AbortSignal.timeout(setupMs) });
    } catch (err) {
      throw new PipelineError("PEER_UNREACHABLE", target, wireMessage(err));
    }
    const reader = new FrameReader(stream);
    const link = new Downstream(target, wireHeader.pipeline, selfId, stream, reader, log);
    try {
      stream.send(encodeFrame(WriteHeader, wireHeader));
      const ack = await reader.readFrame(WriteAck, DATA_CONTROL_FRAME_BYTES_MAX, Math.max(1, setupMs - (performance.now() - startedMs)));
      if (ack.kind === WriteAck.Kind.ERROR) throw link.errorFromWire(ack.error);
      if (ack.kind !== WriteAck.Kind.READY) throw new DataProtocolError(`expected READY, got ${ack.kind}`);
    } catch (err) {
      const error = link.classify(err);
      link.closing = true;
      stream.abort(error);
      reader.dispose();
      throw error;
    }
    void link.readAcks();
    return link;
  }

  /** Starts delivering events; replays a failure that came before. */
  attach(listener: DownstreamListener): void {
    this.listener = listener;
    if (this.failure) listener.onDownstreamFailed(this.failure);
    else if (this.ackedSeq >= 0 || this.committed) listener.onDownstreamProgress();
  }

  /**
   * Queues a frame (and its payload) on the stream without waiting. Returns false when the
   * muxer wants the sender to wait for a drain; a replica forwarding packets ignores that,
   * since the client's window already bounds what can be queued here.
   */
  forward(frame: Uint8Array, payload?: Uint8Array | Uint8ArrayList): boolean {
    if (this.failure || this.closing) return true;
    try {
      // Frame and payload in one send: one yamux frame, one encrypted record and one window
      // update instead of two of each per packet (the payload is not copied, only listed).
      return this.stream.send(payload ? new Uint8ArrayList(frame, payload) : frame);
    } catch (err) {
      this.sendFailed(err);
      return true;
    }
  }

  forwardPacket(seq: number, frame: Uint8Array, payload: Uint8Array | Uint8ArrayList): boolean {
    this.sentSeq = seq;
    return this.forward(frame, payload);
  }

  async drain(timeoutMs: number): Promise<void> {
    try {
      await waitForDrain(this.stream, timeoutMs);
    } catch (err) {
      if (err instanceof DataTimeoutError) this.fail(this.classify(err));
      else this.sendFailed(err);
      await this.concluded;
    }
  }

  /**
   * The stream refused a send: it was reset or closed. The replica below may have reported
   * why just before (an ERROR naming a peer further down, then a reset), and that report may
   * still sit unparsed in the reader; the ack reader concludes from it, so this only fails
   * the link itself if the reader has not concluded shortly.
   */
  private sendFailed(err: unknown): void {
    if (this.failure || this.closing || this.sendFailure) return;
    this.sendFailure = setTimeout(() => this.fail(this.classify(err)), SEND_FAILURE_GRACE_MS);
  }

  /** Resets the link (the replica below aborts its writer and resets its own link). */
  abort(reason: Error): void {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.sendFailure);
    this.conclude();
    this.stream.abort(reason);
    this.reader.dispose();
  }

  private async readAcks(): Promise<void> {
    try {
      for (;;) {
        const ack = await this.reader.readFrame(WriteAck, DATA_CONTROL_FRAME_BYTES_MAX, ACK_READ_TIMEOUT_MS);
        switch (ack.kind) {
          case WriteAck.Kind.PACKET:
            if (ack.seq <= this.ackedSeq || ack.seq > this.sentSeq) throw new DataProtocolError(`ack of packet ${ack.seq}: acked ${this.ackedSeq}, sent ${this.sentSeq}`);
            this.ackedSeq = ack.seq;
            this.listener?.onDownstreamProgress();
            break;
          case WriteAck.Kind.COMMITTED:
            this.committed = this.checkReplicas(ack.replicas);
            this.closing = true;
            this.conclude();
            this.reader.dispose();
            void closeStream(this.stream, STREAM_CLOSE_TIMEOUT_MS);
            this.listener?.onDownstreamProgress();
            return;
          case WriteAck.Kind.ERROR:
            throw this.errorFromWire(ack.error);
          default:
            throw new DataProtocolError(`unexpected ${ack.kind} ack`);
        }
      }
    } catch (err) {
      if (this.closing) return;
      this.fail(this.classify(err));
    }
  }

  private fail(error: PipelineError): void {
    if (this.failure || this.closing) return;
    this.failure = error;
    this.closing = true;
    clearTimeout(this.sendFailure);
    this.conclude();
    this.stream.abort(error);
    this.reader.dispose();
    this.log.debug("downstream failed", { target: this.target, code: error.code, failedPeer: error.failedPeer, reason: error.reason });
    this.listener?.onDownstreamFailed(error);
  }

  private checkReplicas(replicas: ReplicaInfo[]): ReplicaResult[] {
    const expected = [this.target, ...this.below];
    if (replicas.length !== expected.length) throw new DataProtocolError(`COMMITTED names ${replicas.length} replicas, expected ${expected.length}`);
    return replicas.map((replica, index) => {
      if (replica.peerId !== expected[index]) throw new DataProtocolError(`COMMITTED names ${replica.peerId} at position ${index}, expected ${expected[index]}`);
      return { peerId: replica.peerId, sizeBytes: replica.sizeBytes, blockCount: replica.blockCount, checksumDigest: replica.checksumDigest };
    });
  }

  /** A reported error, trusted only as far as it names a peer of this pipeline. */
  private errorFromWire(error: WriteError | undefined): PipelineError {
    if (!error) return new PipelineError("PROTOCOL", this.target, "ERROR ack without an error");
    const named = new Set([this.selfId, this.target, ...this.below]);
    if (!isPipelineErrorCode(error.code) || !named.has(error.failedPeer)) {
      return new PipelineError("PROTOCOL", this.target, `malformed error report (${error.code.slice(0, 40)} at ${error.failedPeer.slice(0, 80)})`);
    }
    return new PipelineError(error.code, error.failedPeer, error.message, error.storeCode || undefined);
  }

  private classify(err: unknown): PipelineError {
    if (err instanceof PipelineError) return err;
    if (err instanceof DataTimeoutError) return new PipelineError("TIMEOUT", this.target, err.message);
    if (err instanceof DataProtocolError) return new PipelineError("PROTOCOL", this.target, err.message);
    if (err instanceof DataStreamClosedError) return new PipelineError("PEER_FAILED", this.target, err.message);
    return new PipelineError("PEER_FAILED", this.target, wireMessage(err));
  }
}

/** The frame that keeps an idle pipeline's replicas from taking it for dead. */
export const KEEPALIVE_FRAME = encodeFrame(WriteFrame, { kind: WriteFrame.Kind.KEEPALIVE, seq: 0, sizeBytes: 0, blockCrcs: new Uint8Array(0), totalBytes: 0, packetCount: 0, checksumDigest: 0 });
