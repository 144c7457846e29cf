// Requests and responses multiplexed on one long-lived stream per pair of peers: a frame
// {id, body} carries a request, and the frame with the same id its response, in any order.
// Opening a libp2p stream costs a protocol negotiation and several small encrypted writes;
// metadata calls are small and many (64 at once from one client), so one stream carries them
// all. Every frame is bounded; a stream carries at most MUX_INFLIGHT_MAX requests at once
// (past that the server stops reading, which is backpressure, not loss).
import * as lp from "it-length-prefixed";
import { peerIdFromString } from "@libp2p/peer-id";
import type { Connection, PeerId, Stream } from "@libp2p/interface";
import type { TesseraHost } from "./host.ts";
import type { MessageCodec } from "./rpc.ts";
import { sendWithBackpressure } from "./stream-io.ts";
import type { Logger } from "../util/log.ts";
import { RpcFrame } from "../protocol/pb/rpc.ts";
import { RequestError } from "../protocol/errors.ts";

// Requests one stream carries at once; a client waits for a slot past it.
export const MUX_INFLIGHT_MAX = 256;
// Bytes of frame framing on top of the protocol's own message bound.
const FRAME_OVERHEAD_BYTES = 32;
/**
 * Requests taken from one stream before its reader yields to the event loop. A burst of frames
 * already buffered decodes in one chain of microtasks, which nothing else interrupts: 2,000
 * requests (8 client streams of 256) held the loop for 500-700 ms, long enough for Raft's
 * election timeout and for the heartbeats' timers to fire late. Yielding every few requests lets
 * timers, Raft's streams and the heartbeats run between them (docs/overload.md).
 */
export const MUX_REQUESTS_PER_TURN = 8;

/** Resolves in the event loop's next turn, after pending I/O and timers. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class MuxClosedError extends Error {
  override name = "MuxClosedError";
}

export interface MuxHandlerInit<Req, Res> {
  protocol: string;
  requestCodec: MessageCodec<Req>;
  responseCodec: MessageCodec<Res>;
  messageBytesMax: number;
  /** Concurrent inbound streams of this protocol per connection (one per client is the norm). */
  maxInboundStreams: number;
  log: Logger;
  handle(request: Req, connection: Connection): Promise<Res>;
  /**
   * The answer to a request that does not decode (a repeated field over its bound, a field of
   * the wrong type): with it, that one request is refused in the protocol's own error format
   * and the stream carries on; without it, the stream is reset (every call on it fails).
   */
  refuse?(reason: string): Res;
}

/** Serves a multiplexed protocol: each stream's requests are handled concurrently. */
export async function registerMuxHandler<Req, Res>(host: TesseraHost, init: MuxHandlerInit<Req, Res>): Promise<void> {
  await host.handle(
    init.protocol,
    (stream: Stream, connection: Connection) => {
      void serveStream(stream, connection, init);
    },
    { maxInboundStreams: init.maxInboundStreams },
  );
}

async function serveStream<Req, Res>(stream: Stream, connection: Connection, init: MuxHandlerInit<Req, Res>): Promise<void> {
  const writer = new FrameWriter(stream);
  let inflight = 0;
  let slotFreed: (() => void) | undefined;
  let takenThisTurn = 0;
  try {
    for await (const data of lp.decode(stream, { maxDataLength: init.messageBytesMax + FRAME_OVERHEAD_BYTES })) {
      if (++takenThisTurn >= MUX_REQUESTS_PER_TURN) {
        takenThisTurn = 0;
        await nextTurn();
      }
      const frame = RpcFrame.decode(data);
      let request: Req;
      try {
        request = init.requestCodec.decode(frame.body);
      } catch (err) {
        const reason = `the request does not decode: ${(err as Error).message}`;
        if (!init.refuse) throw new Error(`request ${frame.id}: ${reason}`);
        await writer.write({ id: frame.id, body: init.responseCodec.encode(init.refuse(reason)) as Uint8Array<ArrayBuffer> });
        continue;
      }
      inflight += 1;
      void (async () => {
        try {
          const response = await init.handle(request, connection);
          await writer.write({ id: frame.id, body: init.responseCodec.encode(response) as Uint8Array<ArrayBuffer> });
        } catch (err) {
          init.log.warn("request failed", { protocol: init.protocol, err });
          stream.abort(err instanceof Error ? err : new Error(String(err)));
        } finally {
          inflight -= 1;
          slotFreed?.();
        }
      })();
      // Backpressure: stop reading while the stream has as many requests in flight as allowed.
      while (inflight >= MUX_INFLIGHT_MAX) await new Promise<void>((resolve) => (slotFreed = resolve));
    }
    // The caller is done sending: every request it sent is answered before the stream closes
    // (closing at once dropped the answers still being worked out; a fuzz case found it).
    while (inflight > 0) await new Promise<void>((resolve) => (slotFreed = resolve));
    await stream.close().catch(() => undefined);
  } catch (err) {
    if (stream.status === "reset" || stream.status === "aborted") return;
    // A peer that sends garbage gets its stream reset; this peer carries on.
    init.log.warn("a multiplexed stream was reset", { protocol: init.protocol, remote: connection.remotePeer.toString(), reason: err });
    stream.abort(err instanceof Error ? err : new Error(String(err)));
  }
}

/** Serializes frame writes on one stream. */
class FrameWriter {
  private chain: Promise<void> = Promise.resolve();
  constructor(private readonly stream: Stream) {}

  write(frame: RpcFrame): Promise<void> {
    const bytes = lp.encode.single(RpcFrame.encode(frame)).subarray();
    const next = this.chain.then(() => sendWithBackpressure(this.stream, bytes));
    this.chain = next.catch(() => undefined);
    return next;
  }
}

interface Pending<Res> {
  resolve(response: Res): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The client side: one stream to one peer, opened lazily and again after it breaks. */
export class MuxClient<Req, Res> {
  private stream?: Stream;
  private opening?: Promise<Stream>;
  private writer?: FrameWriter;
  private nextId = 1;
  private readonly pending = new Map<number, Pending<Res>>();
  private closed = false;

  constructor(
    private readonly host: TesseraHost,
    private readonly peer: PeerId | string,
    private readonly init: { protocol: string; requestCodec: MessageCodec<Req>; responseCodec: MessageCodec<Res>; messageBytesMax: number },
  ) {}

  get inflight(): number {
    return this.pending.size;
  }

  async call(request: Req, timeoutMs: number): Promise<Res> {
    if (this.closed) throw new MuxClosedError("the client is closed");
    while (this.pending.size >= MUX_INFLIGHT_MAX) await new Promise((resolve) => setTimeout(resolve, 1));
    // A request over the bound would make the peer reset the stream, failing every call on it:
    // refuse it here, alone, with the bound in the sentence.
    const body = this.init.requestCodec.encode(request) as Uint8Array<ArrayBuffer>;
    if (body.byteLength > this.init.messageBytesMax) {
      throw new RequestError("INVALID", `the request is ${body.byteLength} bytes, over the bound of ${this.init.messageBytesMax} bytes of ${this.init.protocol}`);
    }
    const stream = await this.open(timeoutMs);
    const id = this.nextId++;
    const response = new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new MuxClosedError(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    this.writer!.write({ id, body }).catch((err: unknown) => this.fail(stream, err));
    return response;
  }

  close(): void {
    this.closed = true;
    this.stream?.abort(new MuxClosedError("closed"));
    this.failAll(new MuxClosedError("the client closed"));
  }

  private async open(timeoutMs: number): Promise<Stream> {
    if (this.stream && this.stream.status === "open" && this.stream.writeStatus === "writable") return this.stream;
    this.opening ??= (async () => {
      const target = typeof this.peer === "string" ? peerIdFromString(this.peer) : this.peer;
      const stream = await this.host.dialProtocol(target, this.init.protocol, { signal: AbortSignal.timeout(timeoutMs) });
      this.stream = stream;
      this.writer = new FrameWriter(stream);
      void this.readResponses(stream);
      return stream;
    })().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async readResponses(stream: Stream): Promise<void> {
    try {
      for await (const data of lp.decode(stream, { maxDataLength: this.init.messageBytesMax + FRAME_OVERHEAD_BYTES })) {
        const frame = RpcFrame.decode(data);
        const pending = this.pending.get(frame.id);
        if (!pending) continue; // timed out meanwhile
        this.pending.delete(frame.id);
        clearTimeout(pending.timer);
        try {
          pending.resolve(this.init.responseCodec.decode(frame.body));
        } catch (err) {
          pending.reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
      this.fail(stream, new MuxClosedError("the peer closed the stream"));
    } catch (err) {
      this.fail(stream, err);
    }
  }

  /** The stream broke: every request on it fails (the caller's retry decides what next). */
  private fail(stream: Stream, err: unknown): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    this.writer = undefined;
    stream.abort(err instanceof Error ? err : new Error(String(err)));
    this.failAll(err instanceof Error ? err : new Error(String(err)));
  }

  private failAll(err: Error): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(err);
      this.pending.delete(id);
    }
  }
}
