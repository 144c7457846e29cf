// Random writes into a Tessera file (issue 17, docs/mount.md): the engine under the POSIX
// mount's open files, also usable from the library.
//
// Chunks are immutable once committed (GFS). An editor collects writes at any offset; bytes
// past the committed end stream into new chunks as they fill (sequential writes run at the
// write pipeline's speed), and a write into a committed chunk makes a new version of that
// chunk (copy on write: the old chunk's bytes with the new ones laid over, written as a new
// chunk, the rest of the file untouched). flush() commits all of it through Raft, so a reader
// sees the old or the new chunk, never a half, and a reader that opens the file after flush()
// resolved sees every byte written before it (close-to-open). Memory is bounded: dirty bytes
// past EDITOR_BUFFER_BYTES_MAX are written out early (they are still committed only by flush);
// the chunks in flight down pipelines are the writer's, bounded as a put's (WRITE_BUFFER_BYTES_MAX).

//
// How it is committed (docs/mount.md): new chunk versions are written as chunks of a staging
// file, an open file in no folder (/.reserved/.inodes/<id>) under this editor's lease, through
// the ordinary create/addChunk/commitChunk path and client/file-writer.ts's pipelines (several
// chunks in flight, each committed once every replica has it). flush() then sends one
// `rewrite`: in one Raft entry the staged chunks take their places in the file, the file gets
// its new length, and what they replace goes to the lazy garbage collector with the staging
// file. The masters refuse it with FILE_CHANGED when another writer changed the file since
// this editor's base. An editor that dies leaves its staging file to lease recovery, which
// removes it and its chunks. The planning (which slots changed, what to read, what a flush
// commits) is client/file-editor-plan.ts's, pure.
import { FsError } from "./fs-error.ts";
import type { MetaCall } from "../protocol/meta.ts";
import type { FileChunk, FileStatus } from "../protocol/pb/meta.ts";
import { REWRITE_CHUNKS_MAX } from "../protocol/limits.ts";
import { EditPlan, type WriteOutPlan } from "./file-editor-plan.ts";
import { CHUNKS_IN_FLIGHT_DEFAULT, type ChunkPiece, type WrittenChunks } from "./file-writer.ts";
import type { FileRangeReader } from "./file-reader.ts";

export interface FileEditorOptions {
  /** Create the file if it does not exist (with `permission`); with `exclusive` fail if it does. */
  create?: boolean;
  exclusive?: boolean;
  /**
   * With `create`: the caller has just found no file at the path (the kernel sends a FUSE CREATE
   * only after a lookup found none), so the create goes first and the file is stat'ed only when
   * it turns out to exist after all. Without it a new file costs one stat more, a round trip
   * to the leader for every file a `cp -r` makes. Either way the outcome is the same.
   */
  missing?: boolean;
  /** Start from an empty file (O_TRUNC). */
  truncate?: boolean;
  /** A new file's permission bits (0..0o777). */
  permission?: number;
  replication?: number;
  chunkSizeBytes?: number;
}

export interface FileEditor {
  readonly path: string;
  readonly fileId: number;
  /** The file's length as this editor sees it: committed bytes, then its own writes and truncates. */
  readonly sizeBytes: number;
  /** Whether anything was written or truncated since the last flush. */
  readonly dirty: boolean;
  /** Lays `data` over the file at `offsetBytes` (a gap past the end reads as zeros). */
  write(offsetBytes: number, data: Uint8Array): Promise<void>;
  /** The file's bytes as this editor sees them (its own unflushed writes included). */
  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
  /** Cuts or extends (with zeros) the file to `lengthBytes`. */
  truncate(lengthBytes: number): Promise<void>;
  /** Commits every write and truncate so far through Raft; resolves once they are durable and visible. */
  flush(): Promise<void>;
  /** flush(), then lets the file go (its lease, its buffers). */
  close(): Promise<void>;
  /** Drops what was not flushed and lets the file go. */
  abort(): Promise<void>;
}

/** Dirty bytes one editor holds before it writes chunks out ahead of a flush. */
export const EDITOR_BUFFER_BYTES_MAX = 128 * 1024 * 1024;

/**
 * The most chunks one file may have (the masters' bound, CHUNKS_PER_FILE_MAX): a write past
 * it is refused before anything is written (LIMIT: EFBIG through the mount).
 */
export const EDITOR_FILE_CHUNKS_MAX = 1_000_000;

/** A copy on write reads its chunk's old bytes in pieces of this size (the read path's), this many at once. */
const EDITOR_READ_PIECE_BYTES = 4 * 1024 * 1024;
const EDITOR_READS_IN_FLIGHT = 4;


/** What an editor needs of its client: metadata calls, the write pipelines, chunk reads. */
export interface EditorIo {
  call: MetaCall;
  clientId: string;
  writerPeer: string;
  /** client/file-writer.ts's writeFileChunks for this client. */
  writeChunks(file: { path: string; fileId: number }, pieces: AsyncIterable<ChunkPiece>, options: { firstGrant?: FileChunk; chunksInFlight: number; onCommitted(chunk: FileChunk): void }): Promise<WrittenChunks>;
  /** A reader of these chunks end to end. */
  chunksReader(path: string, chunks: FileChunk[]): FileRangeReader;
}

/** A staging file being written: its chunks stream down pipelines while the editor goes on. */
interface Staging {
  fileId: number;
  path: string;
  queue: PieceQueue;
  session: Promise<WrittenChunks>;
  /** Pieces pushed so far: the next one's index in the staging file. */
  pushed: number;
  /** Each pushed piece's grant once committed (the editor reads a staged version back through it). */
  committed: Array<Deferred<FileChunk>>;
}

/** The editor of one file (FileSystemClient.openEditor). Calls are serialized: each waits for the one before. */
export class ClusterFileEditor implements FileEditor {
  readonly fileId: number;
  private readonly plan: EditPlan;
  /** The base's chunks with their replicas, in order (parallel to plan.baseChunks). */
  private baseChunks: FileChunk[];
  private staging: Staging | undefined;
  private failure: unknown;
  private closed = false;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly replication: number;

  private readonly bufferBytesMax: number;

  constructor(
    private readonly io: EditorIo,
    readonly path: string,
    status: FileStatus,
    /** bufferBytesMax: dirty bytes held before chunks go out early (EDITOR_BUFFER_BYTES_MAX; tests make it small). */
    options: { bufferBytesMax?: number } = {},
  ) {
    this.bufferBytesMax = options.bufferBytesMax ?? EDITOR_BUFFER_BYTES_MAX;
    this.fileId = status.fileId;
    this.replication = status.replication;
    const firstOpen = status.chunks.findIndex((chunk) => !chunk.committed);
    this.baseChunks = firstOpen < 0 ? status.chunks : status.chunks.slice(0, firstOpen);
    // A chunk of no bytes (an empty part of a concat) would make two slots start at one offset.
    if (this.baseChunks.some((chunk) => chunk.sizeBytes === 0)) throw new FsError("INVALID", `${path} has a chunk of no bytes (an empty part of a concat): it cannot be edited in place; copy it first`);
    this.plan = new EditPlan(
      this.baseChunks.map((chunk) => ({ chunkId: chunk.chunkId, sizeBytes: chunk.sizeBytes })),
      status.chunkSizeBytes,
      (bytes) => chunkBuffers.take(bytes),
    );
  }

  get sizeBytes(): number {
    return this.plan.lengthBytes;
  }

  get dirty(): boolean {
    return this.plan.dirty;
  }

  write(offsetBytes: number, data: Uint8Array): Promise<void> {
    return this.serial(async () => {
      if (!Number.isSafeInteger(offsetBytes) || offsetBytes < 0) throw new FsError("INVALID", `a write's offset is a whole number of bytes, 0 or more, not ${offsetBytes}`);
      if (data.length === 0) return;
      const endBytes = offsetBytes + data.length;
      if (this.plan.slotOf(endBytes - 1) + 1 > EDITOR_FILE_CHUNKS_MAX) throw new FsError("LIMIT", `${this.path} would end at byte ${endBytes}, past the most chunks a file has (${EDITOR_FILE_CHUNKS_MAX} of ${this.plan.chunkSizeBytes} bytes)`);
      const segments = this.plan.write(offsetBytes, data);
      if (this.plan.changedCount > REWRITE_CHUNKS_MAX) throw new FsError("LIMIT", `${this.path} has ${REWRITE_CHUNKS_MAX} changed chunks waiting: flush before writing more`);
      // A chunk this write filled whole streams at once (a sequential write runs at pipeline speed).
      for (const segment of segments) if (this.plan.isFullyWritten(segment.index)) await this.stage(segment.index);
      // Over the memory bound: the largest dirty chunks go out early, still uncommitted.
      while (this.plan.bufferedBytes > this.bufferBytesMax) {
        const next = this.plan.evictionOrder()[0];
        if (next === undefined) break;
        await this.stage(next);
      }
    });
  }

  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    return this.serial(async () => {
      if (!Number.isSafeInteger(offsetBytes) || offsetBytes < 0 || !Number.isSafeInteger(lengthBytes) || lengthBytes < 0) throw new FsError("INVALID", `a read is of whole numbers of bytes, not [${offsetBytes}, +${lengthBytes})`);
      const endBytes = Math.min(this.plan.lengthBytes, offsetBytes + lengthBytes);
      const out = new Uint8Array(Math.max(0, endBytes - offsetBytes));
      for (const part of this.plan.planRead(offsetBytes, lengthBytes)) {
        if (part.kind === "buffer") out.set(this.plan.slot(part.index)!.buffer.subarray(part.from, part.to), part.outOffset);
        else if (part.kind === "source") out.set(await this.readSource(part.index, part.from, part.to), part.outOffset);
      }
      return out;
    });
  }

  truncate(lengthBytes: number): Promise<void> {
    return this.serial(async () => {
      if (!Number.isSafeInteger(lengthBytes) || lengthBytes < 0) throw new FsError("INVALID", `a file is cut to a whole number of bytes, 0 or more, not ${lengthBytes}`);
      const chunksAfter = lengthBytes === 0 ? 0 : this.plan.slotOf(lengthBytes - 1) + 1;
      if (chunksAfter > EDITOR_FILE_CHUNKS_MAX) throw new FsError("LIMIT", `${this.path} cannot be ${lengthBytes} bytes: past the most chunks a file has`);
      // A growth is written as zeros (no holes): each new chunk is one the flush moves.
      if (chunksAfter - this.plan.chunkCount + this.plan.changedCount > REWRITE_CHUNKS_MAX) throw new FsError("LIMIT", `${this.path} cannot grow to ${lengthBytes} bytes in one flush: that is more than ${REWRITE_CHUNKS_MAX} new chunks of zeros`);
      this.plan.truncate(lengthBytes);
    });
  }

  flush(): Promise<void> {
    return this.serial(() => this.commit());
  }

  close(): Promise<void> {
    return this.serial(async () => {
      try {
        await this.commit();
      } catch (err) {
        await this.dropStaging(err);
        throw err;
      } finally {
        this.closed = true;
      }
    });
  }

  abort(): Promise<void> {
    return this.serial(
      async () => {
        // Aborting an editor already closed (or aborted) is no error: there is nothing left to drop.
        if (this.closed) return;
        this.closed = true;
        await this.dropStaging(new FsError("INVALID", `the editor of ${this.path} was aborted`));
      },
      { evenIfFailed: true, evenIfClosed: true },
    );
  }

  /** Runs `work` after every call before it, unless the editor failed or was closed. */
  private serial<T>(work: () => Promise<T>, options: { evenIfFailed?: boolean; evenIfClosed?: boolean } = {}): Promise<T> {
    const run = this.tail.then(async () => {
      if (this.closed && !options.evenIfClosed) throw new FsError("FILE_CLOSED", `the editor of ${this.path} is closed`);
      if (this.failure !== undefined && !options.evenIfFailed) throw this.failure;
      return work();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Writes slot `index`'s new version as the staging file's next chunk. */
  private async stage(index: number): Promise<void> {
    const out: WriteOutPlan = this.plan.planWriteOut(index);
    const reads: Uint8Array[] = [];
    for (const range of out.reads) reads.push(await this.readSource(index, range.from, range.to));
    const bytes = this.plan.assemble(out, reads);
    const staging = await this.ensureStaging();
    const stagingIndex = staging.pushed++;
    const pending = deferred<FileChunk>();
    staging.committed.push(pending);
    // Once committed the pipelines let go of the bytes: their memory serves the next chunk.
    pending.promise.then(() => chunkBuffers.give(bytes), () => undefined);
    this.plan.staged(index, stagingIndex, bytes.length);
    // Waits for room in the pipelines' window: the back pressure of a sequential write.
    await staging.queue.push({ data: bytes, last: false });
  }

  /** Bytes [from, to) of slot `index`'s source: its base chunk, or the version it staged. */
  private async readSource(index: number, from: number, to: number): Promise<Uint8Array> {
    const state = this.plan.slot(index);
    const source = state ? state.source : { kind: "base" as const };
    let chunk: FileChunk | undefined;
    if (source?.kind === "staged") {
      const pending = this.staging?.committed[source.stagingIndex];
      if (!pending) throw new FsError("INTERNAL", `the staged version ${source.stagingIndex} of chunk ${index} of ${this.path} is not known`);
      chunk = await pending.promise;
    } else {
      chunk = this.baseChunks[index];
    }
    if (!chunk) throw new FsError("INTERNAL", `chunk ${index} of ${this.path} has no bytes to read`);
    // A copy on write reads most of a chunk: in pieces, several at once (from several replicas).
    const reader = this.io.chunksReader(this.path, [chunk]);
    const out = new Uint8Array(to - from);
    let next = from;
    const worker = async (): Promise<void> => {
      while (next < to) {
        const at = next;
        const length = Math.min(EDITOR_READ_PIECE_BYTES, to - at);
        next += length;
        const bytes = await reader.read(at, length);
        if (bytes.length !== length) throw new FsError("PROTOCOL", `chunk ${chunk.chunkId} of ${this.path} read back ${bytes.length} bytes of ${length}`);
        out.set(bytes, at - from);
      }
    };
    await Promise.all(Array.from({ length: Math.min(EDITOR_READS_IN_FLIGHT, Math.ceil((to - from) / EDITOR_READ_PIECE_BYTES)) }, worker));
    return out;
  }

  /** The staging file, made with its first chunk placed when the first new version is staged. */
  private async ensureStaging(): Promise<Staging> {
    if (this.staging) return this.staging;
    const created = await this.io.call("create", {
      path: this.path,
      replication: this.replication,
      chunkSizeBytes: this.plan.chunkSizeBytes,
      clientId: this.io.clientId,
      staging: true,
      withFirstChunk: true,
      writerPeer: this.io.writerPeer,
    });
    const path = created.stat?.path;
    if (!path) throw new FsError("PROTOCOL", "the master answered a staging file's create without its status");
    const queue = new PieceQueue();
    // As many chunks in flight as a put keeps (the writer bounds their bytes by WRITE_BUFFER_BYTES_MAX).
    const chunksInFlight = CHUNKS_IN_FLIGHT_DEFAULT;
    const staging: Staging = { fileId: created.fileId, path, queue, session: Promise.resolve({ chunks: [], committed: undefined }), pushed: 0, committed: [] };
    let committedCount = 0;
    staging.session = this.io.writeChunks({ path, fileId: created.fileId }, queue, {
      ...(created.firstChunk ? { firstGrant: created.firstChunk } : {}),
      chunksInFlight,
      onCommitted: (chunk) => staging.committed[committedCount++]?.resolve(chunk),
    });
    staging.session.catch((err: unknown) => {
      // A failed staging write fails the editor: what it held cannot be committed.
      this.failure ??= err;
      queue.fail(err);
      for (const pending of staging.committed) pending.reject(err);
    });
    this.staging = staging;
    return staging;
  }

  /** flush(): every changed chunk staged, then one rewrite; the committed file is the new base. */
  private async commit(): Promise<void> {
    if (!this.plan.dirty) return;
    try {
      for (const state of this.plan.changedSlots()) if (state.dirty && state.index < this.plan.chunkCount) await this.stage(state.index);
      let written: WrittenChunks | undefined;
      const staging = this.staging;
      if (staging) {
        staging.queue.end();
        written = await staging.session;
      }
      const plan = this.plan.commitPlan();
      await this.io.call("rewrite", {
        path: this.path,
        fileId: this.fileId,
        stagingFileId: staging?.fileId ?? 0,
        clientId: this.io.clientId,
        baseChunkCount: this.plan.baseChunks.length,
        baseLengthBytes: this.plan.baseLength,
        moves: plan.moves,
        chunkCount: plan.chunkCount,
        lengthBytes: plan.lengthBytes,
      });
      this.staging = undefined;
      const staged = written?.chunks ?? [];
      const moved = new Map(plan.moves.map((move) => [move.targetIndex, staged[move.stagingIndex]]));
      const next: FileChunk[] = [];
      for (let index = 0; index < plan.chunkCount; index++) {
        const chunk = moved.get(index) ?? this.baseChunks[index];
        if (!chunk) throw new FsError("INTERNAL", `chunk ${index} of ${this.path} is neither the base's nor staged`);
        next.push(chunk);
      }
      this.baseChunks = next;
      this.plan.rebase(next.map((chunk) => ({ chunkId: chunk.chunkId, sizeBytes: chunk.sizeBytes })));
    } catch (err) {
      // Nothing of this flush is visible; the editor cannot go on from a base it no longer knows.
      this.failure ??= err;
      await this.dropStaging(err);
      throw err;
    }
  }

  /** Stops the staging writes and removes the staging file (best effort: lease recovery removes it otherwise). */
  private async dropStaging(reason: unknown): Promise<void> {
    const staging = this.staging;
    if (!staging) return;
    this.staging = undefined;
    staging.queue.fail(reason);
    await staging.session.catch(() => undefined);
    // A failure here (already gone, the masters unreachable) leaves it to lease recovery.
    await this.io.call("delete", { path: staging.path, recursive: false }).catch(() => undefined);
  }
}

/**
 * Chunk buffers the editors' committed chunks released, for the next chunk of any editor: a
 * buffer reused is memory already touched (a fresh 64 MiB buffer costs its page faults on first
 * touch, which cost more than the copy into it on a loaded machine). Bounded; only buffers of a
 * whole chunk's size (1 MiB or more) are kept.
 */
class BufferPool {
  private readonly free = new Map<number, Uint8Array[]>();
  private bytes = 0;
  constructor(private readonly bytesMax: number) {}

  take(length: number): Uint8Array {
    const list = this.free.get(length);
    const buffer = list?.pop();
    if (!buffer) return new Uint8Array(length);
    this.bytes -= length;
    return buffer;
  }

  give(buffer: Uint8Array): void {
    if (buffer.length < POOLED_BUFFER_BYTES_MIN || buffer.byteOffset !== 0 || buffer.byteLength !== buffer.buffer.byteLength) return;
    if (this.bytes + buffer.length > this.bytesMax) return;
    const list = this.free.get(buffer.length) ?? [];
    list.push(buffer);
    this.free.set(buffer.length, list);
    this.bytes += buffer.length;
  }
}

/** Buffers smaller than this are not kept (they are cheap to make). */
const POOLED_BUFFER_BYTES_MIN = 1024 * 1024;
/** Released chunk buffers kept for reuse, all editors of this process together. */
const CHUNK_BUFFERS_POOLED_BYTES_MAX = 256 * 1024 * 1024;
const chunkBuffers = new BufferPool(CHUNK_BUFFERS_POOLED_BYTES_MAX);

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * The pieces of a staging file, handed to the writer as it asks for them: push resolves once
 * the writer took the piece (so an editor holds at most one piece beyond the writer's
 * window), fail ends the writer's loop with an error (its chunks in flight stop, the
 * uncommitted ones are abandoned).
 */
class PieceQueue implements AsyncIterable<ChunkPiece> {
  private readonly items: Array<{ piece: ChunkPiece; taken: Deferred<void> }> = [];
  private ended = false;
  private failure: { cause: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(piece: ChunkPiece): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.cause);
    const taken = deferred<void>();
    this.items.push({ piece, taken });
    this.wake?.();
    return taken.promise;
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  fail(cause: unknown): void {
    if (this.failure) return;
    this.failure = { cause };
    for (const item of this.items.splice(0)) item.taken.reject(cause);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ChunkPiece> {
    for (;;) {
      if (this.failure) throw this.failure.cause;
      const item = this.items.shift();
      if (item) {
        item.taken.resolve();
        yield item.piece;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
