// How the gateway keeps S3's object metadata in the namespace: attributes of the file (or of
// the folder, for a folder marker), set in the same commit that publishes the object.
// docs/s3.md has the table.
import { storedContentEncoding } from "./aws-chunked.ts";

/** Name -> value, UTF-8; the namespace bounds names and the whole map (protocol/limits.ts). */
export type Attributes = Record<string, string>;

/** The gateway's own folder in every bucket (PUT bodies being written, multipart uploads): never listed; no key may name it. */
export { INTERNAL_FOLDER } from "./names.ts";

export const S3_ATTRIBUTE = {
  /** The quoted ETag: hex MD5 of a single PUT's body, or the multipart form "<hex>-N". */
  etag: "s3.etag",
  /** Set on a folder that is a folder marker (a key ending in "/"). */
  marker: "s3.marker",
  /** The number of parts of an object completed from a multipart upload. */
  parts: "s3.parts",
  contentType: "s3.content-type",
  contentEncoding: "s3.content-encoding",
  contentDisposition: "s3.content-disposition",
  contentLanguage: "s3.content-language",
  cacheControl: "s3.cache-control",
  expires: "s3.expires",
  /** x-amz-meta-<name> is kept as s3.meta.<name>. */
  metaPrefix: "s3.meta.",
  /** x-amz-checksum-<alg> (base64) as s3.checksum.<alg>, alg lower case. */
  checksumPrefix: "s3.checksum.",
} as const;

/** The content headers kept with an object, each with its attribute. */
export const CONTENT_HEADERS: ReadonlyArray<readonly [header: string, attribute: string]> = [
  ["content-type", S3_ATTRIBUTE.contentType],
  ["content-encoding", S3_ATTRIBUTE.contentEncoding],
  ["content-disposition", S3_ATTRIBUTE.contentDisposition],
  ["content-language", S3_ATTRIBUTE.contentLanguage],
  ["cache-control", S3_ATTRIBUTE.cacheControl],
  ["expires", S3_ATTRIBUTE.expires],
];

/** The metadata a request carries (content headers, x-amz-meta-*), as attributes. */
export function metadataAttributes(headers: Headers): Attributes {
  const attributes: Attributes = {};
  for (const [header, attribute] of CONTENT_HEADERS) {
    // "aws-chunked" describes the transfer, not the object.
    const value = header === "content-encoding" ? storedContentEncoding(headers.get(header)) : headers.get(header);
    if (value !== null && value !== undefined) attributes[attribute] = value;
  }
  headers.forEach((value, name) => {
    if (name.startsWith("x-amz-meta-")) attributes[S3_ATTRIBUTE.metaPrefix + name.slice("x-amz-meta-".length)] = value;
  });
  return attributes;
}

/** The metadata attributes of an object (content headers, user metadata), for a CopyObject that keeps them. */
export function pickMetadata(attributes: Attributes): Attributes {
  const picked: Attributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith(S3_ATTRIBUTE.metaPrefix) || CONTENT_HEADERS.some(([, attribute]) => attribute === name)) picked[name] = value;
  }
  return picked;
}

/** The response headers that give an object's metadata back. */
export function metadataHeaders(attributes: Attributes, headers: Headers): void {
  for (const [header, attribute] of CONTENT_HEADERS) {
    const value = attributes[attribute];
    if (value !== undefined && isHeaderValue(value)) headers.set(header, value);
  }
  for (const [name, value] of Object.entries(attributes)) {
    if (!name.startsWith(S3_ATTRIBUTE.metaPrefix)) continue;
    const header = `x-amz-meta-${name.slice(S3_ATTRIBUTE.metaPrefix.length)}`;
    // An attribute set outside S3 (`tessera fs setattr`, WebHDFS) may hold what no header can;
    // it is left out rather than failing the whole read (Headers would throw: a 500).
    if (isHeaderName(header) && isHeaderValue(value)) headers.set(header, value);
  }
}

/** A field value Headers takes (RFC 9110 §5.5: visible ASCII, space, tab, obs-text; no controls, nothing past U+00FF). */
export function isHeaderValue(value: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(value);
}

/** A field name (RFC 9110 §5.1: a token). */
export function isHeaderName(name: string): boolean {
  return /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name);
}
