// The masters' door to the under-storages (protocol/under-storage.ts's UnderStorageBroker),
// over src/ufs (issue 16, docs/cache.md). One UnderStorage per mount id, made again when the
// mount's record changes (new endpoint or credentials) and dropped by `forget`; the cache
// service borrows the same ones through `underStorageOf`. Every failure leaves as a
// RequestError with the under-storage's code, CHANGED becoming CHUNK_STALE (the wire's word
// for "the copy you asked about is of another version").
import { RequestError } from "../protocol/errors.ts";
import type { MetaCall } from "../protocol/meta.ts";
import { relativeUnderStoragePath, type MountRecord } from "../protocol/mounts.ts";
import type { UnderStorageBroker, UnderStorageEntry, UnderStoragePage } from "../protocol/under-storage.ts";
import type { FileSystemClient } from "../client/fs.ts";
import type { Logger } from "../util/log.ts";
import { UnderStorageError } from "../ufs/errors.ts";
import { openUnderStorage, type UnderStorageTuning } from "../ufs/open.ts";
import type { UnderStorage } from "../ufs/under-storage.ts";

/** Bytes of a file read from Tessera per piece while persisting it; one piece is read ahead. */
export const PERSIST_PIECE_BYTES = 4 * 1024 * 1024;

export interface UfsBrokerInit {
  /** Reads the files being persisted (acting as the cluster). */
  fs: Pick<FileSystemClient, "statAndOpen">;
  call: MetaCall;
  log: Logger;
  /** Opens a mount's under-storage (tests count or replace them); default openUnderStorage. */
  open?: (record: MountRecord) => UnderStorage;
  tuning?: UnderStorageTuning;
}

/** The wire's error for an under-storage failure: same code and message; CHANGED → CHUNK_STALE. */
export function requestErrorOf(err: unknown): unknown {
  if (err instanceof UnderStorageError) return new RequestError(err.code === "CHANGED" ? "CHUNK_STALE" : err.code, err.message);
  return err;
}

/** What decides whether an opened UnderStorage still fits a record: where it goes and as whom. */
function identityOf(record: MountRecord): string {
  const options = Object.entries(record.options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([record.uri, options]);
}

/** The bounds of a mount's check: one attempt, 3 s to connect, 5 s of silence. */
const CHECK_TUNING = { attempts: 1, connectTimeoutMs: 3_000, idleTimeoutMs: 5_000 } as const;

export class UfsBroker implements UnderStorageBroker {
  private readonly opened = new Map<string, { identity: string; ufs: UnderStorage }>();
  private readonly open: (record: MountRecord) => UnderStorage;

  constructor(private readonly init: UfsBrokerInit) {
    this.open = init.open ?? ((record) => openUnderStorage(record, init.tuning));
  }

  /** The mount's UnderStorage (its errors are UnderStorageErrors: requestErrorOf converts them). */
  underStorageOf(record: MountRecord): UnderStorage {
    const identity = identityOf(record);
    const held = this.opened.get(record.id);
    if (held && held.identity === identity) return held.ufs;
    if (held) this.closeQuietly(record.id, held.ufs);
    const ufs = this.open(record);
    this.opened.set(record.id, { identity, ufs });
    return ufs;
  }

  private closeQuietly(mountId: string, ufs: UnderStorage): void {
    this.opened.delete(mountId);
    ufs.close().catch((err: unknown) => this.init.log.warn("closing an under-storage client failed", { mount: mountId, err }));
  }

  private async run<T>(mount: MountRecord, action: (ufs: UnderStorage) => Promise<T>): Promise<T> {
    try {
      return await action(this.underStorageOf(mount));
    } catch (err) {
      throw requestErrorOf(err);
    }
  }

  /**
   * A new mount's first contact, through a client of its own with one attempt and short
   * bounds: an endpoint that refuses or drops connections must be a clear answer well within
   * the client's metadata deadline (15 s), not three slow attempts past it.
   */
  async check(mount: MountRecord): Promise<void> {
    const ufs = this.init.open ? this.init.open(mount) : openUnderStorage(mount, { ...this.init.tuning, s3: { ...this.init.tuning?.s3, ...CHECK_TUNING } });
    try {
      await ufs.check();
    } catch (err) {
      // An under-storage that does not answer is the mount's problem, not the cluster's: its
      // UNAVAILABLE would have the client retry the mount to its deadline as if no leader had
      // answered, and end on "the cluster did not answer in time". The user gets its sentence now.
      if (err instanceof UnderStorageError && err.code === "UNAVAILABLE") throw new RequestError("FAILED", err.message);
      throw requestErrorOf(err);
    } finally {
      ufs.close().catch((err: unknown) => this.init.log.warn("closing an under-storage client failed", { mount: mount.id, err }));
    }
  }

  list(mount: MountRecord, relativePath: string, after: string, limit: number): Promise<UnderStoragePage> {
    return this.run(mount, (ufs) => ufs.list(relativePath, after, limit));
  }

  stat(mount: MountRecord, relativePath: string): Promise<UnderStorageEntry | undefined> {
    return this.run(mount, (ufs) => ufs.stat(relativePath));
  }

  delete(mount: MountRecord, relativePath: string, recursive: boolean): Promise<void> {
    return this.run(mount, (ufs) => ufs.delete(relativePath, recursive));
  }

  rename(mount: MountRecord, fromRelativePath: string, toRelativePath: string): Promise<void> {
    return this.run(mount, (ufs) => ufs.rename(fromRelativePath, toRelativePath));
  }

  async persist(mount: MountRecord, path: string): Promise<void> {
    const relativePath = relativeUnderStoragePath(mount.path, path);
    if (mount.readonly) throw new RequestError("PERMISSION_DENIED", `the mount at ${mount.path} is read-only`);
    // The status and the reader describe one version of the file: what is written is what is marked.
    const { stat, reader } = await this.init.fs.statAndOpen(path);
    if (stat.kind !== "file" || reader === undefined) throw new RequestError("NOT_A_FILE", `${path} is a folder: only files are persisted`);
    if (stat.fileId === undefined) throw new RequestError("INTERNAL", `the masters did not say which file ${path} is`);
    const sizeBytes = stat.size;
    async function* pieces(): AsyncGenerator<Uint8Array> {
      let offset = 0;
      let next = sizeBytes > 0 ? reader!.read(0, Math.min(PERSIST_PIECE_BYTES, sizeBytes)) : undefined;
      while (next !== undefined) {
        const piece = await next;
        offset += piece.byteLength;
        next = offset < sizeBytes ? reader!.read(offset, Math.min(PERSIST_PIECE_BYTES, sizeBytes - offset)) : undefined;
        // A read ahead that fails after the consumer stopped must not go unhandled.
        next?.catch(() => undefined);
        yield piece;
      }
    }
    const started = performance.now();
    const entry = await this.run(mount, (ufs) => ufs.write(relativePath, pieces(), sizeBytes));
    await this.init.call("markPersisted", { path, fileId: stat.fileId, lengthBytes: sizeBytes, fingerprint: entry.fingerprint });
    this.init.log.debug("persisted", { path, bytes: sizeBytes, ms: Math.round(performance.now() - started) });
  }

  forget(mountId: string): void {
    const held = this.opened.get(mountId);
    if (held) this.closeQuietly(mountId, held.ufs);
  }

  /** Closes every client (the peer stops). */
  async close(): Promise<void> {
    const all = [...this.opened.values()];
    this.opened.clear();
    await Promise.allSettled(all.map(({ ufs }) => ufs.close()));
  }
}

