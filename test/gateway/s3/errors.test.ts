// S3 errors (src/gateway/s3/errors.ts): the wire's error vocabulary mapped to S3's codes and
// statuses, with no internals in the message of a server fault.
import { describe, expect, it } from "vitest";
import { ERROR_CODES, RequestError, type ErrorCode } from "../../../src/protocol/errors.ts";
import { errorXml, S3Error, s3ErrorFromWire } from "../../../src/gateway/s3/errors.ts";

describe("s3ErrorFromWire", () => {
  it.each([
    ["NOT_FOUND", "NoSuchKey", 404],
    ["INVALID_PATH", "InvalidArgument", 400],
    ["INVALID", "InvalidArgument", 400],
    ["NOT_EMPTY", "BucketNotEmpty", 409],
    ["NOT_A_DIRECTORY", "ParentIsObject", 400],
    ["NOT_A_FILE", "ObjectExistsAsDirectory", 409],
    ["ALREADY_EXISTS", "OperationAborted", 409],
    ["LEASE_HELD", "OperationAborted", 409],
    ["CHUNK_RANGE", "InvalidRange", 416],
    ["PERMISSION_DENIED", "AccessDenied", 403],
    ["NO_LEADER", "ServiceUnavailable", 503],
    ["TIMEOUT", "ServiceUnavailable", 503],
    ["NO_PEERS", "ServiceUnavailable", 503],
    ["CHUNK_CORRUPT", "InternalError", 500],
    ["INTERNAL", "InternalError", 500],
  ] as const)("%s -> %s %d", (wire, code, status) => {
    expect(s3ErrorFromWire(new RequestError(wire, "peer 12D3KooW... said no at /b/k"))).toMatchObject({ code, status });
  });

  it("maps every code of the vocabulary to a 4xx or 5xx, and leaks no message of a server fault", () => {
    for (const wire of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const error = s3ErrorFromWire(new RequestError(wire, "secret internals: peer 12D3KooWabc"));
      expect({ wire, ok: error.status >= 400 && error.status < 600 }).toEqual({ wire, ok: true });
      if (error.status >= 500) expect({ wire, message: error.message.includes("secret") }).toEqual({ wire, message: false });
    }
  });

  it("PERMISSION_DENIED keeps the masters' sentence, which names the user, the access and the inode", () => {
    const message = 'Permission denied: user=bob, access=WRITE, inode="/data":alice:supergroup:drwxr-xr-x';
    expect(s3ErrorFromWire(new RequestError("PERMISSION_DENIED", message))).toMatchObject({ code: "AccessDenied", status: 403, message });
  });

  it("keeps an S3Error, and turns anything unexpected into InternalError", () => {
    const own = S3Error.noSuchBucket();
    expect(s3ErrorFromWire(own)).toBe(own);
    const internal = s3ErrorFromWire(new TypeError("cannot read x of undefined at /src/gateway"));
    expect(internal).toMatchObject({ code: "InternalError", status: 500 });
    expect(internal.message).not.toContain("undefined");
    expect(s3ErrorFromWire("a string")).toMatchObject({ code: "InternalError" });
  });

  it("writes S3's error body", () => {
    expect(errorXml(S3Error.noSuchBucket(), "/nope", "r-1")).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist.</Message><Resource>/nope</Resource><RequestId>r-1</RequestId></Error>',
    );
  });
});
