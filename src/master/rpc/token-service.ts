// The leader's delegation-token service (Hadoop's AbstractDelegationTokenSecretManager): it
// issues, renews, cancels and verifies tokens. A token's text is signed with a key derived from
// the cluster's secret (protocol/delegation-token.ts); its record `secret/tokens/<id>` is a
// setting, written through Raft like every other, so every master knows which tokens live and
// a new leader carries on. Expired records are swept by a leader loop, a bounded page a round.
import { randomBytes } from "node:crypto";
import type { RaftNode } from "../../raft/node.ts";
import type { Logger } from "../../util/log.ts";
import type { Namespace } from "../state/namespace.ts";
import { encodeLogCommand } from "../state/log-command.ts";
import { DelegationTokenRequest, type DelegationToken } from "../../protocol/pb/meta.ts";
import type { MetaHandlers, RequestContext } from "../../protocol/meta.ts";
import { RequestError } from "../../protocol/errors.ts";
import { SETTINGS_PAGE_MAX } from "../../protocol/limits.ts";
import {
  CLUSTER_SECRET_KEY,
  decodeToken,
  decodeTokenRecord,
  derivedKey,
  encodeToken,
  encodeTokenRecord,
  InvalidTokenError,
  TOKEN_MAX_LIFETIME_MS,
  TOKEN_RECORD_PREFIX,
  TOKEN_RENEW_INTERVAL_MS,
  TOKEN_TTL_MS_MIN,
  userNameProblem,
  type TokenIdentifier,
  type TokenRecord,
} from "../../protocol/delegation-token.ts";
import { LeaderLoop, type TimerSource } from "../leader-loop.ts";
import { COMMIT_TIMEOUT_MS } from "../timeouts.ts";

/** How often the leader looks for expired token records (Hadoop's remover runs hourly; records are small). */
export const TOKEN_SWEEP_INTERVAL_MS = 60_000;
/** Records deleted in one sweep round at most: one round's proposals stay few; the next round goes on. */
export const TOKEN_SWEEP_DELETES_MAX = 1_000;
// 16 random bytes: ids never collide, and guessing one is no use without the secret's signature.
const TOKEN_ID_BYTES = 16;

/** The setting naming the superuser (Part A's permission model; absent: only the cluster itself is). */
const SUPERUSER_SETTING = "permissions/superuser";

export interface TokenServiceInit {
  /** Proposes through the call scopes like the other services. */
  raft: Pick<RaftNode, "propose" | "readBarrier" | "isLeader">;
  namespace: Pick<Namespace, "getSetting" | "listSettings">;
  log: Pick<Logger, "warn" | "error" | "debug">;
  nowMs?: () => number;
  /**
   * Whether `user` is a superuser ("" is the cluster, always). Default: the
   * `permissions/superuser` setting names them; the peer passes the permission model's rule
   * (supergroup members too).
   */
  isSuperuser?: (user: string) => boolean | Promise<boolean>;
  /** The sweep loop's timers. */
  timers?: TimerSource;
}

export class TokenService {
  private readonly nowMs: () => number;
  private readonly sweeper: LeaderLoop<number>;
  /** Where the next sweep round starts listing ("": the first record). */
  private sweepAfter = "";

  constructor(private readonly init: TokenServiceInit) {
    this.nowMs = init.nowMs ?? (() => Date.now());
    this.sweeper = new LeaderLoop({ name: "token sweep", intervalMs: TOKEN_SWEEP_INTERVAL_MS, isLeader: () => init.raft.isLeader, round: () => this.sweep(), log: init.log, timers: init.timers });
  }

  start(): void {
    this.sweeper.start();
  }

  stop(): void {
    void this.sweeper.stop();
  }

  readonly handlers: Pick<MetaHandlers, "delegationToken"> = {
    delegationToken: async (req, context) => {
      await this.init.raft.readBarrier(COMMIT_TIMEOUT_MS);
      switch (req.op) {
        case DelegationTokenRequest.Op.ISSUE:
          return this.issue(req, context);
        case DelegationTokenRequest.Op.RENEW:
          return this.renew(req.token, callerOf(context));
        case DelegationTokenRequest.Op.CANCEL:
          return this.cancel(req.token, callerOf(context));
        case DelegationTokenRequest.Op.VERIFY:
          return this.verify(req.token);
        default:
          throw new RequestError("INVALID", "a delegation-token request is ISSUE, RENEW, CANCEL or VERIFY");
      }
    },
  };

  private async issue(req: { user: string; renewer: string; ttlMs: number }, context: RequestContext | undefined): Promise<DelegationToken> {
    const caller = callerOf(context);
    const user = req.user || caller;
    if (user === "") throw new RequestError("INVALID", "a delegation token is for a user: the cluster itself holds none, so name the user");
    checkName("user", user);
    if (user !== caller && !(await this.isSuperuser(caller))) throw new RequestError("PERMISSION_DENIED", `${caller} may not get a delegation token for ${user}: only the superuser may issue one for another user`);
    // Hadoop leaves the renewer to the caller; an unnamed one here is the token's own user, so
    // `tessera auth token` alone gives a token its holder can renew.
    const renewer = req.renewer || user;
    checkName("renewer", renewer);
    const ttlMs = req.ttlMs || TOKEN_RENEW_INTERVAL_MS;
    if (!Number.isSafeInteger(ttlMs) || ttlMs < TOKEN_TTL_MS_MIN || ttlMs > TOKEN_MAX_LIFETIME_MS) {
      throw new RequestError("INVALID", `a token's lifetime is ${TOKEN_TTL_MS_MIN} ms to ${TOKEN_MAX_LIFETIME_MS} ms (7 days), not ${ttlMs}`);
    }
    const now = this.nowMs();
    const identifier: TokenIdentifier = { id: randomBytes(TOKEN_ID_BYTES).toString("base64url"), user, renewer, issueMs: now, maxDateMs: now + TOKEN_MAX_LIFETIME_MS };
    const token = encodeToken(identifier, this.tokenKey());
    const record: TokenRecord = { user, renewer, expiryMs: Math.min(now + ttlMs, identifier.maxDateMs), maxDateMs: identifier.maxDateMs };
    await this.putRecord(identifier.id, record);
    return { token, user, renewer, expiryMs: record.expiryMs };
  }

  /** Hadoop's renewToken: the renewer only; the expiry moves to a renew interval from now, never past the max date. */
  private async renew(text: string, caller: string): Promise<DelegationToken> {
    const { identifier, record } = this.live(text);
    if (caller !== record.renewer) throw new RequestError("PERMISSION_DENIED", `${caller || "the cluster"} may not renew this token: only its renewer, ${record.renewer}, may`);
    const renewed = { ...record, expiryMs: Math.min(this.nowMs() + TOKEN_RENEW_INTERVAL_MS, record.maxDateMs) };
    await this.putRecord(identifier.id, renewed);
    return { token: text, user: record.user, renewer: record.renewer, expiryMs: renewed.expiryMs };
  }

  /**
   * Hadoop's cancelToken: the owner or the renewer. A well-signed token whose record is gone
   * (cancelled, or expired and swept) is cancelled already: a retried cancel succeeds.
   */
  private async cancel(text: string, caller: string): Promise<DelegationToken> {
    const identifier = this.decode(text);
    const record = this.recordOf(identifier);
    if (caller !== identifier.user && caller !== identifier.renewer) throw new RequestError("PERMISSION_DENIED", `${caller || "the cluster"} may not cancel ${identifier.user}'s token: only its owner or its renewer may`);
    if (record) await this.propose({ deleteSetting: { key: recordKey(identifier.id) } });
    return { token: text, user: identifier.user, renewer: identifier.renewer, expiryMs: 0 };
  }

  /** Who a valid token speaks for; a refusal says why in a sentence. */
  private verify(text: string): DelegationToken {
    const { record } = this.live(text);
    return { token: text, user: record.user, renewer: record.renewer, expiryMs: record.expiryMs };
  }

  /** A token that is well signed, has a record, and has not expired. */
  private live(text: string): { identifier: TokenIdentifier; record: TokenRecord } {
    const identifier = this.decode(text);
    const record = this.recordOf(identifier);
    if (!record) throw new RequestError("PERMISSION_DENIED", `${identifier.user}'s delegation token was cancelled or has expired`);
    if (record.expiryMs <= this.nowMs()) throw new RequestError("PERMISSION_DENIED", `${identifier.user}'s delegation token expired at ${new Date(record.expiryMs).toISOString()}`);
    return { identifier, record };
  }

  private decode(text: string): TokenIdentifier {
    try {
      return decodeToken(text, this.tokenKey());
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new RequestError("PERMISSION_DENIED", err.message);
      throw err;
    }
  }

  private recordOf(identifier: TokenIdentifier): TokenRecord | undefined {
    const bytes = this.init.namespace.getSetting(recordKey(identifier.id));
    const record = bytes && decodeTokenRecord(bytes);
    // A record always matches the token it was written for; one that does not is not this token's.
    return record && record.user === identifier.user && record.renewer === identifier.renewer ? record : undefined;
  }

  private tokenKey(): Buffer {
    const secret = this.init.namespace.getSetting(CLUSTER_SECRET_KEY);
    if (!secret || secret.length === 0) throw new RequestError("UNAVAILABLE", "the cluster has no signing secret yet (the leader creates it when it takes office); try again shortly");
    return derivedKey(secret, "delegation-token");
  }

  private async isSuperuser(user: string): Promise<boolean> {
    if (user === "") return true;
    if (this.init.isSuperuser) return this.init.isSuperuser(user);
    const named = this.init.namespace.getSetting(SUPERUSER_SETTING);
    return named !== undefined && Buffer.from(named).toString("utf8") === user;
  }

  private async putRecord(id: string, record: TokenRecord): Promise<void> {
    await this.propose({ setSetting: { key: recordKey(id), value: encodeTokenRecord(record) as Uint8Array<ArrayBuffer> } });
  }

  private async propose(command: Parameters<typeof encodeLogCommand>[0]): Promise<unknown> {
    return this.init.raft.propose(encodeLogCommand(command), COMMIT_TIMEOUT_MS);
  }

  /**
   * One sweep round: deletes expired records from where the last round stopped, at most
   * TOKEN_SWEEP_DELETES_MAX, and answers how many. A record that does not decode is deleted too.
   */
  async sweep(): Promise<number> {
    if (!this.init.raft.isLeader) return 0;
    const now = this.nowMs();
    let deleted = 0;
    for (let pages = 0; deleted < TOKEN_SWEEP_DELETES_MAX; pages++) {
      const page = this.init.namespace.listSettings(TOKEN_RECORD_PREFIX, { ...(this.sweepAfter ? { after: this.sweepAfter } : {}), limit: SETTINGS_PAGE_MAX });
      for (const entry of page.entries) {
        this.sweepAfter = entry.key;
        const record = decodeTokenRecord(entry.value);
        if (record && record.expiryMs > now) continue;
        await this.propose({ deleteSetting: { key: entry.key } });
        deleted += 1;
        if (deleted >= TOKEN_SWEEP_DELETES_MAX) return deleted;
      }
      if (!page.next) {
        this.sweepAfter = "";
        return deleted;
      }
      // A round reads at most as many pages as it may delete records: a bounded round either way.
      if (pages * SETTINGS_PAGE_MAX >= TOKEN_SWEEP_DELETES_MAX * 10) return deleted;
    }
    return deleted;
  }
}

function callerOf(context: RequestContext | undefined): string {
  return context?.user ?? "";
}

function recordKey(id: string): string {
  return `${TOKEN_RECORD_PREFIX}${id}`;
}

function checkName(what: string, name: string): void {
  const problem = userNameProblem(name);
  if (problem) throw new RequestError("INVALID", `the ${what}: ${problem}`);
}
