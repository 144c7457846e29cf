// Regressions found by the endpoint fuzz targets (endpoints-http.ts, endpoints-p2p.ts): each
// input a target found that answered 500, hung or killed the peer, pinned at the smallest layer
// that showed it.
import { describe, expect, it } from "vitest";
import { decodeAwsChunked } from "../../src/gateway/s3/aws-chunked.ts";
import { S3Error } from "../../src/gateway/s3/errors.ts";

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function refusalOf(body: string, options: Parameters<typeof decodeAwsChunked>[1]): Promise<S3Error> {
  const decoded = decodeAwsChunked(once(Buffer.from(body, "latin1")), options);
  try {
    for await (const _ of decoded.data);
  } catch (err) {
    await expect(decoded.trailers).rejects.toBe(err);
    expect(err).toBeInstanceOf(S3Error);
    return err as S3Error;
  }
  throw new Error("expected the body to be refused");
}

describe("S3 gateway: aws-chunked trailers", () => {
  // endpoints/s3/aws-chunked: PUT with STREAMING-UNSIGNED-PAYLOAD-TRAILER and the trailer
  // "x-amz-checksum-crc32:AAAAAA=\0\xff=" answered 500 InternalError ("Header 'x-amz-checksum-crc32'
  // has invalid value": Headers.append threw a TypeError on the NUL).
  it("a trailing header value with a control character is InvalidRequest (400), not 500", async () => {
    for (const value of ["AAAAAA=\u0000\u00ff=", "a\u0001b", "a\u007fb", "a\u000bb"]) {
      const err = await refusalOf(`0\r\nx-amz-checksum-crc32:${value}\r\n\r\n`, { trailer: true, decodedLengthBytes: 0 });
      expect({ code: err.code, status: err.status }).toEqual({ code: "InvalidRequest", status: 400 });
    }
  });

  it("a tab inside a trailing header value is still taken", async () => {
    const decoded = decodeAwsChunked(once(Buffer.from("0\r\nx-amz-meta-x:a\tb\r\n\r\n", "latin1")), { trailer: true, decodedLengthBytes: 0 });
    for await (const _ of decoded.data);
    expect((await decoded.trailers).get("x-amz-meta-x")).toBe("a\tb");
  });
});
