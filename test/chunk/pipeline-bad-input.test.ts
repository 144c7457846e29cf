// Hostile and broken input on /tessera/chunk/write/1, spoken frame by frame by a raw client:
// every bound holds with a typed rejection (an ERROR ack naming the culprit), nothing of the
// rejected write stays behind, and the replica keeps serving (STYLE.md §5; DESIGN.md
// "Protocols": a peer that sends garbage gets its stream reset, never a crash).
import { describe, it, expect, afterEach } from "vitest";
import { peerIdFromString } from "@libp2p/peer-id";
import type { Stream } from "@libp2p/interface";
import { writeChunk } from "../../src/chunk/transfer/write-pipeline.ts";
import { DATA_CONTROL_FRAME_BYTES_MAX, WRITE_PACKET_BYTES_MAX } from "../../src/chunk/transfer/data-constants.ts";
import { encodeFrame, encodeFrameLength, FrameReader } from "../../src/net/frames.ts";
import { blockCrcsOf } from "../../src/chunk/transfer/pipeline-packets.ts";
import { WriteAck, WriteFrame, WriteHeader } from "../../src/protocol/pb/data.ts";
import { DataCluster, patternBytes, type DataNode } from "./pipeline-harness.ts";
import { waitFor } from "../support/wait.ts";
import { CHUNK_WRITE_PROTOCOL } from "../../src/protocol/ids.ts";
import { WRITE_PIPELINE_TARGETS_MAX } from "../../src/protocol/limits.ts";

const MiB = 1024 * 1024;
let cluster: DataCluster;

afterEach(async () => {
  await cluster?.stop();
});

async function open(from: DataNode, to: DataNode): Promise<{ stream: Stream; reader: FrameReader; nextAck(): Promise<WriteAck> }> {
  const stream = await from.host.dialProtocol(peerIdFromString(to.id), CHUNK_WRITE_PROTOCOL);
  const reader = new FrameReader(stream);
  return { stream, reader, nextAck: () => reader.readFrame(WriteAck, DATA_CONTROL_FRAME_BYTES_MAX, 10_000) };
}

function packetFrame(seq: number, payload: Uint8Array, crcs = blockCrcsOf(payload), sizeBytes = payload.length): Uint8Array {
  return encodeFrame(WriteFrame, { kind: WriteFrame.Kind.PACKET, seq, sizeBytes, blockCrcs: crcs, totalBytes: 0, packetCount: 0, checksumDigest: 0 });
}

async function expectStillServing(client: DataNode, replicas: DataNode[], chunkId: string): Promise<void> {
  const result = await writeChunk(client.host, { chunkId, version: 1, targets: replicas.map((node) => node.id), data: patternBytes(MiB, 99) });
  expect(result.replicas).toHaveLength(replicas.length);
}

async function expectNoWriter(node: DataNode, chunkId: string, version: number): Promise<void> {
  await waitFor(
    "writer released",
    async () => {
      if (node.store!.stat(chunkId)) return false;
      const writer = await node.store!.createWriter(chunkId, version);
      await writer.abort();
      return true;
    },
    { timeoutMs: 10_000 },
  );
}

describe("write protocol rejects bad input with typed errors", () => {
  it("a packet with a bad CRC is rejected at the first hop, which names itself; the hop below aborts too", async () => {
    cluster = new DataCluster();
    const [client, first, second] = await cluster.addAll(["none", "memory", "memory"]);
    const link = await open(client!, first!);
    link.stream.send(encodeFrame(WriteHeader, { chunkId: "0000000000000a01", version: 1, pipeline: [second!.id] }));
    expect((await link.nextAck()).kind).toBe(WriteAck.Kind.READY);
    const good = patternBytes(256 * 1024, 1);
    link.stream.send(packetFrame(0, good));
    link.stream.send(good);
    const bad = patternBytes(256 * 1024, 2);
    const crcs = blockCrcsOf(bad);
    crcs[5] ^= 0x01; // the second block's CRC
    link.stream.send(packetFrame(1, bad, crcs));
    link.stream.send(bad);
    let ack = await link.nextAck();
    while (ack.kind === WriteAck.Kind.PACKET) ack = await link.nextAck();
    expect(ack.kind).toBe(WriteAck.Kind.ERROR);
    expect(ack.error?.code).toBe("CHECKSUM_MISMATCH");
    expect(ack.error?.failedPeer).toBe(first!.id);
    expect(ack.error?.message).toContain("block 1");
    expect(first!.service!.stats.write.checksumErrors).toBe(1);
    await expectNoWriter(first!, "0000000000000a01", 1);
    await expectNoWriter(second!, "0000000000000a01", 1);
    await expectStillServing(client!, [first!, second!], "0000000000000a02");
  });

  it("an oversized header is rejected before its body is read", async () => {
    cluster = new DataCluster();
    const [client, replica] = await cluster.addAll(["none", "memory"]);
    const link = await open(client!, replica!);
    link.stream.send(encodeFrameLength(DATA_CONTROL_FRAME_BYTES_MAX + 1));
    const ack = await link.nextAck();
    expect(ack.kind).toBe(WriteAck.Kind.ERROR);
    expect(ack.error?.code).toBe("PROTOCOL");
    expect(ack.error?.failedPeer).toBe(client!.id);
    expect(ack.error?.message).toContain("exceeds the limit");
    await expectStillServing(client!, [replica!], "0000000000000b01");
  });

  it("a header naming too many replicas, or this replica itself, is rejected", async () => {
    cluster = new DataCluster();
    const [client, replica, other] = await cluster.addAll(["none", "memory", "memory"]);
    for (const pipeline of [Array.from({ length: WRITE_PIPELINE_TARGETS_MAX }, () => other!.id), [replica!.id], [other!.id, other!.id], ["not-a-peer-id"]]) {
      const link = await open(client!, replica!);
      link.stream.send(encodeFrame(WriteHeader, { chunkId: "0000000000000c01", version: 1, pipeline }));
      const ack = await link.nextAck();
      expect(ack.kind).toBe(WriteAck.Kind.ERROR);
      expect(ack.error?.code).toBe("PROTOCOL");
    }
    const link = await open(client!, replica!);
    link.stream.send(encodeFrame(WriteHeader, { chunkId: "../../etc/passwd", version: 1, pipeline: [] }));
    expect((await link.nextAck()).error?.code).toBe("PROTOCOL");
    await expectNoWriter(replica!, "0000000000000c01", 1);
    await expectStillServing(client!, [replica!, other!], "0000000000000c02");
  });

  it("an oversized packet is rejected, the writer aborted, and the replica keeps serving", async () => {
    cluster = new DataCluster();
    const [client, replica] = await cluster.addAll(["none", "memory"]);
    const link = await open(client!, replica!);
    link.stream.send(encodeFrame(WriteHeader, { chunkId: "0000000000000d01", version: 1, pipeline: [] }));
    expect((await link.nextAck()).kind).toBe(WriteAck.Kind.READY);
    const payload = patternBytes(WRITE_PACKET_BYTES_MAX + 64 * 1024, 3);
    link.stream.send(packetFrame(0, payload));
    const ack = await link.nextAck();
    expect(ack.kind).toBe(WriteAck.Kind.ERROR);
    expect(ack.error?.code).toBe("PROTOCOL");
    expect(ack.error?.message).toContain(`packet of ${payload.length} bytes`);
    await expectNoWriter(replica!, "0000000000000d01", 1);
    await expectStillServing(client!, [replica!], "0000000000000d02");
  });

  it("packets out of order, a commit that does not add up, and an upstream that vanishes all abort the write", async () => {
    cluster = new DataCluster();
    const [client, replica] = await cluster.addAll(["none", "memory"]);
    const payload = patternBytes(128 * 1024, 4);

    let link = await open(client!, replica!);
    link.stream.send(encodeFrame(WriteHeader, { chunkId: "0000000000000e01", version: 1, pipeline: [] }));
    await link.nextAck();
    link.stream.send(packetFrame(1, payload));
    link.stream.send(payload);
    expect((await link.nextAck()).error?.message).toContain("packet 1 where 0 was due");
    await expectNoWriter(replica!, "0000000000000e01", 1);

    link = await open(client!, replica!);
    link.stream.send(encodeFrame(WriteHeader, { chunkId: "0000000000000e01", version: 1, pipeline: [] }));
    await link.nextAck();
    link.stream.send(packetFrame(0, payload));
    link.stream.send(payload);
    link.stream.send(encodeFrame(WriteFrame, { kind: WriteFrame.Kind.COMMIT, seq: 0, sizeBytes: 0, blockCrcs: new Uint8Array(0), totalBytes: payload.length + 1, packetCount: 1, checksumDigest: 0 }));
    let ack = await link.nextAck();
    while (ack.kind === WriteAck.Kind.PACKET) ack = await link.nextAck();
    expect(ack.error?.code).toBe("PROTOCOL");
    await expectNoWriter(replica!, "0000000000000e01", 1);

    link = await open(client!, replica!);
    link.stream.send(encodeFrame(WriteHeader, { chunkId: "0000000000000e01", version: 1, pipeline: [] }));
    await link.nextAck();
    link.stream.send(packetFrame(0, payload));
    link.stream.send(payload.subarray(0, 1000));
    link.stream.abort(new Error("client vanished"));
    await expectNoWriter(replica!, "0000000000000e01", 1);
    await expectStillServing(client!, [replica!], "0000000000000e02");
  });
});
