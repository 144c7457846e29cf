// Run files (src/compute/records.ts): what is written is read back exactly, in blocks, from
// pieces of any size; and a run that is truncated or damaged anywhere is reported as corrupt,
// never read as a shorter valid run (STYLE.md §6: check data after reading it back).
import { describe, it, expect } from "vitest";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUN_BLOCK_BYTES_MAX } from "../../src/compute/constants.ts";
import { RunFileCorruptError } from "../../src/compute/errors.ts";
import { decodeRun, readRunFile, RUN_HEADER_BYTES, RunWriter, writeRunFile, type KeyValue } from "../../src/compute/records.ts";
import { collectRecords } from "../../src/compute/merge.ts";
import { Rng } from "../sim/prng.ts";
import { tempDir } from "../support/temp.ts";

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir("runs");
  try {
    await body(dir.path);
  } finally {
    dir.remove();
  }
}

function randomRecords(rng: Rng, count: number): KeyValue[] {
  const alphabet = ["a", "b", "é", "日", "😀", "\t", "\n", "\0", "zz"];
  const text = (max: number) => Array.from({ length: rng.int(max) }, () => rng.pick(alphabet)).join("");
  return Array.from({ length: count }, () => ({ key: text(12), value: text(40) })).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

async function* piecesOf(bytes: Uint8Array, pieceBytes: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += pieceBytes) yield bytes.slice(at, at + pieceBytes);
}

async function decodeBytes(bytes: Uint8Array, pieceBytes = 4096): Promise<KeyValue[]> {
  return collectRecords(decodeRun(piecesOf(bytes, pieceBytes), { source: "the test run" }));
}

/** A run of three blocks (each record is too big to share a block), and where each block starts. */
async function threeBlockRun(dir: string): Promise<{ bytes: Uint8Array; blockStarts: number[] }> {
  const path = join(dir, "three.run");
  const value = "v".repeat(200 * 1024);
  await writeRunFile(path, [
    { key: "a", value },
    { key: "b", value },
    { key: "c", value },
  ]);
  const bytes = new Uint8Array(readFileSync(path));
  const blockStarts: number[] = [];
  let at = RUN_HEADER_BYTES;
  for (let i = 0; i < 3; i++) {
    blockStarts.push(at);
    at += 12 + new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
  }
  blockStarts.push(at); // the footer
  return { bytes, blockStarts };
}

describe("run files", () => {
  it("read back exactly what was written, whatever the read piece size", async () => {
    await withDir(async (dir) => {
      const rng = new Rng(11);
      const records = randomRecords(rng, 5000);
      // Records larger than a block get a block of their own.
      records.push({ key: "~big", value: "é".repeat(140 * 1024) });
      const path = join(dir, "r.run");
      const info = await writeRunFile(path, records);
      expect(info).toEqual({ path, records: records.length, sizeBytes: statSync(path).size });
      for (const pieceBytes of [4096, 1024 * 1024]) {
        expect(await collectRecords(readRunFile(path, { pieceBytes }))).toEqual(records);
      }
      // Tiny pieces in memory (one read call per piece would make a file test slow, not better).
      const bytes = new Uint8Array(readFileSync(path));
      for (const pieceBytes of [7, 1000]) expect(await decodeBytes(bytes, pieceBytes)).toEqual(records);
      const small = join(dir, "small.run");
      const smallRecords = records.slice(0, 300);
      await writeRunFile(small, smallRecords);
      expect(await decodeBytes(new Uint8Array(readFileSync(small)), 1)).toEqual(smallRecords);
    });
  });

  it("yields one batch per block, never the whole file at once", async () => {
    await withDir(async (dir) => {
      const path = join(dir, "many.run");
      const records = Array.from({ length: 50_000 }, (_, i) => ({ key: `k${String(i).padStart(6, "0")}`, value: "x".repeat(20) }));
      await writeRunFile(path, records);
      const sizes: number[] = [];
      for await (const batch of readRunFile(path)) sizes.push(batch.length);
      expect(sizes.length).toBeGreaterThan(3);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(records.length);
    });
  });

  it("writes an empty run that reads as no records", async () => {
    await withDir(async (dir) => {
      const path = join(dir, "empty.run");
      expect((await writeRunFile(path, [])).records).toBe(0);
      expect(await collectRecords(readRunFile(path))).toEqual([]);
    });
  });

  it("writes the same bytes through the synchronous path (the emergency spill), over many blocks (each written block's buffer serves the next)", async () => {
    await withDir(async (dir) => {
      const records = randomRecords(new Rng(3), 30_000);
      const writer = RunWriter.createSync(join(dir, "sync.run"), { durable: false });
      for (const r of records) if (writer.add(r.key, r.value)) writer.drainSync();
      writer.finishSync();
      await writeRunFile(join(dir, "async.run"), records);
      const written = readFileSync(join(dir, "sync.run"));
      expect(written.length).toBeGreaterThan(4 * 256 * 1024);
      expect(written).toEqual(readFileSync(join(dir, "async.run")));
      expect(await collectRecords(readRunFile(join(dir, "async.run")))).toEqual(records);
    });
  });

  it("abort removes the file", async () => {
    await withDir(async (dir) => {
      const writer = await RunWriter.create(join(dir, "gone.run"));
      writer.add("k", "v");
      await writer.abort();
      expect(existsSync(join(dir, "gone.run"))).toBe(false);
    });
  });

  it("detects truncation at every byte, including exactly at a block boundary", async () => {
    await withDir(async (dir) => {
      const path = join(dir, "small.run");
      await writeRunFile(path, randomRecords(new Rng(5), 20));
      const whole = new Uint8Array(readFileSync(path));
      for (let length = 0; length < whole.length; length++) {
        await expect(decodeBytes(whole.subarray(0, length), 5)).rejects.toBeInstanceOf(RunFileCorruptError);
      }
      const { bytes, blockStarts } = await threeBlockRun(dir);
      for (const [index, boundary] of blockStarts.entries()) {
        await expect(decodeBytes(bytes.subarray(0, boundary))).rejects.toThrow(`the test run is corrupt: it is truncated after block ${index} (no footer)`);
      }
    });
  });

  it("detects a flipped bit in the header, a block or the footer", async () => {
    await withDir(async (dir) => {
      const { bytes, blockStarts } = await threeBlockRun(dir);
      const flipped = (at: number) => {
        const copy = bytes.slice();
        copy[at]! ^= 0x10;
        return copy;
      };
      await expect(decodeBytes(flipped(1))).rejects.toThrow("the test run is corrupt: it does not start with the run file magic");
      await expect(decodeBytes(flipped(blockStarts[1]! + 100))).rejects.toThrow("the test run is corrupt: block 1 fails its checksum");
      await expect(decodeBytes(flipped(blockStarts[3]! + 5))).rejects.toThrow("the test run is corrupt: its footer fails its checksum");
      // A damaged length is caught by the bound or the framing, before any allocation for it.
      await expect(decodeBytes(flipped(blockStarts[0]! + 3))).rejects.toBeInstanceOf(RunFileCorruptError);
    });
  });

  it("rejects a block that claims more than the block limit without allocating it", async () => {
    const header = new Uint8Array([0x54, 0x52, 0x55, 0x4e, 1, 0, 0, 0]);
    const block = new Uint8Array(12);
    new DataView(block.buffer).setUint32(0, RUN_BLOCK_BYTES_MAX + 1, true);
    new DataView(block.buffer).setUint32(4, 1, true);
    await expect(decodeBytes(Buffer.concat([header, block]))).rejects.toThrow(`the test run is corrupt: block 0 claims ${RUN_BLOCK_BYTES_MAX + 1} bytes, more than the limit of ${RUN_BLOCK_BYTES_MAX}`);
  });

  it("rejects bytes after the footer", async () => {
    await withDir(async (dir) => {
      const path = join(dir, "tail.run");
      await writeRunFile(path, [{ key: "k", value: "v" }]);
      writeFileSync(path, Buffer.concat([readFileSync(path), Buffer.from("junk")]));
      await expect(collectRecords(readRunFile(path))).rejects.toThrow(`${path} is corrupt: it has bytes after its footer`);
    });
  });
});

describe("decodeRun's memory", () => {
  it("lets go of the pieces it has decoded, though blocks straddle pieces and its queue never drains", async () => {
    await withDir(async (dir) => {
      // About 12 MiB of 256 KiB blocks, fed in pieces of 100,000 bytes (never block-aligned).
      const path = join(dir, "long.run");
      const value = "0".repeat(200);
      await writeRunFile(path, Array.from({ length: 60_000 }, (_, i) => ({ key: `k${String(i).padStart(6, "0")}`, value })));
      const bytes = new Uint8Array(readFileSync(path));
      const fed: WeakRef<Uint8Array>[] = [];
      async function* tracked(): AsyncGenerator<Uint8Array> {
        for await (const piece of piecesOf(bytes, 100_000)) {
          fed.push(new WeakRef(piece));
          yield piece;
        }
      }
      let records = 0;
      let mostAlive = 0;
      for await (const batch of decodeRun(tracked())) {
        records += batch.length;
        Bun.gc(true);
        mostAlive = Math.max(mostAlive, fed.filter((ref) => ref.deref() !== undefined).length);
      }
      expect(records).toBe(60_000);
      expect(fed.length).toBeGreaterThan(100);
      // A block's worth of pieces and one ahead, not every piece fed so far.
      expect(mostAlive).toBeLessThanOrEqual(6);
    });
  });
});
