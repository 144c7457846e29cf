// What applying creates costs a master's thread, in one process without Raft: nnbench's create
// (an empty file created closed, with its call recorded in the retry cache, in one of 16
// folders) applied in batches as RaftNode applies them, on a database file.
//
//   bun run bench/namespace-apply.ts [--batch 8] [--creates 30000] [--rounds 3]
//
// Prints per create: the process's CPU (every thread: the WAL checkpoint worker included), the
// applying thread's own CPU (from /proc/thread-self/stat), and the wall time. The wall time
// above the thread's CPU is where the thread waited, on the disk or for a core. Never fails.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Namespace } from "../src/master/state/namespace.ts";
import { encodeLogCommand, type TypedLogCommand } from "../src/master/state/log-command.ts";
import type { Entry } from "../src/raft/types.ts";
import { tempDir } from "../test/support/temp.ts";

const FOLDERS = 16;
const CLIENT = "12D3KooWBenchClientPeerIdxxxxxxxxxxxxxxxxxxxxxxxx";

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

/** This thread's user + system CPU in µs (clock ticks of 10 ms). */
function threadCpuUs(): number {
  const fields = readFileSync("/proc/thread-self/stat", "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const batch = arg("batch", 8);
const count = arg("creates", 30_000);
const rounds = arg("rounds", 3);
const dir = tempDir("namespace-apply");
// The temporary database goes however the bench ends.
process.on("exit", () => dir.remove());
const ns = Namespace.open({ path: join(dir.path, "namespace.db") });
let index = 0;
const entry = (command: TypedLogCommand): Entry => ({ index: ++index, term: 1, type: "normal", data: encodeLogCommand(command) });
const applied = (entries: Entry[]) => {
  for (const result of ns.applyBatch(entries)) if (!result.ok) throw result.error;
};
applied([entry({ mkdir: { path: "/nnbench/create", parents: true, mtimeMs: 1 } })]);
applied(Array.from({ length: FOLDERS }, (_, w) => entry({ mkdir: { path: `/nnbench/create/w${w}`, parents: false, mtimeMs: 1 } })));
const create = (n: number): TypedLogCommand => {
  const clientId = `${CLIENT}/c${n % FOLDERS}`;
  return { create: { path: `/nnbench/create/w${n % FOLDERS}/f${n}`, replication: 3, chunkSizeBytes: 64 << 20, clientId, closed: true, leaseExpiryMs: 0, mtimeMs: 1_700_000_000_000 + n }, call: { clientId, callId: n + 1, nowMs: 1_700_000_000_000 + n } };
};

console.log(`namespace apply: ${count} creates per round in batches of ${batch}, on ${dir.path}`);
for (let round = 0; round < rounds; round++) {
  const batches: Entry[][] = [];
  for (let n = 0; n < count; n += batch) batches.push(Array.from({ length: batch }, (_, j) => entry(create(round * count + n + j))));
  const cpu = process.cpuUsage();
  const thread = threadCpuUs();
  const startMs = performance.now();
  for (const entries of batches) applied(entries);
  const wallUs = (performance.now() - startMs) * 1000;
  const used = process.cpuUsage(cpu);
  const perCreate = (us: number) => (us / count).toFixed(1);
  console.log(`round ${round + 1}: per create ${perCreate(used.user + used.system)} µs of process CPU (${perCreate(used.system)} system), ${perCreate(threadCpuUs() - thread)} µs of the applying thread's, ${perCreate(wallUs)} µs wall`);
}
// The checkpoint worker's answers arrive on this thread's event loop.
await Bun.sleep(100);
console.log("WAL checkpoints by the worker:", JSON.stringify(ns.walCheckpoints()));
ns.close();
