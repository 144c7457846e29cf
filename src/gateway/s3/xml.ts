// S3's XML: the responses built as text (S3's element order, which some clients rely on), and
// the two request bodies a client sends parsed with fast-xml-parser, each parse bounded.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { ChecksumAlgorithm, VerifiedChecksum } from "./checksums.ts";
import { escapeXml, S3Error } from "./errors.ts";

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
/** A request body of XML: 1,000 keys of 1,024 bytes (escaped) or 10,000 parts fit. */
export const XML_BODY_BYTES_MAX = 2 * 1024 * 1024;
/** DeleteObjects takes at most 1,000 keys (S3's bound). */
export const DELETE_KEYS_MAX = 1000;
/** A multipart upload has parts 1..10,000. */
export const PARTS_MAX = 10_000;

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

function el(name: string, value: string | number | boolean): string {
  return `<${name}>${typeof value === "string" ? escapeXml(value) : String(value)}</${name}>`;
}

function optional(name: string, value: string | number | undefined): string {
  return value === undefined ? "" : el(name, value);
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * encoding-type=url as S3 writes it: form encoding ('+' for a space), '/' left as is. Lets a
 * client receive keys with characters XML 1.0 cannot hold (most control characters).
 */
export function s3UrlEncode(text: string): string {
  return encodeURIComponent(text).replace(/%2F/g, "/").replace(/%20/g, "+").replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function encoder(encodingType: "url" | undefined): (text: string) => string {
  return encodingType === "url" ? s3UrlEncode : (text) => text;
}

function ownerXml(tag: string, owner: Owner): string {
  return `<${tag}>${el("ID", owner.id)}${el("DisplayName", owner.displayName)}</${tag}>`;
}

function contentsXml(entries: ObjectEntry[], encode: (text: string) => string, owner: Owner | undefined): string {
  return entries
    .map(
      (entry) =>
        "<Contents>" +
        el("Key", encode(entry.key)) +
        el("LastModified", isoDate(entry.lastModifiedMs)) +
        el("ETag", entry.etag) +
        el("Size", entry.sizeBytes) +
        (entry.checksumAlgorithm === undefined ? "" : el("ChecksumAlgorithm", entry.checksumAlgorithm)) +
        (owner === undefined ? "" : ownerXml("Owner", owner)) +
        el("StorageClass", "STANDARD") +
        "</Contents>",
    )
    .join("");
}

function commonPrefixesXml(prefixes: string[], encode: (text: string) => string): string {
  return prefixes.map((prefix) => `<CommonPrefixes>${el("Prefix", encode(prefix))}</CommonPrefixes>`).join("");
}

export function listBucketsXml(buckets: { name: string; creationDateMs: number }[], owner: Owner): string {
  const items = buckets.map((b) => `<Bucket>${el("Name", b.name)}${el("CreationDate", isoDate(b.creationDateMs))}</Bucket>`).join("");
  return `${XML_HEAD}<ListAllMyBucketsResult${NS}>${ownerXml("Owner", owner)}<Buckets>${items}</Buckets></ListAllMyBucketsResult>`;
}

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

export function listObjectsV2Xml(r: ListObjectsV2Result): string {
  const encode = encoder(r.encodingType);
  return (
    `${XML_HEAD}<ListBucketResult${NS}>` +
    el("Name", r.bucket) +
    el("Prefix", encode(r.prefix)) +
    optional("Delimiter", r.delimiter === undefined ? undefined : encode(r.delimiter)) +
    el("MaxKeys", r.maxKeys) +
    optional("EncodingType", r.encodingType) +
    el("IsTruncated", r.isTruncated) +
    optional("ContinuationToken", r.continuationToken) +
    optional("NextContinuationToken", r.nextContinuationToken) +
    optional("StartAfter", r.startAfter === undefined ? undefined : encode(r.startAfter)) +
    el("KeyCount", r.contents.length + r.commonPrefixes.length) +
    contentsXml(r.contents, encode, r.owner) +
    commonPrefixesXml(r.commonPrefixes, encode) +
    "</ListBucketResult>"
  );
}

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

export function listObjectsV1Xml(r: ListObjectsV1Result): string {
  const encode = encoder(r.encodingType);
  return (
    `${XML_HEAD}<ListBucketResult${NS}>` +
    el("Name", r.bucket) +
    el("Prefix", encode(r.prefix)) +
    el("Marker", encode(r.marker)) +
    optional("NextMarker", r.nextMarker === undefined ? undefined : encode(r.nextMarker)) +
    el("MaxKeys", r.maxKeys) +
    optional("Delimiter", r.delimiter === undefined ? undefined : encode(r.delimiter)) +
    optional("EncodingType", r.encodingType) +
    el("IsTruncated", r.isTruncated) +
    contentsXml(r.contents, encode, r.owner) +
    commonPrefixesXml(r.commonPrefixes, encode) +
    "</ListBucketResult>"
  );
}

export function initiateMultipartXml(bucket: string, key: string, uploadId: string): string {
  return `${XML_HEAD}<InitiateMultipartUploadResult${NS}>${el("Bucket", bucket)}${el("Key", key)}${el("UploadId", uploadId)}</InitiateMultipartUploadResult>`;
}

function checksumXml(checksum: VerifiedChecksum | undefined): string {
  if (checksum === undefined) return "";
  const tag = `Checksum${checksum.algorithm}`;
  return el(tag, checksum.value);
}

export function completeMultipartResultXml(r: { location: string; bucket: string; key: string; etag: string; checksum?: VerifiedChecksum }): string {
  return (
    `${XML_HEAD}<CompleteMultipartUploadResult${NS}>` +
    el("Location", r.location) +
    el("Bucket", r.bucket) +
    el("Key", r.key) +
    el("ETag", r.etag) +
    checksumXml(r.checksum) +
    "</CompleteMultipartUploadResult>"
  );
}

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

export function listPartsXml(r: ListPartsResult): string {
  const parts = r.parts
    .map(
      (p) =>
        "<Part>" +
        el("PartNumber", p.partNumber) +
        el("LastModified", isoDate(p.lastModifiedMs)) +
        el("ETag", p.etag) +
        el("Size", p.sizeBytes) +
        checksumXml(p.checksum) +
        "</Part>",
    )
    .join("");
  return (
    `${XML_HEAD}<ListPartsResult${NS}>` +
    el("Bucket", r.bucket) +
    el("Key", r.key) +
    el("UploadId", r.uploadId) +
    ownerXml("Initiator", r.owner) +
    ownerXml("Owner", r.owner) +
    el("StorageClass", "STANDARD") +
    el("PartNumberMarker", r.partNumberMarker) +
    optional("NextPartNumberMarker", r.nextPartNumberMarker) +
    el("MaxParts", r.maxParts) +
    el("IsTruncated", r.isTruncated) +
    optional("ChecksumAlgorithm", r.checksumAlgorithm) +
    parts +
    "</ListPartsResult>"
  );
}

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
  uploads: { key: string; uploadId: string; initiatedMs: number }[];
  commonPrefixes: string[];
  owner: Owner;
}

export function listMultipartUploadsXml(r: ListMultipartUploadsResult): string {
  const encode = encoder(r.encodingType);
  const uploads = r.uploads
    .map(
      (u) =>
        "<Upload>" +
        el("Key", encode(u.key)) +
        el("UploadId", u.uploadId) +
        ownerXml("Initiator", r.owner) +
        ownerXml("Owner", r.owner) +
        el("StorageClass", "STANDARD") +
        el("Initiated", isoDate(u.initiatedMs)) +
        "</Upload>",
    )
    .join("");
  return (
    `${XML_HEAD}<ListMultipartUploadsResult${NS}>` +
    el("Bucket", r.bucket) +
    el("KeyMarker", encode(r.keyMarker)) +
    el("UploadIdMarker", r.uploadIdMarker) +
    optional("NextKeyMarker", r.nextKeyMarker === undefined ? undefined : encode(r.nextKeyMarker)) +
    optional("NextUploadIdMarker", r.nextUploadIdMarker) +
    el("Prefix", encode(r.prefix)) +
    optional("Delimiter", r.delimiter === undefined ? undefined : encode(r.delimiter)) +
    el("MaxUploads", r.maxUploads) +
    optional("EncodingType", r.encodingType) +
    el("IsTruncated", r.isTruncated) +
    uploads +
    commonPrefixesXml(r.commonPrefixes, encode) +
    "</ListMultipartUploadsResult>"
  );
}

export function copyObjectResultXml(etag: string, lastModifiedMs: number, checksum?: VerifiedChecksum): string {
  return `${XML_HEAD}<CopyObjectResult${NS}>${el("ETag", etag)}${el("LastModified", isoDate(lastModifiedMs))}${checksumXml(checksum)}</CopyObjectResult>`;
}

export function copyPartResultXml(etag: string, lastModifiedMs: number, checksum?: VerifiedChecksum): string {
  return `${XML_HEAD}<CopyPartResult${NS}>${el("ETag", etag)}${el("LastModified", isoDate(lastModifiedMs))}${checksumXml(checksum)}</CopyPartResult>`;
}

export function deleteResultXml(r: { deleted: string[]; errors: { key: string; code: string; message: string }[] }): string {
  const deleted = r.deleted.map((key) => `<Deleted>${el("Key", key)}</Deleted>`).join("");
  const errors = r.errors.map((e) => `<Error>${el("Key", e.key)}${el("Code", e.code)}${el("Message", e.message)}</Error>`).join("");
  return `${XML_HEAD}<DeleteResult${NS}>${deleted}${errors}</DeleteResult>`;
}

/** GetBucketLocation: S3 answers an empty constraint for us-east-1. */
export function locationXml(region: string): string {
  return `${XML_HEAD}<LocationConstraint${NS}>${region === "us-east-1" ? "" : escapeXml(region)}</LocationConstraint>`;
}

// --- parsing -----------------------------------------------------------------------------

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false, // every value stays a string: "007" is a part number, "1e3" is not
  trimValues: false, // keys may begin or end with spaces
  processEntities: false, // decoded by decodeEntities below: the parser leaves &#13; as it is
  htmlEntities: false,
  maxNestedTags: 8,
  removeNSPrefix: true,
  isArray: (name) => name === "Part" || name === "Object",
});

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The body as text, bounded, well-formed, with no DTD and no CDATA. */
function xmlText(body: string | Uint8Array): string {
  const bytes = typeof body === "string" ? Buffer.byteLength(body) : body.length;
  if (bytes > XML_BODY_BYTES_MAX) throw S3Error.maxMessageLengthExceeded();
  let text: string;
  try {
    text = typeof body === "string" ? body : decoder.decode(body);
  } catch {
    throw S3Error.malformedXml();
  }
  // No DTD (no entity expansion at all) and no CDATA: the parser would merge a CDATA section
  // into text whose entities are then decoded, so "&amp;" in one would read as "&". No SDK
  // writes either.
  if (/<!DOCTYPE|<!ENTITY|<!\[CDATA\[/i.test(text)) throw S3Error.malformedXml();
  if (XMLValidator.validate(text) !== true) throw S3Error.malformedXml();
  return text;
}

function parse(body: string | Uint8Array): Record<string, unknown> {
  try {
    return parser.parse(xmlText(body)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof S3Error) throw err;
    throw S3Error.malformedXml();
  }
}

function record(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw S3Error.malformedXml();
  return value as Record<string, unknown>;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * XML's five entities and character references, in one pass (so "&amp;#13;" stays "&#13;").
 * The SDKs write "\r" and "\n" in keys as &#x0D; and &#x0A;. Anything else is malformed.
 */
function decodeEntities(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&([^;&]{0,10});?/g, (whole, name: string) => {
    if (!whole.endsWith(";")) throw S3Error.malformedXml();
    const named = ENTITIES[name];
    if (named !== undefined) return named;
    const match = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (match === null) throw S3Error.malformedXml();
    const codePoint = match[1] !== undefined ? Number.parseInt(match[1], 16) : Number(match[2]);
    if (codePoint === 0 || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) throw S3Error.malformedXml();
    return String.fromCodePoint(codePoint);
  });
}

/** A leaf's text, entities decoded; an element with children is malformed here. */
function text(value: unknown): string {
  if (typeof value === "string") return decodeEntities(value);
  throw S3Error.malformedXml();
}

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * CompleteMultipartUpload's body: the parts in the order given, ETags without quotes, and any
 * checksums per part. MalformedXML for anything not of that form (no parts, a part number out
 * of 1..10,000, a missing ETag); InvalidPartOrder unless part numbers strictly ascend.
 */
export function parseCompleteMultipart(body: string | Uint8Array): { partNumber: number; etag: string; checksums: Partial<Record<ChecksumAlgorithm, string>> }[] {
  const root = record(parse(body).CompleteMultipartUpload);
  const parts = list(root.Part);
  if (parts.length === 0 || parts.length > PARTS_MAX) throw S3Error.malformedXml();
  const result: { partNumber: number; etag: string; checksums: Partial<Record<ChecksumAlgorithm, string>> }[] = [];
  let previous = 0;
  for (const item of parts) {
    const part = record(item);
    const numberText = text(part.PartNumber).trim();
    if (!/^\d{1,5}$/.test(numberText)) throw S3Error.malformedXml();
    const partNumber = Number(numberText);
    if (partNumber < 1 || partNumber > PARTS_MAX) throw S3Error.invalidArgument("Part number must be an integer between 1 and 10000, inclusive.");
    if (partNumber <= previous) throw S3Error.invalidPartOrder();
    previous = partNumber;
    const etag = text(part.ETag)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    if (etag === "") throw S3Error.malformedXml();
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    for (const algorithm of ["CRC32", "CRC32C", "SHA1", "SHA256"] as const) {
      const value = part[`Checksum${algorithm}`];
      if (value !== undefined) checksums[algorithm] = text(value).trim();
    }
    result.push({ partNumber, etag, checksums });
  }
  return result;
}

/** DeleteObjects' body: 1..1,000 keys, as given (spaces kept), and Quiet. */
export function parseDelete(body: string | Uint8Array): { keys: string[]; quiet: boolean } {
  const root = record(parse(body).Delete);
  const objects = list(root.Object);
  if (objects.length === 0 || objects.length > DELETE_KEYS_MAX) throw S3Error.malformedXml();
  const keys = objects.map((item) => {
    const key = text(record(item).Key);
    if (key === "") throw S3Error.malformedXml();
    return key;
  });
  const quietText = root.Quiet === undefined ? "false" : text(root.Quiet).trim().toLowerCase();
  if (quietText !== "true" && quietText !== "false") throw S3Error.malformedXml();
  return { keys, quiet: quietText === "true" };
}
