// Objects: PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects, CopyObject.
//
// A PUT writes its body to a file of its own under the bucket's internal folder
// (`/b/.tessera-s3/tmp/<uuid>`), checks every digest the request announced, sets the object's
// attributes, and only then moves the file onto the key, replacing what was there, in one
// Raft command (`mv --replace --parents`). So an object is visible whole or not at all, an
// overwrite is atomic for readers, and of concurrent PUTs to a key the last to move wins. Any
// failure removes the temporary file; one left by a gateway that died is swept with the
// expired uploads (multipart.ts).
import { createHash } from "node:crypto";
import type { StatView } from "../../client/fs.ts";
import type { FileRangeReader } from "../../client/fs.ts";
import { CONTENT_HEADERS, S3_ATTRIBUTE, metadataAttributes, isHeaderValue, metadataHeaders, pickMetadata, type Attributes } from "./attributes.ts";
import { OBJECT_BYTES_MAX, PUT_BYTES_MAX, SMALL_BODY_BYTES_MAX, STREAM_CHUNKS_IN_FLIGHT, readAll, readExactly, requestBody } from "./body.ts";
import { checksumHeader, quoteEtag, unquoteEtag, type VerifiedChecksum } from "./checksums.ts";
import {
  attributesOf,
  bucketPath,
  httpDate,
  isNotFound,
  isUnderAFile,
  openObject,
  readyBucket,
  requireWrite,
  s3ErrorIn,
  statObject,
  tmpPath,
  type GatewayDeps,
  type ObjectInfo,
  type S3Call,
} from "./context.ts";
import { S3Error, s3ErrorFromWire } from "./errors.ts";
import { evaluateConditions, parseRange } from "./http-semantics.ts";
import { keyAllowsBucket } from "./keys.ts";
import { checkBucketName, objectPath } from "./names.ts";
import { copyObjectResultXml, deleteResultXml, parseDelete, XML_BODY_BYTES_MAX } from "./xml.ts";
import { rangeStream as sharedRangeStream } from "../range-stream.ts";

/** Bytes one read of a GET asks the file system for, and how many such reads run ahead of the client. */
export const GET_PIECE_BYTES = 4 * 1024 * 1024;
export const GET_PIECES_AHEAD = 4;
/** User metadata (x-amz-meta-*, names and values) one object may carry: S3's bound. */
export const USER_METADATA_BYTES_MAX = 2 * 1024;

export const XML_HEADERS = { "content-type": "application/xml" };

// --- writing -----------------------------------------------------------------------------

/** The attributes of an object written by a request: its metadata headers, its ETag, its checksum. */
export function objectAttributes(metadata: Attributes, etag: string, checksum: VerifiedChecksum | undefined): Attributes {
  const attributes: Attributes = { ...metadata, [S3_ATTRIBUTE.etag]: etag };
  if (checksum) attributes[S3_ATTRIBUTE.checksumPrefix + checksum.algorithm.toLowerCase()] = checksum.value;
  return attributes;
}

/** The metadata a request sets (content headers and x-amz-meta-*), within S3's bound. */
export function requestMetadata(headers: Headers): Attributes {
  const metadata = metadataAttributes(headers);
  let userBytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (name.startsWith(S3_ATTRIBUTE.metaPrefix)) userBytes += Buffer.byteLength(name) - S3_ATTRIBUTE.metaPrefix.length + Buffer.byteLength(value);
  }
  if (userBytes > USER_METADATA_BYTES_MAX) throw new S3Error("MetadataTooLarge", 400, `Your metadata headers exceed the maximum allowed metadata size (${USER_METADATA_BYTES_MAX} bytes).`);
  return metadata;
}

/**
 * Writes `data` to a new file under the bucket's internal folder and moves it onto `path`
 * once `attributesAfter` (which verifies the body, and may throw) has given its attributes.
 * A small body (an array) goes with its attributes in its create; a stream's attributes are
 * set after it ended. Nothing is left behind on failure.
 */
export async function publishFile(deps: GatewayDeps, bucket: string, path: string, data: Uint8Array | AsyncIterable<Uint8Array>, sizeBytes: number, attributesAfter: () => Promise<Attributes>): Promise<StatView> {
  await readyBucket(deps, bucket);
  const tmp = tmpPath(bucket);
  let written = false;
  try {
    let stat: StatView;
    if (data instanceof Uint8Array) {
      const attributes = await attributesAfter();
      written = true;
      stat = await deps.fs.put(data, tmp, { attributes });
      stat = { ...stat, attributes };
    } else {
      written = true;
      // The length known, each chunk's buffer is allocated once at its size.
      stat = await deps.fs.put(data, tmp, { expectedSizeBytes: sizeBytes, chunksInFlight: STREAM_CHUNKS_IN_FLIGHT });
      const attributes = await attributesAfter();
      await deps.fs.setAttributes(tmp, attributes);
      stat = { ...stat, attributes };
    }
    await deps.fs.mv(tmp, path, { replace: true, parents: true });
    return stat;
  } catch (err) {
    if (written) await deps.fs.rm(tmp).catch(() => undefined);
    if (isNotFound(err)) deps.readyBuckets.delete(bucket);
    // The bucket is there but not its internal folder (deleted and made again elsewhere): the
    // next attempt makes the folder, so the client is told to retry.
    throw await s3ErrorIn(deps, bucket, err, S3Error.serviceUnavailable);
  }
}

/** Makes (or re-marks) the folder of a key ending in "/". */
async function putFolderMarker(deps: GatewayDeps, bucket: string, path: string, attributes: Attributes): Promise<void> {
  await readyBucket(deps, bucket);
  try {
    const existing = await deps.fs.stat(path).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (existing?.kind === "file") throw new S3Error("OperationAborted", 409, "An object exists at the folder's name: a key cannot be an object and a folder of other keys at once.");
    if (existing) await deps.fs.setAttributes(path, attributes);
    else await deps.fs.mkdir(path, { parents: true, attributes });
  } catch (err) {
    throw await s3ErrorIn(deps, bucket, err);
  }
}

export async function putObject(call: S3Call): Promise<Response> {
  requireWrite(call);
  const { deps, bucket, key, headers } = call;
  const { path, folderMarker } = objectPath(bucket, key);
  const metadata = requestMetadata(headers);
  const body = requestBody(call.request, call.payload, PUT_BYTES_MAX);
  let checksum: VerifiedChecksum | undefined;
  let etag = "";
  const attributesAfter = async () => {
    checksum = await body.verify();
    etag = quoteEtag(body.digests.md5Hex());
    return objectAttributes(metadata, etag, checksum);
  };
  if (folderMarker) {
    const bytes = await readAll(body.data, 0).catch((err: unknown) => {
      if (err instanceof S3Error && err.code === "EntityTooLarge") throw S3Error.invalidArgument("A key ending in '/' is a folder: its body must be empty.");
      throw err;
    });
    if (bytes.length !== 0) throw S3Error.invalidArgument("A key ending in '/' is a folder: its body must be empty.");
    await putFolderMarker(deps, bucket, path, { ...(await attributesAfter()), [S3_ATTRIBUTE.marker]: "1" });
  } else {
    const data = body.declaredBytes <= SMALL_BODY_BYTES_MAX ? await readExactly(body.data, body.declaredBytes) : body.data;
    await publishFile(deps, bucket, path, data, body.declaredBytes, attributesAfter);
  }
  deps.metrics.addBytesIn(call.operation, body.receivedBytes);
  const response = new Headers({ etag });
  // Set inside the callback, which TypeScript does not follow: it would narrow this to undefined.
  const kept = checksum as VerifiedChecksum | undefined;
  if (kept) response.set(checksumHeader(kept.algorithm), kept.value);
  return new Response(null, { status: 200, headers: response });
}

// --- reading -----------------------------------------------------------------------------

/** The response-* query parameters and the headers they override. */
const RESPONSE_OVERRIDES: ReadonlyArray<readonly [query: string, header: string]> = [
  ["response-content-type", "content-type"],
  ["response-content-language", "content-language"],
  ["response-expires", "expires"],
  ["response-cache-control", "cache-control"],
  ["response-content-disposition", "content-disposition"],
  ["response-content-encoding", "content-encoding"],
];

function objectHeaders(call: S3Call, object: ObjectInfo): Headers {
  const headers = new Headers({ etag: object.etag, "last-modified": httpDate(object.mtimeMs), "accept-ranges": "bytes" });
  metadataHeaders(object.attributes, headers);
  if (!headers.has("content-type")) headers.set("content-type", "binary/octet-stream");
  const parts = object.attributes[S3_ATTRIBUTE.parts];
  if (parts !== undefined && call.query.has("partNumber")) headers.set("x-amz-mp-parts-count", parts);
  for (const [query, header] of RESPONSE_OVERRIDES) {
    const value = call.query.get(query);
    if (value === null) continue;
    // Headers throws on a control character or anything past U+00FF: a client's junk, not a 500.
    if (!isHeaderValue(value)) throw S3Error.invalidArgument(`The ${query} parameter is not a valid value for the ${header} header.`);
    headers.set(header, value);
  }
  return headers;
}

function checksumHeaders(object: ObjectInfo, headers: Headers): void {
  for (const [name, value] of Object.entries(object.attributes)) {
    if (name.startsWith(S3_ATTRIBUTE.checksumPrefix)) headers.set(`x-amz-checksum-${name.slice(S3_ATTRIBUTE.checksumPrefix.length)}`, value);
  }
}

export async function headObject(call: S3Call): Promise<Response> {
  return getOrHead(call, "HEAD");
}

export async function getObject(call: S3Call): Promise<Response> {
  return getOrHead(call, "GET");
}

async function getOrHead(call: S3Call, method: "GET" | "HEAD"): Promise<Response> {
  const { deps, bucket, key } = call;
  if (call.query.has("partNumber") && call.query.get("partNumber") !== "1") throw S3Error.invalidArgument("Only partNumber=1 (the whole object) is supported.");
  // A GET's headers and bytes come from one status of the file: an overwrite meanwhile changes neither.
  const { object, reader } = method === "GET" ? await openObject(deps, bucket, key) : { object: await statObject(deps, bucket, key), reader: undefined };
  const verdict = evaluateConditions(call.headers, { etag: object.etag, mtimeMs: object.mtimeMs }, method);
  if (verdict === 304) return new Response(null, { status: 304, headers: { etag: object.etag, "last-modified": httpDate(object.mtimeMs) } });
  if (verdict === 412) throw S3Error.preconditionFailed();
  const headers = objectHeaders(call, object);
  const range = parseRange(call.headers.get("range"), object.sizeBytes);
  if (range === "unsatisfiable") {
    const error = S3Error.invalidRange();
    (error as S3Error & { headers?: Record<string, string> }).headers = { "content-range": `bytes */${object.sizeBytes}` };
    throw error;
  }
  const start = range === "whole" ? 0 : range.start;
  const end = range === "whole" ? object.sizeBytes - 1 : range.end;
  const length = end - start + 1;
  headers.set("content-length", String(Math.max(0, length)));
  let status = 200;
  if (range !== "whole") {
    status = 206;
    headers.set("content-range", `bytes ${start}-${end}/${object.sizeBytes}`);
  } else if (call.headers.get("x-amz-checksum-mode")?.toUpperCase() === "ENABLED") {
    checksumHeaders(object, headers);
  }
  if (method === "HEAD" || length <= 0 || object.folderMarker) return new Response(null, { status, headers });
  if (!reader || reader.sizeBytes !== object.sizeBytes) throw S3Error.internal();
  return new Response(rangeStream(reader, start, length, (bytes) => deps.metrics.addBytesOut(call.operation, bytes), deps), { status, headers });
}

/** Bytes [start, start + length) of a file as a stream, GET_PIECES_AHEAD pieces read ahead of the client. */
export function rangeStream(reader: FileRangeReader, start: number, length: number, onBytes: (bytes: number) => void, deps: GatewayDeps): ReadableStream<Uint8Array> {
  return sharedRangeStream(reader, start, length, {
    pieceBytes: GET_PIECE_BYTES,
    piecesAhead: GET_PIECES_AHEAD,
    onPiece: onBytes,
    onError: (err) => deps.log.warn("a GET failed mid-body", { path: reader.path, error: err as Error }),
  });
}

// --- deleting ----------------------------------------------------------------------------

/** Deletes one key; a key that does not exist is not an error (S3 answers 204 alike). */
async function deleteKey(deps: GatewayDeps, bucket: string, key: string): Promise<void> {
  const { path, folderMarker } = objectPath(bucket, key);
  try {
    const stat = await deps.fs.stat(path);
    if (folderMarker) {
      if (stat.kind !== "dir" || attributesOf(stat)[S3_ATTRIBUTE.marker] === undefined) return;
      // A marker over other keys only stops being a key: the folder stays while they do.
      const { [S3_ATTRIBUTE.marker]: _marker, ...rest } = attributesOf(stat);
      const hasChildren = (await deps.fs.listPages(path, { entriesPerPage: 1 }).next()).done === false;
      if (hasChildren) await deps.fs.setAttributes(path, Object.fromEntries(Object.entries(rest).filter(([name]) => !name.startsWith("s3."))));
      else await deps.fs.rm(path, { pruneEmptyParentsBelow: bucketPath(bucket) });
      return;
    }
    if (stat.kind !== "file") return;
    await deps.fs.rm(path, { pruneEmptyParentsBelow: bucketPath(bucket) });
  } catch (err) {
    if (isUnderAFile(err)) return;
    if (isNotFound(err)) {
      // S3 answers a missing key with 204, a missing bucket with NoSuchBucket.
      const error = await s3ErrorIn(deps, bucket, err);
      if (error.code === "NoSuchKey") return;
      throw error;
    }
    throw s3ErrorFromWire(err);
  }
}

export async function deleteObject(call: S3Call): Promise<Response> {
  requireWrite(call);
  await deleteKey(call.deps, call.bucket, call.key);
  return new Response(null, { status: 204 });
}

/** The body of a small XML request (DeleteObjects, CompleteMultipartUpload), its digests checked. */
export async function xmlRequestBody(call: S3Call): Promise<Uint8Array> {
  const body = requestBody(call.request, call.payload, XML_BODY_BYTES_MAX);
  const bytes = await readAll(body.data, XML_BODY_BYTES_MAX).catch((err: unknown) => {
    if (err instanceof S3Error && err.code === "EntityTooLarge") throw S3Error.maxMessageLengthExceeded();
    throw err;
  });
  await body.verify();
  return bytes;
}

export async function deleteObjects(call: S3Call): Promise<Response> {
  requireWrite(call);
  const { keys, quiet } = parseDelete(await xmlRequestBody(call));
  const deleted: string[] = [];
  const errors: { key: string; code: string; message: string }[] = [];
  // A few at a time: each is a metadata round trip or two.
  let at = 0;
  const worker = async () => {
    while (at < keys.length) {
      const key = keys[at++]!;
      try {
        await deleteKey(call.deps, call.bucket, key);
        if (!quiet) deleted.push(key);
      } catch (err) {
        const error = err instanceof S3Error ? err : s3ErrorFromWire(err);
        if (error.code === "NoSuchBucket") throw error;
        errors.push({ key, code: error.code, message: error.message });
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return new Response(deleteResultXml({ deleted, errors }), { headers: XML_HEADERS });
}

// --- copying -----------------------------------------------------------------------------

/** x-amz-copy-source: "[/]bucket/key[?versionId=...]", URL-encoded. */
export function parseCopySource(header: string): { bucket: string; key: string } {
  let text = header.startsWith("/") ? header.slice(1) : header;
  const question = text.indexOf("?");
  if (question >= 0) {
    if (!/^versionId=null$/.test(text.slice(question + 1))) throw new S3Error("NotImplemented", 501, "Versions are not supported.");
    text = text.slice(0, question);
  }
  const slash = text.indexOf("/");
  if (slash <= 0 || slash === text.length - 1) throw S3Error.invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey.");
  try {
    return { bucket: decodeURIComponent(text.slice(0, slash)), key: decodeURIComponent(text.slice(slash + 1)) };
  } catch {
    throw S3Error.invalidArgument("Copy Source is not URL-encoded correctly.");
  }
}

/** The source object of a copy, its bucket allowed to the key, its x-amz-copy-source-if-* conditions met. */
export async function copySource(call: S3Call): Promise<ObjectInfo & { bucket: string; key: string; reader: FileRangeReader }> {
  const source = parseCopySource(call.headers.get("x-amz-copy-source") ?? "");
  checkBucketName(source.bucket);
  if (!keyAllowsBucket(call.accessKey, source.bucket)) throw S3Error.accessDenied("The access key may not read the source bucket.");
  const { object, reader } = await openObject(call.deps, source.bucket, source.key);
  if (object.folderMarker || !reader) throw S3Error.invalidRequest("A folder marker cannot be copied.");
  const conditions = new Headers();
  for (const name of ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since"]) {
    const value = call.headers.get(`x-amz-copy-source-${name}`);
    if (value !== null) conditions.set(name, value);
  }
  if (evaluateConditions(conditions, { etag: object.etag, mtimeMs: object.mtimeMs }, "GET") !== 200) throw S3Error.preconditionFailed();
  return { ...object, ...source, reader };
}

/** The bytes [start, start + length) of an object (as of its reader's version), with their MD5 computed as they pass. */
export async function readForCopy(deps: GatewayDeps, reader: FileRangeReader, start: number, length: number): Promise<{ data: Uint8Array | AsyncIterable<Uint8Array>; md5Hex: () => string }> {
  const md5 = createHash("md5");
  let digest: string | undefined;
  const md5Hex = () => (digest ??= md5.digest("hex"));
  if (length <= SMALL_BODY_BYTES_MAX) {
    const bytes = length === 0 ? new Uint8Array(0) : await reader.read(start, length);
    md5.update(bytes);
    return { data: bytes, md5Hex };
  }
  const stream = rangeStream(reader, start, length, () => {}, deps);
  async function* data(): AsyncGenerator<Uint8Array> {
    for await (const piece of stream) {
      md5.update(piece);
      yield piece;
    }
  }
  return { data: data(), md5Hex };
}

export async function copyObject(call: S3Call): Promise<Response> {
  requireWrite(call);
  const { deps, bucket, key, headers } = call;
  const source = await copySource(call);
  const { path, folderMarker } = objectPath(bucket, key);
  if (folderMarker) throw S3Error.invalidRequest("An object cannot be copied onto a folder marker key.");
  if (source.sizeBytes > PUT_BYTES_MAX) throw S3Error.invalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120.");
  const directive = (headers.get("x-amz-metadata-directive") ?? "COPY").toUpperCase();
  if (directive !== "COPY" && directive !== "REPLACE") throw S3Error.invalidArgument("Unknown metadata directive.");
  const metadata = directive === "REPLACE" ? requestMetadata(headers) : pickMetadata(source.attributes);
  // What describes the bytes (ETag, checksums, part count) stays with them.
  const kept = Object.fromEntries(Object.entries(source.attributes).filter(([name]) => name === S3_ATTRIBUTE.etag || name === S3_ATTRIBUTE.parts || name.startsWith(S3_ATTRIBUTE.checksumPrefix)));
  if (source.path === path) {
    if (directive !== "REPLACE") {
      throw S3Error.invalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
    }
    try {
      await deps.fs.setAttributes(path, { ...kept, ...metadata });
    } catch (err) {
      throw await s3ErrorIn(deps, bucket, err);
    }
    const stat = await statObject(deps, bucket, key);
    return new Response(copyObjectResultXml(stat.etag, stat.mtimeMs), { headers: XML_HEADERS });
  }
  const read = await readForCopy(deps, source.reader, 0, source.sizeBytes);
  let etag = "";
  const stat = await publishFile(deps, bucket, path, read.data, source.sizeBytes, async () => {
    // A single-part source keeps its ETag (the MD5 of these same bytes); a multipart one gets the MD5.
    etag = source.attributes[S3_ATTRIBUTE.parts] === undefined && source.attributes[S3_ATTRIBUTE.etag] !== undefined ? source.etag : quoteEtag(read.md5Hex());
    const { [S3_ATTRIBUTE.parts]: _parts, ...bytesAttributes } = kept;
    const attributes: Attributes = { ...bytesAttributes, ...metadata, [S3_ATTRIBUTE.etag]: etag };
    if (source.attributes[S3_ATTRIBUTE.parts] !== undefined) {
      for (const name of Object.keys(attributes)) if (name.startsWith(S3_ATTRIBUTE.checksumPrefix)) delete attributes[name];
    }
    return attributes;
  });
  deps.metrics.addBytesIn(call.operation, source.sizeBytes);
  return new Response(copyObjectResultXml(etag, stat.mtimeMs), { headers: XML_HEADERS });
}
