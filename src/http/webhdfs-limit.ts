// The WebHDFS rate limit, applied by the admin HTTP thread before it forwards a request to the
// peer's thread (http-worker.ts): a flood from one address costs that thread a map lookup per
// request and the peer's thread nothing, while other clients are served (SECURITY.md).
import { RateLimiter } from "../util/rate-limiter.ts";

/**
 * WebHDFS requests one client address may send: a burst, then a rate; generous for a real
 * client (a LISTSTATUS_BATCH walk, fsspec's reads), a bound for a flood.
 */
export const WEBHDFS_RATE_PER_SECOND = 2_000;
export const WEBHDFS_RATE_BURST = 4_000;
/** Addresses remembered at once (least recently seen forgotten first). */
const WEBHDFS_RATE_KEYS_MAX = 10_000;
/** Seconds a refused client waits before trying again (Retry-After). */
export const WEBHDFS_RETRY_AFTER_SECONDS = 1;

export function webHdfsLimiter(nowMs?: () => number): RateLimiter {
  return new RateLimiter({ ratePerSecond: WEBHDFS_RATE_PER_SECOND, burst: WEBHDFS_RATE_BURST, keysMax: WEBHDFS_RATE_KEYS_MAX, ...(nowMs ? { nowMs } : {}) });
}

/**
 * The answer to a client over its rate: 429, Retry-After, and Hadoop's RemoteException with
 * RetriableException (clients retry it), in the shape gateway/webhdfs/errors.ts builds; built
 * here because this thread answers before anything reaches the gateway.
 */
export function webHdfsTooManyRequests(): Response {
  const body = { RemoteException: { exception: "RetriableException", javaClassName: "org.apache.hadoop.ipc.RetriableException", message: "too many requests from this client: slow down and retry" } };
  return new Response(JSON.stringify(body), { status: 429, headers: { "content-type": "application/json", "retry-after": String(WEBHDFS_RETRY_AFTER_SECONDS) } });
}
