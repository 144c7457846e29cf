// WebHDFS's authentication (src/gateway/webhdfs/auth.ts) with a stand-in for the peer's own
// client and an injected clock: simple authentication only where allowed, tokens checked by
// signature here and by the masters' verdict (cached briefly), data URLs that refuse any change
// and any use after they expire, and the limiter's bounds on rate and on clients remembered.
import { describe, expect, it } from "vitest";
import { RateLimiter, REDIRECT_PARAMS, REDIRECT_TTL_MS, TOKEN_VERDICT_CACHE_MS, TOKEN_VERDICTS_MAX, WebHdfsAuth } from "../../../src/gateway/webhdfs/auth.ts";
import { webHdfsTooManyRequests } from "../../../src/http/webhdfs-limit.ts";
import { WebHdfsError } from "../../../src/gateway/webhdfs/errors.ts";
import { CLUSTER_SECRET_KEY, derivedKey, encodeToken } from "../../../src/protocol/delegation-token.ts";
import { RequestError } from "../../../src/protocol/errors.ts";
import type { DelegationToken } from "../../../src/protocol/pb/meta.ts";

const SECRET = new Uint8Array(32).fill(3);
const T0 = 1_800_000_000_000;

function tokenFor(user: string, id = "AAAAAAAAAAAAAAAAAAAAAA", secret = SECRET): string {
  return encodeToken({ id, user, renewer: user, issueMs: T0, maxDateMs: T0 + 1e9 }, derivedKey(secret, "delegation-token"));
}

function setup(options: { simpleAuth?: boolean; secret?: Uint8Array | undefined } = {}) {
  const clock = { now: T0 };
  const live = new Map<string, DelegationToken>();
  const calls = { verify: 0, getSetting: 0 };
  const fs = {
    async getSetting(key: string) {
      calls.getSetting += 1;
      expect(key).toBe(CLUSTER_SECRET_KEY);
      return "secret" in options ? options.secret : SECRET;
    },
    async verifyDelegationToken(token: string) {
      calls.verify += 1;
      const answer = live.get(token);
      if (!answer) throw new RequestError("PERMISSION_DENIED", "the delegation token was cancelled or has expired");
      return answer;
    },
  };
  const auth = new WebHdfsAuth({ fs, simpleAuth: options.simpleAuth ?? false, nowMs: () => clock.now });
  const grant = (token: string, user: string) => live.set(token, { token, user, renewer: user, expiryMs: T0 + 3_600_000 });
  return { auth, clock, live, calls, grant };
}

async function refused(promise: Promise<unknown>): Promise<WebHdfsError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WebHdfsError);
    return err as WebHdfsError;
  }
  throw new Error("the request was not refused");
}

const q = (params: Record<string, string>) => new URLSearchParams(params);

describe("authenticate", () => {
  it("user.name is refused without simple authentication (401 SecurityException), taken with it", async () => {
    const closed = setup({ simpleAuth: false });
    const err = await refused(closed.auth.authenticate(q({ "user.name": "alice" })));
    expect([err.exception, err.status]).toEqual(["SecurityException", 401]);
    expect(err.message).toContain("--webhdfs-simple-auth");
    const open = setup({ simpleAuth: true });
    expect(await open.auth.authenticate(q({ "user.name": "alice" }))).toBe("alice");
    expect((await refused(open.auth.authenticate(q({})))).status).toBe(401);
    expect((await refused(open.auth.authenticate(q({ "user.name": "../root" })))).exception).toBe("IllegalArgumentException");
    expect((await refused(open.auth.authenticate(q({ "user.name": "alice", doas: "root" })))).exception).toBe("AccessControlException");
    expect(await open.auth.authenticate(q({ "user.name": "alice", doas: "alice" }))).toBe("alice");
  });

  it("a delegation token acts as its user; the masters' verdict is reused for a few seconds", async () => {
    const s = setup();
    const token = tokenFor("alice");
    s.grant(token, "alice");
    expect(await s.auth.authenticate(q({ delegation: token }))).toBe("alice");
    expect(await s.auth.authenticate(q({ delegation: token, "user.name": "alice" }))).toBe("alice");
    expect(s.calls).toEqual({ verify: 1, getSetting: 1 });
    // Cancelled at the masters: still taken within the cache period, refused after it.
    s.live.delete(token);
    s.clock.now += TOKEN_VERDICT_CACHE_MS - 1;
    expect(await s.auth.authenticate(q({ delegation: token }))).toBe("alice");
    s.clock.now += 1;
    const err = await refused(s.auth.authenticate(q({ delegation: token })));
    expect([err.exception, err.status]).toEqual(["InvalidToken", 403]);
    expect(s.calls.verify).toBe(2);
  });

  it("a token for another user: user.name must match it (Hadoop: Usernames not matched)", async () => {
    const s = setup({ simpleAuth: true });
    const token = tokenFor("alice");
    s.grant(token, "alice");
    const err = await refused(s.auth.authenticate(q({ delegation: token, "user.name": "bob" })));
    expect([err.exception, err.status, err.message]).toEqual(["InvalidToken", 403, "Usernames not matched: name=bob != expected=alice"]);
  });

  it("a forged or foreign token is refused here, without asking the masters", async () => {
    const s = setup();
    const token = tokenFor("alice");
    const [payload, mac] = token.split(".") as [string, string];
    const forged = `${Buffer.from(Buffer.from(payload, "base64url").toString().replace('"alice"', '"root"')).toString("base64url")}.${mac}`;
    for (const bad of [forged, tokenFor("alice", undefined, new Uint8Array(32).fill(4)), "garbage", "x".repeat(5_000)]) {
      expect((await refused(s.auth.authenticate(q({ delegation: bad })))).exception).toBe("InvalidToken");
    }
    expect(s.calls.verify).toBe(0);
  });

  it("without the cluster's secret: 503 RetriableException, and the next request reads it again", async () => {
    const s = setup({ secret: undefined });
    const err = await refused(s.auth.authenticate(q({ delegation: tokenFor("alice") })));
    expect([err.exception, err.status]).toEqual(["RetriableException", 503]);
    await refused(s.auth.authenticate(q({ delegation: tokenFor("alice") })));
    expect(s.calls.getSetting).toBe(2);
  });

  it("remembers at most TOKEN_VERDICTS_MAX verdicts", async () => {
    const s = setup();
    const ids = Array.from({ length: TOKEN_VERDICTS_MAX + 10 }, (_, i) => `id${String(i).padStart(20, "0")}`);
    for (const id of ids) {
      const token = tokenFor("alice", id);
      s.grant(token, "alice");
      await s.auth.authenticate(q({ delegation: token }));
    }
    expect((s.auth as unknown as { verdicts: Map<string, unknown> }).verdicts.size).toBe(TOKEN_VERDICTS_MAX);
    // The first was forgotten: it is asked of the masters again.
    const verifies = s.calls.verify;
    await s.auth.authenticate(q({ delegation: tokenFor("alice", ids[0]) }));
    expect(s.calls.verify).toBe(verifies + 1);
  });
});

describe("signed redirects", () => {
  async function signed(s: ReturnType<typeof setup>, op = "OPEN", params: Record<string, string> = { offset: "0", length: "100", buffersize: "65536" }) {
    const added = await s.auth.signRedirect({ op, path: "/data/a.csv", user: "alice", params });
    return new URLSearchParams({ op, ...params, ...added });
  }

  it("a data URL verifies as its user until it expires", async () => {
    const s = setup();
    const url = await signed(s);
    expect(Number(url.get(REDIRECT_PARAMS.expires))).toBe(T0 + REDIRECT_TTL_MS);
    expect(await s.auth.verifyRedirect("OPEN", "/data/a.csv", url)).toBe("alice");
    s.clock.now = T0 + REDIRECT_TTL_MS - 1;
    expect(await s.auth.verifyRedirect("OPEN", "/data/a.csv", url)).toBe("alice");
    s.clock.now = T0 + REDIRECT_TTL_MS;
    const err = await refused(s.auth.verifyRedirect("OPEN", "/data/a.csv", url));
    expect([err.exception, err.status]).toEqual(["InvalidToken", 403]);
    expect(err.message).toContain("expired");
  });

  it("a changed signature, param, user, expiry, path or op is refused", async () => {
    const s = setup();
    const url = await signed(s);
    const changed = (edit: (p: URLSearchParams) => void) => {
      const copy = new URLSearchParams(url);
      edit(copy);
      return copy;
    };
    const sig = url.get(REDIRECT_PARAMS.signature)!;
    const cases = [
      changed((p) => p.set(REDIRECT_PARAMS.signature, `${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`)),
      changed((p) => p.set("length", "1000000")),
      changed((p) => p.set("offset", "-1")),
      changed((p) => p.append("offset", "5")),
      changed((p) => p.set("overwrite", "true")),
      changed((p) => p.delete("buffersize")),
      changed((p) => p.set(REDIRECT_PARAMS.user, "root")),
      changed((p) => p.set(REDIRECT_PARAMS.expires, String(T0 + 10 * REDIRECT_TTL_MS))),
    ];
    for (const params of cases) {
      const err = await refused(s.auth.verifyRedirect("OPEN", "/data/a.csv", params));
      expect([err.exception, err.status]).toEqual(["InvalidToken", 403]);
    }
    expect((await refused(s.auth.verifyRedirect("OPEN", "/data/b.csv", url))).exception).toBe("InvalidToken");
    expect((await refused(s.auth.verifyRedirect("CREATE", "/data/a.csv", url))).exception).toBe("InvalidToken");
    // The first request's user.name may ride along; naming another user is a changed URL.
    expect(await s.auth.verifyRedirect("OPEN", "/data/a.csv", changed((p) => p.set("user.name", "alice")))).toBe("alice");
    const renamed = await refused(s.auth.verifyRedirect("OPEN", "/data/a.csv", changed((p) => p.set("user.name", "root"))));
    expect([renamed.exception, renamed.message]).toEqual(["InvalidToken", expect.stringContaining("Usernames not matched")]);
    const unsigned = changed((p) => p.delete(REDIRECT_PARAMS.signature));
    expect((await refused(s.auth.verifyRedirect("OPEN", "/data/a.csv", unsigned))).message).toContain("no signature");
  });

  it("a CREATE's data URL also takes the APPENDs fsspec sends to it; an OPEN's does not", async () => {
    const s = setup();
    const url = await signed(s, "CREATE", { overwrite: "true", permission: "644" });
    expect(await s.auth.verifyRedirect("CREATE", "/data/a.csv", url)).toBe("alice");
    url.set("op", "APPEND");
    expect(await s.auth.verifyRedirect("APPEND", "/data/a.csv", url)).toBe("alice");
    const open = await signed(s);
    expect((await refused(s.auth.verifyRedirect("APPEND", "/data/a.csv", open))).exception).toBe("InvalidToken");
  });

  it("a redirect's lifetime comes from the test knob when set, within bounds", () => {
    const fs = { getSetting: async () => SECRET, verifyDelegationToken: async () => ({}) as DelegationToken };
    const saved = process.env.TESSERA_WEBHDFS_REDIRECT_TTL_MS;
    try {
      process.env.TESSERA_WEBHDFS_REDIRECT_TTL_MS = "500";
      expect(new WebHdfsAuth({ fs, simpleAuth: false }).redirectTtlMs).toBe(500);
      process.env.TESSERA_WEBHDFS_REDIRECT_TTL_MS = "-5";
      expect(() => new WebHdfsAuth({ fs, simpleAuth: false })).toThrow("TESSERA_WEBHDFS_REDIRECT_TTL_MS must be");
    } finally {
      if (saved === undefined) delete process.env.TESSERA_WEBHDFS_REDIRECT_TTL_MS;
      else process.env.TESSERA_WEBHDFS_REDIRECT_TTL_MS = saved;
    }
  });
});

describe("the rate limiter", () => {
  it("lets a burst through, then ratePerSecond sustained, per client", () => {
    const clock = { now: 0 };
    const limiter = new RateLimiter({ ratePerSecond: 100, burst: 10, keysMax: 100, nowMs: () => clock.now });
    const allowed = (key: string, n: number) => Array.from({ length: n }, () => limiter.take(key)).filter(Boolean).length;
    expect(allowed("flood", 50)).toBe(10);
    // Another client is not slowed by the first.
    expect(allowed("real", 5)).toBe(5);
    // Over one second the flood gets 100 more, however hard it asks.
    let granted = 0;
    for (let ms = 1; ms <= 1_000; ms++) {
      clock.now = ms;
      granted += allowed("flood", 10);
    }
    expect(granted).toBe(100);
    // Idle, the bucket fills up to the burst and no further.
    clock.now += 60_000;
    expect(allowed("flood", 50)).toBe(10);
  });

  it("remembers at most keysMax clients, forgetting the least recently seen", () => {
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, keysMax: 3, nowMs: () => 0 });
    for (const key of ["a", "b", "c"]) expect(limiter.take(key)).toBe(true);
    expect(limiter.take("a")).toBe(false);
    for (let i = 0; i < 1_000; i++) limiter.take(`spray-${i}`);
    expect(limiter.size).toBe(3);
    // "a" was forgotten with the rest: it starts again with a full bucket.
    expect(limiter.take("a")).toBe(true);
    expect(() => new RateLimiter({ ratePerSecond: 0, burst: 1, keysMax: 1 })).toThrow("ratePerSecond");
  });

  it("answers 429 with Retry-After and a RetriableException", async () => {
    const response = webHdfsTooManyRequests();
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(((await response.json()) as { RemoteException: unknown }).RemoteException).toMatchObject({ exception: "RetriableException", javaClassName: "org.apache.hadoop.ipc.RetriableException" });
  });
});
