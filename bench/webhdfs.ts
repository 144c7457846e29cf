// bench/webhdfs: WebHDFS beside the file system's own client, in the same run.
//
//   bun run bench/webhdfs.ts [--size-mib 1024] [--entries 10000] [--repeats 3] [--binary PATH]
//
// A cluster of three peers of dist/tessera on loopback (admin HTTP on loopback, so user.name is
// accepted). Figures:
//   1. a file of --size-mib: `tessera fs get` (the reference: the CLI's own client), then OPEN
//      through WebHDFS as Hadoop's clients do it: the request to a peer answers 307 to a peer
//      holding the first chunk, whose data URL streams the file; the body is written to a file
//      as it comes. MB/s of each, the ratio (goal: at least 0.8× the reference), bytes checked;
//   2. a folder of --entries files: `tessera fs ls` (the CLI, process start included) and the
//      client's list in this process (the references), then one LISTSTATUS and the
//      LISTSTATUS_BATCH pages (1,000 entries each, startAfter) through WebHDFS; the median of
//      --repeats runs each, with the ratios.
// The bench never fails on a slow machine: it prints what it measured.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { MiB, binaryArg, binaryText, clusterText, int, makeTempDir, median, ms, numberArg, out, pattern, processCpuSeconds, runBench, startCluster, withTimeout } from "./support.ts";

const RACKS = ["/r1", "/r1", "/r2"];
const SIZE_MIB_DEFAULT = 1024;
const ENTRIES_DEFAULT = 10_000;
const REPEATS_DEFAULT = 3;
const GOAL_RATIO = 0.8;
const PHASE_TIMEOUT_MS = 600_000;
// Empty files created at once while filling the folder.
const CREATES_IN_FLIGHT = 32;
const USER = "bench";
const GiB = 1024 * MiB;

async function main(): Promise<void> {
  const sizeBytes = numberArg("size-mib", SIZE_MIB_DEFAULT, 1) * MiB;
  const entries = numberArg("entries", ENTRIES_DEFAULT, 1);
  const repeats = numberArg("repeats", REPEATS_DEFAULT, 1);
  const binary = binaryArg(import.meta.dir);
  if (!binary) return;
  // Peers, CLI and this process act as one user: the first leader makes it the superuser.
  process.env.TESSERA_USER = USER;
  const root = makeTempDir("webhdfs-bench");
  out(`webhdfs: a ${sizeBytes / MiB} MiB file; a folder of ${int(entries)} files, ${repeats} runs each; data dirs in ${root}`);
  out(binaryText(binary));
  const cluster = await startCluster(binary, root, RACKS, { TESSERA_USER: USER, MIMALLOC_PURGE_DELAY: "-1" });
  out(clusterText(cluster, RACKS));
  const env = { ...process.env, TESSERA_JOIN: cluster.peers.map((peer) => peer.address).join(","), TESSERA_SWARM_KEY: cluster.swarmKeyPath, TESSERA_LOG: "warn", TESSERA_USER: USER };
  const cli = async (args: string[]) => {
    const child = Bun.spawn([binary, ...args], { env, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`tessera ${args.join(" ")} failed: ${stderr.trim()}`);
    return stdout;
  };
  const fs = cluster.control.fs;
  // The leader makes the cluster's signing secret when it takes office; a build whose leader does not yet gets it here.
  if ((await fs.getSetting("secret/cluster")) === undefined) await fs.setSetting("secret/cluster", randomBytes(32));
  const http = cluster.follower.http.replace(/\/$/, "");
  const webhdfs = (path: string, params: Record<string, string>) => `${http}/webhdfs/v1${path}?${new URLSearchParams({ ...params, "user.name": USER })}`;
  const peersCpu = () => cluster.pids().reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  out(`WebHDFS asked of ${cluster.follower.name} (a follower); it redirects OPEN to a holder of the first chunk`);
  out();

  // 1. OPEN of a large file beside fs get.
  const local = join(root, "big.bin");
  const data = pattern(sizeBytes, 0x48);
  writeFileSync(local, data);
  const expectedCrc = crc32(data);
  await cli(["fs", "put", local, "/big.bin"]);
  const timed = async (body: () => Promise<unknown>) => {
    const cpuBefore = peersCpu();
    const started = performance.now();
    await withTimeout("a phase", PHASE_TIMEOUT_MS, body());
    return { seconds: (performance.now() - started) / 1000, peersCpuSeconds: peersCpu() - cpuBefore };
  };
  const mbps = (t: { seconds: number }) => sizeBytes / 1e6 / t.seconds;
  const check = (path: string) => (crc32(readFileSync(path)) === expectedCrc ? "" : "  WRONG BYTES");
  out(`${sizeBytes / MiB} MiB file, replication 3`);
  const refPath = join(root, "ref-get.bin");
  const ref = await timed(() => cli(["fs", "get", "/big.bin", refPath]));
  out(`  ${"reference: tessera fs get".padEnd(48)} ${int(mbps(ref)).padStart(6)} MB/s  ${ref.seconds.toFixed(2)} s  peers ${(ref.peersCpuSeconds / (sizeBytes / GiB)).toFixed(2)} CPU-s/GiB${check(refPath)}`);
  const openPath = join(root, "open.bin");
  let redirectedTo = "";
  const open = await timed(async () => {
    const first = await fetch(webhdfs("/big.bin", { op: "OPEN" }), { redirect: "manual" });
    if (first.status !== 307) throw new Error(`OPEN answered ${first.status}, not 307: ${(await first.text()).slice(0, 300)}`);
    redirectedTo = first.headers.get("location") ?? "";
    const data = await fetch(redirectedTo);
    if (data.status !== 200 || !data.body) throw new Error(`the data URL answered ${data.status}`);
    const file = Bun.file(openPath).writer();
    for await (const piece of data.body) file.write(piece);
    await file.end();
  });
  const ratio = mbps(open) / mbps(ref);
  out(`  ${"WebHDFS OPEN, 307 then the data URL".padEnd(48)} ${int(mbps(open)).padStart(6)} MB/s  ${open.seconds.toFixed(2)} s  peers ${(open.peersCpuSeconds / (sizeBytes / GiB)).toFixed(2)} CPU-s/GiB  ${ratio.toFixed(2)}× the reference (${ratio >= GOAL_RATIO ? "goal met" : "goal missed"})${check(openPath)}`);
  out(`    redirected to ${new URL(redirectedTo).host}`);
  out();

  // 2. Listing a folder of many entries.
  out(`a folder of ${int(entries)} empty files`);
  const empty = new Uint8Array(0);
  let nextFile = 0;
  const fillStarted = performance.now();
  await fs.mkdir("/list", { parents: true });
  await Promise.all(
    Array.from({ length: CREATES_IN_FLIGHT }, async () => {
      for (let i = nextFile++; i < entries; i = nextFile++) await fs.put(empty, `/list/f${String(i).padStart(6, "0")}`);
    }),
  );
  out(`  (made in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s)`);
  const runs = async (body: () => Promise<number>) => {
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      const listed = await withTimeout("a listing", PHASE_TIMEOUT_MS, body());
      if (listed !== entries) throw new Error(`a listing saw ${listed} entries, not ${entries}`);
      times.push(performance.now() - started);
    }
    return median(times);
  };
  const cliMs = await runs(async () => (await cli(["fs", "ls", "--json", "/list"])).length > 0 ? entries : 0);
  const clientMs = await runs(async () => {
    let count = 0;
    for await (const page of fs.listPages("/list")) count += page.length;
    return count;
  });
  let pages = 0;
  const listMs = await runs(async () => {
    const answer = (await (await fetch(webhdfs("/list", { op: "LISTSTATUS" }))).json()) as { FileStatuses: { FileStatus: unknown[] } };
    return answer.FileStatuses.FileStatus.length;
  });
  const batchMs = await runs(async () => {
    let count = 0;
    pages = 0;
    for (let after = ""; ; ) {
      const answer = (await (await fetch(webhdfs("/list", { op: "LISTSTATUS_BATCH", ...(after ? { startAfter: after } : {}) }))).json()) as {
        DirectoryListing: { partialListing: { FileStatuses: { FileStatus: Array<{ pathSuffix: string }> } }; remainingEntries: number };
      };
      const statuses = answer.DirectoryListing.partialListing.FileStatuses.FileStatus;
      count += statuses.length;
      pages += 1;
      if (answer.DirectoryListing.remainingEntries === 0 || statuses.length === 0) return count;
      after = statuses[statuses.length - 1]!.pathSuffix;
    }
  });
  const row = (label: string, medianMs: number, note = "") => out(`  ${label.padEnd(48)} ${ms(medianMs).padStart(8)} ms  ${int((entries * 1000) / medianMs).padStart(9)} entries/s${note}`);
  row("reference: tessera fs ls --json (a process)", cliMs);
  row("reference: the client's listPages (in process)", clientMs);
  row("WebHDFS LISTSTATUS (one answer)", listMs, `  ${(cliMs / listMs).toFixed(2)}× fs ls's rate, ${(clientMs / listMs).toFixed(2)}× listPages'`);
  row(`WebHDFS LISTSTATUS_BATCH (${pages} pages)`, batchMs, `  ${(cliMs / batchMs).toFixed(2)}× fs ls's rate, ${(clientMs / batchMs).toFixed(2)}× listPages'`);
}

await runBench(main);
