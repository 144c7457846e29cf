// The leader's mount requests and its metadata sync (src/master/rpc/mount-service.ts,
// under-storage-sync.ts, fs-service.ts's stat, list, create, delete and rename inside mounts)
// over a real namespace, a Raft of one that applies at once, and an in-memory under-storage
// broker (the layer below this one: its real implementation is tested in test/cache/). The
// six under-storage commands are recorded and applied here minimally (their real apply is
// master/state's and is tested there); everything else is the namespace's own apply.
import { nameBefore } from "../../src/master/rpc/sync-plan.ts";
import { describe, expect, it } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { decodeLogCommand, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { FsService } from "../../src/master/rpc/fs-service.ts";
import { MountService } from "../../src/master/rpc/mount-service.ts";
import { Callers } from "../../src/master/rpc/callers.ts";
import { LAST_CHECKS_MAX, UnderStorageSync } from "../../src/master/rpc/under-storage-sync.ts";
import { PERSIST_GRACE_MS } from "../../src/master/rpc/persist-plan.ts";
import { decodeMountRecord, fileFingerprint, MOUNT_SETTING_PREFIX, PersistState, ReadType, WriteType, type MountRecord } from "../../src/protocol/mounts.ts";
import type { UnderStorageBroker, UnderStorageEntry } from "../../src/protocol/under-storage.ts";
import { RequestError, WireError } from "../../src/protocol/errors.ts";
import type { MountRequest } from "../../src/protocol/pb/meta.ts";
import type { LogCommand } from "../../src/protocol/pb/log.ts";
import type { RaftNode } from "../../src/raft/node.ts";
import type { MembershipService } from "../../src/membership/service.ts";
import { ChunkLocations } from "../../src/master/cluster/locations.ts";
import { createLogger } from "../../src/util/log.ts";

const CLIENT = "12D3KooWPeerA/abc";

/** An under-storage in memory: relative path → entry; folders implied by their files. */
class FakeBroker implements UnderStorageBroker {
  readonly files = new Map<string, UnderStorageEntry>();
  readonly calls: string[] = [];
  /** Set: every call fails with it. */
  failure?: WireError;
  persistFailures = 0;
  /** While set, a persist waits for it (a large file's upload). */
  persistGate?: Promise<void>;

  put(rel: string, sizeBytes: number, mtimeMs = 1): void {
    this.files.set(rel, { name: rel.split("/").pop()!, directory: false, sizeBytes, mtimeMs, fingerprint: fileFingerprint(mtimeMs, sizeBytes) });
  }

  private fail(what: string): void {
    this.calls.push(what);
    if (this.failure) throw this.failure;
  }

  async check(mount: MountRecord): Promise<void> {
    this.fail(`check ${mount.uri}`);
  }

  async list(_mount: MountRecord, rel: string, after: string, limit: number) {
    this.fail(`list ${rel} after ${after} limit ${limit}`);
    const names = new Map<string, UnderStorageEntry>();
    const base = rel === "" ? "" : `${rel}/`;
    for (const [path, entry] of this.files) {
      if (!path.startsWith(base)) continue;
      const rest = path.slice(base.length);
      const name = rest.split("/")[0]!;
      names.set(name, rest.includes("/") ? { name, directory: true, sizeBytes: 0, mtimeMs: 0, fingerprint: "" } : { ...entry, name });
    }
    const sorted = [...names.values()].filter((entry) => entry.name > after).sort((a, b) => (a.name < b.name ? -1 : 1));
    const entries = sorted.slice(0, limit);
    return { entries, next: sorted.length > limit ? entries[entries.length - 1]!.name : "" };
  }

  async stat(_mount: MountRecord, rel: string) {
    this.fail(`stat ${rel}`);
    const file = this.files.get(rel);
    if (file) return file;
    for (const path of this.files.keys()) if (path.startsWith(`${rel}/`)) return { name: rel.split("/").pop()!, directory: true, sizeBytes: 0, mtimeMs: 0, fingerprint: "" };
    return undefined;
  }

  async delete(_mount: MountRecord, rel: string, recursive: boolean) {
    this.fail(`delete ${rel}${recursive ? " -r" : ""}`);
    for (const path of [...this.files.keys()]) if (path === rel || (recursive && path.startsWith(`${rel}/`))) this.files.delete(path);
  }

  async rename(_mount: MountRecord, from: string, to: string) {
    this.fail(`rename ${from} ${to}`);
    const entry = this.files.get(from);
    if (!entry) throw new RequestError("NOT_FOUND", `${from} is not in the under-storage`);
    this.files.delete(from);
    this.files.set(to, { ...entry, name: to.split("/").pop()! });
  }

  async persist(_mount: MountRecord, path: string) {
    this.calls.push(`persist ${path}`);
    await this.persistGate;
    if (this.persistFailures > 0) {
      this.persistFailures -= 1;
      throw new RequestError("UNAVAILABLE", "the endpoint http://s3.example:9000 did not answer");
    }
    if (this.failure) throw this.failure;
  }

  forget(mountId: string) {
    this.calls.push(`forget ${mountId}`);
  }
}

interface Harness {
  ns: Namespace;
  fs: FsService;
  mounts: MountService;
  broker: FakeBroker;
  proposed: LogCommand[];
  clock: { nowMs: number };
  /** Test doubles of schema 7's queries. */
  synced: Map<string, number>;
  toPersist: Array<{ fileId: number; path: string; mtimeMs?: number }>;
  persistStates: Map<string, PersistState>;
}

function harness(): Harness {
  const ns = Namespace.open();
  const proposed: LogCommand[] = [];
  let index = 0;
  const apply = (command: TypedLogCommand) => ns.applyCommand(command, ++index);
  const synced = new Map<string, number>();
  const toPersist: Harness["toPersist"] = [];
  const persistStates = new Map<string, PersistState>();
  // Schema 7's queries and row fields (master/state's part), as the rpc side reads them: test
  // doubles, except a folder's sync time, which is the namespace's own when it keeps it.
  const stat = ns.stat.bind(ns);
  const own = ns as unknown as { folderSyncedMs?: (path: string) => number | null | undefined };
  const folderSyncedMs = own.folderSyncedMs?.bind(ns);
  Object.assign(ns, {
    folderSyncedMs: folderSyncedMs ?? ((path: string) => synced.get(path)),
    filesToPersist: (afterId: number, limit: number) => toPersist.filter((c) => c.fileId > afterId).slice(0, limit),
    countNotPersisted: (path: string) => [...persistStates].filter(([p, s]) => (p === path || p.startsWith(`${path}/`)) && s === PersistState.TO_BE_PERSISTED).length,
    stat: (path: string, options?: object) => {
      const result = stat(path, options);
      const state = persistStates.get(result.path);
      return state === undefined ? result : { ...result, underStorage: { mountPath: "", fingerprint: "", persistState: state, pinned: false } };
    },
  });
  const raft = {
    isLeader: true,
    readBarrier: async () => undefined,
    async propose(data: Uint8Array) {
      const command = decodeLogCommand(data) as LogCommand;
      proposed.push(command);
      // master/state's own apply when this build has it; else the six under-storage
      // commands are applied here as much as these tests need.
      try {
        return apply(command as TypedLogCommand);
      } catch (err) {
        if (!/does not apply under-storage commands yet/.test((err as Error).message)) throw err;
      }
      if (command.mount) {
        apply({ setSetting: { key: `${MOUNT_SETTING_PREFIX}${command.mount.id}`, value: command.mount.record } });
        apply({ mkdir: { path: command.mount.path, parents: true, mtimeMs: command.mount.mtimeMs } });
        return {};
      }
      if (command.unmount) {
        const key = ns.listSettings(MOUNT_SETTING_PREFIX).entries.find((entry) => decodeMountRecord(entry.value).path === command.unmount!.path)!.key;
        apply({ deleteSetting: { key } });
        apply({ delete: { path: command.unmount.path, recursive: true, nowMs: command.unmount.nowMs } });
        return {};
      }
      if (command.syncUnderStorage) {
        const sync = command.syncUnderStorage;
        for (const entry of sync.entries) {
          const path = `${sync.path === "/" ? "" : sync.path}/${entry.name}`;
          if (sync.parents) apply({ mkdir: { path: sync.path, parents: true, mtimeMs: 1 } });
          if (entry.directory) apply({ mkdir: { path, parents: true, mtimeMs: 1 } });
          else {
            try {
              ns.stat(path);
            } catch {
              apply({ create: { path, replication: 1, chunkSizeBytes: 64 << 20, clientId: CLIENT, leaseExpiryMs: 0, mtimeMs: entry.mtimeMs, closed: true } });
            }
          }
        }
        if (sync.complete) synced.set(sync.path, sync.nowMs);
        return {};
      }
      return { files: 1, chunks: 2 };
    },
  } as unknown as RaftNode;
  const clock = { nowMs: 1_000_000 };
  const membership = { table: { inState: () => [], get: () => undefined, list: () => [] } } as unknown as MembershipService;
  const locations = new ChunkLocations();
  const log = createLogger("test");
  const callers = new Callers({ namespace: ns, osGroups: async () => [] });
  const broker = new FakeBroker();
  const fs = new FsService({ raft, namespace: ns, membership, locations, callers, log, nowMs: () => clock.nowMs, underStorage: broker });
  const mounts = new MountService({ raft, namespace: ns, sync: fs.underStorage, callers, log, nowMs: () => clock.nowMs });
  apply({ setSetting: { key: "permissions/superuser", value: new TextEncoder().encode("root") } });
  return { ns, fs, mounts, broker, proposed, clock, synced, toPersist, persistStates };
}

function mountRequest(path: string, uri: string, more: Partial<MountRequest> = {}): MountRequest {
  return { path, uri, options: [], readonly: false, readType: ReadType.READ_TYPE_UNSPECIFIED, writeType: WriteType.WRITE_TYPE_UNSPECIFIED, replication: 0, ...more };
}

/** A list page of `path` (limit 0: the default), after `after`. */
function list(h: Harness, path: string, limit = 0, after = "") {
  return h.fs.handlers.list({ path, recursive: false, limit, after });
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return { code: (err as WireError).code, message: (err as Error).message };
  }
  throw new Error("expected a refusal");
}


describe("mount and unmount", () => {
  it("checks the under-storage before proposing, keeps the record with its credentials and lists it redacted", async () => {
    const h = harness();
    const options = [
      { key: "endpoint", value: "http://127.0.0.1:9000" },
      { key: "access_key", value: "AKIA" },
      { key: "secret_key", value: "s3cr3t" },
    ];
    await h.mounts.handlers.mount(mountRequest("/data", "s3://bucket/prefix/", { options, syncIntervalMs: 0 }));
    expect(h.broker.calls).toEqual(["check s3://bucket/prefix"]);
    const mount = h.proposed.find((command) => command.mount)!.mount!;
    const record = decodeMountRecord(mount.record);
    expect(record).toMatchObject({ path: "/data", uri: "s3://bucket/prefix", scheme: "s3", readonly: false, syncIntervalMs: 0, readType: ReadType.CACHE, writeType: WriteType.CACHE_THROUGH, replication: 1 });
    expect(record.options.secret_key).toBe("s3cr3t");
    expect(mount.id).toBe(record.id);
    const table = await h.mounts.handlers.listMounts({});
    expect(table.mounts).toHaveLength(1);
    expect(table.mounts[0]!.options).toEqual([{ key: "endpoint", value: "http://127.0.0.1:9000" }]);
    expect(table.mounts[0]!.redacted).toEqual(["access_key", "secret_key"]);
    expect(JSON.stringify(table)).not.toContain("s3cr3t");
    expect(JSON.stringify(table)).not.toContain("AKIA");
  });

  it("an under-storage that does not answer, bad input, nesting and a folder in use are clear refusals, and nothing is mounted", async () => {
    const h = harness();
    h.broker.failure = new RequestError("UNAVAILABLE", "the endpoint http://10.9.9.9:9000 did not answer");
    expect(await refusal(h.mounts.handlers.mount(mountRequest("/data", "s3://bucket")))).toEqual({ code: "UNAVAILABLE", message: "the endpoint http://10.9.9.9:9000 did not answer" });
    h.broker.failure = new RequestError("PERMISSION_DENIED", "the under-storage refused the credentials");
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/data", "s3://bucket")))).code).toBe("PERMISSION_DENIED");
    h.broker.failure = undefined;
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/data", "ftp://x")))).code).toBe("INVALID");
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/data", "s3://bucket", { options: [{ key: "colour", value: "red" }] })))).message).toContain('take no option "colour"');
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/data", "s3://bucket", { replication: 99 })))).code).toBe("INVALID");
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/data", "s3://bucket", { syncIntervalMs: -2 })))).code).toBe("INVALID");
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/", "s3://bucket")))).code).toBe("INVALID");
    expect(h.proposed.filter((command) => command.mount)).toEqual([]);

    await h.fs.handlers.mkdir({ path: "/busy", parents: true });
    await h.fs.handlers.create({ path: "/busy/f", replication: 1, chunkSizeBytes: 0, clientId: CLIENT, closed: true });
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/busy", "file:///srv/x")))).code).toBe("NOT_EMPTY");
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/busy/f", "file:///srv/x")))).code).toBe("NOT_A_DIRECTORY");
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x"));
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/m", "file:///srv/y")))).code).toBe("ALREADY_EXISTS");
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/m/inner", "file:///srv/y")))).message).toBe("/m/inner is inside the mount at /m: mounts do not nest");
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/", "file:///srv/y")))).code).toBe("INVALID");
    // Only a superuser mounts.
    expect((await refusal(h.mounts.handlers.mount(mountRequest("/other", "file:///srv/y"), { user: "alice" }))).code).toBe("PERMISSION_DENIED");
  });

  it("unmount is refused while files wait to be persisted, then drops the record and the subtree", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x"));
    expect((await refusal(h.mounts.handlers.unmount({ path: "/nope" }))).code).toBe("NOT_FOUND");
    h.persistStates.set("/m/a", PersistState.TO_BE_PERSISTED);
    h.persistStates.set("/m/b", PersistState.TO_BE_PERSISTED);
    expect((await refusal(h.mounts.handlers.unmount({ path: "/m" }))).message).toBe("2 files are not persisted yet under /m: unmount once they are (tessera fs persist PATH)");
    h.persistStates.clear();
    await h.mounts.handlers.unmount({ path: "/m" });
    expect(h.proposed.some((command) => command.unmount?.path === "/m")).toBe(true);
    expect((await h.mounts.handlers.listMounts({})).mounts).toEqual([]);
    expect(h.broker.calls.some((call) => call.startsWith("forget "))).toBe(true);
  });
});

describe("sync on access", () => {
  it("interval 0: a stat looks the file up and proposes that one name; the answer carries underStorage", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: 0 }));
    h.broker.put("dir/a.txt", 10);
    h.proposed.length = 0;
    const stat = await h.fs.handlers.stat({ path: "/m/dir/a.txt" });
    expect(h.broker.calls).toContain("stat dir/a.txt");
    const sync = h.proposed[0]!.syncUnderStorage!;
    expect(sync).toMatchObject({ path: "/m/dir", after: nameBefore("a.txt"), through: "a.txt", complete: false, parents: true });
    expect(sync.entries.map((entry) => entry.name)).toEqual(["a.txt"]);
    expect(stat.path).toBe("/m/dir/a.txt");
    expect(stat.underStorage?.mountPath).toBe("/m");
    // A name the under-storage does not have, and the namespace neither: nothing to propose.
    h.proposed.length = 0;
    expect((await refusal(h.fs.handlers.stat({ path: "/m/dir/none" }))).code).toBe("NOT_FOUND");
    expect(h.proposed).toEqual([]);
    // Outside mounts nothing is asked.
    const before = h.broker.calls.length;
    await h.fs.handlers.stat({ path: "/" });
    expect(h.broker.calls.length).toBe(before);
  });

  it("-1: a folder never listed is listed page by page (each page its own range), then never again", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: -1 }));
    for (const name of ["a", "b", "c", "d", "e"]) h.broker.put(name, 1);
    h.proposed.length = 0;
    const first = await list(h, "/m", 2);
    expect(first.entries.map((entry) => entry.path)).toEqual(["/m/a", "/m/b"]);
    expect(h.proposed[0]!.syncUnderStorage).toMatchObject({ path: "/m", after: "", through: "b", complete: false });
    const second = await list(h, "/m", 2, first.next);
    expect(second.entries.map((entry) => entry.path)).toEqual(["/m/c", "/m/d"]);
    expect(h.proposed[1]!.syncUnderStorage).toMatchObject({ after: "b", through: "d", complete: false });
    const third = await list(h, "/m", 2, second.next);
    expect(third.entries.map((entry) => entry.path)).toEqual(["/m/e"]);
    expect(h.proposed[2]!.syncUnderStorage).toMatchObject({ after: "d", through: "", complete: true });
    // Listed once: the namespace answers from now on.
    const calls = h.broker.calls.length;
    h.broker.put("f", 1);
    expect((await list(h, "/m", 0)).entries.map((entry) => entry.path)).toEqual(["/m/a", "/m/b", "/m/c", "/m/d", "/m/e"]);
    expect(h.broker.calls.length).toBe(calls);
    for (const entry of third.entries) expect(entry.underStorage?.mountPath).toBe("/m");
  });

  it("a recursive listing syncs the folders below it that were never listed, then lists them all", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: -1 }));
    for (const rel of ["top.txt", "d/one.txt", "d/e/two.txt"]) h.broker.put(rel, 1);
    const page = await h.fs.handlers.list({ path: "/m", recursive: true, limit: 0, after: "" });
    expect(page.entries.map((entry) => entry.path).sort()).toEqual(["/m/d", "/m/d/e", "/m/d/e/two.txt", "/m/d/one.txt", "/m/top.txt"]);
    // Listed once (-1): a second recursive listing asks the under-storage nothing.
    const calls = h.broker.calls.length;
    await h.fs.handlers.list({ path: "/m", recursive: true, limit: 0, after: "" });
    expect(h.broker.calls.length).toBe(calls);
  });

  it("1s: a listing is trusted for a second, a file's look-up too", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: 1_000 }));
    h.broker.put("a", 1);
    await list(h, "/m", 0);
    const calls = h.broker.calls.length;
    h.clock.nowMs += 1_000;
    await list(h, "/m", 0);
    await h.fs.handlers.stat({ path: "/m/a" });
    expect(h.broker.calls.length).toBe(calls);
    h.clock.nowMs += 1;
    await h.fs.handlers.stat({ path: "/m/a" });
    expect(h.broker.calls.slice(calls)).toEqual(["stat a"]);
    await h.fs.handlers.stat({ path: "/m/a" });
    expect(h.broker.calls.slice(calls)).toEqual(["stat a"]);
  });

  it("an under-storage that fails: the namespace answers, fsck and the mount table say since when and why, a success clears it", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: 0 }));
    h.broker.put("a", 1);
    await h.fs.handlers.stat({ path: "/m/a" });
    h.broker.failure = new RequestError("UNAVAILABLE", "the folder /srv/x cannot be read");
    h.clock.nowMs += 5;
    const stat = await h.fs.handlers.stat({ path: "/m/a" });
    expect(stat.path).toBe("/m/a");
    const listed = await list(h, "/m", 0);
    expect(listed.entries.map((entry) => entry.path)).toEqual(["/m/a"]);
    const fsck = await h.fs.handlers.fsck({ path: "/" });
    expect(fsck.unreachableMounts.map((mount) => [mount.path, mount.unreachableSinceMs, mount.lastError])).toEqual([["/m", h.clock.nowMs, "the folder /srv/x cannot be read"]]);
    expect((await h.mounts.handlers.listMounts({})).mounts[0]!.unreachableSinceMs).toBe(h.clock.nowMs);
    h.broker.failure = undefined;
    await h.fs.handlers.stat({ path: "/m/a" });
    expect((await h.fs.handlers.fsck({ path: "/" })).unreachableMounts).toEqual([]);
    expect((await h.mounts.handlers.listMounts({})).mounts[0]!.lastError).toBe("");
  });

  it("remembers its look-ups in a bounded LRU: past the bound the least recent is forgotten and looked up again", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: 60_000 }));
    for (const name of ["a", "b", "c"]) h.broker.put(name, 1);
    const sync = new UnderStorageSync({ namespace: h.ns, broker: h.broker, propose: async () => undefined, nowMs: () => h.clock.nowMs, log: createLogger("test"), lastChecksMax: 2 });
    for (const name of ["a", "b", "a", "c"]) await sync.beforeStat(`/m/${name}`);
    expect(sync.lastCheckCount).toBe(2);
    // "b" was the least recent when "c" came: it is looked up again, "a" and "c" are not.
    for (const name of ["a", "c", "b"]) await sync.beforeStat(`/m/${name}`);
    expect(h.broker.calls.filter((call) => call.startsWith("stat"))).toEqual(["stat a", "stat b", "stat c", "stat b"]);
    expect(LAST_CHECKS_MAX).toBe(100_000);
  });
});

describe("a job's mounted input", () => {
  it("is synced folder by folder before its splits are planned, mounts below the input too, within the bound", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: -1 }));
    for (const rel of ["a", "d/x", "d/e/y", "z"]) h.broker.put(rel, 1);
    await h.fs.underStorage.syncTree("/", 100);
    for (const path of ["/m/a", "/m/d/x", "/m/d/e/y", "/m/z"]) expect(h.ns.stat(path).kind).toBe("file");
    // Bounded: a walk stops once it has seen entriesMax entries.
    const other = harness();
    await other.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: -1 }));
    for (let i = 0; i < 5; i++) other.broker.put(`d${i}/f`, 1);
    await other.fs.underStorage.syncTree("/m", 2);
    expect(other.broker.calls.filter((call) => call.startsWith("list"))).toEqual(["list  after  limit 1000"]);
  });
});

describe("writes under mounts", () => {
  it("a create takes its persist state from the write type (the request's, else the mount's); outside mounts only MUST_CACHE", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: -1, writeType: WriteType.ASYNC_THROUGH }));
    h.proposed.length = 0;
    await h.fs.handlers.create({ path: "/m/a", replication: 1, chunkSizeBytes: 0, clientId: CLIENT, closed: true });
    await h.fs.handlers.create({ path: "/m/b", replication: 1, chunkSizeBytes: 0, clientId: CLIENT, closed: true, writeType: WriteType.MUST_CACHE });
    await h.fs.handlers.create({ path: "/plain", replication: 1, chunkSizeBytes: 0, clientId: CLIENT, closed: true });
    expect(h.proposed.map((command) => command.create?.persistState)).toEqual([PersistState.TO_BE_PERSISTED, PersistState.NOT_PERSISTED, undefined]);
    expect((await refusal(h.fs.handlers.create({ path: "/other", replication: 1, chunkSizeBytes: 0, clientId: CLIENT, writeType: WriteType.ASYNC_THROUGH }))).code).toBe("INVALID");
  });

  it("a read-only mount refuses create, mkdir, delete, rename, append and truncate", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/ro", "file:///srv/x", { syncIntervalMs: -1, readonly: true }));
    const message = "the mount at /ro is read-only";
    const attempts = [
      h.fs.handlers.create({ path: "/ro/a", replication: 1, chunkSizeBytes: 0, clientId: CLIENT }),
      h.fs.handlers.mkdir({ path: "/ro/d", parents: false }),
      h.fs.handlers.delete({ path: "/ro/a", recursive: false }),
      h.fs.handlers.rename({ path: "/ro/a", destination: "/ro/b" }),
      h.fs.handlers.append({ path: "/ro/a", clientId: CLIENT }),
      h.fs.handlers.truncate({ path: "/ro/a", lengthBytes: 0 }),
    ];
    for (const attempt of attempts) expect(await refusal(attempt)).toEqual({ code: "PERMISSION_DENIED", message });
  });

  it("a delete of a persisted file goes to the under-storage first; a failure there deletes nothing; a mount point is unmounted instead", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: -1 }));
    h.broker.put("a", 1);
    h.broker.put("d/x", 1);
    await list(h, "/m", 0);
    h.broker.failure = new RequestError("UNAVAILABLE", "the folder /srv/x cannot be written");
    expect((await refusal(h.fs.handlers.delete({ path: "/m/a", recursive: false }))).code).toBe("UNAVAILABLE");
    expect(h.ns.stat("/m/a").path).toBe("/m/a");
    h.broker.failure = undefined;
    await h.fs.handlers.delete({ path: "/m/a", recursive: false });
    await h.fs.handlers.delete({ path: "/m/d", recursive: true });
    expect(h.broker.calls.filter((call) => call.startsWith("delete"))).toEqual(["delete a", "delete a", "delete d -r"]);
    expect(h.broker.files.size).toBe(0);
    // A file only in Tessera: nothing to delete in the under-storage.
    await h.fs.handlers.create({ path: "/m/local", replication: 1, chunkSizeBytes: 0, clientId: CLIENT, closed: true, writeType: WriteType.MUST_CACHE });
    h.persistStates.set("/m/local", PersistState.NOT_PERSISTED);
    await h.fs.handlers.delete({ path: "/m/local", recursive: false });
    expect(h.broker.calls.filter((call) => call.startsWith("delete"))).toHaveLength(3);
    expect((await refusal(h.fs.handlers.delete({ path: "/m", recursive: true }))).message).toBe("/m is a mount point: unmount it instead (tessera fs unmount /m)");
    expect((await refusal(h.fs.handlers.delete({ path: "/", recursive: true }))).message).toContain("holds the mount at /m");
  });

  it("a rename of a persisted file within a mount moves it in the under-storage first; folders and mount boundaries are refused", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: -1 }));
    await h.mounts.handlers.mount(mountRequest("/n", "file:///srv/y", { syncIntervalMs: -1 }));
    h.broker.put("a", 1);
    h.broker.put("d/x", 1);
    await list(h, "/m", 0);
    await h.fs.handlers.rename({ path: "/m/a", destination: "/m/b" });
    expect(h.broker.calls).toContain("rename a b");
    expect(h.ns.stat("/m/b").path).toBe("/m/b");
    expect((await refusal(h.fs.handlers.rename({ path: "/m/d", destination: "/m/e" }))).message).toBe("renaming the folder /m/d under the mount at /m is not supported (the under-storage has no folder rename)");
    expect((await refusal(h.fs.handlers.rename({ path: "/m/b", destination: "/n/b" }))).message).toBe("renaming /m/b to /n/b is not supported: it crosses the boundary of the mount at /m");
    expect((await refusal(h.fs.handlers.rename({ path: "/m/b", destination: "/b" }))).code).toBe("INVALID");
    expect((await refusal(h.fs.handlers.rename({ path: "/m", destination: "/m2" }))).code).toBe("INVALID");
  });
});

describe("persisting", () => {
  it("a persist request for a file being persisted joins that run: one upload, however many ask", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: -1 }));
    await h.fs.handlers.create({ path: "/m/big", replication: 1, chunkSizeBytes: 0, clientId: CLIENT, closed: true });
    h.persistStates.set("/m/big", PersistState.TO_BE_PERSISTED);
    let release!: () => void;
    h.broker.persistGate = new Promise<void>((resolve) => (release = resolve));
    // A client whose call ran out of time asks again while the first upload goes on.
    const first = h.mounts.handlers.persist({ path: "/m/big" });
    const again = h.mounts.handlers.persist({ path: "/m/big" });
    release();
    await Promise.all([first, again]);
    expect(h.broker.calls.filter((call) => call === "persist /m/big")).toHaveLength(1);
    // Once settled, a new request starts a new run.
    await h.mounts.handlers.persist({ path: "/m/big" });
    expect(h.broker.calls.filter((call) => call === "persist /m/big")).toHaveLength(2);
  });

  it("persist waits for the broker; markPersisted is the cluster's own; pins and frees need a path in a mount", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: -1 }));
    await h.fs.handlers.create({ path: "/m/new", replication: 1, chunkSizeBytes: 0, clientId: CLIENT, closed: true });
    h.persistStates.set("/m/new", PersistState.TO_BE_PERSISTED);
    await h.mounts.handlers.persist({ path: "/m/new" });
    expect(h.broker.calls).toContain("persist /m/new");
    h.persistStates.set("/m/new", PersistState.PERSISTED);
    const before = h.broker.calls.length;
    await h.mounts.handlers.persist({ path: "/m/new" });
    expect(h.broker.calls.length).toBe(before);
    expect((await refusal(h.mounts.handlers.persist({ path: "/elsewhere" }))).code).toBe("INVALID");
    expect((await refusal(h.mounts.handlers.markPersisted({ path: "/m/new", fileId: 1, lengthBytes: 0, fingerprint: "f" }, { user: "alice" }))).code).toBe("PERMISSION_DENIED");
    await h.mounts.handlers.markPersisted({ path: "/m/new", fileId: 1, lengthBytes: 0, fingerprint: "f" }, { user: "" });
    expect(h.proposed.some((command) => command.markPersisted?.fingerprint === "f")).toBe(true);
    expect((await h.mounts.handlers.setPinned({ path: "/m/new", pinned: true })).files).toBe(1);
    expect(h.proposed.find((command) => command.setPinned)?.setPinned).toEqual({ path: "/m/new", pinned: true });
    // Whatever the apply says of a file not persisted, the leader proposed the free as asked, with its clock.
    await h.mounts.handlers.freeCache({ path: "/m", force: true }).catch(() => undefined);
    expect(h.proposed.find((command) => command.freeCache)?.freeCache).toEqual({ path: "/m", force: true, nowMs: h.clock.nowMs });
    expect((await refusal(h.mounts.handlers.freeCache({ path: "/", force: false }))).code).toBe("INVALID");
  });

  it("the persister takes closed files past the grace, retries a failure after its backoff, and a new leader starts from the namespace", async () => {
    const h = harness();
    await h.mounts.handlers.mount(mountRequest("/m", "file:///srv/x", { syncIntervalMs: -1 }));
    h.toPersist.push({ fileId: 7, path: "/m/old", mtimeMs: h.clock.nowMs - PERSIST_GRACE_MS }, { fileId: 8, path: "/m/young", mtimeMs: h.clock.nowMs });
    // Without an mtime in the namespace's list, the file's own is read; a file gone since is skipped.
    await h.fs.handlers.create({ path: "/m/timed", replication: 1, chunkSizeBytes: 0, clientId: CLIENT, closed: true });
    const timed = h.ns.stat("/m/timed");
    h.toPersist.push({ fileId: timed.id, path: "/m/timed" }, { fileId: timed.id + 1, path: "/m/gone" });
    expect(timed.mtimeMs).toBe(h.clock.nowMs);
    h.broker.persistFailures = 1;
    await h.mounts.runPersistRound();
    await h.mounts.settled();
    expect(h.broker.calls.filter((call) => call.startsWith("persist"))).toEqual(["persist /m/old"]);
    expect((await h.mounts.handlers.listMounts({})).mounts[0]!.lastError).toBe("the endpoint http://s3.example:9000 did not answer");
    // Within the backoff: not again.
    h.clock.nowMs += 500;
    await h.mounts.runPersistRound();
    await h.mounts.settled();
    expect(h.broker.calls.filter((call) => call.startsWith("persist"))).toHaveLength(1);
    h.clock.nowMs += PERSIST_GRACE_MS;
    await h.mounts.runPersistRound();
    await h.mounts.settled();
    expect(h.broker.calls.filter((call) => call.startsWith("persist"))).toEqual(["persist /m/old", "persist /m/old", "persist /m/young", "persist /m/timed"]);
    // Another leader over the same namespace (the state is in Raft) persists what is still waiting.
    const other = new MountService({ raft: { isLeader: true, readBarrier: async () => undefined } as unknown as RaftNode, namespace: h.ns, sync: h.fs.underStorage, callers: new Callers({ namespace: h.ns, osGroups: async () => [] }), log: createLogger("test"), nowMs: () => h.clock.nowMs });
    await other.runPersistRound();
    await other.settled();
    expect(h.broker.calls.filter((call) => call.startsWith("persist"))).toHaveLength(7);
  });
});

describe("replicas in stat answers", () => {
  it("carry the tier each peer reported its copy in (empty for the data directory)", async () => {
    const ns = Namespace.open();
    const peers = ["peerA", "peerB"];
    const record = (id: string) => ({ id, heartbeat: { rack: "/r", addresses: [`/ip4/10.0.0.1/tcp/1/p2p/${id}`] } });
    const membership = { table: { inState: () => peers.map(record), get: (id: string) => record(id), list: () => [] } } as unknown as MembershipService;
    const locations = new ChunkLocations();
    const raft = { isLeader: true, readBarrier: async () => undefined } as unknown as RaftNode;
    const fs = new FsService({ raft, namespace: ns, membership, locations, log: createLogger("test") });
    const { fileId } = ns.applyCommand({ create: { path: "/f", replication: 2, chunkSizeBytes: 1 << 20, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1 } }, 1) as { fileId: number };
    const first = ns.applyCommand({ addChunk: { fileId, clientId: CLIENT, replicas: peers, version: 1 } }, 2) as { chunkId: string };
    ns.applyCommand({ commitChunk: { fileId, clientId: CLIENT, chunkId: first.chunkId, version: 1, sizeBytes: 5, complete: true, mtimeMs: 2 } }, 3);
    locations.fullReport("peerA", [{ chunkId: first.chunkId, version: 1, sizeBytes: 5, tier: "MEM" }]);
    locations.fullReport("peerB", [{ chunkId: first.chunkId, version: 1, sizeBytes: 5 }]);
    const stat = await fs.handlers.stat({ path: "/f" });
    expect(stat.chunks[0]!.replicas.map((replica) => [replica.peer, replica.tier])).toEqual([
      ["peerA", "MEM"],
      ["peerB", ""],
    ]);
  });
});
