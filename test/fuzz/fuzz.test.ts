// The fuzz suite: every target of test/fuzz/registry.ts with its suiteRuns cases, from one
// seed per run (printed; TESSERA_FUZZ_SEED replays it). A failure names the target, the seed,
// the path fast-check needs to replay it, and the shrunk counterexample. bench/fuzz.ts runs
// the same targets with a million cases and more.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { FUZZ_TARGETS } from "./registry.ts";

const seed = process.env.TESSERA_FUZZ_SEED !== undefined ? Number(process.env.TESSERA_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
console.log(`fuzz seed=${seed} (TESSERA_FUZZ_SEED=${seed} replays it)`);

/** How long one target may run, shrinking included, before it stops and reports: under the test's 60 s. */
const FUZZ_TARGET_BUDGET_MS = 40_000;

/** A counterexample of a million bytes would drown the report: its start says enough, with the seed and path to replay it. */
function shown(text: string): string {
  return text.length <= 2_000 ? text : `${text.slice(0, 2_000)}… (${text.length} characters)`;
}

describe("fuzz targets", () => {
  test("have unique names and a positive number of cases", () => {
    const names = FUZZ_TARGETS.map((target) => target.name);
    expect(new Set(names).size).toBe(names.length);
    for (const target of FUZZ_TARGETS) expect(target.suiteRuns).toBeGreaterThan(0);
  });

  for (const target of FUZZ_TARGETS) {
    test(target.name, async () => {
      const context = target.setup ? await target.setup() : undefined;
      try {
        // Shrinking a case that hangs waits out each candidate's deadline: past this budget the
        // run stops and reports the smallest counterexample so far, rather than the test's
        // timeout reporting none (a hang CI found in net/mux-rpc said only "timed out").
        const details = await fc.check(target.property(context) as fc.IAsyncProperty<never>, { numRuns: target.suiteRuns, seed, interruptAfterTimeLimit: FUZZ_TARGET_BUDGET_MS });
        if (details.failed) {
          throw new Error(`${target.name} failed at seed=${details.seed} path=${details.counterexamplePath}: ${shown(fc.stringify(details.counterexample))}\n${String(details.errorInstance)}`);
        }
        if (details.interrupted) throw new Error(`${target.name} ran only ${details.numRuns} of its ${target.suiteRuns} cases within ${FUZZ_TARGET_BUDGET_MS} ms at seed=${details.seed}`);
        expect(details.numRuns).toBe(target.suiteRuns);
      } finally {
        if (target.teardown) await target.teardown(context);
      }
    }, 60_000);
  }
});
