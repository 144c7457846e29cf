// One metadata request, retried through elections and leader moves until a deadline: a
// retryable code of the vocabulary (NOT_LEADER, NO_LEADER, UNAVAILABLE, TIMEOUT: "ask again
// shortly") is asked again; every other code is the request's real outcome and is thrown as
// MetaRequestError.
import type { PeerId } from "@libp2p/interface";
import type { MetaRequest, MetaResponse } from "../protocol/pb/meta.ts";
import { answerOf, META_CHANNEL, metaRequest, type MetaCall } from "../protocol/meta.ts";
import { errorCodeOf, isRetryable, WireError, type ErrorCode } from "../protocol/errors.ts";
import { MuxClient } from "../net/mux-rpc.ts";
import type { TesseraHost } from "../net/host.ts";

const META_RETRY_BACKOFF_MS_MIN = 50;
const META_RETRY_BACKOFF_MS_MAX = 200;
export const META_DEADLINE_MS_DEFAULT = 15_000;

/** A metadata request the masters refused (or could not answer in time), with the vocabulary's code. */
export class MetaRequestError extends WireError {
  override name = "MetaRequestError";
  constructor(
    readonly code: ErrorCode,
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
      if (!response.error) return response;
      const code = errorCodeOf(response.error.code);
      if (!isRetryable(code)) throw new MetaRequestError(code, response.error.message);
      lastProblem = response.error.message;
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

/**
 * A typed MetaCall over `send` (one exchange, within a timeout): each call retries until its
 * deadline, and resolves with the answer its request kind is paired with.
 */
export function retryingMetaCall(send: (request: MetaRequest, timeoutMs: number) => Promise<MetaResponse>, options: { deadlineMs?: number; onTransportError?: (err: unknown) => Promise<void> } = {}): MetaCall {
  return async (kind, body) => {
    const request = metaRequest(kind, body);
    const response = await callWithRetry((timeoutMs) => send(request, timeoutMs), options.deadlineMs ?? META_DEADLINE_MS_DEFAULT, options.onTransportError);
    return answerOf(kind, response);
  };
}

/** A multiplexed /tessera/meta/2 channel to `peer`: every metadata request of a client rides on it. */
export function metaChannel(host: TesseraHost, peer: string | PeerId): MuxClient<MetaRequest, MetaResponse> {
  return new MuxClient<MetaRequest, MetaResponse>(host, peer, META_CHANNEL);
}
