// Snapshots kept as files (src/raft/snapshot-file.ts) in the durable log storage: a restart
// reads a snapshot's metadata and never its data, whatever its size; damage is named; what
// version 1 wrote (the image inside the .snap) is converted once, a piece at a time.
import { describe, expect, it } from "vitest";
import { closeSync, existsSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DiskStorage } from "../../src/raft/wal.ts";
import { CorruptSnapshotError, decodeSnapshotDescriptor, encodeSnapshotDescriptor, sha256Of, SNAPSHOT_IO_PIECE_BYTES } from "../../src/raft/snapshot-file.ts";
import type { ConfState, SnapshotMeta } from "../../src/raft/types.ts";
import { entry } from "./storage-suite.ts";
import { tempDir } from "../support/temp.ts";

const CONF: ConfState = { voters: ["a", "b"], learners: ["c"] };
const GiB = 1024 * 1024 * 1024;

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir("snapfile");
  try {
    await run(dir.path);
  } finally {
    dir.remove();
  }
}

/** A log of entries 1..6 with a snapshot at 4 holding `data`. */
async function logWithSnapshot(dir: string, data: Uint8Array): Promise<void> {
  const storage = await DiskStorage.open(dir);
  await storage.save({ term: 2, vote: "a", commit: 6 }, [1, 2, 3, 4, 5, 6].map((i) => entry(i, 2)), true);
  await storage.createSnapshot(4, CONF, data);
  await storage.close();
}

const names = (dir: string) => readdirSync(dir).sort();

/** Version 1's snapshot file, as src/raft/wal.ts wrote it before snapshots were files. */
function writeV1Snapshot(dir: string, meta: SnapshotMeta, data: Uint8Array): string {
  const conf = new TextEncoder().encode(JSON.stringify(meta.confState));
  const file = new Uint8Array(28 + conf.length + 8 + data.length + 4);
  const view = new DataView(file.buffer);
  view.setUint32(0, 0x54534e50);
  view.setUint32(4, 1);
  view.setBigUint64(8, BigInt(meta.index));
  view.setBigUint64(16, BigInt(meta.term));
  view.setUint32(24, conf.length);
  file.set(conf, 28);
  view.setBigUint64(28 + conf.length, BigInt(data.length));
  file.set(data, 28 + conf.length + 8);
  view.setUint32(file.length - 4, Bun.hash.crc32(file.subarray(0, file.length - 4)) >>> 0);
  const path = join(dir, `snap-${String(meta.index).padStart(16, "0")}-${String(meta.term).padStart(16, "0")}.snap`);
  writeFileSync(path, file);
  return path;
}

describe("snapshots as files", () => {
  it("a snapshot is a small metadata file and a data file; the core's snapshot carries a descriptor of it", async () => {
    await withDir(async (dir) => {
      const data = new Uint8Array(3 * SNAPSHOT_IO_PIECE_BYTES + 5).map((_, i) => i % 253);
      await logWithSnapshot(dir, data);
      const storage = await DiskStorage.open(dir);
      try {
        const file = storage.snapshotFile()!;
        expect(file.meta).toEqual({ index: 4, term: 2, confState: CONF });
        expect(readFileSync(file.path).equals(Buffer.from(data))).toBe(true);
        expect(storage.snapshot().data).toEqual(encodeSnapshotDescriptor({ sizeBytes: data.length, sha256: sha256Of(data) }));
        expect(storage.snapshot().data.length).toBeLessThan(64);
        const snap = names(dir).find((name) => name.endsWith(".snap"))!;
        expect(statSync(join(dir, snap)).size).toBeLessThan(200);
      } finally {
        await storage.close();
      }
    });
  });

  it("a restart reads the metadata only: a snapshot of 8 GiB opens at once, in no memory", async () => {
    await withDir(async (dir) => {
      const storage = await DiskStorage.open(dir);
      await storage.save({ term: 2, vote: "a", commit: 6 }, [1, 2, 3, 4, 5, 6].map((i) => entry(i, 2)), true);
      // A sparse file: 8 GiB to anyone who reads it, nothing on disk.
      const source = join(dir, "state.part");
      const fd = openSync(source, "w");
      ftruncateSync(fd, 8 * GiB);
      closeSync(fd);
      const id = { sizeBytes: 8 * GiB, sha256: new Uint8Array(32).fill(7) };
      await storage.createSnapshotFromFile(5, CONF, source, id, 5);
      await storage.close();

      const rssBefore = process.memoryUsage.rss();
      const started = performance.now();
      const reopened = await DiskStorage.open(dir);
      const openMs = performance.now() - started;
      try {
        // Reading 8 GiB would take seconds and as much memory; hashing it would show another SHA-256.
        expect(openMs).toBeLessThan(1_000);
        expect(process.memoryUsage.rss() - rssBefore).toBeLessThan(256 * 1024 * 1024);
        expect(reopened.snapshot().meta).toEqual({ index: 5, term: 2, confState: CONF });
        expect(decodeSnapshotDescriptor(reopened.snapshot().data)).toEqual(id);
        expect(reopened.firstIndex()).toBe(6);
        expect(reopened.initialState().hardState).toEqual({ term: 2, vote: "a", commit: 6 });
      } finally {
        await reopened.close();
      }
    });
  });

  it("a data file of the wrong size, or none, stops the peer with the reason", async () => {
    await withDir(async (dir) => {
      await logWithSnapshot(dir, new Uint8Array(1000).fill(1));
      const data = join(dir, names(dir).find((name) => name.endsWith(".data"))!);
      writeFileSync(data, new Uint8Array(999));
      const err = await DiskStorage.open(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptSnapshotError);
      expect((err as Error).message).toContain("holds 999 bytes, not 1000");
      rmSync(data);
      await expect(DiskStorage.open(dir)).rejects.toThrow(/data file .* is missing/);
    });
  });

  it("a damaged metadata file is corruption, not a missing snapshot", async () => {
    await withDir(async (dir) => {
      await logWithSnapshot(dir, new Uint8Array(10));
      const snap = join(dir, names(dir).find((name) => name.endsWith(".snap"))!);
      const bytes = new Uint8Array(readFileSync(snap));
      bytes[9] ^= 0x01; // the index
      writeFileSync(snap, bytes);
      await expect(DiskStorage.open(dir)).rejects.toThrow(/checksum mismatch/);
    });
  });

  it("leftovers of interrupted writes and transfers are removed at open; the snapshot stays", async () => {
    await withDir(async (dir) => {
      await logWithSnapshot(dir, new Uint8Array(10));
      const leftovers = [
        "snap-0000000000000009-0000000000000002.data", // data whose metadata never came
        "snap-0000000000000009-0000000000000002-00112233aabbccdd.incoming", // received, never installed
        "snap-0000000000000009-0000000000000002-00112233aabbccdd.incoming.part", // being received
        "snap-writing-9.part", // being written by the state machine
        "snap-0000000000000009-0000000000000002.snap.tmp",
      ];
      for (const name of leftovers) writeFileSync(join(dir, name), new Uint8Array(3));
      const storage = await DiskStorage.open(dir);
      try {
        for (const name of leftovers) expect(existsSync(join(dir, name)), name).toBe(false);
        expect(storage.snapshot().meta.index).toBe(4);
        expect(existsSync(storage.snapshotFile()!.path)).toBe(true);
      } finally {
        await storage.close();
      }
    });
  });

  it("a snapshot received from a leader is taken from its incoming file; older snapshots go", async () => {
    await withDir(async (dir) => {
      await logWithSnapshot(dir, new Uint8Array(10).fill(1));
      const storage = await DiskStorage.open(dir);
      try {
        const data = new Uint8Array(5000).map((_, i) => i % 7);
        const id = { sizeBytes: data.length, sha256: sha256Of(data) };
        const meta = { index: 20, term: 3, confState: { voters: ["a", "b", "c"], learners: [] } };
        writeFileSync(storage.incomingSnapshotPath(meta, id), data);
        await storage.applySnapshot({ meta, data: encodeSnapshotDescriptor(id) });
        expect(storage.snapshotFile()!.meta).toEqual(meta);
        expect(readFileSync(storage.snapshotFile()!.path).equals(Buffer.from(data))).toBe(true);
        expect(names(dir).filter((name) => name.startsWith("snap-"))).toEqual(["snap-0000000000000020-0000000000000003.data", "snap-0000000000000020-0000000000000003.snap"]);
        expect(storage.firstIndex()).toBe(21);
      } finally {
        await storage.close();
      }
    });
  });

  it("version 1's snapshot (the image inside the .snap) is converted once at open, a piece at a time, its CRC checked", async () => {
    await withDir(async (dir) => {
      const data = new Uint8Array(2 * SNAPSHOT_IO_PIECE_BYTES + 777).map((_, i) => (i * 31) % 256);
      const meta = { index: 12, term: 3, confState: CONF };
      const path = writeV1Snapshot(dir, meta, data);
      const storage = await DiskStorage.open(dir);
      try {
        expect(storage.snapshot().meta).toEqual(meta);
        expect(decodeSnapshotDescriptor(storage.snapshot().data)).toEqual({ sizeBytes: data.length, sha256: sha256Of(data) });
        expect(readFileSync(storage.snapshotFile()!.path).equals(Buffer.from(data))).toBe(true);
        expect(statSync(path).size).toBeLessThan(200); // now version 2's metadata
        expect(storage.firstIndex()).toBe(13);
      } finally {
        await storage.close();
      }
      const again = await DiskStorage.open(dir);
      try {
        expect(again.snapshot().meta).toEqual(meta);
      } finally {
        await again.close();
      }
    });
  });

  it("a damaged version-1 snapshot is refused and left as it was", async () => {
    await withDir(async (dir) => {
      const data = new Uint8Array(SNAPSHOT_IO_PIECE_BYTES + 10).fill(5);
      const path = writeV1Snapshot(dir, { index: 12, term: 3, confState: CONF }, data);
      const bytes = new Uint8Array(readFileSync(path));
      bytes[100_000] ^= 0xff;
      writeFileSync(path, bytes);
      await expect(DiskStorage.open(dir)).rejects.toThrow(/version 1.*checksum mismatch/);
      expect(names(dir)).toEqual([path.split("/").at(-1)!]);
      expect(readFileSync(path).equals(Buffer.from(bytes))).toBe(true);
    });
  });
});
