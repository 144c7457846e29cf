// Bytes served per host, from access-log records of the form `URL SIZE DATE` separated by
// blanks, e.g. `https://example.com/a/b 1234 2026-11-24`. The output is `host\ttotal` lines:
// the sum of SIZE over every record whose URL is on that host.
//
//   tessera job run examples/bytes-per-host.ts --input /logs/access --output /out/bytes-per-host
//
// A malformed record (not three fields, a URL without a host, a SIZE that is not a whole
// number, a DATE that is not YYYY-MM-DD) is skipped: logs are often a little dirty and one bad
// line must not fail the job. The job's counters show how many were skipped: mapInputRecords
// minus mapOutputRecords.
import { defineJob } from "tessera";

const SIZE = /^\d+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A record's host (without its port) and size; undefined for a malformed record. */
export function parseRecord(line: string): { host: string; sizeBytes: string } | undefined {
  const fields = line.split(/\s+/).filter((field) => field.length > 0);
  if (fields.length !== 3) return undefined;
  const [url, sizeBytes, date] = fields as [string, string, string];
  if (!SIZE.test(sizeBytes) || !DATE.test(date)) return undefined;
  let host: string;
  try {
    host = new URL(url).hostname; // WHATWG URL: for http(s), lowercased and punycoded
  } catch {
    return undefined;
  }
  if (host.length === 0) return undefined; // "file:///x" parses but names no host
  return { host, sizeBytes };
}

// Sums in BigInt so that totals stay exact past 2^53 bytes (8 PiB), where a Number would
// start to round.
async function sum(host: string, sizes: AsyncIterable<string>, emit: (key: string, value: string) => void): Promise<void> {
  let total = 0n;
  for await (const size of sizes) total += BigInt(size);
  emit(host, total.toString());
}

export default defineJob({
  map(_offset, line, emit) {
    const record = parseRecord(line);
    if (record) emit(record.host, record.sizeBytes);
  },
  // A log has many records per host: summing per map task shuffles one record per host.
  combine: sum,
  reduce: sum,
});
