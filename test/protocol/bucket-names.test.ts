// S3's bucket-name rule (src/protocol/bucket-names.ts), shared by the S3 gateway (which refuses
// other names with InvalidBucketName: test/gateway/s3/names.test.ts) and the web UI's bucket list.
import { describe, expect, it } from "vitest";
import { bucketNameProblem, isBucketName } from "../../src/protocol/bucket-names.ts";

describe("bucket names", () => {
  it.each([
    ["abc", undefined],
    ["logs-2026.01", undefined],
    ["a".repeat(63), undefined],
    ["ab", "a bucket name is 3 to 63 characters long."],
    ["a".repeat(64), "a bucket name is 3 to 63 characters long."],
    ["Data_2", "a bucket name has only lower case letters, digits, '.' and '-'."],
    ["-abc", "a bucket name begins and ends with a letter or digit."],
    [".tessera-s3", "a bucket name begins and ends with a letter or digit."],
    ["a..b", "a bucket name has no two adjacent periods."],
    ["10.0.0.1", "a bucket name is not an IP address."],
    ["xn--abc", "that prefix is reserved."],
    ["abc--x-s3", "that suffix is reserved."],
  ])("%s: %s", (name, problem) => {
    expect(bucketNameProblem(name)).toBe(problem);
    expect(isBucketName(name)).toBe(problem === undefined);
  });
});
