// Determinism, snapshots, restarts and the cost of a big delete.
import { existsSync, mkdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { decodeLogCommand, encodeLogCommand, logCommandKind, type LogCommandKind, type LogCommandOf, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { MasterStateMachine } from "../../src/master/state/state-machine.ts";
import type { Entry } from "../../src/raft/types.ts";
import { AssertionError } from "../../src/util/assert.ts";
import { isNoSpaceError } from "../../src/util/disk-full.ts";
import { tempDir } from "../support/temp.ts";
import { fillToLastByte, mountTmpfs, TMPFS_SKIP_REASON } from "../support/full-disk.ts";

const MiB = 1024 * 1024;

/** A command with the fields a test leaves out at their defaults, as a proposer's zero values would be. */
type Command = { [K in LogCommandKind]: { [P in K]: Partial<LogCommandOf<P>> } }[LogCommandKind];

function entry(index: number, command: Command): Entry {
  return { index, term: 1, type: "normal", data: encodeLogCommand(command as TypedLogCommand) };
}

/** Applies like RaftNode: skip what the state machine holds already; a thrown error is a result. */
function applyAsRaft(ns: Namespace, e: Entry): unknown {
  if (ns.appliedIndex() >= e.index) return "skipped";
  try {
    return ns.apply(e);
  } catch (err) {
    return `error ${(err as { code?: string }).code}`;
  }
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` random commands, shaped by what a reference namespace answers so that most of them
 * succeed (chunk ids, file ids), with plenty of failures mixed in.
 */
function randomLog(seed: number, count: number): Entry[] {
  const rand = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const reference = Namespace.open();
  const names = ["a", "b", "c", "d", "e", "f"];
  const clients = ["c1", "c2"];
  const randomPath = () => `/${Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(names)).join("/")}`;
  const chunks: { fileId: number; chunkId: string; version: number }[] = [];
  const files: { fileId: number; clientId: string }[] = [];
  const entries: Entry[] = [];
  let nowMs = 1_000;
  for (let index = 1; index <= count; index++) {
    nowMs += Math.floor(rand() * 50);
    const known = files.length > 0 && rand() < 0.85 ? pick(files) : { fileId: 1 + Math.floor(rand() * 40), clientId: pick(clients) };
    const fileId = known.fileId;
    const clientId = rand() < 0.85 ? known.clientId : pick(clients);
    const ofFile = chunks.filter((c) => c.fileId === fileId);
    const chunk = ofFile.length > 0 && rand() < 0.9 ? ofFile[ofFile.length - 1] : chunks.length > 0 && rand() < 0.5 ? pick(chunks) : { fileId, chunkId: "00000000000000ff", version: 1 };
    const op = pick(["mkdir", "mkdir", "create", "create", "create", "addChunk", "addChunk", "addChunk", "commitChunk", "commitChunk", "commitChunk", "complete", "bumpChunkVersion", "complete", "abandonChunk", "renewLease", "recoverLease", "reopenForAppend", "rename", "delete", "setReplication", "setSetting", "dropPendingDeletes"] as const);
    const commands: { [K in typeof op]: Partial<LogCommandOf<K>> } = {
      mkdir: { path: randomPath(), parents: rand() < 0.5, mtimeMs: nowMs },
      create: { path: randomPath(), replication: 1 + Math.floor(rand() * 3), chunkSizeBytes: 64 * 1024 * (1 + Math.floor(rand() * 4)), clientId, leaseExpiryMs: nowMs + 500, mtimeMs: nowMs },
      addChunk: { fileId, clientId, replicas: ["p1", "p2", "p3"].slice(0, 1 + Math.floor(rand() * 3)) },
      commitChunk: { fileId: chunk.fileId, chunkId: chunk.chunkId, version: chunk.version, sizeBytes: Math.floor(rand() * 64 * 1024), clientId },
      bumpChunkVersion: { fileId: chunk.fileId, chunkId: chunk.chunkId, version: chunk.version + 1, replicas: ["p2", "p3"] },
      complete: { fileId, clientId, mtimeMs: nowMs },
      abandonChunk: { fileId: chunk.fileId, chunkId: chunk.chunkId, clientId, nowMs },
      renewLease: { fileId, clientId, leaseExpiryMs: nowMs + 500 },
      recoverLease: { fileId, nowMs },
      reopenForAppend: { path: randomPath(), clientId, leaseExpiryMs: nowMs + 500, nowMs },
      rename: { path: randomPath(), destination: randomPath(), mtimeMs: nowMs },
      delete: { path: randomPath(), recursive: rand() < 0.3, nowMs },
      setReplication: { path: randomPath(), replication: 1 + Math.floor(rand() * 5) },
      setSetting: { key: `k${Math.floor(rand() * 5)}`, value: new Uint8Array([index & 0xff]) },
      dropPendingDeletes: { chunkIds: chunks.slice(-3).map((c) => c.chunkId) },
    };
    const e = entry(index, { [op]: commands[op] } as Command);
    entries.push(e);
    const result = applyAsRaft(reference, e) as { chunkId?: string; version?: number; fileId?: number } | string;
    if (typeof result === "object" && result && op === "create" && result.fileId) files.push({ fileId: result.fileId, clientId });
    if (typeof result === "object" && result && op === "addChunk" && result.chunkId) chunks.push({ fileId, chunkId: result.chunkId, version: result.version ?? 1 });
    if (typeof result === "object" && result && op === "bumpChunkVersion") chunk.version += 1;
  }
  reference.close();
  return entries;
}

describe("namespace: determinism and snapshots", () => {
  it("two namespaces fed the same 2,000 random commands end identical; a restored third too", () => {
    const log = randomLog(42, 2_000);
    const a = Namespace.open();
    const b = Namespace.open();
    const resultsA = log.map((e) => applyAsRaft(a, e));
    const resultsB = log.map((e) => applyAsRaft(b, e));
    expect(resultsB).toEqual(resultsA);
    const failures = resultsA.filter((r) => typeof r === "string").length;
    // The log exercises both paths: plenty of successes and plenty of typed failures.
    expect(failures).toBeGreaterThan(200);
    expect(failures).toBeLessThan(1_800);
    expect(a.counts().files).toBeGreaterThan(0);
    if (process.env.NAMESPACE_TEST_VERBOSE) {
      const tally = new Map<string, number>();
      log.forEach((e, i) => {
        const key = `${logCommandKind(decodeLogCommand(e.data))} ${typeof resultsA[i] === "string" ? resultsA[i] : "ok"}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      });
      console.log([...tally].sort(), a.counts());
    }
    expect(a.appliedIndex()).toBe(2_000);
    expect(b.dump()).toBe(a.dump());
    expect(Buffer.from(b.snapshot()).equals(Buffer.from(a.snapshot()))).toBe(true);

    const c = Namespace.open();
    c.restore(a.snapshot());
    expect(c.appliedIndex()).toBe(2_000);
    expect(c.dump()).toBe(a.dump());
    // And it goes on the same way.
    const more = randomLog(7, 300).map((e) => entry(e.index + 2_000, decodeLogCommand(e.data)));
    expect(more.map((e) => applyAsRaft(c, e))).toEqual(more.map((e) => applyAsRaft(a, e)));
    expect(c.dump()).toBe(a.dump());
    for (const ns of [a, b, c]) ns.close();
  });

  it("stat answers through its folder cache what a namespace without one answers, after every command", () => {
    // Namespace A is statted after every command, so its folder cache is warm through renames,
    // deletes, failures and re-creations; B is a copy restored from A's snapshot at that
    // moment, so its cache is empty. Every path of the log's alphabet, at every depth, must
    // give the same status or the same error from both.
    const names = ["a", "b", "c", "d", "e", "f"];
    const paths = ["/", ...names.map((x) => `/${x}`), ...names.flatMap((x) => names.map((y) => `/${x}/${y}`)), ...names.flatMap((x) => names.map((y) => `/${x}/${y}/${x}`))];
    const answer = (ns: Namespace, path: string) => {
      try {
        return ns.stat(path, { chunks: true });
      } catch (err) {
        return `${(err as { code?: string }).code}: ${(err as Error).message}`;
      }
    };
    const log = randomLog(4242, 1_500);
    const a = Namespace.open();
    const kinds = new Set<string>();
    for (const [i, e] of log.entries()) {
      applyAsRaft(a, e);
      kinds.add(logCommandKind(decodeLogCommand(e.data)));
      for (const path of paths) answer(a, path);
      if (i % 50 !== 49) continue;
      const b = Namespace.open();
      b.restore(a.snapshot());
      expect(paths.map((path) => answer(a, path))).toEqual(paths.map((path) => answer(b, path)));
      b.close();
    }
    expect(kinds).toContain("rename");
    expect(kinds).toContain("delete");
    // A folder moved away and another made at its old path: the cache must not answer the old one.
    const ns = Namespace.open();
    ns.applyCommand({ mkdir: { path: "/x/y", parents: true, mtimeMs: 1 } } as TypedLogCommand, 1);
    ns.applyCommand({ create: { path: "/x/y/f", replication: 1, chunkSizeBytes: MiB, clientId: "c", leaseExpiryMs: 9, mtimeMs: 1, closed: true } } as TypedLogCommand, 2);
    expect(ns.stat("/x/y/f").path).toBe("/x/y/f");
    ns.applyCommand({ rename: { path: "/x/y", destination: "/x/z", mtimeMs: 2 } } as TypedLogCommand, 3);
    ns.applyCommand({ mkdir: { path: "/x/y", parents: false, mtimeMs: 3 } } as TypedLogCommand, 4);
    expect(answer(ns, "/x/y/f")).toBe("NOT_FOUND: /x/y/f does not exist.");
    expect(ns.stat("/x/z/f").path).toBe("/x/z/f");
    ns.applyCommand({ delete: { path: "/x/z", recursive: true, nowMs: 4 } } as TypedLogCommand, 5);
    ns.applyCommand({ create: { path: "/x/z", replication: 1, chunkSizeBytes: MiB, clientId: "c", leaseExpiryMs: 9, mtimeMs: 5, closed: true } } as TypedLogCommand, 6);
    expect(answer(ns, "/x/z/f")).toMatch(/^NOT_A_DIRECTORY: /);
    ns.close();
    a.close();
  });

  it("applyBatch gives the results and the state of applying one by one", () => {
    const log = randomLog(99, 1_000);
    const single = Namespace.open();
    const batched = Namespace.open();
    const expected = log.map((e) => applyAsRaft(single, e));
    const got: unknown[] = [];
    for (let i = 0; i < log.length; i += 37) {
      for (const r of batched.applyBatch(log.slice(i, i + 37))) got.push(r.ok ? r.value : `error ${r.error.code}`);
    }
    expect(got).toEqual(expected);
    expect(batched.appliedIndex()).toBe(1_000);
    expect(batched.dump()).toBe(single.dump());
    single.close();
    batched.close();
  });

  it("a snapshot restores into a namespace on disk, which keeps it across a restart", () => {
    const dir = tempDir("ns-restore");
    try {
      const source = Namespace.open();
      for (const e of randomLog(3, 500)) applyAsRaft(source, e);
      const path = join(dir.path, "namespace.db");
      const target = Namespace.open({ path });
      applyAsRaft(target, entry(1, { mkdir: { path: "/old", mtimeMs: 1 } }));
      target.restore(source.snapshot());
      expect(target.dump()).toBe(source.dump());
      applyAsRaft(source, entry(501, { mkdir: { path: "/after", mtimeMs: 9 } }));
      applyAsRaft(target, entry(501, { mkdir: { path: "/after", mtimeMs: 9 } }));
      target.close();
      const reopened = Namespace.open({ path });
      expect(reopened.appliedIndex()).toBe(501);
      expect(reopened.dump()).toBe(source.dump());
      expect(existsSync(`${path}.restore`)).toBe(false);
      reopened.close();
      source.close();
    } finally {
      dir.remove();
    }
  });
});

describe("namespace: snapshots as files", () => {
  it("snapshotToFile and restoreFromFile carry the whole state without an image in memory", () => {
    const dir = tempDir("ns-file-snapshot");
    try {
      const source = Namespace.open({ path: join(dir.path, "source.db") });
      for (const e of randomLog(5, 300)) applyAsRaft(source, e);
      const snapshotPath = join(dir.path, "snapshot.db");
      source.snapshotToFile(snapshotPath);
      const onDisk = Namespace.open({ path: join(dir.path, "target.db") });
      onDisk.restoreFromFile(snapshotPath);
      expect(existsSync(snapshotPath)).toBe(false);
      expect(onDisk.appliedIndex()).toBe(300);
      expect(onDisk.dump()).toBe(source.dump());
      source.snapshotToFile(snapshotPath);
      const inMemory = Namespace.open();
      inMemory.restoreFromFile(snapshotPath);
      expect(inMemory.dump()).toBe(source.dump());
      for (const ns of [source, onDisk, inMemory]) ns.close();
      // Closed for good: every statement finalized, so the last connection checkpoints and
      // removes its WAL (a statement left alive keeps a "zombie" connection and its WAL).
      for (const name of ["source.db", "target.db"]) for (const suffix of ["-wal", "-shm"]) expect(existsSync(join(dir.path, `${name}${suffix}`)), `${name}${suffix}`).toBe(false);
    } finally {
      dir.remove();
    }
  });
});

describe("namespace: a snapshot taken by a worker thread", () => {
  it("carries the state at or after the applied index, and leaves no connection behind", async () => {
    const dir = tempDir("ns-worker-snapshot");
    try {
      const path = join(dir.path, "source.db");
      const source = Namespace.open({ path });
      for (const e of randomLog(9, 300)) applyAsRaft(source, e);
      const snapshotPath = join(dir.path, "snapshot.db");
      expect(await source.snapshotToFileInBackground(snapshotPath)).toBe(300);
      const copy = Namespace.open();
      copy.restoreFromFile(snapshotPath);
      expect(copy.dump()).toBe(source.dump());
      copy.close();
      source.close();
      // The worker's connection is gone with the worker: the namespace's was the last one, so
      // it checkpointed and removed the WAL.
      expect(existsSync(`${path}-wal`)).toBe(false);
    } finally {
      dir.remove();
    }
  });
});

describe("namespace: a snapshot restored on a full disk", () => {
  it.skipIf(TMPFS_SKIP_REASON !== undefined)("is refused whole: no part of the copy is left, the state is as it was, and the same restore succeeds once space is back", () => {
    const dir = tempDir("ns-restore-full");
    const small = join(dir.path, "small");
    mkdirSync(small);
    const unmount = mountTmpfs(small, 1, "tessera-ns-full");
    const open: Namespace[] = [];
    try {
      const source = Namespace.open({ path: join(dir.path, "source.db") });
      open.push(source);
      for (const e of randomLog(5, 300)) applyAsRaft(source, e);
      const snapshotPath = join(dir.path, "snapshot.db");
      source.snapshotToFile(snapshotPath);
      const target = Namespace.open({ path: join(small, "target.db") });
      open.push(target);
      for (const e of randomLog(7, 20)) applyAsRaft(target, e);
      const before = target.dump();
      const filler = join(small, "filler");
      fillToLastByte(filler);
      let refused: unknown;
      try {
        target.restoreFromFile(snapshotPath, { keep: true });
      } catch (err) {
        refused = err;
      }
      expect(isNoSpaceError(refused)).toBe(true);
      expect(existsSync(join(small, "target.db.restore"))).toBe(false);
      expect(target.dump()).toBe(before);
      unlinkSync(filler);
      target.restoreFromFile(snapshotPath, { keep: true });
      expect(target.dump()).toBe(source.dump());
      expect(existsSync(snapshotPath)).toBe(true);
    } finally {
      for (const ns of open) ns.close();
      unmount();
      dir.remove();
    }
  });
});

describe("namespace: restarts", () => {
  it("a namespace on disk reopens with the same state and applied index; older entries are skipped", () => {
    const dir = tempDir("ns-restart");
    try {
      const path = join(dir.path, "namespace.db");
      const log = randomLog(11, 400);
      const first = new MasterStateMachine({ dbPath: path });
      for (const e of log) {
        try {
          first.apply(e);
        } catch {
          // typed failures are results
        }
      }
      const dump = first.namespace.dump();
      expect(first.appliedIndex()).toBe(400);
      first.close();
      expect(existsSync(`${path}-wal`)).toBe(false);

      const second = new MasterStateMachine({ dbPath: path });
      expect(second.appliedIndex()).toBe(400);
      expect(second.namespace.dump()).toBe(dump);
      // RaftNode replays from its last snapshot: every one of these is at or below the applied index.
      expect(log.slice(-50).map((e) => applyAsRaft(second.namespace, e))).toEqual(Array(50).fill("skipped"));
      expect(second.namespace.dump()).toBe(dump);
      // Applying out of order is a broken invariant, not a result.
      expect(() => second.apply(log[10])).toThrow(AssertionError);
      // A snapshot of a database on disk carries what is still in its WAL.
      const copy = Namespace.open();
      copy.restore(second.snapshot());
      expect(copy.dump()).toBe(dump);
      copy.close();
      expect(applyAsRaft(second.namespace, entry(401, { mkdir: { path: "/new", mtimeMs: 5 } }))).toEqual({ created: 1 });
      second.close();
      const third = new MasterStateMachine({ dbPath: path });
      expect(third.appliedIndex()).toBe(401);
      expect(third.namespace.stat("/new").kind).toBe("dir");
      third.close();
    } finally {
      dir.remove();
    }
  });

  it("a failed command still advances the applied index, durably", () => {
    const dir = tempDir("ns-fail");
    try {
      const path = join(dir.path, "namespace.db");
      const ns = Namespace.open({ path });
      ns.apply(entry(1, { mkdir: { path: "/a", mtimeMs: 1 } }));
      expect(() => ns.apply(entry(2, { mkdir: { path: "/a", mtimeMs: 2 } }))).toThrow(expect.objectContaining({ code: "ALREADY_EXISTS" }));
      expect(ns.appliedIndex()).toBe(2);
      expect(ns.stat("/a").mtimeMs).toBe(1);
      ns.close();
      const reopened = Namespace.open({ path });
      expect(reopened.appliedIndex()).toBe(2);
      reopened.close();
    } finally {
      dir.remove();
    }
  });
});

describe("namespace: big subtrees", () => {
  it("deletes a 10,000-file subtree in under a second, every chunk to the pending deletes", () => {
    const ns = Namespace.open();
    let index = 0;
    const run = (command: Command): any => ns.apply(entry(++index, command));
    // Built a folder at a time with applyBatch: one transaction per 100 commands keeps the setup quick.
    const batch = (commands: Command[]): any[] =>
      ns.applyBatch(commands.map((command) => entry(++index, command))).map((r) => {
        if (!r.ok) throw r.error;
        return r.value;
      });
    for (let d = 0; d < 100; d++) {
      run({ mkdir: { path: `/big/d${d}`, parents: true, mtimeMs: 1 } });
      const files = batch(Array.from({ length: 100 }, (_, f) => ({ create: { path: `/big/d${d}/f${f}`, replication: 3, chunkSizeBytes: 64 * MiB, clientId: "c", leaseExpiryMs: 9, mtimeMs: 1 } })));
      batch(files.map(({ fileId }) => ({ addChunk: { fileId, clientId: "c", replicas: ["p1", "p2", "p3"] } })));
    }
    run({ mkdir: { path: "/keep", mtimeMs: 1 } });
    expect(ns.counts()).toEqual({ files: 10_000, directories: 103, chunks: 10_000, pendingDeletes: 0 });
    const startMs = performance.now();
    const result = run({ delete: { path: "/big", recursive: true, nowMs: 5 } });
    const elapsedMs = performance.now() - startMs;
    expect(result).toEqual({ files: 10_000, directories: 101, chunks: 10_000 });
    if (process.env.NAMESPACE_TEST_VERBOSE) console.log(`delete of 10,000 files: ${elapsedMs.toFixed(0)} ms`);
    expect(elapsedMs).toBeLessThan(1_000);
    expect(ns.counts()).toEqual({ files: 0, directories: 2, chunks: 0, pendingDeletes: 10_000 });
    expect(ns.pendingDeletes({ limit: 10_000 }).chunks.length).toBe(10_000);
    expect(ns.allChunkIds().chunks).toEqual([]);
    ns.close();
  });
});
