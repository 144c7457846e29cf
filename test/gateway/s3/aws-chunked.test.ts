// aws-chunked bodies (src/gateway/s3/aws-chunked.ts): the S3 docs' signed example with its
// published chunk signatures, the CRT's published trailer signature, what the AWS SDK sends
// for a stream (STREAMING-UNSIGNED-PAYLOAD-TRAILER, captured), and every way a body can be bad.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash, createHmac } from "node:crypto";
import { Readable } from "node:stream";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { awsChunkedOptions, decodeAwsChunked, CHUNK_HEADER_BYTES_MAX, storedContentEncoding, TRAILERS_BYTES_MAX, type AwsChunkedOptions } from "../../../src/gateway/s3/aws-chunked.ts";
import { BodyDigests, expectedChecksums, verifyDigests } from "../../../src/gateway/s3/checksums.ts";
import { S3Error } from "../../../src/gateway/s3/errors.ts";
import { deriveSigningKey, type ChunkSigningContext, verifySigV4 } from "../../../src/gateway/s3/sigv4.ts";
import { bodyStream, type Capture, collect, sdkClient, startCapture, TEST_KEY } from "./capture.ts";

// The S3 docs' example: 66,560 bytes of 'a' as a 65,536-byte chunk, a 1,024-byte one and the
// final empty one, with the published signatures.
const EXAMPLE: ChunkSigningContext = {
  signingKey: deriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3"),
  amzDate: "20130524T000000Z",
  scope: "20130524/us-east-1/s3/aws4_request",
  seedSignature: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
};
const EXAMPLE_SIGNATURES = [
  "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
  "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
  "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
];
// aws-c-auth / aws-crt-swift's test of the same example with trailers first:1st, second:2nd, third:3rd.
const EXAMPLE_TRAILER_SIGNATURE = "df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c";

function exampleBody(options: { trailer?: boolean; corruptByte?: number } = {}): Buffer {
  const a = (n: number) => Buffer.alloc(n, "a");
  const first = a(65536);
  if (options.corruptByte !== undefined) first[options.corruptByte] = 0x62;
  const parts = [
    Buffer.from(`10000;chunk-signature=${EXAMPLE_SIGNATURES[0]}\r\n`),
    first,
    Buffer.from(`\r\n400;chunk-signature=${EXAMPLE_SIGNATURES[1]}\r\n`),
    a(1024),
    Buffer.from(`\r\n0;chunk-signature=${EXAMPLE_SIGNATURES[2]}\r\n`),
    Buffer.from(options.trailer === true ? `first:1st\r\nsecond:2nd\r\nthird:3rd\r\nx-amz-trailer-signature:${EXAMPLE_TRAILER_SIGNATURE}\r\n\r\n` : "\r\n"),
  ];
  return Buffer.concat(parts);
}

async function decodeAll(body: Uint8Array, options: AwsChunkedOptions, pieceBytes = 4096): Promise<{ data: Buffer; trailers: Headers }> {
  const decoded = decodeAwsChunked(bodyStream(body, pieceBytes), options);
  const data = await collect(decoded.data);
  return { data, trailers: await decoded.trailers };
}

async function refusal(body: Uint8Array, options: AwsChunkedOptions, pieceBytes = 4096): Promise<{ code: string; status: number }> {
  const decoded = decodeAwsChunked(bodyStream(body, pieceBytes), options);
  try {
    await collect(decoded.data);
  } catch (err) {
    expect(err).toBeInstanceOf(S3Error);
    // The trailers' promise fails alike, so a caller awaiting only it learns of the failure too.
    await expect(decoded.trailers).rejects.toBe(err);
    return { code: (err as S3Error).code, status: (err as S3Error).status };
  }
  throw new Error("expected the body to be refused");
}

describe("signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), the S3 docs' example", () => {
  it("decodes the example with its published signatures, whatever the pieces it arrives in", async () => {
    for (const pieceBytes of [1, 7, 4096, 70_000]) {
      const { data, trailers } = await decodeAll(exampleBody(), { signing: EXAMPLE, trailer: false, decodedLengthBytes: 66560 }, pieceBytes);
      expect({ pieceBytes, length: data.length, allA: data.every((b) => b === 0x61) }).toEqual({ pieceBytes, length: 66560, allA: true });
      expect([...trailers]).toEqual([]);
    }
  });

  it("decodes the example end to end: the request's signature verified, its seed chaining the chunks", async () => {
    const headers = new Headers({
      host: "s3.amazonaws.com",
      "x-amz-date": "20130524T000000Z",
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${EXAMPLE.seedSignature}`,
      "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": "66560",
      "content-length": "66824",
    });
    const exampleKey = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", name: "example", buckets: [], readOnly: false };
    const { payload } = await verifySigV4({ method: "PUT", rawPath: "/examplebucket/chunkObject.txt", rawQuery: "", headers, nowMs: Date.UTC(2013, 4, 24, 0, 5) }, async () => exampleKey);
    const options = awsChunkedOptions(headers, payload)!;
    expect(exampleBody().length).toBe(66824); // the example's Content-Length
    const { data } = await decodeAll(exampleBody(), options);
    expect(data.length).toBe(66560);
  });

  it("checks the trailer signature (the CRT's published vector) and hands back the trailers", async () => {
    const { data, trailers } = await decodeAll(exampleBody({ trailer: true }), { signing: EXAMPLE, trailer: true });
    expect(data.length).toBe(66560);
    expect([...trailers]).toEqual([
      ["first", "1st"],
      ["second", "2nd"],
      ["third", "3rd"],
    ]);
    const tampered = Buffer.from(exampleBody({ trailer: true }).toString("latin1").replace("second:2nd", "second:2nD"), "latin1");
    expect(await refusal(tampered, { signing: EXAMPLE, trailer: true })).toEqual({ code: "SignatureDoesNotMatch", status: 403 });
    const unsigned = Buffer.from(exampleBody({ trailer: true }).toString("latin1").replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, ""), "latin1");
    expect(await refusal(unsigned, { signing: EXAMPLE, trailer: true })).toMatchObject({ code: "SignatureDoesNotMatch" });
  });

  it("refuses a changed byte, a wrong seed, a missing chunk-signature and a reordered chain", async () => {
    expect(await refusal(exampleBody({ corruptByte: 1000 }), { signing: EXAMPLE, trailer: false })).toEqual({ code: "SignatureDoesNotMatch", status: 403 });
    expect(await refusal(exampleBody(), { signing: { ...EXAMPLE, seedSignature: "0".repeat(64) }, trailer: false })).toMatchObject({ code: "SignatureDoesNotMatch" });
    const noSignature = Buffer.from(exampleBody().toString("latin1").replace(`400;chunk-signature=${EXAMPLE_SIGNATURES[1]}`, "400"), "latin1");
    expect(await refusal(noSignature, { signing: EXAMPLE, trailer: false })).toMatchObject({ code: "SignatureDoesNotMatch" });
    const swapped = Buffer.from(exampleBody().toString("latin1").replace(EXAMPLE_SIGNATURES[1]!, EXAMPLE_SIGNATURES[2]!), "latin1");
    expect(await refusal(swapped, { signing: EXAMPLE, trailer: false })).toMatchObject({ code: "SignatureDoesNotMatch" });
  });

  it("decodes a body signed independently of the decoder (HMACs written out here), with a CRC32 trailer", async () => {
    // The spec's algorithm spelled out with node:crypto alone, not the module's helpers.
    const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) & 0xff));
    const sizes = [8192, 100_000, 91_808];
    const hex = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");
    const sign = (text: string) => createHmac("sha256", EXAMPLE.signingKey).update(text).digest("hex");
    const pieces: Buffer[] = [];
    let previous = EXAMPLE.seedSignature;
    let offset = 0;
    for (const size of [...sizes, 0]) {
      const chunk = data.subarray(offset, offset + size);
      offset += size;
      previous = sign(`AWS4-HMAC-SHA256-PAYLOAD\n${EXAMPLE.amzDate}\n${EXAMPLE.scope}\n${previous}\n${hex("")}\n${hex(chunk)}`);
      pieces.push(Buffer.from(`${size.toString(16)};chunk-signature=${previous}\r\n`), chunk, Buffer.from(size === 0 ? "" : "\r\n"));
    }
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(Bun.hash.crc32(data));
    const trailerLine = `x-amz-checksum-crc32:${crc.toString("base64")}`;
    const trailerSignature = sign(`AWS4-HMAC-SHA256-TRAILER\n${EXAMPLE.amzDate}\n${EXAMPLE.scope}\n${previous}\n${hex(`${trailerLine}\n`)}`);
    pieces.push(Buffer.from(`${trailerLine}\r\nx-amz-trailer-signature:${trailerSignature}\r\n\r\n`));
    const body = Buffer.concat(pieces);

    const decoded = await decodeAll(body, { signing: EXAMPLE, trailer: true, decodedLengthBytes: data.length }, 65536);
    expect(decoded.data.equals(data)).toBe(true);
    const expected = expectedChecksums(new Headers({ "x-amz-trailer": "x-amz-checksum-crc32" }));
    const digests = new BodyDigests({ md5: true, checksum: expected.algorithm! });
    digests.update(decoded.data);
    expect(verifyDigests(digests, expected, { trailers: decoded.trailers })).toEqual({ algorithm: "CRC32", value: crc.toString("base64") });
  });
});

describe("STREAMING-UNSIGNED-PAYLOAD-TRAILER as the AWS SDK sends it for a stream", () => {
  let capture: Capture;
  beforeAll(() => {
    capture = startCapture();
  });
  afterAll(async () => {
    await capture.stop();
  });

  it("verifies the request, decodes the body and checks the trailing CRC32", async () => {
    const content = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff));
    async function* source() {
      for (let offset = 0; offset < content.length; offset += 50_000) yield content.subarray(offset, offset + 50_000);
    }
    await sdkClient(capture.endpoint).send(new PutObjectCommand({ Bucket: "b", Key: "streamed", Body: Readable.from(source()), ContentLength: content.length }));
    const request = capture.take();
    expect(request.headers.get("content-encoding")).toBe("aws-chunked");
    const { payload } = await verifySigV4({ method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery, headers: request.headers, nowMs: request.receivedMs }, async () => TEST_KEY);
    expect(payload).toEqual({ kind: "streaming-unsigned-trailer" });
    const expected = expectedChecksums(request.headers);
    expect(expected).toEqual({ algorithm: "CRC32", trailerAlgorithm: "CRC32" });
    expect(awsChunkedOptions(request.headers, payload)).toEqual({ trailer: true, decodedLengthBytes: content.length });
    expect(storedContentEncoding(request.headers.get("content-encoding"))).toBeUndefined();

    const decodedLengthBytes = Number(request.headers.get("x-amz-decoded-content-length"));
    for (const pieceBytes of [3, 65536]) {
      const decoded = decodeAwsChunked(bodyStream(request.body, pieceBytes), { trailer: true, decodedLengthBytes });
      const digests = new BodyDigests({ md5: true, checksum: expected.algorithm! });
      for await (const piece of decoded.data) digests.update(piece);
      const trailers = await decoded.trailers;
      expect(verifyDigests(digests, expected, { trailers })?.algorithm).toBe("CRC32");
      expect(digests.md5Hex()).toBe(createHash("md5").update(content).digest("hex"));
    }

    // A wrong trailing checksum is BadDigest.
    const wrong = Buffer.from(Buffer.from(request.body).toString("latin1").replace(/x-amz-checksum-crc32:[^\r]+/, "x-amz-checksum-crc32:AAAAAA=="), "latin1");
    const decoded = decodeAwsChunked(bodyStream(wrong, 65536), { trailer: true, decodedLengthBytes });
    const digests = new BodyDigests({ md5: true, checksum: "CRC32" });
    for await (const piece of decoded.data) digests.update(piece);
    expect(() => verifyDigests(digests, expected, { trailers: new Headers() })).toThrow(S3Error);
    try {
      verifyDigests(digests, expected, { trailers: await decoded.trailers });
      throw new Error("expected BadDigest");
    } catch (err) {
      expect((err as S3Error).code).toBe("BadDigest");
    }
  });
});

describe("bad bodies and bounds", () => {
  const unsigned = (text: string) => Buffer.from(text, "latin1");
  const options: AwsChunkedOptions = { trailer: false };

  it("decodes a minimal unsigned body", async () => {
    expect((await decodeAll(unsigned("5\r\nhello\r\n0\r\n\r\n"), options)).data.toString()).toBe("hello");
    expect((await decodeAll(unsigned("0\r\n\r\n"), { trailer: false, decodedLengthBytes: 0 })).data.length).toBe(0);
  });

  it("refuses truncated bodies with IncompleteBody, wherever they stop", async () => {
    const whole = exampleBody();
    for (const cut of [0, 10, 90, 30_000, 65_620, whole.length - 40, whole.length - 1]) {
      expect({ cut, ...(await refusal(whole.subarray(0, cut), { signing: EXAMPLE, trailer: false })) }).toEqual({ cut, code: "IncompleteBody", status: 400 });
    }
    expect(await refusal(unsigned("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n"), { trailer: true })).toMatchObject({ code: "IncompleteBody" });
  });

  it("refuses a body whose length disagrees with x-amz-decoded-content-length", async () => {
    expect(await refusal(unsigned("5\r\nhello\r\n0\r\n\r\n"), { trailer: false, decodedLengthBytes: 6 })).toMatchObject({ code: "IncompleteBody" });
    expect(await refusal(unsigned("5\r\nhello\r\n0\r\n\r\n"), { trailer: false, decodedLengthBytes: 4 })).toMatchObject({ code: "InvalidRequest" });
  });

  it("refuses an oversized chunk header, an oversized chunk size, and malformed framing", async () => {
    expect(await refusal(unsigned(`${"1".repeat(CHUNK_HEADER_BYTES_MAX + 10)}\r\n`), options)).toEqual({ code: "InvalidRequest", status: 400 });
    expect(await refusal(unsigned(`5;${"x".repeat(CHUNK_HEADER_BYTES_MAX)}\r\nhello\r\n0\r\n\r\n`), options)).toMatchObject({ code: "InvalidRequest" });
    expect(await refusal(unsigned("ffffffffff\r\n"), options)).toMatchObject({ code: "InvalidRequest" });
    expect(await refusal(unsigned("fffffffffff\r\n"), options)).toMatchObject({ code: "InvalidRequest" });
    expect(await refusal(unsigned("zz\r\nhello\r\n0\r\n\r\n"), options)).toMatchObject({ code: "InvalidRequest" });
    expect(await refusal(unsigned("4\r\nhello\r\n0\r\n\r\n"), options)).toMatchObject({ code: "InvalidRequest" });
    expect(await refusal(unsigned("5\nhello\r\n0\r\n\r\n"), options)).toMatchObject({ code: "InvalidRequest" });
    expect(await refusal(unsigned("5\r\nhello\r\n0\r\n\r\nextra"), options)).toMatchObject({ code: "InvalidRequest" });
  });

  it("bounds the trailing headers", async () => {
    const big = `0\r\nx-amz-checksum-crc32:${"A".repeat(TRAILERS_BYTES_MAX)}\r\n\r\n`;
    expect(await refusal(unsigned(big), { trailer: true })).toMatchObject({ code: "InvalidRequest" });
    const many = `0\r\n${Array.from({ length: 40 }, (_, i) => `x-h${i}:v\r\n`).join("")}\r\n`;
    expect(await refusal(unsigned(many), { trailer: true })).toMatchObject({ code: "InvalidRequest" });
    expect(await refusal(unsigned("0\r\nno colon here\r\n\r\n"), { trailer: true })).toMatchObject({ code: "InvalidRequest" });
  });

  // Found by test/fuzz (targets-s3.ts, s3/aws-chunked): a trailing value with a NUL or a bare CR
  // made Headers.append throw a TypeError, which the gateway answered with a 500.
  it("refuses a trailing header whose value holds a control character, with InvalidRequest", async () => {
    for (const value of ["a+aa=\u00cb\u0001\u0012\u0000\u00cc\u0001", "NhCm\rhg==", "NhCm\u0000hg==", "x\u007f"]) {
      expect(await refusal(unsigned(`5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${value}\r\n\r\n`), { trailer: true })).toEqual({ code: "InvalidRequest", status: 400 });
    }
    expect((await decodeAll(unsigned("5\r\nhello\r\n0\r\nx-amz-meta-tab:a\tb \u00e9\r\n\r\n"), { trailer: true })).trailers.get("x-amz-meta-tab")).toBe("a\tb \u00e9");
  });

  it("stops reading the source when the consumer stops early", async () => {
    let returned = false;
    async function* source() {
      try {
        yield unsigned("5\r\nhello\r\n");
        yield unsigned("5\r\nworld\r\n");
        yield unsigned("0\r\n\r\n");
      } finally {
        returned = true;
      }
    }
    const decoded = decodeAwsChunked(source(), options);
    for await (const piece of decoded.data) {
      expect(Buffer.from(piece).toString()).toBe("hello");
      break;
    }
    expect(returned).toBe(true);
    await expect(decoded.trailers).rejects.toMatchObject({ code: "IncompleteBody" });
  });
});

describe("choosing the decoding from the request", () => {
  it("decodes STREAMING-* payloads only, and needs x-amz-decoded-content-length for them", () => {
    const headers = new Headers({ "x-amz-decoded-content-length": "66560" });
    expect(awsChunkedOptions(headers, { kind: "unsigned" })).toBeUndefined();
    expect(awsChunkedOptions(headers, { kind: "sha256", hex: "0".repeat(64) })).toBeUndefined();
    expect(awsChunkedOptions(headers, { kind: "streaming-signed", trailer: true, seed: EXAMPLE })).toEqual({ signing: EXAMPLE, trailer: true, decodedLengthBytes: 66560 });
    expect(() => awsChunkedOptions(new Headers(), { kind: "streaming-unsigned-trailer" })).toThrow(expect.objectContaining({ code: "MissingContentLength", status: 411 }));
    for (const bad of ["-1", "1e3", "99999999999999999", "x"]) {
      expect(() => awsChunkedOptions(new Headers({ "x-amz-decoded-content-length": bad }), { kind: "streaming-unsigned-trailer" })).toThrow(expect.objectContaining({ code: "InvalidArgument" }));
    }
  });

  it("stores Content-Encoding without aws-chunked", () => {
    expect(storedContentEncoding(null)).toBeUndefined();
    expect(storedContentEncoding("aws-chunked")).toBeUndefined();
    expect(storedContentEncoding("aws-chunked,gzip")).toBe("gzip");
    expect(storedContentEncoding("gzip, AWS-CHUNKED, br")).toBe("gzip, br");
  });
});
