// The leader's delegation tokens (src/master/rpc/token-service.ts) over a namespace standing
// in for the Raft group, with an injected clock: Hadoop's rules (issue for oneself, or for
// anyone as the superuser; renew by the renewer, up to the max lifetime; cancel by owner or
// renewer; a token verifies only while its record lives), and the sweep of expired records.
import { describe, expect, it } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { encodeLogCommand } from "../../src/master/state/log-command.ts";
import { TokenService, TOKEN_SWEEP_DELETES_MAX } from "../../src/master/rpc/token-service.ts";
import { DelegationTokenRequest } from "../../src/protocol/pb/meta.ts";
import { WireError } from "../../src/protocol/errors.ts";
import { CLUSTER_SECRET_KEY, derivedKey, encodeToken, TOKEN_MAX_LIFETIME_MS, TOKEN_RECORD_PREFIX, TOKEN_RENEW_INTERVAL_MS } from "../../src/protocol/delegation-token.ts";
import type { RaftNode } from "../../src/raft/node.ts";

const T0 = 1_800_000_000_000;
const Op = DelegationTokenRequest.Op;

function cluster(options: { secret?: boolean; isSuperuser?: (user: string) => Promise<boolean> } = {}) {
  const ns = Namespace.open();
  let index = 0;
  let proposals = 0;
  const raft = {
    isLeader: true,
    async propose(data: Uint8Array) {
      proposals += 1;
      return ns.apply({ index: ++index, term: 1, type: "normal", data });
    },
    async readBarrier() {},
  } as unknown as RaftNode;
  const set = (key: string, value: Uint8Array) => ns.apply({ index: ++index, term: 1, type: "normal", data: encodeLogCommand({ setSetting: { key, value: value as Uint8Array<ArrayBuffer> } }) });
  if (options.secret !== false) set(CLUSTER_SECRET_KEY, new Uint8Array(32).fill(7));
  const clock = { now: T0 };
  const service = new TokenService({ raft, namespace: ns, log: { warn() {}, error() {}, debug() {} }, nowMs: () => clock.now, ...(options.isSuperuser ? { isSuperuser: options.isSuperuser } : {}) });
  const call = (body: Partial<DelegationTokenRequest> & { op: DelegationTokenRequest.Op }, user?: string) =>
    service.handlers.delegationToken({ user: "", renewer: "", ttlMs: 0, token: "", ...body }, user === undefined ? undefined : { user });
  const records = () => ns.listSettings(TOKEN_RECORD_PREFIX, { limit: 1_000 }).entries.length;
  return { ns, service, call, clock, set, records, proposals: () => proposals };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WireError);
    return { code: (err as WireError).code, message: (err as Error).message };
  }
  throw new Error("the request was not refused");
}

describe("delegation tokens on the leader", () => {
  it("issues a token for the caller, renewable by the caller by default, that verifies as the caller for a day", async () => {
    const c = cluster();
    const issued = await c.call({ op: Op.ISSUE }, "alice");
    expect(issued).toMatchObject({ user: "alice", renewer: "alice", expiryMs: T0 + TOKEN_RENEW_INTERVAL_MS });
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(c.records()).toBe(1);
    // Anyone holding it may verify it (a gateway does, as the cluster).
    expect(await c.call({ op: Op.VERIFY, token: issued.token })).toMatchObject({ user: "alice", expiryMs: T0 + TOKEN_RENEW_INTERVAL_MS });
    c.clock.now = T0 + TOKEN_RENEW_INTERVAL_MS;
    expect(await refusal(c.call({ op: Op.VERIFY, token: issued.token }))).toMatchObject({ code: "PERMISSION_DENIED", message: expect.stringContaining("expired") });
  });

  it("ttlMs sets the first expiry, within 1 s .. 7 days", async () => {
    const c = cluster();
    expect((await c.call({ op: Op.ISSUE, ttlMs: 60_000 }, "alice")).expiryMs).toBe(T0 + 60_000);
    expect((await c.call({ op: Op.ISSUE, ttlMs: TOKEN_MAX_LIFETIME_MS }, "alice")).expiryMs).toBe(T0 + TOKEN_MAX_LIFETIME_MS);
    expect((await refusal(c.call({ op: Op.ISSUE, ttlMs: 999 }, "alice"))).code).toBe("INVALID");
    expect((await refusal(c.call({ op: Op.ISSUE, ttlMs: TOKEN_MAX_LIFETIME_MS + 1 }, "alice"))).code).toBe("INVALID");
  });

  it("a token for another user takes the superuser (or the cluster itself); bad names are refused", async () => {
    const c = cluster();
    const denied = await refusal(c.call({ op: Op.ISSUE, user: "alice" }, "bob"));
    expect(denied).toEqual({ code: "PERMISSION_DENIED", message: "bob may not get a delegation token for alice: only the superuser may issue one for another user" });
    c.set("permissions/superuser", Buffer.from("hdfs"));
    expect(await c.call({ op: Op.ISSUE, user: "alice", renewer: "yarn" }, "hdfs")).toMatchObject({ user: "alice", renewer: "yarn" });
    expect(await c.call({ op: Op.ISSUE, user: "carol" })).toMatchObject({ user: "carol", renewer: "carol" });
    // The cluster itself holds no token: it must name whom it is for.
    expect((await refusal(c.call({ op: Op.ISSUE }))).code).toBe("INVALID");
    expect((await refusal(c.call({ op: Op.ISSUE, user: "../etc" }))).code).toBe("INVALID");
    expect((await refusal(c.call({ op: Op.ISSUE, renewer: "a b" }, "alice"))).code).toBe("INVALID");
    expect((await refusal(c.call({ op: Op.ISSUE, user: "x".repeat(257) }))).code).toBe("INVALID");
  });

  it("an injected rule decides who else is a superuser (the permission model's supergroup)", async () => {
    const asked: string[] = [];
    const c = cluster({ isSuperuser: async (user) => (asked.push(user), user === "ops") });
    expect(await c.call({ op: Op.ISSUE, user: "alice" }, "ops")).toMatchObject({ user: "alice" });
    expect((await refusal(c.call({ op: Op.ISSUE, user: "alice" }, "bob"))).code).toBe("PERMISSION_DENIED");
    // Asked only when the token is for someone else.
    await c.call({ op: Op.ISSUE }, "bob");
    expect(asked).toEqual(["ops", "bob"]);
  });

  it("renew: the renewer only; the expiry moves a day from now and never past the max date", async () => {
    const c = cluster();
    const { token } = await c.call({ op: Op.ISSUE, renewer: "yarn", ttlMs: 60_000 }, "alice");
    expect(await refusal(c.call({ op: Op.RENEW, token }, "alice"))).toEqual({ code: "PERMISSION_DENIED", message: "alice may not renew this token: only its renewer, yarn, may" });
    c.clock.now = T0 + 30_000;
    expect((await c.call({ op: Op.RENEW, token }, "yarn")).expiryMs).toBe(T0 + 30_000 + TOKEN_RENEW_INTERVAL_MS);
    // Renewed daily, it lives 7 days and no more.
    for (let day = 1; day <= 6; day++) {
      c.clock.now = T0 + day * TOKEN_RENEW_INTERVAL_MS - day * 1_000;
      await c.call({ op: Op.RENEW, token }, "yarn");
    }
    c.clock.now = T0 + TOKEN_MAX_LIFETIME_MS - 10_000;
    expect((await c.call({ op: Op.RENEW, token }, "yarn")).expiryMs).toBe(T0 + TOKEN_MAX_LIFETIME_MS);
    c.clock.now = T0 + TOKEN_MAX_LIFETIME_MS;
    expect((await refusal(c.call({ op: Op.VERIFY, token }))).code).toBe("PERMISSION_DENIED");
    expect((await refusal(c.call({ op: Op.RENEW, token }, "yarn"))).code).toBe("PERMISSION_DENIED");
  });

  it("cancel: the owner or the renewer; a cancelled token no longer verifies; a retried cancel succeeds", async () => {
    const c = cluster();
    const { token } = await c.call({ op: Op.ISSUE, renewer: "yarn" }, "alice");
    expect(await refusal(c.call({ op: Op.CANCEL, token }, "mallory"))).toEqual({ code: "PERMISSION_DENIED", message: "mallory may not cancel alice's token: only its owner or its renewer may" });
    expect(await c.call({ op: Op.VERIFY, token })).toMatchObject({ user: "alice" });
    expect((await c.call({ op: Op.CANCEL, token }, "yarn")).expiryMs).toBe(0);
    expect(c.records()).toBe(0);
    expect(await refusal(c.call({ op: Op.VERIFY, token }))).toEqual({ code: "PERMISSION_DENIED", message: "alice's delegation token was cancelled or has expired" });
    expect((await c.call({ op: Op.CANCEL, token }, "alice")).expiryMs).toBe(0);
    const second = await c.call({ op: Op.ISSUE }, "alice");
    await c.call({ op: Op.CANCEL, token: second.token }, "alice");
    expect(c.records()).toBe(0);
  });

  it("a changed token, one signed by another cluster, or one made up for another user is refused", async () => {
    const c = cluster();
    const { token } = await c.call({ op: Op.ISSUE }, "alice");
    const [payload, signature] = token.split(".") as [string, string];
    // The payload re-encoded with another user: the signature no longer matches.
    const fields = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const forged = `${Buffer.from(JSON.stringify({ ...fields, u: "root" })).toString("base64url")}.${signature}`;
    expect(await refusal(c.call({ op: Op.VERIFY, token: forged }))).toMatchObject({ code: "PERMISSION_DENIED", message: expect.stringContaining("signature does not match") });
    const flipped = `${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    expect((await refusal(c.call({ op: Op.VERIFY, token: flipped }))).code).toBe("PERMISSION_DENIED");
    const foreign = encodeToken({ ...fields, id: fields.id, user: "alice", renewer: "alice", issueMs: T0, maxDateMs: T0 + 1 }, derivedKey(new Uint8Array(32).fill(9), "delegation-token"));
    expect((await refusal(c.call({ op: Op.VERIFY, token: foreign }))).code).toBe("PERMISSION_DENIED");
    // Signed with this cluster's key but for a user whose record it is not (the id is alice's).
    const sameId = encodeToken({ id: fields.id, user: "bob", renewer: "bob", issueMs: T0, maxDateMs: T0 + TOKEN_MAX_LIFETIME_MS }, derivedKey(new Uint8Array(32).fill(7), "delegation-token"));
    expect(await refusal(c.call({ op: Op.VERIFY, token: sameId }))).toMatchObject({ code: "PERMISSION_DENIED", message: "bob's delegation token was cancelled or has expired" });
    expect((await refusal(c.call({ op: Op.VERIFY, token: "x".repeat(2_000) }))).code).toBe("PERMISSION_DENIED");
    expect((await refusal(c.call({ op: Op.VERIFY, token: "" }))).code).toBe("PERMISSION_DENIED");
  });

  it("without the cluster's secret nothing is issued (UNAVAILABLE: the leader makes it when it takes office)", async () => {
    const c = cluster({ secret: false });
    expect((await refusal(c.call({ op: Op.ISSUE }, "alice"))).code).toBe("UNAVAILABLE");
    expect((await refusal(c.call({ op: Op.OP_UNSPECIFIED }, "alice"))).code).toBe("INVALID");
  });

  it("the sweep deletes expired records only, a bounded number per round", async () => {
    const c = cluster();
    const live = await c.call({ op: Op.ISSUE, ttlMs: 3_600_000 }, "alice");
    for (let i = 0; i < 5; i++) await c.call({ op: Op.ISSUE, ttlMs: 60_000 }, "bob");
    c.clock.now = T0 + 60_000;
    expect(await c.service.sweep()).toBe(5);
    expect(c.records()).toBe(1);
    expect(await c.call({ op: Op.VERIFY, token: live.token })).toMatchObject({ user: "alice" });
    expect(await c.service.sweep()).toBe(0);
    expect(TOKEN_SWEEP_DELETES_MAX).toBeGreaterThan(0);
  });

  it("a round deletes at most TOKEN_SWEEP_DELETES_MAX and the next goes on where it stopped", async () => {
    const c = cluster();
    const issued = TOKEN_SWEEP_DELETES_MAX + 3;
    for (let i = 0; i < issued; i++) await c.call({ op: Op.ISSUE, ttlMs: 1_000 }, "bob");
    c.clock.now = T0 + 1_000;
    expect(await c.service.sweep()).toBe(TOKEN_SWEEP_DELETES_MAX);
    expect(await c.service.sweep()).toBe(3);
    expect(c.records()).toBe(0);
  });
});
