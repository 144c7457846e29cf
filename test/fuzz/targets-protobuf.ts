// Every generated protobuf decoder (src/protocol/pb/*.ts, through src/protocol/wire-runtime.ts):
// one target per schema file, each case one of its messages, fed random bytes, protobuf-shaped
// bytes (unknown fields and groups, wire types that do not match the schema, length prefixes
// past the end or near 2^32), or a valid encoding cut and mutated. A decoder may answer or
// refuse with the runtime's own errors, nothing else; what it answers must survive
// encode → decode unchanged (a decoded message is always one the encoder can write).
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { MaxLengthError } from "protons-runtime";
import { WireFormatError } from "../../src/protocol/wire-runtime.ts";
import * as attributes from "../../src/protocol/pb/attributes.ts";
import * as cache from "../../src/protocol/pb/cache.ts";
import * as data from "../../src/protocol/pb/data.ts";
import * as jobs from "../../src/protocol/pb/jobs.ts";
import * as legacyV1 from "../../src/protocol/pb/legacy-v1.ts";
import * as log from "../../src/protocol/pb/log.ts";
import * as membership from "../../src/protocol/pb/membership.ts";
import * as meta from "../../src/protocol/pb/meta.ts";
import * as raftSnapshot from "../../src/protocol/pb/raft-snapshot.ts";
import * as raft from "../../src/protocol/pb/raft.ts";
import * as replicate from "../../src/protocol/pb/replicate.ts";
import * as report from "../../src/protocol/pb/report.ts";
import * as rpc from "../../src/protocol/pb/rpc.ts";
import * as shuffle from "../../src/protocol/pb/shuffle.ts";
import * as task from "../../src/protocol/pb/task.ts";
import * as underStorage from "../../src/protocol/pb/under-storage.ts";
import type { FuzzTarget } from "./registry.ts";
import { mutateAll, mutations, onlyThrows, protobufFields } from "./support.ts";

const SCHEMAS: Record<string, Record<string, unknown>> = {
  attributes,
  cache,
  data,
  jobs,
  "legacy-v1": legacyV1,
  log,
  membership,
  meta,
  "raft-snapshot": raftSnapshot,
  raft,
  replicate,
  report,
  rpc,
  shuffle,
  task,
  "under-storage": underStorage,
};

export interface MessageCodecOf {
  readonly name: string;
  encode(message: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/** Every message namespace of a generated module (nested ones too): those with encode and decode. */
export function messagesOf(module: Record<string, unknown>, prefix = ""): MessageCodecOf[] {
  const found: MessageCodecOf[] = [];
  for (const [name, value] of Object.entries(module)) {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) continue;
    const candidate = value as Partial<MessageCodecOf> & Record<string, unknown>;
    const fullName = `${prefix}${name}`;
    if (typeof candidate.encode === "function" && typeof candidate.decode === "function" && typeof candidate.codec === "function") {
      found.push({ name: fullName, encode: (m) => candidate.encode!(m), decode: (b) => candidate.decode!(b) });
    }
    // Nested messages live in their parent's namespace (WriteAck.Kind is an enum: skipped above).
    if (typeof value === "object" && !Array.isArray(value)) found.push(...messagesOf(candidate, `${fullName}.`));
  }
  return found;
}

/** What protons' reader and Tessera's runtime throw for bytes that are not a message of the schema. */
export function isProtobufRefusal(thrown: unknown): boolean {
  if (thrown instanceof WireFormatError || thrown instanceof MaxLengthError) return true;
  // uint8-varint's, under protons' uint64Number: a varint of more than 8 bytes, or a value past 2^53.
  if (thrown instanceof RangeError) return thrown.message.startsWith("index out of range") || thrown.message === "Could not decode varint" || thrown.message === "Could not encode varint";
  if (thrown instanceof Error && thrown.constructor === Error) {
    return thrown.message === "Invalid enum value" || thrown.message === "invalid varint encoding" || thrown.message.startsWith("invalid wire type");
  }
  return false;
}

/** Valid encodings to mutate: the empty message, and what protobuf-shaped bytes decode to, re-encoded. */
function seedOf(codec: MessageCodecOf, shaped: Uint8Array): Uint8Array {
  try {
    return codec.encode(codec.decode(shaped));
  } catch {
    return codec.encode({});
  }
}

/** The property of one decoder on one input: refuse with its own error, or answer what round-trips. */
export function checkDecoder(codec: MessageCodecOf, bytes: Uint8Array): void {
  const decoded = onlyThrows(`${codec.name}.decode`, () => codec.decode(bytes), isProtobufRefusal);
  if (decoded === undefined) return;
  const encoded = codec.encode(decoded);
  const again = codec.decode(encoded);
  if (!isDeepStrictEqual(normalize(again), normalize(decoded))) {
    throw new Error(`${codec.name}: a decoded message changed through encode → decode`);
  }
  // Encoding is canonical: the same message twice gives the same bytes.
  if (!isDeepStrictEqual(codec.encode(again), encoded)) throw new Error(`${codec.name}: re-encoding a decoded message is not stable`);
}

// Decoded bytes fields are views into the input; compare contents, not buffers.
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, normalize(v)]));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  return value;
}

/** A pattern repeated many times: nested group starts, nested length-delimited fields, runs of continuation bytes. */
const deep = fc
  .tuple(fc.constantFrom([0x1b], [0xcb, 0x01], [0x0a, 0xff, 0xff, 0x03], [0x80], [0x12, 0x80, 0x80, 0x04]), fc.integer({ min: 1, max: 150_000 }))
  .map(([pattern, times]) => {
    const bytes = new Uint8Array(pattern.length * times);
    for (let i = 0; i < times; i++) bytes.set(pattern, i * pattern.length);
    return { bytes, edits: undefined };
  });

const input = fc.oneof(
  { arbitrary: deep, weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ bytes, edits: undefined })), weight: 6 },
  { arbitrary: protobufFields.map((bytes) => ({ bytes, edits: undefined })), weight: 12 },
  { arbitrary: fc.tuple(protobufFields, mutations).map(([bytes, edits]) => ({ bytes, edits })), weight: 12 },
);

function schemaTarget(file: string, module: Record<string, unknown>): FuzzTarget {
  const codecs = messagesOf(module);
  if (codecs.length === 0) throw new Error(`no message codecs found in src/protocol/pb/${file}.ts`);
  return {
    name: `pb/${file}`,
    suiteRuns: 500,
    property: () =>
      fc.property(fc.nat({ max: codecs.length - 1 }), input, (index, { bytes, edits }) => {
        const codec = codecs[index]!;
        // A mutated case starts from a valid encoding of this message.
        checkDecoder(codec, edits === undefined ? bytes : mutateAll(seedOf(codec, bytes), edits));
      }) as unknown as fc.IProperty<never>,
  };
}

export const PROTOBUF_TARGETS: FuzzTarget[] = Object.entries(SCHEMAS).map(([file, module]) => schemaTarget(file, module));

/** How many message types the protobuf targets cover (bench/fuzz.ts prints it). */
export const PROTOBUF_MESSAGE_COUNT = Object.values(SCHEMAS).reduce((sum, module) => sum + messagesOf(module).length, 0);
