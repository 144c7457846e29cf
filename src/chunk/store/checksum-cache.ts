// Parsed checksum sidecars kept in memory so ranged reads do not reread them each time.
import type { ChunkChecksums } from "./checksum.ts";

/** Parsed sidecars by chunk, least recently used first out, bounded by their bytes. */
export class ChecksumCache {
  private readonly entries = new Map<string, ChunkChecksums>();
  private bytes = 0;

  constructor(private readonly bytesMax: number) {}

  get(key: string): ChunkChecksums | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: ChunkChecksums): void {
    this.delete(key);
    if (entry.checksums.byteLength > this.bytesMax) return;
    this.entries.set(key, entry);
    this.bytes += entry.checksums.byteLength;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.bytesMax) break;
      this.entries.delete(oldest);
      this.bytes -= old.checksums.byteLength;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.checksums.byteLength;
  }
}
