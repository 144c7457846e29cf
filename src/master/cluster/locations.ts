// Where each chunk's replicas are: soft state on the leader, as in GFS §2.6.2. It is not in
// the Raft log: chunk servers report what they hold (a full report when they meet a new
// leader, increments after), and a new leader rebuilds the map from their reports.
export interface ReplicaLocation {
  peer: string;
  version: number;
  sizeBytes: number;
  /**
   * The cache tier the peer keeps it in ("MEM", "SSD", "HDD", from its block reports);
   * absent for the data directory (chunks written into Tessera, or a peer without tiers).
   */
  tier?: string;
}

/** A chunk as a block report (or a commit, or a copy) tells of it. */
export interface ReportedReplica {
  chunkId: string;
  version: number;
  sizeBytes: number;
  tier?: string;
}

export class ChunkLocations {
  private readonly byChunk = new Map<string, Map<string, ReplicaLocation>>();
  private readonly byPeer = new Map<string, Set<string>>();
  // Replicas reported bad (GFS §5.2), chunk → peer → version: not locations, but remembered
  // so a later report of the same bytes does not bring them back, and so fsck can show them
  // until the repair replaced and deleted them.
  private readonly corrupt = new Map<string, Map<string, number>>();
  // Sequence number of each peer's latest full report: a new leader's replicator waits until
  // the live peers have reported to it (reportSeq grows by one per full report).
  private readonly fullReportSeqByPeer = new Map<string, number>();
  private fullReportSeq = 0;
  // The current leadership: its term and the reportSeq when it began (leadershipBegan).
  private leadership?: { term: number; seq: number };

  /** Replaces everything known of `peer` with its full report. */
  fullReport(peer: string, chunks: Iterable<ReportedReplica>): void {
    this.forgetPeer(peer, { keepCorrupt: true });
    this.addAll(peer, chunks);
    this.fullReportSeqByPeer.set(peer, ++this.fullReportSeq);
  }

  /**
   * Marks the start of a leadership (idempotent per term): the entries known so far are from
   * before it, and a peer counts as reported to this leader only once a full report of its
   * comes after this point (reportedThisLeadership). Answers the reportSeq at the start.
   */
  leadershipBegan(term: number): number {
    if (this.leadership?.term !== term) this.leadership = { term, seq: this.fullReportSeq };
    return this.leadership.seq;
  }

  /**
   * True when `peer` sent a full report since the current leadership began: its entries are
   * what it held then, plus what it reported since. A peer forgotten as dead has none.
   */
  reportedThisLeadership(peer: string): boolean {
    return this.fullReportSeqOf(peer) > (this.leadership?.seq ?? 0);
  }

  /** Grows by one with every full report received; see fullReportSeqOf. */
  get reportSeq(): number {
    return this.fullReportSeq;
  }

  /** The reportSeq of `peer`'s latest full report (0 when none). */
  fullReportSeqOf(peer: string): number {
    return this.fullReportSeqByPeer.get(peer) ?? 0;
  }

  /**
   * A replica failed its checksums: it is no longer a location, and stays marked until the
   * peer deletes it (or reports another version of the chunk, or dies).
   */
  markCorrupt(peer: string, chunkId: string): void {
    const version = this.byChunk.get(chunkId)?.get(peer)?.version;
    this.remove(peer, chunkId);
    let marks = this.corrupt.get(chunkId);
    if (!marks) {
      marks = new Map();
      this.corrupt.set(chunkId, marks);
    }
    marks.set(peer, version ?? 0);
  }

  /** Peers holding a replica of the chunk reported bad and not deleted yet. */
  corruptReplicas(chunkId: string): Array<{ peer: string; version: number }> {
    return [...(this.corrupt.get(chunkId)?.entries() ?? [])].map(([peer, version]) => ({ peer, version }));
  }

  /** Every chunk with a replica marked corrupt (for fsck and the replicator). */
  corruptChunkIds(): string[] {
    return [...this.corrupt.keys()];
  }

  /** The replicas `peer` holds, as the map knows them (for the capacity report). */
  replicasOf(peer: string): Array<ReplicaLocation & { chunkId: string }> {
    const out: Array<ReplicaLocation & { chunkId: string }> = [];
    for (const chunkId of this.byPeer.get(peer) ?? []) {
      const replica = this.byChunk.get(chunkId)?.get(peer);
      if (replica) out.push({ ...replica, chunkId });
    }
    return out;
  }

  /** Applies an incremental report: chunks the peer committed and chunks it deleted. */
  incrementalReport(peer: string, added: Iterable<ReportedReplica>, removed: Iterable<string>): void {
    this.addAll(peer, added);
    for (const chunkId of removed) this.remove(peer, chunkId);
  }

  /** A dead peer's replicas leave the map (GFS §4.3: they no longer count). */
  forgetPeer(peer: string, options: { keepCorrupt?: boolean } = {}): void {
    if (!options.keepCorrupt) {
      for (const [chunkId, marks] of this.corrupt) {
        marks.delete(peer);
        if (marks.size === 0) this.corrupt.delete(chunkId);
      }
      this.fullReportSeqByPeer.delete(peer);
    }
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

  private dropCorruptMark(peer: string, chunkId: string): void {
    const marks = this.corrupt.get(chunkId);
    if (!marks?.delete(peer)) return;
    if (marks.size === 0) this.corrupt.delete(chunkId);
  }

  private addAll(peer: string, chunks: Iterable<ReportedReplica>): void {
    let held = this.byPeer.get(peer);
    if (!held) {
      held = new Set();
      this.byPeer.set(peer, held);
    }
    for (const chunk of chunks) {
      const marks = this.corrupt.get(chunk.chunkId);
      const markedVersion = marks?.get(peer);
      if (markedVersion !== undefined) {
        // The same bad bytes reported again stay out; another version is a new replica.
        if (markedVersion === chunk.version || markedVersion === 0) continue;
        marks!.delete(peer);
        if (marks!.size === 0) this.corrupt.delete(chunk.chunkId);
      }
      let replicas = this.byChunk.get(chunk.chunkId);
      if (!replicas) {
        replicas = new Map();
        this.byChunk.set(chunk.chunkId, replicas);
      }
      replicas.set(peer, { peer, version: chunk.version, sizeBytes: chunk.sizeBytes, ...(chunk.tier ? { tier: chunk.tier } : {}) });
      held.add(chunk.chunkId);
    }
  }

  private remove(peer: string, chunkId: string): void {
    this.dropCorruptMark(peer, chunkId);
    const replicas = this.byChunk.get(chunkId);
    replicas?.delete(peer);
    if (replicas && replicas.size === 0) this.byChunk.delete(chunkId);
    this.byPeer.get(peer)?.delete(chunkId);
  }
}
