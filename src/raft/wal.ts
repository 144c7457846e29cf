// DiskStorage: the durable RaftStorage. Term, vote, commit and log entries go to a
// write-ahead log of checksummed batches; snapshots go to their own files. The driver calls
// save() with everything a Ready asks to persist, and one fdatasync covers the whole batch
// (group commit: every proposal that arrived while the previous batch synced rides along).
//
// On disk, under the raft dir:
//   wal-<seq>.log             batches: [u32 payloadBytes][u32 crc32(payload)][payload]
//   snap-<index>-<term>.snap  a snapshot's metadata, and .data its bytes (snapshot-file.ts)
// A batch payload is a run of records: HardState, Entry, or Compact (a snapshot installed
// or taken: entries at or below its index are gone).
//
// Recovery: the newest snapshot's metadata (never its data: snapshot-file.ts), then the live
// segment replayed over it. A batch that fails its checksum at the very end of the segment is
// a torn write from a crash (fdatasync had not returned, so nothing depended on it): it is cut
// off. A bad batch with valid data after it is corruption: the peer stops with
// CorruptLogError rather than serve a log it cannot trust.
//
// The snapshot the core sees has a descriptor as its data (the data's size and SHA-256), not
// the bytes: snapshotFile() says where they are, for the driver and the transport.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync, ftruncateSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { assert } from "../util/assert.ts";
import { SnapshotOutOfDateError } from "./errors.ts";
import { MemoryStorage, type RaftStorage } from "./storage.ts";
import {
  commitSnapshot,
  decodeSnapshotDescriptor,
  encodeSnapshotDescriptor,
  incomingSnapshotPath,
  loadNewestSnapshot,
  snapshotDataPath,
  snapshotMetaPath,
  moveSnapshotData,
  removeSnapshotsBefore,
  writeSnapshotBytes,
  type SnapshotDataId,
  type SnapshotFile,
} from "./snapshot-file.ts";
import { EMPTY_HARD_STATE, type ConfState, type Entry, type EntryType, type HardState, type Snapshot, type SnapshotMeta } from "./types.ts";

// One batch is one Ready's worth of entries; the core bounds those (maxSizePerMsg times the
// inflight window at most), so anything far larger is not a batch this code wrote.
export const WAL_BATCH_BYTES_MAX = 256 * 1024 * 1024;
const PEER_ID_BYTES_MAX = 1024;
const BATCH_HEADER_BYTES = 8;

const RECORD_HARD_STATE = 1;
const RECORD_ENTRY = 2;
const RECORD_COMPACT = 3;

export { CorruptSnapshotError } from "./snapshot-file.ts";

export class CorruptLogError extends Error {
  override name = "CorruptLogError";
  readonly code = "RAFT_CORRUPT_LOG";
}

/**
 * The log can no longer promise what is on disk: an fdatasync failed (its outcome is unknown:
 * the kernel may have dropped the pages), or a failed write could not be undone. Every later
 * write is refused with it; the peer must stop (and a restart replays what the disk holds).
 */
export class LogStorageFailedError extends Error {
  override name = "LogStorageFailedError";
  readonly code = "RAFT_STORAGE_FAILED";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The part of a FileHandle the log writes through; tests give one that fails on purpose. */
export type WalFile = Pick<FileHandle, "write" | "datasync" | "truncate" | "close">;

export interface DiskStorageOptions {
  /** Opens a segment for appending; the default is fs.promises.open(path, "a"). */
  openSegment?: (path: string) => Promise<WalFile>;
}

export interface WalStats {
  /** fdatasync calls on the log so far. */
  syncs: number;
  /** Batches written so far. */
  batches: number;
  /** Torn batches cut off at open. */
  tornBatchesTruncated: number;
}

const crc32 = (data: Uint8Array) => Bun.hash.crc32(data) >>> 0;

export class DiskStorage implements RaftStorage {
  readonly stats: WalStats = { syncs: 0, batches: 0, tornBatchesTruncated: 0 };
  private readonly memory: MemoryStorage;
  private hardState: HardState = EMPTY_HARD_STATE;
  private segmentSeq: number;
  private handle!: WalFile;
  /** Bytes of the live segment: where the next batch starts, and where a failed one is cut back to. */
  private segmentBytes = 0;
  private writing = false;
  /** Set once the log cannot promise what is on disk (LogStorageFailedError): every write is refused. */
  private failed: LogStorageFailedError | undefined;
  private readonly openSegment: (path: string) => Promise<WalFile>;
  /** The newest snapshot's files (undefined before the first). */
  private snapFile: SnapshotFile | undefined;
  /**
   * A snapshot installed from the leader whose segment rewrite was refused before it took
   * effect (a full disk): the log on disk is whole, as a crash between the snapshot's commit
   * and the rewrite leaves it, but its segment still ends below the snapshot. Nothing is
   * appended until the rewrite is done: the next save() or install of it tries again.
   */
  private rewriteOwedAt: number | undefined;

  private constructor(
    readonly dir: string,
    memory: MemoryStorage,
    segmentSeq: number,
    options: DiskStorageOptions,
  ) {
    this.memory = memory;
    this.segmentSeq = segmentSeq;
    this.openSegment = options.openSegment ?? ((path) => open(path, "a"));
  }

  /**
   * Opens (creating if needed) the log in `dir` and replays it. `initialConfState` bootstraps
   * a new cluster's first voter; it is ignored when the dir already holds a log. The newest
   * snapshot's metadata is read, never its data: a state machine that keeps its own state on
   * disk starts from that, and the data is read only to send it.
   */
  static async open(dir: string, initialConfState?: ConfState, options: DiskStorageOptions = {}): Promise<DiskStorage> {
    mkdirSync(dir, { recursive: true });
    let file = loadNewestSnapshot(dir);
    const segments = listSegments(dir);
    if (!file && segments.length === 0 && initialConfState) {
      // Bootstrap: the first configuration is kept as a snapshot of index 0, so it survives
      // a restart that comes before any entry is written.
      file = writeSnapshotBytes(dir, { index: 0, term: 0, confState: initialConfState }, new Uint8Array(0));
    }
    const memory = new MemoryStorage(file ? file.meta.confState : undefined);
    if (file && file.meta.index > 0) memory.applySnapshot(coreSnapshotOf(file));
    const seq = segments.at(-1) ?? 1;
    const storage = new DiskStorage(dir, memory, seq, options);
    storage.snapFile = file;
    const path = storage.segmentPath(seq);
    if (existsSync(path)) {
      storage.replay(path);
      storage.segmentBytes = statSync(path).size;
    }
    for (const old of segments.slice(0, -1)) unlinkSync(join(dir, segmentName(old)));
    storage.handle = await storage.openSegment(path);
    if (segments.length === 0) fsyncDir(dir);
    return storage;
  }

  // --- RaftStorage: reads come from memory, which mirrors the disk. ---------------------
  initialState(): { hardState: HardState; confState: ConfState } {
    // A snapshot holds only committed state: after installing one, commit is at least its index.
    const snapshotIndex = this.memory.snapshot().meta.index;
    const hardState = this.hardState.commit < snapshotIndex ? { ...this.hardState, commit: snapshotIndex } : this.hardState;
    return { hardState, confState: this.memory.initialState().confState };
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.memory.entries(lo, hi, maxBytes);
  }
  term(i: number): number {
    return this.memory.term(i);
  }
  firstIndex(): number {
    return this.memory.firstIndex();
  }
  lastIndex(): number {
    return this.memory.lastIndex();
  }
  /** The newest snapshot; its data is a descriptor of the file (snapshot-file.ts). */
  snapshot(): Snapshot {
    return this.memory.snapshot();
  }

  // --- Snapshot files, for the driver and the transport. ----------------------------------

  /** The newest snapshot's metadata and data file (undefined before the first). */
  snapshotFile(): SnapshotFile | undefined {
    return this.snapFile;
  }

  /** Where a snapshot received from a leader is put, verified, for applySnapshot() to take. */
  incomingSnapshotPath(meta: SnapshotMeta, id: SnapshotDataId): string {
    return incomingSnapshotPath(this.dir, meta, id);
  }

  // --- Writes, by the driver while handling a Ready. ---------------------------------------

  /**
   * Persists a Ready's hard state and entries in one batch; when `sync` is set the call
   * returns only after fdatasync, so messages that depend on them may leave.
   */
  async save(hardState: HardState | undefined, entries: readonly Entry[], sync: boolean): Promise<void> {
    if (!hardState && entries.length === 0) return;
    if (this.rewriteOwedAt !== undefined) await this.rewriteAfterInstall(this.rewriteOwedAt);
    const records: Uint8Array[] = [];
    for (const entry of entries) records.push(encodeEntry(entry));
    if (hardState) records.push(encodeHardState(hardState));
    await this.writeBatch(records, sync);
    this.memory.append(entries);
    if (hardState) {
      this.hardState = hardState;
      this.memory.setHardState(hardState);
    }
  }

  /**
   * Installs a snapshot received from the leader: the log restarts at its index. Its data is
   * a descriptor whose file the transport received and verified (incomingSnapshotPath), or,
   * from an older peer that sends the image in band, the bytes themselves.
   */
  async applySnapshot(snapshot: Snapshot): Promise<void> {
    const id = decodeSnapshotDescriptor(snapshot.data);
    let file: SnapshotFile;
    if (this.failed) throw this.failed;
    if (this.rewriteOwedAt !== undefined) {
      // The same install tried again (the driver retries a refused one): only its rewrite is left.
      const owed = this.rewriteOwedAt;
      await this.rewriteAfterInstall(owed);
      if (snapshot.meta.index === owed) return;
    }
    if (id) {
      const incoming = incomingSnapshotPath(this.dir, snapshot.meta, id);
      // The transport hands the core a descriptor only once its file is here, whole and checked.
      assert(existsSync(incoming), `the data of snapshot ${snapshot.meta.index}/${snapshot.meta.term} was received before it is installed`);
      moveSnapshotData(this.dir, snapshot.meta, incoming);
      try {
        file = commitSnapshot(this.dir, snapshot.meta, id);
      } catch (err) {
        // Refused (a full disk) before anything refers to it: the data goes back where the
        // transport put it, so the same install can be tried again.
        renameSync(snapshotDataPath(this.dir, snapshot.meta), incoming);
        removeLeftover(`${snapshotMetaPath(this.dir, snapshot.meta)}.tmp`);
        throw err;
      }
    } else {
      try {
        file = writeSnapshotBytes(this.dir, snapshot.meta, snapshot.data);
      } catch (err) {
        for (const path of [snapshotDataPath(this.dir, snapshot.meta), snapshotMetaPath(this.dir, snapshot.meta)]) removeLeftover(`${path}.tmp`);
        removeLeftover(snapshotDataPath(this.dir, snapshot.meta));
        throw err;
      }
    }
    this.memory.applySnapshot(coreSnapshotOf(file));
    this.snapFile = file;
    await this.rewriteAfterInstall(snapshot.meta.index);
  }

  /**
   * The segment rewrite that makes an installed snapshot the log's start. Refused before the
   * new segment takes over (rewriteSegment leaves the old one live then), it is owed
   * (rewriteOwedAt) and its error thrown, so a full disk can be waited out; refused after,
   * the log is failed (rewriteSegment).
   */
  private async rewriteAfterInstall(index: number): Promise<void> {
    try {
      await this.rewriteSegment();
    } catch (err) {
      if (this.failed) throw this.failed;
      this.rewriteOwedAt = index;
      throw err;
    }
    this.rewriteOwedAt = undefined;
    removeSnapshotsBefore(this.dir, index);
  }

  /**
   * Records a snapshot of the application's state at `index` (applied) and drops the log up
   * to `compactIndex` (at most `index`; keeping a tail lets slow followers catch up from the
   * log). The tail is kept in this run only: after a restart the log starts at the snapshot.
   * The data is written to a file here: for small states (tests, tools); a state machine of
   * any size writes its own file and passes it to createSnapshotFromFile.
   */
  async createSnapshot(index: number, confState: ConfState, data: Uint8Array, compactIndex = index): Promise<Snapshot> {
    const meta = this.nextSnapshotMeta(index, confState);
    return this.recordSnapshot(writeSnapshotBytes(this.dir, meta, data), compactIndex);
  }

  /**
   * createSnapshot for a state written to the file `source`, which this takes over (it is
   * moved into the raft dir); `id` is its size and SHA-256 (snapshot-file.ts hashFile).
   */
  async createSnapshotFromFile(index: number, confState: ConfState, source: string, id: SnapshotDataId, compactIndex = index): Promise<Snapshot> {
    const meta = this.nextSnapshotMeta(index, confState);
    let file: SnapshotFile;
    try {
      moveSnapshotData(this.dir, meta, source);
      file = commitSnapshot(this.dir, meta, id);
    } catch (err) {
      // Not recorded (a full disk refused the metadata file, say): nothing refers to the data,
      // and leaving it would hold the space that is short. The log is as before.
      removeLeftover(source);
      removeLeftover(snapshotDataPath(this.dir, meta));
      removeLeftover(`${snapshotMetaPath(this.dir, meta)}.tmp`);
      throw err;
    }
    return this.recordSnapshot(file, compactIndex);
  }

  private nextSnapshotMeta(index: number, confState: ConfState): SnapshotMeta {
    const current = this.memory.snapshot().meta.index;
    if (index <= current) throw new SnapshotOutOfDateError(`snapshot ${index} is not newer than ${current}`);
    assert(index <= this.memory.lastIndex(), `createSnapshot(${index}) is past the last index ${this.memory.lastIndex()}`);
    return { index, term: this.memory.term(index), confState: { voters: [...confState.voters], learners: [...confState.learners] } };
  }

  private async recordSnapshot(file: SnapshotFile, compactIndex: number): Promise<Snapshot> {
    const index = file.meta.index;
    const snapshot = this.memory.createSnapshot(index, file.meta.confState, encodeSnapshotDescriptor(file));
    this.snapFile = file;
    this.memory.compact(Math.min(compactIndex, index));
    await this.rewriteSegment();
    removeSnapshotsBefore(this.dir, index);
    return snapshot;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** Bytes of the live segment (tests check a failed batch left none behind). */
  get liveSegmentBytes(): number {
    return this.segmentBytes;
  }

  // --- Internals ------------------------------------------------------------------------

  private segmentPath(seq: number): string {
    return join(this.dir, segmentName(seq));
  }

  // Through FileHandle (the thread pool), not writeSync + fdatasyncSync, though the sync calls
  // cost less CPU per batch on their own (110-187 µs against 196-252 µs per 180-byte append +
  // fdatasync, 3 runs of 2 s on this VM). In the cluster (bench/raft, 64 proposers, issue 12,
  // docs/raft-bench.md) the blocking fdatasync lost: 21-736 commits/s against 412-2,236/s for
  // FileHandle in the same rounds with the Ready loop on microtasks (a blocking sync ends the
  // group commit: each proposal got its own fsync), and 702-2,084/s against 1,524-3,331/s
  // with it on setImmediate; writeSync + an fdatasync on the thread pool made 193-1,330/s
  // against 412-2,236/s. A blocking sync also stops the heartbeats while the disk is slow:
  // one blocking run lost its leader twice within 15 s while the shared disk lagged.
  //
  // A batch is all or nothing: a write that fails part way (ENOSPC after some bytes, a short
  // write) is cut back off the segment before the error is thrown, so the next batch starts
  // where this one did. A torn batch left in the middle, with later batches after it, would
  // read as corruption at the next start (issue 18: a peer whose disk had filled would not
  // restart). A full disk thus leaves the log as it was, and the caller may try again.
  private async writeBatch(records: Uint8Array[], sync: boolean): Promise<void> {
    assert(!this.writing, "two WAL writes at once: the driver must persist one Ready at a time");
    if (this.failed) throw this.failed;
    this.writing = true;
    try {
      const batch = frameBatch(records);
      const before = this.segmentBytes;
      try {
        let done = 0;
        while (done < batch.length) {
          // The segment is opened for appending: every write lands at its end.
          const { bytesWritten } = await this.handle.write(batch, done, batch.length - done);
          if (bytesWritten <= 0) throw new Error(`a write to the Raft log made no progress at byte ${before + done}`);
          done += bytesWritten;
        }
      } catch (err) {
        await this.cutBack(before, err);
        throw err;
      }
      this.segmentBytes = before + batch.length;
      this.stats.batches += 1;
      if (sync) {
        try {
          await this.handle.datasync();
        } catch (err) {
          // After a failed fdatasync nothing is known of what reached the disk (the kernel may
          // have dropped the dirty pages): no retry may pretend otherwise.
          throw this.fail(`fdatasync of the Raft log failed (${(err as Error).message}); what reached the disk is unknown`, err);
        }
        this.stats.syncs += 1;
      }
    } finally {
      this.writing = false;
    }
  }

  /** Cuts the segment back to `sizeBytes` after a failed write; if that fails too, the log is failed. */
  private async cutBack(sizeBytes: number, cause: unknown): Promise<void> {
    try {
      await this.handle.truncate(sizeBytes);
    } catch (err) {
      throw this.fail(`a failed write to the Raft log (${(cause as Error).message}) could not be cut back to byte ${sizeBytes}: ${(err as Error).message}`, err);
    }
  }

  private fail(message: string, cause: unknown): LogStorageFailedError {
    this.failed ??= new LogStorageFailedError(message, { cause });
    return this.failed;
  }

  /**
   * Starts a new segment holding only what is still needed (hard state, the compaction
   * point, the entries after it), then drops the old one. A crash before the rename leaves
   * the old segment, which with the new snapshot file replays to the same state. A failure
   * before the rename (a full disk) removes the new file and leaves the old segment live, so
   * the caller may go on; after the rename the log is failed (the live handle would write to
   * a segment the next start ignores).
   */
  private async rewriteSegment(): Promise<void> {
    if (this.failed) throw this.failed;
    const snapshot = this.memory.snapshot();
    const records: Uint8Array[] = [encodeCompact(snapshot.meta.index, snapshot.meta.term)];
    const first = this.memory.firstIndex();
    const last = this.memory.lastIndex();
    if (last >= first) for (const entry of this.memory.entries(first, last + 1, Number.MAX_SAFE_INTEGER)) records.push(encodeEntry(entry));
    records.push(encodeHardState(this.hardState));
    const nextSeq = this.segmentSeq + 1;
    const temp = `${this.segmentPath(nextSeq)}.tmp`;
    const batch = frameBatch(records);
    try {
      const fd = openSync(temp, "w");
      try {
        for (let at = 0; at < batch.length; ) at += writeSync(fd, batch, at, batch.length - at);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.segmentPath(nextSeq));
    } catch (err) {
      removeLeftover(temp);
      throw err;
    }
    try {
      fsyncDir(this.dir);
      await this.handle.close();
      unlinkSync(this.segmentPath(this.segmentSeq));
      this.segmentSeq = nextSeq;
      this.handle = await this.openSegment(this.segmentPath(nextSeq));
      this.segmentBytes = batch.length;
    } catch (err) {
      throw this.fail(`the Raft log could not switch to segment ${nextSeq}: ${(err as Error).message}`, err);
    }
    this.stats.syncs += 1;
  }

  private replay(path: string): void {
    const bytes = new Uint8Array(readFileSync(path));
    let offset = 0;
    while (offset < bytes.length) {
      const batch = readBatch(bytes, offset);
      if (batch.kind === "torn") {
        const fd = openSync(path, "r+");
        try {
          ftruncateSync(fd, offset);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        this.stats.tornBatchesTruncated += 1;
        break;
      }
      if (batch.kind === "corrupt") {
        throw new CorruptLogError(`the Raft log ${path} is corrupt at byte ${offset}: ${batch.reason}; refusing to start rather than serve a log it cannot trust`);
      }
      this.applyRecords(batch.payload, path, offset);
      offset = batch.end;
    }
  }

  private applyRecords(payload: Uint8Array, path: string, batchOffset: number): void {
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    let at = 0;
    const need = (bytes: number) => {
      if (at + bytes > payload.length) throw new CorruptLogError(`the Raft log ${path} has a malformed record in the batch at byte ${batchOffset}`);
    };
    while (at < payload.length) {
      need(1);
      const kind = payload[at]!;
      at += 1;
      if (kind === RECORD_ENTRY) {
        need(21);
        const index = Number(view.getBigUint64(at));
        const term = Number(view.getBigUint64(at + 8));
        const type: EntryType = payload[at + 16] === 1 ? "conf" : "normal";
        const length = view.getUint32(at + 17);
        at += 21;
        need(length);
        const data = payload.slice(at, at + length);
        at += length;
        if (index <= this.memory.lastIndex() + 1) this.memory.append([{ index, term, type, data }]);
        else throw new CorruptLogError(`the Raft log ${path} skips from index ${this.memory.lastIndex()} to ${index}`);
      } else if (kind === RECORD_HARD_STATE) {
        need(18);
        const term = Number(view.getBigUint64(at));
        const commit = Number(view.getBigUint64(at + 8));
        const voteLength = view.getUint16(at + 16);
        at += 18;
        if (voteLength > PEER_ID_BYTES_MAX) throw new CorruptLogError(`the Raft log ${path} has a vote of ${voteLength} bytes`);
        need(voteLength);
        const vote = new TextDecoder().decode(payload.subarray(at, at + voteLength));
        at += voteLength;
        this.hardState = { term, vote, commit };
        this.memory.setHardState(this.hardState);
      } else if (kind === RECORD_COMPACT) {
        need(16);
        const index = Number(view.getBigUint64(at));
        at += 16;
        // The matching snapshot file was made durable before this record was written; the
        // snapshot loaded at open is at least this new, so the log already starts past it.
        assert(index <= this.memory.snapshot().meta.index, `the Raft log compacts to ${index} but the newest snapshot is at ${this.memory.snapshot().meta.index}`);
      } else {
        throw new CorruptLogError(`the Raft log ${path} has a record of unknown kind ${kind}`);
      }
    }
  }
}

/** Removes a file a failed write left; one that cannot go is removed at the next open (loadNewestSnapshot). */
function removeLeftover(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // not a file: left for the next open
  }
}

function segmentName(seq: number): string {
  return `wal-${String(seq).padStart(12, "0")}.log`;
}

function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .map((name) => /^wal-(\d{12})\.log$/.exec(name)?.[1])
    .filter((seq): seq is string => seq !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function frameBatch(records: Uint8Array[]): Uint8Array {
  const payloadBytes = records.reduce((sum, record) => sum + record.length, 0);
  assert(payloadBytes <= WAL_BATCH_BYTES_MAX, `a WAL batch of ${payloadBytes} bytes is over ${WAL_BATCH_BYTES_MAX}`);
  const batch = new Uint8Array(BATCH_HEADER_BYTES + payloadBytes);
  let at = BATCH_HEADER_BYTES;
  for (const record of records) {
    batch.set(record, at);
    at += record.length;
  }
  const view = new DataView(batch.buffer);
  view.setUint32(0, payloadBytes);
  view.setUint32(4, crc32(batch.subarray(BATCH_HEADER_BYTES)));
  return batch;
}

type BatchRead = { kind: "ok"; payload: Uint8Array; end: number } | { kind: "torn" } | { kind: "corrupt"; reason: string };

function readBatch(bytes: Uint8Array, offset: number): BatchRead {
  const remaining = bytes.length - offset;
  if (remaining < BATCH_HEADER_BYTES) return tornOrCorrupt(bytes, offset);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, BATCH_HEADER_BYTES);
  const payloadBytes = view.getUint32(0);
  const checksum = view.getUint32(4);
  const end = offset + BATCH_HEADER_BYTES + payloadBytes;
  // A length running past the end of the file: the batch was being written when the crash came.
  if (payloadBytes > WAL_BATCH_BYTES_MAX || end > bytes.length) return tornOrCorrupt(bytes, offset);
  const payload = bytes.subarray(offset + BATCH_HEADER_BYTES, end);
  if (crc32(payload) === checksum) return { kind: "ok", payload, end };
  return tornOrCorrupt(bytes, offset);
}

/**
 * A batch at `offset` does not verify. It is the torn tail of the last write only if no valid
 * batch follows it anywhere: a bit flip in the middle of the log must never be mistaken for a
 * torn tail, or cutting it off would drop acknowledged entries.
 */
function tornOrCorrupt(bytes: Uint8Array, offset: number): BatchRead {
  for (let at = offset + 1; at + BATCH_HEADER_BYTES < bytes.length; at++) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + at, BATCH_HEADER_BYTES);
    const payloadBytes = view.getUint32(0);
    if (payloadBytes === 0 || at + BATCH_HEADER_BYTES + payloadBytes > bytes.length) continue;
    const payload = bytes.subarray(at + BATCH_HEADER_BYTES, at + BATCH_HEADER_BYTES + payloadBytes);
    if (crc32(payload) === view.getUint32(4)) return { kind: "corrupt", reason: `a batch fails its checksum and a valid batch follows at byte ${at}` };
  }
  return { kind: "torn" };
}

function encodeEntry(entry: Entry): Uint8Array {
  const record = new Uint8Array(1 + 21 + entry.data.length);
  const view = new DataView(record.buffer);
  record[0] = RECORD_ENTRY;
  view.setBigUint64(1, BigInt(entry.index));
  view.setBigUint64(9, BigInt(entry.term));
  record[17] = entry.type === "conf" ? 1 : 0;
  view.setUint32(18, entry.data.length);
  record.set(entry.data, 22);
  return record;
}

function encodeHardState(hardState: HardState): Uint8Array {
  const vote = new TextEncoder().encode(hardState.vote);
  assert(vote.length <= PEER_ID_BYTES_MAX, "a vote for a peer id over the bound");
  const record = new Uint8Array(1 + 18 + vote.length);
  const view = new DataView(record.buffer);
  record[0] = RECORD_HARD_STATE;
  view.setBigUint64(1, BigInt(hardState.term));
  view.setBigUint64(9, BigInt(hardState.commit));
  view.setUint16(17, vote.length);
  record.set(vote, 19);
  return record;
}

function encodeCompact(index: number, term: number): Uint8Array {
  const record = new Uint8Array(17);
  const view = new DataView(record.buffer);
  record[0] = RECORD_COMPACT;
  view.setBigUint64(1, BigInt(index));
  view.setBigUint64(9, BigInt(term));
  return record;
}

/** The snapshot as the core sees it: its data is the file's descriptor. */
function coreSnapshotOf(file: SnapshotFile): Snapshot {
  return { meta: file.meta, data: encodeSnapshotDescriptor(file) };
}
