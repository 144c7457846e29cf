// What every S3 operation handler gets: the cluster's file system, the request as parsed and
// authenticated by server.ts, and the few lookups they share (an object's path and state, the
// bucket's internal folders).
import { createHash, randomUUID } from "node:crypto";
import type { FileRangeReader, FileSystemClient, StatView } from "../../client/fs.ts";
import { codeOf } from "../../protocol/errors.ts";
import type { Logger } from "../../util/log.ts";
import { INTERNAL_FOLDER, S3_ATTRIBUTE, type Attributes } from "./attributes.ts";
import { S3Error, s3ErrorFromWire } from "./errors.ts";
import type { AccessKeyRecord } from "./keys.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { objectPath } from "./names.ts";
import type { PayloadMode } from "./sigv4.ts";
import type { Owner } from "./xml.ts";

export interface GatewayDeps {
  /** The file system as the request's key's user (the gateway's own client for a key without one). */
  fs: FileSystemClient;
  /** The gateway's own client, the superuser: its internal folders and the sweep of expired uploads. */
  gatewayFs: FileSystemClient;
  metrics: GatewayMetrics;
  /** The region GetBucketLocation answers (clients may sign for any). */
  region: string;
  owner: Owner;
  log: Logger;
  /** Buckets whose internal folders this gateway has seen (or made): a write checks once per bucket. */
  readyBuckets: Set<string>;
}

export interface S3Call {
  deps: GatewayDeps;
  requestId: string;
  /** The operation's name, for metrics and logs ("PutObject"). */
  operation: string;
  method: string;
  bucket: string;
  key: string;
  query: URLSearchParams;
  headers: Headers;
  request: Request;
  accessKey: AccessKeyRecord;
  payload: PayloadMode;
  nowMs: number;
}

/** An object as the gateway serves it: a closed file, or a folder marker. */
export interface ObjectInfo {
  path: string;
  folderMarker: boolean;
  sizeBytes: number;
  mtimeMs: number;
  attributes: Attributes;
  /** Quoted. */
  etag: string;
}

export function bucketPath(bucket: string): string {
  return `/${bucket}`;
}

export function internalPath(bucket: string, ...names: string[]): string {
  return [`/${bucket}`, INTERNAL_FOLDER, ...names].join("/");
}

export function tmpPath(bucket: string): string {
  return internalPath(bucket, "tmp", randomUUID());
}

export function attributesOf(stat: StatView): Attributes {
  return stat.attributes ?? {};
}

/**
 * The quoted ETag of an object: the one kept when it was written through S3. A file written
 * otherwise (`fs put`) gets one made from its path, size and time, in the multipart form
 * ("-1") so that no client takes it for the MD5 of the bytes and checks a download against it.
 */
export function etagOfObject(path: string, stat: Pick<StatView, "size" | "mtimeMs">, attributes: Attributes): string {
  const kept = attributes[S3_ATTRIBUTE.etag];
  if (kept !== undefined) return kept;
  return `"${createHash("md5").update(`${path}\n${stat.size}\n${stat.mtimeMs}`).digest("hex")}-1"`;
}

export function isNotFound(err: unknown): boolean {
  return codeOf(err) === "NOT_FOUND";
}

/** A key under an object ("a/b" where "a" is a file) names nothing: for a read or a delete, a missing key. */
export function isUnderAFile(err: unknown): boolean {
  return codeOf(err) === "NOT_A_DIRECTORY";
}

/** The S3 error for a failure while reaching `bucket`: NOT_FOUND is NoSuchBucket when the bucket is gone, else `notFound`. */
export async function s3ErrorIn(deps: GatewayDeps, bucket: string, err: unknown, notFound: () => S3Error = S3Error.noSuchKey): Promise<S3Error> {
  if (err instanceof S3Error) return err;
  if (!isNotFound(err)) return s3ErrorFromWire(err);
  return (await bucketExists(deps, bucket)) ? notFound() : S3Error.noSuchBucket();
}

export async function bucketExists(deps: GatewayDeps, bucket: string): Promise<boolean> {
  try {
    return (await deps.fs.stat(bucketPath(bucket))).kind === "dir";
  } catch (err) {
    if (isNotFound(err)) {
      deps.readyBuckets.delete(bucket);
      return false;
    }
    throw s3ErrorFromWire(err);
  }
}

/** Throws NoSuchBucket unless the bucket exists. */
export async function requireBucket(deps: GatewayDeps, bucket: string): Promise<void> {
  if (!(await bucketExists(deps, bucket))) throw S3Error.noSuchBucket();
}

/** Makes sure the bucket's internal folders exist (a bucket made with `fs mkdir` has none yet); NoSuchBucket if it does not exist. */
export async function readyBucket(deps: GatewayDeps, bucket: string): Promise<void> {
  if (deps.readyBuckets.has(bucket)) return;
  await requireBucket(deps, bucket);
  await makeInternalFolders(deps, bucket);
  deps.readyBuckets.add(bucket);
}

/**
 * The bits of a bucket's internal folder and its `tmp` and `uploads`: sticky and open to all,
 * as HDFS's /tmp, so every user writes its bodies and parts there and removes only its own,
 * and the bucket's owner may delete the bucket (a recursive delete takes rwx on every folder
 * below). What a user may publish is still decided where it lands (WRITE on the key's
 * folder), and the bucket's own bits guard its internal folders too (every ancestor needs
 * EXECUTE).
 */
export const INTERNAL_FOLDER_PERMISSION = 0o1777;

/** Makes the bucket's internal folders, as the gateway (the superuser): they are its machinery, whoever the key acts for. */
export async function makeInternalFolders(deps: GatewayDeps, bucket: string): Promise<void> {
  for (const path of [internalPath(bucket), internalPath(bucket, "tmp"), internalPath(bucket, "uploads")]) {
    await deps.gatewayFs.mkdir(path, { parents: true, permission: INTERNAL_FOLDER_PERMISSION });
    // A folder made before keys had users (or by `fs mkdir`) has the bits it was made with.
    if ((await deps.gatewayFs.stat(path)).permission !== INTERNAL_FOLDER_PERMISSION) await deps.gatewayFs.chmod(path, INTERNAL_FOLDER_PERMISSION);
  }
}

/** The object at a key (a closed file, or a folder with a marker), or NoSuchKey / NoSuchBucket. */
export async function statObject(deps: GatewayDeps, bucket: string, key: string): Promise<ObjectInfo> {
  const { path, folderMarker } = objectPath(bucket, key);
  try {
    return objectOf(path, folderMarker, await deps.fs.stat(path));
  } catch (err) {
    throw await objectError(deps, bucket, err);
  }
}

/** The object at a key and, for a file, a reader of its bytes as of the same version (one metadata request). */
export async function openObject(deps: GatewayDeps, bucket: string, key: string): Promise<{ object: ObjectInfo; reader: FileRangeReader | undefined }> {
  const { path, folderMarker } = objectPath(bucket, key);
  try {
    const { stat, reader } = await deps.fs.statAndOpen(path);
    return { object: objectOf(path, folderMarker, stat), reader };
  } catch (err) {
    throw await objectError(deps, bucket, err);
  }
}

async function objectError(deps: GatewayDeps, bucket: string, err: unknown): Promise<S3Error> {
  if (isUnderAFile(err)) return S3Error.noSuchKey();
  return s3ErrorIn(deps, bucket, err);
}

function objectOf(path: string, folderMarker: boolean, stat: StatView): ObjectInfo {
  const attributes = attributesOf(stat);
  if (folderMarker) {
    if (stat.kind !== "dir" || attributes[S3_ATTRIBUTE.marker] === undefined) throw S3Error.noSuchKey();
    return { path, folderMarker, sizeBytes: 0, mtimeMs: stat.mtimeMs, attributes, etag: etagOfObject(path, stat, attributes) };
  }
  // A file still being written (by `fs put`; the gateway writes elsewhere and moves) is not an object yet.
  if (stat.kind !== "file" || stat.state !== "closed") throw S3Error.noSuchKey();
  return { path, folderMarker, sizeBytes: stat.size, mtimeMs: stat.mtimeMs, attributes, etag: etagOfObject(path, stat, attributes) };
}

/** A read-only key may not write; every key is limited to its buckets (checked by server.ts). */
export function requireWrite(call: S3Call): void {
  if (call.accessKey.readOnly) throw S3Error.accessDenied("The access key is read-only.");
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
