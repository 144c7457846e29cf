// TEMPORARY: the declarations of Part B's contract (branch s3-proto), so this branch type-checks
// before the merge, which replaces this file with the real module. Never run.
/** S3's bound on a key, in UTF-8 bytes (KeyTooLongError past it). */
export declare const KEY_BYTES_MAX = 1024;
/** The gateway's own folder in each bucket (uploads in progress, multipart parts). */
export declare const INTERNAL_FOLDER = ".tessera-s3";
/** S3's rules for general purpose bucket names; throws InvalidBucketName saying which. */
export declare function checkBucketName(name: string): void;
export declare function isValidBucketName(name: string): boolean;
/**
 * The path of a key: "/bucket/key". A key ending in "/" is a folder marker (the folder
 * "/bucket/key-without-slash"). Refused: an empty key or one over 1,024 bytes
 * (KeyTooLongError); and with InvalidArgument, a key the namespace cannot hold: an empty
 * segment ("a//b", a leading '/'), a "." or ".." segment, a control character (U+0000-U+001F,
 * U+007F-U+009F), a lone surrogate, a segment over 255 bytes, or a segment named ".tessera-s3".
 * The bucket name is not checked here (checkBucketName).
 */
export declare function objectPath(bucket: string, key: string): {
    path: string;
    folderMarker: boolean;
};
/** The key of a path under "/bucket" (a folder marker's key ends in "/"); the inverse of objectPath. */
export declare function keyOfPath(bucket: string, path: string, folder: boolean): string;
