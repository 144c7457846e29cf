// Framing for the data protocols (chunk reads and writes, the shuffle): a control message is
// one varint-length-prefixed protobuf frame; bulk bytes follow their frame raw (so neither
// side copies them through a protobuf field). FrameReader reads both off a libp2p stream with a deadline on every wait,
// a bound on every frame, and bounded buffering: past a high-water mark it pauses the stream,
// so the muxer stops granting the sender window (yamux acknowledges data on arrival, and
// iterating a stream buffers without limit: docs/findings.md on backpressure).
import type { Stream } from "@libp2p/interface";
import { Uint8ArrayList } from "uint8arraylist";
import { assert } from "../util/assert.ts";

/**
 * Bytes a frame reader holds before it pauses the stream (the muxer then stops granting the
 * sender window). Keeps a slow consumer's memory flat.
 */
export const FRAME_READER_HIGH_WATER_BYTES = 8 * 1024 * 1024;

/**
 * A paused libp2p stream still receives what the sender's muxer window allowed (yamux grows
 * it to 16 MiB) and aborts past maxReadBufferLength (4 MiB by default): data streams raise it.
 */
export const DATA_STREAM_READ_BUFFER_BYTES_MAX = 32 * 1024 * 1024;

/** A frame broke the data protocol: too large, malformed, out of order. */
export class DataProtocolError extends Error {
  override name = "DataProtocolError";
  readonly code = "PROTOCOL";
}

/** A frame announced more bytes than the protocol allows there. */
export class FrameTooLargeError extends DataProtocolError {
  override name = "FrameTooLargeError";
  constructor(
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(`frame of ${sizeBytes} bytes exceeds the limit of ${limitBytes}`);
  }
}

/** The stream ended or was reset while a frame was awaited. */
export class DataStreamClosedError extends Error {
  override name = "DataStreamClosedError";
}

/** Nothing arrived within the deadline. */
export class DataTimeoutError extends Error {
  override name = "DataTimeoutError";
}

export interface FrameEncoder<T> {
  encode(value: T): Uint8Array;
}

export interface FrameDecoder<T> {
  decode(data: Uint8Array | Uint8ArrayList): T;
}

/** A varint length takes at most 5 bytes for any frame we accept (< 4 GiB). */
const VARINT_BYTES_MAX = 5;

/** One frame: varint(length) then the encoded message, in one buffer. */
export function encodeFrame<T>(codec: FrameEncoder<T>, message: T): Uint8Array {
  const body = codec.encode(message);
  let prefixBytes = 1;
  for (let rest = body.length >>> 7; rest > 0; rest >>>= 7) prefixBytes++;
  const frame = new Uint8Array(prefixBytes + body.length);
  let value = body.length;
  let at = 0;
  while (value >= 0x80) {
    frame[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  frame[at++] = value;
  frame.set(body, at);
  return frame;
}

/** The raw varint prefix for a frame of `sizeBytes` (tests use it to forge oversized frames). */
export function encodeFrameLength(sizeBytes: number): Uint8Array {
  const out: number[] = [];
  let value = sizeBytes;
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return Uint8Array.from(out);
}

export class FrameReader {
  private readonly buffered = new Uint8ArrayList();
  private ended = false;
  private endError: Error | undefined;
  private wake: (() => void) | undefined;
  private reading = false;
  private paused = false;
  private resuming = false;

  constructor(
    private readonly stream: Stream,
    private readonly highWaterBytes = FRAME_READER_HIGH_WATER_BYTES,
  ) {
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, DATA_STREAM_READ_BUFFER_BYTES_MAX);
    stream.addEventListener("message", this.onMessage);
    // "end", not "remoteCloseWrite": the remote may close while this reader has the stream
    // paused with data still buffered in it; "end" comes only once that data was delivered.
    stream.addEventListener("end", this.onEnd);
    stream.addEventListener("close", this.onClose);
    if (stream.status !== "open" || stream.remoteWriteStatus === "closed") {
      // Data already buffered in the stream is dispatched in a microtask once a listener is
      // added (AbstractMessageStream.addEventListener); the end must come after it.
      queueMicrotask(() => queueMicrotask(() => this.end(stream.status === "aborted" || stream.status === "reset" ? new DataStreamClosedError(`stream ${stream.status}`) : undefined)));
    }
  }

  /** Bytes received and not yet read. */
  get bufferedBytes(): number {
    return this.buffered.byteLength;
  }

  /** Stops listening; what is buffered is dropped. */
  dispose(): void {
    this.stream.removeEventListener("message", this.onMessage);
    this.stream.removeEventListener("end", this.onEnd);
    this.stream.removeEventListener("close", this.onClose);
    this.buffered.consume(this.buffered.byteLength);
    this.end(new DataStreamClosedError("reader disposed"));
  }

  /**
   * The next frame, decoded. Throws FrameTooLargeError as soon as the prefix announces more
   * than maxBytes (before its body arrives), DataProtocolError when the body does not decode,
   * DataTimeoutError, DataStreamClosedError.
   */
  async readFrame<T>(codec: FrameDecoder<T>, maxBytes: number, timeoutMs: number): Promise<T> {
    const deadlineMs = performance.now() + timeoutMs;
    let prefixBytes = 0;
    let length = 0;
    for (;;) {
      const parsed = this.parsePrefix();
      if (parsed) {
        ({ prefixBytes, length } = parsed);
        break;
      }
      await this.waitForBytes(this.buffered.byteLength + 1, deadlineMs);
    }
    if (length > maxBytes) throw new FrameTooLargeError(length, maxBytes);
    await this.waitForBytes(prefixBytes + length, deadlineMs);
    const body = this.buffered.subarray(prefixBytes, prefixBytes + length);
    this.consume(prefixBytes + length);
    try {
      return codec.decode(body);
    } catch (err) {
      throw new DataProtocolError(`malformed frame: ${(err as Error).message}`);
    }
  }

  /**
   * Exactly `sizeBytes` raw bytes as the pieces they arrived in (views, never copied): bulk
   * payloads are checked, written and forwarded piece by piece, so gathering them into one
   * buffer would only cost a copy.
   */
  async readList(sizeBytes: number, timeoutMs: number): Promise<Uint8ArrayList> {
    await this.waitForBytes(sizeBytes, performance.now() + timeoutMs);
    const list = this.buffered.sublist(0, sizeBytes);
    this.consume(sizeBytes);
    return list;
  }

  private parsePrefix(): { prefixBytes: number; length: number } | undefined {
    const available = Math.min(this.buffered.byteLength, VARINT_BYTES_MAX);
    let length = 0;
    let scale = 1;
    for (let i = 0; i < available; i++) {
      const byte = this.buffered.get(i);
      length += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return { prefixBytes: i + 1, length };
      scale *= 0x80;
    }
    if (available === VARINT_BYTES_MAX) throw new DataProtocolError("frame length prefix longer than 5 bytes");
    return undefined;
  }

  private async waitForBytes(sizeBytes: number, deadlineMs: number): Promise<void> {
    if (this.buffered.byteLength >= sizeBytes) return;
    assert(!this.reading, "one read at a time on a frame reader");
    this.reading = true;
    try {
      while (this.buffered.byteLength < sizeBytes) {
        if (this.ended) throw this.endError ?? new DataStreamClosedError("the stream ended mid-frame");
        if (this.paused) this.resume();
        const waitMs = deadlineMs - performance.now();
        if (waitMs <= 0) throw new DataTimeoutError(`no data within the deadline (${this.buffered.byteLength} of ${sizeBytes} bytes buffered)`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          timer = setTimeout(resolve, waitMs);
        });
        clearTimeout(timer);
        this.wake = undefined;
      }
    } finally {
      this.reading = false;
    }
  }

  private consume(sizeBytes: number): void {
    this.buffered.consume(sizeBytes);
    if (this.paused && this.buffered.byteLength <= this.highWaterBytes / 2) this.resume();
  }

  private resume(): void {
    this.paused = false;
    if (this.stream.readStatus !== "paused") return;
    // stream.resume() hands over what it buffered (onMessage runs inside it), then tells the
    // muxer to grant window again. Pausing from inside that hand-over would be undone by the
    // grant that follows: the stream would read "paused" while yamux keeps opening the
    // window, and past maxReadBufferLength the stream is reset (seen with 96 MiB snapshot
    // transfers). So the high-water check waits until resume() has returned.
    this.resuming = true;
    try {
      this.stream.resume();
    } finally {
      this.resuming = false;
    }
    this.pauseAboveHighWater();
  }

  private pauseAboveHighWater(): void {
    if (!this.paused && this.buffered.byteLength > this.highWaterBytes && this.stream.readStatus === "readable") {
      this.paused = true;
      this.stream.pause();
    }
  }

  private readonly onMessage = (event: { data: Uint8Array | Uint8ArrayList }): void => {
    if (this.ended) return;
    this.buffered.append(event.data);
    if (!this.resuming) this.pauseAboveHighWater();
    this.wake?.();
  };

  private readonly onEnd = (): void => {
    this.end(undefined);
  };

  private readonly onClose = (event: Event): void => {
    const error = (event as Event & { error?: Error }).error;
    this.end(error ? new DataStreamClosedError(`stream closed: ${error.message}`) : undefined);
  };

  private end(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.endError = error;
    this.wake?.();
  }
}

/**
 * Sends bulk bytes, waiting for the stream's 'drain' event (not onDrain(): docs/findings.md) only
 * when the muxer asks for it, so the common case costs no timer and no promise.
 */
export async function sendData(stream: Stream, data: Uint8Array | Uint8ArrayList, timeoutMs: number): Promise<void> {
  if (stream.writeStatus !== "writable") throw new DataStreamClosedError(`stream is ${stream.status}`);
  if (stream.send(data)) return;
  await waitForDrain(stream, timeoutMs);
}

export function waitForDrain(stream: Stream, timeoutMs: number): Promise<void> {
  if (!stream.writableNeedsDrain) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      stream.removeEventListener("drain", onDrain);
      stream.removeEventListener("close", onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new DataStreamClosedError("stream closed while waiting to send"));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new DataTimeoutError(`the receiver took nothing for ${timeoutMs} ms`));
    }, timeoutMs);
    stream.addEventListener("drain", onDrain);
    stream.addEventListener("close", onClose);
  });
}

/** Closes our side politely, then resets whatever is left so no inbound slot stays held. */
export async function closeStream(stream: Stream, timeoutMs: number): Promise<void> {
  try {
    await stream.close({ signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)));
  }
}
