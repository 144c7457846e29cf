// Where a metadata operation's CPU goes: three peers run from source under `bun --cpu-prof`,
// `--workers` workers repeat one operation of bench/meta-ops.ts for `--seconds`, and each
// process's profile is summed into buckets (the WAL's writes and fdatasync, SQLite, socket
// writes, encryption, libp2p and yamux, protobuf, the Raft core, its driver, the services).
// A native frame (a system call, a builtin) is charged to its nearest JavaScript caller, so
// `write` under the WAL counts as the WAL and `run` under bun:sqlite as SQLite. Each bucket's
// share of a process's busy samples times that process's CPU per operation over the window
// (from /proc) gives microseconds per operation. The window follows --warmup-seconds (20) of
// the same operation, so the JIT has compiled the hot code (bench/meta-ops.ts warmUp); the
// profiles cover the whole run, start-up included. docs/metadata.md has the breakdown.
//
//   bun run bench/meta-profile.ts [--op create|mkdirs|fileStatus|delete|open|rename]
//                                 [--workers N] [--seconds N] [--warmup-seconds N]
//                                 [--connections N] [--keep DIR]
import { readFileSync, readdirSync, writeFileSync, chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ClusterClient } from "../src/client/cluster.ts";
import { setLogLevel } from "../src/util/log.ts";
import { busySamples, type CpuProfile } from "./cpu-profile.ts";
import { META_OPS, META_OP_TEXT, MetaWorkload, warmUp, type MetaOp } from "./meta-ops.ts";
import { arg, closeClient, clusterText, connectPaced, int, listArg, makeTempDir, numberArg, out, processCpuSeconds, runBench, startCluster, stopPeerProcess } from "./support.ts";

const RACKS = ["/r1", "/r1", "/r2"];
const CONNECTIONS_DEFAULT = 4;

/** Buckets of self time, first match wins; tested against "<function> <url>" of a frame (or of a native frame's caller). */
const BUCKETS: Array<[string, RegExp]> = [
  ["WAL writes and fsync (node:fs)", /node:fs|fdatasync|fsync|\/peer\/data-dir/],
  ["SQLite (namespace: apply and queries)", /bun:sqlite|\/src\/master\/state\//],
  ["socket writes (node:net)", /node:net|writeBuffered|node:stream|internal:streams/],
  ["encryption (AES-GCM records)", /encryption|node:crypto|Cipher|Decipher|noise/],
  ["libp2p, yamux, it-* streams", /yamux|libp2p|\/it-[a-z-]+\/|uint8arraylist|it-length-prefixed|abortable|p-queue|event-target|multiaddr|@multiformats/],
  ["protobuf (generated code, protons-runtime)", /protons|\/protocol\/pb\/|uint8arrays/],
  ["Raft core", /\/src\/raft\/(core|progress|log|read-only|types|conf)/],
  ["Raft driver, WAL code, transport", /\/src\/raft\//],
  ["metadata services (leader, forwarding)", /\/src\/master\//],
  ["request framing (mux-rpc)", /\/src\/net\//],
  ["client library", /\/src\/client\//],
  ["membership, gossip", /\/src\/membership|gossipsub/],
];

/** Busy self time of a profile by bucket (fractions summing to 1), idle excluded. */
function bucketShares(profile: CpuProfile): Map<string, number> {
  const sums = new Map<string, number>();
  let busy = 0;
  for (const { bucket, us } of busySamples(profile, BUCKETS)) {
    sums.set(bucket, (sums.get(bucket) ?? 0) + us);
    busy += us;
  }
  for (const [bucket, us] of sums) sums.set(bucket, busy > 0 ? us / busy : 0);
  return sums;
}

async function main(): Promise<void> {
  setLogLevel("warn");
  const op = listArg("op", ["create"], META_OPS)[0] as MetaOp;
  const workers = Math.floor(numberArg("workers", 16, 1));
  const seconds = numberArg("seconds", 10, 1);
  const connections = Math.floor(numberArg("connections", CONNECTIONS_DEFAULT, 1));
  const root = arg("keep") ? resolve(arg("keep")!) : makeTempDir("meta-profile");
  const profiles = join(root, "profiles");
  // The peers run from source under the profiler: a wrapper stands in for the binary.
  const wrapper = join(root, "tessera-profiled");
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" --cpu-prof --cpu-prof-dir="${profiles}" "${resolve(import.meta.dir, "../cmd/tessera.ts")}" "$@"\n`);
  chmodSync(wrapper, 0o755);
  out(`meta-profile: ${META_OP_TEXT[op]}, ${workers} workers over ${connections} connections, ${seconds} s; profiles in ${profiles}`);
  const cluster = await startCluster(wrapper, root, RACKS);
  out(clusterText(cluster, RACKS));
  const clients: ClusterClient[] = [];
  while (clients.length < connections) clients.push(await connectPaced(cluster.leader.address, cluster.swarmKey));
  const warmupSeconds = numberArg("warmup-seconds", 20, 0);
  if (warmupSeconds > 0) await warmUp("/profile-warm-up", clients[0]!, clients, workers, warmupSeconds, [op], cluster.pids);
  const step = await new MetaWorkload("/profile", clients[0]!).prepare(op, workers);

  const pids = cluster.pids();
  const before = { peers: pids.map(processCpuSeconds), self: process.cpuUsage() };
  const startMs = performance.now();
  const stopMs = startMs + seconds * 1000;
  let ops = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      const client = clients[worker % clients.length]!;
      for (let n = 0; performance.now() < stopMs; n++) {
        try {
          if ((await step(client, worker, n)) === false) return;
          ops += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const elapsedS = (performance.now() - startMs) / 1000;
  const peerCpuS = pids.map((pid, i) => processCpuSeconds(pid) - before.peers[i]!);
  const self = process.cpuUsage(before.self);
  const clientCpuS = (self.user + self.system) / 1e6;
  out(`${int(ops / elapsedS)} ops/s over ${elapsedS.toFixed(1)} s (${int(ops)} ops, ${errors} errors)`);
  for (const client of clients) await closeClient(client);
  const names = new Map(cluster.peers.map((peer) => [peer.child.pid, peer.id === cluster.leader.id ? `${peer.name} (leader)` : peer.name]));
  for (const peer of cluster.peers) await stopPeerProcess(peer);

  // Profiles are named CPU.<date>.<time>.<pid>.*.cpuprofile.
  const files = readdirSync(profiles).filter((name) => name.endsWith(".cpuprofile"));
  out();
  out(`CPU per operation in µs, by bucket (a bucket's share of the process's busy samples × its CPU per op over the window)`);
  const columns = pids.map((pid) => ({ pid, name: names.get(pid)!, shares: new Map<string, number>(), cpuPerOpUs: (peerCpuS[pids.indexOf(pid)]! * 1e6) / Math.max(1, ops) }));
  for (const column of columns) {
    const file = files.find((name) => name.split(".")[3] === String(column.pid));
    if (file) column.shares = bucketShares(JSON.parse(readFileSync(join(profiles, file), "utf8")) as CpuProfile);
    else out(`  no profile from ${column.name} (pid ${column.pid})`);
  }
  const bucketNames = [...new Set(columns.flatMap((column) => [...column.shares.keys()]))];
  const total = (bucket: string) => columns.reduce((sum, column) => sum + (column.shares.get(bucket) ?? 0) * column.cpuPerOpUs, 0);
  bucketNames.sort((a, b) => total(b) - total(a));
  out(`| bucket | ${columns.map((column) => column.name).join(" | ")} | peers |`);
  out(`|---|${columns.map(() => "---:").join("|")}|---:|`);
  for (const bucket of bucketNames) {
    out(`| ${bucket} | ${columns.map((column) => int((column.shares.get(bucket) ?? 0) * column.cpuPerOpUs)).join(" | ")} | ${int(total(bucket))} |`);
  }
  out(`| **CPU per op** | ${columns.map((column) => `**${int(column.cpuPerOpUs)}**`).join(" | ")} | **${int(columns.reduce((sum, column) => sum + column.cpuPerOpUs, 0))}** |`);
  out(`client (this process, not profiled): ${int((clientCpuS * 1e6) / Math.max(1, ops))} µs per op`);
}

await runBench(main);
