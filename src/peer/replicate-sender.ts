// How the leader's repair services reach chunk servers: a replicate request over
// /tessera/chunk/replicate/2, or a direct call to this peer's own replica service (libp2p
// cannot dial itself). Wired here, in the composition root, so the master never imports a
// chunk server's code.
import { peerIdFromString } from "@libp2p/peer-id";
import type { TesseraHost } from "../net/host.ts";
import { request } from "../net/rpc.ts";
import type { ReplicaService } from "../chunk/transfer/replica-service.ts";
import type { ReplicateSender } from "../master/repair/replica-ops.ts";
import { CHUNK_REPLICATE_PROTOCOL } from "../protocol/ids.ts";
import { REPLICATE_RPC_LIMITS, replicateDeadlineMs } from "../protocol/limits.ts";
import { ReplicateRequest, ReplicateResponse } from "../protocol/pb/replicate.ts";

/** Sends replicate requests: over the wire, or to this peer's own service (libp2p cannot dial itself). */
export function replicateSender(host: TesseraHost, selfId: string, local: () => ReplicaService | undefined): ReplicateSender {
  return (to, body) => {
    if (to !== selfId) return request<ReplicateRequest, ReplicateResponse>(host, peerIdFromString(to), { protocol: CHUNK_REPLICATE_PROTOCOL, requestCodec: ReplicateRequest, responseCodec: ReplicateResponse, ...REPLICATE_RPC_LIMITS, timeoutMs: replicateDeadlineMs(body) }, body);
    const service = local();
    if (!service) return Promise.reject(new Error("this peer's chunk server is not started yet"));
    return service.execute(selfId, body);
  };
}
