// The S3 gateway end to end (issue 14, "What must be shown"): three peers of the compiled
// binary, the first serving S3 (`node start --s3`), and @aws-sdk/client-s3 with its DEFAULT
// settings (checksums on: CRC32 on every PUT and part, aws-chunked bodies, GET validation) and
// forcePathStyle. Every operation, the listing of 2,500 keys with a delimiter, each
// conditional GET, CopyObject with REPLACE, presigned URLs, keys that may not, and the bad
// input the issue lists. Objects are small: the 1 GiB upload and the benchmark live elsewhere.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  S3Client,
  S3ServiceException,
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { SignatureV4 } from "@smithy/signature-v4";
import { ensureBinary, PeerProcesses, runCli, waitForVoters, type StartedPeer } from "../support/processes.ts";
import { startGateway } from "../support/s3.ts";
import { LOOPBACK } from "../support/job-cluster.ts";
import { waitFor } from "../support/wait.ts";
import { tempDir } from "../support/temp.ts";

const MiB = 1024 * 1024;

let processes: PeerProcesses;
let root: { path: string; remove(): void };
let env: Record<string, string>;
let endpoint: string;
let admin: { accessKeyId: string; secretAccessKey: string };
let s3: S3Client;

interface KeyJson {
  accessKeyId: string;
  secret: string;
}

async function createKey(args: string[] = []): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const made = await runCli(["s3", "keys", "create", "--json", ...args], env);
  expect(made.stderr).toBe("");
  expect(made.code).toBe(0);
  const key = JSON.parse(made.stdout) as KeyJson;
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secret };
}

function client(credentials: { accessKeyId: string; secretAccessKey: string }, url = endpoint): S3Client {
  return new S3Client({ endpoint: url, region: "us-east-1", forcePathStyle: true, credentials });
}

/** The S3 error code (and HTTP status) a command fails with. */
async function failure(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3ServiceException) return { code: err.name, status: err.$metadata.httpStatusCode ?? 0 };
    throw err;
  }
  throw new Error("the request succeeded");
}

const md5Hex = (bytes: Uint8Array | string) => createHash("md5").update(bytes).digest("hex");

/** SHA-256 for @smithy/signature-v4 (an HMAC when given a secret). */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData) => (typeof data === "string" ? Buffer.from(data) : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data));
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** A request signed by hand (SigV4, payload hashed), for bodies no SDK would send. */
async function signedFetch(method: string, path: string, options: { query?: Record<string, string>; body?: string; headers?: Record<string, string>; credentials?: typeof admin; endpoint?: string; host?: string } = {}): Promise<Response> {
  const target = options.endpoint ?? endpoint;
  const url = new URL(target);
  const host = options.host ?? url.host;
  const credentials = options.credentials ?? admin;
  const signer = new SignatureV4({ service: "s3", region: "us-east-1", credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: true });
  const body = options.body ?? "";
  const signed = await signer.sign({
    method,
    protocol: "http:",
    hostname: host.replace(/:\d+$/, ""),
    port: Number(url.port),
    path,
    query: options.query ?? {},
    headers: { host, "x-amz-content-sha256": createHash("sha256").update(body).digest("hex"), ...(options.headers ?? {}) },
    body,
  });
  const query = new URLSearchParams(options.query ?? {}).toString();
  return fetch(`${target}${path}${query ? `?${query}` : ""}`, { method, headers: signed.headers, ...(method === "GET" || method === "HEAD" ? {} : { body }) });
}

beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("s3-e2e");
  const dir = (i: number) => join(root.path, `peer-${i}`);
  const first = await processes.start(["--data-dir", dir(0), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--s3", "127.0.0.1:0"]);
  const swarmKey = join(dir(0), "swarm.key");
  const peers: StartedPeer[] = [first];
  for (let i = 1; i < 3; i++) peers.push(await processes.start(["--data-dir", dir(i), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--join", first.addresses[0]!, "--swarm-key", swarmKey]));
  endpoint = (first as StartedPeer & { s3: string }).s3;
  expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  env = { TESSERA_JOIN: peers.map((peer) => peer.addresses[0]!).join(","), TESSERA_SWARM_KEY: swarmKey, TESSERA_LOG: "warn" };
  await waitForVoters(env, 3);
  admin = await createKey(["--name", "admin"]);
  s3 = client(admin);
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await processes.stopAll();
  root.remove();
});

describe("S3 gateway: buckets", () => {
  it("creates, heads, lists, locates and deletes buckets", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "alpha" }));
    expect(await failure(s3.send(new CreateBucketCommand({ Bucket: "alpha" })))).toEqual({ code: "BucketAlreadyOwnedByYou", status: 409 });
    await s3.send(new HeadBucketCommand({ Bucket: "alpha" }));
    expect((await failure(s3.send(new HeadBucketCommand({ Bucket: "nothere" })))).status).toBe(404);
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toContain("alpha");
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: "alpha" }));
    expect(location.LocationConstraint ?? "").toBe("");
    await s3.send(new PutObjectCommand({ Bucket: "alpha", Key: "x", Body: "x" }));
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: "alpha" })))).toEqual({ code: "BucketNotEmpty", status: 409 });
    await s3.send(new DeleteObjectCommand({ Bucket: "alpha", Key: "x" }));
    await s3.send(new DeleteBucketCommand({ Bucket: "alpha" }));
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? []).not.toContain("alpha");
    expect(await failure(s3.send(new CreateBucketCommand({ Bucket: "Bad_Name" })))).toEqual({ code: "InvalidBucketName", status: 400 });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: "nothere", Key: "k", Body: "x" })))).toEqual({ code: "NoSuchBucket", status: 404 });
  });
});

describe("S3 gateway: objects", () => {
  const body = randomBytes(100_000);
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "objects" }));
    await s3.send(
      new PutObjectCommand({
        Bucket: "objects",
        Key: "dir/file.bin",
        Body: body,
        ContentType: "application/x-test",
        ContentEncoding: "identity",
        ContentDisposition: "attachment; filename=\"f.bin\"",
        CacheControl: "max-age=60",
        Expires: new Date("2030-01-01T00:00:00Z"),
        Metadata: { color: "blue", "long-name": "a value" },
      }),
    );
  });

  it("gives back the bytes, the MD5 ETag, the metadata and the stored checksum", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "dir/file.bin", ChecksumMode: "ENABLED" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(got.ETag).toBe(`"${md5Hex(body)}"`);
    expect(got.ContentType).toBe("application/x-test");
    expect(got.ContentEncoding).toBe("identity");
    expect(got.ContentDisposition).toBe("attachment; filename=\"f.bin\"");
    expect(got.CacheControl).toBe("max-age=60");
    expect(got.Expires?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    expect(got.Metadata).toEqual({ color: "blue", "long-name": "a value" });
    expect(got.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "dir/file.bin" }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ETag).toBe(got.ETag);
  });

  it("serves ranges, and refuses one beyond the end with 416", async () => {
    const ranged = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "dir/file.bin", Range: "bytes=10-19" }));
    expect(ranged.ContentRange).toBe(`bytes 10-19/${body.length}`);
    expect(Buffer.from(await ranged.Body!.transformToByteArray()).equals(body.subarray(10, 20))).toBe(true);
    const suffix = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "dir/file.bin", Range: "bytes=-5" }));
    expect(Buffer.from(await suffix.Body!.transformToByteArray()).equals(body.subarray(body.length - 5))).toBe(true);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: "objects", Key: "dir/file.bin", Range: `bytes=${body.length}-` })))).toEqual({ code: "InvalidRange", status: 416 });
  });

  it("answers each conditional GET as S3 does", async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "dir/file.bin" }));
    const etag = head.ETag!;
    const modified = head.LastModified!;
    // Each body is read to its end: one left unread holds its socket, which emits "aborted" with
    // no listener (an unhandled error) when the gateway stops at the end of the file.
    const get = async (conditions: Record<string, unknown>) => {
      const got = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "dir/file.bin", ...conditions }));
      await got.Body!.transformToByteArray();
      return got;
    };
    expect((await get({ IfMatch: etag })).ETag).toBe(etag);
    expect((await failure(get({ IfMatch: '"0123"' }))).status).toBe(412);
    expect((await failure(get({ IfNoneMatch: etag }))).status).toBe(304);
    expect((await get({ IfNoneMatch: '"0123"' })).ETag).toBe(etag);
    expect((await failure(get({ IfModifiedSince: new Date(modified.getTime() + 60_000) }))).status).toBe(304);
    expect((await get({ IfModifiedSince: new Date(modified.getTime() - 60_000) })).ETag).toBe(etag);
    expect((await failure(get({ IfUnmodifiedSince: new Date(modified.getTime() - 60_000) }))).status).toBe(412);
    expect((await get({ IfUnmodifiedSince: new Date(modified.getTime() + 60_000) })).ETag).toBe(etag);
    // If-Match true wins over a failing If-Unmodified-Since (S3's precedence).
    expect((await get({ IfMatch: etag, IfUnmodifiedSince: new Date(modified.getTime() - 60_000) })).ETag).toBe(etag);
  });

  it("overrides response headers with response-* parameters", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "dir/file.bin", ResponseContentType: "text/plain", ResponseContentDisposition: "inline", ResponseCacheControl: "no-cache" }));
    expect(got.ContentType).toBe("text/plain");
    expect(got.ContentDisposition).toBe("inline");
    expect(got.CacheControl).toBe("no-cache");
    await got.Body!.transformToByteArray();
  });

  it("copies with COPY and REPLACE metadata", async () => {
    const copied = await s3.send(new CopyObjectCommand({ Bucket: "objects", Key: "copy-1", CopySource: "objects/dir/file.bin" }));
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5Hex(body)}"`);
    const kept = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "copy-1" }));
    expect(kept.ContentType).toBe("application/x-test");
    expect(kept.Metadata).toEqual({ color: "blue", "long-name": "a value" });
    await s3.send(new CopyObjectCommand({ Bucket: "objects", Key: "copy-2", CopySource: "objects/dir/file.bin", MetadataDirective: "REPLACE", ContentType: "text/csv", Metadata: { color: "red" } }));
    const replaced = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "copy-2" }));
    expect(replaced.ContentType).toBe("text/csv");
    expect(replaced.Metadata).toEqual({ color: "red" });
    expect(Buffer.from(await replaced.Body!.transformToByteArray()).equals(body)).toBe(true);
    // Onto itself only with REPLACE.
    expect((await failure(s3.send(new CopyObjectCommand({ Bucket: "objects", Key: "copy-2", CopySource: "objects/copy-2" })))).code).toBe("InvalidRequest");
    await s3.send(new CopyObjectCommand({ Bucket: "objects", Key: "copy-2", CopySource: "objects/copy-2", MetadataDirective: "REPLACE", Metadata: { color: "green" } }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "copy-2" }))).Metadata).toEqual({ color: "green" });
    expect(await failure(s3.send(new CopyObjectCommand({ Bucket: "objects", Key: "copy-3", CopySource: "objects/nothing" })))).toEqual({ code: "NoSuchKey", status: 404 });
  });

  it("overwrites atomically and deletes, one key or many", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "over", Body: "first" }));
    await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "over", Body: "second" }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "over" }))).Body!.transformToString()).toBe("second");
    await s3.send(new DeleteObjectCommand({ Bucket: "objects", Key: "over" }));
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: "objects", Key: "over" })))).toEqual({ code: "NoSuchKey", status: 404 });
    await s3.send(new DeleteObjectCommand({ Bucket: "objects", Key: "never-was" }));
    for (const key of ["m/1", "m/2", "m/3"]) await s3.send(new PutObjectCommand({ Bucket: "objects", Key: key, Body: key }));
    const deleted = await s3.send(new DeleteObjectsCommand({ Bucket: "objects", Delete: { Objects: [{ Key: "m/1" }, { Key: "m/2" }, { Key: "m/3" }, { Key: "m/none" }] } }));
    expect(deleted.Deleted?.map((d) => d.Key).sort()).toEqual(["m/1", "m/2", "m/3", "m/none"]);
    expect(deleted.Errors ?? []).toEqual([]);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: "objects", Prefix: "m/" }));
    expect(left.KeyCount).toBe(0);
  });

  it("streams a large aws-chunked body with its trailing checksum, and reads it back in pieces", async () => {
    // Over SMALL_BODY_BYTES_MAX (16 MiB): written as it arrives, its attributes set after it ends.
    const big = randomBytes(17 * MiB + 123);
    const put = await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "stream/big.bin", Body: Readable.from([big.subarray(0, MiB), big.subarray(MiB)]), ContentLength: big.length }));
    expect(put.ETag).toBe(`"${md5Hex(big)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "stream/big.bin", ChecksumMode: "ENABLED" }));
    expect(got.ContentEncoding).toBeUndefined();
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(big)).toBe(true);
  });

  it("refuses a key that would be both an object and a folder of other keys", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "plain", Body: "x" }));
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: "objects", Key: "plain/child", Body: "x" })))).toEqual({ code: "ParentIsObject", status: 400 });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: "objects", Key: "dir", Body: "x" })))).toEqual({ code: "OperationAborted", status: 409 });
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "plain" }))).Body!.transformToString()).toBe("x");
    // Reading or deleting a key under an object finds nothing, as S3 would.
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: "objects", Key: "plain/child" })))).toEqual({ code: "NoSuchKey", status: 404 });
    await s3.send(new DeleteObjectCommand({ Bucket: "objects", Key: "plain/child" }));
  });

  it("keeps a folder marker as a key of its own", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "folder/", Body: "" }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "objects", Prefix: "folder" }));
    expect(listed.Contents?.map((c) => [c.Key, c.Size])).toEqual([["folder/", 0]]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "folder/" }))).ContentLength).toBe(0);
    await s3.send(new DeleteObjectCommand({ Bucket: "objects", Key: "folder/" }));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: "objects", Prefix: "folder" }))).KeyCount).toBe(0);
  });
});

describe("S3 gateway: listing", () => {
  const keys: string[] = [];
  for (let i = 0; i < 2_500; i++) keys.push(i % 50 === 0 ? `dir${String(i / 50 % 10)}/k${String(i).padStart(5, "0")}` : `k${String(i).padStart(5, "0")}`);

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "listing" }));
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < keys.length) {
          const key = keys[next++]!;
          await s3.send(new PutObjectCommand({ Bucket: "listing", Key: key, Body: key }));
        }
      }),
    );
  }, 300_000);

  it("pages through 2,500 keys with a delimiter, 1,000 at a time", async () => {
    const contents: string[] = [];
    const prefixes: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: "listing", Delimiter: "/" })) {
      pages += 1;
      expect(page.KeyCount).toBe((page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0));
      contents.push(...(page.Contents ?? []).map((c) => c.Key!));
      prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
    }
    expect(pages).toBe(3);
    expect(contents).toEqual(keys.filter((k) => !k.includes("/")).sort());
    expect(prefixes).toEqual(Array.from({ length: 10 }, (_, i) => `dir${i}/`));
  });

  it("lists a prefix, start-after, v1 markers and url encoding", async () => {
    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: "listing", Prefix: "dir3/", StartAfter: "dir3/k00150" }));
    expect(v2.Contents?.map((c) => c.Key)).toEqual(keys.filter((k) => k.startsWith("dir3/") && k > "dir3/k00150").sort());
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: "listing", Delimiter: "/", MaxKeys: 5, Marker: "k02400" }));
    expect(v1.Contents?.map((c) => c.Key)).toEqual(["k02401", "k02402", "k02403", "k02404", "k02405"]);
    expect(v1.IsTruncated).toBe(true);
    expect(v1.NextMarker).toBe("k02405");
    const encoded = await s3.send(new ListObjectsV2Command({ Bucket: "listing", Prefix: "k0000", EncodingType: "url", MaxKeys: 2 }));
    expect(encoded.Contents?.map((c) => c.Key)).toEqual(["k00001", "k00002"]);
  });
});

describe("S3 gateway: multipart uploads", () => {
  // The first part is streamed into the file system (over 16 MiB), the second read whole first.
  const part1 = randomBytes(17 * MiB);
  const part2 = randomBytes(1_000);
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "multi" }));
  });

  it("uploads, lists, completes into one object with the multipart ETag", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "multi", Key: "big/object", ContentType: "application/x-parts", Metadata: { origin: "parts" } }));
    const e1 = (await s3.send(new UploadPartCommand({ Bucket: "multi", Key: "big/object", UploadId, PartNumber: 1, Body: part1 }))).ETag!;
    const e2 = (await s3.send(new UploadPartCommand({ Bucket: "multi", Key: "big/object", UploadId, PartNumber: 2, Body: part2 }))).ETag!;
    expect(e1).toBe(`"${md5Hex(part1)}"`);
    const parts = await s3.send(new ListPartsCommand({ Bucket: "multi", Key: "big/object", UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([[1, part1.length, e1], [2, part2.length, e2]]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: "multi" }));
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([["big/object", UploadId]]);
    // Out of order, a missing part, a small part before the last: each refused, nothing made.
    expect((await failure(s3.send(new CompleteMultipartUploadCommand({ Bucket: "multi", Key: "big/object", UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: e2 }, { PartNumber: 1, ETag: e1 }] } })))).code).toBe("InvalidPartOrder");
    expect((await failure(s3.send(new CompleteMultipartUploadCommand({ Bucket: "multi", Key: "big/object", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 3, ETag: e2 }] } })))).code).toBe("InvalidPart");
    expect((await failure(s3.send(new CompleteMultipartUploadCommand({ Bucket: "multi", Key: "big/object", UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: e2 }, { PartNumber: 3, ETag: e2 }] } })))).code).toMatch(/InvalidPart|EntityTooSmall/);
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: "multi", Key: "big/object" })))).toMatchObject({ status: 404 });
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: "multi", Key: "big/object", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] } }));
    const expectedEtag = `"${md5Hex(Buffer.concat([Buffer.from(md5Hex(part1), "hex"), Buffer.from(md5Hex(part2), "hex")]))}-2"`;
    expect(done.ETag).toBe(expectedEtag);
    const got = await s3.send(new GetObjectCommand({ Bucket: "multi", Key: "big/object" }));
    expect(got.ETag).toBe(expectedEtag);
    expect(got.ContentType).toBe("application/x-parts");
    expect(got.Metadata).toEqual({ origin: "parts" });
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([part1, part2]))).toBe(true);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: "multi" }))).Uploads ?? []).toEqual([]);
    // The uploads folder is never listed.
    expect((await s3.send(new ListObjectsV2Command({ Bucket: "multi" }))).Contents?.map((c) => c.Key)).toEqual(["big/object"]);
  });

  it("copies a part from an object, and aborts an upload", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "multi", Key: "source", Body: "0123456789" }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "multi", Key: "copied" }));
    const copied = await s3.send(new UploadPartCopyCommand({ Bucket: "multi", Key: "copied", UploadId, PartNumber: 1, CopySource: "multi/source", CopySourceRange: "bytes=2-5" }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: "multi", Key: "copied", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult!.ETag! }] } }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "multi", Key: "copied" }))).Body!.transformToString()).toBe("2345");
    const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: "multi", Key: "aborted" }));
    await s3.send(new UploadPartCommand({ Bucket: "multi", Key: "aborted", UploadId: aborted.UploadId, PartNumber: 1, Body: "x" }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: "multi", Key: "aborted", UploadId: aborted.UploadId }));
    expect((await failure(s3.send(new ListPartsCommand({ Bucket: "multi", Key: "aborted", UploadId: aborted.UploadId })))).code).toBe("NoSuchUpload");
    expect((await failure(s3.send(new UploadPartCommand({ Bucket: "multi", Key: "aborted", UploadId: aborted.UploadId, PartNumber: 2, Body: "y" })))).code).toBe("NoSuchUpload");
  });

  it("refuses malformed XML in CompleteMultipartUpload", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "multi", Key: "malformed" }));
    const response = await signedFetch("POST", "/multi/malformed", { query: { uploadId: UploadId! }, body: "<CompleteMultipartUpload><Part><PartNumber>1</Part>" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("<Code>MalformedXML</Code>");
  });
});

describe("S3 gateway: authentication and keys", () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "auth" }));
    await s3.send(new PutObjectCommand({ Bucket: "auth", Key: "readable", Body: "hello" }));
    await s3.send(new CreateBucketCommand({ Bucket: "other" }));
  });

  it("serves a presigned GET to plain fetch, and refuses it after expiry", async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "auth", Key: "readable" }), { expiresIn: 60 });
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("hello");
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: "auth", Key: "presigned-put" }), { expiresIn: 60 });
    expect((await fetch(putUrl, { method: "PUT", body: "sent by fetch" })).status).toBe(200);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "auth", Key: "presigned-put" }))).Body!.transformToString()).toBe("sent by fetch");
    const soon = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "auth", Key: "readable" }), { expiresIn: 1 });
    const refused = await waitFor(
      "the presigned URL to expire",
      async () => {
        const response = await fetch(soon);
        if (response.status === 200) {
          await response.arrayBuffer();
          return undefined;
        }
        return response;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("<Code>AccessDenied</Code>");
  });

  it("refuses a wrong secret, an unknown key and anonymous requests", async () => {
    const wrong = client({ accessKeyId: admin.accessKeyId, secretAccessKey: "x".repeat(40) });
    expect(await failure(wrong.send(new GetObjectCommand({ Bucket: "auth", Key: "readable" })))).toEqual({ code: "SignatureDoesNotMatch", status: 403 });
    const unknown = client({ accessKeyId: "AAAAAAAAAAAAAAAAAAAA", secretAccessKey: admin.secretAccessKey });
    expect(await failure(unknown.send(new ListBucketsCommand({})))).toEqual({ code: "InvalidAccessKeyId", status: 403 });
    const anonymous = await fetch(`${endpoint}/auth/readable`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toMatch(/<Code>AccessDenied<\/Code>.*<RequestId>[0-9A-F]+<\/RequestId>/s);
    wrong.destroy();
    unknown.destroy();
  });

  it("limits a key to reading, and to its buckets; a deleted key is refused", async () => {
    const reader = await createKey(["--name", "reader", "--bucket", "auth", "--read-only"]);
    const readerClient = client(reader);
    expect(await (await readerClient.send(new GetObjectCommand({ Bucket: "auth", Key: "readable" }))).Body!.transformToString()).toBe("hello");
    expect(await failure(readerClient.send(new PutObjectCommand({ Bucket: "auth", Key: "new", Body: "x" })))).toEqual({ code: "AccessDenied", status: 403 });
    expect(await failure(readerClient.send(new ListObjectsV2Command({ Bucket: "other" })))).toEqual({ code: "AccessDenied", status: 403 });
    expect((await readerClient.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(["auth"]);
    const listed = await runCli(["s3", "keys", "list", "--json"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(reader.accessKeyId);
    expect(listed.stdout).not.toContain(reader.secretAccessKey);
    const badBucket = await runCli(["s3", "keys", "create", "--bucket", "Bad_Name"], env);
    expect(badBucket.code).toBe(2);
    expect(badBucket.stderr).toMatch(/^tessera: --bucket "Bad_Name" is not a bucket name: .+\.\n$/);
    expect((await runCli(["s3", "keys", "delete", reader.accessKeyId], env)).code).toBe(0);
    const again = await runCli(["s3", "keys", "delete", reader.accessKeyId], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`tessera: there is no access key ${reader.accessKeyId}.\n`);
    // The gateway trusts a looked-up key for up to 10 s.
    await waitFor("the deleted key to be refused", async () => (await failure(readerClient.send(new ListBucketsCommand({})))).code === "InvalidAccessKeyId", { timeoutMs: 20_000, intervalMs: 500 });
    readerClient.destroy();
  });
});

describe("S3 gateway: bad input, each an S3 error and nothing written", () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "bad" }));
  });

  const nothingWritten = async () => {
    expect((await s3.send(new ListObjectsV2Command({ Bucket: "bad" }))).KeyCount).toBe(0);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: "bad" }))).Uploads ?? []).toEqual([]);
  };

  it("refuses a 2 KiB key", async () => {
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: "bad", Key: "k".repeat(2048), Body: "x" })))).toEqual({ code: "KeyTooLongError", status: 400 });
    await nothingWritten();
  });

  it("refuses a bad Content-MD5 and a wrong checksum", async () => {
    expect((await failure(s3.send(new PutObjectCommand({ Bucket: "bad", Key: "md5", Body: "hello", ContentMD5: createHash("md5").update("other").digest("base64") })))).code).toBe("BadDigest");
    expect((await failure(s3.send(new PutObjectCommand({ Bucket: "bad", Key: "crc", Body: "hello", ChecksumCRC32: "AAAAAA==" })))).code).toBe("BadDigest");
    await nothingWritten();
  });

  it("refuses an aws-chunked body with a wrong trailing checksum, or with a truncated chunk", async () => {
    const chunkedPut = (key: string, body: string, decodedBytes = 5) =>
      signedFetch("PUT", `/bad/${key}`, {
        body,
        headers: { "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(decodedBytes), "x-amz-trailer": "x-amz-checksum-crc32" },
      });
    // crc32("hello") is NhCmhg==: the body is whole, its trailer names another checksum.
    const wrongTrailer = await chunkedPut("trailer", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n");
    expect(wrongTrailer.status).toBe(400);
    expect(await wrongTrailer.text()).toContain("<Code>BadDigest</Code>");
    // The chunk says 10 bytes, as the decoded length does; the body ends after 5 of them.
    const truncated = await chunkedPut("truncated", "a\r\nhello", 10);
    expect(truncated.status).toBe(400);
    expect(await truncated.text()).toContain("<Code>IncompleteBody</Code>");
    // The same body, whole and right, is stored: the refusals were about the body alone.
    const right = await chunkedPut("right", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n");
    expect(right.status).toBe(200);
    await s3.send(new DeleteObjectCommand({ Bucket: "bad", Key: "right" }));
    await nothingWritten();
  });

  it("refuses malformed XML in DeleteObjects", async () => {
    const body = "<Delete><Object><Key>a</Key></Delete>";
    const response = await signedFetch("POST", "/bad", { query: { delete: "" }, body, headers: { "content-md5": createHash("md5").update(body).digest("base64") } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("<Code>MalformedXML</Code>");
  });

  it("refuses an invalid key, and says which rule", async () => {
    const refusals: Record<string, { code: string; status: number }> = {};
    for (const key of ["a//b", "a/./b", "a/../b", "a/.tessera-s3/b", "tab\tkey", "s".repeat(256)]) refusals[key] = await failure(s3.send(new PutObjectCommand({ Bucket: "bad", Key: key, Body: "x" })));
    const invalid = { code: "InvalidArgument", status: 400 };
    // Bun resolves "." and ".." segments of a request's path before the gateway sees it, so
    // the path no longer matches what the client signed (docs/s3.md, the key table).
    const resolved = { code: "SignatureDoesNotMatch", status: 403 };
    expect(refusals).toEqual({ "a//b": invalid, "a/./b": resolved, "a/../b": resolved, "a/.tessera-s3/b": invalid, "tab\tkey": invalid, ["s".repeat(256)]: invalid });
    await nothingWritten();
  });
});

// Atomicity (8 overwriters of one key, kill -9 of the gateway mid-PUT) is in s3-stress.test.ts.

describe("S3 gateway: the file system underneath", () => {
  it("serves a folder made with `fs mkdir` as a bucket and a file put with `fs put` as an object", async () => {
    const local = join(root.path, "from-fs.txt");
    await Bun.write(local, "written by fs put");
    expect((await runCli(["fs", "mkdir", "-p", "/fsbucket/dir"], env)).code).toBe(0);
    expect((await runCli(["fs", "put", local, "/fsbucket/dir/from-fs.txt"], env)).code).toBe(0);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain("fsbucket");
    const got = await s3.send(new GetObjectCommand({ Bucket: "fsbucket", Key: "dir/from-fs.txt" }));
    expect(await got.Body!.transformToString()).toBe("written by fs put");
    // No MD5 was kept: the ETag is in the multipart form, which no client checks as an MD5.
    expect(got.ETag).toMatch(/^"[0-9a-f]{32}-1"$/);
    await s3.send(new PutObjectCommand({ Bucket: "fsbucket", Key: "dir/from-s3.txt", Body: "written by S3" }));
    const cat = await runCli(["fs", "cat", "/fsbucket/dir/from-s3.txt"], env);
    expect(cat.stdout).toBe("written by S3");
    expect((await s3.send(new ListObjectsV2Command({ Bucket: "fsbucket", Prefix: "dir/" }))).Contents?.map((c) => c.Key)).toEqual(["dir/from-fs.txt", "dir/from-s3.txt"]);
  });
});

describe("S3 gateway: the process", () => {
  it("counts requests on /metrics", async () => {
    const text = await (await fetch(`${endpoint}/metrics`)).text();
    expect(text).toMatch(/tessera_s3_requests_total\{operation="PutObject",status="200"\} \d+/);
    expect(text).toMatch(/tessera_s3_errors_total\{code="NoSuchKey"\} \d+/);
    expect(text).toMatch(/tessera_s3_received_bytes_total\{operation="PutObject"\} \d+/);
    expect(text).toContain("tessera_s3_request_duration_seconds_bucket");
  });

  it("serves S3 from `tessera gateway s3`, a client process of the cluster, and sweeps expired uploads", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "multi", Key: "left-behind" }));
    // Uploads expire after 3.6 s here, and the sweep runs about every second.
    const started = await startGateway(env, ["--upload-expiry-hours", "0.001", "--s3-domain", "s3.test"]);
    const child = started.process;
    try {
      const url = started.endpoint;
      const gateway = client(admin, url);
      expect((await gateway.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain("objects");
      // Virtual-host style: the bucket in the Host.
      const port = new URL(url).port;
      const virtual = await signedFetch("GET", "/over-there", { endpoint: url, host: `objects.s3.test:${port}` });
      expect(virtual.status).toBe(404);
      expect(await virtual.text()).toContain("<Resource>/objects/over-there</Resource>");
      const listedVirtually = await signedFetch("GET", "/", { endpoint: url, host: `objects.s3.test:${port}`, query: { "list-type": "2", prefix: "copy-" } });
      expect(await listedVirtually.text()).toContain("<Key>copy-1</Key>");
      await waitFor(
        "the expired upload to be removed",
        async () => ((await gateway.send(new ListMultipartUploadsCommand({ Bucket: "multi" }))).Uploads ?? []).every((upload) => upload.UploadId !== UploadId),
        { timeoutMs: 20_000, intervalMs: 250 },
      );
      expect((await failure(gateway.send(new ListPartsCommand({ Bucket: "multi", Key: "left-behind", UploadId })))).code).toBe("NoSuchUpload");
      gateway.destroy();
    } finally {
      child.kill("SIGTERM");
      await child.exited;
    }
  });
});
