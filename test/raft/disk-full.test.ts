// A full disk under the Raft log (issue 18, found by the chaos harness's disk-full fault): a
// batch is all or nothing, so a write refused part way leaves no torn batch in the middle of
// the segment (which read as corruption at the next start: the peer would not restart), and
// the driver saves the same Ready again until space comes back instead of stopping. A fake
// segment file refuses writes on demand: no full real disk is needed.
import { afterEach, describe, expect, it } from "vitest";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { createHost, type PeerHost } from "../../src/net/host.ts";
import { generateSwarmKey } from "../../src/net/swarm-key.ts";
import { RaftNode } from "../../src/raft/node.ts";
import { RaftDiskFullError } from "../../src/raft/errors.ts";
import { DiskStorage, LogStorageFailedError, type WalFile } from "../../src/raft/wal.ts";
import { encodeSnapshotDescriptor, incomingSnapshotPath, sha256Of, snapshotDataPath, snapshotMetaPath } from "../../src/raft/snapshot-file.ts";
import { MasterStateMachine, encodeLogCommand } from "../../src/master/state/state-machine.ts";
import { createLogger, setLogLevel, type Logger } from "../../src/util/log.ts";
import { isNoSpaceError, retryWhileDiskFull } from "../../src/util/disk-full.ts";
import { tempDir } from "../support/temp.ts";
import { fillToLastByte, mountTmpfs, TMPFS_SKIP_REASON } from "../support/full-disk.ts";
import { waitFor } from "../support/wait.ts";
import { entry } from "./storage-suite.ts";

setLogLevel((process.env.TEST_LOG as "debug") ?? "error");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function noSpace(): Error {
  return Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28 });
}

/**
 * A real segment file whose writes, while `full`, put at most `spaceBytes` bytes on disk and
 * then fail with ENOSPC, as a file system does when it fills in the middle of a write.
 */
class FillingDisk {
  full = false;
  spaceBytes = 0;
  failSync = false;
  failTruncate = false;
  refusedWrites = 0;
  open = async (path: string): Promise<WalFile> => {
    const real: FileHandle = await open(path, "a");
    const disk = this;
    return {
      async write(buffer: Uint8Array, offset?: number, length?: number) {
        const from = offset ?? 0;
        const bytes = length ?? buffer.length - from;
        if (disk.full) {
          disk.refusedWrites += 1;
          if (disk.spaceBytes === 0) throw noSpace();
          const n = Math.min(bytes, disk.spaceBytes);
          disk.spaceBytes -= n;
          // A short write: the caller must go on, and meet ENOSPC on the next call.
          return real.write(buffer, from, n);
        }
        return real.write(buffer, from, bytes);
      },
      datasync: () => (disk.failSync ? Promise.reject(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" })) : real.datasync()),
      truncate: (len?: number) => (disk.failTruncate ? Promise.reject(Object.assign(new Error("EIO: i/o error, ftruncate"), { code: "EIO" })) : real.truncate(len)),
      close: () => real.close(),
    } as WalFile;
  };
}

const hardState = (commit: number) => ({ term: 1, vote: "a", commit });

async function storageIn(disk: FillingDisk): Promise<{ storage: DiskStorage; dir: string }> {
  const dir = tempDir("wal-full");
  cleanups.push(() => dir.remove());
  const storage = await DiskStorage.open(dir.path, { voters: ["a"], learners: [] }, { openSegment: disk.open });
  cleanups.push(() => storage.close().catch(() => {}));
  return { storage, dir: dir.path };
}

const segmentOf = (dir: string) => join(dir, "wal-000000000001.log");

describe("the Raft log on a full disk", () => {
  it("cuts a batch refused part way back off the segment, so later batches replay after a restart", async () => {
    const disk = new FillingDisk();
    const { storage, dir } = await storageIn(disk);
    await storage.save(hardState(0), [entry(1, 1, "one")], true);
    const before = statSync(segmentOf(dir)).size;
    expect(storage.liveSegmentBytes).toBe(before);

    // 13 bytes fit, then ENOSPC: the bug left those 13 bytes, and the next batch after them.
    disk.full = true;
    disk.spaceBytes = 13;
    const refused = await storage.save(hardState(1), [entry(2, 1, "two".repeat(20))], true).catch((err: unknown) => err);
    expect(isNoSpaceError(refused)).toBe(true);
    expect(disk.refusedWrites).toBe(2);
    expect(statSync(segmentOf(dir)).size).toBe(before);
    expect(storage.liveSegmentBytes).toBe(before);
    expect(storage.lastIndex()).toBe(1);

    // Space again: the same batch goes through, and more after it.
    disk.full = false;
    await storage.save(hardState(1), [entry(2, 1, "two".repeat(20))], true);
    await storage.save(hardState(2), [entry(3, 1, "three")], true);
    expect(statSync(segmentOf(dir)).size).toBe(storage.liveSegmentBytes);
    await storage.close();

    const reopened = await DiskStorage.open(dir);
    cleanups.push(() => reopened.close());
    expect(reopened.stats.tornBatchesTruncated).toBe(0);
    expect(reopened.lastIndex()).toBe(3);
    expect(new TextDecoder().decode(reopened.entries(2, 3, Infinity)[0]!.data)).toBe("two".repeat(20));
    expect(reopened.initialState().hardState.commit).toBe(2);
  });

  it("a failed fdatasync fails the log for good: its outcome is unknown", async () => {
    const disk = new FillingDisk();
    const { storage } = await storageIn(disk);
    disk.failSync = true;
    const failed = await storage.save(hardState(0), [entry(1, 1, "x")], true).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(LogStorageFailedError);
    expect(isNoSpaceError(failed)).toBe(false);
    disk.failSync = false;
    await expect(storage.save(hardState(0), [entry(1, 1, "x")], true)).rejects.toBeInstanceOf(LogStorageFailedError);
  });

  it("a failed write that cannot be cut back fails the log", async () => {
    const disk = new FillingDisk();
    const { storage, dir } = await storageIn(disk);
    disk.full = true;
    disk.spaceBytes = 5;
    disk.failTruncate = true;
    await expect(storage.save(hardState(0), [entry(1, 1, "x")], true)).rejects.toBeInstanceOf(LogStorageFailedError);
    disk.full = false;
    await expect(storage.save(hardState(0), [entry(1, 1, "x")], true)).rejects.toThrow(/could not be cut back/);
    expect(readFileSync(segmentOf(dir)).length).toBe(5);
  });
});


describe("the Raft log on a real full tmpfs", () => {
  // A real file system fills in the middle of a write: the write returns short (the bytes up
  // to the page boundary) and only the next one fails. The log before this fix took the short
  // write as done, acknowledged the batch, and the next batch after it made the log unreadable.
  it.skipIf(TMPFS_SKIP_REASON !== undefined)("refuses a batch that does not fit, leaves the segment as it was, and reopens whole once space is back", async () => {
    const dir = tempDir("wal-tmpfs");
    cleanups.push(() => dir.remove());
    cleanups.push(mountTmpfs(dir.path, 1, "tessera-wal-full"));
    const raftDir = join(dir.path, "raft");
    const storage = await DiskStorage.open(raftDir, { voters: ["a"], learners: [] });
    cleanups.push(() => storage.close().catch(() => {}));
    await storage.save(hardState(0), [entry(1, 1, "one")], true);
    const filler = join(dir.path, "filler");
    fillToLastByte(filler);
    const segment = join(raftDir, "wal-000000000001.log");
    const before = statSync(segment).size;
    const started = performance.now();
    const refused = await storage.save(hardState(1), [entry(2, 1, "x".repeat(10_000))], true).catch((err: unknown) => err);
    expect(isNoSpaceError(refused)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(statSync(segment).size).toBe(before);

    unlinkSync(filler);
    await storage.save(hardState(1), [entry(2, 1, "x".repeat(10_000))], true);
    await storage.save(hardState(2), [entry(3, 1, "three")], true);
    await storage.close();
    const reopened = await DiskStorage.open(raftDir);
    cleanups.push(() => reopened.close());
    expect(reopened.lastIndex()).toBe(3);
    expect(reopened.stats.tornBatchesTruncated).toBe(0);
  });
});

/**
 * A log with entry 1 and a snapshot at index 10 received beside it, as the transport leaves one
 * (its data in the incoming file): `snapshot` is what the core hands the driver to install.
 */
async function logWithReceivedSnapshot(data: Uint8Array) {
  const disk = new FillingDisk();
  const { storage, dir } = await storageIn(disk);
  await storage.save(hardState(0), [entry(1, 1, "one")], true);
  const meta = { index: 10, term: 2, confState: { voters: ["a"], learners: [] } };
  const id = { sizeBytes: data.length, sha256: sha256Of(data) };
  const incoming = incomingSnapshotPath(dir, meta, id);
  writeFileSync(incoming, data);
  return { storage, dir, meta, incoming, snapshot: { meta, data: encodeSnapshotDescriptor(id) } };
}

/** Appends entry 11 after the snapshot at 10, closes the log and opens its folder again. */
async function appendElevenAndReopen(storage: DiskStorage, dir: string): Promise<DiskStorage> {
  await storage.save(hardState(10), [entry(11, 2, "eleven")], true);
  await storage.close();
  const reopened = await DiskStorage.open(dir);
  cleanups.push(() => reopened.close());
  return reopened;
}

/** The name the log's next segment is written under before it takes over (wal.ts rewriteSegment). */
const NEXT_SEGMENT_TEMP = "wal-000000000002.log.tmp";

describe("installing a received snapshot on a full disk", () => {
  it("a refused install puts the data back where the transport left it, so the same install can be tried again", async () => {
    const { storage, dir, meta, incoming, snapshot } = await logWithReceivedSnapshot(new Uint8Array([1, 2, 3, 4]));
    // The metadata file cannot be made (as when the disk is full: here its temp name is taken).
    mkdirSync(`${snapshotMetaPath(dir, meta)}.tmp`);
    await expect(storage.applySnapshot(snapshot)).rejects.toThrow();
    expect(existsSync(incoming)).toBe(true);
    expect(existsSync(snapshotDataPath(dir, meta))).toBe(false);
    expect(storage.lastIndex()).toBe(1);

    rmSync(`${snapshotMetaPath(dir, meta)}.tmp`, { recursive: true });
    await storage.applySnapshot(snapshot);
    expect(storage.firstIndex()).toBe(11);
    const reopened = await appendElevenAndReopen(storage, dir);
    expect(reopened.snapshot().meta.index).toBe(10);
    expect(reopened.lastIndex()).toBe(11);
  });
});

describe("the Raft log's rewrite after an installed snapshot, refused", () => {
  it("is owed: nothing is appended until it is done, a restart meanwhile finds a whole log, and the same install or the next save finishes it", async () => {
    const { storage, dir, snapshot } = await logWithReceivedSnapshot(new Uint8Array([5, 6, 7]));
    // The next segment cannot be made (as when the disk is full: here its temp name is taken).
    const blocked = join(dir, NEXT_SEGMENT_TEMP);
    mkdirSync(blocked);
    await expect(storage.applySnapshot(snapshot)).rejects.toThrow();
    // Installed, and the log not failed: an append tries the rewrite first and is refused whole.
    expect(storage.firstIndex()).toBe(11);
    await expect(storage.save(hardState(10), [entry(11, 2, "eleven")], true)).rejects.toThrow();
    expect(storage.lastIndex()).toBe(10);
    expect(readFileSync(segmentOf(dir)).length).toBeGreaterThan(0);
    // A crash now: a copy of the folder opens at the snapshot, with nothing after it.
    const copy = tempDir("wal-owed-copy");
    cleanups.push(() => copy.remove());
    cpSync(dir, copy.path, { recursive: true });
    rmSync(join(copy.path, NEXT_SEGMENT_TEMP), { recursive: true });
    const crashed = await DiskStorage.open(copy.path);
    cleanups.push(() => crashed.close());
    expect(crashed.snapshot().meta.index).toBe(10);
    expect(crashed.lastIndex()).toBe(10);
    // Space again: the install, tried again by the driver, finishes the rewrite; appends follow.
    rmSync(blocked, { recursive: true });
    await storage.applySnapshot(snapshot);
    const reopened = await appendElevenAndReopen(storage, dir);
    expect(reopened.snapshot().meta.index).toBe(10);
    expect(reopened.lastIndex()).toBe(11);
    expect(reopened.entries(11, 12, Number.MAX_SAFE_INTEGER).map((e) => new TextDecoder().decode(e.data))).toEqual(["eleven"]);
  });

  it("is finished by the next save when the install is not tried again", async () => {
    const { storage, dir, snapshot } = await logWithReceivedSnapshot(new Uint8Array([9]));
    const blocked = join(dir, NEXT_SEGMENT_TEMP);
    mkdirSync(blocked);
    await expect(storage.applySnapshot(snapshot)).rejects.toThrow();
    rmSync(blocked, { recursive: true });
    const reopened = await appendElevenAndReopen(storage, dir);
    expect([reopened.snapshot().meta.index, reopened.firstIndex(), reopened.lastIndex()]).toEqual([10, 11, 11]);
  });
});

describe("retryWhileDiskFull", () => {
  const logged: string[] = [];
  const log = { debug() {}, info: (m: string) => logged.push(`info ${m}`), warn: (m: string) => logged.push(`warn ${m}`), error() {}, child: () => log } as unknown as Logger;

  it("retries a write refused for space until it succeeds, logging once per episode", async () => {
    logged.length = 0;
    let refusals = 4;
    let episodes = 0;
    const started = performance.now();
    const ok = await retryWhileDiskFull("test", () => {
      if (refusals-- > 0) throw noSpace();
    }, { log, stopped: () => false, onEpisode: () => episodes++ });
    expect(ok).toBe(true);
    expect(episodes).toBe(1);
    expect(logged).toEqual(["warn test: the disk is full; retrying until space is freed", "info test: the disk has space again"]);
    // 50 + 100 + 200 + 400 ms of backoff.
    expect(performance.now() - started).toBeGreaterThanOrEqual(700);
  });

  it("throws any other error at once, and gives up without writing once stopped", async () => {
    await expect(retryWhileDiskFull("test", () => {
      throw Object.assign(new Error("EIO"), { code: "EIO" });
    }, { log, stopped: () => false })).rejects.toThrow("EIO");
    let stopped = false;
    let calls = 0;
    const pending = retryWhileDiskFull("test", () => {
      calls++;
      throw noSpace();
    }, { log, stopped: () => stopped });
    await waitFor("a retry", () => calls >= 2, { timeoutMs: 5_000 });
    stopped = true;
    expect(await pending).toBe(false);
  });

  it("knows SQLite's full disk", () => {
    expect(isNoSpaceError(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }))).toBe(true);
    expect(isNoSpaceError(Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" }))).toBe(false);
  });
});

describe("a Raft node on a full disk", () => {
  async function hostOf(): Promise<PeerHost> {
    const host = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey: generateSwarmKey(), listenAddrs: ["/ip4/127.0.0.1/tcp/0"] });
    cleanups.push(() => host.stop());
    return host;
  }
  const setting = (i: number) => encodeLogCommand({ setSetting: { key: `k${i}`, value: new TextEncoder().encode(`v${i}`) } });

  it("answers its proposers at once while its log is refused for space, and commits again once space is back, without stopping", async () => {
    const dir = tempDir("node-full");
    cleanups.push(() => dir.remove());
    const disk = new FillingDisk();
    const host = await hostOf();
    const id = host.peerId.toString();
    const machine = new MasterStateMachine({ dbPath: join(dir.path, "namespace.db") });
    const raft = await RaftNode.start({ id, dir: join(dir.path, "raft"), host, stateMachine: machine, log: createLogger("raft-full"), bootstrap: { voters: [id], learners: [] }, storage: { openSegment: disk.open } });
    let fatal = false;
    raft.addEventListener("fatal", () => (fatal = true));
    cleanups.push(async () => {
      await raft.stop();
      machine.close();
    });
    await waitFor("the only member to lead", () => raft.isLeader, { timeoutMs: 10_000 });
    await raft.propose(setting(0), 5_000);

    disk.full = true;
    disk.spaceBytes = 7;
    const started = performance.now();
    // Taken, then its batch refused: the outcome is unknown (it commits once space is back).
    const taken = await raft.propose(setting(1), 20_000).catch((err: unknown) => err);
    expect(taken).toBeInstanceOf(RaftDiskFullError);
    expect((taken as Error).message).toMatch(/is full: the outcome of a proposal it took is unknown/);
    expect(performance.now() - started).toBeLessThan(2_000);
    // Refused at once while the disk is full, reads too.
    await expect(raft.propose(setting(2), 20_000)).rejects.toBeInstanceOf(RaftDiskFullError);
    await expect(raft.readBarrier(20_000)).rejects.toBeInstanceOf(RaftDiskFullError);
    await waitFor("the log to be refused for space again", () => disk.refusedWrites >= 3, { timeoutMs: 5_000 });
    expect(raft.stats().diskFullEpisodes).toBe(1);

    disk.full = false;
    await waitFor("proposals to be taken again", async () => {
      try {
        await raft.propose(setting(3), 5_000);
        return true;
      } catch (err) {
        if (err instanceof RaftDiskFullError) return false;
        throw err;
      }
    }, { timeoutMs: 5_000, intervalMs: 20 });
    expect(fatal).toBe(false);
    expect(raft.stats().diskFullEpisodes).toBe(1);
    // The entry whose batch was refused went to disk with the retried Ready, and applied.
    await raft.readBarrier(5_000);
    expect(new TextDecoder().decode(machine.getSetting("k1"))).toBe("v1");
    expect(machine.getSetting("k2")).toBeUndefined();
  });
});
