// Every framing reader: src/net/frames.ts's FrameReader (varint-prefixed frames, bounded,
// paused past a high-water mark) with each protocol's codecs and bounds (the chunk write
// pipeline, chunk reads, Raft snapshot transfers), the chunk servers' write and read handlers
// end to end over a stream in memory, the multiplexed RPC server (src/net/mux-rpc.ts), the
// AES-GCM record layer (src/net/encryption-stream.ts) and the Raft message codec
// (src/raft/codec.ts). Fed whole sessions cut into arbitrary pieces, then cut short, mutated
// or with lying length prefixes: a reader answers the frames that were sent, or refuses with
// its protocol's error, and always finishes once the stream ends (a wait past the end of the
// bytes is a hang).
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { AbstractMultiaddrConnection } from "@libp2p/utils";
import { multiaddr } from "@multiformats/multiaddr";
import { Uint8ArrayList } from "uint8arraylist";
import * as lp from "it-length-prefixed";
import type { Connection, Logger as Libp2pLogger, StreamMessageEvent } from "@libp2p/interface";
import { DataProtocolError, DataStreamClosedError, encodeFrame, encodeFrameLength, FrameReader, FrameTooLargeError, type FrameDecoder } from "../../src/net/frames.ts";
import { AesGcmRecordStream, RecordFormatError } from "../../src/net/encryption-stream.ts";
import { AeadAuthenticationError } from "../../src/net/aead-aes-gcm.ts";
import { registerHandler } from "../../src/net/rpc.ts";
import type { TesseraHost } from "../../src/net/host.ts";
import { decodeRaftMessage, encodeRaftMessage } from "../../src/raft/codec.ts";
import { InvalidMessageError, UnknownMessageTypeError } from "../../src/raft/errors.ts";
import type { Message } from "../../src/raft/types.ts";
import { ReadFrame, ReadRequest, ReadResponse, WriteAck, WriteFrame, WriteHeader } from "../../src/protocol/pb/data.ts";
import { SnapshotPiece, SnapshotVerdict } from "../../src/protocol/pb/raft-snapshot.ts";
import { RpcFrame } from "../../src/protocol/pb/rpc.ts";
import { MetaRequest, MetaResponse } from "../../src/protocol/pb/meta.ts";
import { DATA_CONTROL_FRAME_BYTES_MAX, READ_RESPONSE_FRAME_BYTES_MAX } from "../../src/chunk/transfer/data-constants.ts";
import { handleWriteStream, newWriteCounters } from "../../src/chunk/transfer/write-pipeline.ts";
import { handleReadStream, newReadCounters } from "../../src/chunk/transfer/read-protocol.ts";
import { blockCrcsOf, CrcList } from "../../src/chunk/transfer/pipeline-packets.ts";
import { MemoryChunkStore } from "../../src/chunk/store/memory-store.ts";
import type { Logger } from "../../src/util/log.ts";
import type { FuzzTarget } from "./registry.ts";
import { cuts, hostileLength, isEngineError, MemoryStream, muxServerInMemory, mutateAll, mutations, onlyRejects, onlyThrows, protobufFields, split, unprefixed, UnexpectedThrowError, varint, withDeadline } from "./support.ts";
import { isProtobufRefusal } from "./targets-protobuf.ts";

/** How long a reader may take after its stream ended: far more than any case needs, far less than a real timeout. */
const SETTLE_MS = 5_000;
// The handlers log every refusal; thousands of cases would drown the output.
const quietLog: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLog };

// --- FrameReader --------------------------------------------------------------------------------

const isFrameRefusal = (thrown: unknown) => thrown instanceof DataProtocolError || thrown instanceof DataStreamClosedError;

/** A session of frames on the wire: bodies encoded with their prefixes, or a prefix that lies. */
const frameSession = fc.array(
  fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 300 }).map((body) => ({ body, wire: encodeFrame({ encode: (b: Uint8Array) => b }, body) })), weight: 6 },
    { arbitrary: hostileLength.map((length) => ({ body: undefined, wire: encodeFrameLength(length) })), weight: 1 },
    { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((wire) => ({ body: undefined, wire: Uint8Array.from([...wire].map((b) => b | 0x80)) })), weight: 1 },
  ),
  { maxLength: 8 },
);

const identity: FrameDecoder<Uint8Array> = { decode: (data) => Uint8Array.from(data.subarray()) };

async function readAll<T>(reader: FrameReader, codec: FrameDecoder<T>, maxBytes: number, limit = 64): Promise<{ frames: T[]; error: unknown }> {
  const frames: T[] = [];
  for (let i = 0; i < limit; i++) {
    try {
      frames.push(await reader.readFrame(codec, maxBytes, SETTLE_MS * 2));
    } catch (error) {
      return { frames, error };
    }
  }
  return { frames, error: undefined };
}

const frameReaderTarget: FuzzTarget = {
  name: "net/frame-reader",
  suiteRuns: 1_500,
  property: () =>
    fc.asyncProperty(frameSession, cuts, fc.constantFrom(64, 256, 8 * 1024 * 1024), fc.integer({ min: 0, max: 400 }), async (session, at, highWaterBytes, maxBytes) => {
      const stream = new MemoryStream();
      const reader = new FrameReader(stream.asStream(), highWaterBytes);
      const wire = Uint8Array.from(session.flatMap((frame) => [...frame.wire]));
      void stream.deliver(split(wire, at));
      const { frames, error } = await withDeadline(readAll(reader, identity, maxBytes), SETTLE_MS, "FrameReader.readFrame");
      if (!isFrameRefusal(error) || isEngineError(error)) throw new UnexpectedThrowError(error, "FrameReader.readFrame");
      // The frames before the first that lies or is over the bound are read, whole and in order.
      const firstBad = session.findIndex((frame) => frame.body === undefined || frame.body.length > maxBytes);
      const good = (firstBad < 0 ? session : session.slice(0, firstBad)).map((frame) => [...frame.body!]);
      if (frames.length < good.length) throw new Error(`read ${frames.length} of ${good.length} valid frames: ${String(error)}`);
      if (!isDeepStrictEqual(frames.slice(0, good.length).map((f) => [...f]), good)) throw new Error("the frames read are not the frames sent");
      if (firstBad < 0 && (frames.length !== good.length || !(error instanceof DataStreamClosedError))) throw new Error(`a clean end read as ${String(error)}`);
      // A frame over the bound is refused from its prefix, before its body is awaited.
      if (firstBad >= 0 && session[firstBad]!.body !== undefined && (frames.length !== good.length || !(error instanceof FrameTooLargeError))) {
        throw new Error(`a frame over the bound was refused with ${String(error)}, not FrameTooLargeError`);
      }
      reader.dispose();
    }) as unknown as fc.IAsyncProperty<never>,
};

/** A protocol's control frames through FrameReader with its codecs and bounds. */
function codecFramesTarget(name: string, codecs: Array<{ codec: FrameDecoder<unknown> & { encode(m: never): Uint8Array }; maxBytes: number }>): FuzzTarget {
  return {
    name,
    suiteRuns: 600,
    property: () =>
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: codecs.length - 1 }), fc.oneof(protobufFields, fc.uint8Array({ maxLength: 64 }))), { maxLength: 6 }),
        fc.option(mutations, { nil: undefined }),
        cuts,
        async (bodies, edits, at) => {
          const stream = new MemoryStream();
          const reader = new FrameReader(stream.asStream());
          let wire: Uint8Array = Uint8Array.from(bodies.flatMap(([, body]) => [...varint(body.length), ...body]));
          if (edits) wire = mutateAll(wire, edits);
          void stream.deliver(split(wire, at));
          for (const [index] of bodies) {
            const { codec, maxBytes } = codecs[index]!;
            const frame = await onlyRejects(`FrameReader.readFrame(${name})`, () => reader.readFrame(codec, maxBytes, SETTLE_MS * 2), isFrameRefusal, SETTLE_MS);
            if (frame === undefined) break;
            // What a codec answered, it can write again.
            codec.encode(frame as never);
          }
          reader.dispose();
        },
      ) as unknown as fc.IAsyncProperty<never>,
  };
}

// Bounds as src/raft/snapshot-transfer.ts sets them (module constants there).
const SNAPSHOT_PIECE_FRAME_BYTES_MAX = 64;
const SNAPSHOT_VERDICT_FRAME_BYTES_MAX = 4 * 1024;
const SNAPSHOT_MESSAGE_FRAME_BYTES_MAX = 256 * 1024;
const raftMessageFrame = { decode: (data: Uint8Array | Uint8ArrayList) => decodeRaftMessage(data.subarray()), encode: (m: Message) => encodeRaftMessage(m) };

const pipelineFramesTarget = codecFramesTarget("chunk/pipeline-frames", [
  { codec: WriteHeader as never, maxBytes: DATA_CONTROL_FRAME_BYTES_MAX },
  { codec: WriteFrame as never, maxBytes: DATA_CONTROL_FRAME_BYTES_MAX },
  { codec: WriteAck as never, maxBytes: DATA_CONTROL_FRAME_BYTES_MAX },
]);
const readFramesTarget = codecFramesTarget("chunk/read-frames", [
  { codec: ReadRequest as never, maxBytes: DATA_CONTROL_FRAME_BYTES_MAX },
  { codec: ReadResponse as never, maxBytes: READ_RESPONSE_FRAME_BYTES_MAX },
  { codec: ReadFrame as never, maxBytes: DATA_CONTROL_FRAME_BYTES_MAX },
]);
const snapshotFramesTarget = codecFramesTarget("raft/snapshot-frames", [
  { codec: raftMessageFrame as never, maxBytes: SNAPSHOT_MESSAGE_FRAME_BYTES_MAX },
  { codec: SnapshotPiece as never, maxBytes: SNAPSHOT_PIECE_FRAME_BYTES_MAX },
  { codec: SnapshotVerdict as never, maxBytes: SNAPSHOT_VERDICT_FRAME_BYTES_MAX },
]);

// --- the chunk servers' handlers ----------------------------------------------------------------

const SELF = "12D3KooWSelfSelfSelfSelfSelfSelfSelfSelfSelfSelfSelfSe";
const fakeHost = { peerId: { toString: () => SELF } } as unknown as TesseraHost;
const fakeConnection = { remotePeer: { toString: () => "upstream-peer" } } as unknown as Connection;
const CHUNK_ID = "00000000000000aa";

/** A whole valid write session of `data` in packets of `packetBytes`: header, packets, commit. */
function writeSession(data: Uint8Array, packetBytes: number, version: number): Uint8Array {
  const parts: Uint8Array[] = [encodeFrame(WriteHeader, { chunkId: CHUNK_ID, version, pipeline: [], expectedSizeBytes: data.length })];
  const crcs = new CrcList();
  let seq = 0;
  for (let offset = 0; offset < data.length; offset += packetBytes) {
    const payload = data.subarray(offset, Math.min(data.length, offset + packetBytes));
    const blockCrcs = blockCrcsOf(payload);
    crcs.append(blockCrcs);
    parts.push(encodeFrame(WriteFrame, { kind: WriteFrame.Kind.PACKET, seq: seq++, sizeBytes: payload.length, blockCrcs, totalBytes: 0, packetCount: 0, checksumDigest: 0 } as WriteFrame), payload);
  }
  parts.push(encodeFrame(WriteFrame, { kind: WriteFrame.Kind.COMMIT, seq: 0, sizeBytes: 0, blockCrcs: new Uint8Array(0), totalBytes: data.length, packetCount: seq, checksumDigest: crcs.digest() } as WriteFrame));
  return new Uint8ArrayList(...parts).subarray();
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const list = new Uint8ArrayList();
  for await (const piece of source) list.append(piece);
  return list.subarray();
}

const writeHandlerTarget: FuzzTarget = {
  name: "chunk/write-handler",
  suiteRuns: 400,
  property: () =>
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 3 * 64 * 1024 + 100 }).filter((d) => d.length > 0),
      fc.constantFrom(64 * 1024, 128 * 1024),
      fc.option(mutations, { nil: undefined }),
      cuts,
      async (data, packetBytes, edits, at) => {
        const store = new MemoryChunkStore();
        const stream = new MemoryStream();
        const valid = writeSession(data, packetBytes, 1);
        const wire = edits ? mutateAll(valid, edits) : valid;
        void stream.deliver(split(wire, at));
        const ctx = { host: fakeHost, store, log: quietLog, counters: newWriteCounters(), active: new Set<never>() };
        await onlyRejects("handleWriteStream", () => handleWriteStream(ctx, stream.asStream(), fakeConnection), () => false, SETTLE_MS);
        // The handler answered (COMMITTED or ERROR) and left nothing half-open.
        const acks = stream.sent.map((frame) => onlyThrows("WriteAck of the handler", () => WriteAck.decode(unprefixed(frame)), () => false));
        if (acks.length === 0) throw new Error("the write handler answered nothing");
        const committed = store.stat(CHUNK_ID);
        if (wire === valid || isDeepStrictEqual([...wire], [...valid])) {
          if (committed === undefined) throw new Error(`a valid write was not committed: ${JSON.stringify(acks.map((a) => a?.error?.message ?? a?.kind))}`);
        }
        // Whatever was committed is exactly what was sent (a mutated session commits only if still valid).
        if (committed !== undefined) {
          const stored = await collect(store.createReadStream(CHUNK_ID, committed.version));
          if (!isDeepStrictEqual([...stored], [...data])) throw new Error(`the chunk committed holds ${stored.length} bytes, not the ${data.length} sent`);
        }
        if (ctx.active.size > 0 && stream.status === "open") throw new Error("a pipeline stage is still active after its stream ended");
      },
    ) as unknown as fc.IAsyncProperty<never>,
};

const readHandlerTarget: FuzzTarget = {
  name: "chunk/read-handler",
  suiteRuns: 600,
  async setup() {
    const store = new MemoryChunkStore();
    const writer = await store.createWriter(CHUNK_ID, 3);
    const data = new Uint8Array(randomBytes(200_000));
    await writer.write(data);
    await writer.commit();
    return store;
  },
  property: (store) =>
    fc.asyncProperty(
      fc.record({ chunkId: fc.constantFrom(CHUNK_ID, "00000000000000bb", "../../etc/passwd", ""), version: fc.constantFrom(3, 2, 0, Number.MAX_SAFE_INTEGER), offsetBytes: fc.oneof(fc.nat({ max: 250_000 }), hostileLength), lengthBytes: fc.oneof(fc.nat({ max: 250_000 }), hostileLength) }),
      fc.option(mutations, { nil: undefined }),
      cuts,
      async (request, edits, at) => {
        const stream = new MemoryStream();
        let wire = encodeFrame(ReadRequest, request as ReadRequest);
        if (edits) wire = mutateAll(wire, edits);
        void stream.deliver(split(wire, at));
        const ctx = { store: store as MemoryChunkStore, log: quietLog, counters: newReadCounters() };
        await onlyRejects("handleReadStream", () => handleReadStream(ctx, stream.asStream(), fakeConnection), () => false, SETTLE_MS);
        if (stream.sent.length === 0) throw new Error("the read handler answered nothing");
        const first = stream.sent[0]!;
        onlyThrows("the handler's ReadResponse", () => ReadResponse.decode(unprefixed(first)), () => false);
      },
    ) as unknown as fc.IAsyncProperty<never>,
};

// --- multiplexed RPC ----------------------------------------------------------------------------

interface MuxContext {
  serve(stream: MemoryStream): void;
}

const muxRpcTarget: FuzzTarget<MuxContext> = {
  name: "net/mux-rpc",
  suiteRuns: 300,
  async setup() {
    const serve = await muxServerInMemory(
      {
        protocol: "/fuzz/mux/1",
        requestCodec: MetaRequest,
        responseCodec: MetaResponse,
        messageBytesMax: 4 * 1024,
        maxInboundStreams: 1,
        log: quietLog,
        handle: async () => ({}) as MetaResponse,
        refuse: () => ({}) as MetaResponse,
      },
      fakeConnection,
    );
    return { serve };
  },
  property: (context) =>
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat({ max: 2 ** 32 }), fc.oneof(protobufFields, fc.uint8Array({ maxLength: 40 }))), { maxLength: 6 }),
      fc.option(mutations, { nil: undefined }),
      cuts,
      async (requests, edits, at) => {
        const stream = new MemoryStream();
        const valid = new Uint8ArrayList(...requests.map(([id, body]) => lp.encode.single(RpcFrame.encode({ id, body: body.slice() })))).subarray();
        const wire = edits ? mutateAll(valid, edits) : valid;
        context.serve(stream);
        void stream.deliver(split(wire, at));
        // The server finishes the stream: closed after the last request, or reset for garbage.
        await withDeadline(waitFor(() => stream.status !== "open" && stream.sent.length >= (wire === valid ? requests.length : 0)), SETTLE_MS, "the mux server");
        if (stream.abortedWith && isEngineError(stream.abortedWith)) throw new UnexpectedThrowError(stream.abortedWith, "the mux server");
        if (wire === valid) {
          // Every request is answered under its id (refused if its body does not decode).
          const ids = stream.sent.map((bytes) => RpcFrame.decode(unprefixed(bytes)).id);
          if (ids.length !== requests.length) throw new Error(`${requests.length} requests, ${ids.length} answers`);
        }
      },
    ) as unknown as fc.IAsyncProperty<never>,
};


// --- one-shot RPC (src/net/rpc.ts: one length-prefixed request, one answer, per stream) --------

interface OneShotContext {
  serve(stream: MemoryStream): Promise<void>;
}

const oneShotRpcTarget: FuzzTarget<OneShotContext> = {
  name: "net/rpc-one-shot",
  suiteRuns: 500,
  async setup() {
    let handler: ((stream: unknown, connection: Connection) => Promise<void>) | undefined;
    const host = { handle: async (_protocol: string, h: typeof handler) => void (handler = h) } as unknown as TesseraHost;
    await registerHandler(host, {
      protocol: "/fuzz/rpc/1",
      requestCodec: MetaRequest,
      responseCodec: MetaResponse,
      messageBytesMax: 4 * 1024,
      timeoutMs: SETTLE_MS * 2,
      maxInboundStreams: 1,
      log: quietLog,
      handle: () => ({}) as MetaResponse,
    });
    return { serve: (stream) => handler!(stream.asStream(), fakeConnection) };
  },
  property: (context) =>
    fc.asyncProperty(fc.oneof(protobufFields, fc.uint8Array({ maxLength: 40 })), fc.option(mutations, { nil: undefined }), fc.option(hostileLength, { nil: undefined }), cuts, async (body, edits, lyingLength, at) => {
      const stream = new MemoryStream();
      const valid = Uint8Array.from([...varint(lyingLength ?? body.length), ...body]);
      const wire = edits ? mutateAll(valid, edits) : valid;
      void stream.deliver(split(wire, at));
      // The handler settles once the stream ended: answered and closed, or reset.
      await onlyRejects("the one-shot RPC handler", () => context.serve(stream), () => false, SETTLE_MS);
      if (stream.abortedWith && isEngineError(stream.abortedWith)) throw new UnexpectedThrowError(stream.abortedWith, "the one-shot RPC handler");
      if (stream.status === "open") throw new Error("the handler returned with its stream still open");
      const decodes = onlyThrows("MetaRequest", () => MetaRequest.decode(body), () => true) !== undefined;
      if (wire === valid && lyingLength === undefined && body.length <= 4 * 1024 && decodes && stream.sent.length === 0) throw new Error("a valid request got no answer");
    }) as unknown as fc.IAsyncProperty<never>,
};

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 0));
}

// --- AES-GCM records ----------------------------------------------------------------------------

function silentLogger(): Libp2pLogger {
  const log = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => log });
  return log as unknown as Libp2pLogger;
}

class RecordConnection extends AbstractMultiaddrConnection {
  readonly writes: Uint8Array[] = [];
  constructor() {
    super({ remoteAddr: multiaddr("/ip4/127.0.0.1/tcp/1"), direction: "outbound", log: silentLogger() });
  }
  sendData(data: Uint8ArrayList): { sentBytes: number; canSendMore: boolean } {
    for (const buf of data) this.writes.push(Uint8Array.from(buf));
    return { sentBytes: data.byteLength, canSendMore: true };
  }
  async sendClose(): Promise<void> {}
  sendReset(): void {}
  sendPause(): void {}
  sendResume(): void {}
}

const recordsTarget: FuzzTarget = {
  name: "net/encryption-records",
  suiteRuns: 300,
  property: () =>
    fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 20_000 }), { minLength: 1, maxLength: 4 }), fc.option(mutations, { nil: undefined }), cuts, async (messages, edits, at) => {
      const keyA = new Uint8Array(randomBytes(32));
      const keyB = new Uint8Array(randomBytes(32));
      const senderConnection = new RecordConnection();
      const receiverConnection = new RecordConnection();
      const sender = new AesGcmRecordStream(senderConnection, { sendKey: keyA, receiveKey: keyB, pending: new Uint8ArrayList() });
      const receiver = new AesGcmRecordStream(receiverConnection, { sendKey: keyB, receiveKey: keyA, pending: new Uint8ArrayList() });
      const got = new Uint8ArrayList();
      let closeError: Error | undefined;
      receiver.addEventListener("message", (evt: StreamMessageEvent) => got.append(evt.data));
      receiver.addEventListener("close", (evt) => (closeError = (evt as Event & { error?: Error }).error));
      // Each message in its own turn: one record each (small sends of one turn share a record).
      for (const message of messages) {
        sender.send(message);
        // Staged sends go out in a setImmediate; wait for it before the next.
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      const valid = new Uint8ArrayList(...senderConnection.writes).subarray();
      const wire = edits ? mutateAll(valid, edits) : valid;
      for (const piece of split(wire, at)) receiverConnection.onData(piece);
      const plaintext = new Uint8ArrayList(...messages).subarray();
      const received = got.subarray();
      if (closeError !== undefined && !(closeError instanceof RecordFormatError || closeError instanceof AeadAuthenticationError)) throw new UnexpectedThrowError(closeError, "the record reader");
      // What is released is always a prefix of what was sent, in whole records: no forged byte.
      if (!isDeepStrictEqual([...received], [...plaintext.subarray(0, received.length)])) throw new Error("the record layer released bytes that were not sent");
      if (isDeepStrictEqual([...wire], [...valid]) && received.length !== plaintext.length) throw new Error("an untouched record stream was not delivered whole");
      sender.abort(new Error("done"));
      receiver.abort(new Error("done"));
    }) as unknown as fc.IAsyncProperty<never>,
};

// --- Raft messages ------------------------------------------------------------------------------

const PEERS = ["12D3KooWAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "12D3KooWBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "p"];
const n = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const peer = fc.constantFrom(...PEERS);
const entry = fc.record({ index: n, term: n, type: fc.constantFrom("normal" as const, "conf" as const), data: fc.uint8Array({ maxLength: 50 }) });
const raftMessage: fc.Arbitrary<Message> = fc
  .record({ from: peer, to: peer, term: n, index: n, logTerm: n, commit: n, reject: fc.boolean(), rejectHint: n, ctx: fc.string({ maxLength: 10 }), round: n, force: fc.boolean(), offset: n, done: fc.boolean(), snapshotIndex: n, nextOffset: n, entries: fc.array(entry, { maxLength: 4 }), data: fc.uint8Array({ maxLength: 50 }), voters: fc.array(peer, { maxLength: 3 }) })
  .chain((f) =>
    fc.constantFrom<Message>(
      { type: "app", from: f.from, to: f.to, term: f.term, index: f.index, logTerm: f.logTerm, commit: f.commit, entries: f.entries },
      { type: "appResp", from: f.from, to: f.to, term: f.term, index: f.index, reject: f.reject, rejectHint: f.rejectHint, logTerm: f.logTerm },
      { type: "heartbeat", from: f.from, to: f.to, term: f.term, commit: f.commit, ctx: f.ctx, round: f.round },
      { type: "heartbeatResp", from: f.from, to: f.to, term: f.term, ctx: f.ctx, round: f.round },
      { type: "vote", from: f.from, to: f.to, term: f.term, index: f.index, logTerm: f.logTerm, force: f.force },
      { type: "preVoteResp", from: f.from, to: f.to, term: f.term, reject: f.reject },
      { type: "snapshot", from: f.from, to: f.to, term: f.term, meta: { index: f.index, term: f.logTerm, confState: { voters: f.voters, learners: [] } }, offset: f.offset, data: f.data, done: f.done },
      { type: "snapshotResp", from: f.from, to: f.to, term: f.term, snapshotIndex: f.snapshotIndex, nextOffset: f.nextOffset, reject: f.reject },
      { type: "timeoutNow", from: f.from, to: f.to, term: f.term },
      { type: "transferLeader", from: f.from, to: f.to, term: f.term, transferee: f.to },
      { type: "readIndex", from: f.from, to: f.to, term: f.term, ctx: f.ctx },
      { type: "readIndexResp", from: f.from, to: f.to, term: f.term, ctx: f.ctx, index: f.index },
    ) as fc.Arbitrary<Message>,
  );

const isRaftRefusal = (thrown: unknown) => thrown instanceof InvalidMessageError || thrown instanceof UnknownMessageTypeError;

const raftCodecTarget: FuzzTarget = {
  name: "raft/codec",
  suiteRuns: 1_500,
  property: () =>
    fc.property(raftMessage, fc.option(fc.oneof(mutations.map((edits) => ({ edits, bytes: undefined })), protobufFields.map((bytes) => ({ edits: undefined, bytes }))), { nil: undefined }), (message, hostile) => {
      const valid = encodeRaftMessage(message);
      if (hostile === undefined) {
        const decoded = decodeRaftMessage(valid);
        const expected = message.type === "app" ? { ...message, entries: message.entries.map((e) => ({ ...e, data: [...e.data] })) } : message;
        const got = decoded.type === "app" ? { ...decoded, entries: decoded.entries.map((e) => ({ ...e, data: [...e.data] })) } : decoded;
        const plain = (m: object) => JSON.parse(JSON.stringify(m, (_k, v) => (v instanceof Uint8Array ? [...v] : v)));
        if (!isDeepStrictEqual(plain(got), plain(expected))) throw new Error(`a ${message.type} message changed through encode → decode`);
        return;
      }
      const bytes = hostile.bytes ?? mutateAll(valid, hostile.edits!);
      const decoded = onlyThrows("decodeRaftMessage", () => decodeRaftMessage(bytes), isRaftRefusal);
      // What decodes is a message the core can take and the codec can send again.
      if (decoded !== undefined) decodeRaftMessage(encodeRaftMessage(decoded));
    }) as unknown as fc.IProperty<never>,
};

export const FRAMING_TARGETS: FuzzTarget[] = [
  frameReaderTarget,
  pipelineFramesTarget,
  readFramesTarget,
  snapshotFramesTarget,
  writeHandlerTarget,
  readHandlerTarget,
  muxRpcTarget as FuzzTarget,
  oneShotRpcTarget as FuzzTarget,
  recordsTarget,
  raftCodecTarget,
];

// protons' refusals stay the runtime's own when they reach these readers (used by the mux target's refuse path).
export { isProtobufRefusal };
