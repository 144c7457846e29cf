// The chunk server's side of /tessera/chunk/replicate/2 without a network (GFS §4.3: the
// master asks a holder to copy a chunk to new holders; §4.4: it asks servers to delete
// replicas): the typed request (a oneof of CopyChunk and DeleteChunk) is decoded within its
// limits, each action is checked before anything is touched, and only the leader may delete.
// The copies themselves run over real peers in test/fs/healing.test.ts.
import { describe, it, expect, beforeAll } from "vitest";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { ReplicaService } from "../../src/chunk/transfer/replica-service.ts";
import { PipelineError } from "../../src/chunk/transfer/data-errors.ts";
import { ReplicateRequest } from "../../src/protocol/pb/replicate.ts";
import { CHUNK_REPLICATE_PROTOCOL } from "../../src/protocol/ids.ts";
import { WRITE_PIPELINE_TARGETS_MAX } from "../../src/protocol/limits.ts";
import type { TesseraHost } from "../../src/net/host.ts";
import type { ChunkStore } from "../../src/chunk/store/store.ts";
import type { DataService } from "../../src/chunk/transfer/data-service.ts";
import type { Logger } from "../../src/util/log.ts";

const CHUNK = "00000000000000a1";
let self: string;
let leader: string;
let other: string;

beforeAll(async () => {
  [self, leader, other] = await Promise.all([0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString()));
});

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => quiet };

/** A service over a store holding CHUNK at version 2 (1,024 bytes), recording what it was asked. */
function service() {
  const calls = { deletes: [] as Array<[string, number | undefined]>, writes: [] as Array<{ targets: string[]; expectedSizeBytes?: number }> };
  const host = { peerId: { toString: () => self }, peerStore: { merge: async () => undefined } } as unknown as TesseraHost;
  const store = {
    stat: (id: string) => (id === CHUNK ? { id, version: 2, sizeBytes: 1024 } : undefined),
    delete: async (id: string, version?: number) => {
      calls.deletes.push([id, version]);
      return id === CHUNK;
    },
    createReadStream: async function* () {
      yield new Uint8Array(1024);
    },
  } as unknown as ChunkStore;
  const failures: Error[] = [];
  const data = {
    writeChunk: async (options: { targets: string[]; expectedSizeBytes?: number }) => {
      calls.writes.push({ targets: options.targets, expectedSizeBytes: options.expectedSizeBytes });
      const failure = failures.shift();
      if (failure) throw failure;
      return { sizeBytes: 1024 };
    },
  } as unknown as DataService;
  return { calls, failures, replicas: new ReplicaService({ host, store, data, leader: () => leader, log: quiet }) };
}

const copy = (over: Partial<NonNullable<ReplicateRequest["copy"]>> = {}): ReplicateRequest => ({ copy: { chunkId: CHUNK, version: 2, sizeBytes: 1024, targets: [{ peer: other, addresses: [] }], ...over } });

describe("the replicate protocol, version 2", () => {
  it("has a new id: version 1's string op is not what this message says", () => {
    expect(CHUNK_REPLICATE_PROTOCOL).toBe("/tessera/chunk/replicate/2");
  });

  it("carries one typed action, round-tripped through the codec", () => {
    const request = copy();
    expect(ReplicateRequest.decode(ReplicateRequest.encode(request))).toEqual(request);
    const removal: ReplicateRequest = { delete: { chunkId: CHUNK, version: 0 } };
    expect(ReplicateRequest.decode(ReplicateRequest.encode(removal))).toEqual(removal);
    // Both set: the codec sends one of them only (a oneof), never both.
    expect(Object.keys(ReplicateRequest.decode(ReplicateRequest.encode({ ...copy(), delete: { chunkId: CHUNK, version: 0 } })))).toHaveLength(1);
  });

  it("refuses on decoding a copy naming more targets than a pipeline holds", () => {
    const tooMany = ReplicateRequest.encode(copy({ targets: Array.from({ length: WRITE_PIPELINE_TARGETS_MAX + 1 }, () => ({ peer: other, addresses: [] })) }));
    const limits = { copy: { targets: WRITE_PIPELINE_TARGETS_MAX } };
    expect(() => ReplicateRequest.decode(tooMany, { limits })).toThrow();
  });
});

describe("carrying out a request", () => {
  it("deletes only for the leader; version 0 deletes whatever version is held", async () => {
    const { calls, replicas } = service();
    expect((await replicas.execute(other, { delete: { chunkId: CHUNK, version: 0 } })).errorCode).toBe("NOT_LEADER");
    expect(calls.deletes).toEqual([]);
    expect(await replicas.execute(leader, { delete: { chunkId: CHUNK, version: 0 } })).toMatchObject({ errorCode: "", deleted: true });
    expect(await replicas.execute(leader, { delete: { chunkId: "00000000000000b2", version: 3 } })).toMatchObject({ errorCode: "", deleted: false });
    expect(calls.deletes).toEqual([
      [CHUNK, undefined],
      ["00000000000000b2", 3],
    ]);
    expect((await replicas.execute(leader, { delete: { chunkId: "../etc/passwd", version: 0 } })).errorCode).toBe("INVALID");
  });

  it("refuses a request with no action", async () => {
    const { replicas } = service();
    expect(await replicas.execute(leader, {})).toMatchObject({ errorCode: "INVALID", errorMessage: "a replicate request carries a copy or a delete" });
  });

  it("copies from any swarm member (a copy removes nothing), after checking the chunk, its version and size, and the targets", async () => {
    const { calls, replicas } = service();
    expect(await replicas.execute(other, copy())).toMatchObject({ errorCode: "", sizeBytes: 1024 });
    expect(calls.writes).toEqual([{ targets: [other], expectedSizeBytes: 1024 }]);
    expect((await replicas.execute(leader, copy({ version: -1 }))).errorCode).toBe("INVALID");
    expect((await replicas.execute(leader, copy({ chunkId: "../etc/passwd" }))).errorCode).toBe("INVALID");
    expect((await replicas.execute(leader, copy({ targets: [] }))).errorCode).toBe("INVALID");
    expect((await replicas.execute(leader, copy({ targets: [{ peer: self, addresses: [] }] }))).errorCode).toBe("INVALID");
    expect((await replicas.execute(leader, copy({ targets: [{ peer: "not-a-peer", addresses: [] }] }))).errorCode).toBe("INVALID");
    expect((await replicas.execute(leader, copy({ chunkId: "00000000000000b2" }))).errorCode).toBe("CHUNK_NOT_FOUND");
    expect((await replicas.execute(leader, copy({ version: 1 }))).errorCode).toBe("CHUNK_STALE");
    expect((await replicas.execute(leader, copy({ sizeBytes: 10 }))).errorCode).toBe("CHUNK_STALE");
    expect(calls.writes).toHaveLength(1);
  });

  it("says CHUNK_EXISTS, naming the target, when a target holds that version already; any other pipeline failure is PIPELINE_FAILED", async () => {
    const { failures, replicas } = service();
    failures.push(new PipelineError("STORE", other, "the store refused", "CHUNK_EXISTS"));
    expect(await replicas.execute(leader, copy())).toMatchObject({ errorCode: "CHUNK_EXISTS", failedPeer: other });
    failures.push(new PipelineError("STORE", other, "the disk is full", "DISK_FULL"));
    expect(await replicas.execute(leader, copy())).toMatchObject({ errorCode: "PIPELINE_FAILED", failedPeer: other });
  });
});
