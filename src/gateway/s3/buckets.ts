// Buckets: top-level folders with valid bucket names. ListBuckets, CreateBucket, DeleteBucket
// (empty only: nothing but the gateway's internal folder), HeadBucket, GetBucketLocation, and
// ListObjects v1 and v2 over listing.ts.
import type { StatView } from "../../client/fs.ts";
import { readAll, requestBody } from "./body.ts";
import { attributesOf, bucketExists, bucketPath, etagOfObject, internalPath, isNotFound, isUnderAFile, makeInternalFolders, requireBucket, requireWrite, type GatewayDeps, type S3Call } from "./context.ts";
import { S3Error, s3ErrorFromWire } from "./errors.ts";
import { keyAllowsBucket } from "./keys.ts";
import { LIST_KEYS_MAX, compareKeys, listObjects, type FolderTree, type TreeEntry } from "./listing.ts";
import { checkBucketName, isValidBucketName } from "./names.ts";
import { XML_HEADERS } from "./objects.ts";
import { listBucketsXml, listObjectsV1Xml, listObjectsV2Xml, locationXml, type ObjectEntry } from "./xml.ts";

/** Children of a folder asked for at once while listing: S3's page of keys, so one page of the tree usually fills one page of keys. */
const TREE_PAGE_ENTRIES = 1_000;
/** A CreateBucket body (its location constraint) is read and ignored, up to this size. */
const CREATE_BUCKET_BODY_BYTES_MAX = 64 * 1024;

export async function listBuckets(call: S3Call): Promise<Response> {
  const buckets: { name: string; creationDateMs: number }[] = [];
  try {
    for await (const page of call.deps.fs.listPages("/")) {
      for (const entry of page) {
        const name = entry.path.slice(1);
        if (entry.kind === "dir" && isValidBucketName(name) && keyAllowsBucket(call.accessKey, name)) buckets.push({ name, creationDateMs: entry.mtimeMs });
      }
    }
  } catch (err) {
    throw s3ErrorFromWire(err);
  }
  return new Response(listBucketsXml(buckets, call.deps.owner), { headers: XML_HEADERS });
}

export async function createBucket(call: S3Call): Promise<Response> {
  requireWrite(call);
  const { deps, bucket } = call;
  checkBucketName(bucket);
  await readAll(requestBody(call.request, call.payload, CREATE_BUCKET_BODY_BYTES_MAX).data, CREATE_BUCKET_BODY_BYTES_MAX);
  try {
    await deps.fs.mkdir(bucketPath(bucket));
  } catch (err) {
    if (err instanceof Error && (err as { code?: string }).code === "ALREADY_EXISTS") throw S3Error.bucketAlreadyOwnedByYou();
    throw s3ErrorFromWire(err);
  }
  try {
    await makeInternalFolders(deps, bucket);
    deps.readyBuckets.add(bucket);
  } catch (err) {
    throw s3ErrorFromWire(err);
  }
  return new Response(null, { headers: { location: `/${bucket}` } });
}

export async function deleteBucket(call: S3Call): Promise<Response> {
  requireWrite(call);
  const { deps, bucket } = call;
  try {
    const first = await deps.fs.listPages(bucketPath(bucket), { entriesPerPage: 2 }).next();
    const entries: StatView[] = first.done ? [] : first.value;
    if (entries.some((entry) => entry.path !== internalPath(bucket))) throw S3Error.bucketNotEmpty();
    // Incomplete uploads go with the bucket, as S3's do.
    await deps.fs.rm(bucketPath(bucket), { recursive: true });
    deps.readyBuckets.delete(bucket);
  } catch (err) {
    if (err instanceof S3Error) throw err;
    if (isNotFound(err)) throw S3Error.noSuchBucket();
    throw s3ErrorFromWire(err);
  }
  return new Response(null, { status: 204 });
}

export async function headBucket(call: S3Call): Promise<Response> {
  await requireBucket(call.deps, call.bucket);
  return new Response(null, { headers: { "x-amz-bucket-region": call.deps.region } });
}

export async function getBucketLocation(call: S3Call): Promise<Response> {
  await requireBucket(call.deps, call.bucket);
  return new Response(locationXml(call.deps.region), { headers: XML_HEADERS });
}

/** The folder tree of one bucket, as listing.ts walks it. */
export function bucketTree(deps: GatewayDeps, bucket: string): FolderTree {
  const folderPath = (folderKey: string) => (folderKey === "" ? bucketPath(bucket) : `${bucketPath(bucket)}/${folderKey.slice(0, -1)}`);
  const entryOf = (stat: StatView): TreeEntry => ({ name: stat.path.slice(stat.path.lastIndexOf("/") + 1), kind: stat.kind === "dir" ? "dir" : "file", sizeBytes: stat.size, mtimeMs: stat.mtimeMs, attributes: attributesOf(stat) });
  return {
    async *pages(folderKey, afterName) {
      const path = folderPath(folderKey);
      try {
        for await (const page of deps.fs.listPages(path, { entriesPerPage: TREE_PAGE_ENTRIES, ...(afterName ? { after: `${path}/${afterName}` } : {}) })) {
          // A file named like the folder lists as itself: not a folder.
          if (page.length === 1 && page[0]!.path === path && page[0]!.kind !== "dir") return;
          // A file still being written (by `fs put`) is not an object yet, as GetObject says too;
          // a symbolic link (made through the mount) is no object at all.
          yield page.filter((stat) => stat.kind === "dir" || (stat.kind === "file" && stat.state === "closed")).map(entryOf);
        }
      } catch (err) {
        if (isNotFound(err) || isUnderAFile(err)) return;
        throw s3ErrorFromWire(err);
      }
    },
    async entry(folderKey, name) {
      try {
        const stat = await deps.fs.stat(`${folderPath(folderKey)}/${name}`);
        return stat.kind === "symlink" ? undefined : entryOf(stat);
      } catch (err) {
        if (isNotFound(err) || (err as { code?: string }).code === "NOT_A_DIRECTORY" || (err as { code?: string }).code === "INVALID_PATH") return undefined;
        throw s3ErrorFromWire(err);
      }
    },
  };
}

// Continuation tokens are the last key returned, base64url: opaque to clients, as S3's are.
function encodeToken(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  if (token.length > 4 * 1024 || !/^[A-Za-z0-9_-]*$/.test(token)) throw S3Error.invalidArgument("The continuation token provided is incorrect");
  return Buffer.from(token, "base64url").toString("utf8");
}

function maxKeysOf(text: string | null): number {
  if (text === null) return LIST_KEYS_MAX;
  if (!/^\d{1,9}$/.test(text)) throw S3Error.invalidArgument("Provided max-keys not an integer or within integer range");
  return Math.min(Number(text), LIST_KEYS_MAX);
}

export async function listObjectsOfBucket(call: S3Call): Promise<Response> {
  const { deps, bucket, query } = call;
  const v2 = query.get("list-type") === "2";
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const maxKeys = maxKeysOf(query.get("max-keys"));
  const encodingType = query.get("encoding-type");
  if (encodingType !== null && encodingType !== "url") throw S3Error.invalidArgument("Invalid Encoding Method specified in Request");
  if (prefix.length > 1024 || delimiter.length > 1024) throw S3Error.invalidArgument("The prefix and the delimiter are at most 1,024 characters.");
  const startAfter = query.get("start-after") ?? "";
  const token = query.get("continuation-token");
  const marker = query.get("marker") ?? "";
  let after = v2 ? startAfter : marker;
  if (v2 && token !== null) {
    const fromToken = decodeToken(token);
    if (compareKeys(fromToken, after) > 0) after = fromToken;
  }
  if (!(await bucketExists(deps, bucket))) throw S3Error.noSuchBucket();
  const result = await listObjects(bucketTree(deps, bucket), { prefix, delimiter, after, maxKeys });
  const contents: ObjectEntry[] = result.objects.map((object) => ({
    key: object.key,
    lastModifiedMs: object.mtimeMs,
    etag: etagOfObject(`/${bucket}/${object.key}`, { size: object.sizeBytes, mtimeMs: object.mtimeMs }, object.attributes),
    sizeBytes: object.sizeBytes,
  }));
  const url = encodingType === "url" ? { encodingType: "url" as const } : {};
  const xml = v2
    ? listObjectsV2Xml({
        bucket,
        prefix,
        ...(delimiter ? { delimiter } : {}),
        maxKeys,
        ...url,
        ...(query.has("start-after") ? { startAfter } : {}),
        ...(token !== null ? { continuationToken: token } : {}),
        ...(result.isTruncated ? { nextContinuationToken: encodeToken(result.last) } : {}),
        isTruncated: result.isTruncated,
        contents,
        commonPrefixes: result.commonPrefixes,
        ...(query.get("fetch-owner") === "true" ? { owner: deps.owner } : {}),
      })
    : listObjectsV1Xml({
        bucket,
        prefix,
        ...(delimiter ? { delimiter } : {}),
        marker,
        ...(result.isTruncated && delimiter ? { nextMarker: result.last } : {}),
        maxKeys,
        ...url,
        isTruncated: result.isTruncated,
        contents,
        commonPrefixes: result.commonPrefixes,
        owner: deps.owner,
      });
  return new Response(xml, { headers: XML_HEADERS });
}

