// Who a WebHDFS request acts for, and the signed data URLs of its redirects (SECURITY.md).
//
// - `user.name=` (Hadoop's simple authentication) is taken at its word only where that is
//   safe: on a loopback-bound admin port, or when the operator turned it on
//   (`--webhdfs-simple-auth`). Anywhere else a request carries a delegation token
//   (`delegation=`): its signature is checked here with a key derived from the cluster's
//   secret, so a forged token costs the masters nothing, and whether it is still valid (not
//   expired, not cancelled) is asked of the masters and remembered for a few seconds.
// - OPEN, CREATE and APPEND answer with a redirect to a peer's data URL. The URL carries the
//   user it acts for, an expiry and an HMAC over both, the op, the path and every other query
//   parameter, so the data request needs no credential of its own and cannot be altered or
//   replayed after it expires.
// - RateLimiter (util/rate-limiter.ts, re-exported): the admin HTTP thread answers a flood
//   from one address 429 before forwarding it here (http/http-worker.ts).
import { createHmac, timingSafeEqual } from "node:crypto";
import type { FileSystemClient } from "../../client/fs.ts";
import { codeOf } from "../../protocol/errors.ts";
import { CLUSTER_SECRET_KEY, decodeToken, derivedKey, InvalidTokenError, userNameProblem } from "../../protocol/delegation-token.ts";
import { ConfigError } from "../../util/config.ts";
export { RateLimiter } from "../../util/rate-limiter.ts";
import { WebHdfsError, webHdfsErrorOf } from "./errors.ts";

export interface WebHdfsAuthInit {
  /**
   * The peer's own client (acts as the cluster): reads the cluster's secret and asks the
   * masters whether a token is valid. A test passes a stand-in with these two calls.
   */
  fs: Pick<FileSystemClient, "getSetting" | "verifyDelegationToken">;
  /** user.name accepted: the port is loopback-bound, or the operator allowed it. */
  simpleAuth: boolean;
  nowMs?: () => number;
  /** How long a redirect's data URL works; default REDIRECT_TTL_MS, or TESSERA_WEBHDFS_REDIRECT_TTL_MS (a test knob). */
  redirectTtlMs?: number;
}

/**
 * How long a redirect's data URL works. Long enough for a whole upload: Python's fsspec posts
 * every block of a file it writes to the one URL its CREATE was redirected to.
 */
export const REDIRECT_TTL_MS = 10 * 60_000;
/** The longest data-URL lifetime the test knob accepts. */
export const REDIRECT_TTL_MS_MAX = 3_600_000;
/** The environment variable that shortens REDIRECT_TTL_MS (tests replay an expired URL without waiting ten minutes). */
export const REDIRECT_TTL_ENV = "TESSERA_WEBHDFS_REDIRECT_TTL_MS";
/**
 * How long a token's verdict from the masters is reused: a cancelled token stops working on
 * every gateway within this, and a busy client costs the masters one VERIFY per token per period.
 */
export const TOKEN_VERDICT_CACHE_MS = 5_000;
/** Verdicts remembered at once; the oldest is forgotten first (a flood of distinct tokens cannot grow it). */
export const TOKEN_VERDICTS_MAX = 4_096;
/** The query parameters a signed data URL adds. */
export const REDIRECT_PARAMS = { user: "tessera.user", expires: "tessera.expires", signature: "tessera.signature" } as const;
// A number of ms since the epoch: 16 digits reach the year 318857.
const EXPIRES_DIGITS_MAX = 16;

/**
 * What a data URL's signature binds the op to. CREATE and APPEND are one: fsspec writes a file
 * by sending every block to its CREATE's data URL with `op=CREATE` replaced by `op=APPEND`
 * (what either may do is the masters' permission check of the user, as for any request).
 */
function opFamily(op: string): string {
  const upper = op.toUpperCase();
  return upper === "CREATE" || upper === "APPEND" || upper === "WRITE" ? "write" : upper === "OPEN" ? "read" : upper;
}

function redirectTtlFromEnv(env: Record<string, string | undefined>): number {
  const text = env[REDIRECT_TTL_ENV];
  if (text === undefined || text === "") return REDIRECT_TTL_MS;
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms < 1 || ms > REDIRECT_TTL_MS_MAX) throw new ConfigError(`${REDIRECT_TTL_ENV} must be a whole number of milliseconds in 1..${REDIRECT_TTL_MS_MAX}, not "${text}"`);
  return ms;
}

interface Keys {
  token: Buffer;
  redirect: Buffer;
}

interface Verdict {
  untilMs: number;
  user?: string;
  error?: WebHdfsError;
}

export class WebHdfsAuth {
  private readonly nowMs: () => number;
  readonly redirectTtlMs: number;
  /** The keys derived from the cluster's secret, once read (it never changes), or the read in flight. */
  private keys?: Promise<Keys>;
  /** Recent verdicts on tokens, oldest first (insertion order). */
  private readonly verdicts = new Map<string, Verdict>();

  constructor(private readonly init: WebHdfsAuthInit) {
    this.nowMs = init.nowMs ?? (() => Date.now());
    this.redirectTtlMs = init.redirectTtlMs ?? redirectTtlFromEnv(process.env);
    if (!Number.isSafeInteger(this.redirectTtlMs) || this.redirectTtlMs < 1 || this.redirectTtlMs > REDIRECT_TTL_MS_MAX) {
      throw new ConfigError(`a redirect's lifetime is 1..${REDIRECT_TTL_MS_MAX} ms, not ${this.redirectTtlMs}`);
    }
  }

  /**
   * The user a request acts for: delegation= (checked, cached briefly) or user.name= (only with
   * simpleAuth); throws WebHdfsError (SecurityException 401 / InvalidToken 403).
   */
  async authenticate(params: URLSearchParams): Promise<string> {
    const token = params.get("delegation");
    const named = params.get("user.name");
    let user: string;
    if (token !== null && token !== "") {
      user = await this.tokenUser(token);
      // Hadoop's JspHelper: a user.name beside a token must be the token's user.
      if (named !== null && named !== "" && named !== user) throw new WebHdfsError("InvalidToken", `Usernames not matched: name=${named.slice(0, 64)} != expected=${user}`);
    } else if (named !== null && named !== "") {
      if (!this.init.simpleAuth) {
        throw new WebHdfsError("SecurityException", "user.name= is accepted only on a loopback-bound admin port or where the operator allowed it (--webhdfs-simple-auth): authenticate with a delegation token (delegation=)");
      }
      const problem = userNameProblem(named);
      if (problem) throw WebHdfsError.illegalArgument(`Invalid value for webhdfs parameter "user.name": ${problem}`);
      user = named;
    } else {
      throw new WebHdfsError("SecurityException", this.init.simpleAuth ? "a request names its user (user.name=) or carries a delegation token (delegation=)" : "a request carries a delegation token (delegation=)");
    }
    const doAs = params.get("doas");
    if (doAs !== null && doAs !== "" && doAs !== user) throw new WebHdfsError("AccessControlException", `${user} may not act as ${doAs.slice(0, 64)}: proxy users (doas=) are not supported`);
    return user;
  }

  /**
   * Query parameters to add to a redirect's data URL: signs op, path, user, and the given
   * params (every other parameter the data URL carries, but op, user.name and delegation),
   * with an expiry.
   */
  async signRedirect(fields: { op: string; path: string; user: string; params: Record<string, string> }): Promise<Record<string, string>> {
    const keys = await this.secretKeys();
    const expires = String(this.nowMs() + this.redirectTtlMs);
    const pairs = Object.entries(fields.params).filter(([name]) => !isRedirectParam(name) && name !== "op");
    const signature = redirectMac(keys.redirect, fields.op, fields.path, fields.user, expires, pairs);
    return { [REDIRECT_PARAMS.user]: fields.user, [REDIRECT_PARAMS.expires]: expires, [REDIRECT_PARAMS.signature]: signature };
  }

  /**
   * Checks a data request's signature and expiry; returns the user it was signed for; throws
   * WebHdfsError (InvalidToken 403) when expired or changed. `path` as the router decoded it
   * (the same form signRedirect was given).
   */
  async verifyRedirect(op: string, path: string, params: URLSearchParams): Promise<string> {
    const user = params.get(REDIRECT_PARAMS.user);
    const expires = params.get(REDIRECT_PARAMS.expires);
    const signature = params.get(REDIRECT_PARAMS.signature);
    if (user === null || expires === null || signature === null) {
      throw new WebHdfsError("InvalidToken", "this data URL carries no signature: send the request to the namenode op first (OPEN, CREATE and APPEND answer with a signed redirect)");
    }
    if (expires.length > EXPIRES_DIGITS_MAX || !/^\d+$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) throw new WebHdfsError("InvalidToken", "this data URL's signature is malformed");
    const keys = await this.secretKeys();
    const pairs = [...params.entries()].filter(([name]) => !isRedirectParam(name) && name !== "op");
    const expected = Buffer.from(redirectMac(keys.redirect, op, path, user, expires, pairs), "base64url");
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new WebHdfsError("InvalidToken", "this data URL's signature does not match: the URL was changed after the redirect signed it");
    }
    if (Number(expires) <= this.nowMs()) throw new WebHdfsError("InvalidToken", `this data URL expired at ${new Date(Number(expires)).toISOString()}: send the request to the namenode op again for a fresh redirect`);
    // The first request's user.name may ride along; naming someone else is a changed URL.
    const named = params.get("user.name");
    if (named !== null && named !== user) throw new WebHdfsError("InvalidToken", `Usernames not matched: this data URL was signed for ${user}, not ${named}`);
    return user;
  }

  /** The user of a token: its signature checked here, its validity asked of the masters (cached briefly, good and bad alike). */
  private async tokenUser(token: string): Promise<string> {
    const now = this.nowMs();
    const known = this.verdicts.get(token);
    if (known && known.untilMs > now) {
      if (known.error) throw known.error;
      return known.user!;
    }
    const keys = await this.secretKeys();
    try {
      decodeToken(token, keys.token);
    } catch (err) {
      // A forgery or garbage: refused here, never sent to the masters, not remembered (nothing to save).
      if (err instanceof InvalidTokenError) throw new WebHdfsError("InvalidToken", err.message);
      throw err;
    }
    let verdict: Verdict;
    try {
      const answer = await this.init.fs.verifyDelegationToken(token);
      verdict = { untilMs: Math.min(now + TOKEN_VERDICT_CACHE_MS, answer.expiryMs), user: answer.user };
    } catch (err) {
      if (codeOf(err) !== "PERMISSION_DENIED") throw webHdfsErrorOf(err);
      verdict = { untilMs: now + TOKEN_VERDICT_CACHE_MS, error: new WebHdfsError("InvalidToken", (err as Error).message) };
    }
    this.remember(token, verdict);
    if (verdict.error) throw verdict.error;
    return verdict.user!;
  }

  private remember(token: string, verdict: Verdict): void {
    this.verdicts.delete(token);
    while (this.verdicts.size >= TOKEN_VERDICTS_MAX) this.verdicts.delete(this.verdicts.keys().next().value!);
    this.verdicts.set(token, verdict);
  }

  /** The keys derived from `secret/cluster`, read once through the peer's own client; a failed read is tried again next time. */
  private secretKeys(): Promise<Keys> {
    this.keys ??= this.readKeys().catch((err: unknown) => {
      this.keys = undefined;
      throw err;
    });
    return this.keys;
  }

  private async readKeys(): Promise<Keys> {
    let secret: Uint8Array | undefined;
    try {
      secret = await this.init.fs.getSetting(CLUSTER_SECRET_KEY);
    } catch (err) {
      throw new WebHdfsError("RetriableException", `the cluster's signing secret could not be read: ${(err as Error).message}`);
    }
    if (!secret || secret.length === 0) throw new WebHdfsError("RetriableException", "the cluster has no signing secret yet (the leader creates it when it takes office); try again shortly");
    return { token: derivedKey(secret, "delegation-token"), redirect: derivedKey(secret, "webhdfs-redirect") };
  }
}

/**
 * Parameters outside the signature: the signature's own, and the first request's credentials,
 * which a data URL may carry on as Hadoop's do (the data request acts for the signed user,
 * whatever they say).
 */
function isRedirectParam(name: string): boolean {
  return name === REDIRECT_PARAMS.user || name === REDIRECT_PARAMS.expires || name === REDIRECT_PARAMS.signature || name === "user.name" || name === "delegation";
}

/** The HMAC of a data URL: its op's family, path, user, expiry and other parameters in a canonical order. */
function redirectMac(key: Buffer, op: string, path: string, user: string, expires: string, pairs: Array<[string, string]>): string {
  const sorted = [...pairs].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  // JSON keeps the fields apart: no value can shift a boundary between two others.
  return createHmac("sha256", key).update(JSON.stringify(["v1", opFamily(op), path, user, expires, sorted])).digest("base64url");
}

