// How much of each file being written each peer was given: what placement needs to spread a
// file written from outside the cluster evenly (placement.ts, spreadFirst). Soft state of the
// leader, like the chunk locations: one entry per file recently written, rebuilt from the
// namespace's chunk rows (the pipelines they were placed on) whenever it may be stale, so a
// new leader, an abandoned chunk or a lost update costs one rebuild and never a wrong answer
// for long. Placement is the leader's decision written into the Raft command, so this state
// never needs to agree between masters.

/** Files whose spread is remembered; beyond, the least recently written is forgotten (and rebuilt if it is written again). */
export const FILE_SPREADS_MAX = 1_024;

/** One chunk row as the namespace keeps it. */
export interface SpreadChunk {
  sizeBytes: number;
  committed: boolean;
  replicas: readonly string[];
}

interface Spread {
  /** Chunks accounted for: the index the file's next chunk will get. */
  nextIndex: number;
  bytesPerPeer: Map<string, number>;
}

export class FileSpreads {
  private readonly files = new Map<number, Spread>();

  constructor(private readonly filesMax = FILE_SPREADS_MAX) {}

  /**
   * Bytes of file `fileId` per peer, given the index its next chunk will get: from memory when
   * that agrees, else rebuilt from `chunks()` (every chunk row of the file, in order). An
   * uncommitted chunk counts as `chunkSizeBytes`, what its pipeline is writing.
   */
  of(fileId: number, nextIndex: number, chunkSizeBytes: number, chunks: () => Iterable<SpreadChunk>): ReadonlyMap<string, number> {
    let spread = this.files.get(fileId);
    if (!spread || spread.nextIndex !== nextIndex) {
      spread = { nextIndex, bytesPerPeer: new Map() };
      for (const chunk of chunks()) add(spread.bytesPerPeer, chunk.replicas, chunk.committed ? chunk.sizeBytes : chunkSizeBytes);
    }
    this.remember(fileId, spread);
    return spread.bytesPerPeer;
  }

  /** Chunk `index` was placed on `replicas`; ignored (and the entry dropped) unless it is the next one expected. */
  added(fileId: number, index: number, replicas: readonly string[], sizeBytes: number): void {
    const spread = this.files.get(fileId);
    if (!spread) return;
    if (spread.nextIndex !== index) {
      this.files.delete(fileId);
      return;
    }
    add(spread.bytesPerPeer, replicas, sizeBytes);
    spread.nextIndex = index + 1;
  }

  /** A chunk's pipeline was rebuilt on other peers (a new version): its bytes move with it. */
  moved(fileId: number, from: readonly string[], to: readonly string[], sizeBytes: number): void {
    const spread = this.files.get(fileId);
    if (!spread) return;
    add(spread.bytesPerPeer, from, -sizeBytes);
    add(spread.bytesPerPeer, to, sizeBytes);
  }

  get size(): number {
    return this.files.size;
  }

  private remember(fileId: number, spread: Spread): void {
    // Map order is insertion order: re-inserting keeps the most recently written last.
    this.files.delete(fileId);
    this.files.set(fileId, spread);
    while (this.files.size > this.filesMax) this.files.delete(this.files.keys().next().value!);
  }
}

function add(bytesPerPeer: Map<string, number>, peers: readonly string[], sizeBytes: number): void {
  for (const peer of peers) {
    const bytes = (bytesPerPeer.get(peer) ?? 0) + sizeBytes;
    if (bytes > 0) bytesPerPeer.set(peer, bytes);
    else bytesPerPeer.delete(peer);
  }
}
