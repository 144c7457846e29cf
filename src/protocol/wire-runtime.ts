// Three helpers the generated code (src/protocol/pb/*.ts) calls instead of protons-runtime's,
// on every message of every protocol (scripts/proto.ts rewrites the calls). Measured on a Raft
// append of 257 bytes (two 52-character peer ids, one 120-byte entry): encode 2.7-3.2 µs →
// 1.9-2.2 µs, decode 2.4 µs → 0.8 µs, the same bytes either way. Where protons' time went:
// - its writer's buffer comes from uint8arrays' Node variant, `asUint8Array(Buffer.allocUnsafe(n))`,
//   whose `buf.buffer` makes JavaScriptCore give a small typed array its own ArrayBuffer
//   object (a second allocation, paid on every message); and a string of 40 characters or
//   more (every peer id) is encoded through `Buffer.from(string)` and the same `.buffer`;
// - its reader decodes every string with a loop in JavaScript (650 ns for a peer id against
//   70 ns for the engine's own UTF-8 decoder), and every absent bytes field's default is a
//   fresh `Buffer.alloc(0)` made into a Uint8Array the same way.
import { writer as createWriter, type Codec } from "protons-runtime";

/** The writer's state that protons' `finish()` walks: a list of operations and their total length. */
interface WriterOp {
  fn: (value: unknown, buf: Uint8Array, pos: number) => void;
  len: number;
  val: unknown;
  next: WriterOp | null | undefined;
}
interface WriterState {
  len: number;
  head: WriterOp;
}

/** protons-runtime's `encodeMessage`, finishing into memory allocated once. */
export function encodeMessage<T>(message: Partial<T>, codec: Pick<Codec<T>, "encode">): Uint8Array<ArrayBuffer> {
  const writer = createWriter();
  codec.encode(message as T, writer, { lengthDelimited: false });
  const { len, head } = writer as unknown as WriterState;
  const memory = new ArrayBuffer(len);
  // The operations write into a Buffer over that memory: a long string is then written by
  // the engine's `utf8Write` (protons' own fast path), with no copy. Callers get a plain
  // Uint8Array over the same memory (a Buffer's slice() would share, a Uint8Array's copies).
  const target = Buffer.from(memory, 0, len);
  let pos = 0;
  for (let op = head.next; op != null; op = op.next) {
    op.fn(op.val, target, pos);
    pos += op.len;
  }
  return new Uint8Array(memory);
}

const utf8Slice = (Buffer.prototype as unknown as { utf8Slice(this: Uint8Array, start: number, end: number): string }).utf8Slice;

/** A string field's bytes as text (invalid UTF-8 reads as U+FFFD, as TextDecoder does). */
export function utf8Of(bytes: Uint8Array): string {
  return utf8Slice.call(bytes, 0, bytes.length);
}

/**
 * Nesting of unknown groups (wire types 3 and 4) the decoders skip before they refuse the
 * message. protons' `skipType` recurses once per nested group start, one byte each, so ~100 KB
 * of `0x1b` bytes overflowed the stack ("Maximum call stack size exceeded", found by
 * test/fuzz). Tessera's schemas are proto3 and have no groups; protobuf's own parsers stop
 * at a recursion depth of 100.
 */
export const UNKNOWN_GROUP_DEPTH_MAX = 100;

/** A message's bytes break the protobuf wire format in a way protons' reader does not catch. */
export class WireFormatError extends Error {
  override name = "WireFormatError";
}

/** The part of protons' reader that skipping an unknown field needs. */
interface SkippingReader {
  pos: number;
  uint32(): number;
  skip(length?: number): unknown;
}

/**
 * Skips one unknown field of `wireType` (the generated code calls this instead of protons'
 * recursive `reader.skipType`): the same bytes are skipped, groups without recursion and to
 * a bounded depth.
 */
export function skipUnknown(reader: SkippingReader, wireType: number): void {
  let depth = 0;
  for (;;) {
    switch (wireType) {
      case 0:
        reader.skip();
        break;
      case 1:
        reader.skip(8);
        break;
      case 2:
        reader.skip(reader.uint32());
        break;
      case 3:
        depth += 1;
        if (depth > UNKNOWN_GROUP_DEPTH_MAX) throw new WireFormatError(`unknown groups nested deeper than ${UNKNOWN_GROUP_DEPTH_MAX} at offset ${reader.pos}`);
        break;
      case 4:
        if (depth === 0) throw new WireFormatError(`end of a group that was not started at offset ${reader.pos}`);
        depth -= 1;
        break;
      case 5:
        reader.skip(4);
        break;
      default:
        throw new WireFormatError(`invalid wire type ${wireType} at offset ${reader.pos}`);
    }
    if (depth === 0) return;
    wireType = reader.uint32() & 7;
  }
}

/** The part of protons' writer that writing a uint64 needs. */
interface Uint64Writer {
  uint64(value: bigint): unknown;
  uint64Number(value: number): unknown;
}

/**
 * Writes a uint64 field held as a bigint (the generated code calls this instead of protons'
 * `w.uint64`). protons-runtime 7.1.2 writes every value in [2^31, 2^32) wrongly: its LongBits
 * keeps the low word signed (`lo | 0`) and its varint writer loops while `lo > 127`, so 2^31
 * went out as five zero bytes (read back as 0) and 2^32 - 1 as `ff 00 00 00 00` (refused by
 * the reader). Found by test/fuzz (a heartbeat's capacityBytes of 4,294,967,295 did not
 * round-trip): free and capacity bytes of 2-4 GiB, Raft terms, indexes and snapshot offsets
 * past 2^31 all travel in such fields. Values below 2^53 take uint8-varint's writer, which
 * protons uses for `jstype = JS_NUMBER` fields; larger ones have a high word and protons'
 * writer is right for them.
 */
export function writeUint64(writer: Uint64Writer, value: bigint): void {
  if (value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) writer.uint64Number(Number(value));
  else writer.uint64(value);
}

/** The part of protons' reader that reading a varint needs. */
interface VarintReader {
  buf: Uint8Array;
  pos: number;
  len: number;
}

/** The bytes of the longest varint protobuf writes (a 64-bit value). */
const VARINT_BYTES_MAX = 10;

/**
 * Reads a `jstype = JS_NUMBER` uint64 field (the generated code calls this instead of protons'
 * `reader.uint64Number`). protons advances its reader by the *shortest* encoding of the value
 * read, not by the bytes the value took: a valid but non-minimal varint (`85 00` for 5, which
 * protobuf's parsers must accept) left the reader inside the field and the next byte was read
 * as a tag (found by test/fuzz). Values past 2^53 are refused, as protons refused them (its
 * re-encoding threw); they are not Tessera's numbers.
 */
export function readUint64Number(reader: VarintReader): number {
  const { buf, len } = reader;
  let pos = reader.pos;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < VARINT_BYTES_MAX; i++) {
    if (pos >= len) throw new RangeError(`index out of range: ${pos} + 1 > ${len}`);
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (value > Number.MAX_SAFE_INTEGER) throw new WireFormatError(`a uint64 of ${value} is past 2^53 at offset ${reader.pos}`);
      reader.pos = pos;
      return value;
    }
    scale *= 0x80;
  }
  throw new WireFormatError(`a varint longer than ${VARINT_BYTES_MAX} bytes at offset ${reader.pos}`);
}
