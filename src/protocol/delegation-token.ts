// Delegation tokens (Hadoop's): a bearer credential for one user, issued by the masters
// (master/rpc/token-service.ts) and checked by gateways (gateway/webhdfs/auth.ts). Both ends
// share this file: the token's text form, its signature, and the names and bounds they agree on.
//
// A token is `<payload>.<mac>`, both base64url: the payload is JSON {v, id, u, r, i, m} (id,
// user, renewer, issue time, max date), the mac an HMAC-SHA256 of the payload's text with a key
// derived from the cluster's secret (`secret/cluster`). The signature lets a gateway refuse a
// forged token without asking the masters; whether a well-signed token is still valid (not
// expired, not cancelled) is the masters' record `secret/tokens/<id>`. No I/O here.
import { createHmac, timingSafeEqual } from "node:crypto";

/** The setting holding the cluster's signing secret (32 random bytes; the leader creates it). */
export const CLUSTER_SECRET_KEY = "secret/cluster";
/** Where each token's record lives: `secret/tokens/<id>`. */
export const TOKEN_RECORD_PREFIX = "secret/tokens/";
/** Hadoop's dfs.namenode.delegation.token.renew-interval: a token lapses this long after issue or its last renewal. */
export const TOKEN_RENEW_INTERVAL_MS = 24 * 3_600_000;
/** Hadoop's dfs.namenode.delegation.token.max-lifetime: no renewal reaches past this after issue. */
export const TOKEN_MAX_LIFETIME_MS = 7 * 24 * 3_600_000;
/** The shortest first lifetime a token may be asked for (`--ttl`). */
export const TOKEN_TTL_MS_MIN = 1_000;
/** A token's text: a few names and numbers, signed. Anything longer is refused before it is decoded. */
export const TOKEN_CHARS_MAX = 1_024;
/** A user's or renewer's name (as a setting key's part and in a token). */
export const USER_NAME_CHARS_MAX = 256;
/**
 * Hadoop's default pattern of a user name (dfs.webhdfs.user.provider.user.pattern): no
 * slashes, spaces or control characters, so a name is safe in a setting, a path and a log.
 */
const USER_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9._-]*[$]?$/;
const TOKEN_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
const TOKEN_VERSION = 1;

/** Why a user name is refused, or undefined when it is a valid one. */
export function userNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > USER_NAME_CHARS_MAX) return `a user name is 1..${USER_NAME_CHARS_MAX} characters`;
  if (!USER_NAME_PATTERN.test(name)) return `"${name.slice(0, 64)}" is not a user name (a letter or '_' first, then letters, digits, '.', '_' or '-')`;
  return undefined;
}

/** What a token says: whose it is, who may renew it, when it was issued and its last possible day. */
export interface TokenIdentifier {
  /** Random, base64url: names the token's record. */
  id: string;
  user: string;
  renewer: string;
  issueMs: number;
  maxDateMs: number;
}

/** The record the masters keep of a live token (`secret/tokens/<id>`, JSON). */
export interface TokenRecord {
  user: string;
  renewer: string;
  expiryMs: number;
  maxDateMs: number;
}

/**
 * A sub-key of the cluster's secret for one purpose (tokens, redirect URLs): a signature made
 * for one can never pass as the other's.
 */
export function derivedKey(clusterSecret: Uint8Array, purpose: "delegation-token" | "webhdfs-redirect"): Buffer {
  return createHmac("sha256", clusterSecret).update(`tessera ${purpose} v1`).digest();
}

function mac(key: Uint8Array, text: string): Buffer {
  return createHmac("sha256", key).update(text).digest();
}

/** The token's text, signed with `key` (derivedKey(secret, "delegation-token")). */
export function encodeToken(identifier: TokenIdentifier, key: Uint8Array): string {
  const payload = Buffer.from(JSON.stringify({ v: TOKEN_VERSION, id: identifier.id, u: identifier.user, r: identifier.renewer, i: identifier.issueMs, m: identifier.maxDateMs })).toString("base64url");
  return `${payload}.${mac(key, payload).toString("base64url")}`;
}

/** A token that is not one, or not signed by this cluster: its message says why, in one sentence. */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/**
 * The identifier of a token signed with `key`; throws InvalidTokenError for text that is too
 * long, malformed, or signed with another key. Expiry and cancellation are the record's matter.
 */
export function decodeToken(text: string, key: Uint8Array): TokenIdentifier {
  if (text.length === 0 || text.length > TOKEN_CHARS_MAX) throw new InvalidTokenError(`a delegation token is 1..${TOKEN_CHARS_MAX} characters`);
  const dot = text.indexOf(".");
  const payload = text.slice(0, dot);
  const signature = text.slice(dot + 1);
  if (dot <= 0 || !BASE64URL_PATTERN.test(payload) || !BASE64URL_PATTERN.test(signature)) throw new InvalidTokenError("the delegation token is malformed");
  const expected = mac(key, payload);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidTokenError("the delegation token's signature does not match: it was changed, or another cluster issued it");
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw new InvalidTokenError("the delegation token is malformed");
  }
  const f = fields as Record<string, unknown>;
  const valid =
    typeof f === "object" &&
    f !== null &&
    f.v === TOKEN_VERSION &&
    typeof f.id === "string" &&
    TOKEN_ID_PATTERN.test(f.id) &&
    typeof f.u === "string" &&
    userNameProblem(f.u) === undefined &&
    typeof f.r === "string" &&
    (f.r === "" || userNameProblem(f.r) === undefined) &&
    Number.isSafeInteger(f.i) &&
    Number.isSafeInteger(f.m) &&
    (f.i as number) >= 0 &&
    (f.m as number) >= (f.i as number);
  if (!valid) throw new InvalidTokenError("the delegation token is malformed");
  return { id: f.id as string, user: f.u as string, renewer: f.r as string, issueMs: f.i as number, maxDateMs: f.m as number };
}

/** A record's JSON text, and back (bounded: a record is a setting value, read from the masters' state). */
export function encodeTokenRecord(record: TokenRecord): Uint8Array {
  return Buffer.from(JSON.stringify(record));
}

export function decodeTokenRecord(bytes: Uint8Array): TokenRecord | undefined {
  if (bytes.length > 4 * USER_NAME_CHARS_MAX + 256) return undefined;
  try {
    const r = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>;
    if (typeof r.user !== "string" || typeof r.renewer !== "string" || !Number.isSafeInteger(r.expiryMs) || !Number.isSafeInteger(r.maxDateMs)) return undefined;
    return { user: r.user, renewer: r.renewer, expiryMs: r.expiryMs as number, maxDateMs: r.maxDateMs as number };
  } catch {
    return undefined;
  }
}
