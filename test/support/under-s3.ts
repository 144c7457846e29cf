// The S3 servers the cache and under-storage tests use (issue 16, docs/cache.md): `s3rver`
// from npm, run in the test's own process on a folder of its own, and what tests do to a bucket
// behind Tessera's back, through @aws-sdk/client-s3 directly (never through Tessera).
//
// What s3rver does and does not check: unknown access key ids are InvalidAccessKeyId, but
// SigV4 signatures are not verified (a wrong secret passes) and GET ignores If-Match. Its
// listing misses a common prefix with no object directly below it ("a/" of a lone "a/b/c"),
// does not count common prefixes against max-keys, decodes a copy's source with decodeURI (a
// '+' sent as %2B stays %2B), and walks its folder in the order of file names (so "data/x"
// comes before "data.csv"). Tests of those behaviours run against Tessera's own S3 gateway
// (test/ufs/s3.test.ts). Under Bun it needs the two fixes of s3rver-on-bun.ts.
import { Agent } from "node:http";
import { fitS3rverToBun } from "./s3rver-on-bun.ts";
import S3rver from "s3rver";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { tempDir } from "./temp.ts";

/**
 * s3rver's one account (models/account.js): any other key id is refused (InvalidAccessKeyId).
 * It does not check SigV4 signatures, so a wrong secret passes: wrong credentials are tested
 * with a wrong key id against it, with a wrong secret against Tessera's gateway.
 */
export const S3RVER_KEY = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface UnderS3 {
  /** What the tests call it. */
  name: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  client: S3Client;
}

export interface RunningS3rver extends UnderS3 {
  port: number;
  /** Stops serving (the objects stay on disk); `restart` serves them again on the same port. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops and removes its folder. */
  remove(): Promise<void>;
}

export function s3Client(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }): S3Client {
  // The SDK's retries stay on: a socket kept alive across an s3rver restart is reset on its
  // next use, which a retry survives (refusals, 4xx, are not retried).
  return new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials, requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 8 }) } });
}

/** s3rver on a free loopback port, its objects in a temporary folder. */
export async function startS3rver(): Promise<RunningS3rver> {
  const dir = tempDir("s3rver");
  fitS3rverToBun(dir.path);
  let server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir.path });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    await server.close();
  };
  return {
    name: "s3rver",
    endpoint,
    port,
    credentials: S3RVER_KEY,
    client: s3Client(endpoint, S3RVER_KEY),
    stop,
    restart: async () => {
      if (running) return;
      server = new S3rver({ address: "127.0.0.1", port, silent: true, directory: dir.path });
      await server.run();
      running = true;
    },
    remove: async () => {
      await stop();
      dir.remove();
    },
  };
}

export async function createBucket(s3: UnderS3, bucket: string): Promise<void> {
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function putObject(s3: UnderS3, bucket: string, key: string, body: Uint8Array): Promise<string> {
  const put = await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return put.ETag ?? "";
}

/** The object's bytes, or undefined when the bucket has no such key. */
export async function objectBytes(s3: UnderS3, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const got = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await got.Body!.transformToByteArray();
  } catch (err) {
    if (err instanceof S3ServiceException && (err.name === "NoSuchKey" || err.$metadata.httpStatusCode === 404)) return undefined;
    throw err;
  }
}

export async function hasObject(s3: UnderS3, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return false;
    throw err;
  }
}

/** Deletes every object of the bucket, then the bucket: it disappears under a mount. */
export async function deleteBucket(s3: UnderS3, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    for (const object of page.Contents ?? []) await s3.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key! }));
    if (!page.IsTruncated) break;
  }
  await s3.client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** Random bytes: two bodies made by this differ in every chunk, so a read mixing two versions of a file is never mistaken for either. */
export function randomBody(sizeBytes: number): Uint8Array {
  const out = new Uint8Array(sizeBytes);
  for (let at = 0; at < sizeBytes; at += 65_536) crypto.getRandomValues(out.subarray(at, Math.min(sizeBytes, at + 65_536)));
  return out;
}

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
