// The CI sweep of the Raft simulation, split over a few test files so Bun reports progress:
// file `part` runs the seeds s in [1, SIM_SEEDS] with s % SIM_PARTS === part, in groups.
//
//   SEED=<n> npx bun test test/sim      replays one seed (only the file owning it runs it)
//   STEPS=<n>                           steps per seed (default 500)
//   SIM_SEEDS=<n>                       seeds in the sweep (default 2000)
import { describe, expect, it } from "vitest";
import { runSeed, type SimResult } from "./cluster.ts";

export const SIM_PARTS = 4;
const SEEDS = Number(process.env.SIM_SEEDS ?? 2000);
const STEPS = Number(process.env.STEPS ?? 500);
/** Seeds per `it`, so a slow or failing group is visible on its own. */
const GROUP = 50;
/** Per-group time limit: generous, because the machine may be shared (a group takes ~1-2 s). */
const GROUP_TIMEOUT_MS = 120_000;

function runGroup(seeds: number[]): SimResult[] {
  const failures: string[] = [];
  const results: SimResult[] = [];
  for (const seed of seeds) {
    try {
      results.push(runSeed({ seed, steps: STEPS }));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      failures.push(`${msg.includes(`seed=${seed}`) ? "" : `seed=${seed}: `}${msg}\n  replay: SEED=${seed} npx bun test test/sim`);
    }
  }
  if (failures.length > 0) {
    throw new Error(`${failures.length} seed(s) failed; first:\n${failures[0]}\nall: ${failures.map((f) => f.split(":")[0]).join(", ")}`);
  }
  return results;
}

export function simSuite(part: number): void {
  describe(`Raft simulation (part ${part + 1}/${SIM_PARTS}): safety after every step, linearizable KV, liveness after heal`, () => {
    if (process.env.SEED !== undefined) {
      const seed = Number(process.env.SEED);
      const mine = ((seed % SIM_PARTS) + SIM_PARTS) % SIM_PARTS === part;
      (mine ? it : it.skip)(`replay seed=${seed} (${STEPS} steps)`, () => {
        const r = runGroup([seed])[0];
        console.log(JSON.stringify(r));
      }, GROUP_TIMEOUT_MS);
      return;
    }
    const mine: number[] = [];
    for (let s = 1; s <= SEEDS; s++) if (s % SIM_PARTS === part) mine.push(s);
    for (let i = 0; i < mine.length; i += GROUP) {
      const group = mine.slice(i, i + GROUP);
      it(`seeds ${group[0]}..${group[group.length - 1]} (${group.length} seeds × ${STEPS} steps)`, () => {
        const results = runGroup(group);
        expect(results.length).toBe(group.length);
        // The sweep must exercise what it claims to (elections, commits).
        expect(results.reduce((n, r) => n + r.maxCommit, 0)).toBeGreaterThan(group.length * 5);
      }, GROUP_TIMEOUT_MS);
    }
  });
}
