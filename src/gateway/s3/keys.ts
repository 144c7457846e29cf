// The S3 access keys: cluster settings under "s3/key/<accessKeyId>" (so they are replicated
// through Raft like the namespace), each a JSON record with the secret and the user the key
// acts for (HDFS's permissions decide what that user may do). The gateway looks a key up on
// every request, so lookups are cached briefly: a key deleted through another gateway keeps
// working here for at most KEY_CACHE_MS. Settings are the superuser's alone, so whoever makes,
// lists or looks up keys (a gateway too) acts as the superuser.
import { getRandomValues } from "node:crypto";
import { codeOf } from "../../protocol/errors.ts";

/** What the gateway knows of a key; the secret never leaves the gateway but in a signature check. */
export interface AccessKeyRecord {
  accessKeyId: string;
  secret: string;
  name: string;
  /** The buckets the key may reach; empty for every bucket. */
  buckets: string[];
  readOnly: boolean;
  createdMs: number;
  /**
   * The user the key's requests act for. Absent on keys made before keys had users: those act
   * as the gateway itself, which is the superuser.
   */
  user?: string;
}

/** A key as listed: everything but the secret. */
export type AccessKeySummary = Omit<AccessKeyRecord, "secret">;

/** The settings calls the store needs (the file-system client has them). */
export interface SettingsStore {
  getSetting(key: string): Promise<Uint8Array | undefined>;
  setSetting(key: string, value: Uint8Array): Promise<void>;
  deleteSetting(key: string): Promise<void>;
  listSettings(prefix: string, options?: { after?: string; limit?: number }): Promise<{ entries: { key: string; value: Uint8Array }[]; next: string }>;
}

export const KEY_SETTING_PREFIX = "s3/key/";
export const ACCESS_KEY_ID_CHARS = 20;
export const SECRET_CHARS = 40;
/** How long a looked-up key (or its absence) is trusted. */
export const KEY_CACHE_MS = 10_000;
/** Keys held in the cache at once; it empties when full (many distinct ids: a scan, not use). */
export const KEY_CACHE_ENTRIES_MAX = 10_000;
export const KEY_NAME_CHARS_MAX = 128;
export const KEY_BUCKETS_MAX = 100;
export const KEY_USER_CHARS_MAX = 256;
// A user name as HDFS's shell accepts one (FsShellPermissions), which is also what a log line
// and an S3 owner id can carry unescaped.
const USER_PATTERN = /^[-_./@a-zA-Z0-9]+$/;
/** A stored record larger than this is not one the gateway wrote. */
const KEY_RECORD_BYTES_MAX = 16 * 1024;

// Access key ids look like AWS's (upper case letters and digits); secrets are base64 characters.
const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ID_PATTERN = /^[A-Z2-7]{20}$/;

export class AccessKeyError extends Error {
  override name = "AccessKeyError";
}

function randomChars(alphabet: string, count: number): string {
  // Both alphabets have a power-of-two size, so masking a byte picks each character alike.
  const bytes = getRandomValues(new Uint8Array(count));
  let out = "";
  for (const byte of bytes) out += alphabet[byte & (alphabet.length - 1)];
  return out;
}

export function isAccessKeyId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export class AccessKeyStore {
  private readonly cache = new Map<string, { record: AccessKeyRecord | undefined; untilMs: number }>();

  constructor(
    private readonly settings: SettingsStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Makes a key; the answer is the only time its secret is shown. */
  async create(options: { name?: string; buckets?: string[]; readOnly?: boolean; user: string }, checkBucket: (name: string) => void = () => {}): Promise<AccessKeyRecord> {
    const name = options.name ?? "";
    if (name.length > KEY_NAME_CHARS_MAX) throw new AccessKeyError(`a key's name is at most ${KEY_NAME_CHARS_MAX} characters`);
    if (!isKeyUser(options.user)) throw new AccessKeyError(`${JSON.stringify(options.user.slice(0, 40))} is not a user a key can act for: 1 to ${KEY_USER_CHARS_MAX} letters, digits and - _ . / @`);
    const buckets = [...new Set(options.buckets ?? [])];
    if (buckets.length > KEY_BUCKETS_MAX) throw new AccessKeyError(`a key may be limited to at most ${KEY_BUCKETS_MAX} buckets`);
    for (const bucket of buckets) checkBucket(bucket);
    const record: AccessKeyRecord = {
      accessKeyId: randomChars(ID_ALPHABET, ACCESS_KEY_ID_CHARS),
      secret: randomChars(SECRET_ALPHABET, SECRET_CHARS),
      name,
      buckets,
      readOnly: options.readOnly ?? false,
      createdMs: this.now(),
      user: options.user,
    };
    const { accessKeyId, ...stored } = record;
    await this.settings.setSetting(KEY_SETTING_PREFIX + accessKeyId, new TextEncoder().encode(JSON.stringify(stored)));
    return record;
  }

  /** Every key, without secrets, in id order. */
  async list(): Promise<AccessKeySummary[]> {
    const keys: AccessKeySummary[] = [];
    let after = "";
    for (;;) {
      const page = await this.settings.listSettings(KEY_SETTING_PREFIX, after ? { after } : {});
      for (const entry of page.entries) {
        const record = decodeRecord(entry.key.slice(KEY_SETTING_PREFIX.length), entry.value);
        if (!record) continue;
        const { secret: _secret, ...summary } = record;
        keys.push(summary);
      }
      if (!page.next || page.entries.length === 0) return keys;
      after = page.next;
    }
  }

  /**
   * Fails with one sentence unless this client may read the keys: settings are the
   * superuser's, and a gateway acting as anyone else would refuse every request.
   */
  async checkReadable(user: string): Promise<void> {
    try {
      await this.settings.listSettings(KEY_SETTING_PREFIX, { limit: 1 });
    } catch (err) {
      if (codeOf(err) !== "PERMISSION_DENIED") throw err;
      throw new AccessKeyError(`reading the access keys takes the superuser, and ${user ? `"${user}"` : "this process's user"} is not it: run the gateway as the user the permissions/superuser setting names (TESSERA_USER)`, { cause: err });
    }
  }

  /** Removes a key; false when there was none. */
  async delete(accessKeyId: string): Promise<boolean> {
    if (!isAccessKeyId(accessKeyId)) throw new AccessKeyError(`${JSON.stringify(accessKeyId)} is not an access key id (${ACCESS_KEY_ID_CHARS} upper case letters and digits)`);
    const existing = await this.settings.getSetting(KEY_SETTING_PREFIX + accessKeyId);
    if (!existing) return false;
    await this.settings.deleteSetting(KEY_SETTING_PREFIX + accessKeyId);
    this.cache.delete(accessKeyId);
    return true;
  }

  /** The key with this id, from the cache when it was looked up less than KEY_CACHE_MS ago. */
  async lookup(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    if (!isAccessKeyId(accessKeyId)) return undefined;
    const nowMs = this.now();
    const cached = this.cache.get(accessKeyId);
    if (cached && cached.untilMs > nowMs) return cached.record;
    const value = await this.settings.getSetting(KEY_SETTING_PREFIX + accessKeyId);
    const record = value ? decodeRecord(accessKeyId, value) : undefined;
    if (this.cache.size >= KEY_CACHE_ENTRIES_MAX) this.cache.clear();
    this.cache.set(accessKeyId, { record, untilMs: nowMs + KEY_CACHE_MS });
    return record;
  }
}

/** A stored record, checked field by field; undefined for anything else. */
function decodeRecord(accessKeyId: string, value: Uint8Array): AccessKeyRecord | undefined {
  if (!isAccessKeyId(accessKeyId) || value.length > KEY_RECORD_BYTES_MAX) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(value));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const r = parsed as Record<string, unknown>;
  if (typeof r.secret !== "string" || r.secret.length !== SECRET_CHARS) return undefined;
  if (typeof r.name !== "string" || typeof r.readOnly !== "boolean" || typeof r.createdMs !== "number") return undefined;
  if (!Array.isArray(r.buckets) || !r.buckets.every((b) => typeof b === "string") || r.buckets.length > KEY_BUCKETS_MAX) return undefined;
  if (r.user !== undefined && (typeof r.user !== "string" || !isKeyUser(r.user))) return undefined;
  return { accessKeyId, secret: r.secret, name: r.name, buckets: r.buckets as string[], readOnly: r.readOnly, createdMs: r.createdMs, ...(r.user !== undefined ? { user: r.user } : {}) };
}

export function isKeyUser(user: string): boolean {
  return user.length <= KEY_USER_CHARS_MAX && USER_PATTERN.test(user);
}

/** Whether a key may reach a bucket (every bucket when it lists none). */
export function keyAllowsBucket(key: Pick<AccessKeyRecord, "buckets">, bucket: string): boolean {
  return key.buckets.length === 0 || key.buckets.includes(bucket);
}
