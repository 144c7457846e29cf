// examples/grep.ts on a three-peer cluster: the output equals `grep -iw error | sort | uniq -c`
// over the same text (MapReduce paper §2.3, "distributed grep"), and a pattern given at run
// time as a job parameter (--param grep.pattern=...) reaches the workers intact.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Peer } from "../../src/peer/peer.ts";
import type { TestPeers } from "../support/peers.ts";
import { tempDir } from "../support/temp.ts";
import { jobContext, type JobDefinition } from "../../src/job-module/job-api.ts";
import grepDefault, { FLAGS_PARAM, PATTERN_PARAM } from "../../examples/grep.ts";
import { expectSucceeded, keyValues, lcg, putText, readParts, runJob, startCluster } from "./cluster.ts";

const GREP = resolve(import.meta.dir, "../../examples/grep.ts");

/** A log of `lines` lines drawn from a few templates, so that matching lines repeat. */
function logText(lines: number): string {
  const next = lcg(11);
  const templates = [
    (n: number) => `2026-11-24 INFO request served path=/a/${n}`,
    (n: number) => `2026-11-24 ERROR disk full on /dev/sd${n % 4}`,
    (n: number) => `2026-11-24 WARN retrying, errors=${n % 3}`, // "errors" is not the word "error"
    (n: number) => `2026-11-24 INFO terror alert ${n % 2}`, // nor is "terror"
    (n: number) => `2026-11-24 error: timed out after ${n % 5} ms`,
    (n: number) => `2026-11-24 Error-42 in "quoted \\ path" #${n % 3}`,
    (n: number) => `2026-11-24 ERROR\tcolumn ${n % 2}`, // a tab inside the key
    (n: number) => `2026-11-24 naïve error ü ${n % 2}`,
    (n: number) => `2026-11-24 DEBUG Timed out ${n % 4}`,
  ];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(templates[next(templates.length)]!(next(40)));
  return `${out.join("\n")}\n`;
}

/** Lines matching `pattern`, counted, in plain TypeScript. */
function countMatches(text: string, pattern: RegExp): Map<string, string> {
  const counts = new Map<string, number>();
  for (const line of text.split("\n").slice(0, -1)) if (pattern.test(line)) counts.set(line, (counts.get(line) ?? 0) + 1);
  return new Map([...counts].map(([line, count]) => [line, String(count)]));
}

let cluster: TestPeers;
let seed: Peer;
let input: string;
const scratch = tempDir("grep-example");
beforeAll(async () => {
  ({ cluster, seed } = await startCluster());
  input = logText(8_000);
  await seed.fs.mkdir("/logs");
  const chunks = await putText(seed, "/logs/app.log", input);
  expect(chunks).toBeGreaterThanOrEqual(4);
}, 30_000);
afterAll(async () => {
  await cluster?.stopAll();
  scratch.remove();
});

describe("examples/grep.ts", () => {
  it("counts the lines holding the word 'error' as grep -iw | sort | uniq -c does", async () => {
    const job = await runJob(seed, GREP, { inputs: ["/logs"], output: "/out/grep", reducers: 3 });
    const got = keyValues(await readParts(seed, "/out/grep", 3));

    const localCopy = join(scratch.path, "app.log");
    writeFileSync(localCopy, input);
    const shell = spawnSync("sh", ["-c", 'grep -iw error "$1" | sort | uniq -c', "sh", localCopy], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
    expect(shell.status).toBe(0);
    const expected = new Map<string, string>();
    for (const row of shell.stdout.split("\n").filter(Boolean)) {
      const match = /^ *(\d+) (.*)$/s.exec(row)!;
      expected.set(match[2]!, match[1]!);
    }
    expect(expected.size).toBeGreaterThan(10);
    expect(got).toEqual(expected);
    expect(got).toEqual(countMatches(input, /\berror\b/i));
    expect(job.counters.mapInputRecords).toBe(8_000);
    expect(job.counters.reduceOutputRecords).toBe(expected.size);
  }, 30_000);

  it("runs a pattern given at run time as a job parameter", async () => {
    // Quotes, a backslash and an alternation: all must reach the workers as they were typed.
    const pattern = String.raw`"quoted \\ path"|timed? ?out`;
    const submitted = await seed.jobs.submit(GREP, { inputs: ["/logs/app.log"], output: "/out/grep-custom", reducers: 2, params: { [PATTERN_PARAM]: pattern, [FLAGS_PARAM]: "i" } });
    await expectSucceeded(seed, await seed.jobs.wait(submitted.id, { intervalMs: 100 }));
    const got = keyValues(await readParts(seed, "/out/grep-custom", 2));
    const expected = countMatches(input, new RegExp(pattern, "i"));
    expect([...expected.keys()].some((line) => line.includes("Timed out"))).toBe(true);
    expect([...expected.keys()].some((line) => line.includes('"quoted \\ path"'))).toBe(true);
    expect(got).toEqual(expected);
  }, 30_000);
});

describe("grep's pattern parameter", () => {
  function matches(job: JobDefinition, params: Record<string, string>, lines: string[]): string[] {
    const out: string[] = [];
    const context = jobContext(params);
    for (const line of lines) void job.map("0", line, (key) => out.push(key), context);
    return out;
  }

  it("is a pattern, never code: a pattern that looks like code matches as data", () => {
    const pattern = String.raw`"\); globalThis.injected = 1; \("` + "\u2028\\*/";
    expect(matches(grepDefault, { [PATTERN_PARAM]: pattern }, [`x "); globalThis.injected = 1; ("\u2028*/ y`, "plain line"])).toEqual([`x "); globalThis.injected = 1; ("\u2028*/ y`]);
    expect((globalThis as { injected?: number }).injected).toBeUndefined();
  });

  it("takes flags, defaults to the word 'error', and refuses g and bad patterns", () => {
    expect(matches(grepDefault, { [PATTERN_PARAM]: "a+b", [FLAGS_PARAM]: "i" }, ["AAB", "ab", "b"])).toEqual(["AAB", "ab"]);
    expect(matches(grepDefault, { [PATTERN_PARAM]: "a+b" }, ["AAB", "ab", "b"])).toEqual(["ab"]);
    expect(matches(grepDefault, {}, ["an ERROR", "terror", "error!"])).toEqual(["an ERROR", "error!"]);
    expect(() => matches(grepDefault, { [PATTERN_PARAM]: "(unclosed" }, ["x"])).toThrow(SyntaxError);
    expect(() => matches(grepDefault, { [PATTERN_PARAM]: "x", [FLAGS_PARAM]: "g" }, ["x"])).toThrow(/g or y/);
  });
});
