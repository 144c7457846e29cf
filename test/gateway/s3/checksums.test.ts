// Body digests and checksums (src/gateway/s3/checksums.ts) against known vectors, the fast
// CRC-32C against @aws-crypto/crc32c, the errors S3 answers for each mismatch, and the
// multipart ETag.
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";
import { crc32c as awsCrc32c } from "@aws-crypto/crc32c";
import { BodyDigests, crc32c, expectedChecksums, multipartEtag, quoteEtag, unquoteEtag, verifyDigests, type ChecksumAlgorithm } from "../../../src/gateway/s3/checksums.ts";
import { s3ErrorCode } from "./capture.ts";
import { pattern } from "../../support/bytes.ts";

function digestsOf(text: string | Uint8Array, checksum?: ChecksumAlgorithm, pieceBytes = 3): BodyDigests {
  const bytes = typeof text === "string" ? Buffer.from(text) : text;
  const digests = new BodyDigests({ md5: true, sha256: true, ...(checksum === undefined ? {} : { checksum }) });
  for (let offset = 0; offset < bytes.length; offset += pieceBytes) digests.update(bytes.subarray(offset, offset + pieceBytes));
  return digests;
}


describe("known vectors, fed in pieces", () => {
  it("computes MD5, SHA-256 and each checksum of 'hello' as S3 spells them", () => {
    expect(digestsOf("hello").md5Hex()).toBe("5d41402abc4b2a76b9719d911017c592");
    expect(digestsOf("hello").md5Base64()).toBe("XUFAKrxLKna5cZ2REBfFkg==");
    expect(digestsOf("hello").sha256Hex()).toBe("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    expect(digestsOf("hello", "CRC32").checksumBase64()).toBe("NhCmhg==");
    expect(digestsOf("hello", "SHA1").checksumBase64()).toBe(Buffer.from("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", "hex").toString("base64"));
    expect(digestsOf("hello", "SHA256").checksumBase64()).toBe(Buffer.from("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "hex").toString("base64"));
    expect(digestsOf("hello").checksumBase64()).toBeUndefined();
    expect(digestsOf("", "CRC32").checksumBase64()).toBe("AAAAAA==");
  });

  it("has CRC-32C right: the check value of '123456789' and @aws-crypto/crc32c on random lengths", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(digestsOf("123456789", "CRC32C").checksumBase64()).toBe(Buffer.from("e3069283", "hex").toString("base64"));
    for (const length of [0, 1, 7, 8, 9, 63, 64, 1000, 65_537]) {
      const bytes = pattern(length, length + 1);
      let running = 0;
      for (let offset = 0; offset < length; offset += 13) running = crc32c(bytes.subarray(offset, offset + 13), running);
      expect({ length, crc: running }).toEqual({ length, crc: awsCrc32c(bytes) });
    }
  });

  it("continues CRC-32 across pieces exactly as node:zlib does", () => {
    const bytes = pattern(100_003, 9);
    expect(digestsOf(bytes, "CRC32", 4099).checksumBase64()).toBe(Buffer.from(zlibCrc32(bytes).toString(16).padStart(8, "0"), "hex").toString("base64"));
    expect(digestsOf(bytes, undefined, 4099).sizeBytes).toBe(100_003);
  });
});

describe("what a request announces", () => {
  it("reads the SDK's default PutObject headers and its trailer form", () => {
    expect(expectedChecksums(new Headers({ "x-amz-checksum-crc32": "NhCmhg==", "x-amz-sdk-checksum-algorithm": "CRC32" }))).toEqual({ algorithm: "CRC32", value: "NhCmhg==" });
    expect(expectedChecksums(new Headers({ "x-amz-trailer": "x-amz-checksum-crc32c", "x-amz-sdk-checksum-algorithm": "CRC32C" }))).toEqual({ algorithm: "CRC32C", trailerAlgorithm: "CRC32C" });
    expect(expectedChecksums(new Headers({ "content-md5": "XUFAKrxLKna5cZ2REBfFkg==", "x-amz-checksum-mode": "ENABLED" }))).toEqual({ contentMd5: "XUFAKrxLKna5cZ2REBfFkg==" });
    expect(expectedChecksums(new Headers())).toEqual({});
  });

  it("refuses two checksums, an unknown trailer, a disagreeing algorithm, and CRC64NVME", () => {
    expect(s3ErrorCode(() => expectedChecksums(new Headers({ "x-amz-checksum-crc32": "NhCmhg==", "x-amz-checksum-sha1": "x" })))).toBe("InvalidRequest");
    expect(s3ErrorCode(() => expectedChecksums(new Headers({ "x-amz-trailer": "x-amz-meta-a" })))).toBe("InvalidRequest");
    expect(s3ErrorCode(() => expectedChecksums(new Headers({ "x-amz-checksum-crc32": "NhCmhg==", "x-amz-sdk-checksum-algorithm": "SHA256" })))).toBe("InvalidRequest");
    expect(s3ErrorCode(() => expectedChecksums(new Headers({ "x-amz-checksum-crc64nvme": "AAAAAAAAAAA=" })))).toBe("NotImplemented");
    expect(s3ErrorCode(() => expectedChecksums(new Headers({ "x-amz-checksum-whirlpool": "x" })))).toBe("InvalidRequest");
  });
});

describe("verifying a finished body", () => {
  it("passes what matches and answers the checksum to store", () => {
    const expected = expectedChecksums(new Headers({ "content-md5": "XUFAKrxLKna5cZ2REBfFkg==", "x-amz-checksum-crc32": "NhCmhg==" }));
    expect(verifyDigests(digestsOf("hello", "CRC32"), expected, { contentSha256Hex: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" })).toEqual({ algorithm: "CRC32", value: "NhCmhg==" });
    expect(verifyDigests(digestsOf("hello"), {})).toBeUndefined();
  });

  it("answers S3's code for each mismatch", () => {
    const hello = () => digestsOf("hello", "CRC32");
    expect(s3ErrorCode(() => verifyDigests(hello(), { contentMd5: "not base64!" }))).toBe("InvalidDigest");
    expect(s3ErrorCode(() => verifyDigests(hello(), { contentMd5: "AAAA" }))).toBe("InvalidDigest");
    expect(s3ErrorCode(() => verifyDigests(hello(), { contentMd5: Buffer.alloc(16).toString("base64") }))).toBe("BadDigest");
    expect(s3ErrorCode(() => verifyDigests(hello(), {}, { contentSha256Hex: "0".repeat(64) }))).toBe("XAmzContentSHA256Mismatch");
    expect(s3ErrorCode(() => verifyDigests(hello(), { algorithm: "CRC32", value: "AAAAAA==" }))).toBe("BadDigest");
    expect(s3ErrorCode(() => verifyDigests(hello(), { algorithm: "CRC32", value: "NhCm" }))).toBe("InvalidRequest");
    expect(s3ErrorCode(() => verifyDigests(hello(), { algorithm: "CRC32" }))).toBe("InvalidRequest");
    expect(s3ErrorCode(() => verifyDigests(hello(), { algorithm: "CRC32", trailerAlgorithm: "CRC32" }, { trailers: new Headers() }))).toBe("InvalidRequest");
    expect(s3ErrorCode(() => verifyDigests(hello(), { algorithm: "CRC32", trailerAlgorithm: "CRC32" }, { trailers: new Headers({ "x-amz-checksum-crc32": "AAAAAA==" }) }))).toBe("BadDigest");
    expect(verifyDigests(hello(), { algorithm: "CRC32", trailerAlgorithm: "CRC32" }, { trailers: new Headers({ "x-amz-checksum-crc32": "NhCmhg==" }) })?.value).toBe("NhCmhg==");
  });
});

describe("ETags", () => {
  it("makes a multipart ETag from the parts' binary MD5s and their count", () => {
    const md5 = (text: string) => createHash("md5").update(text).digest();
    const expected = createHash("md5")
      .update(Buffer.concat([md5("hello"), md5("world")]))
      .digest("hex");
    expect(multipartEtag([md5("hello").toString("hex"), md5("world").toString("hex")])).toBe(`${expected}-2`);
    // One part of "hello": md5 of the 16 bytes of md5("hello").
    expect(multipartEtag(["5d41402abc4b2a76b9719d911017c592"])).toBe(`${createHash("md5").update(md5("hello")).digest("hex")}-1`);
    expect(() => multipartEtag([])).toThrow();
    expect(() => multipartEtag(['"5d41402abc4b2a76b9719d911017c592"'])).toThrow();
  });

  it("quotes and unquotes", () => {
    expect(quoteEtag("abc")).toBe('"abc"');
    expect(unquoteEtag('"abc"')).toBe("abc");
    expect(unquoteEtag('W/"abc"')).toBe("abc");
    expect(unquoteEtag("abc")).toBe("abc");
  });
});
