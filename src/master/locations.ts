// Where each chunk's replicas are: soft state on the leader, as in GFS §2.6.2. It is not in
// the Raft log: chunk servers report what they hold (a full report when they meet a new
// leader, increments after), and a new leader rebuilds the map from their reports.
export interface ReplicaLocation {
  peer: string;
  version: number;
  sizeBytes: number;
}

export class ChunkLocations {
  private readonly byChunk = new Map<string, Map<string, ReplicaLocation>>();
  private readonly byPeer = new Map<string, Set<string>>();

  /** Replaces everything known of `peer` with its full report. */
  fullReport(peer: string, chunks: Iterable<{ chunkId: string; version: number; sizeBytes: number }>): void {
    this.forgetPeer(peer);
    this.addAll(peer, chunks);
  }

  /** Applies an incremental report: chunks the peer committed and chunks it deleted. */
  incrementalReport(peer: string, added: Iterable<{ chunkId: string; version: number; sizeBytes: number }>, removed: Iterable<string>): void {
    this.addAll(peer, added);
    for (const chunkId of removed) this.remove(peer, chunkId);
  }

  /** A dead peer's replicas leave the map (GFS §4.3: they no longer count). */
  forgetPeer(peer: string): void {
    const held = this.byPeer.get(peer);
    if (!held) return;
    for (const chunkId of held) {
      const replicas = this.byChunk.get(chunkId);
      replicas?.delete(peer);
      if (replicas && replicas.size === 0) this.byChunk.delete(chunkId);
    }
    this.byPeer.delete(peer);
  }

  replicas(chunkId: string): ReplicaLocation[] {
    return [...(this.byChunk.get(chunkId)?.values() ?? [])];
  }

  /** Replicas that hold exactly `version` (older ones are stale and never served). */
  currentReplicas(chunkId: string, version: number): ReplicaLocation[] {
    return this.replicas(chunkId).filter((replica) => replica.version === version);
  }

  chunkCountOf(peer: string): number {
    return this.byPeer.get(peer)?.size ?? 0;
  }

  get chunkCount(): number {
    return this.byChunk.size;
  }

  peers(): string[] {
    return [...this.byPeer.keys()];
  }

  private addAll(peer: string, chunks: Iterable<{ chunkId: string; version: number; sizeBytes: number }>): void {
    let held = this.byPeer.get(peer);
    if (!held) {
      held = new Set();
      this.byPeer.set(peer, held);
    }
    for (const chunk of chunks) {
      let replicas = this.byChunk.get(chunk.chunkId);
      if (!replicas) {
        replicas = new Map();
        this.byChunk.set(chunk.chunkId, replicas);
      }
      replicas.set(peer, { peer, version: chunk.version, sizeBytes: chunk.sizeBytes });
      held.add(chunk.chunkId);
    }
  }

  private remove(peer: string, chunkId: string): void {
    const replicas = this.byChunk.get(chunkId);
    replicas?.delete(peer);
    if (replicas && replicas.size === 0) this.byChunk.delete(chunkId);
    this.byPeer.get(peer)?.delete(chunkId);
  }
}
