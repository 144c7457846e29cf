// Multipart uploads. An upload is a folder `/b/.tessera-s3/uploads/<uploadId>` whose
// attributes hold the key, the time it began and the object's metadata; each part is a file
// `part-00001` ... in it, written and published like a PUT's body (objects.ts), with its ETag
// (the part's MD5) and checksum as attributes. CompleteMultipartUpload is one Raft command
// (`fs.concat`): the object becomes a new file whose chunks are the parts' chunks in order,
// replacing what was at the key, so no byte is copied and the object appears whole. Uploads
// older than the configured age are removed by a sweep, with PUT bodies a dead gateway left.
import { randomBytes } from "node:crypto";
import type { StatView } from "../../client/fs.ts";
import { INTERNAL_FOLDER, S3_ATTRIBUTE, pickMetadata, type Attributes } from "./attributes.ts";
import { OBJECT_BYTES_MAX, PUT_BYTES_MAX, SMALL_BODY_BYTES_MAX, STREAM_CHUNKS_IN_FLIGHT, readExactly, requestBody } from "./body.ts";
import { checksumHeader, multipartEtag, quoteEtag, unquoteEtag, type ChecksumAlgorithm, type VerifiedChecksum } from "./checksums.ts";
import { attributesOf, bucketPath, internalPath, isNotFound, readyBucket, requireWrite, s3ErrorIn, tmpPath, type GatewayDeps, type S3Call } from "./context.ts";
import { S3Error, s3ErrorFromWire } from "./errors.ts";
import { compareKeys } from "./listing.ts";
import { isValidBucketName, objectPath } from "./names.ts";
import { XML_HEADERS, copySource, objectAttributes, readForCopy, requestMetadata, xmlRequestBody } from "./objects.ts";
import { completeMultipartResultXml, copyPartResultXml, initiateMultipartXml, listMultipartUploadsXml, listPartsXml, parseCompleteMultipart, PARTS_MAX } from "./xml.ts";

/** S3's smallest part, but for the last. */
export const PART_BYTES_MIN = 5 * 1024 * 1024;
/** Parts and uploads listed at most per page. */
export const LIST_PARTS_MAX = 1_000;
export const LIST_UPLOADS_MAX = 1_000;
/** Uploads of one bucket read to answer ListMultipartUploads (they are sorted by key in memory). */
export const UPLOADS_SCANNED_MAX = 10_000;
/** An incomplete upload (and a PUT body a dead gateway left) is removed after this long, by default. */
export const UPLOAD_EXPIRY_MS_DEFAULT = 7 * 24 * 3_600_000;

const UPLOAD_ATTRIBUTE = { key: "s3.upload.key", initiatedMs: "s3.upload.initiated-ms", checksum: "s3.upload.checksum-algorithm" } as const;
const UPLOAD_ID_PATTERN = /^[0-9a-f]{32}$/;
const PART_NAME_PATTERN = /^part-(\d{5})$/;

function uploadPath(bucket: string, uploadId: string): string {
  if (!UPLOAD_ID_PATTERN.test(uploadId)) throw S3Error.noSuchUpload();
  return internalPath(bucket, "uploads", uploadId);
}

function partName(partNumber: number): string {
  return `part-${String(partNumber).padStart(5, "0")}`;
}

function partNumberOf(call: S3Call): number {
  const text = call.query.get("partNumber") ?? "";
  const partNumber = Number(text);
  if (!/^\d{1,5}$/.test(text) || partNumber < 1 || partNumber > PARTS_MAX) throw S3Error.invalidArgument("Part number must be an integer between 1 and 10000, inclusive.");
  return partNumber;
}

interface Upload {
  path: string;
  key: string;
  initiatedMs: number;
  attributes: Attributes;
}

/** The upload's folder, which must belong to the request's key. */
async function requireUpload(call: S3Call): Promise<Upload> {
  const path = uploadPath(call.bucket, call.query.get("uploadId") ?? "");
  let stat: StatView;
  try {
    stat = await call.deps.fs.stat(path);
  } catch (err) {
    throw await s3ErrorIn(call.deps, call.bucket, err, S3Error.noSuchUpload);
  }
  const attributes = attributesOf(stat);
  if (stat.kind !== "dir" || attributes[UPLOAD_ATTRIBUTE.key] !== call.key) throw S3Error.noSuchUpload();
  return { path, key: call.key, initiatedMs: Number(attributes[UPLOAD_ATTRIBUTE.initiatedMs] ?? 0), attributes };
}

export async function createMultipartUpload(call: S3Call): Promise<Response> {
  requireWrite(call);
  const { deps, bucket, key, headers } = call;
  const { folderMarker } = objectPath(bucket, key);
  if (folderMarker) throw S3Error.invalidArgument("A key ending in '/' is a folder: it cannot be uploaded in parts.");
  const attributes: Attributes = { ...requestMetadata(headers), [UPLOAD_ATTRIBUTE.key]: key, [UPLOAD_ATTRIBUTE.initiatedMs]: String(call.nowMs) };
  const algorithm = headers.get("x-amz-checksum-algorithm");
  if (algorithm !== null) attributes[UPLOAD_ATTRIBUTE.checksum] = algorithm.toUpperCase();
  await readyBucket(deps, bucket);
  const uploadId = randomBytes(16).toString("hex");
  try {
    await deps.fs.mkdir(uploadPath(bucket, uploadId), { attributes });
  } catch (err) {
    if (isNotFound(err)) deps.readyBuckets.delete(bucket);
    throw await s3ErrorIn(deps, bucket, err);
  }
  return new Response(initiateMultipartXml(bucket, key, uploadId), { headers: XML_HEADERS });
}

/** Writes a part's bytes next to the upload's parts and moves them onto the part's name (never recreating an aborted upload). */
async function publishPart(deps: GatewayDeps, bucket: string, upload: Upload, partNumber: number, data: Uint8Array | AsyncIterable<Uint8Array>, sizeBytes: number, attributesAfter: () => Promise<Attributes>): Promise<void> {
  const tmp = tmpPath(bucket);
  let written = false;
  try {
    await readyBucket(deps, bucket);
    if (data instanceof Uint8Array) {
      const attributes = await attributesAfter();
      written = true;
      await deps.fs.put(data, tmp, { attributes });
    } else {
      written = true;
      await deps.fs.put(data, tmp, { expectedSizeBytes: sizeBytes, chunksInFlight: STREAM_CHUNKS_IN_FLIGHT });
      await deps.fs.setAttributes(tmp, await attributesAfter());
    }
    await deps.fs.mv(tmp, `${upload.path}/${partName(partNumber)}`, { replace: true });
  } catch (err) {
    if (written) await deps.fs.rm(tmp).catch(() => undefined);
    throw await s3ErrorIn(deps, bucket, err, S3Error.noSuchUpload);
  }
}

export async function uploadPart(call: S3Call): Promise<Response> {
  requireWrite(call);
  const partNumber = partNumberOf(call);
  const upload = await requireUpload(call);
  const body = requestBody(call.request, call.payload, PUT_BYTES_MAX);
  let etag = "";
  let checksum: VerifiedChecksum | undefined;
  const data = body.declaredBytes <= SMALL_BODY_BYTES_MAX ? await readExactly(body.data, body.declaredBytes) : body.data;
  await publishPart(call.deps, call.bucket, upload, partNumber, data, body.declaredBytes, async () => {
    checksum = await body.verify();
    etag = quoteEtag(body.digests.md5Hex());
    return objectAttributes({}, etag, checksum);
  });
  call.deps.metrics.addBytesIn(call.operation, body.receivedBytes);
  const headers = new Headers({ etag });
  // Set inside the callback, which TypeScript does not follow: it would narrow this to undefined.
  const kept = checksum as VerifiedChecksum | undefined;
  if (kept) headers.set(checksumHeader(kept.algorithm), kept.value);
  return new Response(null, { headers });
}

export async function uploadPartCopy(call: S3Call): Promise<Response> {
  requireWrite(call);
  const partNumber = partNumberOf(call);
  const upload = await requireUpload(call);
  const source = await copySource(call);
  let start = 0;
  let length = source.sizeBytes;
  const range = call.headers.get("x-amz-copy-source-range");
  if (range !== null) {
    const match = /^bytes=(\d{1,16})-(\d{1,16})$/.exec(range.trim());
    if (!match) throw S3Error.invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
    start = Number(match[1]);
    const last = Number(match[2]);
    if (last < start || last >= source.sizeBytes) throw new S3Error("InvalidRange", 416, "The requested range is not satisfiable");
    length = last - start + 1;
  }
  if (length > PUT_BYTES_MAX) throw S3Error.invalidRequest("A part copied is at most 5 GiB.");
  const read = await readForCopy(call.deps, source.reader, start, length);
  let etag = "";
  await publishPart(call.deps, call.bucket, upload, partNumber, read.data, length, async () => {
    etag = quoteEtag(read.md5Hex());
    return objectAttributes({}, etag, undefined);
  });
  return new Response(copyPartResultXml(etag, call.nowMs), { headers: XML_HEADERS });
}

interface PartFile {
  partNumber: number;
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  etag: string;
  attributes: Attributes;
}

/** Every part written to an upload, in part order. */
async function partsOf(deps: GatewayDeps, upload: Upload): Promise<PartFile[]> {
  const parts: PartFile[] = [];
  try {
    for await (const page of deps.fs.listPages(upload.path)) {
      for (const entry of page) {
        const name = entry.path.slice(entry.path.lastIndexOf("/") + 1);
        const match = PART_NAME_PATTERN.exec(name);
        if (!match || entry.kind !== "file") continue;
        const attributes = attributesOf(entry);
        parts.push({ partNumber: Number(match[1]), path: entry.path, sizeBytes: entry.size, mtimeMs: entry.mtimeMs, etag: attributes[S3_ATTRIBUTE.etag] ?? '""', attributes });
      }
    }
  } catch (err) {
    if (isNotFound(err)) throw S3Error.noSuchUpload();
    throw s3ErrorFromWire(err);
  }
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

function partChecksum(part: PartFile): VerifiedChecksum | undefined {
  for (const [name, value] of Object.entries(part.attributes)) {
    if (name.startsWith(S3_ATTRIBUTE.checksumPrefix)) return { algorithm: name.slice(S3_ATTRIBUTE.checksumPrefix.length).toUpperCase() as ChecksumAlgorithm, value };
  }
  return undefined;
}

export async function completeMultipartUpload(call: S3Call): Promise<Response> {
  requireWrite(call);
  const { deps, bucket, key } = call;
  const requested = parseCompleteMultipart(await xmlRequestBody(call));
  const upload = await requireUpload(call);
  const { path } = objectPath(bucket, key);
  const written = new Map((await partsOf(deps, upload)).map((part) => [part.partNumber, part]));
  const chosen: PartFile[] = [];
  for (const [i, want] of requested.entries()) {
    const part = written.get(want.partNumber);
    if (!part || unquoteEtag(part.etag) !== unquoteEtag(want.etag)) throw S3Error.invalidPart();
    if (i < requested.length - 1 && part.sizeBytes < PART_BYTES_MIN) throw S3Error.entityTooSmall();
    chosen.push(part);
  }
  if (chosen.reduce((sum, part) => sum + part.sizeBytes, 0) > OBJECT_BYTES_MAX) throw S3Error.entityTooLarge();
  const etag = quoteEtag(multipartEtag(chosen.map((part) => unquoteEtag(part.etag))));
  const attributes: Attributes = { ...pickMetadata(upload.attributes), [S3_ATTRIBUTE.etag]: etag, [S3_ATTRIBUTE.parts]: String(chosen.length) };
  try {
    await deps.fs.concat(chosen.map((part) => part.path), path, { attributes, replace: true, parents: true });
  } catch (err) {
    throw await s3ErrorIn(deps, bucket, err, S3Error.noSuchUpload);
  }
  // The parts not chosen, and the upload itself.
  await deps.fs.rm(upload.path, { recursive: true }).catch((err: unknown) => deps.log.warn("could not remove a completed upload's folder", { path: upload.path, error: err as Error }));
  const location = `/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
  return new Response(completeMultipartResultXml({ location, bucket, key, etag }), { headers: XML_HEADERS });
}

export async function abortMultipartUpload(call: S3Call): Promise<Response> {
  requireWrite(call);
  const upload = await requireUpload(call);
  try {
    await call.deps.fs.rm(upload.path, { recursive: true });
  } catch (err) {
    throw await s3ErrorIn(call.deps, call.bucket, err, S3Error.noSuchUpload);
  }
  return new Response(null, { status: 204 });
}

function boundedInt(text: string | null, name: string, fallback: number, max: number): number {
  if (text === null) return fallback;
  if (!/^\d{1,9}$/.test(text)) throw S3Error.invalidArgument(`${name} must be a whole number.`);
  return Math.min(Number(text), max);
}

export async function listParts(call: S3Call): Promise<Response> {
  const upload = await requireUpload(call);
  const marker = boundedInt(call.query.get("part-number-marker"), "part-number-marker", 0, PARTS_MAX);
  const maxParts = boundedInt(call.query.get("max-parts"), "max-parts", LIST_PARTS_MAX, LIST_PARTS_MAX);
  const after = (await partsOf(call.deps, upload)).filter((part) => part.partNumber > marker);
  const page = after.slice(0, maxParts);
  const isTruncated = after.length > page.length;
  const algorithm = upload.attributes[UPLOAD_ATTRIBUTE.checksum] as ChecksumAlgorithm | undefined;
  const xml = listPartsXml({
    bucket: call.bucket,
    key: call.key,
    uploadId: call.query.get("uploadId") ?? "",
    partNumberMarker: marker,
    ...(isTruncated ? { nextPartNumberMarker: page[page.length - 1]!.partNumber } : {}),
    maxParts,
    isTruncated,
    parts: page.map((part) => {
      const checksum = partChecksum(part);
      return { partNumber: part.partNumber, lastModifiedMs: part.mtimeMs, etag: part.etag, sizeBytes: part.sizeBytes, ...(checksum ? { checksum } : {}) };
    }),
    owner: call.deps.owner,
    ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
  });
  return new Response(xml, { headers: XML_HEADERS });
}

export async function listMultipartUploads(call: S3Call): Promise<Response> {
  const { deps, bucket, query } = call;
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const keyMarker = query.get("key-marker") ?? "";
  const uploadIdMarker = query.get("upload-id-marker") ?? "";
  const maxUploads = boundedInt(query.get("max-uploads"), "max-uploads", LIST_UPLOADS_MAX, LIST_UPLOADS_MAX);
  const encodingType = query.get("encoding-type");
  if (encodingType !== null && encodingType !== "url") throw S3Error.invalidArgument("Invalid Encoding Method specified in Request");
  const all: { key: string; uploadId: string; initiatedMs: number }[] = [];
  try {
    for await (const page of deps.fs.listPages(internalPath(bucket, "uploads"))) {
      for (const entry of page) {
        const attributes = attributesOf(entry);
        const key = attributes[UPLOAD_ATTRIBUTE.key];
        if (entry.kind !== "dir" || key === undefined || !key.startsWith(prefix)) continue;
        all.push({ key, uploadId: entry.path.slice(entry.path.lastIndexOf("/") + 1), initiatedMs: Number(attributes[UPLOAD_ATTRIBUTE.initiatedMs] ?? 0) });
      }
      if (all.length >= UPLOADS_SCANNED_MAX) break;
    }
  } catch (err) {
    // A bucket the gateway never wrote to has no uploads folder.
    if (!isNotFound(err)) throw s3ErrorFromWire(err);
    const error = await s3ErrorIn(deps, bucket, err);
    if (error.code === "NoSuchBucket") throw error;
  }
  all.sort((a, b) => compareKeys(a.key, b.key) || a.initiatedMs - b.initiatedMs || compareKeys(a.uploadId, b.uploadId));
  const uploads: typeof all = [];
  const commonPrefixes: string[] = [];
  let isTruncated = false;
  let last: { key: string; uploadId: string } | undefined;
  for (const upload of all) {
    const afterMarker = compareKeys(upload.key, keyMarker) > 0 || (keyMarker !== "" && upload.key === keyMarker && uploadIdMarker !== "" && compareKeys(upload.uploadId, uploadIdMarker) > 0);
    if (keyMarker !== "" && !afterMarker) continue;
    const at = delimiter === "" ? -1 : upload.key.indexOf(delimiter, prefix.length);
    const commonPrefix = at >= 0 ? upload.key.slice(0, at + delimiter.length) : undefined;
    if (commonPrefix !== undefined && commonPrefixes[commonPrefixes.length - 1] === commonPrefix) continue;
    if (uploads.length + commonPrefixes.length === maxUploads) {
      isTruncated = true;
      break;
    }
    if (commonPrefix !== undefined) {
      commonPrefixes.push(commonPrefix);
      last = { key: commonPrefix, uploadId: "" };
    } else {
      uploads.push(upload);
      last = upload;
    }
  }
  const xml = listMultipartUploadsXml({
    bucket,
    prefix,
    ...(delimiter ? { delimiter } : {}),
    keyMarker,
    uploadIdMarker,
    ...(isTruncated && last ? { nextKeyMarker: last.key, nextUploadIdMarker: last.uploadId } : {}),
    maxUploads,
    ...(encodingType === "url" ? { encodingType: "url" as const } : {}),
    isTruncated,
    uploads,
    commonPrefixes,
    owner: deps.owner,
  });
  return new Response(xml, { headers: XML_HEADERS });
}

/**
 * Removes the uploads begun before `nowMs - expiryMs` and the PUT bodies last written before
 * then (a gateway that died mid-PUT leaves one), in every bucket. Answers what it removed.
 */
export async function sweepExpired(deps: GatewayDeps, nowMs: number, expiryMs: number): Promise<{ uploads: number; bodies: number }> {
  // As the gateway itself: what any user left behind is the superuser's to remove.
  const fs = deps.gatewayFs;
  const removed = { uploads: 0, bodies: 0 };
  const beforeMs = nowMs - expiryMs;
  for await (const page of fs.listPages("/")) {
    for (const bucket of page) {
      const name = bucket.path.slice(1);
      if (bucket.kind !== "dir" || !isValidBucketName(name)) continue;
      for (const [folder, expired] of [
        ["uploads", (entry: StatView) => entry.kind === "dir" && Number(attributesOf(entry)[UPLOAD_ATTRIBUTE.initiatedMs] ?? 0) < beforeMs],
        ["tmp", (entry: StatView) => entry.mtimeMs < beforeMs],
      ] as const) {
        try {
          for await (const entries of fs.listPages(internalPath(name, folder))) {
            for (const entry of entries) {
              if (!expired(entry)) continue;
              await fs.rm(entry.path, { recursive: true });
              if (folder === "uploads") removed.uploads += 1;
              else removed.bodies += 1;
            }
          }
        } catch (err) {
          if (!isNotFound(err)) deps.log.warn("the sweep of expired uploads failed in a bucket", { bucket: name, error: err as Error });
        }
      }
    }
  }
  return removed;
}

