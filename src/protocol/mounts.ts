// Under-storage mounts as every side spells them (issue 16, docs/cache.md): the CLI parses a
// mount's URI and options here, the masters keep its record (JSON in the setting
// `secret/mounts/<id>`), the peers' cache services read it back to reach the under-storage, and
// everyone shows it through `redactedMount` so a credential never reaches a listing, a log
// line or /jmx. No I/O here.
import { RequestError } from "./errors.ts";
import { normalizePath } from "./paths.ts";
import { PersistState, ReadType, WriteType } from "./pb/under-storage.ts";

export { PersistState, ReadType, WriteType };

/** Mounts a cluster holds at most (each is one setting, and every path is checked against them). */
export const MOUNTS_MAX = 64;
/** Cache tiers of one peer at most (`node start --tier`, repeated). */
export const TIERS_MAX = 8;
/** `--option k=v` pairs of one mount at most. */
export const MOUNT_OPTIONS_MAX = 32;
/** A mount's URI, and one option's key and value, at most. */
export const MOUNT_URI_BYTES_MAX = 1024;
export const MOUNT_OPTION_BYTES_MAX = 1024;
/** Where the masters keep each mount's record (a secret: `tessera settings` never shows it). */
export const MOUNT_SETTING_PREFIX = "secret/mounts/";
/** Alluxio's default metadata.sync.interval is -1 (load once); Tessera's is a minute: a bucket changed behind its back shows within one. */
export const MOUNT_SYNC_INTERVAL_MS_DEFAULT = 60_000;
/** `-1`: each folder is listed once, a file's fingerprint checked never again. */
export const SYNC_ONCE = -1;
/** Copies of a cached chunk unless the mount says otherwise (Alluxio keeps one). */
export const CACHE_REPLICATION_DEFAULT = 1;

export type UnderStorageScheme = "s3" | "file";

/** The options each scheme takes; `secret` ones never leave the masters and the peers. */
export const MOUNT_OPTION_KEYS: Record<UnderStorageScheme, Record<string, { secret: boolean; help: string }>> = {
  s3: {
    endpoint: { secret: false, help: "the S3 server's URL (default: AWS for the region)" },
    region: { secret: false, help: "the bucket's region (default us-east-1)" },
    access_key: { secret: true, help: "the access key id" },
    secret_key: { secret: true, help: "the secret access key" },
    path_style: { secret: false, help: "true: bucket in the path (MinIO, Ceph, Tessera's gateway), not the host name" },
  },
  file: {},
};

/** A mount as the masters keep it: everything a peer needs to reach its under-storage. */
export interface MountRecord {
  /** Stable for the mount's life (the setting's key is MOUNT_SETTING_PREFIX + id). */
  id: string;
  /** The mount point in the namespace. */
  path: string;
  /** Normalized: `s3://bucket/prefix` (no trailing slash; prefix may be empty) or `file:///dir`. */
  uri: string;
  scheme: UnderStorageScheme;
  /** Key → value, secrets included. */
  options: Record<string, string>;
  readonly: boolean;
  /** -1 once, 0 on every access, else milliseconds. */
  syncIntervalMs: number;
  readType: ReadType;
  writeType: WriteType;
  /** Copies of each cached chunk (1..REPLICATION_MAX). */
  replication: number;
}

/** A parsed under-storage URI: s3 → bucket and key prefix; file → the folder. */
export type UnderStorageLocation =
  | { scheme: "s3"; bucket: string; prefix: string }
  | { scheme: "file"; dir: string };

function invalid(message: string): never {
  throw new RequestError("INVALID", message);
}

/** Parses `s3://bucket/prefix` or `file:///dir`; throws INVALID with one sentence why not. */
export function parseUnderStorageUri(uri: string): UnderStorageLocation {
  if (typeof uri !== "string" || uri.length === 0) invalid("a mount needs an under-storage URI: s3://bucket/prefix or file:///dir");
  if (new TextEncoder().encode(uri).length > MOUNT_URI_BYTES_MAX) invalid(`an under-storage URI is at most ${MOUNT_URI_BYTES_MAX} bytes`);
  if (/[\u0000-\u001f\u007f]/.test(uri)) invalid("an under-storage URI cannot contain control characters");
  const s3 = /^s3a?:\/\/([^/]*)(\/.*)?$/.exec(uri);
  if (s3) {
    const bucket = s3[1]!;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) invalid(`"${bucket}" is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`);
    const prefix = (s3[2] ?? "").replace(/^\/+/, "").replace(/\/+$/, "");
    if (prefix.split("/").some((part) => part === "." || part === "..") || prefix.includes("//")) invalid(`the key prefix of ${uri} has an empty, "." or ".." segment`);
    return { scheme: "s3", bucket, prefix };
  }
  const file = /^file:\/\/(\/.*)$/.exec(uri);
  if (file) {
    const dir = file[1]!.replace(/\/+$/, "") || "/";
    if (dir.split("/").some((part) => part === "." || part === "..")) invalid(`the folder of ${uri} has a "." or ".." segment`);
    return { scheme: "file", dir };
  }
  return invalid(`"${uri}" is not an under-storage URI Tessera knows: s3://bucket/prefix or file:///dir`);
}

/** The URI's one spelling (what records, listings and comparisons use). */
export function normalizeUnderStorageUri(uri: string): string {
  const location = parseUnderStorageUri(uri);
  return location.scheme === "s3" ? `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ""}` : `file://${location.dir}`;
}

/** Checks `--option` pairs against the scheme's keys; returns them as a map. */
export function validateMountOptions(scheme: UnderStorageScheme, options: ReadonlyArray<{ key: string; value: string }>): Record<string, string> {
  if (options.length > MOUNT_OPTIONS_MAX) invalid(`a mount takes at most ${MOUNT_OPTIONS_MAX} options`);
  const known = MOUNT_OPTION_KEYS[scheme];
  const out: Record<string, string> = {};
  for (const { key, value } of options) {
    if (!Object.hasOwn(known, key)) {
      const names = Object.keys(known);
      invalid(`${scheme}:// mounts take no option "${key}"${names.length ? ` (they take ${names.join(", ")})` : ""}`);
    }
    if (new TextEncoder().encode(value).length > MOUNT_OPTION_BYTES_MAX) invalid(`the option ${key} is at most ${MOUNT_OPTION_BYTES_MAX} bytes`);
    if (Object.hasOwn(out, key)) invalid(`the option ${key} is given twice`);
    if (key === "path_style" && value !== "true" && value !== "false") invalid(`path_style is true or false, not "${value}"`);
    if (key === "endpoint" && !/^https?:\/\/[^\s/]+(\/.*)?$/.test(value)) invalid(`endpoint must be an http:// or https:// URL, not "${value}"`);
    out[key] = value;
  }
  if (scheme === "s3" && Object.hasOwn(out, "access_key") !== Object.hasOwn(out, "secret_key")) invalid("access_key and secret_key go together");
  return out;
}

/** Option keys whose values are secrets, for this scheme. */
export function secretOptionKeys(scheme: UnderStorageScheme): string[] {
  return Object.entries(MOUNT_OPTION_KEYS[scheme])
    .filter(([, meaning]) => meaning.secret)
    .map(([key]) => key);
}

/** The mount as anyone may see it: secrets removed, their keys listed in `redacted`. */
export function redactedMount(record: MountRecord): { options: Array<{ key: string; value: string }>; redacted: string[] } {
  const secrets = new Set(secretOptionKeys(record.scheme));
  const options: Array<{ key: string; value: string }> = [];
  const redacted: string[] = [];
  for (const [key, value] of Object.entries(record.options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (secrets.has(key)) redacted.push(key);
    else options.push({ key, value });
  }
  return { options, redacted };
}

/** Parses a sync interval as the CLI takes it: `-1`, `0`, or a duration (`500ms`, `1s`, `5m`, `1h`); milliseconds. */
export function parseSyncInterval(text: string): number {
  const trimmed = text.trim();
  if (trimmed === "-1") return SYNC_ONCE;
  if (trimmed === "0") return 0;
  const match = /^(\d+)(ms|s|m|h)$/.exec(trimmed);
  if (!match) invalid(`--sync-interval is -1 (load once), 0 (every access) or a duration such as 500ms, 1s, 5m, 1h, not "${text}"`);
  const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  const ms = Number(match[1]) * unitMs;
  if (!Number.isSafeInteger(ms) || ms <= 0) invalid(`--sync-interval ${text} is out of range`);
  return ms;
}

/** How a sync interval reads back: -1, 0, or the duration. */
export function formatSyncInterval(ms: number): string {
  if (ms === SYNC_ONCE || ms === 0) return String(ms);
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

const READ_TYPE_NAMES: Record<string, ReadType> = { CACHE: ReadType.CACHE, CACHE_PROMOTE: ReadType.CACHE_PROMOTE, NO_CACHE: ReadType.NO_CACHE };
const WRITE_TYPE_NAMES: Record<string, WriteType> = {
  CACHE_THROUGH: WriteType.CACHE_THROUGH,
  THROUGH: WriteType.THROUGH,
  ASYNC_THROUGH: WriteType.ASYNC_THROUGH,
  MUST_CACHE: WriteType.MUST_CACHE,
};

export function parseReadType(text: string): ReadType {
  const value = READ_TYPE_NAMES[text.toUpperCase()];
  if (value === undefined) invalid(`a read type is CACHE, CACHE_PROMOTE or NO_CACHE, not "${text}"`);
  return value;
}

export function parseWriteType(text: string): WriteType {
  const value = WRITE_TYPE_NAMES[text.toUpperCase()];
  if (value === undefined) invalid(`a write type is CACHE_THROUGH, THROUGH, ASYNC_THROUGH or MUST_CACHE, not "${text}"`);
  return value;
}

export function readTypeName(type: ReadType): string {
  return Object.keys(READ_TYPE_NAMES).find((name) => READ_TYPE_NAMES[name] === type) ?? "CACHE";
}

export function writeTypeName(type: WriteType): string {
  return Object.keys(WRITE_TYPE_NAMES).find((name) => WRITE_TYPE_NAMES[name] === type) ?? "CACHE_THROUGH";
}

/** The mount a path lies in (at or below its mount point), of `mounts`. */
export function mountOf<M extends { path: string }>(mounts: Iterable<M>, path: string): M | undefined {
  for (const mount of mounts) if (path === mount.path || path.startsWith(mount.path === "/" ? "/" : `${mount.path}/`)) return mount;
  return undefined;
}

/**
 * The under-storage key of `path` relative to its mount point: "" for the mount point itself,
 * "a/b.txt" for /mnt/a/b.txt when the mount is at /mnt. The under-storage prepends its own
 * prefix or folder.
 */
export function relativeUnderStoragePath(mountPath: string, path: string): string {
  const normalized = normalizePath(path);
  if (normalized === mountPath) return "";
  const base = mountPath === "/" ? "/" : `${mountPath}/`;
  if (!normalized.startsWith(base)) invalid(`${path} is not under the mount at ${mountPath}`);
  return normalized.slice(base.length);
}

/** A mount's record as the masters keep it (JSON). */
export function encodeMountRecord(record: MountRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

/** Decodes a mount record; throws INVALID when the bytes are not one (a setting written by hand). */
export function decodeMountRecord(bytes: Uint8Array): MountRecord {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    invalid("a mount record is not JSON");
  }
  const record = value as MountRecord;
  if (
    typeof record !== "object" ||
    record === null ||
    typeof record.id !== "string" ||
    typeof record.path !== "string" ||
    typeof record.uri !== "string" ||
    (record.scheme !== "s3" && record.scheme !== "file") ||
    typeof record.options !== "object" ||
    record.options === null ||
    typeof record.readonly !== "boolean" ||
    !Number.isSafeInteger(record.syncIntervalMs) ||
    record.syncIntervalMs < SYNC_ONCE ||
    // The enums are protons' string enums ("CACHE"), which is what JSON.stringify writes.
    !(Object.values(ReadType) as unknown[]).includes(record.readType) ||
    !(Object.values(WriteType) as unknown[]).includes(record.writeType) ||
    !Number.isInteger(record.replication)
  ) {
    invalid("a mount record lacks a field or has one of the wrong type");
  }
  return record;
}

/**
 * A file's fingerprint in the under-storage: its version as Tessera last saw it. S3: the ETag
 * and size; a folder: the modification time (ms) and size. Two fingerprints are equal exactly
 * when the bytes are taken to be the same.
 */
export function s3Fingerprint(etag: string, sizeBytes: number): string {
  return `s3:etag=${etag};size=${sizeBytes}`;
}

export function fileFingerprint(mtimeMs: number, sizeBytes: number): string {
  return `file:mtime=${Math.trunc(mtimeMs)};size=${sizeBytes}`;
}
