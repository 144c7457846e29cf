// A map task's input in its own thread (src/compute/local-input.ts): chunks held on the peer
// are read from their files, the rest through the parent, and a local chunk that is corrupt
// or gone is read through the parent instead (which reads another replica).
import { describe, it, expect } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DiskChunkStore } from "../../src/chunk/store/disk-store.ts";
import { LocalFirstRangeReader } from "../../src/compute/local-input.ts";
import { bytesRangeReader, linesOfSplit, type RangeReader } from "../../src/compute/line-split.ts";
import type { LocalChunkSpan } from "../../src/client/short-circuit.ts";
import { createLogger } from "../../src/util/log.ts";
import { tempDir } from "../support/temp.ts";

const KiB = 1024;
const CHUNK = 256 * KiB;

/** A file of 3 chunks of text; chunks 1 and 2 are in a disk store (held "here"), chunk 0 is not. */
async function withFile(body: (file: Uint8Array, spans: LocalChunkSpan[], store: DiskChunkStore) => Promise<void>): Promise<void> {
  const lines: string[] = [];
  for (let i = 0, length = 0; length < 3 * CHUNK - 200; i++) {
    lines.push(`line ${i} ${"x".repeat(i % 97)}`);
    length += lines[i]!.length + 1;
  }
  const file = new TextEncoder().encode(`${lines.join("\n")}\n`);
  const dir = tempDir("local-input");
  const store = await DiskChunkStore.open(join(dir.path, "chunks"), { logger: createLogger("local-input-test") });
  try {
    const spans: LocalChunkSpan[] = [];
    for (const index of [1, 2]) {
      const chunkId = `00000000000000d${index}`;
      const bytes = file.subarray(index * CHUNK, Math.min(file.length, (index + 1) * CHUNK));
      const writer = await store.createWriter(chunkId, 1);
      await writer.write(bytes);
      await writer.commit();
      spans.push({ fileOffsetBytes: index * CHUNK, sizeBytes: bytes.length, location: { chunkId, version: 1, dataPath: store.localPath(chunkId, 1), checksums: await store.readBlockChecksums(chunkId, 1) } });
    }
    await body(file, spans, store);
  } finally {
    await store.close();
    dir.remove();
  }
}

/** The parent's side: the whole file, counting what it was asked for. */
function parentOf(file: Uint8Array): RangeReader & { askedBytes: number } {
  const whole = bytesRangeReader(file);
  const parent = {
    askedBytes: 0,
    sizeBytes: file.length,
    read: async (offsetBytes: number, lengthBytes: number) => {
      const bytes = await whole.read(offsetBytes, lengthBytes);
      parent.askedBytes += bytes.length;
      return bytes;
    },
  };
  return parent;
}

async function linesOf(reader: RangeReader, startBytes: number, endBytes: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const record of linesOfSplit(reader, startBytes, endBytes, { readAheadBytes: 64 * KiB })) lines.push(`${record.offsetBytes}:${record.line}`);
  return lines;
}

describe("a map task's local-first input", () => {
  it("reads a split of a local chunk from its file, asking the parent only for bytes outside it", async () => {
    await withFile(async (file, spans) => {
      const parent = parentOf(file);
      const reader = new LocalFirstRangeReader(parent, spans);
      const expected = await linesOf(bytesRangeReader(file), CHUNK, 2 * CHUNK);
      expect(await linesOf(reader, CHUNK, 2 * CHUNK)).toEqual(expected);
      // The split and the end of its last line (chunk 2, also local) came from the files: a
      // split never reads the byte before it (chunk 0), so the parent was asked for nothing.
      expect(parent.askedBytes).toBe(0);
      expect(reader.localBytes).toBeGreaterThanOrEqual(CHUNK);
      expect(reader.localFailures).toBe(0);
      await reader.close();
    });
  });

  it("a corrupt local chunk, or one deleted before it is opened, is read through the parent, and the lines stay right", async () => {
    await withFile(async (file, spans, store) => {
      const [first, second] = spans;
      const bytes = new Uint8Array(readFileSync(first!.location.dataPath));
      bytes[100]! ^= 0x20;
      writeFileSync(first!.location.dataPath, bytes);
      await store.delete(second!.location.chunkId, 1);
      const parent = parentOf(file);
      const reader = new LocalFirstRangeReader(parent, spans);
      expect(await linesOf(reader, 0, file.length)).toEqual(await linesOf(bytesRangeReader(file), 0, file.length));
      expect(reader.localFailures).toBe(2);
      expect(reader.localBytes).toBe(0);
      expect(parent.askedBytes).toBe(file.length);
      await reader.close();
    });
  });

  it("refuses a read after it is closed, so a read begun ahead cannot open a chunk file nobody closes", async () => {
    await withFile(async (file, spans) => {
      const parent = parentOf(file);
      const reader = new LocalFirstRangeReader(parent, spans);
      expect((await reader.read(CHUNK, 10)).length).toBe(10);
      await reader.close();
      await expect(reader.read(2 * CHUNK, 10)).rejects.toThrow("the map's input is closed");
      await expect(reader.read(0, 10)).rejects.toThrow("the map's input is closed");
      expect(parent.askedBytes).toBe(0);
    });
  });
});
