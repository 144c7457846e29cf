// examples/bytes-per-host.ts on a three-peer cluster: per-host byte totals equal the totals the
// generator of the log knew it wrote, malformed records are skipped (and only they), and sums
// stay exact past 2^53.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { resolve } from "node:path";
import type { Peer } from "../../src/peer/peer.ts";
import type { TestPeers } from "../support/peers.ts";
import { keyValues, lcg, putText, readParts, runJob, startCluster } from "./cluster.ts";

const BYTES_PER_HOST = resolve(import.meta.dir, "../../examples/bytes-per-host.ts");

/** How a host may be written in a URL, and the host it stands for. */
const HOSTS: Array<{ written: string[]; host: string }> = [
  { written: ["example.com", "EXAMPLE.com", "example.com:8080"], host: "example.com" },
  { written: ["www.example.com", "WWW.Example.COM:443"], host: "www.example.com" },
  { written: ["cdn.example.org"], host: "cdn.example.org" },
  { written: ["naïve.example", "NAÏVE.example:81"], host: "xn--nave-6pa.example" },
  { written: ["10.0.0.7", "10.0.0.7:9000"], host: "10.0.0.7" },
  { written: ["[::1]:8443"], host: "[::1]" },
];
const BLANKS = [" ", "  ", "\t", " \t "];
const MALFORMED = [
  "garbage",
  "",
  "https://example.com/a 12",
  "https://example.com/a 12 2026-11-24 extra",
  "https://example.com/a 12kB 2026-11-24",
  "https://example.com/a -5 2026-11-24",
  "https://example.com/a 1.5 2026-11-24",
  "not-a-url 12 2026-11-24",
  "https://example.com/a 12 yesterday",
  "file:///etc/passwd 12 2026-11-24",
  "https:// 12 2026-11-24",
];

/** An access log, with what a correct job must output and how many records are well formed. */
function accessLog(lines: number, seed: number): { text: string; totals: Map<string, bigint>; wellFormed: number } {
  const next = lcg(seed);
  const totals = new Map<string, bigint>();
  const out: string[] = [];
  let wellFormed = 0;
  const add = (host: string, sizeBytes: bigint) => {
    totals.set(host, (totals.get(host) ?? 0n) + sizeBytes);
    wellFormed++;
  };
  for (let i = 0; i < lines; i++) {
    if (next(10) === 0) {
      out.push(MALFORMED[next(MALFORMED.length)]!);
      continue;
    }
    const site = HOSTS[next(HOSTS.length)]!;
    const scheme = next(2) === 0 ? "http" : "https";
    const url = `${scheme}://${site.written[next(site.written.length)]}/p/${next(100)}?q=${next(5)}`;
    const sizeBytes = BigInt(next(100_000));
    const blank = () => BLANKS[next(BLANKS.length)]!;
    // Blanks before and after the record, and a "\r\n" ending, do not make it malformed.
    const edge = next(20) === 0 ? " " : "";
    const crlf = next(20) === 0 ? "\r" : "";
    out.push(`${edge}${url}${blank()}${sizeBytes}${blank()}2026-11-${10 + next(20)}${edge}${crlf}`);
    add(site.host, sizeBytes);
  }
  // Two records whose sum is past Number.MAX_SAFE_INTEGER: a Number sum would round it.
  for (const size of ["9007199254740993", "9007199254740995"]) {
    out.push(`https://big.example/iso ${size} 2026-11-24`);
    add("big.example", BigInt(size));
  }
  return { text: `${out.join("\n")}\n`, totals, wellFormed };
}

let cluster: TestPeers;
let seed: Peer;
beforeAll(async () => {
  ({ cluster, seed } = await startCluster());
}, 30_000);
afterAll(async () => {
  await cluster?.stopAll();
});

describe("examples/bytes-per-host.ts", () => {
  it("sums SIZE per host over several files and maps, skipping malformed records", async () => {
    const first = accessLog(6_000, 23);
    const second = accessLog(3_000, 29);
    await seed.fs.mkdir("/logs/access", { parents: true });
    const chunks = (await putText(seed, "/logs/access/day-1.log", first.text)) + (await putText(seed, "/logs/access/day-2.log", second.text));
    expect(chunks).toBeGreaterThanOrEqual(4);
    const job = await runJob(seed, BYTES_PER_HOST, { inputs: ["/logs/access"], output: "/out/bytes-per-host", reducers: 3 });

    const got = keyValues(await readParts(seed, "/out/bytes-per-host", 3));
    const expected = new Map<string, string>();
    for (const { totals } of [first, second]) for (const [host, total] of totals) expected.set(host, String(BigInt(expected.get(host) ?? 0) + total));
    expect(got).toEqual(expected);
    expect(BigInt(got.get("big.example")!)).toBe(2n * (9007199254740993n + 9007199254740995n));
    expect(job.counters.mapInputRecords).toBe(6_002 + 3_002);
    // Every well-formed record is emitted once, every malformed one not at all.
    expect(job.counters.mapOutputRecords).toBe(first.wellFormed + second.wellFormed);
    expect(job.counters.mapInputRecords - job.counters.mapOutputRecords).toBeGreaterThan(500);
  }, 30_000);
});
