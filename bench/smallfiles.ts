// The small-files workload (issue 12, item 3): `tessera fs put -r` of a local folder of many
// small files (default 10,000 files of 4 KiB in 100 folders) into a cluster of three peers
// (processes of dist/tessera on loopback) at replication 3, in files per second, beside
// references measured in the same run on the same machine:
//   - `cp -r` of the same folder into a local folder (the page cache), and the same followed
//     by `sync -f` of that file system (Tessera's chunk servers fsync what they store);
//   - `cp -r` into a MooseFS mount when MooseFS is installed (bench/moosefs.ts).
// With --api it also measures FileSystemClient.putMany from this process (no CLI start-up).
//
//   bun run bench/smallfiles.ts [--files N] [--size-kib N] [--folders N] [--replication N]
//                               [--parallel N] [--api] [--binary PATH] [--moosefs-mount DIR]
//
// Every file is checked afterwards (the count by a streamed listing, the bytes of a sample).
// It prints figures and always exits 0: a slow or shared machine gives smaller numbers.
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { ClusterClient } from "../src/client/cluster.ts";
import { setLogLevel } from "../src/util/log.ts";
import { startMooseFs } from "./moosefs.ts";
import { arg, binaryArg, binaryText, cpuBetween, cpuSnapshot, clusterText, connectPaced, int, machineLoad, makeTempDir, numberArg, out, pattern, runBench, startCluster, type CpuUse } from "./support.ts";

const RACKS = ["/r1", "/r1", "/r2"];
const FILES_DEFAULT = 10_000;
const SIZE_KIB_DEFAULT = 4;
const FOLDERS_DEFAULT = 100;
const REPLICATION_DEFAULT = 3;
const PUT_TIMEOUT_MS = 3_600_000;
const SAMPLE_FILES = 5;

interface Timed {
  label: string;
  seconds: number;
  /** Files copied: all of them, or those written before a failure. */
  files: number;
  cpu?: CpuUse;
  note?: string;
}

const timings: Timed[] = [];
let filesTotal = 0;

/** Runs a command to its end; its CPU (from the kernel's rusage) is reported as the client's. */
async function timedCommand(cmd: string[], env: Record<string, string> = {}, pids: () => number[] = () => []): Promise<{ seconds: number; code: number; stderr: string; cpu: CpuUse }> {
  const before = cpuSnapshot(pids());
  const started = performance.now();
  const child = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, ...env } });
  const timer = setTimeout(() => child.kill("SIGKILL"), PUT_TIMEOUT_MS);
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  const usage = child.resourceUsage();
  const childCpu = usage ? Number(usage.cpuTime.user + usage.cpuTime.system) / 1e6 : 0;
  const cpu = cpuBetween(before, cpuSnapshot(pids()));
  // The command ran as a child of this process: its CPU is the client's, not the rest's.
  return { seconds, code, stderr, cpu: { peers: cpu.peers, client: cpu.client + childCpu, rest: Math.max(0, cpu.rest - childCpu) } };
}

function record(label: string, seconds: number, cpu?: CpuUse, note?: string, files = filesTotal): void {
  timings.push({ label, seconds, files, ...(cpu ? { cpu } : {}), ...(note ? { note } : {}) });
  out(`  ${line(timings.at(-1)!)}`);
}

function line(t: Timed): string {
  const cpu = t.cpu ? `  CPU s: peers ${t.cpu.peers.toFixed(1)}, client ${t.cpu.client.toFixed(1)}, rest of machine ${t.cpu.rest.toFixed(1)}` : "";
  return `${t.label.padEnd(58)} ${int(t.files / t.seconds).padStart(8)} files/s  ${t.seconds.toFixed(2).padStart(8)} s${cpu}${t.note ? `  (${t.note})` : ""}`;
}

async function main(): Promise<void> {
  setLogLevel("warn");
  const files = Math.floor(numberArg("files", FILES_DEFAULT, 1));
  const sizeBytes = Math.floor(numberArg("size-kib", SIZE_KIB_DEFAULT, 0) * 1024);
  const folders = Math.min(files, Math.floor(numberArg("folders", FOLDERS_DEFAULT, 1)));
  const replication = Math.floor(numberArg("replication", REPLICATION_DEFAULT, 1));
  const parallel = arg("parallel");
  const binary = binaryArg(import.meta.dir);
  if (!binary) return;
  filesTotal = files;
  const root = makeTempDir("smallfiles");
  out(`smallfiles: ${int(files)} files of ${sizeBytes / 1024} KiB in ${folders} folders, replication ${replication}; data dirs in ${root}`);
  out(binaryText(binary));
  const idleCores = await machineLoad(1);
  out(`machine: ${availableParallelism()} cores, ${idleCores.toFixed(2)} of them busy with other work before the run (load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")})`);

  // The local tree: distinct bytes in every file.
  const source = join(root, "source");
  const name = (i: number) => join(`d${String(i % folders).padStart(4, "0")}`, `f${String(i).padStart(6, "0")}`);
  for (let d = 0; d < folders; d++) mkdirSync(join(source, `d${String(d).padStart(4, "0")}`), { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(source, name(i)), pattern(sizeBytes, i + 1));
  out();

  out("references (same machine, same run)");
  const cp = await timedCommand(["cp", "-r", source, join(root, "copy-local")]);
  record("cp -r into a local folder (page cache)", cp.seconds, cp.cpu);
  const cpSync = await timedCommand(["sh", "-c", 'cp -r "$0" "$1" && sync -f "$1"', source, join(root, "copy-local-synced")]);
  record("cp -r into a local folder, then sync -f", cpSync.seconds, cpSync.cpu);
  const moose = await startMooseFs(root);
  if (typeof moose === "string") out(`  ${moose}`);
  else {
    const target = join(moose.mount, `smallfiles-${process.pid}`);
    out(`  ${moose.description}`);
    const mfs = await timedCommand(["cp", "-r", source, target], {}, moose.pids);
    const check = verifyLocal(source, target, files, sizeBytes, name);
    record("cp -r into the MooseFS mount", mfs.seconds, mfs.cpu, mfs.code === 0 ? check.note : `failed: ${mfs.stderr.trim().slice(-200)}`, check.files);
    // Stopped before Tessera's peers start, so its idle daemons are not in their figures.
    await moose.stop();
  }
  out();

  const cluster = await startCluster(binary, root, RACKS);
  out(`Tessera, ${clusterText(cluster, RACKS)}`);
  const env = { TESSERA_JOIN: cluster.leader.address, TESSERA_SWARM_KEY: cluster.swarmKeyPath, TESSERA_LOG: "warn" };
  const client = await connectPaced(cluster.leader.address, cluster.swarmKey);
  // What the CLI costs before any file: start the binary, connect, one request, close.
  const startup = await timedCommand([binary, "fs", "ls", "/"], env, cluster.pids);
  out(`  (the CLI's own start, connect and one request: ${startup.seconds.toFixed(2)} s, included below)`);
  const put = await timedCommand([binary, "fs", "put", "-r", source, "/small-cli", "--replication", String(replication), ...(parallel ? ["--parallel", parallel] : [])], env, cluster.pids);
  const cliCheck = await verify(client, source, "/small-cli", files, sizeBytes, name);
  record(`tessera fs put -r, replication ${replication}${parallel ? `, --parallel ${parallel}` : ""}`, put.seconds, put.cpu, put.code === 0 ? cliCheck.note : `FAILED (exit ${put.code}) after ${int(cliCheck.files)} files: ${put.stderr.trim().split("\n").at(-1)}`, cliCheck.files);
  if (process.argv.includes("--api")) {
    const before = cpuSnapshot(cluster.pids());
    const started = performance.now();
    let failure: string | undefined;
    try {
      await client.fs.putMany(
        Array.from({ length: files }, (_, i) => ({ path: `/small-api/${name(i)}`, sizeBytes, source: () => Bun.file(join(source, name(i))).bytes() })),
        { replication, ...(parallel ? { inFlight: Number(parallel) } : {}) },
      );
    } catch (err) {
      failure = (err as Error).message;
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuBetween(before, cpuSnapshot(cluster.pids()));
    const check = await verify(client, source, "/small-api", files, sizeBytes, name);
    record(`FileSystemClient.putMany (this process), replication ${replication}`, seconds, cpu, failure ? `FAILED after ${int(check.files)} files: ${failure}` : check.note, check.files);
  }
  out();
  printSummary();
}

/** The files under a local (or mounted) `target`, counted with their sizes, and the bytes of a few of them checked. */
function verifyLocal(source: string, target: string, files: number, sizeBytes: number, name: (i: number) => string): { files: number; note: string } {
  let count = 0;
  let bytes = 0;
  try {
    for (const entry of readdirSync(target, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      count += 1;
      bytes += statSync(join(entry.parentPath, entry.name)).size;
    }
  } catch (err) {
    return { files: count, note: `the listing failed: ${(err as Error).message}` };
  }
  if (count !== files || bytes !== files * sizeBytes) return { files: count, note: `WRONG: ${count} files of ${bytes} bytes listed` };
  for (let k = 0; k < SAMPLE_FILES; k++) {
    const i = Math.floor((k * files) / SAMPLE_FILES);
    if (Buffer.compare(readFileSync(join(target, name(i))), readFileSync(join(source, name(i)))) !== 0) return { files: count, note: `WRONG BYTES in ${name(i)}` };
  }
  return { files: count, note: `${int(count)} files listed, ${SAMPLE_FILES} read back the same` };
}

/** The closed files under `remote`, counted by a streamed listing, and the bytes of a few of them checked. */
async function verify(client: ClusterClient, source: string, remote: string, files: number, sizeBytes: number, name: (i: number) => string): Promise<{ files: number; note: string }> {
  let count = 0;
  let bytes = 0;
  try {
    for await (const page of client.fs.listPages(remote, { recursive: true })) {
      for (const entry of page) {
        if (entry.kind !== "file" || entry.state !== "closed") continue;
        count += 1;
        bytes += entry.size;
      }
    }
  } catch (err) {
    return { files: 0, note: `the listing failed: ${(err as Error).message}` };
  }
  if (count !== files || bytes !== files * sizeBytes) return { files: count, note: `WRONG: ${count} files of ${bytes} bytes listed` };
  for (let k = 0; k < SAMPLE_FILES; k++) {
    const i = Math.floor((k * files) / SAMPLE_FILES);
    const back = await client.fs.readFile(`${remote}/${name(i)}`);
    if (Buffer.compare(back, readFileSync(join(source, name(i)))) !== 0) return { files: count, note: `WRONG BYTES in ${remote}/${name(i)}` };
  }
  return { files: count, note: `${int(count)} files listed, ${SAMPLE_FILES} read back the same` };
}

function printSummary(): void {
  if (timings.length === 0) return;
  out("summary");
  out();
  out("| copy | files/s | seconds | CPU s (peers / client / rest) | note |");
  out("|---|---|---|---|---|");
  for (const t of timings) out(`| ${t.label} | ${int(t.files / t.seconds)} | ${t.seconds.toFixed(2)} | ${t.cpu ? `${t.cpu.peers.toFixed(1)} / ${t.cpu.client.toFixed(1)} / ${t.cpu.rest.toFixed(1)}` : ""} | ${t.note ?? ""} |`);
}

await runBench(main, printSummary);
