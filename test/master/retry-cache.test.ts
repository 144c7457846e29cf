// The replicated half of the retry cache (src/master/state/retry-cache.ts), on the namespace
// alone: a command carrying a client's call records its outcome in the same transaction; a
// command of a call already recorded does not run again and gets the first outcome (Raft
// dissertation §6.3); the records are bounded by time (the leader's clock in the command) and
// by count, the same way on every master, and snapshots carry them.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { decodeLogCommand, encodeLogCommand, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { ReplayedCall, RETRY_CACHE_BOUNDS_DEFAULT, RETRY_CACHE_ENTRIES_MAX, RETRY_CACHE_EXPIRED_PER_CALL_MAX, RETRY_CACHE_TTL_MS } from "../../src/master/state/retry-cache.ts";
import { SCHEMA_VERSION } from "../../src/master/state/namespace-schema.ts";
import { WireError } from "../../src/protocol/errors.ts";
import type { Call } from "../../src/protocol/pb/log.ts";
import type { Entry } from "../../src/raft/types.ts";
import { tempDir } from "../support/temp.ts";

const CLIENT = "12D3KooWPeerA/abc";
const MiB = 1024 * 1024;

function entry(index: number, command: TypedLogCommand): Entry {
  return { index, term: 1, type: "normal", data: encodeLogCommand(command) };
}

/** Applies as Raft does: one entry, its result or its error's code. */
function harness(options: Parameters<typeof Namespace.open>[0] = {}) {
  const ns = Namespace.open(options);
  let index = 0;
  const apply = (command: TypedLogCommand): unknown => {
    try {
      return ns.apply(entry(++index, command));
    } catch (err) {
      if (err instanceof WireError) return `${err.code}: ${err.message}`;
      throw err;
    }
  };
  const call = (callId: number, nowMs = 1_000, clientId = CLIENT): Call => ({ clientId, callId, nowMs });
  return { ns, apply, call, get index() { return index; } };
}

const create = (path: string, call?: Call): TypedLogCommand => ({ create: { path, replication: 3, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1 }, ...(call ? { call } : {}) });
const mkdir = (path: string, call?: Call): TypedLogCommand => ({ mkdir: { path, parents: false, mtimeMs: 1 }, ...(call ? { call } : {}) });

describe("the retry cache in the namespace", () => {
  it("a call carried out once is not carried out again: its retries get the first result, the state stays", () => {
    const h = harness();
    h.apply(mkdir("/d"));
    expect(h.apply(create("/d/f", h.call(1)))).toEqual({ fileId: 3, mtimeMs: 1 });
    expect(h.apply({ rename: { path: "/d/f", destination: "/d/g", mtimeMs: 2 }, call: h.call(2) })).toEqual({});
    expect(h.apply({ delete: { path: "/d/g", recursive: false, nowMs: 3 }, call: h.call(3) })).toEqual({ files: 1, directories: 0, chunks: 0 });
    const state = h.ns.dump();

    // Each retried: carried out again, the rename and the delete would find nothing.
    const again = [h.apply(create("/d/f", h.call(1))), h.apply({ rename: { path: "/d/f", destination: "/d/g", mtimeMs: 9 }, call: h.call(2) }), h.apply({ delete: { path: "/d/g", recursive: false, nowMs: 9 }, call: h.call(3) })];
    expect(again.every((result) => result instanceof ReplayedCall)).toBe(true);
    expect(again.map((result) => (result as ReplayedCall).value)).toEqual([{ fileId: 3, mtimeMs: 1 }, {}, { files: 1, directories: 0, chunks: 0 }]);
    // Nothing changed but the applied index: the same rows, the same records.
    expect(h.ns.dump().replace(/\n\[1,\d+,/, "")).toBe(state.replace(/\n\[1,\d+,/, ""));
    expect(h.ns.counts().files).toBe(0);
    expect(h.ns.appliedIndex()).toBe(7);
  });

  it("a refused call is refused again with the same code and message, even where it would now succeed", () => {
    const h = harness();
    const first = h.apply(create("/missing/f", h.call(7)));
    expect(first).toMatch(/^NOT_FOUND: /);
    expect(h.ns.recordedCall(CLIENT, 7)).toMatchObject({ kind: "create", ok: false, code: "NOT_FOUND" });
    h.apply(mkdir("/missing"));
    expect(h.apply(create("/missing/f", h.call(7)))).toBe(first);
    expect(h.ns.counts().files).toBe(0);
    // A new call of the same client is a new call.
    expect(h.apply(create("/missing/f", h.call(8)))).toEqual({ fileId: 3, mtimeMs: 1 });
  });

  it("a call id names one call: a command of another kind under it is refused and the record stays the first call's", () => {
    const h = harness();
    expect(h.apply(mkdir("/a", h.call(1)))).toEqual({ created: 1 });
    expect(h.apply(mkdir("/b", h.call(1, 1_000, "12D3KooWPeerB/xyz")))).toEqual({ created: 1 });
    const refused = h.apply({ delete: { path: "/a", recursive: false, nowMs: 2 }, call: h.call(1) });
    expect(refused).toBe(`INVALID: call 1 of client ${CLIENT} was a mkdir, not a delete: a call id names one call.`);
    expect(h.ns.stat("/a").kind).toBe("dir");
    expect(h.ns.recordedCall(CLIENT, 1)).toEqual({ kind: "mkdir", ok: true, value: { created: 1 } });
  });

  it("a malformed call is refused on every master alike, and changes nothing", () => {
    const h = harness();
    const before = h.ns.dump();
    expect(h.apply(mkdir("/a", { clientId: "", callId: 1, nowMs: 1 }))).toMatch(/^INVALID: a client id/);
    expect(h.apply(mkdir("/a", { clientId: CLIENT, callId: 0, nowMs: 1 }))).toBe("INVALID: a call id is a positive integer, not 0.");
    expect(h.ns.dump().replace(/\n\[1,\d+,/, "")).toBe(before.replace(/\n\[1,\d+,/, ""));
  });

  it("records expire after their time to live on the leader's clock written in the commands, a few per new call, oldest first", () => {
    const ttlMs = 1_000;
    const h = harness({ retryCache: { ttlMs, entriesMax: 1_000 } });
    for (let i = 1; i <= 20; i++) h.apply(mkdir(`/d${i}`, h.call(i, 10_000 + i)));
    expect(h.ns.retryCacheSize).toBe(20);
    // At nowMs 10,000 + ttl the first record (made at 10,001) has 1 ms to live: nothing expires.
    h.apply(mkdir("/x1", h.call(101, 10_000 + ttlMs)));
    expect(h.ns.retryCacheSize).toBe(21);
    // Past the time to live of the first 20: each new call drops at most a few.
    h.apply(mkdir("/x2", h.call(102, 20_000)));
    expect(h.ns.retryCacheSize).toBe(22 - RETRY_CACHE_EXPIRED_PER_CALL_MAX);
    for (let i = 1; i <= RETRY_CACHE_EXPIRED_PER_CALL_MAX; i++) expect(h.ns.recordedCall(CLIENT, i)).toBeUndefined();
    expect(h.ns.recordedCall(CLIENT, RETRY_CACHE_EXPIRED_PER_CALL_MAX + 1)).toBeDefined();
    h.apply(mkdir("/x3", h.call(103, 20_001)));
    h.apply(mkdir("/x4", h.call(104, 20_002)));
    // The 20 old ones and /x1's are gone; the three recent ones stay.
    expect(h.ns.retryCacheSize).toBe(3);
    // An expired call is a new call again: retried now, it runs (and is refused, as a second mkdir is).
    expect(h.apply(mkdir("/d1", h.call(1, 20_003)))).toMatch(/^ALREADY_EXISTS: /);
    // Calls without a call id neither record nor expire anything.
    h.apply(mkdir("/plain"));
    expect(h.ns.retryCacheSize).toBe(4);
  });

  it("the table holds at most its count bound, keeping the newest calls", () => {
    const entriesMax = 16;
    const h = harness({ retryCache: { ttlMs: RETRY_CACHE_TTL_MS, entriesMax } });
    for (let i = 1; i <= 100; i++) {
      h.apply(mkdir(`/d${i}`, h.call(i, 1_000 + i)));
      expect(h.ns.retryCacheSize).toBe(Math.min(i, entriesMax));
    }
    for (let i = 1; i <= 100; i++) expect(h.ns.recordedCall(CLIENT, i) !== undefined).toBe(i > 100 - entriesMax);
    // A refused call takes a record too, and the bound still holds.
    h.apply(mkdir("/d1", h.call(101, 2_000)));
    expect(h.ns.retryCacheSize).toBe(entriesMax);
  });

  it("the bounds are HDFS's time to live and a count that covers a client's whole deadline at the target rate", () => {
    expect(RETRY_CACHE_BOUNDS_DEFAULT).toEqual({ ttlMs: 10 * 60 * 1000, entriesMax: RETRY_CACHE_ENTRIES_MAX });
    // 4,000 state-changing calls per second (issue 12's target) for 15 s (the client's default deadline), twice over.
    expect(RETRY_CACHE_ENTRIES_MAX).toBeGreaterThanOrEqual(2 * 4_000 * 15);
  });

  it("every master gets the same records: one by one, in batches, and from a snapshot", () => {
    const log: Entry[] = [];
    let x = 12345;
    const rand = (n: number) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    const clients = ["12D3KooWPeerA/a", "12D3KooWPeerA/b", "12D3KooWPeerB/c"];
    const sent: Array<{ command: TypedLogCommand }> = [];
    for (let i = 1; i <= 600; i++) {
      // A third of the commands are retries of one of the last 20, the rest new calls or plain commands.
      let command: TypedLogCommand;
      if (sent.length > 0 && rand(3) === 0) command = sent[sent.length - 1 - rand(Math.min(20, sent.length))]!.command;
      else {
        const path = `/p${rand(30)}`;
        const body = rand(2) === 0 ? mkdir(path) : { delete: { path, recursive: true, nowMs: 5 } };
        command = rand(4) === 0 ? body : { ...body, call: { clientId: clients[rand(3)]!, callId: i, nowMs: i * 10 } };
        sent.push({ command });
      }
      log.push(entry(i, command));
    }
    const bounds = { retryCache: { ttlMs: 2_000, entriesMax: 64 } };
    const single = Namespace.open(bounds);
    const batched = Namespace.open(bounds);
    const outcome = (result: unknown) => (result instanceof ReplayedCall ? { replayed: result.value } : result);
    const applyOne = (ns: Namespace, e: Entry) => {
      try {
        return outcome(ns.apply(e));
      } catch (err) {
        return `error ${(err as WireError).code}`;
      }
    };
    const expected = log.map((e) => applyOne(single, e));
    const got: unknown[] = [];
    for (let i = 0; i < log.length; i += 41) for (const r of batched.applyBatch(log.slice(i, i + 41))) got.push(r.ok ? outcome(r.value) : `error ${r.error.code}`);
    expect(got).toEqual(expected);
    expect(expected.filter((r) => typeof r === "object" && r !== null && "replayed" in r).length).toBeGreaterThan(50);
    expect(batched.dump()).toBe(single.dump());
    expect(single.retryCacheSize).toBeGreaterThan(0);
    expect(single.retryCacheSize).toBeLessThanOrEqual(64);

    const restored = Namespace.open(bounds);
    restored.restore(single.snapshot());
    expect(restored.dump()).toBe(single.dump());
    // And they go on alike: every call of the log retried once more.
    const retries = sent.filter((s) => s.command.call).map((s, i) => entry(601 + i, s.command));
    expect(retries.map((e) => applyOne(restored, e))).toEqual(retries.map((e) => applyOne(single, e)));
    expect(restored.dump()).toBe(single.dump());
    for (const ns of [single, batched, restored]) ns.close();
  });

  it("a database of schema 3 gains an empty retry cache when opened", () => {
    const dir = tempDir("retry-schema");
    try {
      const path = join(dir.path, "namespace.db");
      const ns = Namespace.open({ path });
      ns.apply(entry(1, mkdir("/kept")));
      ns.close();
      // As schema 3 left it: no retry_cache table (nor schema 5's attributes column, nor schema 6's permission columns, nor schema 7's under-storage ones).
      const db = new Database(path);
      db.run("DROP TABLE retry_cache");
      db.run("DROP INDEX inodes_to_persist");
      for (const column of ["attributes", "owner", "grp", "mode", "atime_ms", "ufs_fingerprint", "persist_state", "pinned", "ufs_synced_ms"]) db.run(`ALTER TABLE inodes DROP COLUMN ${column}`);
      db.run("PRAGMA user_version = 3");
      db.close();
      const upgraded = Namespace.open({ path });
      try {
        expect(upgraded.stat("/kept").kind).toBe("dir");
        expect(upgraded.retryCacheSize).toBe(0);
        upgraded.apply(entry(2, mkdir("/new", { clientId: CLIENT, callId: 1, nowMs: 1 })));
        expect(upgraded.recordedCall(CLIENT, 1)).toEqual({ kind: "mkdir", ok: true, value: { created: 1 } });
      } finally {
        upgraded.close();
      }
      const check = new Database(path);
      expect((check.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
      check.close();
    } finally {
      dir.remove();
    }
  });
});
