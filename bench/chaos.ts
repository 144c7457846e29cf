// The long chaos run (issue 18): 5 real peers in network namespaces, the standard workloads
// (files, hot keys over S3 and the fs client, MapReduce jobs) and a nemesis drawing faults of
// every kind from a seed for 30 minutes, then the checkers. Prints the seed first and a
// Jepsen-style results table at the end: operations attempted, acknowledged, failed and
// indeterminate per workload, faults by kind with the unavailability after each (the time from
// a fault's start to the next acknowledged write invoked after it), lost writes, stale reads
// and the linearizability verdict. Needs root, ip, tc and nft.
//
//   npm run bench:chaos [-- --seed N] [--duration MINUTES] [--peers 5] [--json FILE]
import { writeFileSync } from "node:fs";
import { checkAll } from "../test/chaos/checkers/index.ts";
import { chaosUnsupportedReason } from "../test/chaos/net.ts";
import { chaosSeed, formatReport, runChaos } from "../test/chaos/run.ts";
import { standardWorkloads } from "../test/chaos/workloads/index.ts";
import { ensureBinary } from "../test/support/processes.ts";

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const unsupported = chaosUnsupportedReason();
if (unsupported) {
  console.error(`bench:chaos cannot run here: ${unsupported}`);
  process.exit(2);
}
const seed = flag("seed") !== undefined ? chaosSeed({ TESSERA_CHAOS_SEED: flag("seed") }) : chaosSeed();
const minutes = Number(flag("duration") ?? 30);
const peers = Number(flag("peers") ?? 5);
if (!(minutes > 0) || !(peers >= 3)) {
  console.error("usage: bun run bench/chaos.ts [--seed N] [--duration MINUTES] [--peers N>=3] [--json FILE]");
  process.exit(2);
}
const binary = await ensureBinary();
const report = await runChaos({
  seed,
  durationMs: Math.round(minutes * 60_000),
  peers,
  binary,
  workloads: standardWorkloads({ fileClients: 4, hotKeyClients: 4, hotKeys: 5, jobClients: 1 }),
  check: checkAll,
  fsckBoundMs: 120_000,
});
console.log("");
console.log(formatReport(report));
const json = flag("json");
if (json) writeFileSync(json, JSON.stringify({ ...report, history: undefined, operations: report.history.length }, null, 2));
process.exit(report.valid ? 0 : 1);
