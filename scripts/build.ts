// Compiles the CLI into one self-contained binary: dist/tessera (this machine's platform),
// or for another with `--target bun-linux-arm64` (written to dist/tessera-linux-arm64).
import { $ } from "bun";
import { mkdirSync } from "node:fs";

const targetFlagIndex = process.argv.indexOf("--target");
const target = targetFlagIndex >= 0 ? process.argv[targetFlagIndex + 1] : undefined;
if (targetFlagIndex >= 0 && !target) {
  console.error("--target needs a value such as bun-linux-arm64.");
  process.exit(2);
}
const outfile = target ? `dist/tessera-${target.replace(/^bun-/, "")}` : "dist/tessera";
mkdirSync("dist", { recursive: true });
// The task worker, the admin HTTP thread and the namespace's snapshot writer are more entry
// points: a compiled binary can start a Worker only from a module compiled into it
// (src/compute/worker-pool.ts, taskWorkerUrl; src/http/server.ts, httpWorkerUrl;
// src/master/state/namespace.ts, snapshotWorkerUrl; src/mount/fuse/session.ts, deviceWorkerUrl).
const args = ["build", "--compile", "cmd/tessera.ts", "src/compute/task-worker.ts", "src/http/http-worker.ts", "src/master/state/snapshot-worker.ts", "src/master/state/wal-checkpoint-worker.ts", "src/mount/fuse/device-worker.ts", "--outfile", outfile];
if (target) args.push("--target", target);
const started = performance.now();
await $`${process.execPath} ${args}`.quiet();
console.error(`built ${outfile} in ${Math.round(performance.now() - started)} ms`);
