// The AES-256-GCM record stream over a fake connection that counts socket writes: small sends
// made in one turn of the event loop go out as one record and one write, in order, with
// honest backpressure, flushed before a close and dropped by an abort; a torn or forged record
// still fails (docs/transport.md, "Small messages").
import { describe, it, expect } from "vitest";
import { randomBytes } from "node:crypto";
import { AbstractMultiaddrConnection } from "@libp2p/utils";
import { multiaddr } from "@multiformats/multiaddr";
import { Uint8ArrayList } from "uint8arraylist";
import type { Logger, StreamMessageEvent } from "@libp2p/interface";
import { AesGcmRecordStream, STAGED_BYTES_MAX, RECORD_PLAINTEXT_BYTES_MAX } from "../../src/net/encryption-stream.ts";
import { AEAD_TAG_BYTES, AeadAuthenticationError } from "../../src/net/aead-aes-gcm.ts";

const RECORD_OVERHEAD_BYTES = 4 + AEAD_TAG_BYTES;

function silentLogger(): Logger {
  const log = Object.assign(() => {}, {
    error: () => {},
    trace: () => {},
    enabled: false,
    newScope: () => log,
  });
  return log as unknown as Logger;
}

// Stands in for @libp2p/tcp's connection: each buffer it is handed is one socket.write(), and
// while `full` is set a write is taken but reports the socket full, as socket.write() does
// past its high-water mark; release() is the socket's 'drain'.
class FakeConnection extends AbstractMultiaddrConnection {
  readonly writes: Uint8Array[] = [];
  full = false;
  closed = false;
  reset = false;

  constructor() {
    super({ remoteAddr: multiaddr("/ip4/127.0.0.1/tcp/1"), direction: "outbound", log: silentLogger() });
  }

  sendData(data: Uint8ArrayList): { sentBytes: number; canSendMore: boolean } {
    let sentBytes = 0;
    for (const buf of data) {
      this.writes.push(buf.slice());
      sentBytes += buf.byteLength;
      if (this.full) return { sentBytes, canSendMore: false };
    }
    return { sentBytes, canSendMore: true };
  }

  // The socket's 'drain'; with `stayFull` the next write fills it again.
  release(stayFull = false): void {
    this.full = stayFull;
    this.safeDispatchEvent("drain");
  }

  async sendClose(): Promise<void> {
    this.closed = true;
  }

  sendReset(): void {
    this.reset = true;
  }

  sendPause(): void {}
  sendResume(): void {}

  wireBytes(): Uint8Array {
    return new Uint8ArrayList(...this.writes).subarray();
  }
}

interface Pair {
  sender: AesGcmRecordStream;
  senderConnection: FakeConnection;
  receiver: AesGcmRecordStream;
  receiverConnection: FakeConnection;
  received: () => Uint8Array;
}

function pair(): Pair {
  const keyA = new Uint8Array(randomBytes(32));
  const keyB = new Uint8Array(randomBytes(32));
  const senderConnection = new FakeConnection();
  const receiverConnection = new FakeConnection();
  const sender = new AesGcmRecordStream(senderConnection, { sendKey: keyA, receiveKey: keyB, pending: new Uint8ArrayList() });
  const receiver = new AesGcmRecordStream(receiverConnection, { sendKey: keyB, receiveKey: keyA, pending: new Uint8ArrayList() });
  const got = new Uint8ArrayList();
  receiver.addEventListener("message", (evt: StreamMessageEvent) => got.append(evt.data));
  return { sender, senderConnection, receiver, receiverConnection, received: () => got.subarray() };
}

// One full turn of the event loop: a flush scheduled in this turn has run after it.
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// The record lengths found in a byte stream of records (the header of each).
function recordLengths(wire: Uint8Array): number[] {
  const view = new DataView(wire.buffer, wire.byteOffset, wire.byteLength);
  const lengths: number[] = [];
  for (let offset = 0; offset < wire.byteLength; ) {
    const length = view.getUint32(offset);
    lengths.push(length - AEAD_TAG_BYTES);
    offset += 4 + length;
  }
  return lengths;
}

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8ArrayList(...parts).subarray();
}

describe("AesGcmRecordStream: small messages", () => {
  it("sends many small messages of one turn as one record in one socket write, in order", async () => {
    const { sender, senderConnection, receiverConnection, received } = pair();
    const messages = Array.from({ length: 100 }, (_, i) => bytes(1 + (i % 40), i));
    for (const message of messages) expect(sender.send(message)).toBe(true);
    expect(senderConnection.writes.length).toBe(0);
    await nextTurn();
    expect(senderConnection.writes.length).toBe(1);
    const expected = concat(messages);
    expect(recordLengths(senderConnection.writes[0]!)).toEqual([expected.byteLength]);
    receiverConnection.onData(senderConnection.wireBytes());
    expect(received()).toEqual(expected);
  });

  it("copies a small send: a caller reusing its buffer after send() does not change what goes out", async () => {
    const { sender, senderConnection, receiverConnection, received } = pair();
    const buffer = bytes(64, 1);
    const original = buffer.slice();
    sender.send(buffer);
    buffer.fill(0);
    await nextTurn();
    receiverConnection.onData(senderConnection.wireBytes());
    expect(received()).toEqual(original);
  });

  it("keeps the order when a large send follows small ones: the staged record goes out first", async () => {
    const { sender, senderConnection, receiverConnection, received } = pair();
    const small = [bytes(10, 1), bytes(20, 2), bytes(30, 3)];
    const large = bytes(200 * 1024, 4);
    const tail = bytes(5, 5);
    for (const message of small) sender.send(message);
    sender.send(large);
    sender.send(tail);
    // The large send flushed the staged bytes, then went out as its own record.
    expect(recordLengths(senderConnection.wireBytes())).toEqual([60, large.byteLength]);
    await nextTurn();
    expect(recordLengths(senderConnection.wireBytes())).toEqual([60, large.byteLength, 5]);
    receiverConnection.onData(senderConnection.wireBytes());
    expect(received()).toEqual(concat([...small, large, tail]));
  });

  it("bounds the staged bytes: a send that would pass the bound flushes the stage first", async () => {
    const { sender, senderConnection, receiverConnection, received } = pair();
    const messages = Array.from({ length: 150 }, (_, i) => bytes(1000, i));
    for (const message of messages) sender.send(message);
    // Flushed synchronously each time the stage would have passed its bound.
    const before = recordLengths(senderConnection.wireBytes());
    expect(before.length).toBe(2);
    for (const length of before) expect(length).toBeLessThanOrEqual(STAGED_BYTES_MAX);
    await nextTurn();
    const lengths = recordLengths(senderConnection.wireBytes());
    expect(lengths.length).toBe(3);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(150 * 1000);
    expect(senderConnection.writes.length).toBe(3);
    receiverConnection.onData(senderConnection.wireBytes());
    expect(received()).toEqual(concat(messages));
  });

  it("cuts a send larger than a record into records of at most 1 MiB", () => {
    const { sender, senderConnection, receiverConnection, received } = pair();
    const large = bytes(RECORD_PLAINTEXT_BYTES_MAX + 100, 9);
    sender.send(large);
    expect(recordLengths(senderConnection.wireBytes())).toEqual([RECORD_PLAINTEXT_BYTES_MAX, 100]);
    receiverConnection.onData(senderConnection.wireBytes());
    expect(received()).toEqual(large);
  });
});

describe("AesGcmRecordStream: backpressure", () => {
  it("reports the connection full after a flush that filled it, queues until 'drain', and keeps the order", async () => {
    const { sender, senderConnection, receiverConnection, received } = pair();
    senderConnection.full = true;
    const first = [bytes(10, 1), bytes(10, 2)];
    for (const message of first) expect(sender.send(message)).toBe(true);
    await nextTurn();
    expect(senderConnection.writes.length).toBe(1);
    expect(sender.writableNeedsDrain).toBe(true);
    // While the socket is full, sends are queued in the stream, not written.
    const second = [bytes(10, 3), bytes(100 * 1024, 4), bytes(10, 5)];
    for (const message of second) expect(sender.send(message)).toBe(false);
    await nextTurn();
    expect(senderConnection.writes.length).toBe(1);
    senderConnection.release();
    await nextTurn();
    expect(sender.writableNeedsDrain).toBe(false);
    receiverConnection.onData(senderConnection.wireBytes());
    expect(received()).toEqual(concat([...first, ...second]));
  });

  it("stops a large send at the first full write and keeps the rest as plaintext until 'drain'", async () => {
    const { sender, senderConnection, receiverConnection, received } = pair();
    sender.send(bytes(10, 1));
    senderConnection.full = true;
    const large = bytes(3 * RECORD_PLAINTEXT_BYTES_MAX, 2);
    expect(sender.send(large)).toBe(false);
    // The staged record went out (and filled the socket): the large send waits whole.
    expect(recordLengths(senderConnection.wireBytes())).toEqual([10]);
    // One record per drain while each write fills the socket again; the rest waits in the
    // stream as plaintext.
    expect(sender.writeBufferLength).toBe(large.byteLength);
    senderConnection.release(true);
    await nextTurn();
    expect(sender.writeBufferLength).toBe(large.byteLength - RECORD_PLAINTEXT_BYTES_MAX);
    senderConnection.release(true);
    await nextTurn();
    expect(sender.writeBufferLength).toBe(large.byteLength - 2 * RECORD_PLAINTEXT_BYTES_MAX);
    for (let i = 0; i < 4; i++) {
      senderConnection.release();
      await nextTurn();
    }
    expect(sender.writeBufferLength).toBe(0);
    expect(recordLengths(senderConnection.wireBytes())).toEqual([10, RECORD_PLAINTEXT_BYTES_MAX, RECORD_PLAINTEXT_BYTES_MAX, RECORD_PLAINTEXT_BYTES_MAX]);
    receiverConnection.onData(senderConnection.wireBytes());
    expect(received()).toEqual(concat([bytes(10, 1), large]));
  });

  it("a small send that passes the bound while the socket is full waits in the stream", async () => {
    const { sender, senderConnection } = pair();
    const messages = Array.from({ length: 70 }, (_, i) => bytes(1000, i));
    senderConnection.full = true;
    let accepted = 0;
    for (const message of messages) if (sender.send(message)) accepted++;
    // 65 sends fit the stage; the 66th flushed it into a full socket and waits.
    expect(accepted).toBe(Math.floor(STAGED_BYTES_MAX / 1000));
    expect(senderConnection.writes.length).toBe(1);
    expect(sender.writeBufferLength).toBe((70 - accepted) * 1000);
  });
});

describe("AesGcmRecordStream: close and abort", () => {
  it("flushes staged bytes when the connection is closed under it (libp2p's Connection.close)", async () => {
    const { sender, senderConnection, receiverConnection, received } = pair();
    sender.send(bytes(12, 1));
    sender.send(bytes(12, 2));
    // libp2p closes the muxer, then the raw connection, in the same turn as the last sends.
    await senderConnection.close();
    expect(senderConnection.closed).toBe(true);
    expect(senderConnection.writes.length).toBe(1);
    receiverConnection.onData(senderConnection.wireBytes());
    expect(received()).toEqual(concat([bytes(12, 1), bytes(12, 2)]));
  });

  it("flushes staged bytes on its own close", async () => {
    const { sender, senderConnection, receiverConnection, received } = pair();
    sender.send(bytes(7, 1));
    await sender.close();
    expect(senderConnection.closed).toBe(true);
    receiverConnection.onData(senderConnection.wireBytes());
    expect(received()).toEqual(bytes(7, 1));
  });

  it("refuses a send once the connection's close began", async () => {
    const { sender, senderConnection } = pair();
    const closing = senderConnection.close();
    expect(() => sender.send(bytes(7, 1))).toThrow();
    await closing;
    await nextTurn();
    expect(senderConnection.writes.length).toBe(0);
  });

  it("drops staged bytes on abort: nothing is written after it", async () => {
    const { sender, senderConnection } = pair();
    sender.send(bytes(7, 1));
    sender.abort(new Error("test abort"));
    await nextTurn();
    expect(senderConnection.writes.length).toBe(0);
    expect(senderConnection.reset).toBe(true);
  });
});

describe("AesGcmRecordStream: records that must fail", () => {
  async function sealedWire(messages: Uint8Array[]): Promise<{ wire: Uint8Array; p: Pair }> {
    const p = pair();
    for (const message of messages) p.sender.send(message);
    await nextTurn();
    return { wire: p.senderConnection.wireBytes(), p };
  }

  async function closeError(p: Pair, deliver: () => void): Promise<Error | undefined> {
    const closed = new Promise<Error | undefined>((resolve) => p.receiver.addEventListener("close", (evt) => resolve((evt as unknown as { error?: Error }).error)));
    deliver();
    return closed;
  }

  it("accepts a record split across socket reads at any byte", async () => {
    const messages = [bytes(5, 1), bytes(300, 2), bytes(17, 3)];
    const { wire, p } = await sealedWire(messages);
    for (let i = 0; i < wire.byteLength; i += 7) p.receiverConnection.onData(wire.subarray(i, Math.min(i + 7, wire.byteLength)));
    expect(p.received()).toEqual(concat(messages));
  });

  it("aborts on a forged byte anywhere in a coalesced record and releases none of it", async () => {
    const { wire, p } = await sealedWire([bytes(50, 1), bytes(50, 2)]);
    const forged = wire.slice();
    forged[4 + 60]! ^= 1;
    const err = await closeError(p, () => p.receiverConnection.onData(forged));
    expect(err).toBeInstanceOf(AeadAuthenticationError);
    expect(p.received().byteLength).toBe(0);
  });

  it("aborts on a reordered record (the nonce counter no longer matches)", async () => {
    const p = pair();
    p.sender.send(bytes(10, 1));
    await nextTurn();
    p.sender.send(bytes(10, 2));
    await nextTurn();
    const [first, second] = p.senderConnection.writes;
    const err = await closeError(p, () => p.receiverConnection.onData(concat([second!, first!])));
    expect(err).toBeInstanceOf(AeadAuthenticationError);
    expect(p.received().byteLength).toBe(0);
  });

  it("releases nothing of a torn record", async () => {
    const { wire, p } = await sealedWire([bytes(100, 1)]);
    p.receiverConnection.onData(wire.subarray(0, wire.byteLength - 1));
    await nextTurn();
    expect(p.received().byteLength).toBe(0);
    expect(wire.byteLength).toBe(100 + RECORD_OVERHEAD_BYTES);
  });
});
