// One request, one response, over a fresh libp2p stream: length-prefixed protobuf with a
// bound on every message and a deadline on every exchange. A protocol handler stays a thin
// adapter from the stream to a domain call (STYLE.md §7).
import { pbStream } from "@libp2p/utils";
import type { Connection, PeerId, Stream } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import type { Uint8ArrayList } from "uint8arraylist";
import type { TesseraHost } from "./host.ts";
import type { Logger } from "../util/log.ts";

export interface MessageCodec<T> {
  encode(value: T): Uint8Array;
  decode(data: Uint8Array | Uint8ArrayList): T;
}

export interface RpcLimits {
  /** Largest request or response accepted on the wire. */
  messageBytesMax: number;
  /** The whole exchange, from opening the stream to the last byte. */
  timeoutMs: number;
}

export interface HandlerInit<Req, Res> extends RpcLimits {
  protocol: string;
  requestCodec: MessageCodec<Req>;
  responseCodec: MessageCodec<Res>;
  /** Concurrent inbound streams of this protocol per connection. */
  maxInboundStreams: number;
  log: Logger;
  handle(request: Req, connection: Connection): Promise<Res> | Res;
}

export async function registerHandler<Req, Res>(host: TesseraHost, init: HandlerInit<Req, Res>): Promise<void> {
  await host.handle(
    init.protocol,
    async (stream: Stream, connection: Connection) => {
      const signal = AbortSignal.timeout(init.timeoutMs);
      try {
        const messages = pbStream(stream, { maxDataLength: init.messageBytesMax });
        const request = await messages.read(init.requestCodec, { signal });
        const response = await init.handle(request, connection);
        await messages.write(response, init.responseCodec, { signal });
        await stream.close({ signal });
      } catch (err) {
        // A peer that sends garbage or stalls gets its stream reset; this peer carries on.
        init.log.warn("request failed", { protocol: init.protocol, remote: connection.remotePeer.toString(), err });
        stream.abort(err instanceof Error ? err : new Error(String(err)));
      }
    },
    { maxInboundStreams: init.maxInboundStreams },
  );
}

export interface RequestInit<Req, Res> extends RpcLimits {
  protocol: string;
  requestCodec: MessageCodec<Req>;
  responseCodec: MessageCodec<Res>;
}

export async function request<Req, Res>(
  host: TesseraHost,
  target: PeerId | Multiaddr | Multiaddr[],
  init: RequestInit<Req, Res>,
  body: Req,
): Promise<Res> {
  const signal = AbortSignal.timeout(init.timeoutMs);
  const stream = await host.dialProtocol(target, init.protocol, { signal });
  try {
    const messages = pbStream(stream, { maxDataLength: init.messageBytesMax });
    await messages.write(body, init.requestCodec, { signal });
    const response = await messages.read(init.responseCodec, { signal });
    await stream.close({ signal });
    return response;
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}
