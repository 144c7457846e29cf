// The POSIX mount measured (issue 17, "What must be shown": bench/mount), all in one run on one
// machine, against a cluster of three dist/tessera peers on loopback at replication 3 and a
// `tessera mount -f` process of the same binary:
//
//   1. sequential write of --size-mib MiB (default 1024): `dd bs=1M conv=fsync` onto the mount
//      beside `tessera fs put` of the same local file (goal: the mount at least 0.7× put);
//   2. sequential read of it: `dd bs=1M` from a fresh mount (a new mount process and a new
//      superblock, so no page of it is cached) beside `tessera fs get` (goal: at least 0.7×);
//   3. `cp -r` of --files (default 10,000) files of --file-kib KiB (default 4) in 100 folders,
//      then `ls -lR` and `find` over them, on the mount, on the local disk and, when MooseFS is
//      installed (bench/moosefs.ts), on a MooseFS mount of its own FUSE client;
//   4. stat calls per second from one process (python3's os.stat): each of those files once,
//      past the attribute timeout (each stat asks the file system), and one file again and
//      again within it (the kernel answers from its cache).
//
//   MIMALLOC_PURGE_DELAY=-1 bun run bench/mount.ts [--size-mib 1024] [--files 10000]
//        [--file-kib 4] [--binary PATH] [--moosefs-mount DIR] [--skip-moosefs]
//
// Every byte of the big file is checked (SHA-256 of what each read gave). It needs root (the
// mount calls mount(2)) and prints one line without it. It prints figures and ratios and
// always exits 0: a slow or shared machine gives smaller numbers, not a failure.
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { startMooseFs, type MooseFs } from "./moosefs.ts";
import { binaryArg, binaryText, clusterText, cpuBetween, cpuSnapshot, cpuText, int, makeTempDir, MiB, numberArg, onCleanup, out, pattern, runBench, startCluster, track, type Cluster, type CpuUse } from "./support.ts";

const RACKS = ["/r1", "/r1", "/r2"];
const FOLDERS = 100;
const MOUNT_TIMEOUT_MS = 30_000;
const COMMAND_TIMEOUT_MS = 1_800_000;
/** The goal for dd through the mount against fs put / fs get. */
const MOUNT_TO_CLI_GOAL = 0.7;
/** Past the mount's attribute timeout (1 s) with room: the next stat asks the file system again. */
const ATTR_EXPIRY_WAIT_MS = 1_500;

const sizeBytes = numberArg("size-mib", 1024, 1) * MiB;
const files = numberArg("files", 10_000, 1);
const fileBytes = numberArg("file-kib", 4, 0) * 1024;
const skipMooseFs = process.argv.includes("--skip-moosefs");

const secs = (seconds: number) => `${seconds.toFixed(2)} s`;
const mbps = (bytes: number, seconds: number) => (seconds > 0 ? `${(bytes / 1e6 / seconds).toFixed(1)} MB/s` : "—");
const ratio = (a: number, b: number) => (a > 0 && b > 0 ? `${(a / b).toFixed(2)}×` : "—");

interface Timed {
  seconds: number;
  cpu: CpuUse;
}

/** Runs a command to its end, failing with its stderr on a non-zero exit; its CPU counts as the client's. */
async function timed(cmd: string[], pids: () => number[], env: Record<string, string> = {}): Promise<Timed & { stdout: string }> {
  const before = cpuSnapshot(pids());
  const startMs = performance.now();
  const child = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, LC_ALL: "C", ...env } });
  const timer = setTimeout(() => child.kill("SIGKILL"), COMMAND_TIMEOUT_MS);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  const seconds = (performance.now() - startMs) / 1000;
  if (code !== 0) throw new Error(`${cmd.join(" ").slice(0, 160)} exited ${code}: ${stderr.trim().slice(-300)}`);
  const usage = child.resourceUsage();
  const childCpu = usage ? Number(usage.cpuTime.user + usage.cpuTime.system) / 1e6 : 0;
  const cpu = cpuBetween(before, cpuSnapshot(pids()));
  return { seconds, stdout, cpu: { peers: cpu.peers, client: cpu.client + childCpu, rest: Math.max(0, cpu.rest - childCpu) } };
}

const isMounted = (mountPoint: string) => readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((line) => line.split(" ")[4] === mountPoint);

/** A `tessera mount -f` process, unmounted at cleanup (lazily at an exit that cannot wait). */
class TesseraMount {
  private child?: Subprocess<"ignore", "ignore", "pipe">;
  private stderrText = "";

  constructor(
    private readonly binary: string,
    private readonly cluster: Cluster,
    readonly mountPoint: string,
  ) {
    onCleanup(
      () => this.unmount(),
      () => {
        if (isMounted(mountPoint)) Bun.spawnSync(["umount", "-l", mountPoint]);
      },
    );
  }

  pid(): number[] {
    return this.child ? [this.child.pid] : [];
  }

  async mount(): Promise<void> {
    const join = this.cluster.peers.flatMap((peer) => ["--join", peer.address]);
    const child = track(Bun.spawn([this.binary, "mount", this.mountPoint, ...join, "--swarm-key", this.cluster.swarmKeyPath, "-f"], { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, TESSERA_LOG: "warn" } }));
    this.child = child;
    this.stderrText = "";
    void (async () => {
      const decoder = new TextDecoder();
      for await (const piece of child.stderr) this.stderrText = (this.stderrText + decoder.decode(piece, { stream: true })).slice(-4096);
    })().catch(() => {});
    const deadlineMs = performance.now() + MOUNT_TIMEOUT_MS;
    while (!isMounted(this.mountPoint)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`tessera mount exited before mounting: ${this.stderrText.trim().slice(-300)}`);
      if (performance.now() > deadlineMs) throw new Error(`${this.mountPoint} was not mounted within ${MOUNT_TIMEOUT_MS} ms`);
      await Bun.sleep(20);
    }
  }

  async unmount(): Promise<void> {
    if (isMounted(this.mountPoint)) {
      const plain = await Bun.spawn([this.binary, "umount", this.mountPoint], { stdout: "ignore", stderr: "ignore" }).exited;
      if (plain !== 0 && isMounted(this.mountPoint)) await Bun.spawn(["umount", "-l", this.mountPoint], { stdout: "ignore", stderr: "ignore" }).exited;
    }
    if (this.child && this.child.exitCode === null) {
      const timer = setTimeout(() => this.child?.kill("SIGKILL"), 10_000);
      await this.child.exited;
      clearTimeout(timer);
    }
    this.child = undefined;
  }
}

/** `files` files of `fileBytes` bytes in FOLDERS folders under `dir`, each of its own pattern. */
function makeSmallFiles(dir: string): void {
  for (let i = 0; i < files; i++) {
    const folder = join(dir, `d${String(i % FOLDERS).padStart(3, "0")}`);
    if (i < FOLDERS) mkdirSync(folder, { recursive: true });
    const fd = openSync(join(folder, `f${String(i).padStart(6, "0")}`), "w");
    writeSync(fd, pattern(fileBytes, i + 1));
    closeSync(fd);
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const piece of Bun.file(path).stream()) hash.update(piece);
  return hash.digest("hex");
}

interface TreeFigures {
  where: string;
  cp?: Timed;
  ls?: Timed;
  find?: Timed;
  statCold?: number;
  statWarm?: number;
  error?: string;
}

// Two stat figures from one process: every file once, after the mount's attribute timeout
// has passed since the listing (each stat asks the file system), then one file again and
// again for half a second (within the timeout: the kernel answers from its cache).
const STAT_SCRIPT = [
  "import os, sys, time",
  "paths = [os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs]",
  "time.sleep(float(sys.argv[2]))",
  "t = time.perf_counter()",
  "for p in paths: os.stat(p)",
  "each = len(paths) / (time.perf_counter() - t)",
  "n, t = 0, time.perf_counter()",
  "while time.perf_counter() - t < 0.5:",
  "    for _ in range(100): os.stat(paths[0])",
  "    n += 100",
  "print(each, n / (time.perf_counter() - t))",
].join("\n");

/** cp -r of the small files into `target`, then ls -lR, find and stat over the copy. */
async function tree(where: string, source: string, target: string, pids: () => number[]): Promise<TreeFigures> {
  const figures: TreeFigures = { where };
  try {
    figures.cp = await timed(["cp", "-r", source, target], pids);
    figures.ls = await timed(["sh", "-c", `ls -lR '${target}' > /dev/null`], pids);
    const found = await timed(["find", target], pids);
    figures.find = found;
    const entries = found.stdout.trim().split("\n").length;
    if (entries !== files + FOLDERS + 1) throw new Error(`find listed ${entries} entries, not ${files + FOLDERS + 1}`);
    const stat = await timed(["python3", "-c", STAT_SCRIPT, target, String(ATTR_EXPIRY_WAIT_MS / 1000)], pids);
    const [cold, warm] = stat.stdout.trim().split(" ").map(Number);
    figures.statCold = cold;
    figures.statWarm = warm;
  } catch (err) {
    figures.error = (err as Error).message;
  }
  return figures;
}

async function main(): Promise<void> {
  const binary = binaryArg(import.meta.dir);
  if (!binary) return;
  if (process.getuid?.() !== 0 || !existsSync("/dev/fuse")) {
    out("bench/mount needs root and /dev/fuse (tessera mount calls mount(2) itself): nothing measured");
    return;
  }
  const root = makeTempDir("bench-mount");
  out(`bench/mount: ${binaryText(binary)}; ${int(sizeBytes / MiB)} MiB sequential, ${int(files)} files of ${int(fileBytes)} B, replication 3`);
  const cluster = await startCluster(binary, root, RACKS);
  out(clusterText(cluster, RACKS));
  out("CPU s of \"peers\" below: the three peers and the mount process together");
  const mnt = join(root, "mnt");
  mkdirSync(mnt);
  const mount = new TesseraMount(binary, cluster, mnt);
  const pids = () => [...cluster.pids(), ...mount.pid()];
  const cliEnv = { TESSERA_JOIN: cluster.peers.map((peer) => peer.address).join(","), TESSERA_SWARM_KEY: cluster.swarmKeyPath, TESSERA_LOG: "warn" };

  // ---- 1 and 2: sequential ----
  const local = join(root, "big.bin");
  {
    const fd = openSync(local, "w");
    const piece = 8 * MiB;
    for (let at = 0, seed = 1; at < sizeBytes; at += piece, seed++) writeSync(fd, pattern(Math.min(piece, sizeBytes - at), seed));
    closeSync(fd);
  }
  const expected = await sha256Of(local);
  const put = await timed([binary, "fs", "put", local, "/put.bin"], pids, cliEnv);
  const gotPath = join(root, "got.bin");
  const get = await timed([binary, "fs", "get", "/put.bin", gotPath], pids, cliEnv);
  const getOk = (await sha256Of(gotPath)) === expected;
  Bun.spawnSync(["rm", "-f", gotPath]);

  await mount.mount();
  const ddWrite = await timed(["dd", `if=${local}`, `of=${join(mnt, "dd.bin")}`, "bs=1M", "conv=fsync", "status=none"], pids);
  // A fresh mount process and superblock: nothing of the file is in the page cache.
  await mount.unmount();
  await mount.mount();
  const ddPath = join(root, "dd-read.bin");
  const ddRead = await timed(["dd", `if=${join(mnt, "dd.bin")}`, `of=${ddPath}`, "bs=1M", "status=none"], pids);
  const ddOk = (await sha256Of(ddPath)) === expected;
  Bun.spawnSync(["rm", "-f", ddPath, local]);

  out("");
  out(`sequential, ${int(sizeBytes / MiB)} MiB at replication 3 | time | rate | CPU`);
  out(`  tessera fs put              | ${secs(put.seconds)} | ${mbps(sizeBytes, put.seconds)} | ${cpuText(put.cpu)}`);
  out(`  dd bs=1M conv=fsync → mount | ${secs(ddWrite.seconds)} | ${mbps(sizeBytes, ddWrite.seconds)} | ${cpuText(ddWrite.cpu)}`);
  out(`  tessera fs get              | ${secs(get.seconds)} | ${mbps(sizeBytes, get.seconds)} | ${cpuText(get.cpu)}${getOk ? "" : " | WRONG BYTES"}`);
  out(`  dd bs=1M ← fresh mount      | ${secs(ddRead.seconds)} | ${mbps(sizeBytes, ddRead.seconds)} | ${cpuText(ddRead.cpu)}${ddOk ? "" : " | WRONG BYTES"}`);
  const writeRatio = put.seconds / ddWrite.seconds;
  const readRatio = get.seconds / ddRead.seconds;
  out(`  mount / CLI: write ${ratio(put.seconds, ddWrite.seconds)}, read ${ratio(get.seconds, ddRead.seconds)} (goal ≥ ${MOUNT_TO_CLI_GOAL}× each: write ${writeRatio >= MOUNT_TO_CLI_GOAL ? "met" : "missed"}, read ${readRatio >= MOUNT_TO_CLI_GOAL ? "met" : "missed"})`);

  // ---- 3 and 4: small files ----
  const source = join(root, "small-src");
  makeSmallFiles(source);
  const results: TreeFigures[] = [];
  results.push(await tree("tessera mount", source, join(mnt, "small"), pids));
  const localTarget = join(root, "local-copy");
  results.push(await tree("local disk", source, localTarget, pids));
  let moose: MooseFs | string = "MooseFS skipped (--skip-moosefs)";
  if (!skipMooseFs) moose = await startMooseFs(root);
  if (typeof moose === "string") out(moose);
  else {
    const moosePids = moose.pids;
    results.push(await tree("MooseFS mount", source, join(moose.mount, "small"), () => [...pids(), ...moosePids()]));
  }

  out("");
  out(`${int(files)} files of ${int(fileBytes)} B in ${FOLDERS} folders | cp -r | files/s | ls -lR | find | stat/s, each file once | stat/s, one file again within 1 s`);
  for (const row of results) {
    if (row.error) {
      out(`  ${row.where}: failed: ${row.error}`);
      continue;
    }
    out(`  ${row.where} | ${secs(row.cp!.seconds)} | ${int(files / row.cp!.seconds)} | ${secs(row.ls!.seconds)} | ${secs(row.find!.seconds)} | ${int(row.statCold!)} | ${int(row.statWarm!)}`);
  }
  const [tessera, disk] = results;
  const mooseRow = results[2];
  if (tessera && !tessera.error && disk && !disk.error) {
    out(`  mount / local disk: cp -r ${ratio(disk.cp!.seconds, tessera.cp!.seconds)}, ls -lR ${ratio(disk.ls!.seconds, tessera.ls!.seconds)}, find ${ratio(disk.find!.seconds, tessera.find!.seconds)}, stat ${ratio(tessera.statCold!, disk.statCold!)}`);
  }
  if (tessera && !tessera.error && mooseRow && !mooseRow.error) {
    out(`  mount / MooseFS: cp -r ${ratio(mooseRow.cp!.seconds, tessera.cp!.seconds)}, ls -lR ${ratio(mooseRow.ls!.seconds, tessera.ls!.seconds)}, find ${ratio(mooseRow.find!.seconds, tessera.find!.seconds)}, stat ${ratio(tessera.statCold!, mooseRow.statCold!)}`);
  }
  if (tessera?.cp) out(`  CPU of the mount's cp -r: ${cpuText(tessera.cp.cpu)}`);
}

await runBench(main);
