// The transport phase of Tessera's encrypted connections: after the Noise XX handshake, bytes
// travel in AES-256-GCM records of up to RECORD_PLAINTEXT_BYTES_MAX, keyed with the two keys
// of the handshake's Split() (one per direction).
//
// Why not Noise's own transport messages (libp2p-noise's EncryptedMessageStream): they are
// capped at 65,535 bytes by the Noise spec, and node:crypto can neither encrypt in place nor
// into a caller's buffer, so each message costs fresh allocations and, through the crypto
// interface (which must return one buffer per message), an extra copy to join body and tag.
// On this machine fresh memory moves at ~2.3 GB/s, so every pass over the data costs about
// 0.45 CPU-s/GiB; measured, those passes held Noise+AES-GCM to ~300 MB/s (docs/transport.md).
// Large records cut the per-message work 4x and this stream does no copy besides the cipher's.
//
// Wire format of one record:  u32be length L | ciphertext (L - 16 bytes) | 16-byte GCM tag
// The nonce is 4 zero bytes and a 64-bit big-endian record counter, per direction, never
// sent; the 4-byte length header is the associated data. A reordered, replayed, dropped or
// altered record fails its tag and aborts the connection.
import { createCipheriv, createDecipheriv } from "node:crypto";
import { AbstractMessageStream, type SendResult } from "@libp2p/utils";
import { Uint8ArrayList } from "uint8arraylist";
import { StreamStateError } from "@libp2p/interface";
import type { AbortOptions, MessageStream, StreamCloseEvent, StreamMessageEvent } from "@libp2p/interface";
import { AEAD_TAG_BYTES, AeadAuthenticationError } from "./aead-aes-gcm.ts";
import { assert } from "../util/assert.ts";

const ALGORITHM = "aes-256-gcm";
export const AES_256_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const RECORD_HEADER_BYTES = 4;
// Largest plaintext per record. Bigger records mean fewer cipher setups and list operations
// per byte; the receiver must hold a whole record before it can authenticate and release it,
// so this also bounds per-connection buffering. A record is cut from whatever one send()
// hands over, never padded or waited for, so small messages are not delayed. Measured:
// 16 KiB ~340 MB/s, 64 KiB ~500, 256 KiB ~500, 1 MiB ~560 (docs/transport.md).
export const RECORD_PLAINTEXT_BYTES_MAX = 1024 * 1024;
const RECORD_CIPHERTEXT_BYTES_MAX = RECORD_PLAINTEXT_BYTES_MAX + AEAD_TAG_BYTES;
// Records this side cuts. Measured at 64 KiB, 256 KiB and 1 MiB (bench/pipeline, loaded
// machine): no difference beyond noise, so the largest, for the fewest cipher setups.
const SEND_RECORD_PLAINTEXT_BYTES = RECORD_PLAINTEXT_BYTES_MAX;
// A record this small goes to the socket as one buffer: the TCP connection writes each list
// piece with its own socket.write(), and three writes cost more than one small copy.
const SMALL_RECORD_JOIN_BYTES = 16 * 1024;
// Sends up to this size are staged (copied) and go out together, once per turn of the event
// loop, as one record and one socket write (see "Small messages" in docs/transport.md): under
// a metadata load every Raft append and ack, meta request and answer and yamux window update
// is such a send, and a record with its own cipher setup and socket write per message cost
// the leader and the client a quarter of their CPU. Larger sends are records of their own
// (copying them would be a pass over their bytes for nothing). Same size as the join above:
// below it, a copy was already measured cheaper than extra socket writes.
const STAGED_SEND_BYTES_MAX = SMALL_RECORD_JOIN_BYTES;
// Bound of the staging buffer, per connection: when the next small send would pass it, the
// staged bytes go out at once instead of waiting for the turn to end. Also the largest
// record of staged sends the receiver must hold before it can authenticate it.
export const STAGED_BYTES_MAX = 64 * 1024;
// GCM with a counter nonce stays safe far beyond this; the cap only guards the counter's
// exact representation as a JS number (2^53) with a wide margin.
const RECORDS_PER_DIRECTION_MAX = 2 ** 48;

export class RecordFormatError extends Error {
  override name = "RecordFormatError";
}

class RecordCounter {
  private count = 0;
  private readonly nonce = new Uint8Array(NONCE_BYTES);
  private readonly view = new DataView(this.nonce.buffer);

  next(): Uint8Array {
    if (this.count >= RECORDS_PER_DIRECTION_MAX) throw new RecordFormatError("record counter exhausted; reconnect");
    // Bytes 0-3 stay zero; 4-11 hold the counter big-endian.
    this.view.setUint32(4, Math.floor(this.count / 2 ** 32));
    this.view.setUint32(8, this.count >>> 0);
    this.count++;
    return this.nonce;
  }
}

export interface RecordStreamInit {
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  // Bytes that arrived after the handshake, before this stream took over the connection.
  pending: Uint8ArrayList;
}

// When the staged bytes go out: setImmediate, after the I/O callbacks and timers of this turn
// of the event loop, so the answers to every message that arrived in one socket read, and the
// yamux window updates for them, share one record. Measured on Bun against queueMicrotask and
// process.nextTick (docs/transport.md, "Small messages"): the fewest socket writes, and no
// added latency (a lone request/answer round trip got faster, one write instead of two).
const scheduleFlush: (flush: () => void) => void = setImmediate;

export class AesGcmRecordStream extends AbstractMessageStream {
  private readonly sendKey: Uint8Array;
  private readonly receiveKey: Uint8Array;
  private readonly sendCounter = new RecordCounter();
  private readonly receiveCounter = new RecordCounter();
  private readonly inbound = new Uint8ArrayList();
  // Plaintext of small sends not yet sealed, in send order: staging[0, stagedBytes). Copied
  // in, because a caller may reuse its buffer once send() returns. Allocated on the first
  // small send and kept for the connection's life (fresh memory is what costs here).
  private staging: Uint8Array | undefined;
  private stagedBytes = 0;
  private flushScheduled = false;

  constructor(private readonly raw: MessageStream, init: RecordStreamInit) {
    super({
      log: raw.log,
      inactivityTimeout: raw.inactivityTimeout,
      maxReadBufferLength: raw.maxReadBufferLength,
      direction: raw.direction,
    });
    if (init.sendKey.length !== AES_256_KEY_BYTES || init.receiveKey.length !== AES_256_KEY_BYTES) {
      throw new RangeError("record stream keys must be 32 bytes");
    }
    this.sendKey = init.sendKey;
    this.receiveKey = init.receiveKey;
    // Event wiring mirrors libp2p-noise's EncryptedMessageStream, so the upgrader and the
    // muxer see the same close / drain / half-close behaviour as with stock Noise.
    raw.addEventListener("message", (evt: StreamMessageEvent) => this.receive(evt.data));
    raw.addEventListener("close", (evt: StreamCloseEvent) => {
      // The connection is gone: staged bytes have nowhere to go.
      this.dropStaged();
      if (evt.error != null) {
        if (evt.local === true) this.abort(evt.error);
        else this.onRemoteReset();
      } else {
        this.onTransportClosed();
      }
    });
    raw.addEventListener("drain", () => this.safeDispatchEvent("drain"));
    raw.addEventListener("remoteCloseWrite", () => this.onRemoteCloseWrite());
    // libp2p's Connection.close() closes the muxer and then the raw connection itself, never
    // this stream, and a scheduled flush may not have run by then (yamux's GoAway and FIN
    // frames are sent in the same turn as the close). Staged bytes were reported as sent, so
    // they go to the raw connection before its close starts, and its close waits for them.
    const closeRaw = raw.close.bind(raw);
    raw.close = async (options?: AbortOptions): Promise<void> => {
      this.flushBeforeClose();
      await closeRaw(options);
    };
    if (init.pending.byteLength > 0) this.receive(init.pending);
  }

  private receive(data: Uint8Array | Uint8ArrayList): void {
    this.inbound.append(data);
    try {
      while (this.inbound.byteLength >= RECORD_HEADER_BYTES) {
        const length = this.inbound.getUint32(0);
        if (length < AEAD_TAG_BYTES || length > RECORD_CIPHERTEXT_BYTES_MAX) {
          throw new RecordFormatError(`record length ${length} outside ${AEAD_TAG_BYTES}..${RECORD_CIPHERTEXT_BYTES_MAX}`);
        }
        const end = RECORD_HEADER_BYTES + length;
        if (this.inbound.byteLength < end) return;
        const header = this.inbound.subarray(0, RECORD_HEADER_BYTES);
        const tagStart = end - AEAD_TAG_BYTES;
        const decipher = createDecipheriv(ALGORITHM, this.receiveKey, this.receiveCounter.next(), { authTagLength: AEAD_TAG_BYTES });
        decipher.setAAD(header);
        decipher.setAuthTag(this.inbound.subarray(tagStart, end));
        const plaintext = new Uint8ArrayList();
        // Ciphertext pieces are the socket's own buffers; no copy before the cipher.
        for (const piece of this.inbound.sublist(RECORD_HEADER_BYTES, tagStart)) plaintext.append(decipher.update(piece));
        try {
          decipher.final();
        } catch (err) {
          throw new AeadAuthenticationError("record failed authentication (corrupted, reordered or forged)", { cause: err });
        }
        this.inbound.consume(end);
        // Released only after the tag verified: no unauthenticated byte reaches the muxer.
        if (plaintext.byteLength > 0) this.onData(plaintext);
      }
    } catch (err) {
      this.abort(err as Error);
    }
  }

  // Called by AbstractMessageStream with what send() queued, never while it waits for a
  // 'drain'. Order on the wire is the order of the calls: staged bytes always go out before
  // a record of a later send, and a send that cannot go out stays in the caller's queue.
  sendData(data: Uint8ArrayList): SendResult {
    assert(!this.writableNeedsDrain, "sendData while the connection waits for a drain");
    const totalBytes = data.byteLength;
    if (totalBytes <= STAGED_SEND_BYTES_MAX) {
      // The connection's own send() refuses writes once its close began; a staged send must
      // be refused now too, not lost in a later turn.
      if (this.raw.status !== "open") throw new StreamStateError(`cannot send on a connection that is ${this.raw.status}`);
      // Full staging buffer: it goes out now, and if the socket is full the send waits.
      if (this.stagedBytes + totalBytes > STAGED_BYTES_MAX && !this.flushStaged()) return { sentBytes: 0, canSendMore: false };
      this.stage(data);
      return { sentBytes: totalBytes, canSendMore: true };
    }
    if (!this.flushStaged()) return { sentBytes: 0, canSendMore: false };
    let sentBytes = 0;
    // One record at a time, and no further once the socket is full: what the kernel does not
    // take at once, the TCP connection copies into its own buffer (Bun's writeBuffered), a
    // fresh-memory pass over every byte handed over past that point. Stopping at the first
    // full write leaves the rest in this stream's queue as plaintext views (no copy) until
    // 'drain', so at most the tail of one record is copied per drain.
    while (sentBytes < totalBytes) {
      const end = Math.min(sentBytes + SEND_RECORD_PLAINTEXT_BYTES, totalBytes);
      const record = this.seal(data, sentBytes, end);
      sentBytes = end;
      const wire = record.byteLength <= SMALL_RECORD_JOIN_BYTES ? record.subarray() : record;
      if (!this.raw.send(wire)) return { sentBytes, canSendMore: false };
    }
    return { sentBytes, canSendMore: true };
  }

  private stage(data: Uint8ArrayList): void {
    this.staging ??= new Uint8Array(STAGED_BYTES_MAX);
    for (const piece of data) {
      this.staging.set(piece, this.stagedBytes);
      this.stagedBytes += piece.byteLength;
    }
    assert(this.stagedBytes <= STAGED_BYTES_MAX, `staged ${this.stagedBytes} bytes, more than ${STAGED_BYTES_MAX}`);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      scheduleFlush(this.onFlushTurn);
    }
  }

  // The end of the turn: whatever was staged goes out as one record.
  private readonly onFlushTurn = (): void => {
    this.flushScheduled = false;
    if (this.stagedBytes === 0) return;
    // Staging happens only while the connection takes writes, and a send that found it full
    // flushed the stage first.
    assert(!this.writableNeedsDrain, "bytes staged while the connection waits for a drain");
    try {
      // The socket is full: until its 'drain', send() returns false and queues, as it would
      // have if the write had happened inside send().
      if (!this.flushStaged()) this.writableNeedsDrain = true;
    } catch (err) {
      this.abort(err as Error);
    }
  };

  /** Seals the staged bytes into one record and hands it to the connection; false if the connection is full after it. */
  private flushStaged(): boolean {
    const plaintextBytes = this.stagedBytes;
    if (plaintextBytes === 0) return true;
    assert(this.staging !== undefined, "bytes staged without a staging buffer");
    // Cleared before the write: the record is the connection's now, and an error the write
    // raises (an abort) must not find the same bytes staged.
    this.stagedBytes = 0;
    const wire = Buffer.allocUnsafe(RECORD_HEADER_BYTES + plaintextBytes + AEAD_TAG_BYTES);
    wire.writeUInt32BE(plaintextBytes + AEAD_TAG_BYTES, 0);
    const cipher = createCipheriv(ALGORITHM, this.sendKey, this.sendCounter.next(), { authTagLength: AEAD_TAG_BYTES });
    cipher.setAAD(wire.subarray(0, RECORD_HEADER_BYTES));
    const ciphertext = cipher.update(this.staging.subarray(0, plaintextBytes));
    const final = cipher.final();
    // GCM is a stream mode: update() returns every byte and final() none.
    assert(ciphertext.byteLength === plaintextBytes && final.byteLength === 0, "AES-GCM returned a ciphertext of another length");
    wire.set(ciphertext, RECORD_HEADER_BYTES);
    wire.set(cipher.getAuthTag(), RECORD_HEADER_BYTES + plaintextBytes);
    return this.raw.send(wire);
  }

  private flushBeforeClose(): void {
    if (this.stagedBytes === 0) return;
    if (this.raw.status !== "open") {
      this.dropStaged();
      return;
    }
    try {
      this.flushStaged();
    } catch (err) {
      this.abort(err as Error);
    }
  }

  private dropStaged(): void {
    if (this.stagedBytes > 0) this.log.trace("dropping %d staged bytes: the connection is closed", this.stagedBytes);
    this.stagedBytes = 0;
  }

  /** One record: header, ciphertext of data[start, end) (one cipher call per piece), tag. */
  private seal(data: Uint8ArrayList, start: number, end: number): Uint8ArrayList {
    assert(end - start <= RECORD_PLAINTEXT_BYTES_MAX, `record of ${end - start} bytes, more than ${RECORD_PLAINTEXT_BYTES_MAX}`);
    const output = new Uint8ArrayList();
    const header = new Uint8Array(RECORD_HEADER_BYTES);
    new DataView(header.buffer).setUint32(0, end - start + AEAD_TAG_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.sendKey, this.sendCounter.next(), { authTagLength: AEAD_TAG_BYTES });
    cipher.setAAD(header);
    output.append(header);
    for (const piece of start === 0 && end === data.byteLength ? data : data.sublist(start, end)) output.append(cipher.update(piece));
    const final = cipher.final();
    if (final.byteLength > 0) output.append(final);
    output.append(cipher.getAuthTag());
    return output;
  }

  sendReset(err: Error): void {
    // An abort loses what was not written yet, staged bytes included.
    this.dropStaged();
    this.raw.abort(err);
  }

  sendPause(): void {
    this.raw.pause();
  }

  sendResume(): void {
    this.raw.resume();
  }

  async close(options?: AbortOptions): Promise<void> {
    // The raw connection's close flushes the staged bytes first (see the constructor).
    await this.raw.close(options);
  }
}

// Carries the Noise handshake between libp2p-noise and the connection, and stops at the end
// of it. libp2p-noise wraps whatever stream it handshakes on in its own EncryptedMessageStream,
// which listens to that stream for good; handshaking on this relay instead lets us detach
// Noise's transport afterwards and hand the raw connection to AesGcmRecordStream.
//
// The relay forwards exactly `framesToForward` inbound Noise handshake messages (u16be length
// prefixed) and keeps every byte after them in `pending`, because the peer may start sending
// records right behind its last handshake message.
export class HandshakeRelay extends AbstractMessageStream {
  private framesLeft: number;
  private readonly framing = new Uint8ArrayList();
  readonly pending = new Uint8ArrayList();
  private readonly detachers: Array<() => void> = [];

  constructor(private readonly raw: MessageStream, framesToForward: number) {
    super({ log: raw.log, inactivityTimeout: raw.inactivityTimeout, maxReadBufferLength: raw.maxReadBufferLength, direction: raw.direction });
    this.framesLeft = framesToForward;
    this.listen("message", (evt: StreamMessageEvent) => this.relay(evt.data));
    this.listen("close", (evt: StreamCloseEvent) => {
      if (evt.error != null) this.abort(evt.error);
      else this.onTransportClosed();
    });
    this.listen("drain", () => this.safeDispatchEvent("drain"));
    this.listen("remoteCloseWrite", () => this.onRemoteCloseWrite());
  }

  private listen<K extends "message" | "close" | "drain" | "remoteCloseWrite">(type: K, listener: (evt: any) => void): void {
    this.raw.addEventListener(type, listener);
    this.detachers.push(() => this.raw.removeEventListener(type, listener));
  }

  private relay(data: Uint8Array | Uint8ArrayList): void {
    if (this.framesLeft === 0) {
      this.pending.append(data);
      return;
    }
    // Forward whole handshake messages only (Noise reads whole messages anyway) and keep an
    // incomplete one in `framing` until the rest of it arrives.
    this.framing.append(data);
    let forwardBytes = 0;
    while (this.framesLeft > 0 && this.framing.byteLength >= forwardBytes + 2) {
      const frameEnd = forwardBytes + 2 + this.framing.getUint16(forwardBytes);
      if (this.framing.byteLength < frameEnd) break;
      forwardBytes = frameEnd;
      this.framesLeft--;
    }
    const forward = this.framing.sublist(0, forwardBytes);
    this.framing.consume(forwardBytes);
    if (this.framesLeft === 0) {
      this.pending.append(this.framing.sublist());
      this.framing.consume(this.framing.byteLength);
    }
    if (forward.byteLength > 0) this.onData(forward);
  }

  // Stops relaying; from here on the caller owns the raw connection.
  detach(): Uint8ArrayList {
    for (const detach of this.detachers.splice(0)) detach();
    return this.pending;
  }

  sendData(data: Uint8ArrayList): SendResult {
    return { sentBytes: data.byteLength, canSendMore: this.raw.send(data) };
  }

  sendReset(err: Error): void {
    this.raw.abort(err);
  }

  sendPause(): void {
    this.raw.pause();
  }

  sendResume(): void {
    this.raw.resume();
  }

  async close(options?: AbortOptions): Promise<void> {
    await this.raw.close(options);
  }
}
