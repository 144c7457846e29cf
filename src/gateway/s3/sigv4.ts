// TEMPORARY: the declarations of Part B's contract (branch s3-proto), so this branch type-checks
// before the merge, which replaces this file with the real module. Never run.
export declare const ALGORITHM = "AWS4-HMAC-SHA256";
/** S3 refuses a header-signed request whose x-amz-date is further than this from its clock. */
export declare const CLOCK_SKEW_MS_MAX: number;
/** A presigned URL lives at most 7 days (X-Amz-Expires <= 604800), as on S3. */
export declare const PRESIGNED_EXPIRES_SECONDS_MAX: number;
export declare const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export declare const STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
export declare const STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
export declare const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
export declare const EMPTY_SHA256_HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
export interface SignedRequestInput {
    method: string;
    /** The path as sent, still %-encoded. */
    rawPath: string;
    /** The query as sent, without '?'. */
    rawQuery: string;
    headers: Headers;
    nowMs: number;
}
export interface AccessKey {
    accessKeyId: string;
    secret: string;
    name: string;
    buckets: string[];
    readOnly: boolean;
}
/** What an aws-chunked body's chunk signatures chain from: the request's own signature. */
export interface ChunkSigningContext {
    signingKey: Uint8Array;
    /** x-amz-date of the request, "20130524T000000Z". */
    amzDate: string;
    /** "20130524/us-east-1/s3/aws4_request". */
    scope: string;
    seedSignature: string;
}
export type PayloadMode = {
    kind: "sha256";
    hex: string;
} | {
    kind: "unsigned";
} | {
    kind: "streaming-signed";
    trailer: boolean;
    seed: ChunkSigningContext;
} | {
    kind: "streaming-unsigned-trailer";
};
/**
 * Checks a request's signature; answers the key that signed it and how its body is covered.
 * Throws S3Error: AccessDenied (anonymous, or an expired presigned URL), InvalidAccessKeyId,
 * SignatureDoesNotMatch, AuthorizationHeaderMalformed, AuthorizationQueryParametersError,
 * RequestTimeTooSkewed, InvalidArgument (an x-amz-content-sha256 S3 does not know).
 * Whether the key may touch the bucket, and read-only keys, are the caller's to check.
 */
export declare function verifySigV4(input: SignedRequestInput, lookup: (accessKeyId: string) => Promise<AccessKey | undefined>): Promise<{
    key: AccessKey;
    payload: PayloadMode;
}>;
/** "20130524T000000Z" as ms since the epoch, or undefined if it is not that form. */
export declare function parseAmzDate(text: string): number | undefined;
/**
 * The path encoded as SigV4 wants it (each byte but A-Z a-z 0-9 - . _ ~ as %XX), from the
 * path as sent: clients disagree on what to escape (some leave '=' or '@', some use lower case
 * hex), so each segment is decoded and encoded again. '%2F' inside a segment stays '%2F'.
 */
export declare function canonicalUri(rawPath: string): string;
/** RFC 3986 encoding as SigV4 specifies it: everything but the unreserved characters. */
export declare function uriEncode(text: string): string;
/** The query's name/value pairs, decoded ('+' is a space, as HTML forms write it). */
export declare function parseQuery(rawQuery: string): [string, string][];
export declare function sha256Hex(data: string | Uint8Array): string;
export declare function hmac(key: Uint8Array | string, data: string): Buffer;
export declare function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer;
/** Constant-time comparison of two hex signatures (a timing oracle would leak a valid one byte by byte). */
export declare function hexEqual(a: string, b: string): boolean;
/** A chunk's signature (S3 "Transferring Payload in Multiple Chunks"), chained from the one before. */
export declare function chunkSignature(context: ChunkSigningContext, previousSignature: string, chunkSha256Hex: string): string;
/** The trailing headers' signature (S3 "Including Trailing Headers"), chained from the final chunk's. */
export declare function trailerSignature(context: ChunkSigningContext, previousSignature: string, canonicalTrailers: string): string;
