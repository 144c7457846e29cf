// The long fuzz run (issue 18): every target of test/fuzz/registry.ts, with --cases-total
// cases in all (default 1,000,000), split across the targets in proportion to the cases the
// suite gives each (a target that crosses a stream costs more per case and gets fewer).
//
//   npm run bench:fuzz [-- --cases-total 1000000] [--seed N] [--target pb/meta,s3/sigv4]
//
// Each target runs in batches from seeds derived from --seed, so a failure ends only its batch:
// it is printed (target, seed, path, shrunk counterexample: `TESSERA_FUZZ_SEED` or fc's seed and
// path replay it) and the run goes on. Prints per target: cases, cases/s, failures; then the
// totals. Exits 0 with the summary whether or not a target failed (the table says so): it
// reports, it does not gate.
import fc from "fast-check";
import { ALL_FUZZ_TARGETS as FUZZ_TARGETS } from "../test/fuzz/registry.ts";
import type { FuzzTarget } from "../test/fuzz/registry.ts";
import { arg, int, numberArg, out } from "./support.ts";

/** Cases of one fc.check call: a failure costs at most this many of a target's cases. */
const BATCH_CASES_MAX = 20_000;
/** Characters of a counterexample printed (a megabyte of bytes says no more than its start). */
const COUNTEREXAMPLE_CHARS_MAX = 1_500;

const casesTotal = numberArg("cases-total", 1_000_000, 1);
const seed = numberArg("seed", Math.floor(Math.random() * 2 ** 31), 0);
const only = arg("target")?.split(",").map((name) => name.trim()).filter(Boolean);

const targets = only === undefined ? [...FUZZ_TARGETS] : FUZZ_TARGETS.filter((target) => only.includes(target.name));
if (targets.length === 0) {
  console.error(`--target names none of: ${FUZZ_TARGETS.map((target) => target.name).join(", ")}`);
  process.exit(2);
}
const weightTotal = targets.reduce((sum, target) => sum + target.suiteRuns, 0);
const casesOf = (target: FuzzTarget) => Math.max(1, Math.round((casesTotal * target.suiteRuns) / weightTotal));

interface Row {
  name: string;
  cases: number;
  seconds: number;
  failures: number;
}

function shown(text: string): string {
  return text.length <= COUNTEREXAMPLE_CHARS_MAX ? text : `${text.slice(0, COUNTEREXAMPLE_CHARS_MAX)}… (${text.length} characters)`;
}

async function runTarget(target: FuzzTarget, targetIndex: number): Promise<Row> {
  const wanted = casesOf(target);
  const context = target.setup ? await target.setup() : undefined;
  const started = performance.now();
  let cases = 0;
  let failures = 0;
  try {
    for (let batch = 0; cases < wanted; batch++) {
      const batchSeed = (seed + targetIndex * 1_000_003 + batch * 7_919) % 2 ** 31;
      const numRuns = Math.min(BATCH_CASES_MAX, wanted - cases);
      const details = await fc.check(target.property(context) as fc.IAsyncProperty<never>, { numRuns, seed: batchSeed });
      if (details.failed) {
        failures += 1;
        // The cases before the failing one ran and passed; the failing one counts too.
        cases += Math.max(1, details.numRuns);
        out(`  FAILURE ${target.name}: seed=${details.seed} path=${details.counterexamplePath ?? ""}`);
        out(`    ${shown(String(details.errorInstance)).replace(/\n/g, "\n    ")}`);
        out(`    counterexample: ${shown(fc.stringify(details.counterexample))}`);
      } else {
        cases += details.numRuns;
      }
    }
  } finally {
    if (target.teardown) await target.teardown(context);
  }
  return { name: target.name, cases, seconds: (performance.now() - started) / 1000, failures };
}

const startedMs = performance.now();
out(`fuzz: ${targets.length} targets, ${int(casesTotal)} cases in all, seed=${seed} (--seed ${seed} replays the run), Bun ${Bun.version}`);
const rows: Row[] = [];
for (const target of targets) {
  // Seeds derive from the target's place in the whole registry, so --target replays the same cases.
  const row = await runTarget(target, FUZZ_TARGETS.indexOf(target));
  rows.push(row);
  out(`${row.name.padEnd(34)} ${int(row.cases).padStart(9)} cases ${int(row.cases / row.seconds).padStart(8)} cases/s ${String(row.failures).padStart(3)} failures`);
}
const wallSeconds = (performance.now() - startedMs) / 1000;
const cases = rows.reduce((sum, row) => sum + row.cases, 0);
const failures = rows.reduce((sum, row) => sum + row.failures, 0);

out("");
out("| target | cases | cases/s | failures |");
out("|---|---:|---:|---:|");
for (const row of rows) out(`| ${row.name} | ${int(row.cases)} | ${int(row.cases / row.seconds)} | ${row.failures} |`);
out(`| **all ${rows.length} targets** | **${int(cases)}** | **${int(cases / wallSeconds)}** | **${failures}** |`);
out("");
out(`${int(cases)} cases in ${wallSeconds.toFixed(1)} s wall, seed=${seed}; ${failures === 0 ? "no failures" : `${failures} failing batches (above, with their seeds and counterexamples)`}`);
// Reporting, not gating: the exit code says only that the run itself completed.
process.exit(0);
