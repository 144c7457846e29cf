// Chunk store throughput against the raw disk, in the same run so a loaded machine shows up
// on both sides: writing one chunk through DiskChunkStore (64 KiB packets, as the write
// pipeline feeds it; fsync and rename at commit) versus Bun.write + fsync of the same bytes,
// and reading it back verified through the store versus raw positioned reads.
//
//   bun run bench/chunk-store.ts [--size-mib N] [--repeat N] [--dir PATH]
//
// Reads run right after the writes, so they come from the page cache on both sides: this
// measures the store's CPU cost (CRC, copies, async I/O round trips), not the disk's. It
// prints figures and always exits 0: a slow or loaded machine gives smaller numbers.
import { closeSync, fsyncSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskChunkStore } from "../src/chunk/store/disk-store.ts";
import { findBadBlock } from "../src/chunk/store/checksum.ts";
import { READ_LENGTH_BYTES_MAX } from "../src/chunk/store/constants.ts";

const SIZE_MIB_DEFAULT = 256;
const REPEAT_DEFAULT = 2;
const PACKET_BYTES = 64 * 1024;
const RAW_READ_PIECE_BYTES = 1024 * 1024;

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const sizeBytes = Number(argument("size-mib") ?? SIZE_MIB_DEFAULT) * 1024 * 1024;
const repeat = Number(argument("repeat") ?? REPEAT_DEFAULT);
const baseDir = mkdtempSync(join(argument("dir") ?? tmpdir(), "tessera-bench-chunk-"));

const data = new Uint8Array(sizeBytes);
const tile = new Uint8Array(1024 * 1024);
for (let i = 0; i < tile.length; i += 65536) crypto.getRandomValues(tile.subarray(i, i + 65536));
for (let i = 0; i < sizeBytes; i += tile.length) data.set(tile.subarray(0, Math.min(tile.length, sizeBytes - i)), i);

const results = new Map<string, number[]>();
async function measure(name: string, body: () => Promise<number> | number): Promise<void> {
  // A full collection first, so one measurement's garbage (256 MiB buffers) is not paid for
  // by the next one.
  Bun.gc(true);
  const started = performance.now();
  const bytes = await body();
  const seconds = (performance.now() - started) / 1000;
  const list = results.get(name) ?? [];
  list.push(bytes / 1e6 / seconds);
  results.set(name, list);
}

try {
  const store = await DiskChunkStore.open(join(baseDir, "chunks"));
  const rawPath = join(baseDir, "raw.bin");
  for (let round = 0; round < repeat; round++) {
    const id = (round + 1).toString(16).padStart(16, "0");

    await measure("write: raw Bun.write + fsync", async () => {
      await Bun.write(rawPath, data);
      const fd = openSync(rawPath, "r");
      fsyncSync(fd);
      closeSync(fd);
      return sizeBytes;
    });
    await measure("write: store, 64 KiB packets, commit", async () => {
      const writer = await store.createWriter(id, 1);
      for (let offset = 0; offset < sizeBytes; offset += PACKET_BYTES) await writer.write(data.subarray(offset, offset + PACKET_BYTES));
      await writer.commit();
      return sizeBytes;
    });

    await measure("read: raw 1 MiB positioned reads, one buffer", () => {
      const fd = openSync(rawPath, "r");
      const buffer = new Uint8Array(sizeBytes);
      for (let offset = 0; offset < sizeBytes; offset += RAW_READ_PIECE_BYTES) readSync(fd, buffer, offset, Math.min(RAW_READ_PIECE_BYTES, sizeBytes - offset), offset);
      closeSync(fd);
      return sizeBytes;
    });
    await measure("read: raw Bun.file().bytes()", async () => (await Bun.file(rawPath).bytes()).length);
    await measure("read: raw 1 MiB positioned reads, reused buffer", () => {
      const fd = openSync(rawPath, "r");
      const buffer = new Uint8Array(RAW_READ_PIECE_BYTES);
      for (let offset = 0; offset < sizeBytes; offset += RAW_READ_PIECE_BYTES) readSync(fd, buffer, 0, Math.min(RAW_READ_PIECE_BYTES, sizeBytes - offset), offset);
      closeSync(fd);
      return sizeBytes;
    });
    await measure("read: store read(), 1 MiB ranges", async () => {
      let total = 0;
      for (let offset = 0; offset < sizeBytes; offset += RAW_READ_PIECE_BYTES) total += (await store.read(id, 1, offset, RAW_READ_PIECE_BYTES)).length;
      return total;
    });
    await measure("read: store read(), 64 MiB ranges", async () => {
      let total = 0;
      for (let offset = 0; offset < sizeBytes; offset += READ_LENGTH_BYTES_MAX) total += (await store.read(id, 1, offset, READ_LENGTH_BYTES_MAX)).length;
      return total;
    });
    await measure("read: store createReadStream()", async () => {
      let total = 0;
      for await (const piece of store.createReadStream(id, 1)) total += piece.length;
      return total;
    });
    // The local-read fast path as a reader on the same peer would run it: positioned reads of
    // the data file into one reused buffer, each piece checked against readBlockChecksums().
    await measure("read: local path, 1 MiB reused buffer, verified", async () => {
      const sums = await store.readBlockChecksums(id, 1);
      const fd = openSync(store.localPath(id, 1), "r");
      const buffer = new Uint8Array(RAW_READ_PIECE_BYTES);
      let total = 0;
      for (let offset = 0; offset < sizeBytes; offset += RAW_READ_PIECE_BYTES) {
        const n = readSync(fd, buffer, 0, Math.min(RAW_READ_PIECE_BYTES, sizeBytes - offset), offset);
        if (findBadBlock(buffer.subarray(0, n), offset / sums.blockBytes, sums.checksums) !== undefined) throw new Error("bench chunk is corrupt");
        total += n;
      }
      closeSync(fd);
      return total;
    });
    await measure("scrub: store verify()", async () => {
      const result = await store.verify(id, 1);
      return result.ok ? result.sizeBytes : 0;
    });
    await store.delete(id);
  }
  await store.close();

  console.log(`chunk store, ${sizeBytes / 1024 / 1024} MiB chunk, ${repeat} round(s), dir ${baseDir}`);
  for (const [name, figures] of results) {
    const best = Math.max(...figures);
    console.log(`  ${name.padEnd(48)} best ${best.toFixed(0).padStart(6)} MB/s   all: ${figures.map((f) => f.toFixed(0)).join(", ")}`);
  }
} catch (err) {
  console.log(`bench failed to run: ${(err as Error).message}`);
} finally {
  rmSync(baseDir, { recursive: true, force: true });
}
