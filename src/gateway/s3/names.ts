// Bucket names and keys, mapped onto the namespace: bucket "b" is the top-level folder "/b",
// key "k" is "/b/k". A key must be a path of the namespace (src/protocol/paths.ts): S3 allows
// keys a tree of names cannot hold ("a//b", "../x"), and those are refused, not rewritten, so
// what a client lists is exactly what it wrote.
import { bucketNameProblem, isBucketName } from "../../protocol/bucket-names.ts";
import { InvalidPathError } from "../../protocol/errors.ts";
import { validateName } from "../../protocol/paths.ts";
import { S3Error } from "./errors.ts";

/** S3's bound on a key, in UTF-8 bytes (KeyTooLongError past it). */
export const KEY_BYTES_MAX = 1024;
/** The gateway's own folder in each bucket (uploads in progress, multipart parts). */
export const INTERNAL_FOLDER = ".tessera-s3";

/** S3's rules for general purpose bucket names (protocol/bucket-names.ts); throws InvalidBucketName saying which. */
export function checkBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem !== undefined) throw S3Error.invalidBucketName(`The specified bucket is not valid: ${problem}`);
}

export function isValidBucketName(name: string): boolean {
  return isBucketName(name);
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * The path of a key: "/bucket/key". A key ending in "/" is a folder marker (the folder
 * "/bucket/key-without-slash"). Refused: an empty key or one over 1,024 bytes
 * (KeyTooLongError); and with InvalidArgument, a key the namespace cannot hold: an empty
 * segment ("a//b", a leading '/'), a "." or ".." segment, a control character (U+0000-U+001F,
 * U+007F-U+009F), a lone surrogate, a segment over 255 bytes, or a segment named ".tessera-s3".
 * The bucket name is not checked here (checkBucketName).
 */
export function objectPath(bucket: string, key: string): { path: string; folderMarker: boolean } {
  if (key.length === 0) throw S3Error.invalidArgument("An object key must not be empty.");
  if (key.length > KEY_BYTES_MAX || utf8Bytes(key) > KEY_BYTES_MAX) throw S3Error.keyTooLong();
  const folderMarker = key.endsWith("/");
  const body = folderMarker ? key.slice(0, -1) : key;
  if (body.length === 0) throw S3Error.invalidArgument('The key "/" is not a name: a key may not begin with "/".');
  for (const segment of body.split("/")) {
    if (segment === INTERNAL_FOLDER) throw S3Error.invalidArgument(`A key may not have a segment named ${INTERNAL_FOLDER} (the gateway's own folder).`);
    try {
      validateName(segment, `/${bucket}/${key}`);
    } catch (err) {
      if (err instanceof InvalidPathError) throw S3Error.invalidArgument(`The key cannot be stored: ${err.message}`);
      throw err;
    }
  }
  return { path: `/${bucket}/${body}`, folderMarker };
}

/** The key of a path under "/bucket" (a folder marker's key ends in "/"); the inverse of objectPath. */
export function keyOfPath(bucket: string, path: string, folder: boolean): string {
  const prefix = `/${bucket}/`;
  if (!path.startsWith(prefix) || path.length === prefix.length) throw new Error(`keyOfPath: ${path} is not under /${bucket}.`);
  const key = path.slice(prefix.length);
  return folder ? `${key}/` : key;
}
