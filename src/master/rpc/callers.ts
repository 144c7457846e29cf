// Who a request acts for, as the leader writes it into the command it proposes
// (LogCommand.caller): the request's user (MetaRequest.user, trusted as HDFS's simple
// authentication trusts it) and that user's groups, resolved here, once, so that apply on
// every master checks the same caller (docs/permissions.md). HDFS resolves groups on the
// NameNode the same way (hadoop.security.group.mapping: the OS's groups of the user, cached).
//
// Groups come from the setting `permissions/groups/<user>` when the operator wrote one, else
// from the leader's OS (`id -Gn -- <user>`), cached for GROUPS_CACHE_MS; an unknown user has
// none. A resolved caller is kept until the permission settings change or its time is up, so
// a request of a known user costs a map lookup.
import { execFile } from "node:child_process";
import type { Namespace } from "../state/namespace.ts";
import { CALLER_GROUPS_MAX, GROUPS_KEY_PREFIX, parseGroupList, principalProblem } from "../state/permissions.ts";
import { RequestError } from "../../protocol/errors.ts";
import type { Caller } from "../../protocol/pb/log.ts";
import { SETTING_KEY_CHARS_MAX } from "../state/limits.ts";

/** How long the OS's answer for a user's groups is kept (HDFS: hadoop.security.groups.cache.secs, 300). */
export const GROUPS_CACHE_MS = 300_000;
/** Users whose groups are remembered; past this many the cache starts again empty (bounded memory whatever callers claim to be). */
export const GROUPS_CACHE_ENTRIES_MAX = 4_096;
/** `id` answers in milliseconds; a stuck name service must not hold a request longer than this. */
export const GROUPS_LOOKUP_TIMEOUT_MS = 2_000;
/** `id -Gn` prints a line of names: more than this is not an answer. */
const GROUPS_OUTPUT_BYTES_MAX = 64 * 1024;
// Setting keys are letters, digits and "._-/": a user whose name fits has a groups setting.
const SETTING_KEY_CHARS = /^[A-Za-z0-9._\-/]+$/;

/** The groups of a user as the OS knows them; none when it does not know the user. */
export type OsGroups = (user: string) => Promise<string[]>;

/** `id -Gn -- <user>` on this machine (no shell; the name is an argument after "--"). */
export const osGroupsOf: OsGroups = (user) =>
  new Promise((resolve) => {
    execFile("id", ["-Gn", "--", user], { timeout: GROUPS_LOOKUP_TIMEOUT_MS, maxBuffer: GROUPS_OUTPUT_BYTES_MAX, encoding: "utf8" }, (err, stdout) => {
      resolve(err ? [] : stdout.split(/\s+/).filter((name) => name.length > 0));
    });
  });

export interface CallersInit {
  namespace: Namespace;
  osGroups?: OsGroups;
  nowMs?: () => number;
}

export class Callers {
  private readonly osGroups: OsGroups;
  private readonly nowMs: () => number;
  /** The OS's answers, by user: shared by concurrent requests of the same user. */
  private readonly fromOs = new Map<string, { groups: Promise<string[]>; expiresAtMs: number }>();
  /** Callers resolved, by user, valid while the permission settings stay as they were. */
  private readonly resolved = new Map<string, { caller: Caller; generation: number; expiresAtMs: number }>();

  constructor(private readonly init: CallersInit) {
    this.osGroups = init.osGroups ?? osGroupsOf;
    this.nowMs = init.nowMs ?? (() => Date.now());
  }

  /** The caller a request of `user` acts as; undefined for the cluster itself ("" or no user). */
  async of(user: string | undefined): Promise<Caller | undefined> {
    if (user === undefined || user === "") return undefined;
    const problem = principalProblem(user);
    if (problem !== undefined) throw new RequestError("INVALID", `the request's user: ${problem}`);
    const nowMs = this.nowMs();
    const generation = this.init.namespace.permissionSettingsGeneration;
    const known = this.resolved.get(user);
    if (known && known.generation === generation && known.expiresAtMs > nowMs) return known.caller;
    const groups = (await this.groupsOf(user, nowMs)).filter((group) => principalProblem(group) === undefined).slice(0, CALLER_GROUPS_MAX);
    const caller: Caller = { user, groups };
    if (this.resolved.size >= GROUPS_CACHE_ENTRIES_MAX) this.resolved.clear();
    this.resolved.set(user, { caller, generation, expiresAtMs: nowMs + GROUPS_CACHE_MS });
    return caller;
  }

  /** Refuses unless `user` is a superuser (or the cluster): settings, balance, decommission. */
  async requireSuperuser(user: string | undefined, what: string): Promise<void> {
    const caller = await this.of(user);
    if (caller !== undefined && !this.init.namespace.isSuperuser(caller)) {
      throw new RequestError("PERMISSION_DENIED", `Permission denied: user=${caller.user} is not a superuser, and ${what} takes one.`);
    }
  }

  private async groupsOf(user: string, nowMs: number): Promise<string[]> {
    const key = `${GROUPS_KEY_PREFIX}${user}`;
    if (key.length <= SETTING_KEY_CHARS_MAX && SETTING_KEY_CHARS.test(user)) {
      const value = this.init.namespace.getSetting(key);
      if (value !== undefined) return parseGroupList(new TextDecoder().decode(value));
    }
    let entry = this.fromOs.get(user);
    if (!entry || entry.expiresAtMs <= nowMs) {
      if (this.fromOs.size >= GROUPS_CACHE_ENTRIES_MAX) this.fromOs.clear();
      entry = { groups: this.osGroups(user), expiresAtMs: nowMs + GROUPS_CACHE_MS };
      this.fromOs.set(user, entry);
    }
    return entry.groups;
  }
}
