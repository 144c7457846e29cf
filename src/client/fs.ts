// The file system client (DESIGN.md, "Data path"): metadata from the master, data straight
// to and from the chunk servers. A write streams each chunk down a replica pipeline, several
// chunks at once, and commits each in the namespace, in file order, once every replica has it
// (client/file-writer.ts); a failed pipeline is rebuilt without the failed peer under a new
// chunk version (GFS §4.5), so the replica that missed it can never be served.
// A read takes the nearest replica — this very peer (its file, no network), the same rack,
// then any — verifies every block, and on a checksum error reports the replica and moves on.
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import type { TesseraHost } from "../net/host.ts";
import { readChunk, readChunkLocal } from "../chunk/transfer/read-protocol.ts";
import { ChunkChecksumError } from "../chunk/transfer/data-errors.ts";
import type { ChunkStore } from "../chunk/store/store.ts";
import { FileStatus, type Committed, type FileChunk } from "../protocol/pb/meta.ts";
import { newClientId, type MetaCall } from "../protocol/meta.ts";
import { WireError, codeOf, type ErrorCode } from "../protocol/errors.ts";
import { normalizePath, parent, ROOT_PATH } from "../protocol/paths.ts";
import { FILE_KIND, FILE_STATE } from "../protocol/views.ts";
import { CHUNK_SIZE_BYTES_DEFAULT } from "../protocol/limits.ts";
import { FsError } from "./fs-error.ts";
import { chunked, writeFileChunks, type ChunkPiece, type WrittenChunks } from "./file-writer.ts";

export { FsError } from "./fs-error.ts";
export { chunked, PIPELINE_ATTEMPTS_MAX, type ChunkPiece } from "./file-writer.ts";
// Local reads and single reads of a chunk are cut in pieces of this size.
const READ_PIECE_BYTES = 8 * 1024 * 1024;
// A read fetches up to this many chunks at once, within READ_AHEAD_BYTES_MAX of buffers: one
// chunk at a time left the link idle while each chunk was verified and handed out.
const READ_AHEAD_CHUNKS = 4;
const READ_AHEAD_BYTES_MAX = 128 * 1024 * 1024;

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
  /**
   * Chunks written at once, each down its own pipeline, 1..CHUNKS_IN_FLIGHT_MAX (default
   * CHUNKS_IN_FLIGHT_DEFAULT); a stream holds at most WRITE_BUFFER_BYTES_MAX of them (client/file-writer.ts).
   */
  chunksInFlight?: number;
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

/** Peers whose addresses a client remembers having put into its peer store (FileSystemClient.learned). */
const LEARNED_PEERS_MAX = 4_096;

export class FileSystemClient {
  /** The holder of this client's leases: one of its peer id's client ids, as the masters require (protocol/meta.ts). */
  get clientId(): string {
    return (this.leaseClientId ??= newClientId(this.init.host.peerId.toString()));
  }
  private leaseClientId?: string;
  /**
   * The addresses last put into the peer store for each peer, joined: a peer store merge parses,
   * encodes, stores and announces them (a `peer:update` event), about a millisecond of this
   * client's CPU for the three replicas of every chunk it wrote or read, for addresses that
   * rarely change. Bounded; emptied when full.
   */
  private readonly learned = new Map<string, string>();
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
    for await (const page of this.listPages(path, options)) entries.push(...page);
    return entries;
  }

  /**
   * A folder's entries a page at a time, as the masters serve them (at most the namespace's
   * page bound each): a caller that prints or counts never holds a whole large listing.
   * `after` resumes from a page's last path; a cursor outside the folder is refused.
   */
  async *listPages(path: string, options: { recursive?: boolean; after?: string; entriesPerPage?: number } = {}): AsyncGenerator<StatView[]> {
    const entriesPerPage = options.entriesPerPage ?? 0; // 0: the masters' default
    if (!Number.isInteger(entriesPerPage) || entriesPerPage < 0) throw new FsError("INVALID", `a page of a listing holds a whole number of entries, not ${entriesPerPage}`);
    let after = options.after ?? "";
    for (;;) {
      const response = await this.call("list", { path, recursive: options.recursive ?? false, after, limit: entriesPerPage });
      if (response.entries.length > 0) yield response.entries.map(statView);
      if (!response.next) return;
      after = response.next;
    }
  }

  /**
   * Writes many new files, `inFlight` at a time (the small-files path): the folders first
   * (the files' parents and `options.folders`, each deepest one once with its parents), then
   * the files from a queue, so a folder of small files costs metadata round trips in
   * parallel rather than one after another. Every path is checked before anything is written.
   * On the first failure no further file starts, the ones in flight finish, and a
   * PutManyError names the file. Answers the files' stats in the order given.
   */
  async putMany(files: readonly PutManyFile[], options: PutManyOptions = {}): Promise<StatView[]> {
    const inFlight = options.inFlight ?? PUT_MANY_IN_FLIGHT_DEFAULT;
    if (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > PUT_MANY_IN_FLIGHT_MAX) throw new FsError("INVALID", `a bulk put writes 1..${PUT_MANY_IN_FLIGHT_MAX} files at once, not ${inFlight}`);
    const plan = planPutMany(files, options.folders ?? []);
    await runBounded(plan.folders.length, inFlight, () => 0, async (i) => {
      await this.mkdir(plan.folders[i]!, { parents: true });
    }).catch((failure: BoundedFailure) => {
      throw new PutManyError(codeOf(failure.cause), plan.folders[failure.index]!, -1, 0, `could not make the folder ${plan.folders[failure.index]}: ${(failure.cause as Error).message}`, failure.cause);
    });
    const chunkSizeBytes = options.chunkSizeBytes ?? CHUNK_SIZE_BYTES_DEFAULT;
    const stats: StatView[] = new Array(files.length);
    const done = { files: 0, bytes: 0 };
    // A put holds at most a chunk of its file in memory: that is what the budget counts.
    const bufferBytes = (i: number) => {
      const file = files[i]!;
      return Math.min(file.sizeBytes ?? (file.source instanceof Uint8Array ? file.source.length : chunkSizeBytes), chunkSizeBytes);
    };
    await runBounded(files.length, inFlight, bufferBytes, async (i) => {
      const file = files[i]!;
      const source = typeof file.source === "function" ? await file.source() : file.source;
      // One chunk in flight per file: the files in flight are the parallelism, and the budget above counts one chunk each.
      const stat = await this.put(source, plan.paths[i]!, { ...(options.replication !== undefined ? { replication: options.replication } : {}), chunkSizeBytes, chunksInFlight: 1 });
      stats[i] = stat;
      done.files += 1;
      done.bytes += stat.size;
      options.onProgress?.({ ...done });
    }).catch((failure: BoundedFailure) => {
      const path = plan.paths[failure.index]!;
      throw new PutManyError(codeOf(failure.cause), path, failure.index, done.files, `could not put ${path}: ${(failure.cause as Error).message} (${done.files} of ${files.length} files were written)`, failure.cause);
    });
    return stats;
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
      const written = await this.writeChunks(path, created.fileId, prepend(first.value, pieces), options, created.firstChunk);
      return statView(closedStatus(requireStat(created), written));
    } catch (err) {
      // A put that failed leaves no file behind that would read back short.
      await this.call("delete", { path, recursive: false }).catch(() => undefined);
      throw err;
    }
  }

  /** Adds data at the end of an existing file, under the writer lease (GFS record append's usage). */
  async append(source: ByteSource, path: string, options: Pick<PutOptions, "onProgress" | "chunksInFlight"> = {}): Promise<StatView> {
    const opened = await this.call("append", { path, clientId: this.clientId });
    const before = opened.stat ?? (await this.call("stat", { path }));
    let written: WrittenChunks = { chunks: [], committed: undefined };
    try {
      written = await this.writeChunks(path, opened.fileId, chunked(source, before.chunkSizeBytes), options);
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
   * Writes every chunk of `pieces` after the file's existing ones, several at once; the last
   * one's commit completes the file (client/file-writer.ts). The first goes to `firstGrant`
   * when the create placed it already.
   */
  private writeChunks(path: string, fileId: number, pieces: AsyncIterable<ChunkPiece>, options: Pick<PutOptions, "onProgress" | "chunksInFlight">, firstGrant?: FileChunk): Promise<WrittenChunks> {
    const init = {
      host: this.init.host,
      call: this.call,
      clientId: this.clientId,
      writerPeer: this.writerPeer,
      ...(this.init.localPeer ? { localStore: this.init.localPeer.store } : {}),
      learnAddresses: (chunk: FileChunk) => this.learnAddresses(chunk),
    };
    return writeFileChunks(init, { path, fileId }, pieces, { ...options, ...(firstGrant ? { firstGrant } : {}) });
  }

  /** Puts the addresses the master gave into the peer store, so the pipeline can dial by id. */
  private learnAddresses(chunk: FileChunk): void {
    for (const replica of chunk.replicas) {
      if (replica.peer === this.init.host.peerId.toString() || replica.addresses.length === 0) continue;
      const key = replica.addresses.join(" ");
      if (this.learned.get(replica.peer) === key) continue;
      if (this.learned.size >= LEARNED_PEERS_MAX) this.learned.clear();
      this.learned.set(replica.peer, key);
      const addresses = replica.addresses.flatMap((address) => {
        try {
          return [multiaddr(address)];
        } catch {
          return [];
        }
      });
      void this.init.host.peerStore.merge(peerIdFromString(replica.peer), { multiaddrs: addresses }).catch(() => this.learned.delete(replica.peer));
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

// --- many files at once (putMany) ------------------------------------------------------------

// Files a bulk put writes at once. 32 keeps the leader's proposal queue full enough for group
// commit to batch them; past 128 the one meta connection's in-flight bound (MUX_INFLIGHT_MAX,
// 256) would be shared with nothing else's room.
export const PUT_MANY_IN_FLIGHT_DEFAULT = 32;
export const PUT_MANY_IN_FLIGHT_MAX = 128;
// The chunk buffers of the files in flight, together: large files go a few at a time.
export const PUT_MANY_BUFFER_BYTES_MAX = 256 * 1024 * 1024;

/** One file of a bulk put. */
export interface PutManyFile {
  /**
   * Its bytes, or a function that opens them when its turn comes (10,000 local files are not
   * all opened at once). A small file is best given as a Uint8Array (Bun.file(path).bytes()):
   * a stream is gathered into a buffer that grows with what arrives, which costs a copy.
   */
  source: ByteSource | (() => ByteSource | Promise<ByteSource>);
  /** Its path in the file system: it must not exist. */
  path: string;
  /** Its size when known: the buffer budget counts min(size, chunk size) for it, a whole chunk when unknown (a stream). */
  sizeBytes?: number;
}

export interface PutManyOptions extends Pick<PutOptions, "replication" | "chunkSizeBytes"> {
  /** Folders to make besides the files' own folders (an empty local folder of a tree, say). */
  folders?: string[];
  /** Files written at once, 1..PUT_MANY_IN_FLIGHT_MAX (default PUT_MANY_IN_FLIGHT_DEFAULT). */
  inFlight?: number;
  /** Called as each file completes, with the files and bytes written so far. */
  onProgress?(done: { files: number; bytes: number }): void;
}

/** A bulk put that stopped: `path` is the file (or folder) that failed, `code` its cause's. */
export class PutManyError extends WireError {
  override name = "PutManyError";
  constructor(
    readonly code: ErrorCode,
    readonly path: string,
    /** The failed file's index in the list given, -1 for a folder. */
    readonly index: number,
    /** Files written (complete) before the put stopped; they are kept. */
    readonly filesWritten: number,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/**
 * What a bulk put does, decided before it does anything: each path normalized, no path twice,
 * no path both a file and a folder, and the folders to make — only the deepest of each branch,
 * since making it with its parents makes the rest.
 */
export function planPutMany(files: readonly Pick<PutManyFile, "path">[], extraFolders: readonly string[]): { paths: string[]; folders: string[] } {
  const refuse = (code: ErrorCode, path: string, index: number, message: string) => new PutManyError(code, path, index, 0, message);
  const paths = files.map((file, i) => {
    try {
      return normalizePath(file.path);
    } catch (err) {
      throw refuse(codeOf(err), String(file.path), i, `could not put ${String(file.path)}: ${(err as Error).message}`);
    }
  });
  const seen = new Set<string>();
  paths.forEach((path, i) => {
    if (path === ROOT_PATH) throw refuse("INVALID_PATH", path, i, "could not put /: the root is a folder");
    if (seen.has(path)) throw refuse("INVALID", path, i, `could not put ${path}: it is given twice`);
    seen.add(path);
  });
  const wanted = new Set<string>();
  for (const path of paths) wanted.add(parent(path)!);
  for (const folder of extraFolders) {
    try {
      wanted.add(normalizePath(folder));
    } catch (err) {
      throw refuse(codeOf(err), folder, -1, `could not make the folder ${folder}: ${(err as Error).message}`);
    }
  }
  const ancestors = new Set<string>([ROOT_PATH]);
  for (const folder of wanted) {
    for (let up = parent(folder); up !== undefined && !ancestors.has(up); up = parent(up)) ancestors.add(up);
  }
  paths.forEach((path, i) => {
    if (wanted.has(path) || ancestors.has(path)) throw refuse("INVALID", path, i, `could not put ${path}: it is also a folder of the files given`);
  });
  const folders = [...wanted].filter((folder) => !ancestors.has(folder)).sort();
  return { paths, folders };
}

/** The first failure of runBounded: which item, and why. */
class BoundedFailure {
  constructor(
    readonly index: number,
    readonly cause: unknown,
  ) {}
}

/**
 * Runs work(0..count-1), at most `concurrency` at once and, beyond the first, within
 * PUT_MANY_BUFFER_BYTES_MAX of cost. After a failure nothing new starts; it rejects with the
 * first BoundedFailure once the running ones settle, so nothing is left behind in flight.
 */
function runBounded(count: number, concurrency: number, costOf: (i: number) => number, work: (i: number) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let next = 0;
    let running = 0;
    let usedBytes = 0;
    let failure: BoundedFailure | undefined;
    const pump = () => {
      while (!failure && next < count && running < concurrency && (running === 0 || usedBytes + costOf(next) <= PUT_MANY_BUFFER_BYTES_MAX)) {
        const i = next++;
        const cost = costOf(i);
        running += 1;
        usedBytes += cost;
        Promise.resolve()
          .then(() => work(i))
          .catch((cause: unknown) => void (failure ??= new BoundedFailure(i, cause)))
          .finally(() => {
            running -= 1;
            usedBytes -= cost;
            pump();
          });
      }
      if (running === 0 && (failure || next >= count)) {
        if (failure) reject(failure);
        else resolve();
      }
    };
    pump();
  });
}
