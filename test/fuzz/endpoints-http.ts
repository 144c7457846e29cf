// Fuzz targets for a real peer's HTTP endpoints (issue 18): admin HTTP (UI, /api, /metrics,
// /jmx), WebHDFS, the S3 gateway (unsigned, badly signed, validly signed then mutated, and
// aws-chunked bodies), and raw bytes on both ports. Each case is one request; the property:
//   - it is answered within REQUEST_DEADLINE_MS, never with a 500 (client junk is 4xx; 503
//     only when the peer says it is busy), and an error comes in the protocol's own format
//     (S3 XML <Error><Code>, WebHDFS RemoteException JSON, admin JSON {"error"});
//   - a refused request changes nothing: the namespace and the S3 keys are as before;
//   - the peer still serves a known-good request afterwards.
import fc from "fast-check";
import type { FuzzTarget } from "./registry.ts";
import {
  BUCKET,
  chunkSigner,
  FILE,
  isAdminError,
  isRemoteException,
  OBJECT_BODY,
  OBJECT_KEY,
  rawExchange,
  REQUEST_DEADLINE_MS,
  s3ErrorCode,
  seedSignatureOf,
  sha256Hex,
  signedFetch,
  signedHeaders,
  startFuzzPeer,
  type FuzzPeer,
  type S3Request,
  asTarget,
  snapshotDiff,
  withDeadline,
} from "./endpoints-peer.ts";

/** State a case compares against: retaken only after a request that succeeded (and so may have changed it). */
interface HttpContext {
  fuzz: FuzzPeer;
  before: string;
}

const encoder = new TextEncoder();

async function setup(): Promise<HttpContext> {
  const fuzz = await startFuzzPeer();
  return { fuzz, before: await fuzz.snapshot() };
}

async function teardown(context: HttpContext): Promise<void> {
  await context.fuzz.stop();
}

function describe(request: { method: string; url: string; headers?: Record<string, string>; body?: Uint8Array }): string {
  const body = request.body ? ` body=${JSON.stringify(new TextDecoder().decode(request.body.subarray(0, 300)))}` : "";
  return `${request.method} ${request.url.slice(0, 500)} headers=${JSON.stringify(request.headers ?? {}).slice(0, 500)}${body}`;
}

/** Answers whose body the client does not see: HEAD's has none; Bun's fetch drops TRACE's (the server sends it). */
function bodiless(method: string): boolean {
  return method === "HEAD" || method === "TRACE";
}

/**
 * Bun's HTTP parser answers some requests itself, before any handler, with an empty body: a
 * request line or headers over its 16 KiB bound (431), a body over maxRequestBodySize (413).
 * No server code runs, so no protocol's error format can be asked of it.
 */
function parserRefusal(status: number, text: string): boolean {
  return (status === 431 || status === 413) && text === "";
}

class FuzzFailure extends Error {
  override name = "FuzzFailure";
}

function fail(what: string, request: string, status: number, body: string): never {
  throw new FuzzFailure(`${what}: ${request} -> ${status} ${body.slice(0, 400)}`);
}

/** A refused request must leave the state as it was; an accepted one may change it (retaken). */
async function checkState(context: HttpContext, status: number, request: string, mustNotChange: boolean): Promise<void> {
  const after = await context.fuzz.snapshot();
  if ((mustNotChange || status >= 400) && after !== context.before) {
    fail(`a ${mustNotChange ? "refused or unauthenticated" : "refused"} request changed state (${snapshotDiff(context.before, after)})`, request, status, "");
  }
  context.before = after;
}

async function send(method: string, url: string, headers: Record<string, string>, body: Uint8Array | undefined): Promise<{ status: number; text: string; headers: Headers }> {
  // Bun's fetch sends a body only with these methods.
  const hasBody = body !== undefined && ["PUT", "POST", "DELETE", "PATCH"].includes(method);
  return withDeadline(
    (async () => {
      const response = await fetch(url, { method, headers, ...(hasBody ? { body } : {}), redirect: "manual", signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
      return { status: response.status, text: bodiless(method) ? "" : await response.text(), headers: response.headers };
    })(),
    `${method} ${url.slice(0, 300)}`,
  );
}

// ---- known-good requests ----

async function s3KnownGood(fuzz: FuzzPeer, after: string): Promise<void> {
  const response = await signedFetch(fuzz, { method: "GET", path: `/${BUCKET}/${OBJECT_KEY}` });
  const text = await response.text();
  if (response.status !== 200 || text !== OBJECT_BODY) throw new FuzzFailure(`the known object is not served after ${after}: ${response.status} ${text.slice(0, 300)}`);
}

async function adminKnownGood(fuzz: FuzzPeer, after: string): Promise<void> {
  // A URL the HTTP thread has not answered before (the parameter n is ignored), so the peer's own thread must answer it.
  const stat = await fetch(`${fuzz.http}/api/fs/stat?path=${encodeURIComponent(FILE)}&n=${Math.random()}`, { signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
  const text = await stat.text();
  if (stat.status !== 200 || !text.includes(FILE)) throw new FuzzFailure(`the known file's stat is not served after ${after}: ${stat.status} ${text.slice(0, 300)}`);
}

async function webHdfsKnownGood(fuzz: FuzzPeer, after: string): Promise<void> {
  const response = await fetch(`${fuzz.http}/webhdfs/v1${FILE}?op=GETFILESTATUS&user.name=fuzz`, { signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('"FileStatus"')) throw new FuzzFailure(`the known file's GETFILESTATUS is not served after ${after}: ${response.status} ${text.slice(0, 300)}`);
}

// ---- generators shared by the targets ----

/** Characters %-encoded as S3's canonical URI has them (encodeURIComponent leaves !'()* alone). */
export function s3Encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const junkText = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.constantFrom("", ".", "..", "%", "%zz", "%2F", "%00", "a/../b", "//", "~", " ", "-1", "0", "1e309", "NaN", "9".repeat(30), "true", "\u0000", "\uffff", "x".repeat(9_000)),
);
const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,16}$/);
const headerValue = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("", "bytes=0-", "bytes=5-1", "bytes=-0", "bytes=a-b", "*", '"x"', "0", "-1", "99999999999999999999", "aws-chunked", "gzip, aws-chunked"));
const method = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("GET", "HEAD", "PUT", "POST", "DELETE") }, { weight: 1, arbitrary: fc.constantFrom("OPTIONS", "PATCH", "TRACE", "PROPFIND", "MKCOL") });
const smallBody = fc.option(fc.oneof(fc.uint8Array({ maxLength: 256 }), fc.string({ maxLength: 200 }).map((text) => encoder.encode(text))), { nil: undefined });
const S3_HEADERS = ["range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "content-md5", "content-type", "content-encoding", "x-amz-checksum-crc32", "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm", "x-amz-copy-source", "x-amz-copy-source-range", "x-amz-metadata-directive", "x-amz-meta-a", "x-amz-decoded-content-length", "x-amz-trailer", "x-amz-storage-class", "x-amz-acl", "expect", "cache-control"];
const s3Headers = fc.dictionary(fc.oneof(fc.constantFrom(...S3_HEADERS), token.map((name) => name.toLowerCase())), headerValue, { maxKeys: 4 });

const S3_QUERY_NAMES = ["list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "encoding-type", "marker", "uploads", "uploadId", "partNumber", "location", "delete", "key-marker", "upload-id-marker", "max-uploads", "max-parts", "part-number-marker", "fetch-owner", "acl", "tagging", "versionId", "response-content-type", "x-id"];
const s3Query = fc.array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...S3_QUERY_NAMES) }, { weight: 1, arbitrary: junkText }), fc.option(junkText, { nil: undefined })), { maxLength: 4 }).map((pairs) => pairs.map(([name, value]) => (value === undefined ? s3Encode(name) : `${s3Encode(name)}=${s3Encode(value)}`)).join("&"));

/** A key the fuzzer may write and delete: never the known object. */
const fuzzKey = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }), fc.constantFrom("a", "a/", "a//b", ".", "..", "./x", "x/..", "\u0000", " ", "k".repeat(1_100))).map((key) => `f/${key}`);
const bucketName = fc.oneof({ weight: 4, arbitrary: fc.constant(BUCKET) }, { weight: 1, arbitrary: fc.oneof(junkText, fc.constantFrom("other-bucket", "AB", "a", "xn--a", "192.168.0.1", ".tessera-s3", "fuzz-folder", "metrics")) });
const s3PathOf = (key: fc.Arbitrary<string>) => fc.oneof(
  fc.constant("/"),
  bucketName.map((bucket) => `/${s3Encode(bucket)}`),
  fc.tuple(bucketName, key).map(([bucket, key]) => `/${s3Encode(bucket)}/${key.split("/").map(s3Encode).join("/")}`),
  fc.constantFrom("/metrics", `/${BUCKET}/.tessera-s3/tmp`, `/${BUCKET}/%2e%2e/fuzz-folder/known.txt`, "/%ff", "/a%2Fb"),
);
/** Any path, the known object's included (for requests that must all be refused). */
const s3Path = s3PathOf(fc.oneof(fuzzKey, fc.constant(OBJECT_KEY)));

/** Checks an S3 answer: no 500, an error in S3's XML (a HEAD's has no body), the /metrics page the one exception. */
function checkS3Answer(request: string, method: string, path: string, status: number, text: string, signed: boolean, errorCode: string | null = null): void {
  // S3's own 5xx for a client: 501 NotImplemented (a sub-resource or feature not served), 503 SlowDown.
  if (parserRefusal(status, text)) return;
  const s3Refusal = (status === 501 && (errorCode === "NotImplemented" || s3ErrorCode(text) === "NotImplemented")) || status === 503;
  if (status >= 500 && !s3Refusal) fail("a server error for a client's request", request, status, text);
  if (!signed && method === "GET" && path === "/metrics") return;
  if (!signed && status < 400) fail("an unsigned request was served", request, status, text);
  if (status >= 400 && !bodiless(method) && s3ErrorCode(text) === undefined) fail("an error not in S3's XML", request, status, text);
}

// ---- targets ----

/** Unsigned, half-signed and presigned-looking junk: every request refused, nothing changed. */
const s3Unsigned: FuzzTarget<HttpContext> = {
  name: "endpoints/s3/unsigned",
  suiteRuns: 200,
  setup,
  teardown,
  property: (context) =>
    asTarget(fc.asyncProperty(
      method,
      s3Path,
      s3Query,
      s3Headers,
      fc.option(fc.oneof(junkText, fc.constantFrom("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=", "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + "0".repeat(64), "AWS AKIA:sig", "Bearer x")), { nil: undefined }),
      fc.option(fc.constantFrom("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Signature=00", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb&X-Amz-Date=x&X-Amz-Expires=-1&X-Amz-SignedHeaders=host&X-Amz-Signature=" + "0".repeat(64)), { nil: undefined }),
      smallBody,
      async (verb, path, query, headers, authorization, presign, body) => {
        const allHeaders = { ...headers, ...(authorization !== undefined ? { authorization } : {}) };
        const fullQuery = [query, presign].filter((part) => part).join("&");
        const url = `${context.fuzz.s3}${path}${fullQuery ? `?${fullQuery}` : ""}`;
        const request = describe({ method: verb, url, headers: allHeaders, ...(body ? { body } : {}) });
        let answer;
        try {
          answer = await send(verb, url, allHeaders, body);
        } catch (err) {
          if (err instanceof TypeError && !/fetch|socket|connect/i.test(err.message)) return; // fetch refused to send it (a header fetch will not carry)
          throw new FuzzFailure(`no answer (${(err as Error).message}): ${request}`);
        }
        checkS3Answer(request, verb, path, answer.status, answer.text, false, answer.headers.get("x-amz-error-code"));
        await checkState(context, answer.status, request, true);
        await withDeadline(s3KnownGood(context.fuzz, request), `the known-good request after ${request.slice(0, 300)}`);
      },
    )),
};

/** A well-formed SigV4 request that must not verify: wrong secret, a changed signature, a part changed after signing, a skewed clock. */
const s3BadSignature: FuzzTarget<HttpContext> = {
  name: "endpoints/s3/bad-signature",
  suiteRuns: 200,
  setup,
  teardown,
  property: (context) =>
    asTarget(fc.asyncProperty(
      method,
      s3Path,
      s3Query,
      smallBody,
      fc.constantFrom("secret", "signature", "path", "query", "header", "date", "credential", "signed-headers", "payload-hash"),
      fc.nat(),
      async (verb, path, query, body, how, at) => {
        const base: S3Request = { method: verb, path, query, ...(body && verb !== "GET" && verb !== "HEAD" ? { body } : {}), headers: { "x-amz-meta-a": "b" } };
        if (how === "secret") base.secret = "not-the-secret-of-this-key-0000000000000";
        if (how === "date") base.nowMs = Date.now() + (at % 2 === 0 ? 1 : -1) * (16 * 60 * 1000 + (at % 100_000_000));
        const headers = signedHeaders(context.fuzz, base);
        let sentPath = path;
        let sentQuery = query;
        const flip = (text: string): string => {
          if (text.length === 0) return "x";
          const i = at % text.length;
          const c = text[i] === "a" ? "b" : "a";
          return text.slice(0, i) + c + text.slice(i + 1);
        };
        switch (how) {
          case "signature":
            headers.authorization = headers.authorization!.replace(/Signature=([0-9a-f]{64})/, (_m, sig: string) => `Signature=${flip(sig).replace(/[^0-9a-f]/g, "0")}`);
            if (seedSignatureOf(headers) === signedHeaders(context.fuzz, base).authorization!.slice(-64)) return; // the flip changed nothing
            break;
          case "path":
            sentPath = `${path}${path.endsWith("/") ? "" : "/"}x`;
            break;
          case "query":
            sentQuery = query ? `${query}&x=${at % 10}` : "x=1";
            break;
          case "header":
            headers["x-amz-meta-a"] = "c";
            break;
          case "credential":
            headers.authorization = headers.authorization!.replace(/Credential=[A-Z2-7]+/, `Credential=${flip(context.fuzz.key.accessKeyId)}`);
            break;
          case "signed-headers":
            headers.authorization = headers.authorization!.replace(/SignedHeaders=([^,]+)/, (all, names: string) => (at % 2 === 0 ? `SignedHeaders=${names.split(";").filter((name) => name !== "x-amz-meta-a").join(";")}` : `${all};x-amz-missing`));
            break;
          case "payload-hash":
            headers["x-amz-content-sha256"] = sha256Hex(`other${at}`);
            break;
        }
        delete (headers as Record<string, string | undefined>).host;
        const url = `${context.fuzz.s3}${sentPath}${sentQuery ? `?${sentQuery}` : ""}`;
        const request = describe({ method: verb, url, headers, ...(base.body ? { body: base.body } : {}) });
        const answer = await send(verb, url, headers, base.body).catch((err: Error) => {
          throw new FuzzFailure(`no answer (${err.message}): ${request}`);
        });
        checkS3Answer(request, verb, path, answer.status, answer.text, true, answer.headers.get("x-amz-error-code"));
        // A body hash that does not match is found only after the handler began; the rest never reaches one.
        if (how !== "payload-hash" && answer.status < 400 && !(verb === "HEAD" && answer.status >= 300)) fail("a request with a broken signature was served", request, answer.status, answer.text);
        await checkState(context, answer.status, request, true);
        await withDeadline(s3KnownGood(context.fuzz, request), `the known-good request after ${request.slice(0, 300)}`);
      },
    )),
};

/** S3 operations with random arguments, signed as the SDK would, then (sometimes) changed. */
const s3Operation = fc.oneof(
  fc.record({ method: fc.constant("GET"), path: fc.constant(`/${BUCKET}`), query: s3Query, headers: s3Headers, body: fc.constant(undefined) }),
  fc.record({ method: fc.constantFrom("GET", "HEAD"), path: fc.oneof(fuzzKey, fc.constant(OBJECT_KEY)).map((key) => `/${BUCKET}/${key.split("/").map(s3Encode).join("/")}`), query: fc.oneof(fc.constant(""), s3Query), headers: s3Headers, body: fc.constant(undefined) }),
  fc.record({ method: fc.constantFrom("PUT", "POST", "DELETE"), path: fuzzKey.map((key) => `/${BUCKET}/${key.split("/").map(s3Encode).join("/")}`), query: fc.oneof(fc.constant(""), s3Query, fc.constantFrom("uploads", "uploadId=junk", "uploadId=junk&partNumber=1", "partNumber=0&uploadId=x", "partNumber=99999&uploadId=x")), headers: s3Headers, body: smallBody }),
  fc.record({
    method: fc.constant("POST"),
    path: fc.constant(`/${BUCKET}`),
    query: fc.constant("delete"),
    headers: fc.constant({}),
    body: fc.oneof(
      fc.array(fuzzKey, { maxLength: 4 }).map((keys) => encoder.encode(`<Delete>${keys.map((key) => `<Object><Key>${key.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</Key></Object>`).join("")}</Delete>`)),
      fc.string({ maxLength: 200 }).map((text) => encoder.encode(`<Delete>${text}</Delete>`)),
      fc.constantFrom("", "<Delete>", "<!DOCTYPE x [<!ENTITY a 'b'>]><Delete><Object><Key>&a;</Key></Object></Delete>", "<Delete><Object><Key>f/a</Key></Object>".repeat(2000)).map((text) => encoder.encode(text)),
    ),
  }),
  fc.record({ method: fc.constant("POST"), path: fuzzKey.map((key) => `/${BUCKET}/${s3Encode(key)}`), query: fc.constant("uploadId=junk"), headers: fc.constant({}), body: fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>", "<CompleteMultipartUpload/>")).map((text) => encoder.encode(text)) }),
  fc.record({ method, path: s3PathOf(fuzzKey), query: s3Query, headers: s3Headers, body: smallBody }),
);

const s3SignedMutated: FuzzTarget<HttpContext> = {
  name: "endpoints/s3/signed-mutated",
  suiteRuns: 250,
  setup,
  teardown,
  property: (context) =>
    asTarget(fc.asyncProperty(
      s3Operation,
      fc.constantFrom("none", "none", "unsigned-header", "drop-header", "method", "path-char", "unsigned-payload"),
      fc.nat(),
      async (operation, mutation, at) => {
        const body = operation.body && operation.method !== "GET" && operation.method !== "HEAD" ? operation.body : undefined;
        // Header values the signature covers must be trimmed as SigV4's canonical form has them; fetch sends them as given.
        const safeHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(operation.headers)) if (!["host", "authorization", "x-amz-date", "x-amz-content-sha256", "content-length", "transfer-encoding", "connection"].includes(name)) safeHeaders[name] = value.trim();
        const base: S3Request = { method: operation.method, path: operation.path, query: operation.query, headers: safeHeaders, ...(body ? { body } : {}), ...(mutation === "unsigned-payload" ? { payloadHash: "UNSIGNED-PAYLOAD" } : {}) };
        const headers = signedHeaders(context.fuzz, base);
        let verb: string = operation.method;
        let path = operation.path;
        switch (mutation) {
          case "unsigned-header":
            headers["x-amz-unsigned"] = String(at);
            break;
          case "drop-header": {
            const names = Object.keys(headers).filter((name) => name !== "host");
            delete headers[names[at % names.length]!];
            break;
          }
          case "method":
            verb = ["GET", "PUT", "POST", "DELETE", "HEAD"][at % 5]!;
            break;
          case "path-char":
            path = path.length > 1 ? path.slice(0, -1) : `${path}x`;
            break;
        }
        delete (headers as Record<string, string | undefined>).host;
        const url = `${context.fuzz.s3}${path}${operation.query ? `?${operation.query}` : ""}`;
        const request = describe({ method: verb, url, headers, ...(body ? { body } : {}) });
        let answer;
        try {
          answer = await send(verb, url, headers, body);
        } catch (err) {
          if (err instanceof TypeError && !/fetch|socket|connect/i.test(err.message)) return;
          throw new FuzzFailure(`no answer (${(err as Error).message}): ${request}`);
        }
        checkS3Answer(request, verb, path, answer.status, answer.text, true, answer.headers.get("x-amz-error-code"));
        await checkState(context, answer.status, request, false);
        await withDeadline(s3KnownGood(context.fuzz, request), `the known-good request after ${request.slice(0, 300)}`);
      },
    )),
};

/** One aws-chunked body, well formed, for the mutations to break. */
function awsChunkedBody(pieces: Uint8Array[], sign: ((previous: string, data: Uint8Array) => string) | undefined, seed: string, trailer: string | undefined): Uint8Array {
  const parts: Uint8Array[] = [];
  let previous = seed;
  for (const piece of [...pieces, new Uint8Array(0)]) {
    let head = piece.length.toString(16);
    if (sign) {
      previous = sign(previous, piece);
      head += `;chunk-signature=${previous}`;
    }
    parts.push(encoder.encode(`${head}\r\n`), piece, encoder.encode(piece.length > 0 ? "\r\n" : ""));
  }
  parts.push(encoder.encode(trailer ?? "\r\n"));
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const bodyMutation = fc.oneof(
  fc.constant({ kind: "none" as const }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant("replace" as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
  fc.record({ kind: fc.constant("size-lie" as const), size: fc.constantFrom("ffffffffffffffff", "7fffffff", "-1", "", "zz", "1".repeat(40), "140000000") }),
);

const s3AwsChunked: FuzzTarget<HttpContext> = {
  name: "endpoints/s3/aws-chunked",
  suiteRuns: 200,
  setup,
  teardown,
  property: (context) =>
    asTarget(fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 3 }),
      fc.constantFrom("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
      fc.option(fc.constantFrom("x-amz-checksum-crc32:AAAAAA==\r\n", "x-amz-checksum-crc32:junk\r\n", "x-amz-checksum-sha256:AAAA\r\nx-amz-trailer-signature:" + "0".repeat(64) + "\r\n", ":\r\n", "no-colon\r\n"), { nil: undefined }),
      bodyMutation,
      fc.option(fc.constantFrom("0", "-1", "x", "99999999999999", "3"), { nil: undefined }),
      fuzzKey,
      async (pieces, payload, trailerLine, mutation, decodedLie, key) => {
        const decodedLength = pieces.reduce((sum, piece) => sum + piece.length, 0);
        const signed = payload !== "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
        const trailerWanted = payload.endsWith("TRAILER");
        const extra: Record<string, string> = { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": decodedLie ?? String(decodedLength) };
        if (trailerWanted) extra["x-amz-trailer"] = "x-amz-checksum-crc32";
        const path = `/${BUCKET}/${key.split("/").map(s3Encode).join("/")}`;
        const headers = signedHeaders(context.fuzz, { method: "PUT", path, headers: extra, payloadHash: payload });
        const sign = signed ? chunkSigner(context.fuzz, headers) : undefined;
        let body = awsChunkedBody(pieces, sign, seedSignatureOf(headers), trailerWanted ? `${trailerLine ?? ""}\r\n` : undefined);
        switch (mutation.kind) {
          case "flip":
            if (body.length > 0) body[mutation.at % body.length] = mutation.value;
            break;
          case "truncate":
            body = body.subarray(0, mutation.at % (body.length + 1));
            break;
          case "insert": {
            const at = mutation.at % (body.length + 1);
            body = new Uint8Array([...body.subarray(0, at), ...mutation.bytes, ...body.subarray(at)]);
            break;
          }
          case "replace":
            body = mutation.bytes;
            break;
          case "size-lie":
            body = new Uint8Array([...encoder.encode(`${mutation.size};chunk-signature=${"0".repeat(64)}\r\n`), ...body]);
            break;
        }
        delete (headers as Record<string, string | undefined>).host;
        const url = `${context.fuzz.s3}${path}`;
        const request = describe({ method: "PUT", url, headers, body });
        const answer = await send("PUT", url, headers, body).catch((err: Error) => {
          throw new FuzzFailure(`no answer (${err.message}): ${request}`);
        });
        checkS3Answer(request, "PUT", path, answer.status, answer.text, true, answer.headers.get("x-amz-error-code"));
        await checkState(context, answer.status, request, false);
        await withDeadline(s3KnownGood(context.fuzz, request), `the known-good request after ${request.slice(0, 300)}`);
      },
    )),
};

// ---- admin HTTP and WebHDFS ----

const ADMIN_PATHS = ["/", "/ui/app.js", "/ui/style.css", "/ui/index.html", "/ui/", "/ui/../../etc/passwd", "/healthz", "/metrics", "/jmx", "/api/overview", "/api/peers", "/api/fs/list", "/api/fs/stat", "/api/jobs", "/api/jobs/x", "/api/jobs/", "/api/buckets", "/api", "/favicon.ico"];
const ADMIN_QUERY_NAMES = ["path", "after", "qry", "get", "n", "callback"];
const adminPath = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ADMIN_PATHS) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom("/api/jobs/", "/ui/", "/api/", "/"), junkText).map(([prefix, text]) => prefix + s3Encode(text)) });
const adminQuery = fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ADMIN_QUERY_NAMES) }, { weight: 1, arbitrary: junkText }), fc.oneof(junkText, fc.constantFrom("/", FILE, "/fuzz-folder", "/no/such", "Hadoop:service=NameNode,name=*", "Hadoop:*", "*:*", "Hadoop:service=NameNode,name=FSNamesystem", "Hadoop:service=NameNode,name=NameNodeInfo::LiveNodes", "a::b::c"))), { maxLength: 3 }).map((pairs) => pairs.map(([name, value]) => `${s3Encode(name)}=${s3Encode(value)}`).join("&"));

const adminHttp: FuzzTarget<HttpContext> = {
  name: "endpoints/admin-http",
  suiteRuns: 250,
  setup,
  teardown,
  property: (context) =>
    asTarget(fc.asyncProperty(
      method,
      adminPath,
      adminQuery,
      fc.dictionary(fc.oneof(fc.constantFrom("accept", "accept-encoding", "if-none-match", "origin", "range", "cookie", "x-forwarded-for", "x-forwarded-host"), token.map((name) => name.toLowerCase())), headerValue, { maxKeys: 3 }),
      smallBody,
      async (verb, path, query, headers, body) => {
        const url = `${context.fuzz.http}${path}${query ? `?${query}` : ""}`;
        const request = describe({ method: verb, url, headers, ...(body ? { body } : {}) });
        let answer;
        try {
          answer = await send(verb, url, headers, body);
        } catch (err) {
          if (err instanceof TypeError && !/fetch|socket|connect/i.test(err.message)) return;
          throw new FuzzFailure(`no answer (${(err as Error).message}): ${request}`);
        }
        if (parserRefusal(answer.status, answer.text)) return;
        // 503: the peer's thread did not answer in time (the HTTP thread says so in JSON).
        if (answer.status >= 500 && answer.status !== 503) fail("a server error for a client's request", request, answer.status, answer.text);
        if (answer.status >= 400 && !bodiless(verb) && !isAdminError(answer.text)) fail("an error not in admin HTTP's JSON", request, answer.status, answer.text);
        if (verb !== "GET" && answer.status < 400) fail("admin HTTP served a method other than GET", request, answer.status, answer.text);
        await checkState(context, answer.status, request, true);
        await withDeadline(adminKnownGood(context.fuzz, request), `the known-good request after ${request.slice(0, 300)}`);
      },
    )),
};

const WEBHDFS_OPS = ["OPEN", "GETFILESTATUS", "LISTSTATUS", "LISTSTATUS_BATCH", "GETCONTENTSUMMARY", "GETFILECHECKSUM", "GETFILEBLOCKLOCATIONS", "GETHOMEDIRECTORY", "GETTRASHROOT", "CREATE", "MKDIRS", "RENAME", "SETREPLICATION", "SETOWNER", "SETPERMISSION", "SETTIMES", "APPEND", "CONCAT", "TRUNCATE", "DELETE", "GETDELEGATIONTOKEN", "RENEWDELEGATIONTOKEN", "CANCELDELEGATIONTOKEN", "GETACLSTATUS", "CREATESYMLINK", "open", "Liststatus", "NOSUCHOP", ""];
const WEBHDFS_PARAMS = ["user.name", "doas", "delegation", "destination", "overwrite", "recursive", "permission", "owner", "group", "replication", "blocksize", "buffersize", "offset", "length", "newlength", "modificationtime", "accesstime", "sources", "startafter", "noredirect", "renewer", "token", "renameoptions", "data", "tessera.user", "tessera.expires", "tessera.signature"];
/** Who a request claims to be: never the superuser, so the known file survives whatever is asked. */
const webHdfsUser = fc.constantFrom("fuzz", "nobody", "", "root ", "a b", "..", "x".repeat(300), "fuzz\u0000");
const webHdfsPath = fc.oneof(
  fc.constantFrom("/", FILE, "/fuzz-folder", `/${BUCKET}`, `/${BUCKET}/new`, "/no/such/file", "/fuzz-folder/../fuzz-folder", "/%2e%2e/x", "/a%2Fb", "//x//", "/.tessera"),
  junkText.map((text) => `/${s3Encode(text)}`),
);
const webHdfsValue = fc.oneof(junkText, fc.constantFrom("true", "false", "0", "777", "1777", "-1", "9999999999999999", FILE, "/fuzz-folder/x", `/${BUCKET}/y`, "fuzz", "root"));

const webHdfs: FuzzTarget<HttpContext> = {
  name: "endpoints/webhdfs",
  suiteRuns: 250,
  setup,
  teardown,
  property: (context) =>
    asTarget(fc.asyncProperty(
      method,
      fc.constantFrom(...WEBHDFS_OPS),
      webHdfsPath,
      fc.option(webHdfsUser, { nil: undefined }),
      fc.array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...WEBHDFS_PARAMS) }, { weight: 1, arbitrary: junkText }), webHdfsValue), { maxLength: 4 }),
      smallBody,
      fc.constantFrom("none", "follow", "follow-mutated"),
      fc.nat(),
      async (verb, op, path, user, params, body, redirect, at) => {
        const query = [`op=${s3Encode(op)}`, ...(user !== undefined ? [`user.name=${s3Encode(user)}`] : []), ...params.filter(([name]) => name !== "user.name" || user === undefined).map(([name, value]) => `${s3Encode(name)}=${s3Encode(value)}`)].join("&");
        const url = `${context.fuzz.http}/webhdfs/v1${path}?${query}`;
        const request = describe({ method: verb, url, ...(body ? { body } : {}) });
        let answer;
        try {
          answer = await send(verb, url, {}, body);
        } catch (err) {
          if (err instanceof TypeError && !/fetch|socket|connect/i.test(err.message)) return;
          throw new FuzzFailure(`no answer (${(err as Error).message}): ${request}`);
        }
        checkWebHdfs(request, answer.status, answer.text, verb);
        await checkState(context, answer.status, request, false);
        const location = answer.headers.get("location");
        if (answer.status === 307 && location && redirect !== "none") {
          let target = location;
          if (redirect === "follow-mutated") {
            const i = target.indexOf("?") + 1 + (at % Math.max(1, target.length - target.indexOf("?") - 1));
            target = target.slice(0, i) + (target[i] === "A" ? "B" : "A") + target.slice(i + 1);
          }
          const followed = `${target} (after ${request})`;
          const second = await send(verb, target, {}, body).catch((err: Error) => {
            throw new FuzzFailure(`no answer (${err.message}) to the redirect ${followed}`);
          });
          checkWebHdfs(followed, second.status, second.text, verb);
          await checkState(context, second.status, followed, false);
        }
        await withDeadline(webHdfsKnownGood(context.fuzz, request), `the known-good request after ${request.slice(0, 300)}`);
      },
    )),
};

function checkWebHdfs(request: string, status: number, text: string, verb: string): void {
  if (parserRefusal(status, text)) return;
  if (status >= 500 && status !== 503) fail("a server error for a client's request", request, status, text);
  if (status >= 400 && !bodiless(verb) && !isRemoteException(text)) fail("an error not in WebHDFS's RemoteException JSON", request, status, text);
}

// ---- raw bytes on both ports ----

const VALID_HEADS = [
  (host: string) => `GET /api/fs/stat?path=%2F HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  (host: string) => `FOO /jmx HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  (host: string) => `GET /webhdfs/v1/?op=LISTSTATUS&user.name=fuzz HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  (host: string) => `PUT /${BUCKET}/f/raw HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nContent-Encoding: aws-chunked\r\n\r\nhello`,
  (host: string) => `POST /${BUCKET}?delete HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  (host: string) => `GET /${BUCKET}/../../fuzz-folder/known.txt HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
];

const rawHttp: FuzzTarget<HttpContext> = {
  name: "endpoints/raw-http",
  suiteRuns: 150,
  setup,
  teardown,
  property: (context) =>
    asTarget(fc.asyncProperty(
      fc.constantFrom("s3", "http"),
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: "random" as const, bytes, head: 0, at: 0, value: 0 })),
        fc.record({ kind: fc.constant("mutated" as const), bytes: fc.constant(new Uint8Array(0)), head: fc.nat({ max: VALID_HEADS.length - 1 }), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ kind: fc.constant("truncated" as const), bytes: fc.constant(new Uint8Array(0)), head: fc.nat({ max: VALID_HEADS.length - 1 }), at: fc.nat(), value: fc.constant(0) }),
      ),
      async (port, input) => {
        const base = port === "s3" ? context.fuzz.s3 : context.fuzz.http;
        let bytes = input.bytes;
        if (input.kind !== "random") {
          const valid = encoder.encode(VALID_HEADS[input.head]!(new URL(base).host));
          bytes = valid.slice();
          if (input.kind === "mutated") bytes[input.at % bytes.length] = input.value;
          else bytes = bytes.subarray(0, input.at % bytes.length);
        }
        const request = `raw ${port} ${JSON.stringify(Buffer.from(bytes).toString("latin1"))}`;
        const answer = await rawExchange(base, bytes);
        // Bun's HTTP parser answers some junk itself (505 for a request line it cannot read); 500 is always the server's own failure.
        if (answer.status !== undefined && answer.status >= 500 && ![501, 503, 505].includes(answer.status)) fail("a server error for raw bytes", request, answer.status, `${answer.head}\n${answer.body.toString("latin1")}`);
        await checkState(context, answer.status ?? 400, request, false);
        if (port === "s3") await withDeadline(s3KnownGood(context.fuzz, request), `the known-good request after ${request.slice(0, 300)}`);
        else await withDeadline(adminKnownGood(context.fuzz, request), `the known-good request after ${request.slice(0, 300)}`);
      },
    )),
};

export const HTTP_FUZZ_TARGETS: readonly FuzzTarget<HttpContext>[] = [adminHttp, webHdfs, s3Unsigned, s3BadSignature, s3SignedMutated, s3AwsChunked, rawHttp];
