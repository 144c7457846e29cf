// One metadata request, retried through elections and leader moves until a deadline: a
// retryable code of the vocabulary (NOT_LEADER, NO_LEADER, UNAVAILABLE, TIMEOUT: "ask again
// shortly") is asked again; every other code is the request's real outcome and is thrown as
// MetaRequestError.
import type { MetaResponse, MetaRequest } from "../protocol/pb/meta.ts";
import { META_CHANNEL } from "../protocol/meta.ts";
import { MuxClient } from "../net/mux-rpc.ts";
import type { TesseraHost } from "../net/host.ts";
import type { PeerId } from "@libp2p/interface";
import { errorCodeOf, isRetryable } from "../protocol/errors.ts";

const META_RETRY_BACKOFF_MS_MIN = 50;
const META_RETRY_BACKOFF_MS_MAX = 200;
export const META_DEADLINE_MS_DEFAULT = 15_000;

export class MetaRequestError extends Error {
  override name = "MetaRequestError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Calls `send` until it answers with success or a non-retryable error, or the deadline
 * passes. `onTransportError` runs after a failed exchange (e.g. to reconnect elsewhere).
 */
export async function callWithRetry(
  send: (timeoutMs: number) => Promise<MetaResponse>,
  deadlineMs: number,
  onTransportError?: (err: unknown) => Promise<void>,
): Promise<MetaResponse> {
  const deadline = performance.now() + deadlineMs;
  let backoffMs = META_RETRY_BACKOFF_MS_MIN;
  let lastProblem = "no answer";
  for (;;) {
    try {
      const response = await send(Math.max(1, deadline - performance.now()));
      if (!response.errorCode) return response;
      if (!isRetryable(errorCodeOf(response.errorCode))) throw new MetaRequestError(response.errorCode, response.errorMessage);
      lastProblem = response.errorMessage;
    } catch (err) {
      if (err instanceof MetaRequestError) throw err;
      lastProblem = (err as Error).message;
      await onTransportError?.(err);
    }
    if (performance.now() + backoffMs > deadline) throw new MetaRequestError("UNAVAILABLE", `the cluster did not answer in time: ${lastProblem}`);
    await new Promise((resolve) => setTimeout(resolve, backoffMs));
    backoffMs = Math.min(backoffMs * 2, META_RETRY_BACKOFF_MS_MAX);
  }
}

/** A multiplexed /tessera/meta/1 channel to `peer`: every metadata request of a client rides on it. */
export function metaChannel(host: TesseraHost, peer: string | PeerId): MuxClient<MetaRequest, MetaResponse> {
  return new MuxClient<MetaRequest, MetaResponse>(host, peer, META_CHANNEL);
}
