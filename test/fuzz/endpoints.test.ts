// The endpoint fuzz targets (endpoints-http.ts, endpoints-p2p.ts) at their suite sizes, each
// against a peer of its own. A failure prints fast-check's seed and the shrunk input; replay
// it with TESSERA_FUZZ_SEED=<seed> (and TESSERA_FUZZ_ONLY=<part of the target's name>).
// TESSERA_FUZZ_RUNS=<n> runs n cases per target instead (a long run; each prints its cases/s).
import { describe, it } from "vitest";
import fc from "fast-check";
import type { FuzzTarget } from "./registry.ts";
import { HTTP_FUZZ_TARGETS } from "./endpoints-http.ts";
import { P2P_FUZZ_TARGETS } from "./endpoints-p2p.ts";

/** A case (a request, a redirect, the checks after) that takes longer than this is a hang. */
const CASE_TIMEOUT_MS = 60_000;
const TARGETS: readonly FuzzTarget[] = [...HTTP_FUZZ_TARGETS, ...P2P_FUZZ_TARGETS];
const seed = process.env.TESSERA_FUZZ_SEED === undefined ? undefined : Number(process.env.TESSERA_FUZZ_SEED);
const runs = process.env.TESSERA_FUZZ_RUNS === undefined ? undefined : Number(process.env.TESSERA_FUZZ_RUNS);
const only = process.env.TESSERA_FUZZ_ONLY;

describe("endpoint fuzz targets", () => {
  for (const target of TARGETS) {
    if (only && !target.name.includes(only)) continue;
    const numRuns = runs ?? target.suiteRuns;
    it(`${target.name} (${numRuns} cases)`, async () => {
      const context = await target.setup?.();
      try {
        const startedMs = performance.now();
        await fc.assert(target.property(context) as fc.IAsyncProperty<unknown[]>, { numRuns, timeout: CASE_TIMEOUT_MS, ...(seed !== undefined ? { seed } : {}), endOnFailure: true });
        const seconds = (performance.now() - startedMs) / 1000;
        if (runs !== undefined) console.log(`fuzz ${target.name}: ${numRuns} cases in ${seconds.toFixed(1)} s, ${(numRuns / seconds).toFixed(0)} cases/s`);
      } finally {
        await target.teardown?.(context);
      }
    });
  }
});
