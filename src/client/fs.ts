// The file system client (DESIGN.md, "Data path"): metadata from the master, data straight
// to and from the chunk servers. A write streams each chunk down a replica pipeline and only
// then commits it in the namespace; a failed pipeline is rebuilt without the failed peer
// under a new chunk version (GFS §4.5), so the replica that missed it can never be served.
// A read takes the nearest replica — this very peer (its file, no network), the same rack,
// then any — verifies every block, and on a checksum error reports the replica and moves on.
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import type { TesseraHost } from "../net/host.ts";
import { writeChunk } from "../chunk/transfer/write-pipeline.ts";
import { readChunk, readChunkLocal } from "../chunk/transfer/read-protocol.ts";
import { PipelineError, ChunkChecksumError } from "../chunk/transfer/data-errors.ts";
import type { ChunkStore } from "../chunk/store/store.ts";
import { FileStatus, type Committed, type FileChunk } from "../protocol/pb/meta.ts";
import { newClientId, type MetaCall } from "../protocol/meta.ts";
import { WireError, type ErrorCode } from "../protocol/errors.ts";
import { FILE_KIND, FILE_STATE } from "../protocol/views.ts";
import { CHUNK_SIZE_BYTES_DEFAULT } from "../protocol/limits.ts";

export const PIPELINE_ATTEMPTS_MAX = 4;
// A writer renews its lease this often; the master takes the file back after 60 s of silence.
const LEASE_RENEW_INTERVAL_MS = 20_000;
// Local reads and single reads of a chunk are cut in pieces of this size.
const READ_PIECE_BYTES = 8 * 1024 * 1024;
// A read fetches up to this many chunks at once, within READ_AHEAD_BYTES_MAX of buffers: one
// chunk at a time left the link idle while each chunk was verified and handed out.
const READ_AHEAD_CHUNKS = 4;
const READ_AHEAD_BYTES_MAX = 128 * 1024 * 1024;

/** A file system operation that failed on the client's side (the masters' refusals are MetaRequestErrors). */
export class FsError extends WireError {
  override name = "FsError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ReplicaView {
  peer: string;
  rack: string;
}

export interface ChunkView {
  id: string;
  index: number;
  version: number;
  size: number;
  committed: boolean;
  replicas: ReplicaView[];
}

export interface StatView {
  path: string;
  kind: "file" | "dir";
  size: number;
  replication: number;
  chunkSize: number;
  mtimeMs: number;
  state: string;
  chunks: ChunkView[];
}

export interface PutOptions {
  replication?: number;
  chunkSizeBytes?: number;
  /** Called with the bytes written so far (for progress bars). */
  onProgress?(writtenBytes: number): void;
}

export interface FileSystemClientInit {
  host: TesseraHost;
  /** Sends one metadata request to the masters (through any peer) and returns its answer. */
  call: MetaCall;
  /** Set when this client runs inside a peer: placement puts first replicas here, reads go local. */
  localPeer?: { id: string; rack: string; store: ChunkStore };
  /** The rack of the reader, for choosing the nearest replica. */
  rack?: string;
}

/** Byte ranges of one file (openRangeReader); counters tell local from network bytes. */
export interface FileRangeReader {
  readonly path: string;
  readonly sizeBytes: number;
  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
  readonly counters: { localBytes: number; remoteBytes: number };
}

export type ByteSource = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export class FileSystemClient {
  /** The holder of this client's leases: one of its peer id's client ids, as the masters require (protocol/meta.ts). */
  get clientId(): string {
    return (this.leaseClientId ??= newClientId(this.init.host.peerId.toString()));
  }
  private leaseClientId?: string;
  /** Bytes this client read from its own peer's disk, and over the network (for tests and metrics). */
  readonly readCounters = { localBytes: 0, remoteBytes: 0, checksumFailovers: 0 };

  constructor(private readonly init: FileSystemClientInit) {}

  private get call(): MetaCall {
    return this.init.call;
  }

  /** The peer this client runs in, where placement puts the first replica of what it writes. */
  private get writerPeer(): string {
    return this.init.localPeer?.id ?? "";
  }

  async mkdir(path: string, options: { parents?: boolean } = {}): Promise<void> {
    await this.call("mkdir", { path, parents: options.parents ?? false });
  }

  async stat(path: string): Promise<StatView> {
    return statView(await this.call("stat", { path }));
  }

  /** Every entry of a folder (or the file itself), following pages; recursive lists the subtree. */
  async list(path: string, options: { recursive?: boolean } = {}): Promise<StatView[]> {
    const entries: StatView[] = [];
    let after = "";
    for (;;) {
      const response = await this.call("list", { path, recursive: options.recursive ?? false, after, limit: 0 });
      entries.push(...response.entries.map(statView));
      if (!response.next) return entries;
      after = response.next;
    }
  }

  async rm(path: string, options: { recursive?: boolean } = {}): Promise<{ files: number; directories: number }> {
    const deleted = await this.call("delete", { path, recursive: options.recursive ?? false });
    return { files: deleted.files, directories: deleted.directories };
  }

  async mv(source: string, destination: string): Promise<void> {
    await this.call("rename", { path: source, destination });
  }

  async setReplication(path: string, replication: number): Promise<number> {
    return (await this.call("setReplication", { path, replication })).files;
  }

  /**
   * Writes a new file; fails if it exists. On failure the partial file is removed. An empty
   * file is one commit (created closed); otherwise the last chunk's commit also completes the
   * file. The answers carry what the status needs, so no stat follows.
   */
  async put(source: ByteSource, path: string, options: PutOptions = {}): Promise<StatView> {
    const chunkSizeBytes = options.chunkSizeBytes ?? CHUNK_SIZE_BYTES_DEFAULT;
    const replication = options.replication ?? 0;
    const pieces = chunked(source, chunkSizeBytes);
    // The first chunk is read before the file is created, so an empty source makes an empty
    // file in one commit.
    const first = await pieces.next();
    if (first.done) return statView(requireStat(await this.call("create", { path, replication, chunkSizeBytes, clientId: this.clientId, closed: true })));
    // The first chunk is placed with the create: one round trip fewer for every file.
    const created = await this.call("create", { path, replication, chunkSizeBytes, clientId: this.clientId, withFirstChunk: true, writerPeer: this.writerPeer });
    try {
      const written = await this.writeChunks(path, created.fileId, prepend(first.value, pieces), options.onProgress, created.firstChunk);
      return statView(closedStatus(requireStat(created), written));
    } catch (err) {
      // A put that failed leaves no file behind that would read back short.
      await this.call("delete", { path, recursive: false }).catch(() => undefined);
      throw err;
    }
  }

  /** Adds data at the end of an existing file, under the writer lease (GFS record append's usage). */
  async append(source: ByteSource, path: string, options: Pick<PutOptions, "onProgress"> = {}): Promise<StatView> {
    const opened = await this.call("append", { path, clientId: this.clientId });
    const before = opened.stat ?? (await this.call("stat", { path }));
    let written: WrittenChunks = { chunks: [], committed: undefined };
    try {
      written = await this.writeChunks(path, opened.fileId, chunked(source, before.chunkSizeBytes), options.onProgress);
    } finally {
      // Nothing appended (or a failure before the last chunk's commit): complete on its own.
      if (!written.committed?.closed) written = { ...written, committed: await this.call("complete", { fileId: opened.fileId, clientId: this.clientId }) };
    }
    return statView(closedStatus(before, written));
  }

  /**
   * The file's bytes, chunk by chunk, from the nearest good replica of each. Up to
   * READ_AHEAD_CHUNKS chunks (within READ_AHEAD_BYTES_MAX) are fetched at once, so the network
   * and the replicas' disks stay busy while the caller consumes the current chunk.
   */
  async *createReadStream(path: string, options: { onProgress?(readBytes: number): void } = {}): AsyncGenerator<Uint8Array> {
    const stat = await this.call("stat", { path });
    if (stat.kind !== FileStatus.Kind.FILE) throw new FsError("NOT_A_FILE", `${path} is a folder, not a file`);
    const committed: FileChunk[] = [];
    for (const chunk of stat.chunks) {
      if (!chunk.committed) break; // readers see a file up to its last committed chunk
      committed.push(chunk);
    }
    let readBytes = 0;
    const inFlight: Array<Promise<Uint8Array[]>> = [];
    let inFlightBytes = 0;
    let next = 0;
    try {
      while (next < committed.length || inFlight.length > 0) {
        // Always at least one fetch; more while the window and the byte budget allow.
        while (next < committed.length && (inFlight.length === 0 || (inFlight.length < READ_AHEAD_CHUNKS && inFlightBytes + committed[next]!.sizeBytes <= READ_AHEAD_BYTES_MAX))) {
          const chunk = committed[next++]!;
          const fetch = this.readChunkFromNearest(chunk);
          fetch.catch(() => undefined); // awaited below, in order; never an unhandled rejection
          inFlight.push(fetch);
          inFlightBytes += chunk.sizeBytes;
        }
        const pieces = await inFlight.shift()!;
        for (const piece of pieces) {
          inFlightBytes -= piece.length;
          readBytes += piece.length;
          options.onProgress?.(readBytes);
          yield piece;
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
  async openRangeReader(path: string): Promise<FileRangeReader> {
    const stat = await this.call("stat", { path });
    if (stat.kind !== FileStatus.Kind.FILE) throw new FsError("NOT_A_FILE", `${path} is a folder, not a file`);
    const chunks: Array<{ chunk: FileChunk; startBytes: number }> = [];
    let offset = 0;
    for (const chunk of stat.chunks) {
      if (!chunk.committed) break;
      chunks.push({ chunk, startBytes: offset });
      offset += chunk.sizeBytes;
    }
    const sizeBytes = offset;
    const counters = { localBytes: 0, remoteBytes: 0 };
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
        const pieces = await this.readChunkRange(chunk, from - startBytes, to - from, counters);
        let at = from - offsetBytes;
        for (const piece of pieces) {
          out.set(piece, at);
          at += piece.length;
        }
      }
      return out;
    };
    return { path, sizeBytes, read, counters };
  }

  async readFile(path: string): Promise<Uint8Array> {
    const pieces: Uint8Array[] = [];
    let total = 0;
    for await (const piece of this.createReadStream(path)) {
      pieces.push(piece);
      total += piece.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const piece of pieces) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  // --- writing ---------------------------------------------------------------------------

  /**
   * Writes every chunk of `pieces` in order; the last one's commit completes the file. The
   * first goes to `firstGrant` when the create placed it already.
   */
  private async writeChunks(path: string, fileId: number, pieces: AsyncIterable<ChunkPiece>, onProgress?: (bytes: number) => void, firstGrant?: FileChunk): Promise<WrittenChunks> {
    const renew = setInterval(() => void this.call("renewLease", { fileId, clientId: this.clientId }).catch(() => undefined), LEASE_RENEW_INTERVAL_MS);
    let writtenBytes = 0;
    const written: WrittenChunks = { chunks: [], committed: undefined };
    try {
      let grant = firstGrant;
      for await (const { data, last } of pieces) {
        const { chunk, committed } = await this.writeOneChunk(path, fileId, data, last, grant);
        grant = undefined;
        written.chunks.push(chunk);
        written.committed = committed;
        writtenBytes += data.length;
        onProgress?.(writtenBytes);
      }
      return written;
    } finally {
      clearInterval(renew);
    }
  }

  private async writeOneChunk(path: string, fileId: number, data: Uint8Array, last: boolean, grant?: FileChunk): Promise<{ chunk: FileChunk; committed: Committed }> {
    let allocated = grant ?? (await this.call("addChunk", { path, fileId, clientId: this.clientId, writerPeer: this.writerPeer, excludePeers: [] }));
    const excluded: string[] = [];
    for (let attempt = 1; ; attempt++) {
      if (allocated.replicas.length === 0) throw new FsError("NO_PEERS", "no live peer can take the chunk");
      this.learnAddresses(allocated);
      try {
        const result = await writeChunk(this.init.host, {
          chunkId: allocated.chunkId,
          version: allocated.version,
          targets: allocated.replicas.map((replica) => replica.peer),
          data,
          expectedSizeBytes: data.length,
          ...(this.init.localPeer ? { localStore: this.init.localPeer.store } : {}),
        });
        const committed = await this.call("commitChunk", { fileId, chunkId: allocated.chunkId, version: allocated.version, sizeBytes: result.sizeBytes, clientId: this.clientId, ...(last ? { complete: true } : {}) });
        return { chunk: { ...allocated, sizeBytes: result.sizeBytes, committed: true }, committed };
      } catch (err) {
        if (!(err instanceof PipelineError) || attempt >= PIPELINE_ATTEMPTS_MAX) {
          await this.call("abandonChunk", { fileId, chunkId: allocated.chunkId, clientId: this.clientId }).catch(() => undefined);
          if (err instanceof PipelineError) throw new FsError("PIPELINE_FAILED", `could not write chunk ${allocated.chunkId} after ${attempt} pipelines: ${err.message}`);
          throw err;
        }
        // Rebuild without the failed peer, under a new version.
        excluded.push(err.failedPeer);
        allocated = await this.call("bumpChunk", { path, fileId, chunkId: allocated.chunkId, clientId: this.clientId, writerPeer: this.writerPeer, excludePeers: excluded });
      }
    }
  }

  /** Puts the addresses the master gave into the peer store, so the pipeline can dial by id. */
  private learnAddresses(chunk: FileChunk): void {
    for (const replica of chunk.replicas) {
      if (replica.peer === this.init.host.peerId.toString() || replica.addresses.length === 0) continue;
      const addresses = replica.addresses.flatMap((address) => {
        try {
          return [multiaddr(address)];
        } catch {
          return [];
        }
      });
      void this.init.host.peerStore.merge(peerIdFromString(replica.peer), { multiaddrs: addresses }).catch(() => undefined);
    }
  }

  // --- reading ---------------------------------------------------------------------------

  /** Replicas nearest first: this peer, then its rack, then the rest. */
  private orderReplicas(chunk: FileChunk): FileChunk["replicas"] {
    const self = this.init.localPeer?.id ?? this.init.host.peerId.toString();
    const rack = this.init.localPeer?.rack ?? this.init.rack;
    const distance = (replica: FileChunk["replicas"][number]) => (replica.peer === self ? 0 : rack && replica.rack === rack ? 1 : 2);
    // Among replicas at the same distance, successive chunks start at different ones, so a
    // read-ahead window spreads over the holders instead of queueing on one.
    const count = chunk.replicas.length;
    const rotated = chunk.replicas.map((_, i) => chunk.replicas[(i + chunk.index) % count]!);
    return rotated.sort((a, b) => distance(a) - distance(b));
  }

  /** One chunk's bytes, verified, from the nearest replica that serves it whole. */
  private readChunkFromNearest(chunk: FileChunk): Promise<Uint8Array[]> {
    return this.readChunkRange(chunk, 0, chunk.sizeBytes, this.readCounters);
  }

  /** A range of one chunk, verified, from the nearest replica that serves it whole. */
  private async readChunkRange(chunk: FileChunk, offsetBytes: number, lengthBytes: number, counters: { localBytes: number; remoteBytes: number }): Promise<Uint8Array[]> {
    const replicas = this.orderReplicas(chunk);
    if (replicas.length === 0) throw new FsError("MISSING", `no live replica of chunk ${chunk.chunkId} (index ${chunk.index}) is known`);
    this.learnAddresses(chunk);
    let lastError: unknown;
    for (const replica of replicas) {
      // Pieces are handed out only once the whole range verified from this replica, so a
      // failover never repeats or mixes bytes.
      try {
        const pieces: Uint8Array[] = [];
        if (this.init.localPeer && replica.peer === this.init.localPeer.id) {
          for await (const piece of readChunkLocal(this.init.localPeer.store, { chunkId: chunk.chunkId, version: chunk.version, offsetBytes, lengthBytes })) {
            pieces.push(piece);
            counters.localBytes += piece.length;
          }
        } else {
          for await (const piece of readChunk(this.init.host, replica.peer, { chunkId: chunk.chunkId, version: chunk.version, offsetBytes, lengthBytes })) {
            pieces.push(piece);
            counters.remoteBytes += piece.length;
          }
        }
        const got = pieces.reduce((sum, piece) => sum + piece.length, 0);
        if (got !== lengthBytes) throw new FsError("PROTOCOL", `replica ${replica.peer} returned ${got} of ${lengthBytes} bytes of chunk ${chunk.chunkId}`);
        return pieces;
      } catch (err) {
        lastError = err;
        if (err instanceof ChunkChecksumError || (err as { code?: string }).code === "CHUNK_CORRUPT") {
          this.readCounters.checksumFailovers += 1;
          await this.call("reportBadReplica", { chunkId: chunk.chunkId, peer: replica.peer }).catch(() => undefined);
        }
      }
    }
    throw new FsError("READ_FAILED", `no replica of chunk ${chunk.chunkId} could be read: ${(lastError as Error)?.message ?? "unknown"}`);
  }
}

/** One chunk's bytes, and whether it is the source's last (its commit completes the file). */
export interface ChunkPiece {
  data: Uint8Array;
  last: boolean;
}

/** The chunks a write committed, and where the file stood after the last commit. */
interface WrittenChunks {
  chunks: FileChunk[];
  committed: Committed | undefined;
}

/**
 * Cuts a byte source into chunks of exactly `chunkSizeBytes` (the last may be shorter), each
 * marked whether it is the last. A full chunk is held back until the source shows one more
 * byte or ends, so the last is known without reading a whole chunk ahead.
 */
export async function* chunked(source: ByteSource, chunkSizeBytes: number): AsyncGenerator<ChunkPiece> {
  if (source instanceof Uint8Array) {
    for (let at = 0; at < source.length; at += chunkSizeBytes) yield { data: source.subarray(at, Math.min(at + chunkSizeBytes, source.length)), last: at + chunkSizeBytes >= source.length };
    return;
  }
  let buffer = new Uint8Array(chunkSizeBytes);
  let filled = 0;
  let full: Uint8Array | undefined;
  for await (const piece of source as AsyncIterable<Uint8Array>) {
    let at = 0;
    while (at < piece.length) {
      if (full) {
        yield { data: full, last: false };
        full = undefined;
      }
      const take = Math.min(piece.length - at, chunkSizeBytes - filled);
      buffer.set(piece.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === chunkSizeBytes) {
        full = buffer;
        buffer = new Uint8Array(chunkSizeBytes);
        filled = 0;
      }
    }
  }
  if (full) yield { data: full, last: filled === 0 };
  if (filled > 0) yield { data: buffer.subarray(0, filled), last: true };
}

async function* prepend<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

function requireStat(created: { stat?: FileStatus }): FileStatus {
  if (!created.stat) throw new FsError("PROTOCOL", "the master answered a create without the file's status");
  return created.stat;
}

/** A file's status after a write closed it: the chunks it had, the chunks written, the final size and time. */
function closedStatus(before: FileStatus, written: WrittenChunks): FileStatus {
  const committed = written.committed;
  if (!committed?.closed) throw new FsError("PROTOCOL", "the master did not say the file was closed");
  return { ...before, sizeBytes: committed.sizeBytes, mtimeMs: committed.mtimeMs, state: FileStatus.State.CLOSED, chunks: [...before.chunks, ...written.chunks] };
}

/** The plain-JSON view of a master's stat answer (also what admin HTTP lists). */
export function statView(stat: FileStatus): StatView {
  return {
    path: stat.path,
    kind: FILE_KIND.view(stat.kind),
    size: stat.sizeBytes,
    replication: stat.replication,
    chunkSize: stat.chunkSizeBytes,
    mtimeMs: stat.mtimeMs,
    state: FILE_STATE.view(stat.state),
    chunks: stat.chunks.map((chunk) => ({
      id: chunk.chunkId,
      index: chunk.index,
      version: chunk.version,
      size: chunk.sizeBytes,
      committed: chunk.committed,
      replicas: chunk.replicas.map((replica) => ({ peer: replica.peer, rack: replica.rack })),
    })),
  };
}

export { READ_PIECE_BYTES };
