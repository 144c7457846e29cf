// AWS Signature Version 4 as S3 checks it: the Authorization header form and the presigned
// (query) form. Only S3's canonicalisation: the path is URI-encoded once (other services
// encode it twice), and the payload's hash is whatever x-amz-content-sha256 says, which for
// S3 may also be UNSIGNED-PAYLOAD or one of the STREAMING-* modes of aws-chunked bodies.
// Reference: "Authenticating Requests (AWS Signature Version 4)" in the S3 API reference.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { S3Error } from "./errors.ts";

export const ALGORITHM = "AWS4-HMAC-SHA256";
/** S3 refuses a header-signed request whose x-amz-date is further than this from its clock. */
export const CLOCK_SKEW_MS_MAX = 15 * 60 * 1000;
/** A presigned URL lives at most 7 days (X-Amz-Expires <= 604800), as on S3. */
export const PRESIGNED_EXPIRES_SECONDS_MAX = 7 * 24 * 3600;
/** Bounds on what is parsed before any key is looked up: no request makes us hash megabytes. */
const AUTHORIZATION_CHARS_MAX = 4096;
const SIGNED_HEADERS_MAX = 64;
const QUERY_PARAMS_MAX = 1000;

export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
export const STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
export const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
export const EMPTY_SHA256_HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export interface SignedRequestInput {
  method: string;
  /** The path as sent, still %-encoded. */
  rawPath: string;
  /** The query as sent, without '?'. */
  rawQuery: string;
  headers: Headers;
  nowMs: number;
}

export interface AccessKey {
  accessKeyId: string;
  secret: string;
  name: string;
  buckets: string[];
  readOnly: boolean;
}

/** What an aws-chunked body's chunk signatures chain from: the request's own signature. */
export interface ChunkSigningContext {
  signingKey: Uint8Array;
  /** x-amz-date of the request, "20130524T000000Z". */
  amzDate: string;
  /** "20130524/us-east-1/s3/aws4_request". */
  scope: string;
  seedSignature: string;
}

export type PayloadMode =
  | { kind: "sha256"; hex: string } // x-amz-content-sha256 is a hash: the caller verifies the body
  | { kind: "unsigned" } // UNSIGNED-PAYLOAD (and presigned)
  | { kind: "streaming-signed"; trailer: boolean; seed: ChunkSigningContext }
  | { kind: "streaming-unsigned-trailer" };

interface Credential {
  accessKeyId: string;
  date: string; // yyyymmdd
  region: string;
  service: string;
}

interface ParsedAuth {
  credential: Credential;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  payloadHash: string;
  presigned: boolean;
}

/**
 * Checks a request's signature; answers the key that signed it and how its body is covered.
 * Throws S3Error: AccessDenied (anonymous, or an expired presigned URL), InvalidAccessKeyId,
 * SignatureDoesNotMatch, AuthorizationHeaderMalformed, AuthorizationQueryParametersError,
 * RequestTimeTooSkewed, InvalidArgument (an x-amz-content-sha256 S3 does not know).
 * Whether the key may touch the bucket, and read-only keys, are the caller's to check.
 */
export async function verifySigV4(
  input: SignedRequestInput,
  lookup: (accessKeyId: string) => Promise<AccessKey | undefined>,
): Promise<{ key: AccessKey; payload: PayloadMode }> {
  const query = parseQuery(input.rawQuery);
  const authorization = input.headers.get("authorization");
  const presigned = query.some(([name]) => name === "X-Amz-Algorithm" || name === "X-Amz-Signature");
  if (authorization !== null && presigned) {
    throw S3Error.invalidArgument("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.");
  }
  let auth: ParsedAuth;
  if (presigned) auth = parsePresigned(query, input);
  else if (authorization !== null) auth = parseAuthorizationHeader(authorization, input);
  else throw S3Error.accessDenied("Anonymous access is not allowed: sign the request with an access key.");

  const key = await lookup(auth.credential.accessKeyId);
  if (key === undefined) throw S3Error.invalidAccessKeyId();

  const canonical = canonicalRequest(input, query, auth);
  const scope = `${auth.credential.date}/${auth.credential.region}/${auth.credential.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${auth.amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  const signingKey = deriveSigningKey(key.secret, auth.credential.date, auth.credential.region, auth.credential.service);
  const expected = hmacHex(signingKey, stringToSign);
  if (!hexEqual(expected, auth.signature)) throw S3Error.signatureDoesNotMatch();

  return { key, payload: payloadMode(auth, { signingKey, amzDate: auth.amzDate, scope, seedSignature: expected }) };
}

function payloadMode(auth: ParsedAuth, seed: ChunkSigningContext): PayloadMode {
  const hash = auth.payloadHash;
  if (hash === UNSIGNED_PAYLOAD) return { kind: "unsigned" };
  if (hash === STREAMING_SIGNED) return { kind: "streaming-signed", trailer: false, seed };
  if (hash === STREAMING_SIGNED_TRAILER) return { kind: "streaming-signed", trailer: true, seed };
  if (hash === STREAMING_UNSIGNED_TRAILER) return { kind: "streaming-unsigned-trailer" };
  return { kind: "sha256", hex: hash };
}

function checkPayloadHash(value: string): string {
  if (/^[0-9a-f]{64}$/.test(value)) return value;
  if (value === UNSIGNED_PAYLOAD || value === STREAMING_SIGNED || value === STREAMING_SIGNED_TRAILER || value === STREAMING_UNSIGNED_TRAILER) {
    return value;
  }
  if (value.startsWith("STREAMING-AWS4-ECDSA")) throw S3Error.notImplemented("Signature Version 4A (ECDSA) is not supported; use AWS4-HMAC-SHA256.");
  throw S3Error.invalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], or a valid sha256 value.");
}

function parseCredential(text: string, malformed: (message: string) => S3Error): Credential {
  const parts = text.split("/");
  if (parts.length !== 5 || parts[0] === "") throw malformed(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  const [accessKeyId, date, region, service, terminal] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(date)) throw malformed(`invalid date in the Credential: ${JSON.stringify(date.slice(0, 16))}.`);
  if (service !== "s3") throw malformed(`the Credential names the service ${JSON.stringify(service.slice(0, 16))}; expecting "s3".`);
  if (terminal !== "aws4_request") throw malformed(`the Credential must end in "aws4_request".`);
  // The gateway has no regions: any region the client signed for is accepted as it signed it.
  if (region === "" || region.length > 64) throw malformed("the Credential's region is empty or too long.");
  return { accessKeyId, date, region, service };
}

function parseSignedHeaders(text: string, malformed: (message: string) => S3Error): string[] {
  const names = text.split(";");
  if (names.length > SIGNED_HEADERS_MAX) throw malformed(`more than ${SIGNED_HEADERS_MAX} signed headers.`);
  for (const name of names) {
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw malformed(`signed header names must be lower case tokens, separated by ';'.`);
  }
  if (!names.includes("host")) throw malformed("the signed headers must include host.");
  return names;
}

function checkSignature(text: string, malformed: (message: string) => S3Error): string {
  if (!/^[0-9a-f]{64}$/.test(text)) throw malformed("the Signature must be 64 lower case hex digits.");
  return text;
}

/** "20130524T000000Z" as ms since the epoch, or undefined if it is not that form. */
export function parseAmzDate(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 20130231 over into March: a date that does not round-trip is invalid.
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "") === text ? ms : undefined;
}

function parseAuthorizationHeader(header: string, input: SignedRequestInput): ParsedAuth {
  const malformed = (message: string) => S3Error.authorizationHeaderMalformed(`The authorization header is malformed: ${message}`);
  if (header.length > AUTHORIZATION_CHARS_MAX) throw malformed("it is too long.");
  if (!header.startsWith(`${ALGORITHM} `)) {
    if (header.startsWith("AWS ")) throw S3Error.invalidRequest("Signature Version 2 is not supported; use AWS4-HMAC-SHA256.");
    throw malformed(`the algorithm must be ${ALGORITHM}.`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(",")) {
    const trimmed = part.trim();
    const eq = trimmed.indexOf("=");
    if (eq <= 0) throw malformed(`expected "Name=value" components, got ${JSON.stringify(trimmed.slice(0, 32))}.`);
    const name = trimmed.slice(0, eq);
    if (fields.has(name)) throw malformed(`${name} appears twice.`);
    fields.set(name, trimmed.slice(eq + 1));
  }
  const credentialText = fields.get("Credential");
  const signedHeadersText = fields.get("SignedHeaders");
  const signatureText = fields.get("Signature");
  if (credentialText === undefined || signedHeadersText === undefined || signatureText === undefined || fields.size !== 3) {
    throw malformed("it must have exactly Credential, SignedHeaders and Signature.");
  }
  const credential = parseCredential(credentialText, malformed);
  const signedHeaders = parseSignedHeaders(signedHeadersText, malformed);
  const signature = checkSignature(signatureText, malformed);

  const amzDate = input.headers.get("x-amz-date");
  if (amzDate === null) throw S3Error.accessDenied("AWS authentication requires a valid x-amz-date header.");
  const dateMs = parseAmzDate(amzDate);
  if (dateMs === undefined) throw S3Error.accessDenied("AWS authentication requires a valid x-amz-date header (YYYYMMDDTHHMMSSZ).");
  if (amzDate.slice(0, 8) !== credential.date) throw malformed(`the Credential's date ${credential.date} is not the day of x-amz-date.`);
  if (Math.abs(input.nowMs - dateMs) > CLOCK_SKEW_MS_MAX) throw S3Error.requestTimeTooSkewed();

  const contentSha256 = input.headers.get("x-amz-content-sha256");
  if (contentSha256 === null) throw S3Error.invalidRequest("Missing required header for this request: x-amz-content-sha256.");
  checkAmzHeadersSigned(input.headers, signedHeaders);
  return { credential, signedHeaders, signature, amzDate, payloadHash: checkPayloadHash(contentSha256), presigned: false };
}

function parsePresigned(query: [string, string][], input: SignedRequestInput): ParsedAuth {
  const malformed = (message: string) => S3Error.authorizationQueryParametersError(`Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters: ${message}`);
  const one = (name: string): string => {
    const values = query.filter(([n]) => n === name);
    if (values.length !== 1) throw malformed(`${name} must appear once.`);
    return values[0]![1];
  };
  if (one("X-Amz-Algorithm") !== ALGORITHM) throw malformed(`X-Amz-Algorithm must be ${ALGORITHM}.`);
  const credential = parseCredential(one("X-Amz-Credential"), malformed);
  const signedHeaders = parseSignedHeaders(one("X-Amz-SignedHeaders"), malformed);
  const signature = checkSignature(one("X-Amz-Signature"), malformed);
  const amzDate = one("X-Amz-Date");
  const dateMs = parseAmzDate(amzDate);
  if (dateMs === undefined) throw malformed("X-Amz-Date must be YYYYMMDDTHHMMSSZ.");
  if (amzDate.slice(0, 8) !== credential.date) throw malformed(`the Credential's date ${credential.date} is not the day of X-Amz-Date.`);
  const expiresText = one("X-Amz-Expires");
  if (!/^\d{1,7}$/.test(expiresText)) throw malformed("X-Amz-Expires must be a number of seconds.");
  const expiresSeconds = Number(expiresText);
  if (expiresSeconds > PRESIGNED_EXPIRES_SECONDS_MAX) throw malformed("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds.");
  if (input.nowMs > dateMs + expiresSeconds * 1000) throw S3Error.accessDenied("Request has expired");
  // A URL dated in the future beyond the skew bound is not valid yet.
  if (dateMs - input.nowMs > CLOCK_SKEW_MS_MAX) throw S3Error.accessDenied("Request is not valid yet");
  checkAmzHeadersSigned(input.headers, signedHeaders);
  // The presigner may sign a hash into the query; otherwise the body is not covered.
  const queryHash = query.find(([name]) => name === "X-Amz-Content-Sha256")?.[1];
  return { credential, signedHeaders, signature, amzDate, payloadHash: checkPayloadHash(queryHash ?? UNSIGNED_PAYLOAD), presigned: true };
}

/**
 * S3 refuses x-amz-* headers that are sent but not signed: otherwise anyone on the path could
 * add x-amz-meta-*, x-amz-copy-source or a checksum to a signed request.
 */
function checkAmzHeadersSigned(headers: Headers, signed: string[]): void {
  for (const name of headers.keys()) {
    if (name.startsWith("x-amz-") && !signed.includes(name)) {
      throw S3Error.accessDenied(`There were headers present in the request which were not signed: ${name.slice(0, 64)}`);
    }
  }
}

function canonicalRequest(input: SignedRequestInput, query: [string, string][], auth: ParsedAuth): string {
  const headerLines = auth.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(input.headers.get(name))}\n`).join("");
  return [
    input.method.toUpperCase(),
    canonicalUri(input.rawPath),
    canonicalQuery(query, auth.presigned),
    headerLines,
    auth.signedHeaders.join(";"),
    auth.payloadHash,
  ].join("\n");
}

function canonicalHeaderValue(value: string | null): string {
  return value === null ? "" : value.trim().replace(/\s+/g, " ");
}

/**
 * The path encoded as SigV4 wants it (each byte but A-Z a-z 0-9 - . _ ~ as %XX), from the
 * path as sent: clients disagree on what to escape (some leave '=' or '@', some use lower case
 * hex), so each segment is decoded and encoded again. '%2F' inside a segment stays '%2F'.
 */
export function canonicalUri(rawPath: string): string {
  if (rawPath === "") return "/";
  return rawPath
    .split("/")
    .map((segment) => uriEncode(safeDecode(segment)))
    .join("/");
}

function safeDecode(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // not valid %-encoded UTF-8: sign it as sent
  }
}

/** RFC 3986 encoding as SigV4 specifies it: everything but the unreserved characters. */
export function uriEncode(text: string): string {
  // A lone surrogate has no UTF-8 form and encodeURIComponent throws a URIError on it; no
  // request off the wire holds one (its bytes decode to U+FFFD), so it is encoded as that
  // (found by test/fuzz, which edits raw paths and queries as strings).
  return encodeURIComponent(text.replace(/\p{Cs}/gu, "\uFFFD")).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The query's name/value pairs, decoded ('+' is a space, as HTML forms write it). */
export function parseQuery(rawQuery: string): [string, string][] {
  if (rawQuery === "") return [];
  const parts = rawQuery.split("&");
  if (parts.length > QUERY_PARAMS_MAX) throw S3Error.invalidArgument(`A query has at most ${QUERY_PARAMS_MAX} parameters.`);
  const pairs: [string, string][] = [];
  for (const part of parts) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    pairs.push([safeDecode(name.replace(/\+/g, " ")), safeDecode(value.replace(/\+/g, " "))]);
  }
  return pairs;
}

function canonicalQuery(query: [string, string][], presigned: boolean): string {
  const encoded = query
    .filter(([name]) => !(presigned && name === "X-Amz-Signature"))
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const);
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return encoded.map(([name, value]) => `${name}=${value}`).join("&");
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function hmac(key: Uint8Array | string, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

function hmacHex(key: Uint8Array, data: string): string {
  return createHmac("sha256", key).update(data).digest("hex");
}

export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
}

/** Constant-time comparison of two hex signatures (a timing oracle would leak a valid one byte by byte). */
export function hexEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, "latin1"), Buffer.from(b, "latin1"));
}

/** A chunk's signature (S3 "Transferring Payload in Multiple Chunks"), chained from the one before. */
export function chunkSignature(context: ChunkSigningContext, previousSignature: string, chunkSha256Hex: string): string {
  return hmacHex(
    context.signingKey,
    `AWS4-HMAC-SHA256-PAYLOAD\n${context.amzDate}\n${context.scope}\n${previousSignature}\n${EMPTY_SHA256_HEX}\n${chunkSha256Hex}`,
  );
}

/** The trailing headers' signature (S3 "Including Trailing Headers"), chained from the final chunk's. */
export function trailerSignature(context: ChunkSigningContext, previousSignature: string, canonicalTrailers: string): string {
  return hmacHex(context.signingKey, `AWS4-HMAC-SHA256-TRAILER\n${context.amzDate}\n${context.scope}\n${previousSignature}\n${sha256Hex(canonicalTrailers)}`);
}
