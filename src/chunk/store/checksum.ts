// Block checksums and the checksum sidecar format, shared by every ChunkStore so that the
// memory twin and the disk store verify, digest and report checksums identically.
//
// A chunk's data is cut into CHUNK_CHECKSUM_BLOCK_BYTES blocks (the last one may be short);
// each block has a CRC32 (Bun.hash.crc32, ~25 GB/s: never the bottleneck).
//
// Sidecar (`<id>_<version>.meta`), all integers little-endian:
//   0   u32  magic "TCKM"
//   4   u16  format version (1)
//   6   u16  reserved, 0
//   8   8 B  chunk id, as the 8 bytes its 16 hex digits spell
//   16  u64  chunk version
//   24  u64  data size in bytes
//   32  u32  block size in bytes (CHUNK_CHECKSUM_BLOCK_BYTES)
//   36  u32  block count = ceil(size / block size)
//   40  u32 × block count: CRC32 of each block
//   end u32  CRC32 of every byte before it
// The id and version inside guard against a file that ends up under the wrong name; the
// trailing CRC makes a damaged sidecar detectable rather than blamed on good data.
import { assert } from "../../util/assert.ts";
import type { ChunkId } from "../../protocol/chunk-id.ts";
import { ChunkCorruptError } from "./errors.ts";
import { CHUNK_BLOCKS_MAX, CHUNK_CHECKSUM_BLOCK_BYTES, CHUNK_SIZE_BYTES_MAX } from "../../protocol/limits.ts";

// Checksum lists are copied to and from bytes through a Uint32Array view; that is only the
// little-endian wire order on a little-endian host (every platform Bun runs on).
assert(new Uint8Array(new Uint32Array([1]).buffer)[0] === 1, "the chunk store assumes a little-endian host");

const SIDECAR_MAGIC = 0x4d4b4354; // "TCKM" read as a little-endian u32
const SIDECAR_FORMAT = 1;
const SIDECAR_HEADER_BYTES = 40;
const SIDECAR_TRAILER_BYTES = 4;
export const SIDECAR_BYTES_MAX = SIDECAR_HEADER_BYTES + 4 * CHUNK_BLOCKS_MAX + SIDECAR_TRAILER_BYTES;

/** What a reader needs to verify a chunk's bytes: also what the read protocol sends along. */
export interface ChunkChecksums {
  readonly blockBytes: number;
  readonly sizeBytes: number;
  /** CRC32 of each block, in order; length = ceil(sizeBytes / blockBytes). */
  readonly checksums: Uint32Array;
}

export function crc32(data: Uint8Array): number {
  return Bun.hash.crc32(data) >>> 0;
}

export function blockCountOf(sizeBytes: number): number {
  return Math.ceil(sizeBytes / CHUNK_CHECKSUM_BLOCK_BYTES);
}

/**
 * Appends the CRC of each block of `data` to `out`. `data` must start on a block boundary of
 * the chunk, and only the chunk's final piece may end mid-block.
 */
export function appendBlockChecksums(data: Uint8Array, out: number[]): void {
  for (let start = 0; start < data.length; start += CHUNK_CHECKSUM_BLOCK_BYTES) {
    out.push(crc32(data.subarray(start, start + CHUNK_CHECKSUM_BLOCK_BYTES)));
  }
}

/** CRC32 over the checksum list: one number two replicas can compare to agree on a chunk. */
export function checksumDigest(checksums: Uint32Array): number {
  return crc32(new Uint8Array(checksums.buffer, checksums.byteOffset, checksums.byteLength));
}

/**
 * Checks the blocks in `span`, which starts at block `firstBlock` of the chunk. Returns the
 * index of the first bad block, or undefined when all match.
 */
export function findBadBlock(span: Uint8Array, firstBlock: number, checksums: Uint32Array): number | undefined {
  let block = firstBlock;
  for (let start = 0; start < span.length; start += CHUNK_CHECKSUM_BLOCK_BYTES, block++) {
    if (block >= checksums.length) return block;
    if (crc32(span.subarray(start, start + CHUNK_CHECKSUM_BLOCK_BYTES)) !== checksums[block]) return block;
  }
  return undefined;
}

function idBytes(id: ChunkId): Uint8Array {
  return Uint8Array.from(Buffer.from(id, "hex"));
}

export function encodeSidecar(id: ChunkId, version: number, sizeBytes: number, checksums: Uint32Array): Uint8Array {
  assert(checksums.length === blockCountOf(sizeBytes), "one checksum per block");
  assert(sizeBytes <= CHUNK_SIZE_BYTES_MAX, "chunk size within the limit");
  const bytes = new Uint8Array(SIDECAR_HEADER_BYTES + 4 * checksums.length + SIDECAR_TRAILER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, SIDECAR_MAGIC, true);
  view.setUint16(4, SIDECAR_FORMAT, true);
  view.setUint16(6, 0, true);
  bytes.set(idBytes(id), 8);
  view.setBigUint64(16, BigInt(version), true);
  view.setBigUint64(24, BigInt(sizeBytes), true);
  view.setUint32(32, CHUNK_CHECKSUM_BLOCK_BYTES, true);
  view.setUint32(36, checksums.length, true);
  bytes.set(new Uint8Array(checksums.buffer, checksums.byteOffset, checksums.byteLength), SIDECAR_HEADER_BYTES);
  const trailerAt = bytes.length - SIDECAR_TRAILER_BYTES;
  view.setUint32(trailerAt, crc32(bytes.subarray(0, trailerAt)), true);
  return bytes;
}

/** Parses and checks a sidecar; any inconsistency is a ChunkCorruptError with no block. */
export function decodeSidecar(bytes: Uint8Array, id: ChunkId, version: number): ChunkChecksums {
  const corrupt = (detail: string) => new ChunkCorruptError(id, version, undefined, `checksum file: ${detail}`);
  if (bytes.length < SIDECAR_HEADER_BYTES + SIDECAR_TRAILER_BYTES) throw corrupt(`${bytes.length} bytes is too short`);
  if (bytes.length > SIDECAR_BYTES_MAX) throw corrupt(`${bytes.length} bytes is too long`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const trailerAt = bytes.length - SIDECAR_TRAILER_BYTES;
  if (crc32(bytes.subarray(0, trailerAt)) !== view.getUint32(trailerAt, true)) throw corrupt("its own CRC does not match");
  if (view.getUint32(0, true) !== SIDECAR_MAGIC) throw corrupt("bad magic");
  if (view.getUint16(4, true) !== SIDECAR_FORMAT) throw corrupt(`unknown format ${view.getUint16(4, true)}`);
  if (!Buffer.from(bytes.subarray(8, 16)).equals(Buffer.from(idBytes(id)))) throw corrupt("it belongs to another chunk id");
  if (view.getBigUint64(16, true) !== BigInt(version)) throw corrupt("it belongs to another version");
  const sizeBig = view.getBigUint64(24, true);
  if (sizeBig > BigInt(CHUNK_SIZE_BYTES_MAX)) throw corrupt(`size ${sizeBig} exceeds the limit`);
  const sizeBytes = Number(sizeBig);
  const blockBytes = view.getUint32(32, true);
  if (blockBytes !== CHUNK_CHECKSUM_BLOCK_BYTES) throw corrupt(`block size ${blockBytes} is not ${CHUNK_CHECKSUM_BLOCK_BYTES}`);
  const blockCount = view.getUint32(36, true);
  if (blockCount !== blockCountOf(sizeBytes)) throw corrupt(`${blockCount} blocks for ${sizeBytes} bytes`);
  if (bytes.length !== SIDECAR_HEADER_BYTES + 4 * blockCount + SIDECAR_TRAILER_BYTES) throw corrupt("length does not match its block count");
  // A copy, so the list is aligned and does not pin the file buffer.
  const checksums = new Uint32Array(blockCount);
  new Uint8Array(checksums.buffer).set(bytes.subarray(SIDECAR_HEADER_BYTES, SIDECAR_HEADER_BYTES + 4 * blockCount));
  return { blockBytes, sizeBytes, checksums };
}
