// Where the CPU of small files written through the mount goes (docs/mount.md "Small files:
// where the time goes"): three peers and a `tessera mount -f` run from source under
// `bun --cpu-prof`, `cp -r` copies `--files` files of `--size-bytes` onto the mount, and each
// process's profile is summed into buckets as bench/meta-profile.ts does (a native frame is
// charged to its nearest JavaScript caller). A bucket's share of a process's busy samples
// times that process's CPU per file over the copy (from /proc) gives ms per file.
//
// With --no-profile the peers and the mount run from dist/tessera without the profiler
// (the figures to compare before and after a change). After the copy, each process's CPU
// while idle for a few seconds shows what background work costs with the chunks it holds.
//
//   bun run bench/mount-profile.ts [--files N] [--size-bytes N] [--keep DIR] [--no-profile]
import { mkdirSync, readFileSync, readdirSync, writeFileSync, chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import { setLogLevel } from "../src/util/log.ts";
import { busySamples, type CpuProfile } from "./cpu-profile.ts";
import { arg, clusterText, int, makeTempDir, numberArg, out, pattern, processCpuSeconds, runBench, startCluster, stopPeerProcess, track, waitFor } from "./support.ts";

const RACKS = ["/r1", "/r1", "/r2"];
const IDLE_WINDOW_MS = 5_000;

/** Buckets of self time, first match wins; tested against "<function> <url>" of a frame (or of a native frame's caller). */
const BUCKETS: Array<[string, RegExp]> = [
  ["FUSE session and /dev/fuse (src/mount/fuse)", /\/src\/mount\/fuse\//],
  ["vfs (src/mount/vfs)", /\/src\/mount\//],
  ["WAL writes and fsync (node:fs)", /node:fs|fdatasync|fsync|\/peer\/data-dir/],
  ["SQLite (namespace: apply and queries)", /bun:sqlite|\/src\/master\/state\//],
  ["chunk store and pipeline (src/chunk)", /\/src\/chunk\//],
  ["socket writes (node:net)", /node:net|writeBuffered|node:stream|internal:streams/],
  ["encryption (AES-GCM records)", /encryption|node:crypto|Cipher|Decipher|noise/],
  ["libp2p, yamux, it-* streams", /yamux|libp2p|\/it-[a-z-]+\/|uint8arraylist|it-length-prefixed|abortable|p-queue|event-target|multiaddr|@multiformats/],
  ["protobuf (generated code, protons-runtime)", /protons|\/protocol\/pb\/|uint8arrays/],
  ["Raft core", /\/src\/raft\/(core|progress|log|read-only|types|conf)/],
  ["Raft driver, WAL code, transport", /\/src\/raft\//],
  ["metadata services (leader, forwarding)", /\/src\/master\//],
  ["request framing (mux-rpc)", /\/src\/net\//],
  ["client library (editor, writer)", /\/src\/client\//],
  ["membership, gossip", /\/src\/membership|gossipsub/],
  ["peer (src/peer)", /\/src\/peer\//],
];

/** Busy self time (µs) by bucket and by function within [fromUs, toUs] of the profile's clock. */
function bucketTimes(profile: CpuProfile, fromUs: number, toUs: number): { buckets: Map<string, number>; functions: Map<string, number>; busyUs: number } {
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyUs = 0;
  for (const { bucket, key, us } of busySamples(profile, BUCKETS, { fromUs, toUs })) {
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
    const fn = key.replace(/file:\/\/\S*\/(src|node_modules)\//, "$1/");
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    busyUs += us;
  }
  return { buckets, functions, busyUs };
}

/** read- and write-like system calls a process made so far (/proc/PID/io syscr, syscw). */
function systemCalls(pid: number): { reads: number; writes: number } {
  const text = readFileSync(`/proc/${pid}/io`, "utf8");
  return { reads: Number(/^syscr: (\d+)/m.exec(text)?.[1] ?? 0), writes: Number(/^syscw: (\d+)/m.exec(text)?.[1] ?? 0) };
}

async function main(): Promise<void> {
  setLogLevel("warn");
  const files = Math.floor(numberArg("files", 500, 1));
  const sizeBytes = Math.floor(numberArg("size-bytes", 4096, 0));
  const root = arg("keep") ? resolve(arg("keep")!) : makeTempDir("mount-profile");
  const profiles = join(root, "profiles");
  const wrapper = join(root, "tessera-profiled");
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" --cpu-prof --cpu-prof-dir="${profiles}" "${resolve(import.meta.dir, "../cmd/tessera.ts")}" "$@"\n`);
  chmodSync(wrapper, 0o755);
  const profiled = !process.argv.includes("--no-profile");
  const binary = profiled ? wrapper : resolve(import.meta.dir, "../dist/tessera");
  const cluster = await startCluster(binary, root, RACKS);
  out(clusterText(cluster, RACKS));
  const source = join(root, "source");
  mkdirSync(source);
  for (let i = 0; i < files; i++) writeFileSync(join(source, `f${i}`), pattern(sizeBytes, i));
  const mountPoint = join(root, "mnt");
  mkdirSync(mountPoint);
  const mount = track(Bun.spawn([binary, "mount", mountPoint, "-f", "--join", cluster.leader.address, "--swarm-key", cluster.swarmKeyPath], { stdin: "ignore", stdout: "inherit", stderr: "inherit", env: { ...process.env, TESSERA_LOG: "warn" } }));
  await waitFor("the mount", 60_000, async () => (readFileSync("/proc/self/mounts", "utf8").includes(mountPoint) ? true : undefined), 50);
  // Warm-up: the JIT compiles the hot code before the measured copy.
  const warm = Bun.spawnSync(["cp", "-r", source, join(mountPoint, "warm")]);
  if (warm.exitCode !== 0) throw new Error(`cp -r (warm-up) failed: ${warm.stderr.toString()}`);
  const pids = [...cluster.pids(), mount.pid];
  const names = new Map(cluster.peers.map((peer) => [peer.child.pid, peer.id === cluster.leader.id ? `${peer.name} (leader)` : peer.name]));
  names.set(mount.pid, "mount");
  const before = pids.map(processCpuSeconds);
  const callsBefore = pids.map(systemCalls);
  const fromUs = Date.now() * 1000;
  const startMs = performance.now();
  const copy = Bun.spawnSync(["cp", "-r", source, join(mountPoint, "copy")]);
  const elapsedS = (performance.now() - startMs) / 1000;
  const toUs = Date.now() * 1000;
  if (copy.exitCode !== 0) throw new Error(`cp -r failed: ${copy.stderr.toString()}`);
  const cpuS = pids.map((pid, i) => processCpuSeconds(pid) - before[i]!);
  const callsAfter = pids.map(systemCalls);
  out(`cp -r of ${files} files of ${sizeBytes} B: ${elapsedS.toFixed(2)} s, ${(files / elapsedS).toFixed(1)} files/s; CPU ms per file: ${pids.map((pid, i) => `${names.get(pid)} ${((cpuS[i]! * 1000) / files).toFixed(2)}`).join(", ")}, total ${((cpuS.reduce((a, b) => a + b, 0) * 1000) / files).toFixed(2)}`);
  out(`system calls per file (reads / writes, all kinds: sockets, files, /dev/fuse): ${pids.map((pid, i) => `${names.get(pid)} ${((callsAfter[i]!.reads - callsBefore[i]!.reads) / files).toFixed(0)} / ${((callsAfter[i]!.writes - callsBefore[i]!.writes) / files).toFixed(0)}`).join(", ")}`);
  // The leader's background rounds scale with the chunks it holds: its CPU with nothing to do.
  const idleBefore = pids.map(processCpuSeconds);
  const idleStartMs = performance.now();
  await Bun.sleep(IDLE_WINDOW_MS);
  const idleS = (performance.now() - idleStartMs) / 1000;
  out(`idle after the copy (${2 * files} files), CPU ms per second: ${pids.map((pid, i) => `${names.get(pid)} ${(((processCpuSeconds(pid) - idleBefore[i]!) * 1000) / idleS).toFixed(0)}`).join(", ")}`);
  Bun.spawnSync([binary, "umount", mountPoint]);
  await mount.exited;
  await cluster.control.close().catch(() => {});
  for (const peer of cluster.peers) await stopPeerProcess(peer);

  if (!profiled) return;
  const profileFiles = readdirSync(profiles).filter((name) => name.endsWith(".cpuprofile"));
  out();
  out("CPU per file in ms, by bucket (share of the process's busy samples during the copy × its CPU per file)");
  const columns = pids.map((pid, i) => {
    const file = profileFiles.find((name) => name.split(".")[3] === String(pid));
    // Bun's profile clock is microseconds since the epoch? Fall back to the whole profile if not.
    const profile = file ? (JSON.parse(readFileSync(join(profiles, file), "utf8")) as CpuProfile) : undefined;
    let times = profile ? bucketTimes(profile, fromUs, toUs) : undefined;
    if (profile && times && times.busyUs === 0) times = bucketTimes(profile, -Infinity, Infinity);
    return { pid, name: names.get(pid)!, times, cpuPerFileMs: (cpuS[i]! * 1000) / files };
  });
  const share = (column: (typeof columns)[number], bucket: string) => (column.times && column.times.busyUs > 0 ? (column.times.buckets.get(bucket) ?? 0) / column.times.busyUs : 0);
  const bucketNames = [...new Set(columns.flatMap((c) => [...(c.times?.buckets.keys() ?? [])]))];
  const total = (bucket: string) => columns.reduce((sum, c) => sum + share(c, bucket) * c.cpuPerFileMs, 0);
  bucketNames.sort((a, b) => total(b) - total(a));
  out(`| bucket | ${columns.map((c) => c.name).join(" | ")} | all |`);
  out(`|---|${columns.map(() => "---:").join("|")}|---:|`);
  for (const bucket of bucketNames) out(`| ${bucket} | ${columns.map((c) => (share(c, bucket) * c.cpuPerFileMs).toFixed(2)).join(" | ")} | ${total(bucket).toFixed(2)} |`);
  out(`| **CPU per file** | ${columns.map((c) => `**${c.cpuPerFileMs.toFixed(2)}**`).join(" | ")} | **${columns.reduce((s, c) => s + c.cpuPerFileMs, 0).toFixed(2)}** |`);
  for (const c of columns) {
    if (!c.times) continue;
    out();
    out(`top functions (self) in ${c.name}, ms per file:`);
    const top = [...c.times.functions].sort((a, b) => b[1] - a[1]).slice(0, 15);
    for (const [fn, us] of top) out(`  ${((us / c.times.busyUs) * c.cpuPerFileMs).toFixed(2)}  ${fn.slice(0, 150)}`);
  }
  out(`profiles in ${profiles}`);
}

await runBench(main);
