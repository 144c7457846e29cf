// The chunk store on a full disk (issue 18): a write refused for space is an error to the
// writer (never a commit), named as a full disk on the pipeline's STORE error, and leaves no
// file behind that a restart would serve. The temp data file is a real one whose writes fail
// with ENOSPC after a given number of bytes: no full real disk is needed.
import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { DiskChunkStore } from "../../src/chunk/store/disk-store.ts";
import { storeFailure } from "../../src/chunk/transfer/pipeline-stage.ts";
import { createLogger, setLogLevel } from "../../src/util/log.ts";
import { isNoSpaceError } from "../../src/util/disk-full.ts";
import { tempDir } from "../support/temp.ts";
import { bytesOf, idOf } from "./store-suite.ts";

setLogLevel((process.env.TEST_LOG as "debug") ?? "error");

/** Temp data files that take `disk.left` bytes in all, then refuse with ENOSPC. */
function fillingDisk(disk: { left: number }): (path: string) => Promise<FileHandle> {
  return async (path) => {
    const real = await open(path, "wx", 0o644);
    const write = real.write.bind(real) as (buffer: Uint8Array, offset: number, length: number, position: number) => Promise<{ bytesWritten: number; buffer: Uint8Array }>;
    (real as unknown as { write: typeof write }).write = async (buffer, offset, length, position) => {
      if (disk.left === 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28 });
      const n = Math.min(length, disk.left);
      disk.left -= n;
      return write(buffer, offset, n, position);
    };
    return real;
  };
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) => readdirSync(join(root, dir.name)).map((name) => `${dir.name}/${name}`));
}

describe("the disk chunk store on a full disk", () => {
  it("refuses a write that runs out of space, leaves no file, and a restart serves nothing of it", async () => {
    const dir = tempDir("chunks-full");
    const root = join(dir.path, "chunks");
    const disk = { left: 3 * 1024 * 1024 + 100 };
    try {
      const store = await DiskChunkStore.open(root, { logger: createLogger("chunks-full"), createTempFile: fillingDisk(disk) });
      const id = idOf(1);
      const writer = await store.createWriter(id, 1);
      const data = bytesOf(8 * 1024 * 1024, 7);
      let failure: unknown;
      try {
        for (let at = 0; at < data.length; at += 1 << 20) await writer.write(data.subarray(at, at + (1 << 20)));
        await writer.commit();
      } catch (err) {
        failure = err;
        await writer.abort();
      }
      expect(isNoSpaceError(failure)).toBe(true);
      expect(store.stat(id)).toBeUndefined();
      expect(filesUnder(root)).toEqual([]);
      // What a replica tells the pipeline: a STORE error that names the full disk.
      const error = storeFailure("peer-a", failure);
      expect(error.code).toBe("STORE");
      expect(error.storeCode).toBe("DISK_FULL");
      expect(error.message).toMatch(/the disk of peer peer-a is full: ENOSPC/);
      // Space again: the id is free, and a write goes through.
      disk.left = Number.POSITIVE_INFINITY;
      const small = await store.createWriter(idOf(2), 1);
      await small.write(bytesOf(1000, 3));
      await small.commit();
      await store.close();

      const reopened = await DiskChunkStore.open(root, { logger: createLogger("chunks-full") });
      try {
        expect(reopened.stat(id)).toBeUndefined();
        expect(reopened.stat(idOf(2))?.sizeBytes).toBe(1000);
        expect(reopened.openStats.tempFilesRemoved + reopened.openStats.incompleteChunksRemoved).toBe(0);
      } finally {
        await reopened.close();
      }
    } finally {
      dir.remove();
    }
  });
});
