// A namespace of a million files (issue 12, item 5): builds 1,000,000 files in 10,000 folders
// (one folder holds 100,000 of them), each file one committed chunk of 3 replicas, and then
// measures, with peers as processes of dist/tessera on loopback:
//   - the namespace's size on disk (the SQLite database, the Raft log and snapshot);
//   - the time for the restarted leader to serve again (process start to the first answer);
//   - the leader's resident memory (VmRSS) once serving, after idling and after the listing,
//     and its CPU while idle (what it spends on a million files when nobody asks anything);
//   - the time to list the 100,000-entry folder page by page (FileSystemClient.listPages, and
//     `tessera fs ls` into a pipe), never holding the listing whole;
//   - the time for a new voter to receive the snapshot (start to the leader seeing its log
//     match the snapshot's index) and to become a voter.
//
// How the million files are made (--build):
//   apply    (default) the state machine's own apply, offline: the first peer is started and
//            stopped, then this process appends the commands (mkdir; create, addChunk,
//            commitChunk, complete per file) to its namespace with Namespace.applyBatch, a
//            transaction per batch as a follower's RaftNode applies them, and installs the
//            result as the Raft snapshot at the last index (DiskStorage.applySnapshot, what a
//            follower does with a leader's snapshot). What is measured afterwards is then the
//            state a cluster reaches by committing those commands: the build's speed is not.
//   propose  through Raft: the first peer runs inside this process (startPeer) and the commands
//            are proposed to its RaftNode, up to --in-flight files at once, so Raft's group
//            commit batches them and the WAL fsyncs them. Slower; the build rate is a figure.
// No chunk server holds the chunks: the leader sees them all as missing, as after losing
// every chunk server, which is what its replicator then scans.
//
//   bun run bench/million.ts [--files N] [--folders N] [--big N] [--chunks 1|0]
//                            [--build apply|propose] [--batch-files N] [--in-flight N] [--binary PATH]
//
// It prints figures and always exits 0: a slow or shared machine gives slower numbers.
import { existsSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import type { ClusterClient } from "../src/client/cluster.ts";
import { Namespace } from "../src/master/state/namespace.ts";
import { encodeLogCommand, type TypedLogCommand } from "../src/master/state/log-command.ts";
import { MASTER_DB_FILE, MASTER_DIR, RAFT_DIR } from "../src/peer/data-dir.ts";
import { startPeer } from "../src/peer/peer.ts";
import { decodeSwarmKey } from "../src/net/swarm-key.ts";
import { DiskStorage } from "../src/raft/wal.ts";
import { encodeSnapshotDescriptor, hashFile } from "../src/raft/snapshot-file.ts";
import type { Entry } from "../src/raft/types.ts";
import { setLogLevel } from "../src/util/log.ts";
import {
  arg,
  binaryArg,
  binaryText,
  closeClient,
  CLUSTER_FORM_TIMEOUT_MS,
  connectPaced,
  goal,
  int,
  machineLoad,
  makeTempDir,
  mib,
  numberArg,
  out,
  processCpuSeconds,
  processRssBytes,
  runBench,
  sleep,
  startPeerProcess,
  stopPeerProcess,
  waitFor,
  watchRss,
  type PeerProcess,
} from "./support.ts";

const FILES_DEFAULT = 1_000_000;
const FOLDERS_DEFAULT = 10_000;
const BIG_DEFAULT = 100_000;
const BATCH_FILES_DEFAULT = 2_000;
const IN_FLIGHT_DEFAULT = 256;
const PROPOSAL_TIMEOUT_MS = 60_000;
const IDLE_SECONDS = 5;
const CHUNK_SIZE_BYTES = 64 * 1024 * 1024;
const FILE_SIZE_BYTES = 1_000_000;
const CLIENT_ID = "bench-million-0001";
const ROOT = "/million";
// Issue 12, "What must be shown".
const GOAL = { rssBytes: 350 * 1024 * 1024, restartMs: 5_000, listMs: 3_000 };
const PROGRESS_EVERY_FILES = 100_000;

export interface Layout {
  files: number;
  folders: number;
  big: number;
  chunks: boolean;
}

const folderPath = (d: number) => `${ROOT}/d${String(d).padStart(5, "0")}`;
/** File i: the first `big` in folder 0, the rest spread over the other folders in turn. */
const filePath = (layout: Layout, i: number) => `${folderPath(i < layout.big ? 0 : 1 + ((i - layout.big) % (layout.folders - 1)))}/f${String(i).padStart(7, "0")}`;

const figures = new Map<string, string>();
// The figures the goals are about, as numbers.
const measured: { restartMs?: number; listMs?: number; rssBytes: number[] } = { rssBytes: [] };
function figure(name: string, value: string): void {
  figures.set(name, value);
  out(`  ${name}: ${value}`);
}

async function fakeReplicas(): Promise<string[]> {
  return Promise.all([0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString()));
}

/** The commands of files [from, to), in three waves: creates, then addChunks, then commits and completes (each needs the one before's answer). */
function commandsOf(layout: Layout, from: number, to: number, nowMs: number) {
  const creates: TypedLogCommand[] = [];
  for (let i = from; i < to; i++) creates.push({ create: { path: filePath(layout, i), replication: 3, chunkSizeBytes: CHUNK_SIZE_BYTES, clientId: CLIENT_ID, leaseExpiryMs: nowMs + 60_000, mtimeMs: nowMs } });
  const addChunk = (fileId: number, replicas: string[]): TypedLogCommand => ({ addChunk: { fileId, clientId: CLIENT_ID, replicas, version: 1 } });
  const finish = (fileId: number, chunkId: string | undefined): TypedLogCommand[] => [
    ...(chunkId ? [{ commitChunk: { fileId, chunkId, version: 1, sizeBytes: FILE_SIZE_BYTES, clientId: CLIENT_ID } }] : []),
    { complete: { fileId, clientId: CLIENT_ID, mtimeMs: nowMs } },
  ];
  return { creates, addChunk, finish };
}

// ---- building by the state machine's own apply ----

export async function buildByApply(dataDir: string, layout: Layout, batchFiles: number): Promise<{ index: number; entries: number }> {
  const storage = await DiskStorage.open(join(dataDir, RAFT_DIR));
  const namespace = Namespace.open({ path: join(dataDir, MASTER_DIR, MASTER_DB_FILE) });
  try {
    const { hardState, confState } = storage.initialState();
    let index = namespace.appliedIndex();
    if (hardState.commit !== storage.lastIndex() || index !== storage.lastIndex()) {
      throw new Error(`the first peer did not stop with its log committed and applied (last ${storage.lastIndex()}, commit ${hardState.commit}, applied ${index})`);
    }
    const term = hardState.term;
    let entries = 0;
    const apply = (commands: TypedLogCommand[]): unknown[] => {
      const batch: Entry[] = commands.map((command) => ({ index: ++index, term, type: "normal", data: encodeLogCommand(command) }));
      entries += batch.length;
      return namespace.applyBatch(batch).map((result, i) => {
        if (!result.ok) throw new Error(`entry ${batch[i]!.index} was rejected: ${result.error.message}`);
        return result.value;
      });
    };
    const nowMs = Date.now();
    for (let d = 0; d < layout.folders; d += batchFiles) apply(Array.from({ length: Math.min(batchFiles, layout.folders - d) }, (_, k) => ({ mkdir: { path: folderPath(d + k), parents: true, mtimeMs: nowMs } })));
    const replicas = await fakeReplicas();
    for (let from = 0; from < layout.files; from += batchFiles) {
      const to = Math.min(layout.files, from + batchFiles);
      const { creates, addChunk, finish } = commandsOf(layout, from, to, nowMs);
      const fileIds = apply(creates).map((value) => (value as { fileId: number }).fileId);
      const chunkIds = layout.chunks ? apply(fileIds.map((fileId) => addChunk(fileId, replicas))).map((value) => (value as { chunkId: string }).chunkId) : [];
      apply(fileIds.flatMap((fileId, k) => finish(fileId, chunkIds[k])));
      if (Math.floor(to / PROGRESS_EVERY_FILES) > Math.floor(from / PROGRESS_EVERY_FILES)) out(`    ${int(to)} files, RSS of this process ${mib(process.memoryUsage.rss())}`);
    }
    // What a follower does with a leader's snapshot: the log restarts at its index. The
    // snapshot is a file (VACUUM INTO), taken by the storage as a received one would be.
    const meta = { index, term, confState };
    const written = join(dataDir, RAFT_DIR, "million-build.part");
    namespace.snapshotToFile(written);
    const id = await hashFile(written);
    renameSync(written, storage.incomingSnapshotPath(meta, id));
    await storage.applySnapshot({ meta, data: encodeSnapshotDescriptor(id) });
    return { index, entries };
  } finally {
    namespace.close();
    await storage.close();
  }
}

// ---- building through Raft, on a peer inside this process ----

async function buildByPropose(dataDir: string, swarmKeyPath: string, layout: Layout, inFlight: number): Promise<{ index: number; entries: number }> {
  const peer = await startPeer({ dataDir, listen: ["/ip4/127.0.0.1/tcp/0"], http: false, swarmKey: decodeSwarmKey(readFileSync(swarmKeyPath, "utf8")) });
  try {
    await waitFor("the embedded peer to lead", CLUSTER_FORM_TIMEOUT_MS, async () => (peer.raft.isLeader ? true : undefined));
    let entries = 0;
    const propose = async (command: TypedLogCommand): Promise<unknown> => {
      entries += 1;
      return peer.raft.propose(encodeLogCommand(command), PROPOSAL_TIMEOUT_MS);
    };
    const nowMs = Date.now();
    const replicas = await fakeReplicas();
    const pool = async (count: number, work: (i: number) => Promise<void>) => {
      let next = 0;
      await Promise.all(Array.from({ length: Math.min(inFlight, count) }, async () => {
        while (next < count) await work(next++);
      }));
    };
    await pool(layout.folders, async (d) => void (await propose({ mkdir: { path: folderPath(d), parents: true, mtimeMs: nowMs } })));
    let done = 0;
    await pool(layout.files, async (i) => {
      const { creates, addChunk, finish } = commandsOf(layout, i, i + 1, nowMs);
      const { fileId } = (await propose(creates[0]!)) as { fileId: number };
      const chunkId = layout.chunks ? ((await propose(addChunk(fileId, replicas))) as { chunkId: string }).chunkId : undefined;
      for (const command of finish(fileId, chunkId)) await propose(command);
      done += 1;
      if (done % PROGRESS_EVERY_FILES === 0) out(`    ${int(done)} files, RSS of this process ${mib(process.memoryUsage.rss())}`);
    });
    return { index: peer.raft.appliedIndex, entries };
  } finally {
    await peer.stop();
  }
}

// ---- measuring ----

/**
 * What a resident set is made of, from /proc/<pid>/status: RssAnon (heaps: Bun's JavaScript
 * heap, SQLite's page cache, malloc), RssFile (pages of mapped files: mostly the 100 MB binary
 * itself), RssShmem (shared memory: SQLite's -shm index of its WAL).
 */
function rssParts(pid: number): string {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (key: string) => Number(/^(\S+):\s+(\d+)/m.exec(status.split("\n").find((line) => line.startsWith(`${key}:`)) ?? "")?.[2] ?? NaN) * 1024;
    return `anon ${mib(kib("RssAnon"))}, file ${mib(kib("RssFile"))}, shmem ${mib(kib("RssShmem"))}`;
  } catch {
    return "parts unknown";
  }
}


function bytesUnder(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0);
}

async function main(): Promise<void> {
  setLogLevel("warn");
  const layout: Layout = {
    files: Math.floor(numberArg("files", FILES_DEFAULT, 1)),
    folders: Math.floor(numberArg("folders", FOLDERS_DEFAULT, 2)),
    big: Math.floor(numberArg("big", BIG_DEFAULT, 1)),
    chunks: numberArg("chunks", 1, 0) > 0,
  };
  if (layout.big >= layout.files) {
    out(`--big (${layout.big}) must be smaller than --files (${layout.files})`);
    return;
  }
  const build = arg("build") ?? "apply";
  if (build !== "apply" && build !== "propose") {
    out(`--build is apply or propose, not "${build}"`);
    return;
  }
  const batchFiles = Math.floor(numberArg("batch-files", BATCH_FILES_DEFAULT, 1));
  const inFlight = Math.floor(numberArg("in-flight", IN_FLIGHT_DEFAULT, 1));
  const binary = binaryArg(import.meta.dir);
  if (!binary) return;
  const root = makeTempDir("million");
  out(`million: ${int(layout.files)} files (${layout.chunks ? "one committed chunk of 3 replicas each" : "empty"}) in ${int(layout.folders)} folders, ${int(layout.big)} of them in ${folderPath(0)}; built by ${build}; data dirs in ${root}`);
  out(binaryText(binary));
  const idleCores = await machineLoad(1);
  out(`machine: ${availableParallelism()} cores, ${idleCores.toFixed(2)} of them busy with other work before the run (load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")})`);
  out();

  // 1. The first peer makes its identity, swarm key and a one-voter cluster, then stops.
  const p1Dir = join(root, "p1");
  let p1 = await startPeerProcess(binary, "p1", p1Dir, ["--rack", "/r1"]);
  const swarmKeyPath = join(p1Dir, "swarm.key");
  const swarmKey = decodeSwarmKey(readFileSync(swarmKeyPath, "utf8"));
  let client = await connectPaced(p1.address, swarmKey);
  await waitFor("the first peer to lead", CLUSTER_FORM_TIMEOUT_MS, async () => ((await client.status()).leader ? true : undefined));
  await client.fs.mkdir(ROOT);
  await closeClient(client);
  await stopPeerProcess(p1);

  // 2. The build.
  out(`build (${build === "apply" ? "the state machine's own apply, offline, installed as the Raft snapshot" : "proposals to the Raft leader inside this process"})`);
  const started = performance.now();
  const built = build === "apply" ? await buildByApply(p1Dir, layout, batchFiles) : await buildByPropose(p1Dir, swarmKeyPath, layout, inFlight);
  const buildSeconds = (performance.now() - started) / 1000;
  figure("build", `${int(layout.files)} files, ${int(built.entries)} log entries in ${buildSeconds.toFixed(1)} s (${int(layout.files / buildSeconds)} files/s, ${int(built.entries / buildSeconds)} entries/s); last index ${int(built.index)}`);
  const dbBytes = bytesUnder(join(p1Dir, MASTER_DIR));
  const raftBytes = bytesUnder(join(p1Dir, RAFT_DIR));
  figure("namespace on disk", `${mib(dbBytes)} SQLite (${MASTER_DIR}/), ${mib(raftBytes)} Raft log and snapshot (${RAFT_DIR}/): ${int((dbBytes + raftBytes) / layout.files)} bytes per file`);
  out();

  // 3. The leader restarts and serves.
  out("the leader, restarted on the million files");
  const restartedAt = performance.now();
  p1 = await startPeerProcess(binary, "p1", p1Dir, ["--rack", "/r1"]);
  const upMs = performance.now() - restartedAt;
  client = await connectPaced(p1.address, swarmKey);
  const probe = filePath(layout, layout.files - 1);
  await waitFor("the restarted leader to answer a stat", CLUSTER_FORM_TIMEOUT_MS, async () => ((await client.fs.stat(probe)).kind === "file" ? true : undefined), 20);
  const servingMs = performance.now() - restartedAt;
  measured.restartMs = servingMs;
  figure("restart to serving", `${(servingMs / 1000).toFixed(2)} s (start-up line after ${(upMs / 1000).toFixed(2)} s; the first answer is a stat of ${probe})`);
  const rss = () => {
    const bytes = processRssBytes(p1.child.pid);
    measured.rssBytes.push(bytes);
    return `${mib(bytes)} (${rssParts(p1.child.pid)})`;
  };
  figure("leader RSS, serving", rss());
  const cpuBefore = processCpuSeconds(p1.child.pid);
  await sleep(IDLE_SECONDS * 1000);
  figure("leader idle", `${(((processCpuSeconds(p1.child.pid) - cpuBefore) / IDLE_SECONDS) * 100).toFixed(0)}% of a core over ${IDLE_SECONDS} s; RSS ${rss()}`);
  out();

  // 4. The 100,000-entry folder, page by page.
  out(`listing ${folderPath(0)} (${int(layout.big)} entries) page by page`);
  await listBig(client, p1, layout);
  const cli = await timedCli(binary, ["fs", "ls", folderPath(0)], { TESSERA_JOIN: p1.address, TESSERA_SWARM_KEY: swarmKeyPath, TESSERA_LOG: "warn" });
  figure("tessera fs ls into a pipe", `${(cli.ms / 1000).toFixed(2)} s, ${int(cli.lines - 1)} lines${cli.code === 0 ? "" : ` (exit ${cli.code})`}, CLI peak RSS ${mib(cli.maxRssBytes)}`);
  figure("leader RSS after the listings", rss());
  out();

  // 5. A new voter receives the snapshot.
  out("a new peer joins and receives the snapshot");
  const status = await client.status();
  const joinedAt = performance.now();
  const p2 = await startPeerProcess(binary, "p2", join(root, "p2"), ["--rack", "/r2", "--join", p1.address, "--swarm-key", swarmKeyPath]);
  // The leader's progress of the new peer is in state "snapshot" from the moment it starts
  // sending (the file is streamed then) until the peer acknowledges the installed snapshot.
  let sendingFromMs: number | undefined;
  const snapshotMs = await waitFor("the new peer's log to reach the built index", 10 * CLUSTER_FORM_TIMEOUT_MS, async () => {
    const progress = (await client.status()).progress.find((p) => p.peer === p2.id);
    if (progress?.state === "snapshot" && sendingFromMs === undefined) sendingFromMs = performance.now();
    return progress && progress.matchIndex >= built.index ? performance.now() - joinedAt : undefined;
  }, 20);
  const transferMs = sendingFromMs === undefined ? undefined : joinedAt + snapshotMs - sendingFromMs;
  // A snapshot is a metadata file (.snap) and a data file (.data): the size is the data's.
  const snapshots = readdirSync(join(root, "p2", RAFT_DIR)).filter((name) => name.endsWith(".data") && !name.startsWith("snap-0000000000000000-"));
  const snapshotBytes = snapshots.length > 0 ? bytesUnder(join(root, "p2", RAFT_DIR, snapshots.at(-1)!)) : 0;

  figure("new peer's log at the built index", `${(snapshotMs / 1000).toFixed(2)} s after its start (${snapshots.length > 0 ? `by a snapshot: ${snapshots.join(", ")}, ${mib(snapshotBytes)}` : "from the log, no snapshot"}; the leader's commit index was ${int(status.commitIndex)})`);
  if (transferMs !== undefined && snapshotBytes > 0) {
    figure("snapshot sent and installed", `${mib(snapshotBytes)} in ${(transferMs / 1000).toFixed(2)} s (${((snapshotBytes / 1e6) / (transferMs / 1000)).toFixed(0)} MB/s): the leader's progress of the peer in state "snapshot" (sent, written, fsynced, SHA-256 checked, installed, the namespace restored from it) until its log matched, polled every 20 ms`);
  }
  const voterMs = await waitFor("the new peer to be a voter", 10 * CLUSTER_FORM_TIMEOUT_MS, async () => ((await client.status()).voters.includes(p2.id) ? performance.now() - joinedAt : undefined));
  figure("new peer a voter", `${(voterMs / 1000).toFixed(2)} s after its start; its RSS ${mib(processRssBytes(p2.child.pid))} (${rssParts(p2.child.pid)}), the leader's ${rss()}`);
  await closeClient(client);
  out();
  printSummary(layout);
}

async function listBig(client: ClusterClient, leader: PeerProcess, layout: Layout): Promise<void> {
  const cpuBefore = processCpuSeconds(leader.child.pid);
  const started = performance.now();
  let pages = 0;
  let entries = 0;
  let largest = 0;
  for await (const page of client.fs.listPages(folderPath(0))) {
    pages += 1;
    entries += page.length;
    largest = Math.max(largest, page.length);
  }
  const listMs = performance.now() - started;
  measured.listMs = listMs;
  figure("FileSystemClient.listPages", `${(listMs / 1000).toFixed(2)} s for ${int(entries)} entries in ${pages} pages of at most ${int(largest)}${entries === layout.big ? "" : ` (WRONG: ${int(layout.big)} expected)`}; leader CPU ${(processCpuSeconds(leader.child.pid) - cpuBefore).toFixed(2)} s`);
}

/** A CLI command with its stdout counted as it streams, never kept. */
async function timedCli(binary: string, args: string[], env: Record<string, string>): Promise<{ ms: number; lines: number; code: number; maxRssBytes: number }> {
  const started = performance.now();
  const child = Bun.spawn([binary, ...args], { stdin: "ignore", stdout: "pipe", stderr: "ignore", env: { ...process.env, ...env } });
  const rss = watchRss(child.pid);
  let lines = 0;
  for await (const piece of child.stdout) for (const byte of piece) if (byte === 10) lines += 1;
  const code = await child.exited;
  return { ms: performance.now() - started, lines, code, maxRssBytes: rss.stop() };
}

function printSummary(layout?: Layout): void {
  if (figures.size === 0) return;
  out(`summary${layout ? `: ${int(layout.files)} files in ${int(layout.folders)} folders` : ""}`);
  out();
  out("| figure | value |");
  out("|---|---|");
  for (const [name, value] of figures) out(`| ${name} | ${value} |`);
  out();
  const maxRss = measured.rssBytes.length > 0 ? Math.max(...measured.rssBytes) : NaN;
  const check = (value: number | undefined, bound: number, text: (v: number) => string) => (value !== undefined && Number.isFinite(value) ? `${text(value)}, ${goal(value < bound)}` : "not measured");
  out("goals of issue 12 (What must be shown)");
  out(`  leader RSS < ${mib(GOAL.rssBytes)} (MooseFS's figure), the largest seen: ${check(maxRss, GOAL.rssBytes, mib)}`);
  out(`  restart to serving < ${GOAL.restartMs / 1000} s: ${check(measured.restartMs, GOAL.restartMs, (v) => `${(v / 1000).toFixed(2)} s`)}`);
  out(`  listing the ${layout ? int(layout.big) : "big"}-entry folder < ${GOAL.listMs / 1000} s: ${check(measured.listMs, GOAL.listMs, (v) => `${(v / 1000).toFixed(2)} s`)}`);
}

if (import.meta.main) await runBench(main, printSummary);
