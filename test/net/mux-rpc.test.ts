// The multiplexed RPC server (src/net/mux-rpc.ts) over a stream in memory.
import { describe, it, expect } from "vitest";
import * as lp from "it-length-prefixed";
import { Uint8ArrayList } from "uint8arraylist";
import type { Connection } from "@libp2p/interface";
import { registerMuxHandler } from "../../src/net/mux-rpc.ts";
import type { TesseraHost } from "../../src/net/host.ts";
import { RpcFrame } from "../../src/protocol/pb/rpc.ts";
import { MetaRequest, MetaResponse } from "../../src/protocol/pb/meta.ts";
import type { Logger } from "../../src/util/log.ts";
import { MemoryStream } from "../fuzz/support.ts";
import { waitFor } from "../support/wait.ts";

const quietLog: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLog };
const connection = { remotePeer: { toString: () => "caller" } } as unknown as Connection;

describe("the multiplexed RPC server", () => {
  // Found by the net/mux-rpc fuzz target (seed 657535818): the server closed the stream as soon
  // as the caller finished sending, dropping the answers still being worked out.
  it("answers every request before it closes a stream whose caller has finished sending", async () => {
    let handler: ((stream: unknown, connection: Connection) => void) | undefined;
    const host = { handle: async (_protocol: string, h: typeof handler) => void (handler = h) } as unknown as TesseraHost;
    await registerMuxHandler(host, {
      protocol: "/test/mux/1",
      requestCodec: MetaRequest,
      responseCodec: MetaResponse,
      messageBytesMax: 4 * 1024,
      maxInboundStreams: 1,
      log: quietLog,
      // Slower than the end of the caller's writes.
      handle: () => new Promise<MetaResponse>((resolve) => setTimeout(() => resolve({} as MetaResponse), 20)),
    });
    const stream = new MemoryStream();
    handler!(stream.asStream(), connection);
    const ids = [7, 8, 9];
    const wire = new Uint8ArrayList(...ids.map((id) => lp.encode.single(RpcFrame.encode({ id, body: MetaRequest.encode({} as MetaRequest) })))).subarray();
    await stream.deliver([wire]);
    await waitFor("the server to close the stream", () => stream.status !== "open", { timeoutMs: 5_000 });
    expect(stream.abortedWith).toBeUndefined();
    const answered = stream.sent.map((frame) => RpcFrame.decode(unprefixed(frame)).id);
    expect(answered.sort()).toEqual(ids);
  });
});

/** A frame's body without its varint length prefix. */
function unprefixed(frame: Uint8Array): Uint8Array {
  let at = 0;
  while (at < frame.length && (frame[at]! & 0x80) !== 0) at++;
  return frame.subarray(at + 1);
}
