// TEMPORARY: the declarations of Part B's contract (branch s3-proto), so this branch type-checks
// before the merge, which replaces this file with the real module. Never run.
export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "SHA1" | "SHA256";
export declare const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[];
export declare function checksumHeader(algorithm: ChecksumAlgorithm): string;
/** CRC-32C of `bytes` continuing from `previous` (0 to start), as an unsigned 32-bit number. */
export declare function crc32c(bytes: Uint8Array, previous?: number): number;
export interface DigestChoice {
    md5: true;
    sha256?: boolean;
    checksum?: ChecksumAlgorithm;
}
/**
 * Everything to compute over one body, in one pass. Read the results only after the last
 * update: a digest is final once read.
 */
export declare class BodyDigests {
    readonly algorithms: DigestChoice;
    private readonly md5;
    private readonly sha256;
    private readonly checksum;
    private md5Digest;
    private sha256Digest;
    sizeBytes: number;
    constructor(algorithms: DigestChoice);
    update(bytes: Uint8Array): void;
    private md5Bytes;
    md5Hex(): string;
    md5Base64(): string;
    sha256Hex(): string;
    checksumBase64(): string | undefined;
}
export interface ExpectedChecksums {
    /** Content-MD5 as sent (base64 of 16 bytes). */
    contentMd5?: string;
    /** The algorithm of an x-amz-checksum-* header, or of x-amz-sdk-checksum-algorithm / x-amz-trailer. */
    algorithm?: ChecksumAlgorithm;
    /** The x-amz-checksum-* header's value (base64); absent when it comes as a trailer. */
    value?: string;
    /** The algorithm of the checksum announced in x-amz-trailer, to be read from the trailers. */
    trailerAlgorithm?: ChecksumAlgorithm;
}
/**
 * The checksums a request announces. Throws InvalidRequest for two checksum headers, a
 * trailer that is not one checksum, or an algorithm that disagrees with
 * x-amz-sdk-checksum-algorithm; NotImplemented for CRC64NVME (not computed here).
 */
export declare function expectedChecksums(headers: Headers): ExpectedChecksums;
/** The BodyDigests a request needs: MD5 always, SHA-256 when the payload is signed by hash, its checksum. */
export declare function digestsFor(expected: ExpectedChecksums, options: {
    sha256: boolean;
}): BodyDigests;
export interface VerifiedChecksum {
    algorithm: ChecksumAlgorithm;
    /** base64, as S3 returns it in x-amz-checksum-* with x-amz-checksum-mode: ENABLED. */
    value: string;
}
/**
 * Checks a finished body against what the request announced, before the object may become
 * visible. Throws S3Error: InvalidDigest (a Content-MD5 that is not base64 of 16 bytes),
 * BadDigest (Content-MD5 or a checksum differs), XAmzContentSHA256Mismatch (the signed
 * payload hash differs), InvalidRequest (a checksum value of the wrong form, or an announced
 * trailer or checksum that never came). Answers the checksum to store, if any.
 */
export declare function verifyDigests(digests: BodyDigests, expected: ExpectedChecksums, options?: {
    contentSha256Hex?: string;
    trailers?: Headers;
}): VerifiedChecksum | undefined;
/**
 * A multipart object's ETag (unquoted): the MD5 of the parts' binary MD5s, then "-" and the
 * count. Clients (s3cmd, rclone, the AWS CLI's sync) recompute it to check a download.
 */
export declare function multipartEtag(partMd5Hex: string[]): string;
/** An ETag as S3 sends it: in double quotes. */
export declare function quoteEtag(etag: string): string;
/** An ETag as a client sent it (quoted or not, weak or not) without its quotes. */
export declare function unquoteEtag(etag: string): string;
