// The multiplexed RPC server (src/net/mux-rpc.ts) over a stream in memory.
import { describe, it, expect } from "vitest";
import * as lp from "it-length-prefixed";
import { Uint8ArrayList } from "uint8arraylist";
import type { Connection } from "@libp2p/interface";
import { RpcFrame } from "../../src/protocol/pb/rpc.ts";
import { MetaRequest, MetaResponse } from "../../src/protocol/pb/meta.ts";
import type { Logger } from "../../src/util/log.ts";
import { MemoryStream, muxServerInMemory, unprefixed } from "../fuzz/support.ts";
import { waitFor } from "../support/wait.ts";

const quietLog: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLog };
const connection = { remotePeer: { toString: () => "caller" } } as unknown as Connection;

describe("the multiplexed RPC server", () => {
  // Found by the net/mux-rpc fuzz target (seed 657535818): the server closed the stream as soon
  // as the caller finished sending, dropping the answers still being worked out.
  it("answers every request before it closes a stream whose caller has finished sending", async () => {
    const serve = await muxServerInMemory(
      {
        protocol: "/test/mux/1",
        requestCodec: MetaRequest,
        responseCodec: MetaResponse,
        messageBytesMax: 4 * 1024,
        maxInboundStreams: 1,
        log: quietLog,
        // Slower than the end of the caller's writes.
        handle: () => new Promise<MetaResponse>((resolve) => setTimeout(() => resolve({} as MetaResponse), 20)),
      },
      connection,
    );
    const stream = new MemoryStream();
    serve(stream);
    const ids = [7, 8, 9];
    const wire = new Uint8ArrayList(...ids.map((id) => lp.encode.single(RpcFrame.encode({ id, body: MetaRequest.encode({} as MetaRequest) })))).subarray();
    await stream.deliver([wire]);
    await waitFor("the server to close the stream", () => stream.status !== "open", { timeoutMs: 5_000 });
    expect(stream.abortedWith).toBeUndefined();
    const answered = stream.sent.map((frame) => RpcFrame.decode(unprefixed(frame)).id);
    expect(answered.sort()).toEqual(ids);
  });
});

