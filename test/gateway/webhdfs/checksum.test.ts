// GETFILECHECKSUM's MD5-of-MD5-of-CRC32, fed in pieces of any size, against the definition
// computed directly (HDFS's MD5MD5CRC32FileChecksum with a block per chunk).
import { describe, it, expect } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { BYTES_PER_CRC, Md5Md5Crc32 } from "../../../src/gateway/webhdfs/checksum.ts";

/** The definition, in one pass over whole blocks. */
function reference(blocks: Buffer[]): { algorithm: string; bytes: string } {
  const blockMd5s = blocks.map((block) => {
    const crcs = Buffer.alloc(4 * Math.ceil(block.length / BYTES_PER_CRC));
    for (let i = 0; i * BYTES_PER_CRC < block.length; i++) crcs.writeUInt32BE(crc32(block.subarray(i * BYTES_PER_CRC, (i + 1) * BYTES_PER_CRC)) >>> 0, 4 * i);
    return createHash("md5").update(crcs).digest();
  });
  const crcPerBlock = blocks.length > 1 ? Math.ceil(blocks[0]!.length / BYTES_PER_CRC) : 0;
  const header = Buffer.alloc(12);
  header.writeInt32BE(BYTES_PER_CRC, 0);
  header.writeBigInt64BE(BigInt(crcPerBlock), 4);
  return { algorithm: `MD5-of-${crcPerBlock}MD5-of-512CRC32`, bytes: Buffer.concat([header, createHash("md5").update(Buffer.concat(blockMd5s)).digest()]).toString("hex") };
}

function computed(blocks: Buffer[], pieceBytes: number) {
  const checksum = new Md5Md5Crc32();
  for (const block of blocks) {
    checksum.startBlock();
    for (let at = 0; at < block.length; at += pieceBytes) checksum.update(block.subarray(at, at + pieceBytes));
    checksum.endBlock();
  }
  return checksum.json().FileChecksum;
}

describe("the MD5-of-MD5-of-CRC32 file checksum", () => {
  it("matches the definition however the bytes are cut into reads", () => {
    const blocks = [randomBytes(4096), randomBytes(4096), randomBytes(1000)];
    const expected = reference(blocks);
    for (const pieceBytes of [1, 7, 511, 512, 513, 4096, 100_000]) {
      const got = computed(blocks, pieceBytes);
      expect(got).toEqual({ ...expected, length: 28 });
    }
    expect(expected.algorithm).toBe("MD5-of-8MD5-of-512CRC32");
  });

  it("names crcPerBlock 0 for a one-block file, as DFSClient does", () => {
    const got = computed([randomBytes(1500)], 300);
    expect(got.algorithm).toBe("MD5-of-0MD5-of-512CRC32");
    expect(got.bytes.slice(0, 24)).toBe("000002000000000000000000");
  });

  it("is 28 bytes in hex: bytes per CRC, CRCs per block, the MD5", () => {
    const got = computed([Buffer.from("hello")], 5);
    expect(got.length).toBe(28);
    expect(got.bytes).toMatch(/^[0-9a-f]{56}$/);
    expect(got).toEqual({ ...reference([Buffer.from("hello")]), length: 28 });
  });
});
