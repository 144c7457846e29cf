// One metadata request, retried through elections and leader moves until a deadline: a
// retryable code of the vocabulary (NOT_LEADER, NO_LEADER, UNAVAILABLE, TIMEOUT, OVERLOADED:
// "ask again shortly"; OVERLOADED after a longer, random backoff) is asked again; every other code is the request's real outcome and is thrown as
// MetaRequestError. Those are exactly the cases where the first attempt may have been carried
// out, so a request that changes state carries its client's id and a call id, and every
// attempt of it the same ones: the masters answer a retry of a call they carried out with its
// first outcome (src/master/rpc/at-most-once.ts, HDFS's RetryCache).
import type { PeerId } from "@libp2p/interface";
import type { MetaRequest, MetaResponse } from "../protocol/pb/meta.ts";
import { answerOf, CHANGES_STATE, META_CHANNEL, metaRequest, newClientId, type CallKey, type MetaCall } from "../protocol/meta.ts";
import { errorCodeOf, isRetryable, WireError, type ErrorCode } from "../protocol/errors.ts";
import { MuxClient } from "../net/mux-rpc.ts";
import type { TesseraHost } from "../net/host.ts";

const META_RETRY_BACKOFF_MS_MIN = 50;
const META_RETRY_BACKOFF_MS_MAX = 200;
/**
 * A retry is not begun with less of the deadline left than this: an exchange cannot finish in
 * a few milliseconds, and its own timeout would replace the reason the earlier attempts gave.
 */
const META_ATTEMPT_MS_MIN = 100;
/**
 * An OVERLOADED refusal backs off further, and at random (full jitter): clients refused
 * together must not come back together, and a peer shedding load needs its excess to stay
 * away for about the time its queue takes to drain (its queue timeout, 500 ms).
 */
const META_OVERLOADED_BACKOFF_MS_MAX = 1_000;
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
  let overloadedBackoffMs = META_RETRY_BACKOFF_MS_MIN;
  let lastProblem = "no answer";
  for (;;) {
    let overloaded = false;
    try {
      const response = await send(Math.max(1, deadline - performance.now()));
      if (!response.error) return response;
      const code = errorCodeOf(response.error.code);
      if (!isRetryable(code)) throw new MetaRequestError(code, response.error.message);
      lastProblem = response.error.message;
      overloaded = code === "OVERLOADED";
    } catch (err) {
      if (err instanceof MetaRequestError) throw err;
      // Refused before it left (a request over its bound): asking again cannot help.
      if (err instanceof WireError && !isRetryable(err.code)) throw new MetaRequestError(err.code, err.message);
      lastProblem = (err as Error).message;
      await onTransportError?.(err);
    }
    // Full jitter over a doubling ceiling for OVERLOADED; the usual short steps otherwise.
    const waitMs = overloaded ? Math.ceil(Math.random() * overloadedBackoffMs) : backoffMs;
    if (performance.now() + waitMs + META_ATTEMPT_MS_MIN > deadline) {
      // Still refused for load at the deadline: say so, in the peer's own sentence, not "did not answer".
      if (overloaded) throw new MetaRequestError("OVERLOADED", `the cluster stayed overloaded until the deadline: ${lastProblem}`);
      throw new MetaRequestError("UNAVAILABLE", `the cluster did not answer in time: ${lastProblem}`);
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    if (overloaded) overloadedBackoffMs = Math.min(overloadedBackoffMs * 2, META_OVERLOADED_BACKOFF_MS_MAX);
    else backoffMs = Math.min(backoffMs * 2, META_RETRY_BACKOFF_MS_MAX);
  }
}

/** The ids of one client's calls: its client id, and call ids counted from 1 (unique per client id). */
export class CallIds {
  readonly clientId: string;
  private lastCallId = 0;

  /** `peerId`: the peer id this client's connections are authenticated as (the masters check it). */
  constructor(peerId: string) {
    this.clientId = newClientId(peerId);
  }

  next(): CallKey {
    this.lastCallId += 1;
    return { clientId: this.clientId, callId: this.lastCallId };
  }
}

/**
 * A typed MetaCall over `send` (one exchange, within a timeout): each call retries until its
 * deadline, and resolves with the answer its request kind is paired with. A request that
 * changes state is a call of `calls`: a new call id, the same for each of its attempts.
 */
export function retryingMetaCall(
  send: (request: MetaRequest, timeoutMs: number) => Promise<MetaResponse>,
  calls: CallIds,
  options: { deadlineMs?: number; onTransportError?: (err: unknown) => Promise<void>; user?: string } = {},
): MetaCall {
  return async (kind, body, user) => {
    // Built once: every attempt sends the same request, call id included.
    const request = metaRequest(kind, body, CHANGES_STATE[kind] ? calls.next() : undefined, user ?? options.user ?? "");
    const response = await callWithRetry((timeoutMs) => send(request, timeoutMs), options.deadlineMs ?? META_DEADLINE_MS_DEFAULT, options.onTransportError);
    return answerOf(kind, response);
  };
}

/** A multiplexed /tessera/meta/3 channel to `peer`: every metadata request of a client rides on it. */
export function metaChannel(host: TesseraHost, peer: string | PeerId): MuxClient<MetaRequest, MetaResponse> {
  return new MuxClient<MetaRequest, MetaResponse>(host, peer, META_CHANNEL);
}
