// One metadata request, retried through elections and leader moves until a deadline: the
// answers NOT_LEADER, NO_LEADER, UNAVAILABLE and TIMEOUT mean "ask again shortly"; every
// other error code is the request's real outcome and is thrown as MetaRequestError.
import type { MetaResponse } from "../master/pb/meta.ts";

const RETRYABLE_META_ERRORS = new Set(["NOT_LEADER", "NO_LEADER", "UNAVAILABLE", "TIMEOUT"]);
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
      if (!RETRYABLE_META_ERRORS.has(response.errorCode)) throw new MetaRequestError(response.errorCode, response.errorMessage);
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
