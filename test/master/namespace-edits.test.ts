// Issue 17's namespace: symbolic links (stored through Raft, never followed by the masters),
// editors' staging files, and the rewrite that commits an editor's new chunk versions in one
// entry (copy on write, GFS §3.2's "new chunk for a changed chunk" applied to random writes).
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { SCHEMA_VERSION } from "../../src/master/state/namespace-schema.ts";
import { encodeLogCommand, type LogCommandKind, type LogCommandOf, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { WireError } from "../../src/protocol/errors.ts";
import { stagingPath } from "../../src/protocol/paths.ts";
import { tempDir } from "../support/temp.ts";

const MiB = 1024 * 1024;
const CLIENT = "client-a";
const OTHER = "client-b";
const PEERS = ["peerA", "peerB", "peerC"];
const ALICE = { user: "alice", groups: ["staff"] };
const BOB = { user: "bob", groups: ["other"] };

type Command = { [K in LogCommandKind]: { [P in K]: Partial<LogCommandOf<P>> } }[LogCommandKind] & { caller?: { user: string; groups: string[] }; call?: { clientId: string; callId: number; nowMs: number } };

function harness(ns = Namespace.open()) {
  let index = ns.appliedIndex();
  const run = (command: Command): any => ns.apply({ index: ++index, term: 1, type: "normal", data: encodeLogCommand(command as TypedLogCommand) });
  const fail = (command: Command): string => {
    try {
      run(command);
    } catch (err) {
      expect(err).toBeInstanceOf(WireError);
      return (err as WireError).code;
    }
    throw new Error(`${Object.keys(command)[0]} succeeded`);
  };
  /** A closed file of committed chunks of these sizes; answers its id. */
  const write = (path: string, sizes: number[], chunkSizeBytes = 4 * MiB): number => {
    const { fileId } = run({ create: { path, replication: 3, chunkSizeBytes, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1_000 } });
    for (const sizeBytes of sizes) {
      const chunk = run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
      run({ commitChunk: { fileId, chunkId: chunk.chunkId, version: chunk.version, sizeBytes, clientId: CLIENT } });
    }
    run({ complete: { fileId, clientId: CLIENT, mtimeMs: 2_000 } });
    return fileId;
  };
  /** A staging file for `path` holding committed chunks of these sizes; answers its id. */
  const stage = (path: string, sizes: number[], clientId = CLIENT, caller?: Command["caller"]): number => {
    const { fileId } = run({ create: { path, replication: 3, chunkSizeBytes: 4 * MiB, clientId, leaseExpiryMs: 60_000, mtimeMs: 3_000, staging: true }, ...(caller ? { caller } : {}) });
    for (const sizeBytes of sizes) {
      const chunk = run({ addChunk: { fileId, clientId, replicas: PEERS, uncommittedMax: 4 } });
      run({ commitChunk: { fileId, chunkId: chunk.chunkId, version: chunk.version, sizeBytes, clientId } });
    }
    return fileId;
  };
  const chunkIds = (path: string): string[] => (ns.stat(path, { chunks: true }).chunks ?? []).map((chunk) => chunk.chunkId);
  return { ns, run, fail, write, stage, chunkIds };
}

describe("symbolic links", () => {
  it("a link is stored with its target as given, shown by stat and list, and never followed", () => {
    const h = harness();
    h.run({ mkdir: { path: "/d", mtimeMs: 1 } });
    const made = h.run({ symlink: { path: "/d/l", target: "../x/./y", mtimeMs: 5 } });
    expect(made).toEqual({ fileId: expect.any(Number), mtimeMs: 5, lengthBytes: 8 });
    expect(h.ns.stat("/d/l")).toMatchObject({ kind: "symlink", symlinkTarget: "../x/./y", sizeBytes: 8, permission: 0o777, state: "closed" });
    expect(h.ns.list("/d").entries.map((entry) => [entry.path, entry.kind, entry.symlinkTarget])).toEqual([["/d/l", "symlink", "../x/./y"]]);
    // Listing a link gives the link itself; a path through it is no folder.
    expect(h.ns.list("/d/l").entries.map((entry) => entry.kind)).toEqual(["symlink"]);
    expect(h.fail({ mkdir: { path: "/d/l/x", mtimeMs: 6 } })).toBe("NOT_A_DIRECTORY");
    expect(h.fail({ create: { path: "/d/l/x", replication: 1, chunkSizeBytes: MiB, clientId: CLIENT, leaseExpiryMs: 9, mtimeMs: 6 } })).toBe("NOT_A_DIRECTORY");
    // Not a file: no append, truncate, concat, edit.
    expect(h.fail({ reopenForAppend: { path: "/d/l", clientId: CLIENT, leaseExpiryMs: 9, nowMs: 6 } })).toBe("NOT_A_FILE");
    expect(h.fail({ truncate: { path: "/d/l", lengthBytes: 0, nowMs: 6 } })).toBe("NOT_A_FILE");
    expect(h.fail({ concat: { sources: ["/d/l"], destination: "/d/c", mtimeMs: 6 } })).toBe("NOT_A_FILE");
    expect(h.fail({ create: { path: "/d/l", replication: 1, chunkSizeBytes: MiB, clientId: CLIENT, leaseExpiryMs: 9, mtimeMs: 6, staging: true } })).toBe("NOT_A_FILE");
    expect(h.ns.chunksOfFile.bind(h.ns, made.fileId)).toThrow(/does not exist/);
    // Links count as neither files nor folders.
    expect(h.ns.counts()).toMatchObject({ files: 0, directories: 2 });
  });

  it("rename, setOwner, setTimes and delete act on the link itself; a link replaces and is replaced as a file", () => {
    const h = harness();
    h.write("/f", [10]);
    h.run({ symlink: { path: "/l", target: "/f", mtimeMs: 5 } });
    h.run({ rename: { path: "/l", destination: "/m", mtimeMs: 6 } });
    expect(h.ns.stat("/m").symlinkTarget).toBe("/f");
    h.run({ setOwner: { path: "/m", owner: "carol", group: "g" } });
    h.run({ setTimes: { path: "/m", nowMs: 7, mtimeMs: 42 } });
    expect(h.ns.stat("/m")).toMatchObject({ owner: "carol", group: "g", mtimeMs: 42, kind: "symlink" });
    expect(h.ns.stat("/f")).toMatchObject({ kind: "file", sizeBytes: 10 });
    // rename -T over a file (replace) and a file over the link.
    h.run({ rename: { path: "/m", destination: "/f", mtimeMs: 8, replace: true } });
    expect(h.ns.stat("/f").kind).toBe("symlink");
    expect(h.ns.counts()).toMatchObject({ files: 0, pendingDeletes: 1 });
    h.write("/g", [3]);
    h.run({ rename: { path: "/g", destination: "/f", mtimeMs: 9, replace: true } });
    expect(h.ns.stat("/f").kind).toBe("file");
    h.run({ symlink: { path: "/dir/sub/l", target: "t", mtimeMs: 10, parents: true } });
    expect(h.run({ delete: { path: "/dir/sub/l", nowMs: 11 } })).toEqual({ files: 1, directories: 0, chunks: 0 });
    h.run({ symlink: { path: "/dir/sub/l2", target: "t", mtimeMs: 12 } });
    expect(h.run({ delete: { path: "/dir", recursive: true, nowMs: 13 } })).toEqual({ files: 1, directories: 2, chunks: 0 });
    expect(h.ns.counts()).toMatchObject({ files: 1, directories: 1 });
  });

  it("refuses a bad target, an existing name, the reserved name; checks the folder's WRITE; owner is the caller", () => {
    const h = harness();
    h.run({ mkdir: { path: "/home", mtimeMs: 1, permission: 0o755 } });
    expect(h.fail({ symlink: { path: "/l", target: "", mtimeMs: 2 } })).toBe("INVALID");
    expect(h.fail({ symlink: { path: "/l", target: "a\0b", mtimeMs: 2 } })).toBe("INVALID");
    expect(h.fail({ symlink: { path: "/l", target: "x".repeat(4097), mtimeMs: 2 } })).toBe("INVALID");
    h.run({ symlink: { path: "/l", target: "y".repeat(4096), mtimeMs: 2 } });
    expect(h.fail({ symlink: { path: "/l", target: "z", mtimeMs: 2 } })).toBe("ALREADY_EXISTS");
    expect(h.fail({ symlink: { path: "/.reserved", target: "z", mtimeMs: 2 } })).toBe("INVALID");
    expect(h.fail({ mkdir: { path: "/.reserved/.inodes", parents: true, mtimeMs: 2 } })).toBe("INVALID");
    expect(h.fail({ symlink: { path: "/home/l", target: "z", mtimeMs: 2 }, caller: BOB })).toBe("PERMISSION_DENIED");
    h.run({ setPermission: { path: "/home", permission: 0o777 } });
    h.run({ symlink: { path: "/home/l", target: "z", mtimeMs: 3 }, caller: ALICE });
    expect(h.ns.stat("/home/l")).toMatchObject({ owner: "alice", kind: "symlink" });
  });
});

describe("schema 8: an existing database of schema 7 is upgraded", () => {
  it("the inodes table is rebuilt with links allowed, every row and index kept", () => {
    const dir = tempDir("ns-v7");
    const path = join(dir.path, "namespace.db");
    const before = harness(Namespace.open({ path }));
    before.run({ mkdir: { path: "/a/b", parents: true, mtimeMs: 1 } });
    before.write("/a/b/f", [100, 50]);
    before.run({ setAttributes: { path: "/a/b/f", attributes: [{ name: "k", value: "v" }] } });
    const dump = before.ns.dump();
    const applied = before.ns.appliedIndex();
    before.ns.close();
    // Back to schema 7's table: the CHECK without 'symlink', no symlink_target.
    const db = new Database(path);
    db.transaction(() => {
      const sql = (db.query("SELECT sql FROM sqlite_master WHERE name = 'inodes'").get() as { sql: string }).sql;
      const v7 = sql.replace("'dir', 'file', 'symlink'", "'dir', 'file'").replace(/,\s*symlink_target TEXT/, "").replace("CREATE TABLE inodes", "CREATE TABLE inodes_v7");
      db.run(v7);
      const columns = "id, parent, name, kind, mtime_ms, replication, chunk_size_bytes, length_bytes, state, lease_holder, lease_expiry_ms, attributes, owner, grp, mode, atime_ms, ufs_fingerprint, persist_state, pinned, ufs_synced_ms";
      db.run(`INSERT INTO inodes_v7 SELECT ${columns} FROM inodes`);
      db.run("DROP TABLE inodes");
      db.run("ALTER TABLE inodes_v7 RENAME TO inodes");
      db.run("CREATE UNIQUE INDEX inodes_parent_name ON inodes (parent, name)");
      db.run("PRAGMA user_version = 7");
    })();
    expect(() => db.run("INSERT INTO inodes (id, parent, name, kind, mtime_ms, replication, chunk_size_bytes, length_bytes, state) VALUES (99, 1, 'x', 'symlink', 0, 0, 0, 0, 'closed')")).toThrow(/CHECK/);
    db.close();
    const after = harness(Namespace.open({ path }));
    expect(after.ns.appliedIndex()).toBe(applied);
    expect(after.ns.dump().replace(/,null\]/g, "]")).toBe(dump.replace(/,null\]/g, "]"));
    after.run({ symlink: { path: "/a/l", target: "b/f", mtimeMs: 9 } });
    expect(after.ns.stat("/a/l").symlinkTarget).toBe("b/f");
    expect(after.ns.stat("/a/b/f")).toMatchObject({ sizeBytes: 150, attributes: [{ name: "k", value: "v" }] });
    const raw = new Database(path);
    expect((raw.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
    expect((raw.query("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'inodes'").get() as { n: number }).n).toBe(3);
    raw.close();
    after.ns.close();
    dir.remove();
  });
});

describe("editors: staging files and the rewrite", () => {
  it("a staging file is in no folder, named /.reserved/.inodes/<id>; its chunks are known to block reports", () => {
    const h = harness();
    h.write("/f", [4 * MiB, 100]);
    const staging = h.stage("/f", [4 * MiB]);
    expect(h.ns.stat(stagingPath(staging))).toMatchObject({ path: stagingPath(staging), kind: "file", state: "open", leaseHolder: CLIENT });
    expect(h.ns.list("/").entries.map((entry) => entry.path)).toEqual(["/f"]);
    const chunk = h.ns.chunksOfFile(staging)[0]!;
    expect(h.ns.fileOfChunk(chunk.chunkId)).toMatchObject({ fileId: staging, path: stagingPath(staging), committed: true });
    expect(h.ns.stat("/f").sizeBytes).toBe(4 * MiB + 100);
  });

  it("moves new versions and appended chunks into the file in one entry; the old ones go to the pending deletes", () => {
    const h = harness();
    const fileId = h.write("/f", [4 * MiB, 4 * MiB, 100]);
    const base = h.chunkIds("/f");
    // Chunk 1 rewritten, chunk 2 rewritten longer (full), one chunk appended; a superseded one staged first.
    const staging = h.stage("/f", [4 * MiB, 4 * MiB, 4 * MiB, 7]);
    const staged = h.ns.chunksOfFile(staging).map((chunk) => chunk.chunkId);
    const pendingBefore = h.ns.counts().pendingDeletes;
    const result = h.run({
      rewrite: {
        path: "/f", fileId, stagingFileId: staging, clientId: CLIENT, baseChunkCount: 3, baseLengthBytes: 8 * MiB + 100, chunkCount: 4, lengthBytes: 12 * MiB + 7, mtimeMs: 50,
        moves: [
          { stagingIndex: 1, targetIndex: 1, replacedChunkId: base[1] },
          { stagingIndex: 2, targetIndex: 2, replacedChunkId: base[2] },
          { stagingIndex: 3, targetIndex: 3, replacedChunkId: "" },
        ],
      },
    });
    expect(result).toMatchObject({ fileId, lengthBytes: 12 * MiB + 7, mtimeMs: 50, chunkCount: 4, chunksDropped: 3 });
    expect(h.chunkIds("/f")).toEqual([base[0], staged[1], staged[2], staged[3]]);
    expect(h.ns.stat("/f")).toMatchObject({ sizeBytes: 12 * MiB + 7, mtimeMs: 50, state: "closed" });
    // Replaced: base[1], base[2]; superseded: staged[0]. The staging file is gone.
    const pending = h.ns.pendingDeletes().chunks.map((chunk) => chunk.chunkId).sort();
    expect(pending).toEqual([base[1], base[2], staged[0]].sort());
    expect(h.ns.counts()).toMatchObject({ files: 1, chunks: 4, pendingDeletes: pendingBefore + 3 });
    expect(() => h.ns.stat(stagingPath(staging))).toThrow(/does not exist/);
  });

  it("a rewrite alone cuts the file (no staging file), and one that cuts inside a chunk moves its shorter version", () => {
    const h = harness();
    const fileId = h.write("/f", [4 * MiB, 4 * MiB, 4 * MiB]);
    const base = h.chunkIds("/f");
    h.run({ rewrite: { path: "/f", fileId, clientId: CLIENT, baseChunkCount: 3, baseLengthBytes: 12 * MiB, chunkCount: 2, lengthBytes: 8 * MiB, mtimeMs: 9 } });
    expect(h.chunkIds("/f")).toEqual(base.slice(0, 2));
    const staging = h.stage("/f", [10]);
    const staged = h.ns.chunksOfFile(staging)[0]!.chunkId;
    h.run({ rewrite: { path: "/f", fileId, stagingFileId: staging, clientId: CLIENT, baseChunkCount: 2, baseLengthBytes: 8 * MiB, chunkCount: 1, lengthBytes: 10, mtimeMs: 10, moves: [{ stagingIndex: 0, targetIndex: 0, replacedChunkId: base[0] }] } });
    expect(h.chunkIds("/f")).toEqual([staged]);
    expect(h.ns.stat("/f").sizeBytes).toBe(10);
    expect(h.ns.counts()).toMatchObject({ chunks: 1, pendingDeletes: 3 });
  });

  it("a file changed since the base is FILE_CHANGED, and the refusal changes nothing", () => {
    const h = harness();
    const fileId = h.write("/f", [4 * MiB, 100]);
    const base = h.chunkIds("/f");
    const staging = h.stage("/f", [4 * MiB]);
    const rewrite = (extra: Partial<LogCommandOf<"rewrite">>) => ({
      rewrite: { path: "/f", fileId, stagingFileId: staging, clientId: CLIENT, baseChunkCount: 2, baseLengthBytes: 4 * MiB + 100, chunkCount: 2, lengthBytes: 4 * MiB + 100, mtimeMs: 9, moves: [{ stagingIndex: 0, targetIndex: 0, replacedChunkId: base[0] }], ...extra },
    });
    const dump = h.ns.dump();
    expect(h.fail(rewrite({ moves: [{ stagingIndex: 0, targetIndex: 0, replacedChunkId: "00000000000000aa" }] }))).toBe("FILE_CHANGED");
    expect(h.fail(rewrite({ baseLengthBytes: 5 }))).toBe("FILE_CHANGED");
    expect(h.fail(rewrite({ baseChunkCount: 3 }))).toBe("FILE_CHANGED");
    expect(h.fail(rewrite({ fileId: fileId + 1000 }))).toBe("FILE_CHANGED");
    expect(h.fail(rewrite({ lengthBytes: 7 }))).toBe("INVALID");
    expect(h.fail(rewrite({ chunkCount: 3 }))).toBe("INVALID");
    expect(h.fail(rewrite({ clientId: OTHER }))).toBe("NOT_LEASE_HOLDER");
    expect(h.fail(rewrite({ moves: [{ stagingIndex: 5, targetIndex: 0, replacedChunkId: base[0] }] }))).toBe("CHUNK_NOT_FOUND");
    expect(h.fail(rewrite({ moves: [{ stagingIndex: 0, targetIndex: 0, replacedChunkId: base[0] }, { stagingIndex: 0, targetIndex: 1, replacedChunkId: base[1] }] }))).toBe("INVALID");
    // Only the applied index moved.
    const strip = (text: string) => text.split("\n").slice(2).join("\n");
    expect(strip(h.ns.dump())).toBe(strip(dump));
    // Another writer appends: the editor's base is gone.
    const { fileId: reopened } = h.run({ reopenForAppend: { path: "/f", clientId: OTHER, leaseExpiryMs: 99, nowMs: 9 } });
    expect(h.fail(rewrite({}))).toBe("LEASE_HELD");
    const chunk = h.run({ addChunk: { fileId: reopened, clientId: OTHER, replicas: PEERS } });
    h.run({ commitChunk: { fileId, chunkId: chunk.chunkId, version: 1, sizeBytes: 1, clientId: OTHER, complete: true, mtimeMs: 10 } });
    expect(h.fail(rewrite({}))).toBe("FILE_CHANGED");
  });

  it("a retried rewrite (the same call) gets the first outcome and changes nothing again (the retry cache)", () => {
    const h = harness();
    const fileId = h.write("/f", [4 * MiB, 100]);
    const base = h.chunkIds("/f");
    const staging = h.stage("/f", [4 * MiB]);
    const call = { clientId: CLIENT, callId: 41, nowMs: 5 };
    const command: Command = { rewrite: { path: "/f", fileId, stagingFileId: staging, clientId: CLIENT, baseChunkCount: 2, baseLengthBytes: 4 * MiB + 100, chunkCount: 2, lengthBytes: 4 * MiB + 100, mtimeMs: 9, moves: [{ stagingIndex: 0, targetIndex: 0, replacedChunkId: base[0] }] }, call };
    const first = h.run(command);
    const after = h.chunkIds("/f");
    const counts = h.ns.counts();
    expect(h.run(command)).toEqual(expect.objectContaining({ value: first }));
    expect(h.chunkIds("/f")).toEqual(after);
    expect(h.ns.counts()).toEqual(counts);
    // The same call refused the first time is refused again, alike.
    const symlinkCall = { clientId: CLIENT, callId: 42, nowMs: 6 };
    expect(h.fail({ symlink: { path: "/f", target: "x", mtimeMs: 10 }, call: symlinkCall })).toBe("ALREADY_EXISTS");
    h.run({ delete: { path: "/f", nowMs: 11 } });
    expect(h.fail({ symlink: { path: "/f", target: "x", mtimeMs: 12 }, call: symlinkCall })).toBe("ALREADY_EXISTS");
  });

  it("WRITE on the file is needed to stage and to rewrite", () => {
    const h = harness();
    h.run({ mkdir: { path: "/home", mtimeMs: 1, permission: 0o777 } });
    h.run({ create: { path: "/home/f", replication: 3, chunkSizeBytes: 4 * MiB, clientId: CLIENT, leaseExpiryMs: 0, mtimeMs: 1, closed: true, permission: 0o644 }, caller: ALICE });
    const fileId = h.ns.stat("/home/f").id;
    expect(h.fail({ create: { path: "/home/f", replication: 3, chunkSizeBytes: 4 * MiB, clientId: OTHER, leaseExpiryMs: 9, mtimeMs: 2, staging: true }, caller: BOB })).toBe("PERMISSION_DENIED");
    expect(h.fail({ rewrite: { path: "/home/f", fileId, clientId: OTHER, baseChunkCount: 0, baseLengthBytes: 0, chunkCount: 0, lengthBytes: 0, mtimeMs: 3 }, caller: BOB })).toBe("PERMISSION_DENIED");
    const staging = h.stage("/home/f", [5], CLIENT, ALICE);
    expect(h.ns.stat(stagingPath(staging)).owner).toBe("alice");
    // Bob cannot drop Alice's staging file; Alice can (an editor's abort).
    expect(h.fail({ delete: { path: stagingPath(staging), nowMs: 4 }, caller: BOB })).toBe("PERMISSION_DENIED");
    expect(h.run({ delete: { path: stagingPath(staging), nowMs: 4 }, caller: ALICE })).toEqual({ files: 1, directories: 0, chunks: 1 });
    expect(h.ns.counts()).toMatchObject({ files: 1, chunks: 0, pendingDeletes: 1 });
  });

  it("an editor that went away leaves no garbage: lease recovery removes its staging file and sends its chunks to the pending deletes", () => {
    const h = harness();
    h.write("/f", [100]);
    const staging = h.stage("/f", [4 * MiB, 4 * MiB]);
    // One more chunk in flight, uncommitted.
    h.run({ addChunk: { fileId: staging, clientId: CLIENT, replicas: PEERS, uncommittedMax: 4 } });
    expect(h.ns.openFilesWithLeaseExpiredBefore(60_001).map((lease) => lease.path)).toEqual([stagingPath(staging)]);
    expect(h.fail({ recoverLease: { fileId: staging, nowMs: 59_999 } })).toBe("LEASE_HELD");
    expect(h.run({ recoverLease: { fileId: staging, nowMs: 60_001 } })).toEqual({ recovered: true });
    expect(h.ns.counts()).toMatchObject({ files: 1, chunks: 1, pendingDeletes: 3 });
    expect(h.ns.openFilesWithLeaseExpiredBefore(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });
});
