// The file system client (DESIGN.md, "Data path"): metadata from the master, data straight
// to and from the chunk servers. A write streams each chunk down a replica pipeline, several
// chunks at once, and commits each in the namespace, in file order, once every replica has it
// (client/file-writer.ts); a failed pipeline is rebuilt without the failed peer under a new
// chunk version (GFS §4.5), so the replica that missed it can never be served.
// Reads are file-reader.ts's: pieces from several replicas at once, nearest first, every
// block verified; a corrupt replica is reported and the next one read.
// Under-storage mounts and the cache (issue 16, docs/cache.md): mount, unmount, mounts,
// persist, setPinned, free and load are here; a write's `writeType` decides whether put
// persists the file before it returns; reads of uncached chunks go through the cache services.
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import type { TesseraHost } from "../net/host.ts";
import type { ChunkStore } from "../chunk/store/store.ts";
import { DelegationTokenRequest, FileStatus, type CacheChange, type Committed, type DelegationToken, type FileChunk, type MountInfo } from "../protocol/pb/meta.ts";
import { PersistState, ReadType, WriteType } from "../protocol/pb/under-storage.ts";
import { normalizeUnderStorageUri } from "../protocol/mounts.ts";
import { CACHE_PIN_PATHS_MAX } from "../protocol/cache.ts";
import { newClientId, type MetaCall } from "../protocol/meta.ts";
import { WireError, codeOf, isRetryable, type ErrorCode } from "../protocol/errors.ts";
import { normalizePath, parent, ROOT_PATH, symlinkTargetProblem } from "../protocol/paths.ts";
import { FILE_KIND, FILE_STATE } from "../protocol/views.ts";
import { CHUNK_SIZE_BYTES_DEFAULT, CONCAT_SOURCES_MAX, REPLICATION_MAX, SETTINGS_PAGE_MAX } from "../protocol/limits.ts";
import { attributesFromWire, attributesProblem, attributesToWire, type Attributes } from "../protocol/attributes.ts";
import type { Attribute } from "../protocol/pb/attributes.ts";
import { FileReader, type CacheAccess, type FileRangeReader, type ReadOptions } from "./file-reader.ts";
import { CacheError } from "./cache-client.ts";
import { planLoad } from "./load-plan.ts";
import { FsError } from "./fs-error.ts";
import { statWhole } from "./stat-pages.ts";
import { planTruncate } from "./truncate-plan.ts";
import { chunked, writeFileChunks, type ChunkPiece, type FileWriterInit, type WrittenChunks } from "./file-writer.ts";

export { FsError } from "./fs-error.ts";
export type { FileEditor, FileEditorOptions } from "./file-editor.ts";
import { ClusterFileEditor, type FileEditor, type FileEditorOptions } from "./file-editor.ts";
export type { Attributes } from "../protocol/attributes.ts";
export type { FileRangeReader, LocalChunkSpan, CacheAccess, ReadOptions } from "./file-reader.ts";
export type { MountInfo, CacheChange };
export { PersistState, ReadType, WriteType };
export { chunked, PIPELINE_ATTEMPTS_MAX, type ChunkPiece } from "./file-writer.ts";

export interface ReplicaView {
  peer: string;
  rack: string;
  /** The cache tier the copy is in (MEM, SSD, HDD); absent for the data directory. */
  tier?: string;
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
  kind: "file" | "dir" | "symlink";
  /** A symbolic link's target, as stored (issue 17). */
  symlinkTarget?: string;
  size: number;
  replication: number;
  chunkSize: number;
  mtimeMs: number;
  state: string;
  chunks: ChunkView[];
  /** The file's or folder's attributes ({} when none). */
  attributes: Attributes;
  /** HDFS's permission model: owner, group, and the bits (0..0o1777; 0o1000 is a folder's sticky bit). */
  owner: string;
  group: string;
  permission: number;
  /** The last access HDFS-style (setTimes); 0 when never recorded. */
  accessTimeMs: number;
  /** The namespace's id of the file or folder (HDFS's fileId; WebHDFS shows it), when the answer carried one. */
  fileId?: number;
  /** Inside an under-storage mount (issue 16, docs/cache.md): its mount, version there, persist state and pin. */
  underStorage?: UnderStorageView;
}

export interface UnderStorageView {
  mountPath: string;
  /** The under-storage object's version as Tessera last saw it ("" until persisted). */
  fingerprint: string;
  persistState: PersistState;
  pinned: boolean;
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
  /** Set in the same commit that completes the file. */
  attributes?: Attributes;
  /**
   * The stream's length when the caller knows it (an HTTP body's Content-Length): each chunk
   * buffer is allocated at its final size instead of growing by doubling, which halves the
   * bytes a stream allocates (the S3 gateway's memory bound rests on it).
   */
  expectedSizeBytes?: number;
  /** The new file's permission bits (0..0o777), used as given; absent: 0o666 less the cluster's umask. */
  permission?: number;
  /**
   * Under an under-storage mount: CACHE_THROUGH (put returns once the under-storage has the
   * file too), THROUGH (the same, then Tessera's copy is freed), ASYNC_THROUGH (persisted in
   * the background), MUST_CACHE (Tessera only); absent: the mount's.
   */
  writeType?: WriteType;
}

/** `mount`'s options (issue 16, docs/cache.md). */
export interface MountOptions {
  readonly?: boolean;
  /** s3: endpoint, region, access_key, secret_key, path_style. */
  options?: Record<string, string>;
  /** -1 loads each folder once, 0 checks on every access, else milliseconds; absent: a minute. */
  syncIntervalMs?: number;
  readType?: ReadType;
  writeType?: WriteType;
  /** Copies of each cached chunk (default 1). */
  replication?: number;
}

/** `load`'s options. */
export interface LoadOptions {
  /** A folder's whole subtree (without: its files only). */
  recursive?: boolean;
  /** Copies of each chunk to have cached (default 1). */
  replication?: number;
  /** Called as chunks are loaded: copies' bytes present so far, of all wanted. */
  onProgress?(doneBytes: number, totalBytes: number): void;
}

export interface LoadResult {
  files: number;
  /** Chunk copies this load had peers fetch. */
  chunksFetched: number;
  /** Copies' bytes wanted (each chunk × replication), and how many were present before. */
  totalBytes: number;
  presentBytes: number;
}

/** Load requests sent at once (each peer fills a few chunks of each at once). */
export const LOAD_REQUESTS_IN_FLIGHT = 8;
/** How long a load waits for the leader to know of its copies (block reports go every 500 ms), and how often it looks. */
export const LOAD_REPORTED_WAIT_MS = 10_000;

/**
 * How long persist() keeps asking for a file of `sizeBytes`: two minutes, plus the time the
 * bytes take at 2 MB/s (a slow under-storage across a WAN); past it, it says the file is not
 * persisted yet (the leader's run, if any, goes on).
 */
export function persistWaitMs(sizeBytes: number): number {
  return 120_000 + Math.ceil(sizeBytes / 2_000);
}
const LOAD_REPORTED_POLL_MS = 100;
/** How long a client trusts the mount table it read (a put without writeType asks for the mount's). */
const MOUNTS_CACHE_MS = 2_000;

export interface FileSystemClientInit {
  host: TesseraHost;
  /** Sends one metadata request to the masters (through any peer) and returns its answer. */
  call: MetaCall;
  /** Set when this client runs inside a peer: placement puts first replicas here, reads go local. */
  localPeer?: { id: string; rack: string; store: ChunkStore };
  /** The rack of the reader, for choosing the nearest replica. */
  rack?: string;
  /** Who this client's requests act for (MetaRequest.user); absent: what `call` sends by default. */
  user?: string;
  /** The peers' cache services (issue 16): reads of uncached chunks of mounted files, load, pin. */
  cache?: CacheAccess;
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
  /**
   * Bytes this client read from its own peer's disk, and over the network; replicas that
   * failed a piece (read then from the next replica, if one is left), and how many of those
   * were corrupt (for tests and metrics).
   */
  readonly readCounters = { localBytes: 0, remoteBytes: 0, checksumFailovers: 0, replicaFailovers: 0, cacheBytes: 0 };
  private mountTable: { mounts: MountInfo[]; readAtMs: number } | undefined;

  private readonly reader: FileReader;

  /** The metadata calls of this client, each acting for its user. */
  private readonly call: MetaCall;

  constructor(private readonly init: FileSystemClientInit) {
    const user = init.user;
    this.call = user === undefined ? init.call : (kind, body, as) => init.call(kind, body, as ?? user);
    this.reader = new FileReader({ ...init, call: this.call, learnAddresses: (chunk) => this.learnAddresses(chunk), counters: this.readCounters, user: init.user ?? "" });
  }

  /** Who this client acts for ("" when it sends what its call sends by default). */
  get user(): string {
    return this.init.user ?? "";
  }

  /**
   * The same client acting for `user` (a gateway serves each request as the user it
   * authenticated): same connections and peer; its own leases, so its writes are its own.
   */
  withUser(user: string): FileSystemClient {
    return new FileSystemClient({ ...this.init, user });
  }

  /** The peer this client runs in, where placement puts the first replica of what it writes. */
  private get writerPeer(): string {
    return this.init.localPeer?.id ?? "";
  }

  /**
   * Makes a folder (with `parents`, its missing parents too); `attributes` are set on the new
   * folder. With `parents` an existing folder is no error, and its attributes stay as they are
   * (setAttributes changes them).
   */
  async mkdir(path: string, options: { parents?: boolean; attributes?: Attributes; permission?: number } = {}): Promise<void> {
    const attributes = checkedAttributes(options.attributes);
    await this.call("mkdir", { path, parents: options.parents ?? false, ...(attributes.length > 0 ? { attributes: { entries: attributes } } : {}), ...(options.permission !== undefined ? { permission: options.permission } : {}) });
  }

  /** Replaces the whole attribute map of a file or folder. */
  async setAttributes(path: string, attributes: Attributes): Promise<void> {
    await this.call("setAttributes", { path, attributes: checkedAttributes(attributes) });
  }

  /**
   * Makes `destination` a new closed file whose chunks are the sources' chunks in order, in
   * one commit, and removes the sources (S3's CompleteMultipartUpload). Sources are 1..10,000
   * distinct closed files; replication and chunk size are the largest of theirs. `replace`
   * and `parents` as for mv. Answers the new file's status without its chunks.
   */
  async concat(sources: string[], destination: string, options: { attributes?: Attributes; replace?: boolean; parents?: boolean } = {}): Promise<StatView> {
    if (sources.length < 1 || sources.length > CONCAT_SOURCES_MAX) throw new FsError("INVALID", `a concat has 1..${CONCAT_SOURCES_MAX} sources, not ${sources.length}`);
    const attributes = checkedAttributes(options.attributes);
    return statView(await this.call("concat", { sources, destination, attributes, replace: options.replace ?? false, parents: options.parents ?? false }));
  }

  /**
   * The cluster's settings whose keys start with `prefix`, in key order, one page (at most
   * `limit`, and a byte budget); `next` is "" on the last page, else the `after` of the next.
   */
  async listSettings(prefix: string, options: { after?: string; limit?: number } = {}): Promise<{ entries: { key: string; value: Uint8Array }[]; next: string }> {
    const limit = options.limit ?? 0;
    if (!Number.isInteger(limit) || limit < 0 || limit > SETTINGS_PAGE_MAX) throw new FsError("INVALID", `a page of settings holds up to ${SETTINGS_PAGE_MAX} entries, not ${limit}`);
    const page = await this.call("listSettings", { prefix, after: options.after ?? "", limit });
    return { entries: page.entries.map((entry) => ({ key: entry.key, value: entry.value })), next: page.next };
  }

  /** A setting's value, or undefined when it is not set. */
  async getSetting(key: string): Promise<Uint8Array | undefined> {
    const setting = await this.call("getSetting", { key });
    return setting.found ? setting.value : undefined;
  }

  async setSetting(key: string, value: Uint8Array): Promise<void> {
    await this.call("setSetting", { key, value: value as Uint8Array<ArrayBuffer> });
  }

  /** Removes a setting; removing one that is not set is no error. */
  async deleteSetting(key: string): Promise<void> {
    await this.call("deleteSetting", { key });
  }

  /**
   * A delegation token (Hadoop's) for this client's user, or for `user` (the superuser's
   * right); `renewer` defaults to the token's user, `ttlMs` (the first expiry) to a day.
   */
  async issueDelegationToken(options: { user?: string; renewer?: string; ttlMs?: number } = {}): Promise<DelegationToken> {
    return this.call("delegationToken", { op: DelegationTokenRequest.Op.ISSUE, user: options.user ?? "", renewer: options.renewer ?? "", ttlMs: options.ttlMs ?? 0, token: "" });
  }

  /** Renews a token (its renewer only): answers its new expiry, ms since the epoch. */
  async renewDelegationToken(token: string): Promise<number> {
    return (await this.call("delegationToken", { op: DelegationTokenRequest.Op.RENEW, user: "", renewer: "", ttlMs: 0, token })).expiryMs;
  }

  /** Cancels a token (its owner or renewer); cancelling one already gone is no error. */
  async cancelDelegationToken(token: string): Promise<void> {
    await this.call("delegationToken", { op: DelegationTokenRequest.Op.CANCEL, user: "", renewer: "", ttlMs: 0, token });
  }

  /** Who a token speaks for while it is valid; PERMISSION_DENIED with the reason otherwise. */
  async verifyDelegationToken(token: string): Promise<DelegationToken> {
    return this.call("delegationToken", { op: DelegationTokenRequest.Op.VERIFY, user: "", renewer: "", ttlMs: 0, token });
  }

  /**
   * A file's or folder's status; a file's every chunk (asked for a page at a time when it has
   * many). `chunks: false` asks for the status alone, as HDFS's getFileInfo: `chunks` is then
   * empty, and the leader reads no chunk row and locates no replica.
   */
  async stat(path: string, options: { chunks?: boolean } = {}): Promise<StatView> {
    if (options.chunks === false) return statView(await this.call("stat", { path, noChunks: true }));
    return statView(await statWhole(this.call, path));
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
      const stat = await this.put(source, plan.paths[i]!, { ...(options.replication !== undefined ? { replication: options.replication } : {}), ...(options.writeType !== undefined ? { writeType: options.writeType } : {}), chunkSizeBytes, chunksInFlight: 1 });
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

  /**
   * Deletes a file or folder. With `pruneEmptyParentsBelow` (a folder above path), the folders
   * the delete left empty and without attributes are removed too, walking up, in the same
   * commit, never that folder itself nor anything above it. `directories` counts them.
   */
  async rm(path: string, options: { recursive?: boolean; pruneEmptyParentsBelow?: string } = {}): Promise<{ files: number; directories: number }> {
    const deleted = await this.call("delete", { path, recursive: options.recursive ?? false, ...(options.pruneEmptyParentsBelow ? { pruneEmptyParentsBelow: options.pruneEmptyParentsBelow } : {}) });
    return { files: deleted.files, directories: deleted.directories };
  }

  /**
   * Moves a file or folder. `replace`: a file at destination is replaced in the same commit (a
   * folder there is still ALREADY_EXISTS); `parents`: missing folders of destination are made.
   */
  async mv(source: string, destination: string, options: { replace?: boolean; parents?: boolean } = {}): Promise<void> {
    await this.call("rename", { path: source, destination, ...(options.replace ? { replace: true } : {}), ...(options.parents ? { parents: true } : {}) });
  }

  async setReplication(path: string, replication: number): Promise<number> {
    return (await this.call("setReplication", { path, replication })).files;
  }

  /** HDFS setPermission: the bits 0..0o1777 of one file or folder (the owner or the superuser). */
  async chmod(path: string, permission: number): Promise<void> {
    await this.call("setPermission", { path, permission });
  }

  /**
   * HDFS setOwner of one file or folder: "" (or absent) leaves that one as it is. A new owner
   * takes the superuser; a new group, the owner in that group or the superuser.
   */
  async chown(path: string, owner: string | undefined, group?: string): Promise<void> {
    await this.call("setOwner", { path, owner: owner ?? "", group: group ?? "" });
  }

  /** HDFS setTimes: absent leaves that time as it is. */
  /**
   * Makes `path` a symbolic link to `target` (1..4096 bytes, stored as given, never followed by
   * the masters): WRITE and EXECUTE on its folder; `parents` makes missing folders. Answers the
   * link's status (kind "symlink", size the target's bytes).
   */
  async symlink(target: string, path: string, options: { parents?: boolean } = {}): Promise<StatView> {
    const problem = symlinkTargetProblem(target);
    if (problem !== undefined) throw new FsError("INVALID", problem);
    return statView(await this.call("symlink", { path, target, ...(options.parents ? { parents: true } : {}) }));
  }

  /** A symbolic link's target; INVALID for anything that is no link. */
  async readlink(path: string): Promise<string> {
    const stat = await this.call("stat", { path });
    if (stat.kind !== FileStatus.Kind.SYMLINK || stat.symlinkTarget === undefined) throw new FsError("INVALID", `${stat.path} is not a symbolic link`);
    return stat.symlinkTarget;
  }

  /**
   * An editor of the file at `path` for writes at any offset (client/file-editor.ts): nothing
   * it writes is visible before its flush(), which commits it all in one Raft entry. `create`
   * makes an empty file first (closed, with `permission`, `replication`, `chunkSizeBytes`) when
   * there is none, and with `exclusive` refuses one that exists (ALREADY_EXISTS); `truncate`
   * cuts the file to 0 now (O_TRUNC). A folder or a link is NOT_A_FILE.
   */
  async openEditor(path: string, options: FileEditorOptions = {}): Promise<FileEditor> {
    let status = options.create && options.missing
      ? undefined
      : await statWhole(this.call, path).catch((err: unknown) => {
          if (codeOf(err) === "NOT_FOUND" && options.create) return undefined;
          throw err;
        });
    if (status && options.create && options.exclusive) throw new FsError("ALREADY_EXISTS", `${status.path} exists`);
    if (!status) {
      try {
        const created = await this.call("create", {
          path,
          replication: options.replication ?? 0,
          chunkSizeBytes: options.chunkSizeBytes ?? 0,
          clientId: this.clientId,
          closed: true,
          ...(options.permission !== undefined ? { permission: options.permission } : {}),
        });
        status = requireStat(created);
      } catch (err) {
        // Made by another client meanwhile: an exclusive open fails, any other opens it.
        if (codeOf(err) !== "ALREADY_EXISTS" || options.exclusive) throw err;
        status = await statWhole(this.call, path);
      }
    }
    if (status.kind !== FileStatus.Kind.FILE) throw new FsError("NOT_A_FILE", `${status.path} is ${status.kind === FileStatus.Kind.SYMLINK ? "a symbolic link" : "a folder"}, not a file`);
    if (options.truncate && status.sizeBytes > 0) {
      await this.call("truncate", { path, lengthBytes: 0 });
      status = await statWhole(this.call, path);
    }
    // Its bytes are an under-storage object's (its chunks may be placeholders): the masters refuse to edit it, so refuse before any write.
    if (status.underStorage?.persistState === PersistState.PERSISTED && status.underStorage.fingerprint !== "") throw new FsError("INVALID", `${status.path} is a file of the under-storage: editing it in place is not supported (copy it, or write it anew)`);
    if (status.chunksWithheld) throw new FsError("PERMISSION_DENIED", `Permission denied: ${status.path} is not readable by this user (access=READ), and an editor reads what it does not overwrite`);
    const io = {
      call: this.call,
      clientId: this.clientId,
      writerPeer: this.writerPeer,
      writeChunks: (file: { path: string; fileId: number }, pieces: AsyncIterable<ChunkPiece>, writeOptions: { firstGrant?: FileChunk; chunksInFlight: number; onCommitted(chunk: FileChunk): void }) =>
        writeFileChunks(this.writerInit(), file, pieces, writeOptions),
      chunksReader: (readPath: string, chunks: FileChunk[]) => this.reader.chunksReader(readPath, chunks),
    };
    return new ClusterFileEditor(io, normalizePath(path), status);
  }

  async setTimes(path: string, times: { mtimeMs?: number; accessTimeMs?: number }): Promise<void> {
    await this.call("setTimes", { path, ...(times.mtimeMs !== undefined ? { mtimeMs: times.mtimeMs } : {}), ...(times.accessTimeMs !== undefined ? { accessTimeMs: times.accessTimeMs } : {}) });
  }

  /**
   * Cuts a closed file to `lengthBytes` (HDFS truncate); resolves once the file has its new
   * length. At the end of a chunk (or 0) the masters cut in one commit. Inside a chunk it takes
   * three steps (client/truncate-plan.ts): the bytes of that chunk to keep are read (at most a
   * chunk, in memory; READ is needed), the masters cut at the chunk's start, and the kept bytes
   * are appended as a new last chunk. That is not atomic: meanwhile readers may see the file
   * end at the chunk's start, and a client that fails between the cut and the append leaves it
   * there. A file whose chunks this user may not see is cut by the masters alone (a length
   * inside a chunk is then refused, INVALID).
   */
  async truncate(path: string, lengthBytes: number): Promise<void> {
    if (!Number.isSafeInteger(lengthBytes) || lengthBytes < 0) throw new FsError("INVALID", `a file is cut to a whole number of bytes, 0 or more, not ${lengthBytes}`);
    const status = await statWhole(this.call, path);
    const readable = status.kind === FileStatus.Kind.FILE && status.state === FileStatus.State.CLOSED && !status.chunksWithheld;
    const plan = readable ? planTruncate(status.chunks.map((chunk) => chunk.sizeBytes), lengthBytes) : { kind: "boundary" as const };
    if (plan.kind === "boundary") {
      await this.call("truncate", { path, lengthBytes });
      return;
    }
    const { status: opened, reader } = await this.reader.openWithStatus(path);
    if (!reader || opened.fileId !== status.fileId || opened.sizeBytes !== status.sizeBytes) throw new FsError("UNAVAILABLE", `${path} changed while it was being truncated; try again`);
    const head = await reader.read(plan.boundaryBytes, plan.keepBytes);
    if (head.length !== plan.keepBytes) throw new FsError("PROTOCOL", `${path} read back ${head.length} bytes of the ${plan.keepBytes} a truncate keeps`);
    await this.call("truncate", { path, lengthBytes: plan.boundaryBytes });
    await this.appendAt(head, path, {}, plan.boundaryBytes);
  }

  /**
   * Writes a new file; fails if it exists. On failure the partial file is removed. An empty
   * file is one commit (created closed); otherwise the last chunk's commit also completes the
   * file. The answers carry what the status needs, so no stat follows.
   */
  async put(source: ByteSource, path: string, options: PutOptions = {}): Promise<StatView> {
    const chunkSizeBytes = options.chunkSizeBytes ?? CHUNK_SIZE_BYTES_DEFAULT;
    const replication = options.replication ?? 0;
    // Checked before anything is written: a put never fails on its attributes at the end.
    const attributes = checkedAttributes(options.attributes);
    const pieces = chunked(source, chunkSizeBytes, options.expectedSizeBytes);
    // The first chunk is read before the file is created, so an empty source makes an empty
    // file in one commit.
    const first = await pieces.next();
    const writeType = options.writeType !== undefined && options.writeType !== WriteType.WRITE_TYPE_UNSPECIFIED ? { writeType: options.writeType } : {};
    if (first.done) {
      const created = await this.call("create", { path, replication, chunkSizeBytes, clientId: this.clientId, closed: true, ...(attributes.length > 0 ? { attributes: { entries: attributes } } : {}), ...(options.permission !== undefined ? { permission: options.permission } : {}), ...writeType });
      const stat = requireStat(created);
      await this.afterClose(path, stat, options.writeType);
      return statView(stat);
    }
    // The first chunk is placed with the create: one round trip fewer for every file.
    const created = await this.call("create", { path, replication, chunkSizeBytes, clientId: this.clientId, withFirstChunk: true, writerPeer: this.writerPeer, ...(options.permission !== undefined ? { permission: options.permission } : {}), ...writeType });
    let stat: FileStatus;
    try {
      const written = await this.writeChunks(path, created.fileId, prepend(first.value, pieces), { ...options, attributes }, created.firstChunk);
      stat = closedStatus(requireStat(created), written);
    } catch (err) {
      // A put that failed leaves no file behind that would read back short.
      await this.call("delete", { path, recursive: false }).catch(() => undefined);
      throw err;
    }
    await this.afterClose(path, stat, options.writeType);
    return statView(attributes.length > 0 ? { ...stat, attributes: { entries: attributes } } : stat);
  }

  /**
   * CACHE_THROUGH and THROUGH: the under-storage has the file before put returns (persist),
   * and THROUGH then frees Tessera's copy. A put that says no write type takes its mount's.
   * A persist that fails leaves the file in Tessera, TO_BE_PERSISTED, and the put throws.
   */
  private async afterClose(path: string, stat: FileStatus, asked: WriteType | undefined): Promise<void> {
    let writeType: WriteType | undefined = asked === WriteType.WRITE_TYPE_UNSPECIFIED ? undefined : asked;
    if (writeType === undefined) {
      if (!stat.underStorage) return;
      writeType = (await this.mountAt(stat.underStorage.mountPath))?.writeType;
    }
    if (writeType !== WriteType.CACHE_THROUGH && writeType !== WriteType.THROUGH) return;
    await this.persist(path);
    if (writeType === WriteType.THROUGH) await this.free(path, { force: true });
  }

  /** The mount at `mountPath` from the mount table (read again when older than MOUNTS_CACHE_MS). */
  private async mountAt(mountPath: string): Promise<MountInfo | undefined> {
    const fresh = this.mountTable && performance.now() - this.mountTable.readAtMs < MOUNTS_CACHE_MS ? this.mountTable.mounts : undefined;
    const known = fresh?.find((mount) => mount.path === mountPath);
    if (known) return known;
    const mounts = await this.mounts();
    this.mountTable = { mounts, readAtMs: performance.now() };
    return mounts.find((mount) => mount.path === mountPath);
  }

  // --- under-storage mounts and the cache (issue 16, docs/cache.md) -------------------------

  /** Mounts an under-storage (s3://bucket/prefix or file:///dir) at `path`, an empty or new folder (the superuser). */
  async mount(path: string, uri: string, options: MountOptions = {}): Promise<void> {
    await this.call("mount", {
      path,
      // Checked here too: a URI Tessera cannot read is refused before anything is asked.
      uri: normalizeUnderStorageUri(uri),
      options: Object.entries(options.options ?? {}).map(([key, value]) => ({ key, value })),
      readonly: options.readonly ?? false,
      ...(options.syncIntervalMs !== undefined ? { syncIntervalMs: options.syncIntervalMs } : {}),
      readType: options.readType ?? ReadType.READ_TYPE_UNSPECIFIED,
      writeType: options.writeType ?? WriteType.WRITE_TYPE_UNSPECIFIED,
      replication: options.replication ?? 0,
    });
    this.mountTable = undefined;
  }

  /** Removes the mount at `path` and its subtree from the namespace (the under-storage keeps its files). */
  async unmount(path: string): Promise<void> {
    await this.call("unmount", { path });
    this.mountTable = undefined;
  }

  /** The mount table, credentials left out. */
  async mounts(): Promise<MountInfo[]> {
    return (await this.call("listMounts", {})).mounts;
  }

  /**
   * Writes the file at `path` to its mount's under-storage now; resolves once the masters
   * recorded it persisted. A large file takes longer than one metadata call may wait: a call
   * that runs out of time is made again (the leader joins the persist already running, by
   * file id) until the file is persisted, or for as long as its size allows at a slow
   * under-storage's rate (persistWaitMs).
   */
  async persist(path: string): Promise<void> {
    const startedMs = performance.now();
    for (;;) {
      try {
        await this.call("persist", { path });
        return;
      } catch (err) {
        if (!isRetryable(codeOf(err))) throw err;
        const stat = await this.stat(path);
        if (stat.underStorage?.persistState === PersistState.PERSISTED) return;
        const waitMs = persistWaitMs(stat.size);
        if (performance.now() - startedMs > waitMs) throw new FsError("TIMEOUT", `${path} was not persisted within ${Math.round(waitMs / 1000)} s (${(err as Error).message})`);
      }
    }
  }

  /**
   * Pins (or unpins) the file, or every file under the folder: no tier evicts or demotes a
   * pinned copy. The pin is in the namespace; the peers holding copies are told at once (a
   * copy made later is pinned when it is filled).
   */
  async setPinned(path: string, pinned: boolean): Promise<CacheChange> {
    const change = await this.call("setPinned", { path, pinned });
    await this.pushPins(path);
    return change;
  }

  /** Drops the cached copies of the file, or of every file under the folder (the metadata stays); pinned files only with `force`. */
  async free(path: string, options: { force?: boolean } = {}): Promise<CacheChange> {
    return this.call("freeCache", { path, force: options.force ?? false });
  }

  /**
   * Fetches the file, or the files of the folder (`recursive`: the subtree), into the peers'
   * tiers: each chunk onto its fill peers (the ones a read would ask) until it has
   * `replication` copies. The bytes go from the under-storage to the peers, none through this
   * client. Throws after the rest are done when a chunk could not be loaded.
   */
  async load(path: string, options: LoadOptions = {}): Promise<LoadResult> {
    const replication = options.replication ?? 1;
    if (!Number.isInteger(replication) || replication < 1 || replication > REPLICATION_MAX) throw new FsError("INVALID", `a load keeps 1..${REPLICATION_MAX} copies of each chunk, not ${replication}`);
    const cache = this.requireCache();
    const files: Array<{ path: string; chunks: FileChunk[] }> = [];
    for await (const file of this.filesOf(path, options.recursive ?? false)) {
      const stat = await statWhole(this.call, file);
      if (stat.kind !== FileStatus.Kind.FILE || !stat.underStorage || stat.underStorage.fingerprint === "") continue; // not in the under-storage: its bytes are Tessera's own
      if (stat.chunksWithheld) throw new FsError("PERMISSION_DENIED", `Permission denied: ${file} is not readable by this user (access=READ)`);
      files.push({ path: stat.path, chunks: stat.chunks.filter((chunk) => chunk.committed) });
    }
    const peers = await cache.livePeers();
    if (peers.length === 0 && files.length > 0) throw new FsError("NO_PEERS", "no live peer is known to load into");
    const plan = planLoad(files, peers, replication);
    let doneBytes = plan.presentBytes;
    options.onProgress?.(doneBytes, plan.totalBytes);
    let chunksFetched = 0;
    const failures: Array<{ path: string; chunkIndex: number; code: string; message: string }> = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < plan.requests.length) {
        const request = plan.requests[next++]!;
        const answered = new Set<number>();
        try {
          await this.cacheEndpoint(cache, request.peer).load({ path: request.path, chunkIndexes: request.chunkIndexes }, this.user, (result) => {
            answered.add(result.chunkIndex);
            if (result.error) {
              failures.push({ path: request.path, chunkIndex: result.chunkIndex, code: result.error.code, message: result.error.message });
              return;
            }
            if (result.fetched) chunksFetched++;
            doneBytes += result.sizeBytes;
            options.onProgress?.(doneBytes, plan.totalBytes);
          });
        } catch (err) {
          const error = err instanceof CacheError ? err : new CacheError("PEER_FAILED", (err as Error).message);
          for (const chunkIndex of request.chunkIndexes) if (!answered.has(chunkIndex)) failures.push({ path: request.path, chunkIndex, code: error.code, message: error.message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOAD_REQUESTS_IN_FLIGHT, plan.requests.length) }, worker));
    if (failures.length === 0) await this.awaitReported(plan.requests);
    if (failures.length > 0) {
      const first = failures[0]!;
      throw new FsError(first.code === "CHUNK_STALE" ? "CHUNK_STALE" : "READ_FAILED", `${failures.length} chunks under ${path} could not be loaded; chunk ${first.chunkIndex} of ${first.path}: ${first.message}`);
    }
    return { files: files.length, chunksFetched, totalBytes: plan.totalBytes, presentBytes: plan.presentBytes };
  }

  /**
   * Waits until the masters' stat shows the copies a load made (the leader learns of them
   * from block reports, every half second), so a stat right after a load shows them cached;
   * at most LOAD_REPORTED_WAIT_MS, after which the load returns anyway (the copies are there).
   */
  private async awaitReported(requests: ReadonlyArray<{ peer: string; path: string; chunkIndexes: number[] }>): Promise<void> {
    const wanted = new Map<string, Array<{ index: number; peer: string }>>();
    for (const request of requests) for (const index of request.chunkIndexes) wanted.set(request.path, [...(wanted.get(request.path) ?? []), { index, peer: request.peer }]);
    const deadline = performance.now() + LOAD_REPORTED_WAIT_MS;
    for (const [path, copies] of wanted) {
      for (;;) {
        const stat = await statWhole(this.call, path).catch(() => undefined);
        if (!stat) break;
        const byIndex = new Map(stat.chunks.map((chunk) => [chunk.index, chunk]));
        if (copies.every(({ index, peer }) => byIndex.get(index)?.replicas.some((replica) => replica.peer === peer))) break;
        if (performance.now() >= deadline) return;
        await new Promise((resolve) => setTimeout(resolve, LOAD_REPORTED_POLL_MS));
      }
    }
  }

  /** Tells the peers holding copies of the file (or the folder's files) to pin them as the namespace now says; best effort. */
  private async pushPins(path: string): Promise<void> {
    const cache = this.init.cache;
    if (!cache) return;
    const byPeer = new Map<string, string[]>();
    for await (const file of this.filesOf(path, true)) {
      const stat = await statWhole(this.call, file).catch(() => undefined);
      if (!stat || stat.kind !== FileStatus.Kind.FILE) continue;
      for (const peer of new Set(stat.chunks.flatMap((chunk) => chunk.replicas.map((replica) => replica.peer)))) {
        const paths = byPeer.get(peer) ?? [];
        paths.push(stat.path);
        byPeer.set(peer, paths);
      }
    }
    await Promise.all(
      [...byPeer].map(async ([peer, paths]) => {
        for (let at = 0; at < paths.length; at += CACHE_PIN_PATHS_MAX) {
          // A holder that does not answer now pins nothing; its copies keep their pin state
          // until a later pin reaches it (the namespace's pin is what fills and frees obey).
          await this.cacheEndpoint(cache, peer)
            .pin({ paths: paths.slice(at, at + CACHE_PIN_PATHS_MAX) })
            .catch(() => undefined);
        }
      }),
    );
  }

  /**
   * The files at or under `path`: the file itself, a folder's files, with `recursive` its
   * subtree's. Folder by folder, each listed on its own (not one recursive listing): a listing
   * of a mounted folder is what makes the masters sync it with the under-storage, so a
   * subfolder never listed before is seen. One page is held at a time, and the names of the
   * folders still to walk.
   */
  private async *filesOf(path: string, recursive: boolean): AsyncGenerator<string> {
    const stat = await this.call("stat", { path });
    if (stat.kind === FileStatus.Kind.FILE) {
      yield stat.path;
      return;
    }
    const folders = [stat.path];
    while (folders.length > 0) {
      const folder = folders.pop()!;
      for await (const page of this.listPages(folder)) {
        for (const entry of page) {
          if (entry.kind === "file") yield entry.path;
          else if (recursive) folders.push(entry.path);
        }
      }
    }
  }

  private requireCache(): CacheAccess {
    if (!this.init.cache) throw new FsError("INVALID", "this client has no way to reach the peers' cache services");
    return this.init.cache;
  }

  /** The cache service of `peer`: this peer's own in-process, another over /tessera/cache/1. */
  private cacheEndpoint(cache: CacheAccess, peer: string) {
    const local = peer === this.init.localPeer?.id ? cache.local?.() : undefined;
    return local ?? cache.remote(peer);
  }

  /** Adds data at the end of an existing file, under the writer lease (GFS record append's usage). */
  async append(source: ByteSource, path: string, options: Pick<PutOptions, "onProgress" | "chunksInFlight"> = {}): Promise<StatView> {
    return this.appendAt(source, path, options);
  }

  /** append; with `atSizeBytes`, only if the file has that size when its lease is taken (else nothing is written, UNAVAILABLE). */
  private async appendAt(source: ByteSource, path: string, options: Pick<PutOptions, "onProgress" | "chunksInFlight">, atSizeBytes?: number): Promise<StatView> {
    const opened = await this.call("append", { path, clientId: this.clientId });
    // The answer holds the first page of chunks: a file of many asks for the rest.
    const before = opened.stat && opened.stat.chunksNext === undefined ? opened.stat : await statWhole(this.call, path);
    if (atSizeBytes !== undefined && before.sizeBytes !== atSizeBytes) {
      await this.call("complete", { fileId: opened.fileId, clientId: this.clientId });
      throw new FsError("UNAVAILABLE", `${path} was written to by another client during a truncate: it is ${before.sizeBytes} bytes, not ${atSizeBytes}`);
    }
    let written: WrittenChunks = { chunks: [], committed: undefined };
    try {
      written = await this.writeChunks(path, opened.fileId, chunked(source, before.chunkSizeBytes), options);
    } finally {
      // Nothing appended (or a failure before the last chunk's commit): complete on its own.
      if (!written.committed?.closed) written = { ...written, committed: await this.call("complete", { fileId: opened.fileId, clientId: this.clientId }) };
    }
    return statView(closedStatus(before, written));
  }

  /** The file's bytes in order, read ahead in pieces from several replicas (file-reader.ts). */
  createReadStream(path: string, options: ReadOptions & { onProgress?(readBytes: number): void } = {}): AsyncGenerator<Uint8Array> {
    return this.reader.createReadStream(path, options);
  }

  /** A reader of byte ranges of one file, as it is now (file-reader.ts). */
  openRangeReader(path: string, options: ReadOptions = {}): Promise<FileRangeReader> {
    return this.reader.openRangeReader(path, options);
  }

  /**
   * A file's or folder's status and, for a file, a reader of byte ranges of it as of that
   * status, from one metadata request: the two describe the same version of the file even when
   * the path is replaced meanwhile.
   */
  async statAndOpen(path: string, options: ReadOptions = {}): Promise<{ stat: StatView; reader: FileRangeReader | undefined }> {
    const { status, reader } = await this.reader.openWithStatus(path, options);
    return { stat: statView(status), reader };
  }

  async readFile(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    const pieces: Uint8Array[] = [];
    let total = 0;
    for await (const piece of this.createReadStream(path, options)) {
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
  private writeChunks(path: string, fileId: number, pieces: AsyncIterable<ChunkPiece>, options: Pick<PutOptions, "onProgress" | "chunksInFlight"> & { attributes?: Attribute[] }, firstGrant?: FileChunk): Promise<WrittenChunks> {
    const init = this.writerInit();
    const { onProgress, chunksInFlight, attributes } = options;
    return writeFileChunks(init, { path, fileId }, pieces, { onProgress, chunksInFlight, ...(attributes?.length ? { attributes } : {}), ...(firstGrant ? { firstGrant } : {}) });
  }

  /** What client/file-writer.ts needs of this client. */
  private writerInit(): FileWriterInit {
    return {
      host: this.init.host,
      call: this.call,
      clientId: this.clientId,
      writerPeer: this.writerPeer,
      ...(this.init.localPeer ? { localStore: this.init.localPeer.store } : {}),
      learnAddresses: (chunk: FileChunk) => this.learnAddresses(chunk),
    };
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
      replicas: chunk.replicas.map((replica) => ({ peer: replica.peer, rack: replica.rack, ...(replica.tier ? { tier: replica.tier } : {}) })),
    })),
    attributes: attributesFromWire(stat.attributes?.entries ?? []),
    owner: stat.owner,
    group: stat.group,
    permission: stat.permission,
    accessTimeMs: stat.accessTimeMs,
    ...(stat.fileId ? { fileId: stat.fileId } : {}),
    ...(stat.underStorage ? { underStorage: { ...stat.underStorage } } : {}),
    ...(stat.symlinkTarget !== undefined ? { symlinkTarget: stat.symlinkTarget } : {}),
  };
}

/** The wire's list of a map, checked against the bounds the master checks, before anything is sent. */
function checkedAttributes(attributes: Attributes | undefined): Attribute[] {
  const list = attributesToWire(attributes);
  const problem = attributesProblem(list);
  if (problem !== undefined) throw new FsError("INVALID", problem);
  return list;
}

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

export interface PutManyOptions extends Pick<PutOptions, "replication" | "chunkSizeBytes" | "writeType"> {
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
