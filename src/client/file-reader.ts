// The read path of the file system client: a file's bytes from its chunks' replicas.
//
// A read is cut into pieces of at most READ_PIECE_BYTES (never across a chunk), and up to
// READ_AHEAD_BYTES_MAX of pieces are fetched at once, each from its own replica: the nearest
// (this peer's own file, then the reader's rack, then any), and among equally near ones the
// one with the fewest pieces in flight from this reader, then round-robin by piece. So one
// client reads a chunk from several replicas at once, and the stream still yields the file's
// bytes in order. A piece is handed out only once it verified whole from one replica (the
// client checks every block's CRC: the one end-to-end check), so a failover never repeats or
// mixes bytes: a replica that fails is reported when corrupt, avoided for the rest of the
// read, and the piece is read from the next one.
//
// A reader inside a peer that holds a replica reads the chunk file directly (short-circuit,
// chunk/store/local-chunk-reader.ts), with no stream and no chunk server in between, one
// piece at a time (READ_AHEAD_LOCAL_BYTES_MAX).
//
// A file of an under-storage mount (its stat has `underStorage` with a fingerprint) reads a
// chunk with live replicas as above; a chunk with none (not cached) is read through the cache
// service of its fill peer (client/cache-client.ts): the reader's own peer when it runs in one,
// else the live chunk server rendezvous hashing picks for the chunk, so all readers of a chunk
// meet at one peer, which fetches it once. A CHUNK_STALE answer (the file changed in the
// under-storage) restarts a stream from a new stat while it has returned nothing, else fails.
import type { TesseraHost } from "../net/host.ts";
import { readChunk, readChunkLocal } from "../chunk/transfer/read-protocol.ts";
import { ChunkChecksumError } from "../chunk/transfer/data-errors.ts";
import type { ChunkStore } from "../chunk/store/store.ts";
import type { LocalChunkLocation } from "../chunk/store/local-chunk-reader.ts";
import { FileStatus, type FileChunk } from "../protocol/pb/meta.ts";
import type { MetaCall } from "../protocol/meta.ts";
import { CHUNK_CHECKSUM_BLOCK_BYTES } from "../protocol/limits.ts";
import { ReadType } from "../protocol/pb/under-storage.ts";
import { FsError } from "./fs-error.ts";
import { statWhole } from "./stat-pages.ts";
import { CacheError, fillPeerOrder, type CacheEndpoint } from "./cache-client.ts";

/**
 * The most bytes one piece asks of one replica: large enough that a piece's stream setup (a
 * yamux stream, a request, the header with its CRCs) is noise next to its bytes, small enough
 * that a 64 MiB chunk is read from several replicas at once and a failover repeats little.
 * Whole checksum blocks, so pieces of one chunk never read a block twice.
 */
export const READ_PIECE_BYTES = 4 * 1024 * 1024;
/**
 * The bytes of pieces fetched ahead of the consumer, and so the memory one read stream holds:
 * 4 pieces, enough to keep three replicas busy while the consumer takes the oldest. Small on
 * purpose: every byte received is decrypted into fresh memory, and the more of it a reader
 * holds, the more of it the allocator hands back to the OS and faults in again. Measured
 * (docs/dfsio.md, "Read path"): decrypting 1 GiB in 64 KiB records while holding the last
 * 8 / 16 / 32 / 64 / 128 MiB cost 0.54 / 0.99 / 2.2 / 2.6 / 3.3 CPU-s; the read-ahead was 128 MiB.
 */
export const READ_AHEAD_BYTES_MAX = 16 * 1024 * 1024;
/**
 * The same for pieces this peer reads from its own disk: one piece at a time (the local
 * reader already keeps several positioned reads in flight within it). Parallel pieces buy
 * nothing from a page cache and cost faults on the memory they hold: a 256 MiB file read
 * inside a peer, 5 rounds, ran at 161–610 MB/s with 16 MiB ahead, 1,225–2,331 MB/s (after
 * the first round) with 4 MiB.
 */
export const READ_AHEAD_LOCAL_BYTES_MAX = READ_PIECE_BYTES;

if (READ_PIECE_BYTES % CHUNK_CHECKSUM_BLOCK_BYTES !== 0 || READ_AHEAD_BYTES_MAX < READ_PIECE_BYTES) throw new Error("read pieces hold whole checksum blocks and fit the read-ahead budget");

/** Bytes a client read from its own peer's disk and over the network (tests and metrics). */
export interface ReadByteCounters {
  localBytes: number;
  remoteBytes: number;
}

/** Fill peers a piece of an uncached chunk is asked of before its read fails (the next in rendezvous order when one is unreachable). */
export const FILL_PEER_ATTEMPTS = 2;
/** Times a stream starts again from a new stat when the file changed in the under-storage before it returned anything. */
export const STALE_RESTARTS_MAX = 2;

/** How a client reaches the cache services (issue 16): its own peer's, and any live peer's. */
export interface CacheAccess {
  /** This peer's own cache service, when the client runs in a peer. */
  local?: () => CacheEndpoint | undefined;
  /** The live chunk servers, for rendezvous hashing (addresses are learned by the provider). */
  livePeers(): Promise<string[]>;
  /** The cache service of another peer. */
  remote(peer: string): CacheEndpoint;
}

/** What a read of a file needs to know of it beyond its chunks. */
interface ReadFile {
  path: string;
  /** The file is in the under-storage (a mount, persisted): uncached chunks read through the cache. */
  throughCache: boolean;
  readType: ReadType;
}

/** Byte ranges of one file (openRangeReader); counters tell local from network bytes. */
export interface FileRangeReader {
  readonly path: string;
  readonly sizeBytes: number;
  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
  readonly counters: ReadByteCounters;
  /**
   * The chunks overlapping [startBytes, endBytes) whose replica is in this peer's own store,
   * with their files' location (empty for a client that is not a peer, or a store without
   * files): what a map task's thread reads directly.
   */
  localChunks(startBytes: number, endBytes: number): Promise<LocalChunkSpan[]>;
}

/** A chunk of a file held on this peer: where it starts in the file and where its files are. */
export interface LocalChunkSpan {
  /** The chunk's first byte's offset in the file. */
  fileOffsetBytes: number;
  sizeBytes: number;
  location: LocalChunkLocation;
}

export interface FileReaderInit {
  host: TesseraHost;
  call: MetaCall;
  localPeer?: { id: string; rack: string; store: ChunkStore };
  rack?: string;
  /** Puts the replicas' addresses into the peer store before they are dialled. */
  learnAddresses(chunk: FileChunk): void;
  /** The client's counters, updated by every read. */
  counters: ReadByteCounters & { checksumFailovers: number; replicaFailovers: number; cacheBytes: number };
  /** The cache services, for files of under-storage mounts; absent: uncached chunks are MISSING. */
  cache?: CacheAccess;
  /** Who the reads act for ("" the cluster): the fill peer checks this user may read the file. */
  user?: string;
}

/** Options of one read. */
export interface ReadOptions {
  /** For files of under-storage mounts: CACHE, CACHE_PROMOTE, NO_CACHE; absent: the mount's. */
  readType?: ReadType;
}

/** One piece of a read: a range of one chunk. */
export interface ReadPiece {
  chunk: FileChunk;
  offsetBytes: number;
  lengthBytes: number;
}

/** Cuts the committed chunks into pieces of at most pieceBytes, in file order (pure). */
export function planReadPieces(chunks: readonly FileChunk[], pieceBytes: number): ReadPiece[] {
  const pieces: ReadPiece[] = [];
  for (const chunk of chunks) {
    for (let offsetBytes = 0; offsetBytes < chunk.sizeBytes; offsetBytes += pieceBytes) {
      pieces.push({ chunk, offsetBytes, lengthBytes: Math.min(pieceBytes, chunk.sizeBytes - offsetBytes) });
    }
  }
  return pieces;
}

export interface ReplicaChoice {
  /** The reader's peer id: its own replica is nearest (read from its disk). */
  self: string;
  rack?: string;
  /** Pieces this reader has in flight per replica peer. */
  loadByPeer: ReadonlyMap<string, number>;
  /** Peers that failed during this read: tried last. */
  avoid: ReadonlySet<string>;
  /** Rotates the order among equals (the piece's number), so equal replicas take turns. */
  rotation: number;
}

/**
 * The replicas to try for a piece, best first (pure): not failed before this read, then the
 * nearest (self, same rack, any), then the least loaded by this reader, then round-robin.
 */
export function orderReplicas<R extends { peer: string; rack: string }>(replicas: readonly R[], choice: ReplicaChoice): R[] {
  const count = replicas.length;
  const rotated = replicas.map((_, i) => replicas[(i + choice.rotation) % count]!);
  const distance = (replica: R) => (replica.peer === choice.self ? 0 : choice.rack && replica.rack === choice.rack ? 1 : 2);
  const avoided = (replica: R) => (choice.avoid.has(replica.peer) ? 1 : 0);
  const load = (replica: R) => choice.loadByPeer.get(replica.peer) ?? 0;
  // Array.prototype.sort is stable: ties keep the rotated order.
  return rotated.sort((a, b) => avoided(a) - avoided(b) || distance(a) - distance(b) || load(a) - load(b));
}

/** What one read (a stream, or a range reader) tracks across its pieces. */
interface ReadState {
  loadByPeer: Map<string, number>;
  avoid: Set<string>;
  rotation: number;
}

/** A file's chunks up to its first uncommitted one: what readers see. */
function committedOf(stat: FileStatus): FileChunk[] {
  const committed: FileChunk[] = [];
  for (const chunk of stat.chunks) {
    if (!chunk.committed) break;
    committed.push(chunk);
  }
  return committed;
}

function readFileOf(stat: FileStatus, options: ReadOptions): ReadFile {
  return { path: stat.path, throughCache: stat.underStorage !== undefined && stat.underStorage.fingerprint !== "", readType: options.readType ?? ReadType.READ_TYPE_UNSPECIFIED };
}

function isStale(err: unknown): boolean {
  return (err as { code?: string })?.code === "CHUNK_STALE";
}

function changedWhileRead(path: string): FsError {
  return new FsError("CHUNK_STALE", `${path} changed in the under-storage while being read; read it again`);
}

/** A file the caller may see but not read: the masters withheld its chunks (no READ permission). */
function refuseWithheld(stat: FileStatus): void {
  if (stat.chunksWithheld) throw new FsError("PERMISSION_DENIED", `Permission denied: ${stat.path} is not readable by this user (access=READ)`);
}

export class FileReader {
  constructor(private readonly init: FileReaderInit) {}

  /** The file's committed chunks (readers see a file up to its last committed chunk). */
  private async committedChunks(path: string, options: ReadOptions): Promise<{ file: ReadFile; chunks: FileChunk[] }> {
    const stat = await statWhole(this.init.call, path);
    if (stat.kind !== FileStatus.Kind.FILE) throw new FsError("NOT_A_FILE", `${path} is ${stat.kind === FileStatus.Kind.SYMLINK ? "a symbolic link" : "a folder"}, not a file`);
    refuseWithheld(stat);
    return { file: readFileOf(stat, options), chunks: committedOf(stat) };
  }

  /**
   * A file's (or folder's) status and, for a file, a reader of it as of that status: one
   * metadata request for both, so what the status says (size, attributes) describes the bytes
   * the reader reads even if the path is replaced meanwhile (the S3 gateway's GET).
   */
  async openWithStatus(path: string, options: ReadOptions = {}): Promise<{ status: FileStatus; reader: FileRangeReader | undefined }> {
    const status = await statWhole(this.init.call, path);
    if (status.kind === FileStatus.Kind.FILE) refuseWithheld(status);
    return { status, reader: status.kind === FileStatus.Kind.FILE ? this.rangeReader(path, readFileOf(status, options), committedOf(status)) : undefined };
  }

  /**
   * The file's bytes in order, fetched in pieces from several replicas at once within
   * READ_AHEAD_BYTES_MAX (see the top of this file).
   */
  async *createReadStream(path: string, options: ReadOptions & { onProgress?(readBytes: number): void } = {}): AsyncGenerator<Uint8Array> {
    for (let attempt = 0; ; attempt++) {
      let returnedBytes = 0;
      try {
        for await (const bytes of this.streamOnce(path, options)) {
          returnedBytes += bytes.length;
          yield bytes;
        }
        return;
      } catch (err) {
        if (!isStale(err)) throw err;
        // Nothing handed out yet: a new stat (which syncs with the under-storage) names the new chunks.
        if (returnedBytes === 0 && attempt < STALE_RESTARTS_MAX) continue;
        throw changedWhileRead(path);
      }
    }
  }

  private async *streamOnce(path: string, options: ReadOptions & { onProgress?(readBytes: number): void }): AsyncGenerator<Uint8Array> {
    const { file, chunks } = await this.committedChunks(path, options);
    const pieces = planReadPieces(chunks, READ_PIECE_BYTES);
    const loadByPeer = new Map<string, number>();
    const avoid = new Set<string>();
    const inFlight: Array<{ lengthBytes: number; result: Promise<Uint8Array[]> }> = [];
    let inFlightBytes = 0;
    let next = 0;
    let readBytes = 0;
    try {
      while (next < pieces.length || inFlight.length > 0) {
        // Always at least one fetch; more while the byte budget allows (a smaller one for
        // pieces read from this peer's disk).
        while (next < pieces.length && (inFlight.length === 0 || inFlightBytes + pieces[next]!.lengthBytes <= this.readAheadBytesFor(pieces[next]!, avoid))) {
          const piece = pieces[next]!;
          const result = this.readPiece(file, piece, this.init.counters, { loadByPeer, avoid, rotation: next });
          result.catch(() => undefined); // awaited below, in order; never an unhandled rejection
          inFlight.push({ lengthBytes: piece.lengthBytes, result });
          inFlightBytes += piece.lengthBytes;
          next++;
        }
        const oldest = inFlight.shift()!;
        const verified = await oldest.result;
        inFlightBytes -= oldest.lengthBytes;
        for (const bytes of verified) {
          readBytes += bytes.length;
          options.onProgress?.(readBytes);
          yield bytes;
        }
      }
    } finally {
      // A consumer that stops early leaves fetches behind; their results are dropped.
      inFlight.length = 0;
    }
  }

  /**
   * A reader of byte ranges of one file, as it is now: the chunk list is read once. Each read
   * goes to the nearest replica of the chunks it covers (this peer's disk when it holds one)
   * and is checksum-verified; a bad replica is reported and the next one tried.
   */
  async openRangeReader(path: string, options: ReadOptions = {}): Promise<FileRangeReader> {
    const { file, chunks } = await this.committedChunks(path, options);
    return this.rangeReader(path, file, chunks);
  }

  /**
   * A reader of the bytes of `chunks` laid end to end, as if they were a file's: an editor
   * reads its base's chunks and the chunks it staged with it (client/file-editor.ts).
   */
  chunksReader(path: string, chunks: FileChunk[]): FileRangeReader {
    return this.rangeReader(path, { path, throughCache: false, readType: ReadType.READ_TYPE_UNSPECIFIED }, chunks);
  }

  private rangeReader(path: string, file: ReadFile, committed: FileChunk[]): FileRangeReader {
    const chunks: Array<{ chunk: FileChunk; startBytes: number }> = [];
    let offset = 0;
    for (const chunk of committed) {
      chunks.push({ chunk, startBytes: offset });
      offset += chunk.sizeBytes;
    }
    const sizeBytes = offset;
    const counters: ReadByteCounters = { localBytes: 0, remoteBytes: 0 };
    const loadByPeer = new Map<string, number>();
    const avoid = new Set<string>();
    const read = async (offsetBytes: number, lengthBytes: number): Promise<Uint8Array> => {
      if (!Number.isSafeInteger(offsetBytes) || offsetBytes < 0 || !Number.isSafeInteger(lengthBytes) || lengthBytes < 0) throw new RangeError(`a range of ${path} is [${offsetBytes}, +${lengthBytes})`);
      const endBytes = Math.min(sizeBytes, offsetBytes + lengthBytes);
      if (endBytes <= offsetBytes) return new Uint8Array(0);
      const out = new Uint8Array(endBytes - offsetBytes);
      for (const { chunk, startBytes } of chunks) {
        const chunkEnd = startBytes + chunk.sizeBytes;
        if (chunkEnd <= offsetBytes || startBytes >= endBytes) continue;
        const from = Math.max(offsetBytes, startBytes);
        const to = Math.min(endBytes, chunkEnd);
        // A range reader reads the file as of its stat: a change under it cannot be restarted here.
        const pieces = await this.readPiece(file, { chunk, offsetBytes: from - startBytes, lengthBytes: to - from }, counters, { loadByPeer, avoid, rotation: chunk.index }).catch((err: unknown) => {
          throw isStale(err) ? changedWhileRead(path) : err;
        });
        let at = from - offsetBytes;
        for (const piece of pieces) {
          out.set(piece, at);
          at += piece.length;
        }
      }
      return out;
    };
    const localChunks = async (startBytes: number, endBytes: number): Promise<LocalChunkSpan[]> => {
      const local = this.init.localPeer;
      if (!local) return [];
      const spans: LocalChunkSpan[] = [];
      for (const { chunk, startBytes: fileOffsetBytes } of chunks) {
        if (fileOffsetBytes + chunk.sizeBytes <= startBytes || fileOffsetBytes >= endBytes) continue;
        if (!chunk.replicas.some((replica) => replica.peer === local.id)) continue;
        try {
          const dataPath = local.store.localPath(chunk.chunkId, chunk.version);
          if (dataPath === undefined) continue; // a store without files (the memory twin)
          // The CRCs from the store's cache: the map's thread need not read the sidecar.
          const checksums = await local.store.readBlockChecksums(chunk.chunkId, chunk.version);
          spans.push({ fileOffsetBytes, sizeBytes: chunk.sizeBytes, location: { chunkId: chunk.chunkId, version: chunk.version, dataPath, checksums } });
        } catch {
          // Not held here any more (deleted, replaced): the chunk is read the ordinary way.
        }
      }
      return spans;
    };
    return { path, sizeBytes, read, counters, localChunks };
  }

  /** The read-ahead budget when `piece` is the next to fetch: local pieces get less. */
  private readAheadBytesFor(piece: ReadPiece, avoid: ReadonlySet<string>): number {
    const local = this.init.localPeer;
    const fromOwnDisk = local !== undefined && !avoid.has(local.id) && piece.chunk.replicas.some((replica) => replica.peer === local.id);
    return fromOwnDisk ? READ_AHEAD_LOCAL_BYTES_MAX : READ_AHEAD_BYTES_MAX;
  }

  /** A piece's bytes, verified, from the best replica that serves it whole (see the top of this file). */
  private async readPiece(file: ReadFile, piece: ReadPiece, counters: ReadByteCounters, choice: ReadState): Promise<Uint8Array[]> {
    const { chunk, offsetBytes, lengthBytes } = piece;
    // CACHE_PROMOTE of a cached chunk goes to a holder's cache service, which moves its copy up.
    if (file.throughCache && this.init.cache && (chunk.replicas.length === 0 || file.readType === ReadType.CACHE_PROMOTE)) return this.readThroughCache(file, piece, this.init.cache, choice);
    const self = this.init.localPeer?.id ?? this.init.host.peerId.toString();
    const replicas = orderReplicas(chunk.replicas, { ...choice, self, rack: this.init.localPeer?.rack ?? this.init.rack });
    if (replicas.length === 0) throw new FsError("MISSING", `no live replica of chunk ${chunk.chunkId} (index ${chunk.index}) is known`);
    this.init.learnAddresses(chunk);
    const { loadByPeer, avoid } = choice;
    let lastError: unknown;
    for (const replica of replicas) {
      loadByPeer.set(replica.peer, (loadByPeer.get(replica.peer) ?? 0) + 1);
      try {
        const pieces: Uint8Array[] = [];
        let got = 0;
        const local = this.init.localPeer && replica.peer === this.init.localPeer.id;
        const range = { chunkId: chunk.chunkId, version: chunk.version, offsetBytes, lengthBytes };
        for await (const bytes of local ? readChunkLocal(this.init.localPeer!.store, range) : readChunk(this.init.host, replica.peer, range)) {
          pieces.push(bytes);
          got += bytes.length;
        }
        if (got !== lengthBytes) throw new FsError("PROTOCOL", `replica ${replica.peer} returned ${got} of ${lengthBytes} bytes of chunk ${chunk.chunkId}`);
        if (local) counters.localBytes += got;
        else counters.remoteBytes += got;
        return pieces;
      } catch (err) {
        lastError = err;
        avoid.add(replica.peer);
        this.init.counters.replicaFailovers += 1;
        if (err instanceof ChunkChecksumError || (err as { code?: string }).code === "CHUNK_CORRUPT") {
          this.init.counters.checksumFailovers += 1;
          await this.init.call("reportBadReplica", { chunkId: chunk.chunkId, peer: replica.peer }).catch(() => undefined);
        }
      } finally {
        loadByPeer.set(replica.peer, loadByPeer.get(replica.peer)! - 1);
      }
    }
    // A cache copy the stat named may have been evicted since (the leader learns of it with the
    // next block report): the chunk is read through its fill peer, as an uncached one is.
    if (file.throughCache && this.init.cache) return this.readThroughCache(file, { ...piece, chunk: { ...chunk, replicas: [] } }, this.init.cache, choice);
    throw new FsError("READ_FAILED", `no replica of chunk ${chunk.chunkId} could be read: ${(lastError as Error)?.message ?? "unknown"}`);
  }

  /** The piece of an uncached chunk through its fill peer's cache service (see the top of this file). */
  private async readThroughCache(file: ReadFile, piece: ReadPiece, cache: CacheAccess, choice: ReadState): Promise<Uint8Array[]> {
    const { chunk, offsetBytes, lengthBytes } = piece;
    const request = { path: file.path, chunkIndex: chunk.index, chunkId: chunk.chunkId, version: chunk.version, offsetBytes, lengthBytes, readType: file.readType };
    const local = cache.local?.();
    const self = this.init.localPeer?.id ?? this.init.host.peerId.toString();
    const peers =
      chunk.replicas.length > 0
        ? orderReplicas(chunk.replicas, { ...choice, self, rack: this.init.localPeer?.rack ?? this.init.rack }).map((replica) => replica.peer)
        : local && this.init.localPeer
          ? [this.init.localPeer.id]
          : fillPeerOrder(chunk.chunkId, await cache.livePeers());
    if (chunk.replicas.length > 0) this.init.learnAddresses(chunk);
    if (peers.length === 0) throw new FsError("MISSING", `chunk ${chunk.chunkId} (index ${chunk.index}) of ${file.path} is not cached and no live peer is known to fetch it`);
    let lastError: unknown;
    for (const peer of peers.slice(0, FILL_PEER_ATTEMPTS)) {
      const endpoint = local && peer === this.init.localPeer?.id ? local : cache.remote(peer);
      try {
        const read = await endpoint.read(request, this.init.user ?? "");
        const pieces: Uint8Array[] = [];
        let got = 0;
        for await (const bytes of read) {
          pieces.push(bytes);
          got += bytes.length;
        }
        if (got !== lengthBytes) throw new FsError("PROTOCOL", `the cache service of ${peer} returned ${got} of ${lengthBytes} bytes of chunk ${chunk.chunkId}`);
        this.init.counters.cacheBytes += got;
        return pieces;
      } catch (err) {
        // The file's own failures (changed, not readable, gone) are the same at any peer.
        if (err instanceof CacheError && !["PEER_UNREACHABLE", "PEER_FAILED", "TIMEOUT", "SHUTTING_DOWN", "PROTOCOL"].includes(err.code)) throw err;
        lastError = err;
        this.init.counters.replicaFailovers += 1;
      }
    }
    throw new FsError("READ_FAILED", `chunk ${chunk.chunkId} of ${file.path} could not be read through the cache: ${(lastError as Error)?.message ?? "unknown"}`);
  }
}
