// S3 as an under-storage (issue 16, docs/cache.md), over the AWS SDK v3 (@aws-sdk/client-s3)
// and its managed uploads (@aws-sdk/lib-storage). Any S3 server: AWS, MinIO, Ceph, Tessera's
// own gateway, s3rver.
//
// Folders are S3's: a common prefix of a listing with delimiter "/", or a "folder/" marker
// object. Every call is bounded: a connection timeout, a socket idle timeout, and the SDK's
// standard retry strategy with a bounded number of attempts. Nothing holds a whole listing:
// a page is one listing of at most `limit` keys (plus a few one-key listings, names.ts).
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCopyCommand,
  type ListObjectsV2CommandOutput,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { s3Fingerprint } from "../protocol/mounts.ts";
import { s3Error, UnderStorageError, type S3ErrorContext } from "./errors.ts";
import { assembleS3Page, checkRelativePath, compareNames, folderCandidates, type S3ListItem } from "./names.ts";
import type { UnderStorage, UnderStorageEntry, UnderStoragePage } from "./under-storage.ts";

/** Keys one listing request asks for at most (S3's own bound on max-keys). */
export const S3_LIST_KEYS_MAX = 1_000;
/**
 * Listings one page makes at most while every item they return is at or before `after`: a
 * server whose continuation tokens make no progress fails the page instead of looping.
 */
export const S3_LISTINGS_PER_PAGE_MAX = 64;
/** Keys one DeleteObjects request removes at most (S3's bound). */
export const S3_DELETE_KEYS_MAX = 1_000;
/** A multipart upload's part: S3's minimum is 5 MiB; 8 MiB × S3_UPLOAD_PARTS_IN_FLIGHT bounds a write's memory at 16 MiB. */
export const S3_UPLOAD_PART_BYTES = 8 * 1024 * 1024;
export const S3_UPLOAD_PARTS_IN_FLIGHT = 2;
/** CopyObject copies at most 5 GiB in one request; a rename of a larger object copies it in parts. */
export const S3_COPY_BYTES_MAX = 5 * 1024 * 1024 * 1024;
/** A part of such a copy (server-side: no bytes pass through Tessera). S3 allows 10,000 parts: 5 TiB. */
export const S3_COPY_PART_BYTES = 512 * 1024 * 1024;
export const S3_CONNECT_TIMEOUT_MS_DEFAULT = 5_000;
/** A socket that stays silent this long fails the attempt (a stalled server, a dropped route). */
export const S3_IDLE_TIMEOUT_MS_DEFAULT = 30_000;
/** Attempts per call, the first included (the SDK's standard retry mode: backoff with jitter, a retry quota). */
export const S3_ATTEMPTS_DEFAULT = 3;

export interface S3UnderStorageInit {
  bucket: string;
  /** Key prefix without slashes at its ends; "" for the bucket's root. */
  prefix: string;
  /** The server's URL; undefined: AWS for the region. */
  endpoint?: string;
  region: string;
  /** Undefined: the SDK's default chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  pathStyle: boolean;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  attempts?: number;
  /** Keys one listing request asks for at most (tests page with few); ≤ S3_LIST_KEYS_MAX. */
  listKeysMax?: number;
  /** Above this a rename copies in parts of copyPartBytes (tests lower both; S3's minimum part is 5 MiB). */
  copyBytesMax?: number;
  copyPartBytes?: number;
}

/** The ETag and size of an S3 fingerprint (protocol/mounts.ts's s3Fingerprint). */
export function parseS3Fingerprint(fingerprint: string): { etag: string; sizeBytes: number } {
  const match = /^s3:etag=(.*);size=(\d+)$/.exec(fingerprint);
  if (!match) throw new UnderStorageError("INVALID", `"${fingerprint.slice(0, 80)}" is not the fingerprint of an S3 object`);
  return { etag: match[1]!, sizeBytes: Number(match[2]) };
}

function lastSegment(relativePath: string): string {
  return relativePath.slice(relativePath.lastIndexOf("/") + 1);
}

export class S3UnderStorage implements UnderStorage {
  readonly scheme = "s3" as const;
  private readonly client: S3Client;
  private readonly base: string;
  private readonly listKeysMax: number;

  constructor(private readonly init: S3UnderStorageInit) {
    this.base = init.prefix ? `${init.prefix}/` : "";
    this.listKeysMax = Math.max(1, Math.min(init.listKeysMax ?? S3_LIST_KEYS_MAX, S3_LIST_KEYS_MAX));
    this.client = new S3Client({
      region: init.region,
      ...(init.endpoint !== undefined ? { endpoint: init.endpoint } : {}),
      forcePathStyle: init.pathStyle,
      ...(init.credentials ? { credentials: init.credentials } : {}),
      maxAttempts: init.attempts ?? S3_ATTEMPTS_DEFAULT,
      retryMode: "standard",
      // throwOnRequestTimeout: without it, this SDK only logs a warning when the socket stays silent, and the call waits forever.
      requestHandler: { connectionTimeout: init.connectTimeoutMs ?? S3_CONNECT_TIMEOUT_MS_DEFAULT, requestTimeout: init.idleTimeoutMs ?? S3_IDLE_TIMEOUT_MS_DEFAULT, throwOnRequestTimeout: true },
      // Since 3.729 the SDK adds CRC32 checksums and aws-chunked bodies to every upload, which
      // servers other than AWS may not parse (docs/findings.md): only where S3 requires them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  private keyOf(relativePath: string): string {
    return this.base + relativePath;
  }

  private folderPrefixOf(relativePath: string): string {
    return relativePath === "" ? this.base : `${this.base}${relativePath}/`;
  }

  private context(key?: string): S3ErrorContext {
    return { endpoint: this.init.endpoint, region: this.init.region, bucket: this.init.bucket, ...(key !== undefined ? { key } : {}) };
  }

  private async send<T>(key: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw s3Error(err, this.context(key));
    }
  }

  private listOnce(input: { prefix: string; delimiter?: string; startAfter?: string; token?: string; maxKeys: number }): Promise<ListObjectsV2CommandOutput> {
    return this.send(undefined, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.init.bucket,
          Prefix: input.prefix,
          MaxKeys: input.maxKeys,
          ...(input.delimiter !== undefined ? { Delimiter: input.delimiter } : {}),
          ...(input.token !== undefined ? { ContinuationToken: input.token } : input.startAfter ? { StartAfter: input.startAfter } : {}),
        }),
      ),
    );
  }

  /** Whether anything lies below the folder (a key, or its "folder/" marker). */
  private async hasKeysBelow(relativePath: string): Promise<boolean> {
    const out = await this.listOnce({ prefix: this.folderPrefixOf(relativePath), maxKeys: 1 });
    return (out.KeyCount ?? 0) > 0 || (out.Contents?.length ?? 0) > 0 || (out.CommonPrefixes?.length ?? 0) > 0;
  }

  async check(): Promise<void> {
    await this.listOnce({ prefix: this.base, maxKeys: 1 });
  }

  async list(relativePath: string, after: string, limit: number): Promise<UnderStoragePage> {
    checkRelativePath(relativePath);
    if (!Number.isSafeInteger(limit) || limit < 1) throw new UnderStorageError("INVALID", `a listing page holds at least one entry, not ${limit}`);
    const folderPrefix = this.folderPrefixOf(relativePath);
    const maxKeys = Math.min(limit, this.listKeysMax);
    let token: string | undefined;
    // Listings follow each other only while every item they return is at or before `after`
    // (a folder whose key sorts after its name); each moves on through the bucket.
    for (let listings = 1; ; listings++) {
      const out = await this.listOnce({ prefix: folderPrefix, delimiter: "/", startAfter: folderPrefix + after, ...(token !== undefined ? { token } : {}), maxKeys });
      const items = mergeListing(out);
      const truncated = out.IsTruncated === true;
      const lastKey = items.length > 0 ? items[items.length - 1]!.key : "";
      const foundFolders: string[] = [];
      if (truncated) {
        for (const name of folderCandidates(lastKey, folderPrefix, after)) {
          if (await this.hasKeysBelow(relativePath === "" ? name : `${relativePath}/${name}`)) foundFolders.push(name);
        }
      }
      const page = assembleS3Page({ items, folderPrefix, after, limit, truncated, foundFolders });
      if (page.entries.length > 0 || !truncated) return page;
      token = out.NextContinuationToken;
      if (token === undefined || listings === S3_LISTINGS_PER_PAGE_MAX) {
        throw new UnderStorageError("UNAVAILABLE", `the under-storage at ${this.init.endpoint ?? "AWS"} cut a listing of ${folderPrefix || "the bucket's root"} ${S3_LISTINGS_PER_PAGE_MAX} times without progress`);
      }
    }
  }

  async stat(relativePath: string): Promise<UnderStorageEntry | undefined> {
    checkRelativePath(relativePath);
    if (relativePath === "") {
      await this.check();
      return { name: "", directory: true, sizeBytes: 0, mtimeMs: 0, fingerprint: "" };
    }
    const key = this.keyOf(relativePath);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.init.bucket, Key: key }));
      const sizeBytes = head.ContentLength ?? 0;
      return { name: lastSegment(relativePath), directory: false, sizeBytes, mtimeMs: head.LastModified?.getTime() ?? 0, fingerprint: s3Fingerprint(head.ETag ?? "", sizeBytes) };
    } catch (err) {
      const mapped = s3Error(err, this.context(key));
      if (mapped.code !== "NOT_FOUND") throw mapped;
    }
    // No object: a folder when a key lies below it (this also tells a missing bucket apart).
    if (await this.hasKeysBelow(relativePath)) return { name: lastSegment(relativePath), directory: true, sizeBytes: 0, mtimeMs: 0, fingerprint: "" };
    return undefined;
  }

  async *read(relativePath: string, offsetBytes: number, lengthBytes: number, fingerprint: string): AsyncIterable<Uint8Array> {
    checkRelativePath(relativePath);
    const { etag, sizeBytes } = parseS3Fingerprint(fingerprint);
    if (!Number.isSafeInteger(offsetBytes) || !Number.isSafeInteger(lengthBytes) || offsetBytes < 0 || lengthBytes < 0 || offsetBytes + lengthBytes > sizeBytes) {
      throw new UnderStorageError("INVALID", `bytes ${offsetBytes}..${offsetBytes + lengthBytes} are not inside ${relativePath} (${sizeBytes} bytes)`);
    }
    if (lengthBytes === 0) return;
    const key = this.keyOf(relativePath);
    const changed = () => new UnderStorageError("CHANGED", `s3://${this.init.bucket}/${key} changed in the under-storage; read it again`);
    let out;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: this.init.bucket, Key: key, Range: `bytes=${offsetBytes}-${offsetBytes + lengthBytes - 1}`, IfMatch: etag }));
    } catch (err) {
      // Gone since it was listed: for the reader, that is a change like any other.
      const name = (err as { name?: unknown })?.name;
      throw name === "NoSuchKey" || name === "NotFound" ? changed() : s3Error(err, this.context(key));
    }
    const body = out.Body as (AsyncIterable<Uint8Array> & { destroy?(): void }) | undefined;
    let finished = false;
    try {
      // Servers that ignore If-Match (s3rver does) still name the version they send.
      const total = /\/(\d+)$/.exec(out.ContentRange ?? "")?.[1];
      if (out.ETag !== etag || (total !== undefined && Number(total) !== sizeBytes)) throw changed();
      if (!body) throw new UnderStorageError("UNAVAILABLE", `the under-storage at ${this.init.endpoint ?? "AWS"} answered a read of ${key} without a body`);
      let receivedBytes = 0;
      const idleMs = this.init.idleTimeoutMs ?? S3_IDLE_TIMEOUT_MS_DEFAULT;
      const stalled = () => new UnderStorageError("UNAVAILABLE", `the under-storage at ${this.init.endpoint ?? "AWS"} stopped sending ${key} for ${idleMs} ms: check the server and the network`);
      try {
        for await (const piece of idleBounded(body, idleMs, () => body.destroy?.(), stalled)) {
          receivedBytes += piece.byteLength;
          if (receivedBytes > lengthBytes) throw new UnderStorageError("UNAVAILABLE", `the under-storage sent more than the ${lengthBytes} bytes asked of ${key}`);
          yield piece;
        }
      } catch (err) {
        throw s3Error(err, this.context(key));
      }
      if (receivedBytes !== lengthBytes) throw new UnderStorageError("UNAVAILABLE", `a read of ${key} ended after ${receivedBytes} of ${lengthBytes} bytes`);
      finished = true;
    } finally {
      // A reader that stops early must not leave the socket holding the rest of the body.
      if (!finished) body?.destroy?.();
    }
  }

  async write(relativePath: string, body: AsyncIterable<Uint8Array>, sizeBytes: number): Promise<UnderStorageEntry> {
    checkRelativePath(relativePath);
    if (relativePath === "") throw new UnderStorageError("INVALID", "a file cannot be written at a mount's root");
    const key = this.keyOf(relativePath);
    let writtenBytes = 0;
    // The size is checked before the upload completes: a short or long stream aborts it.
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const piece of body) {
        writtenBytes += piece.byteLength;
        if (writtenBytes > sizeBytes) throw new UnderStorageError("INVALID", `the file written to ${key} is longer than its ${sizeBytes} bytes`);
        yield piece;
      }
      if (writtenBytes !== sizeBytes) throw new UnderStorageError("INVALID", `the file written to ${key} ended after ${writtenBytes} of its ${sizeBytes} bytes`);
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.init.bucket, Key: key, Body: Readable.from(counted(), { objectMode: false }) },
      partSize: S3_UPLOAD_PART_BYTES,
      queueSize: S3_UPLOAD_PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    const result = await this.send(key, () => upload.done());
    const etag = result.ETag ?? "";
    // The listing's mtime is the server's; a later writer's object is not taken for ours.
    const now = await this.stat(relativePath);
    const mtimeMs = now && !now.directory && now.fingerprint === s3Fingerprint(etag, sizeBytes) ? now.mtimeMs : Date.now();
    return { name: lastSegment(relativePath), directory: false, sizeBytes, mtimeMs, fingerprint: s3Fingerprint(etag, sizeBytes) };
  }

  async delete(relativePath: string, recursive: boolean): Promise<void> {
    checkRelativePath(relativePath);
    if (relativePath === "") throw new UnderStorageError("INVALID", "a mount's root is not deleted through the under-storage: unmount it");
    const deleteOne = (key: string) => this.send(key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.init.bucket, Key: key })));
    await deleteOne(this.keyOf(relativePath));
    // An empty folder is at most its marker object; a recursive delete takes every key below.
    if (!recursive) {
      await deleteOne(`${this.keyOf(relativePath)}/`);
      return;
    }
    // Page by page: deleting keys behind the continuation token does not disturb it.
    const prefix = this.folderPrefixOf(relativePath);
    let token: string | undefined;
    do {
      const out = await this.listOnce({ prefix, ...(token !== undefined ? { token } : {}), maxKeys: Math.min(this.listKeysMax, S3_DELETE_KEYS_MAX) });
      const keys = (out.Contents ?? []).map((object) => object.Key).filter((key): key is string => key !== undefined);
      if (keys.length > 0) {
        const result = await this.send(undefined, () => this.client.send(new DeleteObjectsCommand({ Bucket: this.init.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } })));
        const failed = result.Errors?.[0];
        if (failed) throw s3Error({ name: failed.Code, message: failed.Message }, this.context(failed.Key));
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async rename(fromRelativePath: string, toRelativePath: string): Promise<void> {
    checkRelativePath(fromRelativePath);
    checkRelativePath(toRelativePath);
    if (fromRelativePath === "" || toRelativePath === "") throw new UnderStorageError("INVALID", "a mount's root cannot be renamed");
    const from = await this.stat(fromRelativePath);
    if (from === undefined) throw new UnderStorageError("NOT_FOUND", `s3://${this.init.bucket}/${this.keyOf(fromRelativePath)} does not exist`);
    if (from.directory) throw new UnderStorageError("INVALID", "renaming a folder of an S3 under-storage is not supported (S3 has no folders to move: every key would be copied)");
    const { etag } = parseS3Fingerprint(from.fingerprint);
    const fromKey = this.keyOf(fromRelativePath);
    const toKey = this.keyOf(toRelativePath);
    const copySource = `${this.init.bucket}/${fromKey.split("/").map(encodeURIComponent).join("/")}`;
    // If-Match on the source: a copy never takes a version other than the one stat saw.
    if (from.sizeBytes > (this.init.copyBytesMax ?? S3_COPY_BYTES_MAX)) await this.copyInParts(copySource, toKey, etag, from.sizeBytes);
    else await this.send(toKey, () => this.client.send(new CopyObjectCommand({ Bucket: this.init.bucket, Key: toKey, CopySource: copySource, CopySourceIfMatch: etag })));
    await this.send(fromKey, () => this.client.send(new DeleteObjectCommand({ Bucket: this.init.bucket, Key: fromKey })));
  }

  /** A server-side copy in parts (UploadPartCopy), one part at a time; aborted on failure so no parts are left to bill. */
  private async copyInParts(copySource: string, toKey: string, etag: string, sizeBytes: number): Promise<void> {
    const partBytes = this.init.copyPartBytes ?? S3_COPY_PART_BYTES;
    const bucket = this.init.bucket;
    const created = await this.send(toKey, () => this.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: toKey })));
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new UnderStorageError("UNAVAILABLE", `the under-storage at ${this.init.endpoint ?? "AWS"} started a multipart copy without an upload id`);
    try {
      const parts: Array<{ PartNumber: number; ETag: string }> = [];
      for (let offsetBytes = 0, partNumber = 1; offsetBytes < sizeBytes; offsetBytes += partBytes, partNumber++) {
        const range = `bytes=${offsetBytes}-${Math.min(offsetBytes + partBytes, sizeBytes) - 1}`;
        const copied = await this.send(toKey, () =>
          this.client.send(new UploadPartCopyCommand({ Bucket: bucket, Key: toKey, UploadId: uploadId, PartNumber: partNumber, CopySource: copySource, CopySourceIfMatch: etag, CopySourceRange: range })),
        );
        parts.push({ PartNumber: partNumber, ETag: copied.CopyPartResult?.ETag ?? "" });
      }
      await this.send(toKey, () => this.client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: toKey, UploadId: uploadId, MultipartUpload: { Parts: parts } })));
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: toKey, UploadId: uploadId })).catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/**
 * The pieces of a body, failing with `error()` when none comes for `idleMs`: the SDK's socket
 * timeout covers a request until its answer's headers, not the body after them. The timer
 * runs only while waiting on the server, not while the consumer holds a piece.
 */
async function* idleBounded(body: AsyncIterable<Uint8Array>, idleMs: number, destroy: () => void, error: () => Error): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = iterator.next();
    // Once the timer fired the body is destroyed, and its pending read fails unheard.
    next.catch(() => undefined);
    let result: IteratorResult<Uint8Array>;
    try {
      result = await Promise.race([
        next,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            destroy();
            reject(error());
          }, idleMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    if (result.done) return;
    yield result.value;
  }
}

/** A listing's objects and common prefixes in one list, in key order. */
function mergeListing(out: ListObjectsV2CommandOutput): S3ListItem[] {
  const items: S3ListItem[] = [];
  for (const object of out.Contents ?? []) {
    if (object.Key === undefined) continue;
    const sizeBytes = object.Size ?? 0;
    items.push({ kind: "object", key: object.Key, sizeBytes, mtimeMs: object.LastModified?.getTime() ?? 0, fingerprint: s3Fingerprint(object.ETag ?? "", sizeBytes) });
  }
  for (const prefix of out.CommonPrefixes ?? []) if (prefix.Prefix !== undefined) items.push({ kind: "prefix", key: prefix.Prefix });
  return items.sort((a, b) => compareNames(a.key, b.key));
}
