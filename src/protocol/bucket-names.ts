// S3's rules for general purpose bucket names. A bucket is a top-level folder whose name keeps
// them (docs/s3.md): the S3 gateway refuses any other name, and the admin web UI lists only the
// folders that keep them. Both read the rule here, so what the UI calls a bucket is exactly
// what the gateway serves as one.

/** S3's bounds on a bucket name's length, in characters (all of them ASCII). */
export const BUCKET_NAME_CHARS_MIN = 3;
export const BUCKET_NAME_CHARS_MAX = 63;

const BUCKET_PREFIXES_RESERVED = ["xn--", "sthree-", "amzn-s3-demo-"];
const BUCKET_SUFFIXES_RESERVED = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** Why `name` is not a bucket name, in one sentence; undefined when it is one. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < BUCKET_NAME_CHARS_MIN || name.length > BUCKET_NAME_CHARS_MAX) return `a bucket name is ${BUCKET_NAME_CHARS_MIN} to ${BUCKET_NAME_CHARS_MAX} characters long.`;
  if (!/^[a-z0-9.-]+$/.test(name)) return "a bucket name has only lower case letters, digits, '.' and '-'.";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "a bucket name begins and ends with a letter or digit.";
  if (name.includes("..")) return "a bucket name has no two adjacent periods.";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "a bucket name is not an IP address.";
  if (BUCKET_PREFIXES_RESERVED.some((prefix) => name.startsWith(prefix))) return "that prefix is reserved.";
  if (BUCKET_SUFFIXES_RESERVED.some((suffix) => name.endsWith(suffix))) return "that suffix is reserved.";
  return undefined;
}

export function isBucketName(name: string): boolean {
  return bucketNameProblem(name) === undefined;
}
