// In-memory twins of what the cache service stands on, for tests of the layer above (the real
// ones are the tiers helper's TieredChunkStore and the ufs helper's under-storages): cache
// tiers over a MemoryChunkStore, an under-storage of byte arrays whose reads can be held at a
// gate, and a metadata call that answers stat and listSettings for one mounted file.
import { MemoryChunkStore } from "../../src/chunk/store/memory-store.ts";
import type { ChunkWriter } from "../../src/chunk/store/store.ts";
import type { CacheTiers, TierName } from "../../src/cache/tiers.ts";
import type { TierUsage } from "../../src/protocol/pb/membership.ts";
import type { UnderStorage, UnderStorageEntry, UnderStoragePage } from "../../src/ufs/under-storage.ts";
import { FileStatus, type FileChunk } from "../../src/protocol/pb/meta.ts";
import { encodeMountRecord, fileFingerprint, MOUNT_SETTING_PREFIX, PersistState, ReadType, WriteType, type MountRecord } from "../../src/protocol/mounts.ts";
import type { MetaCall } from "../../src/protocol/meta.ts";
import { RequestError } from "../../src/protocol/errors.ts";

/** CacheTiers over one memory store: every cache copy is in tier "" (a peer without --tier). */
export class MemoryCacheTiers extends MemoryChunkStore implements CacheTiers {
  readonly copies = new Set<string>();
  readonly pinned = new Set<string>();
  readonly touches: Array<{ id: string; promote: boolean }> = [];
  misses = 0;

  async createCacheWriter(id: string, version: number, sizeBytes: number, options: { pinned?: boolean } = {}): Promise<ChunkWriter> {
    const writer = await this.createWriter(id, version, { expectedSizeBytes: sizeBytes });
    const tiers = this;
    return {
      id,
      version,
      get writtenBytes() {
        return writer.writtenBytes;
      },
      write: (bytes) => writer.write(bytes),
      async commit() {
        const info = await writer.commit();
        tiers.copies.add(id);
        if (options.pinned) tiers.pinned.add(id);
        return info;
      },
      abort: () => writer.abort(),
    };
  }

  tierOf(id: string): TierName | "" | undefined {
    return this.copies.has(id) ? "" : undefined;
  }

  async touch(id: string, promote: boolean): Promise<void> {
    this.touches.push({ id, promote });
  }

  noteMiss(): void {
    this.misses++;
  }

  async setPinned(ids: readonly string[], pinned: boolean): Promise<void> {
    for (const id of ids) {
      if (pinned) this.pinned.add(id);
      else this.pinned.delete(id);
    }
  }

  tierUsage(): TierUsage[] {
    return [];
  }
}

/** A gate a test opens when it wants held reads to go on. */
export class Gate {
  private opened = false;
  private waiters: Array<() => void> = [];
  open(): void {
    this.opened = true;
    for (const wake of this.waiters.splice(0)) wake();
  }
  wait(): Promise<void> {
    return this.opened ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

export class UnderStorageFailure extends Error {
  constructor(
    readonly code: "UNAVAILABLE" | "PERMISSION_DENIED" | "NOT_FOUND" | "CHANGED" | "INVALID",
    message: string,
  ) {
    super(message);
  }
}

/** Files as byte arrays; reads yield `pieceBytes` at a time and, with a gate set, stop after `gateAfterBytes` until it opens. */
export class MemoryUnderStorage implements UnderStorage {
  readonly files = new Map<string, { bytes: Uint8Array; mtimeMs: number }>();
  readonly reads: Array<{ path: string; offsetBytes: number; lengthBytes: number }> = [];
  gate: Gate | undefined;
  gateAfterBytes = 0;
  pieceBytes = 256 * 1024;
  /** Bytes every read has handed out so far. */
  yieldedBytes = 0;

  constructor(readonly scheme: "s3" | "file" = "file") {}

  fingerprintOf(path: string): string {
    const file = this.files.get(path)!;
    return fileFingerprint(file.mtimeMs, file.bytes.length);
  }

  async check(): Promise<void> {}
  async list(): Promise<UnderStoragePage> {
    return { entries: [], next: "" };
  }
  async stat(path: string): Promise<UnderStorageEntry | undefined> {
    const file = this.files.get(path);
    return file ? { name: path.split("/").pop()!, directory: false, sizeBytes: file.bytes.length, mtimeMs: file.mtimeMs, fingerprint: this.fingerprintOf(path) } : undefined;
  }
  async *read(path: string, offsetBytes: number, lengthBytes: number, fingerprint: string): AsyncIterable<Uint8Array> {
    this.reads.push({ path, offsetBytes, lengthBytes });
    const file = this.files.get(path);
    if (!file) throw new UnderStorageFailure("NOT_FOUND", `${path} is not in the under-storage`);
    if (this.fingerprintOf(path) !== fingerprint) throw new UnderStorageFailure("CHANGED", `${path} changed (${this.fingerprintOf(path)}, not ${fingerprint})`);
    const end = Math.min(file.bytes.length, offsetBytes + lengthBytes);
    let sent = 0;
    for (let at = offsetBytes; at < end; at += this.pieceBytes) {
      if (this.gate && sent >= this.gateAfterBytes) await this.gate.wait();
      const piece = file.bytes.slice(at, Math.min(end, at + this.pieceBytes));
      sent += piece.length;
      this.yieldedBytes += piece.length;
      yield piece;
    }
  }
  async write(): Promise<UnderStorageEntry> {
    throw new Error("not used by these tests");
  }
  async delete(): Promise<void> {}
  async rename(): Promise<void> {}
  async close(): Promise<void> {}
}

const EMPTY_STATUS = FileStatus.decode(new Uint8Array(0));

/** The status of a mounted file of `sizeBytes` in chunks of `chunkSizeBytes`, none cached (placeholders). */
export function mountedFileStatus(path: string, sizeBytes: number, chunkSizeBytes: number, fingerprint: string, idBase = 0xa000): FileStatus {
  const chunks: FileChunk[] = [];
  for (let index = 0, at = 0; at < sizeBytes; index++, at += chunkSizeBytes) {
    chunks.push({ chunkId: (idBase + index).toString(16).padStart(16, "0"), index, version: 1, sizeBytes: Math.min(chunkSizeBytes, sizeBytes - at), committed: true, replicas: [] });
  }
  return {
    ...EMPTY_STATUS,
    path,
    kind: FileStatus.Kind.FILE,
    sizeBytes,
    replication: 1,
    chunkSizeBytes,
    state: FileStatus.State.CLOSED,
    chunks,
    fileId: 42,
    underStorage: { mountPath: "/mnt", fingerprint, persistState: PersistState.PERSISTED, pinned: false },
  };
}

export function mountRecord(overrides: Partial<MountRecord> = {}): MountRecord {
  return { id: "m1", path: "/mnt", uri: "file:///bucket", scheme: "file", options: {}, readonly: false, syncIntervalMs: -1, readType: ReadType.CACHE, writeType: WriteType.CACHE_THROUGH, replication: 1, ...overrides };
}

/** A metadata call that knows files by path and one mount; user "mallory" may not read anything. */
export function fakeMetaCall(files: Map<string, FileStatus>, record: MountRecord, calls: string[] = []): MetaCall {
  return (async (kind: string, body: { path?: string; prefix?: string }, user?: string) => {
    calls.push(`${kind}${user ? ` as ${user}` : ""}`);
    if (kind === "stat") {
      const stat = files.get(body.path!);
      if (!stat) throw new RequestError("NOT_FOUND", `${body.path} does not exist`);
      return user === "mallory" ? { ...stat, chunks: [], chunksWithheld: true } : stat;
    }
    if (kind === "listSettings") {
      if (user) throw new RequestError("PERMISSION_DENIED", "settings are the superuser's");
      return { entries: body.prefix === MOUNT_SETTING_PREFIX ? [{ key: `${MOUNT_SETTING_PREFIX}${record.id}`, value: encodeMountRecord(record) }] : [], next: "" };
    }
    throw new Error(`the fake meta call does not answer ${kind}`);
  }) as MetaCall;
}
