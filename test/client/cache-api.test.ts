// The cache's client API (client/fs.ts): load spreads the fills over the fill peers the reads
// would ask, never moving a byte through the client, reports progress and keeps replication;
// setPinned reaches the peers holding copies; put's write types persist (and free) before it
// returns. Two peers' cache services run in-process over in-memory twins of the masters, the
// tiers and the under-storage (test/cache/cache-fakes.ts).
import { describe, it, expect } from "vitest";
import { FileSystemClient, persistWaitMs } from "../../src/client/fs.ts";
import { fillPeerOrder } from "../../src/client/cache-client.ts";
import { CacheService } from "../../src/cache/cache-service.ts";
import type { TesseraHost } from "../../src/net/host.ts";
import { FileStatus } from "../../src/protocol/pb/meta.ts";
import type { MetaCall } from "../../src/protocol/meta.ts";
import { PersistState, WriteType } from "../../src/protocol/mounts.ts";
import { RequestError } from "../../src/protocol/errors.ts";
import { createLogger } from "../../src/util/log.ts";
import { equalBytes, patternBytes } from "../chunk/pipeline-harness.ts";
import { fakeMetaCall, MemoryCacheTiers, MemoryUnderStorage, mountedFileStatus, mountRecord } from "../cache/cache-fakes.ts";

const MiB = 1024 * 1024;
const CHUNK = MiB;
const EMPTY_STATUS = FileStatus.decode(new Uint8Array(0));

function setUp() {
  const ufs = new MemoryUnderStorage("file");
  const files = new Map<string, FileStatus>();
  const contents = new Map<string, Uint8Array>();
  for (const [i, name] of ["a.bin", "b.bin", "deep/c.bin"].entries()) {
    const bytes = patternBytes(3 * CHUNK + 1000 * (i + 1), i + 1);
    ufs.files.set(name, { bytes, mtimeMs: 1_000 });
    contents.set(`/mnt/${name}`, bytes);
    files.set(`/mnt/${name}`, mountedFileStatus(`/mnt/${name}`, bytes.length, CHUNK, ufs.fingerprintOf(name), 0x1000 * (i + 1)));
  }
  const record = mountRecord();
  const calls: string[] = [];
  const peers = ["peer-a", "peer-b", "peer-c"];
  const tiers = new Map(peers.map((peer) => [peer, new MemoryCacheTiers()]));
  /** What the leader answers once the block reports came: each chunk's replicas are the peers holding a copy. */
  const withCopies = (stat: FileStatus): FileStatus => ({ ...stat, chunks: stat.chunks.map((chunk) => ({ ...chunk, replicas: peers.filter((peer) => tiers.get(peer)!.copies.has(chunk.chunkId)).map((peer) => ({ peer, rack: "", addresses: [], tier: "" })) })) });
  const base = fakeMetaCall(files, record, calls);
  const folder = (path: string): FileStatus => ({ ...EMPTY_STATUS, path, kind: FileStatus.Kind.DIRECTORY, state: FileStatus.State.CLOSED });
  const call = (async (kind: string, body: Record<string, unknown>, user?: string) => {
    const path = body.path as string;
    if (kind === "stat" && !files.has(path) && [...files.keys()].some((file) => file.startsWith(`${path}/`))) return folder(path);
    if (kind === "list") {
      // One folder's entries (its files, and its subfolders as folders), as the masters list it.
      const names = new Map<string, FileStatus>();
      for (const stat of files.values()) {
        if (!stat.path.startsWith(`${path}/`)) continue;
        const [name, ...deeper] = stat.path.slice(path.length + 1).split("/");
        names.set(name!, deeper.length === 0 ? { ...stat, chunks: [] } : folder(`${path}/${name}`));
      }
      return { entries: [...names.values()], next: "" };
    }
    if (kind === "setPinned") {
      calls.push(kind);
      for (const [file, stat] of files) if (file === path || file.startsWith(`${path}/`)) files.set(file, { ...stat, underStorage: { ...stat.underStorage!, pinned: body.pinned as boolean } });
      return { files: 1, chunks: 1 };
    }
    if (kind === "create") {
      calls.push(`create ${path} ${String(body.writeType ?? "-")}`);
      const stat = { ...mountedFileStatus(path, 0, CHUNK, ""), state: FileStatus.State.CLOSED };
      return { fileId: 7, stat };
    }
    if (kind === "persist" || kind === "freeCache") {
      calls.push(`${kind} ${path}${body.force ? " force" : ""}`);
      return kind === "persist" ? {} : { files: 1, chunks: 0 };
    }
    if (kind === "listMounts") {
      calls.push(kind);
      return { mounts: [{ path: "/mnt", uri: record.uri, options: [], redacted: [], readonly: false, syncIntervalMs: -1, readType: record.readType, writeType: WriteType.THROUGH, replication: 1, unreachableSinceMs: 0, lastError: "" }] };
    }
    const answer = await base(kind as never, body as never, user);
    return kind === "stat" ? withCopies(answer as FileStatus) : answer;
  }) as MetaCall;
  const host = { peerId: { toString: () => "12D3KooWClient" } } as unknown as TesseraHost;
  const services = new Map(peers.map((peer) => [peer, new CacheService({ host, call, tiers: tiers.get(peer)!, underStorageOf: () => ufs, log: createLogger(`cache-${peer}`) })]));
  const fs = new FileSystemClient({ host, call, cache: { livePeers: async () => peers, remote: (peer) => services.get(peer)! } });
  return { ufs, files, contents, calls, peers, tiers, services, fs };
}

describe("load", () => {
  it("fills every chunk of a folder's subtree on its fill peer, with progress to the whole, and nothing through the client", async () => {
    const { files, peers, tiers, services, fs, contents, ufs } = setUp();
    const progress: Array<[number, number]> = [];
    const result = await fs.load("/mnt", { recursive: true, onProgress: (done, total) => progress.push([done, total]) });
    const totalBytes = [...contents.values()].reduce((sum, bytes) => sum + bytes.length, 0);
    expect(result).toEqual({ files: 3, chunksFetched: 12, totalBytes, presentBytes: 0 });
    expect(progress[0]).toEqual([0, totalBytes]);
    expect(progress.at(-1)).toEqual([totalBytes, totalBytes]);
    for (const stat of files.values()) {
      for (const chunk of stat.chunks) {
        const owner = fillPeerOrder(chunk.chunkId, peers)[0]!;
        expect(peers.filter((peer) => tiers.get(peer)!.copies.has(chunk.chunkId))).toEqual([owner]);
        const start = chunk.index * CHUNK;
        expect(equalBytes(await tiers.get(owner)!.read(chunk.chunkId, 1, 0, CHUNK), contents.get(stat.path)!.subarray(start, start + chunk.sizeBytes))).toBe(true);
      }
    }
    expect([...services.values()].reduce((sum, service) => sum + service.stats.fetches, 0)).toBe(12);
    expect(ufs.reads.length).toBe(12);
    expect(fs.readCounters.cacheBytes).toBe(0);
  });

  it("a folder without recursive loads its own files; replication 2 tops every chunk up to two copies on distinct peers", async () => {
    const { files, peers, tiers, fs } = setUp();
    expect((await fs.load("/mnt")).files).toBe(2);
    const result = await fs.load("/mnt/a.bin", { replication: 2 });
    expect(result.presentBytes).toBe(files.get("/mnt/a.bin")!.sizeBytes);
    expect(result.chunksFetched).toBe(4);
    for (const chunk of files.get("/mnt/a.bin")!.chunks) expect(peers.filter((peer) => tiers.get(peer)!.copies.has(chunk.chunkId)).length).toBe(2);
    expect(peers.some((peer) => tiers.get(peer)!.copies.has(files.get("/mnt/deep/c.bin")!.chunks[0]!.chunkId))).toBe(false);
  });

  it("a file changed in the under-storage: the load says which chunk could not be loaded, and why", async () => {
    const { fs, ufs } = setUp();
    ufs.files.set("b.bin", { bytes: ufs.files.get("b.bin")!.bytes, mtimeMs: 5_000 });
    const error = await fs.load("/mnt/b.bin").then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(error?.code).toBe("CHUNK_STALE");
    expect(error?.message).toMatch(/^4 chunks under \/mnt\/b\.bin could not be loaded; chunk \d of \/mnt\/b\.bin: .*changed in the under-storage/);
  });

  it("refuses a replication out of bounds before anything is asked", async () => {
    const { fs, ufs } = setUp();
    await expect(fs.load("/mnt", { replication: 0 })).rejects.toThrow("1..32 copies");
    expect(ufs.reads).toEqual([]);
  });
});

describe("pins and write types", () => {
  it("setPinned changes the namespace, then the peers holding copies pin them", async () => {
    const { fs, files, tiers, calls, peers } = setUp();
    await fs.load("/mnt/a.bin");
    await fs.setPinned("/mnt/a.bin", true);
    expect(calls).toContain("setPinned");
    const ids = files.get("/mnt/a.bin")!.chunks.map((chunk) => chunk.chunkId).sort();
    expect(peers.flatMap((peer) => [...tiers.get(peer)!.pinned]).sort()).toEqual(ids);
    await fs.setPinned("/mnt", false);
    expect(peers.flatMap((peer) => [...tiers.get(peer)!.pinned])).toEqual([]);
  });

  it("CACHE_THROUGH persists before put returns; THROUGH persists then frees; MUST_CACHE does neither; no write type takes the mount's", async () => {
    const { fs, calls } = setUp();
    const after = (from: number) => calls.slice(from).filter((entry) => !entry.startsWith("stat"));
    let mark = calls.length;
    await fs.put(new Uint8Array(0), "/mnt/x", { writeType: WriteType.CACHE_THROUGH });
    expect(after(mark)).toEqual(["create /mnt/x CACHE_THROUGH", "persist /mnt/x"]);
    mark = calls.length;
    await fs.put(new Uint8Array(0), "/mnt/y", { writeType: WriteType.THROUGH });
    expect(after(mark)).toEqual(["create /mnt/y THROUGH", "persist /mnt/y", "freeCache /mnt/y force"]);
    mark = calls.length;
    await fs.put(new Uint8Array(0), "/mnt/z", { writeType: WriteType.MUST_CACHE });
    expect(after(mark)).toEqual(["create /mnt/z MUST_CACHE"]);
    mark = calls.length;
    await fs.put(new Uint8Array(0), "/mnt/w");
    // The mount says THROUGH.
    expect(after(mark)).toEqual(["create /mnt/w -", "listMounts", "persist /mnt/w", "freeCache /mnt/w force"]);
  });
});

describe("persist of a file larger than one metadata call waits for", () => {
  const host = { peerId: { toString: () => "12D3KooWClient" } } as unknown as TesseraHost;
  const status = (state: PersistState) => ({ ...mountedFileStatus("/mnt/big", 10 * MiB, CHUNK, "f"), underStorage: { mountPath: "/mnt", fingerprint: "f", persistState: state, pinned: false } });

  it("asks again while the call runs out of time, and resolves once the file is persisted", async () => {
    const asked: string[] = [];
    let persistCalls = 0;
    const call = (async (kind: string) => {
      asked.push(kind);
      if (kind === "stat") return status(persistCalls >= 3 ? PersistState.PERSISTED : PersistState.TO_BE_PERSISTED);
      if (kind === "persist") {
        persistCalls += 1;
        throw new RequestError("UNAVAILABLE", "the cluster did not answer in time: no answer within 15000 ms");
      }
      throw new Error(`unexpected ${kind}`);
    }) as MetaCall;
    const fs = new FileSystemClient({ host, call });
    await fs.persist("/mnt/big");
    // Three calls timed out; the stat after the third saw the leader's run finish.
    expect(asked).toEqual(["persist", "stat", "persist", "stat", "persist", "stat"]);
  });

  it("gives up at once on a refusal, and after persistWaitMs on a file that never gets there", async () => {
    const refused = (async (kind: string) => {
      if (kind === "persist") throw new RequestError("PERMISSION_DENIED", "the mount at /mnt is read-only");
      return status(PersistState.TO_BE_PERSISTED);
    }) as MetaCall;
    await expect(new FileSystemClient({ host, call: refused }).persist("/mnt/big")).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    expect(persistWaitMs(0)).toBe(120_000);
    expect(persistWaitMs(2_000_000_000)).toBe(1_120_000);
  });
});
