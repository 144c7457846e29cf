// What the S3 protocol layer costs an upload, per core, in one process (no network):
// - BodyDigests (src/gateway/s3/checksums.ts) over one body fed in 64 KiB pieces, for the
//   digest sets a PUT needs: MD5 for the ETag with the SDK's default CRC32, with CRC32C, and with
//   SHA-256 when the payload is signed by hash (the SDK over plain HTTP);
// - decodeAwsChunked (src/gateway/s3/aws-chunked.ts) of the same body in 64 KiB chunks, as the
//   SDK sends a stream (unsigned, CRC32 trailer), and signed chunk by chunk (SigV4 streaming).
// Each has a same-run reference (node:crypto MD5 alone, Bun.hash.crc32 alone, iterating the
// encoded body's reads alone), so a loaded machine shows on both sides. (@aws-crypto/crc32c, a byte at a
// time, ran about 50 MB/s.)
//
//   bun run bench/s3-protocol.ts [--size-mib N] [--repeat N]
//
// Prints figures; always exits 0.
import { createHash } from "node:crypto";
import { decodeAwsChunked } from "../src/gateway/s3/aws-chunked.ts";
import { BodyDigests, crc32c, type DigestChoice } from "../src/gateway/s3/checksums.ts";
import { chunkSignature, deriveSigningKey, sha256Hex, type ChunkSigningContext } from "../src/gateway/s3/sigv4.ts";

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

async function bestAsync(run: () => Promise<void>): Promise<number> {
  let bestMs = Infinity;
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    await run();
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

// aws-chunked bodies of the same bytes, delivered in 256 KiB reads as a socket might.
const CHUNK_BYTES = 64 * 1024;
const READ_BYTES = 256 * 1024;
const signing: ChunkSigningContext = {
  signingKey: deriveSigningKey("secret", "20240101", "us-east-1", "s3"),
  amzDate: "20240101T000000Z",
  scope: "20240101/us-east-1/s3/aws4_request",
  seedSignature: "0".repeat(64),
};
function encode(signed: boolean): Buffer {
  const parts: Uint8Array[] = [];
  let previous = signing.seedSignature;
  for (let offset = 0; offset <= sizeBytes; offset += CHUNK_BYTES) {
    const chunk = body.subarray(offset, Math.min(offset + CHUNK_BYTES, sizeBytes));
    let header = chunk.length.toString(16);
    if (signed) {
      previous = chunkSignature(signing, previous, sha256Hex(chunk));
      header += `;chunk-signature=${previous}`;
    }
    parts.push(Buffer.from(`${header}\r\n`), chunk, Buffer.from(chunk.length === 0 ? "" : "\r\n"));
    if (chunk.length === 0) break;
  }
  parts.push(Buffer.from(signed ? "\r\n" : "x-amz-checksum-crc32:AAAAAA==\r\n\r\n"));
  return Buffer.concat(parts);
}
async function* reads(encoded: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < encoded.length; offset += READ_BYTES) yield encoded.subarray(offset, offset + READ_BYTES);
}
const unsignedBody = encode(false);
const signedBody = encode(true);
const copyReference = await bestAsync(async () => {
  let total = 0;
  for await (const piece of reads(unsignedBody)) total += piece.length;
  if (total !== unsignedBody.length) throw new Error("short copy");
});
console.log(`decodeAwsChunked over ${sizeBytes / 1024 / 1024} MiB in ${CHUNK_BYTES / 1024} KiB chunks, ${READ_BYTES / 1024} KiB reads, best of ${repeat}`);
console.log(`  reference  ${"iterating the reads alone".padEnd(40)} ${copyReference.toFixed(0).padStart(7)} MB/s`);
for (const [name, encoded, options] of [
  ["unsigned, CRC32 trailer (SDK stream)", unsignedBody, { trailer: true }],
  ["signed chunks (SigV4 streaming)", signedBody, { trailer: false, signing }],
] as const) {
  const mbPerS = await bestAsync(async () => {
    let total = 0;
    for await (const piece of decodeAwsChunked(reads(encoded), options).data) total += piece.length;
    if (total !== sizeBytes) throw new Error(`decoded ${total} bytes`);
  });
  console.log(`  decode     ${name.padEnd(40)} ${mbPerS.toFixed(0).padStart(7)} MB/s`);
}
