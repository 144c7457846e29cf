// Under-storage failures in words a user can act on (issue 16, docs/cache.md). Every scheme
// throws UnderStorageError; the broker (src/cache/broker.ts) turns it into the wire's
// RequestError with the same code. A message names the endpoint, the bucket or the folder, never
// a credential: endpoints lose any user:password part, and servers' own texts of refused
// signatures (which echo what was signed) are not repeated.
import type { UnderStorageErrorCode } from "./under-storage.ts";

export class UnderStorageError extends Error {
  override name = "UnderStorageError";
  constructor(
    readonly code: UnderStorageErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What an S3 error message may say about where the call went. */
export interface S3ErrorContext {
  /** As the user gave it (option `endpoint`), or undefined for AWS. */
  endpoint: string | undefined;
  region: string;
  bucket: string;
  /** The key the call was about, when one. */
  key?: string;
}

// Network failures as Node, Bun and the SDK name them: each means the server did not answer.
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "ConnectionRefused",
  "ConnectionClosed",
  "FailedToOpenSocket",
]);
const UNREACHABLE_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException", "DNSException", "AbortError", "NetworkingError"]);
const DENIED_NAMES = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "Forbidden", "ExpiredToken", "InvalidToken", "CredentialsProviderError"]);

/** The endpoint as a message may show it: no user or password, no query. */
export function shownEndpoint(context: Pick<S3ErrorContext, "endpoint" | "region">): string {
  if (context.endpoint === undefined) return `AWS S3 (${context.region})`;
  try {
    const url = new URL(context.endpoint);
    return `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`;
  } catch {
    return "the configured endpoint";
  }
}

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

/** Maps anything an S3 call threw to an UnderStorageError with one sentence. */
export function s3Error(err: unknown, context: S3ErrorContext): UnderStorageError {
  if (err instanceof UnderStorageError) return err;
  const shape = (typeof err === "object" && err !== null ? err : {}) as SdkErrorShape;
  const name = typeof shape.name === "string" ? shape.name : "";
  const code = typeof shape.code === "string" ? shape.code : "";
  const status = typeof shape.$metadata?.httpStatusCode === "number" ? shape.$metadata.httpStatusCode : 0;
  const where = shownEndpoint(context);
  const object = context.key === undefined ? `the bucket ${context.bucket}` : `s3://${context.bucket}/${context.key}`;
  const causeCode = typeof (shape.cause as SdkErrorShape | undefined)?.code === "string" ? ((shape.cause as SdkErrorShape).code as string) : "";

  if (UNREACHABLE_CODES.has(code) || UNREACHABLE_CODES.has(causeCode) || UNREACHABLE_NAMES.has(name)) {
    const why = code || causeCode || name;
    return new UnderStorageError("UNAVAILABLE", `the under-storage at ${where} does not answer (${why}): check the endpoint and that the server is up`);
  }
  if (name === "CredentialsProviderError") {
    return new UnderStorageError("PERMISSION_DENIED", `no S3 credentials were found for ${where}: give the mount access_key and secret_key, or set up the SDK's default chain (environment, ~/.aws, an instance role)`);
  }
  if (name === "NoSuchBucket") return new UnderStorageError("NOT_FOUND", `the bucket ${context.bucket} does not exist at ${where}`);
  if (name === "PreconditionFailed" || status === 412) return new UnderStorageError("CHANGED", `${object} changed in the under-storage; read it again`);
  if (name === "NoSuchKey" || name === "NotFound" || status === 404) return new UnderStorageError("NOT_FOUND", `${object} does not exist at ${where}`);
  if (name === "InvalidAccessKeyId") return new UnderStorageError("PERMISSION_DENIED", `the under-storage at ${where} does not know the access key: check access_key`);
  if (name === "SignatureDoesNotMatch") return new UnderStorageError("PERMISSION_DENIED", `the under-storage at ${where} refused the signature: check secret_key`);
  if (DENIED_NAMES.has(name) || status === 403 || status === 401) {
    return new UnderStorageError("PERMISSION_DENIED", `the under-storage at ${where} refused access to ${object}: check the credentials and the bucket's policy`);
  }
  if (status >= 500 || name === "SlowDown" || name === "ServiceUnavailable" || name === "InternalError") {
    return new UnderStorageError("UNAVAILABLE", `the under-storage at ${where} failed (${name || `HTTP ${status}`}): try again later`);
  }
  // Anything else is a request the server refused for a reason of its own: its name says which.
  const text = typeof shape.message === "string" && shape.message && name !== "Unknown" ? `: ${shape.message.slice(0, 200)}` : "";
  return new UnderStorageError("INVALID", `the under-storage at ${where} refused a request about ${object} (${name || `HTTP ${status}`})${text}`);
}

/** Maps a file-system error of the folder scheme to an UnderStorageError. */
export function fileError(err: unknown, what: string): UnderStorageError {
  if (err instanceof UnderStorageError) return err;
  const code = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : "";
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return new UnderStorageError("NOT_FOUND", `${what} does not exist`);
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new UnderStorageError("PERMISSION_DENIED", `this peer may not access ${what} (${code}): check the folder's owner and mode`);
    case "EIO":
    case "ESTALE":
    case "ETIMEDOUT":
    case "EHOSTDOWN":
    case "ENOSPC":
      return new UnderStorageError("UNAVAILABLE", `${what} cannot be reached or written now (${code}): check the share`);
    case "EISDIR":
      return new UnderStorageError("INVALID", `${what} is a folder, not a file`);
    case "ENOTEMPTY":
    case "EEXIST":
      return new UnderStorageError("INVALID", `${what} is a folder that is not empty`);
    default:
      return new UnderStorageError("UNAVAILABLE", `${what} failed (${code || (err instanceof Error ? err.message : String(err))})`);
  }
}
