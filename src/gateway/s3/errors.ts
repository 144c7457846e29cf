// S3's errors: a code, an HTTP status and a message, answered as S3's XML body
// (<Error><Code/><Message/><Resource/><RequestId/></Error>). Clients branch on the code and
// retry on the status (the AWS SDKs retry 500 and 503), so both follow S3's own table.
import { codeOf, ERROR_CODES, OVERLOADED_RETRY_AFTER_SECONDS, type ErrorCode } from "../../protocol/errors.ts";

export class S3Error extends Error {
  override name = "S3Error";
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }

  // --- authentication (S3 answers 403 for every failure of a signature) ---------------------
  static accessDenied(message = "Access Denied"): S3Error {
    return new S3Error("AccessDenied", 403, message);
  }
  static invalidAccessKeyId(): S3Error {
    return new S3Error("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.");
  }
  static signatureDoesNotMatch(message = "The request signature we calculated does not match the signature you provided. Check your key and signing method."): S3Error {
    return new S3Error("SignatureDoesNotMatch", 403, message);
  }
  static authorizationHeaderMalformed(message: string): S3Error {
    return new S3Error("AuthorizationHeaderMalformed", 400, message);
  }
  static authorizationQueryParametersError(message: string): S3Error {
    return new S3Error("AuthorizationQueryParametersError", 400, message);
  }
  static requestTimeTooSkewed(): S3Error {
    return new S3Error("RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large.");
  }

  // --- the request ------------------------------------------------------------------------
  static invalidArgument(message: string): S3Error {
    return new S3Error("InvalidArgument", 400, message);
  }
  static invalidRequest(message: string): S3Error {
    return new S3Error("InvalidRequest", 400, message);
  }
  static incompleteBody(message = "You did not provide the number of bytes specified by the Content-Length HTTP header."): S3Error {
    return new S3Error("IncompleteBody", 400, message);
  }
  static malformedXml(): S3Error {
    return new S3Error("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema.");
  }
  static maxMessageLengthExceeded(): S3Error {
    return new S3Error("MaxMessageLengthExceeded", 400, "Your request was too big.");
  }
  static invalidBucketName(message = "The specified bucket is not valid."): S3Error {
    return new S3Error("InvalidBucketName", 400, message);
  }
  static keyTooLong(): S3Error {
    return new S3Error("KeyTooLongError", 400, "Your key is too long.");
  }
  static invalidRange(): S3Error {
    return new S3Error("InvalidRange", 416, "The requested range is not satisfiable.");
  }
  static notImplemented(message = "A header you provided implies functionality that is not implemented."): S3Error {
    return new S3Error("NotImplemented", 501, message);
  }

  // --- integrity --------------------------------------------------------------------------
  static badDigest(message = "The Content-MD5 you specified did not match what we received."): S3Error {
    return new S3Error("BadDigest", 400, message);
  }
  static invalidDigest(): S3Error {
    return new S3Error("InvalidDigest", 400, "The Content-MD5 you specified is not valid.");
  }
  static contentSha256Mismatch(): S3Error {
    return new S3Error("XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }

  // --- buckets, objects, uploads ----------------------------------------------------------
  static noSuchBucket(): S3Error {
    return new S3Error("NoSuchBucket", 404, "The specified bucket does not exist.");
  }
  static noSuchKey(): S3Error {
    return new S3Error("NoSuchKey", 404, "The specified key does not exist.");
  }
  static noSuchUpload(): S3Error {
    return new S3Error("NoSuchUpload", 404, "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.");
  }
  static bucketAlreadyOwnedByYou(): S3Error {
    return new S3Error("BucketAlreadyOwnedByYou", 409, "The bucket you tried to create already exists, and you own it.");
  }
  static bucketNotEmpty(): S3Error {
    return new S3Error("BucketNotEmpty", 409, "The bucket you tried to delete is not empty.");
  }
  static invalidPart(message = "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag."): S3Error {
    return new S3Error("InvalidPart", 400, message);
  }
  static invalidPartOrder(): S3Error {
    return new S3Error("InvalidPartOrder", 400, "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
  }
  static entityTooSmall(): S3Error {
    return new S3Error("EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size.");
  }
  static entityTooLarge(): S3Error {
    return new S3Error("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size.");
  }
  static preconditionFailed(): S3Error {
    return new S3Error("PreconditionFailed", 412, "At least one of the preconditions you specified did not hold.");
  }
  static methodNotAllowed(): S3Error {
    return new S3Error("MethodNotAllowed", 405, "The specified method is not allowed against this resource.");
  }
  static internal(): S3Error {
    return new S3Error("InternalError", 500, "We encountered an internal error. Please try again.");
  }
  /**
   * S3's answer to a request rate it cannot serve: the AWS SDKs retry SlowDown with backoff
   * (it is in their throttling list). The gateway's own admission and the masters' OVERLOADED
   * both come out as this, with Retry-After.
   */
  static slowDown(): S3Error {
    const error = new S3Error("SlowDown", 503, "Please reduce your request rate.");
    (error as S3Error & { headers?: Record<string, string> }).headers = { "retry-after": String(OVERLOADED_RETRY_AFTER_SECONDS) };
    return error;
  }
  static serviceUnavailable(): S3Error {
    return new S3Error("ServiceUnavailable", 503, "The cluster is not available right now. Please try again.");
  }
}

/**
 * XML's five escapes, and CR as a reference (a parser turns a literal CR into LF); also used
 * by xml.ts for every text it writes.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => XML_ESCAPES[c] ?? c);
}
const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#13;" };

/** S3's error body. `resource` is the request's path (the bucket or object). */
export function errorXml(error: S3Error, resource: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>` +
    `<Resource>${escapeXml(resource)}</Resource><RequestId>${escapeXml(requestId)}</RequestId></Error>`
  );
}

// Conflicts of the namespace that a retry a moment later may not meet: S3's word for them.
const CONFLICTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "LEASE_HELD",
  "NOT_LEASE_HOLDER",
  "FILE_CLOSED",
  "CHUNK_UNCOMMITTED",
  "VERSION_MISMATCH",
  "CHUNK_BUSY",
  "BUSY",
  "CHUNK_EXISTS",
  "CHUNK_STALE",
]);

/**
 * The S3 error for a failure of the cluster (a WireError of protocol/errors.ts, or anything
 * else). Generic: NOT_FOUND is NoSuchKey here, and the caller says NoSuchBucket or NoSuchUpload
 * where it knows better. Client faults keep the wire's message (it names the path and the
 * rule); server faults get S3's generic text, so no internals (peer ids, stacks) leak.
 */
export function s3ErrorFromWire(error: unknown): S3Error {
  if (error instanceof S3Error) return error;
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case "NOT_FOUND":
      return S3Error.noSuchKey();
    case "INVALID":
    case "INVALID_PATH":
    case "INVALID_CHUNK_ID":
      return S3Error.invalidArgument(message);
    case "LIMIT":
    case "CHUNK_TOO_LARGE":
      return S3Error.invalidRequest(message);
    case "NOT_EMPTY":
      return S3Error.bucketNotEmpty();
    case "NOT_A_DIRECTORY":
      // S3 keys "a" and "a/b" may coexist; a file system's cannot (MinIO answers alike).
      return new S3Error("ParentIsObject", 400, "A prefix of the key is an object: a key cannot be an object and a folder of other keys at once.");
    case "NOT_A_FILE":
      return new S3Error("ObjectExistsAsDirectory", 409, "The key names a folder of other keys, not an object.");
    case "ALREADY_EXISTS":
      return new S3Error("OperationAborted", 409, "A conflicting object or folder exists at that name.");
    case "CHUNK_RANGE":
      return S3Error.invalidRange();
    case "OVERLOADED":
      return S3Error.slowDown();
    case "PERMISSION_DENIED":
      // The key's user may not (HDFS's permissions, checked by the masters): the wire's message
      // names the user, the access and the inode, which is what the user needs to ask for.
      return S3Error.accessDenied(message);
    default:
      break;
  }
  if (CONFLICTS.has(code)) {
    return new S3Error("OperationAborted", 409, "A conflicting conditional operation is currently in progress against this resource. Try again.");
  }
  // Retryable failures and the cluster being full: 503 makes every SDK back off and retry.
  if (ERROR_CODES[code].retryable || code === "NO_PEERS") return S3Error.serviceUnavailable();
  return S3Error.internal();
}
