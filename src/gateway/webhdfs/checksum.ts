// GETFILECHECKSUM: HDFS's MD5MD5CRC32 file checksum (MD5MD5CRC32GzipFileChecksum), computed
// over the file's bytes with each chunk as one HDFS block: the CRC-32 (gzip's polynomial) of
// every 512 bytes of a block, big-endian, MD5'd per block; the MD5 of those block MD5s is the
// file's. So a file written to HDFS with dfs.checksum.type=CRC32, 512 bytes per checksum and a
// block size equal to the chunk size has the same checksum as here (distcp compares these).
import { createHash, type Hash } from "node:crypto";

/** HDFS's dfs.bytes-per-checksum default. */
export const BYTES_PER_CRC = 512;
/**
 * CRCs handed to the MD5 at once. With Bun.hash.crc32 (node:zlib's crc32 cost twice as much
 * per 512-byte piece, the call not the CRC) it computes about 1 GB/s once warm.
 */
const CRC_BATCH = 4096;

export interface FileChecksumJson {
  FileChecksum: { algorithm: string; bytes: string; length: number };
}

/** Feeds a file's bytes block (chunk) by block; `json()` gives Hadoop's answer. */
export class Md5Md5Crc32 {
  private readonly fileMd5: Hash = createHash("md5");
  private blockMd5: Hash | undefined;
  /** CRCs waiting to go into the block's MD5 together (one update per CRC_BATCH, not per CRC). */
  private readonly crcBatch = Buffer.alloc(4 * CRC_BATCH);
  private crcsBatched = 0;
  /** Bytes of the current 512-byte piece not yet checksummed (a read may end inside one). */
  private readonly pending = Buffer.alloc(BYTES_PER_CRC);
  private pendingBytes = 0;
  private blocks = 0;
  private firstBlockCrcs = 0;
  private blockCrcs = 0;

  startBlock(): void {
    if (this.blockMd5) this.endBlock();
    this.blockMd5 = createHash("md5");
    this.blockCrcs = 0;
  }

  update(bytes: Uint8Array): void {
    if (!this.blockMd5) throw new Error("update() before startBlock()");
    let at = 0;
    if (this.pendingBytes > 0) {
      const take = Math.min(BYTES_PER_CRC - this.pendingBytes, bytes.length);
      this.pending.set(bytes.subarray(0, take), this.pendingBytes);
      this.pendingBytes += take;
      at = take;
      if (this.pendingBytes < BYTES_PER_CRC) return;
      this.crc(this.pending);
      this.pendingBytes = 0;
    }
    for (; at + BYTES_PER_CRC <= bytes.length; at += BYTES_PER_CRC) this.crc(bytes.subarray(at, at + BYTES_PER_CRC));
    if (at < bytes.length) {
      this.pending.set(bytes.subarray(at), 0);
      this.pendingBytes = bytes.length - at;
    }
  }

  endBlock(): void {
    const block = this.blockMd5;
    if (!block) return;
    if (this.pendingBytes > 0) this.crc(this.pending.subarray(0, this.pendingBytes));
    this.pendingBytes = 0;
    this.flushCrcs();
    if (this.blocks === 0) this.firstBlockCrcs = this.blockCrcs;
    this.fileMd5.update(block.digest());
    this.blocks += 1;
    this.blockMd5 = undefined;
  }

  /** Hadoop's JSON: crcPerBlock is the first block's CRC count when there are several blocks, else 0 (as DFSClient). */
  json(): FileChecksumJson {
    this.endBlock();
    const crcPerBlock = this.blocks > 1 ? this.firstBlockCrcs : 0;
    const bytes = Buffer.alloc(28);
    bytes.writeInt32BE(BYTES_PER_CRC, 0);
    bytes.writeBigInt64BE(BigInt(crcPerBlock), 4);
    this.fileMd5.digest().copy(bytes, 12);
    return { FileChecksum: { algorithm: `MD5-of-${crcPerBlock}MD5-of-${BYTES_PER_CRC}CRC32`, bytes: bytes.toString("hex"), length: bytes.length } };
  }

  private crc(piece: Uint8Array): void {
    this.crcBatch.writeUInt32BE(Bun.hash.crc32(piece) >>> 0, 4 * this.crcsBatched);
    this.crcsBatched += 1;
    this.blockCrcs += 1;
    if (this.crcsBatched === CRC_BATCH) this.flushCrcs();
  }

  private flushCrcs(): void {
    if (this.crcsBatched === 0) return;
    this.blockMd5!.update(this.crcBatch.subarray(0, 4 * this.crcsBatched));
    this.crcsBatched = 0;
  }
}
