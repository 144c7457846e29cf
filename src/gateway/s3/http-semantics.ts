// TEMPORARY: the declarations of Part B's contract (branch s3-proto), so this branch type-checks
// before the merge, which replaces this file with the real module. Never run.
/**
 * The byte range of a Range header over an object of `sizeBytes`: inclusive start and end,
 * "whole" when there is no usable Range (absent, malformed, not bytes, or several ranges: S3
 * serves one range only and ignores the rest of RFC 9110's forms, answering 200 with the whole
 * object), "unsatisfiable" (416 InvalidRange) when the range starts at or past the end, or is a
 * suffix of zero bytes.
 */
export declare function parseRange(header: string | null, sizeBytes: number): {
    start: number;
    end: number;
} | "whole" | "unsatisfiable";
/**
 * The status the preconditions of a GET or HEAD call for: 412 (PreconditionFailed), 304 (Not
 * Modified) or 200 (serve it). If-Match, then If-Unmodified-Since (ignored when If-Match is
 * present); If-None-Match, then If-Modified-Since (ignored when If-None-Match is present).
 * An unparseable date is ignored. Times compare at whole seconds, as HTTP dates carry.
 */
export declare function evaluateConditions(headers: Headers, object: {
    etag: string;
    mtimeMs: number;
}, method: "GET" | "HEAD"): 200 | 304 | 412;
