// The gateway's request parsing (src/gateway/s3/server.ts, objects.ts): the operation each
// method, address and sub-resource names, path style and virtual-host style addresses, the
// raw path SigV4 signs, and x-amz-copy-source.
import { describe, it, expect } from "vitest";
import { addressOf, rawTarget, route } from "../../../src/gateway/s3/server.ts";
import { parseCopySource } from "../../../src/gateway/s3/objects.ts";
import { S3Error } from "../../../src/gateway/s3/errors.ts";

const op = (method: string, bucket: string, key: string, query = "", headers: Record<string, string> = {}) => route(method, bucket, key, new URLSearchParams(query), new Headers(headers)).operation;

describe("route", () => {
  it("names every operation of the issue", () => {
    expect(op("GET", "", "")).toBe("ListBuckets");
    expect(op("PUT", "b", "")).toBe("CreateBucket");
    expect(op("DELETE", "b", "")).toBe("DeleteBucket");
    expect(op("HEAD", "b", "")).toBe("HeadBucket");
    expect(op("GET", "b", "", "location")).toBe("GetBucketLocation");
    expect(op("GET", "b", "")).toBe("ListObjects");
    expect(op("GET", "b", "", "list-type=2&prefix=a")).toBe("ListObjectsV2");
    expect(op("GET", "b", "", "uploads")).toBe("ListMultipartUploads");
    expect(op("POST", "b", "", "delete")).toBe("DeleteObjects");
    expect(op("PUT", "b", "k")).toBe("PutObject");
    expect(op("PUT", "b", "k", "", { "x-amz-copy-source": "/b/j" })).toBe("CopyObject");
    expect(op("GET", "b", "k")).toBe("GetObject");
    expect(op("HEAD", "b", "k")).toBe("HeadObject");
    expect(op("DELETE", "b", "k")).toBe("DeleteObject");
    expect(op("POST", "b", "k", "uploads")).toBe("CreateMultipartUpload");
    expect(op("PUT", "b", "k", "partNumber=1&uploadId=u")).toBe("UploadPart");
    expect(op("PUT", "b", "k", "partNumber=1&uploadId=u", { "x-amz-copy-source": "/b/j" })).toBe("UploadPartCopy");
    expect(op("POST", "b", "k", "uploadId=u")).toBe("CompleteMultipartUpload");
    expect(op("DELETE", "b", "k", "uploadId=u")).toBe("AbortMultipartUpload");
    expect(op("GET", "b", "k", "uploadId=u")).toBe("ListParts");
  });

  it("refuses sub-resources it does not serve with NotImplemented, and odd methods with MethodNotAllowed", () => {
    for (const query of ["acl", "versioning", "tagging", "policy", "lifecycle"]) {
      expect(() => op("GET", "b", "", query)).toThrow(S3Error);
      try {
        op("GET", "b", "", query);
      } catch (err) {
        expect((err as S3Error).status).toBe(501);
      }
    }
    expect(() => op("POST", "b", "k")).toThrow(S3Error);
    expect(() => op("DELETE", "", "")).toThrow(S3Error);
  });
});

describe("addressOf and rawTarget", () => {
  it("reads bucket and key from the path, decoded; the key keeps its slashes", () => {
    expect(addressOf("/", null, undefined)).toEqual({ bucket: "", key: "" });
    expect(addressOf("/b", null, undefined)).toEqual({ bucket: "b", key: "" });
    expect(addressOf("/b/", null, undefined)).toEqual({ bucket: "b", key: "" });
    expect(addressOf("/b/a%20b/c%2Fd/", null, undefined)).toEqual({ bucket: "b", key: "a b/c/d/" });
    expect(() => addressOf("/b/%E0%A4%A", null, undefined)).toThrow(S3Error);
  });

  it("reads the bucket from the Host under the virtual-host domain", () => {
    expect(addressOf("/a/b", "photos.s3.example.com:9000", "s3.example.com")).toEqual({ bucket: "photos", key: "a/b" });
    expect(addressOf("/photos/a", "s3.example.com:9000", "s3.example.com")).toEqual({ bucket: "photos", key: "a" });
    expect(addressOf("/photos/a", "127.0.0.1:9000", "s3.example.com")).toEqual({ bucket: "photos", key: "a" });
  });

  it("keeps the path and query as sent", () => {
    expect(rawTarget("http://h:1/b/a%2Fb?list-type=2&prefix=a%20b")).toEqual({ rawPath: "/b/a%2Fb", rawQuery: "list-type=2&prefix=a%20b" });
    expect(rawTarget("http://h:1/")).toEqual({ rawPath: "/", rawQuery: "" });
  });
});

describe("parseCopySource", () => {
  it("reads a bucket and a URL-encoded key, with or without the leading slash", () => {
    expect(parseCopySource("/b/dir/a%20b.txt")).toEqual({ bucket: "b", key: "dir/a b.txt" });
    expect(parseCopySource("b/k")).toEqual({ bucket: "b", key: "k" });
    expect(() => parseCopySource("b")).toThrow(S3Error);
    expect(() => parseCopySource("/b/k?versionId=3")).toThrow(S3Error);
  });
});
