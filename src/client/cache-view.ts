// How much of a file is in Tessera, and in which tier (issue 16: `fs stat` and `fs ls` show
// `In Tessera: 100%`, `In Memory: 100%` and the per-tier split), from its stat alone (pure).
// A chunk is in Tessera when a live replica of it is known (the leader's locations); each
// replica says its tier (Replica.tier: MEM, SSD, HDD, or "" for the peer's data directory,
// which this view names DATA).
import type { FileStatus } from "../protocol/pb/meta.ts";
import type { StatView } from "./fs.ts";

/** The name byTier gives a copy in a peer's data directory (Replica.tier ""). */
export const DATA_DIR_TIER = "DATA";

export interface CachedFraction {
  /** The file's bytes (its committed chunks). */
  totalBytes: number;
  /** Bytes of chunks with at least one live replica. */
  cachedBytes: number;
  /**
   * Bytes of chunks with a replica in each tier: a chunk counts once per tier it is in, so
   * with copies in two tiers the sum exceeds cachedBytes. `In Memory` is byTier.MEM / totalBytes.
   */
  byTier: Record<string, number>;
}

/** Of a stat answer (FileStatus) or of its view (FileSystemClient.stat's StatView). */
export function cachedFraction(stat: Pick<FileStatus, "chunks"> | Pick<StatView, "chunks">): CachedFraction {
  let totalBytes = 0;
  let cachedBytes = 0;
  const byTier: Record<string, number> = {};
  for (const chunk of stat.chunks) {
    if (!chunk.committed) continue;
    const sizeBytes = "sizeBytes" in chunk ? chunk.sizeBytes : chunk.size;
    totalBytes += sizeBytes;
    if (chunk.replicas.length === 0) continue;
    cachedBytes += sizeBytes;
    for (const tier of new Set(chunk.replicas.map((replica) => replica.tier || DATA_DIR_TIER))) byTier[tier] = (byTier[tier] ?? 0) + sizeBytes;
  }
  return { totalBytes, cachedBytes, byTier };
}

/** A fraction as `fs stat` prints it: 0% only when nothing is there, 100% only when everything is. */
export function percentOf(partBytes: number, totalBytes: number): string {
  if (totalBytes === 0) return "100%";
  if (partBytes === 0) return "0%";
  if (partBytes >= totalBytes) return "100%";
  const percent = Math.min(99, Math.max(1, Math.floor((partBytes / totalBytes) * 100)));
  return `${percent}%`;
}
