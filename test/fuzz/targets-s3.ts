// The S3 gateway's pure parsers: SigV4 (src/gateway/s3/sigv4.ts: the Authorization header, the
// presigned query, the query and path canonicalization, x-amz-date), the aws-chunked body
// decoder (src/gateway/s3/aws-chunked.ts) and Range / checksum headers. Requests really signed
// by the AWS SDK (captured once, in setup) verify; the same requests with any header, query
// parameter or path byte changed are refused with an S3Error, never accepted and never
// anything else. An aws-chunked body decodes to exactly its data, or is refused with an S3Error,
// and never waits past the end of its bytes.
import fc from "fast-check";
import { createHash } from "node:crypto";
import { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, DeleteObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { awsChunkedOptions, decodeAwsChunked, storedContentEncoding } from "../../src/gateway/s3/aws-chunked.ts";
import { S3Error } from "../../src/gateway/s3/errors.ts";
import { chunkSignature, canonicalUri, deriveSigningKey, parseAmzDate, parseQuery, trailerSignature, verifySigV4, type AccessKey, type ChunkSigningContext, type SignedRequestInput } from "../../src/gateway/s3/sigv4.ts";
import { parseRange } from "../../src/gateway/s3/http-semantics.ts";
import { expectedChecksums } from "../../src/gateway/s3/checksums.ts";
import type { FuzzTarget } from "./registry.ts";
import { cuts, mutateAll, mutations, onlyRejects, onlyThrows, split, UnexpectedThrowError, withDeadline, isEngineError } from "./support.ts";
import { hostileText } from "./targets-parsers.ts";

const isS3Refusal = (thrown: unknown) => thrown instanceof S3Error;
const KEY: AccessKey = { accessKeyId: "AKIDTESSERAFUZZ00001", secret: "fuzz/secret+key=abcdefghijklmnopqrstuv", name: "fuzz", buckets: [], readOnly: false } as AccessKey;
const lookup = async (id: string): Promise<AccessKey | undefined> => (id === KEY.accessKeyId ? KEY : undefined);

interface Captured {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: [string, string][];
  receivedMs: number;
}

/** Requests the AWS SDK signs, recorded by a server on port 0 that answers each as S3 would, minimally. */
async function captureSignedRequests(): Promise<Captured[]> {
  const captured: Captured[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = request.url;
      const target = url.slice(url.indexOf("/", url.indexOf("//") + 2));
      const q = target.indexOf("?");
      await request.arrayBuffer();
      captured.push({ method: request.method, rawPath: q < 0 ? target : target.slice(0, q), rawQuery: q < 0 ? "" : target.slice(q + 1), headers: [...request.headers], receivedMs: Date.now() });
      if (request.method === "GET" && url.includes("list-type=2")) {
        return new Response('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>', { headers: { "content-type": "application/xml" } });
      }
      return new Response(request.method === "GET" ? "hello" : "", { headers: { etag: '"5d41402abc4b2a76b9719d911017c592"' } });
    },
  });
  try {
    const endpoint = `http://127.0.0.1:${server.port}`;
    const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: KEY.secret } });
    await client.send(new PutObjectCommand({ Bucket: "bucket", Key: "dir/a b+c%é=@!*'().txt", Body: "hello", Metadata: { colour: "blue" } }));
    await client.send(new GetObjectCommand({ Bucket: "bucket", Key: "k", Range: "bytes=0-3" }));
    await client.send(new ListObjectsV2Command({ Bucket: "bucket", Prefix: "a b/ü+&=x", Delimiter: "/", MaxKeys: 7 }));
    await client.send(new DeleteObjectCommand({ Bucket: "bucket", Key: "x/y" }));
    const url = new URL(await getSignedUrl(client, new GetObjectCommand({ Bucket: "bucket", Key: "p q" }), { expiresIn: 3600 }));
    await fetch(url);
    client.destroy();
  } finally {
    await server.stop(true);
  }
  return captured;
}

/** One change to a signed request: a header set, removed or added, a query parameter, the path, the method, the clock. */
const requestEdit = fc.oneof(
  fc.record({ kind: fc.constant("header" as const), index: fc.nat(), value: hostileText }),
  fc.record({ kind: fc.constant("drop-header" as const), index: fc.nat(), value: fc.constant("") }),
  fc.record({ kind: fc.constant("add-header" as const), index: fc.nat(), value: fc.constantFrom("x-amz-meta-evil", "x-amz-copy-source", "authorization", "x-amz-date", "x-amz-content-sha256", "host") }),
  fc.record({ kind: fc.constant("authorization" as const), index: fc.nat(), value: hostileText }),
  fc.record({ kind: fc.constant("query" as const), index: fc.nat(), value: hostileText }),
  fc.record({ kind: fc.constant("path" as const), index: fc.nat(), value: hostileText }),
  fc.record({ kind: fc.constant("method" as const), index: fc.nat(), value: fc.constantFrom("PUT", "GET", "DELETE", "POST", "HEAD", "get") }),
  fc.record({ kind: fc.constant("clock" as const), index: fc.integer({ min: -2 * 86_400_000, max: 8 * 86_400_000 }), value: fc.constant("") }),
);
type RequestEdit = typeof requestEdit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(request: SignedRequestInput, edit: RequestEdit): SignedRequestInput {
  const headers = new Headers(request.headers);
  const names = [...headers.keys()];
  const name = names[edit.index % names.length]!;
  const splice = (text: string) => {
    const at = edit.index % (text.length + 1);
    return `${text.slice(0, at)}${edit.value}${text.slice(at + (edit.value.length % 3))}`;
  };
  // Headers refuses what no HTTP server would pass on (CR, LF, NUL, lone surrogates): such an edit changes nothing.
  const set = (header: string, value: string) => {
    try {
      headers.set(header, value);
    } catch {
      // kept as it was
    }
  };
  switch (edit.kind) {
    case "header":
      set(name, splice(headers.get(name)!));
      return { ...request, headers };
    case "drop-header":
      headers.delete(name);
      return { ...request, headers };
    case "add-header":
      headers.append(edit.value, "1");
      return { ...request, headers };
    case "authorization": {
      const auth = headers.get("authorization");
      if (auth === null) return { ...request, rawQuery: splice(request.rawQuery) };
      set("authorization", splice(auth));
      return { ...request, headers };
    }
    case "query":
      return { ...request, rawQuery: splice(request.rawQuery) };
    case "path":
      return { ...request, rawPath: splice(request.rawPath) };
    case "method":
      return { ...request, method: edit.value };
    case "clock":
      return { ...request, nowMs: request.nowMs + edit.index };
  }
}

const sigv4Target: FuzzTarget<Captured[]> = {
  name: "s3/sigv4",
  suiteRuns: 1_500,
  setup: captureSignedRequests,
  property: (captured) =>
    fc.asyncProperty(fc.nat({ max: captured.length - 1 }), fc.array(requestEdit, { maxLength: 3 }), async (index, edits) => {
      const c = captured[index]!;
      const original: SignedRequestInput = { method: c.method, rawPath: c.rawPath, rawQuery: c.rawQuery, headers: new Headers(c.headers), nowMs: c.receivedMs };
      const edited = edits.reduce(applyEdit, original);
      const result = await onlyRejects("verifySigV4", () => verifySigV4(edited, lookup), isS3Refusal, 2_000);
      const untouched = edited.method === original.method && edited.rawPath === original.rawPath && edited.rawQuery === original.rawQuery && [...edited.headers].join("\n") === [...original.headers].join("\n");
      const clockOnly = edits.every((e) => e.kind === "clock");
      if (edits.length === 0 && result === undefined) throw new Error(`the SDK's signed ${c.method} ${c.rawPath} was refused`);
      // An edit that changes the signed bytes is refused; only a clock move within the skew bound, or an edit that changed nothing, may pass.
      if (result !== undefined && !untouched && !clockOnly) {
        const signedChange = canonicalUri(edited.rawPath) !== canonicalUri(original.rawPath) || edited.method.toUpperCase() !== original.method.toUpperCase();
        if (signedChange) throw new Error(`an edited request verified: ${JSON.stringify(edits).slice(0, 300)}`);
      }
      parseAmzDate(edited.headers.get("x-amz-date") ?? "");
      onlyThrows("parseQuery", () => parseQuery(edited.rawQuery), isS3Refusal);
      onlyThrows("awsChunkedOptions", () => awsChunkedOptions(edited.headers, { kind: "streaming-unsigned-trailer" }), isS3Refusal);
      onlyThrows("expectedChecksums", () => expectedChecksums(edited.headers), isS3Refusal);
      storedContentEncoding(edited.headers.get("content-encoding"));
    }) as unknown as fc.IAsyncProperty<never>,
};

// --- aws-chunked --------------------------------------------------------------------------------

const SEED: ChunkSigningContext = {
  signingKey: deriveSigningKey(KEY.secret, "20130524", "us-east-1", "s3"),
  amzDate: "20130524T000000Z",
  scope: "20130524/us-east-1/s3/aws4_request",
  seedSignature: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
};

/** A valid aws-chunked body of `chunks`, signed or not, with trailers or not. */
function chunkedBody(chunks: Uint8Array[], signed: boolean, trailers: [string, string][] | undefined): Uint8Array {
  const parts: Uint8Array[] = [];
  let previous = SEED.seedSignature;
  const text = (s: string) => new TextEncoder().encode(s);
  for (const chunk of [...chunks, new Uint8Array(0)]) {
    let header = chunk.length.toString(16);
    if (signed) {
      previous = chunkSignature(SEED, previous, createHash("sha256").update(chunk).digest("hex"));
      header += `;chunk-signature=${previous}`;
    }
    parts.push(text(`${header}\r\n`), chunk);
    if (chunk.length > 0) parts.push(text("\r\n"));
  }
  if (trailers === undefined) parts.push(text("\r\n"));
  else {
    for (const [name, value] of trailers) parts.push(text(`${name}:${value}\r\n`));
    if (signed) {
      const canonical = [...trailers].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([n, v]) => `${n}:${v}\n`).join("");
      parts.push(text(`x-amz-trailer-signature:${trailerSignature(SEED, previous, canonical)}\r\n`));
    }
    parts.push(text("\r\n"));
  }
  return Buffer.concat(parts);
}

async function* pieces(list: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const piece of list) yield piece;
}

const awsChunkedTarget: FuzzTarget = {
  name: "s3/aws-chunked",
  suiteRuns: 1_000,
  property: () =>
    fc.asyncProperty(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 4 }),
      fc.boolean(),
      fc.option(fc.array(fc.tuple(fc.constantFrom("x-amz-checksum-crc32", "first", "second"), fc.stringMatching(/^[A-Za-z0-9+/=]{0,12}$/)), { maxLength: 2 }), { nil: undefined }),
      fc.option(mutations, { nil: undefined }),
      cuts,
      fc.boolean(),
      async (chunks, signed, trailers, edits, at, declareLength) => {
        const unique = trailers === undefined ? undefined : [...new Map(trailers)];
        const valid = chunkedBody(chunks, signed, unique);
        const body = edits ? mutateAll(valid, edits) : valid;
        const data = Buffer.concat(chunks);
        const options = { signing: signed ? SEED : undefined, trailer: unique !== undefined, decodedLengthBytes: declareLength ? data.length : undefined };
        const decoded = decodeAwsChunked(pieces(split(body, at)), options);
        decoded.trailers.catch(() => {});
        let out: Buffer | undefined;
        try {
          out = await withDeadline(
            (async () => {
              const got: Uint8Array[] = [];
              for await (const piece of decoded.data) got.push(piece);
              return Buffer.concat(got);
            })(),
            2_000,
            "decodeAwsChunked",
          );
        } catch (thrown) {
          if (isEngineError(thrown) || !isS3Refusal(thrown)) throw new UnexpectedThrowError(thrown, "decodeAwsChunked");
          // The trailers fail with the same error, so a caller awaiting only them learns of it.
          const trailerError = await decoded.trailers.then(() => undefined, (e: unknown) => e);
          if (trailerError !== thrown) throw new Error("the trailers did not fail with the body's error");
        }
        const same = Buffer.compare(Buffer.from(body), Buffer.from(valid)) === 0;
        if (same && out === undefined) throw new Error("a valid aws-chunked body was refused");
        if (same && out !== undefined && !out.equals(data)) throw new Error("a valid aws-chunked body decoded to other bytes");
        // A signed body decodes only to what was signed.
        if (signed && out !== undefined && !out.equals(data)) throw new Error("a signed body with changed bytes was accepted");
      },
    ) as unknown as fc.IAsyncProperty<never>,
};

const rangeTarget: FuzzTarget = {
  name: "s3/range-and-checksum-headers",
  suiteRuns: 3_000,
  property: () =>
    fc.property(fc.oneof(hostileText, fc.stringMatching(/^bytes=\d{0,20}-\d{0,20}(,\d{0,3}-\d{0,3})?$/)), fc.oneof(fc.nat({ max: 10_000 }), fc.constantFrom(0, 2 ** 53 - 1)), hostileText, (header, sizeBytes, checksum) => {
      const range = onlyThrows("parseRange", () => parseRange(header, sizeBytes), isS3Refusal);
      if (typeof range === "object" && !(range.start >= 0 && range.start <= range.end && range.end < sizeBytes)) throw new Error(`Range ${header} of ${sizeBytes} bytes gave ${JSON.stringify(range)}`);
      const headers = new Headers();
      for (const name of ["x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm", "content-md5"]) {
        try {
          headers.set(name, checksum);
        } catch {
          // Not a header value Headers takes: the HTTP server would not have passed it.
        }
      }
      onlyThrows("expectedChecksums", () => expectedChecksums(headers), isS3Refusal);
    }) as unknown as fc.IProperty<never>,
};

export const S3_TARGETS: FuzzTarget[] = [sigv4Target as FuzzTarget, awsChunkedTarget, rangeTarget];
