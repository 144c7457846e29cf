// One UnderStorage for a mount's record (issue 16, docs/cache.md): the scheme's implementation
// with the record's options. Opening does no I/O; `check()` is the first call that reaches out.
import { parseUnderStorageUri, type MountRecord } from "../protocol/mounts.ts";
import { FileUnderStorage } from "./file.ts";
import { S3UnderStorage, type S3UnderStorageInit } from "./s3.ts";
import type { UnderStorage } from "./under-storage.ts";

/** The region of an S3 mount that names none. */
export const S3_REGION_DEFAULT = "us-east-1";

/** Bounds a caller may tighten (tests, the leader's sync), per scheme. */
export interface UnderStorageTuning {
  s3?: Pick<S3UnderStorageInit, "connectTimeoutMs" | "idleTimeoutMs" | "attempts" | "listKeysMax" | "copyBytesMax" | "copyPartBytes">;
}

export function openUnderStorage(record: MountRecord, tuning: UnderStorageTuning = {}): UnderStorage {
  const location = parseUnderStorageUri(record.uri);
  if (location.scheme === "file") return new FileUnderStorage(location.dir);
  const options = record.options;
  const endpoint = options.endpoint;
  return new S3UnderStorage({
    bucket: location.bucket,
    prefix: location.prefix,
    ...(endpoint !== undefined ? { endpoint } : {}),
    region: options.region ?? S3_REGION_DEFAULT,
    ...(options.access_key !== undefined && options.secret_key !== undefined ? { credentials: { accessKeyId: options.access_key, secretAccessKey: options.secret_key } } : {}),
    // A server of one's own (MinIO, Ceph, Tessera's gateway) rarely has a DNS name per bucket:
    // with an endpoint, the bucket goes in the path unless the mount says otherwise.
    pathStyle: options.path_style !== undefined ? options.path_style === "true" : endpoint !== undefined,
    ...tuning.s3,
  });
}
