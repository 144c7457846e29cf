// Under-storage: one interface, one implementation per scheme (s3.ts, file.ts), so HDFS or GCS
// can follow (issue 16, docs/cache.md). Paths here are relative to the mount's root ("" is the
// root, "a/b.txt" a file): the implementation adds its bucket prefix or folder.
import type { UnderStorageEntry, UnderStoragePage } from "../protocol/under-storage.ts";

export type { UnderStorageEntry, UnderStoragePage };

export interface UnderStorage {
  readonly scheme: "s3" | "file";
  /** Answers at all, with these credentials: throws UnderStorageError otherwise. */
  check(): Promise<void>;
  /** One page of a folder, names in byte order (S3: delimiter "/"; common prefixes are folders). */
  list(relativePath: string, after: string, limit: number): Promise<UnderStoragePage>;
  /** The entry, or undefined when nothing is there (a folder: S3 has a key below it). */
  stat(relativePath: string): Promise<UnderStorageEntry | undefined>;
  /**
   * Bytes [offsetBytes, offsetBytes + lengthBytes) of a file as a stream, refused with
   * UnderStorageError("CHANGED") when the file's fingerprint is no longer `fingerprint` (S3:
   * If-Match on the ETag; a folder: size and mtime checked before and after).
   */
  read(relativePath: string, offsetBytes: number, lengthBytes: number, fingerprint: string): AsyncIterable<Uint8Array>;
  /** Writes a whole file from a stream (S3: multipart above one part); resolves with its entry (fingerprint). */
  write(relativePath: string, body: AsyncIterable<Uint8Array>, sizeBytes: number): Promise<UnderStorageEntry>;
  delete(relativePath: string, recursive: boolean): Promise<void>;
  rename(fromRelativePath: string, toRelativePath: string): Promise<void>;
  close(): Promise<void>;
}

/** Why an under-storage call failed, in the wire's words (protocol/errors.ts codes). */
export type UnderStorageErrorCode = "UNAVAILABLE" | "PERMISSION_DENIED" | "NOT_FOUND" | "CHANGED" | "INVALID";
