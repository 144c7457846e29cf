// TEMPORARY: the declarations of Part B's contract (branch s3-proto), so this branch type-checks
// before the merge, which replaces this file with the real module. Never run.
import type { ChecksumAlgorithm, VerifiedChecksum } from "./checksums.ts";
/** A request body of XML: 1,000 keys of 1,024 bytes (escaped) or 10,000 parts fit. */
export declare const XML_BODY_BYTES_MAX: number;
/** DeleteObjects takes at most 1,000 keys (S3's bound). */
export declare const DELETE_KEYS_MAX = 1000;
/** A multipart upload has parts 1..10,000. */
export declare const PARTS_MAX = 10000;
export interface Owner {
    id: string;
    displayName: string;
}
export interface ObjectEntry {
    key: string;
    lastModifiedMs: number;
    /** Quoted, as stored. */
    etag: string;
    sizeBytes: number;
    checksumAlgorithm?: ChecksumAlgorithm;
}
/**
 * encoding-type=url as S3 writes it: form encoding ('+' for a space), '/' left as is. Lets a
 * client receive keys with characters XML 1.0 cannot hold (most control characters).
 */
export declare function s3UrlEncode(text: string): string;
export declare function listBucketsXml(buckets: {
    name: string;
    creationDateMs: number;
}[], owner: Owner): string;
export interface ListObjectsV2Result {
    bucket: string;
    prefix: string;
    delimiter?: string;
    maxKeys: number;
    encodingType?: "url";
    startAfter?: string;
    continuationToken?: string;
    nextContinuationToken?: string;
    isTruncated: boolean;
    contents: ObjectEntry[];
    commonPrefixes: string[];
    /** Given when fetch-owner=true. */
    owner?: Owner;
}
export declare function listObjectsV2Xml(r: ListObjectsV2Result): string;
export interface ListObjectsV1Result {
    bucket: string;
    prefix: string;
    delimiter?: string;
    marker: string;
    /** S3 gives NextMarker only with a delimiter; without one, clients use the last key. */
    nextMarker?: string;
    maxKeys: number;
    encodingType?: "url";
    isTruncated: boolean;
    contents: ObjectEntry[];
    commonPrefixes: string[];
    owner: Owner;
}
export declare function listObjectsV1Xml(r: ListObjectsV1Result): string;
export declare function initiateMultipartXml(bucket: string, key: string, uploadId: string): string;
export declare function completeMultipartResultXml(r: {
    location: string;
    bucket: string;
    key: string;
    etag: string;
    checksum?: VerifiedChecksum;
}): string;
export interface PartEntry {
    partNumber: number;
    lastModifiedMs: number;
    /** Quoted. */
    etag: string;
    sizeBytes: number;
    checksum?: VerifiedChecksum;
}
export interface ListPartsResult {
    bucket: string;
    key: string;
    uploadId: string;
    partNumberMarker: number;
    nextPartNumberMarker?: number;
    maxParts: number;
    isTruncated: boolean;
    parts: PartEntry[];
    owner: Owner;
    checksumAlgorithm?: ChecksumAlgorithm;
}
export declare function listPartsXml(r: ListPartsResult): string;
export interface ListMultipartUploadsResult {
    bucket: string;
    prefix: string;
    delimiter?: string;
    keyMarker: string;
    uploadIdMarker: string;
    nextKeyMarker?: string;
    nextUploadIdMarker?: string;
    maxUploads: number;
    encodingType?: "url";
    isTruncated: boolean;
    uploads: {
        key: string;
        uploadId: string;
        initiatedMs: number;
    }[];
    commonPrefixes: string[];
    owner: Owner;
}
export declare function listMultipartUploadsXml(r: ListMultipartUploadsResult): string;
export declare function copyObjectResultXml(etag: string, lastModifiedMs: number, checksum?: VerifiedChecksum): string;
export declare function copyPartResultXml(etag: string, lastModifiedMs: number, checksum?: VerifiedChecksum): string;
export declare function deleteResultXml(r: {
    deleted: string[];
    errors: {
        key: string;
        code: string;
        message: string;
    }[];
}): string;
/** GetBucketLocation: S3 answers an empty constraint for us-east-1. */
export declare function locationXml(region: string): string;
/**
 * CompleteMultipartUpload's body: the parts in the order given, ETags without quotes, and any
 * checksums per part. MalformedXML for anything not of that form (no parts, a part number out
 * of 1..10,000, a missing ETag); InvalidPartOrder unless part numbers strictly ascend.
 */
export declare function parseCompleteMultipart(body: string | Uint8Array): {
    partNumber: number;
    etag: string;
    checksums: Partial<Record<ChecksumAlgorithm, string>>;
}[];
/** DeleteObjects' body: 1..1,000 keys, as given (spaces kept), and Quiet. */
export declare function parseDelete(body: string | Uint8Array): {
    keys: string[];
    quiet: boolean;
};
/**
 * Reads a request body of XML, stopping at XML_BODY_BYTES_MAX (MaxMessageLengthExceeded)
 * rather than holding whatever a client sends.
 */
export declare function readXmlBody(body: AsyncIterable<Uint8Array> | null): Promise<Uint8Array>;
