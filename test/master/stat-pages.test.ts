// A stat of a file of many chunks (a concat of 10,000 parts) is answered a page at a time
// within the metadata message bound, and the client puts the pages back together: on the
// leader's file-system service over a namespace and fakes of Raft and membership, and the
// client's paging (src/client/stat-pages.ts) over a fake call.
import { describe, expect, it } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { chunksThatFit, chunkWireBytes, FsService } from "../../src/master/rpc/fs-service.ts";
import { statWhole, STAT_RESTARTS_MAX } from "../../src/client/stat-pages.ts";
import { FileChunk, FileStatus, MetaResponse } from "../../src/protocol/pb/meta.ts";
import { META_RPC_LIMITS, STAT_CHUNKS_BYTES_MAX } from "../../src/protocol/limits.ts";
import type { MetaCall } from "../../src/protocol/meta.ts";
import type { RaftNode } from "../../src/raft/node.ts";
import type { MembershipService } from "../../src/membership/service.ts";
import type { ChunkLocations } from "../../src/master/cluster/locations.ts";
import { createLogger } from "../../src/util/log.ts";

const CLIENT = "12D3KooWPeerA/abc";
const PEERS = ["12D3KooWPeerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "12D3KooWPeerBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "12D3KooWPeerCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"];

/** The leader's service over `ns`: every peer alive with two addresses, no block reports yet. */
function service(ns: Namespace): FsService {
  const record = (id: string) => ({ id, heartbeat: { rack: "/default-rack", addresses: ["/ip4/10.0.0.12/tcp/40001", "/ip6/::1/tcp/40001"] } });
  const membership = { table: { inState: () => PEERS.map(record), get: (id: string) => record(id), list: () => [] } } as unknown as MembershipService;
  const locations = { currentReplicas: () => [] } as unknown as ChunkLocations;
  const raft = { isLeader: true, readBarrier: async () => undefined } as unknown as RaftNode;
  return new FsService({ raft, namespace: ns, membership, locations, log: createLogger("test") });
}

/** A closed file of `count` committed one-byte chunks. */
function fileOfChunks(ns: Namespace, path: string, count: number): void {
  let index = ns.appliedIndex();
  const { fileId } = ns.applyCommand({ create: { path, replication: 3, chunkSizeBytes: 1 << 20, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1 } }, ++index) as { fileId: number };
  for (let i = 0; i < count; i++) {
    const chunk = ns.applyCommand({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS, version: 1 } }, ++index) as { chunkId: string };
    ns.applyCommand({ commitChunk: { fileId, clientId: CLIENT, chunkId: chunk.chunkId, version: 1, sizeBytes: 1, ...(i === count - 1 ? { complete: true, mtimeMs: 2 } : {}) } }, ++index);
  }
}

describe("a stat of a file of many chunks", () => {
  it("is answered in pages within the message bound, which the client puts back together in order", async () => {
    const ns = Namespace.open();
    const count = 6_000;
    fileOfChunks(ns, "/big", count);
    const fs = service(ns);
    const answers: FileStatus[] = [];
    const call = (async (kind: string, body: { path: string; chunksFrom?: number }) => {
      expect(kind).toBe("stat");
      const answer = await fs.handlers.stat({ path: body.path, ...(body.chunksFrom !== undefined ? { chunksFrom: body.chunksFrom } : {}) });
      expect(MetaResponse.encode({ stat: answer }).length).toBeLessThan(META_RPC_LIMITS.messageBytesMax);
      answers.push(answer);
      return answer;
    }) as unknown as MetaCall;
    const whole = await statWhole(call, "/big");
    expect(answers.length).toBeGreaterThan(1);
    expect(answers.slice(0, -1).every((answer) => answer.chunksNext !== undefined)).toBe(true);
    expect(answers[answers.length - 1]!.chunksNext).toBeUndefined();
    expect(whole.chunksNext).toBeUndefined();
    expect(whole.chunks.map((chunk) => chunk.index)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(whole.sizeBytes).toBe(count);
    // Each chunk's share is bounded from above: a page never passes its budget.
    for (const chunk of whole.chunks.slice(0, 10)) expect(FileChunk.encode(chunk).length + 4).toBeLessThanOrEqual(chunkWireBytes(chunk));
    // A small file is one answer, as before.
    fileOfChunks(ns, "/small", 3);
    const small = await fs.handlers.stat({ path: "/small" });
    expect(small.chunks).toHaveLength(3);
    expect(small.chunksNext).toBeUndefined();
  });

  it("reads a small file's chunks with the status alone (a short page is the last), and noChunks gives the status without them", async () => {
    const ns = Namespace.open();
    fileOfChunks(ns, "/three", 3);
    const fs = service(ns);
    let pagesAsked = 0;
    const chunksOfFile = ns.chunksOfFile.bind(ns);
    ns.chunksOfFile = (...args: Parameters<Namespace["chunksOfFile"]>) => {
      pagesAsked += 1;
      return chunksOfFile(...args);
    };
    const whole = await fs.handlers.stat({ path: "/three" });
    expect(whole.chunks.map((chunk) => chunk.index)).toEqual([0, 1, 2]);
    expect(pagesAsked).toBe(0);
    // As HDFS's getFileInfo: the same status, no chunk list.
    const bare = await fs.handlers.stat({ path: "/three", noChunks: true });
    expect(bare.chunks).toEqual([]);
    expect(bare.chunksNext).toBeUndefined();
    expect({ ...bare, chunks: whole.chunks }).toEqual(whole);
    await expect(fs.handlers.stat({ path: "/three", noChunks: true, chunksFrom: 1 })).rejects.toThrow(/names no page/);
  });

  it("a page always moves on: the first chunk fits whatever its size", () => {
    const chunk = (index: number): FileChunk => ({ chunkId: index.toString(16).padStart(16, "0"), index, version: 1, sizeBytes: 1, committed: true, replicas: [{ peer: "p", rack: "/r", addresses: ["/ip4/1.2.3.4/tcp/1"], tier: "" }] });
    const chunks = [chunk(0), chunk(1), chunk(2)];
    const one = chunkWireBytes(chunks[0]!);
    expect(chunksThatFit(chunks, 3 * one, true)).toBe(3);
    expect(chunksThatFit(chunks, 2 * one, true)).toBe(2);
    expect(chunksThatFit(chunks, 1, true)).toBe(1);
    expect(chunksThatFit(chunks, 1, false)).toBe(0);
    expect(STAT_CHUNKS_BYTES_MAX).toBeLessThan(META_RPC_LIMITS.messageBytesMax);
  });

  it("starts again when the path names another file between pages, and refuses a master that pages backwards", async () => {
    const status = (fileId: number, from: number, next?: number): FileStatus => ({
      path: "/k",
      kind: FileStatus.Kind.FILE,
      sizeBytes: 0,
      replication: 1,
      chunkSizeBytes: 1,
      mtimeMs: 0,
      state: FileStatus.State.CLOSED,
      fileId,
      owner: "",
      group: "",
      permission: 0,
      accessTimeMs: 0,
      chunks: [{ chunkId: from.toString(16).padStart(16, "0"), index: from, version: 1, sizeBytes: 1, committed: true, replicas: [] }],
      ...(next !== undefined ? { chunksNext: next } : {}),
    });
    // File 1 is replaced by file 2 after the first page: the stat starts again on file 2.
    const answers = [status(1, 0, 1), status(2, 1, 2), status(2, 0, 1), status(2, 1)];
    const asked: Array<number | undefined> = [];
    const call = (async (_kind: string, body: { chunksFrom?: number }) => {
      asked.push(body.chunksFrom);
      return answers.shift()!;
    }) as unknown as MetaCall;
    const whole = await statWhole(call, "/k");
    expect(asked).toEqual([undefined, 1, undefined, 1]);
    expect(whole.fileId).toBe(2);
    expect(whole.chunks.map((chunk) => chunk.index)).toEqual([0, 1]);
    // Replaced every time: it gives up after STAT_RESTARTS_MAX restarts.
    let fileId = 10;
    const churning = (async (_kind: string, body: { chunksFrom?: number }) => (body.chunksFrom === undefined ? status(++fileId, 0, 1) : status(++fileId, 1))) as unknown as MetaCall;
    await expect(statWhole(churning, "/k")).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect(fileId).toBe(10 + 2 * (STAT_RESTARTS_MAX + 1));
    const backwards = (async () => status(1, 0, 0)) as unknown as MetaCall;
    await expect(statWhole(backwards, "/k")).rejects.toMatchObject({ code: "PROTOCOL" });
  });
});
