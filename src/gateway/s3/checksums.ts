// The digests of a body, computed once while it streams: MD5 for the ETag and Content-MD5,
// SHA-256 for x-amz-content-sha256, and the one flexible checksum the client chose
// (x-amz-checksum-* header or trailer; the SDKs send CRC32 by default since 3.729).
import { createHash, type Hash } from "node:crypto";
import { S3Error } from "./errors.ts";

export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "SHA1" | "SHA256";
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ["CRC32", "CRC32C", "SHA1", "SHA256"];
/** Bytes of each algorithm's digest: a header value must decode to exactly this many. */
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, SHA1: 20, SHA256: 32 };

export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing by 8: @aws-crypto/crc32c goes
// a byte at a time (about 50 MB/s measured), this about ten times that; node:zlib and
// Bun.hash have CRC-32 only.
const CRC32C_TABLES = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    tables[0]![n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[0]![n]!;
    for (let t = 1; t < 8; t++) {
      c = tables[0]![c & 0xff]! ^ (c >>> 8);
      tables[t]![n] = c >>> 0;
    }
  }
  return tables;
})();

/** CRC-32C of `bytes` continuing from `previous` (0 to start), as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC32C_TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let crc = ~previous >>> 0;
  let i = 0;
  const length = bytes.length;
  const fast = length - (length % 8);
  while (i < fast) {
    const a = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) ^ crc;
    crc =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[bytes[i + 4]!]! ^
      t2[bytes[i + 5]!]! ^
      t1[bytes[i + 6]!]! ^
      t0[bytes[i + 7]!]!;
    i += 8;
  }
  while (i < length) crc = t0[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

function uint32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString("base64");
}

/** One running checksum of the flexible-checksum family. */
interface Running {
  update(bytes: Uint8Array): void;
  base64(): string;
}

function running(algorithm: ChecksumAlgorithm): Running {
  switch (algorithm) {
    case "CRC32": {
      let crc = 0;
      // Bun.hash.crc32 continues from a seed exactly as zlib's crc32 (checked in the tests), and is the faster of the two.
      return { update: (bytes) => void (crc = Bun.hash.crc32(bytes, crc)), base64: () => uint32Base64(crc) };
    }
    case "CRC32C": {
      let crc = 0;
      return { update: (bytes) => void (crc = crc32c(bytes, crc)), base64: () => uint32Base64(crc) };
    }
    case "SHA1":
    case "SHA256": {
      const hash = createHash(algorithm === "SHA1" ? "sha1" : "sha256");
      let digest: string | undefined;
      return { update: (bytes) => void hash.update(bytes), base64: () => (digest ??= hash.digest("base64")) };
    }
  }
}

export interface DigestChoice {
  md5: true;
  sha256?: boolean;
  checksum?: ChecksumAlgorithm;
}

/**
 * Everything to compute over one body, in one pass. Read the results only after the last
 * update: a digest is final once read.
 */
export class BodyDigests {
  private readonly md5 = createHash("md5");
  private readonly sha256: Hash | undefined;
  private readonly checksum: Running | undefined;
  private md5Digest: Buffer | undefined;
  private sha256Digest: string | undefined;
  sizeBytes = 0;

  constructor(readonly algorithms: DigestChoice) {
    this.sha256 = algorithms.sha256 === true ? createHash("sha256") : undefined;
    this.checksum = algorithms.checksum === undefined ? undefined : running(algorithms.checksum);
  }

  update(bytes: Uint8Array): void {
    this.md5.update(bytes);
    this.sha256?.update(bytes);
    this.checksum?.update(bytes);
    this.sizeBytes += bytes.length;
  }

  private md5Bytes(): Buffer {
    return (this.md5Digest ??= this.md5.digest());
  }
  md5Hex(): string {
    return this.md5Bytes().toString("hex");
  }
  md5Base64(): string {
    return this.md5Bytes().toString("base64");
  }
  sha256Hex(): string {
    if (this.sha256 === undefined) throw new Error("BodyDigests: SHA-256 was not asked for.");
    return (this.sha256Digest ??= this.sha256.digest("hex"));
  }
  checksumBase64(): string | undefined {
    return this.checksum?.base64();
  }
}

export interface ExpectedChecksums {
  /** Content-MD5 as sent (base64 of 16 bytes). */
  contentMd5?: string;
  /** The algorithm of an x-amz-checksum-* header, or of x-amz-sdk-checksum-algorithm / x-amz-trailer. */
  algorithm?: ChecksumAlgorithm;
  /** The x-amz-checksum-* header's value (base64); absent when it comes as a trailer. */
  value?: string;
  /** The algorithm of the checksum announced in x-amz-trailer, to be read from the trailers. */
  trailerAlgorithm?: ChecksumAlgorithm;
}

function algorithmOf(name: string): ChecksumAlgorithm | undefined {
  return CHECKSUM_ALGORITHMS.find((algorithm) => checksumHeader(algorithm) === name);
}

/**
 * The checksums a request announces. Throws InvalidRequest for two checksum headers, a
 * trailer that is not one checksum, or an algorithm that disagrees with
 * x-amz-sdk-checksum-algorithm; NotImplemented for CRC64NVME (not computed here).
 */
export function expectedChecksums(headers: Headers): ExpectedChecksums {
  const expected: ExpectedChecksums = {};
  const md5 = headers.get("content-md5");
  if (md5 !== null) expected.contentMd5 = md5;
  for (const [name, value] of headers) {
    if (!name.startsWith("x-amz-checksum-") || name === "x-amz-checksum-algorithm" || name === "x-amz-checksum-type" || name === "x-amz-checksum-mode") continue;
    if (name === "x-amz-checksum-crc64nvme") throw S3Error.notImplemented("The CRC64NVME checksum is not supported; use CRC32, CRC32C, SHA1 or SHA256.");
    const algorithm = algorithmOf(name);
    if (algorithm === undefined) throw S3Error.invalidRequest(`Unknown checksum header ${name.slice(0, 64)}.`);
    if (expected.algorithm !== undefined) throw S3Error.invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
    expected.algorithm = algorithm;
    expected.value = value;
  }
  const trailer = headers.get("x-amz-trailer");
  if (trailer !== null) {
    const name = trailer.trim().toLowerCase();
    if (name === "x-amz-checksum-crc64nvme") throw S3Error.notImplemented("The CRC64NVME checksum is not supported; use CRC32, CRC32C, SHA1 or SHA256.");
    const algorithm = algorithmOf(name);
    if (algorithm === undefined) throw S3Error.invalidRequest("x-amz-trailer must name one checksum header (x-amz-checksum-crc32, -crc32c, -sha1 or -sha256).");
    if (expected.algorithm !== undefined) throw S3Error.invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
    expected.algorithm = algorithm;
    expected.trailerAlgorithm = algorithm;
  }
  const sdk = headers.get("x-amz-sdk-checksum-algorithm");
  if (sdk !== null) {
    const algorithm = CHECKSUM_ALGORITHMS.find((a) => a === sdk.trim().toUpperCase());
    if (sdk.trim().toUpperCase() === "CRC64NVME") throw S3Error.notImplemented("The CRC64NVME checksum is not supported; use CRC32, CRC32C, SHA1 or SHA256.");
    if (algorithm === undefined) throw S3Error.invalidRequest(`Unknown x-amz-sdk-checksum-algorithm ${JSON.stringify(sdk.slice(0, 32))}.`);
    if (expected.algorithm !== undefined && expected.algorithm !== algorithm) {
      throw S3Error.invalidRequest(`x-amz-sdk-checksum-algorithm ${algorithm} does not match the ${expected.algorithm} checksum sent.`);
    }
    // Algorithm announced but no value: S3 then requires the header or trailer; a missing one is the caller's InvalidRequest via verifyDigests.
    expected.algorithm = algorithm;
  }
  return expected;
}

/** The BodyDigests a request needs: MD5 always, SHA-256 when the payload is signed by hash, its checksum. */
export function digestsFor(expected: ExpectedChecksums, options: { sha256: boolean }): BodyDigests {
  return new BodyDigests({ md5: true, sha256: options.sha256, ...(expected.algorithm === undefined ? {} : { checksum: expected.algorithm }) });
}

function decodesTo(base64: string, bytes: number): boolean {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) return false;
  return Buffer.from(base64, "base64").length === bytes;
}

export interface VerifiedChecksum {
  algorithm: ChecksumAlgorithm;
  /** base64, as S3 returns it in x-amz-checksum-* with x-amz-checksum-mode: ENABLED. */
  value: string;
}

/**
 * Checks a finished body against what the request announced, before the object may become
 * visible. Throws S3Error: InvalidDigest (a Content-MD5 that is not base64 of 16 bytes),
 * BadDigest (Content-MD5 or a checksum differs), XAmzContentSHA256Mismatch (the signed
 * payload hash differs), InvalidRequest (a checksum value of the wrong form, or an announced
 * trailer or checksum that never came). Answers the checksum to store, if any.
 */
export function verifyDigests(
  digests: BodyDigests,
  expected: ExpectedChecksums,
  options: { contentSha256Hex?: string; trailers?: Headers } = {},
): VerifiedChecksum | undefined {
  if (expected.contentMd5 !== undefined) {
    if (!decodesTo(expected.contentMd5, 16)) throw S3Error.invalidDigest();
    if (expected.contentMd5 !== digests.md5Base64()) throw S3Error.badDigest();
  }
  if (options.contentSha256Hex !== undefined && options.contentSha256Hex !== digests.sha256Hex()) throw S3Error.contentSha256Mismatch();
  const algorithm = expected.algorithm;
  if (algorithm === undefined) return undefined;
  const header = checksumHeader(algorithm);
  let sent = expected.value;
  if (expected.trailerAlgorithm !== undefined) {
    sent = options.trailers?.get(header) ?? undefined;
    if (sent === undefined) throw S3Error.invalidRequest(`The trailing header ${header} announced in x-amz-trailer was not sent.`);
  }
  if (sent === undefined) throw S3Error.invalidRequest(`x-amz-sdk-checksum-algorithm is ${algorithm}, but no ${header} header or trailer was sent.`);
  if (!decodesTo(sent, DIGEST_BYTES[algorithm])) throw S3Error.invalidRequest(`Value for ${header} header is invalid.`);
  const computed = digests.checksumBase64();
  if (computed === undefined) throw new Error(`BodyDigests was made without ${algorithm}: use digestsFor(expected).`);
  if (computed !== sent) throw S3Error.badDigest(`The ${algorithm} you specified did not match the calculated checksum.`);
  return { algorithm, value: sent };
}

/**
 * A multipart object's ETag (unquoted): the MD5 of the parts' binary MD5s, then "-" and the
 * count. Clients (s3cmd, rclone, the AWS CLI's sync) recompute it to check a download.
 */
export function multipartEtag(partMd5Hex: string[]): string {
  if (partMd5Hex.length === 0) throw new Error("multipartEtag: an upload has at least one part.");
  const md5 = createHash("md5");
  for (const hex of partMd5Hex) {
    if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`multipartEtag: ${JSON.stringify(hex.slice(0, 40))} is not a hex MD5.`);
    md5.update(Buffer.from(hex, "hex"));
  }
  return `${md5.digest("hex")}-${partMd5Hex.length}`;
}

/** An ETag as S3 sends it: in double quotes. */
export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/** An ETag as a client sent it (quoted or not, weak or not) without its quotes. */
export function unquoteEtag(etag: string): string {
  const trimmed = etag.trim().replace(/^W\//, "");
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}
