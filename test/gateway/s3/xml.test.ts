// S3's XML (src/gateway/s3/xml.ts): responses the AWS SDK parses back to what was meant (the
// SDK's own deserialisers, through a captured round trip), request bodies the SDK writes
// parsed back, and malformed, oversized and hostile bodies refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompleteMultipartUploadCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { S3Error } from "../../../src/gateway/s3/errors.ts";
import {
  completeMultipartResultXml,
  copyObjectResultXml,
  deleteResultXml,
  DELETE_KEYS_MAX,
  initiateMultipartXml,
  listBucketsXml,
  listMultipartUploadsXml,
  listObjectsV1Xml,
  listObjectsV2Xml,
  listPartsXml,
  locationXml,
  parseCompleteMultipart,
  parseDelete,
  s3UrlEncode,
  XML_BODY_BYTES_MAX,
} from "../../../src/gateway/s3/xml.ts";
import { errorXml } from "../../../src/gateway/s3/errors.ts";
import { readAll } from "../../../src/gateway/s3/body.ts";
import { bodyStream, type Capture, s3ErrorCode, sdkClient, startCapture } from "./capture.ts";

const OWNER = { id: "tessera", displayName: "tessera" };

/** A server that answers every request with `xml`, to let the SDK's own parser read it. */
async function sdkReads<T>(xml: string, send: (client: S3Client) => Promise<T>, status = 200): Promise<T> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(xml, { status, headers: { "content-type": "application/xml" } }) });
  try {
    return await send(sdkClient(`http://127.0.0.1:${server.port}`));
  } finally {
    await server.stop(true);
  }
}

describe("responses, read back by the AWS SDK", () => {
  it("ListObjectsV2 with awkward keys, common prefixes and paging", async () => {
    const contents = [
      { key: "a&b<c>.txt\r\n", lastModifiedMs: Date.UTC(2024, 0, 2, 3, 4, 5), etag: '"5d41402abc4b2a76b9719d911017c592"', sizeBytes: 5 },
      { key: "ünï cödé 'q\"", lastModifiedMs: Date.UTC(2024, 0, 2), etag: '"x-2"', sizeBytes: 12_345_678_901, checksumAlgorithm: "CRC32" as const },
    ];
    const xml = listObjectsV2Xml({ bucket: "b", prefix: "", delimiter: "/", maxKeys: 1000, isTruncated: true, nextContinuationToken: "tok&en", contents, commonPrefixes: ["dir/", "d&r/"] });
    const out = await sdkReads(xml, (s3) => s3.send(new ListObjectsV2Command({ Bucket: "b", Delimiter: "/" })));
    expect(out.Contents?.map((c) => [c.Key, c.ETag, c.Size, c.LastModified?.getTime()])).toEqual(contents.map((c) => [c.key, c.etag, c.sizeBytes, c.lastModifiedMs]));
    expect(out.Contents?.[1]?.ChecksumAlgorithm).toEqual(["CRC32"]);
    expect(out.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["dir/", "d&r/"]);
    expect(out.KeyCount).toBe(4);
    expect(out.IsTruncated).toBe(true);
    expect(out.NextContinuationToken).toBe("tok&en");
  });

  it("encoding-type=url encodes keys, prefixes, delimiter and start-after (control characters survive)", () => {
    const xml = listObjectsV2Xml({ bucket: "b", prefix: "p q/", delimiter: "/", startAfter: "p q/\u0001", encodingType: "url", maxKeys: 2, isTruncated: false, contents: [{ key: "p q/a+b\u0001", lastModifiedMs: 0, etag: '"e"', sizeBytes: 1 }], commonPrefixes: ["p q/ü/"] });
    expect(xml).toContain("<Key>p+q/a%2Bb%01</Key>");
    expect(xml).toContain("<Prefix>p+q/</Prefix>");
    expect(xml).toContain("<StartAfter>p+q/%01</StartAfter>");
    expect(xml).toContain("<Prefix>p+q/%C3%BC/</Prefix>");
    expect(xml).toContain("<EncodingType>url</EncodingType>");
    expect(decodeURIComponent(s3UrlEncode("a b/c+d").replace(/\+/g, " "))).toBe("a b/c+d");
  });

  it("the other builders are well-formed and escape what they carry", () => {
    const xmls = [
      listBucketsXml([{ name: "b1", creationDateMs: 0 }], OWNER),
      listObjectsV1Xml({ bucket: "b", prefix: "", marker: "m&", nextMarker: "n", maxKeys: 1, isTruncated: true, contents: [], commonPrefixes: [], owner: OWNER }),
      initiateMultipartXml("b", "k<", "u1"),
      completeMultipartResultXml({ location: "http://h/b/k", bucket: "b", key: "k", etag: '"e-2"', checksum: { algorithm: "CRC32", value: "NhCmhg==" } }),
      listPartsXml({ bucket: "b", key: "k", uploadId: "u", partNumberMarker: 0, nextPartNumberMarker: 1, maxParts: 1, isTruncated: true, parts: [{ partNumber: 1, lastModifiedMs: 0, etag: '"e"', sizeBytes: 5 }], owner: OWNER }),
      listMultipartUploadsXml({ bucket: "b", prefix: "", keyMarker: "", uploadIdMarker: "", maxUploads: 10, isTruncated: false, uploads: [{ key: "k", uploadId: "u", initiatedMs: 0 }], commonPrefixes: [], owner: OWNER }),
      copyObjectResultXml('"e"', 0),
      deleteResultXml({ deleted: ["a&"], errors: [{ key: "b", code: "AccessDenied", message: "no <way>" }] }),
      locationXml("us-east-1"),
      errorXml(S3Error.noSuchKey(), "/b/k&", "req-1"),
    ];
    for (const xml of xmls) expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
    expect(locationXml("us-east-1")).toContain("<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></LocationConstraint>");
    expect(errorXml(S3Error.noSuchKey(), "/b/k&", "req-1")).toContain("<Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Resource>/b/k&amp;</Resource><RequestId>req-1</RequestId>");
  });

  it("an error body reaches the SDK as the error's name and status", async () => {
    const err = await sdkReads(errorXml(S3Error.noSuchKey(), "/b/k", "r1"), (s3) => s3.send(new ListObjectsV2Command({ Bucket: "b" })).then(() => undefined, (e: unknown) => e), 404);
    expect((err as { name: string; $metadata: { httpStatusCode: number } }).name).toBe("NoSuchKey");
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(404);
  });
});

describe("request bodies as the AWS SDK writes them", () => {
  let capture: Capture;
  beforeAll(() => {
    capture = startCapture();
  });
  afterAll(async () => {
    await capture.stop();
  });

  it("DeleteObjects: keys with spaces, entities and non-ASCII come back exactly", async () => {
    const keys = [" lead", "trail ", "a&b<c>\"'", "ünï/cödé", "x\ty", "line\r\nbreak", "&#13; literally"];
    await sdkClient(capture.endpoint).send(new DeleteObjectsCommand({ Bucket: "b", Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
    expect(parseDelete(capture.take().body)).toEqual({ keys, quiet: true });
  });

  it("CompleteMultipartUpload: part numbers, quoted ETags and checksums", async () => {
    await sdkClient(capture.endpoint)
      .send(
        new CompleteMultipartUploadCommand({
          Bucket: "b",
          Key: "k",
          UploadId: "u",
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"aaa"', ChecksumCRC32: "NhCmhg==" }, { PartNumber: 3, ETag: "bbb" }] },
        }),
      )
      .catch(() => undefined); // the capture's answer is not a CompleteMultipartUploadResult
    expect(parseCompleteMultipart(capture.take().body)).toEqual([
      { partNumber: 1, etag: "aaa", checksums: { CRC32: "NhCmhg==" } },
      { partNumber: 3, etag: "bbb", checksums: {} },
    ]);
  });
});

describe("bad bodies", () => {
  const complete = (parts: string) => `<CompleteMultipartUpload>${parts}</CompleteMultipartUpload>`;
  const part = (n: string, etag = '"e"') => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`;

  it("refuses malformed XML and the wrong root", () => {
    for (const body of ["", "not xml", "<Delete><Object><Key>a</Key></Object>", "<Delete><Object><Key>a</Key></Obj></Delete>", "<Other/>", "<Delete></Delete>", "<Delete><Object/></Delete>", "<Delete><Object><Key></Key></Object></Delete>", "<Delete><Object><Key><b>x</b></Key></Object></Delete>", "<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>"]) {
      expect({ body, code: s3ErrorCode(() => parseDelete(body)) }).toEqual({ body, code: "MalformedXML" });
    }
    expect(s3ErrorCode(() => parseDelete(new Uint8Array([0x3c, 0xff, 0xfe, 0x3e])))).toBe("MalformedXML");
  });

  it("decodes character references once, and refuses unknown entities", () => {
    expect(parseDelete("<Delete><Object><Key>a&#13;b&#x0A;c&#xe9;&amp;#1;</Key></Object></Delete>").keys).toEqual(["a\rb\ncé&#1;"]);
    for (const bad of ["&nbsp;", "&#0;", "&#xD800;", "&#x110000;", "& ", "&amp"]) {
      expect({ bad, code: s3ErrorCode(() => parseDelete(`<Delete><Object><Key>a${bad}</Key></Object></Delete>`)) }).toEqual({ bad, code: "MalformedXML" });
    }
  });

  it("refuses a DTD and entity expansion (no billion laughs), and CDATA", () => {
    const laughs = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Delete><Object><Key>&b;</Key></Object></Delete>';
    expect(s3ErrorCode(() => parseDelete(laughs))).toBe("MalformedXML");
    expect(s3ErrorCode(() => parseDelete("<Delete><Object><Key><![CDATA[a&amp;]]></Key></Object></Delete>"))).toBe("MalformedXML");
  });

  it("bounds the number of keys and the size of a body", async () => {
    const objects = (n: number) => Array.from({ length: n }, (_, i) => `<Object><Key>k${i}</Key></Object>`).join("");
    expect(parseDelete(`<Delete>${objects(DELETE_KEYS_MAX)}</Delete>`).keys.length).toBe(DELETE_KEYS_MAX);
    expect(s3ErrorCode(() => parseDelete(`<Delete>${objects(DELETE_KEYS_MAX + 1)}</Delete>`))).toBe("MalformedXML");
    const huge = `<Delete><Object><Key>${"k".repeat(XML_BODY_BYTES_MAX)}</Key></Object></Delete>`;
    expect(s3ErrorCode(() => parseDelete(huge))).toBe("MaxMessageLengthExceeded");
    // A request body is read within the same bound (body.ts readAll; xmlRequestBody answers
    // MaxMessageLengthExceeded for it).
    await expect(readAll(bodyStream(Buffer.from(huge), 65536), XML_BODY_BYTES_MAX)).rejects.toMatchObject({ code: "EntityTooLarge" });
    expect(Buffer.from(await readAll(bodyStream(Buffer.from("<a/>"), 1), XML_BODY_BYTES_MAX)).toString()).toBe("<a/>");
  });

  it("CompleteMultipartUpload: order, range and form of the parts", () => {
    expect(parseCompleteMultipart(complete(part("1") + part("2")))).toHaveLength(2);
    expect(s3ErrorCode(() => parseCompleteMultipart(complete(part("2") + part("1"))))).toBe("InvalidPartOrder");
    expect(s3ErrorCode(() => parseCompleteMultipart(complete(part("1") + part("1"))))).toBe("InvalidPartOrder");
    expect(s3ErrorCode(() => parseCompleteMultipart(complete(part("0"))))).toBe("InvalidArgument");
    expect(s3ErrorCode(() => parseCompleteMultipart(complete(part("10001"))))).toBe("InvalidArgument");
    expect(s3ErrorCode(() => parseCompleteMultipart(complete(part("1.5"))))).toBe("MalformedXML");
    expect(s3ErrorCode(() => parseCompleteMultipart(complete(part("1", ""))))).toBe("MalformedXML");
    expect(s3ErrorCode(() => parseCompleteMultipart(complete("")))).toBe("MalformedXML");
    expect(s3ErrorCode(() => parseCompleteMultipart(complete("<Part><ETag>e</ETag></Part>")))).toBe("MalformedXML");
    const many = Array.from({ length: 10_000 }, (_, i) => part(String(i + 1), `"${"0".repeat(32)}"`)).join("");
    expect(parseCompleteMultipart(complete(many))).toHaveLength(10_000);
  });
});
