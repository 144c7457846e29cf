// The masters' door to the under-storages (src/cache/broker.ts): one client per mount, made
// again when the mount's record changes; under-storage failures in the wire's vocabulary
// (CHANGED → CHUNK_STALE); persisting a file from Tessera's bytes into a real folder and
// telling the masters. The fs client and the metadata call are fakes of their shapes: the
// whole path through a cluster is the end-to-end tests' (test/e2e/cache*.test.ts).
import { describe, it, expect, afterEach } from "vitest";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { UfsBroker } from "../../src/cache/broker.ts";
import { RequestError } from "../../src/protocol/errors.ts";
import { ReadType, WriteType, fileFingerprint, type MountRecord } from "../../src/protocol/mounts.ts";
import type { MetaCall } from "../../src/protocol/meta.ts";
import { UnderStorageError } from "../../src/ufs/errors.ts";
import { openUnderStorage } from "../../src/ufs/open.ts";
import type { UnderStorage, UnderStorageErrorCode } from "../../src/ufs/under-storage.ts";
import type { StatView } from "../../src/client/fs.ts";
import type { FileRangeReader } from "../../src/client/file-reader.ts";
import { createLogger } from "../../src/util/log.ts";
import { tempDir } from "../support/temp.ts";

const log = createLogger("test/broker");
const cleanups: Array<() => void> = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function mount(overrides: Partial<MountRecord> = {}): MountRecord {
  return { id: "m1", path: "/mnt/data", uri: "s3://bucket/prefix", scheme: "s3", options: { endpoint: "http://127.0.0.1:1", region: "us-east-1" }, readonly: false, syncIntervalMs: 0, readType: ReadType.CACHE, writeType: WriteType.CACHE_THROUGH, replication: 1, ...overrides };
}

/** An UnderStorage whose every call fails with `code`, counting how often it was opened and closed. */
function failing(code: UnderStorageErrorCode, counts: { opened: number; closed: number }): UnderStorage {
  counts.opened++;
  const fail = async (): Promise<never> => {
    throw new UnderStorageError(code, `it failed with ${code}`);
  };
  return {
    scheme: "s3",
    check: fail,
    list: fail,
    stat: fail,
    read: () => ({ [Symbol.asyncIterator]: () => ({ next: fail }) }),
    write: fail,
    delete: fail,
    rename: fail,
    close: async () => {
      counts.closed++;
    },
  };
}

const noCall: MetaCall = async () => {
  throw new Error("no metadata call expected");
};

async function rejection(promise: Promise<unknown>): Promise<RequestError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(RequestError);
    return err as RequestError;
  }
  throw new Error("the call succeeded");
}

describe("UfsBroker", () => {
  it("maps each under-storage failure to the wire's code with its message; CHANGED is CHUNK_STALE", async () => {
    const cases: Array<[UnderStorageErrorCode, string]> = [
      ["UNAVAILABLE", "UNAVAILABLE"],
      ["PERMISSION_DENIED", "PERMISSION_DENIED"],
      ["NOT_FOUND", "NOT_FOUND"],
      ["INVALID", "INVALID"],
      ["CHANGED", "CHUNK_STALE"],
    ];
    for (const [code, wire] of cases) {
      const counts = { opened: 0, closed: 0 };
      const broker = new UfsBroker({ fs: { statAndOpen: async () => { throw new Error("unused"); } }, call: noCall, log, open: () => failing(code, counts) });
      for (const call of [broker.list(mount(), "", "", 10), broker.stat(mount(), "a"), broker.delete(mount(), "a", true), broker.rename(mount(), "a", "b")]) {
        const err = await rejection(call);
        expect([err.code, err.message]).toEqual([wire, `it failed with ${code}`]);
      }
      // A mount's check: an under-storage that does not answer fails the mount at once (FAILED,
      // not retried by the client as if the cluster had not answered).
      const err = await rejection(broker.check(mount()));
      expect([err.code, err.message]).toEqual([code === "UNAVAILABLE" ? "FAILED" : wire, `it failed with ${code}`]);
      await broker.close();
    }
  });

  it("keeps one client per mount, makes a new one when the record's endpoint or credentials change, and forgets", async () => {
    const counts = { opened: 0, closed: 0 };
    const broker = new UfsBroker({ fs: { statAndOpen: async () => { throw new Error("unused"); } }, call: noCall, log, open: () => failing("NOT_FOUND", counts) });
    const first = broker.underStorageOf(mount());
    expect(broker.underStorageOf(mount())).toBe(first);
    // Settings that do not change where or as whom it connects keep the client.
    expect(broker.underStorageOf(mount({ syncIntervalMs: 5_000, replication: 2, options: { region: "us-east-1", endpoint: "http://127.0.0.1:1" } }))).toBe(first);
    expect(counts).toEqual({ opened: 1, closed: 0 });
    const second = broker.underStorageOf(mount({ options: { endpoint: "http://127.0.0.1:2", region: "us-east-1" } }));
    expect(second).not.toBe(first);
    expect(counts).toEqual({ opened: 2, closed: 1 });
    const other = broker.underStorageOf(mount({ id: "m2" }));
    expect(other).not.toBe(second);
    broker.forget("m1");
    expect(counts.closed).toBe(2);
    expect(broker.underStorageOf(mount({ id: "m2" }))).toBe(other);
    expect(broker.underStorageOf(mount())).not.toBe(second);
    expect(counts.opened).toBe(4);
    await broker.close();
    expect(counts.closed).toBe(4);
  });

  it("an S3 endpoint that does not answer fails a mount's check at once with its sentence", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const broker = new UfsBroker({ fs: { statAndOpen: async () => { throw new Error("unused"); } }, call: noCall, log, tuning: { s3: { attempts: 1 } } });
    const err = await rejection(broker.check(mount({ options: { endpoint: `http://127.0.0.1:${port}`, access_key: "AK", secret_key: "do-not-show" } })));
    expect(err.code).toBe("FAILED");
    expect(err.message).toMatch(/does not answer \(ECONNREFUSED\)/);
    expect(err.message).toContain(`http://127.0.0.1:${port}`);
    expect(err.message).not.toContain("do-not-show");
    await broker.close();
  });

  it("persists a file: Tessera's bytes of the version it stat'ed go to the under-storage, then markPersisted with the new fingerprint", async () => {
    const dir = tempDir("broker-persist");
    cleanups.push(dir.remove);
    const bytes = new Uint8Array(9 * 1024 * 1024 + 3).map((_, i) => (i * 31) % 251);
    const reads: Array<[number, number]> = [];
    const reader: FileRangeReader = {
      path: "/mnt/files/sub/f.bin",
      sizeBytes: bytes.length,
      read: async (offset, length) => {
        reads.push([offset, length]);
        return bytes.slice(offset, offset + length);
      },
      counters: undefined as never,
      localChunks: async () => [],
    };
    const stat = { path: "/mnt/files/sub/f.bin", kind: "file", size: bytes.length, fileId: 42 } as StatView;
    const calls: unknown[] = [];
    const call = (async (kind: string, body: unknown) => {
      calls.push([kind, body]);
      return "done";
    }) as MetaCall;
    const record = mount({ path: "/mnt/files", uri: `file://${dir.path}`, scheme: "file", options: {} });
    const broker = new UfsBroker({ fs: { statAndOpen: async (path) => (path === stat.path ? { stat, reader } : { stat: { ...stat, kind: "dir" }, reader: undefined }) }, call, log, open: (r) => openUnderStorage(r) });
    await broker.persist(record, "/mnt/files/sub/f.bin");
    const written = readFileSync(join(dir.path, "sub/f.bin"));
    expect(written.equals(Buffer.from(bytes))).toBe(true);
    // Pieces in order, none larger than the piece size, covering the file once.
    expect(reads.map(([offset]) => offset)).toEqual([0, 4 * 1024 * 1024, 8 * 1024 * 1024]);
    const entry = (await broker.stat(record, "sub/f.bin"))!;
    expect(entry.fingerprint).toBe(fileFingerprint(entry.mtimeMs, bytes.length));
    expect(calls).toEqual([["markPersisted", { path: "/mnt/files/sub/f.bin", fileId: 42, lengthBytes: bytes.length, fingerprint: entry.fingerprint }]]);

    const folder = await rejection(broker.persist(record, "/mnt/files/sub"));
    expect(folder.code).toBe("NOT_A_FILE");
    expect((await rejection(broker.persist(record, "/elsewhere/f"))).code).toBe("INVALID");
    expect((await rejection(broker.persist({ ...record, readonly: true }, "/mnt/files/sub/f.bin"))).message).toBe("the mount at /mnt/files is read-only");
    expect(calls.length).toBe(1);
    await broker.close();
  });

  it("a failed write of a persist reaches the caller in the wire's words, and nothing is marked", async () => {
    const counts = { opened: 0, closed: 0 };
    const calls: unknown[] = [];
    const reader = { path: "/mnt/data/f", sizeBytes: 3, read: async () => new Uint8Array(3), counters: undefined as never, localChunks: async () => [] } satisfies FileRangeReader;
    const broker = new UfsBroker({
      fs: { statAndOpen: async () => ({ stat: { path: "/mnt/data/f", kind: "file", size: 3, fileId: 7 } as StatView, reader }) },
      call: (async (...args: unknown[]) => {
        calls.push(args);
        return "done";
      }) as MetaCall,
      log,
      open: () => failing("PERMISSION_DENIED", counts),
    });
    expect((await rejection(broker.persist(mount(), "/mnt/data/f"))).code).toBe("PERMISSION_DENIED");
    expect(calls).toEqual([]);
    await broker.close();
  });
});
