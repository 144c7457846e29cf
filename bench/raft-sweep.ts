// The long Raft simulation sweep (the nightly-style run; CI runs the short one in test/sim/).
//   npx bun bench/raft-sweep.ts --seeds 20000 --steps 2000 [--from 1]
// Prints throughput and every failing seed with its replay command. It reports; it never fails
// because the machine is slow (exit code 1 only when a seed fails).
import { runSeed } from "../test/sim/cluster.ts";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) {
    console.error(`--${name} needs a non-negative integer`);
    process.exit(2);
  }
  return v;
}

const seeds = arg("seeds", 5000);
const steps = arg("steps", 1000);
const from = arg("from", 1);
const started = performance.now();
const failures: { seed: number; message: string }[] = [];
let events = 0;
let snapshots = 0;
let confChanges = 0;
let crashes = 0;
let ops = 0;
let leaseReads = 0;
let unknown = 0;
let lastReport = started;
for (let seed = from; seed < from + seeds; seed++) {
  try {
    const r = runSeed({ seed, steps });
    events += r.events;
    snapshots += r.snapshotsSent;
    confChanges += r.confChanges;
    crashes += r.crashes;
    ops += r.clientOps;
    leaseReads += r.leaseReads;
    if (r.linearizable === "unknown") unknown++;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    failures.push({ seed, message });
    console.log(`FAIL seed=${seed}: ${message.split("\n")[0]}\n  replay: SEED=${seed} STEPS=${steps} npx bun test test/sim`);
  }
  const now = performance.now();
  if (now - lastReport > 10_000) {
    lastReport = now;
    const done = seed - from + 1;
    console.log(`… ${done}/${seeds} seeds, ${(done / ((now - started) / 1000)).toFixed(1)} seeds/s, ${failures.length} failed`);
  }
}
const secs = (performance.now() - started) / 1000;
console.log(
  `raft-sweep: ${seeds} seeds × ${steps} steps in ${secs.toFixed(1)} s = ${(seeds / secs).toFixed(1)} seeds/s ` +
    `(${Math.round(events / secs)} core events/s); snapshots ${snapshots}, conf changes ${confChanges}, crashes ${crashes}, ` +
    `client ops ${ops} (reads under a lease ${leaseReads}), linearizability undecided ${unknown}; failures: ${failures.length}` +
    (failures.length ? ` (${failures.map((f) => f.seed).join(", ")})` : ""),
);
process.exit(failures.length > 0 ? 1 : 0);
