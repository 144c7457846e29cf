// A stand-in for Part D's auth.ts (docs/webhdfs.md, "Authentication"), with the same exports,
// until it lands: user.name only (no delegation tokens), and redirects signed with HMAC-SHA256
// under the cluster's secret (`secret/cluster`, made here when absent), so a data URL one peer
// signed verifies on the peer it points at. The lead swaps the import for auth.ts at the merge.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FileSystemClient } from "../../client/fs.ts";
import { WebHdfsError } from "./errors.ts";

export interface WebHdfsAuthInit {
  /** The peer's own client (acts as the cluster). */
  fs: FileSystemClient;
  /** user.name accepted: the port is loopback-bound, or the operator allowed it. */
  simpleAuth: boolean;
  nowMs?: () => number;
}

/** How long a redirect's data URL works. */
export const REDIRECT_TTL_MS = 60_000;
/** The setting holding the cluster's signing secret (docs/permissions.md's table). */
const SECRET_KEY = "secret/cluster";
const SECRET_BYTES = 32;
/** The query parameters a signed data URL carries. */
const EXPIRY_PARAM = "expiry";
const SIGNATURE_PARAM = "signature";
/** A user name as WebHDFS takes it (dfs.webhdfs.user.provider.user.pattern's default), and its bound. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9._-]*[$]?$/;
const USER_NAME_CHARS_MAX = 128;

export class WebHdfsAuth {
  private readonly nowMs: () => number;
  private secret: Promise<Uint8Array> | undefined;

  constructor(private readonly init: WebHdfsAuthInit) {
    this.nowMs = init.nowMs ?? Date.now;
  }

  /** The user a request acts for: user.name= (only with simpleAuth); throws WebHdfsError (SecurityException 401). */
  async authenticate(params: URLSearchParams): Promise<string> {
    if (params.has("delegation")) throw new WebHdfsError("SecurityException", "Delegation tokens are not accepted by this server yet; use user.name.");
    if (!this.init.simpleAuth) throw new WebHdfsError("SecurityException", "Simple authentication (user.name) is accepted only on a loopback-bound admin port.");
    const user = params.get("user.name");
    if (user === null || user === "") throw new WebHdfsError("SecurityException", "Authentication required: give user.name.");
    if (user.length > USER_NAME_CHARS_MAX || !USER_NAME.test(user)) throw WebHdfsError.illegalArgument(`Invalid value for webhdfs parameter "user.name": "${user.slice(0, 64)}".`);
    return user;
  }

  /** Query parameters to add to a redirect's data URL: signs op, path, user, and the given params, with an expiry. */
  async signRedirect(fields: { op: string; path: string; user: string; params: Record<string, string> }): Promise<Record<string, string>> {
    const expiry = String(this.nowMs() + REDIRECT_TTL_MS);
    const params = new URLSearchParams(fields.params);
    params.set(EXPIRY_PARAM, expiry);
    const signature = sign(await this.key(), fields.op, fields.path, fields.user, params);
    return { [EXPIRY_PARAM]: expiry, [SIGNATURE_PARAM]: signature };
  }

  /** Checks a data request's signature and expiry; returns the user it was signed for; throws WebHdfsError (InvalidToken 403). */
  async verifyRedirect(op: string, path: string, params: URLSearchParams): Promise<string> {
    const signature = params.get(SIGNATURE_PARAM) ?? "";
    const expiry = Number(params.get(EXPIRY_PARAM) ?? "");
    const user = params.get("user.name") ?? "";
    if (!Number.isSafeInteger(expiry) || signature === "") throw new WebHdfsError("InvalidToken", "The data URL is not signed; ask the first request again.");
    if (expiry < this.nowMs()) throw new WebHdfsError("InvalidToken", "The data URL has expired; ask the first request again.");
    const signed = new URLSearchParams(params);
    signed.delete(SIGNATURE_PARAM);
    signed.delete("op");
    // The secret may have been made by two peers at once: the one kept is read again once.
    for (const fresh of [false, true]) {
      if (fresh) this.secret = undefined;
      if (equal(sign(await this.key(), op, path, user, signed), signature)) return user;
    }
    throw new WebHdfsError("InvalidToken", "The data URL's signature does not match it.");
  }

  private key(): Promise<Uint8Array> {
    this.secret ??= this.loadSecret().catch((err: unknown) => {
      this.secret = undefined;
      throw err;
    });
    return this.secret;
  }

  private async loadSecret(): Promise<Uint8Array> {
    const existing = await this.init.fs.getSetting(SECRET_KEY);
    if (existing && existing.length >= SECRET_BYTES) return existing;
    await this.init.fs.setSetting(SECRET_KEY, randomBytes(SECRET_BYTES));
    // Read back: of two peers making it at once, the last write is the one both use.
    const kept = await this.init.fs.getSetting(SECRET_KEY);
    if (!kept) throw new WebHdfsError("RetriableException", "The cluster's signing secret is not set yet.");
    return kept;
  }
}

function sign(key: Uint8Array, op: string, path: string, user: string, params: URLSearchParams): string {
  const sorted = [...params].filter(([name]) => name !== "user.name").sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = JSON.stringify([op, path, user, sorted]);
  return createHmac("sha256", key).update(text).digest("base64url");
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A token bucket per client key (remote address). */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private readonly nowMs: () => number;

  constructor(private readonly options: { ratePerSecond: number; burst: number; keysMax: number; nowMs?: () => number }) {
    this.nowMs = options.nowMs ?? (() => performance.now());
  }

  /** false: answer 429 with a RemoteException (RetriableException) and Retry-After. */
  take(clientKey: string): boolean {
    const now = this.nowMs();
    let bucket = this.buckets.get(clientKey);
    if (!bucket) {
      // Bounded: when full, the table starts over (every client gets a full bucket again).
      if (this.buckets.size >= this.options.keysMax) this.buckets.clear();
      bucket = { tokens: this.options.burst, atMs: now };
      this.buckets.set(clientKey, bucket);
    }
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + ((now - bucket.atMs) / 1000) * this.options.ratePerSecond);
    bucket.atMs = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
