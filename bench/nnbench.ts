// The metadata throughput of the masters (issue 12, item 4), modelled on HDFS's
// NNThroughputBenchmark: three peers as processes of dist/tessera on loopback (racks /r1, /r1,
// /r2), this process a client of the leader, and each operation of bench/meta-ops.ts with 1,
// 16 and 64 concurrent clients (workers spread over a few client connections), printed as
// operations per second with p50 and p99 latency and the CPU per operation of the peers and
// of this client, beside references measured in the same run on the same machine:
//   - the disk's rate of 100-byte appends each followed by fdatasync (what a Raft log's group
//     commit rests on), measured before the cluster starts;
//   - MooseFS doing the same operations through its FUSE mount, when it is installed
//     (bench/moosefs.ts; otherwise one line says it is skipped), each right after Tessera's.
// Before the measured phases, --warmup-seconds (30) of the same operations, not counted: the
// JIT compiles the peers' hot code for tens of seconds after they start (meta-ops.ts warmUp).
//
//   bun run bench/nnbench.ts [--ops create,mkdirs,open,fileStatus,rename,delete]
//                            [--clients 1,16,64] [--seconds N] [--connections N]
//                            [--disk-seconds N] [--warmup-seconds N] [--binary PATH]
//                            [--moosefs-mount DIR]
//
// It prints figures and always exits 0: a slow or shared machine gives smaller numbers.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { ClusterClient } from "../src/client/cluster.ts";
import { setLogLevel } from "../src/util/log.ts";
import { META_OPS, META_OP_TEXT, MetaWorkload, metaGoalText, metaLine, metaLoad, warmUp, type MetaOp, type MetaResult } from "./meta-ops.ts";
import { startMooseFs, type MooseFs } from "./moosefs.ts";
import { PosixLoad } from "./posix-ops.ts";
import { binaryArg, binaryText, clusterText, connectPaced, deadPeers, diskAppendFdatasync, diskText, goal, int, listArg, machineLoad, makeTempDir, ms, numberArg, out, percentile, runBench, startCluster, type DiskRate } from "./support.ts";

const RACKS = ["/r1", "/r1", "/r2"];
const SECONDS_DEFAULT = 5;
const CLIENTS_DEFAULT = [1, 16, 64];
// Workers share this many client connections (libp2p hosts) to the leader; each carries up to
// MUX_INFLIGHT_MAX (256) requests at once, so 64 workers over 4 is far from any bound.
const CONNECTIONS_DEFAULT = 4;
const DISK_SECONDS_DEFAULT = 2;
// Operations run before the measured phases, and with how many clients (bench/meta-ops.ts warmUp).
const WARMUP_SECONDS_DEFAULT = 30;
const WARMUP_WORKERS = 16;
const IDLE_SAMPLE_SECONDS = 1;

interface Figures {
  tessera?: MetaResult;
  moosefs?: MetaResult;
}

const results = new Map<string, Figures>(); // by `${op} ${clients}`
let disk: DiskRate | undefined;
let mooseFsLine = "";

async function main(): Promise<void> {
  setLogLevel("warn");
  const ops = listArg("ops", [...META_OPS], META_OPS) as MetaOp[];
  const clientCounts = listArg("clients", CLIENTS_DEFAULT.map(String)).map((text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > 1024) {
      console.error(`--clients takes whole numbers from 1 to 1024, not "${text}"`);
      process.exit(2);
    }
    return value;
  });
  const seconds = numberArg("seconds", SECONDS_DEFAULT, 0.1);
  const connections = Math.floor(numberArg("connections", CONNECTIONS_DEFAULT, 1));
  const diskSeconds = numberArg("disk-seconds", DISK_SECONDS_DEFAULT, 0.1);
  const warmupSeconds = numberArg("warmup-seconds", WARMUP_SECONDS_DEFAULT, 0);
  const binary = binaryArg(import.meta.dir);
  if (!binary) return;
  const root = makeTempDir("nnbench");
  out(`nnbench: ops ${ops.join(", ")}; ${clientCounts.join(", ")} clients; ${seconds} s per phase after a warm-up; workers over ${connections} client connections; data dirs in ${root}`);
  out(binaryText(binary));
  const idleCores = await machineLoad(IDLE_SAMPLE_SECONDS);
  out(`machine: ${availableParallelism()} cores, ${idleCores.toFixed(2)} of them busy with other work before the run (load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")})`);
  out();

  out("references (same machine, same run)");
  disk = diskAppendFdatasync(root, diskSeconds);
  out(`  disk: ${diskText(disk)}, ${diskSeconds} s in ${root}`);

  const cluster = await startCluster(binary, root, RACKS);
  out(`  ${clusterText(cluster, RACKS)}`);
  const clients: ClusterClient[] = [];
  while (clients.length < connections) clients.push(await connectPaced(cluster.leader.address, cluster.swarmKey));
  const tessera = new MetaWorkload("/nnbench", clients[0]!);
  const termAtStart = (await clients[0]!.status()).term;

  const moose: MooseFs | string = await startMooseFs(root);
  mooseFsLine = typeof moose === "string" ? moose : moose.description;
  out(`  ${mooseFsLine}`);
  // Its clients are threads of a child process, each in a system call of its own (bench/posix-ops.ts).
  const posix = typeof moose === "string" ? undefined : new PosixLoad(join(moose.mount, `nnbench-${process.pid}`), Math.max(...clientCounts));
  out();

  if (warmupSeconds > 0) {
    const startedMs = performance.now();
    const warmOps = await warmUp("/nnbench-warm-up", clients[0]!, clients, WARMUP_WORKERS, warmupSeconds, ops, cluster.pids);
    out(`warm-up: ${ops.join(", ")} with ${WARMUP_WORKERS} clients for ${((performance.now() - startedMs) / 1000).toFixed(0)} s (${int(warmOps)} operations, not counted): the JIT compiles the peers' hot code first (bench/meta-ops.ts warmUp)`);
    out();
  }
  out("operations (bench/meta-ops.ts): CPU/op is the peers' and this client's CPU time over the window, divided by the operations");
  for (const op of ops) {
    for (const count of clientCounts) {
      const key = `${op} ${count}`;
      const figures: Figures = {};
      results.set(key, figures);
      const label = `${META_OP_TEXT[op]}, ${count} client${count > 1 ? "s" : ""}`;
      try {
        const step = await tessera.prepare(op, count);
        figures.tessera = await metaLoad(count === 1 ? [clients[0]!] : clients, count, seconds, cluster.pids, step);
        out(`  Tessera  ${metaLine(label, figures.tessera)}`);
      } catch (err) {
        out(`  Tessera  ${label}: FAILED: ${(err as Error).message}`);
        const dead = deadPeers(cluster.peers);
        if (dead) throw new Error(`a peer of the cluster is gone, so the run stops here: ${dead}`);
      }
      if (posix && typeof moose !== "string") {
        try {
          figures.moosefs = await posix.run(op, count, seconds, moose.pids());
          out(`  MooseFS  ${metaLine(label, figures.moosefs)}`);
        } catch (err) {
          out(`  MooseFS  ${label}: FAILED: ${(err as Error).message}`);
        }
      }
    }
  }
  const termAtEnd = (await clients[0]!.status()).term;
  if (termAtEnd !== termAtStart) out(`  NOTE: the Raft term moved from ${termAtStart} to ${termAtEnd} during the run (an election happened)`);
  out();
  printSummary();
}

function printSummary(): void {
  if (results.size === 0) return;
  const rate = (result?: MetaResult) => (result && result.ops > 0 ? result.ops / result.seconds : NaN);
  const cpuPerOpMs = (result?: MetaResult) => (result && result.ops > 0 ? ((result.cpu.peers + result.cpu.client) * 1000) / result.ops : NaN);
  out(`summary: disk ${disk ? diskText(disk) : "not measured"}; ${mooseFsLine}`);
  out();
  out("| operation | clients | Tessera ops/s | p50 / p99 ms | CPU ms/op (peers + client) | MooseFS ops/s | MooseFS p50 / p99 ms | MooseFS CPU ms/op | Tessera / MooseFS | vs disk fdatasync/s | goal (issue 12) |");
  out("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const [key, figures] of results) {
    const [op, countText] = key.split(" ") as [MetaOp, string];
    const count = Number(countText);
    const t = figures.tessera;
    const tessera = rate(t);
    const moose = rate(figures.moosefs);
    const latencies = (result?: MetaResult) => (result ? `${ms(percentile(result.latenciesMs, 0.5))} / ${ms(percentile(result.latenciesMs, 0.99))}` : "—");
    const ratio = Number.isFinite(moose) && Number.isFinite(tessera) ? `${(tessera / moose).toFixed(2)}×` : "";
    const versusDisk = disk && Number.isFinite(tessera) ? `${(tessera / disk.opsPerSecond).toFixed(2)}×` : "";
    const m = figures.moosefs;
    out(`| ${META_OP_TEXT[op]} | ${count} | ${int(tessera)} | ${latencies(t)} | ${ms(cpuPerOpMs(t))} | ${Number.isFinite(moose) ? int(moose) : "—"} | ${latencies(m)} | ${ms(cpuPerOpMs(m))} | ${ratio} | ${versusDisk} | ${metaGoalText(op, count, tessera, moose, t ? percentile(t.latenciesMs, 0.5) : NaN)} |`);
  }
}

await runBench(main, printSummary);
