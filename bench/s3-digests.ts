// What hashing an S3 upload costs: BodyDigests (src/gateway/s3/checksums.ts) over one body fed
// in 64 KiB pieces, as the gateway feeds it, for the digest sets a PUT needs: MD5 for the ETag
// with the SDK's default CRC32, with CRC32C, and with SHA-256 when the payload is signed by
// hash. Each line has a same-run reference (node:crypto MD5 alone, Bun.hash.crc32 alone), so a
// loaded machine shows on both sides. (@aws-crypto/crc32c, a byte at a time, ran about 50 MB/s.)
//
//   bun run bench/s3-digests.ts [--size-mib N] [--repeat N]
//
// Prints figures; always exits 0.
import { createHash } from "node:crypto";
import { BodyDigests, crc32c, type DigestChoice } from "../src/gateway/s3/checksums.ts";

const SIZE_MIB_DEFAULT = 64;
const REPEAT_DEFAULT = 3;
const PIECE_BYTES = 64 * 1024;

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const sizeBytes = Number(argument("size-mib") ?? SIZE_MIB_DEFAULT) * 1024 * 1024;
const repeat = Number(argument("repeat") ?? REPEAT_DEFAULT);
const body = new Uint8Array(sizeBytes);
for (let i = 0; i < body.length; i += 4096) body[i] = (i >>> 12) & 0xff;

function best(run: () => void): number {
  let bestMs = Infinity;
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    run();
    bestMs = Math.min(bestMs, performance.now() - start);
  }
  return sizeBytes / 1e6 / (bestMs / 1000);
}

function pieces(update: (piece: Uint8Array) => void): void {
  for (let offset = 0; offset < sizeBytes; offset += PIECE_BYTES) update(body.subarray(offset, offset + PIECE_BYTES));
}

const references = {
  "node:crypto md5 alone": best(() => {
    const md5 = createHash("md5");
    pieces((p) => md5.update(p));
    md5.digest();
  }),
  "Bun.hash.crc32 alone": best(() => {
    let crc = 0;
    pieces((p) => void (crc = Bun.hash.crc32(p, crc)));
  }),
  "crc32c (checksums.ts) alone": best(() => {
    let crc = 0;
    pieces((p) => void (crc = crc32c(p, crc)));
  }),
};
const choices: Record<string, DigestChoice> = {
  "md5 (no checksum)": { md5: true },
  "md5 + crc32 (SDK default)": { md5: true, checksum: "CRC32" },
  "md5 + crc32c": { md5: true, checksum: "CRC32C" },
  "md5 + sha256 + crc32 (signed payload)": { md5: true, sha256: true, checksum: "CRC32" },
};

console.log(`BodyDigests over ${sizeBytes / 1024 / 1024} MiB in ${PIECE_BYTES / 1024} KiB pieces, best of ${repeat}`);
for (const [name, mbPerS] of Object.entries(references)) console.log(`  reference  ${name.padEnd(40)} ${mbPerS.toFixed(0).padStart(7)} MB/s`);
for (const [name, choice] of Object.entries(choices)) {
  const mbPerS = best(() => {
    const digests = new BodyDigests(choice);
    pieces((p) => digests.update(p));
    digests.md5Hex();
    digests.checksumBase64();
  });
  console.log(`  BodyDigests ${name.padEnd(40)} ${mbPerS.toFixed(0).padStart(7)} MB/s`);
}
