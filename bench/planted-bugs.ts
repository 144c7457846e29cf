// Planted bugs (issue 18): does the chaos harness catch a bug it was not told about? Each
// patch in bench/planted-bugs/ plants one (an acknowledgement sent before the data is
// durable, a read served by a deposed leader, a stale replica served after restart; each
// patch's header says what it models and which faults expose it). For each bug this copies
// the repository's HEAD to a temp dir, applies the patch, builds the binary there, runs the
// chaos harness (test/chaos/run.ts) against that binary with the standard workloads and
// checkers, and reports which checkers caught it. Production code never holds the bugs.
//
//   npm run bench:planted -- [--bug NAME] [--seed N | --seeds N,N,...] [--tries K] [--duration S] [--peers 5] [--kinds K,K] [--control | --control-only]
//
// With several seeds (or --tries K: K seeds drawn at random) a bug's runs go on until a
// checker catches it. Prints the seed first, each run's checkers, and a table
// bug -> caught by -> seed; always exits 0 (a bug not caught is a finding, not a crash).
// --control also runs HEAD unpatched (built the same way) with the seeds that caught a bug,
// so a catch is the bug's and not the harness's; --control-only runs just that.
import { randomInt } from "node:crypto";
import { checkAll } from "../test/chaos/checkers/index.ts";
import { chaosUnsupportedReason } from "../test/chaos/net.ts";
import { formatReport, runChaos, type ChaosReport } from "../test/chaos/run.ts";
import { FAULT_KINDS, type FaultKind } from "../test/chaos/types.ts";
import { standardWorkloads } from "../test/chaos/workloads/index.ts";
import { checkPatch, PLANTED_BUGS, preparePatchedTree, type PlantedBug } from "./planted-bugs/tree.ts";

/** The fault phase per run by default: every fault kind gets a slot of about 10 s. */
const DURATION_S_DEFAULT = 100;
/** The workloads of the CI run's size: a few file clients, hot keys over every gateway, one job client. */
const WORKLOADS = { fileClients: 3, hotKeyClients: 4, hotKeys: 3, jobClients: 1 };

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? "") : undefined;
}

/** --kinds a,b: only these fault kinds in the schedule (default: every kind). */
const KINDS: FaultKind[] | undefined = flag("kinds")
  ?.split(",")
  .map((kind) => kind.trim())
  .filter((kind): kind is FaultKind => (FAULT_KINDS as readonly string[]).includes(kind));

/** The patched copy in use, removed if this process is interrupted (the chaos run's network and mounts are swept by the next run). */
let currentTree: { remove(): void } | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    currentTree?.remove();
    process.exit(130);
  });
}

interface Outcome {
  /** "control": HEAD with no patch, run with the same seed. */
  bug: PlantedBug | "control";
  seed: number;
  caughtBy: string[];
  summaries: string[];
  error?: string;
  faults: string;
}

function seedsToTry(): number[] {
  const list = flag("seeds") ?? flag("seed");
  if (list) return list.split(",").map((s) => Number(s.trim())).filter((n) => Number.isSafeInteger(n));
  const tries = Number(flag("tries") ?? "1");
  return Array.from({ length: Math.max(1, tries) }, () => randomInt(1, 2 ** 31 - 1));
}

async function runOne(bug: PlantedBug | "control", binary: string, seed: number, durationMs: number, peers: number): Promise<Outcome> {
  const replay = `${bug === "control" ? "--control-only" : `--bug ${bug}`} --seed ${seed} --duration ${durationMs / 1_000}${KINDS ? ` --kinds ${KINDS.join(",")}` : ""}`;
  console.log(`\n== ${bug}, seed ${seed} (replay: npm run bench:planted -- ${replay})`);
  let report: ChaosReport;
  try {
    report = await runChaos({ seed, durationMs, peers, binary, workloads: standardWorkloads(WORKLOADS), check: checkAll, ...(KINDS ? { kinds: KINDS } : {}) });
  } catch (err) {
    return { bug, seed, caughtBy: [], summaries: [], error: (err as Error).message, faults: "" };
  }
  console.log(formatReport(report));
  const caught = report.checks.filter((check) => check.valid === false);
  for (const check of caught) {
    for (const anomaly of (check.anomalies ?? []).slice(0, 3)) console.log(`  ${check.checker} anomaly: ${JSON.stringify(anomaly).slice(0, 400)}`);
  }
  const faults = [...new Set(report.faults.map((record) => record.step.kind))].join(",");
  return { bug, seed, caughtBy: caught.map((check) => check.checker), summaries: caught.map((check) => `${check.checker}: ${check.summary}`), faults };
}

async function main(): Promise<void> {
  const only = flag("bug");
  const bugs = process.argv.includes("--control-only") ? [] : only ? PLANTED_BUGS.filter((bug) => bug === only) : [...PLANTED_BUGS];
  if (only && bugs.length === 0) {
    console.log(`--bug is one of ${PLANTED_BUGS.join(", ")}`);
    return;
  }
  const durationMs = Number(flag("duration") ?? DURATION_S_DEFAULT) * 1_000;
  const peers = Number(flag("peers") ?? "5");
  const seeds = seedsToTry();
  console.log(`planted bugs: ${bugs.join(", ")}; seeds ${seeds.join(", ")}; ${durationMs / 1_000} s of faults per run on ${peers} peers`);
  const unsupported = chaosUnsupportedReason();
  if (unsupported) {
    console.log(`skipped: ${unsupported}`);
    return;
  }
  const outcomes: Outcome[] = [];
  for (const bug of bugs) {
    try {
      checkPatch(bug);
    } catch (err) {
      outcomes.push({ bug, seed: 0, caughtBy: [], summaries: [], error: `the patch does not apply to HEAD: ${(err as Error).message}`, faults: "" });
      continue;
    }
    const tree = preparePatchedTree(bug);
    currentTree = tree;
    try {
      // One run at a time (the machine has two cores); stop at the first seed that catches it.
      for (const seed of seeds) {
        const outcome = await runOne(bug, tree.binary, seed, durationMs, peers);
        outcomes.push(outcome);
        if (outcome.caughtBy.length > 0) break;
      }
    } finally {
      tree.remove();
    }
  }
  // The control: HEAD itself, with the seeds that caught the bugs (or the first one), so a
  // catch is the bug's and not the harness's.
  if (process.argv.includes("--control") || process.argv.includes("--control-only")) {
    const controlSeeds = [...new Set(outcomes.filter((o) => o.caughtBy.length > 0).map((o) => o.seed))];
    if (controlSeeds.length === 0) controlSeeds.push(seeds[0]!);
    const tree = preparePatchedTree(undefined);
    currentTree = tree;
    try {
      for (const seed of controlSeeds) outcomes.push(await runOne("control", tree.binary, seed, durationMs, peers));
    } finally {
      tree.remove();
    }
  }
  console.log("\n== planted bug -> caught by -> seed");
  for (const outcome of outcomes) {
    const verdict = outcome.error ? `run failed: ${outcome.error}` : outcome.caughtBy.length > 0 ? `caught by ${outcome.caughtBy.join(", ")}` : "NOT caught";
    console.log(`${outcome.bug.padEnd(28)} ${verdict.padEnd(50)} seed ${outcome.seed}`);
    for (const summary of outcome.summaries) console.log(`${"".padEnd(28)}   ${summary}`);
  }
}

await main();
process.exit(0);
