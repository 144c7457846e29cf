// /tessera/cache/1 over real libp2p hosts (a client host and a peer's host, in one process):
// the peer's cache service reads a mounted file's chunk through from the under-storage once
// however many read it at once (single flight), hands the first readers the bytes while it
// fills, keeps nothing for NO_CACHE, turns a changed fingerprint into CHUNK_STALE, and loads
// chunks with no bytes back. The tiers, the under-storage and the masters are in-memory twins
// (test/cache/cache-fakes.ts): what is under test is the service and its wire.
import { describe, it, expect, afterEach, beforeEach } from "vitest";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { createHost, type TesseraHost } from "../../src/net/host.ts";
import { generateSwarmKey } from "../../src/net/swarm-key.ts";
import { createLogger } from "../../src/util/log.ts";
import { CacheService, effectiveReadType, STAT_REUSE_MS, TEE_BUFFER_BYTES_MAX } from "../../src/cache/cache-service.ts";
import { CacheError, remoteCacheEndpoint, type CacheEndpoint, type CacheLoadResult } from "../../src/client/cache-client.ts";
import { ReadType, type MountRecord } from "../../src/protocol/mounts.ts";
import { CACHE_LOAD_CHUNKS_MAX, CACHE_REQUEST_CODEC } from "../../src/protocol/cache.ts";
import type { FileStatus } from "../../src/protocol/pb/meta.ts";
import { LOOPBACK } from "../support/peers.ts";
import { ChunkNotFoundError } from "../../src/chunk/store/errors.ts";
import { waitFor } from "../support/wait.ts";
import { collect, equalBytes, patternBytes } from "../chunk/pipeline-harness.ts";
import { fakeMetaCall, Gate, MemoryCacheTiers, MemoryUnderStorage, mountedFileStatus, mountRecord } from "./cache-fakes.ts";

const MiB = 1024 * 1024;
const CHUNK = 4 * MiB;
const PATH = "/mnt/data/file.bin";
const REL = "data/file.bin";

let hosts: TesseraHost[] = [];
let service: CacheService;
let tiers: MemoryCacheTiers;
let ufs: MemoryUnderStorage;
let files: Map<string, FileStatus>;
let record: MountRecord;
let metaCalls: string[];
let remote: CacheEndpoint;
let data: Uint8Array;
/** The service's clock for reusing its stats: still unless a test moves it. */
let clockMs = 0;

async function start(scheme: "s3" | "file" = "file", mount: Partial<MountRecord> = {}, fillsMax?: number, chunkBytes = CHUNK): Promise<void> {
  const swarmKey = generateSwarmKey();
  const server = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey, listenAddrs: [LOOPBACK] });
  const client = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey, listenAddrs: [LOOPBACK] });
  hosts = [server, client];
  await client.peerStore.merge(server.peerId, { multiaddrs: server.getMultiaddrs() });
  ufs = new MemoryUnderStorage(scheme);
  data = patternBytes(2 * CHUNK + 123_456, 7);
  ufs.files.set(REL, { bytes: data, mtimeMs: 1_000 });
  record = mountRecord(mount);
  files = new Map([[PATH, mountedFileStatus(PATH, data.length, chunkBytes, ufs.fingerprintOf(REL))]]);
  metaCalls = [];
  tiers = new MemoryCacheTiers();
  service = new CacheService({ host: server, call: fakeMetaCall(files, record, metaCalls), tiers, underStorageOf: () => ufs, log: createLogger("cache-test"), nowMs: () => clockMs, ...(fillsMax ? { fillsMax } : {}) });
  await service.start();
  remote = remoteCacheEndpoint(client, server.peerId.toString());
}

beforeEach(() => {
  hosts = [];
});

afterEach(async () => {
  await service?.stop();
  await Promise.allSettled(hosts.map((host) => host.stop()));
});

function chunkOf(index: number) {
  return files.get(PATH)!.chunks[index]!;
}

function readRequest(index: number, offsetBytes: number, lengthBytes: number, readType = ReadType.READ_TYPE_UNSPECIFIED) {
  const chunk = chunkOf(index);
  return { path: PATH, chunkIndex: index, chunkId: chunk.chunkId, version: chunk.version, offsetBytes, lengthBytes, readType };
}

function expected(index: number, offsetBytes: number, lengthBytes: number): Uint8Array {
  const start = index * CHUNK + offsetBytes;
  return data.subarray(start, Math.min(start + lengthBytes, (index + 1) * CHUNK, data.length));
}

async function failureOf(promise: Promise<unknown>): Promise<CacheError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(CacheError);
  return outcome as CacheError;
}

describe("read-through", () => {
  it("makes one fetch for many concurrent readers of a chunk, and every reader gets exact bytes", async () => {
    await start();
    ufs.gate = new Gate();
    ufs.gateAfterBytes = MiB; // the fill stops after 1 MiB until the gate opens: every reader arrives meanwhile
    const ranges: Array<[number, number]> = [
      [0, CHUNK],
      [0, MiB],
      [MiB / 2, MiB],
      [2 * MiB, MiB],
      [3 * MiB, 2 * MiB], // cut at the chunk's end
      [123, 4567],
      [CHUNK - 1, 1],
      [0, CHUNK],
    ];
    const reads = ranges.map(async ([offset, length]) => collect(await remote.read(readRequest(1, offset, length), "")));
    await waitFor("the fill to reach the gate", () => ufs.reads.length === 1 && service.fillsInFlight === 1, { timeoutMs: 10_000 });
    ufs.gate.open();
    const results = await Promise.all(reads);
    results.forEach((bytes, i) => expect(equalBytes(bytes, expected(1, ranges[i]![0], ranges[i]![1]))).toBe(true));
    expect(service.stats.fetches).toBe(1);
    expect(ufs.reads).toEqual([{ path: REL, offsetBytes: CHUNK, lengthBytes: CHUNK }]);
    expect(service.stats.fills).toBe(1);
    // The readers shared one stat of the file (and one read of the mounts); the fill asked once more for the pin.
    expect(metaCalls.filter((call) => call === "stat").length).toBe(2);
    expect(metaCalls.filter((call) => call === "listSettings").length).toBe(1);
    // The copy is in the tiers, committed, and the next read is a hit that fetches nothing.
    expect(tiers.stat(chunkOf(1).chunkId)?.sizeBytes).toBe(CHUNK);
    const again = await remote.read(readRequest(1, 5, 1000, ReadType.CACHE_PROMOTE), "");
    expect(again.cached).toBe(true);
    expect(equalBytes(await collect(again), expected(1, 5, 1000))).toBe(true);
    expect(service.stats.fetches).toBe(1);
    expect(tiers.touches.at(-1)).toEqual({ id: chunkOf(1).chunkId, promote: true });
  });

  it("streams the first reader's bytes while the chunk is still being fetched (s3: bytes are final as they come)", async () => {
    await start("s3");
    ufs.gate = new Gate();
    ufs.gateAfterBytes = 2 * MiB;
    const stream = await remote.read(readRequest(0, 0, MiB), "");
    expect(stream.cached).toBe(false);
    // The reader has all of its range while the fill waits at 2 MiB of 4.
    const bytes = await collect(stream);
    expect(equalBytes(bytes, expected(0, 0, MiB))).toBe(true);
    expect(service.fillsInFlight).toBe(1);
    expect(tiers.stat(chunkOf(0).chunkId)).toBeUndefined();
    ufs.gate.open();
    await waitFor("the fill to commit", () => tiers.stat(chunkOf(0).chunkId) !== undefined, { timeoutMs: 10_000 });
    expect(equalBytes(await collect(await remote.read(readRequest(0, 0, CHUNK), "")), expected(0, 0, CHUNK))).toBe(true);
    expect(service.stats.fetches).toBe(1);
  });

  it("a copy evicted between the peer's check and its read is filled again, once, and the reader gets exact bytes", async () => {
    await start();
    await collect(await remote.read(readRequest(0, 0, 10), ""));
    await waitFor("the first copy", () => tiers.copies.has(chunkOf(0).chunkId), { timeoutMs: 10_000 });
    // The tiers evict the copy just after the service saw it.
    const read = tiers.createReadStream.bind(tiers);
    let evicted = false;
    tiers.createReadStream = (id, version, offsetBytes, lengthBytes, options) => {
      if (!evicted) {
        evicted = true;
        void tiers.delete(id);
        throw new ChunkNotFoundError(id, version);
      }
      return read(id, version, offsetBytes, lengthBytes, options);
    };
    expect(equalBytes(await collect(await remote.read(readRequest(0, 100, MiB), "")), expected(0, 100, MiB))).toBe(true);
    expect(evicted).toBe(true);
    expect(service.stats.fetches).toBe(2);
  });

  it("reads the last, shorter chunk at its offset in the file (the peer's own stat, not the client's)", async () => {
    await start();
    const bytes = await collect(await remote.read(readRequest(2, 0, CHUNK), ""));
    expect(bytes.length).toBe(123_456);
    expect(equalBytes(bytes, expected(2, 0, CHUNK))).toBe(true);
    expect(ufs.reads).toEqual([{ path: REL, offsetBytes: 2 * CHUNK, lengthBytes: 123_456 }]);
  });

  it("NO_CACHE streams the range from the under-storage and stores nothing", async () => {
    await start();
    const bytes = await collect(await remote.read(readRequest(0, 1000, MiB, ReadType.NO_CACHE), ""));
    expect(equalBytes(bytes, expected(0, 1000, MiB))).toBe(true);
    expect(ufs.reads).toEqual([{ path: REL, offsetBytes: 1000, lengthBytes: MiB }]);
    expect(tiers.stat(chunkOf(0).chunkId)).toBeUndefined();
    expect(tiers.copies.size).toBe(0);
    expect(service.stats.fetches).toBe(1);
  });

  it("a mount's NO_CACHE applies when the call says nothing; the call's type wins over it", async () => {
    expect(effectiveReadType(ReadType.READ_TYPE_UNSPECIFIED, ReadType.NO_CACHE)).toBe(ReadType.NO_CACHE);
    expect(effectiveReadType(ReadType.CACHE, ReadType.NO_CACHE)).toBe(ReadType.CACHE);
    expect(effectiveReadType(ReadType.READ_TYPE_UNSPECIFIED, ReadType.READ_TYPE_UNSPECIFIED)).toBe(ReadType.CACHE);
    await start("file", { readType: ReadType.NO_CACHE });
    await collect(await remote.read(readRequest(0, 0, 10), ""));
    expect(tiers.copies.size).toBe(0);
  });

  it("a file changed in the under-storage fails with CHUNK_STALE, and keeps no copy", async () => {
    await start();
    ufs.files.set(REL, { bytes: data, mtimeMs: 2_000 }); // behind Tessera's back: a new fingerprint
    const stream = await remote.read(readRequest(0, 0, MiB), "");
    const error = await failureOf(collect(stream));
    expect(error.code).toBe("CHUNK_STALE");
    expect(error.message).toContain("changed in the under-storage");
    expect(tiers.stat(chunkOf(0).chunkId)).toBeUndefined();
    expect(service.stats.stale).toBeGreaterThan(0);
  });

  it("a chunk id the peer's stat no longer has at that index is CHUNK_STALE before any byte", async () => {
    await start();
    const error = await failureOf(remote.read({ ...readRequest(0, 0, 10), chunkId: "00000000deadbeef" }, ""));
    expect(error.code).toBe("CHUNK_STALE");
    expect(ufs.reads).toEqual([]);
  });

  it("a stat it reused is asked again when the client names a newer chunk; after STAT_REUSE_MS it is asked anyway", async () => {
    await start();
    await collect(await remote.read(readRequest(0, 0, 10), ""));
    const statsBefore = metaCalls.filter((call) => call === "stat").length;
    // The masters synced a change: new chunk ids, which the client learned first.
    ufs.files.set(REL, { bytes: data, mtimeMs: 5_000 });
    files.set(PATH, mountedFileStatus(PATH, data.length, CHUNK, ufs.fingerprintOf(REL), 0xd000));
    expect(equalBytes(await collect(await remote.read(readRequest(0, 0, 1000), "")), data.subarray(0, 1000))).toBe(true);
    expect(metaCalls.filter((call) => call === "stat").length).toBeGreaterThan(statsBefore);
    const withinReuse = metaCalls.length;
    await collect(await remote.read(readRequest(0, 0, 10), ""));
    expect(metaCalls.slice(withinReuse).filter((call) => call === "stat")).toEqual([]);
    clockMs += STAT_REUSE_MS;
    await collect(await remote.read(readRequest(0, 0, 10), ""));
    expect(metaCalls.slice(withinReuse).filter((call) => call === "stat")).toEqual(["stat"]);
  });

  it("refuses a user who may not read the file (the peer stats as that user too)", async () => {
    await start();
    const error = await failureOf(remote.read(readRequest(0, 0, 10), "mallory"));
    expect(error.code).toBe("PERMISSION_DENIED");
    expect(ufs.reads).toEqual([]);
    await collect(await remote.read(readRequest(0, 0, 10), "alice"));
    expect(metaCalls).toContain("stat as alice");
  });

  it("names a file outside any mount and a range past the chunk's end in one sentence each", async () => {
    await start();
    files.set("/plain", { ...files.get(PATH)!, path: "/plain", underStorage: undefined });
    expect((await failureOf(remote.read({ ...readRequest(0, 0, 10), path: "/plain" }, ""))).code).toBe("INVALID");
    expect((await failureOf(remote.read(readRequest(0, CHUNK + 1, 10), ""))).code).toBe("CHUNK_RANGE");
    expect((await failureOf(remote.read({ ...readRequest(0, 0, 10), path: "/mnt/none" }, ""))).code).toBe("NOT_FOUND");
  });
});

describe("load and pin", () => {
  it("load fills chunks with no bytes back, answering per chunk; a second load fetches nothing", async () => {
    await start();
    const results: CacheLoadResult[] = [];
    await remote.load({ path: PATH, chunkIndexes: [0, 1, 2] }, "", (result) => results.push(result));
    expect(results.map((result) => result.chunkIndex).sort()).toEqual([0, 1, 2]);
    expect(results.every((result) => result.fetched && !result.error)).toBe(true);
    expect(results.reduce((sum, result) => sum + result.sizeBytes, 0)).toBe(data.length);
    expect(service.stats.fetches).toBe(3);
    for (const chunk of files.get(PATH)!.chunks) expect(equalBytes(await tiers.read(chunk.chunkId, 1, 0, CHUNK), expected(chunk.index, 0, CHUNK))).toBe(true);
    const again: CacheLoadResult[] = [];
    await remote.load({ path: PATH, chunkIndexes: [0, 1, 2] }, "", (result) => again.push(result));
    expect(again.every((result) => !result.fetched && !result.error)).toBe(true);
    expect(service.stats.fetches).toBe(3);
  });

  it("load answers a chunk that failed with its code, the others still load", async () => {
    await start();
    const results: CacheLoadResult[] = [];
    await remote.load({ path: PATH, chunkIndexes: [0, 9] }, "", (result) => results.push(result));
    const byIndex = new Map(results.map((result) => [result.chunkIndex, result]));
    expect(byIndex.get(0)?.error).toBeUndefined();
    expect(byIndex.get(9)?.error?.code).toBe("CHUNK_STALE");
  });

  it("a load request naming more chunks than the bound does not decode", () => {
    const encoded = CACHE_REQUEST_CODEC.encode({ load: { path: PATH, chunkIndexes: Array.from({ length: CACHE_LOAD_CHUNKS_MAX + 1 }, (_, i) => i) }, user: "" });
    expect(() => CACHE_REQUEST_CODEC.decode(encoded)).toThrow();
  });

  it("pin brings the copies held here in line with the namespace's pin", async () => {
    await start();
    await remote.load({ path: PATH, chunkIndexes: [0, 1] }, "", () => undefined);
    files.set(PATH, { ...files.get(PATH)!, underStorage: { ...files.get(PATH)!.underStorage!, pinned: true } });
    expect(await remote.pin({ paths: [PATH] })).toBe(2);
    expect([...tiers.pinned].sort()).toEqual([chunkOf(0).chunkId, chunkOf(1).chunkId]);
    files.set(PATH, { ...files.get(PATH)!, underStorage: { ...files.get(PATH)!.underStorage!, pinned: false } });
    await remote.pin({ paths: [PATH] });
    expect(tiers.pinned.size).toBe(0);
  });

  it("a fill of a pinned file writes a pinned copy", async () => {
    await start();
    files.set(PATH, { ...files.get(PATH)!, underStorage: { ...files.get(PATH)!.underStorage!, pinned: true } });
    await collect(await remote.read(readRequest(0, 0, 10), ""));
    await waitFor("the fill to commit", () => tiers.copies.has(chunkOf(0).chunkId), { timeoutMs: 10_000 });
    expect(tiers.pinned.has(chunkOf(0).chunkId)).toBe(true);
  });
});

describe("bounds", () => {
  /** Gives the event loop `ms` (< 100) to show that something does not happen. */
  const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("a reader that takes nothing holds the fill at TEE_BUFFER_BYTES_MAX, and then gets every byte", async () => {
    await start("file", {}, undefined, 4 * TEE_BUFFER_BYTES_MAX);
    const chunk = chunkOf(0);
    const stream = await service.read({ path: PATH, chunkIndex: 0, chunkId: chunk.chunkId, version: 1, offsetBytes: 0, lengthBytes: chunk.sizeBytes, readType: ReadType.CACHE }, "");
    await waitFor("the fill to reach the reader's buffer bound", () => (service.fillPositionBytes(chunk.chunkId) ?? 0) >= TEE_BUFFER_BYTES_MAX, { timeoutMs: 10_000 });
    await settle(50);
    // The piece that crossed the bound, and the one the under-storage had ready: no more.
    expect(ufs.yieldedBytes).toBeLessThanOrEqual(TEE_BUFFER_BYTES_MAX + 2 * ufs.pieceBytes);
    expect(equalBytes(await collect(stream), data.subarray(0, chunk.sizeBytes))).toBe(true);
    await waitFor("the fill to commit", () => tiers.stat(chunk.chunkId) !== undefined, { timeoutMs: 10_000 });
  });

  it("runs at most fillsMax fills at once; the others wait their turn and then fill", async () => {
    await start("file", {}, 2);
    ufs.gate = new Gate();
    ufs.gateAfterBytes = 0;
    const results: CacheLoadResult[] = [];
    const loading = remote.load({ path: PATH, chunkIndexes: [0, 1, 2] }, "", (result) => results.push(result));
    await waitFor("two fills to start", () => ufs.reads.length === 2, { timeoutMs: 10_000 });
    await settle(50);
    expect(ufs.reads.length).toBe(2);
    expect(service.fillsInFlight).toBe(3);
    ufs.gate.open();
    await loading;
    expect(ufs.reads.length).toBe(3);
    expect(results.every((result) => result.fetched && !result.error)).toBe(true);
  });
});
