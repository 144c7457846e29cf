// The read path of a mounted file (client/file-reader.ts with the peer's own cache service,
// in-process, as a client inside a peer reads): uncached chunks come through the cache service
// and are fetched once; a file changed in the under-storage restarts a stream that has returned
// nothing from a new stat, and fails one that has, with a sentence that says why. The masters
// and the under-storage are in-memory twins (test/cache/cache-fakes.ts).
import { describe, it, expect } from "vitest";
import { FileReader, type CacheAccess } from "../../src/client/file-reader.ts";
import { CacheError, fillPeerOrder } from "../../src/client/cache-client.ts";
import { CacheService } from "../../src/cache/cache-service.ts";
import type { TesseraHost } from "../../src/net/host.ts";
import type { FileStatus } from "../../src/protocol/pb/meta.ts";
import { ReadType } from "../../src/protocol/mounts.ts";
import { createLogger } from "../../src/util/log.ts";
import { waitFor } from "../support/wait.ts";
import { collect, equalBytes, patternBytes } from "../chunk/pipeline-harness.ts";
import { fakeMetaCall, MemoryCacheTiers, MemoryUnderStorage, mountedFileStatus, mountRecord } from "../cache/cache-fakes.ts";

const MiB = 1024 * 1024;
const CHUNK = 4 * MiB;
const PATH = "/mnt/f.bin";
const REL = "f.bin";

/** Changing a file behind Tessera's back; the next stat after a fill noticed it answers the new version (the masters' sync). */
class ChangingUnderStorage extends MemoryUnderStorage {
  onChanged: (() => void) | undefined;
  override async *read(path: string, offsetBytes: number, lengthBytes: number, fingerprint: string): AsyncIterable<Uint8Array> {
    if (this.fingerprintOf(path) !== fingerprint) this.onChanged?.();
    yield* super.read(path, offsetBytes, lengthBytes, fingerprint);
  }
}

function setUp(sizeBytes: number) {
  const ufs = new ChangingUnderStorage("file");
  const data = patternBytes(sizeBytes, 3);
  ufs.files.set(REL, { bytes: data, mtimeMs: 1_000 });
  const files = new Map<string, FileStatus>([[PATH, mountedFileStatus(PATH, sizeBytes, CHUNK, ufs.fingerprintOf(REL))]]);
  const tiers = new MemoryCacheTiers();
  const call = fakeMetaCall(files, mountRecord());
  const host = { peerId: { toString: () => "self" } } as unknown as TesseraHost;
  const service = new CacheService({ host, call, tiers, underStorageOf: () => ufs, log: createLogger("cache-test") });
  const cache: CacheAccess = {
    local: () => service,
    livePeers: async () => ["self"],
    remote: () => {
      throw new Error("a client inside a peer reads through its own peer");
    },
  };
  const counters = { localBytes: 0, remoteBytes: 0, checksumFailovers: 0, replicaFailovers: 0, cacheBytes: 0 };
  const reader = new FileReader({ host, call, localPeer: { id: "self", rack: "", store: tiers }, learnAddresses: () => undefined, counters, cache, user: "" });
  return { ufs, data, files, tiers, service, reader, counters, call };
}

describe("reading a mounted file", () => {
  it("reads uncached chunks through the cache service, one fetch each, and exact bytes", async () => {
    const { data, service, reader, counters, tiers, files } = setUp(3 * CHUNK + 777);
    expect(equalBytes(await collect(reader.createReadStream(PATH)), data)).toBe(true);
    expect(service.stats.fetches).toBe(4);
    expect(counters.cacheBytes).toBe(data.length);
    for (const chunk of files.get(PATH)!.chunks) expect(tiers.stat(chunk.chunkId)?.sizeBytes).toBe(chunk.sizeBytes);
    // A range reader of the same file reads the copies the service keeps (hits, no fetch).
    const range = await reader.openRangeReader(PATH);
    expect(equalBytes(await range.read(CHUNK - 10, 20), data.subarray(CHUNK - 10, CHUNK + 10))).toBe(true);
    expect(service.stats.fetches).toBe(4);
  });

  it("NO_CACHE per read keeps nothing", async () => {
    const { data, reader, tiers } = setUp(CHUNK + 5);
    expect(equalBytes(await collect(reader.createReadStream(PATH, { readType: ReadType.NO_CACHE })), data)).toBe(true);
    expect(tiers.copies.size).toBe(0);
  });

  it("a file changed before any byte was returned is read again from a new stat: the new bytes, never a mix", async () => {
    const { ufs, files, reader, service } = setUp(2 * CHUNK);
    const changed = patternBytes(2 * CHUNK + 100, 99);
    ufs.files.set(REL, { bytes: changed, mtimeMs: 2_000 });
    ufs.onChanged = () => files.set(PATH, mountedFileStatus(PATH, changed.length, CHUNK, ufs.fingerprintOf(REL), 0xb000));
    expect(equalBytes(await collect(reader.createReadStream(PATH)), changed)).toBe(true);
    expect(service.stats.stale).toBeGreaterThan(0);
  });

  it("a file changed after bytes were returned fails with a sentence that says so", async () => {
    const { ufs, files, reader, tiers } = setUp(2 * CHUNK);
    // The first chunk is cached; the second is fetched during the read, after the change.
    await (await reader.openRangeReader(PATH)).read(0, 1);
    const first = files.get(PATH)!.chunks[0]!.chunkId;
    await waitFor("the first chunk's copy", () => tiers.stat(first) !== undefined, { timeoutMs: 10_000 });
    const changed = patternBytes(2 * CHUNK, 5);
    ufs.files.set(REL, { bytes: changed, mtimeMs: 3_000 });
    ufs.onChanged = () => files.set(PATH, mountedFileStatus(PATH, changed.length, CHUNK, ufs.fingerprintOf(REL), 0xc000));
    const received: Uint8Array[] = [];
    const outcome = await (async () => {
      for await (const piece of reader.createReadStream(PATH)) received.push(piece);
    })().then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(received.reduce((sum, piece) => sum + piece.length, 0)).toBe(CHUNK);
    expect(outcome?.code).toBe("CHUNK_STALE");
    expect(outcome?.message).toContain("changed in the under-storage while being read");
  });

  it("a cached chunk reads from its replica as any chunk does; CACHE_PROMOTE asks the holder's cache service, which promotes it", async () => {
    const { data, files, reader, tiers, counters, service } = setUp(CHUNK + 10);
    await collect(reader.createReadStream(PATH));
    await waitFor("both copies", () => tiers.copies.size === 2, { timeoutMs: 10_000 });
    // What the masters answer once the block report came: a replica on this peer.
    const status = files.get(PATH)!;
    files.set(PATH, { ...status, chunks: status.chunks.map((chunk) => ({ ...chunk, replicas: [{ peer: "self", rack: "", addresses: [], tier: "" }] })) });
    const localBefore = counters.localBytes;
    expect(equalBytes(await collect(reader.createReadStream(PATH)), data)).toBe(true);
    expect(counters.localBytes - localBefore).toBe(data.length);
    expect(tiers.touches.filter((touch) => touch.promote)).toEqual([]);
    expect(equalBytes(await collect(reader.createReadStream(PATH, { readType: ReadType.CACHE_PROMOTE })), data)).toBe(true);
    expect(tiers.touches.filter((touch) => touch.promote).map((touch) => touch.id).sort()).toEqual(status.chunks.map((chunk) => chunk.chunkId).sort());
    expect(service.stats.fetches).toBe(2);
  });

  it("a cache copy the stat names but the peer no longer holds (evicted since) is read through the cache again", async () => {
    const { data, files, reader, service } = setUp(CHUNK + 10);
    const status = files.get(PATH)!;
    // The leader still lists a replica on this peer; the tiers evicted it (or never had it).
    files.set(PATH, { ...status, chunks: status.chunks.map((chunk) => ({ ...chunk, replicas: [{ peer: "self", rack: "", addresses: [], tier: "MEM" }] })) });
    expect(equalBytes(await collect(reader.createReadStream(PATH)), data)).toBe(true);
    expect(service.stats.fetches).toBe(2);
  });

  it("a client outside the peers asks the chunk's rendezvous fill peer, and the next one when it is unreachable", async () => {
    const { data, service, call, tiers } = setUp(2 * CHUNK);
    const asked: string[] = [];
    const peers = ["peer-1", "peer-2", "peer-3"];
    const unreachable = new Set<string>();
    const cache: CacheAccess = {
      livePeers: async () => peers,
      remote: (peer) => ({
        read: async (request, user) => {
          asked.push(`${request.chunkIndex}:${peer}`);
          if (unreachable.has(peer)) throw new CacheError("PEER_UNREACHABLE", `could not reach the cache service of ${peer}`);
          return service.read(request, user);
        },
        load: () => Promise.reject(new Error("not used")),
        pin: () => Promise.reject(new Error("not used")),
      }),
    };
    const host = { peerId: { toString: () => "a-client" } } as unknown as TesseraHost;
    const counters = { localBytes: 0, remoteBytes: 0, checksumFailovers: 0, replicaFailovers: 0, cacheBytes: 0 };
    const outside = new FileReader({ host, call, learnAddresses: () => undefined, counters, cache, user: "" });
    const chunks = (await call("stat", { path: PATH })).chunks;
    const first = chunks.map((chunk) => fillPeerOrder(chunk.chunkId, peers));
    unreachable.add(first[1]![0]!);
    expect(equalBytes(await collect(outside.createReadStream(PATH)), data)).toBe(true);
    // Each chunk its first fill peer; where that one is the unreachable peer, then its second.
    const wanted = first.flatMap((order, index) => (unreachable.has(order[0]!) ? [`${index}:${order[0]}`, `${index}:${order[1]}`] : [`${index}:${order[0]}`]));
    expect(asked.sort()).toEqual(wanted.sort());
    expect(counters.replicaFailovers).toBe(wanted.length - chunks.length);
    expect(tiers.copies.size).toBe(2);
  });
});
