// Bucket names and keys (src/gateway/s3/names.ts): S3's bucket rules, and which keys map to
// which paths of the namespace and which are refused with which S3 error (the table docs/s3.md shows).
import { describe, expect, it } from "vitest";
import { S3Error } from "../../../src/gateway/s3/errors.ts";
import { checkBucketName, isValidBucketName, keyOfPath, KEY_BYTES_MAX, objectPath } from "../../../src/gateway/s3/names.ts";

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(S3Error);
    return (err as S3Error).code;
  }
  return "accepted";
}

describe("bucket names", () => {
  it.each([
    ["abc", "accepted"],
    ["my-bucket.example-1", "accepted"],
    ["a".repeat(63), "accepted"],
    ["ab", "InvalidBucketName"],
    ["a".repeat(64), "InvalidBucketName"],
    ["MyBucket", "InvalidBucketName"],
    ["my_bucket", "InvalidBucketName"],
    ["-abc", "InvalidBucketName"],
    ["abc-", "InvalidBucketName"],
    [".abc", "InvalidBucketName"],
    ["a..b", "InvalidBucketName"],
    ["192.168.5.4", "InvalidBucketName"],
    ["xn--abc", "InvalidBucketName"],
    ["sthree-abc", "InvalidBucketName"],
    ["abc-s3alias", "InvalidBucketName"],
    ["abc--ol-s3", "InvalidBucketName"],
    [".tessera-s3", "InvalidBucketName"],
    ["a b", "InvalidBucketName"],
  ])("%s -> %s", (name, expected) => {
    expect(refusal(() => checkBucketName(name))).toBe(expected);
    expect(isValidBucketName(name)).toBe(expected === "accepted");
  });
});

describe("keys to paths", () => {
  it.each([
    ["photo.jpg", "/b/photo.jpg", false],
    ["a/b/c.txt", "/b/a/b/c.txt", false],
    ["dir/", "/b/dir", true],
    ["a/b/", "/b/a/b", true],
    ["with space & ünïcode/x+y=z", "/b/with space & ünïcode/x+y=z", false],
    ["...", "/b/...", false],
    [".hidden/x", "/b/.hidden/x", false],
    ["k".repeat(KEY_BYTES_MAX), `/b/${"k".repeat(255)}`, false],
  ] as const)("key #%# maps to its path", (key, path, folderMarker) => {
    if (key.length === KEY_BYTES_MAX) {
      // 1,024 bytes is within S3's bound but one name of it is over 255: see the refusals.
      expect(refusal(() => objectPath("b", key))).toBe("InvalidArgument");
      return;
    }
    expect(objectPath("b", key)).toEqual({ path, folderMarker });
    expect(keyOfPath("b", path, folderMarker)).toBe(key);
  });

  it.each([
    ["", "InvalidArgument"],
    ["/", "InvalidArgument"],
    ["/leading", "InvalidArgument"],
    ["a//b", "InvalidArgument"],
    ["a//", "InvalidArgument"],
    ["./a", "InvalidArgument"],
    ["a/../b", "InvalidArgument"],
    ["a/..", "InvalidArgument"],
    ["tab\there", "InvalidArgument"],
    ["nul\u0000", "InvalidArgument"],
    ["del\u007f", "InvalidArgument"],
    ["c1\u0085", "InvalidArgument"],
    ["lone\ud800", "InvalidArgument"],
    [`${"n".repeat(256)}`, "InvalidArgument"],
    [`${"é".repeat(128)}`, "InvalidArgument"], // 256 bytes of UTF-8 in 128 characters
    [".tessera-s3/tmp/x", "InvalidArgument"],
    ["a/.tessera-s3", "InvalidArgument"],
    ["a/.tessera-s3/", "InvalidArgument"],
    [`${"a/".repeat(512)}x`, "KeyTooLongError"],
    [`${"ü".repeat(513)}`, "KeyTooLongError"], // 1,026 bytes in 513 characters
  ])("refuses key #%# with %s", (key, code) => {
    expect(refusal(() => objectPath("b", key))).toBe(code);
  });

  it("accepts exactly 1,024 bytes of key in names of up to 255, and refuses 1,025", () => {
    const key = ["k".repeat(255), "k".repeat(255), "k".repeat(255), "k".repeat(254), "k"].join("/");
    expect(Buffer.byteLength(key)).toBe(KEY_BYTES_MAX);
    expect(objectPath("b", key).path).toBe(`/b/${key}`);
    expect(refusal(() => objectPath("b", `${key}k`))).toBe("KeyTooLongError");
  });
});
