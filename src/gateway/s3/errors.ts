// TEMPORARY: the declarations of Part B's contract (branch s3-proto), so this branch type-checks
// before the merge, which replaces this file with the real module. Never run.
export declare class S3Error extends Error {
    readonly code: string;
    readonly status: number;
    name: string;
    constructor(code: string, status: number, message: string);
    static accessDenied(message?: string): S3Error;
    static invalidAccessKeyId(): S3Error;
    static signatureDoesNotMatch(message?: string): S3Error;
    static authorizationHeaderMalformed(message: string): S3Error;
    static authorizationQueryParametersError(message: string): S3Error;
    static requestTimeTooSkewed(): S3Error;
    static invalidArgument(message: string): S3Error;
    static invalidRequest(message: string): S3Error;
    static incompleteBody(message?: string): S3Error;
    static malformedXml(): S3Error;
    static maxMessageLengthExceeded(): S3Error;
    static invalidBucketName(message?: string): S3Error;
    static keyTooLong(): S3Error;
    static invalidRange(): S3Error;
    static notImplemented(message?: string): S3Error;
    static badDigest(message?: string): S3Error;
    static invalidDigest(): S3Error;
    static contentSha256Mismatch(): S3Error;
    static noSuchBucket(): S3Error;
    static noSuchKey(): S3Error;
    static noSuchUpload(): S3Error;
    static bucketAlreadyOwnedByYou(): S3Error;
    static bucketNotEmpty(): S3Error;
    static invalidPart(message?: string): S3Error;
    static invalidPartOrder(): S3Error;
    static entityTooSmall(): S3Error;
    static entityTooLarge(): S3Error;
    static preconditionFailed(): S3Error;
    static methodNotAllowed(): S3Error;
    static internal(): S3Error;
    static serviceUnavailable(): S3Error;
}
/** XML's five escapes; also used by xml.ts for every text it writes. */
export declare function escapeXml(text: string): string;
/** S3's error body. `resource` is the request's path (the bucket or object). */
export declare function errorXml(error: S3Error, resource: string, requestId: string): string;
/**
 * The S3 error for a failure of the cluster (a WireError of protocol/errors.ts, or anything
 * else). Generic: NOT_FOUND is NoSuchKey here, and the caller says NoSuchBucket or NoSuchUpload
 * where it knows better. Client faults keep the wire's message (it names the path and the
 * rule); server faults get S3's generic text, so no internals (peer ids, stacks) leak.
 */
export declare function s3ErrorFromWire(error: unknown): S3Error;
