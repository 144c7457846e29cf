// The ChunkStore compliance suite against the disk store and its memory twin.
import { readFileSync, writeFileSync } from "node:fs";
import { DiskChunkStore } from "../../src/chunk/store/disk-store.ts";
import { MemoryChunkStore, MemoryChunkVolume } from "../../src/chunk/store/memory-store.ts";
import type { ChunkStore } from "../../src/chunk/store/store.ts";
import { tempDir } from "../support/temp.ts";
import { chunkStoreSuite } from "./store-suite.ts";

/** Flips one byte of a file in place, as a bad disk would. */
export function flipByte(path: string, offsetBytes: number): void {
  const bytes = readFileSync(path);
  bytes[offsetBytes] ^= 0xff;
  writeFileSync(path, bytes);
}

chunkStoreSuite("MemoryChunkStore", async () => {
  const volume = new MemoryChunkVolume();
  const stores: ChunkStore[] = [new MemoryChunkStore(volume)];
  return {
    store: stores[0]!,
    corruptByte: async (id, version, offsetBytes) => volume.corruptByte(id, version, offsetBytes),
    corruptChecksums: async (id, version) => volume.corruptChecksums(id, version),
    reopen: async () => {
      const store = new MemoryChunkStore(volume);
      stores.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of stores) await store.close();
    },
  };
});

chunkStoreSuite("DiskChunkStore", async () => {
  const dir = tempDir("chunks");
  const root = `${dir.path}/chunks`;
  const first = await DiskChunkStore.open(root);
  const stores: DiskChunkStore[] = [first];
  return {
    store: first,
    corruptByte: async (id, version, offsetBytes) => flipByte(first.localPath(id, version), offsetBytes),
    // Byte 30 is inside the sidecar's size field: the sidecar's own CRC no longer matches.
    corruptChecksums: async (id, version) => flipByte(first.localPath(id, version).replace(/\.chunk$/, ".meta"), 30),
    reopen: async () => {
      const store = await DiskChunkStore.open(root);
      stores.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of stores) await store.close();
      dir.remove();
    },
  };
});
