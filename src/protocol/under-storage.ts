// What the masters need of under-storage, as a contract (issue 16, docs/cache.md). The master
// never imports src/ufs or src/cache: the leader's metadata sync, its checks of a new mount and
// its persisting of ASYNC_THROUGH files go through this interface, which src/cache/broker.ts
// implements over src/ufs and src/peer/peer.ts hands to the master. No I/O here.
import type { MountRecord } from "./mounts.ts";

/** One entry of an under-storage folder, as the sync applies it (log.proto's UnderStorageEntry). */
export interface UnderStorageEntry {
  /** The entry's name in its folder (one path segment). */
  name: string;
  directory: boolean;
  sizeBytes: number;
  /** 0 when the under-storage has none (S3's implied folders). */
  mtimeMs: number;
  /** protocol/mounts.ts's s3Fingerprint / fileFingerprint; "" for folders. */
  fingerprint: string;
}

/** A page of a folder's entries in byte order of their names; `next` is "" on the last page. */
export interface UnderStoragePage {
  entries: UnderStorageEntry[];
  /** The name to pass as `after` for the next page; "" when this is the last. */
  next: string;
}

/**
 * The leader's door to the under-storages. Every method throws a WireError (RequestError) whose
 * code and one-sentence message a user can act on: UNAVAILABLE (the endpoint does not answer),
 * PERMISSION_DENIED (wrong credentials), NOT_FOUND (no such bucket or folder), INVALID.
 */
export interface UnderStorageBroker {
  /** Whether the mount's under-storage answers with these credentials (a list of one key). */
  check(mount: MountRecord): Promise<void>;
  /** A page of the folder `relativePath` ("" = the mount's root) after `after`, at most `limit` entries. */
  list(mount: MountRecord, relativePath: string, after: string, limit: number): Promise<UnderStoragePage>;
  /** The entry at `relativePath`, or undefined when the under-storage has nothing there. */
  stat(mount: MountRecord, relativePath: string): Promise<UnderStorageEntry | undefined>;
  /** Removes the file, or with `recursive` everything under the folder, from the under-storage. */
  delete(mount: MountRecord, relativePath: string, recursive: boolean): Promise<void>;
  /** Moves a file within the under-storage (S3: copy, then delete). */
  rename(mount: MountRecord, fromRelativePath: string, toRelativePath: string): Promise<void>;
  /**
   * Copies the file at `path` (Tessera's bytes, read through the file-system client) to the
   * under-storage and tells the masters (markPersisted). Resolves once the masters recorded it.
   */
  persist(mount: MountRecord, path: string): Promise<void>;
  /** Drops clients cached for a mount that is gone or changed. */
  forget(mountId: string): void;
}
