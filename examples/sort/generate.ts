// Input for the sort, in the manner of TeraGen: 100-byte records of a random 10-character
// printable key, the row number (32 hex digits) and filler, one per line. Keys are uniform
// over their alphabet, so a sampled range partitioner splits them evenly.
//
//   bun examples/sort/generate.ts --size 100MiB --output /tmp/records.txt [--seed 42]
//   tessera fs put /tmp/records.txt /data/records.txt
//   bun examples/sort/run.ts --join ADDR --swarm-key FILE --input /data/records.txt --output /out/sorted --reducers 4
//
// A record: KKKKKKKKKK RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR FFF…FFF\n
//           10 key     32 row (hex)                     55 filler
import { closeSync, openSync, writeSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseSize } from "../../cmd/fs.ts";
import { formatBytes } from "../../cmd/format.ts";

export const RECORD_BYTES = 100;
export const KEY_CHARS = 10;
const ROW_DIGITS = 32;
const FILLER_CHARS = RECORD_BYTES - KEY_CHARS - 1 - ROW_DIGITS - 1 - 1;
/** Key characters: "!" to "~", printable ASCII without the blank, so a key is one word. */
const KEY_ALPHABET = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join("");
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** Records written per write call: 10,000 × 100 bytes = 1 MB pieces. */
const RECORDS_PER_WRITE = 10_000;

/** A small seeded generator (mulberry32): the same seed gives the same records everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Record `row` (counting from 0), "\n" included. */
export function record(row: number, random: () => number): string {
  let key = "";
  for (let i = 0; i < KEY_CHARS; i++) key += KEY_ALPHABET[Math.floor(random() * KEY_ALPHABET.length)];
  const filler = LETTERS[row % LETTERS.length]!.repeat(FILLER_CHARS);
  return `${key} ${row.toString(16).padStart(ROW_DIGITS, "0")} ${filler}\n`;
}

/** `count` records from row `firstRow`, as one string. */
export function records(count: number, options: { seed?: number; firstRow?: number } = {}): string {
  const random = seededRandom(options.seed ?? 0);
  const firstRow = options.firstRow ?? 0;
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(record(firstRow + i, random));
  return out.join("");
}

/**
 * Writes floor(sizeBytes / RECORD_BYTES) records to the local file `path` (replacing it), a
 * piece at a time so that any size fits in memory; returns how many.
 */
export function writeRecords(path: string, sizeBytes: number, seed = 0): number {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) throw new RangeError(`the size must be a whole number of bytes, not ${sizeBytes}`);
  const count = Math.floor(sizeBytes / RECORD_BYTES);
  const random = seededRandom(seed);
  const fd = openSync(path, "w");
  try {
    for (let row = 0; row < count; ) {
      const piece: string[] = [];
      for (const end = Math.min(count, row + RECORDS_PER_WRITE); row < end; row++) piece.push(record(row, random));
      writeSync(fd, piece.join(""));
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

if (import.meta.main) {
  const usage = "usage: bun examples/sort/generate.ts --size SIZE (e.g. 64MiB) --output FILE [--seed N]\n";
  try {
    const { values } = parseArgs({
      options: { size: { type: "string" }, output: { type: "string" }, seed: { type: "string", default: "0" } },
      strict: true,
    });
    const seed = Number(values.seed);
    if (values.size === undefined || values.output === undefined || !Number.isSafeInteger(seed)) throw new Error("--size and --output are needed; --seed is a whole number");
    // The same size syntax as `tessera fs put --chunk-size`: 1048576, 64MB, 4MiB, 1G.
    const count = writeRecords(values.output, parseSize(values.size, "--size"), seed);
    process.stdout.write(`wrote ${count} records (${formatBytes(count * RECORD_BYTES)}) to ${values.output}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
}
