// What only the disk store must do: its on-disk layout, cleaning up after a crash at open,
// and catching damage that only a real file can suffer (truncation, a misplaced sidecar).
import { describe, it, expect } from "vitest";
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DiskChunkStore } from "../../src/chunk/store/disk-store.ts";
import { ChunkCorruptError } from "../../src/chunk/store/errors.ts";
import { SIDECAR_BYTES_MAX } from "../../src/chunk/store/checksum.ts";
import { createLogger, setLogLevel } from "../../src/util/log.ts";
import { tempDir } from "../support/temp.ts";
import { bytesOf, idOf, writeChunk } from "./store-suite.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES } from "../../src/protocol/limits.ts";
import { open, type FileHandle } from "node:fs/promises";
import { DiskChunkWriter, SyncBehindSlots } from "../../src/chunk/store/disk-writer.ts";
import { SYNC_BEHIND_BYTES, WRITE_BUFFER_BYTES } from "../../src/chunk/store/constants.ts";

const BLOCK = CHUNK_CHECKSUM_BLOCK_BYTES;
const logger = createLogger("chunk-store-test");

async function withRoot(body: (root: string, stores: DiskChunkStore[]) => Promise<void>): Promise<void> {
  const dir = tempDir("chunks");
  const stores: DiskChunkStore[] = [];
  try {
    await body(join(dir.path, "chunks"), stores);
  } finally {
    for (const store of stores) await store.close();
    dir.remove();
  }
}

async function openStore(root: string, stores: DiskChunkStore[]): Promise<DiskChunkStore> {
  const store = await DiskChunkStore.open(root, { logger });
  stores.push(store);
  return store;
}

/** Every file under the root, as "<fan-out>/<name>", sorted. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .flatMap((dir) => readdirSync(join(root, dir)).map((name) => `${dir}/${name}`))
    .sort();
}

describe("DiskChunkStore on disk", () => {
  it("keeps each chunk as a plain data file plus a .meta sidecar in a fan-out folder named by the id's first byte", async () => {
    await withRoot(async (root, stores) => {
      const store = await openStore(root, stores);
      const data = bytesOf(2 * BLOCK + 10);
      await writeChunk(store, "ab00000000000001", 7, data);
      expect(filesUnder(root)).toEqual(["ab/ab00000000000001_7.chunk", "ab/ab00000000000001_7.meta"]);
      const path = store.localPath("ab00000000000001", 7);
      expect(path).toBe(join(root, "ab", "ab00000000000001_7.chunk"));
      // The local-read fast path reads the file at plain offsets: it holds exactly the bytes.
      expect(Buffer.compare(readFileSync(path), Buffer.from(data))).toBe(0);
      // 40-byte header + one CRC per block + trailing CRC.
      expect(readFileSync(join(root, "ab", "ab00000000000001_7.meta")).length).toBe(40 + 3 * 4 + 4);
    });
  });

  it("writes to a temp name until commit, removes it on abort, and replaces an older version's files", async () => {
    await withRoot(async (root, stores) => {
      const store = await openStore(root, stores);
      const id = idOf(0x42);
      const writer = await store.createWriter(id, 1);
      await writer.write(bytesOf(3 * 1024 * 1024));
      expect(filesUnder(root)).toHaveLength(1);
      expect(filesUnder(root)[0]).toMatch(/^00\/0000000000000042_1\.chunk\.tmp-[0-9a-z]+$/);
      await writer.abort();
      expect(filesUnder(root)).toEqual([]);
      await writeChunk(store, id, 1, bytesOf(10));
      await writeChunk(store, id, 2, bytesOf(20));
      expect(filesUnder(root)).toEqual(["00/0000000000000042_2.chunk", "00/0000000000000042_2.meta"]);
      await store.delete(id);
      expect(filesUnder(root)).toEqual([]);
    });
  });

  it("cleans up at open: temp files, a data file or sidecar without its partner, and a replaced version left by a crash", async () => {
    await withRoot(async (root, stores) => {
      const first = await openStore(root, stores);
      await writeChunk(first, idOf(0x1), 1, bytesOf(100, 1));
      await writeChunk(first, idOf(0x2), 3, bytesOf(200, 2));
      await writeChunk(first, idOf(0x3), 1, bytesOf(300, 3));
      await writeChunk(first, idOf(0x4), 1, bytesOf(400, 4));
      const dir = join(root, "00");
      // A crash between installing version 4 of chunk 2 and removing version 3: both complete.
      await writeChunk(first, idOf(0x5), 4, bytesOf(500, 5));
      copyFileSync(join(dir, `${idOf(0x5)}_4.chunk`), join(dir, `${idOf(0x2)}_4.chunk`));
      writeFileSync(join(dir, `${idOf(0x2)}_4.meta`), readFileSync(join(dir, `${idOf(0x5)}_4.meta`)));
      await first.delete(idOf(0x5));
      // Crashes mid-commit: only one of the two renames reached the disk.
      copyFileSync(join(dir, `${idOf(0x3)}_1.meta`), join(dir, `${idOf(0x3)}_2.meta`));
      copyFileSync(join(dir, `${idOf(0x4)}_1.chunk`), join(dir, `${idOf(0x4)}_2.chunk`));
      // Leftover temp files of both kinds, and files this store never names.
      writeFileSync(join(dir, `${idOf(0x6)}_1.chunk.tmp-1x0`), "partial");
      writeFileSync(join(dir, `${idOf(0x6)}_1.meta.tmp-1x1`), "partial");
      writeFileSync(join(dir, "notes.txt"), "operator's");
      writeFileSync(join(dir, `${idOf(0x1)}_01.chunk`), "leading zero");
      writeFileSync(join(root, "lost+found"), "");

      setLogLevel("silent");
      const store = await openStore(root, stores).finally(() => setLogLevel("info"));
      expect(store.openStats).toEqual({ tempFilesRemoved: 2, incompleteChunksRemoved: 2, replacedVersionsRemoved: 1, unknownFilesIgnored: 3 });
      expect(store.stat(idOf(0x2))).toEqual({ id: idOf(0x2), version: 4, sizeBytes: 500 });
      expect(store.stat(idOf(0x3))?.version).toBe(1);
      expect(store.stat(idOf(0x4))?.version).toBe(1);
      expect(store.usage()).toEqual({ chunkCount: 4, usedBytes: 100 + 500 + 300 + 400 });
      expect(filesUnder(root).filter((name) => name.includes(".tmp-"))).toEqual([]);
      expect(existsSync(join(dir, "notes.txt"))).toBe(true);
      expect(existsSync(join(dir, `${idOf(0x2)}_3.chunk`))).toBe(false);
      expect(existsSync(join(dir, `${idOf(0x3)}_2.meta`))).toBe(false);
      expect(existsSync(join(dir, `${idOf(0x4)}_2.chunk`))).toBe(false);
      // The surviving replacement is the sidecar of another chunk: caught on first use.
      await expect(store.read(idOf(0x2), 4, 0, 1)).rejects.toMatchObject({ code: "CHUNK_CORRUPT", blockIndex: undefined });
      expect(await store.verify(idOf(0x2), 4)).toMatchObject({ ok: false, blockIndex: undefined });
    });
  });

  it("a truncated or overlong data file is corruption at the block where it stops matching", async () => {
    await withRoot(async (root, stores) => {
      const store = await openStore(root, stores);
      await writeChunk(store, idOf(0x10), 1, bytesOf(4 * BLOCK + 9));
      await writeChunk(store, idOf(0x11), 1, bytesOf(BLOCK));
      truncateSync(store.localPath(idOf(0x10), 1), 2 * BLOCK + 5);
      appendFileSync(store.localPath(idOf(0x11), 1), "x");
      expect(await store.verify(idOf(0x10), 1)).toMatchObject({ ok: false, blockIndex: 2 });
      expect(await store.verify(idOf(0x11), 1)).toMatchObject({ ok: false, blockIndex: 1 });
      const failure = await store.read(idOf(0x10), 1, 3 * BLOCK, 10).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ChunkCorruptError);
      // Block 3 lies wholly past the cut: it is the one this read could not verify.
      expect(failure).toMatchObject({ blockIndex: 3 });
      await expect(store.read(idOf(0x10), 1, 2 * BLOCK, 10)).rejects.toMatchObject({ blockIndex: 2 });
      // The intact prefix still reads.
      expect((await store.read(idOf(0x10), 1, 0, 2 * BLOCK)).length).toBe(2 * BLOCK);
    });
  });

  it("reads a sidecar only up to its largest possible size", async () => {
    await withRoot(async (root, stores) => {
      const first = await openStore(root, stores);
      await writeChunk(first, idOf(0x30), 1, bytesOf(10));
      const sidecar = first.localPath(idOf(0x30), 1).replace(/\.chunk$/, ".meta");
      writeFileSync(sidecar, new Uint8Array(SIDECAR_BYTES_MAX + 1));
      const store = await openStore(root, stores);
      await expect(store.read(idOf(0x30), 1, 0, 1)).rejects.toThrow(/too long/);
    });
  });

  it("writers of different chunks run concurrently without mixing bytes", async () => {
    await withRoot(async (root, stores) => {
      const store = await openStore(root, stores);
      const datas = [1, 2, 3, 4].map((seed) => bytesOf(2 * 1024 * 1024 + seed * 1000, seed));
      const writers = await Promise.all(datas.map((_, i) => store.createWriter(idOf(0x20 + i), 1)));
      const packet = 64 * 1024;
      await Promise.all(
        writers.map(async (writer, i) => {
          for (let offset = 0; offset < datas[i]!.length; offset += packet) await writer.write(datas[i]!.subarray(offset, offset + packet));
          await writer.commit();
        }),
      );
      for (const [i, data] of datas.entries()) {
        expect(Buffer.compare(readFileSync(store.localPath(idOf(0x20 + i), 1)), Buffer.from(data))).toBe(0);
        expect(await store.verify(idOf(0x20 + i), 1)).toEqual({ ok: true, sizeBytes: data.length });
      }
    });
  });

  it("bad chunk ids never reach the filesystem", async () => {
    await withRoot(async (root, stores) => {
      const store = await openStore(root, stores);
      for (const id of ["../../escape", "..", "/etc/passwd", "ab/../../../x", "ab\u0000cdef01234567"]) {
        await expect(store.createWriter(id, 1)).rejects.toMatchObject({ code: "INVALID_CHUNK_ID" });
      }
      expect(readdirSync(root)).toEqual([]);
      expect(readdirSync(join(root, ".."))).toEqual(["chunks"]);
    });
  });

  it("reports the capacity of the file system under the root", async () => {
    await withRoot(async (root, stores) => {
      const store = await openStore(root, stores);
      const { capacityBytes, freeBytes } = await store.capacity();
      expect(capacityBytes).toBeGreaterThan(freeBytes);
      expect(freeBytes).toBeGreaterThan(0);
    });
  });
});

describe("DiskChunkWriter.writeChecked (issue 13: a replica's block CRCs are computed once)", () => {
  const crcsOf = (data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(4 * Math.ceil(data.length / BLOCK));
    const view = new DataView(out.buffer);
    for (let block = 0; block * BLOCK < data.length; block++) view.setUint32(4 * block, Bun.hash.crc32(data.subarray(block * BLOCK, (block + 1) * BLOCK)) >>> 0, true);
    return out;
  };

  it("keeps the CRCs it is given: the same sidecar as computing them, and a wrong one shows up as corruption at read", async () => {
    await withRoot(async (root, stores) => {
      const store = await openStore(root, stores);
      const data = bytesOf(5 * BLOCK + 123, 7);
      const packet = 2 * BLOCK;
      const checked = await store.createWriter(idOf(0x40), 1);
      for (let at = 0; at < data.length; at += packet) {
        const piece = data.subarray(at, at + packet);
        // A packet may arrive in pieces (a Uint8ArrayList's buffers).
        await checked.writeChecked!([piece.subarray(0, 1000), piece.subarray(1000)], crcsOf(piece));
      }
      const info = await checked.commit();
      const plain = await store.createWriter(idOf(0x41), 1);
      await plain.write(data);
      expect(info).toMatchObject({ sizeBytes: data.length, checksumDigest: (await plain.commit()).checksumDigest });
      expect(await store.verify(idOf(0x40), 1)).toEqual({ ok: true, sizeBytes: data.length });
      // Given a wrong CRC for block 1, the writer keeps it (it does not compute its own): the block reads as corrupt.
      const crcs = crcsOf(data);
      crcs[4] = crcs[4]! ^ 0xff;
      const trusting = await store.createWriter(idOf(0x43), 1);
      await trusting.writeChecked!(data, crcs);
      await trusting.commit();
      expect(await store.verify(idOf(0x43), 1)).toMatchObject({ ok: false, blockIndex: 1 });
    });
  });

  it("computes what the given CRCs do not cover: bytes after a partial block, and packets after a plain write", async () => {
    await withRoot(async (root, stores) => {
      const store = await openStore(root, stores);
      const data = bytesOf(4 * BLOCK, 9);
      // A packet ending mid-block, then more bytes: the partial block's given CRC is dropped.
      const partial = await store.createWriter(idOf(0x50), 1);
      const first = data.subarray(0, BLOCK + 100);
      await partial.writeChecked!(first, crcsOf(first));
      await partial.write(data.subarray(BLOCK + 100, 2 * BLOCK + 7));
      await partial.writeChecked!(data.subarray(2 * BLOCK + 7), crcsOf(data.subarray(2 * BLOCK + 7)));
      await partial.commit();
      expect(await store.verify(idOf(0x50), 1)).toEqual({ ok: true, sizeBytes: data.length });
      // A list of CRCs that does not match the packet's blocks is not taken.
      const mismatched = await store.createWriter(idOf(0x51), 1);
      await mismatched.writeChecked!(data, new Uint8Array(4));
      await mismatched.commit();
      expect(await store.verify(idOf(0x51), 1)).toEqual({ ok: true, sizeBytes: data.length });
    });
  });
});

describe("DiskChunkWriter syncs behind its writes", () => {
  /** A real temp file whose datasync() is counted, and fails with EIO when `failSync` says so (the call's number, from 1). */
  async function writerOn(path: string, failSync: (call: number) => boolean, slots = new SyncBehindSlots(1), shared = { running: 0, mostRunning: 0 }) {
    const handle = await open(path, "w");
    const syncs = { calls: 0, installed: 0 };
    const counted = new Proxy(handle, {
      get(target, prop) {
        if (prop === "datasync") {
          return async () => {
            const call = ++syncs.calls;
            if (failSync(call)) throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
            shared.mostRunning = Math.max(shared.mostRunning, ++shared.running);
            try {
              return await target.datasync();
            } finally {
              shared.running--;
            }
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as FileHandle;
    const sizeBytes = 2 * SYNC_BEHIND_BYTES + 3 * BLOCK;
    const writer = new DiskChunkWriter(idOf(0x60), 1, sizeBytes, sizeBytes, counted, path, {
      install: async (installedBytes, checksums) => {
        syncs.installed++;
        return { id: idOf(0x60), version: 1, sizeBytes: installedBytes, checksumDigest: String(checksums.length) } as never;
      },
      release: () => {},
      syncBehind: slots,
    });
    return { writer, syncs, sizeBytes };
  }

  it("starts an fdatasync in the background while the chunk streams in, and the data on disk is the data written", async () => {
    const dir = tempDir("sync-behind");
    try {
      const path = join(dir.path, "chunk.tmp");
      const { writer, syncs, sizeBytes } = await writerOn(path, () => false);
      const data = bytesOf(sizeBytes, 11);
      let syncsBeforeTheEnd = 0;
      for (let at = 0; at < data.length; at += WRITE_BUFFER_BYTES) {
        await writer.write(data.subarray(at, at + WRITE_BUFFER_BYTES));
        // Once two more buffers went out after SYNC_BEHIND_BYTES, the first background sync has started.
        if (at + WRITE_BUFFER_BYTES >= SYNC_BEHIND_BYTES + 2 * WRITE_BUFFER_BYTES && syncsBeforeTheEnd === 0) syncsBeforeTheEnd = syncs.calls;
      }
      expect(syncsBeforeTheEnd).toBeGreaterThanOrEqual(1);
      await writer.commit();
      // The commit's own sync comes after every background one.
      expect(syncs.calls).toBeGreaterThan(syncsBeforeTheEnd);
      expect(syncs.installed).toBe(1);
      expect(new Uint8Array(readFileSync(path))).toEqual(data);
    } finally {
      dir.remove();
    }
  });

  it("a background sync that fails fails the writer (its next write or its commit), though the commit's own sync would succeed, and installs nothing", async () => {
    const dir = tempDir("sync-behind");
    try {
      const path = join(dir.path, "chunk.tmp");
      // Only the first (background) sync fails: after a failed fsync the kernel may count the
      // lost pages as clean, so the commit's successful sync must not hide it.
      const { writer, syncs, sizeBytes } = await writerOn(path, (call) => call === 1);
      const data = bytesOf(sizeBytes, 12);
      let failedAt: unknown;
      try {
        for (let at = 0; at < data.length; at += WRITE_BUFFER_BYTES) await writer.write(data.subarray(at, at + WRITE_BUFFER_BYTES));
        await writer.commit();
      } catch (err) {
        failedAt = err;
        // What a writer's user does with a failed writer (the pipeline stage, the store's callers).
        await writer.abort();
      }
      expect(String(failedAt)).toContain("EIO");
      expect(syncs.calls).toBeGreaterThanOrEqual(1);
      expect(syncs.installed).toBe(0);
      expect(existsSync(path)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it("the writers of a store run at most its number of background syncs at once", async () => {
    const dir = tempDir("sync-behind");
    try {
      const slots = new SyncBehindSlots(1);
      const shared = { running: 0, mostRunning: 0 };
      const writers = await Promise.all([0, 1, 2].map((k) => writerOn(join(dir.path, `chunk-${k}.tmp`), () => false, slots, shared)));
      const data = bytesOf(writers[0]!.sizeBytes, 13);
      // All three stream at once; no commit runs before every byte is written, so every sync seen so far is a background one.
      await Promise.all(
        writers.map(async ({ writer }) => {
          for (let at = 0; at < data.length; at += WRITE_BUFFER_BYTES) await writer.write(data.subarray(at, at + WRITE_BUFFER_BYTES));
        }),
      );
      const backgroundSyncs = writers.reduce((sum, { syncs }) => sum + syncs.calls, 0);
      expect(backgroundSyncs).toBeGreaterThanOrEqual(1);
      expect(shared.mostRunning).toBe(1);
      for (const { writer } of writers) await writer.commit();
      for (let k = 0; k < 3; k++) expect(new Uint8Array(readFileSync(join(dir.path, `chunk-${k}.tmp`)))).toEqual(data);
    } finally {
      dir.remove();
    }
  });
});
