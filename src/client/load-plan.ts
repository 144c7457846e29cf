// `cache load`'s plan (issue 16, docs/cache.md): which peer fills which chunks of which files,
// decided before anything is asked (pure). A chunk is loaded onto the first peers of its
// rendezvous order (client/cache-client.ts's fillPeerOrder: the peers a read would ask) that
// do not hold it yet, until it has `replication` copies; the chunks each peer fills are sent
// as one load request per file, at most CACHE_LOAD_CHUNKS_MAX chunks each.
import type { FileChunk } from "../protocol/pb/meta.ts";
import { CACHE_LOAD_CHUNKS_MAX } from "../protocol/cache.ts";
import { fillPeerOrder } from "./cache-client.ts";

/** One load request: `peer` fills these chunks of `path`. */
export interface LoadRequestPlan {
  peer: string;
  path: string;
  chunkIndexes: number[];
  /** The chunks' bytes (for progress). */
  sizeBytes: number;
}

export interface LoadPlan {
  requests: LoadRequestPlan[];
  /** Copies wanted: every chunk's size × replication. */
  totalBytes: number;
  /** Of which present already. */
  presentBytes: number;
}

export function planLoad(files: ReadonlyArray<{ path: string; chunks: readonly FileChunk[] }>, livePeers: readonly string[], replication: number): LoadPlan {
  const requests: LoadRequestPlan[] = [];
  let totalBytes = 0;
  let presentBytes = 0;
  for (const file of files) {
    const byPeer = new Map<string, LoadRequestPlan>();
    for (const chunk of file.chunks) {
      totalBytes += chunk.sizeBytes * replication;
      const holders = new Set(chunk.replicas.map((replica) => replica.peer));
      const present = Math.min(holders.size, replication);
      presentBytes += chunk.sizeBytes * present;
      const targets = fillPeerOrder(chunk.chunkId, livePeers)
        .filter((peer) => !holders.has(peer))
        .slice(0, replication - present);
      for (const peer of targets) {
        let request = byPeer.get(peer);
        if (!request || request.chunkIndexes.length >= CACHE_LOAD_CHUNKS_MAX) {
          if (request) requests.push(request);
          request = { peer, path: file.path, chunkIndexes: [], sizeBytes: 0 };
          byPeer.set(peer, request);
        }
        request.chunkIndexes.push(chunk.index);
        request.sizeBytes += chunk.sizeBytes;
      }
    }
    requests.push(...byPeer.values());
  }
  return { requests, totalBytes, presentBytes };
}
