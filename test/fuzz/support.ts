// What the fuzz targets share: arbitraries of hostile bytes (random, truncated, mutated,
// protobuf-shaped with unknown fields and oversized length prefixes), a verdict on which
// errors a decoder may throw, a deadline that turns a hang into a failure, and an in-memory
// stand-in for the libp2p stream a frame reader reads.
import fc from "fast-check";
import type { Connection, Stream } from "@libp2p/interface";
import { registerMuxHandler, type MuxHandlerInit } from "../../src/net/mux-rpc.ts";
import type { TesseraHost } from "../../src/net/host.ts";

/** A case that neither returned nor threw one of the decoder's own errors within its deadline. */
export class FuzzHangError extends Error {
  override name = "FuzzHangError";
}

/** A thrown value that is not one of the errors the code under test owns. */
export class UnexpectedThrowError extends Error {
  override name = "UnexpectedThrowError";
  constructor(
    readonly thrown: unknown,
    what: string,
  ) {
    super(`${what} threw ${describeThrown(thrown)}`);
  }
}

export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return `${thrown.name}: ${thrown.message.slice(0, 200)}`;
  return `a non-Error ${typeof thrown}: ${String(thrown).slice(0, 80)}`;
}

/**
 * Errors that never belong to a decoder's own vocabulary, whatever else it allows: an engine
 * error (a property of undefined, a stack overflow) is a bug, not a refusal.
 */
export function isEngineError(thrown: unknown): boolean {
  if (!(thrown instanceof Error)) return true;
  if (thrown instanceof TypeError || thrown instanceof ReferenceError || thrown instanceof SyntaxError) return true;
  // Error subclasses keep their own name; only the engine's are the bare constructors.
  return /Maximum call stack|out of memory|Invalid array length|Invalid typed array length|Array buffer allocation failed/i.test(thrown.message);
}

/** Runs `run`; a throw must satisfy `allowed` (and not be an engine error), or the case fails. */
export function onlyThrows<T>(what: string, run: () => T, allowed: (thrown: unknown) => boolean): T | undefined {
  try {
    return run();
  } catch (thrown) {
    if (isEngineError(thrown) || !allowed(thrown)) throw new UnexpectedThrowError(thrown, what);
    return undefined;
  }
}

/** As onlyThrows, for async code, with a deadline: a promise that never settles is a hang. */
export async function onlyRejects<T>(what: string, run: () => Promise<T>, allowed: (thrown: unknown) => boolean, deadlineMs: number): Promise<T | undefined> {
  try {
    return await withDeadline(run(), deadlineMs, what);
  } catch (thrown) {
    if (thrown instanceof FuzzHangError) throw thrown;
    if (isEngineError(thrown) || !allowed(thrown)) throw new UnexpectedThrowError(thrown, what);
    return undefined;
  }
}

export async function withDeadline<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzHangError(`${what} did not finish within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

// --- bytes -------------------------------------------------------------------------------------

/** A varint as protobuf writes it (up to 2^53). */
export function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

/** Length prefixes that lie: past the end, near 2^32, 2^53, or a varint longer than 10 bytes. */
export const hostileLength = fc.oneof(
  fc.constantFrom(0x7fffffff, 0xffffffff, 0x100000000, 2 ** 53 - 1, 64 * 1024 * 1024, 1 << 20),
  fc.integer({ min: 0, max: 4096 }),
);

/**
 * Protobuf-shaped bytes: fields 1..24 (the numbers every schema here uses, and unknown ones),
 * each with a wire type that may or may not match the schema, nested messages, unknown groups,
 * and length prefixes that may lie.
 */
export const protobufFields: fc.Arbitrary<Uint8Array> = fc
  .letrec<{ message: number[] }>((tie) => ({
    message: fc
      .array(
        fc.oneof(
          { depthSize: "small", withCrossShrink: true },
          fc.tuple(fc.integer({ min: 1, max: 24 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([field, value]) => [...varint(field * 8), ...bigVarint(value)]),
          fc.tuple(fc.integer({ min: 1, max: 24 }), fc.uint8Array({ minLength: 8, maxLength: 8 })).map(([field, bytes]) => [...varint(field * 8 + 1), ...bytes]),
          fc.tuple(fc.integer({ min: 1, max: 24 }), fc.uint8Array({ minLength: 4, maxLength: 4 })).map(([field, bytes]) => [...varint(field * 8 + 5), ...bytes]),
          fc.tuple(fc.integer({ min: 1, max: 24 }), fc.uint8Array({ maxLength: 40 })).map(([field, bytes]) => [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes]),
          fc.tuple(fc.integer({ min: 1, max: 24 }), fc.string({ maxLength: 20, unit: "grapheme" })).map(([field, text]) => {
            const bytes = new TextEncoder().encode(text);
            return [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
          }),
          fc.tuple(fc.integer({ min: 1, max: 24 }), tie("message")).map(([field, inner]) => [...varint(field * 8 + 2), ...varint(inner.length), ...inner]),
          fc.tuple(fc.integer({ min: 25, max: 5000 }), tie("message")).map(([field, inner]) => [...varint(field * 8 + 3), ...inner, ...varint(field * 8 + 4)]),
          fc.tuple(fc.integer({ min: 1, max: 24 }), hostileLength).map(([field, length]) => [...varint(field * 8 + 2), ...varint(length)]),
        ),
        { maxLength: 12 },
      )
      .map((fields) => fields.flat()),
  }))
  .message.map((bytes) => Uint8Array.from(bytes));

function bigVarint(value: bigint): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return out;
}

/** One edit of valid bytes: a cut, a flipped bit, a byte set, inserted or removed, garbage appended. */
export function mutate(valid: Uint8Array, edit: Mutation): Uint8Array {
  // Uint8Array.from copies: a Buffer's slice() would share memory and edit the original too.
  const at = valid.length === 0 ? 0 : edit.at % valid.length;
  switch (edit.kind) {
    case "truncate":
      return valid.subarray(0, at);
    case "flip": {
      const out = Uint8Array.from(valid);
      if (out.length > 0) out[at]! ^= 1 << (edit.value & 7);
      return out;
    }
    case "set": {
      const out = Uint8Array.from(valid);
      if (out.length > 0) out[at] = edit.value & 0xff;
      return out;
    }
    case "insert":
      return Uint8Array.from([...valid.subarray(0, at), ...edit.bytes, ...valid.subarray(at)]);
    case "remove":
      return Uint8Array.from([...valid.subarray(0, at), ...valid.subarray(at + 1 + (edit.value % 8))]);
    case "append":
      return Uint8Array.from([...valid, ...edit.bytes]);
  }
}

export interface Mutation {
  kind: "truncate" | "flip" | "set" | "insert" | "remove" | "append";
  at: number;
  value: number;
  bytes: Uint8Array;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("truncate", "flip", "set", "insert", "remove", "append"),
  at: fc.nat(),
  value: fc.nat({ max: 0xffff }),
  bytes: fc.oneof(fc.uint8Array({ maxLength: 16 }), protobufFields),
});

/** Several edits in a row. */
export const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

export function mutateAll(valid: Uint8Array, edits: readonly Mutation[]): Uint8Array {
  return edits.reduce((bytes, edit) => mutate(bytes, edit), valid);
}

/** Where a byte string is cut into the pieces a socket might deliver. */
export const cuts = fc.array(fc.nat(), { maxLength: 6 });

export function split(bytes: Uint8Array, at: readonly number[]): Uint8Array[] {
  if (bytes.length === 0) return [];
  const points = [...new Set(at.map((n) => n % bytes.length))].filter((n) => n > 0).sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

// --- a stream to read from ----------------------------------------------------------------------

/**
 * The part of a libp2p Stream that src/net/frames.ts's FrameReader and the data handlers use,
 * in memory: `deliver` hands it pieces (as the muxer's "message" events) and then ends it;
 * what the code under test sends is kept in `sent`. No timers, no muxer: thousands of cases a
 * second.
 */
export class MemoryStream extends EventTarget {
  status: "open" | "closing" | "closed" | "aborted" | "reset" = "open";
  remoteWriteStatus: "writable" | "closed" = "writable";
  writeStatus: "writable" | "closed" = "writable";
  readStatus: "readable" | "paused" | "closed" = "readable";
  maxReadBufferLength = 4 * 1024 * 1024;
  writableNeedsDrain = false;
  readonly id = "fuzz";
  readonly protocol = "/fuzz";
  readonly direction = "inbound";
  readonly sent: Uint8Array[] = [];
  abortedWith: Error | undefined;
  // What @libp2p/utils' byteStream checks before it reads a stream (rpc.ts's pbStream).
  readonly readBufferLength = 0;
  readonly log = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false });
  push(): void {}
  async closeRead(): Promise<void> {}

  private readonly queue: Array<Uint8Array | undefined> = [];
  private wakeIterator: (() => void) | undefined;

  /** Delivers each piece in its own microtask turn, then the end of the remote's writes. */
  async deliver(pieces: readonly Uint8Array[]): Promise<void> {
    for (const data of pieces) {
      await Promise.resolve();
      if (this.status !== "open") return;
      // A paused stream keeps what arrives until resumed; the reader resumes when it needs more.
      while (this.readStatus === "paused") await new Promise((resolve) => setTimeout(resolve, 0));
      this.queue.push(data);
      this.wakeIterator?.();
      this.dispatchEvent(Object.assign(new Event("message"), { data }));
    }
    await Promise.resolve();
    this.remoteWriteStatus = "closed";
    this.queue.push(undefined);
    this.wakeIterator?.();
    this.dispatchEvent(new Event("remoteCloseWrite"));
    this.dispatchEvent(new Event("end"));
  }

  /** The stream as an async iterable of what arrives (it-length-prefixed reads it so), until the end or an abort. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      while (this.queue.length === 0) {
        if (this.readStatus === "closed") return;
        await new Promise<void>((resolve) => (this.wakeIterator = resolve));
        this.wakeIterator = undefined;
      }
      const next = this.queue.shift();
      if (next === undefined) return;
      yield next;
    }
  }

  send(data: Uint8Array | { subarray(): Uint8Array }): boolean {
    if (this.writeStatus !== "writable") throw new Error(`stream is ${this.status}`);
    this.sent.push(data instanceof Uint8Array ? data : data.subarray());
    return true;
  }

  pause(): void {
    this.readStatus = "paused";
  }

  resume(): void {
    this.readStatus = "readable";
  }

  async close(): Promise<void> {
    this.writeStatus = "closed";
    if (this.status === "open") this.status = "closed";
  }

  async closeWrite(): Promise<void> {
    this.writeStatus = "closed";
  }

  abort(err: Error): void {
    this.abortedWith ??= err;
    this.writeStatus = "closed";
    this.readStatus = "closed";
    if (this.status === "open" || this.status === "closed") this.status = "aborted";
    this.wakeIterator?.();
    this.dispatchEvent(Object.assign(new Event("close"), { error: err, local: true }));
  }

  onDrain(): Promise<void> {
    return Promise.resolve();
  }

  asStream(): Stream {
    return this as unknown as Stream;
  }
}

/** A frame's body without its varint length prefix. */
export function unprefixed(frame: Uint8Array): Uint8Array {
  let at = 0;
  while (at < frame.length && (frame[at]! & 0x80) !== 0) at++;
  return frame.subarray(at + 1);
}

/** A multiplexed RPC server registered on a host in memory: `serve` hands it a stream as a caller's. */
export async function muxServerInMemory<Req, Res>(init: MuxHandlerInit<Req, Res>, connection: Connection): Promise<(stream: MemoryStream) => void> {
  let handler: ((stream: unknown, connection: Connection) => void) | undefined;
  const host = { handle: async (_protocol: string, h: typeof handler) => void (handler = h) } as unknown as TesseraHost;
  await registerMuxHandler(host, init);
  return (stream) => handler!(stream.asStream(), connection);
}
