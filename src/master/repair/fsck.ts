// fsck, the leader's health check of the namespace (like `hdfs fsck PATH`): every file under
// PATH, every chunk of each, judged by replication.ts's chunkHealth against the location map
// and the live peers. A file is as bad as its worst chunk: MISSING (no live replica) before
// CORRUPT (a replica reported bad and not replaced yet) before UNDER_REPLICATED before
// HEALTHY; so is the whole answer. A chunk of a file whose bytes are in an under-storage
// (PERSISTED, issue 16) with no live copy is not missing but not cached: healthy, counted in
// notCached. Reads the local namespace: the caller takes a ReadIndex
// barrier first. Walks in pages and yields between them, so a large namespace does not stall
// the leader.
import type { ChunkLocations } from "../cluster/locations.ts";
import type { Namespace } from "../state/namespace.ts";
import { CHUNK_PAGE_MAX, LIST_PAGE_MAX } from "../state/limits.ts";
import { chunkHealth, type PlannerPeer } from "./replication.ts";
import type { ChunkStatus, FsckResult, FsckFile } from "../../protocol/views.ts";
import { PersistState } from "../../protocol/pb/under-storage.ts";

/**
 * Unhealthy files listed by name in one answer; the counts cover all of them. Bounded so the
 * answer fits a metadata response (1 MiB) even with paths of 4 KiB.
 */
export const FSCK_FILES_LISTED_MAX = 200;

const SEVERITY: Record<ChunkStatus, number> = { HEALTHY: 0, UNDER_REPLICATED: 1, CORRUPT: 2, MISSING: 3 };

export function worse(a: ChunkStatus, b: ChunkStatus): ChunkStatus {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

export interface FsckSources {
  namespace: Namespace;
  locations: ChunkLocations;
  /** Chunk servers with their state (alive, suspect, dead). */
  peers: ReadonlyMap<string, PlannerPeer>;
}

/** Checks every file under `path` (a file checks itself). Throws NotFoundError for a path that does not exist. */
export async function fsck(sources: FsckSources, path: string): Promise<FsckResult> {
  const { namespace, locations, peers } = sources;
  const root = namespace.stat(path);
  const result: FsckResult = {
    status: "HEALTHY",
    path: root.path,
    files: 0,
    directories: 0,
    chunks: 0,
    sizeBytes: 0,
    healthy: 0,
    underReplicated: 0,
    corrupt: 0,
    missing: 0,
    overReplicated: 0,
    notCached: 0,
    unhealthyFiles: [],
    truncated: false,
  };
  let after: string | undefined;
  for (;;) {
    const page = namespace.list(root.path, { recursive: true, limit: LIST_PAGE_MAX, ...(after ? { after } : {}) });
    for (const entry of page.entries) {
      if (entry.kind === "dir") {
        result.directories += 1;
        continue;
      }
      // A symbolic link has no chunks and is not followed.
      if (entry.kind === "symlink") continue;
      result.files += 1;
      result.sizeBytes += entry.sizeBytes;
      // Its bytes are in the under-storage: its copies are a cache (as the replicator sees it, Namespace.allChunkIds).
      const cacheOnly = entry.underStorage?.persistState === PersistState.PERSISTED && entry.underStorage.fingerprint !== "";
      const file: FsckFile = { path: entry.path, status: "HEALTHY", replication: entry.replication, sizeBytes: entry.sizeBytes, chunks: 0, underReplicated: 0, corrupt: 0, missing: 0 };
      let fromIndex = 0;
      for (;;) {
        const chunks = namespace.chunksOfFile(entry.id, { fromIndex, limit: CHUNK_PAGE_MAX });
        for (const chunk of chunks) {
          const health = chunkHealth(
            {
              chunkId: chunk.chunkId,
              version: chunk.version,
              sizeBytes: chunk.sizeBytes,
              committed: chunk.committed,
              replication: entry.replication,
              replicas: locations.replicas(chunk.chunkId),
              corrupt: locations.corruptReplicas(chunk.chunkId),
              cacheOnly,
            },
            peers,
          );
          file.chunks += 1;
          file.status = worse(file.status, health.status);
          if (health.status === "UNDER_REPLICATED") file.underReplicated += 1;
          else if (health.status === "CORRUPT") file.corrupt += 1;
          else if (health.status === "MISSING") file.missing += 1;
          else result.healthy += 1;
          if (health.surplus > 0) result.overReplicated += 1;
          if (health.notCached) result.notCached += 1;
        }
        if (chunks.length < CHUNK_PAGE_MAX) break;
        fromIndex = chunks[chunks.length - 1]!.index + 1;
      }
      result.chunks += file.chunks;
      result.underReplicated += file.underReplicated;
      result.corrupt += file.corrupt;
      result.missing += file.missing;
      result.status = worse(result.status, file.status);
      if (file.status !== "HEALTHY") {
        if (result.unhealthyFiles.length < FSCK_FILES_LISTED_MAX) result.unhealthyFiles.push(file);
        else result.truncated = true;
      }
    }
    if (!page.next) break;
    after = page.next;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return result;
}
