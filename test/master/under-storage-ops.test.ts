// Under-storage mounts on the state machine alone (issue 16, docs/cache.md "The model"):
// mount and unmount, the sync that mirrors a listing into the namespace (placeholder chunks,
// changed objects, the range it deletes and what it keeps), the persist states of what
// clients make under a mount, markPersisted, pins and free, the queries master/rpc reads,
// and schema 6 → 7.
import { nameBefore } from "../../src/master/rpc/sync-plan.ts";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { encodeLogCommand, type LogCommandKind, type LogCommandOf, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { SCHEMA_VERSION } from "../../src/master/state/namespace-schema.ts";
import { SYNC_ENTRIES_MAX } from "../../src/master/state/limits.ts";
import { placeholderSizes, UNDER_STORAGE_CHUNK_SIZE_BYTES } from "../../src/master/state/under-storage-ops.ts";
import { WireError } from "../../src/protocol/errors.ts";
import { encodeMountRecord, MOUNT_SETTING_PREFIX, MOUNTS_MAX, PersistState, ReadType, WriteType, type MountRecord } from "../../src/protocol/mounts.ts";
import type { Caller, UnderStorageEntry } from "../../src/protocol/pb/log.ts";
import { tempDir } from "../support/temp.ts";
import { ChunkLocations } from "../../src/master/cluster/locations.ts";
import { fsck } from "../../src/master/repair/fsck.ts";
import type { PlannerPeer } from "../../src/master/repair/replication.ts";

const MiB = 1024 * 1024;
const CLIENT = "12D3KooWPeerA/abc";
const PEERS = ["peerA", "peerB"];
const ALICE: Caller = { user: "alice", groups: ["staff"] };

type Command = { [K in LogCommandKind]: { [P in K]: Partial<LogCommandOf<P>> } }[LogCommandKind];

function record(path: string, id = "m1", extra: Partial<MountRecord> = {}): MountRecord {
  return { id, path, uri: "s3://bucket/data", scheme: "s3", options: { access_key: "AKIA", secret_key: "s3cr3t" }, readonly: false, syncIntervalMs: 60_000, readType: ReadType.CACHE, writeType: WriteType.CACHE_THROUGH, replication: 1, ...extra };
}

const mountOf = (path: string, id = "m1", extra: Partial<MountRecord> = {}): Command => ({ mount: { path, id, record: encodeMountRecord(record(path, id, extra)), mtimeMs: 5 } });
const file = (name: string, sizeBytes: number, fingerprint = `s3:etag="${name}";size=${sizeBytes}`): UnderStorageEntry => ({ name, directory: false, sizeBytes, mtimeMs: 100, fingerprint });
const folder = (name: string): UnderStorageEntry => ({ name, directory: true, sizeBytes: 0, mtimeMs: 100, fingerprint: "" });

function harness(ns = Namespace.open()) {
  let index = ns.appliedIndex();
  const run = (command: Command, caller?: Caller): any => ns.apply({ index: ++index, term: 1, type: "normal", data: encodeLogCommand({ ...(command as TypedLogCommand), ...(caller ? { caller } : {}) }) });
  const fail = (command: Command, caller?: Caller): WireError => {
    try {
      run(command, caller);
    } catch (err) {
      expect(err).toBeInstanceOf(WireError);
      return err as WireError;
    }
    throw new Error(`${Object.keys(command)[0]} succeeded`);
  };
  const sync = (path: string, entries: UnderStorageEntry[], extra: { after?: string; through?: string; complete?: boolean; parents?: boolean; nowMs?: number } = {}) =>
    run({ syncUnderStorage: { path, after: extra.after ?? "", through: extra.through ?? "", entries, complete: extra.complete ?? true, nowMs: extra.nowMs ?? 1_000, parents: extra.parents ?? false } });
  /** A closed file of committed chunks written by a client (real chunks with replicas). */
  const write = (path: string, sizes: number[], extra: { persistState?: PersistState } = {}): { fileId: number; chunkIds: string[] } => {
    const { fileId } = run({ create: { path, replication: 2, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1_000, ...extra } });
    const chunkIds: string[] = [];
    sizes.forEach((sizeBytes, i) => {
      const chunk = run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
      run({ commitChunk: { fileId, chunkId: chunk.chunkId, version: chunk.version, sizeBytes, clientId: CLIENT, ...(i === sizes.length - 1 ? { complete: true, mtimeMs: 2_000 } : {}) } });
      chunkIds.push(chunk.chunkId);
    });
    if (sizes.length === 0) run({ complete: { fileId, clientId: CLIENT, mtimeMs: 2_000 } });
    return { fileId, chunkIds };
  };
  const chunks = (path: string) => ns.stat(path, { chunks: true }).chunks ?? [];
  const pending = () => ns.pendingDeletes().chunks.map((chunk) => chunk.chunkId);
  const names = (path: string) => ns.list(path).entries.map((entry) => entry.path.slice(entry.path.lastIndexOf("/") + 1));
  return { ns, run, fail, sync, write, chunks, pending, names };
}

describe("mount", () => {
  it("makes the mount point (PERSISTED) and keeps the record in the settings; mountRecords() reads it back", () => {
    const h = harness();
    expect(h.run(mountOf("/mnt/s3"))).toEqual({ created: 2 });
    expect(h.ns.stat("/mnt/s3").underStorage).toEqual({ mountPath: "/mnt/s3", fingerprint: "", persistState: PersistState.PERSISTED, pinned: false });
    // Above the mount point is outside it.
    expect(h.ns.stat("/mnt").underStorage).toBeUndefined();
    expect(h.ns.getSetting(`${MOUNT_SETTING_PREFIX}m1`)).toEqual(encodeMountRecord(record("/mnt/s3")));
    expect(h.ns.mountRecords()).toEqual([record("/mnt/s3")]);
    // An existing empty folder is taken as it is.
    h.run({ mkdir: { path: "/empty", mtimeMs: 1 } });
    expect(h.run(mountOf("/empty", "m2"))).toEqual({ created: 0 });
    expect(h.ns.mountRecords().map((m) => m.path)).toEqual(["/mnt/s3", "/empty"]);
  });

  it("is refused over a folder that is not empty, over a file, at /, inside or above another mount, twice, and by a user who is not the superuser", () => {
    const h = harness();
    h.run(mountOf("/mnt/s3"));
    h.run({ mkdir: { path: "/full/x", parents: true, mtimeMs: 1 } });
    h.write("/f", [1]);
    const notEmpty = h.fail(mountOf("/full", "m2"));
    expect(notEmpty.code).toBe("NOT_EMPTY");
    expect(notEmpty.message).toContain("/full is not empty");
    expect(h.fail(mountOf("/f", "m2")).code).toBe("NOT_A_DIRECTORY");
    expect(h.fail(mountOf("/", "m2")).code).toBe("INVALID");
    const inside = h.fail(mountOf("/mnt/s3/deeper", "m2"));
    expect(inside.code).toBe("INVALID");
    expect(inside.message).toContain("inside the mount at /mnt/s3");
    const above = h.fail(mountOf("/mnt", "m2"));
    expect(above.code).toBe("INVALID");
    expect(above.message).toContain("holds the mount point /mnt/s3");
    expect(h.fail(mountOf("/mnt/s3", "m2")).code).toBe("ALREADY_EXISTS");
    expect(h.fail(mountOf("/other", "m1")).code).toBe("ALREADY_EXISTS");
    expect(h.fail(mountOf("/other", "m2"), ALICE).code).toBe("PERMISSION_DENIED");
    // A record that names another path than the command's: refused.
    expect(h.fail({ mount: { path: "/other", id: "m2", record: encodeMountRecord(record("/elsewhere", "m2")), mtimeMs: 5 } }).code).toBe("INVALID");
    // Nothing of the refused ones stayed.
    expect(h.ns.mountRecords().map((m) => m.id)).toEqual(["m1"]);
    expect(() => h.ns.stat("/mnt/s3/deeper")).toThrow("does not exist");
  });

  it("holds at most MOUNTS_MAX mounts", () => {
    const h = harness();
    for (let i = 0; i < MOUNTS_MAX; i++) h.run(mountOf(`/m${i}`, `m${i}`));
    expect(h.fail(mountOf("/one-more", "more")).code).toBe("LIMIT");
  });

  it("a mount point is neither deleted nor renamed, nor a folder above it: unmount does that", () => {
    const h = harness();
    h.run(mountOf("/data/s3"));
    expect(h.fail({ delete: { path: "/data/s3", recursive: true, nowMs: 1 } }).message).toContain("unmount it");
    expect(h.fail({ delete: { path: "/data", recursive: true, nowMs: 1 } }).message).toContain("holds the mount point /data/s3");
    expect(h.fail({ rename: { path: "/data/s3", destination: "/elsewhere", mtimeMs: 1 } }).code).toBe("INVALID");
    expect(h.fail({ rename: { path: "/data", destination: "/elsewhere", mtimeMs: 1 } }).code).toBe("INVALID");
    // A delete that prunes the folders it left empty stops at the mount point.
    h.run({ mkdir: { path: "/data/s3/x", mtimeMs: 2 } });
    h.write("/data/s3/x/obj", [1]);
    expect(h.run({ delete: { path: "/data/s3/x/obj", nowMs: 2, pruneEmptyParentsBelow: "/" } })).toMatchObject({ files: 1, directories: 1 });
    expect(h.ns.stat("/data/s3").kind).toBe("dir");
  });
});

describe("syncUnderStorage", () => {
  it("adds files with placeholder chunks (new ids, version 1, committed, the default chunk size, the last shorter, no replicas) and folders; complete stamps the folder", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    const before = h.ns.counts();
    expect(h.ns.folderSyncedMs("/mnt")).toBeNull();
    const size = 2 * UNDER_STORAGE_CHUNK_SIZE_BYTES + 5;
    expect(h.sync("/mnt", [file("big.bin", size), folder("dir"), file("empty", 0)], { nowMs: 4_242 })).toEqual({ added: 3, changed: 0, removed: 0, chunks: 3 });
    const big = h.ns.stat("/mnt/big.bin", { chunks: true });
    expect(big).toMatchObject({ kind: "file", sizeBytes: size, state: "closed", replication: 1, chunkSizeBytes: UNDER_STORAGE_CHUNK_SIZE_BYTES, mtimeMs: 100, permission: 0o644 });
    expect(big.underStorage).toEqual({ mountPath: "/mnt", fingerprint: `s3:etag="big.bin";size=${size}`, persistState: PersistState.PERSISTED, pinned: false });
    expect(big.chunks!.map((c) => ({ size: c.sizeBytes, version: c.version, committed: c.committed, replicas: c.replicas }))).toEqual([
      { size: UNDER_STORAGE_CHUNK_SIZE_BYTES, version: 1, committed: true, replicas: [] },
      { size: UNDER_STORAGE_CHUNK_SIZE_BYTES, version: 1, committed: true, replicas: [] },
      { size: 5, version: 1, committed: true, replicas: [] },
    ]);
    expect(new Set(big.chunks!.map((c) => c.chunkId)).size).toBe(3);
    expect(h.chunks("/mnt/empty")).toEqual([]);
    expect(h.ns.stat("/mnt/dir")).toMatchObject({ kind: "dir", permission: 0o755 });
    expect(h.ns.stat("/mnt/dir").underStorage?.persistState).toBe(PersistState.PERSISTED);
    expect(h.ns.folderSyncedMs("/mnt")).toBe(4_242);
    expect(h.ns.folderSyncedMs("/mnt/dir")).toBeNull();
    expect(h.ns.folderSyncedMs("/mnt/nothing")).toBeUndefined();
    expect(h.ns.counts()).toEqual({ ...before, files: before.files + 2, directories: before.directories + 1, chunks: before.chunks + 3 });
    expect(placeholderSizes(0)).toEqual([]);
    expect(placeholderSizes(UNDER_STORAGE_CHUNK_SIZE_BYTES)).toEqual([UNDER_STORAGE_CHUNK_SIZE_BYTES]);
  });

  it("a changed object (new fingerprint) gets new chunk ids and its old ones go to the pending deletes; the same fingerprint changes nothing", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    h.sync("/mnt", [file("a", 3 * MiB, "v1")]);
    const old = h.chunks("/mnt/a").map((c) => c.chunkId);
    expect(h.sync("/mnt", [file("a", 3 * MiB, "v1")])).toEqual({ added: 0, changed: 0, removed: 0, chunks: 0 });
    expect(h.chunks("/mnt/a").map((c) => c.chunkId)).toEqual(old);
    expect(h.sync("/mnt", [{ ...file("a", 70 * MiB, "v2"), mtimeMs: 200 }])).toEqual({ added: 0, changed: 1, removed: 0, chunks: 2 });
    const fresh = h.chunks("/mnt/a");
    expect(fresh.map((c) => c.sizeBytes)).toEqual([64 * MiB, 6 * MiB]);
    for (const chunk of fresh) expect(old).not.toContain(chunk.chunkId);
    expect(h.pending()).toEqual(old);
    expect(h.ns.stat("/mnt/a")).toMatchObject({ sizeBytes: 70 * MiB, mtimeMs: 200 });
    expect(h.ns.stat("/mnt/a").underStorage?.fingerprint).toBe("v2");
    expect(h.ns.counts()).toMatchObject({ chunks: 2, pendingDeletes: 1 });
  });

  it("removes the names of its range (after, through] that the under-storage no longer has, and nothing outside the range", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    h.sync("/mnt", [file("a", 1), file("b", 1), folder("c"), file("d", 1), file("e", 1)]);
    h.sync("/mnt/c", [file("inner", MiB)]);
    const inner = h.chunks("/mnt/c/inner").map((c) => c.chunkId);
    // The page (a, d]: b and c are gone, d stays; a and e are outside the range.
    expect(h.sync("/mnt", [file("d", 1)], { after: "a", through: "d", complete: false })).toEqual({ added: 0, changed: 0, removed: 2, chunks: 0 });
    expect(h.names("/mnt")).toEqual(["a", "d", "e"]);
    expect(h.pending()).toContain(inner[0]!);
    // The last page (d, end]: e is gone.
    expect(h.sync("/mnt", [], { after: "d" }).removed).toBe(1);
    expect(h.names("/mnt")).toEqual(["a", "d"]);
  });

  it("a look-up's one-name range (nameBefore(name), name] leaves the other names alone, its bound may hold a '/'", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    // Look-ups of part-0002 and part-0003 applied in either order (concurrent stats of a folder
    // never listed): each touches its own name only. nameBefore("part-0003") is "part-0002…",
    // and nameBefore("part-000") spells "part-00/…", which is no name but a fine bound.
    for (const name of ["part-0003", "part-0002", "part-000"]) {
      expect(h.sync("/mnt", [file(name, 1)], { after: nameBefore(name), through: name, complete: false })).toMatchObject({ added: 1, removed: 0 });
    }
    expect(h.names("/mnt")).toEqual(["part-000", "part-0002", "part-0003"]);
    // A look-up that finds the name gone removes it alone.
    expect(h.sync("/mnt", [], { after: nameBefore("part-0002"), through: "part-0002", complete: false }).removed).toBe(1);
    expect(h.names("/mnt")).toEqual(["part-000", "part-0003"]);
  });

  it("keeps what Tessera holds that the under-storage lacks: files TO_BE_PERSISTED or NOT_PERSISTED, open files, and folders holding them", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    h.sync("/mnt", [folder("old"), folder("old2"), file("p", 1)]);
    h.run({ mkdir: { path: "/mnt/old2/made-here", mtimeMs: 1 } });
    h.write("/mnt/new.txt", [10]);
    h.write("/mnt/cache-only", [10], { persistState: PersistState.NOT_PERSISTED });
    h.run({ create: { path: "/mnt/open", replication: 1, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1 } });
    h.run({ mkdir: { path: "/mnt/made-here", mtimeMs: 1 } });
    h.write("/mnt/old/w", [1]);
    expect(h.sync("/mnt", []).removed).toBe(1);
    expect(h.names("/mnt")).toEqual(["cache-only", "made-here", "new.txt", "old", "old2", "open"]);
    // The folder is gone from the under-storage but holds a file that is not: it stays, not persisted.
    expect(h.ns.stat("/mnt/old").underStorage?.persistState).toBe(PersistState.NOT_PERSISTED);
    // Tessera's bytes win over an object of the same name until they are persisted over it.
    const written = h.chunks("/mnt/new.txt").map((c) => c.chunkId);
    h.sync("/mnt", [file("new.txt", 99, "theirs")], { complete: false });
    expect(h.chunks("/mnt/new.txt").map((c) => c.chunkId)).toEqual(written);
    expect(h.ns.stat("/mnt/new.txt").underStorage?.persistState).toBe(PersistState.TO_BE_PERSISTED);
    // A folder made in Tessera that the under-storage lists now is PERSISTED.
    h.sync("/mnt", [folder("made-here")], { after: "h", through: "n", complete: false });
    expect(h.ns.stat("/mnt/made-here").underStorage?.persistState).toBe(PersistState.PERSISTED);
  });

  it("replaces a file that became a folder and a folder that became a file", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    h.sync("/mnt", [file("x", MiB), folder("y")]);
    h.sync("/mnt/y", [file("z", MiB)]);
    const xChunks = h.chunks("/mnt/x").map((c) => c.chunkId);
    expect(h.sync("/mnt", [folder("x"), file("y", 2)])).toEqual({ added: 0, changed: 2, removed: 0, chunks: 1 });
    expect(h.ns.stat("/mnt/x").kind).toBe("dir");
    expect(h.ns.stat("/mnt/y")).toMatchObject({ kind: "file", sizeBytes: 2 });
    expect(h.pending()).toEqual(expect.arrayContaining(xChunks));
    expect(h.ns.counts()).toMatchObject({ files: 1, directories: 3 });
  });

  it("with parents makes the folders from the mount point down (PERSISTED); refuses paths outside mounts, entries outside the range, twice the same name and more than SYNC_ENTRIES_MAX entries", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    expect(h.fail({ syncUnderStorage: { path: "/mnt/a/b", after: "", through: "", entries: [], complete: true, nowMs: 1, parents: false } }).code).toBe("NOT_FOUND");
    h.sync("/mnt/a/b", [file("f", 1)], { parents: true });
    expect(h.ns.stat("/mnt/a").underStorage?.persistState).toBe(PersistState.PERSISTED);
    expect(h.ns.stat("/mnt/a/b/f").sizeBytes).toBe(1);
    h.run({ mkdir: { path: "/plain", mtimeMs: 1 } });
    expect(h.fail({ syncUnderStorage: { path: "/plain", after: "", through: "", entries: [], complete: true, nowMs: 1, parents: false } }).message).toContain("not under a mount");
    expect(h.fail({ syncUnderStorage: { path: "/mnt", after: "m", through: "", entries: [file("a", 1)], complete: false, nowMs: 1, parents: false } }).message).toContain("outside the sync's range");
    expect(h.fail({ syncUnderStorage: { path: "/mnt", after: "", through: "", entries: [file("a", 1), file("a", 2)], complete: true, nowMs: 1, parents: false } }).code).toBe("INVALID");
    expect(h.fail({ syncUnderStorage: { path: "/mnt", after: "", through: "", entries: [file("a", 1, "")], complete: true, nowMs: 1, parents: false } }).code).toBe("INVALID");
    const many = Array.from({ length: SYNC_ENTRIES_MAX + 1 }, (_, i) => file(`f${String(i).padStart(5, "0")}`, 1));
    // The log's decoder bounds the entries (a hostile entry allocates nothing more), and apply does too.
    expect(h.fail({ syncUnderStorage: { path: "/mnt", after: "", through: "", entries: many, complete: true, nowMs: 1, parents: false } }).code).toBe("COMMAND_REJECTED");
    expect(h.sync("/mnt", many.slice(0, SYNC_ENTRIES_MAX), { complete: false }).added).toBe(SYNC_ENTRIES_MAX);
    expect(() => h.ns.applyCommand({ syncUnderStorage: { path: "/mnt", after: "", through: "", entries: many, complete: true, nowMs: 1, parents: false } }, h.ns.appliedIndex() + 1)).toThrow(
      expect.objectContaining({ code: "LIMIT" }),
    );
  });

  it("nameBefore gives the `after` of a sync of one name", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    h.sync("/mnt", [file("a", 1), file("c", 1)]);
    expect(h.ns.nameBefore("/mnt/b")).toBe("a");
    expect(h.ns.nameBefore("/mnt/a")).toBe("");
    // The one name b, as a stat of /mnt/b would sync it: a and c stay.
    h.sync("/mnt", [file("b", 1)], { after: h.ns.nameBefore("/mnt/b"), through: "b", complete: false });
    expect(h.names("/mnt")).toEqual(["a", "b", "c"]);
  });
});

describe("what clients make under a mount", () => {
  it("a new file is TO_BE_PERSISTED or NOT_PERSISTED as asked, else as the mount's write type says; a folder NOT_PERSISTED; nothing outside mounts", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    h.run(mountOf("/cache", "m2", { writeType: WriteType.MUST_CACHE }));
    h.write("/mnt/asked", [1], { persistState: PersistState.NOT_PERSISTED });
    h.write("/mnt/default", [1]);
    h.write("/cache/default", [1]);
    expect(h.ns.stat("/mnt/asked").underStorage?.persistState).toBe(PersistState.NOT_PERSISTED);
    expect(h.ns.stat("/mnt/default").underStorage?.persistState).toBe(PersistState.TO_BE_PERSISTED);
    expect(h.ns.stat("/cache/default").underStorage?.persistState).toBe(PersistState.NOT_PERSISTED);
    h.run({ mkdir: { path: "/mnt/d/e", parents: true, mtimeMs: 1 } });
    expect(h.ns.stat("/mnt/d").underStorage).toMatchObject({ mountPath: "/mnt", persistState: PersistState.NOT_PERSISTED });
    expect(h.ns.stat("/mnt/d/e").underStorage?.persistState).toBe(PersistState.NOT_PERSISTED);
    h.write("/outside", [1]);
    expect(h.ns.stat("/outside").underStorage).toBeUndefined();
    expect(h.fail({ create: { path: "/outside2", replication: 1, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 1, mtimeMs: 1, persistState: PersistState.TO_BE_PERSISTED } }).code).toBe("INVALID");
    expect(h.fail({ create: { path: "/mnt/p", replication: 1, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 1, mtimeMs: 1, persistState: PersistState.PERSISTED } }).code).toBe("INVALID");
    // A concat into a mount makes a file of Tessera's to persist.
    h.write("/mnt/p1", [1]);
    h.write("/mnt/p2", [1]);
    h.run({ concat: { sources: ["/mnt/p1", "/mnt/p2"], destination: "/mnt/joined", attributes: [], replace: false, parents: false, mtimeMs: 3 } });
    expect(h.ns.stat("/mnt/joined").underStorage?.persistState).toBe(PersistState.TO_BE_PERSISTED);
  });

  it("a read-only mount refuses creates and mkdirs (the sync still writes it); a rename across a mount boundary is refused; a file of the under-storage is not appended to, truncated or concatenated", () => {
    const h = harness();
    h.run(mountOf("/ro", "m1", { readonly: true }));
    h.run(mountOf("/rw", "m2"));
    const refused = h.fail({ create: { path: "/ro/f", replication: 1, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 1, mtimeMs: 1 } });
    expect(refused.code).toBe("PERMISSION_DENIED");
    expect(refused.message).toContain("the mount at /ro is read-only");
    expect(h.fail({ mkdir: { path: "/ro/d", mtimeMs: 1 } }).code).toBe("PERMISSION_DENIED");
    h.sync("/ro", [file("obj", 3)]);
    expect(h.fail({ delete: { path: "/ro/obj", nowMs: 1 } }).code).toBe("PERMISSION_DENIED");
    h.write("/outside", [1]);
    expect(h.fail({ rename: { path: "/outside", destination: "/rw/inside", mtimeMs: 1 } }).message).toContain("crosses the mount point /rw");
    h.sync("/rw", [file("obj", 3)]);
    expect(h.fail({ rename: { path: "/rw/obj", destination: "/outside2", mtimeMs: 1 } }).code).toBe("INVALID");
    // Within one mount a rename keeps the file as it is (master/rpc renamed the object first).
    h.run({ rename: { path: "/rw/obj", destination: "/rw/moved", mtimeMs: 1 } });
    expect(h.ns.stat("/rw/moved").underStorage?.fingerprint).toBe('s3:etag="obj";size=3');
    expect(h.fail({ reopenForAppend: { path: "/rw/moved", clientId: CLIENT, leaseExpiryMs: 10, nowMs: 1 } }).message).toContain("not supported");
    expect(h.fail({ truncate: { path: "/rw/moved", lengthBytes: 0, nowMs: 1 } }).message).toContain("not supported");
    expect(h.fail({ concat: { sources: ["/rw/moved"], destination: "/rw/c", attributes: [], replace: false, parents: false, mtimeMs: 1 } }).message).toContain("not supported");
  });
});

describe("markPersisted, setPinned, freeCache", () => {
  it("markPersisted makes a file PERSISTED with its fingerprint only if it is still that file at that length, closed", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    const { fileId } = h.write("/mnt/f", [10]);
    expect(h.ns.filesToPersist(0, 10)).toEqual([{ fileId, path: "/mnt/f", lengthBytes: 10 }]);
    expect(h.ns.countNotPersisted("/mnt")).toBe(1);
    expect(h.run({ markPersisted: { path: "/mnt/f", fileId: fileId + 100, lengthBytes: 10, fingerprint: "x" } })).toMatchObject({ persisted: false });
    expect(h.run({ markPersisted: { path: "/mnt/f", fileId, lengthBytes: 11, fingerprint: "x" } })).toMatchObject({ persisted: false });
    expect(h.run({ markPersisted: { path: "/mnt/gone", fileId, lengthBytes: 10, fingerprint: "x" } })).toMatchObject({ persisted: false });
    expect(h.ns.stat("/mnt/f").underStorage?.persistState).toBe(PersistState.TO_BE_PERSISTED);
    expect(h.run({ markPersisted: { path: "/mnt/f", fileId, lengthBytes: 10, fingerprint: "file:mtime=5;size=10" } })).toEqual({ persisted: true });
    expect(h.ns.stat("/mnt/f").underStorage).toMatchObject({ fingerprint: "file:mtime=5;size=10", persistState: PersistState.PERSISTED });
    expect(h.ns.filesToPersist(0, 10)).toEqual([]);
    expect(h.ns.countNotPersisted("/mnt")).toBe(0);
    // An open file is not persisted yet: the persister waits for its close.
    h.run({ create: { path: "/mnt/open", replication: 1, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1 } });
    expect(h.ns.filesToPersist(0, 10)).toEqual([]);
    expect(h.ns.countNotPersisted("/mnt")).toBe(1);
  });

  it("setPinned pins a file or every file below a folder; outside mounts it is refused", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    h.sync("/mnt", [file("a", 1), folder("d")]);
    h.sync("/mnt/d", [file("b", 1), file("c", 1)]);
    expect(h.run({ setPinned: { path: "/mnt/a", pinned: true } })).toEqual({ files: 1 });
    expect(h.ns.stat("/mnt/a").underStorage?.pinned).toBe(true);
    expect(h.run({ setPinned: { path: "/mnt/d", pinned: true } })).toEqual({ files: 2 });
    expect(h.ns.list("/mnt/d").entries.map((e) => e.underStorage?.pinned)).toEqual([true, true]);
    h.run({ setPinned: { path: "/mnt", pinned: false } });
    expect(h.ns.stat("/mnt/d/b").underStorage?.pinned).toBe(false);
    h.write("/plain", [1]);
    expect(h.fail({ setPinned: { path: "/plain", pinned: true } }).code).toBe("INVALID");
  });

  it("freeCache gives persisted files new placeholder chunks (same sizes) and pends the old ids; pinned needs force; not persisted is refused", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    h.sync("/mnt", [file("a", 70 * MiB), folder("d")]);
    h.sync("/mnt/d", [file("b", 1)]);
    const { fileId } = h.write("/mnt/d/written", [5, 7].map((n) => n * MiB));
    h.run({ markPersisted: { path: "/mnt/d/written", fileId, lengthBytes: 12 * MiB, fingerprint: "w" } });
    const old = [...h.chunks("/mnt/a"), ...h.chunks("/mnt/d/b"), ...h.chunks("/mnt/d/written")].map((c) => c.chunkId);
    h.run({ setPinned: { path: "/mnt/d/b", pinned: true } });
    const pinned = h.fail({ freeCache: { path: "/mnt", force: false, nowMs: 9 } });
    expect(pinned.code).toBe("PERMISSION_DENIED");
    expect(pinned.message).toContain("/mnt/d/b is pinned");
    expect(h.pending()).toEqual([]);
    expect(h.run({ freeCache: { path: "/mnt", force: true, nowMs: 9 } })).toEqual({ files: 3, chunks: 5 });
    expect(h.pending().sort()).toEqual([...old].sort());
    const written = h.chunks("/mnt/d/written");
    expect(written.map((c) => ({ size: c.sizeBytes, replicas: c.replicas, committed: c.committed }))).toEqual([
      { size: 5 * MiB, replicas: [], committed: true },
      { size: 7 * MiB, replicas: [], committed: true },
    ]);
    for (const chunk of written) expect(old).not.toContain(chunk.chunkId);
    h.write("/mnt/new", [1]);
    const unpersisted = h.fail({ freeCache: { path: "/mnt", force: true, nowMs: 9 } });
    expect(unpersisted.code).toBe("INVALID");
    expect(unpersisted.message).toBe("/mnt/new is not persisted: tessera fs persist /mnt/new first.");
    expect(h.run({ freeCache: { path: "/mnt/a", force: false, nowMs: 10 } })).toEqual({ files: 1, chunks: 2 });
  });
});

describe("permissions", () => {
  it("pin, free and markPersisted take WRITE on what they change; the sync runs as the cluster whoever's stat caused it", () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    // Alice's stat of a folder she may read syncs it: the command carries her, and is applied.
    expect(h.run({ syncUnderStorage: { path: "/mnt", after: "", through: "", entries: [file("a", 1)], complete: true, nowMs: 1, parents: false } }, ALICE).added).toBe(1);
    // The superuser's file (0o644): alice may not write it.
    expect(h.ns.stat("/mnt/a")).toMatchObject({ owner: "", permission: 0o644 });
    expect(h.fail({ setPinned: { path: "/mnt/a", pinned: true } }, ALICE).code).toBe("PERMISSION_DENIED");
    expect(h.fail({ setPinned: { path: "/mnt", pinned: true } }, ALICE).code).toBe("PERMISSION_DENIED");
    expect(h.fail({ freeCache: { path: "/mnt/a", force: false, nowMs: 1 } }, ALICE).code).toBe("PERMISSION_DENIED");
    expect(h.fail({ markPersisted: { path: "/mnt/a", fileId: h.ns.stat("/mnt/a").id, lengthBytes: 1, fingerprint: "x" } }, ALICE).code).toBe("PERMISSION_DENIED");
    // Given the folder, alice makes her own files there, and may pin and free them once persisted.
    h.run({ setOwner: { path: "/mnt", owner: "alice", group: "" } });
    const mine = h.run({ create: { path: "/mnt/mine", replication: 1, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1, closed: true } }, ALICE);
    expect(h.run({ markPersisted: { path: "/mnt/mine", fileId: mine.fileId, lengthBytes: 0, fingerprint: "m" } }, ALICE)).toEqual({ persisted: true });
    expect(h.run({ setPinned: { path: "/mnt/mine", pinned: true } }, ALICE)).toEqual({ files: 1 });
    expect(h.run({ freeCache: { path: "/mnt/mine", force: true, nowMs: 2 } }, ALICE)).toEqual({ files: 1, chunks: 0 });
  });
});

describe("unmount", () => {
  it("is refused while files below are TO_BE_PERSISTED, with their count; then removes the subtree (chunks pended) and the record", () => {
    const h = harness();
    h.run(mountOf("/mnt/s3"));
    h.sync("/mnt/s3", [file("a", 1), folder("d")]);
    const a = h.chunks("/mnt/s3/a").map((c) => c.chunkId);
    const w1 = h.write("/mnt/s3/d/w1", [1]);
    h.write("/mnt/s3/w2", [1]);
    const refused = h.fail({ unmount: { path: "/mnt/s3", nowMs: 5 } });
    expect(refused.code).toBe("NOT_EMPTY");
    expect(refused.message).toContain("2 files are not persisted yet");
    h.run({ markPersisted: { path: "/mnt/s3/d/w1", fileId: w1.fileId, lengthBytes: 1, fingerprint: "f" } });
    h.run({ delete: { path: "/mnt/s3/w2", nowMs: 5 } });
    expect(h.fail({ unmount: { path: "/mnt/s3", nowMs: 5 } }, ALICE).code).toBe("PERMISSION_DENIED");
    expect(h.run({ unmount: { path: "/mnt/s3", nowMs: 6 } })).toEqual({ files: 2, directories: 2, chunks: 2 });
    expect(() => h.ns.stat("/mnt/s3")).toThrow("does not exist");
    expect(h.ns.stat("/mnt").kind).toBe("dir");
    expect(h.pending()).toEqual(expect.arrayContaining([...a, ...w1.chunkIds]));
    expect(h.ns.getSetting(`${MOUNT_SETTING_PREFIX}m1`)).toBeUndefined();
    expect(h.ns.mountRecords()).toEqual([]);
    expect(h.fail({ unmount: { path: "/mnt/s3", nowMs: 7 } }).code).toBe("NOT_FOUND");
    // Mounted again at the same place: a fresh, empty mount point.
    h.run(mountOf("/mnt/s3"));
    expect(h.names("/mnt/s3")).toEqual([]);
  });
});

describe("repair and fsck of cached files", () => {
  it("a chunk of a PERSISTED file with no live copy is not cached, not missing; files TO_BE_PERSISTED are ordinary files", async () => {
    const h = harness();
    h.run(mountOf("/mnt"));
    h.sync("/mnt", [file("obj", 70 * MiB)]);
    const persisted = h.write("/mnt/persisted", [1]);
    h.run({ markPersisted: { path: "/mnt/persisted", fileId: persisted.fileId, lengthBytes: 1, fingerprint: "p" } });
    h.write("/mnt/waiting", [1]);
    const obj = h.chunks("/mnt/obj").map((c) => c.chunkId);
    const locations = new ChunkLocations();
    // One chunk of the object is cached on peerA; nothing of the other files is reported.
    locations.fullReport("peerA", [{ chunkId: obj[0]!, version: 1, sizeBytes: 64 * MiB }]);
    const peers = new Map<string, PlannerPeer>([["peerA", { id: "peerA", rack: "/r1", freeBytes: 100 * MiB, state: "alive" }]]);
    const result = await fsck({ namespace: h.ns, locations, peers }, "/mnt");
    expect(result).toMatchObject({ files: 3, chunks: 4, notCached: 2, missing: 1, healthy: 3, underReplicated: 0, status: "MISSING" });
    expect(result.unhealthyFiles.map((f) => f.path)).toEqual(["/mnt/waiting"]);
    // The replicator's page says which chunks are cache copies.
    const page = h.ns.allChunkIds().chunks;
    expect(page.filter((c) => c.cacheOnly).map((c) => c.chunkId).sort()).toEqual([...obj, ...persisted.chunkIds].sort());
    expect(page.find((c) => !c.cacheOnly)?.chunkId).toBe(h.chunks("/mnt/waiting")[0]!.chunkId);
    // What the balancer asks before it moves a copy: cache copies are not moved.
    expect(h.ns.isCacheOnly(h.ns.stat("/mnt/obj").id)).toBe(true);
    expect(h.ns.isCacheOnly(persisted.fileId)).toBe(true);
    expect(h.ns.isCacheOnly(h.ns.stat("/mnt/waiting").id)).toBe(false);
    expect(h.ns.isCacheOnly(h.ns.stat("/mnt").id)).toBe(false);
  });
});

describe("schema 7", () => {
  /** A namespace database at `path` with a mount-less state, taken back to schema 6. */
  function schema6(path: string): void {
    const h = harness(Namespace.open({ path }));
    h.run({ mkdir: { path: "/kept", mtimeMs: 1 } });
    h.write("/kept/f", [3]);
    h.ns.close();
    const db = new Database(path);
    db.run("DROP INDEX inodes_to_persist");
    for (const column of ["ufs_fingerprint", "persist_state", "pinned", "ufs_synced_ms"]) db.run(`ALTER TABLE inodes DROP COLUMN ${column}`);
    db.run("PRAGMA user_version = 6");
    db.close();
  }

  function checkUpgraded(ns: Namespace): void {
    expect(ns.stat("/kept/f")).toMatchObject({ sizeBytes: 3 });
    expect(ns.stat("/kept/f").underStorage).toBeUndefined();
    expect(ns.filesToPersist(0, 10)).toEqual([]);
    const h = harness(ns);
    h.run(mountOf("/kept/mnt"));
    h.write("/kept/mnt/w", [1]);
    expect(ns.filesToPersist(0, 10).map((f) => f.path)).toEqual(["/kept/mnt/w"]);
  }

  it("a database of schema 6 gains the under-storage columns and the index in one upgrade when opened: nothing is under a mount", () => {
    const dir = tempDir("schema-6");
    try {
      const path = join(dir.path, "namespace.db");
      schema6(path);
      const upgraded = Namespace.open({ path });
      try {
        checkUpgraded(upgraded);
      } finally {
        upgraded.close();
      }
      const check = new Database(path);
      expect((check.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(7);
      expect(check.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'inodes_to_persist'").all()).toHaveLength(1);
      check.close();
    } finally {
      dir.remove();
    }
  });

  it("a snapshot image of schema 6 is upgraded when restored, in memory and on disk", () => {
    const dir = tempDir("schema-6-image");
    try {
      const path = join(dir.path, "old.db");
      schema6(path);
      const db = new Database(path);
      const image = db.serialize();
      db.close();
      for (const target of [Namespace.open(), Namespace.open({ path: join(dir.path, "restored.db") })]) {
        try {
          target.restore(image);
          checkUpgraded(target);
        } finally {
          target.close();
        }
      }
    } finally {
      dir.remove();
    }
  });

  it("a mount the batch rolls back leaves no record in the cache of mountRecords()", () => {
    const ns = Namespace.open();
    const h = harness(ns);
    expect(ns.mountRecords()).toEqual([]);
    const index = ns.appliedIndex();
    // The mkdir under the new mount reads (and caches) the records, the mount's included.
    const entries = [mountOf("/m"), { mkdir: { path: "/m/x", mtimeMs: 1 } } as Command].map((command, i) => ({ index: index + 1 + i, term: 1, type: "normal" as const, data: encodeLogCommand(command as TypedLogCommand) }));
    // A batch that fails as a whole (an entry out of order) rolls the mount back with it.
    expect(() => ns.applyBatch([...entries, { ...entries[0]!, index: index + 9 }])).toThrow("consecutive");
    expect(ns.mountRecords()).toEqual([]);
    h.run(mountOf("/m"));
    expect(ns.mountRecords()).toHaveLength(1);
  });
});
