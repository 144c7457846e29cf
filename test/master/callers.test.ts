// Who a request acts for (src/master/rpc/callers.ts): the user and the groups the leader
// writes into its command, from the setting permissions/groups/<user> when there is one, else
// from the OS (here a stand-in that counts its calls), cached, bounded and checked.
import { describe, expect, it } from "vitest";
import { Callers, GROUPS_CACHE_MS, osGroupsOf } from "../../src/master/rpc/callers.ts";
import { Namespace } from "../../src/master/state/namespace.ts";
import { encodeLogCommand } from "../../src/master/state/log-command.ts";
import { RequestError } from "../../src/protocol/errors.ts";

function setup() {
  const ns = Namespace.open();
  let index = 0;
  const setting = (key: string, value: string) => ns.apply({ index: ++index, term: 1, type: "normal", data: encodeLogCommand({ setSetting: { key, value: new TextEncoder().encode(value) } }) });
  const asked: string[] = [];
  let nowMs = 1_000;
  const callers = new Callers({
    namespace: ns,
    nowMs: () => nowMs,
    osGroups: async (user) => {
      asked.push(user);
      return user === "alice" ? ["alice", "staff"] : [];
    },
  });
  return { ns, setting, asked, callers, advance: (ms: number) => (nowMs += ms) };
}

describe("the callers the leader writes into commands", () => {
  it("the cluster is no caller; a user gets the OS's groups, asked once per user within the cache's time", async () => {
    const t = setup();
    expect(await t.callers.of("")).toBeUndefined();
    expect(await t.callers.of(undefined)).toBeUndefined();
    expect(await t.callers.of("alice")).toEqual({ user: "alice", groups: ["alice", "staff"] });
    expect(await t.callers.of("alice")).toEqual({ user: "alice", groups: ["alice", "staff"] });
    expect(await t.callers.of("nobody-known")).toEqual({ user: "nobody-known", groups: [] });
    expect(t.asked).toEqual(["alice", "nobody-known"]);
    t.advance(GROUPS_CACHE_MS);
    await t.callers.of("alice");
    expect(t.asked).toEqual(["alice", "nobody-known", "alice"]);
  });

  it("the setting permissions/groups/<user> wins over the OS, and takes effect at once", async () => {
    const t = setup();
    expect((await t.callers.of("alice"))!.groups).toEqual(["alice", "staff"]);
    t.setting("permissions/groups/alice", " admins, ops ,,");
    expect((await t.callers.of("alice"))!.groups).toEqual(["admins", "ops"]);
    t.setting("permissions/superuser", "hdfs");
    expect(t.ns.isSuperuser(await t.callers.of("alice"))).toBe(false);
    t.setting("permissions/supergroup", "admins");
    expect(t.ns.isSuperuser(await t.callers.of("alice"))).toBe(true);
    expect(t.ns.isSuperuser(await t.callers.of("hdfs"))).toBe(true);
  });

  it("a user that is no name is refused; the superuser's requests pass requireSuperuser, others' are PERMISSION_DENIED", async () => {
    const t = setup();
    for (const bad of ["a:b", "x".repeat(257), "tab\there"]) {
      const err = await t.callers.of(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RequestError);
      expect((err as RequestError).code).toBe("INVALID");
    }
    t.setting("permissions/superuser", "hdfs");
    await t.callers.requireSuperuser("hdfs", "a getSetting request");
    await t.callers.requireSuperuser("", "a getSetting request");
    const err = (await t.callers.requireSuperuser("bob", "a getSetting request").catch((e: unknown) => e)) as RequestError;
    expect(err.code).toBe("PERMISSION_DENIED");
    expect(err.message).toBe("Permission denied: user=bob is not a superuser, and a getSetting request takes one.");
  });

  it("the OS's answer for this process's user has its groups; an unknown user has none", async () => {
    const { execFileSync } = await import("node:child_process");
    const me = execFileSync("id", ["-un"], { encoding: "utf8" }).trim();
    expect((await osGroupsOf(me)).length).toBeGreaterThan(0);
    expect(await osGroupsOf("no-such-user-tessera-test")).toEqual([]);
  });
});
