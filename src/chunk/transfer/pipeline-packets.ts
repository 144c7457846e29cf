// Packets of the write pipeline: how a chunk's bytes are cut, and the per-block CRCs each
// packet carries. Every packet but the last holds whole 64 KiB checksum blocks, so the CRCs a
// packet carries are exactly the ones the chunk store computes and keeps: every replica checks
// them on arrival, and the CRC of their list is the chunk's checksumDigest, which the client
// knows before any replica commits.
import { crc32 } from "../store/checksum.ts";
import { assert } from "../../util/assert.ts";
import { CHUNK_BLOCKS_MAX, CHUNK_CHECKSUM_BLOCK_BYTES } from "../../protocol/limits.ts";

const BLOCK = CHUNK_CHECKSUM_BLOCK_BYTES;

/** CRC32 of each block of `payload`, as little-endian u32s (the sidecar's byte order). */
export function blockCrcsOf(payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const blocks = Math.ceil(payload.length / BLOCK);
  const out = new Uint8Array(4 * blocks);
  const view = new DataView(out.buffer);
  for (let block = 0; block < blocks; block++) {
    view.setUint32(4 * block, crc32(payload.subarray(block * BLOCK, (block + 1) * BLOCK)), true);
  }
  return out;
}

/** Whether `crcBytes` has one CRC per block of a payload of `sizeBytes`. */
export function crcCountMatches(sizeBytes: number, crcBytes: Uint8Array): boolean {
  return crcBytes.length === 4 * Math.ceil(sizeBytes / BLOCK);
}

/**
 * The index (within the packet) of the first block that does not match its CRC, or undefined.
 * The payload may have arrived in pieces (a Uint8ArrayList's buffers): each block's CRC is
 * carried across piece boundaries, so nothing is gathered or copied.
 */
export function findBadBlockInPieces(pieces: Iterable<Uint8Array>, sizeBytes: number, crcBytes: Uint8Array): number | undefined {
  assert(crcCountMatches(sizeBytes, crcBytes), "one CRC per block");
  const view = new DataView(crcBytes.buffer, crcBytes.byteOffset, crcBytes.byteLength);
  let block = 0;
  let blockFilled = 0;
  let crc = 0;
  for (const piece of pieces) {
    for (let offset = 0; offset < piece.length; ) {
      const n = Math.min(BLOCK - blockFilled, piece.length - offset);
      crc = Bun.hash.crc32(piece.subarray(offset, offset + n), crc);
      offset += n;
      blockFilled += n;
      if (blockFilled === BLOCK) {
        if (crc >>> 0 !== view.getUint32(4 * block, true)) return block;
        block++;
        blockFilled = 0;
        crc = 0;
      }
    }
  }
  if (blockFilled > 0 && crc >>> 0 !== view.getUint32(4 * block, true)) return block;
  return undefined;
}

/** The block CRCs of a whole chunk, gathered packet by packet; bounded by the largest chunk. */
export class CrcList {
  private bytes = new Uint8Array(4 * 1024);
  private length = 0;

  get blockCount(): number {
    return this.length / 4;
  }

  append(crcBytes: Uint8Array): void {
    const needed = this.length + crcBytes.length;
    assert(needed <= 4 * CHUNK_BLOCKS_MAX, "a chunk's CRC list stays within the largest chunk");
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.min(4 * CHUNK_BLOCKS_MAX, Math.max(needed, 2 * this.bytes.length)));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(crcBytes, this.length);
    this.length = needed;
  }

  /** Equals checksumDigest() of the store over the same blocks (the list's LE bytes). */
  digest(): number {
    return crc32(this.bytes.subarray(0, this.length));
  }
}

/**
 * Cuts the chunk into packets of `packetBytes` (the last may be shorter). A Uint8Array is cut
 * into views; an iterable's pieces are passed through as views when they line up, otherwise
 * gathered into fresh buffers. Pieces must not change after they are yielded: packets hold
 * views of them until every replica has them (a change would show up as a CRC mismatch).
 */
export async function* packetize(data: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array, packetBytes: number): AsyncGenerator<Uint8Array> {
  assert(packetBytes > 0 && packetBytes % BLOCK === 0, "packets hold whole checksum blocks");
  if (data instanceof Uint8Array) {
    for (let offset = 0; offset < data.length; offset += packetBytes) yield data.subarray(offset, offset + packetBytes);
    return;
  }
  let pending: Uint8Array | undefined;
  let filled = 0;
  for await (const piece of data) {
    let offset = 0;
    while (offset < piece.length) {
      if (filled === 0 && piece.length - offset >= packetBytes) {
        yield piece.subarray(offset, offset + packetBytes);
        offset += packetBytes;
        continue;
      }
      // allocUnsafe: a fresh zeroed buffer costs page faults on first touch (~6x slower).
      pending ??= Buffer.allocUnsafeSlow(packetBytes);
      const n = Math.min(packetBytes - filled, piece.length - offset);
      pending.set(piece.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === packetBytes) {
        yield pending;
        pending = undefined;
        filled = 0;
      }
    }
  }
  if (pending && filled > 0) yield pending.subarray(0, filled);
}
