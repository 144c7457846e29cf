import { describe, expect, it } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { encodeLogCommand, type LogCommandKind, type LogCommandOf, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { WireError } from "../../src/protocol/errors.ts";
import { CHUNKS_PER_FILE_MAX, LIST_PAGE_MAX } from "../../src/master/state/limits.ts";
import { CHUNKS_IN_FLIGHT_MAX, REPLICATION_MAX } from "../../src/protocol/limits.ts";

const MiB = 1024 * 1024;
const CLIENT = "client-a";
const OTHER = "client-b";
const PEERS = ["peerA", "peerB", "peerC"];

/** A command with the fields a test leaves out at their defaults, as a proposer's zero values would be. */
type Command = { [K in LogCommandKind]: { [P in K]: Partial<LogCommandOf<P>> } }[LogCommandKind];

function harness() {
  const ns = Namespace.open();
  let index = 0;
  const run = (command: Command): any => ns.apply({ index: ++index, term: 1, type: "normal", data: encodeLogCommand(command as TypedLogCommand) });
  const fail = (command: Command): string => {
    const before = index;
    try {
      run(command);
    } catch (err) {
      expect(err).toBeInstanceOf(WireError);
      // A rejected command still advances the applied index, like every other replica's.
      expect(ns.appliedIndex()).toBe(before + 1);
      return (err as WireError).code;
    }
    throw new Error(`${Object.keys(command)[0]} succeeded`);
  };
  const create = (path: string, extra: Partial<LogCommandOf<"create">> = {}): number =>
    run({ create: { path, replication: 3, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1_000, ...extra } }).fileId;
  /** A file of `sizes.length` committed chunks, closed. */
  const write = (path: string, sizes: number[]): number => {
    const fileId = create(path);
    for (const sizeBytes of sizes) {
      const chunk = run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
      run({ commitChunk: { fileId, chunkId: chunk.chunkId, version: chunk.version, sizeBytes, clientId: CLIENT } });
    }
    run({ complete: { fileId, clientId: CLIENT, mtimeMs: 2_000 } });
    return fileId;
  };
  return { ns, run, fail, create, write, get index() { return index; } };
}

describe("namespace: folders", () => {
  it("mkdir creates one folder, with parents a chain, and fails typed otherwise", () => {
    const h = harness();
    expect(h.run({ mkdir: { path: "/a", mtimeMs: 5 } })).toEqual({ created: 1 });
    expect(h.ns.stat("/a")).toMatchObject({ path: "/a", kind: "dir", mtimeMs: 5 });
    expect(h.ns.stat("/").mtimeMs).toBe(5);
    expect(h.fail({ mkdir: { path: "/a", mtimeMs: 6 } })).toBe("ALREADY_EXISTS");
    expect(h.fail({ mkdir: { path: "/x/y", mtimeMs: 6 } })).toBe("NOT_FOUND");
    expect(h.run({ mkdir: { path: "/x/y/z", parents: true, mtimeMs: 7 } })).toEqual({ created: 3 });
    expect(h.run({ mkdir: { path: "/x/y", parents: true, mtimeMs: 8 } })).toEqual({ created: 0 });
    h.write("/a/f", [10]);
    expect(h.fail({ mkdir: { path: "/a/f", mtimeMs: 9 } })).toBe("ALREADY_EXISTS");
    expect(h.fail({ mkdir: { path: "/a/f/g", parents: true, mtimeMs: 9 } })).toBe("NOT_A_DIRECTORY");
    expect(h.fail({ mkdir: { path: "/a//g", mtimeMs: 9 } })).toBe("INVALID_PATH");
    expect(h.fail({ mkdir: { path: "/", mtimeMs: 9 } })).toBe("ALREADY_EXISTS");
    expect(h.ns.counts()).toEqual({ files: 1, directories: 5, chunks: 1, pendingDeletes: 0 });
  });
});

describe("namespace: writing a file", () => {
  it("create → addChunk → commitChunk → complete, lengths from committed chunks", () => {
    const h = harness();
    h.run({ mkdir: { path: "/d", mtimeMs: 1 } });
    const fileId = h.create("/d/f");
    expect(h.ns.stat("/d/f")).toMatchObject({ kind: "file", state: "open", sizeBytes: 0, replication: 3, chunkSizeBytes: 64 * MiB, leaseHolder: CLIENT, leaseExpiryMs: 60_000 });
    const c0 = h.run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
    expect(c0).toEqual({ chunkId: "0000000000000001", index: 0, version: 1, replicas: PEERS });
    expect(h.fail({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } })).toBe("CHUNK_UNCOMMITTED");
    expect(h.fail({ complete: { fileId, clientId: CLIENT, mtimeMs: 3 } })).toBe("CHUNK_UNCOMMITTED");
    expect(h.fail({ commitChunk: { fileId, chunkId: c0.chunkId, version: 2, sizeBytes: 5, clientId: CLIENT } })).toBe("VERSION_MISMATCH");
    expect(h.fail({ commitChunk: { fileId, chunkId: c0.chunkId, version: 1, sizeBytes: 64 * MiB + 1, clientId: CLIENT } })).toBe("INVALID");
    expect(h.fail({ commitChunk: { fileId, chunkId: c0.chunkId, version: 1, sizeBytes: 5, clientId: OTHER } })).toBe("NOT_LEASE_HOLDER");
    expect(h.fail({ commitChunk: { fileId, chunkId: "00000000000000ff", version: 1, sizeBytes: 5, clientId: CLIENT } })).toBe("CHUNK_NOT_FOUND");
    expect(h.fail({ commitChunk: { fileId, chunkId: "XYZ", version: 1, sizeBytes: 5, clientId: CLIENT } })).toBe("INVALID");
    expect(h.run({ commitChunk: { fileId, chunkId: c0.chunkId, version: 1, sizeBytes: 64 * MiB, clientId: CLIENT } })).toMatchObject({ lengthBytes: 64 * MiB });
    // A retried commit succeeds again without counting twice.
    expect(h.run({ commitChunk: { fileId, chunkId: c0.chunkId, version: 1, sizeBytes: 64 * MiB, clientId: CLIENT } })).toMatchObject({ lengthBytes: 64 * MiB });
    const c1 = h.run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
    expect(c1.index).toBe(1);
    expect(h.ns.stat("/d/f").sizeBytes).toBe(64 * MiB);
    // Completing the file with a commit of a chunk that is not its last is refused, and changes
    // nothing (it was an assertion once: one such request stopped every master).
    expect(h.fail({ commitChunk: { fileId, chunkId: c0.chunkId, version: 1, sizeBytes: 64 * MiB, clientId: CLIENT, complete: true, mtimeMs: 3 } })).toBe("INVALID");
    expect(h.ns.stat("/d/f", { chunks: true })).toMatchObject({ state: "open", sizeBytes: 64 * MiB, chunks: [{ committed: true }, { committed: false }] });
    h.run({ commitChunk: { fileId, chunkId: c1.chunkId, version: 1, sizeBytes: 100, clientId: CLIENT } });
    expect(h.run({ complete: { fileId, clientId: CLIENT, mtimeMs: 3 } })).toEqual({ fileId, lengthBytes: 64 * MiB + 100, mtimeMs: 3 });
    // complete is idempotent (a retry answers the first close's time); writing to a closed file is not allowed.
    expect(h.run({ complete: { fileId, clientId: CLIENT, mtimeMs: 4 } })).toEqual({ fileId, lengthBytes: 64 * MiB + 100, mtimeMs: 3 });
    expect(h.fail({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } })).toBe("FILE_CLOSED");
    const stat = h.ns.stat("/d/f", { chunks: true });
    expect(stat).toMatchObject({ state: "closed", sizeBytes: 64 * MiB + 100, mtimeMs: 3 });
    expect(stat.leaseHolder).toBeUndefined();
    expect(stat.chunks).toEqual([
      { chunkId: c0.chunkId, index: 0, version: 1, sizeBytes: 64 * MiB, committed: true, replicas: PEERS },
      { chunkId: c1.chunkId, index: 1, version: 1, sizeBytes: 100, committed: true, replicas: PEERS },
    ]);
    expect(h.ns.fileOfChunk(c1.chunkId)).toEqual({ fileId, path: "/d/f", index: 1, version: 1, committed: true });
    expect(h.ns.fileOfChunk("00000000000000ff")).toBeUndefined();
    expect(h.ns.chunksOfFile(fileId, { fromIndex: 1 }).map((c) => c.chunkId)).toEqual([c1.chunkId]);
  });

  it("an empty file created closed is one entry: no lease, nothing to write, and a second create fails", () => {
    const h = harness();
    h.run({ mkdir: { path: "/d", mtimeMs: 1 } });
    const before = h.index;
    const created = h.run({ create: { path: "/d/empty", replication: 2, chunkSizeBytes: 64 * MiB, clientId: CLIENT, mtimeMs: 7, closed: true } });
    expect(h.index).toBe(before + 1);
    expect(created).toEqual({ fileId: expect.any(Number), mtimeMs: 7 });
    const stat = h.ns.stat("/d/empty", { chunks: true });
    expect(stat).toMatchObject({ kind: "file", state: "closed", sizeBytes: 0, replication: 2, mtimeMs: 7, chunks: [] });
    expect(stat.leaseHolder).toBeUndefined();
    expect(h.ns.stat("/d").mtimeMs).toBe(7);
    // Closed from the start: nothing can be written to it without reopening.
    expect(h.fail({ addChunk: { fileId: created.fileId, clientId: CLIENT, replicas: PEERS } })).toBe("FILE_CLOSED");
    // Unlike an open create by the same client, a closed one is never "its own file back".
    expect(h.fail({ create: { path: "/d/empty", replication: 2, chunkSizeBytes: 64 * MiB, clientId: CLIENT, mtimeMs: 8, closed: true } })).toBe("ALREADY_EXISTS");
    expect(h.ns.counts().files).toBe(1);
  });

  it("a create can place the file's first chunk in the same entry, and refuses a bad pipeline whole", () => {
    const h = harness();
    const before = h.index;
    const created = h.run({ create: { path: "/f", replication: 3, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1, firstChunk: { replicas: PEERS } } });
    expect(h.index).toBe(before + 1);
    expect(created.firstChunk).toEqual({ chunkId: expect.stringMatching(/^[0-9a-f]{16}$/), index: 0, version: 1, replicas: PEERS });
    expect(h.ns.chunksOfFile(created.fileId)).toEqual([{ chunkId: created.firstChunk.chunkId, index: 0, version: 1, sizeBytes: 0, committed: false, replicas: PEERS }]);
    expect(h.run({ commitChunk: { fileId: created.fileId, chunkId: created.firstChunk.chunkId, version: 1, sizeBytes: 5, clientId: CLIENT, complete: true, mtimeMs: 2 } })).toMatchObject({ closed: true, lengthBytes: 5 });
    // A repeated peer in the pipeline: nothing is created at all.
    expect(h.fail({ create: { path: "/g", replication: 3, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1, firstChunk: { replicas: ["peerA", "peerA"] } } })).toBe("INVALID");
    expect(h.fail({ create: { path: "/g", replication: 3, chunkSizeBytes: 64 * MiB, clientId: CLIENT, mtimeMs: 1, closed: true, firstChunk: { replicas: PEERS } } })).toBe("INVALID");
    expect(() => h.ns.stat("/g")).toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
    expect(h.ns.counts()).toMatchObject({ files: 1, chunks: 1 });
  });

  it("the last chunk's commit can complete the file in the same entry, and its retry answers the same", () => {
    const h = harness();
    const fileId = h.create("/f");
    const first = h.run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
    expect(h.run({ commitChunk: { fileId, chunkId: first.chunkId, version: first.version, sizeBytes: 64 * MiB, clientId: CLIENT } })).toMatchObject({ closed: false, mtimeMs: 0, lengthBytes: 64 * MiB, replicas: PEERS });
    const last = h.run({ addChunk: { fileId, clientId: CLIENT, replicas: ["peerB", "peerC"] } });
    const commit = { fileId, chunkId: last.chunkId, version: last.version, sizeBytes: 10, clientId: CLIENT, complete: true, mtimeMs: 9_000 };
    const before = h.index;
    expect(h.run({ commitChunk: commit })).toEqual({ chunkId: last.chunkId, index: 1, version: 1, sizeBytes: 10, replicas: ["peerB", "peerC"], lengthBytes: 64 * MiB + 10, closed: true, mtimeMs: 9_000 });
    expect(h.index).toBe(before + 1);
    expect(h.ns.stat("/f")).toMatchObject({ state: "closed", sizeBytes: 64 * MiB + 10, mtimeMs: 9_000 });
    // A retry whose first answer was lost: the same answer, nothing changes.
    expect(h.run({ commitChunk: { ...commit, mtimeMs: 9_500 } })).toMatchObject({ closed: true, mtimeMs: 9_000, lengthBytes: 64 * MiB + 10 });
    expect(h.ns.stat("/f").mtimeMs).toBe(9_000);
    // A commit of anything else into the closed file is refused.
    expect(h.fail({ commitChunk: { ...commit, sizeBytes: 11 } })).toBe("FILE_CLOSED");
    // Completing needs the leader's clock in the command.
    const other = h.create("/g");
    const chunk = h.run({ addChunk: { fileId: other, clientId: CLIENT, replicas: PEERS } });
    expect(h.fail({ commitChunk: { fileId: other, chunkId: chunk.chunkId, version: chunk.version, sizeBytes: 1, clientId: CLIENT, complete: true } })).toBe("INVALID");
  });

  it("create fails typed and checks its bounds", () => {
    const h = harness();
    h.create("/f");
    // The same client retrying its create gets its file back; anyone else: ALREADY_EXISTS.
    expect(h.create("/f")).toBe(h.ns.stat("/f").id);
    expect(h.fail({ create: { path: "/f", replication: 3, chunkSizeBytes: 64 * MiB, clientId: OTHER, leaseExpiryMs: 1, mtimeMs: 1 } })).toBe("ALREADY_EXISTS");
    const base = { replication: 3, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 1, mtimeMs: 1 };
    expect(h.fail({ create: { ...base, path: "/missing/f" } })).toBe("NOT_FOUND");
    expect(h.fail({ create: { ...base, path: "/f/g" } })).toBe("NOT_A_DIRECTORY");
    expect(h.fail({ create: { ...base, path: "/" } })).toBe("ALREADY_EXISTS");
    expect(h.fail({ create: { ...base, path: "/g", replication: 0 } })).toBe("INVALID");
    expect(h.fail({ create: { ...base, path: "/g", replication: REPLICATION_MAX + 1 } })).toBe("INVALID");
    expect(h.fail({ create: { ...base, path: "/g", chunkSizeBytes: 32 * 1024 } })).toBe("INVALID");
    expect(h.fail({ create: { ...base, path: "/g", chunkSizeBytes: 64 * 1024 + 1 } })).toBe("INVALID");
    expect(h.fail({ create: { ...base, path: "/g", chunkSizeBytes: 2048 * MiB } })).toBe("INVALID");
    expect(h.fail({ create: { ...base, path: "/g", clientId: "" } })).toBe("INVALID");
    h.run({ create: { ...base, path: "/g", replication: REPLICATION_MAX, chunkSizeBytes: 64 * 1024 } });
    h.run({ create: { ...base, path: "/h", replication: 1, chunkSizeBytes: 1024 * MiB, clientId: "x" } });
    expect(h.ns.counts().files).toBe(3);
  });

  it("addChunk checks the lease, the replicas and the chunk bound", () => {
    const h = harness();
    const fileId = h.create("/f");
    expect(h.fail({ addChunk: { fileId, clientId: OTHER, replicas: PEERS } })).toBe("NOT_LEASE_HOLDER");
    expect(h.fail({ addChunk: { fileId: 999, clientId: CLIENT, replicas: PEERS } })).toBe("NOT_FOUND");
    expect(h.fail({ addChunk: { fileId: 1, clientId: CLIENT, replicas: PEERS } })).toBe("NOT_A_FILE");
    expect(h.fail({ addChunk: { fileId, clientId: CLIENT, replicas: [] } })).toBe("INVALID");
    expect(h.fail({ addChunk: { fileId, clientId: CLIENT, replicas: ["a", "a"] } })).toBe("INVALID");
    expect(h.fail({ addChunk: { fileId, clientId: CLIENT, replicas: ["a,b"] } })).toBe("INVALID");
    // More replicas than the bound do not even decode: the command is malformed.
    expect(h.fail({ addChunk: { fileId, clientId: CLIENT, replicas: Array.from({ length: REPLICATION_MAX + 1 }, (_, i) => `p${i}`) } })).toBe("COMMAND_REJECTED");
    // The chunk bound: a file whose last chunk sits at the last index takes no more.
    const last = h.run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
    (h.ns as any).db.run("UPDATE chunks SET idx = ? WHERE chunk_id = ?", [CHUNKS_PER_FILE_MAX - 1, last.chunkId]);
    h.run({ commitChunk: { fileId, chunkId: last.chunkId, version: 1, sizeBytes: 1, clientId: CLIENT } });
    expect(h.fail({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } })).toBe("LIMIT");
  });

  it("bumpChunkVersion rebuilds a pipeline; abandonChunk drops the chunk being written", () => {
    const h = harness();
    const fileId = h.create("/f");
    const c = h.run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
    expect(h.fail({ bumpChunkVersion: { fileId, chunkId: c.chunkId, version: 1, replicas: ["peerA", "peerC"] } })).toBe("VERSION_MISMATCH");
    expect(h.run({ bumpChunkVersion: { fileId, chunkId: c.chunkId, version: 2, replicas: ["peerA", "peerC"] } })).toEqual({ chunkId: c.chunkId, version: 2, replicas: ["peerA", "peerC"] });
    expect(h.fail({ commitChunk: { fileId, chunkId: c.chunkId, version: 1, sizeBytes: 1, clientId: CLIENT } })).toBe("VERSION_MISMATCH");
    h.run({ commitChunk: { fileId, chunkId: c.chunkId, version: 2, sizeBytes: 1, clientId: CLIENT } });
    expect(h.fail({ bumpChunkVersion: { fileId, chunkId: c.chunkId, version: 3, replicas: PEERS } })).toBe("INVALID");
    expect(h.fail({ abandonChunk: { fileId, chunkId: c.chunkId, clientId: CLIENT, nowMs: 5 } })).toBe("INVALID");
    const d = h.run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
    expect(h.fail({ abandonChunk: { fileId, chunkId: d.chunkId, clientId: OTHER, nowMs: 5 } })).toBe("NOT_LEASE_HOLDER");
    expect(h.run({ abandonChunk: { fileId, chunkId: d.chunkId, clientId: CLIENT, nowMs: 5 } })).toEqual({ chunkId: d.chunkId });
    expect(h.ns.pendingDeletes().chunks).toEqual([{ chunkId: d.chunkId, version: 1, deletedAtMs: 5 }]);
    expect(h.ns.counts()).toEqual({ files: 1, directories: 1, chunks: 1, pendingDeletes: 1 });
    expect(h.run({ complete: { fileId, clientId: CLIENT, mtimeMs: 6 } })).toEqual({ fileId, lengthBytes: 1, mtimeMs: 6 });
    expect(h.fail({ bumpChunkVersion: { fileId, chunkId: c.chunkId, version: 3, replicas: PEERS } })).toBe("FILE_CLOSED");
    expect(h.run({ dropPendingDeletes: { chunkIds: [d.chunkId, "00000000000000aa"] } })).toEqual({ dropped: 1 });
    expect(h.ns.counts().pendingDeletes).toBe(0);
  });

  it("several chunks in flight (issue 13): up to uncommittedMax uncommitted, commits in file order, the last one's commit completes", () => {
    const h = harness();
    const fileId = h.create("/f");
    const add = () => h.run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS, uncommittedMax: 3 } });
    const [c0, c1, c2] = [add(), add(), add()];
    expect([c0.index, c1.index, c2.index]).toEqual([0, 1, 2]);
    // A fourth would make four uncommitted; an entry without the field keeps the old rule of one.
    expect(h.fail({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS, uncommittedMax: 3 } })).toBe("CHUNK_UNCOMMITTED");
    expect(h.fail({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } })).toBe("CHUNK_UNCOMMITTED");
    expect(h.fail({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS, uncommittedMax: CHUNKS_IN_FLIGHT_MAX + 1 } })).toBe("INVALID");
    // A later chunk's pipeline may finish first, but its commit waits for the ones before it.
    expect(h.fail({ commitChunk: { fileId, chunkId: c1.chunkId, version: 1, sizeBytes: MiB, clientId: CLIENT } })).toBe("CHUNK_UNCOMMITTED");
    expect(h.fail({ commitChunk: { fileId, chunkId: c2.chunkId, version: 1, sizeBytes: 5, clientId: CLIENT, complete: true, mtimeMs: 9 } })).toBe("CHUNK_UNCOMMITTED");
    // Not the last chunk: its commit cannot complete the file.
    h.run({ commitChunk: { fileId, chunkId: c0.chunkId, version: 1, sizeBytes: MiB, clientId: CLIENT } });
    expect(h.fail({ commitChunk: { fileId, chunkId: c1.chunkId, version: 1, sizeBytes: MiB, clientId: CLIENT, complete: true, mtimeMs: 9 } })).toBe("INVALID");
    expect(h.ns.stat("/f")).toMatchObject({ state: "open", sizeBytes: MiB });
    // A pipeline of a chunk in the middle is rebuilt under a new version.
    expect(h.run({ bumpChunkVersion: { fileId, chunkId: c1.chunkId, version: 2, replicas: ["peerA"] } })).toMatchObject({ version: 2 });
    h.run({ commitChunk: { fileId, chunkId: c1.chunkId, version: 2, sizeBytes: MiB, clientId: CLIENT } });
    expect(h.fail({ complete: { fileId, clientId: CLIENT, mtimeMs: 9 } })).toBe("CHUNK_UNCOMMITTED");
    expect(h.run({ commitChunk: { fileId, chunkId: c2.chunkId, version: 1, sizeBytes: 5, clientId: CLIENT, complete: true, mtimeMs: 9 } })).toMatchObject({ closed: true, lengthBytes: 2 * MiB + 5 });
    expect(h.ns.stat("/f")).toMatchObject({ state: "closed", sizeBytes: 2 * MiB + 5 });
  });

  it("several chunks in flight: abandoning one drops it and every chunk after it; recovering the lease drops all uncommitted ones", () => {
    const h = harness();
    const fileId = h.create("/f", { leaseExpiryMs: 1_000 });
    const add = () => h.run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS, uncommittedMax: 4 } });
    const [c0, c1, c2, c3] = [add(), add(), add(), add()];
    h.run({ commitChunk: { fileId, chunkId: c0.chunkId, version: 1, sizeBytes: MiB, clientId: CLIENT } });
    expect(h.run({ abandonChunk: { fileId, chunkId: c2.chunkId, clientId: CLIENT, nowMs: 5 } })).toEqual({ chunkId: c2.chunkId });
    expect(h.ns.pendingDeletes().chunks.map((c) => c.chunkId).sort()).toEqual([c2.chunkId, c3.chunkId].sort());
    expect(h.ns.chunksOfFile(fileId).map((c) => c.chunkId)).toEqual([c0.chunkId, c1.chunkId]);
    // The next chunk takes the place of the abandoned ones.
    const again = add();
    expect(again.index).toBe(2);
    expect(h.run({ recoverLease: { fileId, nowMs: 2_000 } })).toEqual({ recovered: true, abandonedChunkId: c1.chunkId });
    expect(h.ns.chunksOfFile(fileId).map((c) => c.chunkId)).toEqual([c0.chunkId]);
    expect(h.ns.stat("/f")).toMatchObject({ state: "closed", sizeBytes: MiB });
    expect(h.ns.counts()).toMatchObject({ chunks: 1, pendingDeletes: 4 });
  });

  it("leases: renew, recover after expiry, reopen for append", () => {
    const h = harness();
    const fileId = h.create("/f", { leaseExpiryMs: 1_000 });
    const c0 = h.run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
    h.run({ commitChunk: { fileId, chunkId: c0.chunkId, version: 1, sizeBytes: 7, clientId: CLIENT } });
    const c1 = h.run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
    expect(h.run({ renewLease: { fileId, clientId: CLIENT, leaseExpiryMs: 2_000 } })).toEqual({ leaseExpiryMs: 2_000 });
    // A late renewal never shrinks a lease.
    expect(h.run({ renewLease: { fileId, clientId: CLIENT, leaseExpiryMs: 1_500 } })).toEqual({ leaseExpiryMs: 2_000 });
    expect(h.fail({ renewLease: { fileId, clientId: OTHER, leaseExpiryMs: 9_000 } })).toBe("NOT_LEASE_HOLDER");
    expect(h.ns.openFilesWithLeaseExpiredBefore(2_000)).toEqual([]);
    expect(h.ns.openFilesWithLeaseExpiredBefore(2_001)).toEqual([{ fileId, path: "/f", clientId: CLIENT, leaseExpiryMs: 2_000 }]);
    expect(h.fail({ recoverLease: { fileId, nowMs: 1_999 } })).toBe("LEASE_HELD");
    expect(h.fail({ reopenForAppend: { path: "/f", clientId: OTHER, leaseExpiryMs: 5_000, nowMs: 1_999 } })).toBe("LEASE_HELD");
    expect(h.run({ recoverLease: { fileId, nowMs: 2_500 } })).toEqual({ recovered: true, abandonedChunkId: c1.chunkId });
    expect(h.ns.stat("/f")).toMatchObject({ state: "closed", sizeBytes: 7, mtimeMs: 2_500 });
    expect(h.ns.pendingDeletes().chunks.map((c) => c.chunkId)).toEqual([c1.chunkId]);
    expect(h.run({ recoverLease: { fileId, nowMs: 2_600 } })).toEqual({ recovered: false });
    expect(h.ns.openFilesWithLeaseExpiredBefore(10_000)).toEqual([]);

    // Append: new chunks after the last committed one, under the new writer's lease.
    const reopened = h.run({ reopenForAppend: { path: "/f", clientId: OTHER, leaseExpiryMs: 5_000, nowMs: 3_000 } });
    expect(reopened).toMatchObject({ fileId, lengthBytes: 7, chunkSizeBytes: 64 * MiB, replication: 3, lastChunk: { chunkId: c0.chunkId, index: 0, sizeBytes: 7 } });
    expect(h.fail({ reopenForAppend: { path: "/f", clientId: CLIENT, leaseExpiryMs: 5_000, nowMs: 3_000 } })).toBe("LEASE_HELD");
    const c2 = h.run({ addChunk: { fileId, clientId: OTHER, replicas: PEERS } });
    expect(c2.index).toBe(1);
    // The other writer's lease expires with a chunk half written: a reopen recovers it in place.
    const taken = h.run({ reopenForAppend: { path: "/f", clientId: CLIENT, leaseExpiryMs: 9_000, nowMs: 6_000 } });
    expect(taken.abandonedChunkId).toBe(c2.chunkId);
    expect(h.ns.stat("/f")).toMatchObject({ state: "open", leaseHolder: CLIENT, leaseExpiryMs: 9_000 });
    expect(h.fail({ reopenForAppend: { path: "/", clientId: CLIENT, leaseExpiryMs: 9_000, nowMs: 6_000 } })).toBe("NOT_A_FILE");
    expect(h.fail({ reopenForAppend: { path: "/nope", clientId: CLIENT, leaseExpiryMs: 9_000, nowMs: 6_000 } })).toBe("NOT_FOUND");
  });
});

describe("namespace: rename, delete, replication", () => {
  it("rename moves a file or a subtree atomically and fails typed", () => {
    const h = harness();
    h.run({ mkdir: { path: "/a/b/c", parents: true, mtimeMs: 1 } });
    h.write("/a/b/c/f", [1, 2]);
    h.run({ mkdir: { path: "/z", mtimeMs: 1 } });
    expect(h.fail({ rename: { path: "/a", destination: "/a/b/x", mtimeMs: 2 } })).toBe("INVALID");
    expect(h.fail({ rename: { path: "/a", destination: "/z", mtimeMs: 2 } })).toBe("ALREADY_EXISTS");
    expect(h.fail({ rename: { path: "/nope", destination: "/y", mtimeMs: 2 } })).toBe("NOT_FOUND");
    expect(h.fail({ rename: { path: "/a", destination: "/nope/y", mtimeMs: 2 } })).toBe("NOT_FOUND");
    expect(h.fail({ rename: { path: "/z", destination: "/a/b/c/f/y", mtimeMs: 2 } })).toBe("NOT_A_DIRECTORY");
    expect(h.fail({ rename: { path: "/", destination: "/y", mtimeMs: 2 } })).toBe("INVALID");
    h.run({ rename: { path: "/a/b", destination: "/z/b2", mtimeMs: 3 } });
    expect(h.ns.stat("/z/b2/c/f").sizeBytes).toBe(3);
    expect(() => h.ns.stat("/a/b")).toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
    expect(h.ns.stat("/a").mtimeMs).toBe(3);
    expect(h.ns.stat("/z").mtimeMs).toBe(3);
    h.run({ rename: { path: "/z/b2/c/f", destination: "/f", mtimeMs: 4 } });
    expect(h.ns.fileOfChunk(h.ns.stat("/f", { chunks: true }).chunks![0].chunkId)?.path).toBe("/f");
    // A name prefix that is not a subtree is a valid destination.
    h.run({ mkdir: { path: "/ab", mtimeMs: 5 } });
    h.run({ rename: { path: "/a", destination: "/ab/a", mtimeMs: 5 } });
  });

  it("delete removes files and subtrees, sending every chunk to the pending deletes", () => {
    const h = harness();
    h.run({ mkdir: { path: "/d/e", parents: true, mtimeMs: 1 } });
    h.write("/d/f1", [1, 1, 1]);
    h.write("/d/e/f2", [1]);
    const open = h.create("/d/e/open");
    h.run({ addChunk: { fileId: open, clientId: CLIENT, replicas: PEERS } });
    h.write("/keep", [5]);
    expect(h.ns.counts()).toEqual({ files: 4, directories: 3, chunks: 6, pendingDeletes: 0 });
    expect(h.fail({ delete: { path: "/d", nowMs: 9 } })).toBe("NOT_EMPTY");
    expect(h.fail({ delete: { path: "/", recursive: true, nowMs: 9 } })).toBe("INVALID");
    expect(h.fail({ delete: { path: "/nope", nowMs: 9 } })).toBe("NOT_FOUND");
    expect(h.run({ delete: { path: "/d/f1", nowMs: 9 } })).toEqual({ files: 1, directories: 0, chunks: 3 });
    expect(h.run({ delete: { path: "/d", recursive: true, nowMs: 10 } })).toEqual({ files: 2, directories: 2, chunks: 2 });
    expect(h.ns.counts()).toEqual({ files: 1, directories: 1, chunks: 1, pendingDeletes: 5 });
    expect(h.ns.pendingDeletes().chunks.map((c) => c.deletedAtMs)).toEqual([9, 9, 9, 10, 10]);
    expect(h.ns.openFilesWithLeaseExpiredBefore(Number.MAX_SAFE_INTEGER)).toEqual([]);
    h.run({ mkdir: { path: "/empty", mtimeMs: 11 } });
    expect(h.run({ delete: { path: "/empty", nowMs: 12 } })).toEqual({ files: 0, directories: 1, chunks: 0 });
    expect(h.ns.list("/").entries.map((e) => e.path)).toEqual(["/keep"]);
  });

  it("setReplication changes a file or every file below a folder", () => {
    const h = harness();
    h.run({ mkdir: { path: "/d/e", parents: true, mtimeMs: 1 } });
    h.write("/d/a", [1]);
    h.write("/d/e/b", [1]);
    h.write("/c", [1]);
    expect(h.run({ setReplication: { path: "/d", replication: 5 } })).toEqual({ files: 2 });
    expect(h.run({ setReplication: { path: "/c", replication: 2 } })).toEqual({ files: 1 });
    expect(h.fail({ setReplication: { path: "/c", replication: 0 } })).toBe("INVALID");
    expect(h.ns.list("/", { recursive: true }).entries.map((e) => [e.path, e.replication])).toEqual([
      ["/c", 2],
      ["/d", 0],
      ["/d/a", 5],
      ["/d/e", 0],
      ["/d/e/b", 5],
    ]);
    expect(h.ns.allChunkIds().chunks.map((c) => c.replication)).toEqual([5, 5, 2]);
  });
});

describe("namespace: queries", () => {
  it("lists a folder in pages, flat or recursive, and never repeats or skips", () => {
    const h = harness();
    for (const dir of ["/a", "/a/x", "/a/x/deep", "/b", "/c"]) h.run({ mkdir: { path: dir, mtimeMs: 1 } });
    for (const file of ["/a/1", "/a/x/2", "/a/x/deep/3", "/a/y", "/b/4", "/c0", "/d"]) h.create(file);
    const all = h.ns.list("/", { recursive: true, limit: LIST_PAGE_MAX }).entries.map((e) => e.path);
    expect(all).toEqual(["/a", "/a/1", "/a/x", "/a/x/2", "/a/x/deep", "/a/x/deep/3", "/a/y", "/b", "/b/4", "/c", "/c0", "/d"]);
    for (const limit of [1, 2, 3, 5]) {
      const paged: string[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = h.ns.list("/", { recursive: true, limit, ...(after ? { after } : {}) });
        paged.push(...page.entries.map((e) => e.path));
        if (!page.next) break;
        after = page.next;
      }
      expect(paged, `limit ${limit}`).toEqual(all);
    }
    const flat = h.ns.list("/", { limit: 2 });
    expect(flat.entries.map((e) => e.path)).toEqual(["/a", "/b"]);
    expect(h.ns.list("/", { limit: 2, after: flat.next! }).entries.map((e) => e.path)).toEqual(["/c", "/c0"]);
    expect(h.ns.list("/", { limit: 10, after: "/c0" })).toEqual({ entries: [expect.objectContaining({ path: "/d", kind: "file" })] });
    expect(h.ns.list("/a/x/deep/3").entries.map((e) => e.path)).toEqual(["/a/x/deep/3"]);
    // A cursor that was deleted since still resumes in order.
    expect(h.ns.list("/", { recursive: true, after: "/a/x/gone" }).entries.map((e) => e.path)).toEqual(["/a/y", "/b", "/b/4", "/c", "/c0", "/d"]);
    expect(() => h.ns.list("/", { limit: LIST_PAGE_MAX + 1 })).toThrow(expect.objectContaining({ code: "INVALID" }));
    expect(() => h.ns.list("/b", { after: "/a/1" })).toThrow(expect.objectContaining({ code: "INVALID" }));
    expect(() => h.ns.list("/nope")).toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
  });

  it("pages through every chunk id", () => {
    const h = harness();
    for (let i = 0; i < 5; i++) h.write(`/f${i}`, [1, 2]);
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = h.ns.allChunkIds({ limit: 3, ...(after ? { after } : {}) });
      ids.push(...page.chunks.map((c) => c.chunkId));
      if (!page.next) break;
      after = page.next;
    }
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1).toString(16).padStart(16, "0")));
  });
});

describe("namespace: settings and bad commands", () => {
  it("setSetting keeps its semantics; unknown and malformed commands are rejected alike", () => {
    const h = harness();
    h.run({ setSetting: { key: "voters.target", value: new TextEncoder().encode("5") } });
    expect(new TextDecoder().decode(h.ns.getSetting("voters.target"))).toBe("5");
    expect(h.ns.getSetting("missing")).toBeUndefined();
    expect(h.ns.settingCount).toBe(1);
    expect(h.fail({ setSetting: { key: "bad key!", value: new Uint8Array(1) } })).toBe("COMMAND_REJECTED");
    expect(h.fail({} as Command)).toBe("COMMAND_REJECTED");
    // A command of a kind this version does not know (a later version's field 90): rejected alike.
    const later = h.ns.appliedIndex();
    expect(() => h.ns.apply({ index: later + 1, term: 1, type: "normal", data: new Uint8Array([0xd2, 0x05, 0x00]) })).toThrow(expect.objectContaining({ code: "COMMAND_REJECTED" }));
    const before = h.ns.appliedIndex();
    expect(() => h.ns.apply({ index: before + 1, term: 1, type: "normal", data: new Uint8Array([0xff, 0xff, 0xff]) })).toThrow(expect.objectContaining({ code: "COMMAND_REJECTED" }));
    expect(h.ns.appliedIndex()).toBe(before + 1);
  });
});
