// TEMPORARY: the declarations of Part B's contract (branch s3-proto), so this branch type-checks
// before the merge, which replaces this file with the real module. Never run.
import { type ChunkSigningContext } from "./sigv4.ts";
/** A chunk header line ("<hex>;chunk-signature=<64 hex>" is 81 bytes); extensions beyond are refused. */
export declare const CHUNK_HEADER_BYTES_MAX = 4096;
/**
 * One chunk's data. Data is streamed through, never held, so this bounds arithmetic and
 * nonsense only: an SDK sends its source stream's pieces as chunks (one whole buffer for
 * `Readable.from(buffer)`), so the bound is S3's largest single PUT, 5 GiB.
 */
export declare const CHUNK_BYTES_MAX: number;
/** All trailing header lines together. */
export declare const TRAILERS_BYTES_MAX: number;
export interface AwsChunkedOptions {
    /** Verify each chunk's chunk-signature (and the trailer's) from this seed. */
    signing?: ChunkSigningContext;
    /** Trailing headers follow the final chunk. */
    trailer: boolean;
    /** x-amz-decoded-content-length: the data must be exactly this long. */
    decodedLengthBytes?: number;
}
/**
 * Decodes an aws-chunked body. `data` yields the object's bytes; `trailers` resolves to the
 * trailing headers (names lower case) once `data` is finished, and rejects with the same error
 * when it fails. Throws (from `data`) S3Error: IncompleteBody when the body ends early or the
 * data is shorter than x-amz-decoded-content-length, SignatureDoesNotMatch for a bad chunk or
 * trailer signature, InvalidRequest for anything malformed or over its bound.
 */
export declare function decodeAwsChunked(body: AsyncIterable<Uint8Array>, options: AwsChunkedOptions): {
    data: AsyncIterable<Uint8Array>;
    trailers: Promise<Headers>;
};
