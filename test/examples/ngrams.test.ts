// examples/ngrams.ts on a three-peer cluster: the 5-gram counts equal those of awk | sort |
// uniq -c over the same text, and those of a plain TypeScript count. Lines shorter than five
// words give none; a 5-gram never spans two lines; any run of blanks counts as one.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Peer } from "../../src/peer/peer.ts";
import type { TestPeers } from "../support/peers.ts";
import { tempDir } from "../support/temp.ts";
import { keyValues, lcg, putText, readParts, runJob, startCluster } from "./cluster.ts";

const NGRAMS = resolve(import.meta.dir, "../../examples/ngrams.ts");

/** Lines of 0..14 words from a small vocabulary (so 5-grams repeat), between runs of spaces and tabs. */
function corpus(lines: number): string {
  const next = lcg(5);
  const words = ["the", "cat", "sat", "on", "naïve", "日本"];
  const blanks = [" ", " ", " ", "  ", "\t", " \t"];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const count = next(15);
    let line = next(8) === 0 ? blanks[next(blanks.length)]! : "";
    for (let w = 0; w < count; w++) line += (w > 0 ? blanks[next(blanks.length)]! : "") + words[next(words.length)]!;
    if (next(8) === 0) line += blanks[next(blanks.length)]!;
    out.push(line);
  }
  return `${out.join("\n")}\n`;
}

/** Every run of five consecutive words of each line, counted, in plain TypeScript. */
function countNgrams(text: string): Map<string, string> {
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    const words = line.match(/\S+/g) ?? [];
    for (let i = 0; i + 5 <= words.length; i++) {
      const ngram = `${words[i]} ${words[i + 1]} ${words[i + 2]} ${words[i + 3]} ${words[i + 4]}`;
      counts.set(ngram, (counts.get(ngram) ?? 0) + 1);
    }
  }
  return new Map([...counts].map(([ngram, count]) => [ngram, String(count)]));
}

let cluster: TestPeers;
let seed: Peer;
const scratch = tempDir("ngrams-example");
beforeAll(async () => {
  ({ cluster, seed } = await startCluster());
}, 30_000);
afterAll(async () => {
  await cluster?.stopAll();
  scratch.remove();
});

describe("examples/ngrams.ts", () => {
  it("counts 5-word sequences within lines as awk | sort | uniq -c does", async () => {
    const text = corpus(6_000);
    await seed.fs.mkdir("/corpus");
    expect(await putText(seed, "/corpus/text.txt", text)).toBeGreaterThanOrEqual(4);
    const job = await runJob(seed, NGRAMS, { inputs: ["/corpus"], output: "/out/ngrams", reducers: 3 });
    const got = keyValues(await readParts(seed, "/out/ngrams", 3));

    const localCopy = join(scratch.path, "text.txt");
    writeFileSync(localCopy, text);
    const awk = 'awk \'{ for (i = 1; i + 4 <= NF; i++) print $i " " $(i+1) " " $(i+2) " " $(i+3) " " $(i+4) }\' "$1" | sort | uniq -c';
    const shell = spawnSync("sh", ["-c", awk, "sh", localCopy], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" }, maxBuffer: 64 * 1024 * 1024 });
    expect(shell.status).toBe(0);
    const expected = new Map<string, string>();
    for (const row of shell.stdout.split("\n").filter(Boolean)) {
      const match = /^ *(\d+) (.*)$/.exec(row)!;
      expected.set(match[2]!, match[1]!);
    }
    expect(expected.size).toBeGreaterThan(1_000);
    expect([...expected.values()].some((count) => Number(count) > 1)).toBe(true);
    expect(got).toEqual(expected);
    expect(got).toEqual(countNgrams(text));
    expect(job.counters.reduceOutputRecords).toBe(expected.size);
  }, 30_000);
});
