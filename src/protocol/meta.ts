// /tessera/meta/1 as both of its ends set it up: one multiplexed stream per client and peer
// (src/net/mux-rpc.ts) carrying MetaRequest and MetaResponse frames within the meta limits.
import { META_PROTOCOL } from "./ids.ts";
import { META_RPC_LIMITS } from "./limits.ts";
import { MetaRequest, MetaResponse } from "./pb/meta.ts";

export const META_CHANNEL = {
  protocol: META_PROTOCOL,
  requestCodec: MetaRequest,
  responseCodec: MetaResponse,
  messageBytesMax: META_RPC_LIMITS.messageBytesMax,
};
