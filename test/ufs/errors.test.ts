// Under-storage failures in one sentence (src/ufs/errors.ts): each SDK or file-system failure
// maps to a code a user can act on, and no message shows a credential. The servers' own
// answers are in s3.test.ts and file.test.ts; these are the shapes no test server produces.
import { describe, it, expect } from "vitest";
import { fileError, s3Error, shownEndpoint } from "../../src/ufs/errors.ts";

const context = { endpoint: "https://user:hunter2@minio.example:9000/base?token=abc", region: "eu-west-1", bucket: "data", key: "a/b.csv" };

describe("s3Error", () => {
  it("maps the SDK's failures to codes", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: "TimeoutError" }, "UNAVAILABLE"],
      [{ name: "Error", code: "ENOTFOUND" }, "UNAVAILABLE"],
      [{ name: "Error", cause: { code: "ECONNRESET" } }, "UNAVAILABLE"],
      [{ name: "InternalError", $metadata: { httpStatusCode: 500 } }, "UNAVAILABLE"],
      [{ name: "SlowDown", $metadata: { httpStatusCode: 503 } }, "UNAVAILABLE"],
      [{ name: "AccessDenied", $metadata: { httpStatusCode: 403 } }, "PERMISSION_DENIED"],
      [{ name: "Unknown", $metadata: { httpStatusCode: 403 } }, "PERMISSION_DENIED"],
      [{ name: "ExpiredToken", $metadata: { httpStatusCode: 400 } }, "PERMISSION_DENIED"],
      [{ name: "CredentialsProviderError" }, "PERMISSION_DENIED"],
      [{ name: "NoSuchBucket", $metadata: { httpStatusCode: 404 } }, "NOT_FOUND"],
      [{ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }, "NOT_FOUND"],
      [{ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } }, "CHANGED"],
      [{ name: "Unknown", $metadata: { httpStatusCode: 412 } }, "CHANGED"],
      [{ name: "InvalidArgument", message: "bad part", $metadata: { httpStatusCode: 400 } }, "INVALID"],
    ];
    for (const [err, code] of cases) expect([err, s3Error(err, context).code]).toEqual([err, code]);
  });

  it("says what to do, and shows the endpoint without its user, password or query", () => {
    expect(shownEndpoint(context)).toBe("https://minio.example:9000/base");
    expect(shownEndpoint({ endpoint: undefined, region: "eu-west-1" })).toBe("AWS S3 (eu-west-1)");
    expect(s3Error({ name: "NoSuchBucket" }, context).message).toBe("the bucket data does not exist at https://minio.example:9000/base");
    expect(s3Error({ name: "SignatureDoesNotMatch", message: "StringToSign: AWS4-HMAC-SHA256 ..." }, context).message).toBe("the under-storage at https://minio.example:9000/base refused the signature: check secret_key");
    expect(s3Error({ name: "CredentialsProviderError", message: "Could not load credentials from any providers" }, context).message).toContain("give the mount access_key and secret_key");
    for (const err of [{ code: "ECONNREFUSED" }, { name: "AccessDenied" }, { name: "InvalidArgument", message: "x" }, { name: "NoSuchKey" }]) {
      const message = s3Error(err, context).message;
      expect(message).not.toContain("hunter2");
      expect(message).not.toContain("token=abc");
    }
  });
});

describe("fileError", () => {
  it("maps errno codes to codes", () => {
    const codes = Object.fromEntries(["ENOENT", "ENOTDIR", "EACCES", "EPERM", "EROFS", "EIO", "ESTALE", "ENOSPC", "EISDIR", "ENOTEMPTY"].map((code) => [code, fileError(Object.assign(new Error(code), { code }), "file:///x").code]));
    expect(codes).toEqual({ ENOENT: "NOT_FOUND", ENOTDIR: "NOT_FOUND", EACCES: "PERMISSION_DENIED", EPERM: "PERMISSION_DENIED", EROFS: "PERMISSION_DENIED", EIO: "UNAVAILABLE", ESTALE: "UNAVAILABLE", ENOSPC: "UNAVAILABLE", EISDIR: "INVALID", ENOTEMPTY: "INVALID" });
    expect(fileError(Object.assign(new Error("x"), { code: "EACCES" }), "file:///share/a").message).toBe("this peer may not access file:///share/a (EACCES): check the folder's owner and mode");
  });
});
